//! Backups of the data folder, restores, and what happens to a damaged database.
//!
//! - [`Store::backup_to`] copies the database with SQLite's online backup API: all pages
//!   in one step, inside one read transaction, so the copy is one consistent moment of the
//!   database even while the app or the CLI keeps writing (WAL: they do not wait for it,
//!   and it is never restarted by their commits). The copy is a single file in rollback
//!   (`DELETE`) journal mode: no `-wal` beside it is needed to read it.
//! - [`Store::backup_folder`] makes `fieldline-backup-<time>/` with the database, the
//!   data folder's `known_hosts` and audit log, and a `manifest.json` (versions, row
//!   counts). Never a secret: those live only in the OS keychain, and a restore on another
//!   computer lists the profiles and connections whose secrets must be entered again.
//! - Before migrations change the schema of an existing database, [`Store::open`] keeps a
//!   copy in `<data dir>/backups/fieldline-before-v<N>-<time>.db` (N: the first migration
//!   applied; the file holds schema N-1); the newest [`KEEP_BEFORE_MIGRATION`] are kept.
//! - A database that fails `PRAGMA quick_check` is refused by [`Store::open`] after its
//!   files are copied aside as `fieldline.db.damaged-<time>` (with `-wal`/`-shm`); nothing
//!   in it is changed.
//! - [`restore`] validates a backup (a Fieldline database, schema not newer than this
//!   build, `quick_check` ok) on a private copy inside the data folder, refuses while
//!   another process has the database open, sets the current database aside as
//!   `fieldline.db.before-restore-<time>`, and renames the copy into place (fsynced, then
//!   the folder fsynced), so a crash leaves either the old or the new database, never half
//!   of one.
//!
//! Every file and folder made here is private ([`fieldline_fs`]).

use crate::{private_database_files, Store, StoreError, APPLICATION_ID};
use crate::{DATABASE_FILE, DATABASE_SIDE_FILES, SCHEMA_VERSION};
use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The folder inside the data folder where copies made before migrations are kept.
pub const BACKUPS_DIR: &str = "backups";
/// How many copies made before migrations are kept (the newest).
pub const KEEP_BEFORE_MIGRATION: usize = 3;
/// Fieldline's own known_hosts in the data folder (the name `fieldline_ssh` uses).
pub const KNOWN_HOSTS_FILE: &str = "known_hosts";
/// The audit log in the data folder (the name `fieldline_ssh` uses).
pub const AUDIT_FILE: &str = "audit.jsonl";
/// The description of a backup folder.
pub const MANIFEST_FILE: &str = "manifest.json";
/// Prefix of a backup folder's name.
pub const BACKUP_FOLDER_PREFIX: &str = "fieldline-backup-";
const BEFORE_MIGRATION_PREFIX: &str = "fieldline-before-v";

/// What a backup folder holds, written as its `manifest.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// The version of this manifest's format.
    pub format: u32,
    /// The Fieldline version that made the backup.
    pub fieldline: String,
    /// The schema version of the database in the backup.
    pub schema: u32,
    /// When the backup was made (RFC 3339, UTC).
    pub created: String,
    /// The files in the folder besides the manifest.
    pub files: Vec<String>,
    /// Rows per table of the backed-up database.
    pub rows: BTreeMap<String, i64>,
}

/// A backup folder just made.
#[derive(Debug, Clone)]
pub struct BackupReport {
    pub folder: PathBuf,
    pub manifest: Manifest,
}

/// What a restore put in place and what it set aside.
#[derive(Debug, Clone)]
pub struct RestoreReport {
    /// The schema version of the restored database (before it is next opened and migrated).
    pub schema: u32,
    /// Rows per table of the restored database.
    pub rows: BTreeMap<String, i64>,
    /// The files restored beside the database (`known_hosts`, the audit log).
    pub files: Vec<String>,
    /// Where the previous database (and its `-wal`) and files were set aside, if any.
    pub set_aside: Vec<PathBuf>,
}

/// A time for file names: sortable, no `:` (Windows), milliseconds.
fn stamp() -> String {
    jiff::Timestamp::now()
        .strftime("%Y%m%dT%H%M%S%.3fZ")
        .to_string()
}

fn io_at(path: &Path) -> impl FnOnce(io::Error) -> StoreError {
    let path = path.to_path_buf();
    move |source| StoreError::Io { path, source }
}

/// Whether the disk holding `dir` has no room left: a 64 KiB probe file (removed again)
/// cannot be written and synced there. Asked only after a failure that may mean it.
pub(crate) fn no_room(dir: &Path) -> bool {
    let probe = dir.join(format!(".fieldline-space-probe-{}", std::process::id()));
    let written = File::create(&probe).and_then(|mut f| {
        f.write_all(&[0u8; 64 * 1024])?;
        f.sync_all()
    });
    let _ = std::fs::remove_file(&probe);
    matches!(written, Err(e) if e.kind() == io::ErrorKind::StorageFull)
}

/// `path` with `suffix` appended to its file name (`fieldline.db` + `-wal`).
pub(crate) fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(suffix);
    PathBuf::from(p)
}

/// Makes the new private file `dir/<name(stamp)>`: a fresh stamp when the name is taken.
fn new_private_name(dir: &Path, name: impl Fn(&str) -> String) -> Result<PathBuf, StoreError> {
    for _ in 0..50 {
        let path = dir.join(name(&stamp()));
        match fieldline_fs::create_new_private(&path) {
            Ok(_) => return Ok(path),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                std::thread::sleep(Duration::from_millis(2));
            }
            Err(source) => return Err(StoreError::Io { path, source }),
        }
    }
    Err(StoreError::Rejected(format!(
        "cannot find a free file name in {}",
        dir.display()
    )))
}

/// Syncs the folder's entries (a rename or a new file) to disk; Unix only (Windows cannot
/// open a folder as a file, and its renames are journaled by NTFS).
fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    #[cfg(unix)]
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io_at(dir))?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Flushes a file that is already written and closed. Opened for writing (nothing is
/// truncated): Windows flushes only through a handle with write access.
fn sync_file(path: &Path) -> Result<(), StoreError> {
    std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .and_then(|f| f.sync_all())
        .map_err(io_at(path))
}

/// Copies the database of `from` into the file `to`, which must exist and be empty (made
/// private by the caller): one backup step of every page, so one read transaction and one
/// consistent copy. The copy is left in `DELETE` journal mode and synced.
fn copy_database(from: &Connection, to: &Path) -> Result<(), StoreError> {
    let result = (|| -> Result<(), StoreError> {
        let mut dst = Connection::open(to)?;
        dst.pragma_update(None, "synchronous", "FULL")?;
        {
            let backup = Backup::new(from, &mut dst)?;
            // Busy or locked: a writer holds the source's lock (rollback mode, or WAL
            // recovery); waited for up to 10 s, like the store's busy timeout.
            let mut waits = 0;
            while backup.step(-1)? != StepResult::Done {
                waits += 1;
                if waits > 500 {
                    return Err(StoreError::Rejected(
                        "the database stayed locked for 10 s; nothing was backed up, try again"
                            .to_owned(),
                    ));
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        dst.pragma_update(None, "journal_mode", "DELETE")?;
        drop(dst);
        private_database_files(to, false)?;
        sync_file(to)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(to);
        for suffix in DATABASE_SIDE_FILES {
            let _ = std::fs::remove_file(with_suffix(to, suffix));
        }
    }
    result
}

/// Rows per table (SQLite's own tables left out).
fn row_counts(conn: &Connection) -> Result<BTreeMap<String, i64>, StoreError> {
    let names: Vec<String> = conn
        .prepare(
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut rows = BTreeMap::new();
    for name in names {
        let quoted = name.replace('"', "\"\"");
        let n: i64 = conn.query_row(&format!("SELECT count(*) FROM \"{quoted}\""), [], |r| {
            r.get(0)
        })?;
        rows.insert(name, n);
    }
    Ok(rows)
}

/// `None` when `PRAGMA quick_check` finds nothing wrong, else what it found.
pub(crate) fn quick_check(conn: &Connection) -> Result<Option<String>, rusqlite::Error> {
    let mut stmt = conn.prepare("PRAGMA quick_check(5)")?;
    let lines: Vec<String> = stmt
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    if lines.len() == 1 && lines[0] == "ok" {
        Ok(None)
    } else {
        Ok(Some(lines.join("; ")))
    }
}

/// Whether an error of SQLite means the file is damaged (or no database at all).
pub(crate) fn is_damage(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase)
    )
}

/// Copies the database at `path` with its `-wal` and `-shm` beside it, as
/// `fieldline.db.damaged-<time>` (+ `-wal`, `-shm`) in the same folder. Only reads `path`.
pub(crate) fn set_aside_damaged(data_dir: &Path, path: &Path) -> Result<PathBuf, String> {
    let copy = new_private_name(data_dir, |t| format!("{DATABASE_FILE}.damaged-{t}"))
        .map_err(|e| e.to_string())?;
    let bytes = |from: &Path, to: &Path| -> Result<(), String> {
        let mut source = File::open(from).map_err(|e| format!("{}: {e}", from.display()))?;
        let mut target =
            fieldline_fs::open_private(to, std::fs::OpenOptions::new().write(true).create(true))
                .map_err(|e| format!("{}: {e}", to.display()))?;
        io::copy(&mut source, &mut target)
            .and_then(|_| target.sync_all())
            .map_err(|e| format!("{}: {e}", to.display()))
    };
    bytes(path, &copy)?;
    for suffix in ["-wal", "-shm"] {
        let side = with_suffix(path, suffix);
        if side.exists() {
            bytes(&side, &with_suffix(&copy, suffix))?;
        }
    }
    let _ = sync_dir(data_dir);
    Ok(copy)
}

/// The copy kept before migrations change an existing database's schema (`from` > 0):
/// `<data dir>/backups/fieldline-before-v<from+1>-<time>.db`; older ones beyond the newest
/// [`KEEP_BEFORE_MIGRATION`] are deleted.
pub(crate) fn before_migration(
    conn: &Connection,
    data_dir: &Path,
    from: u32,
) -> Result<PathBuf, StoreError> {
    let dir = data_dir.join(BACKUPS_DIR);
    fieldline_fs::ensure_private_dir(&dir).map_err(io_at(&dir))?;
    let next = from + 1;
    let path = new_private_name(&dir, |t| format!("{BEFORE_MIGRATION_PREFIX}{next}-{t}.db"))?;
    copy_database(conn, &path)?;
    sync_dir(&dir)?;
    prune_before_migration(&dir);
    Ok(path)
}

/// Deletes all but the newest [`KEEP_BEFORE_MIGRATION`] copies made before migrations
/// (newest by the time in the name); best effort.
fn prune_before_migration(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut found: Vec<(String, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let time = name
                .strip_prefix(BEFORE_MIGRATION_PREFIX)?
                .strip_suffix(".db")?
                .split_once('-')?
                .1
                .to_owned();
            Some((time, e.path()))
        })
        .collect();
    found.sort();
    let excess = found.len().saturating_sub(KEEP_BEFORE_MIGRATION);
    for (_, path) in found.into_iter().take(excess) {
        let _ = std::fs::remove_file(&path);
        let _ = std::fs::remove_file(with_suffix(&path, "-journal"));
    }
}

/// Copies `from` to the new private file `to`; with `whole_lines`, a last line without
/// its newline (an append under way elsewhere) is left out. Reads under a shared lock, so
/// an append of the audit log in progress is waited for.
fn copy_settled(from: &Path, to: &Path, whole_lines: bool) -> Result<(), StoreError> {
    let mut source = File::open(from).map_err(io_at(from))?;
    source.lock_shared().map_err(io_at(from))?;
    let mut bytes = Vec::new();
    source.read_to_end(&mut bytes).map_err(io_at(from))?;
    let _ = source.unlock();
    if whole_lines {
        let keep = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
        bytes.truncate(keep);
    }
    let mut target = fieldline_fs::create_new_private(to).map_err(io_at(to))?;
    target
        .write_all(&bytes)
        .and_then(|()| target.sync_all())
        .map_err(io_at(to))
}

impl Store {
    /// Copies the database to the new file `path` (private; an existing file is refused)
    /// with SQLite's online backup API: a consistent copy while other connections and
    /// processes keep writing. The copy is one self-contained file (`DELETE` journal mode).
    pub fn backup_to(&self, path: &Path) -> Result<(), StoreError> {
        fieldline_fs::create_new_private(path).map_err(io_at(path))?;
        copy_database(&self.conn, path)
    }

    /// Makes the backup folder `<parent>/fieldline-backup-<time>/` (private; `parent` is
    /// created if missing): `fieldline.db` ([`Store::backup_to`]), the data folder's
    /// `known_hosts` and `audit.jsonl` when they exist, and `manifest.json`. No secret is
    /// in it: those stay in the OS keychain.
    pub fn backup_folder(&self, parent: &Path) -> Result<BackupReport, StoreError> {
        fieldline_fs::ensure_private_dir(parent).map_err(io_at(parent))?;
        let folder = loop {
            let folder = parent.join(format!("{BACKUP_FOLDER_PREFIX}{}", stamp()));
            match fieldline_fs::create_new_private_dir(&folder) {
                Ok(()) => break folder,
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    std::thread::sleep(Duration::from_millis(2));
                }
                Err(source) => {
                    return Err(StoreError::Io {
                        path: folder,
                        source,
                    })
                }
            }
        };
        let created = jiff::Timestamp::now().to_string();
        let db = folder.join(DATABASE_FILE);
        self.backup_to(&db)?;
        let mut files = vec![DATABASE_FILE.to_owned()];
        for (name, whole_lines) in [(KNOWN_HOSTS_FILE, false), (AUDIT_FILE, true)] {
            let from = self.data_dir.join(name);
            if from.is_file() {
                copy_settled(&from, &folder.join(name), whole_lines)?;
                files.push(name.to_owned());
            }
        }
        let copy = Connection::open_with_flags(&db, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        let schema: u32 = copy.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let rows = row_counts(&copy)?;
        drop(copy);
        let manifest = Manifest {
            format: 1,
            fieldline: env!("CARGO_PKG_VERSION").to_owned(),
            schema,
            created,
            files,
            rows,
        };
        let text = serde_json::to_string_pretty(&manifest)
            .map_err(|e| StoreError::BadFile(e.to_string()))?;
        let path = folder.join(MANIFEST_FILE);
        fieldline_fs::write_private(&path, text + "\n").map_err(io_at(&path))?;
        sync_dir(&folder)?;
        sync_dir(parent)?;
        Ok(BackupReport { folder, manifest })
    }
}

/// The backup folders in `parent` that Fieldline made (`fieldline-backup-<time>` with a
/// manifest), oldest first, each with the time in its name.
pub fn backups_in(parent: &Path) -> Vec<(jiff::Timestamp, PathBuf)> {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return Vec::new();
    };
    let mut found: Vec<(jiff::Timestamp, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let time = name.strip_prefix(BACKUP_FOLDER_PREFIX)?;
            let time = jiff::fmt::strtime::parse("%Y%m%dT%H%M%S%.fZ", time)
                .ok()?
                .to_datetime()
                .ok()?
                .in_tz("UTC")
                .ok()?
                .timestamp();
            let path = e.path();
            path.join(MANIFEST_FILE).is_file().then_some((time, path))
        })
        .collect();
    found.sort();
    found
}

/// Removes the oldest backup folders Fieldline made in `parent` beyond the newest `keep`
/// (nothing else in `parent` is touched). The folders removed.
pub fn prune_backups(parent: &Path, keep: usize) -> Result<Vec<PathBuf>, StoreError> {
    let found = backups_in(parent);
    let excess = found.len().saturating_sub(keep.max(1));
    let mut removed = Vec::new();
    for (_, path) in found.into_iter().take(excess) {
        std::fs::remove_dir_all(&path).map_err(io_at(&path))?;
        removed.push(path);
    }
    Ok(removed)
}

/// Reads a backup folder's manifest, if it has one.
pub fn read_manifest(folder: &Path) -> Result<Option<Manifest>, StoreError> {
    let path = folder.join(MANIFEST_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => serde_json::from_str(&text).map(Some).map_err(|e| {
            StoreError::BadFile(format!(
                "{} is not a Fieldline manifest: {e}",
                path.display()
            ))
        }),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(StoreError::Io { path, source }),
    }
}

/// The database file of a backup: `source/fieldline.db` for a backup folder, else
/// `source` itself (a single database file, such as a copy made before a migration).
pub fn backup_database(source: &Path) -> PathBuf {
    if source.is_dir() {
        source.join(DATABASE_FILE)
    } else {
        source.to_path_buf()
    }
}

/// Checks that the database at `path` can be restored: a Fieldline database (application
/// id), with a schema this build understands (not newer, not empty) that passes
/// `PRAGMA quick_check`. The schema version and the rows per table.
fn validate(path: &Path, shown: &Path) -> Result<(u32, BTreeMap<String, i64>), StoreError> {
    let bad = |detail: String| {
        StoreError::Rejected(format!(
            "{} cannot be restored: {detail}. Nothing was changed.",
            shown.display()
        ))
    };
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| bad(e.to_string()))?;
    let header = conn.query_row("PRAGMA application_id", [], |r| r.get::<_, i32>(0));
    let app_id = match header {
        Ok(id) => id,
        Err(e) if is_damage(&e) => {
            return Err(bad(format!(
                "it is not a Fieldline database, or it is damaged ({e})"
            )))
        }
        Err(e) => return Err(bad(e.to_string())),
    };
    let version: u32 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(|e| bad(e.to_string()))?;
    if app_id != APPLICATION_ID || version == 0 {
        return Err(bad("it is not a Fieldline database".to_owned()));
    }
    if version > SCHEMA_VERSION {
        return Err(bad(format!(
            "it was written by a newer Fieldline (schema {version}; this version understands up to {SCHEMA_VERSION}); update Fieldline first"
        )));
    }
    match quick_check(&conn) {
        Ok(None) => {}
        Ok(Some(problem)) => return Err(bad(format!("it is damaged ({problem})"))),
        Err(e) => return Err(bad(format!("it is damaged ({e})"))),
    }
    // One self-contained file: a -wal that came with it is folded in.
    conn.pragma_update(None, "journal_mode", "DELETE")
        .map_err(|e| bad(e.to_string()))?;
    let rows = row_counts(&conn)?;
    Ok((version, rows))
}

/// Fails when another connection (the app, a CLI command, a sync) has the database at
/// `path` open. Every connection in WAL mode holds a shared lock on the database file, so
/// leaving WAL mode (which needs an exclusive lock) succeeds only for the only connection;
/// it also folds the WAL into the database file, so nothing is left beside it. A database
/// too damaged to be read is in no one's use and passes.
fn ensure_unused(path: &Path) -> Result<(), StoreError> {
    if !path.exists() {
        return Ok(());
    }
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(Duration::ZERO)?;
    let in_use = |e: &rusqlite::Error| {
        matches!(
            e.sqlite_error_code(),
            Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
        )
    };
    let refused = || {
        StoreError::Rejected(format!(
            "{} is in use by another Fieldline (the app, or a CLI command such as sync or watch). \
             Nothing was changed: close it, then restore again",
            path.display()
        ))
    };
    match conn.query_row("PRAGMA journal_mode = DELETE", [], |r| {
        r.get::<_, String>(0)
    }) {
        Ok(mode) if mode.eq_ignore_ascii_case("delete") => Ok(()),
        Ok(_) => Err(refused()),
        Err(e) if in_use(&e) => Err(refused()),
        Err(_) => Ok(()),
    }
}

/// Checks, without changing anything, that `source` (a backup folder or a database file)
/// can be restored: the checks [`restore`] makes, run on a copy made in `scratch` (a
/// private folder, such as the data folder) and removed after. The schema version and
/// the rows per table.
pub fn check(source: &Path, scratch: &Path) -> Result<(u32, BTreeMap<String, i64>), StoreError> {
    let from = backup_database(source);
    if !from.is_file() {
        return Err(StoreError::Rejected(format!(
            "{} is neither a backup folder (with {DATABASE_FILE}) nor a database file. Nothing was changed.",
            source.display()
        )));
    }
    fieldline_fs::ensure_private_dir(scratch).map_err(io_at(scratch))?;
    let tmp = new_private_name(scratch, |t| format!(".{DATABASE_FILE}.check-{t}"))?;
    let checked = copy_checked(&from, &tmp);
    let _ = std::fs::remove_file(&tmp);
    for suffix in DATABASE_SIDE_FILES {
        let _ = std::fs::remove_file(with_suffix(&tmp, suffix));
    }
    checked
}

/// Copies the database `from` (with its `-wal`, when it has one) over the private file
/// `tmp` and [`validate`]s the copy, folding that WAL in.
fn copy_checked(from: &Path, tmp: &Path) -> Result<(u32, BTreeMap<String, i64>), StoreError> {
    copy_into(from, tmp)?;
    let wal = with_suffix(from, "-wal");
    if wal.is_file() {
        fieldline_fs::copy_private(&wal, &with_suffix(tmp, "-wal")).map_err(io_at(&wal))?;
    }
    validate(tmp, from)
}

/// Waits up to `limit` until no other connection has the database `data_dir/fieldline.db`
/// open (as a restarting app waits for the process it replaces to let go). `true` once it
/// is free (or absent).
pub fn wait_until_unused(data_dir: &Path, limit: Duration) -> bool {
    let live = data_dir.join(DATABASE_FILE);
    let until = std::time::Instant::now() + limit;
    loop {
        if ensure_unused(&live).is_ok() {
            return true;
        }
        if std::time::Instant::now() >= until {
            return false;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Restores the backup `source` (a backup folder or a single database file) into
/// `data_dir`, replacing its database and, when the folder has them, its `known_hosts`
/// and audit log. What was there is set aside (`<name>.before-restore-<time>`), never
/// deleted.
///
/// Refused, with nothing changed: a file that is not a Fieldline database, one from a
/// newer Fieldline, a damaged one, and a database another process has open (the app, a
/// running `fieldline watch`...). That check and the swap are not one atomic step: a
/// process that opens the database in between works on the file set aside (SQLite then
/// refuses its writes: the database was moved).
///
/// The restored database is not opened here; the next [`Store::open`] migrates it when it
/// is older (keeping a copy first).
pub fn restore(source: &Path, data_dir: &Path) -> Result<RestoreReport, StoreError> {
    let from = backup_database(source);
    if !from.is_file() {
        return Err(StoreError::Rejected(format!(
            "{} is neither a backup folder (with {DATABASE_FILE}) nor a database file. Nothing was changed.",
            source.display()
        )));
    }
    fieldline_fs::ensure_private_dir(data_dir).map_err(io_at(data_dir))?;
    let live = data_dir.join(DATABASE_FILE);

    // The copy to put in place, validated as it will be used.
    let tmp = new_private_name(data_dir, |t| format!(".{DATABASE_FILE}.restore-{t}"))?;
    let cleanup = |tmp: &Path| {
        let _ = std::fs::remove_file(tmp);
        for suffix in DATABASE_SIDE_FILES {
            let _ = std::fs::remove_file(with_suffix(tmp, suffix));
        }
    };
    let prepared = (|| -> Result<(u32, BTreeMap<String, i64>), StoreError> {
        let checked = copy_checked(&from, &tmp)?;
        private_database_files(&tmp, false)?;
        sync_file(&tmp)?;
        ensure_unused(&live)?;
        Ok(checked)
    })();
    let (schema, rows) = match prepared {
        Ok(v) => v,
        Err(e) => {
            cleanup(&tmp);
            return Err(e);
        }
    };

    let mut set_aside = Vec::new();
    let time = stamp();
    // The current database (with its WAL, when it still has one) is kept.
    if live.exists() {
        let kept = data_dir.join(format!("{DATABASE_FILE}.before-restore-{time}"));
        let result = fieldline_fs::copy_private(&live, &kept).map_err(io_at(&kept));
        if let Err(e) = result {
            cleanup(&tmp);
            return Err(e);
        }
        let wal = with_suffix(&live, "-wal");
        if std::fs::metadata(&wal).is_ok_and(|m| m.len() > 0) {
            let kept_wal = with_suffix(&kept, "-wal");
            if let Err(e) = fieldline_fs::copy_private(&wal, &kept_wal).map_err(io_at(&kept_wal)) {
                cleanup(&tmp);
                return Err(e);
            }
        }
        set_aside.push(kept);
    }
    // A WAL left beside the new database would be replayed into it: gone first.
    for suffix in DATABASE_SIDE_FILES {
        let side = with_suffix(&live, suffix);
        match std::fs::remove_file(&side) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(source) => {
                cleanup(&tmp);
                return Err(StoreError::Io { path: side, source });
            }
        }
    }
    std::fs::rename(&tmp, &live).map_err(io_at(&live))?;
    sync_dir(data_dir)?;

    let mut files = Vec::new();
    if source.is_dir() {
        for name in [KNOWN_HOSTS_FILE, AUDIT_FILE] {
            let from = source.join(name);
            if !from.is_file() {
                continue;
            }
            let target = data_dir.join(name);
            if target.exists() {
                let kept = data_dir.join(format!("{name}.before-restore-{time}"));
                fieldline_fs::copy_private(&target, &kept).map_err(io_at(&kept))?;
                set_aside.push(kept);
            }
            let tmp = new_private_name(data_dir, |t| format!(".{name}.restore-{t}"))?;
            if let Err(e) = copy_into(&from, &tmp) {
                let _ = std::fs::remove_file(&tmp);
                return Err(e);
            }
            std::fs::rename(&tmp, &target).map_err(io_at(&target))?;
            files.push(name.to_owned());
        }
        sync_dir(data_dir)?;
    }
    Ok(RestoreReport {
        schema,
        rows,
        files,
        set_aside,
    })
}

/// Copies `from` over the existing private file `to` and syncs it.
fn copy_into(from: &Path, to: &Path) -> Result<(), StoreError> {
    let mut source = File::open(from).map_err(io_at(from))?;
    let mut target =
        fieldline_fs::open_private(to, std::fs::OpenOptions::new().write(true).truncate(true))
            .map_err(io_at(to))?;
    target.seek(SeekFrom::Start(0)).map_err(io_at(to))?;
    io::copy(&mut source, &mut target)
        .and_then(|_| target.sync_all())
        .map_err(io_at(to))?;
    Ok(())
}
