//! The fleet inventory in SQLite. Reads assemble a [`Fleet`]; writes go through
//! [`Store::update_fleet`], which validates the whole result and writes only what changed.
//!
//! Fleet files, CSV files and edits from the window are untrusted input. What they would
//! newly put in place that makes this laptop act with the technician's credentials (SSH
//! commands, credential-profile bindings, jump hosts, unverified TLS, custom headers, local
//! CA files) is listed by [`fieldline_core::review`]. The `plan_*` functions compute an
//! import's result and that list without writing; the `*_approved` functions take the list
//! the technician approved, recompute it inside the write transaction and write nothing
//! when the two differ (so nothing unapproved lands, even when the fleet changed between
//! the question and the answer). The front doors (the CLI's `fleet import`, the desktop's
//! commands) use those. `import_fleet_file`, `import_csv` and `apply` without approval
//! write as before and are meant for input Fieldline trusts (tests, the demo, the
//! technician's own `~/.ssh/config`).

use crate::{Store, StoreError};
use fieldline_core::csv_import::{self, CsvOptions, CsvPreview, CsvReport};
use fieldline_core::{
    fleet_file, review, validate, Customer, Endpoint, Fleet, FleetChange, FleetIssue, Risk, Site,
    SshSettings,
};
use rusqlite::{params, Transaction, TransactionBehavior};
use std::collections::HashMap;

/// Why an approved write was refused: every item whose approval is missing, and every
/// approved item the change no longer makes (the fleet changed in between). Empty when
/// `approved` is exactly `needed`.
pub fn approval_problems(needed: &[Risk], approved: &[Risk]) -> Vec<FleetIssue> {
    let mut out = Vec::new();
    for r in needed.iter().filter(|r| !approved.contains(r)) {
        out.push(FleetIssue {
            file: None,
            line: None,
            field: r.field(),
            message: format!("needs your approval, which was not given: {r}"),
        });
    }
    for r in approved.iter().filter(|r| !needed.contains(r)) {
        out.push(FleetIssue {
            file: None,
            line: None,
            field: r.field(),
            message: format!(
                "was approved but the change no longer does this (the fleet changed \
                 meanwhile); review the change again: {r}"
            ),
        });
    }
    if out.is_empty() && needed != approved {
        // Same items, other order or repeated: refuse too, the lists must be equal.
        out.push(FleetIssue {
            file: None,
            line: None,
            field: "approval".into(),
            message: "the approved list is not the list this change needs; review it again".into(),
        });
    }
    out
}

/// What a fleet-file import wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportCounts {
    pub customers: usize,
    pub sites: usize,
    pub endpoints: usize,
}

fn read_fleet(tx: &rusqlite::Connection) -> Result<Fleet, StoreError> {
    let mut fleet = Fleet::default();
    let mut stmt = tx.prepare("SELECT id, name, notes, demo FROM customers ORDER BY id")?;
    fleet.customers = stmt
        .query_map([], |r| {
            Ok(Customer {
                id: r.get(0)?,
                name: r.get(1)?,
                notes: r.get(2)?,
                demo: r.get::<_, i64>(3)? != 0,
            })
        })?
        .collect::<Result<_, _>>()?;
    let mut stmt =
        tx.prepare("SELECT id, customer, name, timezone, notes FROM sites ORDER BY id")?;
    fleet.sites = stmt
        .query_map([], |r| {
            Ok(Site {
                id: r.get(0)?,
                customer: r.get(1)?,
                name: r.get(2)?,
                timezone: r.get(3)?,
                notes: r.get(4)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    let mut stmt = tx.prepare(
        "SELECT id, site, name, host, tags, notes, parent, ssh_user, ssh_port, ssh_jump,
                ssh_credential, checks
         FROM endpoints ORDER BY id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, String>(5)?,
            r.get::<_, Option<String>>(6)?,
            r.get::<_, Option<String>>(7)?,
            r.get::<_, Option<i64>>(8)?,
            r.get::<_, Option<String>>(9)?,
            r.get::<_, Option<String>>(10)?,
            r.get::<_, String>(11)?,
        ))
    })?;
    for row in rows {
        let (id, site, name, host, tags, notes, parent, user, port, jump, credential, checks) =
            row?;
        let damaged = |detail: String| StoreError::Damaged {
            what: "endpoint",
            id: id.clone(),
            detail,
        };
        let tags = serde_json::from_str(&tags).map_err(|e| damaged(format!("tags: {e}")))?;
        let checks = serde_json::from_str(&checks).map_err(|e| damaged(format!("checks: {e}")))?;
        let port = port
            .map(u16::try_from)
            .transpose()
            .map_err(|e| damaged(format!("ssh_port: {e}")))?;
        fleet.endpoints.push(Endpoint {
            id: id.clone(),
            site,
            name,
            host,
            tags,
            notes,
            parent,
            ssh: SshSettings {
                user,
                port,
                jump,
                credential,
            },
            checks,
        });
    }
    Ok(fleet)
}

/// Writes the difference between `old` and `new` (both valid, sorted fleets).
fn write_diff(tx: &Transaction<'_>, old: &Fleet, new: &Fleet) -> Result<(), StoreError> {
    fn by_id<T>(list: &[T], id: impl Fn(&T) -> &str) -> HashMap<&str, &T> {
        list.iter().map(|x| (id(x), x)).collect()
    }
    let old_c = by_id(&old.customers, |c| &c.id);
    let new_c = by_id(&new.customers, |c| &c.id);
    for id in old_c.keys().filter(|id| !new_c.contains_key(*id)) {
        tx.execute("DELETE FROM customers WHERE id = ?1", [id])?;
    }
    for c in &new.customers {
        if old_c.get(c.id.as_str()) != Some(&c) {
            tx.execute(
                "INSERT OR REPLACE INTO customers (id, name, notes, demo) VALUES (?1, ?2, ?3, ?4)",
                params![c.id, c.name, c.notes, c.demo as i64],
            )?;
        }
    }
    let old_s = by_id(&old.sites, |s| &s.id);
    let new_s = by_id(&new.sites, |s| &s.id);
    for id in old_s.keys().filter(|id| !new_s.contains_key(*id)) {
        tx.execute("DELETE FROM sites WHERE id = ?1", [id])?;
    }
    for s in &new.sites {
        if old_s.get(s.id.as_str()) != Some(&s) {
            tx.execute(
                "INSERT OR REPLACE INTO sites (id, customer, name, timezone, notes)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![s.id, s.customer, s.name, s.timezone, s.notes],
            )?;
        }
    }
    let old_e = by_id(&old.endpoints, |e| &e.id);
    let new_e = by_id(&new.endpoints, |e| &e.id);
    for id in old_e.keys().filter(|id| !new_e.contains_key(*id)) {
        tx.execute("DELETE FROM endpoints WHERE id = ?1", [id])?;
    }
    let mut insert = tx.prepare_cached(
        "INSERT OR REPLACE INTO endpoints
            (id, site, name, host, tags, notes, parent, ssh_user, ssh_port, ssh_jump,
             ssh_credential, checks)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?;
    for e in &new.endpoints {
        if old_e.get(e.id.as_str()) != Some(&e) {
            let encode = |what: &str, err: serde_json::Error| StoreError::Damaged {
                what: "endpoint",
                id: e.id.clone(),
                detail: format!("cannot encode {what}: {err}"),
            };
            let tags = serde_json::to_string(&e.tags).map_err(|err| encode("tags", err))?;
            let checks = serde_json::to_string(&e.checks).map_err(|err| encode("checks", err))?;
            insert.execute(params![
                e.id,
                e.site,
                e.name,
                e.host,
                tags,
                e.notes,
                e.parent,
                e.ssh.user,
                e.ssh.port,
                e.ssh.jump,
                e.ssh.credential,
                checks
            ])?;
        }
    }
    Ok(())
}

impl Store {
    /// The whole inventory, sorted by id.
    pub fn fleet(&self) -> Result<Fleet, StoreError> {
        read_fleet(&self.conn)
    }

    /// Reads the fleet, lets `edit` compute the next one, validates it and writes what
    /// changed, all in one immediate transaction (so a concurrent CLI cannot interleave).
    /// When `edit` fails nothing is written.
    pub fn update_fleet<T>(
        &mut self,
        edit: impl FnOnce(&Fleet) -> Result<(Fleet, T), StoreError>,
    ) -> Result<(Fleet, T), StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let old = read_fleet(&tx)?;
        let (mut new, extra) = edit(&old)?;
        new.normalize();
        let issues = validate::validate(&new);
        if !issues.is_empty() {
            return Err(StoreError::Invalid(issues));
        }
        write_diff(&tx, &old, &new)?;
        tx.commit()?;
        Ok((new, extra))
    }

    /// [`Store::update_fleet`] that also refuses (writes nothing) when what the next fleet
    /// newly puts in place ([`review`]) is not exactly `approved`.
    pub fn update_fleet_approved<T>(
        &mut self,
        approved: &[Risk],
        edit: impl FnOnce(&Fleet) -> Result<(Fleet, T), StoreError>,
    ) -> Result<(Fleet, T), StoreError> {
        self.update_fleet(|old| {
            let (mut next, extra) = edit(old)?;
            next.normalize();
            let issues = validate::validate(&next);
            if !issues.is_empty() {
                return Err(StoreError::Invalid(issues));
            }
            let problems = approval_problems(&review(old, &next), approved);
            if !problems.is_empty() {
                return Err(StoreError::Invalid(problems));
            }
            Ok((next, extra))
        })
    }

    /// Computes, without writing, the next fleet an edit gives and what it newly puts in
    /// place that needs approval. Validation problems are errors, as on a write.
    fn plan_fleet<T>(
        &self,
        edit: impl FnOnce(&Fleet) -> Result<(Fleet, T), StoreError>,
    ) -> Result<(Vec<Risk>, T), StoreError> {
        let old = read_fleet(&self.conn)?;
        let (mut next, extra) = edit(&old)?;
        next.normalize();
        let issues = validate::validate(&next);
        if !issues.is_empty() {
            return Err(StoreError::Invalid(issues));
        }
        Ok((review(&old, &next), extra))
    }

    /// What [`Store::apply_approved`] of `change` would need approved (nothing is written).
    pub fn plan_change(&self, change: &FleetChange) -> Result<Vec<Risk>, StoreError> {
        self.plan_fleet(|old| Ok((change.clone().apply(old)?, ())))
            .map(|(risks, ())| risks)
    }

    /// Applies one edit whose review list the technician approved (see the module).
    pub fn apply_approved(
        &mut self,
        change: FleetChange,
        approved: &[Risk],
    ) -> Result<Fleet, StoreError> {
        self.update_fleet_approved(approved, |old| Ok((change.apply(old)?, ())))
            .map(|(f, ())| f)
    }

    /// Applies one edit from trusted input (no approval asked; see the module).
    pub fn apply(&mut self, change: FleetChange) -> Result<Fleet, StoreError> {
        self.update_fleet(|old| Ok((change.apply(old)?, ())))
            .map(|(f, ())| f)
    }

    /// Adds the demo fleet (labelled demo) to the store.
    pub fn load_demo(&mut self) -> Result<Fleet, StoreError> {
        self.update_fleet(|old| {
            let next = validate::Composed::new(Some(old), fieldline_core::demo::fleet()).fleet;
            Ok((next, ()))
        })
        .map(|(f, ())| f)
    }

    /// Imports a fleet file from trusted input (no approval asked; see the module). With
    /// `replace` the store becomes exactly the file; without, the file's entities are added
    /// or replace those with the same id. Every problem is reported with the file name,
    /// line and field; on any problem nothing is written.
    pub fn import_fleet_file(
        &mut self,
        file_name: &str,
        text: &str,
        replace: bool,
    ) -> Result<ImportCounts, StoreError> {
        let (file, counts) = read_fleet_file(file_name, text)?;
        self.update_fleet(|old| {
            let base = (!replace).then_some(old);
            let next = file.validate(base).map_err(StoreError::Invalid)?;
            Ok((next, ()))
        })?;
        Ok(counts)
    }

    /// What [`Store::import_fleet_file_approved`] would import and what of it needs the
    /// technician's approval; nothing is written. Problems in the file are errors, located
    /// as on import.
    pub fn plan_fleet_file(
        &self,
        file_name: &str,
        text: &str,
        replace: bool,
    ) -> Result<(ImportCounts, Vec<Risk>), StoreError> {
        let (file, counts) = read_fleet_file(file_name, text)?;
        let (risks, ()) = self.plan_fleet(|old| {
            let base = (!replace).then_some(old);
            Ok((file.validate(base).map_err(StoreError::Invalid)?, ()))
        })?;
        Ok((counts, risks))
    }

    /// Imports a fleet file (as [`Store::import_fleet_file`]) when what it newly puts in
    /// place is exactly `approved` (from [`Store::plan_fleet_file`]); otherwise writes
    /// nothing and says which items differ. Pass `&[]` when the plan listed nothing.
    pub fn import_fleet_file_approved(
        &mut self,
        file_name: &str,
        text: &str,
        replace: bool,
        approved: &[Risk],
    ) -> Result<ImportCounts, StoreError> {
        let (file, counts) = read_fleet_file(file_name, text)?;
        self.update_fleet_approved(approved, |old| {
            let base = (!replace).then_some(old);
            Ok((file.validate(base).map_err(StoreError::Invalid)?, ()))
        })?;
        Ok(counts)
    }

    /// The inventory as a canonical fleet file.
    pub fn export_fleet_file(&self) -> Result<String, StoreError> {
        fleet_file::export(&self.fleet()?)
            .map_err(|e| StoreError::BadFile(format!("cannot write the fleet file: {e}")))
    }

    /// Reads a CSV file's header and sample (nothing is written).
    pub fn preview_csv(&self, file_name: &str, bytes: &[u8]) -> Result<CsvPreview, StoreError> {
        let text =
            csv_import::decode(file_name, bytes).map_err(|e| StoreError::BadFile(e.to_string()))?;
        csv_import::preview(file_name, &text).map_err(|e| StoreError::BadFile(e.to_string()))
    }

    /// Imports endpoints from a CSV file from trusted input (no approval asked; see the
    /// module). The report lists every bad row; the store is written only when the report
    /// says `imported`.
    pub fn import_csv(
        &mut self,
        file_name: &str,
        bytes: &[u8],
        options: &CsvOptions,
    ) -> Result<CsvReport, StoreError> {
        let text =
            csv_import::decode(file_name, bytes).map_err(|e| StoreError::BadFile(e.to_string()))?;
        let (_, report) = self.update_fleet(|old| csv_next(file_name, &text, options, old))?;
        Ok(report)
    }

    /// What [`Store::import_csv_approved`] would do (the report, `imported` saying whether
    /// it would write) and what of it needs approval; nothing is written.
    pub fn plan_csv(
        &self,
        file_name: &str,
        bytes: &[u8],
        options: &CsvOptions,
    ) -> Result<(CsvReport, Vec<Risk>), StoreError> {
        let text =
            csv_import::decode(file_name, bytes).map_err(|e| StoreError::BadFile(e.to_string()))?;
        self.plan_fleet(|old| csv_next(file_name, &text, options, old))
            .map(|(risks, report)| (report, risks))
    }

    /// Imports a CSV file (as [`Store::import_csv`]) when what it newly puts in place is
    /// exactly `approved` (from [`Store::plan_csv`]); otherwise writes nothing.
    pub fn import_csv_approved(
        &mut self,
        file_name: &str,
        bytes: &[u8],
        options: &CsvOptions,
        approved: &[Risk],
    ) -> Result<CsvReport, StoreError> {
        let text =
            csv_import::decode(file_name, bytes).map_err(|e| StoreError::BadFile(e.to_string()))?;
        let (_, report) =
            self.update_fleet_approved(approved, |old| csv_next(file_name, &text, options, old))?;
        Ok(report)
    }
}

fn read_fleet_file(
    file_name: &str,
    text: &str,
) -> Result<(fleet_file::FleetFile, ImportCounts), StoreError> {
    let file = fleet_file::read(file_name, text).map_err(StoreError::Invalid)?;
    let counts = ImportCounts {
        customers: file.fleet().customers.len(),
        sites: file.fleet().sites.len(),
        endpoints: file.fleet().endpoints.len(),
    };
    Ok((file, counts))
}

fn csv_next(
    file_name: &str,
    text: &str,
    options: &CsvOptions,
    old: &Fleet,
) -> Result<(Fleet, CsvReport), StoreError> {
    let (report, next) = csv_import::import(file_name, text, options, old)
        .map_err(|e| StoreError::BadFile(e.to_string()))?;
    // Nothing imported: the same fleet comes back, so nothing is written.
    Ok((next.unwrap_or_else(|| old.clone()), report))
}
