//! Fieldline's desktop shell: window setup, IPC commands and events, nothing else.
//! All logic lives in the headless crates under `crates/`; this crate wires them to Tauri.
//! It is the only crate that depends on Tauri.

mod backups;
mod commands;
mod consent;
mod ipc;
mod monitor;
mod notifier;
mod prom;
mod sessions;
mod syncer;

use fieldline_ipc::{events, AppFailed, FleetChanged, IpcError};
use fieldline_store::{resolve_data_dir, Clock, Store};
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;
use tauri::{Emitter, Manager, Runtime};

/// The shell's state: the store, or why it could not be opened (every command then
/// answers with that error, so the UI can say it instead of showing an empty window).
pub struct AppState {
    pub store: Mutex<Result<Store, IpcError>>,
    /// The time SLA clocks are computed at (`FIELDLINE_NOW` injects another start).
    pub clock: Clock,
    /// Wakes the notification loop after a change.
    pub wake: Mutex<notifier::Wake>,
    /// The store's folder, for threads that open their own connection (sync).
    pub data_dir: Option<PathBuf>,
    /// One helpdesk sync run at a time.
    pub sync_lock: Mutex<()>,
    /// Fleet status as the engine last reported it.
    pub status: Mutex<monitor::StatusBoard>,
    /// Terminal tabs, forwards, transfers and fan-outs that are open.
    pub remote: sessions::Remote,
    /// What this start did with a restore staged in Settings, if any.
    pub restored: Option<fieldline_ipc::RestoreOutcome>,
}

/// The folder of the app's log (`fieldline_app::log`), once the start has set it up.
pub struct LogDir(pub Option<PathBuf>);

/// Tells the window that something failed inside the app (the log says more).
fn tell_failure<R: Runtime>(app: &tauri::AppHandle<R>, what: String) {
    let log_dir = app
        .try_state::<LogDir>()
        .and_then(|d| d.0.as_ref().map(|p| p.display().to_string()));
    let _ = app.emit(events::APP_FAILED, AppFailed { what, log_dir });
}

/// What a supervised worker's failure does besides the log (`fieldline_app::log::supervise`
/// writes that): the window says it, naming the log.
pub(crate) fn worker_failed<R: Runtime>(
    app: &tauri::AppHandle<R>,
) -> impl Fn(&str) + Send + 'static {
    let app = app.clone();
    move |name| {
        tell_failure(
            &app,
            format!("{name} stopped after a failure and was started again"),
        )
    }
}

/// Starts the log in the OS's log folder for this app (Linux `~/.local/share/<id>/logs`,
/// macOS `~/Library/Logs/<id>`, Windows `%LOCALAPPDATA%\<id>\logs`) and the panic hook
/// that writes a panic there and tells the window.
fn start_log<R: Runtime>(app: &tauri::AppHandle<R>) {
    let dir = app.path().app_log_dir().ok();
    let written = match &dir {
        Some(d) => fieldline_app::log::to_files(d),
        None => Err("the OS gives no log folder".to_owned()),
    };
    if let Err(e) = &written {
        eprintln!("fieldline-desktop: no log file: {e}");
    }
    app.manage(LogDir(dir.filter(|_| written.is_ok())));
    let told = app.clone();
    fieldline_app::log::on_panic(move |what| tell_failure(&told, what.to_owned()));
    let state = app.state::<AppState>();
    tracing::info!(
        "Fieldline {} started on {} {}; data folder {}",
        env!("CARGO_PKG_VERSION"),
        std::env::consts::OS,
        std::env::consts::ARCH,
        state
            .data_dir
            .as_deref()
            .map_or_else(|| "(none)".to_owned(), |d| d.display().to_string())
    );
    if let Ok(guard) = state.store.lock() {
        if let Err(e) = guard.as_ref() {
            tracing::error!("the store could not be opened: {e}");
        }
    }
    if let Some(r) = &state.restored {
        match &r.error {
            None => tracing::info!("restored the backup {}", r.backup),
            Some(e) => tracing::error!("the backup {} was not restored: {e}", r.backup),
        }
    }
}

/// The operations layer borrows the store through here, one step at a time.
impl fieldline_app::house::Stores for AppState {
    fn with_store<T>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T, fieldline_store::StoreError>,
    ) -> Result<T, IpcError> {
        let mut guard = self.store.lock().map_err(|_| IpcError::Store {
            message: "the store is unavailable after an earlier failure; restart Fieldline".into(),
        })?;
        match guard.as_mut() {
            Ok(store) => f(store).map_err(IpcError::from),
            Err(e) => Err(e.clone()),
        }
    }
}

impl AppState {
    pub fn open(data_dir: Option<PathBuf>) -> AppState {
        let dir = resolve_data_dir(data_dir.as_deref());
        // A restore asked for before the restart happens now, before the store is opened.
        let staged = dir.as_ref().ok().and_then(|dir| {
            fieldline_app::backup::finish_staged(dir, fieldline_app::backup::WAIT_FOR_PREVIOUS)
        });
        let store = dir
            .and_then(|dir| Store::open(&dir))
            .map_err(IpcError::from);
        if let Err(e) = &store {
            eprintln!("fieldline-desktop: {e}");
        }
        let restored = staged.map(|staged| {
            staged.outcome(
                store.as_ref().ok(),
                &fieldline_keychain::Keychain::default(),
            )
        });
        let clock = Clock::from_env().unwrap_or_else(|e| {
            eprintln!("fieldline-desktop: {e}; using the system clock");
            Clock::system()
        });
        AppState {
            data_dir: store.as_ref().ok().map(|s| s.data_dir().to_path_buf()),
            store: Mutex::new(store),
            clock,
            wake: Mutex::new(notifier::detached()),
            sync_lock: Mutex::new(()),
            status: Mutex::new(monitor::StatusBoard::default()),
            remote: sessions::Remote::default(),
            restored,
        }
    }
}

/// `--data-dir DIR` or `--data-dir=DIR` from the command line, if given.
pub fn data_dir_arg(args: impl IntoIterator<Item = String>) -> Option<PathBuf> {
    let mut args = args.into_iter();
    while let Some(a) = args.next() {
        if a == "--data-dir" {
            return args.next().map(PathBuf::from);
        }
        if let Some(v) = a.strip_prefix("--data-dir=") {
            return Some(PathBuf::from(v));
        }
    }
    None
}

pub use ipc::with_commands;

/// Emits `fleet-changed` when another process (the CLI) commits to the store, so the
/// window shows what the terminal did. Polls SQLite's `data_version`, which only moves
/// for other connections' commits; the lock is held for the read alone, never across a sleep.
fn watch_external_changes<R: Runtime>(app: tauri::AppHandle<R>) {
    let read = |app: &tauri::AppHandle<R>| -> Option<Option<i64>> {
        let state = app.state::<AppState>();
        let guard = state.store.lock().ok()?;
        let store = guard.as_ref().ok()?;
        Some(store.external_revision().ok())
    };
    // The baseline is read now, before the window loads the fleet, so a commit made by
    // the CLI while the app starts is not mistaken for the starting point.
    let Some(mut last) = read(&app) else { return };
    let failed = worker_failed(&app);
    fieldline_app::log::supervise("fieldline-outside-changes", failed, move || loop {
        std::thread::sleep(Duration::from_millis(1000));
        let Some(revision) = read(&app) else {
            return Ok(());
        };
        if let (Some(now), Some(before)) = (revision, last) {
            if now != before {
                let _ = app.emit(events::FLEET_CHANGED, FleetChanged { revision: now });
                if let Ok(w) = app.state::<AppState>().wake.lock() {
                    w.now();
                }
            }
        }
        if revision.is_some() {
            last = revision;
        }
    });
}

/// Starts the desktop app.
pub fn run() {
    let data_dir = data_dir_arg(std::env::args().skip(1));
    let builder = tauri::Builder::default()
        // First: a second launch focuses the running window instead of opening the
        // same store twice.
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            if let Some(w) = app.get_webview_window("main") {
                let _ = w.unminimize();
                let _ = w.show();
                let _ = w.set_focus();
            }
        }))
        // Native questions and file pickers raised from Rust; the window gets no dialog
        // permission (capabilities/default.json), so it cannot open or answer them.
        .plugin(tauri_plugin_dialog::init())
        .manage(AppState::open(data_dir))
        .setup(|app| {
            start_log(app.handle());
            let wake = notifier::start(app.handle().clone());
            if let Ok(mut w) = app.state::<AppState>().wake.lock() {
                *w = wake;
            }
            watch_external_changes(app.handle().clone());
            syncer::start(app.handle().clone());
            monitor::start(app.handle().clone());
            prom::start(app.handle().clone());
            backups::start(app.handle().clone());
            Ok(())
        });
    if let Err(e) = with_commands(builder).run(tauri::generate_context!("tauri.conf.json")) {
        eprintln!("fieldline-desktop: cannot start: {e}");
        std::process::exit(1);
    }
}
