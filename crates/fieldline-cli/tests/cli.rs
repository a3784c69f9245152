//! The `fieldline` binary as a technician or a script uses it: real processes, a real
//! store in a temp folder, exit statuses and output.

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;
mod support;
use support::fieldline;

const FLEET: &str = include_str!("../../../tests/fixtures/acme.toml");

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write");
    path.display().to_string()
}

fn list_json(dir: &Path) -> serde_json::Value {
    let out = fieldline(dir, &["fleet", "list", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).expect("JSON")
}

#[test]
fn import_list_export_and_reimport_elsewhere_is_lossless() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    let file = write(tmp.path(), "fleet.toml", FLEET);
    let out = fieldline(&a, &["fleet", "import", "--yes", &file]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("imported 1 customers, 1 sites, 3 endpoints"),
        "{}",
        stdout(&out)
    );

    let tree = stdout(&fieldline(&a, &["fleet", "list"]));
    assert!(
        tree.contains("ACME Corp (acme)")
            && tree.contains("acme-web1")
            && tree.contains("Asia/Seoul"),
        "{tree}"
    );

    let exported = tmp.path().join("exported.toml");
    let out = fieldline(
        &a,
        &[
            "fleet",
            "export",
            "--format",
            "toml",
            "-o",
            &exported.display().to_string(),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let out = fieldline(
        &b,
        &["fleet", "import", "--yes", &exported.display().to_string()],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(list_json(&a), list_json(&b));
    let web = &list_json(&b)["endpoints"][2];
    assert_eq!(web["ssh"]["credential"], "acme-ops");
    assert_eq!(web["checks"][0]["params"]["url"], "https://10.0.0.5/health");
}

#[test]
fn a_bad_fleet_file_fails_with_every_problem_located_and_writes_nothing() {
    let tmp = tempfile::tempdir().expect("tmp");
    let bad = FLEET
        .replace(
            "parent = \"acme-router\"\nssh",
            "parent = \"acme-switch\"\nssh",
        )
        .replace("Asia/Seoul", "Seoul");
    let file = write(tmp.path(), "bad.toml", &bad);
    let out = fieldline(tmp.path(), &["fleet", "import", "--yes", &file]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("bad.toml:9: sites.acme-hq.timezone"), "{err}");
    assert!(
        err.contains(
            "bad.toml:28: endpoints.acme-web1.parent: unknown parent endpoint \"acme-switch\""
        ),
        "{err}"
    );
    assert!(err.contains("nothing was changed"), "{err}");
    assert_eq!(list_json(tmp.path())["customers"], serde_json::json!([]));
}

#[test]
fn csv_columns_are_guessed_or_mapped_and_bad_rows_block_the_import_unless_partial() {
    let tmp = tempfile::tempdir().expect("tmp");
    let file = write(tmp.path(), "fleet.toml", FLEET);
    assert!(fieldline(tmp.path(), &["fleet", "import", "--yes", &file])
        .status
        .success());
    let csv = write(
        tmp.path(),
        "hosts.csv",
        "Asset,Where,IP Address,Role\nacme-db1,acme-hq,10.0.0.9,linux db\nacme-bad,acme-hq,10.0.0.10 ,\nacme-x,nowhere,10.0.0.11,\n",
    );
    let out = fieldline(
        tmp.path(),
        &[
            "fleet",
            "import",
            &csv,
            "--map",
            "Asset=id",
            "--map",
            "Where=site",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(
        err.contains("hosts.csv:4: Where: unknown site \"nowhere\""),
        "{err}"
    );
    assert!(err.contains("nothing was changed"), "{err}");
    assert!(list_json(tmp.path())["endpoints"]
        .as_array()
        .is_some_and(|e| e.len() == 3));

    let out = fieldline(
        tmp.path(),
        &[
            "fleet",
            "import",
            &csv,
            "--map",
            "Asset=id",
            "--map",
            "Where=site",
            "--partial",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("imported 2 new and 0 updated"),
        "{}",
        stdout(&out)
    );
    let tagged = stdout(&fieldline(tmp.path(), &["fleet", "list", "--tag", "db"]));
    assert!(
        tagged.contains("acme-db1") && !tagged.contains("acme-web1"),
        "{tagged}"
    );

    let out = fieldline(
        tmp.path(),
        &["fleet", "import", "--yes", &csv, "--map", "Nope=id"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("has no column \"Nope\""),
        "{}",
        stderr(&out)
    );
}

#[test]
fn the_data_folder_comes_from_the_environment_when_no_flag_is_given() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = Command::new(env!("CARGO_BIN_EXE_fieldline"))
        .arg("info")
        .env("FIELDLINE_DATA_DIR", tmp.path())
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains(&tmp.path().display().to_string()));
    assert!(tmp.path().join("fieldline.db").exists());
}

#[test]
fn a_database_from_a_newer_fieldline_is_refused_with_exit_status_1() {
    let tmp = tempfile::tempdir().expect("tmp");
    assert!(fieldline(tmp.path(), &["info"]).status.success());
    let conn = rusqlite::Connection::open(tmp.path().join("fieldline.db")).expect("db");
    conn.pragma_update(None, "user_version", 42).expect("bump");
    drop(conn);
    let out = fieldline(tmp.path(), &["fleet", "list"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("newer Fieldline"), "{}", stderr(&out));
}

#[test]
fn usage_errors_exit_with_status_2() {
    let tmp = tempfile::tempdir().expect("tmp");
    assert_eq!(
        fieldline(tmp.path(), &["fleet", "frobnicate"])
            .status
            .code(),
        Some(2)
    );
}

fn http_get(port: u16, path: &str) -> String {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    write!(s, "GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").expect("send");
    let mut out = String::new();
    s.read_to_string(&mut out).expect("read");
    out
}

#[test]
fn demo_loads_a_labelled_fleet_and_answers_for_it_on_loopback() {
    use fieldline_core::demo::{DEMO_DOWN_PORT, DEMO_HTTP_PORT, DEMO_TCP_PORT};
    let tmp = tempfile::tempdir().expect("tmp");
    let mut child = Command::new(env!("CARGO_BIN_EXE_fieldline"))
        .arg("--data-dir")
        .arg(tmp.path())
        .args(["demo", "--for", "20"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("demo");
    let mut up = false;
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", DEMO_HTTP_PORT)).is_ok() {
            up = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(up, "the demo simulator did not start");
    assert!(http_get(DEMO_HTTP_PORT, "/health").starts_with("HTTP/1.1 200"));
    assert!(http_get(DEMO_HTTP_PORT, "/error").starts_with("HTTP/1.1 500"));
    let mut banner = String::new();
    std::net::TcpStream::connect(("127.0.0.1", DEMO_TCP_PORT))
        .expect("tcp")
        .read_to_string(&mut banner)
        .expect("banner");
    assert!(banner.starts_with("SSH-2.0-"), "{banner}");
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", DEMO_DOWN_PORT)).is_err(),
        "the NAS should be down"
    );
    let _ = child.kill();
    let _ = child.wait();

    let fleet = list_json(tmp.path());
    let customers = fleet["customers"].as_array().expect("customers");
    assert!(!customers.is_empty() && customers.iter().all(|c| c["demo"] == true));
}

#[test]
fn list_filters_by_customer_site_and_tag() {
    let tmp = tempfile::tempdir().expect("tmp");
    let file = write(tmp.path(), "fleet.toml", FLEET);
    assert!(fieldline(tmp.path(), &["fleet", "import", "--yes", &file])
        .status
        .success());
    assert!(fieldline(tmp.path(), &["demo", "--no-simulator"])
        .status
        .success());
    let ids = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["fleet", "list", "--json"];
        all.extend_from_slice(args);
        let out = fieldline(tmp.path(), &all);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
        ["customers", "sites", "endpoints"]
            .iter()
            .flat_map(|k| v[k].as_array().cloned().unwrap_or_default())
            .filter_map(|e| e["id"].as_str().map(str::to_string))
            .collect()
    };
    assert_eq!(
        ids(&["--customer", "acme"]),
        [
            "acme",
            "acme-hq",
            "acme-bastion",
            "acme-router",
            "acme-web1"
        ]
    );
    assert_eq!(
        ids(&["--tag", "web"]),
        [
            "acme",
            "demo-hanbit",
            "acme-hq",
            "demo-hanbit-seoul",
            "acme-web1",
            "demo-hanbit-web1"
        ]
    );
    assert_eq!(
        ids(&["--site", "demo-seorin-busan", "--tag", "firewall"]),
        ["demo-seorin", "demo-seorin-busan", "demo-seorin-fw"]
    );
    assert!(ids(&["--tag", "no-such-tag"]).is_empty());
}

const SLA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/sla.toml");

fn sla_due(args: &[&str]) -> serde_json::Value {
    let tmp = tempfile::tempdir().expect("tmp");
    let mut all = vec![
        "sla",
        "due",
        "--calendar",
        SLA,
        "--policy",
        "standard",
        "--json",
    ];
    all.extend_from_slice(args);
    let out = fieldline(tmp.path(), &all);
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).expect("JSON")
}

#[test]
fn the_sla_calculator_gives_due_times_in_the_customers_zone() {
    // Friday 16:00 + 4 business hours is Monday 11:00 in Seoul.
    let v = sla_due(&["--priority", "P2", "--opened", "2026-11-27 16:00"]);
    assert_eq!(v["resolution"]["due"], "2026-11-30T11:00:00+09:00");
    assert_eq!(v["first_response"]["due"], "2026-11-27T18:00:00+09:00");
    assert_eq!(v["resolution"]["thresholds"][2]["percent"], 90);
    assert_eq!(
        v["resolution"]["thresholds"][2]["at"],
        "2026-11-30T10:36:00+09:00"
    );

    // The same instant written in UTC gives the same answer.
    let utc = sla_due(&["--priority", "P2", "--opened", "2026-11-27T07:00:00Z"]);
    assert_eq!(utc["resolution"]["due"], v["resolution"]["due"]);

    // A pause spanning days: 1 h used before it, 3 h after it.
    let paused = sla_due(&[
        "--priority",
        "p2",
        "--opened",
        "2026-11-23 09:00",
        "--pause",
        "2026-11-23 10:00..2026-11-25 15:00",
    ]);
    assert_eq!(paused["resolution"]["due"], "2026-11-25T18:00:00+09:00");

    // Christmas is a holiday in this calendar; P1 runs around the clock through it.
    let p3 = sla_due(&["--priority", "P3", "--opened", "2026-12-24 17:00"]);
    // Thu 17-18 (1 h), Christmas closed, Mon 9 h, Tue 09:00 + 6 h.
    assert_eq!(p3["resolution"]["due"], "2026-12-29T15:00:00+09:00");
    let p1 = sla_due(&["--priority", "P1", "--opened", "2026-12-24 17:00"]);
    assert_eq!(p1["resolution"]["due"], "2026-12-24T21:00:00+09:00");
}

#[test]
fn the_sla_calculator_names_the_line_of_a_bad_policy_file() {
    let tmp = tempfile::tempdir().expect("tmp");
    let bad = std::fs::read_to_string(SLA)
        .expect("fixture")
        .replace("\"09:00-18:00\"]\ntue", "\"9-18\"]\ntue");
    let file = write(tmp.path(), "sla.toml", &bad);
    let out = fieldline(
        tmp.path(),
        &[
            "sla",
            "due",
            "--calendar",
            &file,
            "--policy",
            "standard",
            "--priority",
            "P2",
            "--opened",
            "2026-11-23 09:00",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out)
            .contains("sla.toml:5: calendars.seoul-office.mon: \"9-18\" is not opening hours"),
        "{}",
        stderr(&out)
    );
    let out = fieldline(
        tmp.path(),
        &[
            "sla",
            "due",
            "--calendar",
            SLA,
            "--policy",
            "gold",
            "--priority",
            "P2",
            "--opened",
            "2026-11-23 09:00",
        ],
    );
    assert!(
        stderr(&out).contains("no policy \"gold\"") && stderr(&out).contains("standard"),
        "{}",
        stderr(&out)
    );
}

fn at(dir: &Path, now: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fieldline"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env("FIELDLINE_NOW", now)
        .env_remove("FIELDLINE_DATA_DIR")
        .output()
        .expect("run fieldline")
}

fn ok(o: Output) -> String {
    assert!(o.status.success(), "{}", stderr(&o));
    stdout(&o)
}

const ICS: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:chuseok\r\nSUMMARY:Chuseok\r\nDTSTART;VALUE=DATE:20261124\r\nDTEND;VALUE=DATE:20261126\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

#[test]
fn tickets_and_their_sla_clocks_from_the_terminal() {
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path().join("data");
    ok(fieldline(
        &data,
        &[
            "fleet",
            "import",
            "--yes",
            &write(tmp.path(), "fleet.toml", FLEET),
        ],
    ));
    let sla = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/sla.toml"
    ))
    .expect("sla fixture");
    let policy = write(
        tmp.path(),
        "sla.toml",
        &format!("{sla}\n[contracts]\nacme = \"standard\"\n"),
    );
    assert!(ok(fieldline(&data, &["sla", "import", &policy])).contains("1 policies (standard)"));

    let opened = ok(fieldline(
        &data,
        &[
            "ticket",
            "open",
            "--customer",
            "acme",
            "--priority",
            "p2",
            "--at",
            "2026-11-24T09:00:00+09:00",
            "Printer",
            "down",
        ],
    ));
    assert!(
        opened.starts_with("#1 acme [P2 new standard] Printer down"),
        "{opened}"
    );
    ok(fieldline(
        &data,
        &[
            "ticket",
            "state",
            "1",
            "waiting_on_customer",
            "--at",
            "2026-11-24T09:30:00+09:00",
        ],
    ));
    ok(fieldline(
        &data,
        &[
            "ticket",
            "state",
            "1",
            "in_progress",
            "--at",
            "2026-11-24T13:00:00+09:00",
        ],
    ));
    ok(fieldline(
        &data,
        &[
            "ticket",
            "note",
            "1",
            "<b>fuser</b> ordered",
            "--at",
            "2026-11-24T13:05:00+09:00",
        ],
    ));

    // 14:00 KST: 30 min before the pause, 60 after: 90 of 120 minutes used.
    let now = "2026-11-24T14:00:00+09:00";
    let list: serde_json::Value =
        serde_json::from_str(&ok(at(&data, now, &["sla", "list", "--json"]))).expect("JSON");
    let first = &list[0]["clocks"][0];
    assert_eq!(first["kind"], "first_response");
    // The injected clock keeps running from its start, so a few milliseconds have passed.
    let remaining = first["remaining_secs"].as_i64().expect("secs");
    assert!((30 * 60 - 1..=30 * 60).contains(&remaining), "{remaining}");
    assert_eq!(first["level"], 75);
    assert_eq!(first["due"], "2026-11-24T05:30:00Z");
    let text = ok(at(&data, now, &["sla", "list"]));
    assert!(
        text.contains("first response")
            && (text.contains("0h 30m") || text.contains("0h 29m"))
            && text.contains("75%"),
        "{text}"
    );

    let e = fieldline(
        &data,
        &[
            "ticket",
            "respond",
            "1",
            "--at",
            "2026-11-24T08:00:00+09:00",
        ],
    );
    assert_eq!(e.status.code(), Some(1));
    assert!(
        stderr(&e).contains("cannot be dated before"),
        "{}",
        stderr(&e)
    );
    let e = fieldline(&data, &["ticket", "state", "1", "done"]);
    assert!(
        stderr(&e).contains("use new, in_progress"),
        "{}",
        stderr(&e)
    );

    ok(fieldline(
        &data,
        &[
            "ticket",
            "respond",
            "1",
            "--at",
            "2026-11-24T14:10:00+09:00",
        ],
    ));
    ok(fieldline(
        &data,
        &[
            "ticket",
            "time",
            "1",
            "45",
            "--on-site",
            "--at",
            "2026-11-24T15:00:00+09:00",
        ],
    ));
    ok(fieldline(
        &data,
        &[
            "ticket",
            "state",
            "1",
            "resolved",
            "--at",
            "2026-11-24T15:00:00+09:00",
        ],
    ));
    let csv = ok(at(
        &data,
        "2026-11-30T09:00:00+09:00",
        &["sla", "report", "--customer", "acme", "--month", "2026-11"],
    ));
    assert!(csv.contains("P2,1,1,0,0,1h 40m,1,0,0,2h 30m"), "{csv}");
    assert!(
        csv.contains(
            "1,\"Printer down\",P2,2026-11-24T00:00:00Z,resolved,met,1h 40m,met,2h 30m,45"
        ),
        "{csv}"
    );
    let html_path = tmp.path().join("report.html");
    ok(at(
        &data,
        "2026-11-30T09:00:00+09:00",
        &[
            "sla",
            "report",
            "--customer",
            "acme",
            "--month",
            "2026-11",
            "--format",
            "html",
            "-o",
            &html_path.display().to_string(),
        ],
    ));
    let html = std::fs::read_to_string(&html_path).expect("html");
    assert!(html.contains("SLA report: ACME Corp") && html.contains("Printer down"));
    assert_eq!(
        ok(at(&data, now, &["sla", "list"])).trim(),
        "no open SLA clocks"
    );
}

#[test]
fn holiday_files_are_read_from_the_policy_files_folder_only() {
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path().join("data");
    let conf = tmp.path().join("conf");
    std::fs::create_dir(&conf).expect("dir");
    ok(fieldline(
        &data,
        &[
            "fleet",
            "import",
            "--yes",
            &write(tmp.path(), "fleet.toml", FLEET),
        ],
    ));
    write(&conf, "korea.ics", ICS);
    write(tmp.path(), "outside.ics", ICS);
    let sla = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/sla.toml"
    ))
    .expect("sla fixture")
    .replace(
        "holidays = [\"2026-12-25\"]",
        "holidays = [\"2026-12-25\"]\nholidays_ics = [\"korea.ics\"]",
    );
    let policy = write(&conf, "sla.toml", &sla);
    ok(fieldline(&data, &["sla", "import", &policy]));
    // Opened Tuesday 24 November, a holiday (as is the 25th), P3 4 h: due Thursday 13:00.
    ok(fieldline(
        &data,
        &[
            "ticket",
            "open",
            "--customer",
            "acme",
            "--priority",
            "P3",
            "--policy",
            "standard",
            "--at",
            "2026-11-24T10:00:00+09:00",
            "VPN",
        ],
    ));
    let list: serde_json::Value = serde_json::from_str(&ok(at(
        &data,
        "2026-11-24T10:00:00+09:00",
        &["sla", "list", "--json"],
    )))
    .expect("JSON");
    assert_eq!(
        list[0]["clocks"][0]["due"], "2026-11-26T04:00:00Z",
        "{list}"
    );
    // The holidays were kept in the store: the same answer without the files.
    std::fs::remove_file(conf.join("korea.ics")).expect("rm");
    let again: serde_json::Value = serde_json::from_str(&ok(at(
        &data,
        "2026-11-24T10:00:00+09:00",
        &["sla", "list", "--json"],
    )))
    .expect("JSON");
    assert_eq!(again[0]["clocks"][0]["due"], "2026-11-26T04:00:00Z");

    let escaping = write(
        &conf,
        "bad.toml",
        &sla.replace("\"korea.ics\"", "\"../outside.ics\""),
    );
    let e = fieldline(&data, &["sla", "import", &escaping]);
    assert_eq!(e.status.code(), Some(1));
    assert!(stderr(&e).contains("no absolute paths"), "{}", stderr(&e));
    let unknown = write(
        &conf,
        "contract.toml",
        &format!("{sla}\n[contracts]\nacme = \"gold\"\n"),
    );
    let e = fieldline(&data, &["sla", "import", &unknown]);
    assert!(
        stderr(&e).contains("contracts.acme: unknown policy \"gold\""),
        "{}",
        stderr(&e)
    );
}
