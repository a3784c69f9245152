//! `ssh_command`: the agentless check. Logs in with SSH (libssh2 through `ssh2`), runs one
//! command (or a [preset](presets)) and judges its exit status and output.
//!
//! Order of things, each step bounded by the check's timeout (one deadline for the whole
//! probe: TCP connect timeout, then `Session::set_timeout` set to what is left before every
//! blocking libssh2 call, then a non-blocking read loop that watches the deadline):
//!
//! 1. local configuration (user, regex) — UNKNOWN when it cannot work;
//! 2. TCP connect, SSH handshake;
//! 3. the host key against Fieldline's own known_hosts in the data folder (the file remote
//!    sessions keep, [`fieldline_ssh::DataPaths::known_hosts`]; hashed entries too), never
//!    `~/.ssh/known_hosts` nor a file a fleet names. Unknown key: UNKNOWN with its
//!    fingerprint; a CHANGED (or revoked) key: CRIT. Nothing is sent to the server before
//!    this passes: no authentication, not even the `none` method;
//! 4. public-key authentication with the keys in the technician's ssh-agent. A fleet names
//!    no key file (the spec has none: fleets are untrusted input). Logging in with the
//!    endpoint's credential profile (its key in the keychain) is not done here yet: the
//!    [`crate::probe::Prober`] hands the probe no credential profile;
//! 5. the command on an exec channel (no PTY, stdin closed), stdout and stderr read
//!    together, each kept up to [`MAX_KEPT`], [`MAX_READ`] in all before the probe gives up.
//!
//! libssh2 is blocking: the session runs in `tokio::task::spawn_blocking`.

pub mod presets;

use crate::judge::judge_json;
use crate::outcome::{clean, Outcome};
use crate::probe::seconds;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use base64::Engine as _;
use fieldline_core::checks::{compile_regex, CheckState, FailSeverity, SshCommandSpec};
pub use fieldline_ssh::auth::{key_needs_passphrase, looks_like_private_key};
pub use fieldline_ssh::known_hosts::key_type_of_blob;
use ssh2::{CheckResult, ErrorCode, HashType, KnownHostFileKind, MethodType, Session};
use std::io::{ErrorKind, Read};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How much of stdout, and of stderr, is kept for judging; more is cut (and said).
pub const MAX_KEPT: usize = 64 * 1024;
/// How much output (both streams) is read at most: past this the probe stops reading,
/// closes the connection and answers UNKNOWN. A check's command prints a short answer.
pub const MAX_READ: usize = 1024 * 1024;
/// Default SSH port.
pub const DEFAULT_PORT: u16 = 22;
/// Keys tried from an agent at most (sshd's MaxAuthTries is 6 by default).
const MAX_AGENT_KEYS: usize = 5;
/// Larger files are not read.
const MAX_KNOWN_HOSTS_BYTES: u64 = 16 << 20;
/// Time left for politeness (disconnect) after the command ended.
const GOODBYE: Duration = Duration::from_millis(300);
/// The blocking task ends by itself by the deadline; this is only a second guard.
const GRACE: Duration = Duration::from_secs(2);

// libssh2 error codes (libssh2.h).
const LIBSSH2_ERROR_SOCKET_SEND: i32 = -7;
const LIBSSH2_ERROR_TIMEOUT: i32 = -9;
const LIBSSH2_ERROR_SOCKET_DISCONNECT: i32 = -13;
const LIBSSH2_ERROR_EAGAIN: i32 = -37;
const LIBSSH2_ERROR_SOCKET_RECV: i32 = -43;

/// What the probe takes from the technician's machine: Fieldline's own known_hosts, the
/// local user name (the default login), and how to reach an ssh-agent.
/// [`ProbeEnv::from_process`] reads them from the process; tests give their own.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProbeEnv {
    /// Fieldline's known_hosts (`DATA_DIR/known_hosts`); `None` when there is no data
    /// folder (every host key is then unknown, nothing is logged in to).
    pub known_hosts: Option<PathBuf>,
    pub local_user: Option<String>,
    pub agent: AgentAccess,
}

/// The data folder set by the front door (`--data-dir`), for [`ProbeEnv::from_process`].
static DATA_DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();

/// Tells the probes which data folder the front door uses (its known_hosts is the one the
/// probes trust). Without it: `FIELDLINE_DATA_DIR`, else `<OS data dir>/app.fieldline.console`,
/// as `fieldline_store::resolve_data_dir` resolves it. The first call wins.
pub fn set_data_dir(dir: &Path) {
    let _ = DATA_DIR.set(dir.to_path_buf());
}

fn data_dir() -> Option<PathBuf> {
    if let Some(dir) = DATA_DIR.get() {
        return Some(dir.clone());
    }
    if let Some(dir) = std::env::var_os("FIELDLINE_DATA_DIR").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    // As `fieldline_store::resolve_data_dir`: the local (not roaming) folder on Windows.
    let base = if cfg!(windows) {
        dirs::data_local_dir()
    } else {
        dirs::data_dir()
    };
    base.map(|d| d.join("app.fieldline.console"))
}

/// How to reach an ssh-agent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum AgentAccess {
    /// No agent: nothing to log in with.
    #[default]
    None,
    /// The agent's socket (`SSH_AUTH_SOCK`).
    Socket(PathBuf),
    /// libssh2's own default (Windows: Pageant or the OpenSSH agent's named pipe).
    SystemDefault,
}

impl ProbeEnv {
    pub fn from_process() -> ProbeEnv {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let agent = match std::env::var_os("SSH_AUTH_SOCK").filter(|s| !s.is_empty()) {
            Some(socket) => AgentAccess::Socket(PathBuf::from(socket)),
            None if cfg!(windows) => AgentAccess::SystemDefault,
            None => AgentAccess::None,
        };
        ProbeEnv {
            known_hosts: data_dir().map(|d| fieldline_ssh::DataPaths::in_dir(&d).known_hosts),
            local_user: var("USER")
                .or_else(|| var("LOGNAME"))
                .or_else(|| var("USERNAME")),
            agent,
        }
    }
}

/// What the command left: its output (lossily decoded, each stream at most [`MAX_KEPT`]
/// bytes) and how it ended.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommandOutput {
    pub stdout: String,
    pub stderr: String,
    /// The exit status; `None` when the command was ended by a signal.
    pub exit: Option<i32>,
    /// The signal that ended the command (`KILL`, `TERM`, ...).
    pub signal: Option<String>,
    /// More stdout / stderr was printed than kept.
    pub stdout_cut: bool,
    pub stderr_cut: bool,
}

/// Runs the `ssh_command` check against `host`. `default_user`/`default_port` are the
/// endpoint's SSH settings (the spec's own `user`/`port` win); the whole probe ends within
/// `timeout`.
pub async fn probe(
    host: &str,
    default_user: Option<&str>,
    default_port: Option<u16>,
    spec: &SshCommandSpec,
    timeout: Duration,
) -> Outcome {
    let env = ProbeEnv::from_process();
    probe_with(host, default_user, default_port, spec, timeout, &env).await
}

/// [`probe`] with the local environment given.
pub async fn probe_with(
    host: &str,
    default_user: Option<&str>,
    default_port: Option<u16>,
    spec: &SshCommandSpec,
    timeout: Duration,
    env: &ProbeEnv,
) -> Outcome {
    let started = Instant::now();
    let deadline = started + timeout;
    let plan = match Plan::new(host, default_user, default_port, spec, env) {
        Ok(plan) => plan,
        Err(outcome) => return outcome,
    };
    let addrs = match resolve(&plan, deadline).await {
        Ok(addrs) => addrs,
        Err(outcome) => return outcome,
    };
    let session_plan = plan.clone();
    let task = tokio::task::spawn_blocking(move || {
        let clock = Clock { deadline, timeout };
        run_session(&session_plan, &addrs, &clock)
    });
    let output = match tokio::time::timeout(timeout + GRACE, task).await {
        Ok(Ok(Ok(output))) => output,
        Ok(Ok(Err(outcome))) => return outcome,
        Ok(Err(e)) => return Outcome::unknown(format!("the ssh probe stopped: {e}")),
        Err(_) => {
            return Outcome::crit(
                None,
                format!(
                    "no answer from {} within {}",
                    plan.label(),
                    seconds(timeout)
                ),
            )
        }
    };
    let latency = Some(started.elapsed().as_secs_f64() * 1000.0);
    let (state, message) = match spec.preset {
        Some(preset) => presets::judge(preset, spec, &output),
        None => judge_command(spec, &output),
    };
    Outcome::new(state, latency, message)
}

/// Judges a plain command's result: `expect_exit` (OK), `warn_exit` (WARN), any other exit
/// or a signal (CRIT), then `regex` (must match stdout, its final line break left out;
/// CRIT) and `json` (conditions on stdout). The message starts with what failed, then the first lines of the output.
pub fn judge_command(spec: &SshCommandSpec, out: &CommandOutput) -> (CheckState, String) {
    let mut state = CheckState::Ok;
    let mut reasons: Vec<String> = Vec::new();
    match (out.exit, &out.signal) {
        (_, Some(signal)) => {
            state = CheckState::Crit;
            reasons.push(format!("killed by signal {signal}"));
        }
        (Some(code), None) if code == spec.expect_exit => {}
        (Some(code), None) if spec.warn_exit.contains(&code) => {
            state = CheckState::Warn;
            reasons.push(format!("exit {code}"));
        }
        (Some(code), None) => {
            state = CheckState::Crit;
            reasons.push(format!("exit {code} (expected {})", spec.expect_exit));
        }
        (None, None) => {
            state = CheckState::Unknown;
            reasons.push("no exit status".into());
        }
    }
    if let Some(pattern) = &spec.regex {
        match compile_regex(pattern) {
            // Without the final line break, so that `^up$` matches what `echo up` prints.
            Ok(re) if re.is_match(out.stdout.trim_end_matches(['\n', '\r'])) => {}
            Ok(_) => {
                state = state.worst(CheckState::Crit);
                reasons.push(format!("output does not match /{pattern}/"));
            }
            Err(e) => {
                state = state.worst(CheckState::Unknown);
                reasons.push(format!("regex: {e}"));
            }
        }
    }
    if !spec.json.is_empty() {
        match serde_json::from_str::<serde_json::Value>(&out.stdout) {
            Ok(value) => {
                if let Some((s, message)) = judge_json(&value, &spec.json) {
                    state = state.worst(s);
                    reasons.push(message);
                }
            }
            Err(e) => {
                let worst = spec
                    .json
                    .iter()
                    .map(|c| c.severity.unwrap_or(FailSeverity::Crit).state())
                    .fold(CheckState::Ok, CheckState::worst);
                state = state.worst(worst);
                let cut = if out.stdout_cut {
                    format!(" (cut at {} KiB)", MAX_KEPT / 1024)
                } else {
                    String::new()
                };
                reasons.push(format!("output is not JSON{cut}: {e}"));
            }
        }
    }
    if out.stdout_cut || out.stderr_cut {
        reasons.push(format!("output cut at {} KiB", MAX_KEPT / 1024));
    }
    (state, with_excerpt(&reasons.join("; "), out))
}

/// `reasons` and the first lines of the output (stdout, or stderr when stdout is empty).
pub(crate) fn with_excerpt(reasons: &str, out: &CommandOutput) -> String {
    let text = excerpt(out);
    match (reasons.is_empty(), text.is_empty()) {
        (true, true) => "no output".into(),
        (true, false) => text,
        (false, true) => reasons.into(),
        (false, false) => format!("{reasons}: {text}"),
    }
}

/// The first non-empty lines of stdout (or stderr), escape sequences removed, joined with
/// ` | `; at most about 250 characters.
pub(crate) fn excerpt(out: &CommandOutput) -> String {
    let source = if out.stdout.trim().is_empty() {
        &out.stderr
    } else {
        &out.stdout
    };
    first_lines(source, 5, 250)
}

pub(crate) fn first_lines(text: &str, lines: usize, max: usize) -> String {
    let stripped = strip_escapes(text);
    let joined = stripped
        .lines()
        .map(|l| clean(l, max))
        .filter(|l| !l.is_empty())
        .take(lines)
        .collect::<Vec<_>>()
        .join(" | ");
    clean(&joined, max)
}

/// Removes terminal escape sequences (CSI `ESC [ … final`, OSC `ESC ] … BEL/ST`, and
/// two-character `ESC x`), so that `\e[31mred` reads `red` rather than `[31mred`. Other
/// control characters are left to [`clean`].
pub fn strip_escapes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => match chars.next() {
                Some('[') => skip_csi(&mut chars),
                Some(']') | Some('P') | Some('_') | Some('^') => skip_string(&mut chars),
                // ESC, intermediate bytes (space to /), one final byte: `ESC ( B`.
                Some(c) if ('\u{20}'..='\u{2f}').contains(&c) => {
                    while chars
                        .next_if(|c| ('\u{20}'..='\u{2f}').contains(c))
                        .is_some()
                    {}
                    chars.next();
                }
                _ => {}
            },
            '\u{9b}' => skip_csi(&mut chars),
            '\u{9d}' => skip_string(&mut chars),
            _ => out.push(c),
        }
    }
    out
}

fn skip_csi(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    // Parameter and intermediate bytes, then one final byte in @..~.
    for c in chars.by_ref() {
        if ('\u{40}'..='\u{7e}').contains(&c) {
            return;
        }
        if !('\u{20}'..='\u{3f}').contains(&c) {
            return;
        }
    }
}

fn skip_string(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    // Up to BEL, ST (ESC \) or the C1 ST.
    while let Some(c) = chars.next() {
        match c {
            '\u{7}' | '\u{9c}' => return,
            '\u{1b}' => {
                if chars.peek() == Some(&'\\') {
                    chars.next();
                }
                return;
            }
            _ => {}
        }
    }
}

// ---------------------------------------------------------------------------------------
// The plan: everything decided before the network is touched.

#[derive(Debug, Clone)]
struct Plan {
    host: String,
    port: u16,
    user: String,
    command: String,
    known_hosts: PathBuf,
    agent: AgentAccess,
}

impl Plan {
    fn new(
        host: &str,
        default_user: Option<&str>,
        default_port: Option<u16>,
        spec: &SshCommandSpec,
        env: &ProbeEnv,
    ) -> Result<Plan, Outcome> {
        let host = host.trim();
        let host = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        if host.is_empty() || host.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(Outcome::unknown(format!(
                "{host:?} is not a host name or address"
            )));
        }
        let port = spec.port.or(default_port).unwrap_or(DEFAULT_PORT);
        if port == 0 {
            return Err(Outcome::unknown("port 0 is not an SSH port"));
        }
        let user = spec
            .user
            .as_deref()
            .or(default_user)
            .map(str::to_owned)
            .or_else(|| env.local_user.clone())
            .filter(|u| !u.trim().is_empty());
        let Some(user) = user else {
            return Err(Outcome::unknown(
                "no user to log in as: set the check's user or the endpoint's SSH user",
            ));
        };
        if user.chars().any(|c| c.is_control()) {
            return Err(Outcome::unknown("the user name has control characters"));
        }
        let command = match spec.preset {
            Some(preset) => presets::command(preset, spec).map_err(Outcome::unknown)?,
            None => match spec.command.as_deref().map(str::trim) {
                Some(c) if !c.is_empty() => c.to_owned(),
                _ => return Err(Outcome::unknown("no command and no preset to run")),
            },
        };
        if command.contains('\0') {
            return Err(Outcome::unknown("the command contains a NUL character"));
        }
        if spec.preset.is_none() {
            if let Some(pattern) = &spec.regex {
                compile_regex(pattern).map_err(|e| Outcome::unknown(format!("regex: {e}")))?;
            }
        }
        let Some(known_hosts) = env.known_hosts.clone() else {
            return Err(Outcome::unknown(
                "no data folder here, so no known_hosts to check host keys against: set \
                 FIELDLINE_DATA_DIR",
            ));
        };
        Ok(Plan {
            host: host.to_owned(),
            port,
            user,
            command,
            known_hosts,
            agent: env.agent.clone(),
        })
    }

    /// `host:port` (`[v6]:port`) for messages.
    fn label(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// The name the host has in known_hosts: `host` for port 22, `[host]:port` otherwise
    /// (as OpenSSH writes it; names in lower case).
    fn known_hosts_name(&self) -> String {
        let host = self.host.to_lowercase();
        if self.port == DEFAULT_PORT {
            host
        } else {
            format!("[{host}]:{}", self.port)
        }
    }
}

async fn resolve(plan: &Plan, deadline: Instant) -> Result<Vec<SocketAddr>, Outcome> {
    if let Ok(ip) = plan.host.parse::<std::net::IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, plan.port)]);
    }
    let lookup = tokio::net::lookup_host((plan.host.as_str(), plan.port));
    match tokio::time::timeout_at(deadline.into(), lookup).await {
        Err(_) => Err(Outcome::crit(
            None,
            format!("cannot resolve {}: no answer in time", plan.host),
        )),
        Ok(Err(e)) => Err(Outcome::crit(
            None,
            format!("cannot resolve {}: {e}", plan.host),
        )),
        Ok(Ok(addrs)) => {
            let addrs: Vec<SocketAddr> = addrs.collect();
            if addrs.is_empty() {
                Err(Outcome::crit(None, format!("{} has no address", plan.host)))
            } else {
                Ok(addrs)
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// The session (blocking; runs on tokio's blocking pool).

struct Clock {
    deadline: Instant,
    timeout: Duration,
}

impl Clock {
    fn left(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }
    fn expired(&self) -> bool {
        self.left().is_zero()
    }
    /// What is left, for `Session::set_timeout` (0 would mean "forever").
    fn ms(&self) -> u32 {
        self.left().as_millis().clamp(1, u128::from(u32::MAX)) as u32
    }
}

/// The session, its socket (a second handle to shut it down) and the channel. Dropped
/// without [`Conn::done`], the socket is shut down FIRST, so that freeing the channel and
/// the session (which may want to talk to the server) does not wait on a frozen one.
struct Conn {
    channel: Option<ssh2::Channel>,
    session: Session,
    socket: Option<TcpStream>,
    done: bool,
}

impl Conn {
    fn abandon(&mut self) {
        if let Some(socket) = self.socket.take() {
            let _ = socket.shutdown(Shutdown::Both);
        }
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        if !self.done {
            self.abandon();
        }
        self.session.set_timeout(1);
        drop(self.channel.take());
    }
}

fn run_session(plan: &Plan, addrs: &[SocketAddr], clock: &Clock) -> Result<CommandOutput, Outcome> {
    let known = KnownHostsFile::load(&plan.known_hosts)?;
    let stream = connect(plan, addrs, clock)?;
    let _ = stream.set_nodelay(true);
    let socket = stream.try_clone().ok();
    let mut session =
        Session::new().map_err(|e| Outcome::unknown(format!("cannot start libssh2: {e}")))?;
    session.set_tcp_stream(stream);
    let mut conn = Conn {
        channel: None,
        session,
        socket,
        done: false,
    };
    let name = plan.known_hosts_name();
    // Prefer host key types known_hosts has for this host, as OpenSSH does: a host known
    // by its ed25519 key must not be reported as changed because it offered RSA first.
    if let Some(prefs) = known.preferred_algorithms(&conn.session, &name) {
        let _ = conn.session.method_pref(MethodType::HostKey, &prefs);
    }
    conn.session.set_timeout(clock.ms());
    if let Err(e) = conn.session.handshake() {
        return Err(ssh_failure(plan, clock, "the SSH handshake", &e));
    }
    verify_host_key(plan, &conn.session, &known, &name)?;
    authenticate(plan, &conn.session, clock)?;
    let output = run_command(plan, &mut conn, clock)?;
    conn.session.set_timeout(
        u32::try_from(GOODBYE.min(clock.left()).as_millis())
            .unwrap_or(1)
            .max(1),
    );
    conn.session.set_blocking(true);
    let _ = conn.session.disconnect(None, "check done", None);
    conn.done = true;
    Ok(output)
}

fn connect(plan: &Plan, addrs: &[SocketAddr], clock: &Clock) -> Result<TcpStream, Outcome> {
    let mut last: Option<std::io::Error> = None;
    for addr in addrs {
        if clock.expired() {
            break;
        }
        match TcpStream::connect_timeout(addr, clock.left()) {
            Ok(stream) => return Ok(stream),
            Err(e) => last = Some(e),
        }
    }
    let label = plan.label();
    Err(match last {
        Some(e) if e.kind() == ErrorKind::ConnectionRefused => Outcome::crit(
            None,
            format!("{label} refuses connections (is sshd running?)"),
        ),
        Some(e) if !matches!(e.kind(), ErrorKind::TimedOut | ErrorKind::WouldBlock) => {
            Outcome::crit(None, format!("cannot connect to {label}: {e}"))
        }
        _ => Outcome::crit(
            None,
            format!(
                "no answer from {label} within {} (TCP connect)",
                seconds(clock.timeout)
            ),
        ),
    })
}

fn is_code(e: &ssh2::Error, codes: &[i32]) -> bool {
    matches!(e.code(), ErrorCode::Session(c) if codes.contains(&c))
}

fn is_timeout(e: &ssh2::Error) -> bool {
    is_code(e, &[LIBSSH2_ERROR_TIMEOUT])
}

fn is_connection_lost(e: &ssh2::Error) -> bool {
    is_code(
        e,
        &[
            LIBSSH2_ERROR_SOCKET_RECV,
            LIBSSH2_ERROR_SOCKET_SEND,
            LIBSSH2_ERROR_SOCKET_DISCONNECT,
        ],
    )
}

/// A network-side failure of `what`: the host does not answer properly (CRIT).
fn ssh_failure(plan: &Plan, clock: &Clock, what: &str, e: &ssh2::Error) -> Outcome {
    let label = plan.label();
    if is_timeout(e) || clock.expired() {
        Outcome::crit(
            None,
            format!(
                "no answer from {label} within {} ({what}: the server accepted the connection but does not answer)",
                seconds(clock.timeout)
            ),
        )
    } else if is_connection_lost(e) {
        Outcome::crit(
            None,
            format!(
                "{label} closed the connection during {what}: {}",
                e.message()
            ),
        )
    } else {
        Outcome::crit(None, format!("{what} with {label} failed: {}", e.message()))
    }
}

// ---------------------------------------------------------------------------------------
// Host key

/// One line of an OpenSSH known_hosts file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownHostLine {
    /// `@revoked` / `@cert-authority`, or `None`.
    pub marker: Option<String>,
    pub hosts: String,
    pub key_type: String,
    pub key: String,
}

/// The lines of a known_hosts file that name a key (comments and broken lines skipped).
pub fn parse_known_hosts(text: &str) -> Vec<KnownHostLine> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut fields = line.split_whitespace();
        let mut first = fields.next();
        let marker = match first {
            Some(m) if m.starts_with('@') => {
                let marker = m.to_owned();
                first = fields.next();
                Some(marker)
            }
            _ => None,
        };
        if let (Some(hosts), Some(key_type), Some(key)) = (first, fields.next(), fields.next()) {
            out.push(KnownHostLine {
                marker,
                hosts: hosts.to_owned(),
                key_type: key_type.to_owned(),
                key: key.to_owned(),
            });
        }
    }
    out
}

struct KnownHostsFile {
    path: PathBuf,
    exists: bool,
    lines: Vec<KnownHostLine>,
}

impl KnownHostsFile {
    fn load(path: &Path) -> Result<KnownHostsFile, Outcome> {
        let unreadable = |e: &dyn std::fmt::Display| {
            Outcome::unknown(format!("cannot read known_hosts {}: {e}", path.display()))
        };
        let file = match std::fs::File::open(path) {
            Ok(file) => file,
            Err(e) if e.kind() == ErrorKind::NotFound => {
                return Ok(KnownHostsFile {
                    path: path.to_path_buf(),
                    exists: false,
                    lines: Vec::new(),
                })
            }
            Err(e) => return Err(unreadable(&e)),
        };
        let mut bytes = Vec::new();
        file.take(MAX_KNOWN_HOSTS_BYTES)
            .read_to_end(&mut bytes)
            .map_err(|e| unreadable(&e))?;
        Ok(KnownHostsFile {
            path: path.to_path_buf(),
            exists: true,
            lines: parse_known_hosts(&String::from_utf8_lossy(&bytes)),
        })
    }

    /// libssh2's matcher loaded with the plain (unmarked) lines of one key type.
    fn matcher(&self, session: &Session, key_type: Option<&str>) -> Option<ssh2::KnownHosts> {
        let mut known = session.known_hosts().ok()?;
        for line in self.lines.iter().filter(|l| l.marker.is_none()) {
            if key_type.is_some_and(|t| t != line.key_type) {
                continue;
            }
            let text = format!("{} {} {}", line.hosts, line.key_type, line.key);
            // A line libssh2 cannot read (an unsupported key type, ...) is skipped.
            let _ = known.read_str(&text, KnownHostFileKind::OpenSSH);
        }
        Some(known)
    }

    /// Key types known_hosts has for `name` (hashed entries too).
    fn known_types(&self, session: &Session, name: &str) -> Vec<String> {
        let mut types: Vec<String> = Vec::new();
        for line in &self.lines {
            if line.marker.is_none() && !types.contains(&line.key_type) {
                types.push(line.key_type.clone());
            }
        }
        types
            .into_iter()
            .filter(|t| {
                // Any key: a known name answers Mismatch, an unknown one NotFound.
                self.matcher(session, Some(t))
                    .map(|m| m.check(name, b"fieldline-probe"))
                    .is_some_and(|r| !matches!(r, CheckResult::NotFound | CheckResult::Failure))
            })
            .collect()
    }

    /// libssh2 host key algorithms, those of the known key types first; `None` when
    /// nothing is known for the host (libssh2's own order then).
    fn preferred_algorithms(&self, session: &Session, name: &str) -> Option<String> {
        let known = self.known_types(session, name);
        if known.is_empty() {
            return None;
        }
        let supported = session.supported_algs(MethodType::HostKey).ok()?;
        let mut preferred: Vec<&str> = Vec::new();
        for t in &known {
            for alg in algorithms_for(t) {
                if supported.contains(alg) && !preferred.contains(alg) {
                    preferred.push(alg);
                }
            }
        }
        if preferred.is_empty() {
            return None;
        }
        for alg in &supported {
            if !preferred.contains(alg) {
                preferred.push(alg);
            }
        }
        Some(preferred.join(","))
    }
}

/// The host key algorithms that prove a key of this known_hosts key type.
fn algorithms_for(key_type: &str) -> &'static [&'static str] {
    match key_type {
        "ssh-ed25519" => &["ssh-ed25519"],
        "ecdsa-sha2-nistp256" => &["ecdsa-sha2-nistp256"],
        "ecdsa-sha2-nistp384" => &["ecdsa-sha2-nistp384"],
        "ecdsa-sha2-nistp521" => &["ecdsa-sha2-nistp521"],
        "ssh-rsa" => &["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"],
        "ssh-dss" => &["ssh-dss"],
        _ => &[],
    }
}

/// `SHA256:…` as `ssh-keygen -l` prints it.
pub fn sha256_fingerprint(sha256: &[u8]) -> String {
    format!("SHA256:{}", STANDARD_NO_PAD.encode(sha256))
}

fn verify_host_key(
    plan: &Plan,
    session: &Session,
    known: &KnownHostsFile,
    name: &str,
) -> Result<(), Outcome> {
    let label = plan.label();
    let Some((blob, _)) = session.host_key() else {
        return Err(Outcome::unknown(format!("{label} sent no host key")));
    };
    let key_type = key_type_of_blob(blob).unwrap_or_else(|| "unknown-type".into());
    let fingerprint = session
        .host_key_hash(HashType::Sha256)
        .map(sha256_fingerprint)
        .unwrap_or_else(|| "SHA256:?".into());
    let seen = format!("{key_type} {fingerprint}");
    let path = known.path.display();
    let key_b64 = STANDARD.encode(blob);
    if known
        .lines
        .iter()
        .any(|l| l.marker.as_deref() == Some("@revoked") && l.key == key_b64)
    {
        return Err(Outcome::crit(
            None,
            format!(
                "HOST KEY REVOKED: {label} sent {seen}, marked @revoked in {path}; not logged in"
            ),
        ));
    }
    let result = known
        .matcher(session, Some(&key_type))
        .map(|m| m.check(name, blob))
        .unwrap_or(CheckResult::Failure);
    match result {
        CheckResult::Match => Ok(()),
        CheckResult::Mismatch => Err(Outcome::crit(
            None,
            format!(
                "HOST KEY CHANGED for {label}: it sent {seen}, not the key in {path}; not logged \
                 in. Someone may be intercepting the connection, or the host was reinstalled: \
                 verify, then ssh-keygen -R '{name}'"
            ),
        )),
        CheckResult::NotFound => {
            let where_ = if known.exists {
                format!("not in {path}")
            } else {
                format!("{path} does not exist")
            };
            let scan_port = if plan.port == DEFAULT_PORT {
                String::new()
            } else {
                format!("-p {} ", plan.port)
            };
            Err(Outcome::unknown(format!(
                "host key of {label} is not known: {seen} ({where_}). If it matches the host's \
                 (ssh-keygen -l there), add it: ssh-keyscan {scan_port}-t {key_type} {} >> {path}",
                plan.host
            )))
        }
        CheckResult::Failure => Err(Outcome::unknown(format!(
            "cannot check the host key of {label} ({seen}) against {path}"
        ))),
    }
}

// ---------------------------------------------------------------------------------------
// Authentication

fn authenticate(plan: &Plan, session: &Session, clock: &Clock) -> Result<(), Outcome> {
    let label = plan.label();
    let user = &plan.user;
    let network = |e: &ssh2::Error| -> Option<Outcome> {
        (is_timeout(e) || is_connection_lost(e) || clock.expired())
            .then(|| ssh_failure(plan, clock, "authentication", e))
    };
    let socket = match &plan.agent {
        AgentAccess::None => {
            return Err(Outcome::unknown(
                "no key to log in with: checks log in with the keys in your ssh-agent, and \
                 SSH_AUTH_SOCK is not set (start ssh-agent and ssh-add the key)",
            ))
        }
        AgentAccess::Socket(path) => Some(path),
        AgentAccess::SystemDefault => None,
    };
    let agent_error =
        |e: ssh2::Error| Outcome::unknown(format!("cannot use ssh-agent: {}", e.message()));
    let mut agent = session.agent().map_err(agent_error)?;
    if let Some(path) = socket {
        agent.set_identity_path(path).map_err(agent_error)?;
    }
    agent.connect().map_err(agent_error)?;
    agent.list_identities().map_err(agent_error)?;
    let identities = agent.identities().map_err(agent_error)?;
    if identities.is_empty() {
        let _ = agent.disconnect();
        return Err(Outcome::unknown(
            "ssh-agent holds no keys: ssh-add the key checks log in with",
        ));
    }
    let mut last = None;
    for identity in identities.iter().take(MAX_AGENT_KEYS) {
        session.set_timeout(clock.ms());
        match agent.userauth(user, identity) {
            Ok(()) => {
                let _ = agent.disconnect();
                return Ok(());
            }
            Err(e) => {
                if let Some(outcome) = network(&e) {
                    let _ = agent.disconnect();
                    return Err(outcome);
                }
                last = Some(e);
            }
        }
    }
    let _ = agent.disconnect();
    Err(Outcome::unknown(format!(
        "{label} accepted none of the {} key(s) in ssh-agent for user {user}{}",
        identities.len().min(MAX_AGENT_KEYS),
        last.map(|e| format!(": {}", e.message()))
            .unwrap_or_default()
    )))
}

// ---------------------------------------------------------------------------------------
// The command

struct Capture {
    kept: Vec<u8>,
    total: usize,
    eof: bool,
}

impl Capture {
    fn new() -> Capture {
        Capture {
            kept: Vec::new(),
            total: 0,
            eof: false,
        }
    }
    fn push(&mut self, data: &[u8]) {
        let room = MAX_KEPT.saturating_sub(self.kept.len());
        self.kept.extend_from_slice(&data[..data.len().min(room)]);
        self.total += data.len();
    }
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.kept).into_owned()
    }
    fn cut(&self) -> bool {
        self.total > self.kept.len()
    }
}

/// Waits a little when nothing happened: 1 ms, doubling to 10 ms, never past the deadline.
struct Idle(u64);

impl Idle {
    fn wait(&mut self, clock: &Clock) {
        let pause = Duration::from_millis(self.0).min(clock.left());
        std::thread::sleep(pause);
        self.0 = (self.0 * 2).min(10);
    }
    fn reset(&mut self) {
        self.0 = 1;
    }
}

fn run_command(plan: &Plan, conn: &mut Conn, clock: &Clock) -> Result<CommandOutput, Outcome> {
    let session = conn.session.clone();
    // A handle of our own on the socket: shutting it down ends every wait at once.
    let socket = conn.socket.as_ref().and_then(|s| s.try_clone().ok());
    let abandon = || {
        if let Some(s) = &socket {
            let _ = s.shutdown(Shutdown::Both);
        }
    };
    session.set_timeout(clock.ms());
    let channel = session
        .channel_session()
        .map_err(|e| ssh_failure(plan, clock, "opening a channel", &e))?;
    let channel = conn.channel.insert(channel);
    session.set_timeout(clock.ms());
    channel
        .exec(&plan.command)
        .map_err(|e| ssh_failure(plan, clock, "starting the command", &e))?;
    session.set_timeout(clock.ms());
    // No input: a command that reads stdin (a prompt) sees end of file at once.
    let _ = channel.send_eof();

    session.set_blocking(false);
    let mut out = Capture::new();
    let mut err = Capture::new();
    let mut buf = vec![0u8; 32 * 1024];
    let mut idle = Idle(1);
    let partial = |out: &Capture, err: &Capture| CommandOutput {
        stdout: out.text(),
        stderr: err.text(),
        stdout_cut: out.cut(),
        stderr_cut: err.cut(),
        ..CommandOutput::default()
    };
    while !(out.eof && err.eof) {
        let mut moved = false;
        let mut lost = None;
        for (id, capture) in [(0, &mut out), (1, &mut err)] {
            if capture.eof {
                continue;
            }
            match channel.stream(id).read(&mut buf) {
                Ok(0) => capture.eof = true,
                Ok(n) => {
                    capture.push(&buf[..n]);
                    moved = true;
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                Err(e) => {
                    lost = Some(e);
                    break;
                }
            }
        }
        if let Some(e) = lost {
            let so_far = excerpt(&partial(&out, &err));
            return Err(Outcome::crit(
                None,
                format!(
                    "connection to {} lost while the command ran ({e}){}",
                    plan.label(),
                    if so_far.is_empty() {
                        String::new()
                    } else {
                        format!("; output so far: {so_far}")
                    }
                ),
            ));
        }
        if out.total + err.total > MAX_READ {
            abandon();
            let o = partial(&out, &err);
            return Err(Outcome::unknown(format!(
                "the command printed more than {} MiB: stopped reading it (a check's command \
                 should print a short answer); it began: {}",
                MAX_READ >> 20,
                excerpt(&o)
            )));
        }
        if moved {
            idle.reset();
            continue;
        }
        if clock.expired() {
            abandon();
            let o = partial(&out, &err);
            return Err(timed_out(plan, clock, &o));
        }
        idle.wait(clock);
    }
    // EOF on both streams; the exit status comes with (or before) the channel's close.
    loop {
        match channel.wait_close() {
            Ok(()) => break,
            Err(e) if is_code(&e, &[LIBSSH2_ERROR_EAGAIN]) => {
                if clock.expired() {
                    abandon();
                    return Err(timed_out(plan, clock, &partial(&out, &err)));
                }
                idle.wait(clock);
            }
            Err(e) => {
                return Err(Outcome::crit(
                    None,
                    format!(
                        "connection to {} lost at the end of the command: {}",
                        plan.label(),
                        e.message()
                    ),
                ))
            }
        }
    }
    let signal = channel.exit_signal().ok().and_then(|s| s.exit_signal);
    let exit = if signal.is_some() {
        None
    } else {
        channel.exit_status().ok()
    };
    Ok(CommandOutput {
        exit,
        signal,
        ..partial(&out, &err)
    })
}

fn timed_out(plan: &Plan, clock: &Clock, partial: &CommandOutput) -> Outcome {
    let so_far = excerpt(partial);
    Outcome::crit(
        None,
        format!(
            "the command on {} did not finish within {}{}",
            plan.label(),
            seconds(clock.timeout),
            if so_far.is_empty() {
                " (no output)".to_owned()
            } else {
                format!("; output so far: {so_far}")
            }
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec(v: serde_json::Value) -> SshCommandSpec {
        serde_json::from_value(v).expect("spec")
    }

    fn output(stdout: &str, exit: i32) -> CommandOutput {
        CommandOutput {
            stdout: stdout.into(),
            exit: Some(exit),
            ..CommandOutput::default()
        }
    }

    #[test]
    fn exit_codes_regex_and_json() {
        let s = spec(json!({"command": "x", "warn_exit": [1]}));
        assert_eq!(judge_command(&s, &output("fine\n", 0)).0, CheckState::Ok);
        assert_eq!(judge_command(&s, &output("fine\n", 0)).1, "fine");
        assert_eq!(
            judge_command(&s, &output("meh", 1)),
            (CheckState::Warn, "exit 1: meh".into())
        );
        assert_eq!(
            judge_command(&s, &output("", 2)),
            (CheckState::Crit, "exit 2 (expected 0)".into())
        );
        let s = spec(json!({"command": "x", "expect_exit": 3}));
        assert_eq!(judge_command(&s, &output("", 3)).0, CheckState::Ok);
        assert_eq!(judge_command(&s, &output("", 0)).0, CheckState::Crit);
        let killed = CommandOutput {
            signal: Some("KILL".into()),
            ..CommandOutput::default()
        };
        assert_eq!(judge_command(&s, &killed).1, "killed by signal KILL");

        let s = spec(json!({"command": "x", "regex": "^up \\d+ days"}));
        assert_eq!(judge_command(&s, &output("up 3 days", 0)).0, CheckState::Ok);
        let (state, message) = judge_command(&s, &output("down", 0));
        assert_eq!(state, CheckState::Crit);
        assert_eq!(message, r"output does not match /^up \d+ days/: down");

        let s = spec(
            json!({"command": "x", "json": [{"pointer": "/ok", "equals": true, "severity": "warn"}]}),
        );
        assert_eq!(
            judge_command(&s, &output(r#"{"ok": true}"#, 0)).0,
            CheckState::Ok
        );
        assert_eq!(
            judge_command(&s, &output(r#"{"ok": false}"#, 0)).0,
            CheckState::Warn
        );
        let (state, message) = judge_command(&s, &output("<html>", 0));
        assert_eq!(state, CheckState::Warn);
        assert!(message.starts_with("output is not JSON"), "{message}");
    }

    #[test]
    fn output_excerpt_is_clean() {
        let out = CommandOutput {
            stdout: "\n\u{1b}[1;31mALERT\u{1b}[0m <b>disk</b>\r\n\u{1b}]0;title\u{7}second\tline\n"
                .into(),
            exit: Some(0),
            ..CommandOutput::default()
        };
        assert_eq!(excerpt(&out), "ALERT <b>disk</b> | second line");
        let only_err = CommandOutput {
            stderr: "sh: 1: nope: not found\n".into(),
            exit: Some(127),
            ..CommandOutput::default()
        };
        assert_eq!(excerpt(&only_err), "sh: 1: nope: not found");
        assert_eq!(
            strip_escapes("a\u{9b}2Jb\u{1b}Pdcs\u{1b}\\c\u{1b}(Bd"),
            "abcd"
        );
    }

    #[test]
    fn known_hosts_lines_and_key_files() {
        let lines = parse_known_hosts(
            "# comment\n\n|1|c2FsdA==|aGFzaA== ssh-ed25519 AAAAC3Nz\n\
             @revoked * ssh-rsa AAAAB3\n[h]:2222,10.0.0.1 ecdsa-sha2-nistp256 AAAAE2 comment x\nbroken\n",
        );
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0].key_type, "ssh-ed25519");
        assert_eq!(lines[1].marker.as_deref(), Some("@revoked"));
        assert_eq!(lines[2].hosts, "[h]:2222,10.0.0.1");
        assert_eq!(
            key_type_of_blob(b"\0\0\0\x0bssh-ed25519\0\0"),
            Some("ssh-ed25519".into())
        );
        assert_eq!(key_type_of_blob(b"\0\0\0\x0bssh"), None);
    }

    /// Keys made now with `ssh-keygen` in a temp folder (no key material in the source).
    #[test]
    fn encrypted_keys_are_told_from_plain_ones() {
        let dir = tempfile::tempdir().expect("temp dir");
        let key = |name: &str, args: &[&str]| {
            let path = dir.path().join(name);
            let status = std::process::Command::new("ssh-keygen")
                .args(["-q", "-f"])
                .arg(&path)
                .args(args)
                .status()
                .expect("ssh-keygen (Debian openssh-client)");
            assert!(status.success());
            std::fs::read_to_string(&path).expect("key")
        };
        let plain = key("plain", &["-t", "ed25519", "-N", ""]);
        let locked = key("locked", &["-t", "ed25519", "-N", "a passphrase"]);
        let pem_locked = key(
            "pem",
            &["-t", "rsa", "-b", "2048", "-m", "PEM", "-N", "a passphrase"],
        );
        let pem_plain = key(
            "pem-plain",
            &["-t", "rsa", "-b", "2048", "-m", "PEM", "-N", ""],
        );
        assert!(!key_needs_passphrase(&plain));
        assert!(key_needs_passphrase(&locked));
        assert!(key_needs_passphrase(&pem_locked));
        assert!(!key_needs_passphrase(&pem_plain));
    }

    #[test]
    fn plan_defaults() {
        let env = ProbeEnv {
            known_hosts: Some("/data/fieldline/known_hosts".into()),
            local_user: Some("tech".into()),
            agent: AgentAccess::None,
        };
        let s = spec(json!({"command": "uptime"}));
        let plan = Plan::new("Web1.example", None, None, &s, &env).expect("plan");
        assert_eq!(plan.user, "tech");
        assert_eq!(plan.port, 22);
        assert_eq!(
            plan.known_hosts,
            PathBuf::from("/data/fieldline/known_hosts")
        );
        assert_eq!(plan.known_hosts_name(), "web1.example");
        let s = spec(json!({"command": "uptime", "user": "ops", "port": 2222}));
        let plan = Plan::new("::1", Some("admin"), Some(22), &s, &env).expect("plan");
        assert_eq!(plan.user, "ops");
        assert_eq!(plan.label(), "[::1]:2222");
        assert_eq!(plan.known_hosts_name(), "[::1]:2222");
        let plan = Plan::new(
            "h",
            Some("admin"),
            Some(2200),
            &spec(json!({"command": "x"})),
            &env,
        )
        .expect("plan");
        assert_eq!((plan.user.as_str(), plan.port), ("admin", 2200));
        let bad = Plan::new(
            "h",
            None,
            None,
            &spec(json!({"command": "x", "regex": "("})),
            &env,
        );
        assert!(bad.is_err());
        let nobody = ProbeEnv::default();
        assert!(Plan::new("h", None, None, &spec(json!({"command": "x"})), &nobody).is_err());
        // No data folder: no known_hosts, nothing is tried.
        let no_data = ProbeEnv {
            known_hosts: None,
            ..env.clone()
        };
        let refused = Plan::new("h", None, None, &spec(json!({"command": "x"})), &no_data)
            .expect_err("no known_hosts");
        assert!(refused.message.contains("no data folder"), "{refused:?}");
        // A spec naming local files does not even deserialize.
        for field in ["key_file", "known_hosts"] {
            assert!(serde_json::from_value::<SshCommandSpec>(
                json!({"command": "x", field: "/etc/shadow"})
            )
            .is_err());
        }
        // The process's own: Fieldline's data folder, never ~/.ssh.
        let own = ProbeEnv::from_process();
        if let Some(path) = own.known_hosts {
            assert!(!path.ends_with(".ssh/known_hosts"), "{}", path.display());
            assert!(path.ends_with("known_hosts"), "{}", path.display());
        }
        assert!(Plan::new("a\0b", None, None, &spec(json!({"command": "x"})), &env).is_err());
    }
}
