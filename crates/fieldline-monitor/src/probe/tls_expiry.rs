//! `tls_expiry`: a TLS handshake that reads the server's certificate whatever its trust
//! (an appliance's self-signed certificate expires too) and judges the days left.

use crate::outcome::{clean, Outcome};
use crate::probe::{error_chain, seconds};
use fieldline_core::checks::TlsExpirySpec;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

pub async fn probe(host: &str, spec: &TlsExpirySpec, timeout: Duration) -> Outcome {
    match tokio::time::timeout(timeout, read_certificate(host, spec)).await {
        Err(_) => Outcome::crit(
            None,
            format!(
                "no TLS handshake with {} within {}",
                crate::probe::host_port(host, spec.port),
                seconds(timeout)
            ),
        ),
        Ok(Err(message)) => Outcome::crit(None, message),
        Ok(Ok((latency, cert))) => judge(&cert, spec, now_unix(), latency),
    }
}

/// What the check needs of a certificate.
#[derive(Debug, Clone, PartialEq)]
pub struct CertFacts {
    pub subject: String,
    pub not_after: i64,
}

fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

pub fn judge(cert: &CertFacts, spec: &TlsExpirySpec, now: i64, latency_ms: f64) -> Outcome {
    let left = cert.not_after - now;
    let days = left.div_euclid(86_400);
    let date = jiff::Timestamp::from_second(cert.not_after)
        .map(|t| t.strftime("%Y-%m-%d").to_string())
        .unwrap_or_else(|_| "an invalid date".into());
    let who = clean(&cert.subject, 80);
    let latency = Some(latency_ms);
    if left <= 0 {
        let ago = (-left).div_euclid(86_400);
        return Outcome::crit(
            latency,
            format!(
                "the certificate of {who} expired {} ({date})",
                ago_text(ago)
            ),
        );
    }
    let text = format!("the certificate of {who} expires in {days} days ({date})");
    if days < i64::from(spec.crit_days) {
        Outcome::crit(
            latency,
            format!("{text}, crit under {} days", spec.crit_days),
        )
    } else if days < i64::from(spec.warn_days) {
        Outcome::warn(
            latency,
            format!("{text}, warn under {} days", spec.warn_days),
        )
    } else {
        Outcome::ok(latency, text)
    }
}

fn ago_text(days: i64) -> String {
    match days {
        0 => "today".into(),
        1 => "1 day ago".into(),
        n => format!("{n} days ago"),
    }
}

async fn read_certificate(host: &str, spec: &TlsExpirySpec) -> Result<(f64, CertFacts), String> {
    let address = crate::probe::host_port(host, spec.port);
    let started = Instant::now();
    let tcp = tokio::net::TcpStream::connect(&address)
        .await
        .map_err(|e| crate::probe::tcp::connect_error(&address, &e))?;
    let connector = native_tls::TlsConnector::builder()
        .danger_accept_invalid_certs(true)
        .danger_accept_invalid_hostnames(true)
        .build()
        .map_err(|e| format!("cannot set up TLS: {e}"))?;
    let name = spec.server_name.as_deref().unwrap_or(host);
    let tls = tokio_native_tls::TlsConnector::from(connector)
        .connect(name, tcp)
        .await
        .map_err(|e| {
            format!(
                "TLS handshake with {address} failed: {}",
                clean(&error_chain(&e), 160)
            )
        })?;
    let latency = started.elapsed().as_secs_f64() * 1000.0;
    let cert = tls
        .get_ref()
        .peer_certificate()
        .map_err(|e| format!("cannot read the certificate of {address}: {e}"))?
        .ok_or_else(|| format!("{address} sent no certificate"))?;
    let der = cert
        .to_der()
        .map_err(|e| format!("cannot read the certificate of {address}: {e}"))?;
    facts(&der)
        .map(|f| (latency, f))
        .map_err(|e| format!("the certificate of {address} is unreadable: {e}"))
}

/// The subject and expiry of a DER certificate.
pub fn facts(der: &[u8]) -> Result<CertFacts, String> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).map_err(|e| e.to_string())?;
    let subject = cert
        .subject()
        .iter_common_name()
        .next()
        .and_then(|cn| cn.as_str().ok())
        .map(str::to_owned)
        .unwrap_or_else(|| cert.subject().to_string());
    Ok(CertFacts {
        subject,
        not_after: cert.validity().not_after.timestamp(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> TlsExpirySpec {
        serde_json::from_value(serde_json::json!({})).expect("defaults")
    }

    #[test]
    fn days_left_against_thresholds() {
        let now = 1_800_000_000;
        let cert = |days: i64| CertFacts {
            subject: "intranet.acme.test".into(),
            not_after: now + days * 86_400 + 60,
        };
        assert_eq!(
            judge(&cert(60), &spec(), now, 1.0).state,
            fieldline_core::CheckState::Ok
        );
        let warn = judge(&cert(20), &spec(), now, 1.0);
        assert_eq!(warn.state, fieldline_core::CheckState::Warn);
        assert!(
            warn.message.contains("expires in 20 days"),
            "{}",
            warn.message
        );
        assert_eq!(
            judge(&cert(6), &spec(), now, 1.0).state,
            fieldline_core::CheckState::Crit
        );
        let expired = judge(
            &CertFacts {
                not_after: now - 3 * 86_400 - 60,
                ..cert(0)
            },
            &spec(),
            now,
            1.0,
        );
        assert_eq!(expired.state, fieldline_core::CheckState::Crit);
        assert!(
            expired.message.contains("expired 3 days ago"),
            "{}",
            expired.message
        );
    }
}
