//! SFTP, local port forwards and fan-out against real OpenSSH servers on loopback
//! (started by the harness; see `fieldline-monitor/tests/support/sshd.rs`).
//!
//! Secrets: these tests log in with key files, so the keychain is not asked; an empty
//! in-memory store stands in for it (the real Secret Service is tested in
//! `fieldline-keychain`'s tests and the CLI's).

#![allow(clippy::unwrap_used)]

#[path = "../../fieldline-monitor/tests/support/sshd.rs"]
mod sshd;

use fieldline_keychain::{SecretError, SecretStore};
use fieldline_ssh::connect::{self, ConnectOptions, Connection, Hop, Route};
use fieldline_ssh::fanout::{self, Cancel, FanoutHost, FanoutOptions, HostState};
use fieldline_ssh::forward::{Forward, ForwardError};
use fieldline_ssh::known_hosts::HostKeyPolicy;
use fieldline_ssh::profile::{AuthMethod, CredentialProfile};
use fieldline_ssh::sftp::{self, EntryKind, SftpError};
use sshd::{KeyKind, Options, Sshd};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::Mutex;
use std::time::{Duration, Instant};

struct NoSecrets;

impl SecretStore for NoSecrets {
    fn get(&self, _account: &str) -> Result<Option<String>, SecretError> {
        Ok(None)
    }
    fn set(&self, _account: &str, _secret: &str) -> Result<(), SecretError> {
        Ok(())
    }
    fn delete(&self, _account: &str) -> Result<(), SecretError> {
        Ok(())
    }
}

fn hop(server: &Sshd, label: &str) -> Hop {
    Hop {
        host: "127.0.0.1".to_owned(),
        port: server.port(),
        user: sshd::USER.to_owned(),
        profile: CredentialProfile {
            name: "test-key".to_owned(),
            user: Some(sshd::USER.to_owned()),
            method: AuthMethod::Key {
                key_file: Some(server.user_key_path(KeyKind::Ed25519)),
            },
        },
        label: label.to_owned(),
    }
}

fn options(dir: &Path) -> ConnectOptions {
    ConnectOptions {
        policy: HostKeyPolicy::AcceptNew,
        connect_timeout: Duration::from_secs(5),
        ..ConnectOptions::new(dir.join("known_hosts"))
    }
}

fn connect_to(server: &Sshd, dir: &Path) -> Connection {
    let route = Route {
        hops: vec![hop(server, "target")],
    };
    connect::connect(&route, &options(dir), &NoSecrets, &mut fanout::Unattended).unwrap()
}

#[test]
fn sftp_lists_downloads_and_uploads_files_and_folders() {
    let server = Sshd::start(Options::default()).unwrap();
    let local = tempfile::tempdir().unwrap();
    let scratch = server.scratch_dir();
    std::fs::create_dir_all(scratch.join("logs/old")).unwrap();
    std::fs::write(scratch.join("logs/app.log"), "한글 로그\n".repeat(1000)).unwrap();
    std::fs::write(scratch.join("logs/old/app.1"), vec![7u8; 3 << 20]).unwrap();
    // A name no local folder should receive as is.
    std::fs::write(scratch.join("logs/evil\nname"), "x").unwrap();

    let conn = connect_to(&server, local.path());
    let sftp = sftp::open(conn.target()).unwrap();
    let listing = sftp::list(&sftp, scratch.join("logs").to_str().unwrap()).unwrap();
    let names: Vec<_> = listing.entries.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names[0], "old", "folders first: {names:?}");
    assert!(listing.entries[0].kind == EntryKind::Dir);
    assert!(names.contains(&"app.log"));
    assert!(
        names.contains(&"evil\u{fffd}name"),
        "control characters shown replaced: {names:?}"
    );

    // A whole folder down, with progress reaching the total.
    let mut reports = Vec::new();
    let to = local.path().join("logs-copy");
    let cancel = AtomicBool::new(false);
    let done = sftp::download(
        &sftp,
        scratch.join("logs").to_str().unwrap(),
        &to,
        &cancel,
        &mut |p| reports.push(p.clone()),
    )
    .unwrap();
    let total = (3u64 << 20) + "한글 로그\n".repeat(1000).len() as u64;
    assert_eq!(done.total_bytes, Some(total));
    assert_eq!(done.done_bytes, total);
    assert_eq!(done.files_done, 2);
    assert_eq!(
        done.skipped.len(),
        1,
        "the hostile name is skipped and said: {:?}",
        done.skipped
    );
    assert_eq!(
        std::fs::read(to.join("old/app.1")).unwrap(),
        vec![7u8; 3 << 20]
    );
    assert!(reports.len() >= 2);

    // Nothing is overwritten, locally or remotely.
    let again = sftp::download(
        &sftp,
        scratch.join("logs").to_str().unwrap(),
        &to,
        &cancel,
        &mut |_| {},
    );
    assert!(matches!(again, Err(SftpError::Exists { .. })), "{again:?}");
    let up = sftp::upload(
        &sftp,
        &to,
        scratch.join("logs").to_str().unwrap(),
        &cancel,
        &mut |_| {},
    );
    assert!(matches!(up, Err(SftpError::Exists { .. })), "{up:?}");

    // Up again under a new name: the same bytes arrive.
    let back = scratch.join("uploaded");
    sftp::upload(&sftp, &to, back.to_str().unwrap(), &cancel, &mut |_| {}).unwrap();
    assert_eq!(
        std::fs::read(back.join("old/app.1")).unwrap(),
        vec![7u8; 3 << 20]
    );
    assert_eq!(
        std::fs::read_to_string(back.join("app.log")).unwrap(),
        "한글 로그\n".repeat(1000)
    );
    assert!(!back.join("app.log.fieldline-part").exists());
}

#[test]
fn a_cancelled_download_leaves_no_partial_file_and_a_missing_path_says_so() {
    let server = Sshd::start(Options::default()).unwrap();
    let local = tempfile::tempdir().unwrap();
    let big = server.scratch_dir().join("big.bin");
    std::fs::write(&big, vec![1u8; 64 << 20]).unwrap();
    let conn = connect_to(&server, local.path());
    let sftp = sftp::open(conn.target()).unwrap();
    let cancel = AtomicBool::new(false);
    let to = local.path().join("big.bin");
    let result = sftp::download(&sftp, big.to_str().unwrap(), &to, &cancel, &mut |p| {
        if p.done_bytes > 0 {
            cancel.store(true, std::sync::atomic::Ordering::Relaxed);
        }
    });
    assert!(matches!(result, Err(SftpError::Cancelled)), "{result:?}");
    assert!(!to.exists());
    assert!(!local.path().join("big.bin.fieldline-part").exists());

    let missing = sftp::list(&sftp, "/no/such/folder")
        .unwrap_err()
        .to_string();
    assert!(missing.contains("no such file"), "{missing}");
}

/// A TCP echo server on loopback, standing in for a customer's router admin page.
fn echo_server() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                while let Ok(n) = stream.read(&mut buf) {
                    if n == 0 || stream.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
            });
        }
    });
    port
}

fn echo_through(port: u16, text: &[u8]) -> Vec<u8> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(text).unwrap();
    let mut back = vec![0u8; text.len()];
    s.read_exact(&mut back).unwrap();
    back
}

#[test]
fn a_local_forward_reaches_the_far_side_on_loopback_only_and_says_why_it_cannot() {
    let echo = echo_server();
    let server = Sshd::start(Options {
        permit_open: vec![echo],
        ..Options::default()
    })
    .unwrap();
    let local = tempfile::tempdir().unwrap();

    let forward = Forward::open(connect_to(&server, local.path()), 0, "127.0.0.1", echo).unwrap();
    let port = forward.local_port();
    assert_ne!(port, 0);
    assert_eq!(echo_through(port, b"router admin"), b"router admin");
    // Two at once, a larger payload.
    let big = vec![b'k'; 1 << 20];
    let t = std::thread::spawn(move || echo_through(port, &big));
    assert_eq!(echo_through(port, b"second"), b"second");
    assert_eq!(t.join().unwrap().len(), 1 << 20);
    assert!(forward.status().served >= 3);
    assert!(
        TcpStream::connect(("127.0.0.2", port)).is_err(),
        "bound to 127.0.0.1 only"
    );

    // The same port again: taken, said in words.
    let taken = Forward::open(connect_to(&server, local.path()), port, "127.0.0.1", echo);
    match taken {
        Err(e @ ForwardError::PortTaken { .. }) => {
            assert!(e.to_string().contains("already in use"), "{e}")
        }
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("a taken port was accepted"),
    }

    // A target the server does not permit: the local connection closes, the forward says why.
    let refused = Forward::open(connect_to(&server, local.path()), 0, "127.0.0.1", 9).unwrap();
    let mut s = TcpStream::connect(("127.0.0.1", refused.local_port())).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut buf = [0u8; 1];
    assert_eq!(s.read(&mut buf).unwrap_or(0), 0);
    let deadline = Instant::now() + Duration::from_secs(5);
    while refused.status().error.is_none() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let error = refused.status().error.unwrap();
    assert!(error.contains("refused to open 127.0.0.1:9"), "{error}");
    forward.close();
}

fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

#[test]
fn fanout_reports_every_host_and_queues_the_unreachable_until_they_expire_or_are_cancelled() {
    let a = Sshd::start(Options::default()).unwrap();
    let b = Sshd::start_sharing_keys(Options::default(), &a).unwrap();
    let local = tempfile::tempdir().unwrap();
    let gone = closed_port();
    let host = |endpoint: &str, customer: &str, port: u16| {
        let mut h = hop(&a, endpoint);
        h.port = port;
        FanoutHost {
            endpoint: endpoint.to_owned(),
            customer: customer.to_owned(),
            route: Route { hops: vec![h] },
        }
    };
    let hosts = vec![
        host("web-1", "acme", a.port()),
        host("web-2", "hanbit", b.port()),
        host("down-1", "acme", gone),
    ];
    let changes = Mutex::new(Vec::new());
    let results = fanout::run(
        hosts.clone(),
        "echo hello-$((6*7)); echo warn >&2; exit 0",
        &FanoutOptions {
            concurrency: 2,
            timeout: Duration::from_secs(20),
            ..FanoutOptions::default()
        },
        &options(local.path()),
        &NoSecrets,
        &Cancel::default(),
        &|r| changes.lock().unwrap().push((r.endpoint.clone(), r.state)),
    );
    let by = |id: &str| results.iter().find(|r| r.endpoint == id).unwrap();
    assert_eq!(by("web-1").state, HostState::Ok);
    assert_eq!(by("web-1").exit, Some(0));
    assert!(by("web-1").output.contains("hello-42"), "{:?}", by("web-1"));
    assert!(by("web-1").output.contains("warn"), "stderr kept too");
    assert_eq!(by("web-2").state, HostState::Ok);
    assert_eq!(by("down-1").state, HostState::Unreachable);
    assert!(by("down-1")
        .error
        .as_deref()
        .unwrap_or("")
        .contains(&gone.to_string()));
    let seen = changes.lock().unwrap();
    assert!(seen.contains(&("web-1".to_owned(), HostState::Running)));

    // A failing command is a failed host with its exit status.
    let failed = fanout::run(
        vec![hosts[0].clone()],
        "echo nope; exit 3",
        &FanoutOptions::default(),
        &options(local.path()),
        &NoSecrets,
        &Cancel::default(),
        &|_| {},
    );
    assert_eq!(
        (failed[0].state, failed[0].exit),
        (HostState::Failed, Some(3))
    );

    // Queued: expires when it never comes back.
    let started = Instant::now();
    let expired = fanout::run(
        vec![hosts[2].clone()],
        "true",
        &FanoutOptions {
            queue_for: Some(Duration::from_secs(2)),
            retry_every: Duration::from_millis(300),
            ..FanoutOptions::default()
        },
        &options(local.path()),
        &NoSecrets,
        &Cancel::default(),
        &|_| {},
    );
    assert_eq!(expired[0].state, HostState::Expired);
    assert!(expired[0].queued_until.is_some());
    assert!(started.elapsed() < Duration::from_secs(10));

    // Queued: cancelled while it waits.
    let cancel = Cancel::default();
    let results = std::thread::scope(|s| {
        let run = s.spawn(|| {
            fanout::run(
                vec![hosts[2].clone()],
                "true",
                &FanoutOptions {
                    queue_for: Some(Duration::from_secs(600)),
                    retry_every: Duration::from_millis(200),
                    ..FanoutOptions::default()
                },
                &options(local.path()),
                &NoSecrets,
                &cancel,
                &|r| {
                    if r.state == HostState::Queued {
                        cancel.host("down-1");
                    }
                },
            )
        });
        run.join().unwrap()
    });
    assert_eq!(results[0].state, HostState::Cancelled);
}
