//! Durability under `kill -9` (issue 17): real `fieldline` processes writing to a real
//! store (whole-fleet imports, new tickets, notes) are killed at random moments, 200 times
//! (`FIELDLINE_KILLS`).
//! After every kill the database passes SQLite's `integrity_check`, the fleet is one of the
//! two imported fleets exactly (never a mix, never empty), no ticket lacks its events, a
//! note is there once or not at all, and every change a writer reported done is still
//! there. The moments are random (the seed is printed; `FIELDLINE_KILL_SEED=N` replays
//! a run) and scaled to how long each writer takes uninterrupted on this machine, so most
//! kills land while the writer runs whatever the machine's speed.
//!
//! Not here: the helpdesk outbox under kills (replays against a real Request Tracker), and
//! power loss (a kill leaves the OS's page cache; `synchronous = FULL` is what covers a
//! power cut).

mod support;

use rusqlite::Connection;
use std::collections::BTreeSet;
use std::path::Path;
use std::time::Instant;
use support::{command, ok, Moments};

/// How many writers are killed: 200, or `FIELDLINE_KILLS` (the Windows leg runs 50: each
/// is a Windows process started under Wine, about half a second apiece).
fn kills() -> usize {
    support::count_from_env("FIELDLINE_KILLS", 200)
}

/// One customer and `n` endpoints named `TAG-NNNN`, each with one check.
fn fleet(n: usize, tag: &str) -> String {
    let mut text = String::from(
        "[[customers]]\nid = \"kill\"\nname = \"Kill Corp\"\n\n\
         [[sites]]\nid = \"kill-hq\"\ncustomer = \"kill\"\nname = \"HQ\"\ntimezone = \"Asia/Seoul\"\n",
    );
    for i in 0..n {
        text.push_str(&format!(
            "\n[[endpoints]]\nid = \"{tag}-{i:04}\"\nsite = \"kill-hq\"\nhost = \"10.{}.{}.1\"\n\n\
             [[endpoints.checks]]\nkind = \"tcp\"\nport = 443\n",
            i / 250,
            i % 250
        ));
    }
    text
}

fn ids(n: usize, tag: &str) -> BTreeSet<String> {
    (0..n).map(|i| format!("{tag}-{i:04}")).collect()
}

#[derive(Clone, Copy, Debug)]
enum Writer {
    ImportA,
    ImportB,
    OpenTicket,
    Note,
}

const WRITERS: [Writer; 4] = [
    Writer::ImportA,
    Writer::ImportB,
    Writer::OpenTicket,
    Writer::Note,
];

/// What the store holds after a kill, read after checking it is whole.
struct Seen {
    endpoints: BTreeSet<String>,
    titles: Vec<String>,
    notes: Vec<String>,
}

fn whole_store(db: &Path, fleets: &[&BTreeSet<String>]) -> Seen {
    let conn = Connection::open(db).expect("open the store");
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity_check");
    assert_eq!(check, "ok", "integrity_check after a kill");
    let endpoints: BTreeSet<String> = conn
        .prepare("SELECT id FROM endpoints")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .expect("endpoints");
    assert!(
        fleets.contains(&&endpoints),
        "the fleet is neither of the imported ones: {} endpoints, first {:?}",
        endpoints.len(),
        endpoints.iter().next()
    );
    let bare: i64 = conn
        .query_row(
            "SELECT count(*) FROM tickets t
             WHERE NOT EXISTS (SELECT 1 FROM ticket_events e WHERE e.ticket = t.id)",
            [],
            |r| r.get(0),
        )
        .expect("tickets without events");
    assert_eq!(bare, 0, "a ticket was written without its events");
    let titles = conn
        .prepare("SELECT title FROM tickets")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .expect("titles");
    let notes = conn
        .prepare("SELECT data FROM ticket_events WHERE instr(data, 'kill-note-') > 0")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .expect("notes");
    Seen {
        endpoints,
        titles,
        notes,
    }
}

fn args_of(writer: Writer, i: usize, a: &str, b: &str) -> Vec<String> {
    let owned = |v: &[&str]| v.iter().map(|s| s.to_string()).collect();
    match writer {
        Writer::ImportA => owned(&["fleet", "import", a, "--replace"]),
        Writer::ImportB => owned(&["fleet", "import", b, "--replace"]),
        Writer::OpenTicket => vec![
            "ticket".into(),
            "open".into(),
            "--customer".into(),
            "kill".into(),
            "--priority".into(),
            "P2".into(),
            format!("kill-ticket-{i:03}"),
        ],
        Writer::Note => vec![
            "ticket".into(),
            "note".into(),
            "1".into(),
            format!("kill-note-{i:03}"),
        ],
    }
}

#[test]
fn writers_killed_at_random_moments_leave_a_whole_store() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("data");
    let db = dir.join("fieldline.db");
    let (a_file, b_file) = (tmp.path().join("a.toml"), tmp.path().join("b.toml"));
    std::fs::write(&a_file, fleet(1500, "a")).expect("write a");
    std::fs::write(&b_file, fleet(900, "b")).expect("write b");
    let (a_ids, b_ids) = (ids(1500, "a"), ids(900, "b"));
    let (a, b) = (
        a_file.to_str().expect("path"),
        b_file.to_str().expect("path"),
    );
    let sla = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/sla.toml");
    ok(&dir, &["sla", "import", sla]);
    ok(&dir, &["fleet", "import", a, "--replace"]);
    ok(
        &dir,
        &[
            "ticket",
            "open",
            "--customer",
            "kill",
            "--priority",
            "P2",
            "notes",
        ],
    );

    // How long each writer takes uninterrupted, here and now: kills fall in 0..1.2× that.
    let mut takes = Vec::new();
    for (k, writer) in WRITERS.into_iter().enumerate() {
        let args = args_of(writer, 900 + k, a, b);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let start = Instant::now();
        ok(&dir, &args);
        takes.push(start.elapsed().mul_f64(1.2));
    }
    let mut moments = Moments::seeded(&format!("writers take {takes:?} (×1.2)"));

    let mut done_titles = BTreeSet::new();
    let mut done_notes = BTreeSet::new();
    let kills = kills();
    let mut interrupted = 0;
    for i in 0..kills {
        let k = (moments.next() % WRITERS.len() as u64) as usize;
        let writer = WRITERS[k];
        let args = args_of(writer, i, a, b);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut child = command(&dir, &args)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start a writer");
        std::thread::sleep(moments.within(takes[k]));
        let finished = child.try_wait().expect("try_wait");
        if finished.is_none() {
            child.kill().expect("kill the writer");
            interrupted += 1;
        }
        let status = child.wait().expect("wait");
        let done = finished.is_some_and(|s| s.success());
        assert!(
            finished.is_none() || done,
            "{writer:?} #{i} failed on its own: {status:?}"
        );

        let seen = whole_store(&db, &[&a_ids, &b_ids]);
        let mine = &args[args.len() - 1];
        match writer {
            Writer::ImportA if done => assert_eq!(seen.endpoints, a_ids, "#{i}"),
            Writer::ImportB if done => assert_eq!(seen.endpoints, b_ids, "#{i}"),
            Writer::ImportA | Writer::ImportB => {}
            Writer::OpenTicket => {
                let n = seen.titles.iter().filter(|t| t == mine).count();
                assert!(n <= 1, "#{i}: {mine} {n} times");
                if done {
                    assert_eq!(n, 1, "#{i}: {mine} reported done but missing");
                }
                if n == 1 {
                    done_titles.insert(mine.to_string());
                }
            }
            Writer::Note => {
                let n = seen.notes.iter().filter(|d| d.contains(mine)).count();
                assert!(n <= 1, "#{i}: {mine} {n} times");
                if done {
                    assert_eq!(n, 1, "#{i}: {mine} reported done but missing");
                }
                if n == 1 {
                    done_notes.insert(mine.to_string());
                }
            }
        }
        // Nothing committed before is lost.
        for t in &done_titles {
            assert!(
                seen.titles.contains(t),
                "#{i}: the earlier ticket {t} is gone"
            );
        }
        for n in &done_notes {
            assert!(
                seen.notes.iter().any(|d| d.contains(n.as_str())),
                "#{i}: the earlier note {n} is gone"
            );
        }
    }
    eprintln!(
        "{kills} writers: {interrupted} killed while running, {} finished first; \
         {} tickets and {} notes made it",
        kills - interrupted,
        done_titles.len(),
        done_notes.len()
    );
    // Most moments fall inside the writer's run (0..1.2× its time): a test whose kills all
    // came too late would prove nothing.
    assert!(
        interrupted >= kills / 3,
        "only {interrupted} of {kills} writers were killed while running"
    );
    // The store still works for the next writer.
    ok(&dir, &["fleet", "import", a, "--replace"]);
    assert_eq!(whole_store(&db, &[&a_ids]).endpoints, a_ids);
}
