//! The session actor: one thread owns a [`Connection`] and its channel (a PTY shell, or a
//! command); the rest of the app talks to it through a [`SessionHandle`] and receives
//! [`SessionEvent`]s.
//!
//! The actor connects first, asking host keys and secrets by emitting
//! [`SessionEvent::HostKey`] / [`SessionEvent::Secret`] and waiting (at most
//! [`ANSWER_WAIT`], then it is a refusal) for [`SessionHandle::answer_host_key`] /
//! [`SessionHandle::answer_secret`]. Then it runs libssh2 non-blocking: output is read and
//! emitted in batches (at most [`MAX_BATCH`] bytes or [`BATCH_AGE`] old each), input and
//! resizes are applied, keepalives sent. Events go through a small bounded queue to a
//! thread that calls the app's callback: a slow consumer slows reading from the server,
//! memory does not grow. A link that stays silent for twice the keepalive interval (or
//! whose transport ends) is reported lost.
//!
//! Never here: secrets in events (answers go straight to libssh2), reconnecting on its
//! own, or writing output anywhere but the callback and the optional tap.

use crate::auth::Secret;
use crate::connect::{
    connect, ConnectOptions, Connection, HostKeyQuestion, Idle, Prompter, Route, SecretQuestion,
};
use fieldline_keychain::SecretStore;
use serde::Serialize;
use std::io::{ErrorKind, Read, Write};
use std::sync::mpsc::{
    self, Receiver, RecvTimeoutError, Sender, SyncSender, TryRecvError, TrySendError,
};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use ts_rs::TS;

/// How long a host-key or secret question waits for its answer; then it is refused.
pub const ANSWER_WAIT: Duration = Duration::from_secs(5 * 60);
/// Most bytes in one [`SessionEvent::Data`].
pub const MAX_BATCH: usize = 256 * 1024;
/// Output is held at most this long to be coalesced with more.
pub const BATCH_AGE: Duration = Duration::from_millis(16);
/// Events waiting for the consumer at most; then reading from the server pauses.
pub const EVENT_QUEUE: usize = 8;

/// Bytes as base64 in JSON.
pub mod base64_bytes {
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine as _;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(bytes))
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        STANDARD.decode(text).map_err(serde::de::Error::custom)
    }
}

/// What the actor tells the app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SessionEvent {
    /// A host key to accept or refuse: answer with [`SessionHandle::answer_host_key`].
    HostKey(HostKeyQuestion),
    /// A secret to type: answer with [`SessionHandle::answer_secret`].
    Secret(SecretQuestion),
    /// Logged in on every hop (labels, jumps first); the target's host key fingerprint.
    Connected {
        hops: Vec<String>,
        fingerprint: String,
    },
    /// Output (stdout and, without a PTY, stderr), in order.
    Data {
        #[serde(with = "base64_bytes")]
        #[ts(type = "string")]
        bytes: Vec<u8>,
    },
    /// The shell or command ended with this status.
    Exit { status: i32 },
    /// The session ended without an exit status (closed by the app, link lost).
    Closed { reason: String },
    /// The session could not start or broke (the message says what to do).
    Error { message: String },
}

/// What the tap sees: every output chunk as read, and every applied resize.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputChunk<'a> {
    Output(&'a [u8]),
    Resize(u16, u16),
}

/// A callback that sees the output as it is read (e.g. a recorder).
pub type Tap = Box<dyn FnMut(OutputChunk<'_>) + Send>;

/// What to open once connected.
pub struct SessionOptions {
    /// A PTY of (cols, rows); `None`: no PTY (a command's stdout and stderr as they come).
    pub pty: Option<(u16, u16)>,
    /// `TERM` for the PTY.
    pub term: String,
    /// A command instead of the login shell.
    pub command: Option<String>,
    pub tap: Option<Tap>,
}

impl Default for SessionOptions {
    fn default() -> SessionOptions {
        SessionOptions {
            pty: Some((80, 24)),
            term: "xterm-256color".into(),
            command: None,
            tap: None,
        }
    }
}

impl std::fmt::Debug for SessionOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionOptions")
            .field("pty", &self.pty)
            .field("term", &self.term)
            .field("command", &self.command)
            .field("tap", &self.tap.is_some())
            .finish()
    }
}

enum Cmd {
    Write(Vec<u8>),
    Resize(u16, u16),
    HostKey(bool),
    Secret(Option<Secret>),
    Close,
}

/// The app's side of a session. Dropping it closes the session.
pub struct SessionHandle {
    tx: Sender<Cmd>,
    actor: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for SessionHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionHandle")
            .field("finished", &self.is_finished())
            .finish()
    }
}

impl SessionHandle {
    /// Input for the shell; `false` when the session has ended.
    pub fn write(&self, bytes: &[u8]) -> bool {
        self.tx.send(Cmd::Write(bytes.to_vec())).is_ok()
    }
    pub fn resize(&self, cols: u16, rows: u16) -> bool {
        self.tx.send(Cmd::Resize(cols, rows)).is_ok()
    }
    pub fn answer_host_key(&self, accept: bool) -> bool {
        self.tx.send(Cmd::HostKey(accept)).is_ok()
    }
    /// `None`: the technician cancelled.
    pub fn answer_secret(&self, secret: Option<String>) -> bool {
        self.tx.send(Cmd::Secret(secret.map(Secret::new))).is_ok()
    }
    pub fn close(&self) {
        let _ = self.tx.send(Cmd::Close);
    }
    pub fn is_finished(&self) -> bool {
        self.actor.as_ref().is_none_or(JoinHandle::is_finished)
    }
    /// Waits for the actor (and so the last event) to end.
    pub fn join(mut self) {
        if let Some(a) = self.actor.take() {
            let _ = a.join();
        }
    }
}

impl Drop for SessionHandle {
    fn drop(&mut self) {
        let _ = self.tx.send(Cmd::Close);
    }
}

/// The session's actor and its event thread.
pub struct Session;

impl Session {
    /// Starts the actor: it connects along `route`, opens the channel and runs until the
    /// shell exits, the link is lost, or the handle closes it. `events` is called on a
    /// thread of its own, in order; the last event is Exit, Closed or Error.
    pub fn spawn(
        route: Route,
        opts: ConnectOptions,
        session: SessionOptions,
        secrets: Arc<dyn SecretStore>,
        events: Box<dyn FnMut(SessionEvent) + Send>,
    ) -> SessionHandle {
        let (tx, rx) = mpsc::channel::<Cmd>();
        let actor = std::thread::Builder::new()
            .name("ssh-session".into())
            .spawn(move || actor(route, opts, session, secrets, events, rx))
            .ok();
        SessionHandle { tx, actor }
    }
}

fn actor(
    route: Route,
    opts: ConnectOptions,
    mut options: SessionOptions,
    secrets: Arc<dyn SecretStore>,
    mut events: Box<dyn FnMut(SessionEvent) + Send>,
    rx: Receiver<Cmd>,
) {
    let (etx, erx) = mpsc::sync_channel::<SessionEvent>(EVENT_QUEUE);
    let emitter = std::thread::Builder::new()
        .name("ssh-session-events".into())
        .spawn(move || {
            while let Ok(ev) = erx.recv() {
                events(ev);
            }
        });
    let Ok(emitter) = emitter else {
        return;
    };
    let mut bridge = Bridge {
        events: &etx,
        rx: &rx,
        input: Vec::new(),
        resize: None,
        closed: false,
    };
    let target = route.target().map(|h| h.label.clone()).unwrap_or_default();
    let conn = match connect(&route, &opts, &*secrets, &mut bridge) {
        Ok(c) => c,
        Err(e) => {
            let ev = if bridge.closed {
                SessionEvent::Closed {
                    reason: "closed before the connection was made".into(),
                }
            } else {
                SessionEvent::Error {
                    message: e.to_string(),
                }
            };
            let _ = etx.send(ev);
            drop(etx);
            let _ = emitter.join();
            return;
        }
    };
    let input = std::mem::take(&mut bridge.input);
    let resize = bridge.resize.take();
    let _ = etx.send(SessionEvent::Connected {
        hops: conn.labels(),
        fingerprint: conn.fingerprint().to_owned(),
    });
    let last = match run(
        &conn,
        &opts,
        &mut options,
        &etx,
        &rx,
        input,
        resize,
        &target,
    ) {
        Ok(ev) => ev,
        Err(ev) => ev,
    };
    let _ = etx.send(last);
    drop(conn);
    drop(etx);
    let _ = emitter.join();
}

struct Bridge<'a> {
    events: &'a SyncSender<SessionEvent>,
    rx: &'a Receiver<Cmd>,
    input: Vec<u8>,
    resize: Option<(u16, u16)>,
    closed: bool,
}

enum Answer {
    HostKey(bool),
    Secret(Option<Secret>),
}

impl Bridge<'_> {
    fn wait(&mut self, want_host_key: bool) -> Option<Answer> {
        let deadline = Instant::now() + ANSWER_WAIT;
        while !self.closed {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return None;
            }
            match self.rx.recv_timeout(left) {
                Ok(Cmd::HostKey(b)) if want_host_key => return Some(Answer::HostKey(b)),
                Ok(Cmd::Secret(s)) if !want_host_key => return Some(Answer::Secret(s)),
                Ok(Cmd::HostKey(_)) | Ok(Cmd::Secret(_)) => {}
                Ok(Cmd::Write(b)) => self.input.extend_from_slice(&b),
                Ok(Cmd::Resize(c, r)) => self.resize = Some((c, r)),
                Ok(Cmd::Close) | Err(RecvTimeoutError::Disconnected) => self.closed = true,
                Err(RecvTimeoutError::Timeout) => return None,
            }
        }
        None
    }
}

impl Prompter for Bridge<'_> {
    fn host_key(&mut self, q: &HostKeyQuestion) -> bool {
        if self.closed || self.events.send(SessionEvent::HostKey(q.clone())).is_err() {
            return false;
        }
        matches!(self.wait(true), Some(Answer::HostKey(true)))
    }
    fn secret(&mut self, q: &SecretQuestion) -> Option<String> {
        if self.closed || self.events.send(SessionEvent::Secret(q.clone())).is_err() {
            return None;
        }
        match self.wait(false) {
            Some(Answer::Secret(s)) => s.map(|s| s.expose().to_owned()),
            _ => None,
        }
    }
}

fn lost(target: &str, why: &str) -> SessionEvent {
    SessionEvent::Closed {
        reason: format!("the connection to {target} was lost ({why}); reconnect?"),
    }
}

#[allow(clippy::too_many_arguments)]
fn run(
    conn: &Connection,
    opts: &ConnectOptions,
    options: &mut SessionOptions,
    events: &SyncSender<SessionEvent>,
    rx: &Receiver<Cmd>,
    mut input: Vec<u8>,
    mut resize: Option<(u16, u16)>,
    target: &str,
) -> Result<SessionEvent, SessionEvent> {
    let session = conn.target();
    let failed = |what: &str, e: ssh2::Error| SessionEvent::Error {
        message: format!("{what} on {target} failed: {}", e.message()),
    };
    session.set_blocking(true);
    let mut channel = session
        .channel_session()
        .map_err(|e| failed("opening a session channel", e))?;
    if let Some((cols, rows)) = options.pty {
        channel
            .request_pty(
                &options.term,
                None,
                Some((u32::from(cols), u32::from(rows), 0, 0)),
            )
            .map_err(|e| failed("requesting a terminal", e))?;
        if let Some(tap) = options.tap.as_mut() {
            tap(OutputChunk::Resize(cols, rows));
        }
    }
    match &options.command {
        Some(c) => channel
            .exec(c)
            .map_err(|e| failed("starting the command", e))?,
        None => channel
            .shell()
            .map_err(|e| failed("starting the shell", e))?,
    }
    session.set_blocking(false);
    let keepalive = Duration::from_secs(u64::from(opts.keepalive_secs));
    let mut next_keepalive = Instant::now() + keepalive;
    let streams: &[i32] = if options.pty.is_some() { &[0] } else { &[0, 1] };
    let mut buf = vec![0u8; 64 * 1024];
    let mut batch: Vec<u8> = Vec::new();
    let mut batch_since: Option<Instant> = None;
    let mut ended = false;
    let mut backoff = Idle::new(Duration::from_millis(8));
    let mut held_back: Option<Instant> = None;
    loop {
        let mut progress = false;
        loop {
            match rx.try_recv() {
                Ok(Cmd::Write(b)) => input.extend_from_slice(&b),
                Ok(Cmd::Resize(c, r)) => resize = Some((c, r)),
                Ok(Cmd::HostKey(_)) | Ok(Cmd::Secret(_)) => {}
                Ok(Cmd::Close) | Err(TryRecvError::Disconnected) => {
                    flush_all(events, &mut batch);
                    return Ok(SessionEvent::Closed {
                        reason: "closed".into(),
                    });
                }
                Err(TryRecvError::Empty) => break,
            }
        }
        if let Some((c, r)) = resize {
            match channel.request_pty_size(u32::from(c), u32::from(r), None, None) {
                Ok(()) => {
                    resize = None;
                    if let Some(tap) = options.tap.as_mut() {
                        tap(OutputChunk::Resize(c, r));
                    }
                }
                Err(e) if crate::error::code(&e) == Some(crate::error::LIBSSH2_ERROR_EAGAIN) => {}
                Err(e) => return Err(broken(conn, target, e.message())),
            }
        }
        if !input.is_empty() {
            match channel.write(&input) {
                Ok(n) => {
                    input.drain(..n);
                    progress = true;
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                Err(e) => return Err(broken(conn, target, &e.to_string())),
            }
        }
        if batch.len() < MAX_BATCH && !ended {
            let mut all_eof = true;
            for &id in streams {
                let room = (MAX_BATCH - batch.len()).min(buf.len());
                if room == 0 {
                    break;
                }
                match channel.stream(id).read(&mut buf[..room]) {
                    Ok(0) => {}
                    Ok(n) => {
                        all_eof = false;
                        progress = true;
                        if let Some(tap) = options.tap.as_mut() {
                            tap(OutputChunk::Output(&buf[..n]));
                        }
                        batch.extend_from_slice(&buf[..n]);
                        batch_since.get_or_insert_with(Instant::now);
                    }
                    Err(e) if e.kind() == ErrorKind::WouldBlock => all_eof = false,
                    Err(e) => return Err(broken(conn, target, &e.to_string())),
                }
            }
            if all_eof && channel.eof() {
                ended = true;
            }
        }
        let idle = !progress;
        if let Some(since) = batch_since {
            if batch.len() >= MAX_BATCH
                || since.elapsed() >= BATCH_AGE
                || (idle && since.elapsed() >= Duration::from_millis(2))
                || ended
            {
                match events.try_send(SessionEvent::Data {
                    bytes: std::mem::take(&mut batch),
                }) {
                    Ok(()) => batch_since = None,
                    Err(TrySendError::Full(SessionEvent::Data { bytes })) => {
                        // The consumer is behind: we stop reading, so the link goes quiet
                        // on our side; that silence is not the server's.
                        batch = bytes;
                        held_back = Some(Instant::now());
                    }
                    Err(TrySendError::Full(_)) => batch_since = None,
                    Err(TrySendError::Disconnected(_)) => {
                        return Ok(SessionEvent::Closed {
                            reason: "nobody listens to the session".into(),
                        })
                    }
                }
            }
        }
        if ended && batch.is_empty() {
            flush_all(events, &mut batch);
            session.set_blocking(true);
            session.set_timeout(2000);
            let _ = channel.wait_close();
            let status = channel.exit_status().unwrap_or(-1);
            return Ok(SessionEvent::Exit { status });
        }
        if conn.link_down() {
            flush_all(events, &mut batch);
            return Err(lost(target, "the server closed the connection"));
        }
        if !keepalive.is_zero() {
            if Instant::now() >= next_keepalive {
                match session.keepalive_send() {
                    Ok(secs) => {
                        next_keepalive =
                            Instant::now() + Duration::from_secs(u64::from(secs.max(1)))
                    }
                    Err(e)
                        if e.code()
                            == ssh2::ErrorCode::Session(crate::error::LIBSSH2_ERROR_EAGAIN) => {}
                    Err(e) => return Err(broken(conn, target, e.message())),
                }
            }
            let limit = keepalive * 2 + Duration::from_millis(500);
            if conn.silent_for() > limit && held_back.is_none_or(|t| t.elapsed() > limit) {
                flush_all(events, &mut batch);
                return Err(lost(
                    target,
                    &format!("no answer for {} s", conn.silent_for().as_secs()),
                ));
            }
        }
        if idle {
            // Wakes at once for input from the handle.
            match rx.recv_timeout(backoff.next()) {
                Ok(Cmd::Write(b)) => input.extend_from_slice(&b),
                Ok(Cmd::Resize(c, r)) => resize = Some((c, r)),
                Ok(Cmd::HostKey(_)) | Ok(Cmd::Secret(_)) => {}
                Ok(Cmd::Close) | Err(RecvTimeoutError::Disconnected) => {
                    flush_all(events, &mut batch);
                    return Ok(SessionEvent::Closed {
                        reason: "closed".into(),
                    });
                }
                Err(RecvTimeoutError::Timeout) => {}
            }
        } else {
            backoff.busy();
        }
    }
}

fn broken(conn: &Connection, target: &str, why: &str) -> SessionEvent {
    if conn.link_down() {
        lost(target, "the server closed the connection")
    } else {
        lost(target, why)
    }
}

fn flush_all(events: &SyncSender<SessionEvent>, batch: &mut Vec<u8>) {
    if !batch.is_empty() {
        let _ = events.send(SessionEvent::Data {
            bytes: std::mem::take(batch),
        });
    }
}

#[cfg(test)]
mod event_json {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::connect::SecretKind;
    use base64::Engine as _;

    /// The tag is `kind` and no variant's own fields may use that name, or the JSON
    /// would carry two `kind` keys and the window could not tell the events apart.
    #[test]
    fn every_event_is_told_apart_by_its_kind() {
        let secret = SessionEvent::Secret(SecretQuestion {
            label: "db".into(),
            user: "ops".into(),
            secret: SecretKind::Prompt,
            prompt: "Verification code: ".into(),
            echo: true,
        });
        let json = serde_json::to_string(&secret).unwrap();
        assert_eq!(json.matches("\"kind\"").count(), 1, "{json}");
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(value["kind"], "secret");
        assert_eq!(value["secret"], "prompt");

        let key = SessionEvent::HostKey(HostKeyQuestion {
            hop: 1,
            label: "inner".into(),
            host: "10.0.0.2".into(),
            port: 22,
            key_type: "ssh-ed25519".into(),
            fingerprint: "SHA256:abc".into(),
        });
        let value = serde_json::to_value(&key).unwrap();
        assert_eq!(value["kind"], "host_key");
        assert_eq!(value["fingerprint"], "SHA256:abc");

        let data = serde_json::to_value(SessionEvent::Data {
            bytes: "한글\u{1b}[0m".as_bytes().to_vec(),
        })
        .unwrap();
        assert_eq!(data["kind"], "data");
        let back = base64::engine::general_purpose::STANDARD
            .decode(data["bytes"].as_str().unwrap())
            .unwrap();
        assert_eq!(back, "한글\u{1b}[0m".as_bytes());
    }
}
