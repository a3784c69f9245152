//! `fieldline backup` and `fieldline restore` as a technician uses them: real processes on
//! a real store in a temp folder.

use std::path::{Path, PathBuf};
mod support;
use support::{fieldline, ok, said};

const FLEET: &str = include_str!("../../../tests/fixtures/acme.toml");

fn customers(dir: &Path) -> Vec<String> {
    let list: serde_json::Value =
        serde_json::from_str(&ok(dir, &["fleet", "list", "--json"])).expect("JSON");
    let mut ids: Vec<String> = list["customers"]
        .as_array()
        .expect("customers")
        .iter()
        .map(|c| c["id"].as_str().expect("id").to_owned())
        .collect();
    ids.sort();
    ids
}

/// The folder `fieldline backup` named on its first line.
fn backup_folder(stdout: &str) -> PathBuf {
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("backup:"))
        .expect("a backup: line");
    PathBuf::from(line.trim())
}

#[test]
fn backup_change_restore_and_the_change_is_gone() {
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path().join("data");
    let fleet = tmp.path().join("acme.toml");
    std::fs::write(&fleet, FLEET).expect("fleet");
    ok(
        &data,
        &["fleet", "import", "--yes", fleet.to_str().expect("path")],
    );
    std::fs::write(data.join("known_hosts"), "before ssh-ed25519 AAAA\n").expect("kh");
    {
        let conn = rusqlite::Connection::open(data.join("fieldline.db")).expect("db");
        conn.execute(
            "INSERT INTO ssh_profiles (name, profile) VALUES ('acme-ops', ?1)",
            [r#"{"name":"acme-ops","user":"ops","method":{"kind":"password"}}"#],
        )
        .expect("profile");
    }
    let before = customers(&data);

    let out_dir = tmp.path().join("backups");
    let out = ok(&data, &["backup", out_dir.to_str().expect("path")]);
    let folder = backup_folder(&out);
    assert!(folder.starts_with(&out_dir), "{out}");
    for file in ["fieldline.db", "known_hosts", "manifest.json"] {
        assert!(folder.join(file).is_file(), "{file} missing: {out}");
    }
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(folder.join("manifest.json")).expect("m"))
            .expect("manifest JSON");
    assert_eq!(
        manifest["rows"]["customers"].as_i64(),
        Some(before.len() as i64)
    );

    // A change after the backup.
    let more = tmp.path().join("more.toml");
    std::fs::write(
        &more,
        format!("{FLEET}\n[[customers]]\nid = \"globex\"\nname = \"Globex\"\n"),
    )
    .expect("more");
    ok(
        &data,
        &["fleet", "import", "--yes", more.to_str().expect("path")],
    );
    std::fs::write(data.join("known_hosts"), "after ssh-ed25519 AAAA\n").expect("kh");
    assert!(customers(&data).contains(&"globex".to_owned()));

    // Without a terminal and without --yes: refused, nothing changed.
    let out = fieldline(&data, &["restore", folder.to_str().expect("path")]);
    assert_eq!(out.status.code(), Some(1), "{}", said(&out));
    let refusal = said(&out);
    assert!(
        refusal.contains("--yes") && refusal.contains("Nothing was changed"),
        "{refusal}"
    );
    assert!(refusal.contains(&folder.display().to_string()), "{refusal}");
    assert!(customers(&data).contains(&"globex".to_owned()));

    // With --yes: the change is gone, known_hosts is the backup's, the old one kept.
    let out = fieldline(&data, &["restore", "--yes", folder.to_str().expect("path")]);
    assert!(out.status.success(), "{}", said(&out));
    let text = said(&out);
    assert!(text.contains("approved with --yes"), "{text}");
    assert!(text.contains("set aside"), "{text}");
    assert!(text.contains("credential profile acme-ops"), "{text}");
    assert_eq!(customers(&data), before);
    assert_eq!(
        std::fs::read_to_string(data.join("known_hosts")).expect("kh"),
        "before ssh-ed25519 AAAA\n"
    );
    let kept: Vec<String> = std::fs::read_dir(&data)
        .expect("dir")
        .map(|e| e.expect("e").file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".before-restore-"))
        .collect();
    assert_eq!(kept.len(), 2, "{kept:?}");
}

#[test]
fn a_damaged_database_is_refused_naming_its_copy_and_a_backup_brings_it_back() {
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path().join("data");
    let fleet = tmp.path().join("acme.toml");
    std::fs::write(&fleet, FLEET).expect("fleet");
    ok(
        &data,
        &["fleet", "import", "--yes", fleet.to_str().expect("path")],
    );
    let before = customers(&data);
    let folder = backup_folder(&ok(&data, &["backup", tmp.path().to_str().expect("p")]));

    // Every table leaf page of the database gets one bit of its cell count flipped.
    let db = data.join("fieldline.db");
    let mut bytes = std::fs::read(&db).expect("read");
    let page_size = u16::from_be_bytes([bytes[16], bytes[17]]) as usize;
    for p in 1..bytes.len() / page_size {
        if bytes[p * page_size] == 0x0D {
            bytes[p * page_size + 3] ^= 0x40;
        }
    }
    std::fs::write(&db, &bytes).expect("write");

    let out = fieldline(&data, &["fleet", "list"]);
    assert_eq!(out.status.code(), Some(1));
    let msg = said(&out);
    assert!(
        msg.contains("is damaged") && msg.contains("fieldline restore"),
        "{msg}"
    );
    assert!(msg.contains("fieldline.db.damaged-"), "{msg}");
    assert_eq!(
        std::fs::read(&db).expect("read"),
        bytes,
        "the damaged file was changed"
    );

    let out = fieldline(&data, &["restore", "--yes", folder.to_str().expect("p")]);
    assert!(out.status.success(), "{}", said(&out));
    assert_eq!(customers(&data), before);
}

#[test]
fn restore_refuses_a_file_that_is_not_a_fieldline_backup() {
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path().join("data");
    ok(&data, &["info"]);
    let other = tmp.path().join("other.db");
    rusqlite::Connection::open(&other)
        .expect("db")
        .execute_batch("CREATE TABLE t (x);")
        .expect("ddl");
    let out = fieldline(&data, &["restore", "--yes", other.to_str().expect("p")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        said(&out).contains("not a Fieldline database"),
        "{}",
        said(&out)
    );
    let out = fieldline(&data, &["restore", "--yes", "/nonexistent/backup"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        said(&out).contains("neither a backup folder"),
        "{}",
        said(&out)
    );
}
