//! Routes built from the fleet: jumps followed, cycles and missing profiles refused.

#![allow(clippy::unwrap_used)]

use fieldline_core::{Endpoint, Fleet, SshSettings};
use fieldline_ssh::connect::route_for;
use fieldline_ssh::error::SshError;
use fieldline_ssh::profile::{AuthMethod, CredentialProfile};

fn endpoint(id: &str, host: &str, ssh: SshSettings) -> Endpoint {
    Endpoint {
        id: id.into(),
        site: "s".into(),
        name: String::new(),
        host: host.into(),
        tags: vec![],
        notes: String::new(),
        parent: None,
        ssh,
        checks: vec![],
    }
}

fn ssh(jump: Option<&str>, credential: Option<&str>, user: Option<&str>) -> SshSettings {
    SshSettings {
        user: user.map(Into::into),
        port: None,
        jump: jump.map(Into::into),
        credential: credential.map(Into::into),
    }
}

fn profiles(name: &str) -> Option<CredentialProfile> {
    (name == "ops" || name == "bastion").then(|| CredentialProfile {
        name: name.into(),
        user: (name == "bastion").then(|| "jumper".to_string()),
        method: AuthMethod::Agent,
    })
}

#[test]
fn jumps_are_followed_first_and_users_fall_back() {
    let mut bastion = endpoint(
        "bastion",
        "bastion.example",
        ssh(None, Some("bastion"), None),
    );
    bastion.ssh.port = Some(2222);
    let fleet = Fleet {
        endpoints: vec![
            bastion,
            endpoint(
                "inner",
                "[10.0.0.5]",
                ssh(Some("bastion"), Some("ops"), None),
            ),
            endpoint(
                "db",
                "10.0.1.9",
                ssh(Some("inner"), Some("ops"), Some("dba")),
            ),
        ],
        ..Fleet::default()
    };
    let route = route_for(&fleet, "db", &profiles, Some("tech")).unwrap();
    let got: Vec<(String, String, u16, String)> = route
        .hops
        .iter()
        .map(|h| (h.label.clone(), h.host.clone(), h.port, h.user.clone()))
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "bastion".into(),
                "bastion.example".into(),
                2222,
                "jumper".into()
            ),
            ("inner".into(), "10.0.0.5".into(), 22, "tech".into()),
            ("db".into(), "10.0.1.9".into(), 22, "dba".into()),
        ]
    );
}

#[test]
fn cycles_missing_jumps_and_missing_profiles_are_refused() {
    let fleet = Fleet {
        endpoints: vec![
            endpoint("a", "a", ssh(Some("b"), Some("ops"), None)),
            endpoint("b", "b", ssh(Some("a"), Some("ops"), None)),
            endpoint("c", "c", ssh(Some("gone"), Some("ops"), None)),
            endpoint("d", "d", ssh(None, Some("nope"), None)),
            endpoint("e", "e", ssh(None, None, None)),
        ],
        ..Fleet::default()
    };
    let msg = |id: &str| match route_for(&fleet, id, &profiles, Some("tech")).unwrap_err() {
        SshError::Route(m) => m,
        other => panic!("{other:?}"),
    };
    assert!(msg("a").contains("circle"), "{}", msg("a"));
    assert!(msg("a").contains("a -> b -> a"), "{}", msg("a"));
    assert!(msg("c").contains("\"gone\""), "{}", msg("c"));
    assert!(msg("d").contains("\"nope\"") && msg("d").contains("does not exist"));
    assert!(
        msg("e").contains("no SSH credential profile"),
        "{}",
        msg("e")
    );
    assert!(msg("zzz").contains("no endpoint"), "{}", msg("zzz"));
    // No user anywhere.
    let fleet = Fleet {
        endpoints: vec![endpoint("x", "x", ssh(None, Some("ops"), None))],
        ..Fleet::default()
    };
    assert!(route_for(&fleet, "x", &profiles, None).is_err());
}
