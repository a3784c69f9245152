//! What remote sessions keep on disk is private: known_hosts, recordings, the audit log and
//! customer exports are `0600` files in `0700` folders, and looser existing ones are
//! tightened when written. The audit log's readiness check fails closed.
#![allow(clippy::unwrap_used)]

use fieldline_ssh::audit::{AuditAction, AuditError, AuditLog};
use serde_json::json;

#[test]
fn the_audit_log_is_ready_when_it_can_be_appended_to_and_its_chain_continues() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("audit.jsonl");
    AuditLog::ready(&path).unwrap();
    assert!(path.exists(), "a missing log is created empty");
    assert_eq!(std::fs::read(&path).unwrap().len(), 0, "nothing is written");
    let log = AuditLog::open_as(&path, "tech").unwrap();
    log.append(
        AuditAction::SessionOpened,
        Some("acme"),
        Some("web-1"),
        json!({}),
    )
    .unwrap();
    AuditLog::ready(&path).unwrap();
}

#[test]
fn an_audit_log_that_cannot_be_opened_for_append_is_not_ready_and_says_where_and_why() {
    let tmp = tempfile::tempdir().unwrap();
    // A folder where the log should be: cannot be opened for append, even by root.
    let path = tmp.path().join("audit.jsonl");
    std::fs::create_dir(&path).unwrap();
    let err = AuditLog::ready(&path).unwrap_err();
    assert!(matches!(err, AuditError::Io { .. }), "{err:?}");
    let refusal = err.refusal();
    assert!(refusal.starts_with("Not connecting"), "{refusal}");
    assert!(refusal.contains("audit log cannot be written"), "{refusal}");
    assert!(refusal.contains(&path.display().to_string()), "{refusal}");
    assert!(refusal.contains("opening for append"), "{refusal}");
    assert!(refusal.contains("os error"), "{refusal}");

    // A missing data folder is not created by the check.
    let gone = tmp.path().join("missing/audit.jsonl");
    assert!(AuditLog::ready(&gone).is_err());
    assert!(!gone.parent().unwrap().exists());
}

#[test]
fn an_audit_log_whose_last_entry_is_damaged_is_not_ready() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("audit.jsonl");
    std::fs::write(&path, "{\"not\": \"an entry\"}\n").unwrap();
    let err = AuditLog::ready(&path).unwrap_err();
    assert!(matches!(err, AuditError::BrokenChain { .. }), "{err:?}");
    assert!(err.refusal().contains("is damaged"), "{}", err.refusal());
}

#[cfg(unix)]
mod modes {
    use super::*;
    use fieldline_ssh::known_hosts::KnownHosts;
    use fieldline_ssh::recording::{Recorder, RecordingMeta};
    use fieldline_ssh::DataPaths;
    use std::os::unix::fs::PermissionsExt;
    use std::path::{Path, PathBuf};

    /// An ed25519 public key blob (type name, then 32 key bytes).
    fn blob() -> Vec<u8> {
        let mut b = Vec::new();
        b.extend_from_slice(&11u32.to_be_bytes());
        b.extend_from_slice(b"ssh-ed25519");
        b.extend_from_slice(&32u32.to_be_bytes());
        b.extend_from_slice(&[7u8; 32]);
        b
    }

    fn meta(customer: &str) -> RecordingMeta {
        RecordingMeta {
            customer: customer.to_owned(),
            endpoint: "web-1".to_owned(),
            user: "ops".to_owned(),
            cols: 80,
            rows: 24,
            title: "test".to_owned(),
            started: jiff::Timestamp::now(),
        }
    }

    fn record(dir: &Path, customer: &str) -> PathBuf {
        let mut rec = Recorder::create(dir, meta(customer)).unwrap();
        rec.output(b"hello\r\n").unwrap();
        rec.finish().unwrap()
    }

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
    }

    fn set_mode(path: &Path, mode: u32) {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    #[test]
    fn known_hosts_recordings_audit_log_and_exports_are_created_private() {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("data");
        let paths = DataPaths::in_dir(&data);

        // known_hosts: its folder is made too, both private; a rewrite stays private.
        let known = KnownHosts::new(&paths.known_hosts);
        known.add("10.0.0.1", 22, "ssh-ed25519", &blob()).unwrap();
        known.add("10.0.0.2", 2222, "ssh-ed25519", &blob()).unwrap();
        assert_eq!(mode(&data), 0o700);
        assert_eq!(mode(&paths.known_hosts), 0o600);
        assert_eq!(known.remove("10.0.0.1", 22).unwrap(), 1);
        assert_eq!(mode(&paths.known_hosts), 0o600);

        // A recording, its customer folder and the recordings folder.
        let cast = record(&paths.recordings, "acme");
        assert_eq!(mode(&paths.recordings), 0o700);
        assert_eq!(mode(cast.parent().unwrap()), 0o700);
        assert_eq!(mode(&cast), 0o600);

        // The audit log.
        let log = AuditLog::open_as(&paths.audit, "tech").unwrap();
        log.append(
            AuditAction::SessionOpened,
            Some("acme"),
            Some("web-1"),
            json!({}),
        )
        .unwrap();
        assert_eq!(mode(&paths.audit), 0o600);

        // The customer export: a 0700 folder of 0600 files, even from a loose original.
        set_mode(&cast, 0o644);
        let out = tmp.path().join("export");
        let done = fieldline_ssh::export_customer(&paths, "acme", &out).unwrap();
        assert_eq!((done.audit_entries, done.recordings), (1, 1));
        assert_eq!(mode(&out), 0o700);
        assert_eq!(mode(&out.join("audit.jsonl")), 0o600);
        assert_eq!(mode(&out.join("recordings")), 0o700);
        let copied = out.join("recordings").join(cast.file_name().unwrap());
        assert_eq!(mode(&copied), 0o600);
        assert_eq!(
            std::fs::read(&copied).unwrap(),
            std::fs::read(&cast).unwrap()
        );
    }

    #[test]
    fn existing_loose_files_and_folders_are_tightened_when_written() {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("data");
        std::fs::create_dir(&data).unwrap();
        let paths = DataPaths::in_dir(&data);

        // As an earlier Fieldline (with a umask of 022) left them.
        std::fs::write(&paths.known_hosts, "").unwrap();
        set_mode(&paths.known_hosts, 0o644);
        std::fs::write(&paths.audit, "").unwrap();
        set_mode(&paths.audit, 0o644);
        let customer_dir = paths.recordings.join("acme");
        std::fs::create_dir_all(&customer_dir).unwrap();
        set_mode(&paths.recordings, 0o755);
        set_mode(&customer_dir, 0o755);
        set_mode(&data, 0o755);

        KnownHosts::new(&paths.known_hosts)
            .add("10.0.0.1", 22, "ssh-ed25519", &blob())
            .unwrap();
        assert_eq!(mode(&paths.known_hosts), 0o600);
        assert_eq!(mode(&data), 0o700, "known_hosts' folder is the data folder");

        let cast = record(&paths.recordings, "acme");
        assert_eq!(mode(&paths.recordings), 0o700);
        assert_eq!(mode(&customer_dir), 0o700);
        assert_eq!(mode(&cast), 0o600);

        // Opening the log for writing tightens it (the readiness check opens it too).
        AuditLog::ready(&paths.audit).unwrap();
        assert_eq!(mode(&paths.audit), 0o600);
        set_mode(&paths.audit, 0o666);
        AuditLog::open_as(&paths.audit, "tech")
            .unwrap()
            .append(AuditAction::CommandRun, None, None, json!({}))
            .unwrap();
        assert_eq!(mode(&paths.audit), 0o600);

        // A replaced export file is tightened too.
        let out = tmp.path().join("acme-audit.jsonl");
        std::fs::write(&out, "old").unwrap();
        set_mode(&out, 0o644);
        fieldline_ssh::audit::export_customer(&paths.audit, "acme", &out).unwrap();
        assert_eq!(mode(&out), 0o600);
    }
}
