//! Named credential profiles: how to log in, never the secret itself.
//!
//! An endpoint names a profile in `SshSettings.credential`; the profile says which user
//! and which method (key file, key text in the keychain, agent, password,
//! keyboard-interactive). Secrets live only in the OS keychain under the account names
//! below ([`ssh_key_account`], ...), or are typed by the technician when needed. A
//! profile never holds a secret, so it may be stored, exported and logged freely.

use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use ts_rs::TS;

/// A named way of logging in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CredentialProfile {
    pub name: String,
    /// The login name; `None`: the endpoint's SSH user, else the default user.
    pub user: Option<String>,
    pub method: AuthMethod,
}

/// The login method of a profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum AuthMethod {
    /// A private key: this file, or (`None`) the key text stored in the keychain under
    /// [`ssh_key_account`]. Its passphrase, if any, under [`ssh_passphrase_account`] or typed.
    Key {
        #[ts(type = "string | null")]
        key_file: Option<PathBuf>,
    },
    /// The keys of the ssh-agent (`SSH_AUTH_SOCK` or the socket given in the options).
    Agent,
    /// A password from the keychain ([`ssh_password_account`]) or typed.
    Password,
    /// The server's questions, each answered by the technician; a stored password
    /// answers a hidden "Password:" question.
    KeyboardInteractive,
}

/// Keychain account of a profile's private key text (OpenSSH or PEM format).
pub fn ssh_key_account(profile: &str) -> String {
    format!("ssh:{profile}:key")
}

/// Keychain account of a profile's key passphrase.
pub fn ssh_passphrase_account(profile: &str) -> String {
    format!("ssh:{profile}:passphrase")
}

/// Keychain account of a profile's password.
pub fn ssh_password_account(profile: &str) -> String {
    format!("ssh:{profile}:password")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn serde_shape() {
        let p = CredentialProfile {
            name: "ops".into(),
            user: Some("admin".into()),
            method: AuthMethod::KeyboardInteractive,
        };
        let json = serde_json::to_string(&p).unwrap();
        assert!(json.contains(r#""kind":"keyboard_interactive""#), "{json}");
        assert_eq!(serde_json::from_str::<CredentialProfile>(&json).unwrap(), p);
        assert_eq!(ssh_key_account("ops"), "ssh:ops:key");
        assert_eq!(ssh_passphrase_account("ops"), "ssh:ops:passphrase");
        assert_eq!(ssh_password_account("ops"), "ssh:ops:password");
    }
}

/// Every keychain account a profile may own (key text, passphrase, password): what to
/// delete with the profile.
pub fn secret_accounts(profile: &str) -> [String; 3] {
    [
        ssh_key_account(profile),
        ssh_passphrase_account(profile),
        ssh_password_account(profile),
    ]
}

/// Private key text as libssh2 reads it: LF line ends, no blank lines or spaces around
/// it, one final newline (pasted keys often have CRLF, or lose the last newline).
pub fn normalize_key_text(text: &str) -> String {
    let mut out: String = text
        .trim()
        .lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n");
    out.push('\n');
    out
}

#[cfg(test)]
mod key_text {
    use super::normalize_key_text;

    #[test]
    fn pasted_keys_get_plain_line_ends_and_one_final_newline() {
        let pasted = "\r\n-----BEGIN TEST BLOCK-----\r\nAAAA\r\n-----END TEST BLOCK-----";
        assert_eq!(
            normalize_key_text(pasted),
            "-----BEGIN TEST BLOCK-----\nAAAA\n-----END TEST BLOCK-----\n"
        );
        let clean = "-----BEGIN X-----\nB\n-----END X-----\n";
        assert_eq!(normalize_key_text(clean), clean);
    }
}
