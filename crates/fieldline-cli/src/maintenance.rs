//! `fieldline maintenance` and `fieldline ack`: quiet times for the fleet status.
//!
//! A maintenance window covers a customer, a site or an endpoint, one-off (`--from`/`--to`)
//! or weekly (`--weekly sun --at 02:00 --for 2h`, in the site's time zone); it holds alerts
//! (or, with `--stop-checking`, does not run the checks). An acknowledgement holds one
//! endpoint's alerts (one check's with `--check`) until it is OK again or `--for` ends.

use crate::sla::parse_time;
use crate::{open_store, Failure};
use clap::{Args, Subcommand};
use fieldline_core::checks::parse_duration;
use fieldline_core::maintenance::{
    Acknowledgement, MaintenanceMode, MaintenanceWindow, Schedule, Scope, ScopeKind,
};
use jiff::tz::TimeZone;
use std::path::Path;

#[derive(Subcommand)]
pub enum MaintenanceCommand {
    /// Adds a window
    Add(Box<AddArgs>),
    /// Lists the windows
    List {
        #[arg(long)]
        json: bool,
    },
    /// Removes a window
    Remove { id: i64 },
}

#[derive(Args)]
pub struct AddArgs {
    #[arg(long, group = "scope")]
    customer: Option<String>,
    #[arg(long, group = "scope")]
    site: Option<String>,
    #[arg(long, group = "scope")]
    endpoint: Option<String>,
    /// One-off: from (RFC 3339, or local "2026-11-29 02:00")
    #[arg(long, requires = "to", conflicts_with = "weekly")]
    from: Option<String>,
    #[arg(long, requires = "from")]
    to: Option<String>,
    /// Weekly on these days: mon,tue,...,sun
    #[arg(long, requires_all = ["at", "length"])]
    weekly: Option<String>,
    /// Weekly: the local start time in the site's zone, HH:MM
    #[arg(long)]
    at: Option<String>,
    /// Weekly: how long ("2h", "90m")
    #[arg(long = "for", id = "length", value_name = "DURATION")]
    length: Option<String>,
    /// Do not run the checks at all (default: run them, hold the alerts)
    #[arg(long)]
    stop_checking: bool,
    #[arg(long, default_value = "")]
    reason: String,
}

#[derive(Subcommand)]
pub enum AckCommand {
    /// Acknowledges an endpoint's problem
    Add {
        endpoint: String,
        /// Only this check (its position in the endpoint's list, from 0)
        #[arg(long)]
        check: Option<u32>,
        /// Why (what is being done)
        #[arg(long)]
        comment: String,
        /// Expires after this long ("4h"); default: when it is OK again
        #[arg(long = "for", value_name = "DURATION")]
        length: Option<String>,
    },
    List {
        #[arg(long)]
        json: bool,
    },
    Remove {
        id: i64,
    },
}

const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

fn seconds(text: &str) -> Result<u64, Failure> {
    parse_duration(&serde_json::Value::String(text.into()))
        .map(|d| d.as_secs())
        .map_err(Failure)
}

fn schedule(args: &AddArgs) -> Result<Schedule, Failure> {
    if let (Some(from), Some(to)) = (&args.from, &args.to) {
        let zone = TimeZone::system();
        return Ok(Schedule::Once {
            from: parse_time(from, &zone)?.as_second(),
            to: parse_time(to, &zone)?.as_second(),
        });
    }
    let (Some(days), Some(at), Some(length)) = (&args.weekly, &args.at, &args.length) else {
        return Err(Failure(
            "give --from and --to, or --weekly DAYS --at HH:MM --for DURATION".into(),
        ));
    };
    let days = days
        .split(',')
        .map(|d| {
            let d = d.trim().to_lowercase();
            DAYS.iter()
                .position(|x| d.starts_with(x))
                .map(|i| i as u8)
                .ok_or_else(|| Failure(format!("{d:?} is not a day (mon, tue, ..., sun)")))
        })
        .collect::<Result<Vec<u8>, Failure>>()?;
    let (h, m) = at
        .split_once(':')
        .and_then(|(h, m)| Some((h.parse::<u16>().ok()?, m.parse::<u16>().ok()?)))
        .filter(|(h, m)| *h < 24 && *m < 60)
        .ok_or_else(|| Failure(format!("{at:?} is not a time like 02:00")))?;
    Ok(Schedule::Weekly {
        days,
        start_minute: h * 60 + m,
        minutes: (seconds(length)? / 60) as u32,
    })
}

fn describe(w: &MaintenanceWindow) -> String {
    let when = match &w.schedule {
        Schedule::Once { from, to } => {
            let t = |s: i64| {
                jiff::Timestamp::from_second(s)
                    .map(|t| t.to_string())
                    .unwrap_or_default()
            };
            format!("from {} to {}", t(*from), t(*to))
        }
        Schedule::Weekly {
            days,
            start_minute,
            minutes,
        } => format!(
            "every {} at {:02}:{:02} for {} min (site time)",
            days.iter()
                .map(|d| DAYS[*d as usize % 7])
                .collect::<Vec<_>>()
                .join(","),
            start_minute / 60,
            start_minute % 60,
            minutes
        ),
    };
    let mode = match w.mode {
        MaintenanceMode::StopNotifying => "alerts held",
        MaintenanceMode::StopChecking => "checks stopped",
    };
    let kind = match w.scope.kind {
        ScopeKind::Customer => "customer",
        ScopeKind::Site => "site",
        ScopeKind::Endpoint => "endpoint",
    };
    let reason = if w.reason.is_empty() {
        String::new()
    } else {
        format!(": {}", w.reason)
    };
    format!("#{} {kind} {} {when}, {mode}{reason}", w.id, w.scope.id)
}

pub fn run_maintenance(cmd: MaintenanceCommand, data_dir: Option<&Path>) -> Result<(), Failure> {
    let mut store = open_store(data_dir)?;
    match cmd {
        MaintenanceCommand::Add(args) => {
            let scope = match (&args.customer, &args.site, &args.endpoint) {
                (Some(id), _, _) => Scope {
                    kind: ScopeKind::Customer,
                    id: id.clone(),
                },
                (_, Some(id), _) => Scope {
                    kind: ScopeKind::Site,
                    id: id.clone(),
                },
                (_, _, Some(id)) => Scope {
                    kind: ScopeKind::Endpoint,
                    id: id.clone(),
                },
                _ => {
                    return Err(Failure(
                        "say what it covers: --customer, --site or --endpoint ID".into(),
                    ))
                }
            };
            let window = store.add_maintenance(MaintenanceWindow {
                id: 0,
                scope,
                mode: if args.stop_checking {
                    MaintenanceMode::StopChecking
                } else {
                    MaintenanceMode::StopNotifying
                },
                schedule: schedule(&args)?,
                reason: args.reason.clone(),
            })?;
            println!("added {}", describe(&window));
        }
        MaintenanceCommand::List { json } => {
            let windows = store.maintenance()?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&windows).map_err(|e| Failure(e.to_string()))?
                );
            } else if windows.is_empty() {
                println!("no maintenance windows");
            } else {
                for w in &windows {
                    println!("{}", describe(w));
                }
            }
        }
        MaintenanceCommand::Remove { id } => {
            if !store.remove_maintenance(id)? {
                return Err(Failure(format!(
                    "no maintenance window #{id} (see `fieldline maintenance list`)"
                )));
            }
            println!("removed maintenance window #{id}");
        }
    }
    Ok(())
}

pub fn run_ack(cmd: AckCommand, data_dir: Option<&Path>) -> Result<(), Failure> {
    let mut store = open_store(data_dir)?;
    let now = fieldline_store::Clock::from_env()?.now().as_second();
    match cmd {
        AckCommand::Add {
            endpoint,
            check,
            comment,
            length,
        } => {
            let until = length
                .as_deref()
                .map(seconds)
                .transpose()?
                .map(|s| now + s as i64);
            let ack = store.acknowledge(Acknowledgement {
                id: 0,
                endpoint,
                check,
                comment,
                at: now,
                until,
            })?;
            let what = ack
                .check
                .map_or("every check".to_string(), |c| format!("check {c}"));
            println!(
                "acknowledged #{}: {} ({what}): {}",
                ack.id, ack.endpoint, ack.comment
            );
        }
        AckCommand::List { json } => {
            let acks = store.acknowledgements()?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&acks).map_err(|e| Failure(e.to_string()))?
                );
            } else if acks.is_empty() {
                println!("no acknowledgements");
            } else {
                for a in &acks {
                    let what = a
                        .check
                        .map_or("every check".to_string(), |c| format!("check {c}"));
                    println!("#{} {} ({what}): {}", a.id, a.endpoint, a.comment);
                }
            }
        }
        AckCommand::Remove { id } => {
            if !store.remove_acknowledgement(id)? {
                return Err(Failure(format!(
                    "no acknowledgement #{id} (see `fieldline ack list`)"
                )));
            }
            println!("removed acknowledgement #{id}");
        }
    }
    Ok(())
}
