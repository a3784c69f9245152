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
    // 2: tickets as event histories, the outbox of local changes, notifications.
    "CREATE TABLE tickets (
        id          INTEGER PRIMARY KEY,
        customer    TEXT NOT NULL,
        endpoint    TEXT,
        title       TEXT NOT NULL,
        source      TEXT NOT NULL DEFAULT 'local',
        external_id TEXT,
        priority    TEXT NOT NULL,
        state       TEXT NOT NULL,
        policy      TEXT NOT NULL,
        opened_at   INTEGER NOT NULL, -- ms since 1970, UTC
        minutes     INTEGER NOT NULL DEFAULT 0
    ) STRICT;
    CREATE INDEX tickets_state ON tickets (state);
    CREATE TABLE ticket_events (
        id     INTEGER PRIMARY KEY,
        ticket INTEGER NOT NULL REFERENCES tickets (id),
        at     INTEGER NOT NULL, -- ms since 1970, UTC
        kind   TEXT NOT NULL,
        data   TEXT NOT NULL
    ) STRICT;
    CREATE INDEX ticket_events_ticket ON ticket_events (ticket, id);
    CREATE TABLE outbox (
        id        INTEGER PRIMARY KEY,
        event     INTEGER NOT NULL UNIQUE REFERENCES ticket_events (id),
        queued_at INTEGER NOT NULL,
        sent_at   TEXT
    ) STRICT;
    CREATE TABLE notifications (
        id      INTEGER PRIMARY KEY,
        at      TEXT NOT NULL,
        grp     TEXT NOT NULL,
        summary TEXT NOT NULL,
        body    TEXT NOT NULL,
        urgency TEXT NOT NULL,
        open    TEXT,
        shown   INTEGER NOT NULL,
        held    TEXT NOT NULL DEFAULT ''
    ) STRICT;
    CREATE TABLE notified (
        key   TEXT PRIMARY KEY,
        level INTEGER NOT NULL,
        at    TEXT NOT NULL,
        shown INTEGER NOT NULL
    ) STRICT;
    CREATE TABLE notification_ids (
        grp TEXT PRIMARY KEY,
        id  INTEGER NOT NULL
    ) STRICT;",
    // 3: helpdesk connections, what each synced ticket looked like on its helpdesk, and
    // the outbox's delivery state (see sync.rs).
    "CREATE TABLE connections (
        name         TEXT PRIMARY KEY,
        config       TEXT NOT NULL,
        cursor       INTEGER,          -- ms: the newest remote change seen
        last_attempt INTEGER,
        last_success INTEGER,
        last_error   TEXT
    ) STRICT;
    CREATE TABLE remote_tickets (
        ticket     INTEGER PRIMARY KEY REFERENCES tickets (id),
        connection TEXT NOT NULL,
        remote_id  TEXT NOT NULL,
        snapshot   TEXT NOT NULL,       -- JSON RemoteTicket as last seen
        UNIQUE (connection, remote_id)
    ) STRICT;
    ALTER TABLE outbox ADD COLUMN state TEXT NOT NULL DEFAULT 'pending';
    ALTER TABLE outbox ADD COLUMN base TEXT;     -- JSON RemoteTicket when queued
    ALTER TABLE outbox ADD COLUMN attempt TEXT;  -- remote version just before sending
    ALTER TABLE outbox ADD COLUMN theirs TEXT;   -- JSON RemoteTicket that conflicts
    ALTER TABLE outbox ADD COLUMN detail TEXT;   -- why it waits, or the remote reference
    CREATE INDEX outbox_state ON outbox (state);",
    // 4: fleet status history (see status.rs): each check once, its raw results (48 h),
    // 5-minute buckets (30 days) and hourly buckets (a year). States are integers
    // (CheckState::severity), times Unix seconds; WITHOUT ROWID keeps a result ~25 bytes.
    "CREATE TABLE status_checks (
        id       INTEGER PRIMARY KEY,
        endpoint TEXT NOT NULL,
        idx      INTEGER NOT NULL,
        kind     TEXT NOT NULL,
        tracker  TEXT,                 -- JSON: the engine's memory of this check, for restarts
        UNIQUE (endpoint, idx)
    ) STRICT;
    CREATE TABLE status_raw (
        check_id INTEGER NOT NULL,
        at       INTEGER NOT NULL,
        state    INTEGER NOT NULL,
        latency  REAL,
        message  TEXT,                 -- NULL: the same as the check's previous result
        PRIMARY KEY (check_id, at)
    ) STRICT, WITHOUT ROWID;
    CREATE TABLE status_5m (
        check_id INTEGER NOT NULL,
        bucket   INTEGER NOT NULL,
        up       INTEGER NOT NULL,     -- OK or WARN: it answered
        down     INTEGER NOT NULL,     -- CRIT
        other    INTEGER NOT NULL,     -- UNKNOWN or STALE: not counted in uptime
        worst    INTEGER NOT NULL,
        lat_sum  REAL NOT NULL,
        lat_n    INTEGER NOT NULL,
        lat_max  REAL,
        PRIMARY KEY (check_id, bucket)
    ) STRICT, WITHOUT ROWID;
    CREATE TABLE status_1h (
        check_id INTEGER NOT NULL,
        bucket   INTEGER NOT NULL,
        up       INTEGER NOT NULL,
        down     INTEGER NOT NULL,
        other    INTEGER NOT NULL,
        worst    INTEGER NOT NULL,
        lat_sum  REAL NOT NULL,
        lat_n    INTEGER NOT NULL,
        lat_max  REAL,
        PRIMARY KEY (check_id, bucket)
    ) STRICT, WITHOUT ROWID;",
    // 5: maintenance windows and acknowledgements (see maintenance.rs).
    "CREATE TABLE maintenance (
        id     INTEGER PRIMARY KEY,
        window TEXT NOT NULL            -- JSON fieldline_core::maintenance::MaintenanceWindow
    ) STRICT;
    CREATE TABLE acknowledgements (
        id       INTEGER PRIMARY KEY,
        endpoint TEXT NOT NULL,
        ack      TEXT NOT NULL          -- JSON fieldline_core::maintenance::Acknowledgement
    ) STRICT;",
    // 6: remote sessions: SSH credential profiles (no secrets: those are in the OS
    // keychain) and the fan-out snippet library (see remote.rs).
    "CREATE TABLE ssh_profiles (
        name    TEXT PRIMARY KEY,
        profile TEXT NOT NULL           -- JSON fieldline_ssh::profile::CredentialProfile
    ) STRICT;
    CREATE TABLE snippets (
        name    TEXT PRIMARY KEY,
        command TEXT NOT NULL
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
