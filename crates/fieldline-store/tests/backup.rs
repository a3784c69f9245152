//! Durability on real SQLite files: damaged databases refused with a copy made, backups
//! taken while another connection writes, restores validated and compared table by table,
//! copies kept before migrations.

use fieldline_sla::Priority;
use fieldline_store::backup::{self, BACKUPS_DIR, KEEP_BEFORE_MIGRATION};
use fieldline_store::tickets::{NewTicket, SlaSource};
use fieldline_store::{Store, StoreError, DAMAGED_DATABASE, DATABASE_FILE, SCHEMA_VERSION};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

const FLEET: &str = include_str!("../../../tests/fixtures/acme.toml");
const SLA: &str = include_str!("../../../tests/fixtures/sla.toml");

fn ticket(title: &str) -> NewTicket {
    NewTicket {
        customer: "acme".into(),
        endpoint: None,
        title: title.into(),
        priority: Priority::P3,
        policy: None,
    }
}

/// A store with the fleet and `tickets` tickets (enough rows for several pages).
fn filled(dir: &Path, tickets: usize) -> Store {
    let mut store = Store::open(dir).expect("open");
    store
        .import_fleet_file("acme.toml", FLEET, false)
        .expect("fleet");
    store
        .import_sla_config(SlaSource {
            file_name: "sla.toml".into(),
            text: SLA.into(),
            includes: Default::default(),
        })
        .expect("sla");
    for i in 0..tickets {
        store
            .open_ticket(
                ticket(&format!("Ticket {i} {}", "x".repeat(200))),
                jiff::Timestamp::now(),
            )
            .expect("ticket");
    }
    store
}

/// Every table's rows, each as text, sorted: a comparable picture of a database.
fn tables(path: &Path) -> BTreeMap<String, Vec<String>> {
    let conn =
        rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .expect("open");
    let names: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        .expect("prepare")
        .query_map([], |r| r.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("names");
    let mut all = BTreeMap::new();
    for name in names {
        let mut stmt = conn
            .prepare(&format!("SELECT * FROM \"{name}\""))
            .expect("select");
        let n = stmt.column_count();
        let mut rows: Vec<String> = stmt
            .query_map([], |r| {
                (0..n)
                    .map(|i| {
                        r.get::<_, rusqlite::types::Value>(i)
                            .map(|v| format!("{v:?}"))
                    })
                    .collect::<Result<Vec<_>, _>>()
                    .map(|cells| cells.join("|"))
            })
            .expect("rows")
            .collect::<Result<_, _>>()
            .expect("row");
        rows.sort();
        all.insert(name, rows);
    }
    all
}

fn side(path: &Path, suffix: &str) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(suffix);
    PathBuf::from(p)
}

fn damaged_copies(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| {
            p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                n.starts_with("fieldline.db.damaged-")
                    && !n.ends_with("-wal")
                    && !n.ends_with("-shm")
            })
        })
        .collect();
    found.sort();
    found
}

/// Opens the damaged store: refused, a copy of the bytes made and named, nothing changed.
fn assert_refused_with_a_copy(dir: &Path) {
    let path = dir.join(DATABASE_FILE);
    let before = std::fs::read(&path).expect("read");
    let err = Store::open(dir)
        .err()
        .expect("a damaged database is refused");
    let StoreError::Damaged { what, .. } = &err else {
        panic!("wrong error: {err}");
    };
    assert_eq!(*what, DAMAGED_DATABASE);
    let msg = err.to_string();
    let copies = damaged_copies(dir);
    assert_eq!(copies.len(), 1, "{copies:?}");
    let copy = &copies[0];
    assert!(msg.contains(&copy.display().to_string()), "{msg}");
    assert!(
        msg.contains("damaged") && msg.contains("fieldline restore"),
        "{msg}"
    );
    assert!(msg.contains("Nothing in it was changed"), "{msg}");
    assert_eq!(
        std::fs::read(copy).expect("copy"),
        before,
        "the copy is the file as found"
    );
    assert_eq!(
        std::fs::read(&path).expect("read"),
        before,
        "the database was modified"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(copy).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}

#[test]
fn a_truncated_database_is_refused_with_a_copy_made_and_named() {
    let dir = tempfile::tempdir().expect("tmp");
    drop(filled(dir.path(), 200));
    let path = dir.path().join(DATABASE_FILE);
    assert!(
        !side(&path, "-wal").exists()
            || std::fs::metadata(side(&path, "-wal")).expect("wal").len() == 0
    );
    let len = std::fs::metadata(&path).expect("meta").len();
    assert!(len > 20 * 4096, "{len}");
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .expect("open");
    file.set_len(len / 2 / 4096 * 4096).expect("truncate");
    drop(file);
    assert_refused_with_a_copy(dir.path());
}

#[test]
fn a_bit_flipped_database_is_refused_with_a_copy_made_and_named() {
    let dir = tempfile::tempdir().expect("tmp");
    drop(filled(dir.path(), 200));
    let path = dir.path().join(DATABASE_FILE);
    let mut bytes = std::fs::read(&path).expect("read");
    let page_size = u16::from_be_bytes([bytes[16], bytes[17]]) as usize;
    // The first table leaf page after the schema's: one bit of its cell count flipped.
    let page = (2..bytes.len() / page_size)
        .find(|p| bytes[p * page_size] == 0x0D && bytes[p * page_size + 4] > 0)
        .expect("a table leaf page");
    bytes[page * page_size + 3] ^= 0x40;
    std::fs::write(&path, &bytes).expect("write");
    assert_refused_with_a_copy(dir.path());
}

#[test]
fn a_damaged_database_with_a_wal_keeps_its_wal_and_is_copied_with_it() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = filled(dir.path(), 200);
    let path = dir.path().join(DATABASE_FILE);
    // A second connection, the last to close and without a checkpoint, leaves the WAL.
    let keep = rusqlite::Connection::open(&path).expect("raw");
    keep.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
        true,
    )
    .expect("no checkpoint");
    keep.query_row("SELECT count(*) FROM tickets", [], |r| r.get::<_, i64>(0))
        .expect("read");
    drop(store);
    let mut bytes = std::fs::read(&path).expect("read");
    let page_size = u16::from_be_bytes([bytes[16], bytes[17]]) as usize;
    for p in 2..bytes.len() / page_size {
        if bytes[p * page_size] == 0x0D {
            bytes[p * page_size + 3] ^= 0x40;
        }
    }
    std::fs::write(&path, &bytes).expect("write");
    drop(keep);
    let wal = side(&path, "-wal");
    let wal_before = std::fs::read(&wal).ok();
    let _ = Store::open(dir.path()).err().expect("refused");
    let copies = damaged_copies(dir.path());
    assert_eq!(copies.len(), 1);
    let wal_before = wal_before.expect("a WAL");
    assert!(!wal_before.is_empty());
    assert_eq!(
        std::fs::read(side(&copies[0], "-wal")).expect("wal copy"),
        wal_before
    );
    assert_eq!(
        std::fs::read(&wal).expect("wal kept"),
        wal_before,
        "the WAL was checkpointed"
    );
}

#[test]
fn a_backup_taken_while_another_connection_writes_restores_table_by_table() {
    let src = tempfile::tempdir().expect("tmp");
    drop(filled(src.path(), 20));
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let stop = Arc::clone(&stop);
        let dir = src.path().to_path_buf();
        std::thread::spawn(move || {
            let mut store = Store::open(&dir).expect("writer");
            let mut n = 0usize;
            while !stop.load(Ordering::Relaxed) {
                store
                    .open_ticket(
                        ticket(&format!("Written meanwhile {n}")),
                        jiff::Timestamp::now(),
                    )
                    .expect("write");
                store.set_setting(&format!("k{n}"), "v").expect("setting");
                n += 1;
            }
            n
        })
    };
    let reader = Store::open(src.path()).expect("backup side");
    // Let the writer get going, then take several backups while it writes.
    while reader.tickets(false).expect("tickets").len() < 40 {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let out = tempfile::tempdir().expect("out");
    let mut reports = Vec::new();
    for _ in 0..3 {
        reports.push(reader.backup_folder(out.path()).expect("backup"));
        std::thread::sleep(std::time::Duration::from_millis(30));
    }
    stop.store(true, Ordering::Relaxed);
    let written = writer.join().expect("writer thread");
    assert!(written > 20, "the writer wrote {written}");
    let source = tables(&src.path().join(DATABASE_FILE));

    for report in &reports {
        let copy = report.folder.join(DATABASE_FILE);
        let backed = tables(&copy);
        // A consistent moment: each ticket has its opening event and outbox entry, and
        // every row of the backup's tickets is one of the source's.
        let t = backed["tickets"].len();
        assert!(t >= 40, "{t}");
        assert_eq!(backed["ticket_events"].len(), t);
        assert_eq!(backed["outbox"].len(), t);
        for row in &backed["tickets"] {
            assert!(source["tickets"].contains(row), "{row}");
        }
        for row in &backed["customers"] {
            assert!(source["customers"].contains(row), "{row}");
        }
        let counts: BTreeMap<String, i64> = backed
            .iter()
            .map(|(k, v)| (k.clone(), v.len() as i64))
            .collect();
        assert_eq!(report.manifest.rows, counts);
        assert_eq!(report.manifest.schema, SCHEMA_VERSION);

        // Restored into a fresh folder: the same database, table by table.
        let fresh = tempfile::tempdir().expect("fresh");
        let data = fresh.path().join("data");
        let restored = backup::restore(&report.folder, &data).expect("restore");
        assert_eq!(restored.rows, counts);
        assert!(restored.set_aside.is_empty());
        assert_eq!(tables(&data.join(DATABASE_FILE)), backed);
        let store = Store::open(&data).expect("open restored");
        assert_eq!(store.tickets(false).expect("tickets").len(), t);
    }
    // The later backups hold more: they are moments, not the same one.
    let first = reports[0].manifest.rows["tickets"];
    let last = reports[2].manifest.rows["tickets"];
    assert!(last >= first);
}

#[test]
fn restore_replaces_the_database_and_sets_the_old_one_aside() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    let mut store = filled(&data, 3);
    std::fs::write(data.join("known_hosts"), "old-host ssh-ed25519 AAAA\n").expect("kh");
    let report = store.backup_folder(&dir.path().join("b")).expect("backup");
    assert!(report.manifest.files.contains(&"known_hosts".to_owned()));
    store
        .open_ticket(ticket("after the backup"), jiff::Timestamp::now())
        .expect("ticket");
    std::fs::write(data.join("known_hosts"), "new-host ssh-ed25519 AAAA\n").expect("kh");

    // Refused while the store is open.
    let err = backup::restore(&report.folder, &data).expect_err("in use");
    assert!(err.to_string().contains("in use"), "{err}");
    assert_eq!(store.tickets(false).expect("tickets").len(), 4);
    drop(store);

    let restored = backup::restore(&report.folder, &data).expect("restore");
    assert_eq!(restored.files, vec!["known_hosts".to_owned()]);
    assert_eq!(
        std::fs::read_to_string(data.join("known_hosts")).expect("kh"),
        "old-host ssh-ed25519 AAAA\n"
    );
    let store = Store::open(&data).expect("open");
    assert_eq!(store.tickets(false).expect("tickets").len(), 3);
    let aside: Vec<&PathBuf> = restored.set_aside.iter().collect();
    assert_eq!(aside.len(), 2, "{aside:?}");
    let old_db = aside
        .iter()
        .find(|p| p.to_string_lossy().contains("fieldline.db.before-restore-"))
        .expect("old db");
    assert_eq!(
        tables(old_db)["tickets"].len(),
        4,
        "the old database is kept whole"
    );
    let no_temp = std::fs::read_dir(&data).expect("dir").all(|e| {
        !e.expect("e")
            .file_name()
            .to_string_lossy()
            .contains(".restore-")
    });
    assert!(no_temp, "no temporary file is left");
}

#[test]
fn restore_refuses_a_newer_or_foreign_or_damaged_file_and_changes_nothing() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    drop(filled(&data, 2));
    let live = data.join(DATABASE_FILE);
    let before = tables(&live);
    let store = Store::open(&data).expect("open");

    let newer = dir.path().join("newer.db");
    store.backup_to(&newer).expect("backup");
    let foreign = dir.path().join("foreign.db");
    store.backup_to(&foreign).expect("backup");
    drop(store);
    rusqlite::Connection::open(&newer)
        .expect("raw")
        .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .expect("bump");
    rusqlite::Connection::open(&foreign)
        .expect("raw")
        .pragma_update(None, "application_id", 1234)
        .expect("app id");
    let plain = dir.path().join("plain.db");
    rusqlite::Connection::open(&plain)
        .expect("raw")
        .execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
        .expect("plain");
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "hello ".repeat(1000)).expect("text");

    for (file, expected) in [
        (&newer, "newer Fieldline"),
        (&foreign, "not a Fieldline database"),
        (&plain, "not a Fieldline database"),
        (&text, "not a Fieldline database"),
    ] {
        let err = backup::restore(file, &data).expect_err("refused");
        let msg = err.to_string();
        assert!(
            msg.contains(expected) && msg.contains("Nothing was changed"),
            "{msg}"
        );
    }
    assert_eq!(tables(&live), before);
    let left: Vec<String> = std::fs::read_dir(&data)
        .expect("dir")
        .map(|e| e.expect("e").file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("restore"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

/// Makes the database at `dir` look like one of schema `SCHEMA_VERSION - 1`.
fn downgrade(dir: &Path) {
    let conn = rusqlite::Connection::open(dir.join(DATABASE_FILE)).expect("raw");
    conn.execute_batch("DROP TABLE ssh_profiles; DROP TABLE snippets;")
        .expect("drop");
    conn.pragma_update(None, "user_version", SCHEMA_VERSION - 1)
        .expect("version");
}

#[test]
fn a_copy_is_kept_before_migrations_and_only_the_newest_three() {
    let dir = tempfile::tempdir().expect("tmp");
    drop(filled(dir.path(), 5));
    let backups = dir.path().join(BACKUPS_DIR);
    assert!(!backups.exists(), "a new database needs no copy");
    let mut seen = Vec::new();
    for round in 0..KEEP_BEFORE_MIGRATION + 2 {
        downgrade(dir.path());
        let store = Store::open(dir.path()).expect("migrate");
        assert_eq!(store.schema_version().expect("v"), SCHEMA_VERSION);
        drop(store);
        let mut files: Vec<PathBuf> = std::fs::read_dir(&backups)
            .expect("backups")
            .map(|e| e.expect("e").path())
            .collect();
        files.sort();
        assert_eq!(
            files.len(),
            (round + 1).min(KEEP_BEFORE_MIGRATION),
            "{files:?}"
        );
        let newest = files.last().expect("newest").clone();
        let name = newest
            .file_name()
            .and_then(|n| n.to_str())
            .expect("name")
            .to_owned();
        assert!(
            name.starts_with(&format!("fieldline-before-v{SCHEMA_VERSION}-")),
            "{name}"
        );
        assert!(!seen.contains(&newest));
        seen.push(newest.clone());
        // The copy is the database as it was: the old schema, the same tickets.
        let conn = rusqlite::Connection::open(&newest).expect("copy");
        let v: u32 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .expect("v");
        assert_eq!(v, SCHEMA_VERSION - 1);
        let mode: String = conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .expect("mode");
        assert_eq!(mode, "delete");
        assert_eq!(tables(&newest)["tickets"].len(), 5);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&newest).expect("m").permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
            let mode = std::fs::metadata(&backups).expect("m").permissions().mode() & 0o777;
            assert_eq!(mode, 0o700);
        }
    }
    // The oldest ones went.
    assert!(!seen[0].exists() && !seen[1].exists());
}
