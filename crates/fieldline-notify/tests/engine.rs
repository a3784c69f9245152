//! Notification rounds from a real store to a real dunst (private bus, Xvfb): what the
//! daemon received, grouped per customer, never twice, never in quiet hours, never for a
//! muted customer. Nothing is mocked.
// dunst, D-Bus and Xvfb are Linux parts; the file is empty elsewhere, so that the Windows
// leg (scripts/windows/test-under-wine.sh) can build fieldline-monitor's `engine` test,
// which cargo selects by the same name.
#![cfg(unix)]

#[path = "support/dunst.rs"]
mod dunst;

use dunst::{Dunst, Received};
use fieldline_notify::desktop::Desktop;
use fieldline_notify::engine::{self, round};
use fieldline_notify::plan::{Held, NotifySettings};
use fieldline_sla::Priority;
use fieldline_store::tickets::{NewTicket, SlaSource};
use fieldline_store::Store;
use jiff::Timestamp;
use std::time::Duration;

const FLEET: &str = r#"
[[customers]]
id = "acme"
name = "ACME Corp"

[[customers]]
id = "busan"
name = "Busan Clinic"
"#;

const SLA: &str = include_str!("../../../tests/fixtures/sla.toml");

fn ts(s: &str) -> Timestamp {
    s.parse().expect("time")
}

fn kst(hm: &str) -> Timestamp {
    ts(&format!("2026-11-24T{hm}:00+09:00"))
}

fn ticket(store: &mut Store, customer: &str, priority: Priority, title: &str, at: &str) {
    store
        .open_ticket(
            NewTicket {
                customer: customer.into(),
                endpoint: None,
                title: title.into(),
                priority,
                policy: None,
            },
            kst(at),
        )
        .expect("ticket");
}

/// A store in a temp folder with two customers and the test SLA policy.
fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = Store::open(dir.path()).expect("store");
    store
        .import_fleet_file("fleet.toml", FLEET, false)
        .expect("fleet");
    store
        .import_sla_config(SlaSource {
            file_name: "sla.toml".into(),
            text: SLA.into(),
            includes: Default::default(),
        })
        .expect("sla");
    (dir, store)
}

/// Notify calls whose summary starts with `prefix`, after `seen` earlier calls.
fn new_calls(dunst: &Dunst, seen: usize) -> Vec<Received> {
    dunst.received().into_iter().skip(seen).collect()
}

#[test]
fn rounds_group_per_customer_never_repeat_and_hold_quiet_hours_and_mutes() {
    let dunst = Dunst::start().unwrap_or_else(|e| panic!("{e}"));
    let (_dir, mut store) = store();
    // Tuesday in Seoul. P2: first response 2 h, resolution 4 h; P3: 4 h and 16 h.
    ticket(
        &mut store,
        "acme",
        Priority::P2,
        "Mail <b>down</b>",
        "09:00",
    );
    ticket(&mut store, "acme", Priority::P3, "Printer", "09:00");
    ticket(&mut store, "busan", Priority::P2, "X-ray PC", "10:30");
    let desktop = Desktop::new("Fieldline");
    let mut settings = NotifySettings {
        timezone: Some("Asia/Seoul".into()),
        ..NotifySettings::default()
    };
    engine::save_settings(&mut store, &settings).expect("settings");

    // 11:10: acme #1's first response breached, its resolution and #2's first response
    // past half. Busan's clock is at a third: nothing.
    let r = round(&mut store, &desktop, kst("11:10")).expect("round");
    assert_eq!(r.shown.len(), 1, "{r:?}");
    let got = dunst
        .wait_for(
            |r| r.summary.starts_with("ACME Corp") && r.id.is_some(),
            dunst::WAIT,
        )
        .expect("acme notified");
    assert_eq!(got.summary, "ACME Corp: 1 SLA breach, 2 SLA warnings");
    let lines: Vec<&str> = got.body.lines().collect();
    assert_eq!(
        lines,
        [
            "#1 Mail &lt;b&gt;down&lt;/b&gt; (P2): first response breached",
            "#1 Mail &lt;b&gt;down&lt;/b&gt; (P2): resolution at 50%",
            "#2 Printer (P3): first response at 50%",
        ]
    );
    assert_eq!(got.urgency, Some(2));
    assert_eq!(got.actions, ["default", "Open"]);
    assert_eq!(
        new_calls(&dunst, 0).len(),
        1,
        "one notification for one customer"
    );

    // Two minutes later nothing has moved up a level: nothing new on the desktop.
    let r = round(&mut store, &desktop, kst("11:12")).expect("round");
    assert!(r.shown.is_empty() && r.held.is_empty(), "{r:?}");
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(new_calls(&dunst, 0).len(), 1);

    // Quiet hours 11:20-12:00 in Seoul: busan's clock passes half at 11:30, and is held.
    settings.quiet_from = Some("11:20".into());
    settings.quiet_to = Some("12:00".into());
    engine::save_settings(&mut store, &settings).expect("settings");
    let r = round(&mut store, &desktop, kst("11:45")).expect("round");
    assert!(r.shown.is_empty(), "{r:?}");
    assert_eq!(r.held.len(), 1);
    assert_eq!(r.held[0].1, Held::QuietHours);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        new_calls(&dunst, 0).len(),
        1,
        "nothing reaches the daemon in quiet hours"
    );
    let centre = store.notification_centre(10).expect("centre");
    assert_eq!(centre[0].summary, "Busan Clinic: 1 SLA warning");
    assert_eq!(
        (centre[0].shown, centre[0].held.as_str()),
        (false, "quiet_hours")
    );

    // 12:05, quiet hours over: busan is past 75 % now and is shown; acme's resolution
    // clock has passed 75 % too (3 h 05 of 4 h).
    // The app restarts meanwhile: the store tells the new sender what is on the screen.
    let desktop = Desktop::new("Fieldline");
    engine::restore_on_screen(&store, &desktop).expect("restore");
    let r = round(&mut store, &desktop, kst("12:05")).expect("round");
    assert_eq!(r.shown.len(), 2, "{r:?}");
    let busan = dunst
        .wait_for(|r| r.summary.starts_with("Busan Clinic"), dunst::WAIT)
        .expect("busan notified after quiet hours");
    assert_eq!(busan.summary, "Busan Clinic: 1 SLA warning");
    assert_eq!(busan.body, "#3 X-ray PC (P2): first response at 75%");
    let acme = dunst
        .wait_for(|r| r.body.contains("resolution at 75%"), dunst::WAIT)
        .expect("acme's second notification");
    assert_eq!(
        acme.replaces_id,
        got.id.expect("first id"),
        "the customer's notification is replaced, not stacked, also after a restart"
    );

    // Muted: busan's breach at 12:30 stays in the centre only.
    settings.muted_customers.insert("busan".into());
    engine::save_settings(&mut store, &settings).expect("settings");
    let seen = dunst.received().len();
    let r = round(&mut store, &desktop, kst("12:31")).expect("round");
    assert!(
        r.shown.iter().all(|o| !o.summary.starts_with("Busan")),
        "{r:?}"
    );
    assert!(r
        .held
        .iter()
        .any(|(o, why)| *why == Held::Muted
            && o.summary == "Busan Clinic: 1 SLA breach, 1 SLA warning"));
    std::thread::sleep(Duration::from_millis(300));
    assert!(new_calls(&dunst, seen)
        .iter()
        .all(|r| !r.summary.starts_with("Busan")));
}

#[test]
fn without_a_daemon_the_round_keeps_the_notification_in_the_centre_with_why() {
    // A bus with nothing that shows notifications on it.
    let bus = dunst::PrivateBus::start().unwrap_or_else(|e| panic!("{e}"));
    let _export = dunst::SessionBusExport::new(bus.address());
    let (_dir, mut store) = store();
    ticket(&mut store, "acme", Priority::P2, "Mail", "09:00");
    let r = round(&mut store, &Desktop::new("Fieldline"), kst("11:10")).expect("round");
    assert_eq!(r.failed.len(), 1, "{r:?}");
    assert!(
        r.failed[0].1.contains("no notification daemon"),
        "{}",
        r.failed[0].1
    );
    let centre = store.notification_centre(10).expect("centre");
    assert!(!centre[0].shown);
    assert!(centre[0].held.contains("no notification daemon"));
}
