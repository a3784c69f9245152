//! The IPC commands: each one unpacks its arguments, calls the store and maps errors.
//! Their names, arguments and results are declared in `crates/fieldline-ipc`
//! (`bindings::commands`); keep the two in step (the mock-runtime test checks each).
//!
//! Commands are `async` so Tauri runs them off the main thread: a slow disk must never
//! freeze the window.

use crate::error::to_ipc;
use crate::AppState;
use fieldline_core::csv_import::{CsvOptions, CsvPreview, CsvReport};
use fieldline_core::{Fleet, FleetChange};
use fieldline_ipc::{AppInfo, ImportSummary, IpcError, Language, Settings};
use fieldline_store::Store;
use tauri::State;

type Res<T> = Result<T, IpcError>;

const LANGUAGE_KEY: &str = "language";

fn with_store<T>(
    state: &AppState,
    f: impl FnOnce(&mut Store) -> Result<T, fieldline_store::StoreError>,
) -> Res<T> {
    let mut guard = state.store.lock().map_err(|_| IpcError::Store {
        message: "the store is unavailable after an earlier failure; restart Fieldline".into(),
    })?;
    match guard.as_mut() {
        Ok(store) => f(store).map_err(to_ipc),
        Err(e) => Err(e.clone()),
    }
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[tauri::command]
pub async fn app_info(state: State<'_, AppState>) -> Res<AppInfo> {
    with_store(&state, |s| {
        Ok(AppInfo {
            version: env!("CARGO_PKG_VERSION").to_string(),
            data_dir: s.data_dir().display().to_string(),
            database: s.path().display().to_string(),
            schema_version: s.schema_version()?,
        })
    })
}

#[tauri::command]
pub async fn get_settings(state: State<'_, AppState>) -> Res<Settings> {
    with_store(&state, |s| {
        Ok(Settings {
            language: s
                .setting(LANGUAGE_KEY)?
                .as_deref()
                .and_then(Language::parse),
        })
    })
}

#[tauri::command]
pub async fn set_language(state: State<'_, AppState>, language: Language) -> Res<Settings> {
    with_store(&state, |s| {
        s.set_setting(LANGUAGE_KEY, language.code())?;
        Ok(Settings {
            language: Some(language),
        })
    })
}

#[tauri::command]
pub async fn fleet_snapshot(state: State<'_, AppState>) -> Res<Fleet> {
    with_store(&state, |s| s.fleet())
}

#[tauri::command]
pub async fn apply_fleet_change(state: State<'_, AppState>, change: FleetChange) -> Res<Fleet> {
    with_store(&state, |s| s.apply(change))
}

#[tauri::command]
pub async fn load_demo_fleet(state: State<'_, AppState>) -> Res<Fleet> {
    with_store(&state, |s| s.load_demo())
}

#[tauri::command]
pub async fn import_fleet_file(
    state: State<'_, AppState>,
    file_name: String,
    text: String,
    replace: bool,
) -> Res<ImportSummary> {
    with_store(&state, |s| {
        let c = s.import_fleet_file(&file_name, &text, replace)?;
        Ok(ImportSummary {
            customers: count(c.customers),
            sites: count(c.sites),
            endpoints: count(c.endpoints),
        })
    })
}

#[tauri::command]
pub async fn export_fleet(state: State<'_, AppState>) -> Res<String> {
    with_store(&state, |s| s.export_fleet_file())
}

#[tauri::command]
pub async fn preview_csv(
    state: State<'_, AppState>,
    file_name: String,
    bytes: Vec<u8>,
) -> Res<CsvPreview> {
    with_store(&state, |s| s.preview_csv(&file_name, &bytes))
}

#[tauri::command]
pub async fn import_csv(
    state: State<'_, AppState>,
    file_name: String,
    bytes: Vec<u8>,
    options: CsvOptions,
) -> Res<CsvReport> {
    with_store(&state, |s| s.import_csv(&file_name, &bytes, &options))
}
