//! One notification round: read the open SLA clocks from the store, turn them into
//! alerts, let [`plan`](crate::plan::plan) decide, show what is due and keep everything
//! in the notification centre. The app runs a round every few seconds; `fieldline sla
//! notify` runs one.

use crate::plan::{self, Alert, Held, Notified, NotifySettings, Outgoing, Severity};
use fieldline_sla::ClockKind;
use fieldline_store::notifications::{CentreEntry, LedgerEntry};
use fieldline_store::tickets::{board, fill_ahead, SlaConfig, SlaRow};
use fieldline_store::{Store, StoreError};
use jiff::{SignedDuration, Timestamp};
use std::collections::BTreeMap;

/// Where notifications go: the desktop, or anything that can show one.
pub trait Sender {
    /// Shows `n`; the daemon's id for it when there is one. The error says why not, in
    /// the technician's terms.
    fn send(&self, n: &Outgoing) -> Result<Option<u32>, String>;

    /// The notification a group already has on the screen (kept from an earlier run), so
    /// the group's next one replaces it instead of stacking next to it.
    fn remember(&self, _group: &str, _id: u32) {}
}

/// Tells `sender` which notification each group has on the screen, as the store kept it.
pub fn restore_on_screen(store: &Store, sender: &dyn Sender) -> Result<(), StoreError> {
    for (group, id) in store.notification_ids()? {
        sender.remember(&group, id);
    }
    Ok(())
}

/// The settings key of [`NotifySettings`].
pub const SETTINGS_KEY: &str = "notify.settings";

/// The notification settings kept in the store (defaults when none were saved).
pub fn settings(store: &Store) -> Result<NotifySettings, StoreError> {
    match store.setting(SETTINGS_KEY)? {
        None => Ok(NotifySettings::default()),
        Some(json) => serde_json::from_str(&json).map_err(|e| StoreError::Damaged {
            what: "setting",
            id: SETTINGS_KEY.into(),
            detail: e.to_string(),
        }),
    }
}

pub fn save_settings(store: &mut Store, s: &NotifySettings) -> Result<(), StoreError> {
    s.validate().map_err(StoreError::BadFile)?;
    let json = serde_json::to_string(s).map_err(|e| StoreError::BadFile(e.to_string()))?;
    store.set_setting(SETTINGS_KEY, &json)
}

fn kind_name(kind: ClockKind) -> &'static str {
    match kind {
        ClockKind::FirstResponse => "first response",
        ClockKind::Resolution => "resolution",
    }
}

fn key_name(kind: ClockKind) -> &'static str {
    match kind {
        ClockKind::FirstResponse => "first_response",
        ClockKind::Resolution => "resolution",
    }
}

/// The alerts the SLA board stands for at `now`: one per clock past a threshold.
pub fn sla_alerts(
    rows: &[SlaRow],
    config: &SlaConfig,
    customer_names: &BTreeMap<String, String>,
    now: Timestamp,
) -> Vec<Alert> {
    let mut out = Vec::new();
    for row in rows {
        let t = &row.ticket;
        let in_service_hours = config.policies.get(&t.policy).is_some_and(|p| {
            p.calendar
                .open_between(now, now + SignedDuration::from_secs(1))
                .is_ok_and(|d| d > SignedDuration::ZERO)
        });
        for c in &row.clocks {
            if c.level == 0 {
                continue;
            }
            let what = if c.level >= 100 {
                format!("{} breached", kind_name(c.kind))
            } else {
                format!("{} at {}%", kind_name(c.kind), c.level)
            };
            out.push(Alert {
                key: format!("sla:{}:{}", t.id, key_name(c.kind)),
                level: c.level,
                severity: if c.level >= 100 {
                    Severity::Breach
                } else {
                    Severity::Warning
                },
                group: format!("sla:{}", t.customer),
                group_title: customer_names
                    .get(&t.customer)
                    .cloned()
                    .unwrap_or_else(|| t.customer.clone()),
                customer: t.customer.clone(),
                line: format!("#{} {} ({}): {what}", t.id, t.title, t.priority.as_str()),
                in_service_hours,
                open: format!("ticket:{}", t.id),
            });
        }
    }
    out
}

/// What one round did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Round {
    pub shown: Vec<Outgoing>,
    pub held: Vec<(Outgoing, Held)>,
    /// Notifications the daemon refused, with why.
    pub failed: Vec<(Outgoing, String)>,
    /// Clocks breached and clocks past a warning, after this round.
    pub breached: u32,
    pub warned: u32,
    /// The next instant one of the most urgent clocks crosses a threshold: the next round
    /// is due then, not a polling interval later.
    pub next_crossing: Option<Timestamp>,
}

/// How many of the most urgent clocks [`Round::next_crossing`] looks ahead for.
pub const LOOK_AHEAD_ROWS: usize = 500;

/// A notification as the centre keeps it: shown, or held with why (`held`).
pub fn entry(o: &Outgoing, now: Timestamp, shown: bool, held: String) -> CentreEntry {
    CentreEntry {
        id: 0,
        at: now.to_string(),
        group: o.group.clone(),
        summary: o.summary.clone(),
        body: o.body.clone(),
        urgency: o.urgency.as_str().into(),
        open: o.open.clone(),
        shown,
        held,
    }
}

/// The word the centre keeps for why a notification was held.
pub fn held_name(h: Held) -> &'static str {
    match h {
        Held::Disabled => "disabled",
        Held::DoNotDisturb => "do_not_disturb",
        Held::QuietHours => "quiet_hours",
        Held::Muted => "muted",
        Held::OutsideServiceHours => "outside_service_hours",
    }
}

/// A round decided but not yet shown: what [`prepare`] read and planned under the
/// store, so the desktop can be talked to without holding it.
#[derive(Debug, Clone, Default)]
pub struct Prepared {
    now: Option<Timestamp>,
    plan: plan::Plan,
    keep: Vec<String>,
    breached: u32,
    warned: u32,
    next_crossing: Option<Timestamp>,
}

/// Reads the clocks and the ledger and decides the round at `now`.
pub fn prepare(store: &Store, now: Timestamp) -> Result<Prepared, StoreError> {
    let Some(config) = store.sla_config()? else {
        return Ok(Prepared::default());
    };
    let settings = settings(store)?;
    let tickets = store.tickets(true)?;
    let mut rows = board(&tickets, Some(&config), now);
    let names = store
        .fleet()?
        .customers
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    let alerts = sla_alerts(&rows, &config, &names, now);
    let ledger: BTreeMap<String, Notified> = store
        .notify_ledger()?
        .into_iter()
        .map(|l| {
            (
                l.key,
                Notified {
                    level: l.level,
                    at: l.at,
                    shown: l.shown,
                },
            )
        })
        .collect();
    let plan = plan::plan(&alerts, &ledger, &settings, now);
    let (breached, warned) = counts(&rows);
    let mut next_crossing: Option<Timestamp> = None;
    for row in rows.iter_mut().take(LOOK_AHEAD_ROWS) {
        fill_ahead(row, &config, now);
        for c in row.clocks.iter().flat_map(|c| c.ahead.first()) {
            next_crossing = Some(next_crossing.map_or(c.at, |n| n.min(c.at)));
        }
    }
    Ok(Prepared {
        now: Some(now),
        plan,
        keep: alerts.into_iter().map(|a| a.key).collect(),
        breached,
        warned,
        next_crossing,
    })
}

/// A round shown, to be kept with [`record`].
#[derive(Debug, Clone, Default)]
pub struct Delivered {
    pub round: Round,
    entries: Vec<CentreEntry>,
    ledger: Vec<LedgerEntry>,
    keep: Vec<String>,
    /// The daemon's id of each group's notification now on the screen.
    on_screen: Vec<(String, u32)>,
}

/// Shows what `prepared` decided (no store needed: the daemon may be slow).
pub fn deliver(prepared: Prepared, sender: &dyn Sender) -> Delivered {
    let Some(now) = prepared.now else {
        return Delivered::default();
    };
    let p = prepared.plan;
    let mut done = Round {
        breached: prepared.breached,
        warned: prepared.warned,
        next_crossing: prepared.next_crossing,
        ..Round::default()
    };
    let mut entries = Vec::new();
    let mut on_screen = Vec::new();
    for o in p.show {
        match sender.send(&o) {
            Ok(id) => {
                if let Some(id) = id {
                    on_screen.push((o.group.clone(), id));
                }
                entries.push(entry(&o, now, true, String::new()));
                done.shown.push(o);
            }
            Err(e) => {
                entries.push(entry(&o, now, false, e.clone()));
                done.failed.push((o, e));
            }
        }
    }
    for (o, why) in p.held {
        entries.push(entry(&o, now, false, held_name(why).into()));
        done.held.push((o, why));
    }
    let ledger = p
        .ledger
        .into_iter()
        .map(|(key, n)| LedgerEntry {
            key,
            level: n.level,
            at: n.at,
            shown: n.shown,
        })
        .collect();
    Delivered {
        round: done,
        entries,
        ledger,
        keep: prepared.keep,
        on_screen,
    }
}

/// Keeps a delivered round: the centre's new entries and the ledger.
pub fn record(store: &mut Store, delivered: &Delivered) -> Result<(), StoreError> {
    store.record_notifications(&delivered.entries, &delivered.ledger, &delivered.keep)?;
    for (group, id) in &delivered.on_screen {
        store.set_notification_id(group, *id)?;
    }
    Ok(())
}

/// Runs one round at `now`: [`prepare`], [`deliver`], [`record`].
pub fn round(store: &mut Store, sender: &dyn Sender, now: Timestamp) -> Result<Round, StoreError> {
    let prepared = prepare(store, now)?;
    if prepared.now.is_none() {
        return Ok(Round::default());
    }
    let delivered = deliver(prepared, sender);
    record(store, &delivered)?;
    Ok(delivered.round)
}

impl Sender for crate::desktop::Desktop {
    fn send(&self, n: &Outgoing) -> Result<Option<u32>, String> {
        self.show(n)
            .map(|s| (s.id != 0).then_some(s.id))
            .map_err(|e| e.to_string())
    }

    fn remember(&self, group: &str, id: u32) {
        crate::desktop::Desktop::remember(self, group, id);
    }
}

/// Counts for a tray or a badge: clocks breached, and clocks past a warning threshold.
pub fn counts(rows: &[SlaRow]) -> (u32, u32) {
    let mut breached = 0u32;
    let mut warned = 0u32;
    for c in rows.iter().flat_map(|r| &r.clocks) {
        match c.level {
            100.. => breached += 1,
            1..=99 => warned += 1,
            0 => {}
        }
    }
    (breached, warned)
}
