//! `fieldline check` and `fieldline watch` as a script runs them: a fleet file whose checks
//! point at a real HTTP server and real ports on loopback (started here), the JSON a
//! script reads, and the exit status monitoring tools expect (0 OK, 1 WARN, 2 CRIT, 3 error).
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::time::Duration;
mod support;
use support::fieldline;

/// A small HTTP/1.1 server: `/ok` 200, `/slow` 200 after 400 ms, anything else 503 with
/// an HTML body (hostile text the output must carry as text).
fn http_server() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut reader = BufReader::new(&stream);
                let mut line = String::new();
                if reader.read_line(&mut line).is_err() {
                    return;
                }
                let path = line.split(' ').nth(1).unwrap_or("/").to_owned();
                loop {
                    let mut header = String::new();
                    match reader.read_line(&mut header) {
                        Ok(0) | Err(_) => return,
                        Ok(_) if header == "\r\n" => break,
                        Ok(_) => {}
                    }
                }
                let (status, body) = match path.as_str() {
                    "/ok" => ("200 OK", "ok".to_owned()),
                    "/slow" => {
                        std::thread::sleep(Duration::from_millis(400));
                        ("200 OK", "ok".to_owned())
                    }
                    _ => (
                        "503 Service Unavailable",
                        "<script>alert(1)</script>".to_owned(),
                    ),
                };
                let _ = (&stream).write_all(
                    format!("HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len())
                        .as_bytes(),
                );
            });
        }
    });
    port
}

fn closed_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn fleet_file(port: u16, down: u16) -> String {
    format!(
        r#"
[[customers]]
id = "acme"
name = "ACME Corp"

[[customers]]
id = "hanbit"
name = "Hanbit"

[[sites]]
id = "acme-hq"
customer = "acme"
name = "HQ"
timezone = "Asia/Seoul"

[[sites]]
id = "hanbit-dc"
customer = "hanbit"
name = "DC"
timezone = "Asia/Seoul"

[[endpoints]]
id = "acme-web"
site = "acme-hq"
host = "127.0.0.1"
tags = ["web"]
[[endpoints.checks]]
kind = "http"
url = "http://{{host}}:{port}/ok"
contains = "ok"
[[endpoints.checks]]
kind = "tcp"
port = {port}

[[endpoints]]
id = "acme-slow"
site = "acme-hq"
host = "127.0.0.1"
tags = ["web"]
[[endpoints.checks]]
kind = "http"
url = "http://127.0.0.1:{port}/slow"
warn_ms = 200

[[endpoints]]
id = "hanbit-app"
site = "hanbit-dc"
host = "127.0.0.1"
[[endpoints.checks]]
kind = "http"
url = "http://127.0.0.1:{port}/broken"

[[endpoints]]
id = "hanbit-nas"
site = "hanbit-dc"
host = "127.0.0.1"
[[endpoints.checks]]
kind = "tcp"
port = {down}
timeout = "2s"
"#
    )
}

fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("fleet.toml");
    std::fs::write(&file, fleet_file(http_server(), closed_port())).unwrap();
    let out = fieldline(dir.path(), &["fleet", "import", file.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir
}

#[test]
fn check_json_gives_every_endpoint_and_check_with_states_rolled_up() {
    let dir = setup();
    let out = fieldline(dir.path(), &["check", "--json"]);
    assert_eq!(out.status.code(), Some(2), "a CRIT anywhere: exit 2");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let endpoint = |id: &str| {
        report["endpoints"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["id"] == id)
            .unwrap_or_else(|| panic!("{id} in {report}"))
            .clone()
    };
    let web = endpoint("acme-web");
    assert_eq!(
        (
            web["customer"].as_str(),
            web["site"].as_str(),
            web["state"].as_str()
        ),
        (Some("acme"), Some("acme-hq"), Some("OK"))
    );
    assert_eq!(web["checks"][0]["kind"], "http");
    assert_eq!(web["checks"][0]["state"], "OK");
    assert!(web["checks"][0]["latency_ms"].as_f64().unwrap() > 0.0);
    assert_eq!(web["checks"][1]["kind"], "tcp");
    assert_eq!(endpoint("acme-slow")["state"], "WARN");
    assert!(endpoint("acme-slow")["checks"][0]["message"]
        .as_str()
        .unwrap()
        .contains("slow:"));
    let app = endpoint("hanbit-app");
    assert_eq!(app["state"], "CRIT");
    assert_eq!(
        app["checks"][0]["message"],
        "HTTP 503 Service Unavailable (expected 200-399)"
    );
    let nas = endpoint("hanbit-nas");
    assert_eq!(nas["state"], "CRIT");
    assert!(nas["checks"][0]["message"]
        .as_str()
        .unwrap()
        .contains("refused the connection"));
    let rollup = |list: &str, id: &str| {
        report[list]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .unwrap()["state"]
            .clone()
    };
    assert_eq!(rollup("customers", "acme"), "WARN");
    assert_eq!(rollup("customers", "hanbit"), "CRIT");
    assert_eq!(rollup("sites", "acme-hq"), "WARN");
    assert_eq!(report["state"], "CRIT");
}

#[test]
fn exit_status_follows_the_worst_state_of_the_selection() {
    let dir = setup();
    let code = |args: &[&str]| fieldline(dir.path(), args).status.code();
    assert_eq!(
        code(&["check", "--customer", "acme"]),
        Some(1),
        "WARN only: exit 1"
    );
    assert_eq!(
        code(&["check", "--site", "acme-hq", "--tag", "web"]),
        Some(1)
    );
    let out = fieldline(
        dir.path(),
        &["check", "--customer", "acme", "--tag", "nothing-has-it"],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "nothing to check is not a problem"
    );
    assert_eq!(code(&["check"]), Some(2));
    let out = fieldline(dir.path(), &["check", "--customer", "nobody"]);
    assert_eq!(out.status.code(), Some(3), "an error: exit 3");
    assert!(String::from_utf8_lossy(&out.stderr).contains("no customer with id \"nobody\""));
}

#[test]
fn check_text_lists_problems_first_and_counts_the_rest() {
    let dir = setup();
    let out = fieldline(dir.path(), &["check"]);
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("CRIT"), "{text}");
    let warn = lines.iter().position(|l| l.starts_with("WARN")).unwrap();
    assert!(
        lines.iter().rposition(|l| l.starts_with("CRIT")).unwrap() < warn,
        "{text}"
    );
    assert!(
        text.contains("acme-slow") && !text.contains("acme-web"),
        "{text}"
    );
    assert!(text.contains("4 endpoints, 5 checks"), "{text}");
    assert!(text.contains("1 fine, 3 with problems"), "{text}");
}

#[test]
fn watch_runs_rounds_and_stops_when_told() {
    let dir = setup();
    let out = fieldline(
        dir.path(),
        &[
            "watch",
            "--json",
            "--every",
            "1",
            "--rounds",
            "2",
            "--customer",
            "acme",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let rounds: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rounds.len(), 2);
    assert!(rounds.iter().all(|r| r["state"] == "WARN"));
}

#[test]
fn a_mistyped_check_is_refused_at_import_naming_the_parameter() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("fleet.toml");
    let text = fleet_file(1, 2).replace("contains = \"ok\"", "contians = \"ok\"");
    std::fs::write(&file, text).unwrap();
    let out = fieldline(dir.path(), &["fleet", "import", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("fleet.toml:")
            && err.contains("checks[0].contians")
            && err.contains("unknown field"),
        "{err}"
    );
}
