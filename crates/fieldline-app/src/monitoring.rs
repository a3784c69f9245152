//! Monitoring's bookkeeping, as any front door that runs the engine
//! (`fieldline_monitor::engine`) needs it: what each batch changes in the store (raw
//! results, check states, acknowledgements that end), the alerts it delivers under the
//! technician's notification settings (kept in the notification centre, shown or held
//! with why), maintenance windows and acknowledgements as the engine's "is this quiet?",
//! and edits made elsewhere (the window, the CLI) noticed through SQLite's `data_version`.
//! The desktop shell (`src-tauri/src/monitor.rs`) runs the engine and the loop and keeps
//! the board the window reads; everything it keeps lives here.

use fieldline_core::maintenance::{quiet, Acknowledgement, MaintenanceWindow};
use fieldline_core::{CheckState, Fleet};
use fieldline_monitor::alerts::{Alert, AlertKind, CheckKey};
use fieldline_monitor::engine::{Batch, Hush, HushFn};
use fieldline_monitor::state::Tracker;
use fieldline_notify::engine::{entry, held_name, Sender};
use fieldline_notify::plan::{held_for, NotifySettings, Outgoing, Urgency};
use fieldline_store::notifications::CentreEntry;
use fieldline_store::Store;
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// Maintenance windows and acknowledgements as the store last had them.
type QuietData = Arc<RwLock<(Vec<MaintenanceWindow>, Vec<Acknowledgement>)>>;

/// How often aged-out history is deleted.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

fn read_quiet(store: &Store) -> (Vec<MaintenanceWindow>, Vec<Acknowledgement>) {
    (
        store.maintenance().unwrap_or_default(),
        store.acknowledgements().unwrap_or_default(),
    )
}

/// Keeps what the engine reports, on a store connection of its own (never the window's).
pub struct Keeper {
    store: Store,
    fleet: Fleet,
    quiet: QuietData,
    revision: Option<i64>,
    pruned: Instant,
}

impl Keeper {
    /// Opens the store in `dir`; also returns the check states kept from the last run (the
    /// engine resumes from them).
    pub fn open(dir: &Path) -> Result<(Keeper, HashMap<CheckKey, Tracker>), String> {
        let store = Store::open(dir).map_err(|e| e.to_string())?;
        let fleet = store.fleet().map_err(|e| e.to_string())?;
        let memory = store
            .status_trackers()
            .map_err(|e| e.to_string())?
            .into_iter()
            .filter_map(|(endpoint, idx, _, json)| {
                Some(((endpoint, idx), serde_json::from_str(&json).ok()?))
            })
            .collect();
        let quiet = Arc::new(RwLock::new(read_quiet(&store)));
        let revision = store.external_revision().ok();
        Ok((
            Keeper {
                store,
                fleet,
                quiet,
                revision,
                pruned: Instant::now() - PRUNE_EVERY,
            },
            memory,
        ))
    }

    /// The fleet as last read.
    pub fn fleet(&self) -> &Fleet {
        &self.fleet
    }

    /// The engine's question "is this check quiet now?", answered from the maintenance
    /// windows and acknowledgements the store holds (kept current by [`Keeper::take`] and
    /// [`Keeper::changed_elsewhere`]).
    pub fn hush(&self) -> HushFn {
        let data = self.quiet.clone();
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

    /// One batch: acknowledgements whose check is OK again end (endpoint-wide ones when
    /// `rest_ok(endpoint, check)` says the endpoint's other checks are OK too), results and
    /// check states are kept, alerts go to `sender` under the notification settings and
    /// into the notification centre. Failures are said on stderr; the next batch tries again.
    pub fn take(
        &mut self,
        batch: &Batch,
        rest_ok: &dyn Fn(&str, u32) -> bool,
        sender: &dyn Sender,
    ) {
        self.settle_acknowledgements(batch, rest_ok);
        if let Err(e) = self.store.record_results(&batch.results) {
            tracing::error!("results not kept: {e}");
        }
        let trackers: Vec<_> = batch
            .trackers
            .iter()
            .filter_map(|((e, i), kind, t)| {
                Some((e.clone(), *i, *kind, serde_json::to_string(t).ok()?))
            })
            .collect();
        if let Err(e) = self.store.save_status_trackers(&trackers) {
            tracing::error!("check states not kept: {e}");
        }
        if batch.alerts.is_empty() {
            return;
        }
        // Read per batch with alerts: the technician may have changed them a moment ago.
        let settings = fieldline_notify::engine::settings(&self.store).unwrap_or_default();
        let entries = deliver(
            &self.fleet,
            &batch.alerts,
            &settings,
            jiff::Timestamp::now(),
            sender,
        );
        if let Err(e) = self.store.add_to_centre(&entries) {
            tracing::error!("alerts not kept in the notification centre: {e}");
        }
    }

    fn settle_acknowledgements(&mut self, batch: &Batch, rest_ok: &dyn Fn(&str, u32) -> bool) {
        let acked: Vec<String> = match self.quiet.read() {
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
            settled += self
                .store
                .settle_acknowledgements(&s.endpoint, s.check, rest_ok(&s.endpoint, s.check), now)
                .unwrap_or(0);
        }
        if settled > 0 {
            if let Ok(mut d) = self.quiet.write() {
                *d = read_quiet(&self.store);
            }
        }
    }

    /// Notices edits made elsewhere (maintenance, acknowledgements, the fleet); `Some` with
    /// the new fleet when it changed (the status of checks no longer in it is forgotten).
    /// Deletes aged-out history once an hour.
    pub fn changed_elsewhere(&mut self) -> Option<Fleet> {
        if self.pruned.elapsed() >= PRUNE_EVERY {
            self.pruned = Instant::now();
            let _ = self
                .store
                .prune_status(fieldline_monitor::engine::now_unix());
        }
        let now = self.store.external_revision().ok();
        if now == self.revision {
            return None;
        }
        self.revision = now;
        if let Ok(mut data) = self.quiet.write() {
            *data = read_quiet(&self.store);
        }
        let next = self.store.fleet().ok()?;
        if next == self.fleet {
            return None;
        }
        self.fleet = next;
        let _ = self.store.forget_status_outside(&self.fleet);
        Some(self.fleet.clone())
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
                        tracing::warn!("alert not shown ({}): {e}", alert.endpoint);
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
