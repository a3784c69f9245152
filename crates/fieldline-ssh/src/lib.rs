//! Remote sessions over SSH, through libssh2 (the `ssh2` crate).
//!
//! The one rule above all others: **no credential leaves the laptop before the host key of
//! that hop is accepted**, on every hop of a jump chain. Secrets come from the OS keychain
//! (`fieldline_keychain`) or from the technician at a prompt, are handed to libssh2 and
//! dropped; they are never written to the store, logs, recordings or error messages.
//!
//! - [`known_hosts`]: Fieldline's own known_hosts file (OpenSSH format, hashed entries
//!   understood), import of `~/.ssh/known_hosts`, the host-key policy.
//! - [`profile`]: named credential profiles (what kind of login; the secrets' keychain accounts).
//! - [`auth`]: logging in on one hop once its host key is accepted.
//! - [`connect`]: a route (jump hops, then the target), each hop verified and authenticated
//!   on its own, tunnelled through the previous one.
//! - [`error`]: what went wrong, worded for the technician (never with a secret).
//! - [`session`]: the session actor: one thread owns a connection and its PTY channel; the
//!   rest of the app talks to it through a handle and a stream of events.
//! - [`forward`]: local port forwards (loopback only).
//! - [`sftp`]: browse, upload and download with progress and cancel.
//! - [`fanout`]: one command on many hosts, capped, with per-host results and a queue for
//!   hosts that are unreachable.
//! - [`recording`]: asciicast v2 recordings of interactive sessions.
//! - [`audit`]: the append-only, hash-chained audit log.
//! - [`ssh_config`]: import of hosts from `~/.ssh/config`.
//! - [`terminal_filter`]: drops the escape sequences in session output that would read the
//!   clipboard or make the terminal answer back.

pub mod audit;
pub mod auth;
pub mod connect;
pub mod error;
pub mod fanout;
pub mod forward;
pub mod known_hosts;
pub mod profile;
pub mod recording;
pub mod session;
pub mod sftp;
pub mod ssh_config;
pub mod terminal_filter;

/// Where remote sessions keep their files in the data folder (beside the store). All of
/// them are private: files `0600`, folders `0700`, looser existing ones tightened when
/// written (`fieldline_fs`; on Windows the per-user profile's ACLs, see there).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataPaths {
    /// Fieldline's own known_hosts (OpenSSH format).
    pub known_hosts: std::path::PathBuf,
    /// Asciicast recordings, one folder per customer.
    pub recordings: std::path::PathBuf,
    /// The hash-chained audit log (JSON Lines).
    pub audit: std::path::PathBuf,
}

impl DataPaths {
    pub fn in_dir(data_dir: &std::path::Path) -> DataPaths {
        DataPaths {
            known_hosts: data_dir.join("known_hosts"),
            recordings: data_dir.join("recordings"),
            audit: data_dir.join("audit.jsonl"),
        }
    }
}

/// What [`export_customer`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerExport {
    pub folder: std::path::PathBuf,
    pub audit_entries: u64,
    pub recordings: usize,
}

/// Everything kept about one customer's remote sessions, for handing over: their audit
/// entries (`audit.jsonl`, each with its hashes) and their session recordings
/// (`recordings/*.cast`), in a new folder `out` (an existing one is refused, nothing is
/// overwritten). The folders are created `0700` and the files `0600`, whatever the modes
/// of the originals (`fieldline_fs`).
pub fn export_customer(
    paths: &DataPaths,
    customer: &str,
    out: &std::path::Path,
) -> Result<CustomerExport, String> {
    fieldline_fs::create_new_private_dir(out).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => format!(
            "{} already exists; choose a new folder for the export",
            out.display()
        ),
        _ => format!("cannot create {}: {e}", out.display()),
    })?;
    let audit_entries = if paths.audit.exists() {
        audit::export_customer(&paths.audit, customer, &out.join("audit.jsonl"))
            .map_err(|e| e.to_string())?
            .entries
    } else {
        0
    };
    let recordings_dir = out.join("recordings");
    let mut recordings = 0;
    for info in recording::list(&paths.recordings, Some(customer)) {
        if recordings == 0 {
            fieldline_fs::create_new_private_dir(&recordings_dir)
                .map_err(|e| format!("cannot create {}: {e}", recordings_dir.display()))?;
        }
        let Some(name) = info.path.file_name() else {
            continue;
        };
        fieldline_fs::copy_private(&info.path, &recordings_dir.join(name))
            .map_err(|e| format!("cannot copy {}: {e}", info.path.display()))?;
        recordings += 1;
    }
    Ok(CustomerExport {
        folder: out.to_path_buf(),
        audit_entries,
        recordings,
    })
}

/// The longest message from a server or library kept in an error.
pub const MAX_MESSAGE_CHARS: usize = 300;

/// A message from libssh2 or a server as Fieldline shows it: control characters
/// (terminal escapes) replaced, whitespace collapsed, cut to [`MAX_MESSAGE_CHARS`].
pub fn clean_message(text: &str) -> String {
    let mut out = String::new();
    let mut space = false;
    for c in text.chars() {
        if out.chars().count() >= MAX_MESSAGE_CHARS {
            out.push('…');
            break;
        }
        if c.is_whitespace() {
            space = !out.is_empty();
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        out.push(if c.is_control() { '\u{fffd}' } else { c });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_lose_escapes_and_are_bounded() {
        assert_eq!(clean_message("  a\u{1b}[2J\n\tb  "), "a\u{fffd}[2J b");
        let long = clean_message(&"x".repeat(10_000));
        assert_eq!(long.chars().count(), MAX_MESSAGE_CHARS + 1);
    }
}
