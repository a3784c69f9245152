//! A connection's token goes only to the helpdesk it was entered for: two loopback HTTP
//! servers (A and B, each recording the raw request heads it receives) and a real Secret
//! Service (GNOME Keyring on a private bus), all started by the test. The calls are the
//! ones both front doors make (`fieldline_sync::secret`).
#![allow(clippy::unwrap_used)]

#[path = "../../fieldline-keychain/tests/support/keychain.rs"]
mod keychain;
#[path = "support/recorder.rs"]
mod recorder;

use fieldline_keychain::{connection_account, Keychain, SecretError, SecretStore};
use fieldline_store::sync::{ConnectionConfig, ConnectorKind};
use fieldline_store::Store;
use fieldline_sync::secret::{keep_token, kept_token, sync_saved, test_with};
use fieldline_sync::{connector_for, SyncError};
use jiff::Timestamp;
use recorder::Recorder;
use std::time::{Duration, Instant};

fn keychain() -> Keychain {
    keychain::shared();
    Keychain::default()
}

fn connection(name: &str, url: &str) -> ConnectionConfig {
    let mut c = ConnectionConfig::template(ConnectorKind::RequestTracker);
    c.name = name.into();
    c.url = url.into();
    c.user = "tech".into();
    c
}

#[test]
fn a_token_saved_for_a_goes_to_b_only_after_it_is_entered_again() {
    let keychain = keychain();
    let a = Recorder::start([127, 0, 0, 1].into());
    let b = Recorder::start([127, 0, 0, 1].into());
    let data = tempfile::tempdir().unwrap();
    let mut store = Store::open(data.path()).unwrap();

    // Saved with a token for A; the test and a sync send it to A.
    let at_a = connection("acme", &a.url);
    keep_token(&keychain, &at_a, None, Some("tok-for-a\n")).unwrap();
    store.save_connection(&at_a).unwrap();
    let tested = test_with(&keychain, &at_a, Some(&at_a), None);
    assert!(!tested.ok, "{tested:?}");
    assert!(
        tested.message.contains("refused the credentials"),
        "{tested:?}"
    );
    let report = sync_saved(&mut store, &keychain, &at_a, Timestamp::now);
    assert!(report.error.unwrap().contains("refused the credentials"));
    let at_a_got = a.authorizations();
    assert!(at_a_got.len() >= 2, "{:?}", a.heads());
    assert!(
        at_a_got.iter().all(|v| v == "token tok-for-a"),
        "{at_a_got:?}"
    );

    // Pointed at B without the token: the save is refused, in words ...
    let at_b = connection("acme", &b.url);
    let origin_a = a.url.clone();
    let origin_b = b.url.clone();
    let err = keep_token(&keychain, &at_b, Some(&at_a), None).unwrap_err();
    let said = err.to_string();
    assert!(
        matches!(err, SyncError::Secret(SecretError::WrongDestination { .. })),
        "{err:?}"
    );
    assert_eq!(
        said,
        format!(
            "the secret of connection:acme was saved for {origin_a}; enter it again to send \
             it to {origin_b}"
        )
    );
    // ... "Test connection" with the new address and no token typed sends nothing ...
    let tested = test_with(&keychain, &at_b, Some(&at_a), None);
    assert!(!tested.ok);
    assert!(tested.message.contains("enter it again"), "{tested:?}");
    // ... and neither does a sync of a connection whose saved address already moved (an
    // older version saved it, or the store was edited behind Fieldline's back).
    store.save_connection(&at_b).unwrap();
    let report = sync_saved(&mut store, &keychain, &at_b, Timestamp::now);
    assert!(
        report.error.as_deref().unwrap().contains("enter it again"),
        "{report:?}"
    );
    assert!(kept_token(&keychain, &at_b, Some(&at_b)).is_err());
    assert_eq!(b.connections(), 0, "B was reached: {:?}", b.heads());
    assert!(b.authorizations().is_empty());
    // The status remembers why.
    let status = store.sync_status("acme").unwrap();
    assert!(status.last_error.unwrap().contains("enter it again"));

    // A token typed into the test goes to the typed address, and is not kept.
    let tested = test_with(&keychain, &at_b, Some(&at_a), Some("typed-for-b"));
    assert!(
        tested.message.contains("refused the credentials"),
        "{tested:?}"
    );
    assert_eq!(b.authorizations(), vec!["token typed-for-b"]);
    assert!(kept_token(&keychain, &at_b, Some(&at_a)).is_err());

    // Entered again for B: B gets it, A's is gone.
    keep_token(&keychain, &at_b, Some(&at_a), Some("tok-for-b")).unwrap();
    let tested = test_with(&keychain, &at_b, Some(&at_b), None);
    assert!(
        tested.message.contains("refused the credentials"),
        "{tested:?}"
    );
    sync_saved(&mut store, &keychain, &at_b, Timestamp::now);
    let at_b_got = b.authorizations();
    assert_eq!(at_b_got[0], "token typed-for-b");
    assert!(at_b_got.len() >= 3, "{:?}", b.heads());
    assert!(
        at_b_got[1..].iter().all(|v| v == "token tok-for-b"),
        "{at_b_got:?}"
    );
    assert!(kept_token(&keychain, &at_a, Some(&at_a)).is_err());
    assert_eq!(a.authorizations(), at_a_got, "A got more: {:?}", a.heads());

    // A token is never in a message.
    for message in [said, tested.message] {
        assert!(!message.contains("tok-for"), "{message}");
    }
    keychain.delete(&connection_account("acme")).unwrap();
}

#[test]
fn a_token_saved_before_bound_secrets_is_bound_to_the_saved_address() {
    let keychain = keychain();
    let a = Recorder::start([127, 0, 0, 1].into());
    let b = Recorder::start([127, 0, 0, 1].into());
    let at_a = connection("legacy", &a.url);
    let at_b = connection("legacy", &b.url);
    // A bare token, as earlier versions kept it.
    keychain
        .set(&connection_account("legacy"), "old-token")
        .unwrap();
    let tested = test_with(&keychain, &at_b, Some(&at_a), None);
    assert!(tested.message.contains("enter it again"), "{tested:?}");
    assert_eq!(b.connections(), 0);
    let tested = test_with(&keychain, &at_a, Some(&at_a), None);
    assert!(
        tested.message.contains("refused the credentials"),
        "{tested:?}"
    );
    assert_eq!(a.authorizations(), vec!["token old-token"]);
    // From now on it is bound to A, whatever a caller says was saved.
    assert!(kept_token(&keychain, &at_b, Some(&at_b)).is_err());
    keychain.delete(&connection_account("legacy")).unwrap();
}

#[test]
fn plain_http_to_another_machine_gets_no_token() {
    let keychain = keychain();
    let remote = connection("remote", "http://192.0.2.10:8080/");
    let started = Instant::now();
    let tested = test_with(&keychain, &remote, None, Some("typed-token"));
    assert!(!tested.ok);
    assert!(
        tested
            .message
            .contains("refusing to send a secret over plain http://"),
        "{tested:?}"
    );
    assert!(
        tested.message.contains("http://192.0.2.10:8080"),
        "{tested:?}"
    );
    assert!(!tested.message.contains("typed-token"));
    // Refused before any connection (a connection attempt would take its 5 s timeout).
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(matches!(
        connector_for(&remote, "typed-token"),
        Err(SyncError::Secret(SecretError::Destination(_)))
    ));
    // Not kept either.
    assert!(keep_token(&keychain, &remote, None, Some("typed-token")).is_err());
    assert_eq!(keychain.get(&connection_account("remote")).unwrap(), None);

    // Where this machine has an address other than loopback, a server listening there is
    // never even connected to.
    let Some(own) = recorder::own_address() else {
        eprintln!("no address other than loopback here; the listening half is skipped");
        return;
    };
    let here = Recorder::start(own);
    let at_here = connection("here", &here.url);
    let tested = test_with(&keychain, &at_here, None, Some("typed-token"));
    assert!(tested.message.contains("plain http://"), "{tested:?}");
    assert!(keep_token(&keychain, &at_here, None, Some("typed-token")).is_err());
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(here.connections(), 0, "{:?}", here.heads());
}
