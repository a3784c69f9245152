//! The keychain against a real Secret Service (gnome-keyring-daemon on a private bus).
//!
//! In-process tests share one keyring ([`keychain::shared`]), each with its own account.
//! Tests that need another bus (locked keyring, no Secret Service, no bus) run their
//! keychain calls in a child process of this binary ([`keychain::run_child`]).

#![allow(clippy::unwrap_used)]

#[path = "support/keychain.rs"]
mod keychain;

use std::time::{Duration, Instant};

use fieldline_keychain::{
    connection_account, Destination, Keychain, SecretError, SecretStore, MAX_SECRET_BYTES, SERVICE,
};
use keychain::{GnomeKeyring, PrivateBus};

/// How long a child test may run: far less than a prompt wait (60 s by default), so a
/// keychain call that waits for an unlock prompt fails the test instead of hanging it.
const CHILD_LIMIT: Duration = Duration::from_secs(20);

fn keychain() -> Keychain {
    keychain::shared();
    Keychain::default()
}

#[test]
fn set_get_overwrite_delete_round_trip() {
    let keychain = keychain();
    let account = connection_account("round-trip");

    keychain.set(&account, "first-token").unwrap();
    assert_eq!(
        keychain.get(&account).unwrap().as_deref(),
        Some("first-token")
    );

    keychain.set(&account, "second-token").unwrap();
    assert_eq!(
        keychain.get(&account).unwrap().as_deref(),
        Some("second-token")
    );

    keychain.delete(&account).unwrap();
    assert_eq!(keychain.get(&account).unwrap(), None);
}

#[test]
fn get_of_a_missing_account_is_none() {
    let keychain = keychain();
    assert_eq!(
        keychain.get(&connection_account("never-set")).unwrap(),
        None
    );
}

#[test]
fn delete_of_a_missing_account_is_ok() {
    let keychain = keychain();
    let account = connection_account("never-set-either");
    keychain.delete(&account).unwrap();
    // And twice after a real one.
    keychain.set(&account, "token").unwrap();
    keychain.delete(&account).unwrap();
    keychain.delete(&account).unwrap();
}

#[test]
fn korean_secret_survives() {
    let keychain = keychain();
    let account = connection_account("고객지원 헬프데스크");
    let secret = "비밀번호-토큰 🔑 ß\u{301}";
    keychain.set(&account, secret).unwrap();
    assert_eq!(keychain.get(&account).unwrap().as_deref(), Some(secret));
    keychain.delete(&account).unwrap();
}

#[test]
fn largest_secret_is_kept_and_a_larger_one_refused_without_touching_the_old() {
    let keychain = keychain();
    let account = connection_account("large");
    let largest = "k".repeat(MAX_SECRET_BYTES);
    keychain.set(&account, &largest).unwrap();
    assert_eq!(keychain.get(&account).unwrap(), Some(largest.clone()));

    let err = keychain
        .set(&account, &"k".repeat(MAX_SECRET_BYTES + 1))
        .unwrap_err();
    assert!(matches!(err, SecretError::TooLong { .. }), "{err:?}");
    assert_eq!(keychain.get(&account).unwrap(), Some(largest));
    keychain.delete(&account).unwrap();
}

/// The secret is where other Secret Service clients find it, under the attributes
/// keyring 3.x writes: service, username, target=default (and application=rust-keyring).
#[test]
fn secret_is_really_in_the_secret_service() {
    let keyring = keychain::shared();
    let keychain = Keychain::default();
    let account = connection_account("x");
    keychain.set(&account, "visible-to-secret-tool").unwrap();

    let lookup = keyring
        .secret_tool(
            &[
                "lookup", "service", SERVICE, "username", &account, "target", "default",
            ],
            None,
        )
        .unwrap();
    assert!(lookup.status.success(), "{lookup:?}");
    assert_eq!(
        String::from_utf8_lossy(&lookup.stdout),
        "visible-to-secret-tool"
    );

    let search = keyring
        .secret_tool(
            &["search", "--all", "service", SERVICE, "username", &account],
            None,
        )
        .unwrap();
    // secret-tool prints the secret on stdout and the attributes on stderr.
    let found = format!(
        "{}{}",
        String::from_utf8_lossy(&search.stdout),
        String::from_utf8_lossy(&search.stderr)
    );
    assert!(
        found.contains("attribute.application = rust-keyring"),
        "{found}"
    );
    keychain.delete(&account).unwrap();

    let lookup = keyring
        .secret_tool(&["lookup", "service", SERVICE, "username", &account], None)
        .unwrap();
    assert!(
        lookup.stdout.is_empty(),
        "still there after delete: {lookup:?}"
    );
}

/// A technician (or a setup script) can seed a secret with secret-tool.
#[test]
fn secret_stored_by_secret_tool_is_read() {
    let keyring = keychain::shared();
    let keychain = Keychain::default();
    let account = connection_account("seeded");
    let store = keyring
        .secret_tool(
            &[
                "store", "--label", "seeded", "service", SERVICE, "username", &account, "target",
                "default",
            ],
            Some("seeded-토큰"),
        )
        .unwrap();
    assert!(store.status.success(), "{store:?}");
    assert_eq!(
        keychain.get(&account).unwrap().as_deref(),
        Some("seeded-토큰")
    );
    keychain.delete(&account).unwrap();
}

/// A secret bound to its origin in the real Secret Service: given out for that origin
/// only; a bare one seeded by an older version (here by secret-tool) is bound to the saved
/// configuration's origin on first use.
#[test]
fn bound_secret_goes_only_to_its_origin() {
    let keyring = keychain::shared();
    let keychain = Keychain::default();
    let account = connection_account("bound");
    let a = Destination::http("https://rt-a.example/rt").unwrap();
    let b = Destination::http("http://127.0.0.1:8081/").unwrap();

    keychain.set_bound(&account, &a, "bound-token-a").unwrap();
    assert_eq!(
        keychain.get_for(&account, &a, None).unwrap().as_deref(),
        Some("bound-token-a")
    );
    let err = keychain.get_for(&account, &b, Some(&a)).unwrap_err();
    assert!(
        matches!(err, SecretError::WrongDestination { .. }),
        "{err:?}"
    );
    let said = format!("{err} | {err:?}");
    assert!(said.contains("https://rt-a.example:443"), "{said}");
    assert!(said.contains("http://127.0.0.1:8081"), "{said}");
    assert!(!said.contains("bound-token-a"), "{said}");
    // Refusing a save to B without the secret leaves A's untouched.
    assert!(keychain.bind_on_save(&account, &b, Some(&a), None).is_err());
    assert!(keychain.get_for(&account, &a, None).unwrap().is_some());
    keychain
        .bind_on_save(&account, &b, Some(&a), Some("bound-token-b"))
        .unwrap();
    assert_eq!(
        keychain.get_for(&account, &b, None).unwrap().as_deref(),
        Some("bound-token-b")
    );
    assert!(keychain.get_for(&account, &a, Some(&a)).is_err());

    // A bare secret, as versions before bound secrets (or a setup script) left it.
    let legacy = connection_account("legacy-bound");
    let store = keyring
        .secret_tool(
            &[
                "store", "--label", "legacy", "service", SERVICE, "username", &legacy, "target",
                "default",
            ],
            Some("legacy-token"),
        )
        .unwrap();
    assert!(store.status.success(), "{store:?}");
    assert!(matches!(
        keychain.get_for(&legacy, &b, Some(&a)),
        Err(SecretError::WrongDestination { .. })
    ));
    assert_eq!(
        keychain.get_for(&legacy, &a, Some(&a)).unwrap().as_deref(),
        Some("legacy-token")
    );
    let lookup = keyring
        .secret_tool(&["lookup", "service", SERVICE, "username", &legacy], None)
        .unwrap();
    let raw = String::from_utf8_lossy(&lookup.stdout);
    assert!(
        raw.contains("https://rt-a.example:443"),
        "not saved again bound: {raw}"
    );
    assert!(raw.ends_with("legacy-token"), "{raw}");
    assert!(keychain.get_for(&legacy, &b, Some(&b)).is_err());

    keychain.delete(&account).unwrap();
    keychain.delete(&legacy).unwrap();
}

const LOCKED: &str = "locked_keychain_fails_at_once_with_a_locked_error";

/// With the login keyring locked and no prompter (no desktop session), every call that
/// needs the keyring fails at once with `Locked`, instead of waiting for a prompt.
#[test]
fn locked_keychain_fails_at_once_with_a_locked_error() {
    if keychain::is_child(LOCKED) {
        let keychain = Keychain::default();
        let stored = connection_account("stored");
        let started = Instant::now();
        for (what, result) in [
            ("get", keychain.get(&stored).map(drop)),
            ("set existing", keychain.set(&stored, "new")),
            ("set new", keychain.set(&connection_account("new"), "new")),
            ("delete", keychain.delete(&stored)),
        ] {
            let err = result.expect_err(what);
            assert!(matches!(err, SecretError::Locked { .. }), "{what}: {err:?}");
            let message = err.to_string();
            assert!(message.contains("locked"), "{what}: {message}");
            assert!(message.contains("unlock"), "{what}: {message}");
            assert!(message.contains("connection:"), "{what}: {message}");
            assert!(!message.contains("stored-secret"), "{what}: {message}");
            eprintln!("{what}: {message}");
        }
        // Nothing to unlock for an account with no entry: a read finds nothing.
        assert_eq!(keychain.get(&connection_account("none")).unwrap(), None);
        eprintln!("locked calls took {:?}", started.elapsed());
        return;
    }

    let started = Instant::now();
    let keyring = GnomeKeyring::start().unwrap();
    eprintln!("keyring started in {:?}", started.elapsed());
    let account = connection_account("stored");
    let store = keyring
        .secret_tool(
            &[
                "store", "--label", "stored", "service", SERVICE, "username", &account, "target",
                "default",
            ],
            Some("stored-secret"),
        )
        .unwrap();
    assert!(store.status.success(), "{store:?}");
    keyring.lock().unwrap();

    let run = keychain::run_child(LOCKED, &keyring.envs(), CHILD_LIMIT).unwrap();
    assert!(
        run.status.is_some(),
        "the keychain calls did not return within {CHILD_LIMIT:?}: {run:?}"
    );
    assert!(run.passed(), "{}\n{}", run.stdout, run.stderr);
    eprintln!("{}", run.stderr.trim());
    // Still locked, nothing written.
    assert!(keyring.is_locked().unwrap());
}

const NO_SERVICE: &str = "no_secret_service_on_the_bus_says_to_install_one";

#[test]
fn no_secret_service_on_the_bus_says_to_install_one() {
    if keychain::is_child(NO_SERVICE) {
        let keychain = Keychain::default();
        let account = connection_account("acme");
        for (what, result) in [
            ("get", keychain.get(&account).map(drop)),
            ("set", keychain.set(&account, "token")),
            ("delete", keychain.delete(&account)),
        ] {
            let err = result.expect_err(what);
            assert!(
                matches!(err, SecretError::Unavailable { .. }),
                "{what}: {err:?}"
            );
            let message = err.to_string();
            assert!(message.contains("GNOME Keyring"), "{what}: {message}");
            assert!(message.contains("KeePassXC"), "{what}: {message}");
            assert!(!message.contains("token"), "{what}: {message}");
            eprintln!("{what}: {message}");
        }
        return;
    }

    let bus = PrivateBus::start().unwrap();
    let run = keychain::run_child(NO_SERVICE, &bus.envs(), CHILD_LIMIT).unwrap();
    assert!(run.passed(), "{run:?}");
    eprintln!("{}", run.stderr.trim());
    // Nothing was activated behind the test's back.
    assert!(!bus.has_owner("org.freedesktop.secrets").unwrap());
}

const NO_BUS: &str = "no_session_bus_says_to_install_a_secret_service";

#[test]
fn no_session_bus_says_to_install_a_secret_service() {
    if keychain::is_child(NO_BUS) {
        let err = Keychain::default()
            .get(&connection_account("acme"))
            .unwrap_err();
        assert!(matches!(err, SecretError::Unavailable { .. }), "{err:?}");
        assert!(err.to_string().contains("GNOME Keyring"), "{err}");
        eprintln!("get: {err}");
        return;
    }

    let empty = tempfile::tempdir().unwrap();
    let envs = [
        (
            "DBUS_SESSION_BUS_ADDRESS".to_owned(),
            format!("unix:path={}", empty.path().join("no-bus").display()),
        ),
        (
            "XDG_RUNTIME_DIR".to_owned(),
            empty.path().to_string_lossy().into_owned(),
        ),
        // No X display: libdbus must not try to autolaunch a bus.
        ("DISPLAY".to_owned(), String::new()),
    ];
    let run = keychain::run_child(NO_BUS, &envs, CHILD_LIMIT).unwrap();
    assert!(run.passed(), "{run:?}");
    eprintln!("{}", run.stderr.trim());
}
