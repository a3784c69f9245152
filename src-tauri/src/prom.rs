//! The scale path in the app: when the technician sets up an MSP's Prometheus (and
//! Alertmanager), the window shows what it says next to what the laptop probes itself.
//! Its settings and its secret (bound to its origins) are kept by
//! `fieldline_app::prometheus`; this is the reader.
//!
//! One task reads the source every [`READ_EVERY`] (at once after the settings change) and
//! keeps the result in the status board (`StatusBoard::source`); every read, good or
//! failed, is emitted as `source-changed`. A failed read keeps the last good report with
//! its time, so a laptop that lost its network shows old news as old, not as healthy or down.

use crate::AppState;
use fieldline_app::prometheus;
use fieldline_ipc::{events, SourceChanged, SourceView};
use fieldline_keychain::Keychain;
use fieldline_monitor::source_prom::PromSource;
use std::time::{Duration, Instant};
use tauri::{Emitter, Manager, Runtime};

/// How often the source is read.
pub const READ_EVERY: Duration = Duration::from_secs(30);
/// How often the settings are looked at (a change is read at once).
const LOOK_EVERY: Duration = Duration::from_secs(2);

/// Starts the reader; a panic in it is logged and reported, and it starts again after a
/// pause (as `fieldline_app::log::supervise` does for threads).
pub fn start<R: Runtime>(app: tauri::AppHandle<R>) {
    tauri::async_runtime::spawn(async move {
        let mut pause = Duration::from_secs(5);
        loop {
            match tauri::async_runtime::spawn(read_loop(app.clone())).await {
                Ok(()) => return,
                Err(e) => {
                    tracing::error!(
                        "the Prometheus reader stopped ({e}); starting it again in {pause:?}"
                    );
                    crate::worker_failed(&app)("the Prometheus reader");
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_secs(60));
                }
            }
        }
    });
}

/// Reads the source when due and when its settings change, for as long as the app runs.
async fn read_loop<R: Runtime>(app: tauri::AppHandle<R>) {
    let mut last: Option<(PromSource, Instant)> = None;
    let mut logged: Option<String> = None;
    loop {
        let state = app.state::<AppState>();
        // The setting is one row; the fleet (10,000 endpoints) is read only when a read
        // of the source is due, not every time the settings are looked at.
        let now_source = crate::commands::with_store(&state, |s| prometheus::load(s));
        match now_source {
            Ok(None) => {
                if last.take().is_some() {
                    set_board(&app, None);
                }
            }
            Ok(Some(source)) => {
                let due = match &last {
                    Some((was, at)) => *was != source || at.elapsed() >= READ_EVERY,
                    None => true,
                };
                if due {
                    let changed = last.as_ref().is_none_or(|(was, _)| *was != source);
                    last = Some((source.clone(), Instant::now()));
                    match crate::commands::with_store(&state, |s| s.fleet()) {
                        Ok(fleet) => {
                            let view = read_view(&app, &source, &fleet, changed).await;
                            set_board(&app, Some(view));
                        }
                        Err(e) => {
                            tracing::error!("the fleet could not be read for Prometheus: {e}")
                        }
                    }
                }
            }
            Err(e) => {
                let said = e.to_string();
                if logged.as_deref() != Some(said.as_str()) {
                    tracing::error!("Prometheus settings unreadable: {said}");
                    logged = Some(said);
                }
            }
        }
        tokio::time::sleep(LOOK_EVERY).await;
    }
}

/// One read as the window will see it: a failure keeps the last good report of the same
/// source (not of one the technician has since replaced).
async fn read_view<R: Runtime>(
    app: &tauri::AppHandle<R>,
    source: &PromSource,
    fleet: &fieldline_core::Fleet,
    changed: bool,
) -> SourceView {
    let tried_at = fieldline_monitor::engine::now_unix();
    let wanted = source.clone();
    let secret = tauri::async_runtime::spawn_blocking(move || {
        prometheus::secret(&Keychain::default(), &wanted, Some(&wanted))
    })
    .await
    .unwrap_or_else(|e| Err(format!("the keychain lookup stopped: {e}")));
    let result = match secret {
        Ok(secret) => prometheus::read_once(source, secret.as_deref(), fleet).await,
        Err(e) => Err(e),
    };
    let previous = if changed {
        None
    } else {
        app.state::<AppState>()
            .status
            .lock()
            .ok()
            .and_then(|b| b.source.clone())
    };
    let (read_at, report, error) = match result {
        Ok(report) => (Some(tried_at), Some(report), None),
        Err(e) => (
            previous.as_ref().and_then(|p| p.read_at),
            previous.and_then(|p| p.report),
            Some(e),
        ),
    };
    SourceView {
        prometheus_url: source.prometheus_url.clone(),
        alertmanager_url: source.alertmanager_url.clone(),
        read_at,
        report,
        tried_at,
        error,
    }
}

fn set_board<R: Runtime>(app: &tauri::AppHandle<R>, view: Option<SourceView>) {
    if let Ok(mut board) = app.state::<AppState>().status.lock() {
        board.source = view.clone();
    }
    let _ = app.emit(events::SOURCE_CHANGED, SourceChanged { source: view });
}
