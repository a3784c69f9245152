//! Edits through FleetChange: validated as a whole, cascading deletes, clear refusals.

use fieldline_core::fleet_file::parse;
use fieldline_core::{ChangeError, Customer, FleetChange};

fn fleet() -> fieldline_core::Fleet {
    parse("f.toml", crate::fleet_file::EXAMPLE).expect("valid")
}

#[test]
fn deleting_a_customer_takes_its_sites_and_endpoints() {
    let next = FleetChange::DeleteCustomer { id: "acme".into() }
        .apply(&fleet())
        .expect("deleted");
    assert!(next.is_empty());
}

#[test]
fn deleting_an_endpoint_others_depend_on_is_refused_and_says_who() {
    let err = FleetChange::DeleteEndpoint {
        id: "acme-bastion".into(),
    }
    .apply(&fleet())
    .expect_err("web1 jumps through it");
    let ChangeError::Invalid(issues) = err else {
        panic!("{err:?}")
    };
    assert_eq!(issues[0].field, "endpoints.acme-web1.ssh.jump");
}

#[test]
fn creating_an_existing_id_is_refused() {
    let err = FleetChange::CreateCustomer {
        customer: Customer {
            id: "acme".into(),
            name: "Other".into(),
            notes: String::new(),
            demo: false,
        },
    }
    .apply(&fleet())
    .expect_err("duplicate");
    assert!(matches!(err, ChangeError::AlreadyExists { .. }), "{err:?}");
}

#[test]
fn updating_a_missing_entity_is_not_found() {
    let err = FleetChange::UpdateCustomer {
        customer: Customer {
            id: "ghost".into(),
            name: "Ghost".into(),
            notes: String::new(),
            demo: false,
        },
    }
    .apply(&fleet())
    .expect_err("missing");
    assert!(matches!(err, ChangeError::NotFound { .. }), "{err:?}");
}

#[test]
fn a_three_endpoint_jump_cycle_is_reported_once_with_its_path() {
    let mut f = fleet();
    f.endpoints.iter_mut().for_each(|e| {
        e.ssh.jump = Some(match e.id.as_str() {
            "acme-router" => "acme-bastion".into(),
            "acme-bastion" => "acme-web1".into(),
            _ => "acme-router".into(),
        })
    });
    let issues = fieldline_core::validate::validate(&f);
    assert_eq!(issues.len(), 1, "{issues:?}");
    assert!(
        issues[0]
            .message
            .contains("acme-bastion → acme-web1 → acme-router → acme-bastion"),
        "{}",
        issues[0].message
    );
}

#[test]
fn the_demo_fleet_is_valid_and_labelled_demo() {
    let demo = fieldline_core::demo::fleet();
    assert!(fieldline_core::validate::validate(&demo).is_empty());
    assert!(demo.customers.iter().all(|c| c.demo));
    assert!(demo.endpoints.len() >= 6);
}
