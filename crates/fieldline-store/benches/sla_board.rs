//! Benchmark: SLA state for 100,000 open tickets with business calendars and pauses.
//! Target (issue 5): under 200 ms. Run: `cargo bench -p fieldline-store --bench sla_board`.
//!
//! Tickets are spread over two calendars (Asia/Seoul office hours with a holiday, and
//! Europe/Berlin office hours), all four priorities (P1 around the clock), opened over the
//! last 30 days; a third of them waited on the customer once (a pause), a quarter were
//! responded to. It measures the clocks computed from the histories already in memory
//! (what the app does every refresh), then the same with the histories read from SQLite.

use fieldline_sla::{Priority, TicketState};
use fieldline_store::tickets::{
    board, board_top, states, SlaConfig, SlaSource, Ticket, TicketChange, TicketEvent,
};
use jiff::{SignedDuration, Timestamp};
use std::time::Instant;

const TICKETS: usize = 100_000;

const SLA: &str = r#"
[[calendars]]
id = "seoul"
timezone = "Asia/Seoul"
mon = ["09:00-18:00"]
tue = ["09:00-18:00"]
wed = ["09:00-18:00"]
thu = ["09:00-12:00", "13:00-18:00"]
fri = ["09:00-18:00"]
holidays = ["2026-11-03", "2026-12-25"]

[[calendars]]
id = "berlin"
timezone = "Europe/Berlin"
mon = ["08:00-17:00"]
tue = ["08:00-17:00"]
wed = ["08:00-17:00"]
thu = ["08:00-17:00"]
fri = ["08:00-15:00"]

[[policies]]
id = "seoul-standard"
calendar = "seoul"
P1 = { first_response = "1h", resolution = "4h", around_the_clock = true }
P2 = { first_response = "2h", resolution = "8h" }
P3 = { first_response = "4h", resolution = "24h" }
P4 = { first_response = "8h", resolution = "100h" }

[[policies]]
id = "berlin-gold"
calendar = "berlin"
P1 = { first_response = "30m", resolution = "2h", around_the_clock = true }
P2 = { first_response = "1h", resolution = "6h" }
P3 = { first_response = "4h", resolution = "16h" }
P4 = { first_response = "8h", resolution = "80h" }
"#;

fn source() -> SlaSource {
    SlaSource {
        file_name: "bench.toml".into(),
        text: SLA.into(),
        includes: Default::default(),
    }
}

/// A deterministic spread of histories.
fn histories(now: Timestamp) -> Vec<Ticket> {
    let mut out = Vec::with_capacity(TICKETS);
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for id in 0..TICKETS {
        let opened = now - SignedDuration::from_secs((next() % (30 * 86_400)) as i64);
        let priority = Priority::ALL[(next() % 4) as usize];
        let policy = if id % 2 == 0 {
            "seoul-standard"
        } else {
            "berlin-gold"
        };
        let mut events = vec![TicketEvent {
            id: 0,
            at: opened,
            change: TicketChange::Opened {
                priority,
                policy: policy.into(),
            },
        }];
        let mut at = opened;
        let mut push = |at: Timestamp, change| events.push(TicketEvent { id: 0, at, change });
        if id % 4 == 0 {
            at += SignedDuration::from_secs((next() % 7_200) as i64);
            push(at, TicketChange::Responded);
        }
        if id % 3 == 0 {
            at += SignedDuration::from_secs((next() % 86_400) as i64);
            push(
                at,
                TicketChange::State {
                    state: TicketState::WaitingOnCustomer,
                },
            );
            at += SignedDuration::from_secs((next() % 172_800) as i64);
            push(
                at,
                TicketChange::State {
                    state: TicketState::InProgress,
                },
            );
        }
        let last_state = if id % 3 == 0 {
            TicketState::InProgress
        } else {
            TicketState::New
        };
        out.push(Ticket {
            id: id as i64,
            customer: "acme".into(),
            endpoint: None,
            title: format!("ticket {id}"),
            source: "local".into(),
            external_id: None,
            priority,
            state: last_state,
            policy: policy.into(),
            opened_at: opened,
            minutes: 0,
            events,
        });
    }
    out
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let now: Timestamp = "2026-11-24T05:00:00Z".parse().expect("now");
    let config = SlaConfig::parse(source()).expect("config");
    let tickets = histories(now);
    let events: usize = tickets.iter().map(|t| t.events.len()).sum();
    println!("{TICKETS} open tickets, {events} events, 2 calendars, 2 policies");

    let mut runs = Vec::new();
    let mut rows = 0;
    for _ in 0..9 {
        let t = Instant::now();
        let s = states(&tickets, Some(&config), now);
        rows = s.len();
        let ok = s.iter().all(|r| r.error.is_none());
        drop(s); // freeing it is part of the cost
        runs.push(t.elapsed().as_secs_f64() * 1000.0);
        assert!(ok);
    }
    println!(
        "SLA state of every ticket (clocks replayed, sorted by urgency, freed): median {:.0} ms (min {:.0}, max {:.0}) over 9 runs, {rows} tickets with open clocks",
        median(runs.clone()),
        runs.iter().copied().fold(f64::MAX, f64::min),
        runs.iter().copied().fold(0.0, f64::max)
    );
    let mut runs = Vec::new();
    for _ in 0..9 {
        let t = Instant::now();
        let b = board_top(&tickets, Some(&config), now, 500);
        runs.push(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(b.len(), 500);
    }
    println!(
        "the board the window gets (500 most urgent rows of them): median {:.0} ms",
        median(runs)
    );
    let mut runs = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let b = board(&tickets, Some(&config), now);
        runs.push(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(b.len(), rows);
    }
    println!(
        "every row as the CLI's sla list prints it: median {:.0} ms",
        median(runs)
    );

    // Where the time goes: the histories resolved, the clocks replayed, the whole board.
    let t = Instant::now();
    let resolved: Vec<_> = tickets
        .iter()
        .map(|t| t.sla_events(&config).expect("events"))
        .collect();
    let events_ms = t.elapsed().as_secs_f64() * 1000.0;
    let t = Instant::now();
    let clocks: usize = resolved
        .iter()
        .map(|e| {
            fieldline_store::tickets::open_clocks(e, now)
                .expect("clocks")
                .len()
        })
        .sum();
    println!(
        "  of which: histories resolved {events_ms:.0} ms; {clocks} clocks replayed {:.0} ms",
        t.elapsed().as_secs_f64() * 1000.0
    );

    // The same tickets in a real store: read every history from SQLite, then compute.
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = fieldline_store::Store::open(dir.path()).expect("store");
    store
        .import_fleet_file(
            "f.toml",
            "[[customers]]\nid = \"acme\"\nname = \"Acme\"\n",
            false,
        )
        .expect("fleet");
    store.import_sla_config(source()).expect("sla");
    let load = Instant::now();
    store.import_tickets(&tickets).expect("bulk load");
    println!(
        "(loaded {TICKETS} tickets into SQLite in {:.1} s)",
        load.elapsed().as_secs_f64()
    );
    let mut runs = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let cfg = store.sla_config().expect("cfg").expect("some");
        let open = store.tickets(true).expect("tickets");
        let b = board_top(&open, Some(&cfg), now, 500);
        runs.push(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(b.len(), 500);
    }
    println!(
        "the window's board with every history read from SQLite first: median {:.0} ms over 5 runs",
        median(runs)
    );
}
