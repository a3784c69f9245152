//! The scale path in the app: when the technician sets up an MSP's Prometheus (and
//! Alertmanager), the window shows what it says next to what the laptop probes itself.
//! The settings are a row of the store's settings table; the token or password is in the
//! OS keychain (service `app.fieldline.console`, account `prometheus`), never in the store,
//! bound to the origins of the Prometheus and Alertmanager it was entered for: it is sent
//! nowhere else, and a source moved elsewhere needs it entered again.
//!
//! One task reads the source every [`READ_EVERY`] (at once after the settings change) and
//! keeps the result in the status board (`StatusBoard::source`); every read, good or
//! failed, is emitted as `source-changed`. A failed read keeps the last good report with
//! its time, so a laptop that lost its network shows old news as old, not as healthy or down.

use crate::AppState;
use fieldline_ipc::{events, IpcError, SourceChanged, SourceView};
use fieldline_keychain::{Destination, Keychain, SecretStore};
use fieldline_monitor::source_prom::{self, Auth, PromSource, SourceReport};
use fieldline_store::{Store, StoreError};
use std::time::{Duration, Instant};
use tauri::{Emitter, Manager, Runtime};

/// The store setting that holds the source's JSON.
pub const SETTING: &str = "prometheus_source";
/// The keychain account of the source's token or password.
pub const ACCOUNT: &str = "prometheus";
/// How often the source is read.
pub const READ_EVERY: Duration = Duration::from_secs(30);
/// How often the settings are looked at (a change is read at once).
const LOOK_EVERY: Duration = Duration::from_secs(2);

/// The source as saved, if one is.
pub fn load(store: &Store) -> Result<Option<PromSource>, StoreError> {
    match store.setting(SETTING)?.as_deref() {
        None | Some("") => Ok(None),
        Some(text) => serde_json::from_str(text)
            .map(Some)
            .map_err(|e| StoreError::Damaged {
                what: "setting",
                id: SETTING.into(),
                detail: e.to_string(),
            }),
    }
}

/// Saves the source, or forgets it (`None`).
pub fn save(store: &mut Store, source: Option<&PromSource>) -> Result<(), StoreError> {
    let text = match source {
        Some(s) => serde_json::to_string(s).map_err(|e| StoreError::Rejected(e.to_string()))?,
        None => String::new(),
    };
    store.set_setting(SETTING, &text)
}

/// Where the saved source sends its secret (none without auth, or where none may go).
fn saved_destination(saved: Option<&PromSource>) -> Option<Destination> {
    saved
        .filter(|s| s.auth != Auth::None)
        .and_then(|s| source_prom::secret_destination(s).ok())
}

/// The secret kept for `source` (`None` when none is kept), given only when it was saved
/// for `source`'s Prometheus and Alertmanager origins; `saved` is the source as the store
/// has it (a bare secret of an older version counts as saved for it).
pub fn kept_secret(
    source: &PromSource,
    saved: Option<&PromSource>,
) -> Result<Option<String>, String> {
    let wanted = source_prom::secret_destination(source).map_err(|e| e.to_string())?;
    Keychain::default()
        .get_for(ACCOUNT, &wanted, saved_destination(saved).as_ref())
        .map_err(|e| format!("the keychain could not give the Prometheus secret: {e}"))
}

/// The secret the source's auth needs, from the keychain (`None` for no auth); see
/// [`kept_secret`].
pub fn secret(source: &PromSource, saved: Option<&PromSource>) -> Result<Option<String>, String> {
    if source.auth == Auth::None {
        return Ok(None);
    }
    match kept_secret(source, saved)? {
        Some(s) => Ok(Some(s)),
        None => Err(
            "the keychain holds no token or password for Prometheus; enter it in Settings".into(),
        ),
    }
}

/// Before `source` is saved over `saved`: a `typed` secret (blank: none) is kept bound to
/// `source`'s origins; with none typed, origins other than the saved source's are refused
/// while the kept secret belongs to those ("enter it again"). No auth: nothing to keep.
pub fn keep_secret(
    source: &PromSource,
    saved: Option<&PromSource>,
    typed: Option<&str>,
) -> Result<(), IpcError> {
    if source.auth == Auth::None {
        return Ok(());
    }
    let to = source_prom::secret_destination(source).map_err(|e| IpcError::Invalid {
        message: e.to_string(),
        issues: Vec::new(),
    })?;
    Keychain::default()
        .bind_on_save(ACCOUNT, &to, saved_destination(saved).as_ref(), typed)
        .map_err(|e| IpcError::Keychain {
            message: e.to_string(),
        })
}

/// Reads `source` once over the fleet as the store has it now.
pub async fn read_once(
    source: &PromSource,
    secret: Option<&str>,
    fleet: &fieldline_core::Fleet,
) -> Result<SourceReport, String> {
    let client = source_prom::client().map_err(|e| e.to_string())?;
    source_prom::read(&client, source, secret, fleet)
        .await
        .map_err(|e| e.to_string())
}

pub fn start<R: Runtime>(app: tauri::AppHandle<R>) {
    tauri::async_runtime::spawn(async move {
        let mut last: Option<(PromSource, Instant)> = None;
        let mut logged: Option<String> = None;
        loop {
            let state = app.state::<AppState>();
            // The setting is one row; the fleet (10,000 endpoints) is read only when a read
            // of the source is due, not every time the settings are looked at.
            let now_source = crate::commands::with_store(&state, |s| load(s));
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
                            Err(e) => eprintln!(
                                "fieldline-desktop: the fleet could not be read for Prometheus: {e}"
                            ),
                        }
                    }
                }
                Err(e) => {
                    let said = e.to_string();
                    if logged.as_deref() != Some(said.as_str()) {
                        eprintln!("fieldline-desktop: Prometheus settings unreadable: {said}");
                        logged = Some(said);
                    }
                }
            }
            tokio::time::sleep(LOOK_EVERY).await;
        }
    });
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
    let secret = tauri::async_runtime::spawn_blocking(move || secret(&wanted, Some(&wanted)))
        .await
        .unwrap_or_else(|e| Err(format!("the keychain lookup stopped: {e}")));
    let result = match secret {
        Ok(secret) => read_once(source, secret.as_deref(), fleet).await,
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
