//! `fieldline sla due`: the SLA calculator. Given a policy file, a priority, the time a
//! ticket was opened and its pauses, it prints when first response and resolution are
//! due and when each warning threshold falls, in the calendar's time zone.

use crate::{open_store, Failure};
use clap::{Args, Subcommand};
use fieldline_sla::policy_file::{self, PolicyFile};
use fieldline_sla::{clock, ClockKind, ClockState, Event, Priority, TicketState};
use fieldline_store::reports;
use fieldline_store::tickets::{board, SlaSource, MAX_SLA_FILE_BYTES};
use fieldline_store::Clock;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use std::path::Path;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Subcommand)]
pub enum SlaCommand {
    /// When a ticket's first response and resolution are due
    Due(DueArgs),
    /// Import the SLA configuration (calendars, policies, contracts) into the store
    Import {
        /// The policy file (TOML); holiday files it names are read next to it
        file: PathBuf,
    },
    /// Open SLA clocks, most urgent first
    List {
        #[arg(long)]
        json: bool,
    },
    /// One notification round: show on the desktop what is due (thresholds, breaches),
    /// as the app does every few seconds
    Notify,
    /// A customer's monthly SLA report (compliance per priority, every ticket)
    Report {
        #[arg(long)]
        customer: String,
        /// The month, like 2026-11
        #[arg(long)]
        month: String,
        /// csv, html or json
        #[arg(long, default_value = "csv")]
        format: String,
        /// Write to FILE instead of standard output
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

#[derive(Args)]
pub struct DueArgs {
    /// The SLA policy file (calendars and policies, TOML)
    #[arg(long, value_name = "FILE")]
    calendar: PathBuf,
    /// Policy id in the file
    #[arg(long, value_name = "NAME")]
    policy: String,
    /// P1, P2, P3 or P4
    #[arg(long)]
    priority: String,
    /// When the ticket was opened: RFC 3339 ("2026-11-24T20:00:00+09:00"), or a local
    /// time in the calendar's zone ("2026-11-24 20:00")
    #[arg(long, value_name = "TIME")]
    opened: String,
    /// A pause (waiting on the customer), as FROM..TO; repeatable
    #[arg(long = "pause", value_name = "FROM..TO")]
    pauses: Vec<String>,
    /// Print JSON
    #[arg(long)]
    json: bool,
}

pub fn run(cmd: SlaCommand, data_dir: Option<&Path>) -> Result<(), Failure> {
    match cmd {
        SlaCommand::Due(args) => due(args),
        SlaCommand::Import { file } => import(&file, data_dir),
        SlaCommand::List { json } => list(json, data_dir),
        SlaCommand::Notify => notify(data_dir),
        SlaCommand::Report {
            customer,
            month,
            format,
            output,
        } => report(&customer, &month, &format, output.as_deref(), data_dir),
    }
}

fn notify(data_dir: Option<&Path>) -> Result<(), Failure> {
    let clock = Clock::from_env()?;
    let mut store = open_store(data_dir)?;
    let desktop = fieldline_notify::desktop::Desktop::new("Fieldline");
    fieldline_notify::engine::restore_on_screen(&store, &desktop)?;
    let round = fieldline_notify::engine::round(&mut store, &desktop, clock.now())?;
    for o in &round.shown {
        println!("shown: {}", o.summary);
    }
    for (o, why) in &round.held {
        println!("held ({why:?}): {}", o.summary);
    }
    for (o, e) in &round.failed {
        eprintln!("fieldline: not shown: {}: {e}", o.summary);
    }
    if round.failed.is_empty() {
        Ok(())
    } else {
        Err(Failure(format!(
            "{} notification(s) could not be shown; they are in the notification centre",
            round.failed.len()
        )))
    }
}

fn report(
    customer: &str,
    month: &str,
    format: &str,
    output: Option<&Path>,
    data_dir: Option<&Path>,
) -> Result<(), Failure> {
    let clock = Clock::from_env()?;
    let store = open_store(data_dir)?;
    let r = store.sla_report(customer, month, clock.now())?;
    let text = match format {
        // A file for a spreadsheet gets the byte order mark; a pipe gets plain CSV.
        "csv" if output.is_some() => reports::csv_file(&r),
        "csv" => reports::to_csv(&r),
        "html" => reports::to_html(&r),
        "json" => serde_json::to_string_pretty(&r).map_err(|e| Failure(e.to_string()))? + "\n",
        other => return Err(Failure(format!("format {other:?}: use csv, html or json"))),
    };
    match output {
        None => print!("{text}"),
        Some(path) => std::fs::write(path, text)
            .map_err(|e| Failure(format!("cannot write {}: {e}", path.display())))?,
    }
    Ok(())
}

fn import(path: &Path, data_dir: Option<&Path>) -> Result<(), Failure> {
    let name = path.display().to_string();
    let (_, source) = read_policy_file(path)?;
    let mut store = open_store(data_dir)?;
    let config = store.import_sla_config(source)?;
    println!(
        "imported {name}: {} policies ({})",
        config.policies.len(),
        config
            .policies
            .keys()
            .cloned()
            .collect::<Vec<_>>()
            .join(", ")
    );
    Ok(())
}

/// A policy file read from disk with the holiday files it names, which are read from its
/// folder. A name that leaves the folder (absolute, or with `..`) is refused: a shared
/// policy file must not read whatever it likes from the technician's disk.
fn read_policy_file(path: &Path) -> Result<(PolicyFile, SlaSource), Failure> {
    let name = path.display().to_string();
    let text = read_bounded(path)?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let files = std::cell::RefCell::new(std::collections::BTreeMap::new());
    let read = |file: &str| -> Result<String, String> {
        let rel = Path::new(file);
        if rel.is_absolute()
            || rel
                .components()
                .any(|c| !matches!(c, std::path::Component::Normal(_)))
        {
            return Err(
                "name a file in the policy file's folder (no absolute paths or \"..\")".into(),
            );
        }
        let text = read_bounded(&dir.join(rel)).map_err(|Failure(e)| e)?;
        files.borrow_mut().insert(file.to_string(), text.clone());
        Ok(text)
    };
    let parsed = policy_file::parse_with(&name, &text, &read)
        .map_err(|issues| Failure(policy_file::render(&issues)))?;
    Ok((
        parsed,
        SlaSource {
            file_name: name,
            text,
            includes: files.into_inner(),
        },
    ))
}

fn read_bounded(path: &Path) -> Result<String, Failure> {
    let name = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|e| Failure(format!("cannot read {name}: {e}")))?;
    if meta.len() > MAX_SLA_FILE_BYTES as u64 {
        return Err(Failure(format!(
            "{name} is larger than 2 MiB; split it into smaller files"
        )));
    }
    std::fs::read_to_string(path).map_err(|e| Failure(format!("cannot read {name}: {e}")))
}

/// "3h 05m", "-0h 20m" for a breach.
pub(crate) fn hm(secs: i64) -> String {
    let sign = if secs < 0 { "-" } else { "" };
    let m = secs.abs() / 60;
    format!("{sign}{}h {:02}m", m / 60, m % 60)
}

fn list(json: bool, data_dir: Option<&Path>) -> Result<(), Failure> {
    let clock = Clock::from_env()?;
    let store = open_store(data_dir)?;
    let now = clock.now();
    let config = store.sla_config()?;
    let rows = board(&store.tickets(true)?, config.as_ref(), now);
    if json {
        let s = serde_json::to_string_pretty(&rows).map_err(|e| Failure(e.to_string()))?;
        println!("{s}");
        return Ok(());
    }
    if rows.is_empty() {
        println!("no open SLA clocks");
        return Ok(());
    }
    let tz = TimeZone::system();
    println!(
        "{:<6} {:<3} {:<16} {:<15} {:>10}  {:<17} {:<9} title",
        "ticket", "pri", "customer", "clock", "left", "due", "state"
    );
    for r in &rows {
        let t = &r.ticket;
        if let Some(e) = &r.error {
            println!(
                "#{:<5} {:<3} {:<16} error: {e}",
                t.id,
                t.priority.as_str(),
                t.customer
            );
            continue;
        }
        for c in &r.clocks {
            let state = if c.level >= 100 {
                "BREACHED".to_string()
            } else if c.paused {
                "paused".to_string()
            } else if c.level > 0 {
                format!("{}%", c.level)
            } else {
                "ok".to_string()
            };
            let due = c
                .due
                .map(|d| {
                    d.to_zoned_datetime(tz.clone())
                        .strftime("%Y-%m-%d %H:%M")
                        .to_string()
                })
                .unwrap_or_else(|| "-".into());
            let kind = match c.kind {
                ClockKind::FirstResponse => "first response",
                ClockKind::Resolution => "resolution",
            };
            println!(
                "#{:<5} {:<3} {:<16} {:<15} {:>10}  {:<17} {:<9} {}",
                t.id,
                t.priority.as_str(),
                t.customer,
                kind,
                hm(c.remaining_secs),
                due,
                state,
                t.title
            );
        }
    }
    Ok(())
}

pub(crate) fn parse_time(text: &str, tz: &TimeZone) -> Result<Timestamp, Failure> {
    if let Ok(t) = text.parse::<Timestamp>() {
        return Ok(t);
    }
    let local: DateTime = text.trim().replace(' ', "T").parse().map_err(|_| {
        Failure(format!(
            "{text:?} is not a time; write \"2026-11-24T20:00:00+09:00\" or \"2026-11-24 20:00\""
        ))
    })?;
    tz.to_ambiguous_timestamp(local)
        .compatible()
        .map_err(|e| Failure(format!("{text:?}: {e}")))
}

pub(crate) fn priority(text: &str) -> Result<Priority, Failure> {
    Priority::parse(text).ok_or_else(|| Failure(format!("priority {text:?}: use P1, P2, P3 or P4")))
}

fn load(path: &Path) -> Result<PolicyFile, Failure> {
    read_policy_file(path).map(|(file, _)| file)
}

/// The clock as it will stand when it runs out, so every threshold has its time.
fn full(events: &[Event], kind: ClockKind, now: Timestamp) -> Result<ClockState, Failure> {
    let at_now = clock(events, kind, now).map_err(|e| Failure(e.to_string()))?;
    match at_now.due {
        Some(due) if due > now => clock(events, kind, due).map_err(|e| Failure(e.to_string())),
        _ => Ok(at_now),
    }
}

fn due(args: DueArgs) -> Result<(), Failure> {
    let file = load(&args.calendar)?;
    let policy = file.policies.get(&args.policy).cloned().ok_or_else(|| {
        Failure(format!(
            "no policy {:?} in {} (policies: {})",
            args.policy,
            args.calendar.display(),
            file.policies.keys().cloned().collect::<Vec<_>>().join(", ")
        ))
    })?;
    let zone_name = policy.calendar.zone_name().to_string();
    let tz = TimeZone::get(&zone_name).map_err(|e| Failure(e.to_string()))?;
    let prio = priority(&args.priority)?;
    let opened = parse_time(&args.opened, &tz)?;
    let mut pauses = Vec::new();
    for p in &args.pauses {
        let (a, b) = p
            .split_once("..")
            .ok_or_else(|| Failure(format!("--pause {p:?}: write it as FROM..TO")))?;
        let (a, b) = (parse_time(a, &tz)?, parse_time(b, &tz)?);
        if b <= a || a < opened {
            return Err(Failure(format!(
                "--pause {p:?}: a pause starts after the ticket was opened and ends after it starts"
            )));
        }
        pauses.push((a, b));
    }
    pauses.sort();
    if pauses.windows(2).any(|w| w[1].0 < w[0].1) {
        return Err(Failure(
            "pauses overlap; give each stretch of waiting once".into(),
        ));
    }
    let mut events = vec![Event::Opened {
        at: opened,
        priority: prio,
        policy: Arc::new(policy.clone()),
    }];
    for (a, b) in &pauses {
        events.push(Event::StateChanged {
            at: *a,
            state: TicketState::WaitingOnCustomer,
        });
        events.push(Event::StateChanged {
            at: *b,
            state: TicketState::InProgress,
        });
    }
    let now = pauses.last().map_or(opened, |p| p.1);
    let first = full(&events, ClockKind::FirstResponse, now)?;
    let resolution = full(&events, ClockKind::Resolution, now)?;

    let show = |t: Timestamp| -> String {
        let z = t.to_zoned_datetime(tz.clone());
        format!(
            "{} ({})",
            z.strftime("%Y-%m-%d %H:%M %:z"),
            z.strftime("%a")
        )
    };
    let iso = |t: Timestamp| {
        t.to_zoned_datetime(tz.clone())
            .strftime("%Y-%m-%dT%H:%M:%S%:z")
            .to_string()
    };
    let mins = |c: &ClockState| c.target.as_secs() / 60;
    if args.json {
        let clock_json = |c: &ClockState| {
            serde_json::json!({
                "target_minutes": mins(c),
                "due": c.due.map(iso),
                "thresholds": c.crossed.iter().map(|(p, at)| serde_json::json!({"percent": p, "at": iso(*at)})).collect::<Vec<_>>(),
            })
        };
        let out = serde_json::json!({
            "policy": args.policy,
            "priority": args.priority.to_ascii_uppercase(),
            "timezone": zone_name,
            "opened": iso(opened),
            "first_response": clock_json(&first),
            "resolution": clock_json(&resolution),
        });
        println!("{out:#}");
        return Ok(());
    }
    println!(
        "policy {}, {}, calendar {zone_name}",
        args.policy,
        args.priority.to_ascii_uppercase()
    );
    println!("opened          {}", show(opened));
    for (name, c) in [("first response", &first), ("resolution", &resolution)] {
        let target = format!("{}h{:02}m", mins(c) / 60, mins(c) % 60);
        match c.due {
            Some(due) => println!("{name:<15} {}   target {target}", show(due)),
            None => println!("{name:<15} (not running)   target {target}"),
        }
        for (p, at) in &c.crossed {
            println!("  {p:>3}%          {}", show(*at));
        }
    }
    Ok(())
}
