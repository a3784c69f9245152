//! Imports from untrusted input: planned without writing, written only as approved.

use fieldline_core::csv_import::{CsvOptions, EndpointField};
use fieldline_core::{Check, CheckKind, FleetChange, Risk};
use fieldline_store::{Store, StoreError};

const FLEET: &str = include_str!("../../../tests/fixtures/acme.toml");

fn open() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("tmp");
    let store = Store::open(dir.path()).expect("open");
    (dir, store)
}

fn invalid(e: StoreError) -> Vec<fieldline_core::FleetIssue> {
    match e {
        StoreError::Invalid(issues) => issues,
        other => panic!("expected Invalid, got {other:?}"),
    }
}

#[test]
fn a_fleet_file_is_planned_without_writing_and_written_only_as_approved() {
    let (_dir, mut store) = open();
    let (counts, risks) = store
        .plan_fleet_file("acme.toml", FLEET, false)
        .expect("plan");
    assert_eq!(counts.endpoints, 3);
    assert_eq!(
        risks,
        vec![
            Risk::CredentialProfile {
                endpoint: "acme-web1".into(),
                profile: "acme-ops".into(),
                host: "10.0.0.5".into(),
                user: Some("ops".into()),
                port: Some(22),
            },
            Risk::JumpHost {
                endpoint: "acme-web1".into(),
                jump: "acme-bastion".into(),
                jump_host: "10.0.0.2".into(),
            },
        ]
    );
    assert!(store.fleet().expect("fleet").is_empty(), "plan wrote");

    // No approval: refused, each item named, nothing written.
    let issues = invalid(
        store
            .import_fleet_file_approved("acme.toml", FLEET, false, &[])
            .expect_err("refused"),
    );
    assert_eq!(issues.len(), 2, "{issues:#?}");
    assert_eq!(issues[0].field, "endpoints.acme-web1.ssh.credential");
    assert!(issues[0].message.contains("acme-ops"), "{issues:?}");
    assert!(store.fleet().expect("fleet").is_empty());

    // Approved as planned: written; the same file again needs nothing.
    store
        .import_fleet_file_approved("acme.toml", FLEET, false, &risks)
        .expect("approved import");
    assert_eq!(store.fleet().expect("fleet").endpoints.len(), 3);
    let (_, again) = store
        .plan_fleet_file("acme.toml", FLEET, false)
        .expect("plan");
    assert_eq!(again, Vec::new());
    store
        .import_fleet_file_approved("acme.toml", FLEET, false, &[])
        .expect("nothing new");
}

/// Only web1, pointing at the store's bastion.
const WEB1: &str = "[[endpoints]]
id = \"acme-web1\"
site = \"acme-hq\"
host = \"10.0.0.5\"
ssh = { jump = \"acme-bastion\", credential = \"acme-ops\" }
";

#[test]
fn a_fleet_changed_between_plan_and_write_is_refused() {
    let (dir, mut store) = open();
    let base = FLEET
        .split("[[endpoints]]\nid = \"acme-web1\"")
        .next()
        .expect("head");
    store
        .import_fleet_file("base.toml", base, false)
        .expect("base");
    let (_, risks) = store
        .plan_fleet_file("web1.toml", WEB1, false)
        .expect("plan");
    assert!(
        risks.contains(&Risk::JumpHost {
            endpoint: "acme-web1".into(),
            jump: "acme-bastion".into(),
            jump_host: "10.0.0.2".into(),
        }),
        "{risks:?}"
    );
    // Meanwhile another process moves the bastion elsewhere.
    let mut other = Store::open(dir.path()).expect("second connection");
    let mut bastion = other
        .fleet()
        .expect("fleet")
        .endpoint("acme-bastion")
        .expect("bastion")
        .clone();
    bastion.host = "203.0.113.7".into();
    other
        .apply(FleetChange::UpdateEndpoint { endpoint: bastion })
        .expect("moved");
    let before = store.fleet().expect("fleet");
    let issues = invalid(
        store
            .import_fleet_file_approved("web1.toml", WEB1, false, &risks)
            .expect_err("refused"),
    );
    assert!(
        issues
            .iter()
            .any(|i| i.message.contains("203.0.113.7") && i.message.contains("not given")),
        "{issues:#?}"
    );
    assert!(
        issues
            .iter()
            .any(|i| i.message.contains("10.0.0.2") && i.message.contains("no longer does this")),
        "{issues:#?}"
    );
    assert_eq!(store.fleet().expect("fleet"), before);
    assert!(before.endpoint("acme-web1").is_none());
}

#[test]
fn a_change_from_the_window_adding_a_command_needs_approval() {
    let (_dir, mut store) = open();
    store
        .import_fleet_file("acme.toml", FLEET, false)
        .expect("trusted import");
    let mut web = store
        .fleet()
        .expect("fleet")
        .endpoint("acme-web1")
        .expect("web1")
        .clone();
    web.checks.push(Check {
        kind: CheckKind::SshCommand,
        params: [("command".to_string(), serde_json::json!("touch /tmp/owned"))]
            .into_iter()
            .collect(),
    });
    let change = FleetChange::UpdateEndpoint { endpoint: web };
    let risks = store.plan_change(&change).expect("plan");
    assert!(
        matches!(&risks[..], [Risk::SshCommand { command, check: 1, .. }] if command == "touch /tmp/owned"),
        "{risks:?}"
    );
    let before = store.fleet().expect("fleet");
    invalid(
        store
            .apply_approved(change.clone(), &[])
            .expect_err("refused"),
    );
    assert_eq!(store.fleet().expect("fleet"), before);
    let after = store.apply_approved(change, &risks).expect("approved");
    assert_eq!(after.endpoint("acme-web1").expect("web1").checks.len(), 2);
}

#[test]
fn a_csv_binding_endpoints_to_a_profile_needs_approval() {
    let (_dir, mut store) = open();
    store
        .import_fleet_file("acme.toml", FLEET, false)
        .expect("trusted import");
    let csv = b"id,host,credential\nnew-1,10.0.0.30,acme-ops\nnew-2,10.0.0.31,\n";
    let options = CsvOptions {
        mapping: vec![
            Some(EndpointField::Id),
            Some(EndpointField::Host),
            Some(EndpointField::SshCredential),
        ],
        default_site: Some("acme-hq".into()),
        allow_partial: false,
    };
    let (report, risks) = store.plan_csv("hosts.csv", csv, &options).expect("plan");
    assert!(report.imported);
    assert_eq!(report.created, 2);
    assert!(
        matches!(&risks[..], [Risk::CredentialProfile { endpoint, profile, .. }] if endpoint == "new-1" && profile == "acme-ops"),
        "{risks:?}"
    );
    assert!(store.fleet().expect("fleet").endpoint("new-1").is_none());
    invalid(
        store
            .import_csv_approved("hosts.csv", csv, &options, &[])
            .expect_err("refused"),
    );
    assert!(store.fleet().expect("fleet").endpoint("new-1").is_none());
    let report = store
        .import_csv_approved("hosts.csv", csv, &options, &risks)
        .expect("approved");
    assert!(report.imported);
    assert!(store.fleet().expect("fleet").endpoint("new-1").is_some());
}
