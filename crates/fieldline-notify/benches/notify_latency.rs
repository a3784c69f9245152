//! Benchmark: from a change that crosses an SLA threshold to the notification reaching a
//! real notification daemon (dunst on a private bus under Xvfb, as in the tests).
//! Target (issue 5): under 1 s. Run: `cargo bench -p fieldline-notify --bench notify_latency`.
//!
//! Each sample commits a change to a real store (a ticket's priority raised to P1, which
//! breaches its first response at once), then runs the round the app runs on that change,
//! and takes the time the `Notify` call crossed the bus (seen by `dbus-monitor`). The app
//! runs that round as soon as a command changes a ticket, or within a second of a change
//! made by another program (it polls SQLite's `data_version` every second), so a change
//! made by the CLI adds up to that second.

#[path = "../tests/support/dunst.rs"]
mod dunst;

use fieldline_notify::desktop::Desktop;
use fieldline_notify::engine;
use fieldline_sla::Priority;
use fieldline_store::tickets::{NewTicket, SlaSource, TicketChange};
use fieldline_store::Store;
use jiff::{SignedDuration, Timestamp};
use std::time::{Instant, SystemTime};

const SAMPLES: usize = 30;

fn main() {
    let dunst = dunst::Dunst::start().unwrap_or_else(|e| panic!("{e}"));
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = Store::open(dir.path()).expect("store");
    store
        .import_fleet_file(
            "f.toml",
            "[[customers]]\nid = \"acme\"\nname = \"ACME Corp\"\n",
            false,
        )
        .expect("fleet");
    store
        .import_sla_config(SlaSource {
            file_name: "sla.toml".into(),
            text: include_str!("../../../tests/fixtures/sla.toml").into(),
            includes: Default::default(),
        })
        .expect("sla");
    let desktop = Desktop::new("Fieldline");
    // Wednesday 10:00 in Seoul; each sample's ticket was opened 90 minutes earlier as P4.
    let mut now: Timestamp = "2026-11-25T10:00:00+09:00".parse().expect("now");
    let mut to_bus = Vec::new();
    let mut round_ms = Vec::new();
    for i in 0..SAMPLES {
        now += SignedDuration::from_mins(1);
        let t = store
            .open_ticket(
                NewTicket {
                    customer: "acme".into(),
                    endpoint: None,
                    title: format!("sample {i}"),
                    priority: Priority::P4,
                    policy: None,
                },
                now - SignedDuration::from_mins(90),
            )
            .expect("ticket");
        let seen = dunst.received().len();
        let start_wall = SystemTime::now();
        let start = Instant::now();
        store
            .change_ticket(
                t.id,
                now,
                TicketChange::Priority {
                    priority: Priority::P1,
                },
            )
            .expect("raise");
        let round = engine::round(&mut store, &desktop, now).expect("round");
        round_ms.push(start.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(round.shown.len(), 1, "{round:?}");
        let got = dunst
            .wait_for(|r| r.body.contains(&format!("sample {i} ")), dunst::WAIT)
            .unwrap_or_else(|| panic!("sample {i} never reached the daemon"));
        assert!(dunst.received().len() > seen);
        let ms = got
            .at
            .duration_since(start_wall)
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0);
        to_bus.push(ms);
        // Resolve it so the next sample's notification carries one line.
        store
            .change_ticket(t.id, now, TicketChange::Responded)
            .expect("respond");
        store
            .change_ticket(
                t.id,
                now,
                TicketChange::State {
                    state: fieldline_sla::TicketState::Resolved,
                },
            )
            .expect("resolve");
    }
    let stats = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        (v[v.len() / 2], v[v.len() * 9 / 10], v[v.len() - 1])
    };
    let (m, p90, max) = stats(to_bus);
    println!("change committed -> Notify at the daemon: median {m:.1} ms, p90 {p90:.1} ms, max {max:.1} ms over {SAMPLES} samples");
    let (m, p90, max) = stats(round_ms);
    println!("of which the round itself (commit, clocks, plan, D-Bus call, record): median {m:.1} ms, p90 {p90:.1} ms, max {max:.1} ms");
}
