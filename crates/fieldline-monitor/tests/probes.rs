//! The http, tcp and tls_expiry probes against real loopback servers started here
//! (`support/tls.rs`: HTTPS with a test CA and expired, not-yet-valid, wrong-name and
//! self-signed certificates, and hostile endpoints). Each hostile case must end within
//! its timeout with a state and a message that say what happened.
#![allow(clippy::unwrap_used)]

#[path = "support/tls.rs"]
mod tls;

use fieldline_core::checks::CheckSpec;
use fieldline_core::{Check, CheckKind, CheckState, Endpoint};
use fieldline_monitor::probe::Prober;
use fieldline_monitor::Outcome;
use serde_json::{json, Value};
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use tls::{Case, Cert, Servers};

fn servers() -> &'static Servers {
    static SERVERS: OnceLock<Servers> = OnceLock::new();
    SERVERS.get_or_init(|| Servers::start().unwrap())
}

fn endpoint() -> Endpoint {
    Endpoint {
        id: "web1".into(),
        site: "hq".into(),
        name: String::new(),
        host: "127.0.0.1".into(),
        tags: vec![],
        notes: String::new(),
        parent: None,
        ssh: Default::default(),
        checks: vec![],
    }
}

/// Runs one check given as fleet-file parameters; also how long it took.
async fn run(kind: CheckKind, params: Value) -> (Outcome, Duration) {
    let check = Check {
        kind,
        params: params.as_object().unwrap().clone().into_iter().collect(),
    };
    let spec = CheckSpec::parse(&check).unwrap_or_else(|e| panic!("{params}: {e}"));
    let prober = Prober::default();
    let started = Instant::now();
    let outcome = prober.probe(&endpoint(), "127.0.0.1", &spec).await;
    assert!(
        !outcome.message.chars().any(char::is_control),
        "messages carry no control characters: {:?}",
        outcome.message
    );
    (outcome, started.elapsed())
}

async fn http(cert: Cert, case: Case, extra: Value) -> (Outcome, Duration) {
    let mut params = json!({ "url": servers().url(cert, case) });
    params
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    run(CheckKind::Http, params).await
}

fn ca() -> String {
    servers().ca_bundle_path().display().to_string()
}

fn assert_state(outcome: &Outcome, state: CheckState, says: &str) {
    assert_eq!(outcome.state, state, "{outcome:?}");
    assert!(
        outcome.message.contains(says),
        "{:?} should say {says:?}",
        outcome.message
    );
}

#[tokio::test]
async fn https_with_the_customer_ca_is_ok_and_each_tls_failure_says_its_cause() {
    let (ok, _) = http(Cert::Valid, Case::Ok, json!({ "ca_bundle": ca() })).await;
    assert_state(&ok, CheckState::Ok, "HTTP 200 OK");
    assert!(ok.latency_ms.unwrap() > 0.0);

    let (untrusted, _) = http(Cert::Valid, Case::Ok, json!({})).await;
    assert_state(&untrusted, CheckState::Crit, "not trusted");
    for (cert, says) in [
        (Cert::Expired, "has expired"),
        (Cert::NotYetValid, "not valid yet"),
        (Cert::WrongName, "wrong name"),
        (Cert::SelfSigned, "not trusted"),
    ] {
        let (o, _) = http(cert, Case::Ok, json!({ "ca_bundle": ca() })).await;
        assert_state(&o, CheckState::Crit, says);
        assert!(o.message.starts_with("TLS: "), "{o:?}");
    }
    let (unchecked, _) = http(Cert::SelfSigned, Case::Ok, json!({ "verify_tls": false })).await;
    assert_state(&unchecked, CheckState::Ok, "HTTP 200");

    let (missing, _) = http(
        Cert::Valid,
        Case::Ok,
        json!({ "ca_bundle": "/nonexistent/ca.pem" }),
    )
    .await;
    assert_state(
        &missing,
        CheckState::Unknown,
        "cannot read the CA bundle /nonexistent/ca.pem",
    );
}

#[tokio::test]
async fn status_latency_body_and_json_are_judged() {
    let (o, _) = http(Cert::Plain, Case::Status(503), json!({})).await;
    assert_state(
        &o,
        CheckState::Crit,
        "HTTP 503 Service Unavailable (expected 200-399)",
    );
    let (o, _) = http(
        Cert::Plain,
        Case::Status(503),
        json!({ "status": [200, "500-503"] }),
    )
    .await;
    assert_state(&o, CheckState::Ok, "HTTP 503");
    let (o, _) = http(
        Cert::Plain,
        Case::Delay(300),
        json!({ "warn_ms": 100, "crit_ms": 2000 }),
    )
    .await;
    assert_state(&o, CheckState::Warn, "slow:");
    assert!(o.latency_ms.unwrap() >= 300.0, "{o:?}");
    let (o, _) = http(Cert::Plain, Case::Ok, json!({ "contains": "ok" })).await;
    assert_state(&o, CheckState::Ok, "HTTP 200");
    let (o, _) = http(Cert::Plain, Case::Ok, json!({ "contains": "healthy" })).await;
    assert_state(
        &o,
        CheckState::Crit,
        "the body does not contain \"healthy\"",
    );
    let (o, _) = http(Cert::Plain, Case::Ok, json!({ "regex": "^o.$" })).await;
    assert_state(&o, CheckState::Ok, "HTTP 200");
    let (o, _) = http(
        Cert::Plain,
        Case::Json,
        json!({ "json": [
            { "pointer": "/status", "equals": "ok" },
            { "pointer": "/db/lag", "max": 5 },
            { "pointer": "/queue", "max": 100, "severity": "warn" },
        ] }),
    )
    .await;
    assert_state(&o, CheckState::Warn, "/queue is 120, above max 100");
    let (o, _) = http(
        Cert::Plain,
        Case::Ok,
        json!({ "json": [{ "pointer": "/status", "equals": "ok" }] }),
    )
    .await;
    assert_state(&o, CheckState::Crit, "the body is not JSON");
    // Redirects are followed (bounded); a loop is named as one.
    let (o, _) = http(Cert::Plain, Case::RedirectLoop, json!({})).await;
    assert_state(&o, CheckState::Crit, "redirect loop");
    let (o, _) = http(Cert::Plain, Case::RedirectPingPong, json!({})).await;
    assert_state(&o, CheckState::Crit, "redirect loop");
    let (o, _) = http(
        Cert::Plain,
        Case::RedirectLoop,
        json!({ "max_redirects": 0 }),
    )
    .await;
    assert_state(&o, CheckState::Ok, "HTTP 302 Found");
}

#[tokio::test]
async fn hostile_endpoints_end_within_the_timeout_with_a_clear_message() {
    let limit = |timeout: f64| Duration::from_secs_f64(timeout + 0.5);
    let (o, took) = http(Cert::Plain, Case::Hang, json!({ "timeout": "1s" })).await;
    assert_state(&o, CheckState::Crit, "no complete answer within 1 s");
    assert!(took < limit(1.0), "{took:?}");
    let (o, took) = http(
        Cert::Plain,
        Case::SlowDrip,
        json!({ "timeout": "1s", "contains": "." }),
    )
    .await;
    // The body is judged whole (up to its limit), so a drip that never finishes runs
    // into the timeout even though its first byte would match.
    assert_eq!(o.state, CheckState::Crit, "{o:?}");
    assert!(took < limit(1.0), "{took:?}");
    let (o, took) = http(
        Cert::Plain,
        Case::Endless,
        json!({ "timeout": "5s", "contains": "zzz", "max_body_kb": 256 }),
    )
    .await;
    assert_state(
        &o,
        CheckState::Crit,
        "does not contain \"zzz\" (only the first 256 KiB read)",
    );
    assert!(took < limit(5.0), "{took:?}");
    let (o, took) = http(
        Cert::Plain,
        Case::GzipBomb,
        json!({ "timeout": "5s", "contains": "zzz" }),
    )
    .await;
    assert_state(&o, CheckState::Crit, "(only the first 1024 KiB read)");
    assert!(took < limit(5.0), "{took:?}");
    let (o, _) = http(Cert::Plain, Case::HugeHeaders, json!({})).await;
    assert_state(&o, CheckState::Crit, "headers are too large");
    let (o, _) = http(Cert::Plain, Case::InvalidUtf8, json!({ "contains": "ok" })).await;
    assert_state(&o, CheckState::Ok, "HTTP 200");
    let (o, _) = http(
        Cert::Plain,
        // Escapes in the reason phrase: not HTTP that hyper accepts.
        Case::Ansi,
        json!({}),
    )
    .await;
    assert_state(&o, CheckState::Crit, "the answer is not valid HTTP");
    let (o, _) = http(
        Cert::Plain,
        Case::Html,
        json!({ "json": [{ "pointer": "/a", "exists": true }] }),
    )
    .await;
    // The endpoint's HTML is kept as text, escaped where it is shown.
    assert_state(&o, CheckState::Crit, "<");
}

#[tokio::test]
async fn tcp_connects_sends_and_expects() {
    let port = servers().port(Cert::Plain);
    let (o, _) = run(CheckKind::Tcp, json!({ "port": port })).await;
    assert_state(&o, CheckState::Ok, "accepts connections");
    let (o, _) = run(
        CheckKind::Tcp,
        json!({ "port": port, "send": "GET /ok HTTP/1.0\r\n\r\n", "expect": "HTTP/1.1 200" }),
    )
    .await;
    assert_state(&o, CheckState::Ok, "accepts connections");
    let (o, _) = run(
        CheckKind::Tcp,
        json!({ "port": port, "send": "GET /ok HTTP/1.0\r\n\r\n", "expect": "SSH-2.0" }),
    )
    .await;
    assert_state(&o, CheckState::Crit, "not \"SSH-2.0\"");
    // Nothing sent, nothing comes back: the wait for a banner ends at the timeout.
    let (o, took) = run(
        CheckKind::Tcp,
        json!({ "port": port, "expect": "SSH-", "timeout": "1s" }),
    )
    .await;
    assert_state(&o, CheckState::Crit, "and no \"SSH-\" within 1 s");
    assert!(took < Duration::from_millis(1500), "{took:?}");
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let (o, _) = run(CheckKind::Tcp, json!({ "port": closed })).await;
    assert_state(&o, CheckState::Crit, "refused the connection");
}

#[tokio::test]
async fn tls_expiry_reads_the_certificate_whatever_its_trust() {
    let port = |c| servers().port(c);
    let (o, _) = run(CheckKind::TlsExpiry, json!({ "port": port(Cert::Valid) })).await;
    assert_state(
        &o,
        CheckState::Ok,
        "the certificate of localhost expires in 59 days",
    );
    let (o, _) = run(
        CheckKind::TlsExpiry,
        json!({ "port": port(Cert::Valid), "warn_days": 90 }),
    )
    .await;
    assert_state(&o, CheckState::Warn, "warn under 90 days");
    let (o, _) = run(
        CheckKind::TlsExpiry,
        json!({ "port": port(Cert::Valid), "warn_days": 90, "crit_days": 60 }),
    )
    .await;
    assert_eq!(o.state, CheckState::Crit);
    let (o, _) = run(CheckKind::TlsExpiry, json!({ "port": port(Cert::Expired) })).await;
    assert_state(&o, CheckState::Crit, "expired 1 day ago");
    let (o, _) = run(
        CheckKind::TlsExpiry,
        // Untrusted and expiring tomorrow: still read, still judged.
        json!({ "port": port(Cert::SelfSigned) }),
    )
    .await;
    assert_state(&o, CheckState::Crit, "expires in 0 days");
    let (o, _) = run(
        CheckKind::TlsExpiry,
        json!({ "port": port(Cert::Plain), "timeout": "2s" }),
    )
    .await;
    assert_state(&o, CheckState::Crit, "TLS handshake with");
}
