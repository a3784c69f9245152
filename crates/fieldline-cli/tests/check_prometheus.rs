//! `fieldline check --prometheus`: the scale path. A real Prometheus scrapes a real
//! node_exporter (both started here, on loopback); the CLI reads Prometheus instead of
//! probing (`--no-probe`) and maps its `up` to the endpoint whose node_exporter check names
//! that address. When the exporter stops, Prometheus says so and the CLI exits 2.
#![allow(clippy::unwrap_used)]

#[path = "../../fieldline-monitor/tests/support/prom.rs"]
mod prom;

use std::time::Duration;
mod support;
use support::fieldline;

#[test]
fn check_reads_prometheus_and_maps_up_to_endpoints() {
    let ws = prom::Workspace::new().unwrap();
    let node = prom::NodeExporter::start(&ws).unwrap();
    let address = node.daemon.addr();
    let p = prom::Prometheus::start(
        &ws,
        prom::PrometheusOptions {
            jobs: vec![prom::Job::scrape("node", std::slice::from_ref(&address))],
            ..Default::default()
        },
    )
    .unwrap();
    p.wait_target_health(&address, Some("up"), Duration::from_secs(20))
        .unwrap();

    let dir = tempfile::tempdir().unwrap();
    let fleet = format!(
        r#"
[[customers]]
id = "acme"
name = "ACME"
[[sites]]
id = "hq"
customer = "acme"
name = "HQ"
timezone = "Asia/Seoul"
[[endpoints]]
id = "acme-db"
site = "hq"
host = "127.0.0.1"
[[endpoints.checks]]
kind = "node_exporter"
url = "http://{address}/metrics"
"#
    );
    let file = dir.path().join("fleet.toml");
    std::fs::write(&file, fleet).unwrap();
    assert!(
        fieldline(dir.path(), &["fleet", "import", file.to_str().unwrap()])
            .status
            .success()
    );
    let url = format!("http://{}/", p.daemon.addr());

    let out = fieldline(
        dir.path(),
        &["check", "--json", "--no-probe", "--prometheus", &url],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let db = &report["endpoints"][0];
    assert_eq!(db["id"], "acme-db");
    assert_eq!(
        db["checks"].as_array().map(Vec::len),
        Some(0),
        "--no-probe: nothing probed here"
    );
    assert_eq!(db["sources"][0]["state"], "OK", "{db}");
    assert_eq!(db["state"], "OK");

    node.daemon.stop();
    p.wait_target_health(&address, Some("down"), Duration::from_secs(20))
        .unwrap();
    let out = fieldline(
        dir.path(),
        &["check", "--json", "--no-probe", "--prometheus", &url],
    );
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let db = &report["endpoints"][0];
    assert_eq!(db["state"], "CRIT", "{db}");
    assert!(
        db["sources"][0]["message"]
            .as_str()
            .unwrap()
            .contains("down"),
        "{db}"
    );
    assert_eq!(report["customers"][0]["state"], "CRIT");

    // Prometheus gone: an error (exit 3) that says which address could not be read.
    p.daemon.stop();
    let out = fieldline(dir.path(), &["check", "--no-probe", "--prometheus", &url]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(&format!("cannot read Prometheus at {url}"))
    );
}
