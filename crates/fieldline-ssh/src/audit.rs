//! The append-only, hash-chained audit log of what the technician did over SSH.
//!
//! One JSON object per line (JSON Lines), e.g. in `DATA_DIR/audit.jsonl`. Each
//! [`AuditEntry`] carries a sequence number (1 for the first), the time, the local user, an
//! [`AuditAction`], customer and endpoint, a bounded `detail`, `prev` (the `hash` of the
//! entry before it, or 64 zeros for the first) and `hash`: the hex SHA-256 of `prev`
//! followed by the canonical JSON of the entry without its `hash` (object keys sorted, no
//! whitespace). Editing, deleting, reordering or inserting a line breaks the chain, and
//! [`verify`] says on which line.
//!
//! What never happens:
//! - an entry is changed or removed by this module: the file is opened for append only;
//! - an entry is appended to a broken chain: [`AuditLog::open`] and [`AuditLog::append`]
//!   check the last entry first and refuse with [`AuditError::BrokenChain`] (run [`verify`]
//!   to see where it broke);
//! - two writers interleave: every append holds an exclusive lock on the file (an OS file
//!   lock, `File::lock`, so threads with their own handles and other processes are
//!   serialized alike), re-reads the last entry under the lock and syncs before unlocking;
//! - a secret is logged: callers put no secrets in `detail`; `detail` is cut to
//!   [`MAX_DETAIL_BYTES`];
//! - a hostile file makes verification crash or read without bound: lines longer than
//!   [`MAX_LINE_BYTES`] are a verification error;
//! - the log or an export is readable by other local users: both are created `0600` and an
//!   existing looser file is tightened when opened for writing (`fieldline_fs`);
//! - a session starts unaudited: [`AuditLog::ready`] (or [`AuditLog::open`]) is the check
//!   every front door makes before connecting, and refuses with [`AuditError::refusal`].
//!
//! The chain cannot show that entries were removed from the *end* of the log; keep the last
//! hash elsewhere (an export, a ticket) if that matters.

use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// Longest line accepted in the log (64 KiB).
pub const MAX_LINE_BYTES: usize = 64 * 1024;
/// Longest `detail`, as JSON, before it is cut (8 KiB).
pub const MAX_DETAIL_BYTES: usize = 8 * 1024;
/// Longest actor, customer or endpoint string.
const MAX_NAME_BYTES: usize = 512;
/// `prev` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    /// An interactive session was opened.
    SessionOpened,
    /// An interactive session was closed.
    SessionClosed,
    /// A command was run (fan-out or CLI).
    CommandRun,
    /// A fan-out started.
    FanoutStarted,
    /// A fan-out finished.
    FanoutFinished,
    /// A port forward was opened.
    ForwardOpened,
    /// A port forward was closed.
    ForwardClosed,
    /// A file was uploaded over SFTP.
    SftpUpload,
    /// A file was downloaded over SFTP.
    SftpDownload,
    /// A host key was accepted.
    HostKeyAccepted,
    /// A host key was refused.
    HostKeyRefused,
    /// A host key had changed.
    HostKeyChanged,
    /// A known host key was forgotten (approved by the technician).
    HostKeyForgotten,
}

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct AuditEntry {
    /// 1 for the first entry, then one more per entry.
    #[ts(type = "number")]
    pub seq: u64,
    /// When (RFC 3339, UTC).
    #[ts(type = "string")]
    pub at: Timestamp,
    /// The local user.
    pub actor: String,
    /// What happened.
    pub action: AuditAction,
    /// The customer, if any.
    pub customer: Option<String>,
    /// The endpoint, if any.
    pub endpoint: Option<String>,
    /// Details (bounded, no secrets).
    #[ts(type = "unknown")]
    pub detail: Value,
    /// The previous entry's `hash` (64 zeros for the first).
    pub prev: String,
    /// SHA-256 (hex) of `prev` followed by the canonical JSON of this entry without `hash`.
    pub hash: String,
}

/// Where a log's chain first breaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct VerifyProblem {
    /// 1-based line number.
    #[ts(type = "number")]
    pub line: u64,
    /// What is wrong with it.
    pub why: String,
}

/// The result of [`verify`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct VerifyReport {
    /// Entries checked and found good (before the first bad line).
    #[ts(type = "number")]
    pub entries: u64,
    /// The first bad line, if any.
    pub first_bad: Option<VerifyProblem>,
    /// The hash of the last good entry.
    pub last_hash: Option<String>,
}

impl VerifyReport {
    /// Whether the whole log checked out.
    pub fn is_ok(&self) -> bool {
        self.first_bad.is_none()
    }
}

/// Errors of the audit log.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// The log file could not be opened, read, locked, written or synced.
    #[error("audit log {path}: {what} failed: {source}. Check that the data folder is writable and the disk is not full")]
    Io {
        /// The file.
        path: PathBuf,
        /// What was being done.
        what: &'static str,
        /// Why.
        source: io::Error,
    },
    /// The last entry does not check out, so nothing is appended.
    #[error("audit log {path} is damaged: {why}. Nothing was appended. Run the audit log verification to see where the chain breaks, keep the file as evidence and start a new log")]
    BrokenChain {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        why: String,
    },
    /// An entry could not be serialized (should not happen).
    #[error("audit entry could not be written as JSON: {0}")]
    Json(#[from] serde_json::Error),
}

impl AuditError {
    /// Why a session, command, fan-out, forward or transfer was not started because of this
    /// error (fail closed), in one wording for the CLI and the window: the path and the OS
    /// error are in it.
    pub fn refusal(&self) -> String {
        format!(
            "Not connecting: every remote session is recorded in the audit log, and the audit log cannot be written. {self}"
        )
    }
}

/// What [`export_customer`] wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ExportReport {
    /// Entries of the customer written.
    #[ts(type = "number")]
    pub entries: u64,
    /// The verification of the whole log at the time of export.
    pub source: VerifyReport,
}

/// An audit log to append to. Cheap to share between threads behind an `Arc`; each append
/// locks the file itself.
#[derive(Debug, Clone)]
pub struct AuditLog {
    path: PathBuf,
    actor: String,
}

impl AuditLog {
    /// Open (or create) the log at `path`, as the local user (`USER` or `USERNAME`). Checks
    /// the last entry so that the chain can be continued.
    pub fn open(path: &Path) -> Result<AuditLog, AuditError> {
        let actor = std::env::var("USER")
            .or_else(|_| std::env::var("USERNAME"))
            .unwrap_or_else(|_| "unknown".to_string());
        Self::open_as(path, &actor)
    }

    /// Open (or create) the log at `path` with an explicit actor.
    pub fn open_as(path: &Path, actor: &str) -> Result<AuditLog, AuditError> {
        let log = AuditLog {
            path: path.to_path_buf(),
            actor: bounded(actor, MAX_NAME_BYTES),
        };
        let mut file = log.open_file()?;
        lock(&mut file, &log.path)?;
        let tail = read_tail(&mut file, &log.path);
        unlock(&file);
        tail?;
        Ok(log)
    }

    /// Fail closed: whether sessions may start, i.e. whether the log at `path` can be
    /// opened (created if missing) for append and its last entry checks out, so the next
    /// entry can continue the chain. Cheap: one open, one lock, the last line read; nothing
    /// is written. Call it before connecting and refuse with [`AuditError::refusal`] on an
    /// error (the same check as [`AuditLog::open`], for callers that open the log later).
    pub fn ready(path: &Path) -> Result<(), AuditError> {
        Self::open_as(path, "").map(|_| ())
    }

    /// The log file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The actor written in entries.
    pub fn actor(&self) -> &str {
        &self.actor
    }

    /// Append one entry and sync it to disk. `detail` is cut to [`MAX_DETAIL_BYTES`].
    pub fn append(
        &self,
        action: AuditAction,
        customer: Option<&str>,
        endpoint: Option<&str>,
        detail: Value,
    ) -> Result<AuditEntry, AuditError> {
        let mut file = self.open_file()?;
        lock(&mut file, &self.path)?;
        let result = self.append_locked(&mut file, action, customer, endpoint, detail);
        unlock(&file);
        result
    }

    fn append_locked(
        &self,
        file: &mut File,
        action: AuditAction,
        customer: Option<&str>,
        endpoint: Option<&str>,
        detail: Value,
    ) -> Result<AuditEntry, AuditError> {
        let (seq, prev) = match read_tail(file, &self.path)? {
            Some(last) => (last.seq.saturating_add(1), last.hash),
            None => (1, GENESIS.to_string()),
        };
        let mut entry = AuditEntry {
            seq,
            at: Timestamp::now(),
            actor: self.actor.clone(),
            action,
            customer: customer.map(|c| bounded(c, MAX_NAME_BYTES)),
            endpoint: endpoint.map(|e| bounded(e, MAX_NAME_BYTES)),
            detail: bound_detail(detail),
            prev,
            hash: String::new(),
        };
        entry.hash = entry_hash(&entry)?;
        let mut line = serde_json::to_string(&entry)?;
        line.push('\n');
        file.write_all(line.as_bytes())
            .map_err(|source| io_err(&self.path, "writing an entry", source))?;
        file.sync_data()
            .map_err(|source| io_err(&self.path, "syncing to disk", source))?;
        Ok(entry)
    }

    /// Opens the log for reading and appending; a new log is created `0600`, an existing
    /// looser one is tightened (`fieldline_fs`).
    fn open_file(&self) -> Result<File, AuditError> {
        fieldline_fs::open_private(
            &self.path,
            OpenOptions::new().read(true).append(true).create(true),
        )
        .map_err(|source| io_err(&self.path, "opening for append", source))
    }
}

fn io_err(path: &Path, what: &'static str, source: io::Error) -> AuditError {
    AuditError::Io {
        path: path.to_path_buf(),
        what,
        source,
    }
}

fn lock(file: &mut File, path: &Path) -> Result<(), AuditError> {
    file.lock()
        .map_err(|source| io_err(path, "locking", source))
}

/// The log opened for reading once no append is under way: a shared lock waits for the
/// writer's exclusive one (on Windows, where locks are mandatory, reading a locked log
/// would fail; everywhere, a half-written last line would look like tampering). Released
/// when the file is closed.
fn open_settled(path: &Path) -> Result<File, AuditError> {
    let file = File::open(path).map_err(|source| io_err(path, "opening", source))?;
    file.lock_shared()
        .map_err(|source| io_err(path, "locking", source))?;
    Ok(file)
}

fn unlock(file: &File) {
    // Closing the file releases the lock as well; an unlock error changes nothing.
    let _ = file.unlock();
}

/// The last entry of the file, checked on its own (its hash over its contents). `None` for
/// an empty file.
fn read_tail(file: &mut File, path: &Path) -> Result<Option<AuditEntry>, AuditError> {
    let len = file
        .seek(SeekFrom::End(0))
        .map_err(|source| io_err(path, "reading the end", source))?;
    if len == 0 {
        return Ok(None);
    }
    let window = (MAX_LINE_BYTES as u64 + 2).min(len);
    file.seek(SeekFrom::Start(len - window))
        .map_err(|source| io_err(path, "reading the end", source))?;
    let mut buf = Vec::with_capacity(window as usize);
    Read::by_ref(file)
        .take(window)
        .read_to_end(&mut buf)
        .map_err(|source| io_err(path, "reading the end", source))?;
    let broken = |why: String| AuditError::BrokenChain {
        path: path.to_path_buf(),
        why: format!("the last line: {why}"),
    };
    let Some(body) = buf.strip_suffix(b"\n") else {
        return Err(broken(
            "it does not end with a newline (a write was cut short or the file was edited)"
                .to_string(),
        ));
    };
    let line = match body.iter().rposition(|&b| b == b'\n') {
        Some(i) => &body[i + 1..],
        None if window == len => body,
        None => return Err(broken(format!("it is longer than {MAX_LINE_BYTES} bytes"))),
    };
    let entry = check_line(line).map_err(broken)?;
    Ok(Some(entry))
}

/// Parse one line and check its own hash.
fn check_line(line: &[u8]) -> Result<AuditEntry, String> {
    if line.len() > MAX_LINE_BYTES {
        return Err(format!("the line is longer than {MAX_LINE_BYTES} bytes"));
    }
    let value: Value =
        serde_json::from_slice(line).map_err(|e| format!("not a JSON object ({e})"))?;
    let Value::Object(mut map) = value.clone() else {
        return Err("not a JSON object".to_string());
    };
    let entry: AuditEntry =
        serde_json::from_value(value).map_err(|e| format!("not an audit entry ({e})"))?;
    map.remove("hash");
    let prev = entry.prev.clone();
    let expected = hash_hex(&prev, &canonical(&Value::Object(map)));
    if expected != entry.hash {
        return Err("its hash does not match its contents (the entry was edited)".to_string());
    }
    Ok(entry)
}

fn entry_hash(entry: &AuditEntry) -> Result<String, serde_json::Error> {
    let mut value = serde_json::to_value(entry)?;
    if let Value::Object(map) = &mut value {
        map.remove("hash");
    }
    Ok(hash_hex(&entry.prev, &canonical(&value)))
}

fn hash_hex(prev: &str, canonical_body: &str) -> String {
    let mut h = Sha256::new();
    h.update(prev.as_bytes());
    h.update(canonical_body.as_bytes());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// JSON with object keys sorted and no whitespace.
pub fn canonical(value: &Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String((*k).clone()).to_string());
                out.push(':');
                if let Some(v) = map.get(*k) {
                    write_canonical(v, out);
                }
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(v, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

fn bounded(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_string()
}

fn bound_detail(detail: Value) -> Value {
    let text = detail.to_string();
    if text.len() <= MAX_DETAIL_BYTES {
        return detail;
    }
    serde_json::json!({
        "truncated": true,
        "bytes": text.len(),
        "preview": bounded(&text, 1024),
    })
}

/// One line read with a bound.
enum Line {
    Text(Vec<u8>),
    TooLong,
    /// The last line has no newline.
    Unterminated,
}

fn read_line_bounded(reader: &mut impl BufRead) -> io::Result<Option<Line>> {
    let mut line = Vec::new();
    let mut too_long = false;
    loop {
        let buf = reader.fill_buf()?;
        if buf.is_empty() {
            return Ok(match (line.is_empty() && !too_long, too_long) {
                (true, _) => None,
                (false, true) => Some(Line::TooLong),
                (false, false) => Some(Line::Unterminated),
            });
        }
        let (chunk, found) = match buf.iter().position(|&b| b == b'\n') {
            Some(i) => (&buf[..i], Some(i)),
            None => (buf, None),
        };
        if !too_long {
            if line.len() + chunk.len() > MAX_LINE_BYTES {
                too_long = true;
                line.clear();
            } else {
                line.extend_from_slice(chunk);
            }
        }
        let used = found.map_or(buf.len(), |i| i + 1);
        reader.consume(used);
        if found.is_some() {
            return Ok(Some(if too_long {
                Line::TooLong
            } else {
                Line::Text(line)
            }));
        }
    }
}

/// Check the whole chain of the log at `path`: each line's hash, `prev` against the line
/// before, `seq` one more than the line before (first: 1 and 64 zeros). Stops at the first
/// bad line. A missing file is an error; an empty one has no entries and is good.
pub fn verify(path: &Path) -> Result<VerifyReport, AuditError> {
    let mut reader = BufReader::new(open_settled(path)?);
    let mut report = VerifyReport {
        entries: 0,
        first_bad: None,
        last_hash: None,
    };
    let mut expected_seq = 1u64;
    let mut expected_prev = GENESIS.to_string();
    let mut line_no = 0u64;
    while let Some(line) =
        read_line_bounded(&mut reader).map_err(|source| io_err(path, "reading", source))?
    {
        line_no += 1;
        let bad = |why: String| Some(VerifyProblem { line: line_no, why });
        let text = match line {
            Line::Text(t) => t,
            Line::TooLong => {
                report.first_bad = bad(format!("the line is longer than {MAX_LINE_BYTES} bytes"));
                break;
            }
            Line::Unterminated => {
                report.first_bad = bad(
                    "the last line has no newline (a write was cut short or the file was edited)"
                        .to_string(),
                );
                break;
            }
        };
        let entry = match check_line(&text) {
            Ok(e) => e,
            Err(why) => {
                report.first_bad = bad(why);
                break;
            }
        };
        if entry.prev != expected_prev {
            report.first_bad = bad(format!(
                "its prev does not match the hash of the entry before it (seq {}): an entry before it was deleted, moved or inserted",
                entry.seq
            ));
            break;
        }
        if entry.seq != expected_seq {
            report.first_bad = bad(format!(
                "its seq is {} where {} was expected: entries were deleted, moved or inserted",
                entry.seq, expected_seq
            ));
            break;
        }
        report.entries += 1;
        expected_seq = entry.seq.saturating_add(1);
        expected_prev = entry.hash.clone();
        report.last_hash = Some(entry.hash);
    }
    Ok(report)
}

/// Write the entries of one customer from the log at `path` to `out` (created `0600` or
/// replaced and tightened): first a header line saying what the file is (with the verification of the
/// whole log at export time and its last hash), then the customer's lines exactly as they
/// are in the log, each with its `seq`, `prev` and `hash` so it can be checked against the
/// full log. Lines that do not parse are skipped (they show in the verification).
pub fn export_customer(
    path: &Path,
    customer: &str,
    out: &Path,
) -> Result<ExportReport, AuditError> {
    let source = verify(path)?;
    let mut reader = BufReader::new(open_settled(path)?);
    let mut lines = Vec::new();
    while let Some(line) =
        read_line_bounded(&mut reader).map_err(|source| io_err(path, "reading", source))?
    {
        let Line::Text(text) = line else { continue };
        let Ok(entry) = serde_json::from_slice::<AuditEntry>(&text) else {
            continue;
        };
        if entry.customer.as_deref() == Some(customer) {
            lines.push(text);
        }
    }
    let header = serde_json::json!({
        "fieldline_audit_export": 1,
        "what": format!(
            "The entries for customer {customer:?} from Fieldline's SSH audit log. Each entry keeps its seq, prev and hash: together with the full log they show that the entries were not altered; entries of other customers are left out, so the chain is not continuous in this file."
        ),
        "customer": customer,
        "source": path.display().to_string(),
        "exported_at": Timestamp::now().to_string(),
        "entries": lines.len(),
        "source_verified": source.is_ok(),
        "source_entries": source.entries,
        "source_last_hash": source.last_hash,
    });
    let mut w = io::BufWriter::new(
        fieldline_fs::create_private(out)
            .map_err(|source| io_err(out, "creating the export", source))?,
    );
    let write = |w: &mut io::BufWriter<File>| -> io::Result<()> {
        w.write_all(header.to_string().as_bytes())?;
        w.write_all(b"\n")?;
        for l in &lines {
            w.write_all(l)?;
            w.write_all(b"\n")?;
        }
        w.flush()?;
        w.get_ref().sync_all()
    };
    write(&mut w).map_err(|source| io_err(out, "writing the export", source))?;
    Ok(ExportReport {
        entries: lines.len() as u64,
        source,
    })
}
