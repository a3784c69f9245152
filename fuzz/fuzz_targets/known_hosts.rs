//! Fuzzes the known_hosts readers: Fieldline's own file (`fieldline_ssh::known_hosts::
//! KnownHosts`: `list`, `check`, `key_types_for`, `entries_for`, `remove`, `remove_line`,
//! and `import_openssh` of a `~/.ssh/known_hosts`), `key_type_of_blob`, and the monitor's
//! `fieldline_monitor::probe::ssh_command::parse_known_hosts`. Host names, hashed ones
//! included, go through libssh2's matcher.
//!
//! The file API reads paths, so the input is written to a private temporary folder as the
//! file imported (and read as Fieldline's file too), and imported into an empty file there.
//! A crash is a panic (arithmetic overflow and debug assertions included, and an import
//! whose file does not list the lines it says it added), a hang (libFuzzer's `-timeout`),
//! memory beyond `-rss_limit_mb`, or a crash inside libssh2 (which is not instrumented).
#![no_main]

use fieldline_monitor::probe::ssh_command::parse_known_hosts;
use fieldline_ssh::known_hosts::{key_type_of_blob, KnownHosts};
use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;
use std::sync::OnceLock;

struct Folder {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

fn folder() -> &'static Folder {
    static DIR: OnceLock<Folder> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().to_path_buf();
        Folder { _dir: dir, path }
    })
}

/// An ed25519 public key blob (the one in the tests' seed lines): type name, then key.
const ED25519_B64: &str = "AAAAC3NzaC1lZDI1NTE5AAAAIMpxeGpStT7Q9gEpPy42WwL+ChRT8sG+boItm2qWPcgq";

fn ed25519_blob() -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(ED25519_B64)
        .unwrap_or_default()
}

const HOSTS: [(&str, u16); 3] = [("host.example", 22), ("10.0.0.1", 2222), ("h", 22)];

fuzz_target!(|data: &[u8]| {
    let _ = key_type_of_blob(data);
    let _ = parse_known_hosts(&String::from_utf8_lossy(data));

    let dir = &folder().path;
    let source = dir.join("openssh_known_hosts");
    let own = dir.join("known_hosts");
    if std::fs::write(&source, data).is_err() {
        return;
    }
    let _ = std::fs::remove_file(&own);
    let key = ed25519_blob();

    // The input as Fieldline's own file.
    let theirs = KnownHosts::new(&source);
    let _ = theirs.list();
    for (host, port) in HOSTS {
        let _ = theirs.check(host, port, "ssh-ed25519", &key);
        let _ = theirs.key_types_for(host, port);
    }

    // Imported into an empty file, then read and edited there.
    let mine = KnownHosts::new(&own);
    let Ok(report) = mine.import_openssh(&source) else {
        return;
    };
    if let Ok(listed) = mine.list() {
        assert_eq!(
            listed.len(),
            report.added,
            "the import says it added {} lines, the file lists {}",
            report.added,
            listed.len()
        );
    }
    for (host, port) in HOSTS {
        let _ = mine.check(host, port, "ssh-ed25519", &key);
        let _ = mine.entries_for(host, port);
    }
    let _ = mine.remove(HOSTS[0].0, HOSTS[0].1);
    let _ = mine.remove_line(1);
    let _ = mine.list();
});
