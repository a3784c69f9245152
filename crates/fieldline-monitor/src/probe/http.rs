//! `http`: one request (redirects followed here, bounded and loop-checked), judged on
//! status, latency, body text, regex and JSON conditions. The whole probe, body included,
//! ends within the check's timeout; at most `max_body_kb` of the (decompressed) body is
//! read, so a slow drip, an endless body or a gzip bomb costs a bounded amount.
//!
//! The check's custom `headers` go only to the origin (scheme, host, port) of its own URL:
//! once a redirect leaves that origin, the requests that follow carry none of them (a
//! fleet's header must not be handed to whatever host a server redirects to). Credential
//! headers (`Authorization`, `Cookie`, `Proxy-Authorization`) are refused in the fleet
//! already, and never sent even if a spec holds one.

use crate::judge::{judge_json, judge_latency};
use crate::outcome::{clean, quoted, Outcome};
use crate::probe::error_chain;
use fieldline_core::checks::{compile_regex, is_credential_header, HttpMethod, HttpSpec};
use fieldline_core::CheckState;
use futures_util::StreamExt;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// HTTP clients, one per TLS setting (verify or not, which CA bundle), shared by every
/// probe: building a client loads the system's root certificates, too dear per probe.
#[derive(Default)]
pub struct HttpClients {
    clients: Mutex<HashMap<(bool, Option<String>), reqwest::Client>>,
}

impl HttpClients {
    /// The client for this TLS setting, or why it cannot be made (an unreadable CA bundle).
    pub fn get(
        &self,
        verify_tls: bool,
        ca_bundle: Option<&str>,
    ) -> Result<reqwest::Client, String> {
        let key = (verify_tls, ca_bundle.map(str::to_owned));
        let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(client) = clients.get(&key) {
            return Ok(client.clone());
        }
        let mut builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            // A probe measures a fresh connection, as a user's browser would make one.
            .pool_max_idle_per_host(0)
            .user_agent(concat!(
                "Fieldline/",
                env!("CARGO_PKG_VERSION"),
                " (monitoring)"
            ))
            .tls_danger_accept_invalid_certs(!verify_tls);
        if let Some(path) = ca_bundle {
            let pem = std::fs::read(path)
                .map_err(|e| format!("cannot read the CA bundle {path}: {e}"))?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem)
                .map_err(|e| format!("the CA bundle {path} is not PEM certificates: {e}"))?;
            if certs.is_empty() {
                return Err(format!("the CA bundle {path} holds no certificate"));
            }
            for cert in certs {
                builder = builder.add_root_certificate(cert);
            }
        }
        let client = builder
            .build()
            .map_err(|e| format!("cannot set up HTTP: {}", error_chain(&e)))?;
        clients.insert(key, client.clone());
        Ok(client)
    }
}

/// Probes `spec.url` (`{host}` replaced by `host`).
pub async fn probe(
    clients: &HttpClients,
    host: &str,
    spec: &HttpSpec,
    timeout: Duration,
) -> Outcome {
    let client = match clients.get(spec.verify_tls, spec.ca_bundle.as_deref()) {
        Ok(c) => c,
        Err(e) => return Outcome::unknown(e),
    };
    let url = spec.url.replace("{host}", host);
    match tokio::time::timeout(timeout, exchange(&client, &url, spec)).await {
        Ok(outcome) => outcome,
        Err(_) => Outcome::crit(
            None,
            format!(
                "no complete answer within {}",
                crate::probe::seconds(timeout)
            ),
        ),
    }
}

async fn exchange(client: &reqwest::Client, url: &str, spec: &HttpSpec) -> Outcome {
    let started = Instant::now();
    let mut url = match reqwest::Url::parse(url) {
        Ok(u) => u,
        Err(e) => return Outcome::unknown(format!("the URL {url:?} is not valid: {e}")),
    };
    let mut visited = vec![url.clone()];
    let origin = url.origin();
    // Whether every hop so far stayed at the check's own origin.
    let mut at_origin = true;
    let response = loop {
        let method = match spec.method {
            HttpMethod::Get => reqwest::Method::GET,
            HttpMethod::Head => reqwest::Method::HEAD,
        };
        let mut request = client.request(method, url.clone());
        if at_origin {
            for (name, value) in spec
                .headers
                .iter()
                .filter(|(n, _)| !is_credential_header(n))
            {
                request = request.header(name, value);
            }
        }
        let response = match request.send().await {
            Ok(r) => r,
            Err(e) => return Outcome::crit(None, describe_error(&e)),
        };
        let status = response.status();
        if !status.is_redirection() || spec.max_redirects == 0 {
            break response;
        }
        let Some(location) = response
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|l| l.to_str().ok())
        else {
            break response;
        };
        let next = match url.join(location) {
            Ok(n) => n,
            Err(_) => {
                return Outcome::crit(
                    None,
                    format!(
                        "HTTP {} redirects to an invalid location {}",
                        status.as_u16(),
                        quoted(location, 100)
                    ),
                )
            }
        };
        if visited.contains(&next) {
            return Outcome::crit(
                ms(started),
                format!(
                    "redirect loop: {} comes back to {}",
                    clean(url.as_str(), 100),
                    clean(next.as_str(), 100)
                ),
            );
        }
        if visited.len() > spec.max_redirects as usize {
            return Outcome::crit(
                ms(started),
                format!(
                    "more than {} redirects (last to {})",
                    spec.max_redirects,
                    clean(next.as_str(), 100)
                ),
            );
        }
        visited.push(next.clone());
        at_origin = at_origin && next.origin() == origin;
        url = next;
    };
    let status = response.status();
    let headers_at = ms(started);
    let reason = status.canonical_reason().unwrap_or("");
    let status_text = format!("HTTP {} {reason}", status.as_u16());
    if !spec.status.accepts(status.as_u16()) {
        return Outcome::crit(
            headers_at,
            format!("{status_text} (expected {})", expected_status(spec)),
        );
    }
    let needs_body = spec.contains.is_some() || spec.regex.is_some() || !spec.json.is_empty();
    let mut findings: Vec<(CheckState, String)> = Vec::new();
    let mut latency = headers_at;
    if needs_body {
        let limit = (spec.max_body_kb * 1024) as usize;
        let (body, cut) = match read_bounded(response, limit).await {
            Ok(b) => b,
            Err(e) => {
                return Outcome::crit(
                    headers_at,
                    format!("{status_text}, then the body failed: {e}"),
                )
            }
        };
        latency = ms(started);
        let text = String::from_utf8_lossy(&body);
        let cut_note = if cut {
            format!(" (only the first {} KiB read)", spec.max_body_kb)
        } else {
            String::new()
        };
        if let Some(word) = &spec.contains {
            if !text.contains(word.as_str()) {
                findings.push((
                    CheckState::Crit,
                    format!("the body does not contain {}{cut_note}", quoted(word, 60)),
                ));
            }
        }
        if let Some(pattern) = &spec.regex {
            match compile_regex(pattern) {
                Ok(re) if re.is_match(&text) => {}
                Ok(_) => findings.push((
                    CheckState::Crit,
                    format!("the body does not match {}{cut_note}", quoted(pattern, 60)),
                )),
                Err(e) => return Outcome::unknown(e),
            }
        }
        if !spec.json.is_empty() {
            match serde_json::from_slice::<serde_json::Value>(&body) {
                Ok(value) => findings.extend(judge_json(&value, &spec.json)),
                Err(e) => findings.push((
                    CheckState::Crit,
                    format!("the body is not JSON ({e}){cut_note}: {}", clean(&text, 60)),
                )),
            }
        }
    }
    if let Some(ms) = latency {
        findings.extend(judge_latency(ms, spec.warn_ms, spec.crit_ms));
    }
    findings.sort_by_key(|(state, _)| std::cmp::Reverse(state.severity()));
    match findings.first() {
        None => Outcome::ok(latency, status_text),
        Some((state, _)) => {
            let why: Vec<&str> = findings.iter().map(|(_, m)| m.as_str()).collect();
            Outcome::new(
                *state,
                latency,
                format!("{status_text}: {}", why.join("; ")),
            )
        }
    }
}

fn expected_status(spec: &HttpSpec) -> String {
    if spec.status.0.is_empty() {
        return "200-399".into();
    }
    spec.status
        .0
        .iter()
        .map(|&(lo, hi)| {
            if lo == hi {
                lo.to_string()
            } else {
                format!("{lo}-{hi}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Reads at most `limit` bytes of the body; whether there was more.
async fn read_bounded(
    response: reqwest::Response,
    limit: usize,
) -> Result<(Vec<u8>, bool), String> {
    let mut body = Vec::new();
    let mut stream = response.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| describe_error(&e))?;
        let room = limit - body.len();
        if chunk.len() >= room {
            body.extend_from_slice(&chunk[..room]);
            return Ok((body, true));
        }
        body.extend_from_slice(&chunk);
    }
    Ok((body, false))
}

fn ms(since: Instant) -> Option<f64> {
    Some(since.elapsed().as_secs_f64() * 1000.0)
}

/// What went wrong with a request, in a technician's words; TLS failures by their cause.
pub fn describe_error(e: &reqwest::Error) -> String {
    let chain = error_chain(e);
    if let Some(tls) = crate::probe::tls_failure(&chain) {
        return tls;
    }
    if e.is_timeout() {
        return "no answer in time".into();
    }
    let lower = chain.to_lowercase();
    if lower.contains("connection refused") {
        return "connection refused".into();
    }
    if lower.contains("dns error") || lower.contains("failed to lookup address") {
        return format!("cannot resolve the host name: {}", clean(&chain, 160));
    }
    if lower.contains("message head is too large") || lower.contains("too many headers") {
        return "the answer's headers are too large".into();
    }
    if lower.contains("invalid http")
        || lower.contains("parse error")
        || lower.contains("invalid header")
    {
        return format!("the answer is not valid HTTP: {}", clean(&chain, 160));
    }
    if e.is_connect() {
        return format!("cannot connect: {}", clean(&chain, 160));
    }
    format!("request failed: {}", clean(&chain, 200))
}
