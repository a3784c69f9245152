//! SFTP as the window performs it (and a CLI can): browse an endpoint's files, copy a file
//! or folder down into a local folder or up into a remote one, audited. The local side is
//! always a path the technician chose (a native picker in the window); a folder as the
//! destination means "into it, under the source's name". Connections never ask about host
//! keys: the key must be known already.

use crate::remote::{remote_error, Context};
use fieldline_ipc::IpcError;
use fieldline_keychain::SecretStore;
use fieldline_ssh::audit::AuditAction;
use fieldline_ssh::sftp::{self, Direction, Listing, Progress};
use std::path::Path;
use std::sync::atomic::AtomicBool;

/// The entries of `path` on `endpoint`.
pub fn list(
    ctx: &Context,
    secrets: &dyn SecretStore,
    endpoint: &str,
    path: &str,
) -> Result<Listing, IpcError> {
    let conn = ctx.connect_known(endpoint, secrets)?;
    let sftp = sftp::open(conn.target()).map_err(remote_error)?;
    sftp::list(&sftp, path).map_err(remote_error)
}

/// The last part of a remote path, when it is a usable file name.
fn base_name(remote: &str) -> Option<&str> {
    remote
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .filter(|n| !n.is_empty() && *n != "." && *n != "..")
}

/// What one transfer copies.
pub struct Transfer<'a> {
    pub endpoint: &'a str,
    pub direction: Direction,
    pub remote: &'a str,
    /// Chosen by the technician: the folder to download into, or the file or folder to
    /// upload.
    pub local: &'a Path,
}

/// Copies and audits (the entry says what was copied, or why not). `Err` is the reason,
/// already in words for the technician.
pub fn transfer(
    ctx: &Context,
    secrets: &dyn SecretStore,
    t: &Transfer<'_>,
    cancel: &AtomicBool,
    report: &mut dyn FnMut(&Progress),
) -> Result<Progress, String> {
    let result = copy(ctx, secrets, t, cancel, report);
    let local = t.local.display().to_string();
    let detail = match &result {
        Ok(p) => {
            serde_json::json!({ "remote": t.remote, "local": local, "bytes": p.done_bytes, "files": p.files_done })
        }
        Err(e) => serde_json::json!({ "remote": t.remote, "local": local, "error": e }),
    };
    let action = match t.direction {
        Direction::Download => AuditAction::SftpDownload,
        Direction::Upload => AuditAction::SftpUpload,
    };
    if let Err(e) = ctx.record(
        action,
        ctx.customer(t.endpoint).as_deref(),
        Some(t.endpoint),
        detail,
    ) {
        tracing::error!("audit entry not written: {e}");
    }
    result
}

fn copy(
    ctx: &Context,
    secrets: &dyn SecretStore,
    t: &Transfer<'_>,
    cancel: &AtomicBool,
    report: &mut dyn FnMut(&Progress),
) -> Result<Progress, String> {
    let conn = ctx
        .connect_known(t.endpoint, secrets)
        .map_err(|e| e.to_string())?;
    let sftp = sftp::open(conn.target()).map_err(|e| e.to_string())?;
    match t.direction {
        Direction::Download => {
            let to = match (t.local.is_dir(), base_name(t.remote)) {
                (true, Some(name)) => t.local.join(name),
                _ => t.local.to_path_buf(),
            };
            sftp::download(&sftp, t.remote, &to, cancel, report)
        }
        Direction::Upload => {
            let into = sftp
                .stat(Path::new(t.remote))
                .map(|st| st.is_dir())
                .unwrap_or(false);
            let to = match (into, t.local.file_name().and_then(|n| n.to_str())) {
                (true, Some(name)) => format!("{}/{name}", t.remote.trim_end_matches('/')),
                _ => t.remote.to_owned(),
            };
            sftp::upload(&sftp, t.local, &to, cancel, report)
        }
    }
    .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::base_name;

    #[test]
    fn a_remote_base_name_is_a_usable_file_name_or_none() {
        assert_eq!(base_name("/srv/report.txt"), Some("report.txt"));
        assert_eq!(base_name("/srv/www/"), Some("www"));
        assert_eq!(base_name("/"), None);
        assert_eq!(base_name("/srv/.."), None);
    }
}
