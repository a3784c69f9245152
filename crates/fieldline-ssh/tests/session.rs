//! The session actor against a real sshd (the monitor's harness; needs root; logs in as
//! `fieldline-ssh`): a PTY shell, resize, exit status, a server killed mid-session, a
//! frozen link, a flood of output arriving complete in batches, and questions (host key,
//! password) answered through the handle.

#![allow(clippy::unwrap_used)]

#[path = "support/fakes.rs"]
mod fakes;
#[path = "../../fieldline-monitor/tests/support/sshd.rs"]
mod sshd;

use fakes::MemStore;
use fieldline_ssh::connect::{ConnectOptions, Hop, Route};
use fieldline_ssh::known_hosts::HostKeyPolicy;
use fieldline_ssh::profile::{AuthMethod, CredentialProfile};
use fieldline_ssh::session::{OutputChunk, Session, SessionEvent, SessionHandle, SessionOptions};
use sshd::{KeyKind, Options, Sshd, TEST_PASSWORD, USER};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

static START: Mutex<()> = Mutex::new(());

fn start(options: Options) -> Sshd {
    let _one = START.lock().unwrap_or_else(|e| e.into_inner());
    Sshd::start(options).expect("sshd starts")
}

struct Run {
    handle: SessionHandle,
    events: Receiver<SessionEvent>,
    _kh: tempfile::TempDir,
}

fn spawn_with(
    server: &Sshd,
    method: AuthMethod,
    policy: HostKeyPolicy,
    trust: bool,
    keepalive: u32,
    options: SessionOptions,
) -> Run {
    let kh = tempfile::tempdir().unwrap();
    let path = kh.path().join("known_hosts");
    let line = if trust {
        server.known_hosts_line().unwrap()
    } else {
        String::new()
    };
    std::fs::write(&path, line).unwrap();
    let route = Route {
        hops: vec![Hop {
            host: "127.0.0.1".into(),
            port: server.port(),
            user: USER.into(),
            profile: CredentialProfile {
                name: "p".into(),
                user: None,
                method,
            },
            label: "web-1".into(),
        }],
    };
    let opts = ConnectOptions {
        policy,
        keepalive_secs: keepalive,
        connect_timeout: Duration::from_secs(10),
        ..ConnectOptions::new(&path)
    };
    let (tx, rx) = mpsc::channel();
    let handle = Session::spawn(
        route,
        opts,
        options,
        Arc::new(MemStore::default()),
        Box::new(move |ev| {
            let _ = tx.send(ev);
        }),
    );
    Run {
        handle,
        events: rx,
        _kh: kh,
    }
}

fn spawn(server: &Sshd, options: SessionOptions) -> Run {
    spawn_with(
        server,
        AuthMethod::Key {
            key_file: Some(server.user_key_path(KeyKind::Ed25519)),
        },
        HostKeyPolicy::Strict,
        true,
        15,
        options,
    )
}

impl Run {
    fn next(&self, within: Duration) -> SessionEvent {
        self.events
            .recv_timeout(within)
            .unwrap_or_else(|e| panic!("no event within {within:?}: {e}"))
    }
    fn connected(&self) {
        match self.next(Duration::from_secs(10)) {
            SessionEvent::Connected { hops, fingerprint } => {
                assert_eq!(hops, vec!["web-1"]);
                assert!(fingerprint.starts_with("SHA256:"));
            }
            other => panic!("expected Connected, got {other:?}"),
        }
    }
    /// Output until `needle` appears (panics on an end event or after `within`).
    fn until(&self, needle: &str, within: Duration) -> String {
        let deadline = Instant::now() + within;
        let mut seen = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.events.recv_timeout(left) {
                Ok(SessionEvent::Data { bytes }) => {
                    seen.extend_from_slice(&bytes);
                    let text = String::from_utf8_lossy(&seen).into_owned();
                    if text.contains(needle) {
                        return text;
                    }
                }
                Ok(other) => panic!(
                    "{other:?} while waiting for {needle:?}; so far {:?}",
                    String::from_utf8_lossy(&seen)
                ),
                Err(_) => panic!(
                    "{needle:?} not seen within {within:?}; got {:?}",
                    String::from_utf8_lossy(&seen)
                ),
            }
        }
    }
    /// Skips output until an end event.
    fn end(&self, within: Duration) -> SessionEvent {
        let deadline = Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.events.recv_timeout(left) {
                Ok(SessionEvent::Data { .. }) => {}
                Ok(ev) => return ev,
                Err(_) => panic!("no end within {within:?}"),
            }
        }
    }
}

#[test]
fn pty_shell_input_resize_and_exit_status() {
    let server = start(Options::default());
    let taps: Arc<Mutex<Vec<(u16, u16)>>> = Arc::default();
    let tapped = Arc::new(Mutex::new(0usize));
    let (t1, t2) = (taps.clone(), tapped.clone());
    let run = spawn(
        &server,
        SessionOptions {
            pty: Some((80, 24)),
            tap: Some(Box::new(move |chunk| match chunk {
                OutputChunk::Output(b) => *t2.lock().unwrap() += b.len(),
                OutputChunk::Resize(c, r) => t1.lock().unwrap().push((c, r)),
            })),
            ..SessionOptions::default()
        },
    );
    run.connected();
    assert!(run.handle.write(b"echo hi-$((40+2))\n"));
    run.until("hi-42", Duration::from_secs(10));
    assert!(run.handle.resize(100, 40));
    assert!(run.handle.write(b"stty size\n"));
    run.until("40 100", Duration::from_secs(10));
    assert!(run.handle.write(b"exit 3\n"));
    assert_eq!(
        run.end(Duration::from_secs(10)),
        SessionEvent::Exit { status: 3 }
    );
    assert_eq!(*taps.lock().unwrap(), vec![(80, 24), (100, 40)]);
    assert!(*tapped.lock().unwrap() > 0);
    let handle = run.handle;
    handle.join();
}

#[test]
fn a_killed_server_ends_the_session_within_seconds() {
    let mut server = start(Options::default());
    let run = spawn(&server, SessionOptions::default());
    run.connected();
    assert!(run.handle.write(b"echo ready-$((1+1))\n"));
    run.until("ready-2", Duration::from_secs(10));
    let killed = Instant::now();
    server.kill();
    let ev = run.end(Duration::from_secs(5));
    match &ev {
        SessionEvent::Closed { reason } => {
            assert!(
                reason.contains("web-1") && reason.contains("lost"),
                "{reason}"
            )
        }
        SessionEvent::Error { .. } => {}
        other => panic!("expected Closed/Error, got {other:?}"),
    }
    assert!(killed.elapsed() < Duration::from_secs(5));
    let deadline = Instant::now() + Duration::from_secs(3);
    while !run.handle.is_finished() {
        assert!(Instant::now() < deadline, "actor still running");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_frozen_server_is_noticed_within_twice_the_keepalive() {
    let server = start(Options::default());
    let run = spawn_with(
        &server,
        AuthMethod::Key {
            key_file: Some(server.user_key_path(KeyKind::Ed25519)),
        },
        HostKeyPolicy::Strict,
        true,
        1,
        SessionOptions::default(),
    );
    run.connected();
    assert!(run.handle.write(b"echo ready-$((1+1))\n"));
    run.until("ready-2", Duration::from_secs(10));
    // Quiet but alive for a while: keepalive answers keep it up.
    std::thread::sleep(Duration::from_millis(3500));
    assert!(
        run.events.try_recv().is_err(),
        "ended while the server was fine"
    );
    server.freeze();
    let frozen = Instant::now();
    let ev = run.end(Duration::from_secs(6));
    server.thaw();
    match &ev {
        SessionEvent::Closed { reason } => {
            assert!(
                reason.contains("lost") && reason.contains("reconnect"),
                "{reason}"
            )
        }
        other => panic!("expected Closed, got {other:?}"),
    }
    assert!(
        frozen.elapsed() <= Duration::from_secs(4),
        "{:?}",
        frozen.elapsed()
    );
}

#[test]
fn a_flood_arrives_complete_in_few_events() {
    let server = start(Options::default());
    let run = spawn(
        &server,
        SessionOptions {
            pty: None,
            command: Some("head -c 50000000 /dev/zero | base64".into()),
            ..SessionOptions::default()
        },
    );
    run.connected();
    // base64 of 50,000,000 bytes: 66,666,668 characters in lines of 76, each with "\n".
    let expected: usize = 66_666_668 + 66_666_668usize.div_ceil(76);
    let mut total = 0usize;
    let mut events = 0usize;
    let mut biggest = 0usize;
    let deadline = Instant::now() + Duration::from_secs(40);
    let end = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match run.events.recv_timeout(left) {
            Ok(SessionEvent::Data { bytes }) => {
                assert!(bytes
                    .iter()
                    .all(|b| b.is_ascii_alphanumeric() || *b == b'\n' || *b == b'='));
                total += bytes.len();
                events += 1;
                biggest = biggest.max(bytes.len());
            }
            Ok(other) => break other,
            Err(_) => panic!("flood not done in 40 s: {total} bytes in {events} events"),
        }
    };
    eprintln!("flood: {total} bytes in {events} events, biggest {biggest}");
    assert_eq!(end, SessionEvent::Exit { status: 0 });
    assert_eq!(total, expected);
    let kib = total / 1024;
    assert!(events * 20 < kib, "{events} events for {kib} KiB");
    assert!(biggest <= fieldline_ssh::session::MAX_BATCH);
}

#[test]
fn host_key_and_password_questions_are_answered_through_the_handle() {
    let server = start(Options {
        password: true,
        ..Options::default()
    });
    let run = spawn_with(
        &server,
        AuthMethod::Password,
        HostKeyPolicy::Ask,
        false,
        15,
        SessionOptions {
            pty: None,
            command: Some("echo answered".into()),
            ..SessionOptions::default()
        },
    );
    match run.next(Duration::from_secs(10)) {
        SessionEvent::HostKey(q) => {
            assert_eq!(q.fingerprint, server.host_key_fingerprint_sha256().unwrap());
            // The event goes to the UI as JSON: tagged, no secret anywhere.
            let json = serde_json::to_string(&SessionEvent::HostKey(q.clone())).unwrap();
            assert!(json.contains(r#""kind":"host_key""#), "{json}");
        }
        other => panic!("expected HostKey, got {other:?}"),
    }
    assert_eq!(server.auth_attempts_in_log(), 0);
    run.handle.answer_host_key(true);
    match run.next(Duration::from_secs(10)) {
        SessionEvent::Secret(q) => assert!(!q.echo, "{q:?}"),
        other => panic!("expected Secret, got {other:?}"),
    }
    run.handle.answer_secret(Some(TEST_PASSWORD.into()));
    run.connected();
    let text = run.until("answered", Duration::from_secs(10));
    assert!(!text.contains(TEST_PASSWORD));
    assert_eq!(
        run.end(Duration::from_secs(10)),
        SessionEvent::Exit { status: 0 }
    );
    let json = serde_json::to_string(&SessionEvent::Data {
        bytes: b"hi".to_vec(),
    })
    .unwrap();
    assert_eq!(json, r#"{"kind":"data","bytes":"aGk="}"#);
}

#[test]
fn a_stalled_consumer_slows_reading_and_is_not_mistaken_for_a_lost_link() {
    let server = start(Options::default());
    let kh = tempfile::tempdir().unwrap();
    let path = kh.path().join("known_hosts");
    std::fs::write(&path, server.known_hosts_line().unwrap()).unwrap();
    let route = Route {
        hops: vec![Hop {
            host: "127.0.0.1".into(),
            port: server.port(),
            user: USER.into(),
            profile: CredentialProfile {
                name: "p".into(),
                user: None,
                method: AuthMethod::Key {
                    key_file: Some(server.user_key_path(KeyKind::Ed25519)),
                },
            },
            label: "web-1".into(),
        }],
    };
    let opts = ConnectOptions {
        policy: HostKeyPolicy::Strict,
        keepalive_secs: 1,
        ..ConnectOptions::new(&path)
    };
    let (tx, rx) = mpsc::channel();
    let stalled = Arc::new(Mutex::new(false));
    let s = stalled.clone();
    // Bytes the actor had read from the server when the stall ended.
    let read = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let read_at_end_of_stall = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let (r1, r2, r3) = (read.clone(), read.clone(), read_at_end_of_stall.clone());
    let _handle = Session::spawn(
        route,
        opts,
        SessionOptions {
            pty: None,
            command: Some("head -c 20000000 /dev/zero".into()),
            tap: Some(Box::new(move |chunk| {
                if let OutputChunk::Output(b) = chunk {
                    r1.fetch_add(b.len(), std::sync::atomic::Ordering::SeqCst);
                }
            })),
            ..SessionOptions::default()
        },
        Arc::new(MemStore::default()),
        Box::new(move |ev| {
            let first_data = matches!(ev, SessionEvent::Data { .. }) && !*s.lock().unwrap();
            let _ = tx.send(ev);
            if first_data {
                // The UI hangs for 4 s (longer than twice the keepalive).
                *s.lock().unwrap() = true;
                std::thread::sleep(Duration::from_secs(4));
                r3.store(
                    r2.load(std::sync::atomic::Ordering::SeqCst),
                    std::sync::atomic::Ordering::SeqCst,
                );
            }
        }),
    );
    let mut total = 0usize;
    let started = Instant::now();
    let end = loop {
        match rx.recv_timeout(Duration::from_secs(30)).unwrap() {
            SessionEvent::Data { bytes } => {
                assert!(bytes.len() <= fieldline_ssh::session::MAX_BATCH);
                total += bytes.len();
            }
            SessionEvent::Connected { .. } => {}
            other => break other,
        }
    };
    assert_eq!(end, SessionEvent::Exit { status: 0 });
    assert_eq!(total, 20_000_000);
    assert!(started.elapsed() >= Duration::from_secs(4));
    // While the consumer hung, the actor stopped reading: at most the event queue's worth
    // (EVENT_QUEUE + 2 batches of 256 KiB), not the 20 MB the server had to send.
    let held = read_at_end_of_stall.load(std::sync::atomic::Ordering::SeqCst);
    let bound = (fieldline_ssh::session::EVENT_QUEUE + 3) * fieldline_ssh::session::MAX_BATCH;
    eprintln!("read during the stall: {held} bytes (bound {bound})");
    assert!(held > 0 && held <= bound, "{held} > {bound}");
}

#[test]
fn close_from_the_handle_ends_the_session() {
    let server = start(Options::default());
    let run = spawn(&server, SessionOptions::default());
    run.connected();
    assert!(run.handle.write(b"echo up-$((2+3))\n"));
    run.until("up-5", Duration::from_secs(10));
    run.handle.close();
    assert_eq!(
        run.end(Duration::from_secs(5)),
        SessionEvent::Closed {
            reason: "closed".into()
        }
    );
    let deadline = Instant::now() + Duration::from_secs(3);
    while !run.handle.is_finished() {
        assert!(Instant::now() < deadline, "actor still running");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        !run.handle.write(b"late\n"),
        "a closed session takes no input"
    );
}
