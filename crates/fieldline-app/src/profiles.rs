//! Credential profiles: how a hop logs in (key, agent, password). The profile is kept in
//! the store, its secrets (key text, passphrase, password) only in the OS keychain. The
//! window and `fieldline ssh-profile` save, list and remove them here.

use crate::house::Stores;
use fieldline_ipc::{IpcError, SshProfileView};
use fieldline_keychain::{SecretError, SecretStore};
use fieldline_ssh::profile::{self, AuthMethod, CredentialProfile};

fn keychain_error(e: SecretError) -> IpcError {
    IpcError::Keychain {
        message: e.to_string(),
    }
}

/// A profile with what the keychain holds for it (never the secrets themselves).
pub fn view(secrets: &dyn SecretStore, profile: CredentialProfile) -> SshProfileView {
    let has = |account: String| matches!(secrets.get(&account), Ok(Some(_)));
    let has_secret = match &profile.method {
        AuthMethod::Key { key_file: None } => has(profile::ssh_key_account(&profile.name)),
        AuthMethod::Password | AuthMethod::KeyboardInteractive => {
            has(profile::ssh_password_account(&profile.name))
        }
        AuthMethod::Key { .. } | AuthMethod::Agent => false,
    };
    let has_passphrase = matches!(profile.method, AuthMethod::Key { .. })
        && has(profile::ssh_passphrase_account(&profile.name));
    SshProfileView {
        profile,
        has_secret,
        has_passphrase,
    }
}

/// Every profile, by name.
pub fn list(
    stores: &impl Stores,
    secrets: &dyn SecretStore,
) -> Result<Vec<SshProfileView>, IpcError> {
    let profiles: Vec<CredentialProfile> = stores.with_store(|s| s.ssh_profiles())?;
    Ok(profiles.into_iter().map(|p| view(secrets, p)).collect())
}

/// Saves `profile`; `secret` (the key text of a key profile, else the password) and
/// `passphrase` go to the keychain only. `None` or blank keeps what is there.
pub fn save(
    stores: &impl Stores,
    secrets: &dyn SecretStore,
    profile: &CredentialProfile,
    secret: Option<&str>,
    passphrase: Option<&str>,
) -> Result<(), IpcError> {
    let name = &profile.name;
    let secret = secret.filter(|s| !s.trim().is_empty());
    let account = match (&profile.method, secret) {
        (_, None) => None,
        (AuthMethod::Key { .. }, Some(_)) => Some(profile::ssh_key_account(name)),
        (AuthMethod::Password | AuthMethod::KeyboardInteractive, Some(_)) => {
            Some(profile::ssh_password_account(name))
        }
        (AuthMethod::Agent, Some(_)) => {
            return Err(IpcError::Keychain {
                message: "an ssh-agent profile keeps no secret".into(),
            })
        }
    };
    stores.with_store(|s| s.put_ssh_profile(name, profile))?;
    if let (Some(account), Some(secret)) = (account, secret) {
        secrets
            .set(&account, secret.trim_end())
            .map_err(keychain_error)?;
    }
    if let Some(passphrase) = passphrase.filter(|s| !s.is_empty()) {
        secrets
            .set(&profile::ssh_passphrase_account(name), passphrase)
            .map_err(keychain_error)?;
    }
    Ok(())
}

/// Removes the profile named `name` and its secrets; `NotFound` when there is none.
pub fn remove(stores: &impl Stores, secrets: &dyn SecretStore, name: &str) -> Result<(), IpcError> {
    if !stores.with_store(|s| s.remove_ssh_profile(name))? {
        return Err(IpcError::NotFound {
            message: format!("there is no credential profile {name:?}"),
        });
    }
    for account in profile::secret_accounts(name) {
        secrets.delete(&account).map_err(keychain_error)?;
    }
    Ok(())
}
