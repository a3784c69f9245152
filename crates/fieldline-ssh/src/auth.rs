//! Logging in on one hop whose host key has already been accepted.
//!
//! [`authenticate`] is called by [`crate::connect`] only after the hop's host key passed;
//! only then are secrets looked up (keychain first, then the technician through the
//! [`Prompter`]). Secrets are held in [`Secret`] (Debug prints `***`), handed to libssh2
//! and dropped; no error message contains one.

use crate::connect::{Prompter, SecretKind, SecretQuestion};
use crate::error::{code, ssh_failure, SshError, LIBSSH2_ERROR_FILE};
use crate::profile::{
    ssh_key_account, ssh_passphrase_account, ssh_password_account, AuthMethod, CredentialProfile,
};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use fieldline_keychain::SecretStore;
use ssh2::{KeyboardInteractivePrompt, Prompt, Session};
use std::path::{Path, PathBuf};

/// Keys tried from an agent at most (sshd's MaxAuthTries is 6 by default).
const MAX_AGENT_KEYS: usize = 5;
const MAX_KEY_FILE_BYTES: u64 = 1 << 20;

/// A secret in memory: its Debug output is `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

/// What [`authenticate`] needs besides the session.
pub struct AuthContext<'a> {
    /// The hop's label for messages and prompts.
    pub label: &'a str,
    pub user: &'a str,
    pub profile: &'a CredentialProfile,
    pub secrets: &'a dyn SecretStore,
    pub prompter: &'a mut dyn Prompter,
    /// The ssh-agent socket; `None`: `SSH_AUTH_SOCK`.
    pub agent_socket: Option<&'a Path>,
    /// Seconds of the session timeout, for messages.
    pub timeout_s: u64,
}

impl AuthContext<'_> {
    fn ask(&mut self, kind: SecretKind, prompt: &str, echo: bool) -> Option<Secret> {
        self.prompter
            .secret(&SecretQuestion {
                label: self.label.to_owned(),
                user: self.user.to_owned(),
                secret: kind,
                prompt: prompt.to_owned(),
                echo,
            })
            .map(Secret)
    }

    fn stored(&self, account: &str) -> Result<Option<Secret>, SshError> {
        Ok(self.secrets.get(account)?.map(Secret))
    }

    fn auth_error(&self, session: &Session, tried: Vec<String>) -> SshError {
        let server_accepts = session.auth_methods(self.user).ok().map(str::to_owned);
        SshError::Auth {
            label: self.label.to_owned(),
            user: self.user.to_owned(),
            tried,
            server_accepts,
        }
    }
}

/// Logs in on `session` (connected, handshake done, host key ACCEPTED) as the context says.
pub fn authenticate(session: &Session, cx: &mut AuthContext<'_>) -> Result<(), SshError> {
    let result = match cx.profile.method.clone() {
        AuthMethod::Key {
            key_file: Some(path),
        } => key_file(session, cx, &path),
        AuthMethod::Key { key_file: None } => key_in_keychain(session, cx),
        AuthMethod::Agent => agent(session, cx),
        AuthMethod::Password => password(session, cx),
        AuthMethod::KeyboardInteractive => keyboard_interactive(session, cx),
    };
    match result {
        Ok(()) if session.authenticated() => Ok(()),
        Ok(()) => Err(cx.auth_error(session, vec![method_name(&cx.profile.method).into()])),
        Err(e) => Err(e),
    }
}

fn method_name(m: &AuthMethod) -> &'static str {
    match m {
        AuthMethod::Key { .. } => "publickey",
        AuthMethod::Agent => "publickey (ssh-agent)",
        AuthMethod::Password => "password",
        AuthMethod::KeyboardInteractive => "keyboard-interactive",
    }
}

fn passphrase_for(
    cx: &mut AuthContext<'_>,
    text: &str,
    key: &str,
) -> Result<Option<Secret>, SshError> {
    if !key_needs_passphrase(text) {
        return Ok(None);
    }
    if let Some(p) = cx.stored(&ssh_passphrase_account(&cx.profile.name))? {
        return Ok(Some(p));
    }
    match cx.ask(
        SecretKind::Passphrase,
        &format!("Passphrase for key {key}"),
        false,
    ) {
        Some(p) => Ok(Some(p)),
        None => Err(SshError::NoSecret {
            label: cx.label.to_owned(),
            what: format!("passphrase for key {key}"),
        }),
    }
}

fn pubkey_result(
    session: &Session,
    cx: &AuthContext<'_>,
    key: &str,
    had_passphrase: bool,
    result: Result<(), ssh2::Error>,
) -> Result<(), SshError> {
    match result {
        Ok(()) => Ok(()),
        Err(e) if code(&e) == Some(LIBSSH2_ERROR_FILE) => {
            if had_passphrase {
                Err(SshError::WrongPassphrase {
                    label: cx.label.to_owned(),
                    key: key.to_owned(),
                })
            } else {
                Err(SshError::Profile {
                    profile: cx.profile.name.clone(),
                    reason: format!(
                        "the key {key} cannot be read as a private key ({})",
                        e.message()
                    ),
                })
            }
        }
        Err(e) if crate::error::is_timeout(&e) || crate::error::is_lost(&e) => {
            Err(ssh_failure(cx.label, "logging in", &e, cx.timeout_s))
        }
        Err(_) => Err(cx.auth_error(session, vec![format!("publickey ({key})")])),
    }
}

fn key_file(session: &Session, cx: &mut AuthContext<'_>, path: &Path) -> Result<(), SshError> {
    let shown = path.display().to_string();
    let text = read_key_file(path).map_err(|reason| SshError::Profile {
        profile: cx.profile.name.clone(),
        reason: format!("cannot read the key file {shown}: {reason}"),
    })?;
    let pass = passphrase_for(cx, &text, &shown)?;
    drop(text);
    let r = session.userauth_pubkey_file(cx.user, None, path, pass.as_ref().map(Secret::expose));
    pubkey_result(session, cx, &shown, pass.is_some(), r)
}

fn key_in_keychain(session: &Session, cx: &mut AuthContext<'_>) -> Result<(), SshError> {
    let account = ssh_key_account(&cx.profile.name);
    let Some(text) = cx.stored(&account)? else {
        return Err(SshError::Profile {
            profile: cx.profile.name.clone(),
            reason: format!(
                "no private key in the keychain (account {account}): add the key to the \
                 profile, or give it a key file"
            ),
        });
    };
    let shown = format!("stored in the keychain ({account})");
    // Pasted keys arrive with CRLF line ends or without the last newline; libssh2 reads
    // neither.
    let text = Secret(crate::profile::normalize_key_text(text.expose()));
    let pass = passphrase_for(cx, text.expose(), &shown)?;
    let r = session.userauth_pubkey_memory(
        cx.user,
        None,
        text.expose(),
        pass.as_ref().map(Secret::expose),
    );
    pubkey_result(session, cx, &shown, pass.is_some(), r)
}

fn agent(session: &Session, cx: &mut AuthContext<'_>) -> Result<(), SshError> {
    let socket: Option<PathBuf> = cx.agent_socket.map(Path::to_path_buf).or_else(|| {
        std::env::var_os("SSH_AUTH_SOCK")
            .filter(|s| !s.is_empty())
            .map(PathBuf::from)
    });
    let no_agent = |reason: String| SshError::Profile {
        profile: cx.profile.name.clone(),
        reason,
    };
    let mut agent = session
        .agent()
        .map_err(|e| no_agent(format!("cannot use an ssh-agent: {}", e.message())))?;
    match &socket {
        Some(s) => agent
            .set_identity_path(s)
            .map_err(|e| no_agent(format!("ssh-agent socket {}: {}", s.display(), e.message())))?,
        None if cfg!(unix) => {
            return Err(no_agent(
                "no ssh-agent: SSH_AUTH_SOCK is not set; start an agent and add your key".into(),
            ))
        }
        None => {}
    }
    agent.connect().map_err(|e| {
        no_agent(format!(
            "cannot reach the ssh-agent{}: {}",
            socket
                .as_ref()
                .map(|s| format!(" at {}", s.display()))
                .unwrap_or_default(),
            e.message()
        ))
    })?;
    agent.list_identities().map_err(|e| {
        no_agent(format!(
            "the ssh-agent did not list its keys: {}",
            e.message()
        ))
    })?;
    let identities = agent.identities().map_err(|e| {
        no_agent(format!(
            "the ssh-agent did not list its keys: {}",
            e.message()
        ))
    })?;
    if identities.is_empty() {
        let _ = agent.disconnect();
        return Err(no_agent(
            "the ssh-agent holds no keys: add one with ssh-add".into(),
        ));
    }
    let mut tried = Vec::new();
    for id in identities.iter().take(MAX_AGENT_KEYS) {
        let fp = crate::known_hosts::fingerprint_sha256(id.blob());
        match agent.userauth(cx.user, id) {
            Ok(()) => {
                let _ = agent.disconnect();
                return Ok(());
            }
            Err(e) if crate::error::is_timeout(&e) || crate::error::is_lost(&e) => {
                return Err(ssh_failure(cx.label, "logging in", &e, cx.timeout_s));
            }
            Err(_) => tried.push(format!("publickey (agent key {fp})")),
        }
    }
    let _ = agent.disconnect();
    Err(cx.auth_error(session, tried))
}

fn password(session: &Session, cx: &mut AuthContext<'_>) -> Result<(), SshError> {
    let stored = cx.stored(&ssh_password_account(&cx.profile.name))?;
    let pw = match stored {
        Some(p) => p,
        None => cx
            .ask(
                SecretKind::Password,
                &format!("Password for {}@{}", cx.user, cx.label),
                false,
            )
            .ok_or_else(|| SshError::NoSecret {
                label: cx.label.to_owned(),
                what: "password".into(),
            })?,
    };
    match session.userauth_password(cx.user, pw.expose()) {
        Ok(()) => Ok(()),
        Err(e) if crate::error::is_timeout(&e) || crate::error::is_lost(&e) => {
            Err(ssh_failure(cx.label, "logging in", &e, cx.timeout_s))
        }
        Err(_) => Err(cx.auth_error(session, vec!["password".into()])),
    }
}

struct KbdInt<'a, 'b> {
    cx: &'a mut AuthContext<'b>,
    stored: Option<Secret>,
    stored_used: bool,
    cancelled: bool,
}

impl KeyboardInteractivePrompt for KbdInt<'_, '_> {
    fn prompt<'p>(
        &mut self,
        _username: &str,
        instructions: &str,
        prompts: &[Prompt<'p>],
    ) -> Vec<String> {
        let mut answers = Vec::with_capacity(prompts.len());
        for p in prompts {
            if self.cancelled {
                answers.push(String::new());
                continue;
            }
            let is_password = !p.echo && p.text.to_lowercase().contains("password");
            if is_password && !self.stored_used {
                // The stored password answers the first hidden password question only: a
                // second one means it was wrong, and the technician is asked instead.
                if let Some(pw) = &self.stored {
                    self.stored_used = true;
                    answers.push(pw.expose().to_owned());
                    continue;
                }
            }
            let text = if instructions.trim().is_empty() {
                p.text.to_string()
            } else {
                format!("{}\n{}", instructions.trim(), p.text)
            };
            match self.cx.ask(SecretKind::Prompt, &text, p.echo) {
                Some(answer) => answers.push(answer.expose().to_owned()),
                None => {
                    self.cancelled = true;
                    answers.push(String::new());
                }
            }
        }
        answers
    }
}

fn keyboard_interactive(session: &Session, cx: &mut AuthContext<'_>) -> Result<(), SshError> {
    let stored = cx.stored(&ssh_password_account(&cx.profile.name))?;
    let label = cx.label.to_owned();
    let timeout_s = cx.timeout_s;
    let mut k = KbdInt {
        cx,
        stored,
        stored_used: false,
        cancelled: false,
    };
    let r = session.userauth_keyboard_interactive(k.cx.user, &mut k);
    let cancelled = k.cancelled;
    match r {
        Ok(()) => Ok(()),
        Err(_) if cancelled => Err(SshError::NoSecret {
            label,
            what: "answer to the server's question".into(),
        }),
        Err(e) if crate::error::is_timeout(&e) || crate::error::is_lost(&e) => {
            Err(ssh_failure(&label, "logging in", &e, timeout_s))
        }
        Err(_) => Err(cx_error(session, &k, vec!["keyboard-interactive".into()])),
    }
}

fn cx_error(session: &Session, k: &KbdInt<'_, '_>, tried: Vec<String>) -> SshError {
    k.cx.auth_error(session, tried)
}

fn read_key_file(path: &Path) -> Result<String, String> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut bytes = Vec::new();
    file.take(MAX_KEY_FILE_BYTES)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// The label of a PEM-style armour line (`-----BEGIN <label>-----`), if it is one.
fn begin_label(line: &str) -> Option<&str> {
    line.trim()
        .strip_prefix("-----BEGIN ")?
        .strip_suffix("-----")
}

/// Whether some text is a private key (OpenSSH, PEM or PuTTY format), not a public key.
pub fn looks_like_private_key(text: &str) -> bool {
    text.starts_with("PuTTY-User-Key-File")
        || text
            .lines()
            .filter_map(begin_label)
            .any(|label| label.ends_with("PRIVATE KEY"))
}

/// Whether a private key's text (OpenSSH, PEM or PuTTY format) says it is encrypted.
pub fn key_needs_passphrase(text: &str) -> bool {
    if text.contains("Proc-Type: 4,ENCRYPTED") {
        return true;
    }
    if let Some(line) = text.lines().find(|l| l.starts_with("Encryption:")) {
        // PuTTY .ppk
        return line.trim_start_matches("Encryption:").trim() != "none";
    }
    let mut lines = text.lines();
    let Some(label) = lines.by_ref().find_map(begin_label) else {
        return false;
    };
    if label == "ENCRYPTED PRIVATE KEY" {
        return true;
    }
    if label != "OPENSSH PRIVATE KEY" {
        return false;
    }
    // "openssh-key-v1\0", then the cipher name as an SSH string.
    let body: String = lines
        .take_while(|l| !l.starts_with("-----END"))
        .flat_map(|l| l.trim().chars())
        .collect();
    let Ok(bytes) = STANDARD.decode(body.trim()) else {
        return false;
    };
    bytes
        .strip_prefix(b"openssh-key-v1\0")
        .and_then(crate::known_hosts::key_type_of_blob)
        .is_some_and(|cipher| cipher != "none")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn secret_debug_hides_it() {
        assert_eq!(format!("{:?}", Secret::new("hunter2")), "***");
    }
}
