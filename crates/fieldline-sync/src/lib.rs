//! Helpdesk sync: tickets and their SLA clocks from the MSP's ticket system, and the
//! technician's offline changes sent back exactly once.
//!
//! - [`connector`]: what Fieldline needs from a ticket system (the [`Connector`] trait)
//!   and how to add one for another PSA.
//! - [`rt`]: Request Tracker 4.4/5 over its REST 2.0 API.
//! - [`engine`]: one sync run: the outbox replayed in order (conflicts held for the
//!   technician), then the tickets changed since the last run pulled and merged.
//!
//! - [`secret`]: a connection's token, kept in the OS keychain (`fieldline_keychain`)
//!   bound to the connection's origin, never in the store; both front doors go through it.
//!
//! The store keeps connections, snapshots and the outbox's delivery state
//! (`fieldline_store::sync`); this crate does the talking.

pub mod connector;
pub mod engine;
pub mod rt;
pub mod secret;

pub use connector::{Applied, Connector, Outgoing, Page, ServerInfo, SyncError};
pub use engine::sync_once;

use fieldline_store::sync::ConnectionConfig;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What one sync run moved, for `fieldline sync` and the app's status line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct SyncReport {
    pub connection: String,
    /// Tickets pulled that were not here before.
    pub pulled_new: u32,
    /// Tickets pulled that changed on the helpdesk.
    pub pulled_updated: u32,
    /// Tickets pulled again without a change (the pull overlaps the last one a little).
    pub unchanged: u32,
    /// Tickets forgotten here: gone from the helpdesk, or moved out of the pulled queues.
    pub gone: u32,
    /// Tickets the helpdesk sent that could not be read (a malformed field); skipped.
    pub unreadable: u32,
    /// The first few of those, each with its ticket and field.
    pub warnings: Vec<String>,
    /// Changes made here that the helpdesk now has.
    pub pushed: u32,
    /// Changes the helpdesk turned out to have already (an answer lost on the way): not
    /// sent twice.
    pub already_applied: u32,
    /// Changes the helpdesk contradicts, now waiting for the technician.
    pub new_conflicts: u32,
    /// Changes still to send after this run.
    pub waiting: u32,
    /// Conflicts waiting for the technician after this run.
    pub conflicts: u32,
    /// Why the run stopped early; what was done before is kept.
    pub error: Option<String>,
    #[ts(type = "string")]
    pub finished_at: Timestamp,
    pub took_ms: u64,
}

impl SyncReport {
    /// A run that has moved nothing yet.
    pub fn start(connection: &str, at: Timestamp) -> SyncReport {
        SyncReport {
            connection: connection.to_string(),
            pulled_new: 0,
            pulled_updated: 0,
            unchanged: 0,
            gone: 0,
            unreadable: 0,
            warnings: Vec::new(),
            pushed: 0,
            already_applied: 0,
            new_conflicts: 0,
            waiting: 0,
            conflicts: 0,
            error: None,
            finished_at: at,
            took_ms: 0,
        }
    }

    /// A run that could not start (no secret, a keychain error): recorded as the
    /// connection's last attempt, with its waiting changes counted.
    pub fn could_not_start(
        store: &mut fieldline_store::Store,
        connection: &str,
        error: String,
        at: Timestamp,
    ) -> SyncReport {
        let mut r = SyncReport::start(connection, at);
        if let Err(e) = store.record_sync(connection, at, Err(&error)) {
            r.error = Some(format!("{error} (and the status could not be saved: {e})"));
        } else {
            r.error = Some(error);
        }
        if let Ok(s) = store.sync_status(connection) {
            r.waiting = s.waiting;
            r.conflicts = s.conflicts;
        }
        r
    }
}

/// The result of "Test connection".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ConnectionTest {
    pub ok: bool,
    /// One sentence for the technician: what works, or what is wrong and what to do.
    pub message: String,
    pub server: Option<String>,
    /// Tickets the connection would pull.
    pub tickets: Option<u64>,
}

/// The connector for a connection, given its secret.
pub fn connector_for(
    config: &ConnectionConfig,
    secret: &str,
) -> Result<Box<dyn Connector>, SyncError> {
    match config.kind {
        fieldline_store::sync::ConnectorKind::RequestTracker => {
            Ok(Box::new(rt::RequestTracker::new(config, secret)?))
        }
    }
}

/// Tests a connection: reaches the server, checks the secret, counts what would be pulled.
pub fn test_connection(config: &ConnectionConfig, secret: &str) -> ConnectionTest {
    if let Err(e) = config.validate() {
        return ConnectionTest {
            ok: false,
            message: e.to_string(),
            server: None,
            tickets: None,
        };
    }
    match connector_for(config, secret).and_then(|c| c.test()) {
        Ok(info) => ConnectionTest {
            ok: true,
            message: format!(
                "Connected to {} as {}; {} tickets to pull.",
                info.server, config.user, info.tickets
            ),
            server: Some(info.server),
            tickets: Some(info.tickets),
        },
        Err(e) => ConnectionTest {
            ok: false,
            message: e.to_string(),
            server: None,
            tickets: None,
        },
    }
}
