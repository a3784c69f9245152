//! The CLI asks through the operations layer's terminal confirmation before trusting a
//! file of host keys, forgetting a host key, or adding hosts of an OpenSSH configuration
//! with their credential bindings: without a terminal and without `--yes` nothing changes,
//! and the refusal names what would have been done.

use std::path::Path;
use std::process::Output;
mod support;
use support::fieldline;

/// A public host key (ed25519), as a known_hosts line of `host`.
fn key_line(host: &str) -> String {
    format!(
        "{host} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMpxeGpStT7Q9gEpPy42WwL+ChRT8sG+boItm2qWPcgq\n"
    )
}

const FINGERPRINT_PREFIX: &str = "SHA256:";

fn said(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn known(dir: &Path) -> String {
    let out = fieldline(dir, &["known-hosts", "list"]);
    assert!(out.status.success(), "{}", said(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn trusting_and_forgetting_host_keys_is_asked_first() {
    let data = tempfile::tempdir().expect("temp dir");
    let openssh = data.path().join("openssh_known_hosts");
    std::fs::write(&openssh, key_line("[10.9.8.7]:2222")).expect("write");
    let file = openssh.to_str().expect("path");

    // No terminal, no --yes: the question is shown, nothing is trusted.
    let out = fieldline(data.path(), &["known-hosts", "import", file]);
    assert!(!out.status.success());
    let refusal = said(&out);
    assert!(refusal.contains("trust the 1 host keys"), "{refusal}");
    assert!(refusal.contains("--yes"), "{refusal}");
    assert!(!known(data.path()).contains("10.9.8.7"));

    // Approved with --yes: trusted, and the log of the run says what was allowed.
    let out = fieldline(data.path(), &["known-hosts", "import", "--yes", file]);
    assert!(out.status.success(), "{}", said(&out));
    assert!(said(&out).contains("approved with --yes"), "{}", said(&out));
    assert!(known(data.path()).contains("[10.9.8.7]:2222"));

    // Forgetting it: asked, with the key's fingerprint; refused without a terminal.
    let out = fieldline(
        data.path(),
        &["known-hosts", "remove", "10.9.8.7", "--port", "2222"],
    );
    assert!(!out.status.success());
    let refusal = said(&out);
    assert!(refusal.contains("forget the host key"), "{refusal}");
    assert!(refusal.contains(FINGERPRINT_PREFIX), "{refusal}");
    assert!(known(data.path()).contains("[10.9.8.7]:2222"));

    let out = fieldline(
        data.path(),
        &[
            "known-hosts",
            "remove",
            "10.9.8.7",
            "--port",
            "2222",
            "--yes",
        ],
    );
    assert!(out.status.success(), "{}", said(&out));
    assert!(!known(data.path()).contains("10.9.8.7"));
    // The audit log holds the approved removal.
    let audit = std::fs::read_to_string(data.path().join("audit.jsonl")).expect("audit log");
    assert!(audit.contains("host_key_forgotten"), "{audit}");

    // Nothing known: a clear error, nothing asked.
    let out = fieldline(
        data.path(),
        &[
            "known-hosts",
            "remove",
            "10.9.8.7",
            "--port",
            "2222",
            "--yes",
        ],
    );
    assert!(!out.status.success());
    assert!(said(&out).contains("no key is known for 10.9.8.7:2222"));
}

#[test]
fn hosts_of_an_openssh_config_are_added_only_when_their_bindings_are_approved() {
    let data = tempfile::tempdir().expect("temp dir");
    let fleet = data.path().join("fleet.toml");
    std::fs::write(
        &fleet,
        "[[customers]]\nid = \"acme\"\nname = \"Acme\"\n\n[[sites]]\nid = \"acme-hq\"\ncustomer = \"acme\"\nname = \"HQ\"\ntimezone = \"Asia/Seoul\"\n",
    )
    .expect("fleet");
    let out = fieldline(
        data.path(),
        &["fleet", "import", fleet.to_str().expect("path")],
    );
    assert!(out.status.success(), "{}", said(&out));
    let out = fieldline(
        data.path(),
        &["ssh-profile", "add", "ops", "--method", "agent"],
    );
    assert!(out.status.success(), "{}", said(&out));
    let config = data.path().join("ssh_config");
    std::fs::write(
        &config,
        "Host gw\n  HostName 10.0.0.1\n  User admin\n\
         Host app\n  HostName 10.0.0.2\n  ProxyJump gw\n",
    )
    .expect("config");
    let args = [
        "ssh-import",
        "--site",
        "acme-hq",
        "--profile",
        "ops",
        "--file",
        config.to_str().expect("path"),
    ];
    let out = fieldline(data.path(), &args);
    assert!(!out.status.success());
    let refusal = said(&out);
    // Every binding and the jump are named.
    for item in ["gw", "app", "ops"] {
        assert!(refusal.contains(item), "{item}: {refusal}");
    }
    let listed = fieldline(data.path(), &["fleet", "list", "--json"]);
    assert!(!String::from_utf8_lossy(&listed.stdout).contains("10.0.0.2"));

    let mut approved = args.to_vec();
    approved.push("--yes");
    let out = fieldline(data.path(), &approved);
    assert!(out.status.success(), "{}", said(&out));
    assert!(said(&out).contains("2 endpoint(s) added"), "{}", said(&out));
    let listed = fieldline(data.path(), &["fleet", "list", "--json"]);
    assert!(String::from_utf8_lossy(&listed.stdout).contains("10.0.0.2"));
}
