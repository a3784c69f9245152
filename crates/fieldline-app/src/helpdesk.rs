//! Helpdesk connections (Request Tracker) as Settings and `fieldline connection` keep them:
//! the configuration in the store, the token only in the OS keychain, bound to the
//! connection's origin (a new address needs the token again; a test never sends a kept
//! token anywhere else; plain `http://` carries one only to loopback).

use crate::house::Stores;
use fieldline_ipc::{ConnectionView, IpcError};
use fieldline_keychain::{connection_account, SecretError, SecretStore};
use fieldline_store::sync::ConnectionConfig;
use fieldline_store::StoreError;
use fieldline_sync::secret::{keep_token, kept_token, test_with};
use fieldline_sync::{ConnectionTest, SyncError};

/// Why a token could not be kept: an address no token may go to is the data's fault, the
/// rest (a token saved for another origin, a locked keychain) the keychain's, the message
/// saying what to do.
fn secret_error(e: SyncError) -> IpcError {
    match e {
        SyncError::Secret(SecretError::Destination(d)) => IpcError::Invalid {
            message: d.to_string(),
            issues: Vec::new(),
        },
        other => IpcError::Keychain {
            message: other.to_string(),
        },
    }
}

/// A connection as shown: whether the keychain holds a token that may go to its origin
/// (never the token). Ask the keychain outside the store's lock: a locked keychain may wait
/// for its unlock prompt.
fn view(
    secrets: &dyn SecretStore,
    config: ConnectionConfig,
    status: fieldline_store::sync::SyncStatus,
) -> ConnectionView {
    let (has_secret, secret_error) = match kept_token(secrets, &config, Some(&config)) {
        Ok(_) => (true, None),
        Err(SyncError::NoSecret(_)) => (false, None),
        Err(e) => (false, Some(e.to_string())),
    };
    ConnectionView {
        config,
        status,
        has_secret,
        secret_error,
    }
}

/// Every connection with its sync status.
pub fn list(
    stores: &impl Stores,
    secrets: &dyn SecretStore,
) -> Result<Vec<ConnectionView>, IpcError> {
    let rows = stores.with_store(|s| {
        s.connections()?
            .into_iter()
            .map(|c| Ok((s.sync_status(&c.name)?, c)))
            .collect::<Result<Vec<_>, StoreError>>()
    })?;
    Ok(rows
        .into_iter()
        .map(|(status, config)| view(secrets, config, status))
        .collect())
}

/// Saves `config`; a `token` goes to the keychain first, bound to the connection's origin
/// (nothing is saved if the keychain refuses it). `None` keeps the token already there,
/// unless the address moved to another origin: then it must be entered again.
pub fn save(
    stores: &impl Stores,
    secrets: &dyn SecretStore,
    config: ConnectionConfig,
    token: Option<&str>,
) -> Result<ConnectionView, IpcError> {
    config.validate()?;
    let saved = stores.with_store(|s| s.connection(&config.name)).ok();
    keep_token(secrets, &config, saved.as_ref(), token).map_err(secret_error)?;
    let status = stores.with_store(|s| {
        s.save_connection(&config)?;
        s.sync_status(&config.name)
    })?;
    Ok(view(secrets, config, status))
}

/// Removes a connection, its tickets and its token (refused while changes wait).
pub fn remove(stores: &impl Stores, secrets: &dyn SecretStore, name: &str) -> Result<(), IpcError> {
    stores.with_store(|s| s.delete_connection(name))?;
    secrets
        .delete(&connection_account(name))
        .map_err(|e| IpcError::Keychain {
            message: format!(
                "the connection {name} is gone but its token could not be removed from the keychain: {e}"
            ),
        })
}

/// Reaches the helpdesk with `config`, before or after saving. Without a `token` the kept
/// one is used only if it was saved for `config`'s origin (the saved connection's); a typed
/// one goes to `config`'s address (never plain http:// to another machine). Blocks for the
/// network: run it off the UI's threads.
pub fn test(
    stores: &impl Stores,
    secrets: &dyn SecretStore,
    config: &ConnectionConfig,
    token: Option<&str>,
) -> ConnectionTest {
    let saved = stores.with_store(|s| s.connection(&config.name)).ok();
    test_with(secrets, config, saved.as_ref(), token)
}
