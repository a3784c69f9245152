//! Maintenance windows and acknowledgements, kept as the JSON of their core types (one
//! definition, in `fieldline_core::maintenance`). A window is checked against the fleet
//! when it is added; one whose customer, site or endpoint is gone later simply covers
//! nothing.

use crate::{Store, StoreError};
use fieldline_core::maintenance::{Acknowledgement, MaintenanceWindow};
use rusqlite::params;

fn to_json<T: serde::Serialize>(
    what: &'static str,
    id: i64,
    value: &T,
) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| damaged(what, id, e))
}

fn damaged(what: &'static str, id: i64, e: serde_json::Error) -> StoreError {
    StoreError::Damaged {
        what,
        id: id.to_string(),
        detail: e.to_string(),
    }
}

impl Store {
    /// Adds a window (its `id` is ignored); the window as kept, with its id.
    pub fn add_maintenance(
        &mut self,
        mut window: MaintenanceWindow,
    ) -> Result<MaintenanceWindow, StoreError> {
        if let Some(problem) = window.problem(&self.fleet()?) {
            return Err(StoreError::Rejected(format!(
                "maintenance window: {problem}"
            )));
        }
        let tx = self.conn.transaction()?;
        tx.execute("INSERT INTO maintenance (window) VALUES ('{}')", [])?;
        window.id = tx.last_insert_rowid();
        tx.execute(
            "UPDATE maintenance SET window = ?2 WHERE id = ?1",
            params![
                window.id,
                to_json("maintenance window", window.id, &window)?
            ],
        )?;
        tx.commit()?;
        Ok(window)
    }

    pub fn maintenance(&self) -> Result<Vec<MaintenanceWindow>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, window FROM maintenance ORDER BY id")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
        rows.map(|r| {
            let (id, text) = r?;
            serde_json::from_str(&text).map_err(|e| damaged("maintenance window", id, e))
        })
        .collect()
    }

    /// Removes a window; whether there was one.
    pub fn remove_maintenance(&mut self, id: i64) -> Result<bool, StoreError> {
        Ok(self
            .conn
            .execute("DELETE FROM maintenance WHERE id = ?1", [id])?
            > 0)
    }

    /// Acknowledges an endpoint's problem (its `id` is ignored); as kept, with its id.
    pub fn acknowledge(&mut self, mut ack: Acknowledgement) -> Result<Acknowledgement, StoreError> {
        let fleet = self.fleet()?;
        let Some(endpoint) = fleet.endpoint(&ack.endpoint) else {
            return Err(StoreError::Rejected(format!(
                "no endpoint with id {:?}",
                ack.endpoint
            )));
        };
        if let Some(check) = ack.check {
            if check as usize >= endpoint.checks.len() {
                return Err(StoreError::Rejected(format!(
                    "endpoint {} has {} checks; there is no check {check}",
                    ack.endpoint,
                    endpoint.checks.len()
                )));
            }
        }
        if ack.comment.trim().is_empty() {
            return Err(StoreError::Rejected(
                "an acknowledgement says why (a comment)".into(),
            ));
        }
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO acknowledgements (endpoint, ack) VALUES (?1, '{}')",
            [&ack.endpoint],
        )?;
        ack.id = tx.last_insert_rowid();
        tx.execute(
            "UPDATE acknowledgements SET ack = ?2 WHERE id = ?1",
            params![ack.id, to_json("acknowledgement", ack.id, &ack)?],
        )?;
        tx.commit()?;
        Ok(ack)
    }

    pub fn acknowledgements(&self) -> Result<Vec<Acknowledgement>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, ack FROM acknowledgements ORDER BY id")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
        rows.map(|r| {
            let (id, text) = r?;
            serde_json::from_str(&text).map_err(|e| damaged("acknowledgement", id, e))
        })
        .collect()
    }

    pub fn remove_acknowledgement(&mut self, id: i64) -> Result<bool, StoreError> {
        Ok(self
            .conn
            .execute("DELETE FROM acknowledgements WHERE id = ?1", [id])?
            > 0)
    }

    /// Forgets the acknowledgements a check that is OK again no longer needs (those of
    /// this check, and the endpoint-wide ones once `endpoint_ok`), and expired ones.
    pub fn settle_acknowledgements(
        &mut self,
        endpoint: &str,
        check: u32,
        endpoint_ok: bool,
        now: i64,
    ) -> Result<usize, StoreError> {
        let acks = self.acknowledgements()?;
        let mut gone = 0;
        for a in acks {
            let settled = a.endpoint == endpoint
                && (a.check == Some(check) || (a.check.is_none() && endpoint_ok));
            if settled || !a.active_at(now) {
                gone += usize::from(self.remove_acknowledgement(a.id)?);
            }
        }
        Ok(gone)
    }
}
