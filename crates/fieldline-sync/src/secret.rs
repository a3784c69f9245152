//! A connection's token, kept in the OS keychain bound to the connection's origin
//! (`fieldline_keychain::Destination`): these are the calls both front doors make (the
//! app's Settings and sync, the CLI's `connection add|test` and `sync`), so a token is
//! only ever sent to the helpdesk it was entered for.
//!
//! - [`keep_token`] before a connection is saved: a typed token is stored bound to the
//!   connection's address; with none typed, a new address (another origin than the
//!   saved connection's) is refused while the kept token belongs to the old one.
//! - [`kept_token`] for a run or a test: the kept token, only for its own origin.
//! - [`test_with`] and [`sync_saved`]: "Test connection" and one sync run through those.
//!
//! Plain `http://` to another machine is refused for every token, typed or kept
//! (`fieldline_keychain::secret_origin`; the connector checks it again before sending).

use crate::{connector_for, sync_once, test_connection, ConnectionTest, SyncError, SyncReport};
use fieldline_keychain::{connection_account, Destination, SecretStore};
use fieldline_store::sync::ConnectionConfig;
use fieldline_store::Store;
use jiff::Timestamp;

/// Where `config`'s token is sent: the origin of its address, if a token may go there.
pub fn destination(config: &ConnectionConfig) -> Result<Destination, SyncError> {
    Destination::http(&config.url).map_err(|e| SyncError::Secret(e.into()))
}

/// Before `config` is saved over `saved` (the store's copy; `None` for a new connection):
/// stores `typed` (blank: none) bound to `config`'s address, or checks that the kept token
/// may go to it. A changed origin without a typed token is refused ("enter it again").
pub fn keep_token(
    secrets: &dyn SecretStore,
    config: &ConnectionConfig,
    saved: Option<&ConnectionConfig>,
    typed: Option<&str>,
) -> Result<(), SyncError> {
    let to = destination(config)?;
    // A saved address no token may go to binds nothing.
    let saved_to = saved.and_then(|s| destination(s).ok());
    secrets.bind_on_save(
        &connection_account(&config.name),
        &to,
        saved_to.as_ref(),
        typed,
    )?;
    Ok(())
}

/// The kept token of `config`, to be sent to `config`'s own address; `saved` is the
/// connection as the store has it (a run passes `config` itself). A token saved for
/// another origin is refused; a bare token of an older version counts as saved for
/// `saved`'s origin.
pub fn kept_token(
    secrets: &dyn SecretStore,
    config: &ConnectionConfig,
    saved: Option<&ConnectionConfig>,
) -> Result<String, SyncError> {
    let wanted = destination(config)?;
    let saved_to = saved.and_then(|s| destination(s).ok());
    secrets
        .get_for(
            &connection_account(&config.name),
            &wanted,
            saved_to.as_ref(),
        )?
        .ok_or_else(|| SyncError::NoSecret(config.name.clone()))
}

/// "Test connection" for `config` (maybe not saved yet; `saved` is the store's copy): with
/// `typed` when one is given (blank: none), else with the kept token if it may go to
/// `config`'s address.
pub fn test_with(
    secrets: &dyn SecretStore,
    config: &ConnectionConfig,
    saved: Option<&ConnectionConfig>,
    typed: Option<&str>,
) -> ConnectionTest {
    let token = match typed.map(str::trim).filter(|s| !s.is_empty()) {
        Some(t) => Ok(t.to_string()),
        None => kept_token(secrets, config, saved),
    };
    match token {
        Ok(token) => test_connection(config, &token),
        Err(e) => ConnectionTest {
            ok: false,
            message: e.to_string(),
            server: None,
            tickets: None,
        },
    }
}

/// One sync run of the saved connection `config` with its kept token; a run that cannot
/// start (no token, a token for another origin, a keychain error) is recorded as such.
pub fn sync_saved(
    store: &mut Store,
    secrets: &dyn SecretStore,
    config: &ConnectionConfig,
    now: impl Fn() -> Timestamp,
) -> SyncReport {
    match kept_token(secrets, config, Some(config)).and_then(|t| connector_for(config, &t)) {
        Ok(connector) => sync_once(store, connector.as_ref(), config, now),
        Err(e) => SyncReport::could_not_start(store, &config.name, e.to_string(), now()),
    }
}
