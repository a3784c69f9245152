#![allow(clippy::unwrap_used)]
//! The Prometheus/Alertmanager source against a real Prometheus 2.42, Alertmanager 0.25
//! and node_exporter 1.5 started on loopback (tests/support/prom.rs), and against a
//! hostile fake (tests/support/hostile_prom.rs).

#[path = "support/prom.rs"]
mod prom;

#[path = "support/hostile_prom.rs"]
mod hostile_prom;

use fieldline_core::{Check, CheckKind, CheckState, Customer, Endpoint, Fleet, Site};
use fieldline_monitor::source_prom::{
    self, AlertsFrom, Auth, PromSource, ResultKind, SourceError, SourceReport, SourceResult,
};
use std::time::{Duration, Instant};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn endpoint(id: &str, host: &str, checks: Vec<Check>) -> Endpoint {
    Endpoint {
        id: id.into(),
        site: "hq".into(),
        name: String::new(),
        host: host.into(),
        tags: vec![],
        notes: String::new(),
        parent: None,
        ssh: Default::default(),
        checks,
    }
}

fn node_check(url: &str) -> Check {
    Check {
        kind: CheckKind::NodeExporter,
        params: [("url".to_string(), serde_json::json!(url))]
            .into_iter()
            .collect(),
    }
}

fn fleet(endpoints: Vec<Endpoint>) -> Fleet {
    let mut f = Fleet {
        customers: vec![Customer {
            id: "acme".into(),
            name: "Acme".into(),
            notes: String::new(),
            demo: false,
        }],
        sites: vec![Site {
            id: "hq".into(),
            customer: "acme".into(),
            name: "HQ".into(),
            timezone: "UTC".into(),
            notes: String::new(),
        }],
        endpoints,
    };
    f.normalize();
    f
}

fn results<'a>(report: &'a SourceReport, id: &str) -> &'a [SourceResult] {
    report
        .endpoints
        .iter()
        .find(|e| e.endpoint == id)
        .map(|e| e.results.as_slice())
        .unwrap_or_else(|| panic!("no results for {id}: {report:#?}"))
}

fn find<'a>(results: &'a [SourceResult], kind: ResultKind, name: &str) -> &'a SourceResult {
    results
        .iter()
        .find(|r| r.kind == kind && r.name == name)
        .unwrap_or_else(|| panic!("no {kind:?} {name} in {results:#?}"))
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Writes a file_sd target file with labels (the harness writes none), atomically.
fn labelled_targets(p: &prom::Prometheus, job: &str, target: &str, labels: &str) {
    let dir = p.daemon.dir().join("targets");
    let tmp = dir.join(format!(".{job}.labelled"));
    std::fs::write(
        &tmp,
        format!("[{{\"targets\":[\"{target}\"],\"labels\":{labels}}}]\n"),
    )
    .unwrap();
    std::fs::rename(&tmp, dir.join(format!("{job}.json"))).unwrap();
}

/// One stack, the cases in order: all up, a textfile warning, a target down, a silence,
/// Prometheus's own alerts, Alertmanager down, Prometheus down.
#[test]
fn real_prometheus_and_alertmanager() {
    let t0 = Instant::now();
    let rt = runtime();
    let client = source_prom::client().unwrap();
    let ws = prom::Workspace::new().unwrap();
    let node_a = prom::NodeExporter::start(&ws).unwrap();
    let node_b = prom::NodeExporter::start(&ws).unwrap();
    let node_c = prom::NodeExporter::start(&ws).unwrap();
    let am = prom::Alertmanager::start(&ws, Default::default()).unwrap();
    let (a, b) = (node_a.daemon.addr(), node_b.daemon.addr());
    // C is scraped as `localhost:P`: no endpoint has the host "localhost".
    let c = format!("localhost:{}", node_c.daemon.port());
    let p = prom::Prometheus::start(
        &ws,
        prom::PrometheusOptions {
            jobs: vec![
                prom::Job::scrape("node", &[a.clone(), c.clone()]),
                prom::Job::scrape("nodeb", std::slice::from_ref(&b)),
            ],
            alertmanager: Some(am.daemon.addr()),
            ..Default::default()
        },
    )
    .unwrap();
    // B is told apart from A (same host) by a target label; A by its check's host:port.
    labelled_targets(&p, "nodeb", &b, r#"{"fieldline_endpoint":"ep-b"}"#);
    let fleet = fleet(vec![
        endpoint(
            "ep-a",
            "127.0.0.1",
            vec![node_check(&format!(
                "http://{{host}}:{}/metrics",
                node_a.daemon.port()
            ))],
        ),
        endpoint("ep-b", "127.0.0.1", vec![]),
        endpoint("ep-unseen", "unseen.acme.example", vec![]),
    ]);
    let mut source = PromSource::new(format!("http://{}", p.daemon.addr()));
    source.alertmanager_url = Some(format!("http://{}/", am.daemon.addr()));
    source.timeout = Duration::from_secs(5);
    let read = |source: &PromSource| {
        let started = Instant::now();
        let r = rt.block_on(source_prom::read(&client, source, None, &fleet));
        (r, started.elapsed())
    };
    let wait = Duration::from_secs(30);
    p.wait_query(
        "up",
        &[
            &format!("\"instance\":\"{a}\""),
            &format!("\"instance\":\"{c}\""),
            "\"fieldline_endpoint\":\"ep-b\"",
        ],
        wait,
    )
    .unwrap();
    eprintln!("stack up and scraped after {:?}", t0.elapsed());

    // 1. Everything up.
    let (r, took) = read(&source);
    let r = r.unwrap();
    eprintln!("read (all up) took {took:?}: {r:#?}");
    assert_eq!(r.alerts_from, AlertsFrom::Alertmanager);
    let up_a = find(results(&r, "ep-a"), ResultKind::Up, "node");
    assert_eq!(up_a.state, CheckState::Ok);
    assert_eq!(up_a.message, format!("target up (job node, {a})"));
    assert_eq!(up_a.series, a);
    let up_b = find(results(&r, "ep-b"), ResultKind::Up, "nodeb");
    assert_eq!(up_b.state, CheckState::Ok);
    assert_eq!(results(&r, "ep-a").len(), 1);
    assert_eq!(results(&r, "ep-b").len(), 1);
    assert_eq!(r.unseen, vec!["ep-unseen".to_string()]);
    let unmatched_c = r
        .unmatched
        .iter()
        .find(|u| u.series == c)
        .unwrap_or_else(|| panic!("{c} not listed: {:#?}", r.unmatched));
    assert_eq!(unmatched_c.kind, ResultKind::Up);
    assert_eq!(unmatched_c.name, "node");
    assert!(unmatched_c
        .reason
        .contains("no endpoint has the host \"localhost\""));
    // C may or may not be up (localhost may resolve to ::1); a TargetDown for it would be
    // unmatched too, never on ep-a or ep-b.
    assert!(r.unmatched_count >= 1);

    // 2. A textfile metric fires the warning-severity rule on A.
    node_a
        .write_metric("fieldline_test_flag", &[], 1.0)
        .unwrap();
    let t = Instant::now();
    am.wait_alert(
        "TextfileFlag",
        "active",
        &[&format!("\"instance\":\"{a}\"")],
        wait,
    )
    .unwrap();
    eprintln!(
        "TextfileFlag active in Alertmanager after {:?}",
        t.elapsed()
    );
    let (r, took) = read(&source);
    let r = r.unwrap();
    eprintln!("read (warning) took {took:?}");
    let e = r.endpoints.iter().find(|e| e.endpoint == "ep-a").unwrap();
    assert_eq!(e.state, CheckState::Warn);
    let flag = find(&e.results, ResultKind::Alert, "TextfileFlag");
    assert_eq!(flag.state, CheckState::Warn);
    assert_eq!(flag.message, "flag 1");
    assert!(!flag.silenced);
    let since = flag.since.unwrap();
    assert!((now() - 60..=now() + 5).contains(&since), "{since}");
    assert!(flag.key.starts_with("alert:"));
    node_a.remove_textfile("fieldline_test_flag").unwrap();
    am.wait_no_alert("TextfileFlag", wait).unwrap();

    // 3. B stops: CRIT from `up` and from the TargetDown alert.
    node_b.daemon.stop();
    let t = Instant::now();
    am.wait_alert(
        "TargetDown",
        "active",
        &[&format!("\"instance\":\"{b}\"")],
        wait,
    )
    .unwrap();
    eprintln!("TargetDown active in Alertmanager after {:?}", t.elapsed());
    let (r, _) = read(&source);
    let r = r.unwrap();
    let e = r.endpoints.iter().find(|e| e.endpoint == "ep-b").unwrap();
    assert_eq!(e.state, CheckState::Crit);
    let up_b = find(&e.results, ResultKind::Up, "nodeb");
    assert_eq!(
        (up_b.state, up_b.message.as_str(), up_b.silenced),
        (
            CheckState::Crit,
            format!("target down (job nodeb, {b})").as_str(),
            false
        )
    );
    let down = find(&e.results, ResultKind::Alert, "TargetDown");
    assert_eq!(down.state, CheckState::Crit);
    assert_eq!(down.message, format!("{b} of nodeb is down"));
    assert!(!down.silenced && down.since.is_some());
    // A is unaffected.
    assert_eq!(
        r.endpoints
            .iter()
            .find(|e| e.endpoint == "ep-a")
            .unwrap()
            .state,
        CheckState::Ok
    );

    // 4. A silence: shown, not alerting; the down target counts as silenced with it.
    let silence = am
        .silence(
            &[("alertname", "TargetDown"), ("instance", b.as_str())],
            Duration::from_secs(600),
        )
        .unwrap();
    am.wait_alert(
        "TargetDown",
        "suppressed",
        &[&format!("\"instance\":\"{b}\"")],
        wait,
    )
    .unwrap();
    let (r, _) = read(&source);
    let r = r.unwrap();
    let e = r.endpoints.iter().find(|e| e.endpoint == "ep-b").unwrap();
    let down = find(&e.results, ResultKind::Alert, "TargetDown");
    assert!(down.silenced, "{down:?}");
    assert_eq!(down.state, CheckState::Crit);
    let up_b = find(&e.results, ResultKind::Up, "nodeb");
    assert!(up_b.silenced, "{up_b:?}");
    assert!(up_b
        .message
        .contains("silenced in Alertmanager: TargetDown"));
    assert_eq!(e.state, CheckState::Ok, "silenced results do not alert");

    // 5. Without Alertmanager: Prometheus's own alerts, nothing known about silences.
    let mut prom_only = source.clone();
    prom_only.alertmanager_url = None;
    let (r, _) = read(&prom_only);
    let r = r.unwrap();
    assert_eq!(r.alerts_from, AlertsFrom::Prometheus);
    let e = r.endpoints.iter().find(|e| e.endpoint == "ep-b").unwrap();
    let down = find(&e.results, ResultKind::Alert, "TargetDown");
    assert!(!down.silenced && down.state == CheckState::Crit);
    assert!(down.since.is_some());
    assert_eq!(e.state, CheckState::Crit);
    am.expire_silence(&silence).unwrap();

    // 6. Alertmanager down: the read still works, from Prometheus, and says so.
    am.daemon.stop();
    let (r, took) = read(&source);
    let r = r.unwrap();
    eprintln!("read (Alertmanager down) took {took:?}: {:?}", r.warnings);
    assert_eq!(r.alerts_from, AlertsFrom::Prometheus);
    assert!(
        r.warnings[0].starts_with(
            "alerts are Prometheus's own, silences are not known: cannot reach Alertmanager at http://127.0.0.1:"
        ) && r.warnings[0].contains("connection refused"),
        "{:?}",
        r.warnings
    );
    assert_eq!(
        find(results(&r, "ep-b"), ResultKind::Alert, "TargetDown").state,
        CheckState::Crit
    );

    // 7. Prometheus down: a clear error, at once.
    p.daemon.stop();
    let (r, took) = read(&source);
    let e = r.unwrap_err();
    eprintln!("read (Prometheus down) took {took:?}: {e}");
    assert!(matches!(e, SourceError::Unreachable { .. }), "{e:?}");
    assert!(e
        .to_string()
        .starts_with("cannot reach Prometheus at http://127.0.0.1:"));
    assert!(e.to_string().contains("connection refused"), "{e}");
    assert!(took < Duration::from_secs(2));
    eprintln!("whole stack test {:?}", t0.elapsed());
}

fn hostile_source(h: &hostile_prom::Hostile, case: &str) -> PromSource {
    let mut s = PromSource::new(h.url(case));
    s.timeout = Duration::from_secs(1);
    s
}

fn fleet_lo() -> Fleet {
    fleet(vec![endpoint("lo", "127.0.0.1", vec![])])
}

#[test]
fn hostile_servers_give_clear_errors_in_bounded_time() {
    let h = hostile_prom::Hostile::start().unwrap();
    let rt = runtime();
    let client = source_prom::client().unwrap();
    let fleet = fleet_lo();
    let fail = |source: &PromSource, secret: Option<&str>| {
        let started = Instant::now();
        let e = rt
            .block_on(source_prom::read(&client, source, secret, &fleet))
            .unwrap_err();
        let took = started.elapsed();
        eprintln!("{took:>12?}  {e}");
        assert!(took < Duration::from_millis(2500), "{took:?}: {e}");
        (e, took)
    };
    let text = |e: &SourceError| e.to_string();

    let (e, _) = fail(&hostile_source(&h, "html"), None);
    assert!(matches!(e, SourceError::NotPrometheus { .. }), "{e:?}");
    assert!(text(&e).contains("HTML page \"Sign in - Acme SSO\""), "{e}");

    let mut with_token = hostile_source(&h, "auth");
    with_token.auth = Auth::Bearer;
    let (e, _) = fail(&with_token, Some("s3cret-token"));
    assert!(
        matches!(
            e,
            SourceError::AuthRefused {
                status: 401,
                sent_credentials: true,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(!format!("{e} {e:?}").contains("s3cret"));
    // Whichever of the two concurrent requests was answered first carried the token.
    assert!(h.heads().iter().any(|head| head.contains("/auth/api/v1/")
        && head
            .to_lowercase()
            .contains("authorization: bearer s3cret-token")));
    let (e, _) = fail(&hostile_source(&h, "auth"), None);
    assert!(text(&e).contains("without credentials"), "{e}");

    let (e, _) = fail(&hostile_source(&h, "redirect"), None);
    assert!(matches!(e, SourceError::NotPrometheus { .. }), "{e:?}");
    assert!(text(&e).contains("redirects (HTTP 302) to \"https://sso.acme.example/oauth2/start"));
    let (e, _) = fail(&hostile_source(&h, "badhead"), None);
    assert!(matches!(e, SourceError::NotPrometheus { .. }), "{e:?}");
    assert!(text(&e).contains("not valid HTTP"), "{e}");

    let (e, _) = fail(&hostile_source(&h, "apierr"), None);
    assert!(
        matches!(&e, SourceError::Api { status: 400, error_type, .. } if error_type == "bad_data"),
        "{e:?}"
    );
    assert!(!text(&e).contains('\u{1b}') && text(&e).contains("boom"));

    let (e, _) = fail(&hostile_source(&h, "badjson"), None);
    assert!(matches!(e, SourceError::MalformedJson { .. }), "{e:?}");
    let (e, _) = fail(&hostile_source(&h, "notjson"), None);
    assert!(matches!(e, SourceError::NotPrometheus { .. }), "{e:?}");
    let (e, _) = fail(&hostile_source(&h, "otherjson"), None);
    assert!(matches!(e, SourceError::NotPrometheus { .. }), "{e:?}");
    let (e, _) = fail(&hostile_source(&h, "nothing-here"), None);
    assert!(matches!(e, SourceError::Http { status: 404, .. }), "{e:?}");

    // 50 MB: refused from its Content-Length, or counted while read; a gzip bomb counted
    // after inflation. Default 32 MiB limit.
    for case in ["big", "bigchunked", "gzipbomb"] {
        let mut s = hostile_source(&h, case);
        s.timeout = Duration::from_secs(10);
        let (e, _) = fail(&s, None);
        assert!(matches!(e, SourceError::TooLarge { .. }), "{case}: {e:?}");
        assert!(text(&e).contains("more than 32 MiB"), "{e}");
    }

    // A slow drip and a server that never answers: the timeout (1 s) holds.
    for case in ["drip", "hang"] {
        let (e, took) = fail(&hostile_source(&h, case), None);
        assert!(
            matches!(e, SourceError::Timeout { after_ms: 1000, .. }),
            "{case}: {e:?}"
        );
        assert!(took >= Duration::from_millis(950), "{took:?}");
        assert!(text(&e).contains("within 1 s"), "{e}");
    }

    // Nothing listens: refused at once.
    let port = prom::free_port().unwrap();
    let (e, took) = fail(&PromSource::new(format!("http://127.0.0.1:{port}/")), None);
    assert!(matches!(e, SourceError::Unreachable { .. }), "{e:?}");
    assert!(text(&e).contains("connection refused"), "{e}");
    assert!(took < Duration::from_millis(500));

    // Errors serialise for the UI with their kind.
    let json = serde_json::to_value(&e).unwrap();
    assert_eq!(json["kind"], "unreachable");
    assert_eq!(json["service"], "Prometheus");
}

#[test]
fn hostile_text_is_cleaned_and_bounded() {
    let h = hostile_prom::Hostile::start().unwrap();
    let rt = runtime();
    let client = source_prom::client().unwrap();
    let fleet = fleet_lo();
    for with_am in [false, true] {
        let mut s = hostile_source(&h, "hostile");
        if with_am {
            s.alertmanager_url = Some(h.url("hostile"));
        }
        let r = rt
            .block_on(source_prom::read(&client, &s, None, &fleet))
            .unwrap();
        let all = serde_json::to_string(&r).unwrap();
        for bad in ['\u{0}', '\u{1b}', '\u{7}', '\u{202e}', '\r', '\n'] {
            assert!(!all.contains(bad), "{bad:?} in {all}");
        }
        let lo = results(&r, "lo");
        let up = find(lo, ResultKind::Up, "node<script> [2J");
        assert_eq!(up.state, CheckState::Ok);
        let alert = lo.iter().find(|x| x.kind == ResultKind::Alert).unwrap();
        assert_eq!(alert.name, "Evil Alert");
        assert!(alert.message.chars().count() <= 301);
        assert_eq!(alert.since, Some(1_795_559_107));
        if with_am {
            assert!(alert.silenced && alert.state == CheckState::Warn);
            assert!(alert.message.starts_with("AAAA") && alert.message.ends_with('…'));
        } else {
            assert!(!alert.silenced && alert.state == CheckState::Crit);
            // Markup stays text (the UI renders text); escapes and controls are gone.
            assert!(
                alert.message.starts_with(
                    "<script>alert('x')</script><img src=x onerror=alert(1)> [31mred [0m evil second line"
                ),
                "{}",
                alert.message
            );
        }
        // The series with a 200 kB hostile instance label is unmatched, its text bounded.
        assert_eq!(r.unmatched_count, 1);
        assert!(r.unmatched[0].series.chars().count() <= 101);
        assert!(r.unmatched[0].reason.chars().count() <= 301);
        assert!(all.len() < 4000, "{}", all.len());
    }
}
