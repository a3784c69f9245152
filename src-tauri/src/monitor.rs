//! Fleet status in the app: the monitoring engine (`fieldline_monitor::engine`) runs on
//! Tauri's async runtime; one thread of ours takes its batches, keeps them in the store
//! (on a connection of its own, never the window's), keeps the board the window reads
//! (`AppState::status`), emits `status-changed` (a few a second at most), and shows
//! alerts on the desktop. It notices fleet edits (the window's or the CLI's) through
//! SQLite's `data_version` and hands the engine the new fleet.

use crate::AppState;
use fieldline_core::maintenance::{quiet, Acknowledgement, MaintenanceWindow};
use fieldline_core::{CheckState, Fleet};
use fieldline_ipc::{events, OpenItem, StatusChanged};
use fieldline_monitor::alerts::{Alert, AlertKind, CheckKey};
use fieldline_monitor::engine::{run, Batch, CheckStatus, EngineConfig, Hush, HushFn, Offline};
use fieldline_monitor::probe::Prober;
use fieldline_monitor::state::Tracker;
use fieldline_monitor::vantage::Vantage;
use fieldline_notify::desktop::Desktop;
use fieldline_notify::engine::{entry, held_name, Sender};
use fieldline_notify::plan::{held_for, NotifySettings, Outgoing, Urgency};
use fieldline_store::notifications::CentreEntry;
use fieldline_store::Store;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tauri::{Emitter, Manager, Runtime};
use tokio::sync::{mpsc, watch};

/// Maintenance windows and acknowledgements as the store last had them.
type QuietData = Arc<std::sync::RwLock<(Vec<MaintenanceWindow>, Vec<Acknowledgement>)>>;

fn read_quiet(store: &Store) -> (Vec<MaintenanceWindow>, Vec<Acknowledgement>) {
    (
        store.maintenance().unwrap_or_default(),
        store.acknowledgements().unwrap_or_default(),
    )
}

/// The engine's question "is this check quiet now?", answered from the windows and
/// acknowledgements the store holds.
fn hush_from(data: QuietData) -> HushFn {
    Arc::new(move |fleet, key, now| {
        let Ok(data) = data.read() else {
            return Hush::None;
        };
        match quiet(fleet, &data.0, &data.1, &key.0, key.1, now) {
            Some((true, why)) => Hush::SkipCheck(why),
            Some((false, why)) => Hush::HoldAlerts(why),
            None => Hush::None,
        }
    })
}

/// How often aged-out history is deleted.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// What the window reads of fleet status.
#[derive(Default)]
pub struct StatusBoard {
    pub checks: HashMap<CheckKey, CheckStatus>,
    pub offline: Option<Offline>,
    /// What the Prometheus source last said (`crate::prom`).
    pub source: Option<fieldline_ipc::SourceView>,
}

pub fn start<R: Runtime>(app: tauri::AppHandle<R>) {
    let Some(dir) = app.state::<AppState>().data_dir.clone() else {
        return;
    };
    // `ssh_command` checks trust only the host keys in this data folder's known_hosts.
    fieldline_monitor::probe::ssh_command::set_data_dir(&dir);
    std::thread::spawn(move || {
        if let Err(e) = keep(&app, &dir) {
            eprintln!("fieldline-desktop: fleet status stopped: {e}");
        }
    });
}

fn keep<R: Runtime>(app: &tauri::AppHandle<R>, dir: &std::path::Path) -> Result<(), String> {
    let mut store = Store::open(dir).map_err(|e| e.to_string())?;
    let mut fleet = store.fleet().map_err(|e| e.to_string())?;
    let memory: HashMap<CheckKey, Tracker> = store
        .status_trackers()
        .map_err(|e| e.to_string())?
        .into_iter()
        .filter_map(|(endpoint, idx, _, json)| {
            Some(((endpoint, idx), serde_json::from_str(&json).ok()?))
        })
        .collect();
    let quiet_data: QuietData = Arc::new(std::sync::RwLock::new(read_quiet(&store)));
    let (fleet_tx, fleet_rx) = watch::channel(Arc::new(fleet.clone()));
    let (tx, mut rx) = mpsc::channel::<Batch>(16);
    // The laptop's view of the network: a failed probe of a host it cannot reach is STALE.
    let vantage = Vantage::default();
    let watcher = vantage.clone();
    // Looks again every 2 s so the offline banner comes and goes by itself; it stops when
    // the engine (the last holder of the vantage) stops.
    tauri::async_runtime::spawn(async move {
        drop(watcher.watch(Duration::from_secs(2)));
    });
    tauri::async_runtime::spawn(run(
        Arc::new(Prober::default()),
        Arc::new(vantage),
        EngineConfig {
            hush: Some(hush_from(quiet_data.clone())),
            ..EngineConfig::default()
        },
        fleet_rx,
        memory,
        tx,
    ));
    let desktop = Desktop::new("Fieldline");
    let clicked = app.clone();
    desktop.on_open(move |target| {
        crate::notifier::show_window(&clicked);
        let _ = clicked.emit(events::OPEN_ITEM, OpenItem { target });
    });
    let mut revision = store.external_revision().ok();
    let mut pruned = Instant::now() - PRUNE_EVERY;
    loop {
        let next = tauri::async_runtime::block_on(async {
            tokio::time::timeout(Duration::from_secs(1), rx.recv()).await
        });
        match next {
            Ok(None) => return Ok(()),
            Ok(Some(batch)) => {
                settle_acknowledgements(app, &mut store, &quiet_data, &batch);
                take(app, &mut store, &fleet, &desktop, batch);
            }
            Err(_) => {}
        }
        let now_revision = store.external_revision().ok();
        if now_revision != revision {
            revision = now_revision;
            if let Ok(mut data) = quiet_data.write() {
                *data = read_quiet(&store);
            }
            if let Ok(next) = store.fleet() {
                if next != fleet {
                    fleet = next;
                    let _ = store.forget_status_outside(&fleet);
                    if let Ok(mut board) = app.state::<AppState>().status.lock() {
                        board.checks.retain(|(e, i), _| {
                            fleet
                                .endpoint(e)
                                .is_some_and(|ep| (*i as usize) < ep.checks.len())
                        });
                    }
                    if fleet_tx.send(Arc::new(fleet.clone())).is_err() {
                        return Ok(());
                    }
                }
            }
        }
        if pruned.elapsed() >= PRUNE_EVERY {
            pruned = Instant::now();
            let _ = store.prune_status(fieldline_monitor::engine::now_unix());
        }
    }
}

/// Acknowledgements end when their check is OK again (endpoint-wide ones when the whole
/// endpoint is), or when they expire.
fn settle_acknowledgements<R: Runtime>(
    app: &tauri::AppHandle<R>,
    store: &mut Store,
    data: &QuietData,
    batch: &Batch,
) {
    let acked: Vec<String> = match data.read() {
        Ok(d) => d.1.iter().map(|a| a.endpoint.clone()).collect(),
        Err(_) => return,
    };
    if acked.is_empty() {
        return;
    }
    let now = fieldline_monitor::engine::now_unix();
    let mut settled = 0;
    for s in batch
        .statuses
        .iter()
        .filter(|s| s.hard == CheckState::Ok && acked.contains(&s.endpoint))
    {
        let endpoint_ok = app.state::<AppState>().status.lock().is_ok_and(|board| {
            board
                .checks
                .iter()
                .filter(|((e, i), _)| *e == s.endpoint && *i != s.check)
                .all(|(_, other)| other.hard == CheckState::Ok)
        });
        settled += store
            .settle_acknowledgements(&s.endpoint, s.check, endpoint_ok, now)
            .unwrap_or(0);
    }
    if settled > 0 {
        if let Ok(mut d) = data.write() {
            *d = read_quiet(store);
        }
    }
}

fn take<R: Runtime>(
    app: &tauri::AppHandle<R>,
    store: &mut Store,
    fleet: &Fleet,
    desktop: &Desktop,
    batch: Batch,
) {
    if let Err(e) = store.record_results(&batch.results) {
        eprintln!("fieldline-desktop: results not kept: {e}");
    }
    let trackers: Vec<_> = batch
        .trackers
        .iter()
        .filter_map(|((e, i), kind, t)| {
            Some((e.clone(), *i, *kind, serde_json::to_string(t).ok()?))
        })
        .collect();
    if let Err(e) = store.save_status_trackers(&trackers) {
        eprintln!("fieldline-desktop: check states not kept: {e}");
    }
    if let Ok(mut board) = app.state::<AppState>().status.lock() {
        for s in &batch.statuses {
            board
                .checks
                .insert((s.endpoint.clone(), s.check), s.clone());
        }
        board.offline = batch.offline.clone();
    }
    let _ = app.emit(
        events::STATUS_CHANGED,
        StatusChanged {
            checks: batch.statuses,
            offline: batch.offline,
        },
    );
    if batch.alerts.is_empty() {
        return;
    }
    // Read per batch with alerts: the technician may have changed them a moment ago.
    let settings = fieldline_notify::engine::settings(store).unwrap_or_default();
    let entries = deliver(
        fleet,
        &batch.alerts,
        &settings,
        jiff::Timestamp::now(),
        desktop,
    );
    if let Err(e) = store.add_to_centre(&entries) {
        eprintln!("fieldline-desktop: alerts not kept in the notification centre: {e}");
    }
}

/// Shows fleet alerts on the desktop under the technician's notification settings (a
/// muted customer, notifications off, do not disturb, quiet hours hold them, as they hold
/// SLA alerts); returns every one as the notification centre keeps it, shown or held with why.
pub fn deliver(
    fleet: &Fleet,
    alerts: &[Alert],
    settings: &NotifySettings,
    now: jiff::Timestamp,
    sender: &dyn Sender,
) -> Vec<CentreEntry> {
    let quiet = settings.in_quiet_hours(now);
    alerts
        .iter()
        .map(|alert| {
            let o = outgoing(fleet, alert);
            let customer = fleet
                .endpoint(&alert.endpoint)
                .and_then(|e| fleet.site(&e.site))
                .map(|s| s.customer.as_str())
                .unwrap_or("");
            match held_for(customer, settings, quiet) {
                Some(why) => entry(&o, now, false, held_name(why).into()),
                None => match sender.send(&o) {
                    Ok(_) => entry(&o, now, true, String::new()),
                    Err(e) => {
                        eprintln!(
                            "fieldline-desktop: alert not shown ({}): {e}",
                            alert.endpoint
                        );
                        entry(&o, now, false, e)
                    }
                },
            }
        })
        .collect()
}

/// An alert as a desktop notification: one per check on the screen (a recovery replaces
/// its problem), the endpoint's name and customer in the title, the check's message as the
/// body (escaped by `Desktop::show` for daemons that read markup).
pub fn outgoing(fleet: &Fleet, alert: &Alert) -> Outgoing {
    let endpoint = fleet.endpoint(&alert.endpoint);
    let name = endpoint
        .map(|e| {
            if e.name.is_empty() {
                e.id.as_str()
            } else {
                e.name.as_str()
            }
        })
        .unwrap_or(alert.endpoint.as_str());
    let customer = endpoint
        .and_then(|e| fleet.site(&e.site))
        .and_then(|s| fleet.customer(&s.customer))
        .map(|c| c.name.as_str())
        .unwrap_or("");
    let (what, urgency) = match alert.kind {
        AlertKind::Problem if alert.state == CheckState::Crit => ("CRIT", Urgency::Critical),
        AlertKind::Problem => (alert.state.as_str(), Urgency::Normal),
        AlertKind::Recovery => ("OK again", Urgency::Low),
        AlertKind::Flapping => ("flapping", Urgency::Normal),
    };
    Outgoing {
        group: format!("status:{}:{}", alert.endpoint, alert.check),
        summary: format!("{what}: {name} ({customer})"),
        body: format!("{}: {}", alert.check_kind.as_str(), alert.message),
        urgency,
        open: Some(format!("endpoint:{}", alert.endpoint)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fieldline_core::CheckKind;
    use std::sync::Mutex;

    /// Records what would reach the desktop (the real daemon is in the notify crate's tests).
    #[derive(Default)]
    struct Recorder(Mutex<Vec<Outgoing>>);

    impl Sender for Recorder {
        fn send(&self, n: &Outgoing) -> Result<Option<u32>, String> {
            self.0.lock().expect("lock").push(n.clone());
            Ok(Some(1))
        }
    }

    fn fleet() -> Fleet {
        let text = r#"
[[customers]]
id = "acme"
name = "ACME"
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
id = "acme-fw"
site = "acme-hq"
host = "10.0.0.1"
[[endpoints]]
id = "hanbit-nas"
site = "hanbit-dc"
host = "10.0.1.1"
"#;
        fieldline_core::fleet_file::parse("f.toml", text).expect("fleet")
    }

    fn problem(endpoint: &str) -> Alert {
        Alert {
            endpoint: endpoint.into(),
            check: 0,
            check_kind: CheckKind::Tcp,
            kind: AlertKind::Problem,
            state: CheckState::Crit,
            message: "connection refused".into(),
        }
    }

    #[test]
    fn fleet_alerts_follow_the_notification_settings() {
        let fleet = fleet();
        let alerts = [problem("acme-fw"), problem("hanbit-nas")];
        // 03:00 in Seoul.
        let night: jiff::Timestamp = "2026-11-24T18:00:00Z".parse().expect("time");
        let noon: jiff::Timestamp = "2026-11-25T03:00:00Z".parse().expect("time");

        let mut settings = NotifySettings::default();
        settings.muted_customers.insert("hanbit".into());
        let desk = Recorder::default();
        let kept = deliver(&fleet, &alerts, &settings, noon, &desk);
        let shown = desk.0.lock().expect("lock").clone();
        assert_eq!(
            shown.len(),
            1,
            "a muted customer's alert stays off the desktop"
        );
        assert!(shown[0].summary.contains("ACME"), "{:?}", shown[0]);
        assert_eq!(kept.len(), 2, "both are in the centre");
        assert!(kept[0].shown && kept[0].held.is_empty());
        assert!(!kept[1].shown);
        assert_eq!(kept[1].held, "muted");

        let settings = NotifySettings {
            quiet_from: Some("22:00".into()),
            quiet_to: Some("07:00".into()),
            timezone: Some("Asia/Seoul".into()),
            ..NotifySettings::default()
        };
        let desk = Recorder::default();
        let kept = deliver(&fleet, &alerts, &settings, night, &desk);
        assert!(
            desk.0.lock().expect("lock").is_empty(),
            "quiet hours hold them"
        );
        assert!(kept.iter().all(|e| e.held == "quiet_hours"), "{kept:?}");
        let desk = Recorder::default();
        deliver(&fleet, &alerts, &settings, noon, &desk);
        assert_eq!(
            desk.0.lock().expect("lock").len(),
            2,
            "outside quiet hours they show"
        );

        let settings = NotifySettings {
            do_not_disturb: true,
            ..NotifySettings::default()
        };
        let desk = Recorder::default();
        let kept = deliver(&fleet, &alerts, &settings, noon, &desk);
        assert!(desk.0.lock().expect("lock").is_empty());
        assert!(kept.iter().all(|e| e.held == "do_not_disturb"), "{kept:?}");
    }
}
