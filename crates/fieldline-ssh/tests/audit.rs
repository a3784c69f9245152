#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::sync::Arc;

use fieldline_ssh::audit::{
    export_customer, verify, AuditAction, AuditError, AuditLog, GENESIS, MAX_LINE_BYTES,
};
use serde_json::{json, Value};

fn write_log(path: &Path, n: usize) -> AuditLog {
    let log = AuditLog::open_as(path, "tech").unwrap();
    for i in 0..n {
        let customer = if i % 2 == 0 { "Acme" } else { "Other" };
        log.append(
            AuditAction::SessionOpened,
            Some(customer),
            Some(&format!("host-{i}")),
            json!({ "i": i, "note": "세션 시작" }),
        )
        .unwrap();
    }
    log
}

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

fn write_lines(path: &Path, lines: &[String]) {
    let mut s = lines.join("\n");
    s.push('\n');
    std::fs::write(path, s).unwrap();
}

#[test]
fn chain_is_valid_and_entries_link() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    write_log(&path, 5);
    let report = verify(&path).unwrap();
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(report.entries, 5);
    let ls = lines(&path);
    let first: Value = serde_json::from_str(&ls[0]).unwrap();
    assert_eq!(first["seq"], 1);
    assert_eq!(first["prev"], GENESIS);
    assert_eq!(first["action"], "session_opened");
    assert_eq!(first["actor"], "tech");
    let second: Value = serde_json::from_str(&ls[1]).unwrap();
    assert_eq!(second["prev"], first["hash"]);
    // RFC 3339 time.
    let at = first["at"].as_str().unwrap();
    assert!(at.parse::<jiff::Timestamp>().is_ok(), "{at}");
}

#[test]
fn edited_line_detected() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    write_log(&path, 5);
    let mut ls = lines(&path);
    ls[2] = ls[2].replace("host-2", "host-X");
    write_lines(&path, &ls);
    let report = verify(&path).unwrap();
    let bad = report.first_bad.unwrap();
    assert_eq!(bad.line, 3);
    assert!(bad.why.contains("edited"), "{}", bad.why);
    assert_eq!(report.entries, 2);
}

#[test]
fn deleted_line_detected() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    write_log(&path, 5);
    let mut ls = lines(&path);
    ls.remove(1);
    write_lines(&path, &ls);
    let bad = verify(&path).unwrap().first_bad.unwrap();
    assert_eq!(bad.line, 2);
    // Deleting the first line.
    let mut ls = lines(&path);
    ls.remove(0);
    write_lines(&path, &ls);
    assert_eq!(verify(&path).unwrap().first_bad.unwrap().line, 1);
}

#[test]
fn reordered_lines_detected() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    write_log(&path, 5);
    let mut ls = lines(&path);
    ls.swap(2, 3);
    write_lines(&path, &ls);
    assert_eq!(verify(&path).unwrap().first_bad.unwrap().line, 3);
}

#[test]
fn inserted_line_detected() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    write_log(&path, 4);
    // A line copied from another, valid log (its own hash checks out).
    let other = dir.path().join("other.jsonl");
    write_log(&other, 1);
    let foreign = lines(&other)[0].clone();
    let mut ls = lines(&path);
    ls.insert(2, foreign);
    write_lines(&path, &ls);
    assert_eq!(verify(&path).unwrap().first_bad.unwrap().line, 3);
    // A duplicated line.
    let mut ls = lines(&other);
    ls.push(ls[0].clone());
    write_lines(&other, &ls);
    assert_eq!(verify(&other).unwrap().first_bad.unwrap().line, 2);
}

#[test]
fn overlong_and_garbage_lines_are_errors_not_crashes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    write_log(&path, 2);
    let mut ls = lines(&path);
    ls.push("x".repeat(MAX_LINE_BYTES * 3));
    write_lines(&path, &ls);
    let bad = verify(&path).unwrap().first_bad.unwrap();
    assert_eq!(bad.line, 3);
    assert!(bad.why.contains("longer"), "{}", bad.why);
    // Appending refuses: the tail does not check out.
    match AuditLog::open_as(&path, "tech") {
        Err(AuditError::BrokenChain { .. }) => {}
        other => panic!("expected BrokenChain, got {other:?}"),
    }

    std::fs::write(&path, b"\xff\xfe\x00garbage\n{}\n[1,2]\n").unwrap();
    assert_eq!(verify(&path).unwrap().first_bad.unwrap().line, 1);
    // A cut-short last line.
    let path2 = dir.path().join("cut.jsonl");
    write_log(&path2, 2);
    let text = std::fs::read_to_string(&path2).unwrap();
    std::fs::write(&path2, &text[..text.len() - 10]).unwrap();
    assert_eq!(verify(&path2).unwrap().first_bad.unwrap().line, 2);
}

#[test]
fn refuses_to_append_to_broken_chain() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    let log = write_log(&path, 3);
    let mut ls = lines(&path);
    let last = ls.len() - 1;
    ls[last] = ls[last].replace("host-2", "host-9");
    write_lines(&path, &ls);
    let err = log
        .append(AuditAction::SessionClosed, None, None, json!({}))
        .unwrap_err();
    assert!(matches!(err, AuditError::BrokenChain { .. }));
    assert!(err.to_string().contains("verification"), "{err}");
    assert!(AuditLog::open_as(&path, "tech").is_err());
    assert_eq!(lines(&path).len(), 3);
}

#[test]
fn reopened_log_continues_the_chain() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    write_log(&path, 3);
    let log = AuditLog::open_as(&path, "other-tech").unwrap();
    let e = log
        .append(
            AuditAction::HostKeyAccepted,
            Some("Acme"),
            Some("web"),
            json!("SHA256:abc"),
        )
        .unwrap();
    assert_eq!(e.seq, 4);
    let report = verify(&path).unwrap();
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(report.entries, 4);
    assert_eq!(report.last_hash.as_deref(), Some(e.hash.as_str()));
}

#[test]
fn concurrent_appends_from_two_threads() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    let shared = Arc::new(AuditLog::open_as(&path, "tech").unwrap());
    let handles: Vec<_> = (0..2)
        .map(|t| {
            // One thread shares the handle, the other opens its own.
            let log = if t == 0 {
                Arc::clone(&shared)
            } else {
                Arc::new(AuditLog::open_as(&path, "tech").unwrap())
            };
            std::thread::spawn(move || {
                for i in 0..50 {
                    log.append(
                        AuditAction::CommandRun,
                        Some("Acme"),
                        None,
                        json!({ "thread": t, "i": i }),
                    )
                    .unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let report = verify(&path).unwrap();
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(report.entries, 100);
}

#[test]
fn detail_is_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    let log = AuditLog::open_as(&path, "tech").unwrap();
    let e = log
        .append(
            AuditAction::SftpUpload,
            Some("Acme"),
            Some("web"),
            json!({ "huge": "y".repeat(100_000) }),
        )
        .unwrap();
    assert_eq!(e.detail["truncated"], true);
    assert!(verify(&path).unwrap().is_ok());
}

#[test]
fn export_customer_writes_header_and_its_entries() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    write_log(&path, 6);
    let out = dir.path().join("acme-export.jsonl");
    let report = export_customer(&path, "Acme", &out).unwrap();
    assert_eq!(report.entries, 3);
    assert!(report.source.is_ok());
    let ls = lines(&out);
    assert_eq!(ls.len(), 4);
    let header: Value = serde_json::from_str(&ls[0]).unwrap();
    assert_eq!(header["fieldline_audit_export"], 1);
    assert_eq!(header["customer"], "Acme");
    assert_eq!(header["source_verified"], true);
    assert!(header["what"].as_str().unwrap().contains("audit log"));
    let full = lines(&path);
    for l in &ls[1..] {
        let v: Value = serde_json::from_str(l).unwrap();
        assert_eq!(v["customer"], "Acme");
        assert!(v["hash"].is_string() && v["prev"].is_string() && v["seq"].is_u64());
        assert!(
            full.contains(l),
            "exported lines are the log's lines verbatim"
        );
    }
}

/// A verification while another process appends waits for the append's lock instead of
/// reading its half-written last line as tampering (on Windows, where locks are mandatory,
/// instead of failing on the locked file). The test holds the lock as an appender does,
/// mid-line.
#[test]
fn verifying_during_an_append_waits_for_the_whole_entry() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    write_log(&path, 2);
    let whole = lines(&path);
    // The log as an interrupted writer leaves it for a moment: the second line half there.
    let half = &whole[1][..whole[1].len() / 2];
    std::fs::write(&path, format!("{}\n{half}", whole[0])).unwrap();
    let mut writer = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    writer.lock().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let checking = path.clone();
    let verifier = std::thread::spawn(move || tx.send(verify(&checking).unwrap()).unwrap());
    assert!(
        rx.recv_timeout(std::time::Duration::from_millis(400))
            .is_err(),
        "verify read the log while an append held it"
    );
    writer
        .write_all(format!("{}\n", &whole[1][whole[1].len() / 2..]).as_bytes())
        .unwrap();
    writer.unlock().unwrap();
    let report = rx.recv_timeout(std::time::Duration::from_secs(10)).unwrap();
    verifier.join().unwrap();
    assert!(report.first_bad.is_none(), "{:?}", report.first_bad);
    assert_eq!(report.entries, 2);
}
