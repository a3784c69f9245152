//! The `dns` probe against a real dnsmasq and a hand-written responder, all on 127.0.0.1.

#![allow(clippy::unwrap_used)]

#[path = "support/dns_servers.rs"]
mod dns_servers;

use dns_servers::{Behaviour, Dnsmasq, FakeDns};
use fieldline_core::checks::{DnsRecord, DnsSpec};
use fieldline_core::CheckState;
use fieldline_monitor::probe::dns::probe;
use fieldline_monitor::Outcome;
use hickory_proto::op::ResponseCode;
use hickory_proto::rr::rdata::{A, CNAME, TXT};
use hickory_proto::rr::{Name, RData, Record};
use std::time::{Duration, Instant};

const T: Duration = Duration::from_secs(2);

fn spec(name: &str, record: DnsRecord, expect: &[&str], server: &str) -> DnsSpec {
    DnsSpec {
        name: name.into(),
        record,
        expect: expect.iter().map(|s| s.to_string()).collect(),
        server: Some(server.into()),
    }
}

async fn ask(server: &str, name: &str, record: DnsRecord, expect: &[&str]) -> Outcome {
    probe("127.0.0.1", &spec(name, record, expect, server), T).await
}

fn assert_state(o: &Outcome, state: CheckState, contains: &str) {
    eprintln!("{} {:?} {}", o.state.as_str(), o.latency_ms, o.message);
    assert_eq!(o.state, state, "{o:?}");
    assert!(
        o.message.contains(contains),
        "{:?} lacks {contains:?}",
        o.message
    );
}

#[tokio::test]
async fn dnsmasq_answers_every_record_type() {
    let d = Dnsmasq::start(None).unwrap();
    let s = d.addr();
    use DnsRecord::*;
    let cases: &[(&str, DnsRecord, &[&str], &str)] = &[
        ("www.x.test", A, &["10.0.0.1"], "www.x.test A: 10.0.0.1"),
        ("multi.x.test", A, &["10.0.0.3", "10.0.0.1"], "10.0.0.3"),
        ("www.x.test", Aaaa, &["fd00:0:0::1"], "fd00::1"),
        ("alias.x.test", Cname, &["WWW.x.test."], "www.x.test"),
        // Through the alias: the A record at its end counts.
        ("alias.x.test", A, &["10.0.0.1"], "10.0.0.1"),
        ("x.test", Mx, &["mail.x.test"], "10 mail.x.test"),
        ("x.test", Mx, &["10 mail.x.test."], "10 mail.x.test"),
        (
            "x.test",
            Txt,
            &["ip4:10.0.0.0/24"],
            "\"v=spf1 ip4:10.0.0.0/24 -all\"",
        ),
        ("x.test", Ns, &["ns.x.test"], "ns.x.test"),
        (
            "10.0.0.1",
            Ptr,
            &["www.x.test"],
            "1.0.0.10.in-addr.arpa PTR: www.x.test",
        ),
        // No expectation: any answer passes.
        ("www.x.test", A, &[], "10.0.0.1"),
    ];
    for (name, record, expect, shown) in cases {
        let o = ask(&s, name, *record, expect).await;
        assert_state(&o, CheckState::Ok, shown);
        assert!(o.latency_ms.is_some_and(|ms| ms < 1000.0), "{o:?}");
    }
    // The server given as a name, resolved by the system resolver.
    let o = probe(
        "localhost",
        &spec(
            "www.x.test",
            A,
            &["10.0.0.1"],
            &format!("localhost:{}", d.port),
        ),
        T,
    )
    .await;
    assert_state(&o, CheckState::Ok, "10.0.0.1");
}

#[tokio::test]
async fn dnsmasq_mismatch_nxdomain_refused_servfail() {
    let upstream = FakeDns::start(Behaviour::Rcode(ResponseCode::ServFail)).unwrap();
    let d = Dnsmasq::start(Some(upstream.addr.port())).unwrap();
    let s = d.addr();
    let o = ask(&s, "www.x.test", DnsRecord::A, &["10.0.0.9"]).await;
    assert_state(
        &o,
        CheckState::Crit,
        "www.x.test A: expected 10.0.0.9, got 10.0.0.1",
    );
    let o = ask(&s, "x.test", DnsRecord::Txt, &["v=spf1 -all"]).await;
    assert_state(
        &o,
        CheckState::Crit,
        "expected v=spf1 -all, got \"v=spf1 ip4:",
    );
    let o = ask(&s, "nope.x.test", DnsRecord::A, &["10.0.0.1"]).await;
    assert_state(&o, CheckState::Crit, "NXDOMAIN from");
    assert!(o.message.contains("expected 10.0.0.1"), "{o:?}");
    // The name exists but has no record of this type.
    let o = ask(&s, "multi.x.test", DnsRecord::Aaaa, &[]).await;
    assert_state(
        &o,
        CheckState::Crit,
        "multi.x.test AAAA: no AAAA record in the answer from",
    );
    // dnsmasq with no upstream refuses what it does not serve.
    let o = ask(&s, "example.org", DnsRecord::A, &[]).await;
    assert_state(&o, CheckState::Crit, "answered REFUSED");
    // broken.test: dnsmasq forwards, its upstream fails, dnsmasq answers SERVFAIL.
    let o = ask(&s, "www.broken.test", DnsRecord::A, &[]).await;
    assert_state(&o, CheckState::Crit, &format!("{s} answered SERVFAIL"));
    // dead.test: the upstream port is closed; dnsmasq keeps retrying and never answers.
    let started = Instant::now();
    let o = ask(&s, "www.dead.test", DnsRecord::A, &[]).await;
    assert_eq!(o.message, format!("no answer from {s} within 2 s"));
    assert!(started.elapsed() < T + Duration::from_millis(200));
}

#[tokio::test]
async fn rcodes_are_named() {
    // dnsmasq gives these only for its own reasons; the responder gives them on demand.
    for (code, name) in [
        (ResponseCode::ServFail, "answered SERVFAIL (Server Failure)"),
        (ResponseCode::Refused, "answered REFUSED"),
        (ResponseCode::NotImp, "answered NOTIMP"),
        (ResponseCode::FormErr, "answered FORMERR"),
    ] {
        let f = FakeDns::start(Behaviour::Rcode(code)).unwrap();
        let o = ask(&f.addr.to_string(), "a.test", DnsRecord::A, &[]).await;
        assert_state(&o, CheckState::Crit, name);
        assert!(o.latency_ms.is_some());
    }
}

#[tokio::test]
async fn silent_server_times_out_within_the_timeout() {
    let f = FakeDns::start(Behaviour::Silent).unwrap();
    let timeout = Duration::from_secs(1);
    let started = Instant::now();
    let o = probe(
        "127.0.0.1",
        &spec("a.test", DnsRecord::A, &[], &f.addr.to_string()),
        timeout,
    )
    .await;
    let took = started.elapsed();
    assert_eq!(o.state, CheckState::Crit);
    assert_eq!(o.message, format!("no answer from {} within 1 s", f.addr));
    assert!(o.latency_ms.is_none());
    assert!(
        took >= timeout && took < timeout + Duration::from_millis(200),
        "{took:?}"
    );
}

#[tokio::test]
async fn closed_port_fails_at_once() {
    let port = dns_servers::free_port().unwrap();
    let started = Instant::now();
    let o = ask(&format!("127.0.0.1:{port}"), "a.test", DnsRecord::A, &[]).await;
    assert_state(
        &o,
        CheckState::Crit,
        "refused the query (nothing listens on UDP port",
    );
    assert!(started.elapsed() < Duration::from_millis(500));
}

fn a(name: &str, ip: [u8; 4]) -> Record {
    Record::from_rdata(
        Name::from_ascii(name).unwrap(),
        60,
        RData::A(A::new(ip[0], ip[1], ip[2], ip[3])),
    )
}

#[tokio::test]
async fn truncated_answer_is_asked_again_over_tcp() {
    let f = FakeDns::start(Behaviour::Truncate(vec![a("big.test.", [10, 0, 0, 7])])).unwrap();
    let o = ask(&f.addr.to_string(), "big.test", DnsRecord::A, &["10.0.0.7"]).await;
    assert_state(&o, CheckState::Ok, "big.test A: 10.0.0.7");
}

#[tokio::test]
async fn stray_answer_with_another_id_is_ignored() {
    let f = FakeDns::start(Behaviour::StrayFirst(vec![a("s.test.", [10, 0, 0, 8])])).unwrap();
    let o = ask(&f.addr.to_string(), "s.test", DnsRecord::A, &["10.0.0.8"]).await;
    assert_state(&o, CheckState::Ok, "s.test A: 10.0.0.8");
    assert!(!o.message.contains("10.66.66.66"), "{o:?}");
}

#[tokio::test]
async fn garbage_with_the_right_id_is_reported() {
    let f = FakeDns::start(Behaviour::Garbage).unwrap();
    let o = ask(&f.addr.to_string(), "g.test", DnsRecord::A, &[]).await;
    assert_state(&o, CheckState::Crit, "the server's answer is not valid DNS");
}

fn hostile_txt() -> Vec<Record> {
    let evil: &[u8] = b"\x1b[31mred\x1b[0m \x00nul \x07bell \xff\xfe bad utf-8 \xe2\x80\xae rtl ";
    let strings: Vec<Vec<u8>> = (0..200)
        .map(|i| {
            let mut s = format!("#{i} ").into_bytes();
            while s.len() < 255 {
                s.extend_from_slice(evil);
            }
            s.truncate(255);
            s
        })
        .collect();
    // ~51 KB in one record: far more than any message may carry.
    let txt = TXT::from_bytes(strings.iter().map(Vec::as_slice).collect());
    vec![Record::from_rdata(
        Name::from_ascii("evil.test.").unwrap(),
        60,
        RData::TXT(txt),
    )]
}

fn assert_clean(o: &Outcome) {
    assert!(o.message.chars().count() <= 301, "{}", o.message.len());
    assert!(
        !o.message.chars().any(|c| c.is_control() || c == '\u{202E}'),
        "{:?}",
        o.message
    );
}

#[tokio::test]
async fn hostile_answers_are_bounded_and_cleaned() {
    // Over UDP (a 51 KB datagram) and over TCP after truncation.
    for behaviour in [
        Behaviour::Answer(hostile_txt()),
        Behaviour::Truncate(hostile_txt()),
    ] {
        let f = FakeDns::start(behaviour).unwrap();
        let started = Instant::now();
        let o = ask(
            &f.addr.to_string(),
            "evil.test",
            DnsRecord::Txt,
            &["not there"],
        )
        .await;
        assert!(started.elapsed() < Duration::from_secs(1));
        assert_state(
            &o,
            CheckState::Crit,
            "expected not there, got \"#0 [31mred [0m nul bell",
        );
        assert_clean(&o);
        let o = ask(&f.addr.to_string(), "evil.test", DnsRecord::Txt, &["#199 "]).await;
        assert_state(&o, CheckState::Ok, "evil.test TXT: \"#0");
        assert_clean(&o);
    }
    // A name made of terminal escapes and a bell.
    let evil_name = Name::from_labels(vec![
        b"evil\x1b]0;pwned\x07".to_vec(),
        b"x".to_vec(),
        b"test".to_vec(),
    ])
    .unwrap();
    let alias = Record::from_rdata(
        Name::from_ascii("c.test.").unwrap(),
        60,
        RData::CNAME(CNAME(evil_name)),
    );
    let f = FakeDns::start(Behaviour::Answer(vec![alias])).unwrap();
    let o = ask(
        &f.addr.to_string(),
        "c.test",
        DnsRecord::Cname,
        &["www.x.test"],
    )
    .await;
    assert_state(&o, CheckState::Crit, "expected www.x.test, got evil");
    assert_clean(&o);
    let o = ask(&f.addr.to_string(), "c.test", DnsRecord::A, &[]).await;
    assert_state(&o, CheckState::Crit, "an alias of evil");
    assert!(o.message.contains("has no A record"), "{o:?}");
    assert_clean(&o);
}

#[tokio::test]
async fn bad_configuration_is_unknown() {
    let o = ask("127.0.0.1:1", "www.x.test", DnsRecord::A, &["www"]).await;
    assert_state(
        &o,
        CheckState::Unknown,
        "expect \"www\" is not an IP address",
    );
    let o = ask("127.0.0.1:99999", "www.x.test", DnsRecord::A, &[]).await;
    assert_state(&o, CheckState::Unknown, "is not an address");
}
