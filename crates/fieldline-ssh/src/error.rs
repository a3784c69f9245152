//! The errors of connecting and logging in, worded for the technician who reads them.
//!
//! Every message says what happened, on which hop, and what to do next. No message ever
//! carries a secret (passwords, passphrases, key text, one-time codes): only account
//! names, user names, host names and fingerprints.

use std::path::PathBuf;

/// Why a connection (or a step of one) failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SshError {
    /// The host sent a key that differs from the one Fieldline knows. Always refused.
    #[error(
        "HOST KEY CHANGED for {label} ({host} port {port}): it now sends {key_type} {new}, but \
         Fieldline knows it as {old}. Nothing was sent to it: no login was attempted. Someone \
         may be intercepting the connection, or the host was reinstalled. Check the new \
         fingerprint with the host's administrator (ssh-keygen -lf /etc/ssh/ssh_host_*.pub \
         on the host); if the change is expected, remove the old key in Fieldline (Sessions \
         > Credentials > Known hosts, or `fieldline known-hosts remove`) and connect again.",
        old = .old.join(", ")
    )]
    HostKeyChanged {
        label: String,
        host: String,
        port: u16,
        key_type: String,
        old: Vec<String>,
        new: String,
    },
    /// Strict policy: the host is not in Fieldline's known_hosts.
    #[error(
        "the host key of {label} ({host} port {port}) is not known: it sends {key_type} \
         {fingerprint}, not in {known_hosts}. Nothing was sent to it. If this fingerprint is \
         the host's, open a terminal tab to it once and accept the key (or \
         connect once with the host key policy \"ask\"), or import ~/.ssh/known_hosts \
         (Sessions > Credentials > Known hosts)."
    )]
    HostKeyUnknown {
        label: String,
        host: String,
        port: u16,
        key_type: String,
        fingerprint: String,
        /// Fieldline's known_hosts, as shown (a String: a `PathBuf` is larger on Windows,
        /// and every `Result` of this crate carries this error).
        known_hosts: String,
    },
    /// The technician refused (or did not answer) the host key question.
    #[error(
        "the host key of {label} ({host} port {port}, {fingerprint}) was not accepted; \
         nothing was sent to it"
    )]
    HostKeyRefused {
        label: String,
        host: String,
        port: u16,
        fingerprint: String,
    },
    /// Fieldline's known_hosts file could not be read or written.
    #[error("known_hosts {path}: {reason}")]
    KnownHosts { path: PathBuf, reason: String },
    /// The route could not be built from the fleet (unknown endpoint, jump cycle, ...).
    #[error("{0}")]
    Route(String),
    /// TCP connection to the first hop, or the SSH handshake with a hop, failed.
    #[error("cannot connect to {label} ({addr}): {reason}")]
    Connect {
        label: String,
        addr: String,
        reason: String,
    },
    /// A jump host would not open the tunnel to the next hop.
    #[error(
        "the jump host {label} refused to open a tunnel to {target}: {reason}. Check that \
         {label} allows TCP forwarding to it (sshd AllowTcpForwarding / PermitOpen) and that \
         {target} is reachable from {label}."
    )]
    JumpRefused {
        label: String,
        target: String,
        reason: String,
    },
    /// The server did not accept the login.
    #[error(
        "{label} did not accept the login as {user} (tried: {tried}){accepts}. Check the \
         user name and the credential profile.",
        tried = .tried.join(", "),
        accepts = .server_accepts.as_ref().map(|m| format!("; it accepts: {m}")).unwrap_or_default()
    )]
    Auth {
        label: String,
        user: String,
        tried: Vec<String>,
        server_accepts: Option<String>,
    },
    /// The key's passphrase is wrong (or the key file cannot be read as a private key).
    #[error(
        "wrong passphrase for key {key} (logging in to {label}), or the key is not a private \
         key libssh2 can read. Correct the passphrase stored for the credential profile, or \
         type it again."
    )]
    WrongPassphrase { label: String, key: String },
    /// A secret was needed and neither the keychain nor the technician gave it.
    #[error("no {what} for {label}: login cancelled")]
    NoSecret { label: String, what: String },
    /// The credential profile cannot work as configured (missing key file, ...).
    #[error("credential profile {profile}: {reason}")]
    Profile { profile: String, reason: String },
    /// The OS keychain failed.
    #[error("keychain: {0}")]
    Keychain(String),
    /// A hop did not answer in time.
    #[error("no answer from {label} within {seconds} s ({what})")]
    Timeout {
        label: String,
        what: String,
        seconds: u64,
    },
    /// The connection ended (server gone, link dropped).
    #[error("the connection to {label} was lost ({reason}); reconnect?")]
    Closed { label: String, reason: String },
    /// Another SSH protocol failure.
    #[error("{what} on {label} failed: {reason}")]
    Ssh {
        label: String,
        what: String,
        reason: String,
    },
    /// A local I/O failure (socket pair, thread).
    #[error("{what}: {reason}")]
    Io { what: String, reason: String },
}

impl SshError {
    /// Whether the host could not be reached at all (no connection, no answer, a jump that
    /// would not tunnel): worth trying again later, unlike a refused key or login.
    pub fn is_unreachable(&self) -> bool {
        matches!(
            self,
            SshError::Connect { .. } | SshError::Timeout { .. } | SshError::JumpRefused { .. }
        )
    }
}

impl From<fieldline_keychain::SecretError> for SshError {
    fn from(e: fieldline_keychain::SecretError) -> SshError {
        SshError::Keychain(e.to_string())
    }
}

// libssh2 error codes (libssh2.h).
pub(crate) const LIBSSH2_ERROR_SOCKET_SEND: i32 = -7;
pub(crate) const LIBSSH2_ERROR_TIMEOUT: i32 = -9;
pub(crate) const LIBSSH2_ERROR_SOCKET_DISCONNECT: i32 = -13;
pub(crate) const LIBSSH2_ERROR_FILE: i32 = -16;
pub(crate) const LIBSSH2_ERROR_EAGAIN: i32 = -37;
pub(crate) const LIBSSH2_ERROR_SOCKET_RECV: i32 = -43;

pub(crate) fn code(e: &ssh2::Error) -> Option<i32> {
    match e.code() {
        ssh2::ErrorCode::Session(c) => Some(c),
        ssh2::ErrorCode::SFTP(_) => None,
    }
}

pub(crate) fn is_timeout(e: &ssh2::Error) -> bool {
    code(e) == Some(LIBSSH2_ERROR_TIMEOUT)
}

pub(crate) fn is_lost(e: &ssh2::Error) -> bool {
    matches!(
        code(e),
        Some(
            LIBSSH2_ERROR_SOCKET_SEND | LIBSSH2_ERROR_SOCKET_DISCONNECT | LIBSSH2_ERROR_SOCKET_RECV
        )
    )
}

/// Maps a libssh2 failure of `what` on hop `label` to a technician's error.
pub(crate) fn ssh_failure(label: &str, what: &str, e: &ssh2::Error, timeout_s: u64) -> SshError {
    if is_timeout(e) {
        SshError::Timeout {
            label: label.into(),
            what: what.into(),
            seconds: timeout_s,
        }
    } else if is_lost(e) {
        SshError::Closed {
            label: label.into(),
            reason: format!("during {what}: {}", e.message()),
        }
    } else {
        SshError::Ssh {
            label: label.into(),
            what: what.into(),
            reason: e.message().into(),
        }
    }
}
