//! Connection credentials (helpdesk API tokens, passwords) in the OS keychain.
//!
//! This is the only place Fieldline keeps a secret: the macOS Keychain, the Windows
//! Credential Manager, or the Secret Service on Linux (GNOME Keyring, KeePassXC), through
//! the `keyring` crate. Configuration files and the store hold only the account name
//! ([`connection_account`]), never the secret.
//!
//! Not for: caching secrets in memory, or choosing a keychain at run time (each platform
//! has exactly one, picked when the crate is built).
//!
//! Every error names the account and says what to do next; no error and no `Debug`
//! output ever carries a secret.
//!
//! On Linux a locked keychain is unlocked through the Secret Service's own prompt, waited
//! for at most [`Keychain::with_unlock_wait`] (the keyring crate alone would wait for a
//! year); with no prompt available (no desktop session) the call fails at once with
//! [`SecretError::Locked`].
//!
//! A secret sent over HTTP (helpdesk tokens, Prometheus credentials) is kept bound to its
//! destination ([`Destination`], see [`bound`]): saved with [`SecretStore::set_bound`],
//! read with [`SecretStore::get_for`], which gives it out only for the origins it was
//! entered for. [`secret_origin`] is the one rule for where a secret may go over HTTP.
//!
//! Where one keychain entry holds less than a secret may be (the Windows Credential
//! Manager: 2,560 bytes, less than an RSA-4096 private key), a longer secret is split
//! across several entries of the same keychain (`account`, `account#1`, ...), never moved
//! to a file; see `split.rs`.

use std::time::Duration;

pub mod bound;
mod split;

use bound::Stored;
pub use bound::{secret_origin, Destination, DestinationError};
use split::{EntryLimit, Split};

/// The keychain service name of every Fieldline secret.
pub const SERVICE: &str = "app.fieldline.console";

/// The largest secret accepted, in bytes of UTF-8: twice an RSA-4096 private key in PEM
/// (about 3.4 KB); anything bigger is a paste gone wrong. (Windows holds at most 1,280
/// UTF-16 units per entry; a longer secret is split across entries there.)
pub const MAX_SECRET_BYTES: usize = 8 * 1024;

/// The most one entry of this system's keychain holds, where that is less than
/// [`MAX_SECRET_BYTES`]: longer secrets are then split across entries.
///
/// Windows: `CRED_MAX_CREDENTIAL_BLOB_SIZE` (2,560 bytes), which the keyring crate fills
/// with UTF-16. The Secret Service and the macOS Keychain take far more.
const ENTRY_LIMIT: Option<EntryLimit> = if cfg!(target_os = "windows") {
    Some(EntryLimit {
        max: 2560 / 2,
        unit: split::Unit::Utf16Units,
    })
} else {
    None
};

/// How long a keychain call waits for the user to answer the keychain's unlock prompt.
pub const DEFAULT_UNLOCK_WAIT: Duration = Duration::from_secs(60);

/// The keychain account name of a helpdesk connection's secret.
pub fn connection_account(connection: &str) -> String {
    format!("connection:{connection}")
}

/// Where secrets live. [`Keychain`] is the real one; tests of callers may use a fake.
pub trait SecretStore: Send + Sync {
    /// The secret of `account`, or `None` when there is none.
    fn get(&self, account: &str) -> Result<Option<String>, SecretError>;
    /// Stores `secret` for `account`, replacing any previous one.
    fn set(&self, account: &str, secret: &str) -> Result<(), SecretError>;
    /// Ok even when there was nothing to delete.
    fn delete(&self, account: &str) -> Result<(), SecretError>;

    /// Stores `secret` for `account`, to be sent only to `to` (see [`SecretStore::get_for`]).
    /// An account kept this way is read with `get_for`, never with `get`.
    fn set_bound(&self, account: &str, to: &Destination, secret: &str) -> Result<(), SecretError> {
        check_secret(account, secret)?;
        self.set(account, &bound::seal(to, secret))
    }

    /// The secret of `account`, to be sent to `wanted`; `None` when there is none.
    /// Refused ([`SecretError::WrongDestination`]) when it was saved for another
    /// destination: the technician enters it again for the new one.
    ///
    /// `legacy_to` is where the configuration saved with the secret sends it (`None`: no
    /// configuration is saved). A secret saved before destinations were recorded is taken
    /// as bound there, and saved again bound on this first use; with no `legacy_to` it is
    /// refused ([`SecretError::Unbound`]).
    fn get_for(
        &self,
        account: &str,
        wanted: &Destination,
        legacy_to: Option<&Destination>,
    ) -> Result<Option<String>, SecretError> {
        let Some(value) = self.get(account)? else {
            return Ok(None);
        };
        let wrong = |saved: &Destination| SecretError::WrongDestination {
            account: account.to_owned(),
            saved: saved.to_string(),
            wanted: wanted.to_string(),
        };
        match bound::open(value) {
            Stored::Bound { to, secret } if to.covers(wanted) => Ok(Some(secret)),
            Stored::Bound { to, .. } => Err(wrong(&to)),
            Stored::Damaged => Err(SecretError::Damaged {
                account: account.to_owned(),
            }),
            Stored::Legacy(secret) => match legacy_to {
                None => Err(SecretError::Unbound {
                    account: account.to_owned(),
                    wanted: wanted.to_string(),
                }),
                Some(saved) if !saved.covers(wanted) => Err(wrong(saved)),
                Some(saved) => {
                    // Best effort: the secret may go to `wanted` either way, and a failed
                    // write is tried again on the next use.
                    let _ = self.set_bound(account, saved, &secret);
                    Ok(Some(secret))
                }
            },
        }
    }

    /// Before a configuration that sends `account`'s secret to `to` is saved: stores
    /// `typed` (a secret entered with this save; blank counts as none) bound to `to`, or,
    /// with none typed and a destination other than the saved configuration's
    /// (`saved_to`), makes sure the secret already kept may go there. A kept secret that
    /// may not is refused ([`SecretError::WrongDestination`] / [`SecretError::Unbound`]:
    /// "enter it again"); none kept at all is fine (the configuration waits for one).
    fn bind_on_save(
        &self,
        account: &str,
        to: &Destination,
        saved_to: Option<&Destination>,
        typed: Option<&str>,
    ) -> Result<(), SecretError> {
        if let Some(secret) = typed.map(str::trim).filter(|s| !s.is_empty()) {
            return self.set_bound(account, to, secret);
        }
        if saved_to.is_some_and(|saved| saved.covers(to)) {
            return Ok(());
        }
        self.get_for(account, to, saved_to).map(drop)
    }
}

/// The OS keychain, under one service name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keychain {
    service: String,
    unlock_wait: Duration,
}

impl Default for Keychain {
    fn default() -> Self {
        Keychain::new(SERVICE)
    }
}

impl Keychain {
    /// The keychain under `service` (tests use their own name; the app uses [`SERVICE`]).
    pub fn new(service: impl Into<String>) -> Keychain {
        Keychain {
            service: service.into(),
            unlock_wait: DEFAULT_UNLOCK_WAIT,
        }
    }

    /// How long to wait for the user to unlock a locked keychain at its prompt (Linux;
    /// whole seconds). Zero fails at once without showing a prompt: right for headless
    /// commands.
    pub fn with_unlock_wait(mut self, wait: Duration) -> Keychain {
        self.unlock_wait = wait;
        self
    }

    pub fn service(&self) -> &str {
        &self.service
    }

    fn entry(&self, account: &str) -> Result<keyring::Entry, SecretError> {
        check_account(account)?;
        keyring::Entry::new(&self.service, account).map_err(|e| classify(account, e))
    }

    #[cfg(target_os = "linux")]
    fn ensure_unlocked(&self, account: &str, for_writing: bool) -> Result<(), SecretError> {
        secret_service::ensure_unlocked(&self.service, account, for_writing, self.unlock_wait)
    }

    #[cfg(not(target_os = "linux"))]
    fn ensure_unlocked(&self, _account: &str, _for_writing: bool) -> Result<(), SecretError> {
        Ok(())
    }
}

impl SecretStore for Keychain {
    fn get(&self, account: &str) -> Result<Option<String>, SecretError> {
        match ENTRY_LIMIT {
            Some(limit) => Split::new(Entries(self), limit).get(account),
            None => Entries(self).get(account),
        }
    }

    fn set(&self, account: &str, secret: &str) -> Result<(), SecretError> {
        match ENTRY_LIMIT {
            Some(limit) => Split::new(Entries(self), limit).set(account, secret),
            None => Entries(self).set(account, secret),
        }
    }

    fn delete(&self, account: &str) -> Result<(), SecretError> {
        match ENTRY_LIMIT {
            Some(limit) => Split::new(Entries(self), limit).delete(account),
            None => Entries(self).delete(account),
        }
    }
}

/// The keychain one entry per call, as the platform keeps it: what [`Split`] works over.
struct Entries<'a>(&'a Keychain);

impl SecretStore for Entries<'_> {
    fn get(&self, account: &str) -> Result<Option<String>, SecretError> {
        let Entries(keychain) = self;
        let entry = keychain.entry(account)?;
        keychain.ensure_unlocked(account, false)?;
        match entry.get_password() {
            Ok(secret) => Ok(Some(secret)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(classify(account, e)),
        }
    }

    fn set(&self, account: &str, secret: &str) -> Result<(), SecretError> {
        let Entries(keychain) = self;
        check_secret(account, secret)?;
        let entry = keychain.entry(account)?;
        keychain.ensure_unlocked(account, true)?;
        entry.set_password(secret).map_err(|e| classify(account, e))
    }

    fn delete(&self, account: &str) -> Result<(), SecretError> {
        let Entries(keychain) = self;
        let entry = keychain.entry(account)?;
        keychain.ensure_unlocked(account, false)?;
        match entry.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(classify(account, e)),
        }
    }
}

/// Rejects an account name no keychain entry may have.
fn check_account(account: &str) -> Result<(), SecretError> {
    if account.is_empty() {
        return Err(SecretError::InvalidAccount {
            account: account.to_owned(),
            reason: "the account name is empty".to_owned(),
        });
    }
    Ok(())
}

/// Rejects what no keychain entry should hold, before the keychain sees it.
fn check_secret(account: &str, secret: &str) -> Result<(), SecretError> {
    if secret.is_empty() {
        return Err(SecretError::Empty {
            account: account.to_owned(),
        });
    }
    if secret.len() > MAX_SECRET_BYTES {
        return Err(SecretError::TooLong {
            account: account.to_owned(),
            len: secret.len(),
            max: MAX_SECRET_BYTES,
        });
    }
    Ok(())
}

/// Why the keychain could not get, store or delete a secret.
///
/// Messages name the account (never the secret) and say what to do next.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SecretError {
    #[error("the secret for {account} is empty: enter the API token or password again")]
    Empty { account: String },

    #[error(
        "the secret for {account} is {len} bytes, more than the {max} bytes Fieldline \
         accepts: check that only the API token or password was pasted"
    )]
    TooLong {
        account: String,
        len: usize,
        max: usize,
    },

    #[error(
        "the secret for {account} is too long for this system's keychain ({what} may be at \
         most {limit}): use a shorter API token or password"
    )]
    PlatformLimit {
        account: String,
        what: String,
        limit: u32,
    },

    #[error("cannot use keychain account {account:?}: {reason}")]
    InvalidAccount { account: String, reason: String },

    #[error("no keychain is available to keep the secret for {account}: {hint} ({detail})")]
    Unavailable {
        account: String,
        hint: &'static str,
        detail: String,
    },

    #[error(
        "the keychain has no default keyring to keep the secret for {account}: {hint} \
         ({detail})"
    )]
    NoDefaultKeyring {
        account: String,
        hint: &'static str,
        detail: String,
    },

    #[error(
        "the keychain is locked, so the secret for {account} cannot be read or saved: \
         {hint}, then try again"
    )]
    Locked { account: String, hint: &'static str },

    #[error(
        "the keychain refused access to the secret for {account}: allow Fieldline when the \
         keychain asks, or check the entry's access settings in {manager} ({detail})"
    )]
    AccessDenied {
        account: String,
        manager: &'static str,
        detail: String,
    },

    #[error(
        "the keychain holds something for {account} that is not text: delete the entry \
         and enter the API token or password again"
    )]
    NotText { account: String },

    #[error(
        "the keychain holds {count} entries for {account}: delete the extra ones in \
         {manager}, then try again"
    )]
    Ambiguous {
        account: String,
        count: usize,
        manager: &'static str,
    },

    #[error("the keychain failed on the secret for {account}: {detail}")]
    Platform { account: String, detail: String },

    #[error(
        "the secret of {account} was saved for {saved}; enter it again to send it to {wanted}"
    )]
    WrongDestination {
        account: String,
        saved: String,
        wanted: String,
    },

    #[error(
        "the secret of {account} was saved before Fieldline recorded where it may be sent; \
         enter it again to send it to {wanted}"
    )]
    Unbound { account: String, wanted: String },

    #[error(
        "the keychain entry of {account} is damaged (where its secret may be sent cannot be \
         read): enter the API token or password again"
    )]
    Damaged { account: String },

    /// A secret split across entries ([`MAX_SECRET_BYTES`] is more than one Windows
    /// credential holds) whose parts do not add up.
    #[error(
        "the secret of {account} is kept in several keychain entries that do not fit \
         together (a save was interrupted, or one of them was changed or deleted outside \
         Fieldline): enter the API token, password or key again"
    )]
    SplitDamaged { account: String },

    /// The address may not receive a secret (plain `http://` to another machine, not a URL).
    #[error(transparent)]
    Destination(#[from] DestinationError),
}

// The hints for a locked or missing default keyring are read only by the Secret Service
// code (Linux); elsewhere the keyring crate reports those cases as unavailable.
#[cfg(target_os = "linux")]
mod hint {
    pub const UNAVAILABLE: &str = "install and start a Secret Service provider, such as \
        GNOME Keyring (Debian/Ubuntu package gnome-keyring) or KeePassXC with its Secret \
        Service integration turned on, inside a desktop session";
    pub const NO_DEFAULT_KEYRING: &str = "create a keyring and make it the default in \
        Passwords and Keys (Seahorse), or pick a database to expose in KeePassXC's Secret \
        Service settings";
    pub const LOCKED: &str = "unlock it (log in to the desktop session, unlock the Login \
        keyring in Passwords and Keys (Seahorse), or open the KeePassXC database)";
    pub const MANAGER: &str = "Passwords and Keys (Seahorse) or KeePassXC";
}

#[cfg(target_os = "macos")]
mod hint {
    pub const UNAVAILABLE: &str = "open Keychain Access and make sure the login keychain \
        exists and is the default";
    pub const MANAGER: &str = "Keychain Access";
}

#[cfg(target_os = "windows")]
mod hint {
    pub const UNAVAILABLE: &str = "sign in to Windows with a user account that has a \
        Credential Manager (not a service or a temporary logon session)";
    pub const MANAGER: &str = "Credential Manager";
}

#[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
mod hint {
    pub const UNAVAILABLE: &str = "this system has no keychain Fieldline can use";
    pub const MANAGER: &str = "the system keychain manager";
}

/// Turns a keyring error into what a technician can act on. Never formats the error's
/// payload where it could hold a secret (`BadEncoding` carries the stored bytes).
fn classify(account: &str, error: keyring::Error) -> SecretError {
    let account = account.to_owned();
    match error {
        keyring::Error::NoEntry => SecretError::Platform {
            account,
            detail: "no matching entry".to_owned(),
        },
        keyring::Error::BadEncoding(_) => SecretError::NotText { account },
        keyring::Error::TooLong(what, limit) => SecretError::PlatformLimit {
            account,
            what,
            limit,
        },
        keyring::Error::Invalid(what, reason) => SecretError::InvalidAccount {
            account,
            reason: format!("{what} {reason}"),
        },
        keyring::Error::Ambiguous(found) => SecretError::Ambiguous {
            account,
            count: found.len(),
            manager: hint::MANAGER,
        },
        keyring::Error::NoStorageAccess(source) => {
            #[cfg(target_os = "linux")]
            if let Some(known) = secret_service::classify(&account, source.as_ref()) {
                return known;
            }
            SecretError::Unavailable {
                account,
                hint: hint::UNAVAILABLE,
                detail: source.to_string(),
            }
        }
        keyring::Error::PlatformFailure(source) => {
            #[cfg(target_os = "linux")]
            if let Some(known) = secret_service::classify(&account, source.as_ref()) {
                return known;
            }
            SecretError::Platform {
                account,
                detail: source.to_string(),
            }
        }
        other => SecretError::Platform {
            account,
            detail: other.to_string(),
        },
    }
}

/// The Secret Service details the keyring crate leaves out: a bounded unlock prompt, and
/// which D-Bus error meant what.
#[cfg(target_os = "linux")]
mod secret_service {
    use std::collections::HashMap;
    use std::time::Duration;

    use dbus_secret_service::{EncryptionType, Error, SecretService};

    use super::{hint, SecretError};

    /// The collection the keyring crate writes to (its `target` attribute).
    const TARGET: &str = "default";

    /// Unlocks, through the keychain's prompt waited for at most `wait`, the items the
    /// keyring crate is about to touch for `account` and, for writing, the default
    /// collection. The keyring crate would do the same with no time limit; after this it
    /// finds everything unlocked and needs no prompt.
    pub(super) fn ensure_unlocked(
        service: &str,
        account: &str,
        for_writing: bool,
        wait: Duration,
    ) -> Result<(), SecretError> {
        let fail = |e: Error| failure(account, e);
        // A plain session: this step moves no secret.
        let ss =
            SecretService::connect_with_max_prompt_timeout(EncryptionType::Plain, wait.as_secs())
                .map_err(fail)?;
        let attributes = HashMap::from([
            ("service", service),
            ("username", account),
            ("target", TARGET),
        ]);
        let found = ss.search_items(attributes).map_err(fail)?;
        if !found.locked.is_empty() {
            let locked: Vec<_> = found.locked.iter().collect();
            ss.unlock_all(&locked).map_err(fail)?;
        }
        if for_writing && found.unlocked.is_empty() && found.locked.is_empty() {
            let collection = ss.get_default_collection().map_err(fail)?;
            if collection.is_locked().map_err(fail)? {
                collection.unlock().map_err(fail)?;
            }
        }
        Ok(())
    }

    fn failure(account: &str, error: Error) -> SecretError {
        classify(account, &error).unwrap_or_else(|| SecretError::Platform {
            account: account.to_owned(),
            detail: error.to_string(),
        })
    }

    /// What a Secret Service error (as the keyring crate wraps it) means, when known.
    pub(super) fn classify(
        account: &str,
        error: &(dyn std::error::Error + 'static),
    ) -> Option<SecretError> {
        let error = error.downcast_ref::<Error>()?;
        let account = account.to_owned();
        Some(match error {
            // A prompt dismissed, or not answered in time, leaves it locked.
            Error::Locked | Error::Prompt => SecretError::Locked {
                account,
                hint: hint::LOCKED,
            },
            Error::NoResult => SecretError::NoDefaultKeyring {
                account,
                hint: hint::NO_DEFAULT_KEYRING,
                detail: error.to_string(),
            },
            Error::Unavailable => SecretError::Unavailable {
                account,
                hint: hint::UNAVAILABLE,
                detail: error.to_string(),
            },
            Error::Dbus(dbus) => {
                let detail = format!(
                    "{} ({})",
                    dbus.message().unwrap_or("no message"),
                    dbus.name().unwrap_or("unnamed D-Bus error")
                );
                match dbus.name().unwrap_or_default() {
                    "org.freedesktop.Secret.Error.IsLocked" => SecretError::Locked {
                        account,
                        hint: hint::LOCKED,
                    },
                    "org.freedesktop.DBus.Error.ServiceUnknown"
                    | "org.freedesktop.DBus.Error.NameHasNoOwner"
                    | "org.freedesktop.DBus.Error.NoServer"
                    | "org.freedesktop.DBus.Error.FileNotFound"
                    | "org.freedesktop.DBus.Error.NotSupported"
                    | "org.freedesktop.DBus.Error.Spawn.ChildExited"
                    | "org.freedesktop.DBus.Error.Spawn.ExecFailed" => SecretError::Unavailable {
                        account,
                        hint: hint::UNAVAILABLE,
                        detail,
                    },
                    "org.freedesktop.DBus.Error.AccessDenied"
                    | "org.freedesktop.DBus.Error.AuthFailed" => SecretError::AccessDenied {
                        account,
                        manager: hint::MANAGER,
                        detail,
                    },
                    "org.freedesktop.Secret.Error.NoSuchObject" => SecretError::NoDefaultKeyring {
                        account,
                        hint: hint::NO_DEFAULT_KEYRING,
                        detail,
                    },
                    _ => SecretError::Platform { account, detail },
                }
            }
            _ => return None,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const SECRET: &str = "tok-3f9a-very-secret";

    #[test]
    fn connection_account_names() {
        for (connection, account) in [
            ("acme", "connection:acme"),
            ("Acme RT", "connection:Acme RT"),
            ("고객지원", "connection:고객지원"),
            ("", "connection:"),
        ] {
            assert_eq!(connection_account(connection), account, "{connection:?}");
        }
    }

    #[test]
    fn default_keychain_uses_the_app_service() {
        assert_eq!(Keychain::default().service(), SERVICE);
        assert_eq!(SERVICE, "app.fieldline.console");
        assert_eq!(Keychain::new("test.service").service(), "test.service");
    }

    #[test]
    fn secret_size_limits() {
        let at_limit = "x".repeat(MAX_SECRET_BYTES);
        let over = "x".repeat(MAX_SECRET_BYTES + 1);
        // A multi-byte character that crosses the limit counts in bytes, not characters.
        let korean_over = "한".repeat(MAX_SECRET_BYTES / 3 + 1);
        for (secret, ok) in [
            ("a", true),
            (at_limit.as_str(), true),
            ("", false),
            (over.as_str(), false),
            (korean_over.as_str(), false),
        ] {
            assert_eq!(
                check_secret("connection:x", secret).is_ok(),
                ok,
                "{} bytes",
                secret.len()
            );
        }
    }

    #[test]
    fn oversized_and_empty_secrets_are_refused_before_the_keychain() {
        // No daemon is needed: both are refused before any keychain call.
        let keychain = Keychain::new("fieldline.unit-test.never-used");
        let err = keychain
            .set("connection:x", "")
            .expect_err("an empty secret must be refused");
        assert!(matches!(err, SecretError::Empty { .. }), "{err:?}");
        assert!(err.to_string().contains("empty"), "{err}");

        let big = format!("{SECRET}{}", "y".repeat(MAX_SECRET_BYTES));
        let err = keychain
            .set("connection:x", &big)
            .expect_err("an oversized secret must be refused");
        let SecretError::TooLong { len, max, .. } = &err else {
            panic!("expected TooLong, got {err:?}");
        };
        assert_eq!((*len, *max), (big.len(), MAX_SECRET_BYTES));
        let shown = format!("{err} {err:?}");
        assert!(shown.contains("8192"), "{shown}");
        assert!(!shown.contains(SECRET), "the secret leaked: {shown}");
    }

    #[test]
    fn empty_account_is_refused() {
        let err = Keychain::new("fieldline.unit-test.never-used")
            .get("")
            .expect_err("an empty account must be refused");
        assert!(matches!(err, SecretError::InvalidAccount { .. }), "{err:?}");
    }

    #[test]
    fn errors_never_show_the_secret() {
        let account = "connection:acme";
        let errors = [
            classify(
                account,
                keyring::Error::BadEncoding(SECRET.as_bytes().to_vec()),
            ),
            classify(
                account,
                keyring::Error::TooLong("password encoded as UTF-16".to_owned(), 2560),
            ),
            classify(account, keyring::Error::Ambiguous(Vec::new())),
            check_secret(account, "").expect_err("empty"),
        ];
        for err in errors {
            let shown = format!("{err} | {err:?}");
            assert!(!shown.contains(SECRET), "the secret leaked: {shown}");
            assert!(shown.contains(account), "the account is missing: {shown}");
        }
    }

    /// An in-memory store: the bound-secret logic is the trait's, whatever the keychain.
    #[derive(Default)]
    struct Mem(std::sync::Mutex<std::collections::BTreeMap<String, String>>);

    impl SecretStore for Mem {
        fn get(&self, account: &str) -> Result<Option<String>, SecretError> {
            Ok(self.0.lock().unwrap().get(account).cloned())
        }
        fn set(&self, account: &str, secret: &str) -> Result<(), SecretError> {
            self.0
                .lock()
                .unwrap()
                .insert(account.to_owned(), secret.to_owned());
            Ok(())
        }
        fn delete(&self, account: &str) -> Result<(), SecretError> {
            self.0.lock().unwrap().remove(account);
            Ok(())
        }
    }

    fn dest(url: &str) -> Destination {
        Destination::http(url).unwrap()
    }

    #[test]
    fn bound_secret_round_trip() {
        let mem = Mem::default();
        let account = connection_account("acme");
        let a = dest("https://a.example/rt");
        mem.set_bound(&account, &a, SECRET).unwrap();
        // Kept with its origin, not bare.
        let raw = mem.get(&account).unwrap().unwrap();
        assert!(
            raw.contains("https://a.example:443") && raw.ends_with(SECRET),
            "{raw}"
        );
        // Another path or the port written out is the same origin.
        for wanted in ["https://a.example/rt", "https://A.example:443/other"] {
            assert_eq!(
                mem.get_for(&account, &dest(wanted), None)
                    .unwrap()
                    .as_deref(),
                Some(SECRET),
                "{wanted}"
            );
        }
        assert_eq!(
            mem.get_for(&connection_account("none"), &a, Some(&a))
                .unwrap(),
            None
        );
        assert!(matches!(
            mem.set_bound(&account, &a, ""),
            Err(SecretError::Empty { .. })
        ));
    }

    #[test]
    fn bound_secret_refuses_another_destination() {
        let mem = Mem::default();
        let account = connection_account("acme");
        mem.set_bound(&account, &dest("https://a/"), SECRET)
            .unwrap();
        for other in [
            "https://b/",
            "https://a:8443/",
            "http://a.localhost/",
            "http://127.0.0.1:443/",
        ] {
            let Ok(other) = Destination::http(other) else {
                continue;
            };
            let err = mem
                .get_for(&account, &other, Some(&dest("https://a/")))
                .unwrap_err();
            assert!(
                matches!(err, SecretError::WrongDestination { .. }),
                "{err:?}"
            );
        }
        let err = mem
            .get_for(&account, &dest("https://b/"), None)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "the secret of connection:acme was saved for https://a:443; enter it again to \
             send it to https://b:443"
        );
        // A Prometheus secret saved for Prometheus and Alertmanager may go to either, not
        // to a third.
        let both = Destination::http_all(["https://p/", "https://am:9093/"]).unwrap();
        mem.set_bound("prometheus", &both, SECRET).unwrap();
        assert!(mem.get_for("prometheus", &dest("https://p/"), None).is_ok());
        assert!(mem.get_for("prometheus", &both, None).is_ok());
        let more = Destination::http_all(["https://p/", "https://evil:9093/"]).unwrap();
        let err = mem.get_for("prometheus", &more, None).unwrap_err();
        assert!(
            err.to_string()
                .contains("https://am:9093 and https://p:443"),
            "{err}"
        );
    }

    #[test]
    fn legacy_secret_is_bound_to_the_saved_configuration_on_first_use() {
        let mem = Mem::default();
        let account = connection_account("old");
        let a = dest("https://a/");
        let b = dest("https://b/");
        // Saved bare, before this version.
        mem.set(&account, SECRET).unwrap();
        // The configuration now points elsewhere than the saved one: refused, untouched.
        let err = mem.get_for(&account, &b, Some(&a)).unwrap_err();
        assert!(
            matches!(err, SecretError::WrongDestination { .. }),
            "{err:?}"
        );
        assert_eq!(mem.get(&account).unwrap().as_deref(), Some(SECRET));
        // No saved configuration to say where it was meant for: refused.
        let err = mem.get_for(&account, &a, None).unwrap_err();
        assert!(matches!(err, SecretError::Unbound { .. }), "{err:?}");
        assert!(err.to_string().contains("enter it again"), "{err}");
        // Its own destination: given, and saved again bound.
        assert_eq!(
            mem.get_for(&account, &a, Some(&a)).unwrap().as_deref(),
            Some(SECRET)
        );
        let raw = mem.get(&account).unwrap().unwrap();
        assert!(raw.starts_with("fieldline-bound-secret/1\n"), "{raw}");
        // From now on bound, even when a caller passes another saved configuration.
        assert!(mem.get_for(&account, &b, Some(&b)).is_err());
        assert_eq!(
            mem.get_for(&account, &a, None).unwrap().as_deref(),
            Some(SECRET)
        );
    }

    #[test]
    fn damaged_envelope_is_refused() {
        let mem = Mem::default();
        mem.set("prometheus", "fieldline-bound-secret/1\nto https://a:443")
            .unwrap();
        let err = mem
            .get_for("prometheus", &dest("https://a/"), None)
            .unwrap_err();
        assert!(matches!(err, SecretError::Damaged { .. }), "{err:?}");
    }

    #[test]
    fn bind_on_save_needs_the_secret_again_for_a_new_destination() {
        let mem = Mem::default();
        let account = connection_account("acme");
        let a = dest("https://a/");
        let b = dest("https://b/");
        // A new configuration with nothing kept: saved, waiting for a secret.
        mem.bind_on_save(&account, &a, None, None).unwrap();
        mem.bind_on_save(&account, &a, None, Some("  ")).unwrap();
        assert_eq!(mem.get(&account).unwrap(), None);
        mem.bind_on_save(&account, &a, None, Some(&format!(" {SECRET}\n")))
            .unwrap();
        assert_eq!(
            mem.get_for(&account, &a, None).unwrap().as_deref(),
            Some(SECRET)
        );
        // Same destination, nothing typed: kept.
        mem.bind_on_save(&account, &a, Some(&a), None).unwrap();
        // Another destination, nothing typed: refused, and the secret stays bound to A.
        let err = mem.bind_on_save(&account, &b, Some(&a), None).unwrap_err();
        assert!(
            matches!(err, SecretError::WrongDestination { .. }),
            "{err:?}"
        );
        let err = mem.bind_on_save(&account, &b, None, None).unwrap_err();
        assert!(
            matches!(err, SecretError::WrongDestination { .. }),
            "{err:?}"
        );
        assert!(mem.get_for(&account, &a, None).is_ok());
        // Typed again for B: bound to B only.
        mem.bind_on_save(&account, &b, Some(&a), Some("tok-b"))
            .unwrap();
        assert_eq!(
            mem.get_for(&account, &b, None).unwrap().as_deref(),
            Some("tok-b")
        );
        assert!(mem.get_for(&account, &a, None).is_err());
        // A legacy secret and a changed destination: refused too.
        mem.set(&account, SECRET).unwrap();
        assert!(mem.bind_on_save(&account, &a, Some(&b), None).is_err());
        assert!(mem.bind_on_save(&account, &b, Some(&b), None).is_ok());
    }

    #[test]
    fn destination_errors_never_show_the_secret() {
        let mem = Mem::default();
        let account = connection_account("acme");
        mem.set_bound(&account, &dest("https://a/"), SECRET)
            .unwrap();
        let mut errors = vec![
            mem.get_for(&account, &dest("https://b/"), None)
                .unwrap_err(),
            SecretError::Unbound {
                account: account.clone(),
                wanted: "https://b:443".into(),
            },
            SecretError::Damaged {
                account: account.clone(),
            },
        ];
        mem.set(&account, SECRET).unwrap();
        errors.push(
            mem.get_for(&account, &dest("https://b/"), None)
                .unwrap_err(),
        );
        errors.push(
            mem.get_for(&account, &dest("https://b/"), Some(&dest("https://a/")))
                .unwrap_err(),
        );
        errors.push(SecretError::from(
            Destination::http(&format!("http://tech:{SECRET}@rt.example/")).unwrap_err(),
        ));
        for err in errors {
            let shown = format!("{err} | {err:?}");
            assert!(!shown.contains(SECRET), "the secret leaked: {shown}");
        }
    }

    #[test]
    fn debug_of_keychain_shows_no_secret() {
        let keychain = Keychain::default();
        let shown = format!("{keychain:?}");
        assert!(shown.contains(SERVICE), "{shown}");
        assert!(!shown.contains(SECRET), "{shown}");
    }
}
