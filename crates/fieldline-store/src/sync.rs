//! What the store keeps for helpdesk sync (`fieldline-sync` does the talking):
//!
//! - **Connections** (`connections`): each helpdesk's address, account name, which
//!   tickets to pull and how its fields map to Fieldline's. Never its secret: tokens and
//!   passwords live only in the OS keychain.
//! - **Remote snapshots** (`remote_tickets`): each synced ticket as its helpdesk last
//!   showed it. A pull compares the new snapshot with the old one and appends the
//!   difference to the ticket's history (dated by the helpdesk's `updated` time), so the
//!   SLA clocks are replayed from one history whichever side changed the ticket.
//! - **Outbox delivery** (`outbox.state`): `pending` → `sending` (the remote version just
//!   before the request is kept in `attempt`) → `sent`; or `conflict` (the helpdesk
//!   changed the same field since the technician's change was made: `theirs` holds what
//!   it shows now, and the technician decides); or `local` (a change the helpdesk has no
//!   field for, such as Fieldline's own policy). An entry found in `sending` after a
//!   crash or a cut connection is checked against the helpdesk's history before it is
//!   sent again, so each change is applied exactly once.

use crate::tickets::{from_sql, read_tickets, to_sql, SlaConfig, Ticket, TicketChange};
use crate::{Store, StoreError};
use fieldline_sla::{Priority, TicketState};
use jiff::Timestamp;
use rusqlite::{params, OptionalExtension, TransactionBehavior};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use ts_rs::TS;

/// Longest connection name.
pub const MAX_CONNECTION_NAME: usize = 40;

/// Which kind of helpdesk a connection talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ConnectorKind {
    /// Request Tracker 4.4/5 over its REST 2.0 API.
    RequestTracker,
}

/// How a helpdesk's fields map to Fieldline's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Mapping {
    /// Helpdesk queue → Fieldline customer id. A queue not listed is a customer of its own name.
    pub customers: BTreeMap<String, String>,
    /// Helpdesk SLA level → Fieldline policy. A level not listed takes the customer's
    /// contract from the SLA configuration.
    pub policies: BTreeMap<String, String>,
    /// Helpdesk status → Fieldline state. A status not listed counts as `in_progress`.
    pub states: BTreeMap<String, TicketState>,
    /// Fieldline state (`new`, `in_progress`, …) → the helpdesk status a change is sent as.
    pub statuses: BTreeMap<String, String>,
    /// The helpdesk's numeric priority at or above which a ticket is P1, P2, P3 (else P4).
    pub priority_p1: i64,
    pub priority_p2: i64,
    pub priority_p3: i64,
}

impl Mapping {
    /// Request Tracker's default lifecycle and priorities (0–100).
    pub fn request_tracker() -> Mapping {
        let states = [
            ("new", TicketState::New),
            ("open", TicketState::InProgress),
            ("stalled", TicketState::WaitingOnCustomer),
            ("resolved", TicketState::Resolved),
            ("rejected", TicketState::Closed),
            ("deleted", TicketState::Closed),
        ];
        let statuses = [
            ("new", "new"),
            ("in_progress", "open"),
            ("waiting_on_customer", "stalled"),
            ("resolved", "resolved"),
            ("closed", "resolved"),
        ];
        Mapping {
            customers: BTreeMap::new(),
            policies: BTreeMap::new(),
            states: states.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
            statuses: statuses
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            priority_p1: 80,
            priority_p2: 50,
            priority_p3: 20,
        }
    }

    pub fn state(&self, status: &str) -> TicketState {
        self.states
            .get(status)
            .copied()
            .unwrap_or(TicketState::InProgress)
    }

    /// The helpdesk status for a Fieldline state, if the mapping names one.
    pub fn status(&self, state: TicketState) -> Option<&str> {
        self.statuses.get(state.as_str()).map(String::as_str)
    }

    pub fn priority(&self, remote: i64) -> Priority {
        if remote >= self.priority_p1 {
            Priority::P1
        } else if remote >= self.priority_p2 {
            Priority::P2
        } else if remote >= self.priority_p3 {
            Priority::P3
        } else {
            Priority::P4
        }
    }

    /// The helpdesk priority a Fieldline priority is sent as: its band's lower bound.
    pub fn remote_priority(&self, p: Priority) -> i64 {
        match p {
            Priority::P1 => self.priority_p1,
            Priority::P2 => self.priority_p2,
            Priority::P3 => self.priority_p3,
            Priority::P4 => 0,
        }
    }

    pub fn customer(&self, queue: &str) -> String {
        self.customers
            .get(queue)
            .cloned()
            .unwrap_or_else(|| queue.to_string())
    }
}

/// One helpdesk connection. Its secret (token or password) is in the OS keychain under
/// the connection's name, never here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ConnectionConfig {
    /// Short id: lower-case letters, digits and `-`.
    pub name: String,
    pub kind: ConnectorKind,
    /// The helpdesk's web address, e.g. `https://rt.example.com` (`/REST/2.0` is added).
    pub url: String,
    /// The account the secret belongs to; its own changes are told apart by this name.
    pub user: String,
    /// Queues to pull (empty: every queue the account can see).
    pub queues: Vec<String>,
    /// Pull every this many minutes while the app runs (0: only on demand).
    pub interval_minutes: u32,
    pub mapping: Mapping,
}

impl ConnectionConfig {
    /// A new connection of `kind`, with that helpdesk's default mapping.
    pub fn template(kind: ConnectorKind) -> ConnectionConfig {
        ConnectionConfig {
            name: String::new(),
            kind,
            url: String::new(),
            user: String::new(),
            queues: Vec::new(),
            interval_minutes: 5,
            mapping: match kind {
                ConnectorKind::RequestTracker => Mapping::request_tracker(),
            },
        }
    }

    /// Checks the fields a technician types, with messages that say which and why.
    pub fn validate(&self) -> Result<(), StoreError> {
        let bad = |m: String| Err(StoreError::BadFile(m));
        let n = &self.name;
        if n.is_empty()
            || n.len() > MAX_CONNECTION_NAME
            || !n
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return bad(format!(
                "connection name {n:?}: use 1 to {MAX_CONNECTION_NAME} lower-case letters, digits or '-'"
            ));
        }
        let url = self.url.trim();
        if !(url.starts_with("http://") || url.starts_with("https://"))
            || url.len() > 2048
            || url.contains(char::is_whitespace)
        {
            return bad(format!(
                "connection {n}: the address {url:?} must start with https:// (or http:// on a trusted network)"
            ));
        }
        if self.user.trim().is_empty() || self.user.len() > 200 {
            return bad(format!(
                "connection {n}: name the helpdesk account the token belongs to"
            ));
        }
        if self
            .queues
            .iter()
            .any(|q| q.trim().is_empty() || q.contains('\'') || q.len() > 200)
        {
            return bad(format!(
                "connection {n}: a queue name is empty, too long or contains a quote"
            ));
        }
        if self.interval_minutes > 24 * 60 {
            return bad(format!(
                "connection {n}: pull at least once a day (interval up to 1440 minutes)"
            ));
        }
        let m = &self.mapping;
        if !(m.priority_p1 >= m.priority_p2 && m.priority_p2 >= m.priority_p3) {
            return bad(format!(
                "connection {n}: priority bands must go down: P1 {} ≥ P2 {} ≥ P3 {}",
                m.priority_p1, m.priority_p2, m.priority_p3
            ));
        }
        for state in m.statuses.keys() {
            if TicketState::parse(state).is_none() {
                return bad(format!(
                    "connection {n}: {state:?} is not a Fieldline state"
                ));
            }
        }
        Ok(())
    }
}

/// A ticket as its helpdesk shows it, in the helpdesk's own terms (the connector
/// normalises only the representation: times, numbers, names).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct RemoteTicket {
    pub remote_id: String,
    pub title: String,
    pub queue: String,
    pub status: String,
    pub priority: i64,
    /// The helpdesk's SLA level, if it has one.
    pub sla: Option<String>,
    #[ts(type = "string")]
    pub created: Timestamp,
    /// First worked on (RT: `Started`): Fieldline's first response.
    #[ts(type = "string | null")]
    pub started: Option<Timestamp>,
    #[ts(type = "string | null")]
    pub resolved: Option<Timestamp>,
    /// The helpdesk's own due date, shown beside Fieldline's clocks.
    #[ts(type = "string | null")]
    pub due: Option<Timestamp>,
    #[ts(type = "string")]
    pub updated: Timestamp,
    pub minutes: u32,
    pub owner: String,
}

/// What one page of a pull changed locally.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct MergeCounts {
    pub new: u32,
    pub updated: u32,
    pub unchanged: u32,
}

/// Where an outbox entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum OutboxState {
    Pending,
    Sending,
    Sent,
    Conflict,
    /// The technician took the helpdesk's side of a conflict.
    Dropped,
    /// The helpdesk has no field for it (it stays in Fieldline).
    Local,
}

impl OutboxState {
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxState::Pending => "pending",
            OutboxState::Sending => "sending",
            OutboxState::Sent => "sent",
            OutboxState::Conflict => "conflict",
            OutboxState::Dropped => "dropped",
            OutboxState::Local => "local",
        }
    }

    fn parse(s: &str) -> Option<OutboxState> {
        [
            OutboxState::Pending,
            OutboxState::Sending,
            OutboxState::Sent,
            OutboxState::Conflict,
            OutboxState::Dropped,
            OutboxState::Local,
        ]
        .into_iter()
        .find(|o| o.as_str() == s)
    }
}

/// A change of a synced ticket still to be sent, in the order it was made.
#[derive(Debug, Clone, PartialEq)]
pub struct Pending {
    pub outbox_id: i64,
    pub ticket: i64,
    pub remote_id: String,
    pub at: Timestamp,
    pub change: TicketChange,
    pub state: OutboxState,
    /// The helpdesk's ticket when the change was made.
    pub base: Option<RemoteTicket>,
    /// The remote version seen just before the last attempt to send it.
    pub attempt: Option<String>,
}

/// A change the helpdesk contradicts, waiting for the technician.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct SyncConflict {
    pub outbox_id: i64,
    pub ticket: i64,
    pub title: String,
    pub connection: String,
    pub remote_id: String,
    /// The field both sides changed: `state`, `priority` or `responded`.
    pub field: String,
    /// The technician's value, in Fieldline's terms.
    pub mine: String,
    /// The helpdesk's value now, in the helpdesk's terms.
    pub theirs: String,
    /// The helpdesk's value when the technician made the change.
    pub base: String,
    /// Why it waits, when the helpdesk refused the change rather than contradicting it.
    pub detail: Option<String>,
    #[ts(type = "string")]
    pub changed_at: Timestamp,
}

/// How the technician settles a conflict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Resolution {
    /// Send my change over the helpdesk's.
    KeepMine,
    /// Drop my change; the helpdesk's value stands.
    TakeTheirs,
}

/// One connection's sync status, for "last synced 09:14, 3 changes waiting".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct SyncStatus {
    pub connection: String,
    #[ts(type = "string | null")]
    pub last_attempt: Option<Timestamp>,
    #[ts(type = "string | null")]
    pub last_success: Option<Timestamp>,
    /// Why the last attempt failed (cleared by a successful one).
    pub last_error: Option<String>,
    /// Changes made here that the helpdesk has not been told of yet.
    pub waiting: u32,
    pub conflicts: u32,
    pub tickets: u32,
}

/// The SLA-relevant field a change touches (conflicts are per field).
pub fn field_of(change: &TicketChange) -> Option<&'static str> {
    match change {
        TicketChange::State { .. } => Some("state"),
        TicketChange::Priority { .. } => Some("priority"),
        TicketChange::Responded => Some("responded"),
        _ => None,
    }
}

fn json<T: Serialize>(v: &T) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(|e| StoreError::BadFile(e.to_string()))
}

fn parse_json<T: for<'de> Deserialize<'de>>(
    text: &str,
    what: &'static str,
    id: &str,
) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Damaged {
        what,
        id: id.to_string(),
        detail: e.to_string(),
    })
}

/// A title as Fieldline keeps it: control characters gone, at most
/// [`crate::tickets::MAX_TITLE_CHARS`] characters, never empty.
pub fn clean_title(raw: &str, remote_id: &str) -> String {
    let cleaned: String = raw
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let trimmed = cleaned.trim();
    let max = crate::tickets::MAX_TITLE_CHARS;
    let mut out: String = trimmed.chars().take(max).collect();
    if trimmed.chars().count() > max {
        out.pop();
        out.push('…');
    }
    if out.is_empty() {
        format!("(no subject) #{remote_id}")
    } else {
        out
    }
}

impl Store {
    pub fn connections(&self) -> Result<Vec<ConnectionConfig>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT name, config FROM connections ORDER BY name")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (name, config) = row?;
            out.push(parse_json(&config, "connection", &name)?);
        }
        Ok(out)
    }

    pub fn connection(&self, name: &str) -> Result<ConnectionConfig, StoreError> {
        self.connections()?
            .into_iter()
            .find(|c| c.name == name)
            .ok_or_else(|| StoreError::NotFound {
                what: "connection",
                id: name.to_string(),
            })
    }

    /// Adds or replaces a connection (its sync position is kept when it is replaced).
    pub fn save_connection(&mut self, config: &ConnectionConfig) -> Result<(), StoreError> {
        config.validate()?;
        self.conn.execute(
            "INSERT INTO connections (name, config) VALUES (?1, ?2)
             ON CONFLICT(name) DO UPDATE SET config = excluded.config",
            params![config.name, json(config)?],
        )?;
        Ok(())
    }

    /// Removes a connection and the tickets pulled through it. Refused while changes made
    /// here are still waiting to be sent (they would be lost).
    pub fn delete_connection(&mut self, name: &str) -> Result<(), StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let waiting: i64 = tx.query_row(
            concat!(
                "SELECT COUNT(*) FROM outbox o JOIN ticket_events e ON e.id = o.event
             JOIN tickets t ON t.id = e.ticket
             WHERE t.source = ?1 AND o.state IN ",
                unsettled!(),
                ""
            ),
            [name],
            |r| r.get(0),
        )?;
        if waiting > 0 {
            return Err(StoreError::BadFile(format!(
                "connection {name} still has {waiting} changes to send; sync (or settle its conflicts) first, nothing was removed"
            )));
        }
        let gone = tx.execute("DELETE FROM connections WHERE name = ?1", [name])?;
        if gone == 0 {
            return Err(StoreError::NotFound {
                what: "connection",
                id: name.to_string(),
            });
        }
        tx.execute(
            "DELETE FROM outbox WHERE event IN (SELECT e.id FROM ticket_events e JOIN tickets t ON t.id = e.ticket WHERE t.source = ?1)",
            [name],
        )?;
        tx.execute(
            "DELETE FROM ticket_events WHERE ticket IN (SELECT id FROM tickets WHERE source = ?1)",
            [name],
        )?;
        tx.execute("DELETE FROM remote_tickets WHERE connection = ?1", [name])?;
        tx.execute("DELETE FROM tickets WHERE source = ?1", [name])?;
        tx.commit()?;
        Ok(())
    }

    /// The newest remote change time seen (the next pull starts there).
    pub fn sync_cursor(&self, name: &str) -> Result<Option<Timestamp>, StoreError> {
        let ms: Option<i64> = self
            .conn
            .query_row(
                "SELECT cursor FROM connections WHERE name = ?1",
                [name],
                |r| r.get(0),
            )
            .optional()?
            .flatten();
        ms.map(|m| from_sql(m, "connection", 0)).transpose()
    }

    /// Records how a sync attempt ended: `Ok(cursor)` moves the cursor forward (never
    /// back) and clears the error; `Err(message)` keeps the cursor.
    pub fn record_sync(
        &mut self,
        name: &str,
        at: Timestamp,
        outcome: Result<Option<Timestamp>, &str>,
    ) -> Result<(), StoreError> {
        match outcome {
            Ok(cursor) => self.conn.execute(
                "UPDATE connections SET last_attempt = ?2, last_success = ?2, last_error = NULL,
                 cursor = MAX(COALESCE(cursor, 0), COALESCE(?3, 0)) WHERE name = ?1",
                params![name, to_sql(at), cursor.map(to_sql)],
            )?,
            Err(e) => self.conn.execute(
                "UPDATE connections SET last_attempt = ?2, last_error = ?3 WHERE name = ?1",
                params![name, to_sql(at), e],
            )?,
        };
        Ok(())
    }

    pub fn sync_status(&self, name: &str) -> Result<SyncStatus, StoreError> {
        let (attempt, success, error): (Option<i64>, Option<i64>, Option<String>) = self
            .conn
            .query_row(
                "SELECT last_attempt, last_success, last_error FROM connections WHERE name = ?1",
                [name],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?
            .ok_or_else(|| StoreError::NotFound {
                what: "connection",
                id: name.to_string(),
            })?;
        let count = |states: &str| -> Result<u32, StoreError> {
            Ok(self.conn.query_row(
                &format!(
                    "SELECT COUNT(*) FROM outbox o JOIN ticket_events e ON e.id = o.event
                     JOIN tickets t ON t.id = e.ticket WHERE t.source = ?1 AND o.state IN ({states})"
                ),
                [name],
                |r| r.get(0),
            )?)
        };
        Ok(SyncStatus {
            connection: name.to_string(),
            last_attempt: attempt.map(|m| from_sql(m, "connection", 0)).transpose()?,
            last_success: success.map(|m| from_sql(m, "connection", 0)).transpose()?,
            last_error: error,
            waiting: count("'pending', 'sending'")?,
            conflicts: count("'conflict'")?,
            tickets: self.conn.query_row(
                "SELECT COUNT(*) FROM remote_tickets WHERE connection = ?1",
                [name],
                |r| r.get(0),
            )?,
        })
    }

    /// The synced tickets of `connection` that are open here: (local id, remote id).
    pub fn open_remote_tickets(&self, connection: &str) -> Result<Vec<(i64, String)>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT r.ticket, r.remote_id FROM remote_tickets r JOIN tickets t ON t.id = r.ticket
             WHERE r.connection = ?1 AND t.state NOT IN ('resolved', 'closed') ORDER BY r.ticket",
        )?;
        let rows = stmt.query_map([connection], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Forgets a synced ticket the helpdesk no longer has (or no longer shows to this
    /// connection), with its history. Kept, and `false`, while changes of it still wait.
    pub fn forget_remote_ticket(&mut self, ticket: i64) -> Result<bool, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let waiting: i64 = tx.query_row(
            concat!(
                "SELECT COUNT(*) FROM outbox o JOIN ticket_events e ON e.id = o.event
             WHERE e.ticket = ?1 AND o.state IN ",
                unsettled!(),
                ""
            ),
            [ticket],
            |r| r.get(0),
        )?;
        if waiting > 0 {
            return Ok(false);
        }
        tx.execute(
            "DELETE FROM outbox WHERE event IN (SELECT id FROM ticket_events WHERE ticket = ?1)",
            [ticket],
        )?;
        tx.execute("DELETE FROM ticket_events WHERE ticket = ?1", [ticket])?;
        tx.execute("DELETE FROM remote_tickets WHERE ticket = ?1", [ticket])?;
        tx.execute("DELETE FROM tickets WHERE id = ?1", [ticket])?;
        tx.commit()?;
        Ok(true)
    }

    /// The local ticket a remote one is kept as, with its last snapshot.
    pub fn remote_ticket(
        &self,
        connection: &str,
        remote_id: &str,
    ) -> Result<Option<(i64, RemoteTicket)>, StoreError> {
        let row: Option<(i64, String)> = self
            .conn
            .query_row(
                "SELECT ticket, snapshot FROM remote_tickets WHERE connection = ?1 AND remote_id = ?2",
                [connection, remote_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        row.map(|(id, s)| Ok((id, parse_json(&s, "remote ticket", remote_id)?)))
            .transpose()
    }

    /// Merges one page of a pull: new tickets are added with a history built from what
    /// the helpdesk shows; known ones get the difference from their last snapshot
    /// appended. A field with a change of the technician's still waiting is left alone
    /// (the sync settles it). One transaction per page.
    pub fn merge_remote(
        &mut self,
        connection: &ConnectionConfig,
        page: &[RemoteTicket],
        sla: Option<&SlaConfig>,
        now: Timestamp,
    ) -> Result<MergeCounts, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut counts = MergeCounts::default();
        let m = &connection.mapping;
        for r in page {
            let customer = m.customer(&r.queue);
            let policy = policy_for(connection, sla, r, &customer);
            let title = clean_title(&r.title, &r.remote_id);
            let state = m.state(&r.status);
            let priority = m.priority(r.priority);
            // Remote times are clamped to now (a helpdesk clock ahead of ours must not
            // date a change in the future) and to the opening.
            let created = r.created.min(now);
            let clamp = |t: Timestamp| t.min(now).max(created);
            let existing: Option<(i64, String)> = tx
                .query_row(
                    "SELECT ticket, snapshot FROM remote_tickets WHERE connection = ?1 AND remote_id = ?2",
                    params![connection.name, r.remote_id],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .optional()?;
            let mut events: Vec<(Timestamp, TicketChange)> = Vec::new();
            let id = match existing {
                None => {
                    tx.execute(
                        "INSERT INTO tickets (customer, endpoint, title, source, external_id, priority, state, policy, opened_at, minutes)
                         VALUES (?1, NULL, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                        params![customer, title, connection.name, r.remote_id, priority.as_str(), state.as_str(), policy, to_sql(created), r.minutes],
                    )?;
                    let id = tx.last_insert_rowid();
                    events.push((
                        created,
                        TicketChange::Opened {
                            priority,
                            policy: policy.clone(),
                        },
                    ));
                    if let Some(s) = r.started {
                        events.push((clamp(s), TicketChange::Responded));
                    }
                    if state != TicketState::New {
                        let at = match (state, r.resolved) {
                            (TicketState::Resolved | TicketState::Closed, Some(t)) => t,
                            _ => r.updated,
                        };
                        events.push((clamp(at), TicketChange::State { state }));
                    }
                    tx.execute(
                        "INSERT INTO remote_tickets (ticket, connection, remote_id, snapshot) VALUES (?1, ?2, ?3, ?4)",
                        params![id, connection.name, r.remote_id, json(r)?],
                    )?;
                    counts.new += 1;
                    id
                }
                Some((id, old)) => {
                    let old: RemoteTicket = parse_json(&old, "remote ticket", &r.remote_id)?;
                    if &old == r {
                        counts.unchanged += 1;
                        continue;
                    }
                    let waiting = waiting_fields(&tx, id)?;
                    let at = clamp(r.updated);
                    if old.started.is_none()
                        && r.started.is_some()
                        && !waiting.contains(&"responded")
                    {
                        events.push((r.started.map_or(at, clamp), TicketChange::Responded));
                    }
                    if m.state(&old.status) != state && !waiting.contains(&"state") {
                        events.push((at, TicketChange::State { state }));
                        tx.execute(
                            "UPDATE tickets SET state = ?2 WHERE id = ?1",
                            params![id, state.as_str()],
                        )?;
                    }
                    if m.priority(old.priority) != priority && !waiting.contains(&"priority") {
                        events.push((at, TicketChange::Priority { priority }));
                        tx.execute(
                            "UPDATE tickets SET priority = ?2 WHERE id = ?1",
                            params![id, priority.as_str()],
                        )?;
                    }
                    let old_policy: String =
                        tx.query_row("SELECT policy FROM tickets WHERE id = ?1", [id], |row| {
                            row.get(0)
                        })?;
                    if old.sla != r.sla && old_policy != policy {
                        events.push((
                            at,
                            TicketChange::Policy {
                                policy: policy.clone(),
                            },
                        ));
                        tx.execute(
                            "UPDATE tickets SET policy = ?2 WHERE id = ?1",
                            params![id, policy],
                        )?;
                    }
                    // Minutes: the helpdesk's total plus the local time entries not sent yet.
                    tx.execute(
                        concat!("UPDATE tickets SET title = ?2, customer = ?3, minutes = ?4 + COALESCE((
                            SELECT SUM(json_extract(e.data, '$.minutes')) FROM outbox o JOIN ticket_events e ON e.id = o.event
                            WHERE e.ticket = ?1 AND e.kind = 'time' AND o.state IN ", unsettled!(), "), 0)
                         WHERE id = ?1"),
                        params![id, title, customer, r.minutes],
                    )?;
                    tx.execute(
                        "UPDATE remote_tickets SET snapshot = ?2 WHERE ticket = ?1",
                        params![id, json(r)?],
                    )?;
                    counts.updated += 1;
                    id
                }
            };
            for (at, change) in events {
                tx.execute(
                    "INSERT INTO ticket_events (ticket, at, kind, data) VALUES (?1, ?2, ?3, ?4)",
                    params![id, to_sql(at), change.kind(), json(&change)?],
                )?;
            }
        }
        tx.commit()?;
        Ok(counts)
    }

    /// Changes of `connection`'s tickets still to send, oldest first. A ticket with an
    /// unsettled conflict holds back its later changes (they are made on top of it).
    pub fn pending_changes(&self, connection: &str) -> Result<Vec<Pending>, StoreError> {
        let mut stmt = self.conn.prepare(concat!(
            "SELECT o.id, e.ticket, r.remote_id, e.at, e.data, o.state, o.base, o.attempt
             FROM outbox o JOIN ticket_events e ON e.id = o.event
             JOIN remote_tickets r ON r.ticket = e.ticket
             WHERE r.connection = ?1 AND o.state IN ",
            unsettled!(),
            "
             ORDER BY o.id"
        ))?;
        let rows = stmt.query_map([connection], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, Option<String>>(6)?,
                r.get::<_, Option<String>>(7)?,
            ))
        })?;
        let mut out = Vec::new();
        let mut blocked = std::collections::BTreeSet::new();
        for row in rows {
            let (outbox_id, ticket, remote_id, at, data, state, base, attempt) = row?;
            let oid = outbox_id.to_string();
            let state = OutboxState::parse(&state).ok_or_else(|| StoreError::Damaged {
                what: "outbox entry",
                id: oid.clone(),
                detail: format!("state {state:?}"),
            })?;
            if state == OutboxState::Conflict {
                blocked.insert(ticket);
                continue;
            }
            if blocked.contains(&ticket) {
                continue;
            }
            out.push(Pending {
                outbox_id,
                ticket,
                remote_id,
                at: from_sql(at, "ticket event", outbox_id)?,
                change: parse_json(&data, "ticket event", &oid)?,
                state,
                base: base
                    .map(|b| parse_json(&b, "outbox entry", &oid))
                    .transpose()?,
                attempt,
            });
        }
        Ok(out)
    }

    /// Notes the remote version seen just before a change is sent: if the answer is lost,
    /// the next sync looks for the change in the history after it before sending again.
    pub fn mark_sending(&mut self, outbox_id: i64, version: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE outbox SET state = 'sending', attempt = ?2 WHERE id = ?1",
            params![outbox_id, version],
        )?;
        Ok(())
    }

    /// The helpdesk has the change (`reference`: its record of it). `after` is the
    /// helpdesk's ticket with the change applied: it becomes the snapshot, and the base
    /// of this ticket's later changes (they were made on top of this one).
    pub fn mark_sent(
        &mut self,
        outbox_id: i64,
        reference: &str,
        after: Option<&RemoteTicket>,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "UPDATE outbox SET state = 'sent', sent_at = ?2, detail = ?3, theirs = NULL WHERE id = ?1",
            params![outbox_id, at.to_string(), reference],
        )?;
        if let Some(after) = after {
            let ticket: i64 = tx.query_row(
                "SELECT e.ticket FROM outbox o JOIN ticket_events e ON e.id = o.event WHERE o.id = ?1",
                [outbox_id],
                |r| r.get(0),
            )?;
            let snapshot = json(after)?;
            tx.execute(
                "UPDATE remote_tickets SET snapshot = ?2 WHERE ticket = ?1",
                params![ticket, snapshot],
            )?;
            tx.execute(
                "UPDATE outbox SET base = ?3 WHERE id > ?2 AND state = 'pending'
                 AND event IN (SELECT id FROM ticket_events WHERE ticket = ?1)",
                params![ticket, outbox_id, snapshot],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The change stays in Fieldline only: the helpdesk has no field for it.
    pub fn mark_local(&mut self, outbox_id: i64) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE outbox SET state = 'local' WHERE id = ?1",
            [outbox_id],
        )?;
        Ok(())
    }

    /// The helpdesk contradicts (or refused) the change: it waits for the technician.
    pub fn mark_conflict(
        &mut self,
        outbox_id: i64,
        theirs: &RemoteTicket,
        detail: Option<&str>,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE outbox SET state = 'conflict', theirs = ?2, detail = ?3 WHERE id = ?1",
            params![outbox_id, json(theirs)?, detail],
        )?;
        Ok(())
    }

    /// Conflicts waiting for the technician (of one connection, or all), oldest first.
    pub fn sync_conflicts(
        &self,
        connection: Option<&str>,
    ) -> Result<Vec<SyncConflict>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT o.id, e.ticket, t.title, r.connection, r.remote_id, e.at, e.data, o.base, o.theirs, o.detail
             FROM outbox o JOIN ticket_events e ON e.id = o.event
             JOIN tickets t ON t.id = e.ticket JOIN remote_tickets r ON r.ticket = e.ticket
             WHERE o.state = 'conflict' AND (?1 IS NULL OR r.connection = ?1) ORDER BY o.id",
        )?;
        let rows = stmt.query_map([connection], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, i64>(5)?,
                r.get::<_, String>(6)?,
                r.get::<_, Option<String>>(7)?,
                r.get::<_, Option<String>>(8)?,
                r.get::<_, Option<String>>(9)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (outbox_id, ticket, title, conn, remote_id, at, data, base, theirs, detail) = row?;
            let oid = outbox_id.to_string();
            let change: TicketChange = parse_json(&data, "ticket event", &oid)?;
            let base: Option<RemoteTicket> = base
                .map(|b| parse_json(&b, "outbox entry", &oid))
                .transpose()?;
            let theirs: Option<RemoteTicket> = theirs
                .map(|b| parse_json(&b, "outbox entry", &oid))
                .transpose()?;
            let field = field_of(&change).unwrap_or(change.kind());
            let show = |t: &Option<RemoteTicket>| match (t, field) {
                (None, _) => "?".to_string(),
                (Some(t), "priority") => t.priority.to_string(),
                (Some(t), _) => t.status.clone(),
            };
            let mine = match &change {
                TicketChange::State { state } => state.as_str().to_string(),
                TicketChange::Priority { priority } => priority.as_str().to_string(),
                TicketChange::Responded => "responded".to_string(),
                other => other.kind().to_string(),
            };
            out.push(SyncConflict {
                outbox_id,
                ticket,
                title,
                connection: conn,
                remote_id,
                field: field.to_string(),
                mine,
                theirs: show(&theirs),
                base: show(&base),
                detail,
                changed_at: from_sql(at, "ticket event", outbox_id)?,
            });
        }
        Ok(out)
    }

    /// Settles a conflict. Keeping mine sends the change again on the next sync (over
    /// what the helpdesk shows now); taking theirs drops it and records the helpdesk's
    /// value in the ticket's history at `now`.
    pub fn resolve_conflict(
        &mut self,
        outbox_id: i64,
        resolution: Resolution,
        now: Timestamp,
    ) -> Result<Ticket, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let row: Option<(i64, String, Option<String>, String)> = tx
            .query_row(
                "SELECT e.ticket, e.data, o.theirs, r.connection FROM outbox o
                 JOIN ticket_events e ON e.id = o.event JOIN remote_tickets r ON r.ticket = e.ticket
                 WHERE o.id = ?1 AND o.state = 'conflict'",
                [outbox_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?;
        let Some((ticket, data, theirs, conn_name)) = row else {
            return Err(StoreError::NotFound {
                what: "conflict",
                id: outbox_id.to_string(),
            });
        };
        let oid = outbox_id.to_string();
        match resolution {
            Resolution::KeepMine => {
                tx.execute(
                    "UPDATE outbox SET state = 'pending', base = theirs, theirs = NULL, detail = NULL, attempt = NULL WHERE id = ?1",
                    [outbox_id],
                )?;
            }
            Resolution::TakeTheirs => {
                let change: TicketChange = parse_json(&data, "ticket event", &oid)?;
                let theirs: Option<RemoteTicket> = theirs
                    .map(|t| parse_json(&t, "outbox entry", &oid))
                    .transpose()?;
                let config: Option<ConnectionConfig> = tx
                    .query_row(
                        "SELECT config FROM connections WHERE name = ?1",
                        [&conn_name],
                        |r| r.get::<_, String>(0),
                    )
                    .optional()?
                    .map(|c| parse_json(&c, "connection", &conn_name))
                    .transpose()?;
                let back = match (&change, &theirs, &config) {
                    (TicketChange::State { .. }, Some(t), Some(c)) => {
                        let state = c.mapping.state(&t.status);
                        tx.execute(
                            "UPDATE tickets SET state = ?2 WHERE id = ?1",
                            params![ticket, state.as_str()],
                        )?;
                        Some(TicketChange::State { state })
                    }
                    (TicketChange::Priority { .. }, Some(t), Some(c)) => {
                        let priority = c.mapping.priority(t.priority);
                        tx.execute(
                            "UPDATE tickets SET priority = ?2 WHERE id = ?1",
                            params![ticket, priority.as_str()],
                        )?;
                        Some(TicketChange::Priority { priority })
                    }
                    _ => None,
                };
                if let Some(change) = back {
                    let last: i64 = tx.query_row(
                        "SELECT COALESCE(MAX(at), 0) FROM ticket_events WHERE ticket = ?1",
                        [ticket],
                        |r| r.get(0),
                    )?;
                    tx.execute(
                        "INSERT INTO ticket_events (ticket, at, kind, data) VALUES (?1, ?2, ?3, ?4)",
                        params![ticket, to_sql(now).max(last), change.kind(), json(&change)?],
                    )?;
                }
                if let Some(t) = &theirs {
                    tx.execute(
                        "UPDATE remote_tickets SET snapshot = ?2 WHERE ticket = ?1",
                        params![ticket, json(t)?],
                    )?;
                }
                tx.execute(
                    "UPDATE outbox SET state = 'dropped', detail = 'the helpdesk''s value was kept' WHERE id = ?1",
                    [outbox_id],
                )?;
            }
        }
        tx.commit()?;
        read_tickets(&self.conn, "WHERE id = ?1", &[&ticket])?
            .pop()
            .ok_or(StoreError::NotFound {
                what: "ticket",
                id: ticket.to_string(),
            })
    }
}

/// The fields of a ticket with a change of the technician's still to send or settle.
fn waiting_fields(
    tx: &rusqlite::Transaction<'_>,
    ticket: i64,
) -> Result<Vec<&'static str>, StoreError> {
    let mut stmt = tx.prepare(concat!(
        "SELECT DISTINCT e.kind FROM outbox o JOIN ticket_events e ON e.id = o.event
         WHERE e.ticket = ?1 AND o.state IN ",
        unsettled!(),
        ""
    ))?;
    let kinds: Vec<String> = stmt
        .query_map([ticket], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(kinds
        .iter()
        .filter_map(|k| match k.as_str() {
            "state" => Some("state"),
            "priority" => Some("priority"),
            "responded" => Some("responded"),
            _ => None,
        })
        .collect())
}

/// The Fieldline policy of a remote ticket: the mapping's for its SLA level, else the
/// customer's contract, else the only policy, else the SLA level's own name (the board
/// then says that policy is missing).
fn policy_for(
    connection: &ConnectionConfig,
    sla: Option<&SlaConfig>,
    r: &RemoteTicket,
    customer: &str,
) -> String {
    if let Some(p) = r
        .sla
        .as_ref()
        .and_then(|l| connection.mapping.policies.get(l))
    {
        return p.clone();
    }
    if let Some(p) = sla.and_then(|c| c.policy_for(customer).ok()) {
        return p;
    }
    r.sla.clone().unwrap_or_else(|| "(none)".to_string())
}
