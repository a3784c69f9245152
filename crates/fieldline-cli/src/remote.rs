//! Remote sessions from a terminal: `fieldline ssh`, `fieldline run`, credential profiles,
//! Fieldline's known hosts and the audit log.

use crate::{open_store, Failure};
use clap::{Args, Subcommand, ValueEnum};
use fieldline_app::consent::{Confirm, Decision, Terminal};
use fieldline_app::fanout as fanout_ops;
use fieldline_app::host_keys;
use fieldline_app::remote::Context;
use fieldline_ipc::IpcError;
use fieldline_keychain::Keychain;
use fieldline_ssh::audit::AuditAction;
use fieldline_ssh::connect::{self, ConnectOptions, HostKeyQuestion, Prompter, SecretQuestion};
use fieldline_ssh::fanout::{self, Cancel, FanoutOptions, HostState, Selector, Summary};
use fieldline_ssh::known_hosts::HostKeyPolicy;
use fieldline_ssh::profile::{AuthMethod, CredentialProfile};
use fieldline_store::Store;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::Duration;

/// `StrictHostKeyChecking`, as OpenSSH names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Strict {
    /// Only hosts whose key Fieldline already knows.
    Yes,
    /// A host seen for the first time is remembered; a changed key is still refused.
    AcceptNew,
    /// Show a first-contact key's fingerprint and ask (needs a terminal).
    Ask,
}

impl From<Strict> for HostKeyPolicy {
    fn from(s: Strict) -> HostKeyPolicy {
        match s {
            Strict::Yes => HostKeyPolicy::Strict,
            Strict::AcceptNew => HostKeyPolicy::AcceptNew,
            Strict::Ask => HostKeyPolicy::Ask,
        }
    }
}

#[derive(Args)]
pub struct SshArgs {
    /// The endpoint's id in the fleet
    endpoint: String,
    /// What to do with a host key Fieldline has not seen (a changed key is always refused)
    #[arg(long, value_enum, default_value = "ask")]
    strict: Strict,
    /// Seconds to wait for each hop's TCP connection
    #[arg(long, default_value_t = 10)]
    connect_timeout: u64,
    /// The command to run instead of a shell; its exit status becomes this one's
    #[arg(last = true)]
    command: Vec<String>,
}

#[derive(Args)]
pub struct RunArgs {
    /// customer:ID, site:ID, tag:NAME (joined with +), or endpoint ids separated by commas
    selector: String,
    /// One JSON document with every host's exit status and output
    #[arg(long)]
    json: bool,
    /// Hosts at once
    #[arg(long, default_value_t = 10)]
    concurrency: usize,
    /// Run without asking (required when stdin is not a terminal)
    #[arg(long, short = 'y')]
    yes: bool,
    /// Seconds each host may take (connect, run, output)
    #[arg(long, default_value_t = 300)]
    timeout: u64,
    /// Keep trying unreachable hosts for this many minutes
    #[arg(long, value_name = "MINUTES")]
    queue: Option<u64>,
    #[arg(long, value_enum, default_value = "yes")]
    strict: Strict,
    /// The command (after --)
    #[arg(last = true, required = true)]
    command: Vec<String>,
}

#[derive(Subcommand)]
pub enum ProfileCommand {
    /// Add or replace a credential profile; secrets are read from stdin into the OS keychain
    Add {
        name: String,
        /// The login name (else the endpoint's ssh.user, else the local user)
        #[arg(long)]
        user: Option<String>,
        #[arg(long, value_enum)]
        method: Method,
        /// A private key file (OpenSSH format); without it `--key-stdin` stores the key itself
        #[arg(long)]
        key_file: Option<PathBuf>,
        /// Read the private key text from stdin into the keychain
        #[arg(long, conflicts_with = "key_file")]
        key_stdin: bool,
        /// Read the key's passphrase from stdin (the line after the key) into the keychain
        #[arg(long)]
        passphrase_stdin: bool,
        /// Read the password from stdin into the keychain
        #[arg(long)]
        password_stdin: bool,
    },
    /// The profiles and whether the keychain holds their secrets
    List,
    /// Remove a profile and its secrets from the keychain
    Remove { name: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Method {
    Key,
    Agent,
    Password,
    KeyboardInteractive,
}

#[derive(Args)]
pub struct SshImportArgs {
    /// The site the hosts become endpoints of
    #[arg(long)]
    site: String,
    /// The OpenSSH client configuration to read [default: ~/.ssh/config]
    #[arg(long)]
    file: Option<PathBuf>,
    /// Log in to every imported host with this credential profile (else one profile per
    /// IdentityFile, named key-<file name>)
    #[arg(long)]
    profile: Option<String>,
    /// Set up the credential bindings and jump hosts without asking (required when stdin
    /// is not a terminal)
    #[arg(long, short = 'y')]
    yes: bool,
}

#[derive(Subcommand)]
pub enum KnownHostsCommand {
    /// Hosts whose keys Fieldline trusts, with their SHA256 fingerprints
    List,
    /// Import an OpenSSH known_hosts file (default ~/.ssh/known_hosts; hashed entries too)
    Import {
        file: Option<PathBuf>,
        /// Trust its keys without asking (required when stdin is not a terminal)
        #[arg(long, short = 'y')]
        yes: bool,
    },
    /// Forget a host's key (after a key change you have verified)
    Remove {
        host: String,
        #[arg(long, default_value_t = 22)]
        port: u16,
        /// Forget without asking (required when stdin is not a terminal)
        #[arg(long, short = 'y')]
        yes: bool,
    },
}

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Check the audit log's hash chain; exit 1 when an entry was changed, removed or added
    Verify,
    /// Write one customer's audit entries (with their hashes) and session recordings
    /// into a new folder
    Export {
        #[arg(long)]
        customer: String,
        /// The folder to create (it must not exist yet)
        #[arg(long)]
        out: PathBuf,
    },
}

fn keychain() -> Keychain {
    Keychain::default()
}

/// The store, shared with the operations layer for one command.
fn stores(data_dir: Option<&Path>) -> Result<Mutex<Store>, Failure> {
    Ok(Mutex::new(open_store(data_dir)?))
}

fn connect_options(ctx: &Context, strict: Strict, timeout: Duration) -> ConnectOptions {
    ConnectOptions {
        connect_timeout: timeout,
        ..ctx.connect_options(strict.into())
    }
}

/// Asks on the terminal; refuses when there is none.
pub struct TtyPrompter(pub String);

impl TtyPrompter {
    /// Whether to trust a host key seen for the first time on the way to `endpoint`: the
    /// question of the operations layer, asked on the terminal.
    pub fn accept_host_key(endpoint: &str, q: &HostKeyQuestion) -> bool {
        let terminal = Terminal::new(false);
        let ask = fieldline_app::remote::accept_host_key(endpoint, q);
        match terminal.confirm(&ask) {
            Decision::Approved => true,
            Decision::Declined => false,
            Decision::Unasked(_) => {
                eprintln!(
                    "fieldline: {} ({}:{}) is not known yet and there is no terminal to ask; its {} key is {}. \
                     Use --strict accept-new, or `fieldline known-hosts import`.",
                    q.label, q.host, q.port, q.key_type, q.fingerprint
                );
                false
            }
        }
    }
}

impl Prompter for TtyPrompter {
    fn host_key(&mut self, q: &HostKeyQuestion) -> bool {
        TtyPrompter::accept_host_key(&self.0, q)
    }

    fn secret(&mut self, q: &SecretQuestion) -> Option<String> {
        rpassword::prompt_password(format!("{}: ", q.prompt)).ok()
    }
}

pub fn run_ssh(args: SshArgs, data_dir: Option<&Path>) -> ExitCode {
    match ssh(args, data_dir) {
        Ok(code) => code,
        Err(Failure(message)) => {
            eprintln!("fieldline: {message}");
            ExitCode::from(255)
        }
    }
}

fn ssh(args: SshArgs, data_dir: Option<&Path>) -> Result<ExitCode, Failure> {
    let store = stores(data_dir)?;
    let ctx = Context::load(&store)?;
    // First: no session, command or host-key question without a writable audit log.
    let log = ctx.audit_log()?;
    let options = connect_options(&ctx, args.strict, Duration::from_secs(args.connect_timeout));
    if args.command.is_empty() {
        return crate::terminal::interactive(&ctx, &args.endpoint, options);
    }
    let route = ctx.route(&args.endpoint)?;
    let customer = ctx.customer(&args.endpoint);
    let command = args.command.join(" ");
    let secrets = keychain();
    let connection = connect::connect(
        &route,
        &options,
        &secrets,
        &mut TtyPrompter(args.endpoint.clone()),
    )
    .map_err(|e| Failure(e.to_string()))?;
    let out = connection
        .exec(
            &command,
            connect::ExecLimits {
                max_output: 64 << 20,
                timeout: Duration::from_secs(24 * 3600),
            },
        )
        .map_err(|e| Failure(e.to_string()))?;
    let _ = log.append(
        AuditAction::CommandRun,
        customer.as_deref(),
        Some(&args.endpoint),
        serde_json::json!({ "command": command, "exit": out.status }),
    );
    std::io::stdout()
        .write_all(&out.stdout)
        .map_err(|e| Failure(e.to_string()))?;
    std::io::stderr()
        .write_all(&out.stderr)
        .map_err(|e| Failure(e.to_string()))?;
    Ok(ExitCode::from(out.status.clamp(0, 255) as u8))
}

pub fn run_fanout(args: RunArgs, data_dir: Option<&Path>) -> ExitCode {
    match fanout_cmd(args, data_dir) {
        Ok(code) => code,
        Err(Failure(message)) => {
            eprintln!("fieldline: {message}");
            ExitCode::from(2)
        }
    }
}

fn fanout_cmd(args: RunArgs, data_dir: Option<&Path>) -> Result<ExitCode, Failure> {
    let ctx = Context::load(&stores(data_dir)?)?;
    // First: no confirmation asked and no host contacted without a writable audit log.
    ctx.audit_ready()?;
    let selector = Selector::parse(&args.selector)?;
    let plan = fanout_ops::plan(&ctx, &selector)
        .map_err(|e| Failure(format!("{e} ({})", args.selector)))?;
    let command = args.command.join(" ");
    let confirm = Terminal::new(args.yes);
    plan.confirm(&command, &confirm, confirm.lang)
        .map_err(Failure)?;
    let log = ctx.audit_log()?;
    let options = FanoutOptions {
        concurrency: args.concurrency,
        timeout: Duration::from_secs(args.timeout),
        queue_for: args.queue.map(|m| Duration::from_secs(m * 60)),
        ..FanoutOptions::default()
    };
    let json = args.json;
    let results = fanout_ops::run_audited(
        plan,
        &command,
        &fanout_ops::RunWith {
            options: &options,
            connect: &connect_options(&ctx, args.strict, Duration::from_secs(10)),
            secrets: &keychain(),
            cancel: &Cancel::default(),
            log: &log,
        },
        &|r| {
            if !json && r.state.is_final() {
                print_host(r);
            }
        },
    )
    .map_err(Failure)?;
    let summary = Summary::of(&results);
    if json {
        let doc = serde_json::json!({ "command": command, "summary": summary, "hosts": results });
        println!(
            "{}",
            serde_json::to_string_pretty(&doc).map_err(|e| Failure(e.to_string()))?
        );
    } else {
        println!(
            "{} host(s): {} ok, {} failed, {} unreachable, {} expired, {} cancelled",
            summary.hosts,
            summary.ok,
            summary.failed,
            summary.unreachable,
            summary.expired,
            summary.cancelled
        );
    }
    Ok(if summary.ok == summary.hosts {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn print_host(r: &fanout::HostResult) {
    let status = match (r.state, r.exit) {
        (HostState::Ok, _) => "ok".to_owned(),
        (_, Some(code)) => format!("exit {code}"),
        (state, None) => format!("{state:?}").to_lowercase(),
    };
    println!("== {} ({}) {status}", r.endpoint, r.customer);
    if let Some(error) = &r.error {
        println!("   {error}");
    }
    for line in r.output.lines() {
        println!("   {line}");
    }
}

pub fn run_profile(cmd: ProfileCommand, data_dir: Option<&Path>) -> Result<(), Failure> {
    let store = stores(data_dir)?;
    let secrets = keychain();
    match cmd {
        ProfileCommand::Add {
            name,
            user,
            method,
            key_file,
            key_stdin,
            passphrase_stdin,
            password_stdin,
        } => {
            let method = match method {
                Method::Key => AuthMethod::Key { key_file },
                Method::Agent => AuthMethod::Agent,
                Method::Password => AuthMethod::Password,
                Method::KeyboardInteractive => AuthMethod::KeyboardInteractive,
            };
            if matches!(method, AuthMethod::Key { key_file: None }) && !key_stdin {
                return Err(Failure(
                    "a key profile needs --key-file PATH or --key-stdin".to_owned(),
                ));
            }
            let mut input = String::new();
            if key_stdin || passphrase_stdin || password_stdin {
                std::io::stdin()
                    .take(64 * 1024)
                    .read_to_string(&mut input)
                    .map_err(|e| Failure(format!("cannot read stdin: {e}")))?;
            }
            // The key is everything up to its END line; a passphrase may follow.
            let (key, rest) = if key_stdin {
                let end = input
                    .find("-----END")
                    .and_then(|i| input[i..].find('\n').map(|j| i + j + 1))
                    .unwrap_or(input.len());
                input.split_at(end)
            } else {
                ("", input.as_str())
            };
            let first_line = rest.lines().next().unwrap_or("");
            let secret = if key_stdin {
                Some(key.trim())
            } else if password_stdin {
                Some(first_line)
            } else {
                None
            };
            let profile = CredentialProfile {
                name: name.clone(),
                user,
                method,
            };
            fieldline_app::profiles::save(
                &store,
                &secrets,
                &profile,
                secret,
                passphrase_stdin.then_some(first_line),
            )?;
            println!("credential profile {name} saved (secrets in the OS keychain)");
        }
        ProfileCommand::List => {
            for view in fieldline_app::profiles::list(&store, &secrets)? {
                let p = &view.profile;
                let mut held = Vec::new();
                if view.has_secret {
                    held.push(match p.method {
                        AuthMethod::Key { .. } => "key",
                        _ => "password",
                    });
                }
                if view.has_passphrase {
                    held.push("passphrase");
                }
                println!(
                    "{}\tuser={}\t{}\tkeychain: {}",
                    p.name,
                    p.user.as_deref().unwrap_or("-"),
                    serde_json::to_string(&p.method).unwrap_or_default(),
                    if held.is_empty() {
                        "nothing".to_owned()
                    } else {
                        held.join(", ")
                    }
                );
            }
        }
        ProfileCommand::Remove { name } => {
            fieldline_app::profiles::remove(&store, &secrets, &name)?;
            println!("credential profile {name} removed, with its secrets");
        }
    }
    Ok(())
}

pub fn run_known_hosts(cmd: KnownHostsCommand, data_dir: Option<&Path>) -> Result<(), Failure> {
    let store = stores(data_dir)?;
    match cmd {
        KnownHostsCommand::List => {
            for entry in host_keys::list(&store)? {
                println!(
                    "{}\t{}\t{}",
                    entry.hosts.as_deref().unwrap_or("(hashed name)"),
                    entry.key_type,
                    entry.fingerprint
                );
            }
        }
        KnownHostsCommand::Import { file, yes } => {
            let confirm = Terminal::new(yes);
            let file = match file {
                Some(f) => f,
                None => host_keys::openssh_file(confirm.lang)?,
            };
            let report = host_keys::import(&store, &file, &confirm, confirm.lang)?;
            println!(
                "{} added, {} already known or skipped",
                report.added, report.skipped
            );
            for p in report.problems {
                println!("  {p}");
            }
        }
        KnownHostsCommand::Remove { host, port, yes } => {
            let confirm = Terminal::new(yes);
            let removed = host_keys::forget_host(&store, &host, port, &confirm, confirm.lang)?;
            println!("forgot {removed} key(s) of {host}:{port}");
        }
    }
    Ok(())
}

pub fn run_audit(cmd: AuditCommand, data_dir: Option<&Path>) -> ExitCode {
    let result = (|| -> Result<ExitCode, Failure> {
        let paths = fieldline_app::remote::paths(&stores(data_dir)?)?;
        let path = paths.audit.clone();
        match cmd {
            AuditCommand::Verify => {
                let report =
                    fieldline_ssh::audit::verify(&path).map_err(|e| Failure(e.to_string()))?;
                match report.first_bad {
                    None => {
                        println!(
                            "{}: {} entries, chain intact",
                            path.display(),
                            report.entries
                        );
                        Ok(ExitCode::SUCCESS)
                    }
                    Some(bad) => {
                        println!("{}: line {}: {}", path.display(), bad.line, bad.why);
                        Ok(ExitCode::from(1))
                    }
                }
            }
            AuditCommand::Export { customer, out } => {
                let done = fieldline_ssh::export_customer(&paths, &customer, &out)?;
                println!(
                    "{} audit entries and {} recordings of {customer} written to {}",
                    done.audit_entries,
                    done.recordings,
                    done.folder.display()
                );
                Ok(ExitCode::SUCCESS)
            }
        }
    })();
    match result {
        Ok(code) => code,
        Err(Failure(message)) => {
            eprintln!("fieldline: {message}");
            ExitCode::from(1)
        }
    }
}

/// `fieldline ssh-import`: hosts of an OpenSSH client configuration become endpoints; the
/// bindings and jumps they set up are approved first (`--yes` for scripts).
pub fn run_ssh_import(args: SshImportArgs, data_dir: Option<&Path>) -> Result<(), Failure> {
    let store = stores(data_dir)?;
    let confirm = Terminal::new(args.yes);
    let file = match args.file {
        Some(f) => f,
        None => fieldline_app::fleet::openssh_config(confirm.lang)?,
    };
    let plan = fieldline_app::fleet::import_ssh_config(
        &store,
        &file,
        &args.site,
        args.profile.as_deref(),
        &confirm,
        confirm.lang,
    )
    .map_err(|e| match e {
        IpcError::Invalid { issues, .. } if !issues.is_empty() => Failure(format!(
            "nothing was imported:\n{}",
            fieldline_core::issue::render(&issues)
        )),
        e => Failure(e.to_string()),
    })?;
    for note in &plan.notes {
        println!("note: {note}");
    }
    if plan.endpoints.is_empty() {
        println!("no new hosts to import");
        return Ok(());
    }
    for p in &plan.new_profiles {
        println!(
            "credential profile {} added (key file, nothing in the keychain)",
            p.name
        );
    }
    println!(
        "{} endpoint(s) added to site {}: {}",
        plan.endpoints.len(),
        args.site,
        plan.endpoints.join(", ")
    );
    Ok(())
}
