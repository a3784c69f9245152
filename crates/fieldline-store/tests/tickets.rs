//! Tickets, SLA clocks on read and monthly reports, on a real SQLite file.

use fieldline_sla::{ClockKind, Priority, TicketState};
use fieldline_store::reports::{self, Outcome};
use fieldline_store::tickets::{board, fill_ahead, NewTicket, SlaSource, TicketChange};
use fieldline_store::{Store, StoreError};
use jiff::Timestamp;

const FLEET: &str = include_str!("../../../tests/fixtures/acme.toml");
const SLA: &str = include_str!("../../../tests/fixtures/sla.toml");

fn ts(s: &str) -> Timestamp {
    s.parse().expect("time")
}

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = Store::open(dir.path()).expect("open");
    store
        .import_fleet_file("acme.toml", FLEET, false)
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

fn new(title: &str, priority: Priority) -> NewTicket {
    NewTicket {
        customer: "acme".into(),
        endpoint: None,
        title: title.into(),
        priority,
        policy: None,
    }
}

#[test]
fn clocks_are_replayed_from_the_history_after_reopening_the_store() {
    let (dir, mut s) = store();
    let t = s
        .open_ticket(
            new("Printer down", Priority::P2),
            ts("2026-11-24T09:00:00+09:00"),
        )
        .expect("open");
    s.change_ticket(
        t.id,
        ts("2026-11-24T09:30:00+09:00"),
        TicketChange::State {
            state: TicketState::WaitingOnCustomer,
        },
    )
    .expect("wait");
    s.change_ticket(
        t.id,
        ts("2026-11-25T09:00:00+09:00"),
        TicketChange::State {
            state: TicketState::InProgress,
        },
    )
    .expect("resume");
    drop(s);
    // A restart (or a week offline) changes nothing: the clock is the history.
    let s = Store::open(dir.path()).expect("reopen");
    let config = s.sla_config().expect("config");
    let now = ts("2026-11-25T10:00:00+09:00");
    let mut rows = board(&s.tickets(true).expect("tickets"), config.as_ref(), now);
    assert!(
        rows[0].clocks[0].ahead.is_empty(),
        "only rows shown get their thresholds ahead"
    );
    fill_ahead(&mut rows[0], config.as_ref().expect("config"), now);
    assert_eq!(rows.len(), 1);
    let first = &rows[0].clocks[0];
    assert_eq!(first.kind, ClockKind::FirstResponse);
    // 30 min before the pause and 60 after: 90 of 120 minutes used.
    assert_eq!(first.elapsed_secs, 90 * 60);
    assert_eq!(first.level, 75);
    assert!(first.running && first.counting_now);
    assert_eq!(first.due, Some(ts("2026-11-25T10:30:00+09:00")));
    let ahead: Vec<u8> = first.ahead.iter().map(|c| c.percent).collect();
    assert_eq!(ahead, [90, 100]);
    assert_eq!(
        s.outbox_len().expect("outbox"),
        3,
        "every local change is queued for a sync"
    );
}

#[test]
fn the_board_puts_breached_first_then_the_earliest_due() {
    let (_dir, mut s) = store();
    let opened = ts("2026-11-24T09:00:00+09:00");
    let p4 = s
        .open_ticket(new("Slow laptop", Priority::P4), opened)
        .expect("p4");
    let p1 = s
        .open_ticket(new("Server down", Priority::P1), opened)
        .expect("p1");
    let p2 = s
        .open_ticket(new("Printer", Priority::P2), opened)
        .expect("p2");
    s.change_ticket(
        p1.id,
        ts("2026-11-24T09:10:00+09:00"),
        TicketChange::Responded,
    )
    .expect("responded");
    let rows = board(
        &s.tickets(true).expect("tickets"),
        s.sla_config().expect("config").as_ref(),
        ts("2026-11-24T11:30:00+09:00"),
    );
    let order: Vec<i64> = rows.iter().map(|r| r.ticket.id).collect();
    // P2's first response (2 h) breached at 11:00; P1's resolution (4 h) is due at 13:00;
    // P4's first response (8 h) is due at 17:00.
    assert_eq!(order, [p2.id, p1.id, p4.id]);
    assert_eq!(rows[0].clocks[0].level, 100);
    assert_eq!(
        rows[0].clocks[0].breached_at,
        Some(ts("2026-11-24T11:00:00+09:00"))
    );
    assert_eq!(
        rows[1].clocks.len(),
        1,
        "a responded ticket has only its resolution clock open"
    );
}

#[test]
fn bad_changes_are_refused_and_change_nothing() {
    let (_dir, mut s) = store();
    let t = s
        .open_ticket(
            new("Printer", Priority::P3),
            ts("2026-11-24T09:00:00+09:00"),
        )
        .expect("open");
    let later = ts("2026-11-24T10:00:00+09:00");
    let refused = [
        (
            ts("2026-11-24T08:00:00+09:00"),
            TicketChange::Responded,
            "cannot be dated before",
        ),
        (later, TicketChange::Note { text: "  ".into() }, "empty"),
        (
            later,
            TicketChange::Note {
                text: "x".repeat(70_000),
            },
            "longer than 64 KiB",
        ),
        (
            later,
            TicketChange::Time {
                minutes: 0,
                on_site: true,
                note: String::new(),
            },
            "between 1 minute",
        ),
        (
            later,
            TicketChange::Policy {
                policy: "gold".into(),
            },
            "no SLA policy",
        ),
    ];
    for (at, change, expected) in refused {
        let e = s
            .change_ticket(t.id, at, change.clone())
            .expect_err("refused");
        assert!(e.to_string().contains(expected), "{change:?}: {e}");
    }
    let again = s.ticket(t.id).expect("ticket");
    assert_eq!(again.events.len(), 1, "nothing was appended");
    assert!(matches!(
        s.change_ticket(999, later, TicketChange::Responded),
        Err(StoreError::NotFound { .. })
    ));
    for (ticket, expected) in [
        (
            NewTicket {
                customer: "nobody".into(),
                ..new("x", Priority::P1)
            },
            "no customer",
        ),
        (new(" ", Priority::P1), "needs a title"),
        (
            new(&"x".repeat(301), Priority::P1),
            "longer than 300 characters",
        ),
        (
            NewTicket {
                endpoint: Some("ghost".into()),
                ..new("x", Priority::P1)
            },
            "no endpoint",
        ),
    ] {
        let e = s.open_ticket(ticket, later).expect_err("refused");
        assert!(e.to_string().contains(expected), "{e}");
    }
}

#[test]
fn an_sla_file_that_drops_a_policy_in_use_is_refused() {
    let (_dir, mut s) = store();
    s.open_ticket(
        new("Printer", Priority::P3),
        ts("2026-11-24T09:00:00+09:00"),
    )
    .expect("open");
    let renamed = SLA.replace("id = \"standard\"", "id = \"gold\"");
    let e = s
        .import_sla_config(SlaSource {
            file_name: "new.toml".into(),
            text: renamed,
            includes: Default::default(),
        })
        .expect_err("refused");
    assert!(e.to_string().contains("\"standard\""), "{e}");
    assert!(s
        .sla_config()
        .expect("config")
        .expect("kept")
        .policies
        .contains_key("standard"));
    let broken = s.import_sla_config(SlaSource {
        file_name: "broken.toml".into(),
        text: "[[calendars]]\nid = 1\n".into(),
        includes: Default::default(),
    });
    assert!(broken
        .expect_err("broken")
        .to_string()
        .starts_with("broken.toml:2:"));
}

#[test]
fn the_monthly_report_counts_met_and_breached_per_priority_with_business_means() {
    let (_dir, mut s) = store();
    let a = s
        .open_ticket(
            new("Printer", Priority::P2),
            ts("2026-11-24T09:00:00+09:00"),
        )
        .expect("a");
    s.change_ticket(
        a.id,
        ts("2026-11-24T09:30:00+09:00"),
        TicketChange::Responded,
    )
    .expect("respond");
    s.change_ticket(
        a.id,
        ts("2026-11-24T11:00:00+09:00"),
        TicketChange::State {
            state: TicketState::Resolved,
        },
    )
    .expect("resolve");
    s.change_ticket(
        a.id,
        ts("2026-11-24T11:00:00+09:00"),
        TicketChange::Time {
            minutes: 90,
            on_site: true,
            note: "swapped the fuser".into(),
        },
    )
    .expect("time");
    // Opened Friday 17:00: 1 h on Friday, then Monday; breached its 2 h first response.
    let b = s
        .open_ticket(
            new("=HYPERLINK(\"http://x\") <b>VPN</b>", Priority::P2),
            ts("2026-11-27T17:00:00+09:00"),
        )
        .expect("b");
    // December's ticket is not in November's report.
    s.open_ticket(new("Later", Priority::P3), ts("2026-12-01T09:00:00+09:00"))
        .expect("c");
    let r = s
        .sla_report("acme", "2026-11", ts("2026-12-01T12:00:00+09:00"))
        .expect("report");
    assert_eq!(r.timezone, "Asia/Seoul");
    let p2 = &r.priorities[1];
    assert_eq!(
        (
            p2.tickets,
            p2.response_met,
            p2.response_breached,
            p2.resolution_met,
            p2.resolution_breached
        ),
        (2, 1, 1, 1, 1)
    );
    assert_eq!(p2.mean_response_secs, Some(30 * 60));
    assert_eq!(p2.mean_resolution_secs, Some(2 * 3600));
    assert_eq!(r.tickets.len(), 2);
    assert_eq!(r.tickets[0].minutes_worked, 90);
    assert_eq!(r.tickets[1].id, b.id);
    assert_eq!(r.tickets[1].response, Outcome::Breached);

    let csv = reports::to_csv(&r);
    assert!(csv.contains("P2,2,1,1,0,0h 30m,1,1,0,2h 00m\r\n"), "{csv}");
    assert!(
        csv.lines()
            .all(|l| l.is_empty() || csv.contains(&format!("{l}\r\n"))),
        "every line ends CRLF (RFC 4180)"
    );
    // A file opens in Excel on a Korean Windows as UTF-8, not in the code page.
    let file = reports::csv_file(&r);
    assert!(
        file.starts_with('\u{feff}') && file.ends_with(&csv),
        "{file}"
    );
    assert!(
        csv.contains("\"'=HYPERLINK(\"\"http://x\"\") <b>VPN</b>\""),
        "a formula is defused and quotes doubled: {csv}"
    );
    let html = reports::to_html(&r);
    assert!(html.contains("&lt;b&gt;VPN&lt;/b&gt;") && !html.contains("<b>VPN"));
    assert!(!html.contains("<script"));
    for bad in ["2026-13", "2026", "soon"] {
        assert!(s
            .sla_report("acme", bad, ts("2026-12-01T00:00:00Z"))
            .is_err());
    }
}
