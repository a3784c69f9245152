//! Fleet status history in a real SQLite store: results kept raw and in buckets, uptime
//! per endpoint, site and customer, retention, and the engine's memory across restarts.
#![allow(clippy::unwrap_used)]

use fieldline_core::checks::Observation;
use fieldline_core::{CheckKind, CheckState, Fleet};
use fieldline_store::status::RETENTION;
use fieldline_store::Store;

const FLEET: &str = r#"
[[customers]]
id = "acme"
name = "ACME"
[[sites]]
id = "hq"
customer = "acme"
name = "HQ"
timezone = "Asia/Seoul"
[[sites]]
id = "dc"
customer = "acme"
name = "DC"
timezone = "Asia/Seoul"
[[endpoints]]
id = "web"
site = "hq"
host = "10.0.0.1"
[[endpoints.checks]]
kind = "http"
url = "http://{host}/"
[[endpoints.checks]]
kind = "tcp"
port = 22
[[endpoints]]
id = "db"
site = "dc"
host = "10.0.0.2"
[[endpoints.checks]]
kind = "tcp"
port = 5432
"#;

fn store() -> (tempfile::TempDir, Store, Fleet) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    let fleet = fieldline_core::fleet_file::parse("fleet.toml", FLEET).unwrap();
    store.import_fleet_file("fleet.toml", FLEET, true).unwrap();
    (dir, store, fleet)
}

fn row(endpoint: &str, check: u32, at: i64, state: CheckState, latency: f64) -> Observation {
    Observation {
        endpoint: endpoint.into(),
        check,
        kind: if endpoint == "web" && check == 0 {
            CheckKind::Http
        } else {
            CheckKind::Tcp
        },
        at,
        state,
        latency_ms: Some(latency),
        message: format!("{state:?}"),
    }
}

const NOW: i64 = 1_800_000_000; // a multiple of 3600

#[test]
fn uptime_rolls_up_from_checks_to_endpoints_sites_and_customers() {
    let (_dir, mut store, fleet) = store();
    let mut rows = Vec::new();
    // web: http up 9 of 10 minutes, tcp up all 10; db: down 5 of 10, one UNKNOWN not counted.
    for m in 0..10 {
        let at = NOW - 600 + m * 60;
        rows.push(row(
            "web",
            0,
            at,
            if m == 3 {
                CheckState::Crit
            } else {
                CheckState::Ok
            },
            20.0,
        ));
        rows.push(row("web", 1, at, CheckState::Warn, 5.0));
        let db = if m < 5 {
            CheckState::Crit
        } else {
            CheckState::Ok
        };
        rows.push(row("db", 0, at, db, 1.0));
    }
    rows.push(row("db", 0, NOW - 1, CheckState::Unknown, 1.0));
    store.record_results(&rows).unwrap();
    let up = store.uptime(&fleet, NOW, 86_400).unwrap();
    assert_eq!(up.endpoints["web"], 19.0 / 20.0, "WARN counts as up");
    assert_eq!(up.endpoints["db"], 0.5, "UNKNOWN counts neither way");
    assert_eq!(up.sites["hq"], 0.95);
    assert_eq!(up.sites["dc"], 0.5);
    assert_eq!(up.customers["acme"], (0.95 + 0.5) / 2.0);
    // Only the window counts: an hour ago everything was down.
    store
        .record_results(&[row("db", 0, NOW - 7200, CheckState::Crit, 1.0)])
        .unwrap();
    assert_eq!(
        store.uptime(&fleet, NOW, 3600).unwrap().endpoints["db"],
        0.5
    );
    assert!(store.uptime(&fleet, NOW, 86_400).unwrap().endpoints["db"] < 0.5);
}

#[test]
fn history_comes_raw_for_hours_and_in_buckets_for_days() {
    let (_dir, mut store, _fleet) = store();
    let rows: Vec<Observation> = (0..120)
        .map(|m| {
            row(
                "web",
                0,
                NOW - 7200 + m * 60,
                if m % 10 == 0 {
                    CheckState::Crit
                } else {
                    CheckState::Ok
                },
                m as f64,
            )
        })
        .collect();
    store.record_results(&rows).unwrap();
    let raw = store
        .status_history("web", 0, NOW - 3600, NOW, NOW)
        .unwrap();
    assert_eq!(raw.len(), 60);
    assert_eq!(raw[0].at, NOW - 3600);
    let day = store
        .status_history("web", 0, NOW - 86_400, NOW, NOW)
        .unwrap();
    assert_eq!(day.len(), 24, "5-minute buckets over the two hours");
    assert_eq!(
        day[0].state,
        CheckState::Crit,
        "a bucket shows its worst state"
    );
    assert_eq!(day[0].up, Some(0.8));
    assert_eq!(day[0].latency_ms, Some(2.0), "mean of 0..=4");
    assert_eq!(day[0].latency_max_ms, Some(4.0));
    let year = store
        .status_history("web", 0, NOW - 200 * 86_400, NOW, NOW)
        .unwrap();
    assert_eq!(year.len(), 2, "hourly buckets");
    assert_eq!(year[0].up, Some(54.0 / 60.0));
    assert!(store
        .status_history("nobody", 0, NOW - 3600, NOW, NOW)
        .unwrap()
        .is_empty());
}

#[test]
fn each_resolution_ages_out_on_its_own_schedule() {
    let (_dir, mut store, fleet) = store();
    let old = NOW - 40 * 86_400;
    store
        .record_results(&[
            row("web", 0, old, CheckState::Ok, 1.0),
            row("web", 0, NOW - 3 * 86_400, CheckState::Crit, 1.0),
        ])
        .unwrap();
    assert_eq!(RETENTION.len(), 3);
    let gone = store.prune_status(NOW).unwrap();
    assert_eq!(
        gone,
        2 + 1,
        "both raw results (> 48 h) and the 5-minute bucket of 40 days ago"
    );
    assert!(store
        .status_history("web", 0, NOW - 4 * 86_400, NOW - 2 * 86_400, NOW)
        .unwrap()
        .iter()
        .any(|p| p.state == CheckState::Crit));
    let year = store
        .status_history("web", 0, NOW - 100 * 86_400, NOW, NOW)
        .unwrap();
    assert_eq!(year.len(), 2, "hourly buckets are kept a year");
    assert_eq!(
        store.uptime(&fleet, NOW, 90 * 86_400).unwrap().endpoints["web"],
        0.5
    );
}

#[test]
fn repeated_messages_are_kept_once_and_removed_checks_lose_their_history() {
    let (_dir, mut store, fleet) = store();
    let rows: Vec<Observation> = (0..100)
        .map(|i| row("web", 1, NOW - 100 + i, CheckState::Ok, 1.0))
        .collect();
    store.record_results(&rows).unwrap();
    store
        .record_results(&[row("web", 1, NOW, CheckState::Ok, 1.0)])
        .unwrap();
    let conn = rusqlite::Connection::open(store.path()).unwrap();
    let messages: i64 = conn
        .query_row("SELECT COUNT(message) FROM status_raw", [], |r| r.get(0))
        .unwrap();
    assert_eq!(messages, 1);
    // The fleet loses the tcp check of web: its history goes.
    store
        .record_results(&[row("db", 0, NOW, CheckState::Ok, 1.0)])
        .unwrap();
    let mut smaller = fleet.clone();
    smaller
        .endpoints
        .iter_mut()
        .find(|e| e.id == "web")
        .unwrap()
        .checks
        .truncate(1);
    assert_eq!(store.forget_status_outside(&smaller).unwrap(), 1);
    assert!(store
        .status_history("web", 1, NOW - 3600, NOW, NOW)
        .unwrap()
        .is_empty());
    assert_eq!(
        store
            .status_history("db", 0, NOW - 3600, NOW, NOW)
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn the_engine_memory_survives_a_restart() {
    let (dir, mut store, _fleet) = store();
    store
        .save_status_trackers(&[(
            "web".into(),
            0,
            CheckKind::Http,
            r#"{"hard":"CRIT"}"#.into(),
        )])
        .unwrap();
    drop(store);
    let store = Store::open(dir.path()).unwrap();
    let kept = store.status_trackers().unwrap();
    assert_eq!(
        kept,
        vec![(
            "web".to_string(),
            0,
            CheckKind::Http,
            r#"{"hard":"CRIT"}"#.to_string()
        )]
    );
}
