//! One probe per check kind. Each ends within its check's timeout and returns an
//! [`Outcome`] whose message is safe to show.

pub mod dns;
pub mod http;
pub mod node;
pub mod ping;
pub mod ssh_command;
pub mod tcp;
pub mod tls_expiry;

use std::time::Duration;

/// `host:port`, with brackets for an IPv6 address.
pub fn host_port(host: &str, port: u16) -> String {
    if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// `10 s`, `1.5 s`, `250 ms`.
pub fn seconds(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{} ms", d.as_millis())
    } else if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

/// An error and its causes, joined: libraries put the useful part (OpenSSL's verify
/// reason) several sources down.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let part = s.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = s.source();
    }
    text
}

/// A TLS verification failure by its cause, if `chain` is one.
pub fn tls_failure(chain: &str) -> Option<String> {
    let lower = chain.to_lowercase();
    let cause = if lower.contains("certificate has expired") {
        "the certificate has expired"
    } else if lower.contains("not yet valid") {
        "the certificate is not valid yet"
    } else if lower.contains("hostname mismatch")
        || lower.contains("ip address mismatch")
        || lower.contains("not valid for name")
    {
        "the certificate is for another name (wrong name)"
    } else if lower.contains("self-signed")
        || lower.contains("self signed")
        || lower.contains("unable to get local issuer")
        || lower.contains("unable to verify the first certificate")
        || lower.contains("unknown issuer")
        || lower.contains("untrusted")
    {
        "the certificate is not trusted (unknown issuer or self-signed; give the customer's CA bundle)"
    } else if lower.contains("certificate verify failed") {
        "the certificate was refused"
    } else if lower.contains("handshake")
        || lower.contains("ssl routines")
        || lower.contains("tls") && lower.contains("alert")
    {
        return Some(format!(
            "TLS handshake failed: {}",
            crate::outcome::clean(chain, 160)
        ));
    } else {
        return None;
    };
    Some(format!("TLS: {cause}"))
}

use crate::outcome::Outcome;
use fieldline_core::checks::{CheckSpec, KindSpec};
use fieldline_core::Endpoint;

/// What probes share: HTTP clients (one per TLS setting), and what a check carries from
/// one run to the next (node_exporter's CPU counters, by endpoint and metrics URL).
#[derive(Default)]
pub struct Prober {
    pub http: http::HttpClients,
    cpu: std::sync::Mutex<CpuMemory>,
}

type CpuMemory = std::collections::HashMap<(String, String), node::CpuSample>;

impl Prober {
    /// Runs one check of `endpoint` against `host` (the check's own host or the endpoint's).
    pub async fn probe(&self, endpoint: &Endpoint, host: &str, spec: &CheckSpec) -> Outcome {
        let timeout = spec.common.timeout;
        match &spec.kind {
            KindSpec::Http(s) => http::probe(&self.http, host, s, timeout).await,
            KindSpec::Tcp(s) => tcp::probe(host, s, timeout).await,
            KindSpec::TlsExpiry(s) => tls_expiry::probe(host, s, timeout).await,
            KindSpec::Ping(s) => ping::probe(host, s, timeout).await,
            KindSpec::Dns(s) => dns::probe(host, s, timeout).await,
            KindSpec::NodeExporter(s) => {
                let url = s
                    .url
                    .as_deref()
                    .map(|u| u.replace("{host}", host))
                    .unwrap_or_else(|| format!("http://{}/metrics", host_port(host, 9100)));
                let client = match self.http.get(true, None) {
                    Ok(c) => c,
                    Err(e) => return Outcome::unknown(e),
                };
                // The CPU sample of the last scrape, taken out while this one runs.
                let key = (endpoint.id.clone(), url.clone());
                let mut memory = self.cpu().remove(&key);
                let outcome = node::probe(&client, &url, s, timeout, &mut memory).await;
                if let Some(sample) = memory {
                    self.cpu().insert(key, sample);
                }
                outcome
            }
            KindSpec::SshCommand(s) => {
                ssh_command::probe(
                    host,
                    endpoint.ssh.user.as_deref(),
                    endpoint.ssh.port,
                    s,
                    timeout,
                )
                .await
            }
        }
    }

    fn cpu(&self) -> std::sync::MutexGuard<'_, CpuMemory> {
        self.cpu.lock().unwrap_or_else(|e| e.into_inner())
    }
}
