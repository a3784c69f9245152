//! The fleet as the rest of Fieldline sees it: plain data, always complete (no optional
//! "missing" fields), sorted by id. The fleet file has its own, sparser shape in
//! [`crate::fleet_file`]; this is the shape the store keeps and the UI receives.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use ts_rs::TS;

/// A company whose IT the MSP runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Customer {
    pub id: String,
    pub name: String,
    pub notes: String,
    /// Part of the demo fleet: shown with a "demo" label, never mistaken for a customer.
    pub demo: bool,
}

/// A place of a customer's (office, data centre); its time zone drives maintenance
/// windows and business hours.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Site {
    pub id: String,
    pub customer: String,
    pub name: String,
    /// IANA time zone name, e.g. `Asia/Seoul`.
    pub timezone: String,
    pub notes: String,
}

/// How to reach an endpoint over SSH. Secrets are never here: `credential` names a
/// credential profile whose secret lives in the OS keychain.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SshSettings {
    pub user: Option<String>,
    pub port: Option<u16>,
    /// Id of the endpoint to jump through.
    pub jump: Option<String>,
    /// Name of a credential profile (the secret itself is in the OS keychain).
    pub credential: Option<String>,
}

impl SshSettings {
    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }
}

/// The kinds of check Fieldline knows. A closed set so that every match over it is
/// exhaustive; the parameters of each kind are filled in by the monitoring engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum CheckKind {
    Http,
    Tcp,
    Ping,
    Dns,
    TlsExpiry,
    NodeExporter,
    SshCommand,
}

impl CheckKind {
    pub const ALL: [CheckKind; 7] = [
        CheckKind::Http,
        CheckKind::Tcp,
        CheckKind::Ping,
        CheckKind::Dns,
        CheckKind::TlsExpiry,
        CheckKind::NodeExporter,
        CheckKind::SshCommand,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CheckKind::Http => "http",
            CheckKind::Tcp => "tcp",
            CheckKind::Ping => "ping",
            CheckKind::Dns => "dns",
            CheckKind::TlsExpiry => "tls_expiry",
            CheckKind::NodeExporter => "node_exporter",
            CheckKind::SshCommand => "ssh_command",
        }
    }

    pub fn parse(s: &str) -> Option<CheckKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// One check of an endpoint, as data. `params` holds the kind's settings as written in
/// the fleet file (`url`, `interval`, ...).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Check {
    pub kind: CheckKind,
    #[ts(type = "Record<string, JsonValue>")]
    pub params: BTreeMap<String, serde_json::Value>,
}

/// Anything Fieldline watches or opens sessions to: a server, a router, a printer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Endpoint {
    pub id: String,
    pub site: String,
    /// Display name; empty means "show the id".
    pub name: String,
    pub host: String,
    pub tags: Vec<String>,
    pub notes: String,
    /// The endpoint this one depends on (its router, its hypervisor).
    pub parent: Option<String>,
    pub ssh: SshSettings,
    pub checks: Vec<Check>,
}

/// The whole inventory. Each list is kept sorted by id (see [`Fleet::normalize`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct Fleet {
    pub customers: Vec<Customer>,
    pub sites: Vec<Site>,
    pub endpoints: Vec<Endpoint>,
}

impl Fleet {
    /// Sorts every list by id so that equal fleets compare equal and export identically.
    pub fn normalize(&mut self) {
        self.customers.sort_by(|a, b| a.id.cmp(&b.id));
        self.sites.sort_by(|a, b| a.id.cmp(&b.id));
        self.endpoints.sort_by(|a, b| a.id.cmp(&b.id));
    }

    pub fn is_empty(&self) -> bool {
        self.customers.is_empty() && self.sites.is_empty() && self.endpoints.is_empty()
    }

    pub fn customer(&self, id: &str) -> Option<&Customer> {
        self.customers.iter().find(|c| c.id == id)
    }

    pub fn site(&self, id: &str) -> Option<&Site> {
        self.sites.iter().find(|s| s.id == id)
    }

    pub fn endpoint(&self, id: &str) -> Option<&Endpoint> {
        self.endpoints.iter().find(|e| e.id == id)
    }
}
