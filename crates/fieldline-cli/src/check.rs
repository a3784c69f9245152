//! `fieldline check`: one round of every check over the fleet (or part of it), problems
//! first. Exit status, as monitoring tools read it: 0 all OK, 1 a WARN, 2 a CRIT, 3 an
//! error (the fleet could not be read) or only UNKNOWN results left to report.
//!
//! `fieldline watch`: rounds until stopped, the screen redrawn after each.

use crate::open_store;
use clap::Args;
use fieldline_core::{CheckState, Fleet};
use fieldline_monitor::probe::Prober;
use fieldline_monitor::round::{run_round, Limits, RoundReport};
use fieldline_monitor::source_prom::{self, PromSource};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

#[derive(Args)]
pub struct CheckArgs {
    /// Print the round as JSON (per endpoint: id, customer, site, state and its checks)
    #[arg(long)]
    json: bool,
    /// Only this customer's endpoints (id)
    #[arg(long)]
    customer: Option<String>,
    /// Only this site's endpoints (id)
    #[arg(long)]
    site: Option<String>,
    /// Only endpoints with this tag
    #[arg(long)]
    tag: Option<String>,
    /// Probes running at once, in all
    #[arg(long, default_value_t = Limits::default().global)]
    concurrency: usize,
    /// Probes running at once against one host
    #[arg(long, default_value_t = Limits::default().per_host)]
    per_host: usize,
    /// Also read this Prometheus (its `up` and alerts, mapped to endpoints by host or by a
    /// `fieldline_endpoint` label): the scale path when the MSP already runs one
    #[arg(long, value_name = "URL")]
    prometheus: Option<String>,
    /// Read alerts and silences from this Alertmanager instead of Prometheus
    #[arg(long, value_name = "URL", requires = "prometheus")]
    alertmanager: Option<String>,
    /// Do not probe from this machine: only what Prometheus says
    #[arg(long, requires = "prometheus")]
    no_probe: bool,
}

#[derive(Args)]
pub struct WatchArgs {
    #[command(flatten)]
    check: CheckArgs,
    /// Seconds between rounds
    #[arg(long, default_value_t = 30)]
    every: u64,
    /// Stop after this many rounds (default: until stopped)
    #[arg(long)]
    rounds: Option<u64>,
}

/// Exit status 3: the round could not run.
fn error(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("fieldline: {message}");
    ExitCode::from(3)
}

pub fn run_check(args: CheckArgs, data_dir: Option<&Path>) -> ExitCode {
    let (fleet, runtime) = match prepare(&args, data_dir) {
        Ok(x) => x,
        Err(e) => return error(e),
    };
    let report = match runtime.block_on(round(&args, Arc::new(Prober::default()), &fleet)) {
        Ok(r) => r,
        Err(e) => return error(e),
    };
    if args.json {
        match serde_json::to_string_pretty(&report) {
            Ok(text) => println!("{text}"),
            Err(e) => return error(format!("cannot write JSON: {e}")),
        }
    } else {
        print!("{}", render(&fleet, &report));
    }
    exit_status(&report)
}

pub fn run_watch(args: WatchArgs, data_dir: Option<&Path>) -> ExitCode {
    let (_, runtime) = match prepare(&args.check, data_dir) {
        Ok(x) => x,
        Err(e) => return error(e),
    };
    let prober = Arc::new(Prober::default());
    let mut rounds = 0;
    loop {
        // The fleet is read again each round: edits in the app show up here.
        let fleet = match prepare(&args.check, data_dir) {
            Ok((fleet, _)) => fleet,
            Err(e) => return error(e),
        };
        let report = match runtime.block_on(round(&args.check, prober.clone(), &fleet)) {
            Ok(r) => r,
            Err(e) => return error(e),
        };
        rounds += 1;
        if args.check.json {
            match serde_json::to_string(&report) {
                Ok(text) => println!("{text}"),
                Err(e) => return error(format!("cannot write JSON: {e}")),
            }
        } else {
            // Clear the screen and home the cursor, then the round.
            print!("\x1b[2J\x1b[H{}", render(&fleet, &report));
            println!("\nround {rounds}, next in {} s (Ctrl-C stops)", args.every);
        }
        if args.rounds.is_some_and(|n| rounds >= n) {
            return exit_status(&report);
        }
        std::thread::sleep(Duration::from_secs(args.every.max(1)));
    }
}

/// One round: the probes (unless `--no-probe`), then what Prometheus says, if asked.
async fn round(
    args: &CheckArgs,
    prober: Arc<Prober>,
    fleet: &Fleet,
) -> Result<RoundReport, String> {
    let mut probed = fleet.clone();
    if args.no_probe {
        for e in &mut probed.endpoints {
            e.checks.clear();
        }
    }
    let mut report = run_round(prober, &probed, limits(args)).await;
    if let Some(url) = &args.prometheus {
        let source = PromSource {
            alertmanager_url: args.alertmanager.clone(),
            ..PromSource::new(url)
        };
        let client = source_prom::client().map_err(|e| e.to_string())?;
        let found = source_prom::read(&client, &source, None, fleet)
            .await
            .map_err(|e| format!("cannot read Prometheus at {url}: {e}"))?;
        for warning in &found.warnings {
            eprintln!("fieldline: {warning}");
        }
        if found.unmatched_count > 0 {
            eprintln!(
                "fieldline: {} series matched no endpoint (first: {})",
                found.unmatched_count,
                found
                    .unmatched
                    .iter()
                    .take(3)
                    .map(|u| format!("{} {}", u.name, u.series))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        report.merge_source(&found);
    }
    Ok(report)
}

fn limits(args: &CheckArgs) -> Limits {
    Limits {
        global: args.concurrency.max(1),
        per_host: args.per_host.max(1),
    }
}

fn prepare(
    args: &CheckArgs,
    data_dir: Option<&Path>,
) -> Result<(Fleet, tokio::runtime::Runtime), String> {
    let store = open_store(data_dir).map_err(|e| e.0)?;
    let mut fleet = store.fleet().map_err(|e| e.to_string())?;
    if let Some(c) = &args.customer {
        if fleet.customer(c).is_none() {
            return Err(format!(
                "no customer with id {c:?} (see `fieldline fleet list`)"
            ));
        }
    }
    if let Some(s) = &args.site {
        if fleet.site(s).is_none() {
            return Err(format!(
                "no site with id {s:?} (see `fieldline fleet list`)"
            ));
        }
    }
    let sites = fleet.sites.clone();
    fleet.endpoints.retain(|e| {
        let customer = sites
            .iter()
            .find(|s| s.id == e.site)
            .map(|s| s.customer.as_str());
        args.customer.as_deref().is_none_or(|c| customer == Some(c))
            && args.site.as_deref().is_none_or(|s| e.site == s)
            && args
                .tag
                .as_deref()
                .is_none_or(|t| e.tags.iter().any(|x| x == t))
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the probes: {e}"))?;
    Ok((fleet, runtime))
}

fn exit_status(report: &RoundReport) -> ExitCode {
    let worst = report
        .endpoints
        .iter()
        .fold(CheckState::Ok, |w, e| w.worst(e.state));
    ExitCode::from(match worst {
        CheckState::Ok | CheckState::Stale => 0,
        CheckState::Warn => 1,
        CheckState::Crit => 2,
        CheckState::Unknown => 3,
    })
}

/// Problems first (worst, then by customer and endpoint), then a count of the rest.
fn render(fleet: &Fleet, report: &RoundReport) -> String {
    let mut out = String::new();
    let mut endpoints: Vec<_> = report.endpoints.iter().collect();
    endpoints.sort_by(|a, b| {
        b.state
            .severity()
            .cmp(&a.state.severity())
            .then_with(|| a.customer.cmp(&b.customer))
            .then_with(|| a.id.cmp(&b.id))
    });
    let mut fine = 0;
    for e in endpoints {
        if !e.state.is_problem() {
            fine += 1;
            continue;
        }
        let customer = fleet
            .customer(&e.customer)
            .map_or(e.customer.as_str(), |c| c.name.as_str());
        let name = if e.name.is_empty() { &e.id } else { &e.name };
        out.push_str(&format!(
            "{:<7} {name} ({customer}, {})\n",
            e.state.as_str(),
            e.id
        ));
        for c in e.checks.iter().filter(|c| c.state.is_problem()) {
            out.push_str(&format!(
                "        {} {}: {}\n",
                c.state.as_str(),
                c.kind.as_str(),
                c.message
            ));
        }
        for r in e.sources.iter().filter(|r| r.state.is_problem()) {
            let silenced = if r.silenced { " (silenced)" } else { "" };
            out.push_str(&format!(
                "        {} prometheus {}: {}{silenced}\n",
                r.state.as_str(),
                r.name,
                r.message
            ));
        }
    }
    let checks: usize = report.endpoints.iter().map(|e| e.checks.len()).sum();
    out.push_str(&format!(
        "{} endpoints, {checks} checks in {:.1} s: {fine} fine, {} with problems\n",
        report.endpoints.len(),
        report.took_ms as f64 / 1000.0,
        report.endpoints.len() - fine
    ));
    out
}
