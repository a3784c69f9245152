//! What every remote operation reads first: the fleet, the credential profiles and where
//! Fieldline's own known_hosts, recordings and audit log are. Sessions, transfers,
//! forwards and fan-out (window and CLI) find their routes and audit here.

use crate::consent::Ask;
use crate::house::Stores;
use fieldline_core::Fleet;
use fieldline_ipc::IpcError;
use fieldline_keychain::SecretStore;
use fieldline_ssh::audit::{AuditAction, AuditLog};
use fieldline_ssh::connect::{
    self, ConnectOptions, Connection, HostKeyQuestion, NoPrompter, Route,
};
use fieldline_ssh::known_hosts::HostKeyPolicy;
use fieldline_ssh::profile::CredentialProfile;
use fieldline_ssh::DataPaths;

/// The store's view for one operation, read at once and released.
#[derive(Debug, Clone)]
pub struct Context {
    pub fleet: Fleet,
    pub profiles: Vec<CredentialProfile>,
    pub paths: DataPaths,
}

/// The account name of the technician on this laptop: the login used where neither the
/// endpoint nor its profile names one.
pub fn local_user() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "root".to_owned())
}

/// Fieldline's files in the store's data folder.
pub fn paths(stores: &impl Stores) -> Result<DataPaths, IpcError> {
    stores.with_store(|s| Ok(DataPaths::in_dir(s.data_dir())))
}

pub fn remote_error(e: impl std::fmt::Display) -> IpcError {
    IpcError::Remote {
        message: e.to_string(),
    }
}

impl Context {
    pub fn load(stores: &impl Stores) -> Result<Context, IpcError> {
        stores.with_store(|s| {
            Ok(Context {
                fleet: s.fleet()?,
                profiles: s.ssh_profiles()?,
                paths: DataPaths::in_dir(s.data_dir()),
            })
        })
    }

    /// The hops to `endpoint` (its jump hosts first) with each hop's credential profile.
    pub fn route(&self, endpoint: &str) -> Result<Route, IpcError> {
        connect::route_for(
            &self.fleet,
            endpoint,
            &|name| self.profiles.iter().find(|p| p.name == name).cloned(),
            Some(&local_user()),
        )
        .map_err(remote_error)
    }

    /// The customer `endpoint` belongs to (through its site).
    pub fn customer(&self, endpoint: &str) -> Option<String> {
        let e = self.fleet.endpoint(endpoint)?;
        Some(self.fleet.site(&e.site)?.customer.clone())
    }

    /// Connecting with Fieldline's own known_hosts under `policy`.
    pub fn connect_options(&self, policy: HostKeyPolicy) -> ConnectOptions {
        ConnectOptions {
            policy,
            ..ConnectOptions::new(&self.paths.known_hosts)
        }
    }

    /// Connects to `endpoint` through its jump hosts with host keys already known (never
    /// asks: forwards, transfers and checks do not trust a key on their own).
    pub fn connect_known(
        &self,
        endpoint: &str,
        secrets: &dyn SecretStore,
    ) -> Result<Connection, IpcError> {
        connect::connect(
            &self.route(endpoint)?,
            &self.connect_options(HostKeyPolicy::Strict),
            secrets,
            &mut NoPrompter,
        )
        .map_err(remote_error)
    }

    /// Fail closed: `Err` (which file and why) when the audit log cannot be written.
    pub fn audit_ready(&self) -> Result<(), IpcError> {
        AuditLog::ready(&self.paths.audit).map_err(|e| remote_error(e.refusal()))
    }

    /// The audit log, open for appending; `Err` as [`Context::audit_ready`].
    pub fn audit_log(&self) -> Result<AuditLog, IpcError> {
        AuditLog::open(&self.paths.audit).map_err(|e| remote_error(e.refusal()))
    }

    /// Records what was done; `Err` when the log could not be written.
    pub fn record(
        &self,
        action: AuditAction,
        customer: Option<&str>,
        endpoint: Option<&str>,
        detail: serde_json::Value,
    ) -> Result<(), IpcError> {
        self.audit_log()?
            .append(action, customer, endpoint, detail)
            .map(|_| ())
            .map_err(remote_error)
    }
}

/// The question before trusting a host key seen for the first time on the way to
/// `endpoint`.
pub fn accept_host_key(endpoint: &str, q: &HostKeyQuestion) -> Ask {
    Ask::AcceptHostKey {
        endpoint: endpoint.to_owned(),
        hop: q.label.clone(),
        host: q.host.clone(),
        port: q.port,
        key_type: q.key_type.clone(),
        fingerprint: q.fingerprint.clone(),
    }
}
