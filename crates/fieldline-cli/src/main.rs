//! `fieldline`: the companion CLI. A thin front door to the same core and store as the
//! desktop app; it can run while the app is open (the store is in WAL mode).
//!
//! Exit status: 0 success, 1 the command failed (the reason is on stderr), 2 usage error.
//! Warnings go to stderr through `fieldline_app::log`; `-v`/`-vv` say more.

mod backup;
mod check;
mod demo;
mod files;
mod fleet;
mod maintenance;
mod remote;
mod sla;
mod sync;
mod terminal;
mod ticket;

use clap::{Parser, Subcommand};
use fieldline_store::{resolve_data_dir, Store, StoreError};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "fieldline",
    version,
    about = "Fieldline: the MSP technician's console, from a terminal"
)]
struct Cli {
    /// Data folder holding the local store [default: $FIELDLINE_DATA_DIR, else the OS app-data folder]
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Say more on stderr: -v what happens, -vv the details (warnings are always shown;
    /// RUST_LOG overrides)
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// The fleet inventory: customers, sites, endpoints
    #[command(subcommand)]
    Fleet(fleet::FleetCommand),
    /// SLA clocks and the SLA calculator
    #[command(subcommand)]
    Sla(sla::SlaCommand),
    /// Local tickets: open, change state, respond, add notes and time
    #[command(subcommand)]
    Ticket(ticket::TicketCommand),
    /// Helpdesk connections (Request Tracker): add, test, list, conflicts
    #[command(subcommand)]
    Connection(sync::ConnectionCommand),
    /// Run one sync of the helpdesk connections and report what moved
    Sync(sync::SyncArgs),
    /// Runs every check once; exit 0 all OK, 1 WARN, 2 CRIT, 3 error or UNKNOWN
    Check(check::CheckArgs),
    /// Runs the checks again and again, redrawing the terminal after each round
    Watch(check::WatchArgs),
    /// Maintenance windows: alerts held (or checks stopped) for a customer, site or endpoint
    #[command(subcommand)]
    Maintenance(maintenance::MaintenanceCommand),
    /// Acknowledgements: an endpoint's alerts held until it is OK again
    #[command(subcommand)]
    Ack(maintenance::AckCommand),
    /// Open an SSH session to an endpoint (through its jump hosts), or run one command there
    Ssh(remote::SshArgs),
    /// Run one command on many endpoints (a customer, site, tag or list) and report each
    Run(remote::RunArgs),
    /// SSH credential profiles (secrets in the OS keychain, never in the store)
    #[command(subcommand, name = "ssh-profile")]
    SshProfile(remote::ProfileCommand),
    /// An endpoint's files over SFTP (through its jump hosts): list, get, put
    #[command(subcommand)]
    Sftp(files::SftpCommand),
    /// Add the hosts of an OpenSSH client configuration (~/.ssh/config) as endpoints
    #[command(name = "ssh-import")]
    SshImport(remote::SshImportArgs),
    /// Host keys Fieldline trusts for SSH (its own known_hosts)
    #[command(subcommand, name = "known-hosts")]
    KnownHosts(remote::KnownHostsCommand),
    /// The hash-chained audit log of sessions, fan-outs and forwards
    #[command(subcommand)]
    Audit(remote::AuditCommand),
    /// Load the demo fleet and answer for its endpoints on loopback until stopped
    Demo(demo::DemoArgs),
    /// Back up the database, known_hosts and audit log into a new folder (no secrets)
    Backup(backup::BackupArgs),
    /// Replace the database (and known_hosts, audit log) with a backup's; asks first
    Restore(backup::RestoreArgs),
    /// Where the store is and which schema it has
    Info,
}

/// A failure to report on stderr.
pub struct Failure(String);

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        Failure(e.to_string())
    }
}

impl From<fieldline_ipc::IpcError> for Failure {
    fn from(e: fieldline_ipc::IpcError) -> Self {
        Failure(e.to_string())
    }
}

impl From<String> for Failure {
    fn from(e: String) -> Self {
        Failure(e)
    }
}

pub fn open_store(data_dir: Option<&std::path::Path>) -> Result<Store, Failure> {
    let dir = resolve_data_dir(data_dir)?;
    Ok(Store::open(&dir)?)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    fieldline_app::log::to_stderr(cli.verbose);
    // The checks' ssh probes trust this data folder's known_hosts, no other.
    if let Ok(dir) = resolve_data_dir(cli.data_dir.as_deref()) {
        fieldline_monitor::probe::ssh_command::set_data_dir(&dir);
    }
    let result = match cli.command {
        Command::Check(args) => return check::run_check(args, cli.data_dir.as_deref()),
        Command::Watch(args) => return check::run_watch(args, cli.data_dir.as_deref()),
        Command::Ssh(args) => return remote::run_ssh(args, cli.data_dir.as_deref()),
        Command::Run(args) => return remote::run_fanout(args, cli.data_dir.as_deref()),
        Command::Audit(cmd) => return remote::run_audit(cmd, cli.data_dir.as_deref()),
        Command::SshProfile(cmd) => remote::run_profile(cmd, cli.data_dir.as_deref()),
        Command::SshImport(args) => remote::run_ssh_import(args, cli.data_dir.as_deref()),
        Command::KnownHosts(cmd) => remote::run_known_hosts(cmd, cli.data_dir.as_deref()),
        Command::Sftp(cmd) => files::run(cmd, cli.data_dir.as_deref()),
        Command::Fleet(cmd) => fleet::run(cmd, cli.data_dir.as_deref()),
        Command::Sla(cmd) => sla::run(cmd, cli.data_dir.as_deref()),
        Command::Ticket(cmd) => ticket::run(cmd, cli.data_dir.as_deref()),
        Command::Connection(cmd) => sync::run_connection(cmd, cli.data_dir.as_deref()),
        Command::Sync(args) => sync::run_sync(args, cli.data_dir.as_deref()),
        Command::Maintenance(cmd) => maintenance::run_maintenance(cmd, cli.data_dir.as_deref()),
        Command::Ack(cmd) => maintenance::run_ack(cmd, cli.data_dir.as_deref()),
        Command::Demo(args) => demo::run(args, cli.data_dir.as_deref()),
        Command::Backup(args) => backup::run_backup(args, cli.data_dir.as_deref()),
        Command::Restore(args) => backup::run_restore(args, cli.data_dir.as_deref()),
        Command::Info => info(cli.data_dir.as_deref()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure(message)) => {
            eprintln!("fieldline: {message}");
            ExitCode::from(1)
        }
    }
}

fn info(data_dir: Option<&std::path::Path>) -> Result<(), Failure> {
    let store = open_store(data_dir)?;
    println!("data folder: {}", store.data_dir().display());
    println!("database:    {}", store.path().display());
    println!("schema:      {}", store.schema_version()?);
    Ok(())
}
