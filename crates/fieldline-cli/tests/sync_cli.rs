//! `fieldline connection` and `fieldline sync` end to end: the real CLI binary, a real
//! Request Tracker 5 on loopback and a real Secret Service (GNOME Keyring on a private
//! bus), all started by the test.
#![allow(clippy::unwrap_used)]

#[path = "../../fieldline-keychain/tests/support/keychain.rs"]
mod keychain;
#[path = "../../fieldline-sync/tests/support/rt.rs"]
mod rt;
mod support;

use serde_json::Value;
use support::Cli;

#[test]
fn connection_add_keeps_the_token_in_the_keychain_and_sync_reports_what_moved() {
    let keyring = keychain::GnomeKeyring::start().unwrap();
    let rt = rt::Rt::start().unwrap();
    let data = tempfile::tempdir().unwrap();
    let cli = Cli {
        dir: data.path().to_path_buf(),
        env: keyring.envs(),
    };
    let a = rt.create_ticket("Server room too warm", "", "").unwrap();
    rt.create_ticket("Reset MFA for Park", "", "").unwrap();

    let url = rt.base_url();
    cli.ok_with(
        &[
            "connection",
            "add",
            "rt",
            "--url",
            &url,
            "--user",
            rt.user(),
            "--queue",
            rt.queue(),
            "--customer",
            "Helpdesk=acme",
            "--token-stdin",
        ],
        Some(&format!("{}\n", rt.token())),
    );
    // The token is in the Secret Service, under the connection's account ...
    let lookup = keyring
        .secret_tool(
            &[
                "lookup",
                "service",
                "app.fieldline.console",
                "username",
                "connection:rt",
            ],
            None,
        )
        .unwrap();
    // ... bound to the helpdesk's origin (kept beside it; the origin is not secret).
    let kept = String::from_utf8_lossy(&lookup.stdout).into_owned();
    assert!(kept.ends_with(rt.token()), "{kept}");
    assert!(
        kept.contains(&fieldline_keychain::secret_origin(&url).unwrap()),
        "{kept}"
    );
    let tested = cli.ok_with(&["connection", "test", "rt"], None);
    assert!(
        tested.contains("Connected to Request Tracker 5"),
        "{tested}"
    );

    let out = cli.ok_with(&["sync", "--json"], None);
    let reports: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(reports[0]["connection"], "rt");
    assert_eq!(reports[0]["pulled_new"], 2, "{out}");
    assert_eq!(reports[0]["error"], Value::Null);

    // An offline note goes out on the next sync, once.
    let list: Value =
        serde_json::from_str(&cli.ok_with(&["ticket", "list", "--json"], None)).unwrap();
    let local = list
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["external_id"].as_str() == Some(a.to_string().as_str()))
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    cli.ok_with(
        &["ticket", "note", &local.to_string(), "fan replaced"],
        None,
    );
    // Said in detail with -vv (what the library layers log too), never with the token.
    let out = cli.run_with(&["-vv", "sync"], None);
    let human = String::from_utf8_lossy(&out.stdout).into_owned();
    let told = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{human}{told}");
    assert!(human.contains("sent 1 changes"), "{human}");
    assert!(
        told.contains("DEBUG") || told.contains("INFO"),
        "-vv says more: {told}"
    );
    assert!(
        !told.contains(rt.token()),
        "the token reached the log: {told}"
    );
    let history = rt.history(a, 1).unwrap().body;
    assert_eq!(history.matches("\"Comment\"").count(), 1, "{history}");

    // ... and nowhere in the store.
    for entry in std::fs::read_dir(data.path()).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        let token = rt.token().as_bytes();
        assert!(
            !bytes.windows(token.len()).any(|w| w == token),
            "the token leaked into the data folder"
        );
    }

    // A sync that cannot reach RT says so and exits 1; the status remembers it.
    rt.stop_server().unwrap();
    let out = cli.run_with(&["sync"], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("cannot reach the helpdesk"));
    let status: Value =
        serde_json::from_str(&cli.ok_with(&["connection", "list", "--json"], None)).unwrap();
    assert!(status[0]["status"]["last_error"]
        .as_str()
        .unwrap()
        .contains("cannot reach"));
    assert_eq!(status[0]["status"]["tickets"], 2);
}

#[test]
fn sync_without_a_token_in_the_keychain_says_what_to_do() {
    let keyring = keychain::GnomeKeyring::start().unwrap();
    let data = tempfile::tempdir().unwrap();
    let cli = Cli {
        dir: data.path().to_path_buf(),
        env: keyring.envs(),
    };
    cli.ok_with(
        &[
            "connection",
            "add",
            "rt",
            "--url",
            "http://127.0.0.1:9",
            "--user",
            "tech",
        ],
        None,
    );
    let out = cli.run_with(&["sync"], None);
    assert_eq!(out.status.code(), Some(1));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("no token for connection rt in the keychain"),
        "{said}"
    );
    let bad = cli.run_with(
        &[
            "connection",
            "add",
            "Bad Name",
            "--url",
            "ftp://x",
            "--user",
            "u",
        ],
        None,
    );
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("lower-case letters"));
}
