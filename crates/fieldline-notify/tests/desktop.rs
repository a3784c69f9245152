//! The sender against a real dunst on a private bus and display: what crosses the bus, and
//! what dunst displays. Nothing is mocked.

#[path = "support/dunst.rs"]
mod dunst;

use dunst::{Dunst, MessageKind, WAIT};
use fieldline_notify::desktop::{Desktop, CATEGORY};
use fieldline_notify::plan::{Outgoing, Urgency};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime};

fn outgoing(group: &str, summary: &str, body: &str, urgency: Urgency) -> Outgoing {
    Outgoing {
        group: group.to_owned(),
        summary: summary.to_owned(),
        body: body.to_owned(),
        urgency,
        open: None,
    }
}

fn start() -> Dunst {
    Dunst::start().unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn a_notification_arrives_with_its_text_escaped_and_its_urgency() {
    let dunst = start();
    let desktop = Desktop::new("Fieldline");
    let hostile = r#"<a href="x">pwn</a> & <b>"#;
    let mut n = outgoing(
        "sla:acme",
        "SLA breached: ACME <i>#12</i>",
        hostile,
        Urgency::Critical,
    );
    n.open = Some("ticket:12".to_owned());

    let shown = desktop.show(&n).expect("shown");

    let got = dunst
        .wait_for(
            |r| r.summary.starts_with("SLA breached") && r.id.is_some(),
            WAIT,
        )
        .unwrap_or_else(|| panic!("no Notify on the bus: {:?}", dunst.messages()));
    assert_eq!(got.app_name, "Fieldline");
    assert_eq!(got.summary, "SLA breached: ACME <i>#12</i>");
    assert_eq!(
        got.body,
        r#"&lt;a href="x"&gt;pwn&lt;/a&gt; &amp; &lt;b&gt;"#
    );
    assert_eq!(got.urgency, Some(2), "critical");
    assert_eq!(got.category.as_deref(), Some(CATEGORY));
    assert_eq!(got.expire_timeout, 0, "critical never expires");
    assert_eq!(got.actions, ["default", "Open"]);
    assert_eq!(got.replaces_id, 0);
    assert_eq!(got.id, Some(shown.id));

    // dunst took the body as text: no markup error, no link pulled out of it, and the
    // message it renders still escapes every character of the original.
    assert_eq!(dunst.wait_for_displayed(1, WAIT).expect("count"), 1);
    let history = dunst.history().expect("history");
    let [entry] = history.as_slice() else {
        panic!("expected one notification in dunst's history: {history:?}");
    };
    assert_eq!(entry.body, got.body);
    assert!(
        entry
            .message
            .ends_with(r#"&lt;a href="x"&gt;pwn&lt;/a&gt; &amp; &lt;b&gt;"#),
        "{entry:?}"
    );
    assert!(!dunst.log().contains("markup"), "{}", dunst.log());
}

#[test]
fn low_and_normal_notifications_expire_as_the_daemon_decides() {
    let dunst = start();
    let desktop = Desktop::new("Fieldline");
    desktop
        .show(&outgoing("a", "low", "b", Urgency::Low))
        .expect("shown");
    desktop
        .show(&outgoing("b", "normal", "b", Urgency::Normal))
        .expect("shown");
    let low = dunst.wait_for(|r| r.summary == "low", WAIT).expect("low");
    let normal = dunst
        .wait_for(|r| r.summary == "normal", WAIT)
        .expect("normal");
    assert_eq!((low.urgency, low.expire_timeout), (Some(0), -1));
    assert_eq!((normal.urgency, normal.expire_timeout), (Some(1), -1));
    assert!(low.actions.is_empty(), "nothing to open, no action");
}

#[test]
fn a_repeat_of_a_group_replaces_its_notification() {
    let dunst = start();
    let desktop = Desktop::new("Fieldline");

    let first = desktop
        .show(&outgoing(
            "sla:acme",
            "first",
            "40 min left",
            Urgency::Normal,
        ))
        .expect("shown");
    assert_eq!(dunst.wait_for_displayed(1, WAIT).expect("count"), 1);
    let second = desktop
        .show(&outgoing(
            "sla:acme",
            "second",
            "10 min left",
            Urgency::Critical,
        ))
        .expect("shown");

    let sent = dunst
        .wait_for(|r| r.summary == "second", WAIT)
        .expect("second Notify");
    assert_eq!(
        sent.replaces_id, first.id,
        "the repeat names the notification it replaces"
    );
    assert_eq!(second.id, first.id, "dunst kept the id");

    // Still one on the screen, and it is the second.
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(dunst.wait_for_displayed(1, WAIT).expect("count"), 1);
    let history = dunst.history().expect("history");
    let summaries: Vec<&str> = history.iter().map(|e| e.summary.as_str()).collect();
    assert_eq!(summaries, ["second"]);
    assert_eq!(history[0].id, i64::from(first.id));
}

#[test]
fn different_groups_stack() {
    let dunst = start();
    let desktop = Desktop::new("Fieldline");
    let a = desktop
        .show(&outgoing("sla:acme", "acme", "due soon", Urgency::Normal))
        .expect("shown");
    let b = desktop
        .show(&outgoing(
            "sla:globex",
            "globex",
            "due soon",
            Urgency::Normal,
        ))
        .expect("shown");
    assert_ne!(a.id, b.id);
    let sent = dunst
        .wait_for(|r| r.summary == "globex", WAIT)
        .expect("Notify");
    assert_eq!(sent.replaces_id, 0);
    assert_eq!(dunst.wait_for_displayed(2, WAIT).expect("count"), 2);
}

#[test]
fn long_text_is_cut_at_a_char_boundary() {
    let dunst = start();
    let desktop = Desktop::new("Fieldline");
    let summary = "경".repeat(300);
    let body = format!("{}\u{1b}[31m", "<".repeat(2_000));
    desktop
        .show(&outgoing("g", &summary, &body, Urgency::Normal))
        .expect("shown");
    let got = dunst
        .wait_for(|r| r.summary.starts_with('경'), WAIT)
        .expect("Notify");
    assert_eq!(got.summary.chars().count(), 120);
    assert!(got.summary.ends_with('…'));
    let expected = format!("{}…", "&lt;".repeat(999));
    assert!(
        got.body == expected,
        "999 escaped `<` and an ellipsis expected; got {} chars ending in {:?}",
        got.body.chars().count(),
        got.body.chars().rev().take(8).collect::<String>()
    );
}

#[test]
fn clicking_opens_the_target_and_a_replaced_notification_opens_the_newest() {
    let dunst = start();
    let desktop = Desktop::new("Fieldline");
    let (opened, opens) = mpsc::channel();
    desktop.on_open(move |target| {
        let _ = opened.send(target);
    });

    let mut n = outgoing("sla:acme", "due", "ACME", Urgency::Critical);
    n.open = Some("ticket:11".to_owned());
    desktop.show(&n).expect("shown");
    n.summary = "overdue".to_owned();
    n.open = Some("ticket:12".to_owned());
    desktop.show(&n).expect("shown");
    let sent = dunst
        .wait_for(|r| r.summary == "overdue", WAIT)
        .expect("Notify");

    // A person clicks later than this: wait until the sender listens for the click (the
    // daemon reports it to the newest sender's connection only).
    dunst
        .wait_for_message(
            |m| {
                m.kind == MessageKind::MethodCall
                    && m.member.as_deref() == Some("AddMatch")
                    && m.sender.as_deref() == Some(sent.sender.as_str())
                    && m.body
                        .first()
                        .and_then(|rule| rule.as_str())
                        .is_some_and(|rule| rule.contains("NotificationClosed"))
            },
            WAIT,
        )
        .expect("the sender listens for clicks");
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(dunst.wait_for_displayed(1, WAIT).expect("count"), 1);

    dunst.invoke_action(0).expect("click");
    assert_eq!(
        opens.recv_timeout(WAIT).expect("the callback ran"),
        "ticket:12"
    );
    assert!(
        opens.recv_timeout(Duration::from_millis(300)).is_err(),
        "one click, one callback, for the newest target only"
    );
}

#[test]
fn a_replaced_or_closed_notification_stops_waiting_for_clicks() {
    let dunst = start();
    let desktop = Desktop::new("Fieldline");
    let mut n = outgoing("sla:acme", "one", "ACME", Urgency::Critical);
    n.open = Some("ticket:12".to_owned());
    desktop.show(&n).expect("shown");
    let first = dunst
        .wait_for(|r| r.summary == "one", WAIT)
        .expect("Notify");
    assert!(
        dunst.connected(&first.sender).expect("ask the bus"),
        "waits for a click"
    );

    n.summary = "two".to_owned();
    desktop.show(&n).expect("shown");
    let second = dunst
        .wait_for(|r| r.summary == "two", WAIT)
        .expect("Notify");
    assert_ne!(
        first.sender, second.sender,
        "every show is a connection of its own"
    );
    assert!(
        dunst
            .wait_for_disconnect(&first.sender, WAIT)
            .expect("ask the bus"),
        "the wait for a click on the replaced notification ended"
    );
    assert!(dunst.connected(&second.sender).expect("ask the bus"));

    dunst.close_all().expect("close");
    assert!(
        dunst
            .wait_for_disconnect(&second.sender, WAIT)
            .expect("ask the bus"),
        "the wait for a click on the closed notification ended"
    );
}

/// How long from `show()` until the Notify call crosses the bus. Printed, not asserted.
#[test]
fn latency_from_show_to_the_bus() {
    let dunst = start();
    let desktop = Desktop::new("Fieldline");
    let mut lines = Vec::new();
    for i in 0..10 {
        let summary = format!("latency {i}");
        let started = SystemTime::now();
        let clock = Instant::now();
        desktop
            .show(&outgoing(&format!("g{i}"), &summary, "b", Urgency::Normal))
            .expect("shown");
        let returned = clock.elapsed();
        let got = dunst
            .wait_for(|r| r.summary == summary, WAIT)
            .expect("Notify");
        let on_bus = got.at.duration_since(started).unwrap_or_default();
        lines.push(format!(
            "show #{i}: Notify on the bus after {:.2} ms, show() returned after {:.2} ms",
            on_bus.as_secs_f64() * 1e3,
            returned.as_secs_f64() * 1e3
        ));
    }
    println!("{}", lines.join("\n"));
}
