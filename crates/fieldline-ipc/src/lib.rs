//! The one contract between the desktop shell (`src-tauri/`) and the UI (`ui/`).
//!
//! Every command's arguments and result, every error and every event payload is declared
//! here in Rust. `ui/src/bindings.ts` is generated from this crate by [`bindings::render`]
//! (run `scripts/gen-bindings.sh`); a test fails when the committed file is stale. The UI
//! never declares these types itself.
//!
//! This crate has no Tauri dependency so bindings can be regenerated and checked quickly.

pub mod bindings;

use fieldline_core::FleetIssue;
use fieldline_store::tickets::SlaRow;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// An error as the UI receives it: branch on `kind`, show `message`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "kind")]
pub enum IpcError {
    /// The data broke a rule; `issues` says which field of which entity and why.
    Invalid {
        message: String,
        issues: Vec<FleetIssue>,
    },
    /// The thing asked for does not exist (any more).
    NotFound { message: String },
    /// An entity with that id exists already.
    AlreadyExists { message: String },
    /// A file could not be read as a whole (wrong encoding, no header, too large).
    BadFile { message: String },
    /// The local database was written by a newer Fieldline; nothing was changed.
    NewerDatabase {
        message: String,
        found: u32,
        supported: u32,
    },
    /// The local database failed (locked too long, corrupt).
    Store { message: String },
    /// The disk holding Fieldline's data is full: the change was not saved, nothing saved
    /// before is lost. The window says so in its own words (both languages).
    DiskFull { message: String },
    /// The OS keychain could not keep or give a secret (locked, no keychain service).
    Keychain { message: String },
    /// A server (Prometheus, Alertmanager) could not be reached or answered wrongly.
    Unreachable { message: String },
    /// An SSH connection, login, transfer or forward failed; `message` says which hop and
    /// what to do (a changed host key is one of these).
    Remote { message: String },
    /// The technician did not approve it in the native dialog (or cancelled the file
    /// picker); nothing was done. `message` says so in their language.
    NotApproved { message: String },
}

impl IpcError {
    pub fn message(&self) -> &str {
        match self {
            IpcError::Invalid { message, .. }
            | IpcError::NotFound { message }
            | IpcError::AlreadyExists { message }
            | IpcError::BadFile { message }
            | IpcError::NewerDatabase { message, .. }
            | IpcError::Store { message }
            | IpcError::DiskFull { message }
            | IpcError::Keychain { message }
            | IpcError::Unreachable { message }
            | IpcError::Remote { message }
            | IpcError::NotApproved { message } => message,
        }
    }
}

impl std::fmt::Display for IpcError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for IpcError {}

/// A store error as the UI branches on it (one mapping, for the window and the CLI alike).
impl From<fieldline_store::StoreError> for IpcError {
    fn from(e: fieldline_store::StoreError) -> Self {
        use fieldline_store::StoreError;
        let message = e.to_string();
        match e {
            StoreError::Invalid(issues) => IpcError::Invalid { message, issues },
            StoreError::Rejected(_) => IpcError::Invalid {
                message,
                issues: Vec::new(),
            },
            StoreError::NotFound { .. } => IpcError::NotFound { message },
            StoreError::AlreadyExists { .. } => IpcError::AlreadyExists { message },
            StoreError::BadFile(_) => IpcError::BadFile { message },
            StoreError::NewerDatabase {
                found, supported, ..
            } => IpcError::NewerDatabase {
                message,
                found,
                supported,
            },
            StoreError::DiskFull => IpcError::DiskFull { message },
            StoreError::NoDataDir
            | StoreError::Io { .. }
            | StoreError::Open { .. }
            | StoreError::NotFieldline { .. }
            | StoreError::Sqlite(_)
            | StoreError::Damaged { .. } => IpcError::Store { message },
        }
    }
}

/// The UI's languages (declared in the core, where every bilingual text can use it).
pub use fieldline_core::Language;

/// Preferences kept in the local store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Settings {
    /// `null` until the technician picks one; the UI then follows the system language.
    pub language: Option<Language>,
}

/// Facts about this installation, for the Settings page and bug reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AppInfo {
    pub version: String,
    pub data_dir: String,
    pub database: String,
    pub schema_version: u32,
    /// What this start did with a restore asked for in Settings (the app restarts to do
    /// it), if it did one.
    pub restored: Option<RestoreOutcome>,
}

/// The daily backups (Settings → Backup): made into a folder picked in a native picker,
/// the newest `keep` kept there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AutoBackup {
    /// `null`: no daily backups.
    pub folder: Option<String>,
    pub keep: u32,
    /// When the newest backup in the folder was made (RFC 3339), if there is one.
    pub newest: Option<String>,
    /// Why the last daily backup failed; `null` after a success.
    pub error: Option<String>,
}

/// A restore asked for in Settings and carried out as the app started again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RestoreOutcome {
    /// The backup folder (or database file) restored from.
    pub backup: String,
    /// Why it was not restored (then nothing was changed); `null` when it was.
    pub error: Option<String>,
    /// Where the replaced database and files were set aside (not deleted).
    pub set_aside: Vec<String>,
    /// Credential profiles that keep a secret in the keychain, but this computer's keychain
    /// has none for them (secrets are never in a backup): to enter again.
    pub profiles_without_secret: Vec<String>,
    /// Helpdesk connections without their token in this computer's keychain.
    pub connections_without_secret: Vec<String>,
}

/// What an import of a fleet file changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ImportSummary {
    pub customers: u32,
    pub sites: u32,
    pub endpoints: u32,
}

/// Event `fleet-changed`: the inventory changed outside this window (the CLI, another
/// tool writing the same store); the UI reloads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct FleetChanged {
    /// Store revision after the change.
    pub revision: i64,
}

/// The SLA board as of one instant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct SlaBoard {
    /// The instant the clocks were computed at (the injected clock in tests), RFC 3339.
    pub now: String,
    pub now_ms: i64,
    /// An SLA configuration was imported.
    pub configured: bool,
    /// The most urgent rows (at most [`SlaBoard::MAX_ROWS`]).
    pub rows: Vec<SlaRow>,
    /// Rows in all, shown or not.
    pub total: u32,
}

impl SlaBoard {
    pub const MAX_ROWS: usize = 500;
}

/// The SLA configuration in force.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SlaConfigInfo {
    pub file_name: Option<String>,
    pub policies: Vec<String>,
    /// Customer id and the policy of its contract.
    pub contracts: Vec<(String, String)>,
}

/// A file that came with another (a holiday calendar named by a policy file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct NamedFile {
    /// The file's name, as the policy file names it (`korea.ics`).
    pub name: String,
    pub text: String,
}

/// Where a saved report went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SavedFile {
    pub path: String,
}

/// Event `open-item`: a notification was clicked; the UI shows the item
/// (`ticket:12`, `sla:acme`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct OpenItem {
    pub target: String,
}

/// A helpdesk connection as Settings shows it. The secret itself never crosses IPC
/// towards the UI: only whether the keychain holds one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ConnectionView {
    pub config: fieldline_store::sync::ConnectionConfig,
    pub status: fieldline_store::sync::SyncStatus,
    pub has_secret: bool,
    /// Why the keychain could not be asked (locked, no keychain service).
    pub secret_error: Option<String>,
}

/// Event `sync-started`: a sync run of a connection began (scheduled or asked for); its
/// `sync-changed` follows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SyncStarted {
    pub connection: String,
}

/// The fleet's status now: every check the engine runs, and the offline banner.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct FleetStatus {
    pub checks: Vec<fieldline_monitor::engine::CheckStatus>,
    pub offline: Option<fieldline_monitor::engine::Offline>,
    /// Uptime over the last 24 hours.
    pub uptime_24h: fieldline_store::status::Uptimes,
    /// What the Prometheus/Alertmanager source last said, when one is set up.
    pub source: Option<SourceView>,
}

/// The Prometheus/Alertmanager source as Settings shows it; the secret stays in the OS
/// keychain (only whether it holds one comes here).
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct PromSettings {
    pub source: Option<fieldline_monitor::source_prom::PromSource>,
    /// A new source with every default (the form starts from it).
    pub template: fieldline_monitor::source_prom::PromSource,
    pub has_secret: bool,
    /// Why the keychain could not be asked, if it could not.
    pub secret_error: Option<String>,
}

/// What the window knows from the source: the last good read (kept while the source is
/// unreachable, with its time) and why the last attempt failed, if it did.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct SourceView {
    pub prometheus_url: String,
    pub alertmanager_url: Option<String>,
    /// Unix seconds of the last good read.
    #[ts(type = "number | null")]
    pub read_at: Option<i64>,
    pub report: Option<fieldline_monitor::source_prom::SourceReport>,
    /// Unix seconds of the last attempt.
    #[ts(type = "number")]
    pub tried_at: i64,
    pub error: Option<String>,
}

/// Event `source-changed`: the source was read (or failed to be), set up or removed.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct SourceChanged {
    pub source: Option<SourceView>,
}

/// Event `status-changed`: checks whose status changed since the last event (a few events
/// a second at most, never one per probe), and the offline banner as it is now.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct StatusChanged {
    pub checks: Vec<fieldline_monitor::engine::CheckStatus>,
    pub offline: Option<fieldline_monitor::engine::Offline>,
}

/// A credential profile as the Sessions section shows it: the profile (no secret) and
/// which of its secrets the OS keychain holds.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct SshProfileView {
    pub profile: fieldline_ssh::profile::CredentialProfile,
    /// The key text (key profiles without a key file) or the password is in the keychain.
    pub has_secret: bool,
    pub has_passphrase: bool,
}

/// A terminal tab's session, as opened.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct SessionInfo {
    #[ts(type = "number")]
    pub id: u64,
    pub endpoint: String,
    pub title: String,
    /// Where its asciicast recording is written.
    pub recording: Option<String>,
}

/// Event `session-event`: something happened in session `id`.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct SessionEventPayload {
    #[ts(type = "number")]
    pub id: u64,
    pub event: fieldline_ssh::session::SessionEvent,
}

/// A local port forward that is open (or stopped, with why).
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct ForwardView {
    #[ts(type = "number")]
    pub id: u64,
    pub endpoint: String,
    #[serde(flatten)]
    #[ts(flatten)]
    pub status: fieldline_ssh::forward::ForwardStatus,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum TransferState {
    Running,
    Done,
    Failed,
    Cancelled,
}

/// An SFTP transfer; event `transfer-changed` carries it as it moves.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct TransferView {
    #[ts(type = "number")]
    pub id: u64,
    pub endpoint: String,
    pub direction: fieldline_ssh::sftp::Direction,
    pub remote: String,
    pub local: String,
    #[serde(flatten)]
    #[ts(flatten)]
    pub progress: fieldline_ssh::sftp::Progress,
    pub state: TransferState,
    pub error: Option<String>,
}

/// One endpoint a fan-out would touch.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct FanoutTarget {
    pub id: String,
    pub customer: String,
    pub site: String,
    pub host: String,
}

/// What a fan-out would touch, shown before it runs.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct FanoutPreview {
    pub endpoints: Vec<FanoutTarget>,
    /// How many customers those endpoints belong to.
    pub customers: u32,
}

/// A fan-out run; event `fanout-changed` carries it whenever a host's part changes.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct FanoutView {
    #[ts(type = "number")]
    pub id: u64,
    pub command: String,
    /// Unix seconds.
    #[ts(type = "number")]
    pub started: i64,
    pub hosts: Vec<fieldline_ssh::fanout::HostResult>,
    pub summary: fieldline_ssh::fanout::Summary,
    pub finished: bool,
}

/// Names of the events the shell emits.
pub mod events {
    /// Fleet status moved; payload: [`super::StatusChanged`].
    pub const STATUS_CHANGED: &str = "status-changed";
    pub const FLEET_CHANGED: &str = "fleet-changed";
    pub const OPEN_ITEM: &str = "open-item";
    /// A sync run ended (scheduled or asked for); payload: its report.
    pub const SYNC_CHANGED: &str = "sync-changed";
    pub const SYNC_STARTED: &str = "sync-started";
    /// The Prometheus source was read; payload: [`super::SourceChanged`].
    pub const SOURCE_CHANGED: &str = "source-changed";
    /// A terminal session moved; payload: [`super::SessionEventPayload`].
    pub const SESSION_EVENT: &str = "session-event";
    /// An SFTP transfer moved; payload: [`super::TransferView`].
    pub const TRANSFER_CHANGED: &str = "transfer-changed";
    /// A fan-out host changed; payload: [`super::FanoutView`].
    pub const FANOUT_CHANGED: &str = "fanout-changed";
    /// A forward stopped or its connections changed; payload: every forward.
    pub const FORWARDS_CHANGED: &str = "forwards-changed";
    /// Something failed inside the app (a panic; a worker started again); payload:
    /// [`super::AppFailed`].
    pub const APP_FAILED: &str = "app-failed";
}

/// Event `app-failed`: what failed, and where the log that tells more is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AppFailed {
    pub what: String,
    /// The log folder, if the app writes a log.
    pub log_dir: Option<String>,
}
