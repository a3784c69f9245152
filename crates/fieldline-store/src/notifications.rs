//! The notification centre (every notification, shown or held, with why) and the
//! ledger of what each alert last notified. Decisions are `fieldline-notify`'s; this only
//! keeps them.

use crate::{Store, StoreError};
use jiff::Timestamp;
use rusqlite::{params, TransactionBehavior};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// How many notifications the centre keeps.
pub const CENTRE_KEEPS: i64 = 1000;

/// What an alert key last notified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerEntry {
    pub key: String,
    pub level: u8,
    pub at: Timestamp,
    pub shown: bool,
}

/// A notification in the centre.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CentreEntry {
    pub id: i64,
    /// RFC 3339, UTC.
    pub at: String,
    pub group: String,
    pub summary: String,
    pub body: String,
    /// `low`, `normal` or `critical`.
    pub urgency: String,
    /// What a click opens (`ticket:12`, `sla:acme`).
    pub open: Option<String>,
    /// Reached the desktop.
    pub shown: bool,
    /// Why it did not (`quiet_hours`, `muted`, ... or the daemon's error); empty if shown.
    pub held: String,
}

/// Adds entries to the centre and trims it to [`CENTRE_KEEPS`].
fn insert_centre(
    tx: &rusqlite::Transaction<'_>,
    entries: &[CentreEntry],
) -> Result<(), StoreError> {
    for e in entries {
        tx.execute(
            "INSERT INTO notifications (at, grp, summary, body, urgency, open, shown, held)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![e.at, e.group, e.summary, e.body, e.urgency, e.open, e.shown, e.held],
        )?;
    }
    tx.execute(
        "DELETE FROM notifications WHERE id <= (SELECT MAX(id) FROM notifications) - ?1",
        [CENTRE_KEEPS],
    )?;
    Ok(())
}

impl Store {
    pub fn notify_ledger(&self) -> Result<Vec<LedgerEntry>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT key, level, at, shown FROM notified")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, bool>(3)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (key, level, at, shown) = row?;
            let at = at.parse().map_err(|_| StoreError::Damaged {
                what: "notification ledger",
                id: key.clone(),
                detail: format!("time {at:?}"),
            })?;
            out.push(LedgerEntry {
                key,
                level: u8::try_from(level).unwrap_or(u8::MAX),
                at,
                shown,
            });
        }
        Ok(out)
    }

    /// Keeps one round: new centre entries, ledger updates, and the ledger keys that no
    /// longer stand (`keep` lists every current key; others are forgotten).
    pub fn record_notifications(
        &mut self,
        entries: &[CentreEntry],
        ledger: &[LedgerEntry],
        keep: &[String],
    ) -> Result<(), StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        insert_centre(&tx, entries)?;
        for l in ledger {
            tx.execute(
                "INSERT INTO notified (key, level, at, shown) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(key) DO UPDATE SET level = excluded.level, at = excluded.at, shown = excluded.shown",
                params![l.key, l.level, l.at.to_string(), l.shown],
            )?;
        }
        let stale: Vec<String> = {
            let mut stmt = tx.prepare("SELECT key FROM notified")?;
            let keys: Vec<String> = stmt
                .query_map([], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            keys.into_iter().filter(|k| !keep.contains(k)).collect()
        };
        for k in stale {
            tx.execute("DELETE FROM notified WHERE key = ?1", [k])?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Adds notifications to the centre without touching the SLA ledger (fleet alerts are
    /// edges the engine decided once, not standing alerts a round re-plans).
    pub fn add_to_centre(&mut self, entries: &[CentreEntry]) -> Result<(), StoreError> {
        if entries.is_empty() {
            return Ok(());
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        insert_centre(&tx, entries)?;
        tx.commit()?;
        Ok(())
    }

    /// The daemon's id of the notification each group last put on the screen.
    pub fn notification_ids(&self) -> Result<Vec<(String, u32)>, StoreError> {
        let mut stmt = self.conn.prepare("SELECT grp, id FROM notification_ids")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn set_notification_id(&mut self, group: &str, id: u32) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO notification_ids (grp, id) VALUES (?1, ?2)
             ON CONFLICT(grp) DO UPDATE SET id = excluded.id",
            params![group, id],
        )?;
        Ok(())
    }

    /// The centre, newest first.
    pub fn notification_centre(&self, limit: u32) -> Result<Vec<CentreEntry>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT id, at, grp, summary, body, urgency, open, shown, held FROM notifications
             ORDER BY id DESC LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit], |r| {
            Ok(CentreEntry {
                id: r.get(0)?,
                at: r.get(1)?,
                group: r.get(2)?,
                summary: r.get(3)?,
                body: r.get(4)?,
                urgency: r.get(5)?,
                open: r.get(6)?,
                shown: r.get(7)?,
                held: r.get(8)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
