//! The helpdesk outbox under `kill -9` (issue 17): a real Request Tracker 5, a real
//! Secret Service for the token, and the real `fieldline` CLI. Tickets are synced in; then,
//! round after round, a few changes are queued with the CLI (notes with unique texts, and
//! a time entry with its own note) and `fieldline sync` is killed at a random moment of
//! its run. After every kill the store passes SQLite's `integrity_check`. At the end an
//! uninterrupted `fieldline sync` empties the outbox, and Request Tracker's own record of
//! each ticket (its attachments and `TimeWorked`, read over REST 2.0) must hold every
//! queued note exactly once (never lost, never twice) and exactly the minutes logged here;
//! the local outbox must show every change `sent`.
//!
//! The moments are random (the seed is printed; `FIELDLINE_KILL_SEED=N` replays a run's
//! moments; RT's own timing is not replayable) and scaled to how long one sync of a
//! round's changes takes uninterrupted on this machine, as in `kill_under_load.rs`. The
//! test counts the kills that left an entry `sending` (killed between noting the remote
//! version and recording the answer: the window the history look-up exists for) and, of
//! those, the ones RT already shows right after the kill (the kill took the answer; a
//! lower bound, as RT may still be processing a request), and fails if too few kills
//! landed there to prove anything. With the engine's history look-up switched off, a
//! 30-kill run found 15 notes twice in RT and the minutes over-counted, so the kills do
//! reach the window it covers.
//!
//! How many syncs are killed: `FIELDLINE_OUTBOX_KILLS`, 50 by default. One sync of four
//! changes takes 1 to 3 s on 2 cores (the CLI's start, the keychain over D-Bus, two REST
//! requests per change and a pull; the slow end while a build runs beside it), so a run
//! is 40 to 90 s with RT's start, under two minutes on a busy machine. Issue 17's 200
//! kills are `kill_under_load.rs`'s 200 store writers; these 50 syncs come on top, fewer
//! because each is a round trip through RT rather than a local write.
//!
//! Not here: another comment in RT under the same account between a kill and the next
//! sync (the history look-up compares a comment's text: `rt_sync.rs`,
//! `a_note_that_never_reached_rt_is_not_mistaken_for_a_colleagues_comment`), and two
//! syncs of one store at once.
//!
//! Linux only: Request Tracker and GNOME Keyring are Linux programs (listed in
//! scripts/windows/not-under-wine.txt).
#![cfg(target_os = "linux")]
#![allow(clippy::unwrap_used)]

#[path = "../../fieldline-keychain/tests/support/keychain.rs"]
mod keychain;
#[path = "../../fieldline-sync/tests/support/rt.rs"]
mod rt;
mod support;

use support::{Cli, Moments};

use rusqlite::Connection;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Stdio;
use std::time::Instant;

/// How many syncs are killed: `FIELDLINE_OUTBOX_KILLS`, else 50 (see the module's doc).
fn kills() -> usize {
    support::count_from_env("FIELDLINE_OUTBOX_KILLS", 50)
}

/// Tickets in RT the changes go to.
const TICKETS: usize = 3;
/// Notes queued per round (plus one time entry).
const NOTES: usize = 3;

/// One change queued with the CLI, and what RT must show for it.
struct Queued {
    remote: u64,
    /// Unique text: the note, or the time entry's note.
    text: String,
    minutes: u32,
}

/// Queues round `round`'s changes: `NOTES` notes and one time entry.
fn queue_round(cli: &Cli, round: usize, tickets: &[(u64, i64)], queued: &mut Vec<Queued>) {
    for j in 0..NOTES {
        let (remote, local) = tickets[(round + j) % tickets.len()];
        let text = format!("kill-note-{round:03}-{j}");
        cli.ok(&["ticket", "note", &local.to_string(), &text]);
        queued.push(Queued {
            remote,
            text,
            minutes: 0,
        });
    }
    let (remote, local) = tickets[round % tickets.len()];
    let text = format!("kill-time-{round:03}");
    let minutes = 1 + (round % 7) as u32;
    cli.ok(&[
        "ticket",
        "time",
        &local.to_string(),
        &minutes.to_string(),
        "--note",
        &text,
    ]);
    queued.push(Queued {
        remote,
        text,
        minutes,
    });
}

/// An outbox entry left `sending`: its ticket in RT and its change's text.
struct Sending {
    remote: u64,
    text: String,
}

/// Checks the store is whole after a kill and returns the entries it left `sending`.
fn whole_store(db: &Path, round: usize) -> Vec<Sending> {
    let conn = Connection::open(db).unwrap();
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok", "round {round}: integrity_check after a kill");
    let mut stmt = conn
        .prepare(
            "SELECT r.remote_id, e.data FROM outbox o JOIN ticket_events e ON e.id = o.event
             JOIN remote_tickets r ON r.ticket = e.ticket WHERE o.state = 'sending'",
        )
        .unwrap();
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .unwrap();
    rows.map(|row| {
        let (remote, data) = row.unwrap();
        let data: Value = serde_json::from_str(&data).unwrap();
        let text = data["text"]
            .as_str()
            .or(data["note"].as_str())
            .unwrap_or_default()
            .to_string();
        Sending {
            remote: remote.parse().unwrap(),
            text,
        }
    })
    .collect()
}

/// The outbox's entries by state.
fn outbox_states(db: &Path) -> BTreeMap<String, i64> {
    let conn = Connection::open(db).unwrap();
    let mut stmt = conn
        .prepare("SELECT state, COUNT(*) FROM outbox GROUP BY state")
        .unwrap();
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
        .unwrap();
    rows.map(Result::unwrap).collect()
}

/// The text of every attachment of RT's ticket `id`, read from RT itself
/// (`GET /ticket/ID/attachments`: RT 5.0.3 gives text/plain contents as they are).
fn rt_contents(rt: &rt::Rt, id: u64) -> Vec<String> {
    let mut out = Vec::new();
    for page in 1.. {
        let query = rt::query_string(&[
            ("fields", "Content,ContentType,TransactionId"),
            ("per_page", "100"),
            ("page", &page.to_string()),
        ]);
        let answer = rt
            .request("GET", &format!("/ticket/{id}/attachments?{query}"), None)
            .unwrap()
            .expect(200)
            .unwrap();
        let body: Value = serde_json::from_str(&answer.body).unwrap();
        let items = body["items"].as_array().cloned().unwrap_or_default();
        for item in &items {
            if let Some(content) = item["Content"].as_str() {
                out.push(content.to_string());
            }
        }
        if items.len() < 100 {
            break;
        }
    }
    out
}

/// How many of RT's attachments of ticket `id` are exactly `text`, or end with it on a
/// line of its own (a time entry: "Time worked: … (Fieldline)\n\nTEXT").
fn times_in(contents: &[String], text: &str) -> usize {
    contents
        .iter()
        .filter(|c| c.lines().any(|line| line.trim() == text))
        .count()
}

#[test]
fn syncs_killed_at_random_moments_send_each_change_exactly_once() {
    let keyring = keychain::GnomeKeyring::start().unwrap();
    let rt = rt::Rt::start().unwrap();
    let data = tempfile::tempdir().unwrap();
    let cli = Cli {
        dir: data.path().join("data"),
        env: keyring.envs(),
    };
    let db = cli.dir.join("fieldline.db");
    let remotes: Vec<u64> = (0..TICKETS)
        .map(|k| {
            rt.create_ticket(&format!("Kill ticket {k}"), "", "")
                .unwrap()
        })
        .collect();
    let url = rt.base_url();
    cli.ok_with(
        &[
            "connection",
            "add",
            "rt",
            "--url",
            &url,
            "--user",
            rt.user(),
            "--queue",
            rt.queue(),
            "--token-stdin",
        ],
        Some(&format!("{}\n", rt.token())),
    );
    cli.ok(&["sync"]);
    let list: Value = serde_json::from_str(&cli.ok(&["ticket", "list", "--json"])).unwrap();
    let tickets: Vec<(u64, i64)> = remotes
        .iter()
        .map(|r| {
            let local = list
                .as_array()
                .unwrap()
                .iter()
                .find(|t| t["external_id"].as_str() == Some(r.to_string().as_str()))
                .unwrap_or_else(|| panic!("RT ticket {r} was not synced in: {list}"))["id"]
                .as_i64()
                .unwrap();
            (*r, local)
        })
        .collect();

    // How long one round's sync takes uninterrupted, here and now (the median of three,
    // so one slow or fast moment of a busy machine does not skew it): kills fall in
    // 0..1.2× that.
    let mut queued = Vec::new();
    let mut takes = Vec::new();
    for round in 0..3 {
        queue_round(&cli, 900 + round, &tickets, &mut queued);
        let start = Instant::now();
        let said = cli.ok(&["sync"]);
        takes.push(start.elapsed());
        assert!(said.contains("sent 4 changes"), "{said}");
    }
    takes.sort();
    let take = takes[1].mul_f64(1.2);
    let kills = kills();
    let mut moments = Moments::seeded(&format!("{kills} syncs; one takes {take:?} (×1.2)"));

    let (mut interrupted, mut mid_send, mut answer_lost) = (0, 0, 0);
    for round in 0..kills {
        queue_round(&cli, round, &tickets, &mut queued);
        let mut child = cli
            .command(&["sync"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(moments.within(take));
        if child.try_wait().unwrap().is_some() {
            let out = child.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "round {round}: a sync failed on its own: {}",
                support::said(&out)
            );
        } else {
            child.kill().unwrap();
            child.wait().unwrap();
            interrupted += 1;
        }
        let sending = whole_store(&db, round);
        if !sending.is_empty() {
            mid_send += 1;
            // Whether RT already has it (the kill took the answer) or not (the request, or
            // RT is still at it: a request RT was processing when the client died lands a
            // moment later, so this count is a lower bound).
            for s in &sending {
                if times_in(&rt_contents(&rt, s.remote), &s.text) > 0 {
                    answer_lost += 1;
                }
            }
        }
    }
    eprintln!(
        "{kills} syncs: {interrupted} killed while running, {mid_send} of them with a change \
         `sending`, {answer_lost} of those already in RT right after the kill (answer lost)"
    );

    // Then one sync runs to its end: it finds the entries left `sending` in RT's history
    // or sends them, sends the rest, and leaves nothing waiting (nothing here can
    // conflict: RT's tickets change only through these syncs).
    let said = cli.ok(&["sync"]);
    let states = outbox_states(&db);
    assert_eq!(
        states,
        BTreeMap::from([("sent".to_string(), queued.len() as i64)]),
        "after an uninterrupted sync ({}) every queued change is `sent` locally",
        said.trim()
    );

    // RT itself has each change exactly once, and exactly the minutes logged here.
    let mut problems = Vec::new();
    for (remote, _) in &tickets {
        let contents = rt_contents(&rt, *remote);
        for q in queued.iter().filter(|q| q.remote == *remote) {
            let n = times_in(&contents, &q.text);
            if n != 1 {
                problems.push(format!("{:?} is in RT ticket {remote} {n} times", q.text));
            }
        }
        let ticket: Value = serde_json::from_str(&rt.ticket(*remote).unwrap().body).unwrap();
        let worked = ticket["TimeWorked"]
            .as_str()
            .and_then(|s| s.parse::<u32>().ok())
            .or(ticket["TimeWorked"].as_u64().map(|n| n as u32))
            .unwrap_or(0);
        let logged: u32 = queued
            .iter()
            .filter(|q| q.remote == *remote)
            .map(|q| q.minutes)
            .sum();
        if worked != logged {
            problems.push(format!(
                "RT ticket {remote} shows {worked} minutes worked, {logged} were logged"
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "FIELDLINE_KILL_SEED={}: {}",
        moments.seed,
        problems.join("; ")
    );

    // Most kills fall inside the sync (0..1.2× its time), enough of them between noting
    // the version and recording the answer, and at least one after RT applied a change
    // (the case the history look-up exists for): a test whose kills all came too early or
    // too late would prove nothing.
    assert!(
        interrupted >= kills / 3,
        "only {interrupted} of {kills} syncs were killed while running"
    );
    assert!(
        mid_send >= kills / 6,
        "only {mid_send} of {kills} kills left a change `sending`"
    );
    assert!(
        answer_lost >= 1,
        "no kill of {kills} took an answer: RT never had a change still `sending` here"
    );
}
