//! Remote sessions in the window: terminal tabs (one `fieldline_ssh` session actor each),
//! local forwards, SFTP transfers and fan-outs, their IPC commands and events.
//!
//! Nothing here holds the window's store across the network: each command reads what it
//! needs (fleet, profiles) under the lock, lets go, then connects on a blocking thread.
//! Terminal output goes to the window batched by the actor, through the terminal filter
//! (no clipboard writes, no answer-back), and into the session's asciicast recording;
//! input is never recorded. Every session, forward, transfer and fan-out is audited.
//!
//! Host keys: a terminal tab asks the technician (first contact shows the fingerprint);
//! forwards, SFTP and fan-out never ask and need a key already known (a terminal tab, or
//! an import of `~/.ssh/known_hosts`). A changed key is refused everywhere.

use crate::commands::with_store;
use crate::consent::{self, Pick};
use crate::AppState;
use fieldline_app::fanout as fanout_ops;
use fieldline_app::remote::{remote_error, Context};
use fieldline_app::{files, forwards, host_keys, profiles};
use fieldline_core::Fleet;
use fieldline_ipc::{
    events, FanoutPreview, FanoutView, ForwardView, IpcError, SavedFile, SessionEventPayload,
    SessionInfo, SshProfileView, TransferState, TransferView,
};
use fieldline_keychain::Keychain;
use fieldline_ssh::audit::AuditAction;
use fieldline_ssh::connect::HostKeyQuestion;
use fieldline_ssh::fanout::{self, Cancel, FanoutOptions, Selector, Summary};
use fieldline_ssh::forward::Forward;
use fieldline_ssh::known_hosts::{HostKeyPolicy, ImportReport, KnownHostEntry};
use fieldline_ssh::profile::{AuthMethod, CredentialProfile};
use fieldline_ssh::recording::{self, RecordingInfo};
use fieldline_ssh::session::{SessionEvent, SessionHandle};
use fieldline_ssh::sftp::{self, Direction, Listing};
use fieldline_ssh::ssh_config::ImportPlan;
use fieldline_ssh::DataPaths;
use fieldline_store::remote::Snippet;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tauri::{Emitter, Manager};

type Res<T> = Result<T, IpcError>;

/// The most a single `session_write` may carry (a paste); more is refused, not cut.
const MAX_WRITE: usize = 1 << 20;
/// How long unreachable fan-out hosts are retried when the technician asks for it.
const QUEUE_FOR: Duration = Duration::from_secs(30 * 60);

struct Tab {
    handle: Arc<SessionHandle>,
    endpoint: String,
    customer: Option<String>,
    /// The host key the actor asked about last, for the audit log.
    asked: Option<HostKeyQuestion>,
}

struct Transfer {
    view: TransferView,
    cancel: Arc<AtomicBool>,
}

struct Fanout {
    view: Arc<Mutex<FanoutView>>,
    cancel: Cancel,
}

/// Everything open: terminal tabs, forwards, transfers and fan-outs, by id.
#[derive(Default)]
pub struct Remote {
    next: AtomicU64,
    tabs: Mutex<BTreeMap<u64, Tab>>,
    forwards: Mutex<BTreeMap<u64, (String, Forward)>>,
    transfers: Mutex<BTreeMap<u64, Transfer>>,
    fanouts: Mutex<BTreeMap<u64, Fanout>>,
}

impl Remote {
    fn id(&self) -> u64 {
        self.next.fetch_add(1, Ordering::Relaxed) + 1
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn context(state: &AppState) -> Res<Context> {
    Context::load(state)
}

/// Records an action in the audit log (best effort: the operation was done).
fn audit(
    ctx: &Context,
    action: AuditAction,
    customer: Option<&str>,
    endpoint: Option<&str>,
    detail: serde_json::Value,
) {
    if let Err(e) = ctx.record(action, customer, endpoint, detail) {
        tracing::error!("audit entry not written: {e}");
    }
}

/// Runs blocking work (connecting, the keychain) off Tauri's async threads.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Res<T> + Send + 'static) -> Res<T> {
    tauri::async_runtime::spawn_blocking(f)
        .await
        .map_err(|e| remote_error(format!("the work stopped: {e}")))?
}

// ---- credential profiles ----

pub async fn ssh_profiles<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
) -> Res<Vec<SshProfileView>> {
    consent::operate(app, |state, _, _| {
        profiles::list(state, &Keychain::default())
    })
    .await
}

/// Saves a profile; `secret` (key text or password) and `passphrase` go to the keychain
/// only (`None` or empty keeps what is there).
pub async fn save_ssh_profile<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    profile: CredentialProfile,
    secret: Option<String>,
    passphrase: Option<String>,
) -> Res<Vec<SshProfileView>> {
    let state = tauri::Manager::state::<AppState>(app);
    let mut profile = profile;
    let name = profile.name.clone();
    // A key file is a file outside the data folder: the window may ask for one, but the
    // file itself is chosen in a native picker (unless it is the one already saved).
    if let AuthMethod::Key {
        key_file: Some(asked),
    } = &profile.method
    {
        let saved: Vec<CredentialProfile> = with_store(&state, |s| s.ssh_profiles())?;
        let same = saved
            .iter()
            .any(|p| p.name == name && p.method == profile.method);
        if !same {
            let asked = asked.clone();
            let start = asked
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .map(Path::to_path_buf)
                .or_else(|| dirs::home_dir().map(|h| h.join(".ssh")));
            let picked = consent::pick(
                app,
                Pick::File,
                (
                    "Fieldline: which private key file does this profile use?",
                    "Fieldline: 이 프로필이 사용할 개인 키 파일은 무엇인가요?",
                ),
                asked.file_name().map(|n| n.to_string_lossy().into_owned()),
                start,
            )
            .await?
            .ok_or_else(|| IpcError::NotApproved {
                message: "no key file was chosen; the profile was not saved".into(),
            })?;
            profile.method = AuthMethod::Key {
                key_file: Some(picked),
            };
        }
    }
    consent::operate(app, move |state, _, _| {
        let secrets = Keychain::default();
        profiles::save(
            state,
            &secrets,
            &profile,
            secret.as_deref(),
            passphrase.as_deref(),
        )?;
        profiles::list(state, &secrets)
    })
    .await
}

pub async fn remove_ssh_profile<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    name: String,
) -> Res<Vec<SshProfileView>> {
    consent::operate(app, move |state, _, _| {
        let secrets = Keychain::default();
        profiles::remove(state, &secrets, &name)?;
        profiles::list(state, &secrets)
    })
    .await
}

// ---- known hosts ----

pub async fn known_hosts<R: tauri::Runtime>(app: &tauri::AppHandle<R>) -> Res<Vec<KnownHostEntry>> {
    let state = tauri::Manager::state::<AppState>(app);
    host_keys::list(&*state)
}

/// Forgets the key on `line` of Fieldline's known_hosts (after a verified key change),
/// once the technician has approved it in a native dialog naming the host and key.
pub async fn remove_known_host<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    line: u32,
) -> Res<Vec<KnownHostEntry>> {
    consent::operate(app, move |state, native, lang| {
        host_keys::forget_line(state, line as usize, native, lang)
    })
    .await
}

/// Trusts the keys of `~/.ssh/known_hosts`, once approved natively.
pub async fn import_known_hosts<R: tauri::Runtime>(app: &tauri::AppHandle<R>) -> Res<ImportReport> {
    consent::operate(app, |state, native, lang| {
        let file = host_keys::openssh_file(lang)?;
        host_keys::import(state, &file, native, lang)
    })
    .await
}

/// Adds the hosts of `~/.ssh/config` as endpoints of `site` (see `fieldline ssh-import`);
/// the bindings and jumps it sets up are approved natively, item by item.
pub async fn import_ssh_config<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    site: String,
    profile: Option<String>,
) -> Res<ImportPlan> {
    consent::operate(app, move |state, native, lang| {
        let file = fieldline_app::fleet::openssh_config(lang)?;
        fieldline_app::fleet::import_ssh_config(
            state,
            &file,
            &site,
            profile.as_deref(),
            native,
            lang,
        )
    })
    .await
}

// ---- terminal tabs ----

/// Opens a terminal tab's session to `endpoint` (through its jump hosts). Its progress,
/// questions and output arrive as `session-event`s.
pub async fn open_session<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    endpoint: String,
    cols: u16,
    rows: u16,
) -> Res<SessionInfo> {
    let events_app = app.clone();
    // Logging in reaches the customer: asked natively (who, as whom, through which jumps).
    consent::operate(app, move |state, native, lang| {
        let ctx = context(state)?;
        let id = state.remote.id();
        let on_event = Box::new(move |event: SessionEvent| {
            if let SessionEvent::HostKey(q) = &event {
                if let Some(tab) = lock(&events_app.state::<AppState>().remote.tabs).get_mut(&id) {
                    tab.asked = Some(q.clone());
                }
            }
            let _ = events_app.emit(events::SESSION_EVENT, SessionEventPayload { id, event });
        });
        let opened = fieldline_app::sessions::open(
            &ctx,
            fieldline_app::sessions::Open {
                endpoint: &endpoint,
                cols,
                rows,
                title: format!("Fieldline: {endpoint}"),
                options: ctx.connect_options(HostKeyPolicy::Ask),
                secrets: Arc::new(Keychain::default()),
            },
            native,
            lang,
            on_event,
        )?;
        let recording = opened.recording.display().to_string();
        lock(&state.remote.tabs).insert(
            id,
            Tab {
                handle: Arc::new(opened.handle),
                endpoint: endpoint.clone(),
                customer: opened.customer,
                asked: None,
            },
        );
        Ok(SessionInfo {
            id,
            title: endpoint.clone(),
            endpoint,
            recording: Some(recording),
        })
    })
    .await
}

fn tab<T>(state: &AppState, id: u64, f: impl FnOnce(&mut Tab) -> T) -> Res<T> {
    lock(&state.remote.tabs)
        .get_mut(&id)
        .map(f)
        .ok_or_else(|| IpcError::NotFound {
            message: format!("session {id} is not open any more"),
        })
}

pub async fn session_write<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    id: u64,
    data: String,
) -> Res<()> {
    let state = tauri::Manager::state::<AppState>(app);
    if data.len() > MAX_WRITE {
        return Err(remote_error(format!(
            "that paste is {} bytes; at most {MAX_WRITE} are sent at once",
            data.len()
        )));
    }
    tab(&state, id, |t| t.handle.write(data.as_bytes()))?;
    Ok(())
}

pub async fn session_resize<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    id: u64,
    cols: u16,
    rows: u16,
) -> Res<()> {
    let state = tauri::Manager::state::<AppState>(app);
    tab(&state, id, |t| {
        t.handle.resize(cols.clamp(10, 1000), rows.clamp(3, 500))
    })?;
    Ok(())
}

pub async fn close_session<R: tauri::Runtime>(app: &tauri::AppHandle<R>, id: u64) -> Res<()> {
    let state = tauri::Manager::state::<AppState>(app);
    if let Some(tab) = lock(&state.remote.tabs).remove(&id) {
        tab.handle.close();
    }
    Ok(())
}

/// Refuses the key the session asked about, or (accept) asks the technician in a native
/// dialog showing the fingerprint and accepts it only when they allow it there: the window
/// alone can refuse a key, never trust one.
pub async fn answer_host_key<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    id: u64,
    accept: bool,
) -> Res<()> {
    let app = app.clone();
    let state = tauri::Manager::state::<AppState>(&app);
    let (question, customer, endpoint) = tab(&state, id, |t| {
        (t.asked.clone(), t.customer.clone(), t.endpoint.clone())
    })?;
    let accept = match (&question, accept) {
        (Some(q), true) => {
            let asked =
                consent::require(&app, fieldline_app::remote::accept_host_key(&endpoint, q)).await;
            match asked {
                Ok(()) => true,
                Err(IpcError::NotApproved { .. }) => false,
                Err(e) => return Err(e),
            }
        }
        (None, true) => {
            return Err(IpcError::NotFound {
                message: format!("session {id} is not asking about a host key"),
            })
        }
        (_, false) => false,
    };
    let asked = tab(&state, id, |t| {
        // Answer only the question that was approved (a newer one is asked again).
        if t.asked == question {
            t.handle.answer_host_key(accept);
            t.asked.take()
        } else {
            None
        }
    })?;
    if let Some(q) = asked {
        audit(
            &ctx_audit(&state)?,
            if accept {
                AuditAction::HostKeyAccepted
            } else {
                AuditAction::HostKeyRefused
            },
            customer.as_deref(),
            Some(&endpoint),
            serde_json::json!({ "hop": q.label, "host": q.host, "port": q.port, "key_type": q.key_type, "fingerprint": q.fingerprint }),
        );
    }
    if question.is_some() && !accept {
        return Err(IpcError::NotApproved {
            message: "the host key was not trusted; the session stops".into(),
        });
    }
    Ok(())
}

/// A context that can only audit (no fleet read).
fn ctx_audit(state: &AppState) -> Res<Context> {
    Ok(Context {
        fleet: Fleet::default(),
        profiles: Vec::new(),
        paths: fieldline_app::remote::paths(state)?,
    })
}

pub async fn answer_secret<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    id: u64,
    secret: Option<String>,
) -> Res<()> {
    let state = tauri::Manager::state::<AppState>(app);
    tab(&state, id, |t| t.handle.answer_secret(secret))?;
    Ok(())
}

// ---- forwards ----

fn forward_views(state: &AppState) -> Vec<ForwardView> {
    lock(&state.remote.forwards)
        .iter()
        .map(|(id, (endpoint, f))| ForwardView {
            id: *id,
            endpoint: endpoint.clone(),
            status: f.status(),
        })
        .collect()
}

pub async fn forwards<R: tauri::Runtime>(app: &tauri::AppHandle<R>) -> Res<Vec<ForwardView>> {
    let state = tauri::Manager::state::<AppState>(app);
    Ok(forward_views(&state))
}

/// Opens `127.0.0.1:local_port` (0: any free port) to `remote_host:remote_port` as seen
/// from `endpoint`, once allowed in a native dialog.
pub async fn open_forward<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    endpoint: String,
    local_port: u16,
    remote_host: String,
    remote_port: u16,
) -> Res<ForwardView> {
    consent::operate(app, move |state, native, lang| {
        let ctx = context(state)?;
        let forward = forwards::open(
            &ctx,
            &Keychain::default(),
            &forwards::Target {
                endpoint: &endpoint,
                local_port,
                remote_host: &remote_host,
                remote_port,
            },
            native,
            lang,
        )?;
        let status = forward.status();
        let id = state.remote.id();
        lock(&state.remote.forwards).insert(id, (endpoint.clone(), forward));
        Ok(ForwardView {
            id,
            endpoint,
            status,
        })
    })
    .await
}

pub async fn close_forward<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    id: u64,
) -> Res<Vec<ForwardView>> {
    // Joining the forward's thread may take a moment: not on the async threads.
    consent::operate(app, move |state, _, _| {
        let closed = lock(&state.remote.forwards).remove(&id);
        if let Some((endpoint, forward)) = closed {
            forwards::close(&context(state)?, &endpoint, forward);
        }
        Ok(forward_views(state))
    })
    .await
}

// ---- SFTP ----

pub async fn sftp_list<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    endpoint: String,
    path: String,
) -> Res<Listing> {
    consent::operate(app, move |state, _, _| {
        files::list(&context(state)?, &Keychain::default(), &endpoint, &path)
    })
    .await
}

/// Starts a download or upload; `transfer-changed` events follow it. The local side is
/// chosen by the technician in a native picker (a folder to download into, a file to
/// upload): the window never names a path on this computer.
pub async fn sftp_transfer<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    endpoint: String,
    direction: Direction,
    remote: String,
    folder: bool,
) -> Res<TransferView> {
    let app = app.clone();
    let state = tauri::Manager::state::<AppState>(&app);
    let ctx = context(&state)?;
    // Refused before the picker opens: no audit log, or no such endpoint.
    ctx.audit_ready()?;
    ctx.route(&endpoint)?;
    let picked = match direction {
        Direction::Download => {
            consent::pick(
                &app,
                Pick::Folder,
                (
                    "Fieldline: download into which folder?",
                    "Fieldline: 어느 폴더로 내려받을까요?",
                ),
                None,
                None,
            )
            .await?
        }
        Direction::Upload if folder => {
            consent::pick(
                &app,
                Pick::Folder,
                (
                    "Fieldline: upload which folder?",
                    "Fieldline: 어떤 폴더를 올릴까요?",
                ),
                None,
                None,
            )
            .await?
        }
        Direction::Upload => {
            consent::pick(
                &app,
                Pick::File,
                (
                    "Fieldline: upload which file?",
                    "Fieldline: 어떤 파일을 올릴까요?",
                ),
                None,
                None,
            )
            .await?
        }
    };
    let local_path = picked.ok_or_else(|| IpcError::NotApproved {
        message: "no local file or folder was chosen; nothing was transferred".into(),
    })?;
    let local = local_path.display().to_string();
    let id = state.remote.id();
    let cancel = Arc::new(AtomicBool::new(false));
    let view = TransferView {
        id,
        endpoint: endpoint.clone(),
        direction,
        remote: remote.clone(),
        local: local.clone(),
        progress: sftp::Progress::default(),
        state: TransferState::Running,
        error: None,
    };
    lock(&state.remote.transfers).insert(
        id,
        Transfer {
            view: view.clone(),
            cancel: cancel.clone(),
        },
    );
    std::thread::spawn(move || {
        let update = |f: &dyn Fn(&mut TransferView)| {
            let state = app.state::<AppState>();
            let mut all = lock(&state.remote.transfers);
            if let Some(t) = all.get_mut(&id) {
                f(&mut t.view);
                let _ = app.emit(events::TRANSFER_CHANGED, t.view.clone());
            }
        };
        let mut report = |p: &sftp::Progress| update(&|v| v.progress = p.clone());
        let result = files::transfer(
            &ctx,
            &Keychain::default(),
            &files::Transfer {
                endpoint: &endpoint,
                direction,
                remote: &remote,
                local: &local_path,
            },
            &cancel,
            &mut report,
        );
        let cancelled = cancel.load(Ordering::Relaxed);
        update(&|v| match &result {
            Ok(p) => {
                v.progress = p.clone();
                v.state = TransferState::Done;
            }
            Err(_) if cancelled => v.state = TransferState::Cancelled,
            Err(e) => {
                v.state = TransferState::Failed;
                v.error = Some(e.clone());
            }
        });
    });
    Ok(view)
}

pub async fn transfers<R: tauri::Runtime>(app: &tauri::AppHandle<R>) -> Res<Vec<TransferView>> {
    let state = tauri::Manager::state::<AppState>(app);
    let all = lock(&state.remote.transfers)
        .values()
        .map(|t| t.view.clone())
        .collect();
    Ok(all)
}

pub async fn cancel_transfer<R: tauri::Runtime>(app: &tauri::AppHandle<R>, id: u64) -> Res<()> {
    let state = tauri::Manager::state::<AppState>(app);
    if let Some(t) = lock(&state.remote.transfers).get(&id) {
        t.cancel.store(true, Ordering::Relaxed);
    }
    Ok(())
}

// ---- fan-out ----

/// What a fan-out would touch, for the window to show before the technician runs it.
pub async fn fanout_preview<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    selector: Selector,
) -> Res<FanoutPreview> {
    let state = tauri::Manager::state::<AppState>(app);
    fanout_ops::preview(&context(&state)?.fleet, &selector)
        .map_err(|message| IpcError::NotFound { message })
}

/// Runs `command` on every host `selector` picks, after the technician has allowed it in
/// a native dialog stating how many hosts of which customers it touches.
pub async fn run_fanout<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    selector: Selector,
    command: String,
    concurrency: u32,
    queue_unreachable: bool,
) -> Res<FanoutView> {
    let app = app.clone();
    let state = tauri::Manager::state::<AppState>(&app);
    let ctx = context(&state)?;
    let plan =
        fanout_ops::plan(&ctx, &selector).map_err(|message| IpcError::NotFound { message })?;
    if command.trim().is_empty() {
        return Err(remote_error("the command is empty"));
    }
    consent::require(&app, plan.ask(&command)).await?;
    let log = ctx.audit_log()?;
    let id = state.remote.id();
    let started = jiff::Timestamp::now().as_second();
    let waiting: Vec<fanout::HostResult> = plan
        .hosts
        .iter()
        .map(|h| fanout::HostResult {
            endpoint: h.endpoint.clone(),
            customer: h.customer.clone(),
            state: fanout::HostState::Waiting,
            exit: None,
            output: String::new(),
            error: None,
            queued_until: None,
            duration_ms: None,
        })
        .collect();
    let view = Arc::new(Mutex::new(FanoutView {
        id,
        command: command.clone(),
        started,
        summary: Summary::of(&waiting),
        hosts: waiting,
        finished: false,
    }));
    let cancel = Cancel::default();
    lock(&state.remote.fanouts).insert(
        id,
        Fanout {
            view: view.clone(),
            cancel: cancel.clone(),
        },
    );
    let options = FanoutOptions {
        concurrency: concurrency.clamp(1, fanout::MAX_CONCURRENCY as u32) as usize,
        queue_for: queue_unreachable.then_some(QUEUE_FOR),
        ..FanoutOptions::default()
    };
    let connect_options = ctx.connect_options(HostKeyPolicy::Strict);
    let first = lock(&view).clone();
    std::thread::spawn(move || {
        let emit = |v: &FanoutView| {
            let _ = app.emit(events::FANOUT_CHANGED, v.clone());
        };
        let results = fanout_ops::run_audited(
            plan,
            &command,
            &fanout_ops::RunWith {
                options: &options,
                connect: &connect_options,
                secrets: &Keychain::default(),
                cancel: &cancel,
                log: &log,
            },
            &|r| {
                let mut v = lock(&view);
                if let Some(slot) = v.hosts.iter_mut().find(|h| h.endpoint == r.endpoint) {
                    *slot = r.clone();
                }
                v.summary = Summary::of(&v.hosts);
                emit(&v);
            },
        );
        let mut v = lock(&view);
        match results {
            Ok(results) => v.hosts = results,
            Err(e) => {
                for h in &mut v.hosts {
                    h.state = fanout::HostState::Cancelled;
                    h.error = Some(e.clone());
                }
            }
        }
        v.summary = Summary::of(&v.hosts);
        v.finished = true;
        emit(&v);
    });
    Ok(first)
}

pub async fn fanouts<R: tauri::Runtime>(app: &tauri::AppHandle<R>) -> Res<Vec<FanoutView>> {
    let state = tauri::Manager::state::<AppState>(app);
    let all = lock(&state.remote.fanouts)
        .values()
        .map(|f| lock(&f.view).clone())
        .collect();
    Ok(all)
}

/// Cancels one queued host of a fan-out, or (no endpoint) everything not yet run.
pub async fn cancel_queued<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    id: u64,
    endpoint: Option<String>,
) -> Res<()> {
    let state = tauri::Manager::state::<AppState>(app);
    if let Some(f) = lock(&state.remote.fanouts).get(&id) {
        match endpoint {
            Some(e) => f.cancel.host(&e),
            None => f.cancel.all(),
        }
    }
    Ok(())
}

pub async fn snippets<R: tauri::Runtime>(app: &tauri::AppHandle<R>) -> Res<Vec<Snippet>> {
    let state = tauri::Manager::state::<AppState>(app);
    with_store(&state, |s| s.snippets())
}

pub async fn save_snippet<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    snippet: Snippet,
) -> Res<Vec<Snippet>> {
    let state = tauri::Manager::state::<AppState>(app);
    with_store(&state, |s| {
        s.put_snippet(&snippet)?;
        s.snippets()
    })
}

pub async fn remove_snippet<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    name: String,
) -> Res<Vec<Snippet>> {
    let state = tauri::Manager::state::<AppState>(app);
    with_store(&state, |s| {
        s.remove_snippet(&name)?;
        s.snippets()
    })
}

// ---- recordings and audit ----

pub async fn recordings<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    customer: Option<String>,
) -> Res<Vec<RecordingInfo>> {
    let state = tauri::Manager::state::<AppState>(app);
    let paths = with_store(&state, |s| Ok(DataPaths::in_dir(s.data_dir())))?;
    Ok(recording::list(&paths.recordings, customer.as_deref()))
}

/// Writes the customer's audit entries (with their hashes) and session recordings into a
/// new folder inside the folder the technician picks in a native picker.
pub async fn export_session_audit<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    customer: String,
) -> Res<SavedFile> {
    let app = app.clone();
    let state = tauri::Manager::state::<AppState>(&app);
    let paths = with_store(&state, |s| Ok(DataPaths::in_dir(s.data_dir())))?;
    let dir = consent::pick(
        &app,
        Pick::Folder,
        (
            "Fieldline: export the audit into which folder?",
            "Fieldline: 감사 기록을 어느 폴더로 내보낼까요?",
        ),
        None,
        None,
    )
    .await?
    .ok_or_else(|| IpcError::NotApproved {
        message: "no folder was chosen; nothing was exported".into(),
    })?;
    let name = recording::sanitize_component(&customer);
    let stamp = jiff::Timestamp::now().strftime("%Y%m%d-%H%M%S");
    let out = dir.join(format!("fieldline-sessions-{name}-{stamp}"));
    let done = blocking(move || {
        fieldline_ssh::export_customer(&paths, &customer, &out)
            .map_err(|message| IpcError::Store { message })
    })
    .await?;
    Ok(SavedFile {
        path: done.folder.display().to_string(),
    })
}
