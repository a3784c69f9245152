//! The store on a real SQLite file in a temp folder.

use fieldline_core::csv_import::{CsvOptions, EndpointField};
use fieldline_core::{Customer, FleetChange};
use fieldline_store::{Store, StoreError, DATABASE_FILE, SCHEMA_VERSION};
use std::time::Duration;

const FLEET: &str = include_str!("../../../tests/fixtures/acme.toml");

fn customer(id: &str) -> Customer {
    Customer {
        id: id.into(),
        name: format!("{id} name"),
        notes: String::new(),
        demo: false,
    }
}

#[test]
fn a_new_store_is_migrated_to_the_current_schema_in_wal_mode() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = Store::open(&dir.path().join("nested/data")).expect("open");
    assert_eq!(store.schema_version().expect("version"), SCHEMA_VERSION);
    assert!(store.fleet().expect("fleet").is_empty());
    let conn = rusqlite::Connection::open(store.path()).expect("raw");
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .expect("mode");
    assert_eq!(mode, "wal");
}

#[test]
fn an_empty_sqlite_file_is_migrated_up_from_version_zero() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join(DATABASE_FILE);
    rusqlite::Connection::open(&path)
        .expect("raw")
        .execute_batch("CREATE TABLE unrelated (x);")
        .expect("ddl");
    let store = Store::open(dir.path()).expect("open");
    assert_eq!(store.schema_version().expect("version"), SCHEMA_VERSION);
}

#[test]
fn data_survives_closing_and_reopening() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = Store::open(dir.path()).expect("open");
    store
        .import_fleet_file("f.toml", FLEET, false)
        .expect("import");
    store.set_setting("language", "ko").expect("setting");
    let before = store.fleet().expect("fleet");
    drop(store);
    let store = Store::open(dir.path()).expect("reopen");
    assert_eq!(store.fleet().expect("fleet"), before);
    assert_eq!(
        store.setting("language").expect("setting").as_deref(),
        Some("ko")
    );
    assert_eq!(
        before.endpoint("acme-web1").map(|e| e.checks.len()),
        Some(1)
    );
}

#[test]
fn a_database_from_a_newer_fieldline_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().expect("tmp");
    drop(Store::open(dir.path()).expect("create"));
    let path = dir.path().join(DATABASE_FILE);
    {
        let conn = rusqlite::Connection::open(&path).expect("raw");
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .expect("bump");
        conn.execute_batch("CREATE TABLE from_the_future (x);")
            .expect("ddl");
        conn.pragma_update(None, "wal_checkpoint", "TRUNCATE")
            .expect("checkpoint");
    }
    let bytes_before = std::fs::read(&path).expect("read");
    let err = Store::open(dir.path()).err().expect("refused");
    match &err {
        StoreError::NewerDatabase {
            found, supported, ..
        } => {
            assert_eq!((*found, *supported), (SCHEMA_VERSION + 1, SCHEMA_VERSION));
        }
        other => panic!("wrong error: {other}"),
    }
    let msg = err.to_string();
    assert!(
        msg.contains("newer Fieldline") && msg.contains("Nothing was changed"),
        "{msg}"
    );
    assert_eq!(
        std::fs::read(&path).expect("read"),
        bytes_before,
        "the file was modified"
    );
}

#[test]
fn a_database_of_another_program_is_refused() {
    let dir = tempfile::tempdir().expect("tmp");
    let conn = rusqlite::Connection::open(dir.path().join(DATABASE_FILE)).expect("raw");
    conn.pragma_update(None, "application_id", 1234)
        .expect("app id");
    drop(conn);
    let err = Store::open(dir.path()).err().expect("refused");
    assert!(matches!(err, StoreError::NotFieldline { .. }), "{err}");
}

#[test]
fn the_cli_and_the_app_work_on_the_same_store_at_once() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut app = Store::open(dir.path()).expect("app");
    let mut cli = Store::open(dir.path()).expect("cli");
    let app_rev = app.external_revision().expect("rev");

    cli.apply(FleetChange::CreateCustomer {
        customer: customer("from-cli"),
    })
    .expect("cli writes");
    assert!(app.fleet().expect("fleet").customer("from-cli").is_some());
    assert_ne!(
        app.external_revision().expect("rev"),
        app_rev,
        "the app notices the CLI's commit"
    );

    let own = app.external_revision().expect("rev");
    app.apply(FleetChange::CreateCustomer {
        customer: customer("from-app"),
    })
    .expect("app writes");
    assert_eq!(
        app.external_revision().expect("rev"),
        own,
        "its own commits do not count as outside changes"
    );

    // A writer holding the lock makes the other wait, not fail.
    let path = dir.path().to_path_buf();
    let slow = std::thread::spawn(move || {
        let mut s = Store::open(&path).expect("open");
        s.update_fleet(|f| {
            std::thread::sleep(Duration::from_millis(400));
            let mut next = f.clone();
            next.customers.push(customer("slow"));
            Ok((next, ()))
        })
        .expect("slow write");
    });
    std::thread::sleep(Duration::from_millis(100));
    cli.apply(FleetChange::CreateCustomer {
        customer: customer("waits"),
    })
    .expect("waits for the lock");
    slow.join().expect("join");
    let fleet = app.fleet().expect("fleet");
    assert!(fleet.customer("slow").is_some() && fleet.customer("waits").is_some());
}

#[test]
fn an_invalid_change_or_file_writes_nothing() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = Store::open(dir.path()).expect("open");
    store
        .import_fleet_file("f.toml", FLEET, false)
        .expect("import");
    let before = store.fleet().expect("fleet");

    let err = store
        .apply(FleetChange::DeleteEndpoint {
            id: "acme-router".into(),
        })
        .expect_err("web1 depends on it");
    assert!(matches!(err, StoreError::Invalid(_)), "{err}");
    let bad = FLEET.replace("Asia/Seoul", "Mars/Olympus");
    let err = store
        .import_fleet_file("bad.toml", &bad, true)
        .expect_err("bad zone");
    let StoreError::Invalid(issues) = err else {
        panic!("{err}")
    };
    assert_eq!(issues[0].file.as_deref(), Some("bad.toml"));
    assert_eq!(issues[0].line, Some(9));
    assert_eq!(store.fleet().expect("fleet"), before);
}

#[test]
fn import_merges_by_default_and_replaces_on_request() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = Store::open(dir.path()).expect("open");
    store
        .import_fleet_file("f.toml", FLEET, false)
        .expect("import");
    store
        .apply(FleetChange::CreateCustomer {
            customer: customer("other"),
        })
        .expect("add");
    store
        .import_fleet_file("f.toml", FLEET, false)
        .expect("merge");
    assert!(store.fleet().expect("fleet").customer("other").is_some());
    store
        .import_fleet_file("f.toml", FLEET, true)
        .expect("replace");
    assert!(store.fleet().expect("fleet").customer("other").is_none());
    let exported = store.export_fleet_file().expect("export");
    let again = fieldline_core::fleet_file::parse("exported.toml", &exported).expect("parses");
    assert_eq!(again, store.fleet().expect("fleet"));
}

#[test]
fn a_csv_with_a_bad_row_imports_nothing_unless_partial() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = Store::open(dir.path()).expect("open");
    store
        .import_fleet_file("f.toml", FLEET, false)
        .expect("import");
    let csv = b"id,host\nnew-1,10.0.0.30\nnew 2,10.0.0.31\n";
    let mut options = CsvOptions {
        mapping: vec![Some(EndpointField::Id), Some(EndpointField::Host)],
        default_site: Some("acme-hq".into()),
        allow_partial: false,
    };
    let report = store.import_csv("hosts.csv", csv, &options).expect("runs");
    assert!(!report.imported);
    assert_eq!(report.bad_rows[0].line, Some(3));
    assert!(store.fleet().expect("fleet").endpoint("new-1").is_none());
    options.allow_partial = true;
    let report = store.import_csv("hosts.csv", csv, &options).expect("runs");
    assert!(report.imported);
    assert!(store.fleet().expect("fleet").endpoint("new-1").is_some());
}

#[test]
fn the_demo_fleet_loads_labelled_demo_next_to_real_customers() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = Store::open(dir.path()).expect("open");
    store
        .import_fleet_file("f.toml", FLEET, false)
        .expect("import");
    let fleet = store.load_demo().expect("demo");
    assert!(fleet.customer("acme").is_some_and(|c| !c.demo));
    assert!(fleet
        .customers
        .iter()
        .filter(|c| c.id.starts_with("demo-"))
        .all(|c| c.demo));
    assert_eq!(
        store.load_demo().expect("twice"),
        fleet,
        "loading it again changes nothing"
    );
}
