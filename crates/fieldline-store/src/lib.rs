//! Fieldline's local store: one SQLite database in the app-data folder.
//!
//! - WAL mode and a busy timeout, so the CLI can work on the store while the app runs;
//!   `synchronous = FULL`, so a commit is on disk when it returns (see [`Store::open`]).
//! - `PRAGMA quick_check` on open: a damaged database is refused, after a copy of it is
//!   set aside; backups, restores and the copies kept before migrations are in [`backup`].
//! - Versioned migrations ([`migrations`]); a database written by a newer Fieldline is
//!   refused before anything is written to it.
//! - Every fleet edit is a read-modify-write inside one `BEGIN IMMEDIATE` transaction: the
//!   whole resulting fleet is validated by `fieldline-core` before it is kept, so the store
//!   only ever holds valid fleets.
//!
//! Not for secrets: nothing here may hold a password, key or token (those live only in
//! the OS keychain).

/// The outbox states of a change not yet settled with its helpdesk (to send, being sent,
/// or waiting for the technician's decision), as an SQL list: one definition for every
/// query that counts or reads what still waits.
macro_rules! unsettled {
    () => {
        "('pending', 'sending', 'conflict')"
    };
}

pub mod backup;
pub mod data_dir;
mod error;
mod fleet;
pub mod maintenance;
mod migrations;
pub mod notifications;
pub mod remote;
pub mod reports;
pub mod status;
pub mod sync;
pub mod tickets;

pub use data_dir::DataDirNote;
pub use error::{StoreError, DAMAGED_DATABASE};
pub use fleet::{approval_problems, ImportCounts};
pub use migrations::SCHEMA_VERSION;

use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The app's identifier; the default data folder is `<OS app-data dir>/<APP_IDENTIFIER>`,
/// the folder Tauri's `app_local_data_dir` names (on Linux and macOS the same as its
/// `app_data_dir`; on Windows the local app-data folder, not the roaming one, see
/// [`data_dir`]).
pub const APP_IDENTIFIER: &str = "app.fieldline.console";
/// Environment variable that overrides the data folder.
pub const DATA_DIR_ENV: &str = "FIELDLINE_DATA_DIR";
/// File name of the database inside the data folder.
pub const DATABASE_FILE: &str = "fieldline.db";
/// `PRAGMA application_id` of a Fieldline database ("FDLN").
pub(crate) const APPLICATION_ID: i32 = 0x4644_4C4E;

/// The data folder: `explicit` (a `--data-dir` flag), else `$FIELDLINE_DATA_DIR`, else the
/// OS app-data folder (on Windows the local one, `%LOCALAPPDATA%`, where the data of an
/// earlier version is moved from the roaming `%APPDATA%` on the first start; see
/// [`data_dir`]). What happened to the data folder, when worth saying, goes to stderr;
/// [`resolve_data_dir_noting`] hands it to the caller instead.
pub fn resolve_data_dir(explicit: Option<&Path>) -> Result<PathBuf, StoreError> {
    let (dir, note) = resolve_data_dir_noting(explicit)?;
    if let Some(note) = note {
        eprintln!("fieldline: {note}");
    }
    Ok(dir)
}

/// [`resolve_data_dir`], with what happened to the data folder on this start (moved out
/// of the Windows roaming folder, or not and why) for the caller to show.
pub fn resolve_data_dir_noting(
    explicit: Option<&Path>,
) -> Result<(PathBuf, Option<DataDirNote>), StoreError> {
    if let Some(dir) = explicit {
        return Ok((dir.to_path_buf(), None));
    }
    if let Some(dir) = std::env::var_os(DATA_DIR_ENV).filter(|v| !v.is_empty()) {
        return Ok((PathBuf::from(dir), None));
    }
    // Only Windows has a roaming folder to leave; elsewhere the folder is as it was.
    let choice = if cfg!(windows) {
        data_dir::choose(
            dirs::data_local_dir().as_deref(),
            dirs::data_dir().as_deref(),
            data_dir::has_database,
        )
    } else {
        data_dir::choose(dirs::data_dir().as_deref(), None, data_dir::has_database)
    };
    Ok(data_dir::settle(choice.ok_or(StoreError::NoDataDir)?))
}

/// The files SQLite keeps beside the database (WAL, its shared-memory index, and the
/// rollback journal used before WAL is switched on); SQLite creates them with the
/// database file's mode.
pub(crate) const DATABASE_SIDE_FILES: [&str; 3] = ["-wal", "-shm", "-journal"];

/// Makes the database at `path` and its side files private: with `create`, a missing
/// database is created as an empty `0600` file (SQLite takes an empty file for a new
/// database); existing files are tightened to `0600`.
pub(crate) fn private_database_files(path: &Path, create: bool) -> Result<(), StoreError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| StoreError::Io { path, source }
    };
    if create {
        match fieldline_fs::create_new_private(path) {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(source) => return Err(io(path)(source)),
        }
    }
    fieldline_fs::restrict(path).map_err(io(path))?;
    for suffix in DATABASE_SIDE_FILES {
        let mut side = path.as_os_str().to_owned();
        side.push(suffix);
        let side = PathBuf::from(side);
        fieldline_fs::restrict(&side).map_err(io(&side))?;
    }
    Ok(())
}

/// An open store.
pub struct Store {
    conn: Connection,
    data_dir: PathBuf,
    path: PathBuf,
}

impl Store {
    /// Opens (creating if needed) the store in `data_dir` and migrates it to the current
    /// schema. A database from a newer Fieldline is refused untouched.
    ///
    /// Kept private ([`fieldline_fs`]): the data folder is created `0700` (an existing one
    /// that group or others may enter is tightened), the database is created `0600` before
    /// SQLite opens it, so the `-wal` and `-shm` files SQLite makes beside it get the same
    /// mode, and existing ones are tightened before and after the open.
    ///
    /// Durable: the connection runs with `PRAGMA synchronous = FULL` (WAL kept). With
    /// `NORMAL`, a commit in WAL mode returns before the WAL is synced, so a power loss
    /// can take back the last transactions although they were reported done. Two things
    /// must never be taken back: the outbox's `sending` mark (written *before* a change
    /// goes to the helpdesk; lost, the next sync would not look up the helpdesk's history
    /// first and could send the change twice) and a ticket's history (its SLA clocks are
    /// replayed from it; a lost response or state change would restart a clock). `FULL`
    /// syncs the WAL on every commit; Fieldline's writes are few and small, so the cost
    /// is a sync per technician action or per batch of check results.
    ///
    /// Checked: `PRAGMA quick_check` runs before anything is written. A damaged database
    /// is refused ([`StoreError::Damaged`], [`DAMAGED_DATABASE`]) after its files (with `-wal` and
    /// `-shm`) are copied aside as `fieldline.db.damaged-<time>`; nothing in it is changed
    /// (its WAL is not checkpointed on close). Before migrations change an existing
    /// database, a copy is kept in `backups/` ([`backup`]).
    ///
    /// A disk with no room left is told as [`StoreError::DiskFull`] (SQLite reports it at
    /// open as a mere I/O error: it cannot make its `-shm` and `-wal` files).
    pub fn open(data_dir: &Path) -> Result<Store, StoreError> {
        match Store::open_checked(data_dir) {
            Err(e) if e.may_be_disk_full() && backup::no_room(data_dir) => {
                Err(StoreError::DiskFull)
            }
            result => result,
        }
    }

    fn open_checked(data_dir: &Path) -> Result<Store, StoreError> {
        fieldline_fs::ensure_private_dir(data_dir).map_err(|source| StoreError::Io {
            path: data_dir.to_path_buf(),
            source,
        })?;
        let path = data_dir.join(DATABASE_FILE);
        private_database_files(&path, true)?;
        let conn = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|source| StoreError::Open {
            path: path.clone(),
            source,
        })?;
        conn.busy_timeout(Duration::from_secs(10))?;
        // Until the database has passed its check, closing must not write the WAL into it.
        conn.set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, true)?;
        let damaged = |detail: String| {
            StoreError::damaged_database(
                &path,
                &backup::set_aside_damaged(data_dir, &path),
                &detail,
            )
        };

        let header = conn
            .query_row("PRAGMA application_id", [], |r| r.get::<_, i32>(0))
            .and_then(|id| Ok((id, conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)));
        let (app_id, version): (i32, u32) = match header {
            Ok(header) => header,
            Err(e) if backup::is_damage(&e) => return Err(damaged(e.to_string())),
            Err(source) => {
                return Err(StoreError::Open {
                    path: path.clone(),
                    source,
                })
            }
        };
        if app_id != 0 && app_id != APPLICATION_ID {
            return Err(StoreError::NotFieldline { path });
        }
        if version > SCHEMA_VERSION {
            return Err(StoreError::NewerDatabase {
                path,
                found: version,
                supported: SCHEMA_VERSION,
            });
        }
        match backup::quick_check(&conn) {
            Ok(None) => {}
            Ok(Some(problem)) => return Err(damaged(problem)),
            Err(e) if backup::is_damage(&e) => return Err(damaged(e.to_string())),
            Err(e) => return Err(e.into()),
        }
        conn.set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, false)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        let mut store = Store {
            conn,
            data_dir: data_dir.to_path_buf(),
            path,
        };
        if version > 0 && version < SCHEMA_VERSION {
            backup::before_migration(&store.conn, data_dir, version)?;
        }
        migrations::migrate(&mut store.conn, version)?;
        store
            .conn
            .pragma_update(None, "application_id", APPLICATION_ID)?;
        private_database_files(&store.path, false)?;
        Ok(store)
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version of the open database (always [`SCHEMA_VERSION`] once open).
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        Ok(self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }

    /// A number that changes whenever *another* connection (the CLI, a second tool)
    /// commits to the database. The app polls it to notice outside changes.
    pub fn external_revision(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .query_row("PRAGMA data_version", [], |r| r.get(0))?)
    }

    pub fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        use rusqlite::OptionalExtension;
        Ok(self
            .conn
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()?)
    }

    pub fn set_setting(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [key, value],
        )?;
        Ok(())
    }

    /// Removes the setting `key` (nothing happens when there is none).
    pub fn delete_setting(&mut self, key: &str) -> Result<(), StoreError> {
        self.conn
            .execute("DELETE FROM settings WHERE key = ?1", [key])?;
        Ok(())
    }
}

/// Environment variable that starts the clock at another instant (RFC 3339), for tests
/// and demonstrations; time then passes at the normal rate.
pub const NOW_ENV: &str = "FIELDLINE_NOW";

/// The time SLA clocks and notifications are computed at: the system's, or an injected
/// start ([`NOW_ENV`]) advanced by the real time since.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    start: Option<(jiff::Timestamp, std::time::Instant)>,
}

impl Clock {
    pub fn system() -> Clock {
        Clock { start: None }
    }

    /// A clock started at `at`.
    pub fn starting_at(at: jiff::Timestamp) -> Clock {
        Clock {
            start: Some((at, std::time::Instant::now())),
        }
    }

    /// The system clock, or the one `FIELDLINE_NOW` asks for.
    pub fn from_env() -> Result<Clock, String> {
        match std::env::var(NOW_ENV) {
            Ok(v) if !v.trim().is_empty() => {
                v.trim().parse().map(Clock::starting_at).map_err(|_| {
                    format!("{NOW_ENV}={v:?} is not a time like 2026-11-24T09:00:00+09:00")
                })
            }
            _ => Ok(Clock::system()),
        }
    }

    pub fn now(&self) -> jiff::Timestamp {
        match self.start {
            None => jiff::Timestamp::now(),
            Some((at, since)) => {
                let passed = jiff::SignedDuration::try_from(since.elapsed()).unwrap_or_default();
                at.checked_add(passed).unwrap_or(at)
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_store_commits_with_synchronous_full_in_wal_mode() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let sync: i64 = store
            .conn
            .query_row("PRAGMA synchronous", [], |r| r.get(0))
            .unwrap();
        assert_eq!(sync, 2, "FULL");
        let mode: String = store
            .conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
    }
}
