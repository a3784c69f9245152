//! A route to a host (jump hops, then the target) and connecting along it.
//!
//! Every hop is handled the same way: a transport (TCP for the first hop, a `direct-tcpip`
//! channel of the previous hop for the others), the SSH handshake, the host key checked
//! against Fieldline's known_hosts under the [`HostKeyPolicy`], and only then the login
//! ([`crate::auth`]). Nothing is sent to a hop before its host key is accepted: not a
//! password, not a public key, not even the `none` method (`auth_methods`). A changed key
//! stops the whole connection there, before anything is sent to that hop or any later one.
//!
//! libssh2 sessions need a file descriptor, so each hop's session runs on one end of a
//! Unix socket pair; a proxy thread copies between the other end and the transport (the
//! TCP stream, or the previous hop's channel). The proxies also note when bytes last came
//! from the server, which is how a dead link is noticed ([`Connection::silent_for`]).
//!
//! Not here: reconnecting, caching connections, or asking anything but the [`Prompter`].

use crate::auth::{authenticate, AuthContext};
use crate::error::{ssh_failure, SshError};
use crate::known_hosts::{
    fingerprint_sha256, key_type_of_blob, HostKeyPolicy, HostKeyStatus, KnownHosts,
};
use crate::profile::CredentialProfile;
use fieldline_keychain::SecretStore;
use serde::Serialize;
use ssh2::{MethodType, Session};
use std::io::{ErrorKind, Read, Write};
#[cfg(not(unix))]
use std::net::TcpStream as Pipe;
use std::net::{Shutdown, SocketAddr, TcpStream, ToSocketAddrs};
#[cfg(unix)]
use std::os::unix::net::UnixStream as Pipe;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use ts_rs::TS;

/// One hop of a route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hop {
    /// Host name or address as this hop is reached (from the previous hop, for jumps).
    pub host: String,
    pub port: u16,
    pub user: String,
    pub profile: CredentialProfile,
    /// The endpoint id (or host) for messages.
    pub label: String,
}

/// Jump hops first, the target last.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub hops: Vec<Hop>,
}

impl Route {
    pub fn target(&self) -> Option<&Hop> {
        self.hops.last()
    }
    pub fn labels(&self) -> Vec<String> {
        self.hops.iter().map(|h| h.label.clone()).collect()
    }
}

/// The route to `endpoint_id`: its jump endpoints (`ssh.jump`, followed recursively)
/// first. The user of a hop: the endpoint's SSH user, else its profile's, else
/// `default_user`.
pub fn route_for(
    fleet: &fieldline_core::Fleet,
    endpoint_id: &str,
    profiles: &dyn Fn(&str) -> Option<CredentialProfile>,
    default_user: Option<&str>,
) -> Result<Route, SshError> {
    let mut chain: Vec<&fieldline_core::Endpoint> = Vec::new();
    let mut next = Some(endpoint_id.to_owned());
    while let Some(id) = next {
        let Some(endpoint) = fleet.endpoint(&id) else {
            return Err(SshError::Route(match chain.last() {
                None => format!("there is no endpoint {id:?} in the fleet"),
                Some(from) => format!(
                    "endpoint {:?} jumps through {id:?}, which is not in the fleet: fix its SSH jump setting",
                    from.id
                ),
            }));
        };
        if chain.iter().any(|e| e.id == endpoint.id) {
            let path: Vec<&str> = chain.iter().map(|e| e.id.as_str()).collect();
            return Err(SshError::Route(format!(
                "the SSH jump settings go round in a circle: {} -> {id}; fix the jump of one of them",
                path.join(" -> ")
            )));
        }
        chain.push(endpoint);
        next = endpoint.ssh.jump.clone().filter(|j| !j.trim().is_empty());
    }
    chain.reverse();
    let mut hops = Vec::with_capacity(chain.len());
    for e in chain {
        let Some(name) = e.ssh.credential.as_deref().filter(|c| !c.trim().is_empty()) else {
            return Err(SshError::Route(format!(
                "endpoint {:?} has no SSH credential profile: choose one in its SSH settings",
                e.id
            )));
        };
        let Some(profile) = profiles(name) else {
            return Err(SshError::Route(format!(
                "endpoint {:?} uses the credential profile {name:?}, which does not exist: \
                 create it or choose another",
                e.id
            )));
        };
        let host = e.host.trim();
        let host = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        if host.is_empty() || host.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(SshError::Route(format!(
                "endpoint {:?} has no usable host ({:?})",
                e.id, e.host
            )));
        }
        let user = e
            .ssh
            .user
            .clone()
            .or_else(|| profile.user.clone())
            .or_else(|| default_user.map(str::to_owned))
            .filter(|u| !u.trim().is_empty())
            .ok_or_else(|| {
                SshError::Route(format!(
                    "no user to log in to {:?} as: set the endpoint's SSH user or the profile's user",
                    e.id
                ))
            })?;
        hops.push(Hop {
            host: host.to_owned(),
            port: e.ssh.port.unwrap_or(22),
            user,
            profile,
            label: e.id.clone(),
        });
    }
    Ok(Route { hops })
}

/// A host key that is not known yet, for the technician to accept or refuse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct HostKeyQuestion {
    /// 0 = first hop.
    pub hop: usize,
    pub label: String,
    pub host: String,
    pub port: u16,
    pub key_type: String,
    pub fingerprint: String,
}

/// What kind of secret is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SecretKind {
    Passphrase,
    Password,
    /// A keyboard-interactive question (a password, a one-time code, ...).
    Prompt,
}

/// A secret the keychain does not have.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct SecretQuestion {
    pub label: String,
    pub user: String,
    /// What is asked for (`secret`, not `kind`: the session event's tag is `kind`).
    pub secret: SecretKind,
    /// The question to show (the server's own text for keyboard-interactive).
    pub prompt: String,
    /// Whether the answer may be shown while typed.
    pub echo: bool,
}

/// Asks the technician. Answers: `false` / `None` refuse (and cancel the connection).
pub trait Prompter {
    fn host_key(&mut self, q: &HostKeyQuestion) -> bool;
    fn secret(&mut self, q: &SecretQuestion) -> Option<String>;
}

/// A prompter that refuses everything (for non-interactive use with stored secrets).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoPrompter;

impl Prompter for NoPrompter {
    fn host_key(&mut self, _: &HostKeyQuestion) -> bool {
        false
    }
    fn secret(&mut self, _: &SecretQuestion) -> Option<String> {
        None
    }
}

/// How to connect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectOptions {
    /// Fieldline's known_hosts file.
    pub known_hosts: PathBuf,
    pub policy: HostKeyPolicy,
    /// Per blocking step (TCP connect, handshake, each login call, channel open).
    pub connect_timeout: Duration,
    /// Keepalive interval; a link silent for twice this long is lost. 0: none.
    pub keepalive_secs: u32,
    /// The ssh-agent socket; `None`: `SSH_AUTH_SOCK`.
    pub agent_socket: Option<PathBuf>,
}

impl ConnectOptions {
    pub fn new(known_hosts: impl Into<PathBuf>) -> ConnectOptions {
        ConnectOptions {
            known_hosts: known_hosts.into(),
            policy: HostKeyPolicy::Ask,
            connect_timeout: Duration::from_secs(15),
            keepalive_secs: 15,
            agent_socket: None,
        }
    }
    fn timeout_ms(&self) -> u32 {
        u32::try_from(self.connect_timeout.as_millis())
            .unwrap_or(u32::MAX)
            .max(1)
    }
}

/// Limits of [`Connection::exec`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExecLimits {
    /// Bytes kept of stdout and of stderr each; more is read and dropped (`truncated`).
    pub max_output: usize,
    /// The command must end within this.
    pub timeout: Duration,
}

impl Default for ExecLimits {
    fn default() -> ExecLimits {
        ExecLimits {
            max_output: 1 << 20,
            timeout: Duration::from_secs(60),
        }
    }
}

/// What a command left.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ExecOutput {
    /// Exit status (libssh2 gives 0 when the command was ended by a signal).
    pub status: i32,
    #[serde(with = "crate::session::base64_bytes")]
    #[ts(type = "string")]
    pub stdout: Vec<u8>,
    #[serde(with = "crate::session::base64_bytes")]
    #[ts(type = "string")]
    pub stderr: Vec<u8>,
    pub truncated: bool,
}

/// The proxy of one hop and what it tells about the link.
struct Link {
    stop: Arc<AtomicBool>,
    /// Milliseconds since `epoch` when bytes last came from the server.
    last_rx: Arc<AtomicU64>,
    epoch: Instant,
    threads: Vec<JoinHandle<()>>,
    tcp: Option<TcpStream>,
}

impl Link {
    fn stop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(tcp) = &self.tcp {
            let _ = tcp.shutdown(Shutdown::Both);
        }
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

struct HopConn {
    label: String,
    session: Session,
    link: Link,
}

/// An open connection: every hop's session and proxy, kept alive together. Dropping it
/// closes the target first, then each jump.
pub struct Connection {
    hops: Vec<HopConn>,
    fingerprint: String,
    timeout_s: u64,
    timeout_ms: u32,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("hops", &self.labels())
            .field("fingerprint", &self.fingerprint)
            .finish()
    }
}

impl Connection {
    /// The target's session (authenticated).
    pub fn target(&self) -> &Session {
        // A Connection always has at least one hop (connect refuses an empty route).
        &self.target_hop().session
    }
    fn target_hop(&self) -> &HopConn {
        let last = self.hops.len().saturating_sub(1);
        &self.hops[last]
    }
    pub fn target_label(&self) -> &str {
        &self.target_hop().label
    }
    /// Labels of the hops, jumps first.
    pub fn labels(&self) -> Vec<String> {
        self.hops.iter().map(|h| h.label.clone()).collect()
    }
    /// The target's host key fingerprint.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }
    /// How long no byte came from the target's server (keepalive answers count).
    pub fn silent_for(&self) -> Duration {
        let link = &self.target_hop().link;
        let now = link.epoch.elapsed().as_millis() as u64;
        Duration::from_millis(now.saturating_sub(link.last_rx.load(Ordering::Relaxed)))
    }
    /// Whether some hop's proxy ended (its transport is gone).
    pub fn link_down(&self) -> bool {
        self.hops
            .iter()
            .any(|h| h.link.threads.iter().any(JoinHandle::is_finished))
    }

    /// Runs `command` on the target (no PTY, stdin closed), output bounded.
    pub fn exec(&self, command: &str, limits: ExecLimits) -> Result<ExecOutput, SshError> {
        let label = self.target_label().to_owned();
        let session = self.target();
        let fail = |what: &str, e: ssh2::Error| ssh_failure(&label, what, &e, self.timeout_s);
        session.set_blocking(true);
        let mut channel = session
            .channel_session()
            .map_err(|e| fail("opening a channel", e))?;
        channel
            .exec(command)
            .map_err(|e| fail("starting the command", e))?;
        let _ = channel.send_eof();
        session.set_blocking(false);
        let deadline = Instant::now() + limits.timeout;
        let mut out = ExecOutput {
            status: 0,
            stdout: Vec::new(),
            stderr: Vec::new(),
            truncated: false,
        };
        let mut buf = vec![0u8; 32 * 1024];
        let result = loop {
            let mut progress = false;
            let mut ended = true;
            for stream_id in [0, 1] {
                let mut stream = channel.stream(stream_id);
                match stream.read(&mut buf) {
                    Ok(0) => {}
                    Ok(n) => {
                        progress = true;
                        ended = false;
                        let keep = if stream_id == 0 {
                            &mut out.stdout
                        } else {
                            &mut out.stderr
                        };
                        let room = limits.max_output.saturating_sub(keep.len());
                        keep.extend_from_slice(&buf[..n.min(room)]);
                        if n > room {
                            out.truncated = true;
                        }
                    }
                    Err(e) if e.kind() == ErrorKind::WouldBlock => ended = false,
                    Err(_) => break,
                }
            }
            if ended || channel.eof() && !progress {
                break Ok(());
            }
            if Instant::now() > deadline {
                break Err(SshError::Timeout {
                    label: label.clone(),
                    what: format!(
                        "the command did not end within {} s",
                        limits.timeout.as_secs()
                    ),
                    seconds: limits.timeout.as_secs(),
                });
            }
            if self.link_down() {
                break Err(SshError::Closed {
                    label: label.clone(),
                    reason: "the link ended while the command ran".into(),
                });
            }
            if !progress {
                std::thread::sleep(Duration::from_millis(2));
            }
        };
        session.set_blocking(true);
        if let Err(e) = result {
            // Freeing a channel whose command still runs waits for the server's close:
            // give that a short while only, then leave it to the session's end.
            session.set_timeout(300);
            let _ = channel.close();
            drop(channel);
            session.set_timeout(self.timeout_ms);
            return Err(e);
        }
        let _ = channel.wait_close();
        out.status = channel
            .exit_status()
            .map_err(|e| fail("reading the exit status", e))?;
        Ok(out)
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        // Target first: its goodbye still travels through the jumps' proxies.
        while let Some(mut hop) = self.hops.pop() {
            hop.session.set_blocking(true);
            hop.session.set_timeout(500);
            if !hop.link.threads.iter().any(JoinHandle::is_finished) {
                let _ = hop.session.disconnect(None, "closed by Fieldline", None);
            }
            hop.link.stop();
            drop(hop.session);
        }
    }
}

/// Connects along `route`: every hop verified, then logged in, in order.
pub fn connect(
    route: &Route,
    opts: &ConnectOptions,
    secrets: &dyn SecretStore,
    prompter: &mut dyn Prompter,
) -> Result<Connection, SshError> {
    if route.hops.is_empty() {
        return Err(SshError::Route("the route has no hop".into()));
    }
    let known = KnownHosts::new(&opts.known_hosts);
    let timeout_s = opts.connect_timeout.as_secs().max(1);
    let mut conn = Connection {
        hops: Vec::with_capacity(route.hops.len()),
        fingerprint: String::new(),
        timeout_s,
        timeout_ms: opts.timeout_ms(),
    };
    for (i, hop) in route.hops.iter().enumerate() {
        let (inner, link) = match conn.hops.last() {
            None => tcp_link(hop, opts)?,
            Some(prev) => channel_link(prev, hop, opts, timeout_s)?,
        };
        let mut session = Session::new().map_err(|e| SshError::Io {
            what: "starting libssh2".into(),
            reason: e.message().into(),
        })?;
        session.set_tcp_stream(inner);
        // Hold the link at once, so that any error below tears the proxy down.
        conn.hops.push(HopConn {
            label: hop.label.clone(),
            session,
            link,
        });
        let session = &mut conn
            .hops
            .last_mut()
            .ok_or_else(|| SshError::Route("no hop".into()))?
            .session;
        prefer_known_key_types(session, &known, hop);
        session.set_timeout(opts.timeout_ms());
        session.handshake().map_err(|e| {
            match ssh_failure(&hop.label, "the SSH handshake", &e, timeout_s) {
                SshError::Ssh { reason, .. } => SshError::Connect {
                    label: hop.label.clone(),
                    addr: format!("{}:{}", hop.host, hop.port),
                    reason: format!("SSH handshake failed: {reason}"),
                },
                other => other,
            }
        })?;
        let fingerprint = verify_host_key(i, hop, session, &known, opts.policy, prompter)?;
        // Only now, with the host key accepted, may anything be sent for login.
        let mut cx = AuthContext {
            label: &hop.label,
            user: &hop.user,
            profile: &hop.profile,
            secrets,
            prompter: &mut *prompter,
            agent_socket: opts.agent_socket.as_deref(),
            timeout_s,
        };
        authenticate(session, &mut cx)?;
        if opts.keepalive_secs > 0 {
            session.set_keepalive(true, opts.keepalive_secs);
        }
        conn.fingerprint = fingerprint;
    }
    Ok(conn)
}

fn prefer_known_key_types(session: &Session, known: &KnownHosts, hop: &Hop) {
    let Ok(types) = known.key_types_for(&hop.host, hop.port) else {
        return;
    };
    if types.is_empty() {
        return;
    }
    let Ok(supported) = session.supported_algs(MethodType::HostKey) else {
        return;
    };
    let mut preferred: Vec<&str> = Vec::new();
    for t in &types {
        // An RSA key is proven by any of three signature algorithms; other key types
        // have one algorithm of their own name.
        let rsa = ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"];
        for a in supported.iter().copied() {
            let proves = if t == "ssh-rsa" {
                rsa.contains(&a)
            } else {
                a == t
            };
            if proves && !preferred.contains(&a) {
                preferred.push(a);
            }
        }
    }
    for a in &supported {
        if !preferred.contains(a) {
            preferred.push(a);
        }
    }
    let _ = session.method_pref(MethodType::HostKey, &preferred.join(","));
}

fn verify_host_key(
    index: usize,
    hop: &Hop,
    session: &Session,
    known: &KnownHosts,
    policy: HostKeyPolicy,
    prompter: &mut dyn Prompter,
) -> Result<String, SshError> {
    let Some((blob, _)) = session.host_key() else {
        return Err(SshError::Connect {
            label: hop.label.clone(),
            addr: format!("{}:{}", hop.host, hop.port),
            reason: "the server sent no host key".into(),
        });
    };
    let blob = blob.to_vec();
    let key_type = key_type_of_blob(&blob).unwrap_or_else(|| "unknown-type".into());
    let fingerprint = fingerprint_sha256(&blob);
    match known.check(&hop.host, hop.port, &key_type, &blob)? {
        HostKeyStatus::Known => Ok(fingerprint),
        HostKeyStatus::Changed { old } => Err(SshError::HostKeyChanged {
            label: hop.label.clone(),
            host: hop.host.clone(),
            port: hop.port,
            key_type,
            old,
            new: fingerprint,
        }),
        HostKeyStatus::Unknown => match policy {
            HostKeyPolicy::Strict => Err(SshError::HostKeyUnknown {
                label: hop.label.clone(),
                host: hop.host.clone(),
                port: hop.port,
                key_type,
                fingerprint,
                known_hosts: known.path().display().to_string(),
            }),
            HostKeyPolicy::AcceptNew => {
                known.add(&hop.host, hop.port, &key_type, &blob)?;
                Ok(fingerprint)
            }
            HostKeyPolicy::Ask => {
                let q = HostKeyQuestion {
                    hop: index,
                    label: hop.label.clone(),
                    host: hop.host.clone(),
                    port: hop.port,
                    key_type: key_type.clone(),
                    fingerprint: fingerprint.clone(),
                };
                if prompter.host_key(&q) {
                    known.add(&hop.host, hop.port, &key_type, &blob)?;
                    Ok(fingerprint)
                } else {
                    Err(SshError::HostKeyRefused {
                        label: hop.label.clone(),
                        host: hop.host.clone(),
                        port: hop.port,
                        fingerprint,
                    })
                }
            }
        },
    }
}

fn now_ms(epoch: Instant) -> u64 {
    epoch.elapsed().as_millis() as u64
}

/// Two connected sockets: libssh2 runs on one end, a proxy thread on the other. A Unix
/// socket pair on unix; elsewhere a loopback TCP pair whose accepted end is checked to be
/// the very socket we connected (no other local process can slip in).
fn pair(what: &str) -> Result<(Pipe, Pipe), SshError> {
    let err = |e: std::io::Error| SshError::Io {
        what: format!("a socket pair for {what}"),
        reason: e.to_string(),
    };
    #[cfg(unix)]
    {
        Pipe::pair().map_err(err)
    }
    #[cfg(not(unix))]
    {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(err)?;
        let a = Pipe::connect(listener.local_addr().map_err(err)?).map_err(err)?;
        let want = a.local_addr().map_err(err)?;
        loop {
            let (b, from) = listener.accept().map_err(err)?;
            if from == want {
                let _ = a.set_nodelay(true);
                let _ = b.set_nodelay(true);
                return Ok((a, b));
            }
        }
    }
}

/// TCP to the first hop, bridged to a socket pair by two copying threads.
fn tcp_link(hop: &Hop, opts: &ConnectOptions) -> Result<(Pipe, Link), SshError> {
    let addr_text = format!("{}:{}", hop.host, hop.port);
    let connect_err = |reason: String| SshError::Connect {
        label: hop.label.clone(),
        addr: addr_text.clone(),
        reason,
    };
    let addrs: Vec<SocketAddr> = (hop.host.as_str(), hop.port)
        .to_socket_addrs()
        .map_err(|e| connect_err(format!("cannot resolve {}: {e}", hop.host)))?
        .collect();
    let mut last = None;
    let mut stream = None;
    for a in &addrs {
        match TcpStream::connect_timeout(a, opts.connect_timeout) {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(e) => last = Some(e),
        }
    }
    let Some(tcp) = stream else {
        return Err(connect_err(match last {
            Some(e) if e.kind() == ErrorKind::ConnectionRefused => {
                "connection refused (is sshd running on that port?)".into()
            }
            Some(e) if e.kind() == ErrorKind::TimedOut => {
                format!("no answer within {} s", opts.connect_timeout.as_secs())
            }
            Some(e) => e.to_string(),
            None => "no address".into(),
        }));
    };
    let _ = tcp.set_nodelay(true);
    let (inner, outer) = pair("the first hop")?;
    let io = |e: std::io::Error| SshError::Io {
        what: "setting up the link".into(),
        reason: e.to_string(),
    };
    let epoch = Instant::now();
    let last_rx = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let (tcp_r, tcp_w) = (tcp.try_clone().map_err(io)?, tcp.try_clone().map_err(io)?);
    let (outer_r, outer_w) = (outer.try_clone().map_err(io)?, outer);
    let rx = last_rx.clone();
    let down = std::thread::Builder::new()
        .name(format!("ssh-link-{}-down", hop.label))
        .spawn(move || {
            let (mut from, mut to) = (tcp_r, outer_w);
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                match from.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        rx.store(now_ms(epoch), Ordering::Relaxed);
                        if to.write_all(&buf[..n]).is_err() {
                            break;
                        }
                    }
                }
            }
            let _ = to.shutdown(Shutdown::Both);
            let _ = from.shutdown(Shutdown::Both);
        })
        .map_err(io)?;
    let up = std::thread::Builder::new()
        .name(format!("ssh-link-{}-up", hop.label))
        .spawn(move || {
            let (mut from, mut to) = (outer_r, tcp_w);
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                match from.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if to.write_all(&buf[..n]).is_err() {
                            break;
                        }
                    }
                }
            }
            let _ = to.shutdown(Shutdown::Both);
            let _ = from.shutdown(Shutdown::Both);
        })
        .map_err(io)?;
    Ok((
        inner,
        Link {
            stop,
            last_rx,
            epoch,
            threads: vec![down, up],
            tcp: Some(tcp),
        },
    ))
}

/// A `direct-tcpip` channel of the previous hop to `hop`, bridged to a socket pair by a
/// proxy thread.
fn channel_link(
    prev: &HopConn,
    hop: &Hop,
    opts: &ConnectOptions,
    timeout_s: u64,
) -> Result<(Pipe, Link), SshError> {
    let session = prev.session.clone();
    session.set_blocking(true);
    session.set_timeout(opts.timeout_ms());
    let channel = session
        .channel_direct_tcpip(&hop.host, hop.port, None)
        .map_err(
            |e| match ssh_failure(&prev.label, "opening a tunnel", &e, timeout_s) {
                SshError::Ssh { reason, .. } => SshError::JumpRefused {
                    label: prev.label.clone(),
                    target: format!("{} ({}:{})", hop.label, hop.host, hop.port),
                    reason,
                },
                other => other,
            },
        )?;
    let (inner, outer) = pair(&hop.label)?;
    let io = |e: std::io::Error| SshError::Io {
        what: "setting up the tunnel".into(),
        reason: e.to_string(),
    };
    outer.set_nonblocking(true).map_err(io)?;
    let epoch = Instant::now();
    let last_rx = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let keepalive = opts.keepalive_secs;
    let (rx, st) = (last_rx.clone(), stop.clone());
    let t = std::thread::Builder::new()
        .name(format!("ssh-tunnel-{}", hop.label))
        .spawn(move || proxy_channel(session, channel, outer, rx, epoch, st, keepalive))
        .map_err(io)?;
    Ok((
        inner,
        Link {
            stop,
            last_rx,
            epoch,
            threads: vec![t],
            tcp: None,
        },
    ))
}

#[allow(clippy::too_many_arguments)]
fn proxy_channel(
    session: Session,
    mut channel: ssh2::Channel,
    mut sock: Pipe,
    last_rx: Arc<AtomicU64>,
    epoch: Instant,
    stop: Arc<AtomicBool>,
    keepalive_secs: u32,
) {
    session.set_blocking(false);
    if keepalive_secs > 0 {
        session.set_keepalive(true, keepalive_secs);
    }
    let mut up: Vec<u8> = Vec::new(); // inner session -> channel
    let mut up_off = 0;
    let mut down: Vec<u8> = Vec::new(); // channel -> inner session
    let mut down_off = 0;
    let mut buf = vec![0u8; 64 * 1024];
    let mut sock_eof = false;
    let mut next_keepalive = Instant::now();
    let mut idle = Idle::new(Duration::from_millis(2));
    while !stop.load(Ordering::Relaxed) {
        let mut progress = false;
        // inner -> channel
        if up_off == up.len() && !sock_eof {
            match sock.read(&mut buf) {
                Ok(0) => {
                    sock_eof = true;
                    let _ = channel.send_eof();
                }
                Ok(n) => {
                    up.clear();
                    up.extend_from_slice(&buf[..n]);
                    up_off = 0;
                    progress = true;
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                Err(_) => break,
            }
        }
        if up_off < up.len() {
            match channel.write(&up[up_off..]) {
                Ok(n) => {
                    up_off += n;
                    progress = progress || n > 0;
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                Err(_) => break,
            }
        }
        // channel -> inner
        if down_off == down.len() {
            match channel.read(&mut buf) {
                Ok(0) => {
                    if channel.eof() {
                        break;
                    }
                }
                Ok(n) => {
                    last_rx.store(now_ms(epoch), Ordering::Relaxed);
                    down.clear();
                    down.extend_from_slice(&buf[..n]);
                    down_off = 0;
                    progress = true;
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                Err(_) => break,
            }
        }
        if down_off < down.len() {
            match sock.write(&down[down_off..]) {
                Ok(n) => {
                    down_off += n;
                    progress = progress || n > 0;
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                Err(_) => break,
            }
        }
        if sock_eof && up_off == up.len() && down_off == down.len() {
            break;
        }
        if keepalive_secs > 0 && Instant::now() >= next_keepalive {
            match session.keepalive_send() {
                Ok(secs) => {
                    next_keepalive = Instant::now() + Duration::from_secs(u64::from(secs.max(1)))
                }
                Err(e) if crate::error::is_lost(&e) => break,
                Err(_) => next_keepalive = Instant::now() + Duration::from_secs(1),
            }
        }
        if progress {
            idle.busy();
        } else {
            std::thread::sleep(idle.next());
        }
    }
    let _ = sock.shutdown(Shutdown::Both);
    let _ = channel.close();
}

/// Backs off while a non-blocking loop has nothing to do: 50 µs, doubling up to `max`
/// (there is no safe `poll` here: `unsafe` is forbidden in this workspace).
pub(crate) struct Idle {
    wait: Duration,
    max: Duration,
}

impl Idle {
    pub(crate) fn new(max: Duration) -> Idle {
        Idle {
            wait: Duration::from_micros(50),
            max,
        }
    }
    pub(crate) fn busy(&mut self) {
        self.wait = Duration::from_micros(50);
    }
    /// The next wait (and doubles the one after).
    pub(crate) fn next(&mut self) -> Duration {
        let w = self.wait;
        self.wait = (self.wait * 2).min(self.max);
        w
    }
}
