//! Helpdesk sync against a real Request Tracker 5 on loopback (started from nothing by
//! `tests/support/rt.rs`): time and memory of
//!
//! 1. the first sync of 10,000 tickets, beside the time RT itself takes to serve the
//!    same 100 search pages to a client that does nothing with them (the floor);
//! 2. an incremental sync after 100 tickets changed on RT;
//! 3. an incremental sync that sends 100 changes made offline (notes, time, states).
//!
//! Memory is this process's peak resident set during each phase (`VmHWM`, reset between
//! phases through `/proc/self/clear_refs`); RT's own processes are not counted.
//!
//! Run: `cargo bench -p fieldline-sync --bench rt_sync` (RT 5 installed by
//! scripts/setup.sh). Figures: BENCHMARKS.md.
#![allow(clippy::unwrap_used)]

#[path = "../tests/support/rt.rs"]
mod rt;

use fieldline_store::sync::{ConnectionConfig, ConnectorKind};
use fieldline_store::tickets::TicketChange;
use fieldline_store::Store;
use fieldline_sync::rt::RequestTracker;
use fieldline_sync::{sync_once, Connector};
use jiff::Timestamp;
use std::time::Instant;

const TICKETS: usize = 10_000;
const CHANGES: usize = 100;

fn status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        })
        .unwrap_or(0)
}

fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn main() {
    let started = Instant::now();
    let rt = rt::Rt::start().unwrap_or_else(|e| panic!("Request Tracker did not start: {e}"));
    let ids = rt.seed_many(TICKETS).unwrap();
    println!(
        "RT 5 up with {TICKETS} tickets in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    let mut config = ConnectionConfig::template(ConnectorKind::RequestTracker);
    config.name = "rt".into();
    config.url = rt.base_url();
    config.user = rt.user().into();
    config.queues = vec![rt.queue().into()];
    store.save_connection(&config).unwrap();
    let connector = RequestTracker::new(&config, rt.token()).unwrap();

    // The floor: RT serving the same pages to a client that only counts them.
    let t = Instant::now();
    let mut served = 0;
    connector
        .changed_since(None, &mut |page| {
            served += page.tickets.len();
            Ok(())
        })
        .unwrap();
    let floor = t.elapsed();
    assert_eq!(served, TICKETS);

    reset_peak();
    let before = status_kib("VmRSS:");
    let t = Instant::now();
    let r = sync_once(&mut store, &connector, &config, Timestamp::now);
    let first = t.elapsed();
    let peak = status_kib("VmHWM:");
    assert_eq!((r.error.as_deref(), r.pulled_new as usize), (None, TICKETS));
    println!("| first sync, {TICKETS} tickets | {:.1} s | RT alone serving the pages: {:.1} s | peak RSS {:.0} MiB (before {:.0} MiB) |",
        first.as_secs_f64(), floor.as_secs_f64(), mib(peak), mib(before));

    // 100 tickets change on RT.
    for id in ids.clone().step_by(TICKETS / CHANGES) {
        rt.comment(id, "checked by a colleague", 5).unwrap();
    }
    reset_peak();
    let t = Instant::now();
    let r = sync_once(&mut store, &connector, &config, Timestamp::now);
    let pull = t.elapsed();
    assert_eq!(r.error, None);
    assert_eq!(r.pulled_updated as usize, CHANGES, "{r:?}");
    println!(
        "| incremental sync, {CHANGES} tickets changed on RT | {:.2} s | pulled {} changed, {} unchanged | peak RSS {:.0} MiB |",
        pull.as_secs_f64(),
        r.pulled_updated,
        r.unchanged,
        mib(status_kib("VmHWM:"))
    );

    // 100 changes made offline go out.
    let now = Timestamp::now();
    let tickets: Vec<i64> = ids
        .clone()
        .skip(1)
        .step_by(TICKETS / CHANGES)
        .map(|id| {
            store
                .remote_ticket("rt", &id.to_string())
                .unwrap()
                .unwrap()
                .0
        })
        .collect();
    for (i, id) in tickets.iter().enumerate() {
        let change = match i % 3 {
            0 => TicketChange::Note {
                text: format!("offline note {i}"),
            },
            1 => TicketChange::Time {
                minutes: 15,
                on_site: true,
                note: String::new(),
            },
            _ => TicketChange::Note {
                text: format!("second offline note {i}"),
            },
        };
        store.change_ticket(*id, now, change).unwrap();
    }
    reset_peak();
    let t = Instant::now();
    let r = sync_once(&mut store, &connector, &config, Timestamp::now);
    let push = t.elapsed();
    assert_eq!(r.error, None);
    assert_eq!(r.pushed as usize, CHANGES, "{r:?}");
    println!(
        "| incremental sync, {CHANGES} offline changes sent | {:.2} s | {:.0} ms a change | peak RSS {:.0} MiB |",
        push.as_secs_f64(),
        push.as_secs_f64() * 1000.0 / CHANGES as f64,
        mib(status_kib("VmHWM:"))
    );
}
