//! What Fieldline needs from a ticket system.
//!
//! # Adding a connector for another PSA
//!
//! ConnectWise PSA, Autotask, HaloPSA and Zammad all have REST APIs with what this trait
//! needs. To add one:
//!
//! 1. Add a variant to `fieldline_store::sync::ConnectorKind` and a default
//!    `Mapping` for its statuses and priorities (`Mapping::request_tracker` is the model).
//! 2. Write a module like [`crate::rt`] implementing [`Connector`]:
//!    - `changed_since`: a search for tickets updated at or after a time, **ordered by a
//!      stable key** (the id), paged; return the server's own time from before the first
//!      page as the next cursor, so nothing changed during the pull is missed.
//!    - `fetch`: one ticket and a *version* that changes with every change on the server
//!      (RT: the ETag, its last transaction id; Zammad: `updated_at`; ConnectWise:
//!      `_info.lastUpdated`; Autotask: `lastActivityDate`).
//!    - `apply`: the change, refused with [`Applied::Stale`] if the ticket is no longer at
//!      that version (an `If-Match` header where the API has one; else re-read and compare).
//!    - `ids_in_scope`: the ids the pull would see (ids only, cheap pages), so tickets
//!      deleted or moved away are noticed (RT's search, for one, never shows deleted ones).
//!    - `find_applied`: look in the ticket's history after a version for this change by
//!      this account (RT: transactions; ConnectWise: audit trail; Zammad: history).
//!      This is what makes a resend after a lost answer safe.
//!    - Map HTTP failures to [`SyncError`]: unreachable, refused credentials, server
//!      error, an answer that does not parse. Bound every answer's size and time.
//! 3. Test it against the real server where one can run on loopback (RT does, see
//!    `tests/`); a hosted-only PSA can be tested against recorded answers, and the test
//!    must say so.
//! 4. Add it to [`crate::connector_for`].

use fieldline_store::sync::RemoteTicket;
use fieldline_store::StoreError;
use jiff::Timestamp;

/// A change sent to the helpdesk, in its terms (mapped from Fieldline's by the engine).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outgoing {
    Status(String),
    Priority(i64),
    /// An internal note (not sent to the customer).
    Note(String),
    /// Time worked, logged with an internal note.
    Time {
        minutes: u32,
        on_site: bool,
        note: String,
    },
}

impl Outgoing {
    /// What kind of change it is, for a log line (never its text).
    pub fn kind(&self) -> &'static str {
        match self {
            Outgoing::Status(_) => "status",
            Outgoing::Priority(_) => "priority",
            Outgoing::Note(_) => "note",
            Outgoing::Time { .. } => "time entry",
        }
    }
}

/// One page of a pull: the tickets read, and why others could not be (an id and the
/// reason: a malformed field). Unreadable tickets are reported, not fatal: one bad ticket
/// must not stop every sync.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Page {
    pub tickets: Vec<RemoteTicket>,
    pub unreadable: Vec<String>,
}

/// How an apply ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    /// The helpdesk has it; `reference` names its record (e.g. `transaction/43`).
    Done { reference: String },
    /// The ticket changed since the version given: read it again and decide again.
    Stale,
    /// The helpdesk refused the change (a lifecycle rule, a missing right): its words.
    Refused(String),
}

/// What "Test connection" shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerInfo {
    /// Name and version, e.g. `Request Tracker 5.0.3`.
    pub server: String,
    /// Tickets the connection would pull.
    pub tickets: u64,
}

/// Why a sync stopped. Messages say what to do and never carry the secret.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("cannot reach the helpdesk at {url}: {detail}. Check the network and the address; changes stay queued")]
    Unreachable { url: String, detail: String },
    #[error("the helpdesk refused the credentials (HTTP {status}): the token may be revoked, expired or mistyped. Make a new one and save it in the connection; changes stay queued")]
    Auth { status: u16 },
    #[error("the helpdesk failed (HTTP {status}) on {what}: {detail}. Try again later; if it persists, tell the helpdesk's administrator. Changes stay queued")]
    Server {
        status: u16,
        what: String,
        detail: String,
    },
    #[error("the helpdesk's answer to {what} could not be read: {detail}. Check that the connection's address is the helpdesk itself (not a login page or a proxy); changes stay queued")]
    BadAnswer { what: String, detail: String },
    #[error("no token for connection {0} in the keychain; edit the connection and enter its token (fieldline connection add {0} ... --token-stdin)")]
    NoSecret(String),
    /// The kept token may not go where the connection now points (saved for another
    /// origin), the address may not receive one (plain http:// to another machine), or
    /// the keychain failed.
    #[error(transparent)]
    Secret(#[from] fieldline_keychain::SecretError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A ticket system.
pub trait Connector: Send {
    /// Reaches the server and checks the credentials.
    fn test(&self) -> Result<ServerInfo, SyncError>;

    /// Every ticket changed at or after `since` (all when `None`), a page at a time.
    /// Returns the cursor for the next pull: the server's time before the first page.
    fn changed_since(
        &self,
        since: Option<Timestamp>,
        page: &mut dyn FnMut(Page) -> Result<(), SyncError>,
    ) -> Result<Timestamp, SyncError>;

    /// The ids of every ticket the connection pulls that the search still shows. A
    /// ticket kept here but missing from it was deleted, or moved out of the pulled queues.
    fn ids_in_scope(&self) -> Result<Vec<String>, SyncError>;

    /// One ticket as it is now, and its version. A ticket that no longer exists is
    /// [`SyncError::Server`] with status 404.
    fn fetch(&self, remote_id: &str) -> Result<(RemoteTicket, String), SyncError>;

    /// Whether `change` was applied by this account after `version`: its reference if so.
    fn find_applied(
        &self,
        remote_id: &str,
        version: &str,
        change: &Outgoing,
    ) -> Result<Option<String>, SyncError>;

    /// Applies `change` if the ticket is still at `version`.
    fn apply(
        &self,
        remote_id: &str,
        version: &str,
        change: &Outgoing,
    ) -> Result<Applied, SyncError>;
}
