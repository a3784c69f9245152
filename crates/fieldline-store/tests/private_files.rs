//! The data folder and the database are private on disk: folder `0700`, database and its
//! `-wal`/`-shm` files `0600`, created so and tightened when found looser.
#![cfg(unix)]

use fieldline_store::{Store, DATABASE_FILE};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .expect("metadata")
        .permissions()
        .mode()
        & 0o7777
}

fn set_mode(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

fn side(db: &Path, suffix: &str) -> PathBuf {
    let mut p = db.as_os_str().to_owned();
    p.push(suffix);
    PathBuf::from(p)
}

#[test]
fn a_new_data_folder_is_0700_and_the_database_with_its_wal_and_shm_0600() {
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path().join("nested/data");
    let mut store = Store::open(&data).expect("open");
    // A write so the WAL has content while the store is open.
    store.set_setting("language", "en").expect("setting");
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&tmp.path().join("nested")), 0o700);
    let db = data.join(DATABASE_FILE);
    assert_eq!(mode(&db), 0o600);
    assert!(side(&db, "-wal").exists(), "WAL mode keeps a -wal file");
    assert_eq!(mode(&side(&db, "-wal")), 0o600);
    assert_eq!(mode(&side(&db, "-shm")), 0o600);
    // A second connection (the CLI beside the app) changes nothing.
    let other = Store::open(&data).expect("second");
    assert_eq!(
        other.setting("language").expect("read").as_deref(),
        Some("en")
    );
    assert_eq!(mode(&side(&db, "-wal")), 0o600);
}

#[test]
fn an_existing_loose_data_folder_and_database_are_tightened() {
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path().join("data");
    {
        let mut store = Store::open(&data).expect("create");
        store.set_setting("k", "v").expect("setting");
    }
    let db = data.join(DATABASE_FILE);
    // As an earlier Fieldline (or a umask of 022) left them; stale side files included.
    set_mode(&data, 0o755);
    set_mode(&db, 0o644);
    for suffix in ["-wal", "-shm"] {
        let p = side(&db, suffix);
        if !p.exists() {
            std::fs::write(&p, b"").expect("side file");
        }
        set_mode(&p, 0o644);
    }
    let store = Store::open(&data).expect("reopen");
    assert_eq!(store.setting("k").expect("read").as_deref(), Some("v"));
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&db), 0o600);
    assert_eq!(mode(&side(&db, "-wal")), 0o600);
    assert_eq!(mode(&side(&db, "-shm")), 0o600);
}

#[test]
fn an_existing_folder_keeps_its_contents_and_only_loses_group_and_other_bits() {
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path().join("data");
    std::fs::create_dir(&data).expect("mkdir");
    std::fs::write(data.join("notes.txt"), "mine").expect("write");
    set_mode(&data, 0o750);
    drop(Store::open(&data).expect("open"));
    assert_eq!(mode(&data), 0o700);
    assert_eq!(
        std::fs::read_to_string(data.join("notes.txt")).expect("read"),
        "mine"
    );
}
