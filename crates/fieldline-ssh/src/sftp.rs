//! SFTP: browse a host's folders, download and upload files and whole folders, with
//! progress and cancel.
//!
//! Works on an authenticated `ssh2::Session` (see [`crate::connect`]); a transfer normally
//! gets a connection of its own so a terminal on the same host stays responsive.
//!
//! What never happens:
//! - a name the server sends escapes the folder being downloaded into: names with `/`,
//!   `\`, NUL, or that are `.`/`..` are refused and reported, never joined to a path;
//! - an existing local or remote file is overwritten: the transfer stops and says which;
//! - a half-written file is left under its real name: data goes to `NAME.fieldline-part`
//!   and is renamed when complete (removed on cancel or error).
//!
//! Throughput: libssh2 sizes its read-ahead by the caller's buffer, so transfers use
//! [`CHUNK`]-sized reads and writes (32 KiB reads run at a third of the speed).

use serde::Serialize;
use ssh2::{FileStat, OpenFlags, OpenType, Session, Sftp};
use std::fs;
use std::io::{ErrorKind, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use ts_rs::TS;

/// Bytes per SFTP read or write.
pub const CHUNK: usize = 1 << 20;
/// A listing longer than this is cut (and says so).
pub const MAX_ENTRIES: usize = 20_000;
/// How deep a folder transfer goes.
pub const MAX_DEPTH: usize = 64;
/// Suffix of a file being written.
pub const PART_SUFFIX: &str = ".fieldline-part";
/// Progress is reported at most this often (and at the end of every file).
const PROGRESS_EVERY: Duration = Duration::from_millis(100);
/// A name longer than this (bytes) is refused.
const MAX_NAME_BYTES: usize = 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    File,
    Dir,
    Link,
    Other,
}

/// One entry of a remote folder. The name is the server's, made safe to show (control
/// characters replaced); it is rendered as text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct RemoteEntry {
    pub name: String,
    pub kind: EntryKind,
    #[ts(type = "number")]
    pub size: u64,
    /// Unix seconds.
    #[ts(type = "number | null")]
    pub modified: Option<i64>,
}

/// A remote folder: its absolute path as the server resolved it, folders first, by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Listing {
    pub path: String,
    pub entries: Vec<RemoteEntry>,
    /// The folder had more than [`MAX_ENTRIES`] entries; the rest are not shown.
    pub truncated: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Download,
    Upload,
}

/// How far a transfer got.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
pub struct Progress {
    #[ts(type = "number")]
    pub done_bytes: u64,
    /// Known once the sizes of everything to copy were read.
    #[ts(type = "number | null")]
    pub total_bytes: Option<u64>,
    pub files_done: u32,
    /// Names the server sent that could not be used safely (skipped, not copied).
    pub skipped: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum SftpError {
    #[error("the SFTP subsystem could not be started on this host: {0} (is `Subsystem sftp` enabled in its sshd_config?)")]
    Start(String),
    #[error("{path}: {reason}")]
    Remote { path: String, reason: String },
    #[error("{path}: {reason}")]
    Local { path: PathBuf, reason: String },
    #[error(
        "{path} already exists; nothing was overwritten (choose another name or remove it first)"
    )]
    Exists { path: String },
    #[error("the transfer was cancelled")]
    Cancelled,
    #[error("{path} is nested deeper than {MAX_DEPTH} folders; stopped there")]
    TooDeep { path: String },
}

fn remote_err(path: &str, e: ssh2::Error) -> SftpError {
    SftpError::Remote {
        path: path.to_owned(),
        reason: sftp_reason(&e),
    }
}

fn local_err(path: &Path, e: std::io::Error) -> SftpError {
    SftpError::Local {
        path: path.to_owned(),
        reason: e.to_string(),
    }
}

/// The SFTP status codes a technician can act on, in words.
fn sftp_reason(e: &ssh2::Error) -> String {
    match e.code() {
        ssh2::ErrorCode::SFTP(2) => "no such file or folder".to_owned(),
        ssh2::ErrorCode::SFTP(3) => "permission denied".to_owned(),
        ssh2::ErrorCode::SFTP(4) => "the server refused (failure)".to_owned(),
        ssh2::ErrorCode::SFTP(11) => "already exists".to_owned(),
        ssh2::ErrorCode::SFTP(14) => "no space left on the host".to_owned(),
        _ => crate::clean_message(e.message()),
    }
}

/// A name from the server as it may be shown: control characters replaced.
fn shown(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .collect()
}

/// Whether a name from the server may be joined to a local folder.
fn safe_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_NAME_BYTES
        && name != "."
        && name != ".."
        && !name.contains(['/', '\\', '\0'])
        && !name.chars().any(char::is_control)
        && !Path::new(name).is_absolute()
        && !name.contains(':')
}

fn kind_of(stat: &FileStat) -> EntryKind {
    match stat.perm.map(|p| p & 0o170000) {
        Some(0o040000) => EntryKind::Dir,
        Some(0o100000) => EntryKind::File,
        Some(0o120000) => EntryKind::Link,
        Some(_) => EntryKind::Other,
        None => EntryKind::Other,
    }
}

fn join_remote(dir: &str, name: &str) -> String {
    if dir.ends_with('/') {
        format!("{dir}{name}")
    } else {
        format!("{dir}/{name}")
    }
}

/// Starts the SFTP subsystem on a session.
pub fn open(session: &Session) -> Result<Sftp, SftpError> {
    session
        .sftp()
        .map_err(|e| SftpError::Start(crate::clean_message(e.message())))
}

/// The folder at `path` (`""` or `.`: the login folder), resolved by the server.
pub fn list(sftp: &Sftp, path: &str) -> Result<Listing, SftpError> {
    let asked = if path.is_empty() { "." } else { path };
    let real = sftp
        .realpath(Path::new(asked))
        .map_err(|e| remote_err(asked, e))?;
    let real = real.to_string_lossy().into_owned();
    let mut dir = sftp
        .opendir(Path::new(&real))
        .map_err(|e| remote_err(&real, e))?;
    let mut entries = Vec::new();
    let mut truncated = false;
    loop {
        match dir.readdir() {
            Ok((name, stat)) => {
                let name = name.to_string_lossy().into_owned();
                if name == "." || name == ".." {
                    continue;
                }
                if entries.len() >= MAX_ENTRIES {
                    truncated = true;
                    break;
                }
                entries.push(RemoteEntry {
                    name: shown(&name),
                    kind: kind_of(&stat),
                    size: stat.size.unwrap_or(0),
                    modified: stat.mtime.and_then(|t| i64::try_from(t).ok()),
                });
            }
            // End of the folder.
            Err(e) if e.code() == ssh2::ErrorCode::Session(-16) => break,
            Err(e) if e.code() == ssh2::ErrorCode::SFTP(1) => break,
            Err(e) => return Err(remote_err(&real, e)),
        }
    }
    entries.sort_by(|a, b| {
        (a.kind != EntryKind::Dir, &a.name).cmp(&(b.kind != EntryKind::Dir, &b.name))
    });
    Ok(Listing {
        path: real,
        entries,
        truncated,
    })
}

/// Reports progress no more often than every [`PROGRESS_EVERY`].
struct Meter<'a> {
    progress: Progress,
    last: Instant,
    report: &'a mut dyn FnMut(&Progress),
    cancel: &'a AtomicBool,
}

impl Meter<'_> {
    fn add(&mut self, bytes: usize) -> Result<(), SftpError> {
        self.progress.done_bytes += bytes as u64;
        if self.cancel.load(Ordering::Relaxed) {
            return Err(SftpError::Cancelled);
        }
        if self.last.elapsed() >= PROGRESS_EVERY {
            self.last = Instant::now();
            (self.report)(&self.progress);
        }
        Ok(())
    }

    fn file_done(&mut self) {
        self.progress.files_done += 1;
        self.last = Instant::now();
        (self.report)(&self.progress);
    }
}

/// What a folder transfer will copy, found before copying (for the total).
enum Item {
    Dir(String, PathBuf),
    File(String, PathBuf, u64),
}

/// Downloads the file or folder `remote` to `local` (which must not exist yet).
pub fn download(
    sftp: &Sftp,
    remote: &str,
    local: &Path,
    cancel: &AtomicBool,
    report: &mut dyn FnMut(&Progress),
) -> Result<Progress, SftpError> {
    if local.symlink_metadata().is_ok() {
        return Err(SftpError::Exists {
            path: local.display().to_string(),
        });
    }
    let stat = sftp
        .stat(Path::new(remote))
        .map_err(|e| remote_err(remote, e))?;
    let mut meter = Meter {
        progress: Progress::default(),
        last: Instant::now(),
        report,
        cancel,
    };
    let mut items = Vec::new();
    if kind_of(&stat) == EntryKind::Dir {
        plan_download(
            sftp,
            remote,
            local,
            0,
            &mut items,
            &mut meter.progress.skipped,
        )?;
    } else {
        items.push(Item::File(
            remote.to_owned(),
            local.to_owned(),
            stat.size.unwrap_or(0),
        ));
    }
    meter.progress.total_bytes = Some(total_of(&items));
    (meter.report)(&meter.progress);
    for item in items {
        match item {
            Item::Dir(_, path) => fs::create_dir(&path).map_err(|e| local_err(&path, e))?,
            Item::File(from, to, _) => download_file(sftp, &from, &to, &mut meter)?,
        }
    }
    Ok(meter.progress)
}

/// Bytes of every file in a plan.
fn total_of(items: &[Item]) -> u64 {
    items
        .iter()
        .map(|i| match i {
            Item::File(_, _, n) => *n,
            Item::Dir(..) => 0,
        })
        .sum()
}

fn plan_download(
    sftp: &Sftp,
    remote: &str,
    local: &Path,
    depth: usize,
    items: &mut Vec<Item>,
    skipped: &mut Vec<String>,
) -> Result<(), SftpError> {
    if depth > MAX_DEPTH {
        return Err(SftpError::TooDeep {
            path: remote.to_owned(),
        });
    }
    items.push(Item::Dir(remote.to_owned(), local.to_owned()));
    let mut dir = sftp
        .opendir(Path::new(remote))
        .map_err(|e| remote_err(remote, e))?;
    let mut children = Vec::new();
    loop {
        match dir.readdir() {
            Ok((name, stat)) => {
                let name = name.to_string_lossy().into_owned();
                if name == "." || name == ".." {
                    continue;
                }
                if !safe_name(&name) {
                    skipped.push(shown(&join_remote(remote, &name)));
                    continue;
                }
                children.push((name, stat));
            }
            Err(e) if e.code() == ssh2::ErrorCode::Session(-16) => break,
            Err(e) if e.code() == ssh2::ErrorCode::SFTP(1) => break,
            Err(e) => return Err(remote_err(remote, e)),
        }
    }
    children.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, stat) in children {
        let from = join_remote(remote, &name);
        let to = local.join(&name);
        match kind_of(&stat) {
            EntryKind::Dir => plan_download(sftp, &from, &to, depth + 1, items, skipped)?,
            EntryKind::File => items.push(Item::File(from, to, stat.size.unwrap_or(0))),
            // Links are not followed (they may point anywhere, even in a loop).
            EntryKind::Link | EntryKind::Other => skipped.push(shown(&from)),
        }
    }
    Ok(())
}

fn part_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(PART_SUFFIX);
    path.with_file_name(name)
}

fn download_file(
    sftp: &Sftp,
    remote: &str,
    local: &Path,
    meter: &mut Meter,
) -> Result<(), SftpError> {
    if local.symlink_metadata().is_ok() {
        return Err(SftpError::Exists {
            path: local.display().to_string(),
        });
    }
    let part = part_path(local);
    let result = (|| {
        let mut from = sftp
            .open(Path::new(remote))
            .map_err(|e| remote_err(remote, e))?;
        let mut to = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&part)
            .map_err(|e| local_err(&part, e))?;
        let mut buf = vec![0u8; CHUNK];
        loop {
            let n = match from.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => {
                    return Err(SftpError::Remote {
                        path: remote.to_owned(),
                        reason: crate::clean_message(&e.to_string()),
                    })
                }
            };
            to.write_all(&buf[..n]).map_err(|e| local_err(local, e))?;
            meter.add(n)?;
        }
        to.flush().map_err(|e| local_err(local, e))?;
        drop(to);
        if local.symlink_metadata().is_ok() {
            return Err(SftpError::Exists {
                path: local.display().to_string(),
            });
        }
        fs::rename(&part, local).map_err(|e| local_err(local, e))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&part);
    } else {
        meter.file_done();
    }
    result
}

/// Uploads the local file or folder `local` to `remote` (which must not exist yet).
pub fn upload(
    sftp: &Sftp,
    local: &Path,
    remote: &str,
    cancel: &AtomicBool,
    report: &mut dyn FnMut(&Progress),
) -> Result<Progress, SftpError> {
    if sftp.lstat(Path::new(remote)).is_ok() {
        return Err(SftpError::Exists {
            path: remote.to_owned(),
        });
    }
    let meta = fs::metadata(local).map_err(|e| local_err(local, e))?;
    let mut meter = Meter {
        progress: Progress::default(),
        last: Instant::now(),
        report,
        cancel,
    };
    let mut items = Vec::new();
    if meta.is_dir() {
        plan_upload(local, remote, 0, &mut items, &mut meter.progress.skipped)?;
    } else {
        items.push(Item::File(remote.to_owned(), local.to_owned(), meta.len()));
    }
    meter.progress.total_bytes = Some(total_of(&items));
    (meter.report)(&meter.progress);
    for item in items {
        match item {
            Item::Dir(to, _) => sftp
                .mkdir(Path::new(&to), 0o755)
                .map_err(|e| remote_err(&to, e))?,
            Item::File(to, from, _) => upload_file(sftp, &from, &to, &mut meter)?,
        }
    }
    Ok(meter.progress)
}

fn plan_upload(
    local: &Path,
    remote: &str,
    depth: usize,
    items: &mut Vec<Item>,
    skipped: &mut Vec<String>,
) -> Result<(), SftpError> {
    if depth > MAX_DEPTH {
        return Err(SftpError::TooDeep {
            path: local.display().to_string(),
        });
    }
    items.push(Item::Dir(remote.to_owned(), local.to_owned()));
    let mut children: Vec<_> = fs::read_dir(local)
        .map_err(|e| local_err(local, e))?
        .collect::<Result<_, _>>()
        .map_err(|e| local_err(local, e))?;
    children.sort_by_key(|c| c.file_name());
    for child in children {
        let path = child.path();
        let Some(name) = child.file_name().to_str().map(str::to_owned) else {
            skipped.push(path.display().to_string());
            continue;
        };
        let kind = child.file_type().map_err(|e| local_err(&path, e))?;
        let to = join_remote(remote, &name);
        if kind.is_dir() {
            plan_upload(&path, &to, depth + 1, items, skipped)?;
        } else if kind.is_file() {
            let len = child.metadata().map_err(|e| local_err(&path, e))?.len();
            items.push(Item::File(to, path, len));
        } else {
            skipped.push(path.display().to_string());
        }
    }
    Ok(())
}

fn upload_file(
    sftp: &Sftp,
    local: &Path,
    remote: &str,
    meter: &mut Meter,
) -> Result<(), SftpError> {
    let part = format!("{remote}{PART_SUFFIX}");
    let result = (|| {
        let mut from = fs::File::open(local).map_err(|e| local_err(local, e))?;
        let mut to = sftp
            .open_mode(
                Path::new(&part),
                OpenFlags::WRITE | OpenFlags::CREATE | OpenFlags::EXCLUSIVE,
                0o644,
                OpenType::File,
            )
            .map_err(|e| remote_err(&part, e))?;
        let mut buf = vec![0u8; CHUNK];
        loop {
            let n = match from.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => return Err(local_err(local, e)),
            };
            to.write_all(&buf[..n]).map_err(|e| SftpError::Remote {
                path: remote.to_owned(),
                reason: crate::clean_message(&e.to_string()),
            })?;
            meter.add(n)?;
        }
        drop(to);
        if sftp.lstat(Path::new(remote)).is_ok() {
            return Err(SftpError::Exists {
                path: remote.to_owned(),
            });
        }
        sftp.rename(Path::new(&part), Path::new(remote), None)
            .map_err(|e| remote_err(remote, e))
    })();
    if result.is_err() {
        let _ = sftp.unlink(Path::new(&part));
    } else {
        meter.file_done();
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_could_escape_the_folder_are_refused() {
        for bad in [
            "",
            ".",
            "..",
            "../x",
            "a/b",
            "a\\b",
            "a\0b",
            "/etc",
            "C:x",
            "a\nb",
            "\u{1b}[2J",
        ] {
            assert!(!safe_name(bad), "{bad:?}");
        }
        for good in ["report.pdf", "보고서.txt", ".bashrc", "a b", "..hidden"] {
            assert!(safe_name(good), "{good:?}");
        }
    }

    #[test]
    fn shown_names_lose_control_characters() {
        assert_eq!(shown("a\u{1b}[31mb\n"), "a\u{fffd}[31mb\u{fffd}");
    }

    #[test]
    fn part_files_sit_beside_the_target() {
        assert_eq!(
            part_path(Path::new("/tmp/x/report.pdf")),
            Path::new("/tmp/x/report.pdf.fieldline-part")
        );
        assert_eq!(join_remote("/", "a"), "/a");
        assert_eq!(join_remote("/srv", "a"), "/srv/a");
    }
}
