//! The demo fleet a newcomer can load on first run: two fictional customers, clearly
//! labelled as demo, whose endpoints live on loopback so `fieldline demo` can answer for them.

use crate::model::{Check, CheckKind, Customer, Endpoint, Fleet, Site, SshSettings};
use std::collections::BTreeMap;

/// Loopback ports the demo simulator listens on; the demo fleet's checks point at them.
pub const DEMO_HTTP_PORT: u16 = 47801;
pub const DEMO_TCP_PORT: u16 = 47802;
pub const DEMO_DOWN_PORT: u16 = 47803;

fn check(kind: CheckKind, params: &[(&str, serde_json::Value)]) -> Check {
    Check {
        kind,
        params: params
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect::<BTreeMap<_, _>>(),
    }
}

fn http(path: &str) -> Check {
    check(
        CheckKind::Http,
        &[
            (
                "url",
                format!("http://127.0.0.1:{DEMO_HTTP_PORT}{path}").into(),
            ),
            // The simulator's slow server answers in 1.5 s: a warning, as it would be.
            ("warn_ms", 1000.into()),
        ],
    )
}

fn tcp(port: u16) -> Check {
    check(
        CheckKind::Tcp,
        &[("host", "127.0.0.1".into()), ("port", port.into())],
    )
}

#[allow(clippy::too_many_arguments)]
fn endpoint(
    id: &str,
    site: &str,
    name: &str,
    tags: &[&str],
    parent: Option<&str>,
    jump: Option<&str>,
    checks: Vec<Check>,
) -> Endpoint {
    Endpoint {
        id: id.into(),
        site: site.into(),
        name: name.into(),
        host: "127.0.0.1".into(),
        tags: tags.iter().map(|t| t.to_string()).collect(),
        notes: "Demo endpoint answered by `fieldline demo` on loopback.".into(),
        parent: parent.map(Into::into),
        ssh: SshSettings {
            user: Some("demo".into()),
            port: Some(22),
            jump: jump.map(Into::into),
            credential: None,
        },
        checks,
    }
}

/// The demo fleet. Every customer carries `demo = true`.
pub fn fleet() -> Fleet {
    let customers = vec![
        Customer {
            id: "demo-hanbit".into(),
            name: "Hanbit Logistics (demo)".into(),
            notes: "Demo customer: a logistics company with a head office and a warehouse.".into(),
            demo: true,
        },
        Customer {
            id: "demo-seorin".into(),
            name: "Seorin Dental Clinic (demo)".into(),
            notes: "Demo customer: a small clinic with one site.".into(),
            demo: true,
        },
    ];
    let sites = vec![
        Site {
            id: "demo-hanbit-seoul".into(),
            customer: "demo-hanbit".into(),
            name: "Seoul head office".into(),
            timezone: "Asia/Seoul".into(),
            notes: String::new(),
        },
        Site {
            id: "demo-hanbit-incheon".into(),
            customer: "demo-hanbit".into(),
            name: "Incheon warehouse".into(),
            timezone: "Asia/Seoul".into(),
            notes: String::new(),
        },
        Site {
            id: "demo-seorin-busan".into(),
            customer: "demo-seorin".into(),
            name: "Busan clinic".into(),
            timezone: "Asia/Seoul".into(),
            notes: String::new(),
        },
    ];
    let endpoints = vec![
        endpoint(
            "demo-hanbit-router",
            "demo-hanbit-seoul",
            "Core router",
            &["network", "router"],
            None,
            None,
            vec![tcp(DEMO_TCP_PORT)],
        ),
        endpoint(
            "demo-hanbit-bastion",
            "demo-hanbit-seoul",
            "SSH bastion",
            &["linux", "bastion"],
            Some("demo-hanbit-router"),
            None,
            vec![tcp(DEMO_TCP_PORT)],
        ),
        endpoint(
            "demo-hanbit-web1",
            "demo-hanbit-seoul",
            "Web server",
            &["linux", "web"],
            Some("demo-hanbit-router"),
            Some("demo-hanbit-bastion"),
            vec![http("/health")],
        ),
        endpoint(
            "demo-hanbit-db1",
            "demo-hanbit-seoul",
            "Database",
            &["linux", "db"],
            Some("demo-hanbit-router"),
            Some("demo-hanbit-bastion"),
            vec![tcp(DEMO_TCP_PORT)],
        ),
        endpoint(
            "demo-hanbit-wms",
            "demo-hanbit-incheon",
            "Warehouse system",
            &["windows", "wms"],
            None,
            Some("demo-hanbit-bastion"),
            vec![http("/slow")],
        ),
        endpoint(
            "demo-hanbit-nas",
            "demo-hanbit-incheon",
            "Backup NAS",
            &["storage", "backup"],
            None,
            None,
            vec![tcp(DEMO_DOWN_PORT)],
        ),
        endpoint(
            "demo-seorin-fw",
            "demo-seorin-busan",
            "Firewall",
            &["network", "firewall"],
            None,
            None,
            vec![tcp(DEMO_TCP_PORT)],
        ),
        endpoint(
            "demo-seorin-pms",
            "demo-seorin-busan",
            "Practice management server",
            &["windows", "pms"],
            Some("demo-seorin-fw"),
            None,
            vec![http("/error")],
        ),
    ];
    let mut fleet = Fleet {
        customers,
        sites,
        endpoints,
    };
    fleet.normalize();
    fleet
}

/// The demo customers' SLA configuration (a policy file): Seoul office hours with a
/// lunch break, and a 24/7 P1.
pub const SLA_POLICY_FILE: &str = r#"# Demo SLA configuration (labelled demo: its customers are the demo fleet's).
[[calendars]]
id = "demo-seoul"
timezone = "Asia/Seoul"
mon = ["09:00-12:00", "13:00-18:00"]
tue = ["09:00-12:00", "13:00-18:00"]
wed = ["09:00-12:00", "13:00-18:00"]
thu = ["09:00-12:00", "13:00-18:00"]
fri = ["09:00-12:00", "13:00-18:00"]
holidays = ["2026-12-25", "2027-01-01"]

[[policies]]
id = "demo-standard"
calendar = "demo-seoul"
P1 = { first_response = "30m", resolution = "4h", around_the_clock = true }
P2 = { first_response = "1h", resolution = "8h" }
P3 = { first_response = "4h", resolution = "24h" }
P4 = { first_response = "8h", resolution = "80h" }

[contracts]
demo-hanbit = "demo-standard"
demo-seorin = "demo-standard"
"#;
