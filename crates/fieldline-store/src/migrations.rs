//! Versioned schema migrations. `PRAGMA user_version` holds the number of migrations
//! applied; each runs once, in order, inside one transaction with the version bump.
//! Append new migrations; never edit one that has shipped.

use crate::StoreError;
use rusqlite::Connection;

const MIGRATIONS: &[&str] = &[
    // 1: the fleet inventory and settings.
    "CREATE TABLE customers (
        id    TEXT PRIMARY KEY,
        name  TEXT NOT NULL,
        notes TEXT NOT NULL DEFAULT '',
        demo  INTEGER NOT NULL DEFAULT 0
    ) STRICT;
    CREATE TABLE sites (
        id       TEXT PRIMARY KEY,
        customer TEXT NOT NULL,
        name     TEXT NOT NULL,
        timezone TEXT NOT NULL,
        notes    TEXT NOT NULL DEFAULT ''
    ) STRICT;
    CREATE INDEX sites_customer ON sites (customer);
    CREATE TABLE endpoints (
        id             TEXT PRIMARY KEY,
        site           TEXT NOT NULL,
        name           TEXT NOT NULL DEFAULT '',
        host           TEXT NOT NULL,
        tags           TEXT NOT NULL DEFAULT '[]',
        notes          TEXT NOT NULL DEFAULT '',
        parent         TEXT,
        ssh_user       TEXT,
        ssh_port       INTEGER,
        ssh_jump       TEXT,
        ssh_credential TEXT,
        checks         TEXT NOT NULL DEFAULT '[]'
    ) STRICT;
    CREATE INDEX endpoints_site ON endpoints (site);
    CREATE TABLE settings (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    ) STRICT;",
];

/// The schema version this build writes and understands.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

pub(crate) fn migrate(conn: &mut Connection, from: u32) -> Result<(), StoreError> {
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(from as usize) {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        // Another process may have migrated while we waited for the lock.
        let now: u32 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if now as usize > i {
            continue;
        }
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as u32)?;
        tx.commit()?;
    }
    Ok(())
}
