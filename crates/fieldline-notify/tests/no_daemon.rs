//! Without a session bus, or with a bus but no notification daemon on it, `show` fails with
//! a clear error and does not panic. A binary of its own: it points this process's
//! session bus elsewhere.

#[path = "support/dunst.rs"]
mod dunst;

use dunst::{PrivateBus, SessionBusExport};
use fieldline_notify::desktop::{Desktop, NotifyError};
use fieldline_notify::plan::{Outgoing, Urgency};

fn secret_bearing() -> Outgoing {
    Outgoing {
        group: "sla:acme".to_owned(),
        summary: "SLA breached".to_owned(),
        body: "body text that must not leak into errors".to_owned(),
        urgency: Urgency::Critical,
        open: Some("ticket:12".to_owned()),
    }
}

#[test]
fn no_session_bus_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join("no-bus-here");
    let _env = SessionBusExport::new(&format!("unix:path={}", missing.display()));

    let error = Desktop::new("Fieldline")
        .show(&secret_bearing())
        .expect_err("no bus, no notification");

    println!("{error}");
    assert!(matches!(error, NotifyError::NoDaemon { .. }), "{error:?}");
    assert!(
        error
            .to_string()
            .starts_with("no notification daemon: cannot reach the session bus"),
        "{error}"
    );
    assert!(!error.to_string().contains("must not leak"), "{error}");
}

#[test]
fn a_bus_without_a_notification_daemon_is_a_clear_error() {
    let bus = PrivateBus::start().unwrap_or_else(|e| panic!("{e}"));
    let _env = SessionBusExport::new(bus.address());

    let error = Desktop::new("Fieldline")
        .show(&secret_bearing())
        .expect_err("no daemon, no notification");

    println!("{error}");
    assert!(matches!(error, NotifyError::NoDaemon { .. }), "{error:?}");
    assert!(
        error
            .to_string()
            .starts_with("no notification daemon: nothing on the session bus shows notifications"),
        "{error}"
    );
    assert!(!error.to_string().contains("must not leak"), "{error}");
}
