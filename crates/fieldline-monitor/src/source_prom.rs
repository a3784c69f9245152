//! The scale path: fleet status read from an MSP's existing Prometheus (and Alertmanager)
//! instead of probed from the laptop. One [`read`] asks Prometheus for `up` (one result
//! per scrape job of each endpoint) and asks for the active alerts — from Alertmanager
//! when one is configured (it knows silences and inhibitions), else from Prometheus's own
//! `/api/v1/alerts` — and maps every series to an endpoint of the fleet by its labels.
//!
//! Everything from the server is hostile: each request ends within the source's
//! `timeout`, at most `max_response_bytes` of (decompressed) body is read, and every text
//! that reaches a person (annotations, label values, error bodies) goes through
//! [`clean`]. The secret (bearer token or basic-auth password) comes from the OS keychain
//! as a parameter; it is sent only as a header marked sensitive and is never part of the
//! configuration, an error or a message.
//!
//! Mapping a series to an endpoint (first rule that applies):
//! 1. the series has the `endpoint_label` (default `fieldline_endpoint`): its value is
//!    the endpoint's id (an unknown id leaves the series unmatched, no guessing);
//! 2. the `match_label` (default `instance`) value, as `host:port`, equals an address an
//!    endpoint's checks name with a port: the `node_exporter` check's URL (default
//!    `host:9100`) or a `tcp` check's `host:port`. This is what tells two exporters of
//!    one host (or of loopback) apart;
//! 3. the `match_label` value without its port (a URL's host for blackbox targets) equals
//!    an endpoint's `host` or a check's `host` override (case-insensitive, IPs compared
//!    in their canonical form).
//!
//! A value that matches two or more endpoints at the same rule is *ambiguous* and left
//! unmatched, with the candidates named: private addresses repeat across customers, and
//! showing one customer's outage on another's server is worse than showing nothing.

use crate::outcome::{clean, MAX_MESSAGE};
use crate::probe::http::describe_error;
use crate::probe::{error_chain, host_port, seconds};
use fieldline_core::checks::{CheckSpec, KindSpec};
use fieldline_core::{CheckState, Fleet};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::time::{Duration, Instant};
use ts_rs::TS;

/// Longest text kept for a name (job, alert name) or a label value shown to a person.
const MAX_NAME: usize = 100;
/// Longest piece of a server's answer quoted in an error.
const MAX_QUOTE: usize = 160;

// ---------------------------------------------------------------------------------------
// Configuration

/// Where and how to read an existing Prometheus/Alertmanager. Plain data, kept in a
/// settings table; the secret is not here (see [`Auth`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct PromSource {
    /// Base URL of Prometheus (`https://prom.example.net/`, or with a path prefix such as
    /// `https://host/prometheus/`); `api/v1/...` is appended.
    pub prometheus_url: String,
    /// Base URL of Alertmanager; when set, alerts (with silences) come from it.
    #[serde(default)]
    pub alertmanager_url: Option<String>,
    /// How to authenticate to both; the secret itself comes from the OS keychain.
    #[serde(default)]
    pub auth: Auth,
    /// The label whose value names the endpoint's host (`instance`).
    #[serde(default = "default_match_label")]
    pub match_label: String,
    /// A label whose value is the endpoint's id, taking precedence (`fieldline_endpoint`).
    #[serde(default = "default_endpoint_label")]
    pub endpoint_label: String,
    /// How long one request may take, body included (`"15s"` or a number of seconds).
    #[serde(default = "default_timeout", with = "duration_text")]
    #[ts(type = "string")]
    pub timeout: Duration,
    /// The most body one answer may have, decompressed (32 MiB).
    #[serde(default = "default_max_response")]
    pub max_response_bytes: u64,
    /// How many unmatched series are listed (all are counted).
    #[serde(default = "default_max_unmatched")]
    pub max_unmatched: usize,
    /// What `severity: info` (and `none`) alerts become.
    #[serde(default)]
    pub info_alerts: InfoAlerts,
}

/// The kind of credentials; the secret is passed to [`read`] separately.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(rename = "PromAuth")]
pub enum Auth {
    #[default]
    None,
    /// `Authorization: Bearer <secret>`.
    Bearer,
    /// HTTP basic auth with this user name and the secret as the password.
    Basic { username: String },
}

/// `severity: info` / `none` alerts are notes, not problems (kube-prometheus uses them for
/// `Watchdog` and `InfoInhibitor`, which fire all the time by design).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum InfoAlerts {
    /// Shown as an OK result whose message starts with `info:`.
    #[default]
    Note,
    /// Left out.
    Skip,
}

pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);
pub const DEFAULT_MAX_RESPONSE: u64 = 32 * 1024 * 1024;
pub const DEFAULT_MAX_UNMATCHED: usize = 50;
const MAX_TIMEOUT: Duration = Duration::from_secs(300);

fn default_match_label() -> String {
    "instance".into()
}
fn default_endpoint_label() -> String {
    "fieldline_endpoint".into()
}
fn default_timeout() -> Duration {
    DEFAULT_TIMEOUT
}
fn default_max_response() -> u64 {
    DEFAULT_MAX_RESPONSE
}
fn default_max_unmatched() -> usize {
    DEFAULT_MAX_UNMATCHED
}

impl PromSource {
    /// A source with every default but the Prometheus URL.
    pub fn new(prometheus_url: impl Into<String>) -> PromSource {
        PromSource {
            prometheus_url: prometheus_url.into(),
            alertmanager_url: None,
            auth: Auth::None,
            match_label: default_match_label(),
            endpoint_label: default_endpoint_label(),
            timeout: DEFAULT_TIMEOUT,
            max_response_bytes: DEFAULT_MAX_RESPONSE,
            max_unmatched: DEFAULT_MAX_UNMATCHED,
            info_alerts: InfoAlerts::Note,
        }
    }

    /// What is wrong with the settings, if anything (also checked by [`read`]).
    pub fn validate(&self) -> Result<(), SourceError> {
        base_url("prometheus_url", &self.prometheus_url)?;
        if let Some(am) = &self.alertmanager_url {
            base_url("alertmanager_url", am)?;
        }
        for (field, label) in [
            ("match_label", &self.match_label),
            ("endpoint_label", &self.endpoint_label),
        ] {
            if !is_label_name(label) {
                return Err(config(format!(
                    "{field} {:?} is not a Prometheus label name (letters, digits, _)",
                    clean(label, MAX_NAME)
                )));
            }
        }
        if self.timeout.is_zero() || self.timeout > MAX_TIMEOUT {
            return Err(config("timeout is more than 0 and at most 5 minutes"));
        }
        if !(1024..=1 << 30).contains(&self.max_response_bytes) {
            return Err(config("max_response_bytes is between 1 KiB and 1 GiB"));
        }
        if let Auth::Basic { username } = &self.auth {
            if username.is_empty()
                || username.contains(':')
                || username.chars().any(char::is_control)
            {
                return Err(config(
                    "the basic-auth user name is empty or has ':' or control characters",
                ));
            }
        }
        Ok(())
    }
}

/// The base URL, ending in `/` so that `api/...` joins below any path prefix. Credentials
/// in the URL are refused: they belong in the keychain, and URLs end up in messages.
fn base_url(field: &str, text: &str) -> Result<reqwest::Url, SourceError> {
    let mut url = reqwest::Url::parse(text.trim()).map_err(|e| {
        config(format!(
            "{field} {:?} is not a URL: {e}",
            clean(text, MAX_NAME)
        ))
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(config(format!("{field} starts with http:// or https://")));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(config(format!(
            "{field} has a user name or password in it; choose basic auth and keep the password in the keychain"
        )));
    }
    if url.query().is_some() {
        return Err(config(format!(
            "{field} has a query (?...); give the base address only"
        )));
    }
    // `http://am:9093/#/alerts` copied from a browser: the fragment is the web UI's.
    url.set_fragment(None);
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

fn is_label_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `"15s"`, `"1500ms"` in a settings table; read with the fleet file's duration syntax.
mod duration_text {
    use super::*;

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        if d.subsec_nanos() == 0 {
            s.serialize_str(&format!("{}s", d.as_secs()))
        } else {
            s.serialize_str(&format!("{}ms", d.as_millis()))
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let value = serde_json::Value::deserialize(d)?;
        fieldline_core::checks::parse_duration(&value).map_err(serde::de::Error::custom)
    }
}

/// An HTTP client suited to a source: no redirects followed (a redirect is reported: it
/// usually leads to a login page), gzip, a connect timeout. [`read`] works with any
/// client; one that follows redirects still sends no credentials to another host.
pub fn client() -> Result<reqwest::Client, SourceError> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(10))
        .user_agent(concat!(
            "Fieldline/",
            env!("CARGO_PKG_VERSION"),
            " (prometheus source)"
        ))
        .build()
        .map_err(|e| config(format!("cannot set up HTTP: {}", describe_error(&e))))
}

// ---------------------------------------------------------------------------------------
// What a read gives

/// Where a result came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ResultKind {
    /// A scrape target's `up`.
    Up,
    /// A firing alert.
    Alert,
}

/// One thing the source says about an endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct SourceResult {
    pub kind: ResultKind,
    /// Stable across reads while the series/alert keeps its labels (a hash of them), for
    /// the state engine and history.
    pub key: String,
    /// The scrape job (`up`) or the alert name; cleaned.
    pub name: String,
    pub state: CheckState,
    pub message: String,
    /// Unix seconds: when the alert started (Alertmanager `startsAt`, Prometheus
    /// `activeAt`). `None` for `up`: Prometheus's instant query does not say since when.
    pub since: Option<i64>,
    /// Silenced or inhibited in Alertmanager: shown, not alerting.
    pub silenced: bool,
    /// The series' `match_label` value (e.g. `10.0.0.5:9100`), cleaned; empty if none.
    pub series: String,
}

/// The results that map to one endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct EndpointResults {
    pub endpoint: String,
    /// The worst state of its results that are not silenced (OK if none).
    pub state: CheckState,
    pub results: Vec<SourceResult>,
}

/// A series or alert that maps to no endpoint, and why: what to fix in the mapping.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Unmatched {
    pub kind: ResultKind,
    /// Job or alert name, cleaned.
    pub name: String,
    /// The `match_label` value, cleaned; empty when the series has none.
    pub series: String,
    pub reason: String,
}

/// Where the alerts of a report came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum AlertsFrom {
    /// Alertmanager: silences and inhibitions known.
    Alertmanager,
    /// Prometheus's firing alerts: nothing is known about silences.
    Prometheus,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct SourceReport {
    pub took_ms: u64,
    pub alerts_from: AlertsFrom,
    /// Endpoints with at least one result, in fleet order.
    pub endpoints: Vec<EndpointResults>,
    /// Every `up` series and alert that mapped to no endpoint (info alerts not counted).
    pub unmatched_count: usize,
    /// The first `max_unmatched` of them, sorted.
    pub unmatched: Vec<Unmatched>,
    /// Ids of fleet endpoints that no series or alert mapped to.
    pub unseen: Vec<String>,
    /// Things a technician should know: Alertmanager failed and Prometheus's alerts were
    /// used instead; Prometheus's own warnings.
    pub warnings: Vec<String>,
}

// ---------------------------------------------------------------------------------------
// Errors

/// Which server an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Service {
    Prometheus,
    Alertmanager,
}

impl std::fmt::Display for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Service::Prometheus => "Prometheus",
            Service::Alertmanager => "Alertmanager",
        })
    }
}

/// Why a read failed, in a technician's words. URLs never hold credentials (refused in
/// the settings); quoted server text is cleaned and short.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SourceError {
    #[error("the Prometheus source's settings are wrong: {message}")]
    Config { message: String },
    #[error("cannot reach {service} at {url}: {detail}")]
    Unreachable {
        service: Service,
        url: String,
        detail: String,
    },
    #[error("{service} at {url} did not answer completely within {}", seconds(std::time::Duration::from_millis(*.after_ms)))]
    Timeout {
        service: Service,
        url: String,
        after_ms: u64,
    },
    #[error("{service} at {url} refused {} (HTTP {status})", if *.sent_credentials { "the credentials" } else { "access without credentials; set up a token or basic auth" })]
    AuthRefused {
        service: Service,
        url: String,
        status: u16,
        sent_credentials: bool,
    },
    #[error("{service} at {url} answered HTTP {status}: {detail}")]
    Http {
        service: Service,
        url: String,
        status: u16,
        detail: String,
    },
    #[error("{url} is not the {service} API: {detail}")]
    NotPrometheus {
        service: Service,
        url: String,
        detail: String,
    },
    #[error("{service} at {url} sent broken JSON: {detail}")]
    MalformedJson {
        service: Service,
        url: String,
        detail: String,
    },
    #[error("{service} at {url} sent more than {} MiB; raise the source's size limit or check the URL", .limit_bytes / (1024 * 1024))]
    TooLarge {
        service: Service,
        url: String,
        limit_bytes: u64,
    },
    #[error("{service} at {url} broke off its answer: {detail}")]
    Interrupted {
        service: Service,
        url: String,
        detail: String,
    },
    #[error("{service} at {url} says {error_type}: {error}")]
    Api {
        service: Service,
        url: String,
        status: u16,
        error_type: String,
        error: String,
    },
}

fn config(message: impl Into<String>) -> SourceError {
    SourceError::Config {
        message: message.into(),
    }
}

// ---------------------------------------------------------------------------------------
// Reading

/// Reads `source` once and maps what it says onto `fleet`. `secret` is the token or
/// password for `source.auth` (from the keychain). The `up` query and the alerts are
/// fetched concurrently, each request within `source.timeout`; if Alertmanager fails, the
/// alerts come from Prometheus instead (a warning says so), so a read takes at most twice
/// the timeout. Fails if Prometheus cannot be read.
pub async fn read(
    client: &reqwest::Client,
    source: &PromSource,
    secret: Option<&str>,
    fleet: &Fleet,
) -> Result<SourceReport, SourceError> {
    let started = Instant::now();
    source.validate()?;
    let prometheus = base_url("prometheus_url", &source.prometheus_url)?;
    let alertmanager = source
        .alertmanager_url
        .as_deref()
        .map(|u| base_url("alertmanager_url", u))
        .transpose()?;
    let fetcher = Fetcher::new(client, source, secret)?;

    let mut up_url = join(&prometheus, "api/v1/query")?;
    up_url.query_pairs_mut().append_pair("query", "up");
    let prom_alerts_url = join(&prometheus, "api/v1/alerts")?;

    let mut warnings = Vec::new();
    let (up, alerts, alerts_from) = match alertmanager {
        Some(am) => {
            let mut am_url = join(&am, "api/v2/alerts")?;
            am_url
                .query_pairs_mut()
                .append_pair("active", "true")
                .append_pair("silenced", "true")
                .append_pair("inhibited", "true")
                .append_pair("unprocessed", "true");
            // Prometheus failing ends the read at once; Alertmanager failing does not.
            let (up, am_alerts) =
                tokio::try_join!(fetcher.prometheus::<QueryData>(&up_url), async {
                    Ok(fetcher.alertmanager(&am_url).await)
                })?;
            match am_alerts {
                Ok(alerts) => (up, alerts, AlertsFrom::Alertmanager),
                Err(e) => {
                    warnings.push(clean(
                        &format!("alerts are Prometheus's own, silences are not known: {e}"),
                        MAX_MESSAGE,
                    ));
                    let (alerts, more) = fetcher.prometheus::<AlertsData>(&prom_alerts_url).await?;
                    warnings.extend(more);
                    (up, from_prometheus(alerts), AlertsFrom::Prometheus)
                }
            }
        }
        None => {
            let (up, (alerts, more)) = tokio::try_join!(
                fetcher.prometheus::<QueryData>(&up_url),
                fetcher.prometheus::<AlertsData>(&prom_alerts_url)
            )?;
            warnings.extend(more);
            (up, from_prometheus(alerts), AlertsFrom::Prometheus)
        }
    };
    let (up, up_warnings) = up;
    warnings.extend(up_warnings);
    if up.result_type != "vector" {
        return Err(SourceError::NotPrometheus {
            service: Service::Prometheus,
            url: shown(&up_url),
            detail: format!(
                "the query `up` gave a {:?}, not a vector",
                clean(&up.result_type, 20)
            ),
        });
    }
    let mut report = assemble(fleet, source, up.result, alerts, alerts_from);
    report.warnings.splice(0..0, warnings);
    report.took_ms = started.elapsed().as_millis() as u64;
    Ok(report)
}

fn join(base: &reqwest::Url, path: &str) -> Result<reqwest::Url, SourceError> {
    base.join(path)
        .map_err(|e| config(format!("cannot make a URL from {}: {e}", shown(base))))
}

/// A URL as shown in messages: no query (none of ours holds a secret, but keep it short).
fn shown(url: &reqwest::Url) -> String {
    let mut u = url.clone();
    u.set_query(None);
    clean(u.as_str(), 200)
}

/// The JSON shapes read (only the fields used; unknown fields ignored).
#[derive(Deserialize)]
struct PromEnvelope<T> {
    // Missing `Option` fields are `None` without `default` (which would ask `T: Default`).
    status: Option<String>,
    data: Option<T>,
    #[serde(rename = "errorType")]
    error_type: Option<String>,
    error: Option<String>,
    #[serde(default, deserialize_with = "null_default")]
    warnings: Vec<String>,
}

#[derive(Deserialize)]
struct QueryData {
    #[serde(rename = "resultType")]
    result_type: String,
    #[serde(deserialize_with = "null_default")]
    result: Vec<Sample>,
}

#[derive(Deserialize)]
struct Sample {
    #[serde(default, deserialize_with = "null_default")]
    metric: BTreeMap<String, String>,
    /// `[unix time, "value"]`
    value: (f64, String),
}

#[derive(Deserialize)]
struct AlertsData {
    #[serde(deserialize_with = "null_default")]
    alerts: Vec<PromAlert>,
}

#[derive(Deserialize)]
struct PromAlert {
    #[serde(default, deserialize_with = "null_default")]
    labels: BTreeMap<String, String>,
    #[serde(default, deserialize_with = "null_default")]
    annotations: BTreeMap<String, String>,
    #[serde(default)]
    state: String,
    #[serde(default, rename = "activeAt")]
    active_at: Option<String>,
}

#[derive(Deserialize)]
struct AmAlert {
    #[serde(default, deserialize_with = "null_default")]
    labels: BTreeMap<String, String>,
    #[serde(default, deserialize_with = "null_default")]
    annotations: BTreeMap<String, String>,
    #[serde(default, rename = "startsAt")]
    starts_at: Option<String>,
    status: AmStatus,
}

#[derive(Deserialize)]
struct AmStatus {
    #[serde(default)]
    state: String,
    #[serde(default, rename = "silencedBy", deserialize_with = "null_default")]
    silenced_by: Vec<String>,
    #[serde(default, rename = "inhibitedBy", deserialize_with = "null_default")]
    inhibited_by: Vec<String>,
}

/// `null` read as the empty value (Go marshals empty maps and slices as `null`).
fn null_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// An alert as both APIs give it, reduced to what is used.
#[derive(Debug, Clone, PartialEq)]
struct RawAlert {
    labels: BTreeMap<String, String>,
    annotations: BTreeMap<String, String>,
    since: Option<i64>,
    silenced: bool,
}

/// Prometheus's firing alerts (pending ones are not alerts yet).
fn from_prometheus(data: AlertsData) -> Vec<RawAlert> {
    data.alerts
        .into_iter()
        .filter(|a| a.state == "firing")
        .map(|a| RawAlert {
            since: a.active_at.as_deref().and_then(unix_seconds),
            labels: a.labels,
            annotations: a.annotations,
            silenced: false,
        })
        .collect()
}

/// Alertmanager's alerts: `active`/`unprocessed` alert, `suppressed` (silenced or
/// inhibited) is shown but not alerting.
fn from_alertmanager(alerts: Vec<AmAlert>) -> Vec<RawAlert> {
    alerts
        .into_iter()
        .map(|a| RawAlert {
            since: a.starts_at.as_deref().and_then(unix_seconds),
            silenced: a.status.state == "suppressed"
                || !a.status.silenced_by.is_empty()
                || !a.status.inhibited_by.is_empty(),
            labels: a.labels,
            annotations: a.annotations,
        })
        .collect()
}

/// RFC 3339 to Unix seconds; Go's zero time and other nonsense before 2000 is `None`.
fn unix_seconds(text: &str) -> Option<i64> {
    let t: jiff::Timestamp = text.trim().parse().ok()?;
    Some(t.as_second()).filter(|s| *s >= 946_684_800)
}

struct Fetcher<'a> {
    client: &'a reqwest::Client,
    auth: Credentials<'a>,
    timeout: Duration,
    limit: u64,
}

enum Credentials<'a> {
    None,
    Bearer(reqwest::header::HeaderValue),
    Basic(&'a str, &'a str),
}

/// Where the source's secret is sent: Prometheus and, when set, Alertmanager. Refused
/// where a secret may not go (`fieldline_keychain::secret_origin`: plain http:// to
/// another machine). The keychain keeps the secret bound to this destination.
pub fn secret_destination(
    source: &PromSource,
) -> Result<fieldline_keychain::Destination, SourceError> {
    let urls =
        std::iter::once(source.prometheus_url.as_str()).chain(source.alertmanager_url.as_deref());
    fieldline_keychain::Destination::http_all(urls).map_err(|e| config(e.to_string()))
}

impl<'a> Fetcher<'a> {
    fn new(
        client: &'a reqwest::Client,
        source: &'a PromSource,
        secret: Option<&'a str>,
    ) -> Result<Fetcher<'a>, SourceError> {
        let missing = || config("the secret is missing from the keychain");
        let auth = match &source.auth {
            Auth::None => Credentials::None,
            Auth::Bearer => {
                let token = secret.filter(|s| !s.is_empty()).ok_or_else(missing)?;
                secret_destination(source)?;
                // The error would show the value: say only what is wrong with it.
                let mut value = reqwest::header::HeaderValue::from_str(&format!("Bearer {token}"))
                    .map_err(|_| config("the token has characters a header cannot carry"))?;
                value.set_sensitive(true);
                Credentials::Bearer(value)
            }
            Auth::Basic { username } => {
                let password = secret.ok_or_else(missing)?;
                secret_destination(source)?;
                if password.chars().any(char::is_control) {
                    return Err(config("the password has control characters"));
                }
                Credentials::Basic(username, password)
            }
        };
        Ok(Fetcher {
            client,
            auth,
            timeout: source.timeout,
            limit: source.max_response_bytes,
        })
    }

    /// A Prometheus API answer's `data`, and its warnings (cleaned).
    async fn prometheus<T: for<'de> Deserialize<'de>>(
        &self,
        url: &reqwest::Url,
    ) -> Result<(T, Vec<String>), SourceError> {
        let service = Service::Prometheus;
        let answer = self.get(service, url).await?;
        let parsed: Result<PromEnvelope<T>, _> = serde_json::from_slice(&answer.body);
        let envelope = match parsed {
            Ok(e) => e,
            Err(e) => return Err(answer.failure(service, url, Some(e))),
        };
        let warnings = envelope
            .warnings
            .iter()
            .take(5)
            .map(|w| format!("Prometheus warns: {}", clean(w, MAX_QUOTE)))
            .collect();
        match (envelope.status.as_deref(), envelope.data) {
            (Some("success"), Some(data)) if answer.is_success() => Ok((data, warnings)),
            (Some("error"), _) | (Some("success"), None) if envelope.error.is_some() => {
                Err(SourceError::Api {
                    service,
                    url: shown(url),
                    status: answer.status,
                    error_type: clean(envelope.error_type.as_deref().unwrap_or("an error"), 40),
                    error: clean(envelope.error.as_deref().unwrap_or(""), MAX_QUOTE),
                })
            }
            _ => Err(answer.failure(service, url, None)),
        }
    }

    async fn alertmanager(&self, url: &reqwest::Url) -> Result<Vec<RawAlert>, SourceError> {
        let service = Service::Alertmanager;
        let answer = self.get(service, url).await?;
        if !answer.is_success() {
            return Err(answer.failure(service, url, None));
        }
        match serde_json::from_slice::<Vec<AmAlert>>(&answer.body) {
            Ok(alerts) => Ok(from_alertmanager(alerts)),
            Err(e) => Err(answer.failure(service, url, Some(e))),
        }
    }

    /// One GET, within the timeout, body bounded; redirects and refused credentials are
    /// errors here, everything else is judged by the caller.
    async fn get(&self, service: Service, url: &reqwest::Url) -> Result<Answer, SourceError> {
        let mut request = self
            .client
            .get(url.clone())
            .header(reqwest::header::ACCEPT, "application/json");
        let sent_credentials = match &self.auth {
            Credentials::None => false,
            Credentials::Bearer(value) => {
                request = request.header(reqwest::header::AUTHORIZATION, value.clone());
                true
            }
            Credentials::Basic(user, password) => {
                request = request.basic_auth(user, Some(password));
                true
            }
        };
        let limit = self.limit;
        let exchange = async {
            let retry = request.try_clone();
            let mut response = match (request.send().await, retry) {
                (Ok(r), _) => r,
                // A kept-alive connection the server had closed: GET again, on a new one.
                (Err(e), Some(retry)) if stale_connection(&e) => retry
                    .send()
                    .await
                    .map_err(|e| transport(service, url, &e, self.timeout))?,
                (Err(e), _) => return Err(transport(service, url, &e, self.timeout)),
            };
            let status = response.status();
            if status.is_redirection() {
                let to = response
                    .headers()
                    .get(reqwest::header::LOCATION)
                    .map(|l| clean(&String::from_utf8_lossy(l.as_bytes()), MAX_QUOTE))
                    .unwrap_or_default();
                return Err(SourceError::NotPrometheus {
                    service,
                    url: shown(url),
                    detail: format!(
                        "it redirects (HTTP {}) to {to:?}, probably a login page; give the API's own address",
                        status.as_u16()
                    ),
                });
            }
            if matches!(status.as_u16(), 401 | 403 | 407) {
                return Err(SourceError::AuthRefused {
                    service,
                    url: shown(url),
                    status: status.as_u16(),
                    sent_credentials,
                });
            }
            let too_large = || SourceError::TooLarge {
                service,
                url: shown(url),
                limit_bytes: limit,
            };
            // A Content-Length beyond the limit fails at once (after decompression the
            // body can still grow past it: counted below).
            let compressed = response
                .headers()
                .contains_key(reqwest::header::CONTENT_ENCODING);
            if !compressed && response.content_length().is_some_and(|n| n > limit) {
                return Err(too_large());
            }
            let content_type = response
                .headers()
                .get(reqwest::header::CONTENT_TYPE)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).to_ascii_lowercase())
                .unwrap_or_default();
            let mut body = Vec::with_capacity(
                response
                    .content_length()
                    .unwrap_or(0)
                    .min(limit)
                    .min(1 << 20) as usize,
            );
            while let Some(chunk) = response.chunk().await.map_err(|e| {
                if e.is_timeout() {
                    timed_out(service, url, self.timeout)
                } else {
                    SourceError::Interrupted {
                        service,
                        url: shown(url),
                        detail: describe_error(&e),
                    }
                }
            })? {
                if (body.len() + chunk.len()) as u64 > limit {
                    return Err(too_large());
                }
                body.extend_from_slice(&chunk);
            }
            Ok(Answer {
                status: status.as_u16(),
                content_type,
                body,
            })
        };
        match tokio::time::timeout(self.timeout, exchange).await {
            Ok(answer) => answer,
            Err(_) => Err(timed_out(service, url, self.timeout)),
        }
    }
}

fn timed_out(service: Service, url: &reqwest::Url, after: Duration) -> SourceError {
    SourceError::Timeout {
        service,
        url: shown(url),
        after_ms: after.as_millis() as u64,
    }
}

/// The request died on a pooled connection the server had closed in the meantime (an
/// idle keep-alive timeout, a restart).
fn stale_connection(e: &reqwest::Error) -> bool {
    let chain = error_chain(e).to_lowercase();
    e.is_request()
        && (chain.contains("connection closed before message completed")
            || chain.contains("connection reset")
            || chain.contains("broken pipe"))
}

fn transport(
    service: Service,
    url: &reqwest::Url,
    e: &reqwest::Error,
    timeout: Duration,
) -> SourceError {
    if e.is_timeout() {
        // The caller's client has a timeout of its own, shorter than the source's.
        return timed_out(service, url, timeout);
    }
    let detail = describe_error(e);
    // It answered, but not with HTTP a client can read.
    if detail.contains("not valid HTTP") || detail.contains("headers are too large") {
        return SourceError::NotPrometheus {
            service,
            url: shown(url),
            detail,
        };
    }
    SourceError::Unreachable {
        service,
        url: shown(url),
        detail,
    }
}

/// A complete answer (status, content type, body within the limit).
struct Answer {
    status: u16,
    content_type: String,
    body: Vec<u8>,
}

impl Answer {
    fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// Why an answer that is not the expected JSON fails: an HTML page (login, proxy
    /// error), an HTTP error status, broken JSON, JSON of another shape.
    fn failure(
        &self,
        service: Service,
        url: &reqwest::Url,
        json_error: Option<serde_json::Error>,
    ) -> SourceError {
        let url_text = shown(url);
        let text = String::from_utf8_lossy(&self.body[..self.body.len().min(64 * 1024)]);
        let html = looks_like_html(&self.content_type, &text);
        if !self.is_success() {
            let detail = if html {
                format!("an HTML page{}", html_title(&text))
            } else if let Some(message) = error_message(&self.body) {
                message
            } else {
                clean(&text, MAX_QUOTE)
            };
            let hint = if self.status == 404 {
                format!(
                    " (is {} the base address, without /api/...?)",
                    match service {
                        Service::Prometheus => "prometheus_url",
                        Service::Alertmanager => "alertmanager_url",
                    }
                )
            } else {
                String::new()
            };
            return SourceError::Http {
                service,
                url: url_text,
                status: self.status,
                detail: format!("{detail}{hint}"),
            };
        }
        if html {
            return SourceError::NotPrometheus {
                service,
                url: url_text,
                detail: format!(
                    "it answered with an HTML page{} (a login page or a web UI?)",
                    html_title(&text)
                ),
            };
        }
        match json_error {
            Some(e) if e.is_syntax() || e.is_eof() => {
                let first = text.trim_start_matches('\u{feff}').trim_start();
                if first.starts_with('{') || first.starts_with('[') {
                    SourceError::MalformedJson {
                        service,
                        url: url_text,
                        detail: clean(&e.to_string(), MAX_QUOTE),
                    }
                } else {
                    SourceError::NotPrometheus {
                        service,
                        url: url_text,
                        detail: format!("it answered text, not JSON: {:?}", clean(&text, 80)),
                    }
                }
            }
            Some(e) => SourceError::NotPrometheus {
                service,
                url: url_text,
                detail: format!(
                    "JSON, but not the shape of its API ({})",
                    clean(&e.to_string(), MAX_QUOTE)
                ),
            },
            None => SourceError::NotPrometheus {
                service,
                url: url_text,
                detail: format!(
                    "JSON without the API's \"status\"/\"data\": {:?}",
                    clean(&text, 80)
                ),
            },
        }
    }
}

fn looks_like_html(content_type: &str, text: &str) -> bool {
    // Bytes, not `str` slices: the body's first characters may be multi-byte.
    let start = text.trim_start_matches('\u{feff}').trim_start().as_bytes();
    let head = &start[..start.len().min(5)];
    content_type.contains("html")
        || head.eq_ignore_ascii_case(b"<!doc")
        || head.eq_ignore_ascii_case(b"<html")
}

/// ` "Sign in"` from `<title>Sign in</title>`, or nothing.
fn html_title(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let Some(open) = lower.find("<title") else {
        return String::new();
    };
    let Some(gt) = lower[open..].find('>') else {
        return String::new();
    };
    let start = open + gt + 1;
    let end = lower[start..]
        .find("</title")
        .map_or(text.len(), |e| start + e);
    // `lower` has the same byte offsets as `text` (ASCII lower-casing only); clean()
    // stops after 80 characters.
    let title = clean(&text[start..end], 80);
    if title.is_empty() {
        String::new()
    } else {
        format!(" {title:?}")
    }
}

/// The message of a JSON error body (`{"error": ...}`, `{"message": ...}` or a string).
fn error_message(body: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let text = match &value {
        serde_json::Value::String(s) => s.as_str(),
        serde_json::Value::Object(o) => ["error", "message"]
            .iter()
            .find_map(|k| o.get(*k).and_then(|v| v.as_str()))?,
        _ => return None,
    };
    Some(clean(text, MAX_QUOTE))
}

// ---------------------------------------------------------------------------------------
// Mapping series to endpoints

/// What a series' labels map to.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Match {
    Endpoint(usize),
    /// Why not, for the unmatched list.
    None(String),
}

/// The fleet indexed for [`Mapper::map`].
struct Mapper<'a> {
    fleet: &'a Fleet,
    match_label: &'a str,
    endpoint_label: &'a str,
    ids: HashMap<&'a str, usize>,
    /// `host:port` (host normalised) → endpoints whose checks name it.
    exact: HashMap<String, Vec<usize>>,
    /// host → endpoints with that host (or a check's host override).
    hosts: HashMap<String, Vec<usize>>,
}

impl<'a> Mapper<'a> {
    fn new(fleet: &'a Fleet, match_label: &'a str, endpoint_label: &'a str) -> Mapper<'a> {
        let mut m = Mapper {
            fleet,
            match_label,
            endpoint_label,
            ids: HashMap::new(),
            exact: HashMap::new(),
            hosts: HashMap::new(),
        };
        fn add(map: &mut HashMap<String, Vec<usize>>, key: String, i: usize) {
            let list = map.entry(key).or_default();
            if !list.contains(&i) {
                list.push(i);
            }
        }
        for (i, e) in fleet.endpoints.iter().enumerate() {
            m.ids.insert(e.id.as_str(), i);
            let (host, port) = split_address(&e.host);
            add(&mut m.hosts, host.clone(), i);
            if let Some(p) = port {
                add(&mut m.exact, exact_key(&host, p), i);
            }
            for check in &e.checks {
                let Ok(spec) = CheckSpec::parse(check) else {
                    continue;
                };
                let check_host = spec.common.host.as_deref().unwrap_or(&e.host);
                if spec.common.host.is_some() {
                    add(&mut m.hosts, split_address(check_host).0, i);
                }
                let address = match &spec.kind {
                    KindSpec::NodeExporter(s) => Some(match &s.url {
                        Some(url) => url.replace("{host}", check_host),
                        None => host_port(check_host, 9100),
                    }),
                    KindSpec::Tcp(s) => Some(host_port(check_host, s.port)),
                    _ => None,
                };
                if let Some(address) = address {
                    if let (h, Some(p)) = split_address(&address) {
                        add(&mut m.exact, exact_key(&h, p), i);
                    }
                }
            }
        }
        m
    }

    fn map(&self, labels: &BTreeMap<String, String>) -> Match {
        if let Some(id) = labels.get(self.endpoint_label).filter(|v| !v.is_empty()) {
            return match self.ids.get(id.as_str()) {
                Some(&i) => Match::Endpoint(i),
                None => Match::None(format!(
                    "{}={:?} names no endpoint of the fleet",
                    self.endpoint_label,
                    clean(id, MAX_NAME)
                )),
            };
        }
        let Some(value) = labels
            .get(self.match_label)
            .filter(|v| !v.trim().is_empty())
        else {
            return Match::None(format!(
                "no {} (or {}) label",
                self.match_label, self.endpoint_label
            ));
        };
        let (host, port) = split_address(value);
        if let Some(p) = port {
            if let Some(found) = self.exact.get(&exact_key(&host, p)) {
                return self.one_of(found);
            }
        }
        match self.hosts.get(&host) {
            Some(found) => self.one_of(found),
            None => Match::None(format!(
                "no endpoint has the host {:?}",
                clean(&host, MAX_NAME)
            )),
        }
    }

    fn one_of(&self, found: &[usize]) -> Match {
        match found {
            [i] => Match::Endpoint(*i),
            many => {
                let ids: Vec<&str> = many
                    .iter()
                    .take(5)
                    .map(|&i| self.fleet.endpoints[i].id.as_str())
                    .collect();
                Match::None(clean(
                    &format!(
                        "matches {} endpoints ({}{}); add a {} label to the target",
                        many.len(),
                        ids.join(", "),
                        if many.len() > 5 { ", ..." } else { "" },
                        self.endpoint_label
                    ),
                    MAX_MESSAGE,
                ))
            }
        }
    }
}

/// A label value or a host as `(host, port)`: URLs give their host and explicit port,
/// `[v6]:port` and `host:port` are split, a bare IPv6 address has no port. The host is
/// lower-cased without a trailing dot; IP addresses take their canonical form.
fn split_address(value: &str) -> (String, Option<u16>) {
    let value = value.trim();
    let (host, port) = if value.contains("://") {
        match reqwest::Url::parse(value) {
            Ok(url) => (
                url.host_str()
                    .unwrap_or("")
                    .trim_start_matches('[')
                    .trim_end_matches(']')
                    .to_owned(),
                url.port(),
            ),
            Err(_) => (value.to_owned(), None),
        }
    } else if let Some(rest) = value.strip_prefix('[') {
        match rest.split_once(']') {
            Some((h, tail)) => (
                h.to_owned(),
                tail.strip_prefix(':').and_then(|p| p.parse().ok()),
            ),
            None => (rest.to_owned(), None),
        }
    } else {
        match value.rsplit_once(':') {
            Some((h, p)) if !h.contains(':') && !p.is_empty() => match p.parse::<u16>() {
                Ok(port) => (h.to_owned(), Some(port)),
                Err(_) => (value.to_owned(), None),
            },
            _ => (value.to_owned(), None),
        }
    };
    let host = host.trim_end_matches('.').to_lowercase();
    let host = match host.parse::<IpAddr>() {
        Ok(ip) => ip.to_string(),
        Err(_) => host,
    };
    (host, port)
}

fn exact_key(host: &str, port: u16) -> String {
    host_port(host, port)
}

// ---------------------------------------------------------------------------------------
// Judging

/// What an alert's `severity` label makes of it: `None` for info/none (a note).
fn severity_state(labels: &BTreeMap<String, String>) -> Option<CheckState> {
    let severity = labels
        .get("severity")
        .map(|s| s.trim().to_ascii_lowercase())
        .unwrap_or_default();
    match severity.as_str() {
        "critical" | "page" => Some(CheckState::Crit),
        "warning" => Some(CheckState::Warn),
        "info" | "none" => None,
        // Missing or unknown: something fires and nobody said how bad; not silent.
        _ => Some(CheckState::Warn),
    }
}

/// The alert's text: `summary`, else `description`, else `message`.
fn alert_message(annotations: &BTreeMap<String, String>) -> String {
    ["summary", "description", "message"]
        .iter()
        .find_map(|k| annotations.get(*k).filter(|v| !v.trim().is_empty()))
        .map(|v| clean(v, MAX_MESSAGE))
        .unwrap_or_else(|| "firing".into())
}

/// FNV-1a over the sorted labels: a key that stays the same across reads and versions.
fn labels_key(kind: ResultKind, labels: &BTreeMap<String, String>) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for (k, v) in labels {
        if k == "__name__" {
            continue;
        }
        for byte in k.bytes().chain([0xff]).chain(v.bytes()).chain([0xfe]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    let prefix = match kind {
        ResultKind::Up => "up",
        ResultKind::Alert => "alert",
    };
    format!("{prefix}:{hash:016x}")
}

/// A result under construction, with the labels still at hand.
struct Pending {
    labels: BTreeMap<String, String>,
    result: SourceResult,
}

fn assemble(
    fleet: &Fleet,
    source: &PromSource,
    up: Vec<Sample>,
    alerts: Vec<RawAlert>,
    alerts_from: AlertsFrom,
) -> SourceReport {
    let mapper = Mapper::new(fleet, &source.match_label, &source.endpoint_label);
    let mut per_endpoint: Vec<Vec<Pending>> = fleet.endpoints.iter().map(|_| Vec::new()).collect();
    let mut unmatched: Vec<Unmatched> = Vec::new();
    let series_of = |labels: &BTreeMap<String, String>| {
        labels
            .get(&source.match_label)
            .map(|v| clean(v, MAX_NAME))
            .unwrap_or_default()
    };

    for sample in up {
        let labels = sample.metric;
        let job = clean(labels.get("job").map_or("", String::as_str), MAX_NAME);
        let job = if job.is_empty() { "?".to_owned() } else { job };
        let series = series_of(&labels);
        let index = match mapper.map(&labels) {
            Match::Endpoint(i) => i,
            Match::None(reason) => {
                unmatched.push(Unmatched {
                    kind: ResultKind::Up,
                    name: job,
                    series,
                    reason,
                });
                continue;
            }
        };
        let at = if series.is_empty() {
            String::new()
        } else {
            format!(", {series}")
        };
        let value = sample.value.1.trim().parse::<f64>().ok();
        let (state, message) = match value {
            Some(1.0) => (CheckState::Ok, format!("target up (job {job}{at})")),
            Some(0.0) => (CheckState::Crit, format!("target down (job {job}{at})")),
            _ => (
                CheckState::Unknown,
                format!(
                    "up is {:?}, neither 0 nor 1 (job {job}{at})",
                    clean(&sample.value.1, 20)
                ),
            ),
        };
        per_endpoint[index].push(Pending {
            result: SourceResult {
                kind: ResultKind::Up,
                key: labels_key(ResultKind::Up, &labels),
                name: job,
                state,
                message: clean(&message, MAX_MESSAGE),
                since: None,
                silenced: false,
                series,
            },
            labels,
        });
    }

    for alert in alerts {
        let name = clean(
            alert.labels.get("alertname").map_or("", String::as_str),
            MAX_NAME,
        );
        let name = if name.is_empty() {
            "(alert without a name)".to_owned()
        } else {
            name
        };
        let series = series_of(&alert.labels);
        let (state, message) = match severity_state(&alert.labels) {
            Some(state) => (state, alert_message(&alert.annotations)),
            None if source.info_alerts == InfoAlerts::Skip => continue,
            None => (
                CheckState::Ok,
                clean(
                    &format!("info: {}", alert_message(&alert.annotations)),
                    MAX_MESSAGE,
                ),
            ),
        };
        let index = match mapper.map(&alert.labels) {
            Match::Endpoint(i) => i,
            Match::None(reason) => {
                // An info alert without an endpoint changes nothing anyone must fix.
                if state != CheckState::Ok {
                    unmatched.push(Unmatched {
                        kind: ResultKind::Alert,
                        name,
                        series,
                        reason,
                    });
                }
                continue;
            }
        };
        per_endpoint[index].push(Pending {
            result: SourceResult {
                kind: ResultKind::Alert,
                key: labels_key(ResultKind::Alert, &alert.labels),
                name,
                state,
                message,
                since: alert.since,
                silenced: alert.silenced,
                series,
            },
            labels: alert.labels,
        });
    }

    let mut endpoints = Vec::new();
    let mut unseen = Vec::new();
    for (i, mut pending) in per_endpoint.into_iter().enumerate() {
        let id = fleet.endpoints[i].id.clone();
        if pending.is_empty() {
            unseen.push(id);
            continue;
        }
        if alerts_from == AlertsFrom::Alertmanager {
            silence_down_targets(&mut pending);
        }
        let mut results: Vec<SourceResult> = pending.into_iter().map(|p| p.result).collect();
        results.sort_by(|a, b| {
            (
                a.silenced,
                std::cmp::Reverse(a.state.severity()),
                a.kind,
                &a.name,
                &a.series,
            )
                .cmp(&(
                    b.silenced,
                    std::cmp::Reverse(b.state.severity()),
                    b.kind,
                    &b.name,
                    &b.series,
                ))
        });
        let state = results
            .iter()
            .filter(|r| !r.silenced)
            .fold(CheckState::Ok, |w, r| w.worst(r.state));
        endpoints.push(EndpointResults {
            endpoint: id,
            state,
            results,
        });
    }

    unmatched.sort_by(|a, b| (a.kind, &a.name, &a.series).cmp(&(b.kind, &b.name, &b.series)));
    let unmatched_count = unmatched.len();
    unmatched.truncate(source.max_unmatched);
    SourceReport {
        took_ms: 0,
        alerts_from,
        endpoints,
        unmatched_count,
        unmatched,
        unseen,
        warnings: Vec::new(),
    }
}

/// A down target (`up` 0) is silenced when every alert of its endpoint that carries all
/// of its labels is silenced (and there is at least one). When a target is down its own
/// metrics go stale, so an alert still firing with its job and instance is about it being
/// down (`TargetDown`, `InstanceDown`); silencing that alert in Alertmanager is how a
/// technician says "known, maintenance", and the `up` result should say the same.
fn silence_down_targets(pending: &mut [Pending]) {
    let down: Vec<usize> = (0..pending.len())
        .filter(|&i| {
            pending[i].result.kind == ResultKind::Up && pending[i].result.state == CheckState::Crit
        })
        .collect();
    for i in down {
        let target: Vec<(&String, &String)> = pending[i]
            .labels
            .iter()
            .filter(|(k, _)| k.as_str() != "__name__")
            .collect();
        let related: Vec<&Pending> = pending
            .iter()
            .filter(|p| p.result.kind == ResultKind::Alert)
            .filter(|p| target.iter().all(|(k, v)| p.labels.get(*k) == Some(*v)))
            .collect();
        if related.is_empty() || related.iter().any(|p| !p.result.silenced) {
            continue;
        }
        let mut names: Vec<&str> = related.iter().map(|p| p.result.name.as_str()).collect();
        names.dedup();
        let note = format!(
            "{} (silenced in Alertmanager: {})",
            pending[i].result.message,
            names.join(", ")
        );
        pending[i].result.message = clean(&note, MAX_MESSAGE);
        pending[i].result.silenced = true;
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use fieldline_core::{Check, CheckKind, Endpoint};
    use serde_json::json;

    fn endpoint(id: &str, host: &str, checks: Vec<(CheckKind, serde_json::Value)>) -> Endpoint {
        Endpoint {
            id: id.into(),
            site: "hq".into(),
            name: String::new(),
            host: host.into(),
            tags: vec![],
            notes: String::new(),
            parent: None,
            ssh: Default::default(),
            checks: checks
                .into_iter()
                .map(|(kind, params)| Check {
                    kind,
                    params: params
                        .as_object()
                        .unwrap()
                        .iter()
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect(),
                })
                .collect(),
        }
    }

    fn fleet() -> Fleet {
        let mut f = Fleet {
            customers: vec![],
            sites: vec![],
            endpoints: vec![
                endpoint("web", "Web01.Acme.Example.", vec![]),
                endpoint("db", "10.0.0.5", vec![]),
                endpoint(
                    "lo-a",
                    "127.0.0.1",
                    vec![(
                        CheckKind::NodeExporter,
                        json!({"url": "http://{host}:9101/metrics"}),
                    )],
                ),
                endpoint("lo-b", "127.0.0.1", vec![]),
                endpoint(
                    "v6",
                    "2001:db8::1",
                    vec![(CheckKind::Tcp, json!({"port": 22}))],
                ),
                endpoint(
                    "via-check",
                    "gw.acme.example",
                    vec![(CheckKind::Ping, json!({"host": "192.0.2.7"}))],
                ),
                endpoint(
                    "nx",
                    "nx.acme.example",
                    vec![(CheckKind::NodeExporter, json!({}))],
                ),
                endpoint("nx-twin", "nx.acme.example", vec![]),
            ],
        };
        f.normalize();
        f
    }

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn mapped(f: &Fleet, pairs: &[(&str, &str)]) -> Result<String, String> {
        let m = Mapper::new(f, "instance", "fieldline_endpoint");
        match m.map(&labels(pairs)) {
            Match::Endpoint(i) => Ok(f.endpoints[i].id.clone()),
            Match::None(why) => Err(why),
        }
    }

    #[test]
    fn addresses_split() {
        let s = |v: &str| split_address(v);
        assert_eq!(s("10.0.0.5:9100"), ("10.0.0.5".into(), Some(9100)));
        assert_eq!(s("10.0.0.5"), ("10.0.0.5".into(), None));
        assert_eq!(s("Host.Example.:9100"), ("host.example".into(), Some(9100)));
        assert_eq!(s("[2001:DB8::1]:9100"), ("2001:db8::1".into(), Some(9100)));
        assert_eq!(s("2001:db8:0::1"), ("2001:db8::1".into(), None));
        assert_eq!(
            s("https://www.acme.example:8443/health?x=1"),
            ("www.acme.example".into(), Some(8443))
        );
        assert_eq!(s("http://[::1]/"), ("::1".into(), None));
        assert_eq!(s("host:notaport"), ("host:notaport".into(), None));
        assert_eq!(s("host:99999"), ("host:99999".into(), None));
    }

    #[test]
    fn series_map_to_endpoints() {
        let f = fleet();
        // Port stripped, case and trailing dot ignored.
        assert_eq!(
            mapped(&f, &[("instance", "web01.acme.example:9100")]),
            Ok("web".into())
        );
        assert_eq!(
            mapped(&f, &[("instance", "WEB01.acme.example")]),
            Ok("web".into())
        );
        assert_eq!(
            mapped(&f, &[("instance", "10.0.0.5:9182")]),
            Ok("db".into())
        );
        // Blackbox targets are URLs.
        assert_eq!(
            mapped(&f, &[("instance", "https://web01.acme.example/health")]),
            Ok("web".into())
        );
        // IPv6 in brackets, and a tcp check's host:port.
        assert_eq!(
            mapped(&f, &[("instance", "[2001:db8::1]:22")]),
            Ok("v6".into())
        );
        assert_eq!(
            mapped(&f, &[("instance", "[2001:db8::1]:9100")]),
            Ok("v6".into())
        );
        // A check's host override.
        assert_eq!(
            mapped(&f, &[("instance", "192.0.2.7:9100")]),
            Ok("via-check".into())
        );
        // host:port named by a node_exporter check tells two endpoints of one host apart.
        assert_eq!(
            mapped(&f, &[("instance", "127.0.0.1:9101")]),
            Ok("lo-a".into())
        );
        // ... the default node_exporter port too.
        assert_eq!(
            mapped(&f, &[("instance", "nx.acme.example:9100")]),
            Ok("nx".into())
        );
        // The endpoint label wins over the host.
        assert_eq!(
            mapped(
                &f,
                &[
                    ("instance", "127.0.0.1:9101"),
                    ("fieldline_endpoint", "lo-b")
                ]
            ),
            Ok("lo-b".into())
        );
        assert_eq!(mapped(&f, &[("fieldline_endpoint", "db")]), Ok("db".into()));
    }

    #[test]
    fn unmatched_series_say_why() {
        let f = fleet();
        let why = mapped(&f, &[("instance", "127.0.0.1:9999")]).unwrap_err();
        assert!(why.contains("matches 2 endpoints (lo-a, lo-b)"), "{why}");
        assert!(why.contains("fieldline_endpoint"), "{why}");
        let why = mapped(&f, &[("instance", "nx.acme.example:9200")]).unwrap_err();
        assert!(why.contains("nx, nx-twin"), "{why}");
        let why = mapped(&f, &[("instance", "web01:9100")]).unwrap_err();
        assert!(why.contains("no endpoint has the host \"web01\""), "{why}");
        let why = mapped(&f, &[("job", "x")]).unwrap_err();
        assert!(why.contains("no instance"), "{why}");
        let why = mapped(
            &f,
            &[("fieldline_endpoint", "gone"), ("instance", "10.0.0.5")],
        )
        .unwrap_err();
        assert!(why.contains("names no endpoint"), "{why}");
        // A hostile value is cleaned in the reason.
        let why = mapped(&f, &[("instance", "evil\u{1b}[2J\u{202e}host")]).unwrap_err();
        assert!(
            !why.contains('\u{1b}') && !why.contains('\u{202e}'),
            "{why:?}"
        );
    }

    #[test]
    fn severities() {
        let s = |v: Option<&str>| {
            severity_state(&match v {
                Some(v) => labels(&[("severity", v)]),
                None => labels(&[]),
            })
        };
        assert_eq!(s(Some("critical")), Some(CheckState::Crit));
        assert_eq!(s(Some("page")), Some(CheckState::Crit));
        assert_eq!(s(Some(" Critical ")), Some(CheckState::Crit));
        assert_eq!(s(Some("warning")), Some(CheckState::Warn));
        assert_eq!(s(Some("info")), None);
        assert_eq!(s(Some("none")), None);
        assert_eq!(s(Some("major")), Some(CheckState::Warn));
        assert_eq!(s(None), Some(CheckState::Warn));
    }

    fn source() -> PromSource {
        PromSource::new("http://prom.example:9090")
    }

    fn sample(pairs: &[(&str, &str)], value: &str) -> Sample {
        Sample {
            metric: labels(pairs),
            value: (1.7e9, value.into()),
        }
    }

    fn alert(pairs: &[(&str, &str)], summary: &str, silenced: bool) -> RawAlert {
        RawAlert {
            labels: labels(pairs),
            annotations: labels(&[("summary", summary)]),
            since: Some(1_790_000_000),
            silenced,
        }
    }

    #[test]
    fn assemble_up_alerts_and_unmatched() {
        let f = fleet();
        let up = vec![
            sample(
                &[
                    ("__name__", "up"),
                    ("instance", "10.0.0.5:9100"),
                    ("job", "node"),
                ],
                "1",
            ),
            sample(
                &[
                    ("__name__", "up"),
                    ("instance", "10.0.0.5:9182"),
                    ("job", "windows"),
                ],
                "0",
            ),
            sample(
                &[
                    ("__name__", "up"),
                    ("instance", "stranger:9100"),
                    ("job", "node"),
                ],
                "1",
            ),
            sample(
                &[
                    ("__name__", "up"),
                    ("instance", "web01.acme.example"),
                    ("job", "odd"),
                ],
                "NaN",
            ),
        ];
        let alerts = vec![
            alert(
                &[
                    ("alertname", "DiskFull"),
                    ("instance", "10.0.0.5:9100"),
                    ("severity", "warning"),
                ],
                "disk / at 91%",
                false,
            ),
            alert(
                &[("alertname", "Watchdog"), ("severity", "none")],
                "always firing",
                false,
            ),
            alert(
                &[
                    ("alertname", "KubeQuota"),
                    ("instance", "10.0.0.5"),
                    ("severity", "info"),
                ],
                "quota at 80%",
                false,
            ),
            alert(
                &[("alertname", "Lost"), ("severity", "critical")],
                "who?",
                false,
            ),
        ];
        let r = assemble(&f, &source(), up, alerts, AlertsFrom::Prometheus);
        let db = r.endpoints.iter().find(|e| e.endpoint == "db").unwrap();
        assert_eq!(db.state, CheckState::Crit);
        let names: Vec<(&str, CheckState)> = db
            .results
            .iter()
            .map(|r| (r.name.as_str(), r.state))
            .collect();
        assert_eq!(
            names,
            vec![
                ("windows", CheckState::Crit),
                ("DiskFull", CheckState::Warn),
                ("node", CheckState::Ok),
                ("KubeQuota", CheckState::Ok),
            ]
        );
        assert_eq!(
            db.results[0].message,
            "target down (job windows, 10.0.0.5:9182)"
        );
        assert_eq!(db.results[0].since, None);
        assert_eq!(db.results[1].message, "disk / at 91%");
        assert_eq!(db.results[1].since, Some(1_790_000_000));
        assert_eq!(db.results[3].message, "info: quota at 80%");
        let web = r.endpoints.iter().find(|e| e.endpoint == "web").unwrap();
        assert_eq!(web.results[0].state, CheckState::Unknown);
        // stranger (up) and Lost (alert) unmatched; Watchdog (none) not listed.
        assert_eq!(r.unmatched_count, 2, "{:?}", r.unmatched);
        assert_eq!(r.unmatched[0].kind, ResultKind::Up);
        assert_eq!(r.unmatched[0].series, "stranger:9100");
        assert_eq!(r.unmatched[1].name, "Lost");
        assert!(r.unseen.contains(&"lo-a".to_string()));
        assert!(!r.unseen.contains(&"db".to_string()));

        // Skipping info alerts; listing fewer unmatched.
        let mut s = source();
        s.info_alerts = InfoAlerts::Skip;
        s.max_unmatched = 1;
        let r = assemble(
            &f,
            &s,
            vec![
                sample(&[("instance", "a:1"), ("job", "j")], "1"),
                sample(&[("instance", "b:1"), ("job", "j")], "1"),
            ],
            vec![alert(
                &[
                    ("alertname", "I"),
                    ("instance", "10.0.0.5"),
                    ("severity", "info"),
                ],
                "x",
                false,
            )],
            AlertsFrom::Prometheus,
        );
        assert_eq!((r.unmatched_count, r.unmatched.len()), (2, 1));
        assert!(r.endpoints.is_empty());
    }

    #[test]
    fn keys_are_stable_and_distinct() {
        let a = labels(&[("__name__", "up"), ("instance", "x:1"), ("job", "node")]);
        let b = labels(&[("instance", "x:1"), ("job", "node")]);
        let c = labels(&[("instance", "x:1"), ("job", "nodex")]);
        assert_eq!(
            labels_key(ResultKind::Up, &a),
            labels_key(ResultKind::Up, &b)
        );
        assert_ne!(
            labels_key(ResultKind::Up, &b),
            labels_key(ResultKind::Up, &c)
        );
        assert_ne!(
            labels_key(ResultKind::Up, &b),
            labels_key(ResultKind::Alert, &b)
        );
        // Fixed algorithm: the same value in every build.
        assert_eq!(
            labels_key(ResultKind::Up, &labels(&[])),
            "up:cbf29ce484222325"
        );
    }

    #[test]
    fn a_down_target_is_silenced_with_its_alerts() {
        let f = fleet();
        let target = [("instance", "10.0.0.5:9100"), ("job", "node")];
        let up = || vec![sample(&[("__name__", "up"), target[0], target[1]], "0")];
        let down = |silenced| {
            alert(
                &[
                    ("alertname", "TargetDown"),
                    target[0],
                    target[1],
                    ("severity", "critical"),
                ],
                "down",
                silenced,
            )
        };
        let other_job = alert(
            &[
                ("alertname", "ProbeFailed"),
                ("instance", "10.0.0.5:9100"),
                ("job", "blackbox"),
            ],
            "probe",
            false,
        );
        let db = |r: SourceReport| {
            r.endpoints
                .into_iter()
                .find(|e| e.endpoint == "db")
                .unwrap()
        };

        let e = db(assemble(
            &f,
            &source(),
            up(),
            vec![down(true), other_job.clone()],
            AlertsFrom::Alertmanager,
        ));
        let up_result = e.results.iter().find(|r| r.kind == ResultKind::Up).unwrap();
        assert!(up_result.silenced, "{up_result:?}");
        assert!(up_result
            .message
            .contains("silenced in Alertmanager: TargetDown"));
        // ProbeFailed (another job) is unrelated and still alerting.
        assert_eq!(e.state, CheckState::Warn);

        // Not silenced: no related alert, a related alert active, or no Alertmanager.
        let e = db(assemble(
            &f,
            &source(),
            up(),
            vec![],
            AlertsFrom::Alertmanager,
        ));
        assert!(!e.results[0].silenced);
        let e = db(assemble(
            &f,
            &source(),
            up(),
            vec![down(true), down(false)],
            AlertsFrom::Alertmanager,
        ));
        assert!(e
            .results
            .iter()
            .all(|r| r.kind != ResultKind::Up || !r.silenced));
        let e = db(assemble(
            &f,
            &source(),
            up(),
            vec![down(true)],
            AlertsFrom::Prometheus,
        ));
        assert!(e
            .results
            .iter()
            .all(|r| r.kind != ResultKind::Up || !r.silenced));
        assert_eq!(e.state, CheckState::Crit);
    }

    #[test]
    fn alert_text_is_cleaned_and_bounded() {
        let long = format!(
            "<script>alert(1)</script>\u{1b}[31m\u{0}{}",
            "x".repeat(5000)
        );
        let m = alert_message(&labels(&[("description", &long)]));
        assert!(m.starts_with("<script>alert(1)</script> [31m"), "{m}");
        assert!(m.chars().count() <= MAX_MESSAGE + 1 && m.ends_with('…'));
        assert_eq!(
            alert_message(&labels(&[("summary", " "), ("message", "m")])),
            "m"
        );
        assert_eq!(alert_message(&labels(&[])), "firing");
    }

    #[test]
    fn parses_both_alert_apis() {
        let am = r#"[{"annotations":{"summary":"s"},"endsAt":"2026-11-25T01:00:00.000Z",
            "fingerprint":"f","receivers":[{"name":"default"}],
            "startsAt":"2026-11-24T22:25:07.123456789Z",
            "status":{"inhibitedBy":[],"silencedBy":["abc"],"state":"suppressed"},
            "updatedAt":"2026-11-24T22:25:08Z","labels":{"alertname":"A"}},
            {"annotations":null,"labels":{"alertname":"B"},"startsAt":"0001-01-01T00:00:00Z",
            "status":{"inhibitedBy":null,"silencedBy":null,"state":"active"}}]"#;
        let alerts = from_alertmanager(serde_json::from_str(am).unwrap());
        assert_eq!(alerts.len(), 2);
        assert!(alerts[0].silenced);
        assert_eq!(alerts[0].since, Some(1_795_559_107));
        assert!(!alerts[1].silenced);
        assert_eq!(alerts[1].since, None);

        let prom = r#"{"status":"success","data":{"alerts":[
            {"labels":{"alertname":"A"},"annotations":{},"state":"firing","activeAt":"2026-11-24T22:25:07+00:00","value":"1e+00"},
            {"labels":{"alertname":"B"},"annotations":{},"state":"pending","activeAt":"2026-11-24T22:25:07Z","value":"1e+00"}]}}"#;
        let env: PromEnvelope<AlertsData> = serde_json::from_str(prom).unwrap();
        let alerts = from_prometheus(env.data.unwrap());
        assert_eq!(alerts.len(), 1);
        assert_eq!(alerts[0].since, Some(1_795_559_107));

        let up = r#"{"status":"success","data":{"resultType":"vector","result":[
            {"metric":{"__name__":"up","instance":"a:1","job":"j"},"value":[1764023107.5,"1"]}]}}"#;
        let env: PromEnvelope<QueryData> = serde_json::from_str(up).unwrap();
        assert_eq!(env.data.unwrap().result[0].value.1, "1");
    }

    #[test]
    fn settings_have_defaults_and_are_checked() {
        let s: PromSource =
            serde_json::from_value(json!({"prometheus_url": "https://p/"})).unwrap();
        assert_eq!(s, PromSource::new("https://p/"));
        assert_eq!(s.match_label, "instance");
        assert_eq!(s.timeout, Duration::from_secs(15));
        assert_eq!(s.max_response_bytes, 32 * 1024 * 1024);
        let text = serde_json::to_value(&s).unwrap();
        assert_eq!(text["timeout"], "15s");
        assert_eq!(text["auth"], json!({"kind": "none"}));
        let s: PromSource = serde_json::from_value(json!({
            "prometheus_url": "https://p/prom", "timeout": "2500ms",
            "auth": {"kind": "basic", "username": "tech"}, "info_alerts": "skip"
        }))
        .unwrap();
        assert_eq!(s.timeout, Duration::from_millis(2500));
        assert_eq!(serde_json::to_value(&s).unwrap()["timeout"], "2500ms");
        assert!(serde_json::from_value::<PromSource>(
            json!({"prometheus_url": "x", "timeout": "soon"})
        )
        .is_err());

        let bad = |f: &dyn Fn(&mut PromSource)| {
            let mut s = source();
            f(&mut s);
            match s.validate() {
                Err(SourceError::Config { message }) => message,
                other => panic!("{other:?}"),
            }
        };
        assert!(
            bad(&|s| s.prometheus_url = "https://tech:hunter2@prom/".into()).contains("keychain")
        );
        assert!(
            !bad(&|s| s.prometheus_url = "https://tech:hunter2@prom/".into()).contains("hunter2")
        );
        assert!(bad(&|s| s.prometheus_url = "ftp://prom/".into()).contains("http"));
        assert!(bad(&|s| s.prometheus_url = "prom:9090".into()).contains("http"));
        assert!(bad(&|s| s.alertmanager_url = Some("http://am/?a=1".into())).contains("query"));
        assert!(bad(&|s| s.match_label = "in-stance".into()).contains("label name"));
        assert!(bad(&|s| s.timeout = Duration::ZERO).contains("timeout"));
        assert!(bad(&|s| s.max_response_bytes = 10).contains("max_response_bytes"));
        assert!(bad(&|s| s.auth = Auth::Basic {
            username: String::new()
        })
        .contains("user name"));

        // Path prefixes are kept; a fragment from a browser address dropped.
        let u = base_url("x", "https://h/prometheus").unwrap();
        assert_eq!(
            join(&u, "api/v1/query").unwrap().as_str(),
            "https://h/prometheus/api/v1/query"
        );
        let u = base_url("x", "http://am:9093/#/alerts").unwrap();
        assert_eq!(
            join(&u, "api/v2/alerts").unwrap().as_str(),
            "http://am:9093/api/v2/alerts"
        );
    }

    #[test]
    fn credentials_need_a_secret_and_never_show() {
        let client = reqwest::Client::new();
        let mut s = source();
        s.auth = Auth::Bearer;
        let err = |r: Result<Fetcher<'_>, SourceError>| r.err().unwrap().to_string();
        assert!(err(Fetcher::new(&client, &s, None)).contains("missing"));
        assert!(err(Fetcher::new(&client, &s, Some(""))).contains("missing"));
        // Plain http:// to another machine gets no secret.
        let e = err(Fetcher::new(&client, &s, Some("s3cret")));
        assert!(e.contains("plain http://") && !e.contains("s3cret"), "{e}");
        s.prometheus_url = "https://prom.example:9090".into();
        let e = err(Fetcher::new(&client, &s, Some("tok\nen-s3cret")));
        assert!(e.contains("header") && !e.contains("s3cret"), "{e}");
        assert!(Fetcher::new(&client, &s, Some("s3cret")).is_ok());
        let debug = format!("{s:?}");
        assert!(!debug.contains("s3cret"));
        s.alertmanager_url = Some("http://am.example:9093".into());
        assert!(err(Fetcher::new(&client, &s, Some("s3cret"))).contains("plain http://"));
        s.alertmanager_url = Some("http://127.0.0.1:9093".into());
        s.auth = Auth::Basic {
            username: "tech".into(),
        };
        assert!(err(Fetcher::new(&client, &s, None)).contains("missing"));
        assert!(Fetcher::new(&client, &s, Some("pw")).is_ok());
        s.prometheus_url = "http://prom.example:9090".into();
        assert!(err(Fetcher::new(&client, &s, Some("pw"))).contains("plain http://"));
        // Without credentials, any http(s) address is read.
        s.auth = Auth::None;
        assert!(Fetcher::new(&client, &s, None).is_ok());
    }

    #[test]
    fn failures_are_told_apart() {
        let url = reqwest::Url::parse("http://p/api/v1/query").unwrap();
        let answer = |status: u16, ct: &str, body: &str| Answer {
            status,
            content_type: ct.into(),
            body: body.as_bytes().to_vec(),
        };
        let json_err = |body: &str| serde_json::from_str::<PromEnvelope<QueryData>>(body).err();
        let html =
            "<!DOCTYPE html><html><head><title>Sign in \u{1b}[1m</title></head><script>x</script>";
        let e = answer(200, "text/html; charset=utf-8", html).failure(
            Service::Prometheus,
            &url,
            json_err(html),
        );
        assert!(matches!(e, SourceError::NotPrometheus { .. }), "{e:?}");
        assert!(e.to_string().contains("HTML page \"Sign in [1m\""), "{e}");
        let e = answer(502, "text/html", "<html><title>502 Bad Gateway</title>").failure(
            Service::Prometheus,
            &url,
            None,
        );
        assert!(matches!(e, SourceError::Http { status: 502, .. }), "{e:?}");
        assert!(e.to_string().contains("502 Bad Gateway"), "{e}");
        let e = answer(404, "text/plain", "404 page not found").failure(
            Service::Prometheus,
            &url,
            None,
        );
        assert!(e.to_string().contains("without /api"), "{e}");
        let body = r#"{"status":"success","data":{"resultType":"vector","result":[{"#;
        let e = answer(200, "application/json", body).failure(
            Service::Prometheus,
            &url,
            json_err(body),
        );
        assert!(matches!(e, SourceError::MalformedJson { .. }), "{e:?}");
        let body = r#"{"status":"success","data":{"resultType":"vector","result":{}}}"#;
        let e = answer(200, "application/json", body).failure(
            Service::Prometheus,
            &url,
            json_err(body),
        );
        assert!(matches!(e, SourceError::NotPrometheus { .. }), "{e:?}");
        let e = answer(200, "application/json", r#"{"hello":1}"#).failure(
            Service::Prometheus,
            &url,
            None,
        );
        assert!(e.to_string().contains("without the API's"), "{e}");
        let e =
            answer(200, "text/plain", "OK").failure(Service::Alertmanager, &url, json_err("OK"));
        assert!(e.to_string().contains("text, not JSON"), "{e}");
        let e = answer(500, "application/json", r#"{"code":500,"message":"boom"}"#).failure(
            Service::Alertmanager,
            &url,
            None,
        );
        assert!(e.to_string().contains("HTTP 500: boom"), "{e}");
        // Multi-byte text where the HTML sniffing and the title look: no panic.
        for body in ["가나다라", "<title>제목 가나다라", "<titl", "<title>", "é"] {
            let e = answer(200, "", body).failure(Service::Prometheus, &url, json_err(body));
            assert!(matches!(e, SourceError::NotPrometheus { .. }), "{e:?}");
            let _ = html_title(body);
        }
        assert_eq!(html_title("<TITLE lang=ko>제목</title>"), " \"제목\"");
    }
}
