//! `fieldline maintenance` and `fieldline ack` as a technician types them: a real store in a
//! temp folder, windows checked against the fleet, clear refusals.
#![allow(clippy::unwrap_used)]

use std::process::Output;
mod support;
use support::fieldline;

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

const FLEET: &str = include_str!("../../../tests/fixtures/acme.toml");

#[test]
fn windows_and_acknowledgements_are_added_listed_refused_and_removed() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("fleet.toml");
    std::fs::write(&file, FLEET).unwrap();
    assert!(fieldline(
        dir.path(),
        &["fleet", "import", "--yes", file.to_str().unwrap()]
    )
    .status
    .success());

    let out = fieldline(
        dir.path(),
        &[
            "maintenance",
            "add",
            "--site",
            "acme-hq",
            "--weekly",
            "sun,sat",
            "--at",
            "02:00",
            "--for",
            "2h",
            "--reason",
            "patching",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains(
            "#1 site acme-hq every sun,sat at 02:00 for 120 min (site time), alerts held: patching"
        ),
        "{}",
        text(&out)
    );
    let out = fieldline(
        dir.path(),
        &[
            "maintenance",
            "add",
            "--endpoint",
            "acme-web1",
            "--from",
            "2026-11-29T00:00:00Z",
            "--to",
            "2026-11-29T03:00:00Z",
            "--stop-checking",
        ],
    );
    assert!(text(&out).contains("checks stopped"), "{}", text(&out));

    let out = fieldline(
        dir.path(),
        &[
            "maintenance",
            "add",
            "--site",
            "nowhere",
            "--weekly",
            "sun",
            "--at",
            "02:00",
            "--for",
            "1h",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out).contains("no site with id \"nowhere\""),
        "{}",
        text(&out)
    );
    let out = fieldline(
        dir.path(),
        &[
            "maintenance",
            "add",
            "--site",
            "acme-hq",
            "--weekly",
            "someday",
            "--at",
            "02:00",
            "--for",
            "1h",
        ],
    );
    assert!(
        text(&out).contains("\"someday\" is not a day"),
        "{}",
        text(&out)
    );
    let out = fieldline(
        dir.path(),
        &[
            "maintenance",
            "add",
            "--site",
            "acme-hq",
            "--from",
            "2026-11-29T03:00:00Z",
            "--to",
            "2026-11-29T01:00:00Z",
        ],
    );
    assert!(
        text(&out).contains("ends before it starts"),
        "{}",
        text(&out)
    );

    let listed: serde_json::Value =
        serde_json::from_slice(&fieldline(dir.path(), &["maintenance", "list", "--json"]).stdout)
            .unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 2);
    assert_eq!(listed[0]["schedule"]["kind"], "weekly");
    assert_eq!(listed[1]["mode"], "stop_checking");

    let out = fieldline(
        dir.path(),
        &[
            "ack",
            "add",
            "acme-web1",
            "--check",
            "0",
            "--comment",
            "disk ordered",
            "--for",
            "4h",
        ],
    );
    assert!(
        text(&out).contains("acknowledged #1: acme-web1 (check 0): disk ordered"),
        "{}",
        text(&out)
    );
    let out = fieldline(
        dir.path(),
        &["ack", "add", "acme-web1", "--check", "5", "--comment", "x"],
    );
    assert!(text(&out).contains("there is no check 5"), "{}", text(&out));
    let out = fieldline(dir.path(), &["ack", "add", "acme-web1", "--comment", " "]);
    assert!(text(&out).contains("says why"), "{}", text(&out));
    let acks: serde_json::Value =
        serde_json::from_slice(&fieldline(dir.path(), &["ack", "list", "--json"]).stdout).unwrap();
    assert_eq!(
        acks[0]["until"].as_i64().unwrap() - acks[0]["at"].as_i64().unwrap(),
        4 * 3600
    );

    assert!(fieldline(dir.path(), &["maintenance", "remove", "1"])
        .status
        .success());
    assert!(fieldline(dir.path(), &["ack", "remove", "1"])
        .status
        .success());
    let out = fieldline(dir.path(), &["maintenance", "remove", "1"]);
    assert!(
        text(&out).contains("no maintenance window #1"),
        "{}",
        text(&out)
    );
    assert!(text(&fieldline(dir.path(), &["ack", "list"])).contains("no acknowledgements"));
}
