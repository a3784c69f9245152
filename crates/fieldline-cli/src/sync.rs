//! `fieldline connection` and `fieldline sync`: helpdesk connections (their secrets go to
//! the OS keychain, read from standard input so they never sit in shell history or
//! `ps`), one sync run, and the conflicts it left for the technician.
//!
//! A token is kept bound to the connection's origin and sent nowhere else, through the
//! same operations as the app's (`fieldline_app::helpdesk`): a connection moved to another
//! origin needs its token again (`--token-stdin`).

use crate::{open_store, Failure};
use clap::{Args, Subcommand};
use fieldline_app::helpdesk;
use fieldline_app::house::Stores;
use fieldline_keychain::Keychain;
use fieldline_store::sync::{ConnectionConfig, ConnectorKind, Resolution};
use fieldline_store::Clock;
use fieldline_sync::secret::sync_saved;
use std::io::BufRead;
use std::path::Path;
use std::sync::Mutex;

#[derive(Subcommand)]
pub enum ConnectionCommand {
    /// Add or change a helpdesk connection (Request Tracker)
    Add(AddArgs),
    /// The connections and their sync status
    List {
        #[arg(long)]
        json: bool,
    },
    /// Reach the helpdesk and check the token
    Test { name: String },
    /// Remove a connection and the tickets pulled through it (refused while changes wait)
    Remove { name: String },
    /// Changes the helpdesk contradicts, waiting for a decision
    Conflicts {
        #[arg(long)]
        json: bool,
    },
    /// Settle a conflict: keep mine (send it over the helpdesk's value) or take theirs
    Resolve {
        /// The conflict's id (from `fieldline connection conflicts`)
        id: i64,
        /// mine or theirs
        keep: String,
    },
}

#[derive(Args)]
pub struct AddArgs {
    /// Short id: lower-case letters, digits and '-'
    name: String,
    /// The helpdesk's address, e.g. https://rt.example.com
    #[arg(long)]
    url: String,
    /// The helpdesk account the token belongs to
    #[arg(long)]
    user: String,
    /// A queue to pull (repeat; none: every queue the account sees)
    #[arg(long = "queue")]
    queues: Vec<String>,
    /// QUEUE=CUSTOMER: the Fieldline customer of a queue (repeat)
    #[arg(long = "customer")]
    customers: Vec<String>,
    /// LEVEL=POLICY: the Fieldline SLA policy of a helpdesk SLA level (repeat)
    #[arg(long = "policy")]
    policies: Vec<String>,
    /// Pull every this many minutes while the app runs (0: on demand only)
    #[arg(long, default_value_t = 5)]
    interval: u32,
    /// Read the token from the first line of standard input and keep it in the keychain
    #[arg(long)]
    token_stdin: bool,
}

#[derive(Args)]
pub struct SyncArgs {
    /// Only this connection (default: all)
    #[arg(long)]
    connection: Option<String>,
    #[arg(long)]
    json: bool,
}

fn pairs(items: &[String], what: &str) -> Result<Vec<(String, String)>, Failure> {
    items
        .iter()
        .map(|p| {
            p.split_once('=')
                .map(|(a, b)| (a.trim().to_string(), b.trim().to_string()))
                .filter(|(a, b)| !a.is_empty() && !b.is_empty())
                .ok_or_else(|| Failure(format!("--{what} {p:?}: write it as NAME=VALUE")))
        })
        .collect()
}

pub fn run_connection(cmd: ConnectionCommand, data_dir: Option<&Path>) -> Result<(), Failure> {
    match cmd {
        ConnectionCommand::Add(a) => add(a, data_dir),
        ConnectionCommand::List { json } => {
            let views = helpdesk::list(&Mutex::new(open_store(data_dir)?), &Keychain::default())?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&views).map_err(|e| Failure(e.to_string()))?
                );
                return Ok(());
            }
            if views.is_empty() {
                println!("no helpdesk connections; add one with: fieldline connection add NAME --url URL --user USER --token-stdin");
            }
            for v in &views {
                let (c, s) = (&v.config, &v.status);
                let last = s
                    .last_success
                    .map_or("never".to_string(), |t| t.to_string());
                println!(
                    "{}  {}  as {}  tickets {}  last synced {}  waiting {}  conflicts {}  token {}{}",
                    c.name,
                    c.url,
                    c.user,
                    s.tickets,
                    last,
                    s.waiting,
                    s.conflicts,
                    match (&v.secret_error, v.has_secret) {
                        (Some(e), _) => format!("unreadable ({e})"),
                        (None, true) => "in the keychain".to_owned(),
                        (None, false) => "missing".to_owned(),
                    },
                    s.last_error
                        .as_ref()
                        .map(|e| format!("\n  last error: {e}"))
                        .unwrap_or_default()
                );
            }
            Ok(())
        }
        ConnectionCommand::Test { name } => {
            let store = Mutex::new(open_store(data_dir)?);
            let config = store.with_store(|s| s.connection(&name))?;
            let t = helpdesk::test(&store, &Keychain::default(), &config, None);
            println!("{}", t.message);
            if t.ok {
                Ok(())
            } else {
                Err(Failure(format!("connection {name} does not work")))
            }
        }
        ConnectionCommand::Remove { name } => {
            helpdesk::remove(
                &Mutex::new(open_store(data_dir)?),
                &Keychain::default(),
                &name,
            )?;
            println!("removed connection {name}");
            Ok(())
        }
        ConnectionCommand::Conflicts { json } => {
            let store = open_store(data_dir)?;
            let list = store.sync_conflicts(None)?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&list).map_err(|e| Failure(e.to_string()))?
                );
                return Ok(());
            }
            if list.is_empty() {
                println!("no conflicts");
            }
            for c in list {
                println!(
                    "{}  ticket #{} ({} {})  {}: yours {:?}, helpdesk now {:?} (was {:?}){}",
                    c.outbox_id,
                    c.ticket,
                    c.connection,
                    c.remote_id,
                    c.field,
                    c.mine,
                    c.theirs,
                    c.base,
                    c.detail
                        .map(|d| format!("; the helpdesk said: {d}"))
                        .unwrap_or_default()
                );
            }
            Ok(())
        }
        ConnectionCommand::Resolve { id, keep } => {
            let resolution = match keep.as_str() {
                "mine" => Resolution::KeepMine,
                "theirs" => Resolution::TakeTheirs,
                other => return Err(Failure(format!("{other:?}: say mine or theirs"))),
            };
            let mut store = open_store(data_dir)?;
            let clock = Clock::from_env()?;
            let t = store.resolve_conflict(id, resolution, clock.now())?;
            println!("settled; ticket #{} is {}", t.id, t.state.as_str());
            Ok(())
        }
    }
}

fn add(a: AddArgs, data_dir: Option<&Path>) -> Result<(), Failure> {
    let store = Mutex::new(open_store(data_dir)?);
    let saved = store.with_store(|s| s.connection(&a.name)).ok();
    // Changing a connection keeps its mapping; pairs given here are added to it.
    let mut config = saved
        .clone()
        .unwrap_or_else(|| ConnectionConfig::template(ConnectorKind::RequestTracker));
    config
        .mapping
        .customers
        .extend(pairs(&a.customers, "customer")?);
    config
        .mapping
        .policies
        .extend(pairs(&a.policies, "policy")?);
    config.name = a.name.clone();
    config.url = a.url.trim().to_string();
    config.user = a.user.trim().to_string();
    config.queues = a.queues;
    config.interval_minutes = a.interval;
    let mut line = String::new();
    if a.token_stdin {
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| Failure(format!("cannot read the token from standard input: {e}")))?;
        if line.trim().is_empty() {
            return Err(Failure(
                "no token on standard input; give it on the first line".into(),
            ));
        }
    }
    // The token is kept bound to this address; a new origin without one is refused.
    helpdesk::save(
        &store,
        &Keychain::default(),
        config,
        a.token_stdin.then_some(line.as_str()),
    )
    .map_err(|e| {
        Failure(if a.token_stdin {
            e.to_string()
        } else {
            format!(
                "{e} (fieldline connection add {} ... --token-stdin)",
                a.name
            )
        })
    })?;
    println!("saved connection {}", a.name);
    Ok(())
}

pub fn run_sync(args: SyncArgs, data_dir: Option<&Path>) -> Result<(), Failure> {
    let mut store = open_store(data_dir)?;
    let clock = Clock::from_env()?;
    let configs = match &args.connection {
        Some(n) => vec![store.connection(n)?],
        None => store.connections()?,
    };
    if configs.is_empty() && !args.json {
        println!("no helpdesk connections; add one with: fieldline connection add NAME --url URL --user USER --token-stdin");
    }
    let mut reports = Vec::new();
    let keychain = Keychain::default();
    for config in &configs {
        reports.push(sync_saved(&mut store, &keychain, config, || clock.now()));
    }
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&reports).map_err(|e| Failure(e.to_string()))?
        );
    } else {
        for r in &reports {
            println!(
                "{}: pulled {} new, {} changed ({} unchanged, {} gone); sent {} changes ({} found already applied); {} new conflicts; {} waiting, {} conflicts; {} ms",
                r.connection, r.pulled_new, r.pulled_updated, r.unchanged, r.gone, r.pushed, r.already_applied, r.new_conflicts, r.waiting, r.conflicts, r.took_ms
            );
            if r.unreadable > 0 {
                println!(
                    "{}: skipped {} tickets that could not be read: {}",
                    r.connection,
                    r.unreadable,
                    r.warnings.join("; ")
                );
            }
            if let Some(e) = &r.error {
                println!("{}: stopped: {e}", r.connection);
            }
        }
    }
    let failed: Vec<&str> = reports
        .iter()
        .filter(|r| r.error.is_some())
        .map(|r| r.connection.as_str())
        .collect();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(Failure(format!(
            "sync of {} did not finish; changes stay queued",
            failed.join(", ")
        )))
    }
}
