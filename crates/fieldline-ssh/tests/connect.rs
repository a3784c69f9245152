//! Connecting and logging in against real OpenSSH servers (the monitor's sshd harness:
//! Debian's sshd on 127.0.0.1, needs root; logins as the harness's user `fieldline-ssh`):
//! host keys (strict, accept-new, ask, changed, hashed, imported), every login method, and
//! jump chains.

#![allow(clippy::unwrap_used)]

#[path = "support/fakes.rs"]
mod fakes;
#[path = "../../fieldline-monitor/tests/support/sshd.rs"]
mod sshd;

use fakes::{MemStore, Scripted};
use fieldline_ssh::connect::{connect, ConnectOptions, ExecLimits, Hop, NoPrompter, Route};
use fieldline_ssh::error::SshError;
use fieldline_ssh::known_hosts::{HostKeyPolicy, HostKeyStatus, KnownHosts};
use fieldline_ssh::profile::{
    ssh_key_account, ssh_passphrase_account, ssh_password_account, AuthMethod, CredentialProfile,
};
use sshd::{Agent, Chain, KeyKind, Options, Sshd, KEY_PASSPHRASE, TEST_PASSWORD, USER};
use std::path::PathBuf;
use std::process::Command;
use std::sync::Mutex;
use std::time::Duration;

/// sshd instances start one at a time (the harness's `chpasswd` must not race).
static START: Mutex<()> = Mutex::new(());

fn start(options: Options) -> Sshd {
    let _one = START.lock().unwrap_or_else(|e| e.into_inner());
    Sshd::start(options).expect("sshd starts")
}

fn chain() -> Chain {
    let _one = START.lock().unwrap_or_else(|e| e.into_inner());
    Chain::start().expect("chain starts")
}

fn profile(method: AuthMethod) -> CredentialProfile {
    CredentialProfile {
        name: "p".into(),
        user: None,
        method,
    }
}

fn key(server: &Sshd, kind: KeyKind) -> AuthMethod {
    AuthMethod::Key {
        key_file: Some(server.user_key_path(kind)),
    }
}

fn hop(server: &Sshd, label: &str, method: AuthMethod) -> Hop {
    Hop {
        host: "127.0.0.1".into(),
        port: server.port(),
        user: USER.into(),
        profile: profile(method),
        label: label.into(),
    }
}

fn route(server: &Sshd, method: AuthMethod) -> Route {
    Route {
        hops: vec![hop(server, "web-1", method)],
    }
}

struct Kh {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

/// An empty known_hosts in a temp folder; `trust` writes the servers' lines.
fn known_hosts(trust: &[&Sshd]) -> Kh {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("known_hosts");
    let text: String = trust
        .iter()
        .map(|s| s.known_hosts_line().unwrap())
        .collect();
    std::fs::write(&path, text).unwrap();
    Kh { _dir: dir, path }
}

fn opts(kh: &Kh, policy: HostKeyPolicy) -> ConnectOptions {
    ConnectOptions {
        policy,
        connect_timeout: Duration::from_secs(10),
        ..ConnectOptions::new(&kh.path)
    }
}

fn whoami(conn: &fieldline_ssh::connect::Connection) -> String {
    let out = conn.exec("id -un", ExecLimits::default()).unwrap();
    assert_eq!(out.status, 0);
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

// ---------------------------------------------------------------------------------------
// Host keys

#[test]
fn strict_refuses_an_unknown_host_before_any_login_attempt() {
    let server = start(Options::default());
    let kh = known_hosts(&[]);
    let store = MemStore::default();
    let mut prompter = Scripted::accepting();
    let err = connect(
        &route(&server, AuthMethod::Password),
        &opts(&kh, HostKeyPolicy::Strict),
        &store,
        &mut prompter,
    )
    .unwrap_err();
    let fp = server.host_key_fingerprint_sha256().unwrap();
    match &err {
        SshError::HostKeyUnknown { fingerprint, .. } => assert_eq!(fingerprint, &fp),
        other => panic!("expected HostKeyUnknown, got {other:?}"),
    }
    assert!(err.to_string().contains(&fp), "{err}");
    assert_eq!(server.auth_attempts_in_log(), 0, "{}", server.log());
    assert!(store.asked().is_empty());
    assert!(prompter.host_key_questions.is_empty(), "strict never asks");
    assert_eq!(std::fs::read_to_string(&kh.path).unwrap(), "");
}

#[test]
fn accept_new_adds_the_key_and_the_next_connection_knows_it() {
    let server = start(Options::default());
    let kh = known_hosts(&[]);
    let store = MemStore::default();
    let conn = connect(
        &route(&server, key(&server, KeyKind::Ed25519)),
        &opts(&kh, HostKeyPolicy::AcceptNew),
        &store,
        &mut NoPrompter,
    )
    .unwrap();
    assert_eq!(whoami(&conn), USER);
    assert_eq!(
        conn.fingerprint(),
        server.host_key_fingerprint_sha256().unwrap()
    );
    drop(conn);
    let text = std::fs::read_to_string(&kh.path).unwrap();
    assert!(
        text.starts_with(&format!("[127.0.0.1]:{} ssh-ed25519 ", server.port())),
        "{text}"
    );
    let list = KnownHosts::new(&kh.path).list().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(
        list[0].fingerprint,
        server.host_key_fingerprint_sha256().unwrap()
    );
    // Strict now: known.
    let conn = connect(
        &route(&server, key(&server, KeyKind::Ed25519)),
        &opts(&kh, HostKeyPolicy::Strict),
        &store,
        &mut NoPrompter,
    )
    .unwrap();
    assert_eq!(whoami(&conn), USER);
}

#[test]
fn ask_refused_means_no_login_attempt_and_accepted_means_added() {
    let server = start(Options {
        password: true,
        ..Options::default()
    });
    let kh = known_hosts(&[]);
    let store = MemStore::with(&[(&ssh_password_account("p"), TEST_PASSWORD)]);
    let mut no = Scripted::default();
    let err = connect(
        &route(&server, AuthMethod::Password),
        &opts(&kh, HostKeyPolicy::Ask),
        &store,
        &mut no,
    )
    .unwrap_err();
    assert!(matches!(err, SshError::HostKeyRefused { .. }), "{err:?}");
    assert_eq!(no.host_key_questions.len(), 1);
    let q = &no.host_key_questions[0];
    assert_eq!(
        (q.hop, q.label.as_str(), q.port, q.key_type.as_str()),
        (0, "web-1", server.port(), "ssh-ed25519")
    );
    assert_eq!(q.fingerprint, server.host_key_fingerprint_sha256().unwrap());
    assert_eq!(server.auth_attempts_in_log(), 0);
    assert!(store.asked().is_empty(), "no secret before the host key");
    assert_eq!(std::fs::read_to_string(&kh.path).unwrap(), "");

    let mut yes = Scripted::accepting();
    let conn = connect(
        &route(&server, AuthMethod::Password),
        &opts(&kh, HostKeyPolicy::Ask),
        &store,
        &mut yes,
    )
    .unwrap();
    assert_eq!(whoami(&conn), USER);
    let status = KnownHosts::new(&kh.path)
        .list()
        .unwrap()
        .into_iter()
        .map(|e| e.fingerprint)
        .collect::<Vec<_>>();
    assert_eq!(status, vec![server.host_key_fingerprint_sha256().unwrap()]);
}

#[test]
fn a_changed_host_key_is_refused_loudly_before_anything_is_sent() {
    let mut server = start(Options {
        password: true,
        ..Options::default()
    });
    let kh = known_hosts(&[&server]);
    let old = server.host_key_fingerprint_sha256().unwrap();
    let new = server.restart_with_new_host_key().unwrap();
    assert_ne!(old, new);
    let attempts_before = server.auth_attempts_in_log();
    let store = MemStore::with(&[(&ssh_password_account("p"), TEST_PASSWORD)]);
    for policy in [
        HostKeyPolicy::Strict,
        HostKeyPolicy::AcceptNew,
        HostKeyPolicy::Ask,
    ] {
        let mut prompter = Scripted::accepting();
        let err = connect(
            &route(&server, AuthMethod::Password),
            &opts(&kh, policy),
            &store,
            &mut prompter,
        )
        .unwrap_err();
        match &err {
            SshError::HostKeyChanged {
                old: o,
                new: n,
                label,
                ..
            } => {
                assert_eq!(o, &vec![old.clone()]);
                assert_eq!(n, &new);
                assert_eq!(label, "web-1");
            }
            other => panic!("expected HostKeyChanged, got {other:?}"),
        }
        let msg = err.to_string();
        for part in [&old, &new, "web-1", "127.0.0.1", "remove the old key"] {
            assert!(msg.contains(part), "{part:?} missing in: {msg}");
        }
        assert!(!msg.contains(TEST_PASSWORD));
        assert!(prompter.host_key_questions.is_empty(), "{policy:?} asked");
        assert!(prompter.secret_questions.is_empty());
    }
    assert_eq!(
        server.auth_attempts_in_log(),
        attempts_before,
        "{}",
        server.log()
    );
    assert!(
        store.asked().is_empty(),
        "keychain asked: {:?}",
        store.asked()
    );
    // The file is unchanged: the old key is still the one known.
    let st = KnownHosts::new(&kh.path)
        .check("127.0.0.1", server.port(), "ssh-ed25519", b"x")
        .unwrap();
    assert!(matches!(st, HostKeyStatus::Changed { .. }));
    // Removing the old key on purpose lets accept-new take the new one.
    assert_eq!(
        KnownHosts::new(&kh.path)
            .remove("127.0.0.1", server.port())
            .unwrap(),
        1
    );
    let conn = connect(
        &route(&server, AuthMethod::Password),
        &opts(&kh, HostKeyPolicy::AcceptNew),
        &store,
        &mut NoPrompter,
    )
    .unwrap();
    assert_eq!(conn.fingerprint(), new);
}

#[test]
fn hashed_known_hosts_entries_are_understood_and_removable() {
    let server = start(Options::default());
    let kh = known_hosts(&[&server]);
    let out = Command::new("ssh-keygen")
        .arg("-H")
        .arg("-f")
        .arg(&kh.path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = std::fs::read_to_string(&kh.path).unwrap();
    assert!(text.starts_with("|1|"), "{text}");
    let conn = connect(
        &route(&server, key(&server, KeyKind::Ed25519)),
        &opts(&kh, HostKeyPolicy::Strict),
        &MemStore::default(),
        &mut NoPrompter,
    )
    .unwrap();
    assert_eq!(whoami(&conn), USER);
    drop(conn);
    let known = KnownHosts::new(&kh.path);
    let list = known.list().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].hosts, None, "hashed names are not shown");
    // Another port is not this entry.
    assert_eq!(known.remove("127.0.0.1", server.port() + 1).unwrap(), 0);
    assert_eq!(known.remove("127.0.0.1", server.port()).unwrap(), 1);
    let err = connect(
        &route(&server, key(&server, KeyKind::Ed25519)),
        &opts(&kh, HostKeyPolicy::Strict),
        &MemStore::default(),
        &mut NoPrompter,
    )
    .unwrap_err();
    assert!(matches!(err, SshError::HostKeyUnknown { .. }), "{err:?}");
}

#[test]
fn import_of_an_openssh_known_hosts_file() {
    let server = start(Options::default());
    let src_dir = tempfile::tempdir().unwrap();
    let src = src_dir.path().join("known_hosts");
    std::fs::write(
        &src,
        format!(
            "# a comment\n{}garbage\n@cert-authority *.example ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\nhost.example ssh-ed25519 !!!notbase64\n",
            server.known_hosts_line().unwrap()
        ),
    )
    .unwrap();
    let kh = known_hosts(&[]);
    let known = KnownHosts::new(&kh.path);
    let report = known.import_openssh(&src).unwrap();
    assert_eq!(report.added, 1, "{report:?}");
    assert_eq!(report.skipped, 0);
    assert_eq!(report.problems.len(), 3, "{report:?}");
    assert!(report.problems[0].starts_with("line 3:"), "{report:?}");
    let again = known.import_openssh(&src).unwrap();
    assert_eq!((again.added, again.skipped), (0, 1));
    let conn = connect(
        &route(&server, key(&server, KeyKind::Ed25519)),
        &opts(&kh, HostKeyPolicy::Strict),
        &MemStore::default(),
        &mut NoPrompter,
    )
    .unwrap();
    assert_eq!(whoami(&conn), USER);
}

// ---------------------------------------------------------------------------------------
// Logins

#[test]
fn key_files_of_every_kind() {
    let server = start(Options::default());
    let kh = known_hosts(&[&server]);
    for kind in [KeyKind::Ed25519, KeyKind::Ecdsa, KeyKind::Rsa] {
        let conn = connect(
            &route(&server, key(&server, kind)),
            &opts(&kh, HostKeyPolicy::Strict),
            &MemStore::default(),
            &mut NoPrompter,
        )
        .unwrap_or_else(|e| panic!("{kind:?}: {e}"));
        assert_eq!(whoami(&conn), USER, "{kind:?}");
    }
    assert_eq!(server.accepted_in_log(), 3);
}

#[test]
fn key_text_and_passphrase_from_the_keychain() {
    let server = start(Options::default());
    let kh = known_hosts(&[&server]);
    // Unencrypted key text.
    let text = std::fs::read_to_string(server.user_key_path(KeyKind::Ecdsa)).unwrap();
    let store = MemStore::with(&[(&ssh_key_account("p"), &text)]);
    let conn = connect(
        &route(&server, AuthMethod::Key { key_file: None }),
        &opts(&kh, HostKeyPolicy::Strict),
        &store,
        &mut NoPrompter,
    )
    .unwrap();
    assert_eq!(whoami(&conn), USER);
    // Encrypted key text, passphrase stored too.
    let text = std::fs::read_to_string(server.user_key_path(KeyKind::Ed25519Passphrase)).unwrap();
    let store = MemStore::with(&[
        (&ssh_key_account("p"), &text),
        (&ssh_passphrase_account("p"), KEY_PASSPHRASE),
    ]);
    let mut prompter = Scripted::default();
    let conn = connect(
        &route(&server, AuthMethod::Key { key_file: None }),
        &opts(&kh, HostKeyPolicy::Strict),
        &store,
        &mut prompter,
    )
    .unwrap();
    assert_eq!(whoami(&conn), USER);
    assert!(prompter.secret_questions.is_empty());
    // No key stored: a clear error naming the account.
    let err = connect(
        &route(&server, AuthMethod::Key { key_file: None }),
        &opts(&kh, HostKeyPolicy::Strict),
        &MemStore::default(),
        &mut NoPrompter,
    )
    .unwrap_err();
    assert!(err.to_string().contains("ssh:p:key"), "{err}");
}

#[test]
fn passphrase_from_the_keychain_or_asked_and_a_wrong_one_said_clearly() {
    let server = start(Options::default());
    let kh = known_hosts(&[&server]);
    let method = key(&server, KeyKind::Ed25519Passphrase);
    // Stored.
    let store = MemStore::with(&[(&ssh_passphrase_account("p"), KEY_PASSPHRASE)]);
    let conn = connect(
        &route(&server, method.clone()),
        &opts(&kh, HostKeyPolicy::Strict),
        &store,
        &mut NoPrompter,
    )
    .unwrap();
    assert_eq!(whoami(&conn), USER);
    // Asked.
    let mut prompter = Scripted::answering(&[KEY_PASSPHRASE]);
    let conn = connect(
        &route(&server, method.clone()),
        &opts(&kh, HostKeyPolicy::Strict),
        &MemStore::default(),
        &mut prompter,
    )
    .unwrap();
    assert_eq!(whoami(&conn), USER);
    assert_eq!(prompter.secret_questions.len(), 1);
    assert_eq!(
        prompter.secret_questions[0].secret,
        fieldline_ssh::connect::SecretKind::Passphrase
    );
    assert!(!prompter.secret_questions[0].echo);
    // Wrong.
    let wrong = "not-the-passphrase-42";
    let store = MemStore::with(&[(&ssh_passphrase_account("p"), wrong)]);
    let err = connect(
        &route(&server, method),
        &opts(&kh, HostKeyPolicy::Strict),
        &store,
        &mut NoPrompter,
    )
    .unwrap_err();
    assert!(matches!(err, SshError::WrongPassphrase { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains("wrong passphrase for key"), "{msg}");
    assert!(msg.contains("id_ed25519_pass"), "{msg}");
    assert!(!msg.contains(wrong) && !format!("{err:?}").contains(wrong));
}

#[test]
fn agent_login() {
    let server = start(Options::default());
    let agent = Agent::start(&server).unwrap();
    let kh = known_hosts(&[&server]);
    let o = ConnectOptions {
        agent_socket: Some(agent.socket().to_path_buf()),
        ..opts(&kh, HostKeyPolicy::Strict)
    };
    let conn = connect(
        &route(&server, AuthMethod::Agent),
        &o,
        &MemStore::default(),
        &mut NoPrompter,
    )
    .unwrap();
    assert_eq!(whoami(&conn), USER);
}

#[test]
fn password_stored_asked_and_wrong() {
    let server = start(Options {
        password: true,
        ..Options::default()
    });
    let kh = known_hosts(&[&server]);
    let store = MemStore::with(&[(&ssh_password_account("p"), TEST_PASSWORD)]);
    let conn = connect(
        &route(&server, AuthMethod::Password),
        &opts(&kh, HostKeyPolicy::Strict),
        &store,
        &mut NoPrompter,
    )
    .unwrap();
    assert_eq!(whoami(&conn), USER);
    let mut prompter = Scripted::answering(&[TEST_PASSWORD]);
    let conn = connect(
        &route(&server, AuthMethod::Password),
        &opts(&kh, HostKeyPolicy::Strict),
        &MemStore::default(),
        &mut prompter,
    )
    .unwrap();
    assert_eq!(whoami(&conn), USER);
    assert_eq!(prompter.secret_questions.len(), 1);
    let wrong = "wrong-password-77";
    let store = MemStore::with(&[(&ssh_password_account("p"), wrong)]);
    let err = connect(
        &route(&server, AuthMethod::Password),
        &opts(&kh, HostKeyPolicy::Strict),
        &store,
        &mut NoPrompter,
    )
    .unwrap_err();
    match &err {
        SshError::Auth { user, tried, .. } => {
            assert_eq!(user, USER);
            assert_eq!(tried, &vec!["password".to_string()]);
        }
        other => panic!("expected Auth, got {other:?}"),
    }
    let msg = err.to_string();
    assert!(msg.contains(USER) && msg.contains("password"), "{msg}");
    assert!(
        msg.contains("publickey"),
        "says what the server accepts: {msg}"
    );
    assert!(!msg.contains(wrong) && !format!("{err:?}").contains(wrong));
}

#[test]
fn keyboard_interactive_with_stored_password_or_asked() {
    let server = start(Options {
        keyboard_interactive: true,
        ..Options::default()
    });
    let kh = known_hosts(&[&server]);
    let store = MemStore::with(&[(&ssh_password_account("p"), TEST_PASSWORD)]);
    let mut prompter = Scripted::default();
    let conn = connect(
        &route(&server, AuthMethod::KeyboardInteractive),
        &opts(&kh, HostKeyPolicy::Strict),
        &store,
        &mut prompter,
    )
    .unwrap();
    assert_eq!(whoami(&conn), USER);
    assert!(
        prompter.secret_questions.is_empty(),
        "the stored password answered"
    );
    let mut prompter = Scripted::answering(&[TEST_PASSWORD]);
    let conn = connect(
        &route(&server, AuthMethod::KeyboardInteractive),
        &opts(&kh, HostKeyPolicy::Strict),
        &MemStore::default(),
        &mut prompter,
    )
    .unwrap();
    assert_eq!(whoami(&conn), USER);
    assert_eq!(prompter.secret_questions.len(), 1);
    let q = &prompter.secret_questions[0];
    assert!(q.prompt.contains("Password"), "{q:?}");
    assert!(!q.echo);
}

#[test]
fn a_key_the_server_does_not_know_fails_naming_user_and_method() {
    let server = start(Options::default());
    let kh = known_hosts(&[&server]);
    let dir = tempfile::tempdir().unwrap();
    let stranger = dir.path().join("id_stranger");
    let out = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&stranger)
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = connect(
        &route(
            &server,
            AuthMethod::Key {
                key_file: Some(stranger.clone()),
            },
        ),
        &opts(&kh, HostKeyPolicy::Strict),
        &MemStore::default(),
        &mut NoPrompter,
    )
    .unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, SshError::Auth { .. }), "{err:?}");
    assert!(msg.contains(USER) && msg.contains("publickey"), "{msg}");
    assert!(msg.contains("web-1"), "{msg}");
}

// ---------------------------------------------------------------------------------------
// Jump chains

fn chain_route(c: &Chain) -> Route {
    Route {
        hops: vec![
            hop(&c.jump1, "jump1", key(&c.target, KeyKind::Ed25519)),
            hop(&c.jump2, "jump2", key(&c.target, KeyKind::Ed25519)),
            hop(&c.target, "target", key(&c.target, KeyKind::Ed25519)),
        ],
    }
}

#[test]
fn two_jumps_reach_the_target_through_both() {
    let c = chain();
    let kh = known_hosts(&[&c.jump1, &c.jump2, &c.target]);
    let conn = connect(
        &chain_route(&c),
        &opts(&kh, HostKeyPolicy::Strict),
        &MemStore::default(),
        &mut NoPrompter,
    )
    .unwrap();
    let out = conn.exec("echo via-chain", ExecLimits::default()).unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "via-chain\n");
    assert_eq!(conn.labels(), vec!["jump1", "jump2", "target"]);
    assert_eq!(
        conn.fingerprint(),
        c.target.host_key_fingerprint_sha256().unwrap()
    );
    drop(conn);
    assert_eq!(
        c.jump1.direct_tcpip_targets_in_log(),
        vec![format!("127.0.0.1:{}", c.jump2.port())]
    );
    assert_eq!(
        c.jump2.direct_tcpip_targets_in_log(),
        vec![format!("127.0.0.1:{}", c.target.port())]
    );
    assert_eq!(c.target.accepted_in_log(), 1);
}

#[test]
fn a_changed_key_on_jump2_stops_before_any_login_there_and_before_the_target() {
    let mut c = chain();
    let kh = known_hosts(&[&c.jump1, &c.jump2, &c.target]);
    let old = c.jump2.host_key_fingerprint_sha256().unwrap();
    let new = c.jump2.restart_with_new_host_key().unwrap();
    let jump2_attempts = c.jump2.auth_attempts_in_log();
    let store = MemStore::default();
    let mut prompter = Scripted::accepting();
    let err = connect(
        &chain_route(&c),
        &opts(&kh, HostKeyPolicy::Ask),
        &store,
        &mut prompter,
    )
    .unwrap_err();
    match &err {
        SshError::HostKeyChanged {
            label,
            old: o,
            new: n,
            ..
        } => {
            assert_eq!(label, "jump2");
            assert_eq!(o, &vec![old]);
            assert_eq!(n, &new);
        }
        other => panic!("expected HostKeyChanged on jump2, got {other:?}"),
    }
    assert_eq!(c.jump1.accepted_in_log(), 1, "jump1 was logged in to");
    assert_eq!(c.jump2.auth_attempts_in_log(), jump2_attempts);
    assert!(c.jump2.direct_tcpip_targets_in_log().is_empty());
    assert_eq!(c.target.auth_attempts_in_log(), 0);
    assert!(
        !c.target.log().contains("Connection from"),
        "{}",
        c.target.log()
    );
    assert!(prompter.host_key_questions.is_empty());
}

#[test]
fn a_jump_that_refuses_to_forward_is_named() {
    let c = chain();
    let kh = known_hosts(&[&c.jump1, &c.target]);
    // jump1 may forward only to jump2, not straight to the target.
    let r = Route {
        hops: vec![
            hop(&c.jump1, "jump1", key(&c.target, KeyKind::Ed25519)),
            hop(&c.target, "target", key(&c.target, KeyKind::Ed25519)),
        ],
    };
    let err = connect(
        &r,
        &opts(&kh, HostKeyPolicy::Strict),
        &MemStore::default(),
        &mut NoPrompter,
    )
    .unwrap_err();
    match &err {
        SshError::JumpRefused { label, target, .. } => {
            assert_eq!(label, "jump1");
            assert!(target.contains("target"), "{target}");
        }
        other => panic!("expected JumpRefused, got {other:?}"),
    }
    assert!(err.to_string().contains("jump1"), "{err}");
    assert_eq!(c.target.auth_attempts_in_log(), 0);
}

#[test]
fn ask_on_a_chain_asks_each_hop_in_order_and_remembers_them() {
    let c = chain();
    let kh = known_hosts(&[]);
    let mut prompter = Scripted::accepting();
    let conn = connect(
        &chain_route(&c),
        &opts(&kh, HostKeyPolicy::Ask),
        &MemStore::default(),
        &mut prompter,
    )
    .unwrap();
    drop(conn);
    let asked: Vec<(usize, String, String)> = prompter
        .host_key_questions
        .iter()
        .map(|q| (q.hop, q.label.clone(), q.fingerprint.clone()))
        .collect();
    assert_eq!(
        asked,
        vec![
            (
                0,
                "jump1".into(),
                c.jump1.host_key_fingerprint_sha256().unwrap()
            ),
            (
                1,
                "jump2".into(),
                c.jump2.host_key_fingerprint_sha256().unwrap()
            ),
            (
                2,
                "target".into(),
                c.target.host_key_fingerprint_sha256().unwrap()
            ),
        ]
    );
    // Strict now works: all three were added.
    let conn = connect(
        &chain_route(&c),
        &opts(&kh, HostKeyPolicy::Strict),
        &MemStore::default(),
        &mut NoPrompter,
    )
    .unwrap();
    assert_eq!(whoami(&conn), USER);
}

#[test]
fn exec_output_is_bounded_and_a_slow_command_times_out() {
    let server = start(Options::default());
    let kh = known_hosts(&[&server]);
    let conn = connect(
        &route(&server, key(&server, KeyKind::Ed25519)),
        &opts(&kh, HostKeyPolicy::Strict),
        &MemStore::default(),
        &mut NoPrompter,
    )
    .unwrap();
    let out = conn
        .exec(
            "head -c 100000 /dev/zero; echo oops >&2; exit 7",
            ExecLimits {
                max_output: 1000,
                timeout: Duration::from_secs(10),
            },
        )
        .unwrap();
    assert_eq!(out.status, 7);
    assert_eq!(out.stdout.len(), 1000);
    assert!(out.truncated);
    assert_eq!(out.stderr, b"oops\n");
    let started = std::time::Instant::now();
    let err = conn
        .exec(
            "sleep 5",
            ExecLimits {
                max_output: 1000,
                timeout: Duration::from_secs(1),
            },
        )
        .unwrap_err();
    assert!(matches!(err, SshError::Timeout { .. }), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(3));
    // The connection still works after a timed-out command.
    let out = conn.exec("echo still-here", ExecLimits::default()).unwrap();
    assert_eq!(out.stdout, b"still-here\n");
}
