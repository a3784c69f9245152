//! Fail closed: `fieldline ssh` and `fieldline run` refuse before connecting when the audit
//! log cannot be written, with a message naming the log and the OS error, and a non-zero
//! exit. "Before connecting" is checked on a local listener standing in for the host: it
//! counts every TCP connection (and, as the control, does see the CLI once the log is
//! fine). The log is made unwritable by putting a folder where the file should be, which
//! stops root as well.
#![allow(clippy::unwrap_used)]

use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn fieldline(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fieldline"))
        .args(args)
        .env("FIELDLINE_DATA_DIR", data)
        .env_remove("SSH_AUTH_SOCK")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A host that accepts TCP connections, counts them and hangs up at once.
struct Host {
    port: u16,
    connections: Arc<AtomicUsize>,
}

impl Host {
    fn start() -> Host {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let connections = Arc::new(AtomicUsize::new(0));
        let counted = connections.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                counted.fetch_add(1, Ordering::SeqCst);
                drop(stream);
            }
        });
        Host { port, connections }
    }

    fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

/// A data folder with one customer, one site and two endpoints on `host`, logging in with
/// the agent profile `ops` (no secret in any keychain needed).
fn data_folder(dir: &Path, host: &Host) -> std::path::PathBuf {
    let data = dir.join("data");
    let endpoint = |id: &str| {
        format!(
            "\n[[endpoints]]\nid = \"{id}\"\nsite = \"acme-hq\"\nhost = \"127.0.0.1\"\ntags = [\"linux\"]\n\
             ssh = {{ user = \"ops\", port = {}, credential = \"ops\" }}\n",
            host.port
        )
    };
    let fleet = format!(
        "[[customers]]\nid = \"acme\"\nname = \"ACME\"\n\n\
         [[sites]]\nid = \"acme-hq\"\ncustomer = \"acme\"\nname = \"HQ\"\ntimezone = \"Asia/Seoul\"\n{}{}",
        endpoint("web-1"),
        endpoint("web-2")
    );
    let file = dir.join("fleet.toml");
    std::fs::write(&file, fleet).unwrap();
    for args in [
        // --yes: the fleet's use of the profile `ops` is approved.
        vec!["fleet", "import", "--yes", file.to_str().unwrap()],
        vec!["ssh-profile", "add", "ops", "--method", "agent"],
    ] {
        let out = fieldline(&data, &args);
        assert!(out.status.success(), "{args:?}: {}", text(&out));
    }
    data
}

fn assert_refused_for_the_audit_log(out: &Output, audit: &Path, exit: i32) {
    let message = text(out);
    assert_eq!(out.status.code(), Some(exit), "{message}");
    assert!(message.contains("Not connecting"), "{message}");
    assert!(
        message.contains("the audit log cannot be written"),
        "{message}"
    );
    assert!(message.contains(&audit.display().to_string()), "{message}");
    assert!(message.contains("os error"), "{message}");
}

#[test]
fn ssh_and_run_refuse_before_connecting_when_the_audit_log_cannot_be_written() {
    let tmp = tempfile::tempdir().unwrap();
    let host = Host::start();
    let data = data_folder(tmp.path(), &host);
    let audit = data.join("audit.jsonl");
    std::fs::create_dir(&audit).unwrap();

    let out = fieldline(&data, &["ssh", "web-1", "--strict", "yes", "--", "true"]);
    assert_refused_for_the_audit_log(&out, &audit, 255);
    // Interactive: refused before a recording or a terminal is touched.
    let out = fieldline(&data, &["ssh", "web-1", "--strict", "accept-new"]);
    assert_refused_for_the_audit_log(&out, &audit, 255);
    assert!(
        !data.join("recordings").exists(),
        "no recording was started"
    );
    // Fan-out, confirmed or not: refused before the question and before any host.
    let out = fieldline(&data, &["run", "tag:linux", "--yes", "--", "true"]);
    assert_refused_for_the_audit_log(&out, &audit, 2);
    let out = fieldline(&data, &["run", "tag:linux", "--", "true"]);
    assert_refused_for_the_audit_log(&out, &audit, 2);
    assert!(!text(&out).contains("hosts of"), "{}", text(&out));

    assert_eq!(host.connections(), 0, "nothing connected to the host");
    assert!(
        !data.join("known_hosts").exists(),
        "no host key was looked at"
    );

    // The control: with the log back, the same command does reach the host (which hangs
    // up, so it fails there, not at the audit log).
    std::fs::remove_dir(&audit).unwrap();
    let out = fieldline(&data, &["ssh", "web-1", "--strict", "yes", "--", "true"]);
    assert!(!out.status.success());
    assert!(!text(&out).contains("audit log"), "{}", text(&out));
    let deadline = Instant::now() + Duration::from_secs(5);
    while host.connections() == 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(host.connections(), 1, "the control reached the host");
}

#[test]
fn a_damaged_audit_log_also_stops_sessions_before_connecting() {
    let tmp = tempfile::tempdir().unwrap();
    let host = Host::start();
    let data = data_folder(tmp.path(), &host);
    let audit = data.join("audit.jsonl");
    std::fs::write(&audit, "{\"seq\": 1, \"edited\": true}\n").unwrap();

    for (args, exit) in [
        (vec!["ssh", "web-1", "--strict", "yes", "--", "true"], 255),
        (vec!["run", "tag:linux", "--yes", "--", "true"], 2),
    ] {
        let out = fieldline(&data, &args);
        let message = text(&out);
        assert_eq!(out.status.code(), Some(exit), "{message}");
        assert!(message.contains("Not connecting"), "{message}");
        assert!(message.contains("is damaged"), "{message}");
        assert!(message.contains(&audit.display().to_string()), "{message}");
    }
    assert_eq!(host.connections(), 0);
    assert_eq!(
        std::fs::read_to_string(&audit).unwrap(),
        "{\"seq\": 1, \"edited\": true}\n",
        "the damaged log is kept as it was"
    );
}
