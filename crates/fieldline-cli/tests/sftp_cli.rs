//! `fieldline sftp ls|get|put` against a real OpenSSH server started by the test: the same
//! operations as the window's Files panel, audited, refusing to overwrite, and never
//! trusting a host key on its own.
#![allow(clippy::unwrap_used)]

#[path = "../../fieldline-keychain/tests/support/keychain.rs"]
mod keychain;
#[path = "../../fieldline-monitor/tests/support/sshd.rs"]
mod sshd;

use sshd::{KeyKind, Options, Sshd};
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn fieldline(data: &Path, env: &[(String, String)], cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fieldline"))
        .args(args)
        .current_dir(cwd)
        .env("FIELDLINE_DATA_DIR", data)
        .env_remove("SSH_AUTH_SOCK")
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn said(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn files_go_up_and_down_through_the_cli_audited_and_never_over_an_existing_one() {
    let keyring = keychain::GnomeKeyring::start().unwrap();
    let env = keyring.envs();
    let sshd = Sshd::start(Options::default()).unwrap();
    let data = tempfile::tempdir().unwrap();
    let here = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| fieldline(data.path(), &env, here.path(), args);
    let ok = |args: &[&str]| {
        let out = run(args);
        assert!(out.status.success(), "fieldline {args:?}: {}", said(&out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };

    let fleet = data.path().join("fleet.toml");
    std::fs::write(
        &fleet,
        format!(
            "[[customers]]\nid = \"acme\"\nname = \"ACME\"\n\n[[sites]]\nid = \"acme-hq\"\n\
             customer = \"acme\"\nname = \"HQ\"\ntimezone = \"Asia/Seoul\"\n\n[[endpoints]]\n\
             id = \"db\"\nsite = \"acme-hq\"\nhost = \"127.0.0.1\"\n\
             ssh = {{ user = \"{}\", port = {}, credential = \"ops\" }}\n",
            sshd::USER,
            sshd.port()
        ),
    )
    .unwrap();
    ok(&["fleet", "import", "--yes", fleet.to_str().unwrap()]);
    let key = sshd.user_key_path(KeyKind::Ed25519);
    ok(&[
        "ssh-profile",
        "add",
        "ops",
        "--method",
        "key",
        "--key-file",
        key.to_str().unwrap(),
    ]);

    // The host key is not known yet: refused before any login.
    let scratch = sshd.scratch_dir();
    let out = run(&["sftp", "ls", "db", scratch.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(said(&out).contains("SHA256:"), "{}", said(&out));
    assert_eq!(sshd.accepted_in_log(), 0, "no login without a known key");
    std::fs::write(
        data.path().join("known_hosts"),
        sshd.known_hosts_line().unwrap(),
    )
    .unwrap();

    // Up: a folder (with a Korean file name) into the scratch folder.
    let notes = here.path().join("site-notes");
    std::fs::create_dir_all(&notes).unwrap();
    std::fs::write(notes.join("랙 배치.txt"), "A1 패치 패널\n").unwrap();
    let put = ok(&[
        "sftp",
        "put",
        "db",
        notes.to_str().unwrap(),
        "--to",
        scratch.to_str().unwrap(),
    ]);
    assert!(put.contains("1 file(s)"), "{put}");
    assert_eq!(
        std::fs::read_to_string(scratch.join("site-notes/랙 배치.txt")).unwrap(),
        "A1 패치 패널\n"
    );
    let listed = ok(&["sftp", "ls", "db", scratch.to_str().unwrap()]);
    assert!(
        listed.contains("dir") && listed.contains("site-notes"),
        "{listed}"
    );

    // Down: into the current folder; a second copy is refused, the first one kept.
    std::fs::write(scratch.join("report.txt"), "quarterly\n").unwrap();
    let remote = scratch.join("report.txt");
    ok(&["sftp", "get", "db", remote.to_str().unwrap()]);
    assert_eq!(
        std::fs::read_to_string(here.path().join("report.txt")).unwrap(),
        "quarterly\n"
    );
    std::fs::write(scratch.join("report.txt"), "changed\n").unwrap();
    let out = run(&["sftp", "get", "db", remote.to_str().unwrap()]);
    assert!(!out.status.success(), "{}", said(&out));
    assert_eq!(
        std::fs::read_to_string(here.path().join("report.txt")).unwrap(),
        "quarterly\n",
        "nothing overwritten"
    );

    // Each transfer is in the audit log, refused ones with why.
    let audit = std::fs::read_to_string(data.path().join("audit.jsonl")).unwrap();
    assert_eq!(audit.matches("\"sftp_upload\"").count(), 1, "{audit}");
    assert_eq!(audit.matches("\"sftp_download\"").count(), 2, "{audit}");
    assert!(audit.contains("\"error\""), "{audit}");
    ok(&["audit", "verify"]);
}
