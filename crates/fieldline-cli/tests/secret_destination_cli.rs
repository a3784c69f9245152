//! Stored secrets go only where they were saved for, from the terminal and for the
//! Prometheus source: the real `fieldline` binary, a real Secret Service (GNOME Keyring
//! on a private bus) and two loopback HTTP servers (A and B) that record the raw request
//! heads they receive, all started by the test.
#![allow(clippy::unwrap_used)]

#[path = "../../fieldline-keychain/tests/support/keychain.rs"]
mod keychain;
#[path = "../../fieldline-sync/tests/support/recorder.rs"]
mod recorder;

use fieldline_core::Fleet;
use fieldline_keychain::{Keychain, SecretError, SecretStore};
use fieldline_monitor::source_prom::{self, Auth, PromSource, SourceError};
use recorder::Recorder;
use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn fieldline(data: &std::path::Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fieldline"))
        .args(args)
        .env("FIELDLINE_DATA_DIR", data)
        .envs(keychain::shared().envs())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).unwrap();
    }
    drop(input);
    child.wait_with_output().unwrap()
}

fn said(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn lo() -> std::net::IpAddr {
    [127, 0, 0, 1].into()
}

#[test]
fn connection_moved_to_b_sends_its_token_there_only_after_it_is_entered_again() {
    let a = Recorder::start(lo());
    let b = Recorder::start(lo());
    let data = tempfile::tempdir().unwrap();
    let run = |args: &[&str], stdin: Option<&str>| fieldline(data.path(), args, stdin);
    let add = |url: &str, token: Option<&str>| {
        let mut args = vec!["connection", "add", "acme", "--url", url, "--user", "tech"];
        if token.is_some() {
            args.push("--token-stdin");
        }
        run(&args, token)
    };

    let out = add(&a.url, Some("cli-token-a\n"));
    assert!(out.status.success(), "{}", said(&out));
    // RT-shaped or not, A refuses it: what matters is what A was sent.
    let out = run(&["connection", "test", "acme"], None);
    assert_eq!(out.status.code(), Some(1), "{}", said(&out));
    assert_eq!(a.authorizations(), vec!["token cli-token-a"]);

    // Moved to B without the token: refused, in words, and nothing saved.
    let out = add(&b.url, None);
    assert_eq!(out.status.code(), Some(1), "{}", said(&out));
    let text = said(&out);
    assert!(
        text.contains(&format!(
            "the secret of connection:acme was saved for {}; enter it again to send it to {}",
            a.url, b.url
        )),
        "{text}"
    );
    assert!(text.contains("--token-stdin"), "{text}");
    assert!(!text.contains("cli-token-a"), "{text}");
    let list = said(&run(&["connection", "list"], None));
    assert!(list.contains(&a.url) && !list.contains(&b.url), "{list}");
    // Test and sync still go to A only.
    run(&["connection", "test", "acme"], None);
    run(&["sync"], None);
    assert_eq!(b.connections(), 0, "B was reached: {:?}", b.heads());

    // Entered again for B: B gets it, from the test and the sync.
    let out = add(&b.url, Some("cli-token-b\n"));
    assert!(out.status.success(), "{}", said(&out));
    let before = a.authorizations();
    run(&["connection", "test", "acme"], None);
    let out = run(&["sync"], None);
    assert!(
        said(&out).contains("refused the credentials"),
        "{}",
        said(&out)
    );
    let got = b.authorizations();
    assert!(got.len() >= 2, "{:?}", b.heads());
    assert!(got.iter().all(|v| v == "token cli-token-b"), "{got:?}");
    assert_eq!(a.authorizations(), before, "A got more: {:?}", a.heads());
    assert!(
        before.iter().all(|v| v == "token cli-token-a"),
        "{before:?}"
    );

    // Plain http:// to another machine takes no token, before any connection.
    let started = Instant::now();
    let out = run(
        &[
            "connection",
            "add",
            "far",
            "--url",
            "http://192.0.2.10:8080/",
            "--user",
            "tech",
            "--token-stdin",
        ],
        Some("far-token\n"),
    );
    assert_eq!(out.status.code(), Some(1), "{}", said(&out));
    assert!(said(&out).contains("plain http://"), "{}", said(&out));
    assert!(!said(&out).contains("far-token"));
    assert!(started.elapsed() < Duration::from_secs(5));
    let list = said(&run(&["connection", "list"], None));
    assert!(!list.contains("far"), "{list}");
    if let Some(own) = recorder::own_address() {
        let here = Recorder::start(own);
        let out = run(
            &[
                "connection",
                "add",
                "here",
                "--url",
                &here.url,
                "--user",
                "tech",
                "--token-stdin",
            ],
            Some("here-token\n"),
        );
        assert_eq!(out.status.code(), Some(1), "{}", said(&out));
        assert_eq!(here.connections(), 0);
    }
    Keychain::default()
        .delete(&fieldline_keychain::connection_account("acme"))
        .unwrap();
}

fn source(prometheus: &str) -> PromSource {
    let mut s = PromSource::new(prometheus);
    s.auth = Auth::Bearer;
    s.timeout = Duration::from_secs(3);
    s
}

fn read(source: &PromSource, secret: Option<&str>) -> Result<(), SourceError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let client = source_prom::client().unwrap();
    rt.block_on(source_prom::read(
        &client,
        source,
        secret,
        &Fleet::default(),
    ))
    .map(drop)
}

/// The calls the app's Settings and its reader make (`src-tauri/src/prom.rs`): the
/// secret is kept bound to `secret_destination` and read with `get_for`.
#[test]
fn prometheus_secret_moved_to_b_goes_there_only_after_it_is_entered_again() {
    keychain::shared();
    let keychain = Keychain::default();
    const ACCOUNT: &str = "prometheus";
    let a = Recorder::start(lo());
    let b = Recorder::start(lo());
    let at_a = source(&a.url);
    let to_a = source_prom::secret_destination(&at_a).unwrap();
    keychain
        .bind_on_save(ACCOUNT, &to_a, None, Some("prom-token-a"))
        .unwrap();
    let secret = keychain.get_for(ACCOUNT, &to_a, Some(&to_a)).unwrap();
    let e = read(&at_a, secret.as_deref()).unwrap_err();
    assert!(matches!(e, SourceError::AuthRefused { .. }), "{e:?}");
    assert!(a
        .authorizations()
        .iter()
        .all(|v| v == "Bearer prom-token-a"));
    assert!(!a.authorizations().is_empty());

    // Re-pointed at B (Prometheus there, or only its Alertmanager) without the secret:
    // the save is refused and the test gets none.
    let mut at_b = source(&b.url);
    let mut am_at_b = at_a.clone();
    am_at_b.alertmanager_url = Some(b.url.clone());
    for moved in [&at_b, &am_at_b] {
        let to = source_prom::secret_destination(moved).unwrap();
        let err = keychain
            .bind_on_save(ACCOUNT, &to, Some(&to_a), None)
            .unwrap_err();
        assert!(
            matches!(err, SecretError::WrongDestination { .. }),
            "{err:?}"
        );
        assert!(err.to_string().contains("enter it again"), "{err}");
        let err = keychain.get_for(ACCOUNT, &to, Some(&to_a)).unwrap_err();
        assert!(err.to_string().contains(&b.url), "{err}");
        assert!(!format!("{err} {err:?}").contains("prom-token"));
        // What the test command does next: no secret, no read.
        let e = read(moved, None).unwrap_err();
        assert!(e.to_string().contains("missing"), "{e}");
    }
    assert_eq!(b.connections(), 0, "B was reached: {:?}", b.heads());

    // Entered again for B.
    let to_b = source_prom::secret_destination(&at_b).unwrap();
    keychain
        .bind_on_save(ACCOUNT, &to_b, Some(&to_a), Some("prom-token-b"))
        .unwrap();
    let secret = keychain.get_for(ACCOUNT, &to_b, Some(&to_b)).unwrap();
    read(&at_b, secret.as_deref()).unwrap_err();
    let got = b.authorizations();
    assert!(
        !got.is_empty() && got.iter().all(|v| v == "Bearer prom-token-b"),
        "{got:?}"
    );
    assert!(keychain.get_for(ACCOUNT, &to_a, Some(&to_a)).is_err());

    // Plain http:// to another machine: refused before any connection, typed or kept.
    at_b.alertmanager_url = Some("http://192.0.2.10:9093/".into());
    let started = Instant::now();
    let e = read(&at_b, Some("prom-token-b")).unwrap_err();
    assert!(e.to_string().contains("plain http://"), "{e}");
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(source_prom::secret_destination(&at_b).is_err());
    keychain.delete(ACCOUNT).unwrap();
}
