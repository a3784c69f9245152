//! Losing the way to a customer must not page anyone: a real node_exporter inside a
//! network namespace (the customer's site) is watched by the engine with the real lookout
//! (`vantage`); the test cuts the link (the host side loses carrier, as a pulled cable or
//! a dropped Wi-Fi would) and restores it. Meanwhile a loopback service that really stops
//! still alerts: the engine stays honest about real failures.
#![allow(clippy::unwrap_used)]

#[rustfmt::skip]
#[path = "support/faults.rs"]
mod faults;

use fieldline_core::{CheckState, Fleet};
use fieldline_monitor::alerts::AlertKind;
use fieldline_monitor::engine::{run, Batch, EngineConfig};
use fieldline_monitor::probe::Prober;
use fieldline_monitor::vantage::Vantage;
use std::collections::HashMap;
use std::net::TcpListener;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, watch};

fn fleet(island_ip: &str, island_port: u16, local_port: u16) -> Fleet {
    let text = format!(
        r#"
[[customers]]
id = "acme"
name = "ACME"
[[sites]]
id = "acme-hq"
customer = "acme"
name = "HQ"
timezone = "Asia/Seoul"
[[endpoints]]
id = "acme-srv"
site = "acme-hq"
host = "{island_ip}"
[[endpoints.checks]]
kind = "tcp"
port = {island_port}
interval = "1s"
timeout = "1s"
[[endpoints.checks]]
kind = "node_exporter"
url = "http://{{host}}:{island_port}/metrics"
interval = "1s"
timeout = "1s"
cpu_warn = 100
cpu_crit = 100
load_warn = 1000
load_crit = 1000
disk_warn = 100
disk_crit = 100
memory_warn = 100
memory_crit = 100
updates_warn = 0
reboot_required = false
failed_units = false
[[endpoints]]
id = "laptop-svc"
site = "acme-hq"
host = "127.0.0.1"
[[endpoints.checks]]
kind = "tcp"
port = {local_port}
interval = "1s"
timeout = "1s"
"#
    );
    fieldline_core::fleet_file::parse("fleet.toml", &text).unwrap()
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn collect(
    rx: &mut mpsc::Receiver<Batch>,
    seen: &mut Vec<Batch>,
    limit: Duration,
    what: &str,
    done: impl Fn(&[Batch]) -> bool,
) {
    let deadline = Instant::now() + limit;
    while !done(seen) {
        match tokio::time::timeout(
            deadline.saturating_duration_since(Instant::now()),
            rx.recv(),
        )
        .await
        {
            Ok(Some(b)) => seen.push(b),
            _ => panic!("{what}: not within {limit:?}"),
        }
    }
}

fn latest(seen: &[Batch], endpoint: &str, check: u32) -> Option<(CheckState, CheckState, String)> {
    seen.iter()
        .rev()
        .flat_map(|b| b.statuses.iter().rev())
        .find(|s| s.endpoint == endpoint && s.check == check)
        .map(|s| (s.state, s.hard, s.message.clone()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cutting_the_link_to_a_site_gives_stale_and_no_alert_and_it_resumes_by_itself() {
    let island = faults::Island::new().unwrap();
    let port = 9100;
    let mut exporter = island.command("/usr/bin/prometheus-node-exporter");
    exporter
        .arg(format!("--web.listen-address={}:{port}", island.inner_ip()))
        .arg("--no-collector.systemd");
    island.spawn(exporter).unwrap();
    let local_port = free_port();
    let local = TcpListener::bind(("127.0.0.1", local_port)).unwrap();

    let vantage = Vantage::default();
    let _watch = vantage.watch(Duration::from_secs(1));
    let (_fleet_tx, fleet_rx) = watch::channel(Arc::new(fleet(
        &island.inner_ip().to_string(),
        port,
        local_port,
    )));
    let (tx, mut rx) = mpsc::channel(64);
    let config = EngineConfig {
        start_spread: Duration::from_millis(200),
        ..EngineConfig::default()
    };
    tokio::spawn(run(
        Arc::new(Prober::default()),
        Arc::new(vantage),
        config,
        fleet_rx,
        HashMap::new(),
        tx,
    ));
    let mut seen = Vec::new();

    let all_ok = |s: &[Batch]| {
        [("acme-srv", 0), ("acme-srv", 1), ("laptop-svc", 0)]
            .iter()
            .all(|(e, c)| latest(s, e, *c).is_some_and(|(state, _, _)| state == CheckState::Ok))
    };
    collect(
        &mut rx,
        &mut seen,
        Duration::from_secs(20),
        "all OK at first",
        all_ok,
    )
    .await;

    // The cable to the site is pulled, and at the same time a service on this laptop stops.
    island.cut().unwrap();
    drop(local);
    let cut_at = seen.len();
    collect(
        &mut rx,
        &mut seen,
        Duration::from_secs(15),
        "the site's checks STALE",
        |s| {
            [0, 1].iter().all(|c| {
                latest(s, "acme-srv", *c).is_some_and(|(state, _, _)| state == CheckState::Stale)
            })
        },
    )
    .await;
    // Several more rounds while cut: still STALE, nothing alerted for the site.
    let until = Instant::now() + Duration::from_secs(5);
    while Instant::now() < until {
        if let Ok(Some(b)) = tokio::time::timeout(Duration::from_millis(500), rx.recv()).await {
            seen.push(b);
        }
    }
    for c in [0, 1] {
        let (state, hard, message) = latest(&seen, "acme-srv", c).unwrap();
        assert_eq!(
            (state, hard),
            (CheckState::Stale, CheckState::Ok),
            "{message}"
        );
        assert!(
            message.contains("no carrier") && message.contains("last known: OK"),
            "{message}"
        );
    }
    let alerts: Vec<_> = seen[cut_at..]
        .iter()
        .flat_map(|b| b.alerts.clone())
        .collect();
    assert!(
        !alerts.iter().any(|a| a.endpoint == "acme-srv"),
        "no alert for the site while the way is cut: {alerts:?}"
    );
    // The laptop's own service that really stopped does alert: honest about real failures.
    assert!(
        alerts
            .iter()
            .any(|a| a.endpoint == "laptop-svc" && a.kind == AlertKind::Problem),
        "{alerts:?}"
    );

    // The link comes back: checking resumes by itself, OK again, still no alert for the site.
    island.restore().unwrap();
    let back_at = seen.len();
    collect(
        &mut rx,
        &mut seen,
        Duration::from_secs(20),
        "the site OK again",
        |s| {
            [0, 1].iter().all(|c| {
                latest(s, "acme-srv", *c).is_some_and(|(state, _, _)| state == CheckState::Ok)
            })
        },
    )
    .await;
    assert!(!seen[back_at..]
        .iter()
        .flat_map(|b| &b.alerts)
        .any(|a| a.endpoint == "acme-srv"));
    // STALE is not a result: the site's history shows no failure while the way was cut.
    assert!(seen[cut_at..back_at]
        .iter()
        .flat_map(|b| &b.results)
        .filter(|r| r.endpoint == "acme-srv")
        .all(|r| r.state == CheckState::Ok));
}
