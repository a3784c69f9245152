//! asciicast v2 recordings of interactive sessions.
//!
//! A [`Recorder`] writes what the remote host sent to the terminal, with resizes, to
//! `DIR/<customer>/<YYYYMMDD-HHMMSS>-<endpoint>-<n>.cast` (the time is the session's start
//! in UTC), in the asciicast v2 format
//! (<https://docs.asciinema.org/manual/asciicast/v2/>): a JSON header line, then one JSON
//! array per event (`[seconds, "o", text]`, `[seconds, "r", "COLSxROWS"]`,
//! `[seconds, "m", label]`). Recordings play with `asciinema play` and print with
//! `asciinema cat`.
//!
//! What never happens:
//! - **input is never recorded**: the recorder has no method for keystrokes, so a password
//!   typed at a `sudo` prompt cannot end up in a file (what the host echoes is output and is
//!   recorded, as on screen);
//! - a recording is readable by anyone but the local user: files are created `0600` in
//!   folders `0700` (looser existing folders are tightened; see `fieldline_fs`, which also
//!   says what Windows does instead);
//! - an existing file is never overwritten (files are created with `create_new`; the
//!   counter `n` goes up until a free name is found);
//! - a path component comes from the remote or the store unsanitized: customer and endpoint
//!   names are reduced to letters, digits, `-`, `_` and `.`;
//! - a recording grows without bound: past its size cap (default 512 MiB) one marker event
//!   says the recording was cut, and nothing more is written;
//! - a failing disk floods the caller with errors: the first write error is returned once,
//!   and the recorder then stops quietly.
//!
//! Writes are buffered; the buffer is flushed when at least a second has passed since the
//! last flush (on [`Recorder::output`], [`Recorder::resize`] or [`Recorder::tick`], which
//! the session calls while idle) and on [`Recorder::finish`].

use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// Default size cap of one recording: 512 MiB.
pub const DEFAULT_MAX_BYTES: u64 = 512 * 1024 * 1024;
/// Longest header line read back by [`list`].
const MAX_HEADER_LINE: u64 = 64 * 1024;
/// Most recordings [`list`] returns.
const MAX_LISTED: usize = 100_000;
/// Longest sanitized path component.
const MAX_COMPONENT_CHARS: usize = 64;
/// Most attempts at a free file name.
const MAX_NAME_ATTEMPTS: u32 = 10_000;
const FLUSH_EVERY: Duration = Duration::from_secs(1);

/// Errors of the recorder.
#[derive(Debug, thiserror::Error)]
pub enum RecordingError {
    /// The recording directory or file could not be created.
    #[error("could not create the recording {path}: {source}. Check that the recordings folder exists, is writable and the disk is not full; the session continues unrecorded")]
    Create {
        /// The file or directory.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// No free file name was found.
    #[error("could not find a free file name for the recording in {dir} after {attempts} attempts; clear out old recordings there")]
    NoFreeName {
        /// The customer's directory.
        dir: PathBuf,
        /// How many names were tried.
        attempts: u32,
    },
    /// Writing to the recording failed; the recording stops here.
    #[error("writing the recording {path} failed: {source}. The recording stops here (what was written so far is kept); check the disk")]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
}

/// What a recording is of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordingMeta {
    /// The customer (names the directory).
    pub customer: String,
    /// The endpoint (part of the file name).
    pub endpoint: String,
    /// The remote user logged in as.
    pub user: String,
    /// Terminal width at the start.
    pub cols: u16,
    /// Terminal height at the start.
    pub rows: u16,
    /// Title shown by players.
    pub title: String,
    /// When the session started.
    pub started: Timestamp,
}

/// A recorder shared by a session's output tap and its owner, with its own thread that
/// calls [`Recorder::tick`] every second, so what an idle session showed reaches the disk
/// within about two seconds even when nothing more is printed. Cheap to clone.
#[derive(Clone)]
pub struct LiveRecording {
    inner: std::sync::Arc<std::sync::Mutex<Option<Recorder>>>,
    path: PathBuf,
}

impl LiveRecording {
    pub fn start(recorder: Recorder) -> LiveRecording {
        let path = recorder.path().to_path_buf();
        let inner = std::sync::Arc::new(std::sync::Mutex::new(Some(recorder)));
        let weak = std::sync::Arc::downgrade(&inner);
        let _ = std::thread::Builder::new()
            .name("recording-flush".into())
            .spawn(move || loop {
                std::thread::sleep(Duration::from_secs(1));
                let Some(inner) = weak.upgrade() else { break };
                let mut guard = inner
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                match guard.as_mut() {
                    Some(r) => {
                        let _ = r.tick();
                    }
                    None => break,
                }
            });
        LiveRecording { inner, path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn with(&self, f: impl FnOnce(&mut Recorder)) {
        let mut guard = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(r) = guard.as_mut() {
            f(r);
        }
    }

    /// Output as the technician saw it (errors are reported once by the recorder).
    pub fn output(&self, bytes: &[u8]) {
        self.with(|r| {
            let _ = r.output(bytes);
        });
    }

    pub fn resize(&self, cols: u16, rows: u16) {
        self.with(|r| {
            let _ = r.resize(cols, rows);
        });
    }

    /// Ends the recording (once; later calls do nothing).
    pub fn finish(&self) -> Option<Result<PathBuf, RecordingError>> {
        let taken = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        taken.map(Recorder::finish)
    }
}

/// A recording on disk, as found by [`list`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct RecordingInfo {
    /// The file.
    #[ts(type = "string")]
    pub path: PathBuf,
    /// The customer's directory name (sanitized).
    pub customer_dir: String,
    /// Customer as written in the header, if it was readable.
    pub customer: Option<String>,
    /// Endpoint as written in the header, if it was readable.
    pub endpoint: Option<String>,
    /// Remote user as written in the header, if it was readable.
    pub user: Option<String>,
    /// Title from the header.
    pub title: Option<String>,
    /// Start time (Unix seconds) from the header.
    pub started_unix: Option<i64>,
    /// File size in bytes.
    #[ts(type = "number")]
    pub size_bytes: u64,
}

#[derive(Serialize, Deserialize)]
struct Header {
    version: u32,
    width: u16,
    height: u16,
    timestamp: i64,
    title: String,
    env: HeaderEnv,
    #[serde(default)]
    fieldline: Option<HeaderFieldline>,
}

#[derive(Serialize, Deserialize)]
struct HeaderEnv {
    #[serde(rename = "TERM")]
    term: String,
    #[serde(rename = "SHELL", default)]
    shell: String,
}

#[derive(Serialize, Deserialize)]
struct HeaderFieldline {
    customer: String,
    endpoint: String,
    user: String,
}

/// Writes one session's recording. Create with [`Recorder::create`].
#[derive(Debug)]
pub struct Recorder {
    path: PathBuf,
    out: Option<BufWriter<File>>,
    clock: Instant,
    last_t: f64,
    last_flush: Instant,
    /// An incomplete UTF-8 sequence at the end of the last chunk (at most 3 bytes).
    pending: Vec<u8>,
    written: u64,
    max_bytes: u64,
    cut: bool,
}

impl Recorder {
    /// Create a new recording under `dir` with the default size cap.
    pub fn create(dir: &Path, meta: RecordingMeta) -> Result<Recorder, RecordingError> {
        Self::create_with_cap(dir, meta, DEFAULT_MAX_BYTES)
    }

    /// Create a new recording under `dir` that is cut after about `max_bytes` bytes.
    pub fn create_with_cap(
        dir: &Path,
        meta: RecordingMeta,
        max_bytes: u64,
    ) -> Result<Recorder, RecordingError> {
        // The recordings folder and the customer's folder are private (0700, tightened if
        // looser), every recording file 0600: see `fieldline_fs`.
        let customer_dir = dir.join(sanitize_component(&meta.customer));
        for folder in [dir, customer_dir.as_path()] {
            fieldline_fs::ensure_private_dir(folder).map_err(|source| RecordingError::Create {
                path: folder.to_path_buf(),
                source,
            })?;
        }
        let stamp = meta.started.strftime("%Y%m%d-%H%M%S").to_string();
        let endpoint = sanitize_component(&meta.endpoint);
        let mut opened = None;
        for n in 1..=MAX_NAME_ATTEMPTS {
            let path = customer_dir.join(format!("{stamp}-{endpoint}-{n}.cast"));
            match fieldline_fs::create_new_private(&path) {
                Ok(file) => {
                    opened = Some((path, file));
                    break;
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(source) => return Err(RecordingError::Create { path, source }),
            }
        }
        let Some((path, file)) = opened else {
            return Err(RecordingError::NoFreeName {
                dir: customer_dir,
                attempts: MAX_NAME_ATTEMPTS,
            });
        };
        let header = Header {
            version: 2,
            width: meta.cols,
            height: meta.rows,
            timestamp: meta.started.as_second(),
            title: bounded(&meta.title, 1024),
            env: HeaderEnv {
                term: "xterm-256color".to_string(),
                shell: String::new(),
            },
            fieldline: Some(HeaderFieldline {
                customer: bounded(&meta.customer, 1024),
                endpoint: bounded(&meta.endpoint, 1024),
                user: bounded(&meta.user, 1024),
            }),
        };
        let mut line = serde_json::to_string(&header).map_err(|e| RecordingError::Create {
            path: path.clone(),
            source: io::Error::other(e),
        })?;
        line.push('\n');
        let mut out = BufWriter::with_capacity(64 * 1024, file);
        out.write_all(line.as_bytes())
            .and_then(|()| out.flush())
            .map_err(|source| RecordingError::Create {
                path: path.clone(),
                source,
            })?;
        let now = Instant::now();
        Ok(Recorder {
            path,
            out: Some(out),
            clock: now,
            last_t: 0.0,
            last_flush: now,
            pending: Vec::new(),
            written: line.len() as u64,
            max_bytes,
            cut: false,
        })
    }

    /// The recording's file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether events are still being written (not cut, no write error, not finished).
    pub fn is_recording(&self) -> bool {
        self.out.is_some() && !self.cut
    }

    /// Whether the recording was cut at its size cap.
    pub fn was_cut(&self) -> bool {
        self.cut
    }

    /// Record output from the host. A UTF-8 character split across chunks is kept until
    /// the next chunk completes it; invalid bytes become U+FFFD. Returns an error only for
    /// the first write failure.
    pub fn output(&mut self, data: &[u8]) -> Result<(), RecordingError> {
        if !self.is_recording() {
            return Ok(());
        }
        let text = self.decode(data);
        if !text.is_empty() {
            self.event("o", &text)?;
        }
        self.flush_if_due()
    }

    /// Record a terminal resize.
    pub fn resize(&mut self, cols: u16, rows: u16) -> Result<(), RecordingError> {
        if !self.is_recording() {
            return Ok(());
        }
        self.event("r", &format!("{cols}x{rows}"))?;
        self.flush_if_due()
    }

    /// Record a marker (a label players can jump to).
    pub fn marker(&mut self, label: &str) -> Result<(), RecordingError> {
        if !self.is_recording() {
            return Ok(());
        }
        self.event("m", &bounded(label, 1024))?;
        self.flush_if_due()
    }

    /// Flush if a second has passed since the last flush; the session calls this while idle.
    pub fn tick(&mut self) -> Result<(), RecordingError> {
        self.flush_if_due()
    }

    /// End the recording: an incomplete UTF-8 tail is written as U+FFFD, and the file is
    /// flushed and synced. Returns the file's path.
    pub fn finish(mut self) -> Result<PathBuf, RecordingError> {
        if self.is_recording() && !self.pending.is_empty() {
            self.pending.clear();
            self.event("o", "\u{FFFD}")?;
        }
        if let Some(mut out) = self.out.take() {
            let result = out.flush().and_then(|()| out.get_ref().sync_all());
            if let Err(source) = result {
                return Err(RecordingError::Write {
                    path: self.path.clone(),
                    source,
                });
            }
        }
        Ok(self.path.clone())
    }

    fn decode(&mut self, data: &[u8]) -> String {
        let joined;
        let mut rest: &[u8] = if self.pending.is_empty() {
            data
        } else {
            let mut v = std::mem::take(&mut self.pending);
            v.extend_from_slice(data);
            joined = v;
            &joined
        };
        let mut text = String::with_capacity(rest.len());
        loop {
            match std::str::from_utf8(rest) {
                Ok(s) => {
                    text.push_str(s);
                    break;
                }
                Err(e) => {
                    let (valid, after) = rest.split_at(e.valid_up_to());
                    // `valid` is valid UTF-8 by construction.
                    text.push_str(&String::from_utf8_lossy(valid));
                    match e.error_len() {
                        Some(n) => {
                            text.push('\u{FFFD}');
                            rest = after.get(n..).unwrap_or(&[]);
                        }
                        None => {
                            // Incomplete character at the end: keep it for the next chunk.
                            self.pending = after.to_vec();
                            break;
                        }
                    }
                }
            }
        }
        text
    }

    fn elapsed(&mut self) -> f64 {
        let t = self.clock.elapsed().as_secs_f64().max(self.last_t);
        self.last_t = t;
        // Microsecond precision, as asciinema writes.
        (t * 1_000_000.0).floor() / 1_000_000.0
    }

    fn event(&mut self, code: &str, data: &str) -> Result<(), RecordingError> {
        let t = self.elapsed();
        let line = event_line(t, code, data);
        if self.written.saturating_add(line.len() as u64) > self.max_bytes {
            self.cut = true;
            let label = format!(
                "recording cut: it reached its size cap of {} bytes; the rest of the session was not recorded",
                self.max_bytes
            );
            let marker = event_line(t, "m", &label);
            return self.write_line(&marker).and_then(|()| self.flush_now());
        }
        self.write_line(&line)
    }

    fn write_line(&mut self, line: &str) -> Result<(), RecordingError> {
        let Some(out) = self.out.as_mut() else {
            return Ok(());
        };
        match out.write_all(line.as_bytes()) {
            Ok(()) => {
                self.written = self.written.saturating_add(line.len() as u64);
                Ok(())
            }
            Err(source) => {
                self.out = None;
                Err(RecordingError::Write {
                    path: self.path.clone(),
                    source,
                })
            }
        }
    }

    fn flush_if_due(&mut self) -> Result<(), RecordingError> {
        if self.last_flush.elapsed() >= FLUSH_EVERY {
            self.flush_now()
        } else {
            Ok(())
        }
    }

    fn flush_now(&mut self) -> Result<(), RecordingError> {
        self.last_flush = Instant::now();
        let Some(out) = self.out.as_mut() else {
            return Ok(());
        };
        if let Err(source) = out.flush() {
            self.out = None;
            return Err(RecordingError::Write {
                path: self.path.clone(),
                source,
            });
        }
        Ok(())
    }
}

fn event_line(t: f64, code: &str, data: &str) -> String {
    // Serializing an f64, a &str and a &str cannot fail.
    let mut line = serde_json::to_string(&(t, code, data)).unwrap_or_else(|_| "[]".to_string());
    line.push('\n');
    line
}

/// At most `max` bytes of `s`, cut at a character boundary.
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

/// A name made safe as one path component: letters, digits, `-`, `_` and `.` kept (other
/// characters become `_`), no leading dot, at most 64 characters, never empty and never a
/// name Windows reserves.
pub fn sanitize_component(name: &str) -> String {
    let mut s: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .take(MAX_COMPONENT_CHARS)
        .collect();
    while s.starts_with('.') {
        s.replace_range(0..1, "_");
    }
    let s = s.trim_end_matches('.').to_string();
    if s.is_empty() {
        return "_".to_string();
    }
    let stem = s.split('.').next().unwrap_or("").to_ascii_uppercase();
    let reserved = matches!(stem.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || ((stem.starts_with("COM") || stem.starts_with("LPT"))
            && stem.len() == 4
            && stem.as_bytes().get(3).is_some_and(u8::is_ascii_digit));
    if reserved {
        format!("_{s}")
    } else {
        s
    }
}

/// The recordings under `dir`, of one customer or of all, newest first. Unreadable
/// directories and files are skipped; a file whose header cannot be read is listed with
/// only its path and size.
pub fn list(dir: &Path, customer: Option<&str>) -> Vec<RecordingInfo> {
    let dirs: Vec<(String, PathBuf)> = match customer {
        Some(c) => {
            let name = sanitize_component(c);
            vec![(name.clone(), dir.join(name))]
        }
        None => match fs::read_dir(dir) {
            Ok(entries) => entries
                .filter_map(Result::ok)
                .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
                .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
                .collect(),
            Err(_) => Vec::new(),
        },
    };
    let mut found = Vec::new();
    'outer: for (customer_dir, path) in dirs {
        let Ok(entries) = fs::read_dir(&path) else {
            continue;
        };
        for entry in entries.filter_map(Result::ok) {
            if found.len() >= MAX_LISTED {
                break 'outer;
            }
            let p = entry.path();
            let is_file = entry.file_type().is_ok_and(|t| t.is_file());
            if !is_file || p.extension().and_then(|e| e.to_str()) != Some("cast") {
                continue;
            }
            found.push(read_info(&p, &customer_dir));
        }
    }
    found.sort_by(|a, b| {
        b.started_unix
            .cmp(&a.started_unix)
            .then_with(|| b.path.cmp(&a.path))
    });
    found
}

fn read_info(path: &Path, customer_dir: &str) -> RecordingInfo {
    let size_bytes = fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let mut info = RecordingInfo {
        path: path.to_path_buf(),
        customer_dir: customer_dir.to_string(),
        customer: None,
        endpoint: None,
        user: None,
        title: None,
        started_unix: None,
        size_bytes,
    };
    let Ok(file) = File::open(path) else {
        return info;
    };
    let mut line = String::new();
    let mut reader = BufReader::new(file.take(MAX_HEADER_LINE));
    if reader.read_line(&mut line).is_err() || !line.ends_with('\n') {
        return info;
    }
    if let Ok(header) = serde_json::from_str::<Header>(&line) {
        info.title = Some(header.title);
        info.started_unix = Some(header.timestamp);
        if let Some(f) = header.fieldline {
            info.customer = Some(f.customer);
            info.endpoint = Some(f.endpoint);
            info.user = Some(f.user);
        }
    }
    info
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// A failing disk: the first failure is returned, later writes are quiet no-ops.
    #[test]
    fn write_error_is_reported_once() {
        let file = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let now = Instant::now();
        let mut rec = Recorder {
            path: PathBuf::from("/dev/full"),
            out: Some(BufWriter::with_capacity(16, file)),
            clock: now,
            last_t: 0.0,
            last_flush: now,
            pending: Vec::new(),
            written: 0,
            max_bytes: DEFAULT_MAX_BYTES,
            cut: false,
        };
        let mut errors = 0;
        for _ in 0..100 {
            if rec.output(&[b'x'; 64]).is_err() {
                errors += 1;
            }
        }
        assert_eq!(errors, 1);
        assert!(!rec.is_recording());
        assert!(rec.finish().is_ok());
    }
}
