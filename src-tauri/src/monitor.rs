//! Fleet status in the app: the monitoring engine (`fieldline_monitor::engine`) runs on
//! Tauri's async runtime; one thread of ours takes its batches to
//! `fieldline_app::monitoring::Keeper` (the store, acknowledgements, alerts on the
//! desktop), keeps the board the window reads (`AppState::status`) and emits
//! `status-changed` (a few a second at most). Fleet edits made elsewhere reach the engine
//! through the keeper.

use crate::AppState;
use fieldline_app::monitoring::Keeper;
use fieldline_core::CheckState;
use fieldline_ipc::{events, OpenItem, StatusChanged};
use fieldline_monitor::alerts::CheckKey;
use fieldline_monitor::engine::{run, Batch, CheckStatus, EngineConfig, Offline};
use fieldline_monitor::probe::Prober;
use fieldline_monitor::vantage::Vantage;
use fieldline_notify::desktop::Desktop;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tauri::{Emitter, Manager, Runtime};
use tokio::sync::{mpsc, watch};

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
    let failed = crate::worker_failed(&app);
    fieldline_app::log::supervise("fieldline-monitor", failed, move || keep(&app, &dir));
}

fn keep<R: Runtime>(app: &tauri::AppHandle<R>, dir: &std::path::Path) -> Result<(), String> {
    let (mut keeper, memory) = Keeper::open(dir)?;
    let (fleet_tx, fleet_rx) = watch::channel(Arc::new(keeper.fleet().clone()));
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
            hush: Some(keeper.hush()),
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
    loop {
        let next = tauri::async_runtime::block_on(async {
            tokio::time::timeout(Duration::from_secs(1), rx.recv()).await
        });
        match next {
            Ok(None) => return Err("the monitoring engine stopped".into()),
            Ok(Some(batch)) => {
                // "Is the rest of this endpoint OK?", from the board before this batch.
                let rest_ok = |endpoint: &str, check: u32| {
                    app.state::<AppState>().status.lock().is_ok_and(|board| {
                        board
                            .checks
                            .iter()
                            .filter(|((e, i), _)| e == endpoint && *i != check)
                            .all(|(_, other)| other.hard == CheckState::Ok)
                    })
                };
                keeper.take(&batch, &rest_ok, &desktop);
                show(app, batch);
            }
            Err(_) => {}
        }
        if let Some(fleet) = keeper.changed_elsewhere() {
            if let Ok(mut board) = app.state::<AppState>().status.lock() {
                board.checks.retain(|(e, i), _| {
                    fleet
                        .endpoint(e)
                        .is_some_and(|ep| (*i as usize) < ep.checks.len())
                });
            }
            if fleet_tx.send(Arc::new(fleet)).is_err() {
                return Err("the monitoring engine stopped".into());
            }
        }
    }
}

/// The batch on the board the window reads, and as `status-changed`.
fn show<R: Runtime>(app: &tauri::AppHandle<R>, batch: Batch) {
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
}
