//! Helpdesk sync in the app: on demand (`sync_now`) and on each connection's schedule.
//!
//! A run talks to the network for seconds, so it never holds the window's store: it
//! opens its own connection to the same database (WAL lets both work). One run at a
//! time (`AppState::sync_lock`); each ends with `sync-changed` and a notification round.
//! A connection's token is read bound to the saved connection's origin
//! (`fieldline_sync::secret`), the same way `fieldline sync` reads it.

use crate::AppState;
use fieldline_ipc::{events, SyncStarted};
use fieldline_keychain::Keychain;
use fieldline_store::sync::ConnectionConfig;
use fieldline_store::Store;
use fieldline_sync::secret::sync_saved;
use fieldline_sync::SyncReport;
use std::time::Duration;
use tauri::{Emitter, Manager, Runtime};

/// How often the schedule is looked at.
const TICK: Duration = Duration::from_secs(20);

/// One run of each of `names` (all connections when `None`), in this thread.
pub fn run_now<R: Runtime>(
    app: &tauri::AppHandle<R>,
    names: Option<Vec<String>>,
) -> Result<Vec<SyncReport>, String> {
    let state = app.state::<AppState>();
    let _one_at_a_time = state.sync_lock.lock().map_err(|_| {
        "sync is unavailable after an earlier failure; restart Fieldline".to_string()
    })?;
    let Some(dir) = state.data_dir.clone() else {
        return Err("the store could not be opened".into());
    };
    let mut store = Store::open(&dir).map_err(|e| e.to_string())?;
    let configs: Vec<ConnectionConfig> = store
        .connections()
        .map_err(|e| e.to_string())?
        .into_iter()
        .filter(|c| names.as_ref().is_none_or(|n| n.contains(&c.name)))
        .collect();
    let clock = state.clock;
    let mut reports = Vec::new();
    for config in &configs {
        let _ = app.emit(
            events::SYNC_STARTED,
            SyncStarted {
                connection: config.name.clone(),
            },
        );
        // The token only for the origin it was saved for (the saved connection's).
        let report = sync_saved(&mut store, &Keychain::default(), config, || clock.now());
        let _ = app.emit(events::SYNC_CHANGED, report.clone());
        reports.push(report);
    }
    if let Ok(w) = state.wake.lock() {
        w.now();
    }
    Ok(reports)
}

/// The connections whose interval has passed since their last attempt.
fn due(store: &Store, now: jiff::Timestamp) -> Vec<String> {
    let Ok(configs) = store.connections() else {
        return Vec::new();
    };
    configs
        .into_iter()
        .filter(|c| c.interval_minutes > 0)
        .filter(|c| {
            let last = store.sync_status(&c.name).ok().and_then(|s| s.last_attempt);
            last.is_none_or(|t| {
                now.duration_since(t).as_secs() >= i64::from(c.interval_minutes) * 60
            })
        })
        .map(|c| c.name)
        .collect()
}

/// Starts the schedule. It reads the schedule through one store connection of its own,
/// opened once.
pub fn start<R: Runtime>(app: tauri::AppHandle<R>) {
    let failed = crate::worker_failed(&app);
    fieldline_app::log::supervise("fieldline-sync-schedule", failed, move || {
        let state = app.state::<AppState>();
        let Some(dir) = state.data_dir.as_deref() else {
            return Ok(()); // no store: nothing to sync
        };
        let store = Store::open(dir).map_err(|e| e.to_string())?;
        loop {
            std::thread::sleep(TICK);
            let names = due(&store, state.clock.now());
            if !names.is_empty() {
                if let Err(e) = run_now(&app, Some(names)) {
                    tracing::warn!("scheduled sync: {e}");
                }
            }
        }
    });
}
