//! `fieldline ssh`, `fieldline run`, `fieldline ssh-profile`, `known-hosts` and `audit`
//! end to end: the real CLI binary, real OpenSSH servers (a two-hop jump chain) and a real
//! Secret Service (GNOME Keyring on a private bus) holding the private key, all started
//! by the test.
#![allow(clippy::unwrap_used)]

#[path = "../../fieldline-keychain/tests/support/keychain.rs"]
mod keychain;
#[path = "../../fieldline-monitor/tests/support/sshd.rs"]
mod sshd;

use serde_json::Value;
use sshd::{Chain, KeyKind, Options, Sshd};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

struct Cli<'a> {
    data: &'a Path,
    env: Vec<(String, String)>,
}

impl Cli<'_> {
    fn run(&self, args: &[&str], stdin: Option<&str>) -> Output {
        let mut child = Command::new(env!("CARGO_BIN_EXE_fieldline"))
            .args(args)
            .env("FIELDLINE_DATA_DIR", self.data)
            .env_remove("SSH_AUTH_SOCK")
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
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

    fn ok(&self, args: &[&str], stdin: Option<&str>) -> String {
        let out = self.run(args, stdin);
        assert!(
            out.status.success(),
            "fieldline {args:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A fleet: the chain's three hosts at one site, and two more web hosts at another
/// customer's site; every endpoint logs in with the profile `ops`.
fn fleet_file(dir: &Path, chain: &Chain, web: &[&Sshd]) -> std::path::PathBuf {
    let mut toml = String::from(
        "[[customers]]\nid = \"acme\"\nname = \"ACME\"\n\n[[customers]]\nid = \"hanbit\"\nname = \"한빛\"\n\n\
         [[sites]]\nid = \"acme-hq\"\ncustomer = \"acme\"\nname = \"HQ\"\ntimezone = \"Asia/Seoul\"\n\n\
         [[sites]]\nid = \"hanbit-dc\"\ncustomer = \"hanbit\"\nname = \"DC\"\ntimezone = \"Asia/Seoul\"\n",
    );
    let endpoint = |id: &str, site: &str, port: u16, jump: Option<&str>| {
        let jump = jump
            .map(|j| format!(", jump = \"{j}\""))
            .unwrap_or_default();
        format!(
            "\n[[endpoints]]\nid = \"{id}\"\nsite = \"{site}\"\nhost = \"127.0.0.1\"\ntags = [\"linux\"]\n\
             ssh = {{ user = \"{}\", port = {port}, credential = \"ops\"{jump} }}\n",
            sshd::USER
        )
    };
    toml += &endpoint("bastion", "acme-hq", chain.jump1.port(), None);
    toml += &endpoint("inner", "acme-hq", chain.jump2.port(), Some("bastion"));
    toml += &endpoint("db", "acme-hq", chain.target.port(), Some("inner"));
    for (i, s) in web.iter().enumerate() {
        toml += &endpoint(&format!("web-{i}"), "hanbit-dc", s.port(), None);
    }
    let path = dir.join("fleet.toml");
    std::fs::write(&path, toml).unwrap();
    path
}

#[test]
fn a_host_behind_two_jumps_with_its_key_from_the_keychain_and_a_changed_key_stops_everything() {
    let keyring = keychain::GnomeKeyring::start().unwrap();
    let mut chain = Chain::start().unwrap();
    let web = Sshd::start_sharing_keys(Options::default(), &chain.jump1).unwrap();
    let data = tempfile::tempdir().unwrap();
    let cli = Cli {
        data: data.path(),
        env: keyring.envs(),
    };
    let file = fleet_file(data.path(), &chain, &[&web]);
    cli.ok(&["fleet", "import", "--yes", file.to_str().unwrap()], None);

    // The private key goes into the keychain, never into the data folder.
    let key = std::fs::read_to_string(chain.jump1.user_key_path(KeyKind::Ed25519)).unwrap();
    cli.ok(
        &[
            "ssh-profile",
            "add",
            "ops",
            "--method",
            "key",
            "--key-stdin",
        ],
        Some(&key),
    );
    let listed = cli.ok(&["ssh-profile", "list"], None);
    assert!(
        listed.contains("ops") && listed.contains("keychain: key"),
        "{listed}"
    );

    // First contact, no terminal to ask: refused under the default policy, nothing sent.
    let out = cli.run(&["ssh", "db", "--", "true"], None);
    assert!(!out.status.success());
    assert!(text(&out).contains("SHA256:"), "{}", text(&out));
    assert_eq!(chain.jump1.auth_attempts_in_log(), 0);

    // accept-new: through bastion and inner to db; the command's output and exit status.
    let out = cli.run(
        &[
            "ssh",
            "db",
            "--strict",
            "accept-new",
            "--",
            "echo reached-$((40+2)); exit 7",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(7), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("reached-42"));
    let port = |s: &Sshd| format!("127.0.0.1:{}", s.port());
    assert!(chain
        .jump1
        .direct_tcpip_targets_in_log()
        .contains(&port(&chain.jump2)));
    assert!(chain
        .jump2
        .direct_tcpip_targets_in_log()
        .contains(&port(&chain.target)));
    let known = cli.ok(&["known-hosts", "list"], None);
    assert_eq!(known.lines().count(), 3, "{known}");

    // Fan-out to a site, confirmed with --yes; per-host exit status and output in JSON.
    let out = cli.ok(
        &[
            "run",
            "site:acme-hq",
            "--yes",
            "--json",
            "--strict",
            "yes",
            "--",
            "echo host-$((1+1))",
        ],
        None,
    );
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["summary"]["hosts"], 3);
    assert_eq!(doc["summary"]["ok"], 3, "{doc}");
    for host in doc["hosts"].as_array().unwrap() {
        assert_eq!(host["exit"], 0);
        assert!(host["output"].as_str().unwrap().contains("host-2"));
    }
    // Without --yes and without a terminal: nothing runs, and it says how many hosts.
    let out = cli.run(
        &[
            "run",
            "tag:linux",
            "--strict",
            "accept-new",
            "--",
            "touch /tmp/x",
        ],
        None,
    );
    assert!(!out.status.success());
    assert!(
        text(&out).contains("4 hosts of 2 customers")
            && text(&out).contains("there is no terminal to ask"),
        "{}",
        text(&out)
    );

    // Hosts from an OpenSSH client configuration: `app` jumps through `gw`, as written.
    let config = data.path().join("ssh_config");
    std::fs::write(
        &config,
        format!(
            "Host gw\n  HostName 127.0.0.1\n  Port {}\n  User {user}\n\
             Host app\n  HostName 127.0.0.1\n  Port {}\n  User {user}\n  ProxyJump gw\n",
            chain.jump1.port(),
            chain.jump2.port(),
            user = sshd::USER
        ),
    )
    .unwrap();
    let imported = cli.ok(
        &[
            "ssh-import",
            "--yes",
            "--site",
            "hanbit-dc",
            "--file",
            config.to_str().unwrap(),
            "--profile",
            "ops",
        ],
        None,
    );
    assert!(imported.contains("2 endpoint(s) added"), "{imported}");
    let out = cli.run(
        &["ssh", "app", "--strict", "yes", "--", "echo imported-ok"],
        None,
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("imported-ok"));

    // The inner jump's key changes: everything stops before any credential leaves.
    let before = (
        chain.jump2.auth_attempts_in_log(),
        chain.target.auth_attempts_in_log(),
    );
    let new_fingerprint = chain.jump2.restart_with_new_host_key().unwrap();
    let out = cli.run(&["ssh", "db", "--strict", "accept-new", "--", "true"], None);
    assert_eq!(out.status.code(), Some(255));
    let said = text(&out);
    assert!(said.contains(&new_fingerprint), "{said}");
    assert!(said.to_lowercase().contains("changed"), "{said}");
    let key_body = key.lines().nth(1).unwrap();
    assert!(!said.contains(key_body), "no secret in the message");
    // sshd -E appends: no authentication request was added on jump2 or on the target.
    assert_eq!(chain.jump2.auth_attempts_in_log(), before.0);
    assert_eq!(chain.target.auth_attempts_in_log(), before.1);

    // The audit log: sessions and the fan-out, chained; export for one customer.
    let verified = cli.ok(&["audit", "verify"], None);
    assert!(verified.contains("chain intact"), "{verified}");
    let export = data.path().join("acme-export");
    cli.ok(
        &[
            "audit",
            "export",
            "--customer",
            "acme",
            "--out",
            export.to_str().unwrap(),
        ],
        None,
    );
    let exported = std::fs::read_to_string(export.join("audit.jsonl")).unwrap();
    assert!(exported.contains("command_run"), "{exported}");
    assert!(!exported.contains("hanbit\""), "only acme's entries");

    // The key is in no file of the data folder.
    let marker = key.lines().nth(1).unwrap();
    for entry in walk(data.path()) {
        let bytes = std::fs::read(&entry).unwrap_or_default();
        assert!(
            !String::from_utf8_lossy(&bytes).contains(marker),
            "the private key is in {}",
            entry.display()
        );
    }
    drop(web);
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}
