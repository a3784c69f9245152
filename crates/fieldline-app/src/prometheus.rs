//! The MSP's Prometheus (and Alertmanager) as a source of fleet status: its settings are a
//! row of the store's settings table; its token or password is in the OS keychain
//! (account [`ACCOUNT`]), never in the store, bound to the origins of the Prometheus and
//! Alertmanager it was entered for: it is sent nowhere else, and a source moved elsewhere
//! needs it entered again. The desktop's reader (`src-tauri/src/prom.rs`) reads the source
//! with [`secret`]; Settings saves and tests it here.

use crate::house::Stores;
use fieldline_core::Fleet;
use fieldline_ipc::{IpcError, PromSettings};
use fieldline_keychain::{Destination, SecretStore};
use fieldline_monitor::source_prom::{self, Auth, PromSource, SourceReport};
use fieldline_store::{Store, StoreError};

/// The store setting that holds the source's JSON.
pub const SETTING: &str = "prometheus_source";
/// The keychain account of the source's token or password.
pub const ACCOUNT: &str = "prometheus";

/// The source as saved, if one is.
pub fn load(store: &Store) -> Result<Option<PromSource>, StoreError> {
    match store.setting(SETTING)?.as_deref() {
        None | Some("") => Ok(None),
        Some(text) => serde_json::from_str(text)
            .map(Some)
            .map_err(|e| StoreError::Damaged {
                what: "setting",
                id: SETTING.into(),
                detail: e.to_string(),
            }),
    }
}

fn store_source(store: &mut Store, source: Option<&PromSource>) -> Result<(), StoreError> {
    let text = match source {
        Some(s) => serde_json::to_string(s).map_err(|e| StoreError::Rejected(e.to_string()))?,
        None => String::new(),
    };
    store.set_setting(SETTING, &text)
}

/// Where the saved source sends its secret (none without auth, or where none may go).
fn saved_destination(saved: Option<&PromSource>) -> Option<Destination> {
    saved
        .filter(|s| s.auth != Auth::None)
        .and_then(|s| source_prom::secret_destination(s).ok())
}

/// The secret kept for `source` (`None` when none is kept), given only when it was saved
/// for `source`'s Prometheus and Alertmanager origins; `saved` is the source as the store
/// has it (a bare secret of an older version counts as saved for it).
fn kept_secret(
    secrets: &dyn SecretStore,
    source: &PromSource,
    saved: Option<&PromSource>,
) -> Result<Option<String>, String> {
    let wanted = source_prom::secret_destination(source).map_err(|e| e.to_string())?;
    secrets
        .get_for(ACCOUNT, &wanted, saved_destination(saved).as_ref())
        .map_err(|e| format!("the keychain could not give the Prometheus secret: {e}"))
}

/// The secret the source's auth needs (`None` for no auth); see [`kept_secret`].
pub fn secret(
    secrets: &dyn SecretStore,
    source: &PromSource,
    saved: Option<&PromSource>,
) -> Result<Option<String>, String> {
    if source.auth == Auth::None {
        return Ok(None);
    }
    match kept_secret(secrets, source, saved)? {
        Some(s) => Ok(Some(s)),
        None => Err(
            "the keychain holds no token or password for Prometheus; enter it in Settings".into(),
        ),
    }
}

fn invalid(e: impl std::fmt::Display) -> IpcError {
    IpcError::Invalid {
        message: e.to_string(),
        issues: Vec::new(),
    }
}

/// The source as Settings shows it: whether the keychain holds a secret that may go to the
/// source's origins (never the secret).
pub fn settings(stores: &impl Stores, secrets: &dyn SecretStore) -> Result<PromSettings, IpcError> {
    let source = stores.with_store(|s| load(s))?;
    Ok(settings_of(secrets, source))
}

fn settings_of(secrets: &dyn SecretStore, source: Option<PromSource>) -> PromSettings {
    let (has_secret, secret_error) = match source.as_ref().filter(|s| s.auth != Auth::None) {
        Some(src) => match kept_secret(secrets, src, Some(src)) {
            Ok(found) => (found.is_some(), None),
            Err(e) => (false, Some(e)),
        },
        None => match secrets.get(ACCOUNT) {
            Ok(found) => (found.is_some(), None),
            Err(e) => (false, Some(e.to_string())),
        },
    };
    PromSettings {
        source,
        template: PromSource::new(""),
        has_secret,
        secret_error,
    }
}

/// Saves the source, or removes it and its secret (`None`). A `typed` secret goes to the
/// keychain first, bound to the source's origins; none typed keeps the one there, unless
/// the source moved to other origins: then it must be entered again.
pub fn save(
    stores: &impl Stores,
    secrets: &dyn SecretStore,
    source: Option<PromSource>,
    typed: Option<&str>,
) -> Result<PromSettings, IpcError> {
    match &source {
        Some(src) => {
            src.validate().map_err(invalid)?;
            let saved = stores.with_store(|s| load(s)).ok().flatten();
            if src.auth != Auth::None {
                let to = source_prom::secret_destination(src).map_err(invalid)?;
                secrets
                    .bind_on_save(
                        ACCOUNT,
                        &to,
                        saved_destination(saved.as_ref()).as_ref(),
                        typed,
                    )
                    .map_err(|e| IpcError::Keychain {
                        message: e.to_string(),
                    })?;
            }
        }
        None => secrets.delete(ACCOUNT).map_err(|e| IpcError::Keychain {
            message: e.to_string(),
        })?,
    }
    stores.with_store(|s| store_source(s, source.as_ref()))?;
    Ok(settings_of(secrets, source))
}

/// Reads `source` once over `fleet`.
pub async fn read_once(
    source: &PromSource,
    secret: Option<&str>,
    fleet: &Fleet,
) -> Result<SourceReport, String> {
    let client = source_prom::client().map_err(|e| e.to_string())?;
    source_prom::read(&client, source, secret, fleet)
        .await
        .map_err(|e| e.to_string())
}

/// What a test read needs, gathered before the network: the source checked, its secret
/// (a typed one, else the kept one only if it was saved for these origins) and the fleet.
/// Blocks on the keychain: call it off the UI's threads.
pub fn prepare_test(
    stores: &impl Stores,
    secrets: &dyn SecretStore,
    source: &PromSource,
    typed: Option<&str>,
) -> Result<(Option<String>, Fleet), IpcError> {
    source.validate().map_err(invalid)?;
    let secret = match typed.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => Some(s.to_owned()),
        None => {
            let saved = stores.with_store(|s| load(s)).ok().flatten();
            secret(secrets, source, saved.as_ref())
                .map_err(|message| IpcError::Keychain { message })?
        }
    };
    Ok((secret, stores.with_store(|s| s.fleet())?))
}
