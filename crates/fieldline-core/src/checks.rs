//! What a check means: the typed form of a [`Check`]'s parameters, and the states a check
//! and everything above it can be in. Pure: the monitoring engine (`fieldline-monitor`)
//! runs these specs; validation ([`crate::validate`]) rejects a fleet whose checks do not
//! parse, so a typo in a fleet file is an error at import, not a silent UNKNOWN later.
//!
//! Parameters as written in a fleet file (`[[endpoints.checks]]`), every kind:
//! `interval` (default 60 s), `timeout` (10 s), `retries` (0: how many failed results in a
//! row stay *soft* before the state is *hard*), `recover_after` (1: passes in a row before a
//! hard problem clears), `host` (default: the endpoint's host). Durations are `"30s"`,
//! `"5m"`, `"1h"`, `"250ms"` or a number of seconds.

use crate::model::{Check, CheckKind};
use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;
use ts_rs::TS;

/// The state of a check, an endpoint, a site or a customer. `Stale`: not known now (the
/// laptop cannot reach it, or the result is too old); the last known state is kept beside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CheckState {
    Ok,
    Warn,
    Crit,
    Unknown,
    Stale,
}

impl CheckState {
    /// How bad, for rollups and "problems first": CRIT, WARN, UNKNOWN, STALE, OK.
    pub fn severity(self) -> u8 {
        match self {
            CheckState::Ok => 0,
            CheckState::Stale => 1,
            CheckState::Unknown => 2,
            CheckState::Warn => 3,
            CheckState::Crit => 4,
        }
    }

    /// The worse of two states.
    pub fn worst(self, other: CheckState) -> CheckState {
        if other.severity() > self.severity() {
            other
        } else {
            self
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CheckState::Ok => "OK",
            CheckState::Warn => "WARN",
            CheckState::Crit => "CRIT",
            CheckState::Unknown => "UNKNOWN",
            CheckState::Stale => "STALE",
        }
    }

    pub fn is_problem(self) -> bool {
        matches!(
            self,
            CheckState::Warn | CheckState::Crit | CheckState::Unknown
        )
    }
}

/// One result of one check, as it is kept in the history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Observation {
    pub endpoint: String,
    /// The check's position in the endpoint's list.
    pub check: u32,
    pub kind: CheckKind,
    /// Unix seconds.
    pub at: i64,
    pub state: CheckState,
    pub latency_ms: Option<f64>,
    pub message: String,
}

/// Why a fleet cannot carry `key_file` / `known_hosts` on an `ssh_command` check.
pub const LOCAL_FILE_REFUSED: &str = "a fleet cannot name files of this laptop (fleet files, CSV \
     and edits from the window are untrusted input): the key to log in with comes from the \
     endpoint's credential profile (Sessions > Credentials) or the ssh-agent, and host keys are \
     checked against Fieldline's own known_hosts; remove this parameter";

/// Request headers a fleet cannot set on `http` checks: they carry credentials.
pub const CREDENTIAL_HEADERS: [&str; 3] = ["authorization", "cookie", "proxy-authorization"];

/// Whether `name` is one of [`CREDENTIAL_HEADERS`] (any case).
pub fn is_credential_header(name: &str) -> bool {
    CREDENTIAL_HEADERS
        .iter()
        .any(|h| h.eq_ignore_ascii_case(name.trim()))
}

/// Upper bounds that keep a fleet file from asking for something absurd.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(300);
pub const MIN_INTERVAL: Duration = Duration::from_secs(1);
pub const MAX_INTERVAL: Duration = Duration::from_secs(7 * 24 * 3600);
pub const MAX_REDIRECTS: u32 = 20;
pub const MAX_RETRIES: u32 = 20;

/// Settings every check kind has.
#[derive(Debug, Clone, PartialEq)]
pub struct Common {
    pub interval: Duration,
    pub timeout: Duration,
    /// Failed results in a row that stay soft; the next one is hard.
    pub retries: u32,
    /// Passing results in a row before a hard problem clears.
    pub recover_after: u32,
    /// Overrides the endpoint's host for this check.
    pub host: Option<String>,
}

/// A check's parameters, typed.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckSpec {
    pub common: Common,
    pub kind: KindSpec,
}

#[derive(Debug, Clone, PartialEq)]
pub enum KindSpec {
    Http(HttpSpec),
    Tcp(TcpSpec),
    Ping(PingSpec),
    Dns(DnsSpec),
    TlsExpiry(TlsExpirySpec),
    NodeExporter(NodeExporterSpec),
    SshCommand(SshCommandSpec),
}

/// `http`: `url` (required; `{host}` is replaced by the endpoint's host), `method` (`GET`,
/// `HEAD`), `status` (`200`, `"200-299"` or a list of both; default 200–399 after
/// redirects), `warn_ms`/`crit_ms` (latency), `contains` (body text), `regex` (body),
/// `json` (conditions on the JSON body: `{ pointer = "/status", equals = "ok" }`, `min`,
/// `max`, `exists`, `matches`), `max_redirects` (5; 0 = none followed), `verify_tls`
/// (true), `ca_bundle` (a PEM file: the customer's own CA), `max_body_kb` (1024),
/// `headers` (a table of request headers).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpSpec {
    pub url: String,
    #[serde(default = "default_method")]
    pub method: HttpMethod,
    #[serde(default)]
    pub status: StatusSet,
    #[serde(default)]
    pub warn_ms: Option<u64>,
    #[serde(default)]
    pub crit_ms: Option<u64>,
    #[serde(default)]
    pub contains: Option<String>,
    #[serde(default)]
    pub regex: Option<String>,
    #[serde(default)]
    pub json: Vec<JsonCondition>,
    #[serde(default = "default_redirects")]
    pub max_redirects: u32,
    #[serde(default = "yes")]
    pub verify_tls: bool,
    #[serde(default)]
    pub ca_bundle: Option<String>,
    #[serde(default = "default_body_kb")]
    pub max_body_kb: u64,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum HttpMethod {
    Get,
    Head,
}

fn default_method() -> HttpMethod {
    HttpMethod::Get
}
fn default_redirects() -> u32 {
    5
}
fn default_body_kb() -> u64 {
    1024
}
fn yes() -> bool {
    true
}

/// Which HTTP status codes pass. Empty means 200–399.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatusSet(pub Vec<(u16, u16)>);

impl StatusSet {
    pub fn accepts(&self, status: u16) -> bool {
        if self.0.is_empty() {
            return (200..400).contains(&status);
        }
        self.0.iter().any(|&(lo, hi)| (lo..=hi).contains(&status))
    }

    fn parse_one(value: &serde_json::Value) -> Result<(u16, u16), String> {
        let range = match value {
            serde_json::Value::Number(n) => {
                let code = n.as_u64().ok_or("a status code is a whole number")?;
                (code, code)
            }
            serde_json::Value::String(s) => {
                let (lo, hi) = s.split_once('-').unwrap_or((s, s));
                let parse = |t: &str| {
                    t.trim().parse::<u64>().map_err(|_| {
                        format!("{s:?} is not a status code or a range like \"200-299\"")
                    })
                };
                (parse(lo)?, parse(hi)?)
            }
            _ => {
                return Err("status is a code, a range like \"200-299\", or a list of them".into())
            }
        };
        if !(100..=599).contains(&range.0) || !(100..=599).contains(&range.1) || range.0 > range.1 {
            return Err(format!(
                "status {}-{} is not within 100-599",
                range.0, range.1
            ));
        }
        Ok((range.0 as u16, range.1 as u16))
    }
}

impl<'de> Deserialize<'de> for StatusSet {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(d)?;
        let items = match &value {
            serde_json::Value::Array(items) => items.iter().collect(),
            one => vec![one],
        };
        items
            .into_iter()
            .map(StatusSet::parse_one)
            .collect::<Result<Vec<_>, _>>()
            .map(StatusSet)
            .map_err(de::Error::custom)
    }
}

/// A condition on one value of a JSON body, found by JSON pointer (RFC 6901).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JsonCondition {
    pub pointer: String,
    #[serde(default)]
    pub equals: Option<serde_json::Value>,
    #[serde(default)]
    pub min: Option<f64>,
    #[serde(default)]
    pub max: Option<f64>,
    #[serde(default)]
    pub exists: Option<bool>,
    #[serde(default)]
    pub matches: Option<String>,
    /// `crit` (default) or `warn`: how bad it is when the condition fails.
    #[serde(default)]
    pub severity: Option<FailSeverity>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FailSeverity {
    Warn,
    Crit,
}

impl FailSeverity {
    pub fn state(self) -> CheckState {
        match self {
            FailSeverity::Warn => CheckState::Warn,
            FailSeverity::Crit => CheckState::Crit,
        }
    }
}

/// `tcp`: `port` (required), `send` (text written after connecting, as it is: end it with
/// `\r\n` where the protocol reads lines), `expect` (text the
/// banner or answer must contain), `warn_ms`/`crit_ms`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TcpSpec {
    pub port: u16,
    #[serde(default)]
    pub send: Option<String>,
    #[serde(default)]
    pub expect: Option<String>,
    #[serde(default)]
    pub warn_ms: Option<u64>,
    #[serde(default)]
    pub crit_ms: Option<u64>,
}

/// `ping`: `count` (3), `warn_ms`/`crit_ms` (average round trip), `warn_loss`/`crit_loss`
/// (per cent lost; default 1 and 100: some loss warns, all lost is CRIT).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PingSpec {
    #[serde(default = "default_ping_count")]
    pub count: u32,
    #[serde(default)]
    pub warn_ms: Option<u64>,
    #[serde(default)]
    pub crit_ms: Option<u64>,
    #[serde(default = "default_warn_loss")]
    pub warn_loss: u8,
    #[serde(default = "default_crit_loss")]
    pub crit_loss: u8,
}

fn default_ping_count() -> u32 {
    3
}
fn default_warn_loss() -> u8 {
    1
}
fn default_crit_loss() -> u8 {
    100
}

/// `dns`: `name` (required), `record` (`A`, `AAAA`, `CNAME`, `MX`, `TXT`, `NS`, `PTR`; `A`),
/// `expect` (values that must all be in the answer; empty: any answer passes), `server`
/// (`ip` or `ip:port`; default the endpoint's host, port 53: the customer's DNS server is
/// what is checked).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DnsSpec {
    pub name: String,
    #[serde(default = "default_record")]
    pub record: DnsRecord,
    #[serde(default, deserialize_with = "one_or_many")]
    pub expect: Vec<String>,
    #[serde(default)]
    pub server: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum DnsRecord {
    A,
    Aaaa,
    Cname,
    Mx,
    Txt,
    Ns,
    Ptr,
}

fn default_record() -> DnsRecord {
    DnsRecord::A
}

/// `tls_expiry`: `port` (443), `server_name` (default the host), `warn_days` (21),
/// `crit_days` (7). Reads the certificate whatever its trust: an expiring certificate
/// of a self-signed appliance is still worth a warning.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsExpirySpec {
    #[serde(default = "default_tls_port")]
    pub port: u16,
    #[serde(default)]
    pub server_name: Option<String>,
    #[serde(default = "default_warn_days")]
    pub warn_days: u32,
    #[serde(default = "default_crit_days")]
    pub crit_days: u32,
}

fn default_tls_port() -> u16 {
    443
}
fn default_warn_days() -> u32 {
    21
}
fn default_crit_days() -> u32 {
    7
}

/// `node_exporter`: `url` (default `http://{host}:9100/metrics`; windows_exporter's
/// metrics are read too), thresholds in per cent or counts: `cpu_warn`/`cpu_crit` (90/98),
/// `memory_warn`/`memory_crit` (90/97), `disk_warn`/`disk_crit` (85/95, every real file
/// system), `load_warn`/`load_crit` (per core; 2/4), `failed_units` (true: any failed
/// systemd unit is CRIT), `reboot_required` (true: WARN), `updates_warn` (1: pending
/// updates, from the textfile collector's `apt_upgrades_pending`), `max_body_kb` (4096).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeExporterSpec {
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default = "d90")]
    pub cpu_warn: f64,
    #[serde(default = "d98")]
    pub cpu_crit: f64,
    #[serde(default = "d90")]
    pub memory_warn: f64,
    #[serde(default = "d97")]
    pub memory_crit: f64,
    #[serde(default = "d85")]
    pub disk_warn: f64,
    #[serde(default = "d95")]
    pub disk_crit: f64,
    #[serde(default = "d2")]
    pub load_warn: f64,
    #[serde(default = "d4")]
    pub load_crit: f64,
    #[serde(default = "yes")]
    pub failed_units: bool,
    #[serde(default = "yes")]
    pub reboot_required: bool,
    #[serde(default = "one")]
    pub updates_warn: u64,
    #[serde(default = "default_metrics_kb")]
    pub max_body_kb: u64,
}

fn d90() -> f64 {
    90.0
}
fn d98() -> f64 {
    98.0
}
fn d97() -> f64 {
    97.0
}
fn d85() -> f64 {
    85.0
}
fn d95() -> f64 {
    95.0
}
fn d2() -> f64 {
    2.0
}
fn d4() -> f64 {
    4.0
}
fn one() -> u64 {
    1
}
fn default_metrics_kb() -> u64 {
    4096
}

/// `ssh_command` (agentless): `command` or `preset` (`disk_usage`, `failed_services`,
/// `pending_updates`, `reboot_required`, `backup_age`), `user`/`port` (default the
/// endpoint's SSH settings), `expect_exit` (0; any other exit is CRIT), `warn_exit` (exit
/// codes that mean WARN, like Nagios' 1), `regex` (the output must match), `json`
/// (conditions as for `http`), `warn`/`crit` (thresholds for the presets that measure: disk
/// per cent, backup age in hours), `repository` (for `backup_age`: the restic or borg
/// repository).
///
/// A fleet file is untrusted input, so it names no file of the technician's laptop: there
/// is no `key_file` and no `known_hosts` (refused with [`LOCAL_FILE_REFUSED`]). The key
/// comes from the technician's side (a credential profile, the ssh-agent), the host key is
/// checked against Fieldline's own known_hosts in the data folder.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SshCommandSpec {
    #[serde(default)]
    pub command: Option<String>,
    #[serde(default)]
    pub preset: Option<SshPreset>,
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default)]
    pub port: Option<u16>,
    #[serde(default)]
    pub expect_exit: i32,
    #[serde(default)]
    pub warn_exit: Vec<i32>,
    #[serde(default)]
    pub regex: Option<String>,
    #[serde(default)]
    pub json: Vec<JsonCondition>,
    #[serde(default)]
    pub warn: Option<f64>,
    #[serde(default)]
    pub crit: Option<f64>,
    #[serde(default)]
    pub repository: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SshPreset {
    DiskUsage,
    FailedServices,
    PendingUpdates,
    RebootRequired,
    BackupAge,
}

fn one_or_many<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(s) => vec![s],
        OneOrMany::Many(v) => v,
    })
}

/// Reads a duration as a fleet file writes it: `"30s"`, `"5m"`, `"1h"`, `"250ms"`, `"1d"`,
/// or a number of seconds.
pub fn parse_duration(value: &serde_json::Value) -> Result<Duration, String> {
    match value {
        serde_json::Value::Number(n) => n
            .as_f64()
            .filter(|s| s.is_finite() && *s >= 0.0 && *s < 1e9)
            .map(Duration::from_secs_f64)
            .ok_or_else(|| format!("{n} is not a number of seconds")),
        serde_json::Value::String(s) => {
            let t = s.trim();
            let split = t
                .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                .unwrap_or(t.len());
            let (number, unit) = t.split_at(split);
            let n: f64 = number
                .parse()
                .map_err(|_| format!("{s:?} is not a duration like \"30s\", \"5m\" or \"1h\""))?;
            let seconds = match unit.trim() {
                "ms" => n / 1000.0,
                "" | "s" => n,
                "m" => n * 60.0,
                "h" => n * 3600.0,
                "d" => n * 86400.0,
                _ => {
                    return Err(format!(
                        "{s:?} is not a duration like \"30s\", \"5m\" or \"1h\""
                    ))
                }
            };
            if !seconds.is_finite() || seconds >= 1e9 {
                return Err(format!("{s:?} is too long"));
            }
            Ok(Duration::from_secs_f64(seconds))
        }
        _ => Err("a duration is text like \"30s\" or a number of seconds".into()),
    }
}

/// A parameter of a check that does not make sense; `field` is the parameter's name
/// (empty when the problem is the check as a whole).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError {
    pub field: String,
    pub message: String,
}

impl std::fmt::Display for SpecError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.field.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.field, self.message)
        }
    }
}

fn spec_error(field: &str, message: impl Into<String>) -> SpecError {
    SpecError {
        field: field.into(),
        message: message.into(),
    }
}

const COMMON: [&str; 5] = ["interval", "timeout", "retries", "recover_after", "host"];

impl CheckSpec {
    /// The typed form of a check, or what is wrong with its parameters.
    pub fn parse(check: &Check) -> Result<CheckSpec, SpecError> {
        let get = |k: &str| check.params.get(k);
        let duration = |k: &str, default: Duration| -> Result<Duration, SpecError> {
            get(k)
                .map(parse_duration)
                .transpose()
                .map_err(|m| spec_error(k, m))
                .map(|d| d.unwrap_or(default))
        };
        let count = |k: &str, default: u32| -> Result<u32, SpecError> {
            match get(k) {
                None => Ok(default),
                Some(v) => v
                    .as_u64()
                    .filter(|n| *n <= u64::from(MAX_RETRIES))
                    .map(|n| n as u32)
                    .ok_or_else(|| {
                        spec_error(k, format!("a whole number from 0 to {MAX_RETRIES}"))
                    }),
            }
        };
        let interval = duration("interval", Duration::from_secs(60))?;
        if !(MIN_INTERVAL..=MAX_INTERVAL).contains(&interval) {
            return Err(spec_error("interval", "between 1 second and 7 days"));
        }
        let timeout = duration("timeout", Duration::from_secs(10))?;
        if timeout.is_zero() || timeout > MAX_TIMEOUT {
            return Err(spec_error("timeout", "more than 0 and at most 5 minutes"));
        }
        let recover_after = count("recover_after", 1)?.max(1);
        let host = match get("host") {
            None => None,
            Some(serde_json::Value::String(h)) if !h.trim().is_empty() => Some(h.trim().to_owned()),
            Some(_) => return Err(spec_error("host", "a host name or address")),
        };
        let common = Common {
            interval,
            timeout,
            retries: count("retries", 0)?,
            recover_after,
            host,
        };
        let own: serde_json::Map<String, serde_json::Value> = check
            .params
            .iter()
            .filter(|(k, _)| !COMMON.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let kind = parse_kind(check.kind, serde_json::Value::Object(own))?;
        Ok(CheckSpec { common, kind })
    }
}

fn parse_kind(kind: CheckKind, params: serde_json::Value) -> Result<KindSpec, SpecError> {
    fn typed<T: for<'de> Deserialize<'de>>(v: serde_json::Value) -> Result<T, SpecError> {
        serde_json::from_value(v).map_err(|e| {
            // serde says "unknown field `urll`, expected one of ..." or "missing field `url`".
            let text = e.to_string();
            let field = text
                .split('`')
                .nth(1)
                .filter(|_| text.contains("field"))
                .unwrap_or("")
                .to_owned();
            SpecError {
                field,
                message: text,
            }
        })
    }
    if kind == CheckKind::SshCommand {
        for field in ["key_file", "known_hosts"] {
            if params.get(field).is_some() {
                return Err(spec_error(field, LOCAL_FILE_REFUSED));
            }
        }
    }
    let spec = match kind {
        CheckKind::Http => {
            let s: HttpSpec = typed(params)?;
            if let Some(name) = s.headers.keys().find(|n| is_credential_header(n)) {
                return Err(spec_error(
                    &format!("headers.{name}"),
                    format!(
                        "the {name} header carries credentials and belongs in a credential \
                         profile, not in a fleet (fleet files, CSV and edits from the window \
                         are untrusted input); remove it"
                    ),
                ));
            }
            if !(s.url.starts_with("http://") || s.url.starts_with("https://")) {
                return Err(spec_error("url", "starts with http:// or https://"));
            }
            check_thresholds(s.warn_ms, s.crit_ms)?;
            check_regex("regex", s.regex.as_deref())?;
            check_json(&s.json)?;
            if s.max_redirects > MAX_REDIRECTS {
                return Err(spec_error(
                    "max_redirects",
                    format!("at most {MAX_REDIRECTS}"),
                ));
            }
            if s.max_body_kb == 0 || s.max_body_kb > 64 * 1024 {
                return Err(spec_error("max_body_kb", "between 1 and 65536"));
            }
            KindSpec::Http(s)
        }
        CheckKind::Tcp => {
            let s: TcpSpec = typed(params)?;
            if s.port == 0 {
                return Err(spec_error("port", "from 1 to 65535"));
            }
            check_thresholds(s.warn_ms, s.crit_ms)?;
            KindSpec::Tcp(s)
        }
        CheckKind::Ping => {
            let s: PingSpec = typed(params)?;
            if !(1..=20).contains(&s.count) {
                return Err(spec_error("count", "from 1 to 20"));
            }
            if s.warn_loss > 100 || s.crit_loss > 100 || s.warn_loss > s.crit_loss {
                return Err(spec_error("warn_loss", "per cent, at most crit_loss"));
            }
            check_thresholds(s.warn_ms, s.crit_ms)?;
            KindSpec::Ping(s)
        }
        CheckKind::Dns => {
            let s: DnsSpec = typed(params)?;
            if s.name.trim().is_empty() {
                return Err(spec_error("name", "the name to look up"));
            }
            KindSpec::Dns(s)
        }
        CheckKind::TlsExpiry => {
            let s: TlsExpirySpec = typed(params)?;
            if s.crit_days > s.warn_days {
                return Err(spec_error("crit_days", "at most warn_days"));
            }
            KindSpec::TlsExpiry(s)
        }
        CheckKind::NodeExporter => {
            let s: NodeExporterSpec = typed(params)?;
            for (name, warn, crit) in [
                ("cpu_warn", s.cpu_warn, s.cpu_crit),
                ("memory_warn", s.memory_warn, s.memory_crit),
                ("disk_warn", s.disk_warn, s.disk_crit),
                ("load_warn", s.load_warn, s.load_crit),
            ] {
                if !(warn.is_finite() && crit.is_finite()) || warn < 0.0 || warn > crit {
                    return Err(spec_error(name, "a number, at most its _crit"));
                }
            }
            if let Some(url) = &s.url {
                if !(url.starts_with("http://") || url.starts_with("https://")) {
                    return Err(spec_error("url", "starts with http:// or https://"));
                }
            }
            KindSpec::NodeExporter(s)
        }
        CheckKind::SshCommand => {
            let s: SshCommandSpec = typed(params)?;
            match (&s.command, s.preset) {
                (None, None) => return Err(spec_error("command", "a command or a preset")),
                (Some(_), Some(_)) => {
                    return Err(spec_error(
                        "preset",
                        "either a command or a preset, not both",
                    ))
                }
                (Some(c), None) if c.trim().is_empty() => {
                    return Err(spec_error("command", "the command to run"))
                }
                _ => {}
            }
            if s.preset == Some(SshPreset::BackupAge) && s.repository.is_none() {
                return Err(spec_error(
                    "repository",
                    "the restic or borg repository to look at",
                ));
            }
            check_regex("regex", s.regex.as_deref())?;
            check_json(&s.json)?;
            KindSpec::SshCommand(s)
        }
    };
    Ok(spec)
}

fn check_thresholds(warn: Option<u64>, crit: Option<u64>) -> Result<(), SpecError> {
    match (warn, crit) {
        (Some(w), Some(c)) if w > c => Err(spec_error("warn_ms", "at most crit_ms")),
        _ => Ok(()),
    }
}

/// A regex must compile, and stay small: a fleet file is not trusted to be kind.
fn check_regex(field: &str, pattern: Option<&str>) -> Result<(), SpecError> {
    if let Some(p) = pattern {
        compile_regex(p).map_err(|m| spec_error(field, m))?;
    }
    Ok(())
}

/// The one way a check's regex is compiled (size-limited), at validation and at run time.
pub fn compile_regex(pattern: &str) -> Result<regex::Regex, String> {
    regex::RegexBuilder::new(pattern)
        .size_limit(1 << 20)
        .dfa_size_limit(1 << 20)
        .build()
        .map_err(|e| format!("not a valid regular expression: {e}"))
}

fn check_json(conditions: &[JsonCondition]) -> Result<(), SpecError> {
    for c in conditions {
        if !(c.pointer.is_empty() || c.pointer.starts_with('/')) {
            return Err(spec_error(
                "json",
                format!("pointer {:?} starts with /", c.pointer),
            ));
        }
        if c.equals.is_none()
            && c.min.is_none()
            && c.max.is_none()
            && c.exists.is_none()
            && c.matches.is_none()
        {
            return Err(spec_error(
                "json",
                format!(
                    "the condition on {:?} says nothing: give equals, min, max, exists or matches",
                    c.pointer
                ),
            ));
        }
        check_regex("json", c.matches.as_deref())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(kind: CheckKind, params: serde_json::Value) -> Check {
        Check {
            kind,
            params: params
                .as_object()
                .into_iter()
                .flatten()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        }
    }

    #[test]
    fn http_defaults_and_statuses() {
        let spec = CheckSpec::parse(&check(
            CheckKind::Http,
            json!({"url": "https://x/health", "status": [200, "300-304"], "interval": "30s"}),
        ))
        .expect("parses");
        assert_eq!(spec.common.interval, Duration::from_secs(30));
        assert_eq!(spec.common.timeout, Duration::from_secs(10));
        let KindSpec::Http(http) = spec.kind else {
            panic!("http")
        };
        assert!(http.status.accepts(200) && http.status.accepts(302));
        assert!(!http.status.accepts(201) && !http.status.accepts(500));
        assert!(StatusSet::default().accepts(301) && !StatusSet::default().accepts(404));
        assert_eq!(http.max_redirects, 5);
        assert!(http.verify_tls);
    }

    #[test]
    fn mistakes_name_the_parameter() {
        let err = |kind, params| CheckSpec::parse(&check(kind, params)).expect_err("rejected");
        let e = err(CheckKind::Http, json!({"urll": "http://x"}));
        assert_eq!(e.field, "urll", "{e}");
        let e = err(CheckKind::Http, json!({}));
        assert_eq!(e.field, "url", "{e}");
        assert!(e.message.contains("missing"), "{e}");
        let e = err(CheckKind::Http, json!({"url": "ftp://x"}));
        assert_eq!(e.field, "url");
        let e = err(
            CheckKind::Http,
            json!({"url": "http://x", "regex": "(unclosed"}),
        );
        assert_eq!(e.field, "regex");
        let e = err(CheckKind::Http, json!({"url": "http://x", "status": "2xx"}));
        assert!(e.message.contains("200-299"), "{e}");
        let e = err(CheckKind::Tcp, json!({"port": 80, "interval": "soon"}));
        assert_eq!(e.field, "interval");
        let e = err(CheckKind::Tcp, json!({"port": 80, "timeout": "10m"}));
        assert_eq!(e.field, "timeout");
        let e = err(
            CheckKind::TlsExpiry,
            json!({"warn_days": 5, "crit_days": 10}),
        );
        assert_eq!(e.field, "crit_days");
        let e = err(CheckKind::SshCommand, json!({}));
        assert_eq!(e.field, "command");
        let e = err(CheckKind::SshCommand, json!({"preset": "backup_age"}));
        assert_eq!(e.field, "repository");
        let e = err(
            CheckKind::Http,
            json!({"url": "http://x", "json": [{"pointer": "/a"}]}),
        );
        assert!(e.message.contains("says nothing"), "{e}");
    }

    #[test]
    fn fleets_name_no_local_files_and_no_credential_headers() {
        let err = |kind, params| CheckSpec::parse(&check(kind, params)).expect_err("refused");
        for field in ["key_file", "known_hosts"] {
            let e = err(
                CheckKind::SshCommand,
                json!({"command": "uptime", field: "/etc/shadow"}),
            );
            assert_eq!(e.field, field, "{e}");
            assert!(e.message.contains("Sessions > Credentials"), "{e}");
            assert!(e.message.contains("Fieldline's own known_hosts"), "{e}");
        }
        for name in ["Authorization", "cookie", "PROXY-AUTHORIZATION"] {
            let e = err(
                CheckKind::Http,
                json!({"url": "http://x/", "headers": {"X-Ok": "1", name: "Bearer t"}}),
            );
            assert_eq!(e.field, format!("headers.{name}"), "{e}");
            assert!(e.message.contains("belongs in a credential profile"), "{e}");
            assert!(!e.message.contains("Bearer"), "{e}");
        }
        CheckSpec::parse(&check(
            CheckKind::Http,
            json!({"url": "http://x/", "headers": {"Host": "intranet", "X-Authorization-Hint": "no"}}),
        ))
        .expect("other headers pass");
    }

    #[test]
    fn durations() {
        for (text, secs) in [
            ("250ms", 0.25),
            ("30s", 30.0),
            ("5m", 300.0),
            ("1h", 3600.0),
            ("2", 2.0),
        ] {
            assert_eq!(
                parse_duration(&json!(text)),
                Ok(Duration::from_secs_f64(secs)),
                "{text}"
            );
        }
        assert_eq!(parse_duration(&json!(90)), Ok(Duration::from_secs(90)));
        assert!(parse_duration(&json!("5 weeks")).is_err());
        assert!(parse_duration(&json!(-1)).is_err());
        assert!(parse_duration(&json!("1e300s")).is_err());
    }

    #[test]
    fn every_kind_parses_with_its_minimum() {
        for (kind, params) in [
            (CheckKind::Http, json!({"url": "http://{host}/"})),
            (CheckKind::Tcp, json!({"port": 22, "expect": "SSH-"})),
            (CheckKind::Ping, json!({})),
            (
                CheckKind::Dns,
                json!({"name": "example.test", "expect": "10.0.0.1"}),
            ),
            (CheckKind::TlsExpiry, json!({})),
            (CheckKind::NodeExporter, json!({})),
            (CheckKind::SshCommand, json!({"preset": "disk_usage"})),
        ] {
            CheckSpec::parse(&check(kind, params)).unwrap_or_else(|e| panic!("{kind:?}: {e}"));
        }
    }

    #[test]
    fn severity_orders_problems_first() {
        use CheckState::*;
        assert_eq!(Ok.worst(Stale), Stale);
        assert_eq!(Warn.worst(Unknown), Warn);
        assert_eq!(Crit.worst(Warn), Crit);
        assert!(Unknown.is_problem() && !Stale.is_problem() && !Ok.is_problem());
    }
}
