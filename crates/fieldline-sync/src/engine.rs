//! One sync run of one connection.
//!
//! 1. **Push**: the outbox's changes of this connection's tickets, in the order they were
//!    made. For each: read the ticket (its version), then
//!    - an entry left `sending` by a run that lost its answer is first looked for in the
//!      ticket's history after the version noted before that send: found, it is marked
//!      sent and not sent again;
//!    - a state or priority change whose field the helpdesk changed since the technician
//!      made it (its value now differs from the one the change was made on) becomes a
//!      conflict for the technician, never overwritten; later changes of that ticket wait
//!      behind it;
//!    - otherwise the version is noted (`sending`), the change applied if the ticket is
//!      still at that version, and marked sent.
//! 2. **Pull**: tickets changed since the cursor, merged page by page; the cursor moves
//!    only when the whole pull succeeded (a pull that failed half way is repeated, and
//!    the merge ignores what it already has).
//! 3. **Reconcile**, hourly: open tickets the helpdesk's search no longer shows are read
//!    one by one (deleted: their clocks stop; moved away or gone: forgotten here).
//!
//! A failure (network, credentials, server) stops the run with a clear status; every
//! change not yet confirmed stays queued.

use crate::connector::{Applied, Connector, Outgoing, SyncError};
use crate::SyncReport;
use fieldline_sla::TicketState;
use fieldline_store::sync::{field_of, ConnectionConfig, Pending, RemoteTicket};
use fieldline_store::tickets::{SlaConfig, TicketChange};
use fieldline_store::Store;
use jiff::{SignedDuration, Timestamp};
use std::collections::BTreeSet;
use std::time::Instant;

/// How many problems a report lists (it counts them all).
const MAX_WARNINGS: usize = 10;

/// How many times a change is re-decided when the ticket moves under it.
const STALE_RETRIES: usize = 3;

/// Runs one sync of `config` through `connector`. Never fails as a whole: what went
/// wrong is in the report's `error` (and in the connection's status).
pub fn sync_once(
    store: &mut Store,
    connector: &dyn Connector,
    config: &ConnectionConfig,
    now: impl Fn() -> Timestamp,
) -> SyncReport {
    let started = Instant::now();
    let mut report = SyncReport::start(&config.name, now());
    let outcome = push(store, connector, config, &now, &mut report)
        .and_then(|()| pull(store, connector, config, &now, &mut report));
    let recorded = match &outcome {
        Ok(cursor) => store.record_sync(&config.name, now(), Ok(Some(*cursor))),
        Err(e) => {
            let message = e.to_string();
            report.error = Some(message.clone());
            store.record_sync(&config.name, now(), Err(&message))
        }
    };
    if let Err(e) = recorded {
        report.error.get_or_insert(e.to_string());
    }
    if let Ok(status) = store.sync_status(&config.name) {
        report.waiting = status.waiting;
        report.conflicts = status.conflicts;
    }
    report.finished_at = now();
    report.took_ms = started.elapsed().as_millis() as u64;
    match &report.error {
        None => tracing::info!(
            "sync {}: {} new, {} updated, {} sent, {} already there, {} waiting, {} conflicts ({} ms)",
            report.connection,
            report.pulled_new,
            report.pulled_updated,
            report.pushed,
            report.already_applied,
            report.waiting,
            report.conflicts,
            report.took_ms
        ),
        Some(e) => tracing::warn!("sync {} failed: {e}", report.connection),
    }
    report
}

/// The change in the helpdesk's terms; `None` for what it has no field for.
fn outgoing(change: &TicketChange, config: &ConnectionConfig) -> Option<Outgoing> {
    let m = &config.mapping;
    match change {
        TicketChange::State { state } => m.status(*state).map(|s| Outgoing::Status(s.into())),
        TicketChange::Priority { priority } => {
            Some(Outgoing::Priority(m.remote_priority(*priority)))
        }
        // The first response: the helpdesk's ticket leaves `new` (RT sets `Started`).
        TicketChange::Responded => m
            .status(TicketState::InProgress)
            .map(|s| Outgoing::Status(s.into())),
        TicketChange::Note { text } => Some(Outgoing::Note(text.clone())),
        TicketChange::Time {
            minutes,
            on_site,
            note,
        } => Some(Outgoing::Time {
            minutes: *minutes,
            on_site: *on_site,
            note: note.clone(),
        }),
        TicketChange::Opened { .. } | TicketChange::Policy { .. } => None,
    }
}

/// The remote ticket with `change` applied, as the next snapshot.
fn applied_to(remote: &RemoteTicket, change: &Outgoing) -> RemoteTicket {
    let mut after = remote.clone();
    match change {
        Outgoing::Status(s) => after.status = s.clone(),
        Outgoing::Priority(p) => after.priority = *p,
        Outgoing::Time { minutes, .. } => after.minutes = after.minutes.saturating_add(*minutes),
        Outgoing::Note(_) => {}
    }
    after
}

enum Decision {
    /// The helpdesk shows this already.
    AlreadySo,
    Conflict,
    Send,
}

fn decide(
    p: &Pending,
    change: &Outgoing,
    remote: &RemoteTicket,
    config: &ConnectionConfig,
) -> Decision {
    let new_status = config.mapping.status(TicketState::New);
    match (&p.change, change) {
        (TicketChange::Responded, _) if Some(remote.status.as_str()) != new_status => {
            Decision::AlreadySo
        }
        (TicketChange::Responded, _) => Decision::Send,
        (_, Outgoing::Status(s)) => {
            if &remote.status == s {
                Decision::AlreadySo
            } else if p.base.as_ref().is_some_and(|b| b.status != remote.status) {
                Decision::Conflict
            } else {
                Decision::Send
            }
        }
        (_, Outgoing::Priority(n)) => {
            if config.mapping.priority(remote.priority) == config.mapping.priority(*n) {
                Decision::AlreadySo
            } else if p
                .base
                .as_ref()
                .is_some_and(|b| b.priority != remote.priority)
            {
                Decision::Conflict
            } else {
                Decision::Send
            }
        }
        _ => Decision::Send,
    }
}

fn push(
    store: &mut Store,
    connector: &dyn Connector,
    config: &ConnectionConfig,
    now: &dyn Fn() -> Timestamp,
    report: &mut SyncReport,
) -> Result<(), SyncError> {
    // Re-read after each conflict: a conflict holds back its ticket's later changes.
    let mut blocked = std::collections::BTreeSet::new();
    for p in store.pending_changes(&config.name)? {
        if blocked.contains(&p.ticket) {
            continue;
        }
        let Some(change) = outgoing(&p.change, config) else {
            store.mark_local(p.outbox_id)?;
            continue;
        };
        let (mut remote, mut version) = connector.fetch(&p.remote_id)?;
        if let Some(attempt) = p.attempt.as_deref() {
            if let Some(reference) = connector.find_applied(&p.remote_id, attempt, &change)? {
                let after = field_of(&p.change).map(|_| applied_to(&remote, &change));
                store.mark_sent(p.outbox_id, &reference, after.as_ref(), now())?;
                report.already_applied += 1;
                continue;
            }
        }
        let mut tries = 0;
        loop {
            match decide(&p, &change, &remote, config) {
                Decision::AlreadySo => {
                    store.mark_sent(
                        p.outbox_id,
                        "already so on the helpdesk",
                        Some(&remote),
                        now(),
                    )?;
                    break;
                }
                Decision::Conflict => {
                    store.mark_conflict(p.outbox_id, &remote, None)?;
                    report.new_conflicts += 1;
                    blocked.insert(p.ticket);
                    break;
                }
                Decision::Send => {}
            }
            store.mark_sending(p.outbox_id, &version)?;
            match connector.apply(&p.remote_id, &version, &change)? {
                Applied::Done { reference } => {
                    let after = applied_to(&remote, &change);
                    let after = field_of(&p.change).map(|_| &after);
                    store.mark_sent(p.outbox_id, &reference, after, now())?;
                    report.pushed += 1;
                    break;
                }
                Applied::Refused(why) => {
                    store.mark_conflict(p.outbox_id, &remote, Some(&why))?;
                    report.new_conflicts += 1;
                    blocked.insert(p.ticket);
                    break;
                }
                Applied::Stale if tries < STALE_RETRIES => {
                    tries += 1;
                    (remote, version) = connector.fetch(&p.remote_id)?;
                }
                Applied::Stale => {
                    return Err(SyncError::Server {
                        status: 412,
                        what: format!("ticket {}", p.remote_id),
                        detail: "it kept changing while the change was sent".into(),
                    })
                }
            }
        }
    }
    Ok(())
}

fn pull(
    store: &mut Store,
    connector: &dyn Connector,
    config: &ConnectionConfig,
    now: &dyn Fn() -> Timestamp,
    report: &mut SyncReport,
) -> Result<Timestamp, SyncError> {
    let since = store.sync_cursor(&config.name)?;
    let sla: Option<SlaConfig> = store.sla_config()?;
    let cursor = connector.changed_since(since, &mut |page| {
        report.unreadable += u32::try_from(page.unreadable.len()).unwrap_or(u32::MAX);
        for why in page.unreadable {
            if report.warnings.len() < MAX_WARNINGS {
                report.warnings.push(why);
            }
        }
        let counts = store.merge_remote(config, &page.tickets, sla.as_ref(), now())?;
        report.pulled_new += counts.new;
        report.pulled_updated += counts.updated;
        report.unchanged += counts.unchanged;
        Ok(())
    })?;
    reconcile(store, connector, config, since.is_none(), now, report)?;
    Ok(cursor)
}

/// How often the open tickets kept here are checked against the helpdesk's list.
pub const RECONCILE_EVERY: SignedDuration = SignedDuration::from_hours(1);

/// At most every [`RECONCILE_EVERY`]: the open tickets kept here that the helpdesk's
/// search no longer shows are read one by one. Deleted (RT keeps them, status `deleted`)
/// or otherwise still in scope: merged, so their clocks stop. Moved out of the pulled
/// queues, or gone for good: forgotten here, unless changes of them still wait. Without
/// this a ticket deleted in the helpdesk would keep its clocks running, and keep
/// notifying, forever.
fn reconcile(
    store: &mut Store,
    connector: &dyn Connector,
    config: &ConnectionConfig,
    first_pull: bool,
    now: &dyn Fn() -> Timestamp,
    report: &mut SyncReport,
) -> Result<(), SyncError> {
    let key = format!("sync.reconciled.{}", config.name);
    let at = now();
    let last = store
        .setting(&key)?
        .and_then(|v| v.parse::<i64>().ok())
        .and_then(|ms| Timestamp::from_millisecond(ms).ok());
    let due = !first_pull && last.is_none_or(|l| at.duration_since(l) >= RECONCILE_EVERY);
    if due {
        let present: BTreeSet<String> = connector.ids_in_scope()?.into_iter().collect();
        let sla = store.sla_config()?;
        for (ticket, remote_id) in store.open_remote_tickets(&config.name)? {
            if present.contains(&remote_id) {
                continue;
            }
            let in_scope =
                |r: &RemoteTicket| config.queues.is_empty() || config.queues.contains(&r.queue);
            match connector.fetch(&remote_id) {
                Ok((r, _)) if in_scope(&r) => {
                    let counts = store.merge_remote(config, &[r], sla.as_ref(), now())?;
                    report.pulled_updated += counts.updated;
                }
                Ok(_) | Err(SyncError::Server { status: 404, .. }) => {
                    if store.forget_remote_ticket(ticket)? {
                        report.gone += 1;
                    }
                }
                Err(e) => return Err(e),
            }
        }
    }
    if due || first_pull {
        store.set_setting(&key, &at.as_millisecond().to_string())?;
    }
    Ok(())
}
