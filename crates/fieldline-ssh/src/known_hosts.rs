//! Fieldline's own known_hosts file: which host keys the technician has accepted.
//!
//! The file (e.g. `DATA_DIR/known_hosts`) is in OpenSSH format, so `ssh-keygen -F/-R` and
//! `ssh -o UserKnownHostsFile=` work on it too; hashed entries (`|1|salt|hash`, written by
//! `ssh-keygen -H` or `HashKnownHosts yes`) are understood through libssh2's matcher.
//! `~/.ssh/known_hosts` can be imported ([`KnownHosts::import_openssh`]); it is never
//! written by Fieldline.
//!
//! What never happens here: a changed key accepted or silently replaced. [`HostKeyStatus::
//! Changed`] is always refused by [`crate::connect`], whatever the [`HostKeyPolicy`]; the
//! only way forward is removing the old key ([`KnownHosts::remove`]) on purpose.
//!
//! The file is private: written `0600` in a `0700` folder, and an existing looser file is
//! tightened whenever it is written (`fieldline_fs`).

use crate::error::SshError;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use base64::Engine as _;
use sha2::{Digest, Sha256};
use ssh2::{CheckResult, KnownHostFileKind, Session};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// Larger files are refused (a known_hosts file of 16 MiB is a mistake).
const MAX_BYTES: u64 = 16 << 20;

/// `SHA256:…` of an SSH public key blob, as `ssh-keygen -lf` prints it (unpadded base64).
pub fn fingerprint_sha256(key: &[u8]) -> String {
    format!("SHA256:{}", STANDARD_NO_PAD.encode(Sha256::digest(key)))
}

/// The key type named at the start of an SSH public key blob (`ssh-ed25519`, ...).
pub fn key_type_of_blob(blob: &[u8]) -> Option<String> {
    let len = u32::from_be_bytes(blob.get(..4)?.try_into().ok()?) as usize;
    let name = blob.get(4..4usize.checked_add(len)?)?;
    std::str::from_utf8(name).ok().map(str::to_owned)
}

/// The name a host has in known_hosts: `host` for port 22, `[host]:port` otherwise (lower
/// case), as OpenSSH writes it.
pub fn known_hosts_name(host: &str, port: u16) -> String {
    let host = host.to_lowercase();
    if port == 22 {
        host
    } else {
        format!("[{host}]:{port}")
    }
}

/// What the file says about a host's key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostKeyStatus {
    /// This exact key is known for this host (and port).
    Known,
    /// Nothing is known for this host.
    Unknown,
    /// The host is known with other key(s): their SHA256 fingerprints.
    Changed { old: Vec<String> },
}

/// What to do with a host whose key is not known yet. A changed key is refused under
/// every policy.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize, ts_rs::TS,
)]
#[serde(rename_all = "kebab-case")]
pub enum HostKeyPolicy {
    /// `yes`: an unknown key is refused (add it first).
    Strict,
    /// `accept-new`: an unknown key is added; a changed one refused.
    AcceptNew,
    /// `ask`: the technician is asked through the [`crate::connect::Prompter`].
    #[default]
    Ask,
}

impl FromStr for HostKeyPolicy {
    type Err = String;
    fn from_str(s: &str) -> Result<HostKeyPolicy, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "yes" | "strict" => Ok(HostKeyPolicy::Strict),
            "accept-new" => Ok(HostKeyPolicy::AcceptNew),
            "ask" => Ok(HostKeyPolicy::Ask),
            other => Err(format!(
                "unknown host key policy {other:?}: use \"yes\", \"accept-new\" or \"ask\""
            )),
        }
    }
}

/// One key line of the file, for the UI.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
pub struct KnownHostEntry {
    /// 1-based line number in the file (what [`KnownHosts::remove_line`] takes).
    pub line: usize,
    /// The host names as written, or `None` for a hashed entry (the name cannot be read back).
    pub hosts: Option<String>,
    /// `@revoked` / `@cert-authority`, if any.
    pub marker: Option<String>,
    pub key_type: String,
    pub fingerprint: String,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
pub struct ImportReport {
    pub added: usize,
    /// Lines already present (same hosts, type and key).
    pub skipped: usize,
    /// Lines not imported and why (`line N: ...`).
    pub problems: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Line {
    number: usize,
    marker: Option<String>,
    hosts: String,
    key_type: String,
    key_b64: String,
}

impl Line {
    fn blob(&self) -> Option<Vec<u8>> {
        STANDARD.decode(&self.key_b64).ok()
    }
    fn fingerprint(&self) -> String {
        self.blob()
            .map(|b| fingerprint_sha256(&b))
            .unwrap_or_else(|| "SHA256:(unreadable key)".into())
    }
    /// How this line answers for `host:port` with `key` (libssh2's matcher, hashed
    /// names included): Match, Mismatch (host named, other key) or NotFound.
    fn check(&self, host: &str, port: u16, key: &[u8]) -> CheckResult {
        let Ok(session) = Session::new() else {
            return CheckResult::Failure;
        };
        let Ok(mut known) = session.known_hosts() else {
            return CheckResult::Failure;
        };
        let text = format!("{} {} {}", self.hosts, self.key_type, self.key_b64);
        if known.read_str(&text, KnownHostFileKind::OpenSSH).is_err() {
            return CheckResult::Failure;
        }
        known.check_port(&host.to_lowercase(), port, key)
    }
    fn names_host(&self, host: &str, port: u16) -> bool {
        matches!(
            self.check(host, port, b"fieldline: no such key"),
            CheckResult::Match | CheckResult::Mismatch
        )
    }
}

fn parse(text: &str) -> Vec<Line> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut fields = line.split_whitespace();
        let mut first = fields.next();
        let marker = match first {
            Some(m) if m.starts_with('@') => {
                first = fields.next();
                Some(m.to_owned())
            }
            _ => None,
        };
        if let (Some(hosts), Some(key_type), Some(key)) = (first, fields.next(), fields.next()) {
            out.push(Line {
                number: i + 1,
                marker,
                hosts: hosts.to_owned(),
                key_type: key_type.to_owned(),
                key_b64: key.to_owned(),
            });
        }
    }
    out
}

/// Fieldline's known_hosts file. Every call reads the file afresh (it is small), so
/// several windows or helpers see each other's additions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownHosts {
    path: PathBuf,
}

impl KnownHosts {
    pub fn new(path: impl Into<PathBuf>) -> KnownHosts {
        KnownHosts { path: path.into() }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn err(&self, reason: impl std::fmt::Display) -> SshError {
        SshError::KnownHosts {
            path: self.path.clone(),
            reason: reason.to_string(),
        }
    }

    fn read_text(&self) -> Result<String, SshError> {
        read_limited(&self.path).map_err(|e| self.err(e))
    }

    fn lines(&self) -> Result<Vec<Line>, SshError> {
        Ok(parse(&self.read_text()?))
    }

    /// What the file says about `key` (an SSH public key blob of type `key_type`) for
    /// `host` on `port`. A `@revoked` line with this key counts as changed.
    pub fn check(
        &self,
        host: &str,
        port: u16,
        key_type: &str,
        key: &[u8],
    ) -> Result<HostKeyStatus, SshError> {
        let key_b64 = STANDARD.encode(key);
        let mut old = Vec::new();
        let mut revoked = false;
        for line in self.lines()? {
            match line.marker.as_deref() {
                Some("@revoked") => {
                    if line.key_b64 == key_b64 {
                        revoked = true;
                    }
                    continue;
                }
                Some(_) => continue,
                None => {}
            }
            match line.check(host, port, key) {
                CheckResult::Match if line.key_type == key_type => {
                    if !revoked {
                        return Ok(HostKeyStatus::Known);
                    }
                }
                CheckResult::Match | CheckResult::Mismatch => {
                    let fp = line.fingerprint();
                    if !old.contains(&fp) {
                        old.push(fp);
                    }
                }
                CheckResult::NotFound | CheckResult::Failure => {}
            }
        }
        if revoked {
            old.push(format!("{} (revoked)", fingerprint_sha256(key)));
        }
        Ok(if old.is_empty() {
            HostKeyStatus::Unknown
        } else {
            HostKeyStatus::Changed { old }
        })
    }

    /// Key types the file has for `host:port` (to ask the server for those first).
    pub fn key_types_for(&self, host: &str, port: u16) -> Result<Vec<String>, SshError> {
        let mut types: Vec<String> = Vec::new();
        for line in self.lines()? {
            if line.marker.is_none()
                && !types.contains(&line.key_type)
                && line.names_host(host, port)
            {
                types.push(line.key_type.clone());
            }
        }
        Ok(types)
    }

    /// Appends `host:port key_type key` (host written `[host]:port` when port != 22).
    pub fn add(&self, host: &str, port: u16, key_type: &str, key: &[u8]) -> Result<(), SshError> {
        if host.is_empty() || host.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(self.err(format!("{host:?} is not a host name")));
        }
        let line = format!(
            "{} {key_type} {}\n",
            known_hosts_name(host, port),
            STANDARD.encode(key)
        );
        self.append(&line)
    }

    fn append(&self, text: &str) -> Result<(), SshError> {
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            fieldline_fs::ensure_private_dir(dir).map_err(|e| self.err(e))?;
        }
        // A file whose last line lacks its line break must not glue the new line onto it.
        let existing = self.read_text()?;
        // Private (0600; an existing looser file is tightened), see `fieldline_fs`.
        let mut file = fieldline_fs::open_private(
            &self.path,
            std::fs::OpenOptions::new().create(true).append(true),
        )
        .map_err(|e| self.err(e))?;
        let mut out = String::new();
        if !existing.is_empty() && !existing.ends_with('\n') {
            out.push('\n');
        }
        out.push_str(text);
        file.write_all(out.as_bytes()).map_err(|e| self.err(e))
    }

    /// Every key line, with fingerprints, for the UI.
    pub fn list(&self) -> Result<Vec<KnownHostEntry>, SshError> {
        Ok(self
            .lines()?
            .into_iter()
            .map(|l| KnownHostEntry {
                line: l.number,
                hosts: (!l.hosts.starts_with("|1|")).then(|| l.hosts.clone()),
                marker: l.marker.clone(),
                fingerprint: l.fingerprint(),
                key_type: l.key_type,
            })
            .collect())
    }

    /// The keys [`KnownHosts::remove`] would remove for `host:port`.
    pub fn entries_for(&self, host: &str, port: u16) -> Result<Vec<KnownHostEntry>, SshError> {
        let wanted: Vec<usize> = self
            .lines()?
            .into_iter()
            .filter(|l| l.marker.is_none() && l.names_host(host, port))
            .map(|l| l.number)
            .collect();
        Ok(self
            .list()?
            .into_iter()
            .filter(|e| wanted.contains(&e.line))
            .collect())
    }

    /// Removes every key of `host:port` (hashed entries too); from a plain line naming
    /// several hosts only this one is taken out. The number of keys removed.
    pub fn remove(&self, host: &str, port: u16) -> Result<usize, SshError> {
        let text = self.read_text()?;
        let wanted = known_hosts_name(host, port);
        let by_number: std::collections::HashMap<usize, Line> =
            parse(&text).into_iter().map(|l| (l.number, l)).collect();
        let mut removed = 0;
        let mut out = String::new();
        for (i, raw) in text.lines().enumerate() {
            let Some(line) = by_number.get(&(i + 1)) else {
                out.push_str(raw);
                out.push('\n');
                continue;
            };
            if line.marker.is_some() || !line.names_host(host, port) {
                out.push_str(raw);
                out.push('\n');
                continue;
            }
            removed += 1;
            let others: Vec<&str> = line
                .hosts
                .split(',')
                .filter(|h| !h.eq_ignore_ascii_case(&wanted) && !h.starts_with("|1|"))
                .collect();
            if !others.is_empty() && others.len() < line.hosts.split(',').count() {
                out.push_str(&format!(
                    "{} {} {}\n",
                    others.join(","),
                    line.key_type,
                    line.key_b64
                ));
            }
        }
        if removed > 0 {
            self.replace(&out)?;
        }
        Ok(removed)
    }

    /// Removes line `number` (1-based, as [`KnownHostEntry::line`]).
    pub fn remove_line(&self, number: usize) -> Result<bool, SshError> {
        let text = self.read_text()?;
        let mut found = false;
        let mut out = String::new();
        for (i, raw) in text.lines().enumerate() {
            if i + 1 == number {
                found = true;
                continue;
            }
            out.push_str(raw);
            out.push('\n');
        }
        if found {
            self.replace(&out)?;
        }
        Ok(found)
    }

    fn replace(&self, text: &str) -> Result<(), SshError> {
        let tmp = self.path.with_extension("fieldline-tmp");
        // The replacement is private (0600) before it takes the file's place.
        fieldline_fs::write_private(&tmp, text).map_err(|e| self.err(e))?;
        std::fs::rename(&tmp, &self.path).map_err(|e| self.err(e))
    }

    /// Imports the key lines of an OpenSSH known_hosts file (`~/.ssh/known_hosts`);
    /// lines already present are skipped, `@cert-authority` lines and broken lines are
    /// reported as problems. The source file is only read.
    pub fn import_openssh(&self, source: &Path) -> Result<ImportReport, SshError> {
        let text = read_limited(source).map_err(|e| SshError::KnownHosts {
            path: source.to_path_buf(),
            reason: e,
        })?;
        let mut present: Vec<Line> = self.lines()?;
        let mut report = ImportReport::default();
        let mut new_text = String::new();
        for (i, raw) in text.lines().enumerate() {
            let trimmed = raw.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let parsed = parse(trimmed);
            let Some(line) = parsed.into_iter().next() else {
                report
                    .problems
                    .push(format!("line {}: not a known_hosts line", i + 1));
                continue;
            };
            if line.marker.as_deref() == Some("@cert-authority") {
                report.problems.push(format!(
                    "line {}: @cert-authority lines are not supported; not imported",
                    i + 1
                ));
                continue;
            }
            let Some(blob) = line.blob() else {
                report
                    .problems
                    .push(format!("line {}: the key is not valid base64", i + 1));
                continue;
            };
            if key_type_of_blob(&blob).as_deref() != Some(line.key_type.as_str()) {
                report.problems.push(format!(
                    "line {}: the key does not match its type {}",
                    i + 1,
                    line.key_type
                ));
                continue;
            }
            let same = |l: &Line| {
                l.marker == line.marker
                    && l.hosts == line.hosts
                    && l.key_type == line.key_type
                    && l.key_b64 == line.key_b64
            };
            if present.iter().any(same) {
                report.skipped += 1;
                continue;
            }
            match &line.marker {
                Some(m) => new_text.push_str(&format!(
                    "{m} {} {} {}\n",
                    line.hosts, line.key_type, line.key_b64
                )),
                None => new_text.push_str(&format!(
                    "{} {} {}\n",
                    line.hosts, line.key_type, line.key_b64
                )),
            }
            report.added += 1;
            present.push(line);
        }
        if !new_text.is_empty() {
            self.append(&new_text)?;
        }
        Ok(report)
    }
}

fn read_limited(path: &Path) -> Result<String, String> {
    use std::io::Read;
    match std::fs::File::open(path) {
        Ok(file) => {
            let mut bytes = Vec::new();
            file.take(MAX_BYTES + 1)
                .read_to_end(&mut bytes)
                .map_err(|e| e.to_string())?;
            if bytes.len() as u64 > MAX_BYTES {
                return Err(format!("larger than {} MiB", MAX_BYTES >> 20));
            }
            Ok(String::from_utf8_lossy(&bytes).into_owned())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(String::new()),
        Err(e) => Err(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn policy_parses_openssh_words() {
        assert_eq!("yes".parse(), Ok(HostKeyPolicy::Strict));
        assert_eq!("accept-new".parse(), Ok(HostKeyPolicy::AcceptNew));
        assert_eq!("ask".parse(), Ok(HostKeyPolicy::Ask));
        assert!("no".parse::<HostKeyPolicy>().is_err());
    }

    #[test]
    fn names_use_brackets_off_port_22() {
        assert_eq!(known_hosts_name("Host.EXAMPLE", 22), "host.example");
        assert_eq!(known_hosts_name("10.0.0.1", 2222), "[10.0.0.1]:2222");
    }
}
