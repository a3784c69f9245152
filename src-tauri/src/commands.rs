//! The window's operations (fleet, tickets, SLA, helpdesk, status, settings): each takes
//! the app handle and the arguments declared for it in `fieldline_ipc::for_each_command!`,
//! calls the store and maps errors. `ipc.rs` turns each into a Tauri command; a signature
//! that differs from the declaration does not compile.
//!
//! Commands are `async` so Tauri runs them off the main thread: a slow disk must never
//! freeze the window.

use crate::AppState;
use fieldline_app::{helpdesk, prometheus};
use fieldline_core::csv_import::{CsvOptions, CsvPreview, CsvReport};
use fieldline_core::maintenance::{Acknowledgement, MaintenanceWindow};
use fieldline_core::{Fleet, FleetChange};
use fieldline_ipc::{
    AppInfo, AutoBackup, ImportSummary, IpcError, Language, NamedFile, SavedFile, Settings,
    SlaBoard, SlaConfigInfo,
};
use fieldline_ipc::{ConnectionView, FleetStatus, PromSettings};
use fieldline_keychain::Keychain;
use fieldline_monitor::source_prom::{PromSource, SourceReport};
use fieldline_notify::engine;
use fieldline_notify::plan::NotifySettings;
use fieldline_sla::Priority;
use fieldline_store::notifications::CentreEntry;
use fieldline_store::reports::{self, SlaReport};
use fieldline_store::status::{HistoryPoint, Uptimes};
use fieldline_store::sync::{ConnectionConfig, ConnectorKind, Resolution, SyncConflict};
use fieldline_store::tickets::{
    fill_ahead, row, states, NewTicket, SlaConfig, SlaSource, Ticket, TicketChange,
};
use fieldline_store::{Store, StoreError};
use fieldline_sync::{ConnectionTest, SyncReport};

type Res<T> = Result<T, IpcError>;

pub(crate) const LANGUAGE_KEY: &str = "language";

pub(crate) fn with_store<T>(
    state: &AppState,
    f: impl FnOnce(&mut Store) -> Result<T, fieldline_store::StoreError>,
) -> Res<T> {
    fieldline_app::house::Stores::with_store(state, f)
}

/// Runs a notification round soon: something that clocks depend on changed.
fn wake(state: &AppState) {
    if let Ok(w) = state.wake.lock() {
        w.now();
    }
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

pub async fn app_info<R: tauri::Runtime>(app: &tauri::AppHandle<R>) -> Res<AppInfo> {
    let state = tauri::Manager::state::<AppState>(app);
    with_store(&state, |s| {
        Ok(AppInfo {
            version: env!("CARGO_PKG_VERSION").to_string(),
            data_dir: s.data_dir().display().to_string(),
            database: s.path().display().to_string(),
            schema_version: s.schema_version()?,
            restored: state.restored.clone(),
        })
    })
}

pub async fn get_settings<R: tauri::Runtime>(app: &tauri::AppHandle<R>) -> Res<Settings> {
    let state = tauri::Manager::state::<AppState>(app);
    with_store(&state, |s| {
        Ok(Settings {
            language: s
                .setting(LANGUAGE_KEY)?
                .as_deref()
                .and_then(Language::parse),
        })
    })
}

pub async fn set_language<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    language: Language,
) -> Res<Settings> {
    let state = tauri::Manager::state::<AppState>(app);
    with_store(&state, |s| {
        s.set_setting(LANGUAGE_KEY, language.code())?;
        Ok(Settings {
            language: Some(language),
        })
    })
}

pub async fn fleet_snapshot<R: tauri::Runtime>(app: &tauri::AppHandle<R>) -> Res<Fleet> {
    let state = tauri::Manager::state::<AppState>(app);
    with_store(&state, |s| s.fleet())
}

/// Applies a change from the window; what it would newly set up with the technician's
/// credentials (a command check, a credential binding...) is approved natively first, and
/// the store writes only if the change still sets up exactly that.
pub async fn apply_fleet_change<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    change: FleetChange,
) -> Res<Fleet> {
    crate::consent::operate(app, move |state, native, lang| {
        fieldline_app::fleet::apply_change(state, change, native, lang)
    })
    .await
}

pub async fn load_demo_fleet<R: tauri::Runtime>(app: &tauri::AppHandle<R>) -> Res<Fleet> {
    let state = tauri::Manager::state::<AppState>(app);
    let now = state.clock.now();
    let r = with_store(&state, |s| {
        let fleet = s.load_demo()?;
        s.load_demo_tickets(now)?;
        Ok(fleet)
    });
    wake(&state);
    r
}

pub async fn import_fleet_file<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    file_name: String,
    text: String,
    replace: bool,
) -> Res<ImportSummary> {
    let c = crate::consent::operate(app, move |state, native, lang| {
        fieldline_app::fleet::import_file(state, &file_name, &text, replace, native, lang)
    })
    .await?;
    Ok(ImportSummary {
        customers: count(c.customers),
        sites: count(c.sites),
        endpoints: count(c.endpoints),
    })
}

pub async fn export_fleet<R: tauri::Runtime>(app: &tauri::AppHandle<R>) -> Res<String> {
    let state = tauri::Manager::state::<AppState>(app);
    with_store(&state, |s| s.export_fleet_file())
}

pub async fn preview_csv<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    file_name: String,
    bytes: Vec<u8>,
) -> Res<CsvPreview> {
    let state = tauri::Manager::state::<AppState>(app);
    with_store(&state, |s| s.preview_csv(&file_name, &bytes))
}

pub async fn import_csv<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    file_name: String,
    bytes: Vec<u8>,
    options: CsvOptions,
) -> Res<CsvReport> {
    crate::consent::operate(app, move |state, native, lang| {
        fieldline_app::fleet::import_csv(state, &file_name, &bytes, &options, native, lang)
    })
    .await
}

fn config_info(config: Option<&SlaConfig>) -> SlaConfigInfo {
    SlaConfigInfo {
        file_name: config.map(|c| c.source.file_name.clone()),
        policies: config.map_or(Vec::new(), |c| c.policies.keys().cloned().collect()),
        contracts: config.map_or(Vec::new(), |c| {
            c.contracts
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        }),
    }
}

pub async fn sla_board<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    customer: Option<String>,
    priority: Option<Priority>,
) -> Res<SlaBoard> {
    let state = tauri::Manager::state::<AppState>(app);
    let now = state.clock.now();
    with_store(&state, |s| {
        let mut tickets = s.tickets(true)?;
        // Filtered before the cut, so a customer's tickets beyond the most urgent
        // MAX_ROWS of everyone's are still there when asked for.
        tickets.retain(|t| {
            customer.as_ref().is_none_or(|c| &t.customer == c)
                && priority.is_none_or(|p| t.priority == p)
        });
        board_of(s, &tickets, now)
    })
}

/// One ticket's open clocks as a board of (at most) one row, for its detail when the
/// board in view does not hold it.
pub async fn ticket_clocks<R: tauri::Runtime>(app: &tauri::AppHandle<R>, id: i64) -> Res<SlaBoard> {
    let state = tauri::Manager::state::<AppState>(app);
    let now = state.clock.now();
    with_store(&state, |s| board_of(s, &[s.ticket(id)?], now))
}

fn board_of(s: &Store, tickets: &[Ticket], now: jiff::Timestamp) -> Result<SlaBoard, StoreError> {
    let config = s.sla_config()?;
    let all = states(tickets, config.as_ref(), now);
    let total = count(all.len());
    let mut rows: Vec<_> = all
        .iter()
        .take(SlaBoard::MAX_ROWS)
        .map(|st| row(st, config.as_ref(), now))
        .collect();
    if let Some(config) = &config {
        for row in &mut rows {
            fill_ahead(row, config, now);
        }
    }
    Ok(SlaBoard {
        now: now.to_string(),
        now_ms: now.as_millisecond(),
        configured: config.is_some(),
        rows,
        total,
    })
}

pub async fn sla_config_info<R: tauri::Runtime>(app: &tauri::AppHandle<R>) -> Res<SlaConfigInfo> {
    let state = tauri::Manager::state::<AppState>(app);
    with_store(&state, |s| Ok(config_info(s.sla_config()?.as_ref())))
}

pub async fn import_sla_config<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    file_name: String,
    text: String,
    includes: Vec<NamedFile>,
) -> Res<SlaConfigInfo> {
    let state = tauri::Manager::state::<AppState>(app);
    let r = with_store(&state, |s| {
        let config = s.import_sla_config(SlaSource {
            file_name,
            text,
            includes: includes.into_iter().map(|f| (f.name, f.text)).collect(),
        })?;
        Ok(config_info(Some(&config)))
    });
    wake(&state);
    r
}

pub async fn ticket_detail<R: tauri::Runtime>(app: &tauri::AppHandle<R>, id: i64) -> Res<Ticket> {
    let state = tauri::Manager::state::<AppState>(app);
    with_store(&state, |s| s.ticket(id))
}

pub async fn open_ticket<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    ticket: NewTicket,
) -> Res<Ticket> {
    let state = tauri::Manager::state::<AppState>(app);
    let now = state.clock.now();
    let r = with_store(&state, |s| s.open_ticket(ticket, now));
    wake(&state);
    r
}

pub async fn change_ticket<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    id: i64,
    change: TicketChange,
) -> Res<Ticket> {
    let state = tauri::Manager::state::<AppState>(app);
    let now = state.clock.now();
    let r = with_store(&state, |s| s.change_ticket(id, now, change));
    wake(&state);
    r
}

pub async fn notification_centre<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
) -> Res<Vec<CentreEntry>> {
    let state = tauri::Manager::state::<AppState>(app);
    with_store(&state, |s| s.notification_centre(200))
}

pub async fn get_notify_settings<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
) -> Res<NotifySettings> {
    let state = tauri::Manager::state::<AppState>(app);
    with_store(&state, |s| engine::settings(s))
}

pub async fn set_notify_settings<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    settings: NotifySettings,
) -> Res<NotifySettings> {
    let state = tauri::Manager::state::<AppState>(app);
    let r = with_store(&state, |s| {
        engine::save_settings(s, &settings)?;
        Ok(settings)
    });
    wake(&state);
    r
}

pub async fn sla_report<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    customer: String,
    month: String,
) -> Res<SlaReport> {
    let state = tauri::Manager::state::<AppState>(app);
    let now = state.clock.now();
    with_store(&state, |s| s.sla_report(&customer, &month, now))
}

/// Saves a report where the technician says in a native save dialog, and says where.
pub async fn save_sla_report<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    customer: String,
    month: String,
    format: String,
) -> Res<SavedFile> {
    let app = app.clone();
    let state = tauri::Manager::state::<AppState>(&app);
    let now = state.clock.now();
    let (text, name) = with_store(&state, |s| {
        let r = s.sla_report(&customer, &month, now)?;
        let (text, ext) = match format.as_str() {
            "csv" => (reports::csv_file(&r), "csv"),
            "html" => (reports::to_html(&r), "html"),
            other => {
                return Err(StoreError::BadFile(format!(
                    "report format {other:?}: use csv or html"
                )))
            }
        };
        // The customer id is validated by the fleet (no path separators).
        Ok((
            text,
            format!("fieldline-sla-{}-{}.{ext}", r.customer, r.month),
        ))
    })?;
    let path = crate::consent::pick(
        &app,
        crate::consent::Pick::Save,
        (
            "Fieldline: save the SLA report as",
            "Fieldline: SLA 보고서를 저장할 위치",
        ),
        Some(name),
        None,
    )
    .await?
    .ok_or_else(|| IpcError::NotApproved {
        message: "no file was chosen; the report was not saved".into(),
    })?;
    fieldline_fs::write_private(&path, text.as_bytes()).map_err(|e| IpcError::Store {
        message: format!("cannot write {}: {e}", path.display()),
    })?;
    Ok(SavedFile {
        path: path.display().to_string(),
    })
}

/// For the backup operations, which open connections of their own: the store's folder, and
/// a folder the technician picks natively (`title` in English and Korean; opening in the
/// data folder's `backups/` with `in_backups`), or `NotApproved` saying `cancelled`.
async fn data_dir_and_picked_folder<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    title: (&str, &str),
    in_backups: bool,
    cancelled: &str,
) -> Res<(std::path::PathBuf, std::path::PathBuf)> {
    let state = tauri::Manager::state::<AppState>(app);
    let data_dir = state.data_dir.clone().ok_or_else(|| IpcError::Store {
        message: "the store is not open; use `fieldline backup` or `fieldline restore` instead"
            .into(),
    })?;
    let start = in_backups.then(|| data_dir.join(fieldline_store::backup::BACKUPS_DIR));
    let folder = crate::consent::pick(app, crate::consent::Pick::Folder, title, None, start)
        .await?
        .ok_or_else(|| IpcError::NotApproved {
            message: cancelled.into(),
        })?;
    Ok((data_dir, folder))
}

/// Backs up the store, known_hosts and the audit log (never a secret) into a new
/// `fieldline-backup-<time>` folder inside the folder the technician picks natively, on a
/// connection of its own (the window's store stays free meanwhile). [`restore_store`]
/// brings one back.
pub async fn backup_store<R: tauri::Runtime>(app: &tauri::AppHandle<R>) -> Res<SavedFile> {
    let (data_dir, parent) = data_dir_and_picked_folder(
        app,
        (
            "Fieldline: keep the backup in which folder?",
            "Fieldline: 백업을 어느 폴더에 둘까요?",
        ),
        false,
        "no folder was chosen; no backup was made",
    )
    .await?;
    crate::consent::operate(app, move |_, _, _| {
        let report = Store::open(&data_dir)?.backup_folder(&parent)?;
        Ok(SavedFile {
            path: report.folder.display().to_string(),
        })
    })
    .await
}

/// Restores a backup folder the technician picks natively, once they allowed it in a
/// native dialog that says what is replaced: checked, staged, and carried out by the app's
/// next start, to which it restarts at once (`fieldline_app::backup`). `app_info` then says
/// how it went.
pub async fn restore_store<R: tauri::Runtime>(app: &tauri::AppHandle<R>) -> Res<()> {
    let (data_dir, source) = data_dir_and_picked_folder(
        app,
        (
            "Fieldline: restore which backup folder (fieldline-backup-…)?",
            "Fieldline: 어느 백업 폴더(fieldline-backup-…)를 복원할까요?",
        ),
        true,
        "no backup folder was chosen; nothing was restored",
    )
    .await?;
    crate::consent::operate(app, move |_, native, lang| {
        fieldline_app::backup::stage(&source, &data_dir, native, lang)
    })
    .await?;
    app.request_restart();
    Ok(())
}

/// What Settings → About copies for a support engineer: versions, the folders, the end of
/// the log (which holds no secret).
pub async fn diagnostics<R: tauri::Runtime>(app: &tauri::AppHandle<R>) -> Res<String> {
    let state = tauri::Manager::state::<AppState>(app);
    let schema = with_store(&state, |s| s.schema_version()).ok();
    let log_dir = tauri::Manager::try_state::<crate::LogDir>(app).and_then(|d| d.0.clone());
    let data_dir = state.data_dir.clone();
    tauri::async_runtime::spawn_blocking(move || {
        fieldline_app::log::diagnostics(data_dir.as_deref(), schema, log_dir.as_deref())
    })
    .await
    .map_err(|e| IpcError::Remote {
        message: format!("the diagnostics could not be gathered: {e}"),
    })
}

/// The daily backups: their folder, the newest backup there, the last failure.
pub async fn auto_backup<R: tauri::Runtime>(app: &tauri::AppHandle<R>) -> Res<AutoBackup> {
    let state = tauri::Manager::state::<AppState>(app);
    with_store(&state, |s| fieldline_app::backup::auto_view(s))
}

/// Turns the daily backups on into a folder the technician picks natively (the page names
/// none), and makes the first one at once on a connection of its own when it is due.
pub async fn choose_auto_backup_folder<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
) -> Res<AutoBackup> {
    let (data_dir, folder) = data_dir_and_picked_folder(
        app,
        (
            "Fieldline: make the daily backups in which folder?",
            "Fieldline: 매일 백업을 어느 폴더에 만들까요?",
        ),
        false,
        "no folder was chosen; daily backups are as they were",
    )
    .await?;
    crate::consent::operate(app, move |state, _, _| {
        with_store(state, |s| {
            fieldline_app::backup::set_auto_folder(s, Some(&folder))
        })?;
        // A failure is kept in the settings and shown with the rest.
        let _first = Store::open(&data_dir).and_then(|mut own| {
            fieldline_app::backup::auto_backup_if_due(&mut own, jiff::Timestamp::now())
        });
        with_store(state, |s| fieldline_app::backup::auto_view(s))
    })
    .await
}

/// Turns the daily backups off (the backups made stay where they are).
pub async fn stop_auto_backup<R: tauri::Runtime>(app: &tauri::AppHandle<R>) -> Res<AutoBackup> {
    let state = tauri::Manager::state::<AppState>(app);
    with_store(&state, |s| {
        fieldline_app::backup::set_auto_folder(s, None)?;
        fieldline_app::backup::auto_view(s)
    })
}

/// Helpdesk connections with their sync status (and whether the keychain holds a secret;
/// the secret itself never goes to the UI).
pub async fn connections<R: tauri::Runtime>(app: &tauri::AppHandle<R>) -> Res<Vec<ConnectionView>> {
    crate::consent::operate(app, |state, _, _| {
        helpdesk::list(state, &Keychain::default())
    })
    .await
}

/// A new connection of `kind` with that helpdesk's default mapping.
pub async fn connection_template<R: tauri::Runtime>(
    _app: &tauri::AppHandle<R>,
    kind: ConnectorKind,
) -> Res<ConnectionConfig> {
    Ok(ConnectionConfig::template(kind))
}

/// Saves a connection, its secret bound to the connection's origin
/// (`fieldline_app::helpdesk::save`).
pub async fn save_connection<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    config: ConnectionConfig,
    secret: Option<String>,
) -> Res<ConnectionView> {
    crate::consent::operate(app, move |state, _, _| {
        helpdesk::save(state, &Keychain::default(), config, secret.as_deref())
    })
    .await
}

/// Removes a connection, its tickets and its secret (refused while changes wait).
pub async fn delete_connection<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    name: String,
) -> Res<()> {
    crate::consent::operate(app, move |state, _, _| {
        helpdesk::remove(state, &Keychain::default(), &name)?;
        wake(state);
        Ok(())
    })
    .await
}

/// Reaches the helpdesk with `config`, before or after saving; a kept secret goes only to
/// the origin it was saved for (`fieldline_app::helpdesk::test`).
pub async fn test_connection<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    config: ConnectionConfig,
    secret: Option<String>,
) -> Res<ConnectionTest> {
    crate::consent::operate(app, move |state, _, _| {
        Ok(helpdesk::test(
            state,
            &Keychain::default(),
            &config,
            secret.as_deref(),
        ))
    })
    .await
}

/// One sync run of `name` (or of every connection), off the window's store.
pub async fn sync_now<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    name: Option<String>,
) -> Res<Vec<SyncReport>> {
    let app = app.clone();
    tauri::async_runtime::spawn_blocking(move || {
        crate::syncer::run_now(&app, name.map(|n| vec![n]))
    })
    .await
    .map_err(|e| IpcError::Store {
        message: format!("the sync stopped: {e}"),
    })?
    .map_err(|message| IpcError::Store { message })
}

pub async fn sync_conflicts<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
) -> Res<Vec<SyncConflict>> {
    let state = tauri::Manager::state::<AppState>(app);
    with_store(&state, |s| s.sync_conflicts(None))
}

pub async fn resolve_conflict<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    outbox_id: i64,
    resolution: Resolution,
) -> Res<Ticket> {
    let state = tauri::Manager::state::<AppState>(app);
    let now = state.clock.now();
    let t = with_store(&state, |s| s.resolve_conflict(outbox_id, resolution, now))?;
    wake(&state);
    Ok(t)
}

pub async fn fleet_status<R: tauri::Runtime>(app: &tauri::AppHandle<R>) -> Res<FleetStatus> {
    let state = tauri::Manager::state::<AppState>(app);
    let (mut checks, offline, source) = {
        let board = state.status.lock().map_err(|_| IpcError::Store {
            message: "fleet status is unavailable after an earlier failure; restart Fieldline"
                .into(),
        })?;
        (
            board.checks.values().cloned().collect::<Vec<_>>(),
            board.offline.clone(),
            board.source.clone(),
        )
    };
    checks.sort_by(|a, b| (&a.endpoint, a.check).cmp(&(&b.endpoint, b.check)));
    let now = fieldline_monitor::engine::now_unix();
    let uptime_24h = with_store(&state, |s| {
        let fleet = s.fleet()?;
        s.uptime(&fleet, now, 86_400)
    })?;
    Ok(FleetStatus {
        checks,
        offline,
        uptime_24h,
        source,
    })
}

pub async fn status_history<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    endpoint: String,
    check: u32,
    from_s: i64,
    to_s: i64,
) -> Res<Vec<HistoryPoint>> {
    let state = tauri::Manager::state::<AppState>(app);
    let now = fieldline_monitor::engine::now_unix();
    with_store(&state, |s| {
        s.status_history(&endpoint, check, from_s, to_s, now)
    })
}

pub async fn uptime<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    window_hours: u32,
) -> Res<Uptimes> {
    let state = tauri::Manager::state::<AppState>(app);
    let now = fieldline_monitor::engine::now_unix();
    with_store(&state, |s| {
        let fleet = s.fleet()?;
        s.uptime(&fleet, now, i64::from(window_hours.max(1)) * 3600)
    })
}

pub async fn maintenance_windows<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
) -> Res<Vec<MaintenanceWindow>> {
    let state = tauri::Manager::state::<AppState>(app);
    with_store(&state, |s| s.maintenance())
}

/// Adds a window (its `id` is ignored; the stored window comes back with its own). The
/// engine picks it up within a second.
pub async fn add_maintenance<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    window: MaintenanceWindow,
) -> Res<MaintenanceWindow> {
    let state = tauri::Manager::state::<AppState>(app);
    with_store(&state, |s| s.add_maintenance(window))
}

pub async fn remove_maintenance<R: tauri::Runtime>(app: &tauri::AppHandle<R>, id: i64) -> Res<()> {
    let state = tauri::Manager::state::<AppState>(app);
    with_store(&state, |s| {
        if s.remove_maintenance(id)? {
            Ok(())
        } else {
            Err(StoreError::NotFound {
                what: "maintenance window",
                id: id.to_string(),
            })
        }
    })
}

pub async fn acknowledgements<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
) -> Res<Vec<Acknowledgement>> {
    let state = tauri::Manager::state::<AppState>(app);
    with_store(&state, |s| s.acknowledgements())
}

/// Acknowledges an endpoint's problem (one check, or all of them) with a comment, until
/// `until_s` (Unix seconds) or until the check is OK again.
pub async fn acknowledge<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    endpoint: String,
    check: Option<u32>,
    comment: String,
    until_s: Option<i64>,
) -> Res<Acknowledgement> {
    let state = tauri::Manager::state::<AppState>(app);
    let at = fieldline_monitor::engine::now_unix();
    with_store(&state, |s| {
        s.acknowledge(Acknowledgement {
            id: 0,
            endpoint,
            check,
            comment,
            at,
            until: until_s,
        })
    })
}

pub async fn remove_acknowledgement<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    id: i64,
) -> Res<()> {
    let state = tauri::Manager::state::<AppState>(app);
    with_store(&state, |s| {
        if s.remove_acknowledgement(id)? {
            Ok(())
        } else {
            Err(StoreError::NotFound {
                what: "acknowledgement",
                id: id.to_string(),
            })
        }
    })
}

pub async fn prometheus_source<R: tauri::Runtime>(app: &tauri::AppHandle<R>) -> Res<PromSettings> {
    crate::consent::operate(app, |state, _, _| {
        prometheus::settings(state, &Keychain::default())
    })
    .await
}

/// Saves the source (read within seconds, then every 30 s), or removes it and its secret
/// (`None`); see `fieldline_app::prometheus::save`.
pub async fn save_prometheus_source<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    source: Option<PromSource>,
    secret: Option<String>,
) -> Res<PromSettings> {
    crate::consent::operate(app, move |state, _, _| {
        prometheus::save(state, &Keychain::default(), source, secret.as_deref())
    })
    .await
}

/// Reads the source once with these settings and `secret`, before or after saving: what it
/// matched, what it could not, and its warnings. Without a `secret`, the keychain's is
/// used only if it was saved for these origins (the saved source's); a typed one goes to
/// these addresses (never plain http:// to another machine).
pub async fn test_prometheus_source<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    source: PromSource,
    secret: Option<String>,
) -> Res<SourceReport> {
    let asked = source.clone();
    let (secret, fleet) = crate::consent::operate(app, move |state, _, _| {
        prometheus::prepare_test(state, &Keychain::default(), &asked, secret.as_deref())
    })
    .await?;
    prometheus::read_once(&source, secret.as_deref(), &fleet)
        .await
        .map_err(|message| IpcError::Unreachable { message })
}
