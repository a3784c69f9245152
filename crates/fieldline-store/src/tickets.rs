//! Tickets and their SLA clocks. A ticket is its history: every change is an event row,
//! appended in time order and never edited; the columns of `tickets` are a summary of
//! that history kept in the same transaction. Clocks are never stored: they are replayed
//! from the history and the SLA configuration on every read (`fieldline-sla`).
//!
//! Every local change is also queued in the outbox, for a helpdesk sync to replay later.

use crate::{Store, StoreError};
use fieldline_sla::policy_file::{self, PolicyFile};
use fieldline_sla::{clock, ClockKind, ClockState, Event, Policy, Priority, TicketState};
use jiff::{SignedDuration, Timestamp};
use rusqlite::{params, OptionalExtension, TransactionBehavior};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;
use ts_rs::TS;

/// Longest ticket title, in characters.
pub const MAX_TITLE_CHARS: usize = 300;
/// Longest note, in bytes.
pub const MAX_NOTE_BYTES: usize = 64 * 1024;
/// Largest SLA policy file (with its holiday files), in bytes.
pub const MAX_SLA_FILE_BYTES: usize = 2 * 1024 * 1024;
/// Longest single time entry: a week.
pub const MAX_TIME_ENTRY_MINUTES: u32 = 7 * 24 * 60;

const SLA_CONFIG_KEY: &str = "sla.config";

/// One change to a ticket, as stored in its history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TicketChange {
    Opened {
        priority: Priority,
        policy: String,
    },
    State {
        state: TicketState,
    },
    Priority {
        priority: Priority,
    },
    /// The customer's contract changed: time already used is kept.
    Policy {
        policy: String,
    },
    /// The first reply to the customer (stops the first-response clock).
    Responded,
    Note {
        text: String,
    },
    Time {
        minutes: u32,
        on_site: bool,
        note: String,
    },
}

/// A change with its time and position in the history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct TicketEvent {
    pub id: i64,
    /// RFC 3339, UTC.
    #[ts(type = "string")]
    pub at: Timestamp,
    pub change: TicketChange,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Ticket {
    pub id: i64,
    pub customer: String,
    pub endpoint: Option<String>,
    pub title: String,
    /// Where the ticket lives: `local`, or a helpdesk connection's name.
    pub source: String,
    /// The ticket's id on its helpdesk (`None` for local tickets).
    pub external_id: Option<String>,
    pub priority: Priority,
    pub state: TicketState,
    pub policy: String,
    /// RFC 3339, UTC.
    #[ts(type = "string")]
    pub opened_at: Timestamp,
    /// Minutes of work logged (on site and remote).
    pub minutes: u32,
    pub events: Vec<TicketEvent>,
}

/// A ticket to open.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct NewTicket {
    pub customer: String,
    pub endpoint: Option<String>,
    pub title: String,
    pub priority: Priority,
    /// The SLA policy; `None` takes the customer's contract.
    pub policy: Option<String>,
}

/// The SLA configuration as imported: the policy file and the holiday files it named.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlaSource {
    pub file_name: String,
    pub text: String,
    #[serde(default)]
    pub includes: BTreeMap<String, String>,
}

/// The SLA configuration in force.
#[derive(Debug, Clone)]
pub struct SlaConfig {
    pub source: SlaSource,
    pub file: PolicyFile,
    pub policies: BTreeMap<String, Arc<Policy>>,
    /// Customer id to the policy of its contract.
    pub contracts: BTreeMap<String, String>,
}

impl SlaConfig {
    pub fn parse(source: SlaSource) -> Result<SlaConfig, StoreError> {
        let size = source.text.len() + source.includes.values().map(String::len).sum::<usize>();
        if size > MAX_SLA_FILE_BYTES {
            return Err(StoreError::BadFile(format!(
                "{} with its holiday files is larger than 2 MiB; split it into smaller files",
                source.file_name
            )));
        }
        let read = |name: &str| {
            source.includes.get(name).cloned().ok_or_else(|| {
                "the holiday file was not imported with the policy file; import the policy file again".to_string()
            })
        };
        let file = policy_file::parse_with(&source.file_name, &source.text, &read)
            .map_err(|issues| StoreError::BadFile(policy_file::render(&issues)))?;
        let policies = file
            .policies
            .iter()
            .map(|(k, p)| (k.clone(), Arc::new(p.clone())))
            .collect();
        let contracts = file.contracts.clone();
        Ok(SlaConfig {
            source,
            file,
            policies,
            contracts,
        })
    }

    /// The policy a new ticket of `customer` gets: its contract's, else the only policy.
    pub fn policy_for(&self, customer: &str) -> Result<String, StoreError> {
        if let Some(p) = self.contracts.get(customer) {
            return Ok(p.clone());
        }
        match self.policies.keys().collect::<Vec<_>>().as_slice() {
            [only] => Ok((*only).clone()),
            [] => Err(StoreError::BadFile(
                "the SLA configuration has no policies; import a policy file first".into(),
            )),
            many => Err(StoreError::BadFile(format!(
                "customer {customer:?} has no contract in the SLA configuration; name a policy ({})",
                many.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
            ))),
        }
    }
}

/// Times are stored as milliseconds since 1970 (UTC): compact, ordered, read without parsing.
pub(crate) fn to_sql(t: Timestamp) -> i64 {
    t.as_millisecond()
}

pub(crate) fn from_sql(ms: i64, what: &'static str, id: i64) -> Result<Timestamp, StoreError> {
    Timestamp::from_millisecond(ms).map_err(|e| StoreError::Damaged {
        what,
        id: id.to_string(),
        detail: format!("time {ms}: {e}"),
    })
}

fn check_text(
    what: &str,
    text: &str,
    max_chars: Option<usize>,
    max_bytes: usize,
) -> Result<(), StoreError> {
    if text.len() > max_bytes || max_chars.is_some_and(|m| text.chars().count() > m) {
        let limit = max_chars.map_or(format!("{} KiB", max_bytes / 1024), |m| {
            format!("{m} characters")
        });
        return Err(StoreError::BadFile(format!(
            "the {what} is longer than {limit}; shorten it"
        )));
    }
    Ok(())
}

/// One SLA clock as the board shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ClockView {
    pub kind: ClockKind,
    pub target_secs: i64,
    pub elapsed_secs: i64,
    /// Negative once breached.
    pub remaining_secs: i64,
    pub running: bool,
    pub paused: bool,
    /// Running and the calendar is open now: the remaining time is going down.
    pub counting_now: bool,
    /// RFC 3339, UTC: when the target is reached if nothing changes (while running).
    #[ts(type = "string | null")]
    pub due: Option<Timestamp>,
    pub due_ms: Option<i64>,
    #[ts(type = "string | null")]
    pub breached_at: Option<Timestamp>,
    #[ts(type = "string | null")]
    pub stopped_at: Option<Timestamp>,
    /// The highest threshold crossed (percent; 100 once breached; 0 for none).
    pub level: u8,
    /// The policy's warning thresholds, percent.
    pub thresholds: Vec<u8>,
    /// Thresholds crossed so far, with when (RFC 3339, UTC).
    pub crossed: Vec<Crossing>,
    /// While running: when each threshold still ahead (and the breach) will be reached,
    /// so a countdown can change colour between two reads.
    pub ahead: Vec<Crossing>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Crossing {
    pub percent: u8,
    #[ts(type = "string")]
    pub at: Timestamp,
    pub at_ms: i64,
}

/// A ticket on the SLA board: its open clocks, or why they cannot be computed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct SlaRow {
    pub ticket: TicketSummary,
    pub clocks: Vec<ClockView>,
    pub error: Option<String>,
}

/// A ticket without its history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct TicketSummary {
    pub id: i64,
    pub customer: String,
    pub endpoint: Option<String>,
    pub title: String,
    pub source: String,
    pub external_id: Option<String>,
    pub priority: Priority,
    pub state: TicketState,
    pub policy: String,
    #[ts(type = "string")]
    pub opened_at: Timestamp,
}

impl TicketChange {
    /// The `kind` tag, as stored.
    pub fn kind(&self) -> &'static str {
        match self {
            TicketChange::Opened { .. } => "opened",
            TicketChange::State { .. } => "state",
            TicketChange::Priority { .. } => "priority",
            TicketChange::Policy { .. } => "policy",
            TicketChange::Responded => "responded",
            TicketChange::Note { .. } => "note",
            TicketChange::Time { .. } => "time",
        }
    }
}

impl Ticket {
    pub fn summary(&self) -> TicketSummary {
        TicketSummary {
            id: self.id,
            customer: self.customer.clone(),
            endpoint: self.endpoint.clone(),
            title: self.title.clone(),
            source: self.source.clone(),
            external_id: self.external_id.clone(),
            priority: self.priority,
            state: self.state,
            policy: self.policy.clone(),
            opened_at: self.opened_at,
        }
    }

    /// The history as the SLA math reads it, with policies resolved in `config`.
    pub fn sla_events(&self, config: &SlaConfig) -> Result<Vec<Event>, String> {
        let mut out = Vec::with_capacity(self.events.len());
        self.sla_events_into(config, &mut out)?;
        Ok(out)
    }

    /// [`Ticket::sla_events`] into a buffer the caller reuses (`out` is cleared first).
    pub fn sla_events_into(&self, config: &SlaConfig, out: &mut Vec<Event>) -> Result<(), String> {
        out.clear();
        let policy = |name: &str| {
            config.policies.get(name).cloned().ok_or_else(|| {
                format!("policy {name:?} is not in the SLA configuration; import a policy file that has it")
            })
        };

        for e in &self.events {
            let at = e.at;
            out.push(match &e.change {
                TicketChange::Opened {
                    priority,
                    policy: p,
                } => Event::Opened {
                    at,
                    priority: *priority,
                    policy: policy(p)?,
                },
                TicketChange::State { state } => Event::StateChanged { at, state: *state },
                TicketChange::Priority { priority } => Event::PriorityChanged {
                    at,
                    priority: *priority,
                },
                TicketChange::Policy { policy: p } => Event::PolicyChanged {
                    at,
                    policy: policy(p)?,
                },
                TicketChange::Responded => Event::Responded { at },
                TicketChange::Note { .. } | TicketChange::Time { .. } => continue,
            });
        }
        Ok(())
    }
}

/// The clocks of a ticket that are still open at `now` (not stopped), most urgent first.
pub fn open_clocks(events: &[Event], now: Timestamp) -> Result<Vec<ClockState>, String> {
    let mut out = Vec::with_capacity(2);
    for kind in [ClockKind::FirstResponse, ClockKind::Resolution] {
        let c = clock(events, kind, now).map_err(|e| e.to_string())?;
        if c.stopped_at.is_none() {
            out.push(c);
        }
    }
    Ok(out)
}

/// How urgent a set of clocks is: breached first (earliest breach first), then running by
/// due time, then paused by remaining time.
pub fn urgency(clocks: &[ClockState]) -> (u8, i64) {
    clocks
        .iter()
        .map(|c| match (c.breached_at, c.due, c.running) {
            (Some(b), _, _) => (0, b.as_second()),
            (None, Some(d), true) => (1, d.as_second()),
            _ => (2, c.remaining.as_secs()),
        })
        .min()
        .unwrap_or((3, 0))
}

fn ms(t: Timestamp) -> i64 {
    t.as_millisecond()
}

/// The board's view of one clock; `policy`/`priority` are the ones in force now.
/// `ahead` stays empty here; [`fill_ahead`] adds it to the rows that are shown.
pub fn clock_view(
    c: &ClockState,
    policy: &Policy,
    priority: Priority,
    now: Timestamp,
) -> ClockView {
    let counting_now = c.running
        && policy
            .calendar_for(priority)
            .open_between(now, now + SignedDuration::from_secs(1))
            .is_ok_and(|d| d > SignedDuration::ZERO);
    let level = if c.breached_at.is_some() {
        100
    } else {
        c.crossed.iter().map(|(p, _)| *p).max().unwrap_or(0)
    };
    ClockView {
        kind: c.kind,
        target_secs: c.target.as_secs(),
        elapsed_secs: c.elapsed.as_secs(),
        remaining_secs: c.remaining.as_secs(),
        running: c.running,
        paused: c.paused,
        counting_now,
        due: c.due,
        due_ms: c.due.map(ms),
        breached_at: c.breached_at,
        stopped_at: c.stopped_at,
        level,
        thresholds: policy.thresholds.clone(),
        crossed: c
            .crossed
            .iter()
            .map(|(p, at)| Crossing {
                percent: *p,
                at: *at,
                at_ms: ms(*at),
            })
            .collect(),
        ahead: Vec::new(),
    }
}

/// Adds to each running clock of `row` when its further thresholds and its breach will
/// be reached, so a countdown can change colour between two reads.
pub fn fill_ahead(row: &mut SlaRow, config: &SlaConfig, now: Timestamp) {
    let Some(policy) = config.policies.get(&row.ticket.policy) else {
        return;
    };
    let cal = policy.calendar_for(row.ticket.priority);
    for c in row.clocks.iter_mut().filter(|c| c.running) {
        let elapsed = SignedDuration::from_secs(c.elapsed_secs);
        c.ahead.clear();
        for pct in policy.thresholds.iter().copied().chain([100]) {
            let amount = SignedDuration::from_secs(c.target_secs * i64::from(pct) / 100);
            if amount > elapsed {
                if let Ok(at) = cal.add_open_time(now, amount - elapsed) {
                    c.ahead.push(Crossing {
                        percent: pct,
                        at,
                        at_ms: ms(at),
                    });
                }
            }
        }
    }
}

/// One ticket's SLA state: how urgent its open clocks are, or why they cannot be
/// computed. The clocks themselves are not kept: [`row`] replays them again for the few
/// rows shown, which costs less than holding every ticket's clocks in memory.
#[derive(Debug, Clone)]
pub struct SlaState<'a> {
    pub ticket: &'a Ticket,
    pub urgency: (u8, i64),
    pub error: Option<String>,
}

fn state_of<'a>(
    t: &'a Ticket,
    config: Option<&SlaConfig>,
    now: Timestamp,
    events: &mut Vec<Event>,
) -> Option<SlaState<'a>> {
    let clocks = match config {
        None => Err(
            "no SLA configuration; import a policy file (fieldline sla import FILE)".to_string(),
        ),
        Some(cfg) => t
            .sla_events_into(cfg, events)
            .and_then(|()| open_clocks(events, now)),
    };
    match clocks {
        Ok(c) if c.is_empty() => None,
        Ok(c) => Some(SlaState {
            ticket: t,
            urgency: urgency(&c),
            error: None,
        }),
        Err(e) => Some(SlaState {
            ticket: t,
            urgency: (0, i64::MIN),
            error: Some(e),
        }),
    }
}

/// The SLA state of every ticket with an open clock at `now`, most urgent first (those
/// whose clocks cannot be computed first, then breached, then by due time).
///
/// One thread: on a two-core laptop that is also running the app, splitting the work
/// measured slower (BENCHMARKS.md).
pub fn states<'a>(
    tickets: &'a [Ticket],
    config: Option<&SlaConfig>,
    now: Timestamp,
) -> Vec<SlaState<'a>> {
    let mut events = Vec::new();
    let mut out: Vec<SlaState<'a>> = tickets
        .iter()
        .filter_map(|t| state_of(t, config, now, &mut events))
        .collect();
    out.sort_unstable_by(|a, b| {
        a.urgency
            .cmp(&b.urgency)
            .then(a.ticket.id.cmp(&b.ticket.id))
    });
    out
}

/// The board's row of one state.
pub fn row(state: &SlaState<'_>, config: Option<&SlaConfig>, now: Timestamp) -> SlaRow {
    let t = state.ticket;
    let policy = config.and_then(|c| c.policies.get(&t.policy));
    let clocks = match (&state.error, config) {
        (Some(e), _) => Err(e.clone()),
        (None, None) => Err("no SLA configuration".to_string()),
        (None, Some(cfg)) => t
            .sla_events(cfg)
            .and_then(|events| open_clocks(&events, now)),
    };
    let (clocks, error) = match (&clocks, policy) {
        (Err(e), _) => (Vec::new(), Some(e.clone())),
        (Ok(_), None) => (
            Vec::new(),
            Some(format!(
                "policy {:?} is not in the SLA configuration",
                t.policy
            )),
        ),
        (Ok(c), Some(p)) => (
            c.iter()
                .map(|c| clock_view(c, p, t.priority, now))
                .collect(),
            None,
        ),
    };
    SlaRow {
        ticket: t.summary(),
        clocks,
        error,
    }
}

/// The SLA board at `now`: the `limit` most urgent rows of [`states`].
pub fn board(tickets: &[Ticket], config: Option<&SlaConfig>, now: Timestamp) -> Vec<SlaRow> {
    board_top(tickets, config, now, usize::MAX)
}

/// The `limit` most urgent rows of the board.
pub fn board_top(
    tickets: &[Ticket],
    config: Option<&SlaConfig>,
    now: Timestamp,
    limit: usize,
) -> Vec<SlaRow> {
    states(tickets, config, now)
        .iter()
        .take(limit)
        .map(|s| row(s, config, now))
        .collect()
}

const TICKET_COLUMNS: &str =
    "id, customer, endpoint, title, source, priority, state, policy, opened_at, minutes, external_id";

fn enum_from_sql<T: for<'de> Deserialize<'de>>(
    text: &str,
    id: i64,
    what: &str,
) -> Result<T, StoreError> {
    serde_json::from_value(serde_json::Value::String(text.to_string())).map_err(|_| {
        StoreError::Damaged {
            what: "ticket",
            id: id.to_string(),
            detail: format!("{what} {text:?}"),
        }
    })
}

pub(crate) fn read_tickets(
    conn: &rusqlite::Connection,
    filter: &str,
    args: &[&dyn rusqlite::ToSql],
) -> Result<Vec<Ticket>, StoreError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {TICKET_COLUMNS} FROM tickets {filter} ORDER BY id"
    ))?;
    let rows = stmt.query_map(args, |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, Option<String>>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, String>(5)?,
            r.get::<_, String>(6)?,
            r.get::<_, String>(7)?,
            r.get::<_, i64>(8)?,
            r.get::<_, i64>(9)?,
            r.get::<_, Option<String>>(10)?,
        ))
    })?;
    let mut tickets = Vec::new();
    let mut index = BTreeMap::new();
    for row in rows {
        let (
            id,
            customer,
            endpoint,
            title,
            source,
            priority,
            state,
            policy,
            opened_at,
            minutes,
            external_id,
        ) = row?;
        index.insert(id, tickets.len());
        tickets.push(Ticket {
            id,
            customer,
            endpoint,
            title,
            source,
            external_id,
            priority: enum_from_sql(&priority, id, "priority")?,
            state: enum_from_sql(&state, id, "state")?,
            policy,
            opened_at: from_sql(opened_at, "ticket", id)?,
            minutes: u32::try_from(minutes).unwrap_or(u32::MAX),
            events: Vec::new(),
        });
    }
    if tickets.is_empty() {
        return Ok(tickets);
    }
    let mut stmt = conn.prepare(&format!(
        "SELECT e.ticket, e.id, e.at, e.data FROM ticket_events e
         WHERE e.ticket IN (SELECT id FROM tickets {filter}) ORDER BY e.ticket, e.at, e.id"
    ))?;
    let rows = stmt.query_map(args, |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, i64>(2)?,
            r.get::<_, String>(3)?,
        ))
    })?;
    for row in rows {
        let (ticket, id, at, data) = row?;
        let change: TicketChange =
            serde_json::from_str(&data).map_err(|e| StoreError::Damaged {
                what: "ticket event",
                id: id.to_string(),
                detail: e.to_string(),
            })?;
        if let Some(&i) = index.get(&ticket) {
            tickets[i].events.push(TicketEvent {
                id,
                at: from_sql(at, "ticket event", id)?,
                change,
            });
        }
    }
    Ok(tickets)
}

impl Store {
    /// The SLA configuration in force, if one was imported.
    pub fn sla_config(&self) -> Result<Option<SlaConfig>, StoreError> {
        let Some(json) = self.setting(SLA_CONFIG_KEY)? else {
            return Ok(None);
        };
        let source: SlaSource = serde_json::from_str(&json).map_err(|e| StoreError::Damaged {
            what: "setting",
            id: SLA_CONFIG_KEY.into(),
            detail: e.to_string(),
        })?;
        SlaConfig::parse(source).map(Some)
    }

    /// Replaces the SLA configuration. Refused when an open ticket uses a policy the new
    /// configuration lacks (its clocks could no longer be computed).
    pub fn import_sla_config(&mut self, source: SlaSource) -> Result<SlaConfig, StoreError> {
        let mut config = SlaConfig::parse(source)?;
        // Keep only the holiday files the policy file names.
        let named = config.file.holiday_files.clone();
        config
            .source
            .includes
            .retain(|name, _| named.contains(name));
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut stmt = tx.prepare(
            "SELECT DISTINCT policy FROM tickets WHERE state NOT IN ('resolved', 'closed')",
        )?;
        let used: Vec<String> = stmt
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        drop(stmt);
        let missing: Vec<&String> = used
            .iter()
            .filter(|p| !config.policies.contains_key(*p))
            .collect();
        if !missing.is_empty() {
            return Err(StoreError::BadFile(format!(
                "{}: open tickets use the policies {} which this file lacks; nothing was changed. Keep them in the file, or change those tickets' policy first",
                config.source.file_name,
                missing.iter().map(|s| format!("{s:?}")).collect::<Vec<_>>().join(", ")
            )));
        }
        let json = serde_json::to_string(&config.source)
            .map_err(|e| StoreError::BadFile(e.to_string()))?;
        tx.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            params![SLA_CONFIG_KEY, json],
        )?;
        tx.commit()?;
        Ok(config)
    }

    /// Opens a ticket at `at`.
    pub fn open_ticket(&mut self, new: NewTicket, at: Timestamp) -> Result<Ticket, StoreError> {
        let title = new.title.trim().to_string();
        if title.is_empty() {
            return Err(StoreError::BadFile("a ticket needs a title".into()));
        }
        check_text("title", &title, Some(MAX_TITLE_CHARS), MAX_TITLE_CHARS * 4)?;
        let fleet = self.fleet()?;
        if !fleet.customers.iter().any(|c| c.id == new.customer) {
            return Err(StoreError::NotFound {
                what: "customer",
                id: new.customer,
            });
        }
        if let Some(ep) = &new.endpoint {
            let site_customer = fleet
                .endpoints
                .iter()
                .find(|e| &e.id == ep)
                .and_then(|e| fleet.sites.iter().find(|s| s.id == e.site))
                .map(|s| s.customer.clone());
            match site_customer {
                None => {
                    return Err(StoreError::NotFound {
                        what: "endpoint",
                        id: ep.clone(),
                    })
                }
                Some(c) if c != new.customer => {
                    return Err(StoreError::BadFile(format!(
                        "endpoint {ep:?} belongs to customer {c:?}, not {:?}",
                        new.customer
                    )))
                }
                Some(_) => {}
            }
        }
        let config = self.sla_config()?.ok_or_else(|| {
            StoreError::BadFile(
                "no SLA configuration yet; import a policy file first (fieldline sla import FILE)"
                    .into(),
            )
        })?;
        let policy = match new.policy {
            Some(p) => p,
            None => config.policy_for(&new.customer)?,
        };
        if !config.policies.contains_key(&policy) {
            return Err(StoreError::NotFound {
                what: "SLA policy",
                id: policy,
            });
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO tickets (customer, endpoint, title, source, priority, state, policy, opened_at, minutes)
             VALUES (?1, ?2, ?3, 'local', ?4, 'new', ?5, ?6, 0)",
            params![new.customer, new.endpoint, title, new.priority.as_str(), policy, to_sql(at)],
        )?;
        let id = tx.last_insert_rowid();
        append_event(
            &tx,
            id,
            at,
            &TicketChange::Opened {
                priority: new.priority,
                policy,
            },
        )?;
        tx.commit()?;
        self.ticket(id)
    }

    pub fn ticket(&self, id: i64) -> Result<Ticket, StoreError> {
        read_tickets(&self.conn, "WHERE id = ?1", &[&id])?
            .pop()
            .ok_or(StoreError::NotFound {
                what: "ticket",
                id: id.to_string(),
            })
    }

    /// Tickets, oldest first; `open_only` leaves out resolved and closed ones.
    pub fn tickets(&self, open_only: bool) -> Result<Vec<Ticket>, StoreError> {
        if open_only {
            read_tickets(&self.conn, "WHERE state NOT IN ('resolved', 'closed')", &[])
        } else {
            read_tickets(&self.conn, "", &[])
        }
    }

    /// Appends a change to a ticket's history at `at`, which may not be earlier than the
    /// ticket's last change (a history is in time order).
    pub fn change_ticket(
        &mut self,
        id: i64,
        at: Timestamp,
        change: TicketChange,
    ) -> Result<Ticket, StoreError> {
        let config = match &change {
            TicketChange::Policy { .. } => self.sla_config()?,
            _ => None,
        };
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let last: Option<i64> = tx
            .query_row(
                "SELECT MAX(at) FROM ticket_events WHERE ticket = ?1",
                [id],
                |r| r.get(0),
            )
            .optional()?
            .flatten();
        let Some(last) = last else {
            return Err(StoreError::NotFound {
                what: "ticket",
                id: id.to_string(),
            });
        };
        let last = from_sql(last, "ticket", id)?;
        if at < last {
            return Err(StoreError::BadFile(format!(
                "ticket #{id} last changed at {last}; a change cannot be dated before that"
            )));
        }
        match &change {
            TicketChange::Opened { .. } => {
                return Err(StoreError::BadFile(format!("ticket #{id} is already open")));
            }
            TicketChange::State { state } => {
                tx.execute(
                    "UPDATE tickets SET state = ?2 WHERE id = ?1",
                    params![id, state.as_str()],
                )?;
            }
            TicketChange::Priority { priority } => {
                tx.execute(
                    "UPDATE tickets SET priority = ?2 WHERE id = ?1",
                    params![id, priority.as_str()],
                )?;
            }
            TicketChange::Policy { policy } => {
                let known = config
                    .as_ref()
                    .is_some_and(|c| c.policies.contains_key(policy));
                if !known {
                    return Err(StoreError::NotFound {
                        what: "SLA policy",
                        id: policy.clone(),
                    });
                }
                tx.execute(
                    "UPDATE tickets SET policy = ?2 WHERE id = ?1",
                    params![id, policy],
                )?;
            }
            TicketChange::Responded => {}
            TicketChange::Note { text } => {
                if text.trim().is_empty() {
                    return Err(StoreError::BadFile("the note is empty".into()));
                }
                check_text("note", text, None, MAX_NOTE_BYTES)?;
            }
            TicketChange::Time { minutes, note, .. } => {
                if *minutes == 0 || *minutes > MAX_TIME_ENTRY_MINUTES {
                    return Err(StoreError::BadFile(format!(
                        "a time entry is between 1 minute and {} hours",
                        MAX_TIME_ENTRY_MINUTES / 60
                    )));
                }
                check_text("note", note, None, MAX_NOTE_BYTES)?;
                tx.execute(
                    "UPDATE tickets SET minutes = minutes + ?2 WHERE id = ?1",
                    params![id, minutes],
                )?;
            }
        }
        append_event(&tx, id, at, &change)?;
        tx.commit()?;
        self.ticket(id)
    }

    /// Keeps tickets whose histories were made elsewhere (a helpdesk, an export), in one
    /// transaction, under new ids; they are not queued in the outbox. Returns the new ids.
    pub fn import_tickets(&mut self, tickets: &[Ticket]) -> Result<Vec<i64>, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut ids = Vec::with_capacity(tickets.len());
        {
            let mut ticket = tx.prepare(
                "INSERT INTO tickets (customer, endpoint, title, source, priority, state, policy, opened_at, minutes, external_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?;
            let mut event = tx.prepare(
                "INSERT INTO ticket_events (ticket, at, kind, data) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for t in tickets {
                if !matches!(
                    t.events.first().map(|e| &e.change),
                    Some(TicketChange::Opened { .. })
                ) {
                    return Err(StoreError::BadFile(format!(
                        "ticket {:?}: its history does not start with its opening",
                        t.title
                    )));
                }
                ticket.execute(params![
                    t.customer,
                    t.endpoint,
                    t.title,
                    t.source,
                    t.priority.as_str(),
                    t.state.as_str(),
                    t.policy,
                    to_sql(t.opened_at),
                    t.minutes,
                    t.external_id
                ])?;
                let id = tx.last_insert_rowid();
                for e in &t.events {
                    let data = serde_json::to_string(&e.change)
                        .map_err(|err| StoreError::BadFile(err.to_string()))?;
                    event.execute(params![id, to_sql(e.at), e.change.kind(), data])?;
                }
                ids.push(id);
            }
        }
        tx.commit()?;
        Ok(ids)
    }

    /// Gives the demo customers an SLA configuration and a few open tickets (opened
    /// relative to `now`: one breached, one past a warning, one waiting on the customer,
    /// one fresh), unless an SLA configuration or tickets exist already.
    pub fn load_demo_tickets(&mut self, now: Timestamp) -> Result<(), StoreError> {
        if self.sla_config()?.is_some() || !self.tickets(false)?.is_empty() {
            return Ok(());
        }
        self.import_sla_config(SlaSource {
            file_name: "demo-sla.toml".into(),
            text: fieldline_core::demo::SLA_POLICY_FILE.into(),
            includes: BTreeMap::new(),
        })?;
        let minutes_ago = |m: i64| now - SignedDuration::from_mins(m);
        let open = |store: &mut Store, customer: &str, title: &str, priority: Priority, at| {
            store.open_ticket(
                NewTicket {
                    customer: customer.into(),
                    endpoint: None,
                    title: title.into(),
                    priority,
                    policy: None,
                },
                at,
            )
        };
        open(
            self,
            "demo-hanbit",
            "Warehouse scanners cannot reach the WMS (demo)",
            Priority::P1,
            minutes_ago(50),
        )?;
        open(
            self,
            "demo-seorin",
            "X-ray viewer slow on reception PC (demo)",
            Priority::P2,
            minutes_ago(48),
        )?;
        let waiting = open(
            self,
            "demo-seorin",
            "New staff account for Dr. Kim (demo)",
            Priority::P3,
            minutes_ago(30),
        )?;
        self.change_ticket(
            waiting.id,
            minutes_ago(20),
            TicketChange::State {
                state: TicketState::WaitingOnCustomer,
            },
        )?;
        open(
            self,
            "demo-hanbit",
            "Replace toner in Incheon office printer (demo)",
            Priority::P4,
            minutes_ago(2),
        )?;
        Ok(())
    }

    /// Changes made here that no helpdesk has been told of yet, oldest first.
    pub fn outbox_len(&self) -> Result<u64, StoreError> {
        Ok(self.conn.query_row(
            concat!(
                "SELECT COUNT(*) FROM outbox WHERE state IN ",
                unsettled!(),
                ""
            ),
            [],
            |r| r.get(0),
        )?)
    }
}

fn append_event(
    tx: &rusqlite::Transaction<'_>,
    ticket: i64,
    at: Timestamp,
    change: &TicketChange,
) -> Result<(), StoreError> {
    let data = serde_json::to_string(change).map_err(|e| StoreError::BadFile(e.to_string()))?;
    tx.execute(
        "INSERT INTO ticket_events (ticket, at, kind, data) VALUES (?1, ?2, ?3, ?4)",
        params![ticket, to_sql(at), change.kind(), data],
    )?;
    let event = tx.last_insert_rowid();
    // A synced ticket's change remembers what its helpdesk looked like when it was made,
    // so the sync can tell a conflicting remote change from its own.
    tx.execute(
        "INSERT INTO outbox (event, queued_at, base)
         VALUES (?1, ?2, (SELECT snapshot FROM remote_tickets WHERE ticket = ?3))",
        params![event, to_sql(Timestamp::now()), ticket],
    )?;
    Ok(())
}
