//! The sync engine and the Request Tracker connector against a real RT 5 (Debian's
//! `request-tracker5`, SQLite, its standalone server on loopback), started from nothing
//! by `support/rt.rs` for each test. Faults are real: the server is stopped or killed,
//! tokens revoked, tickets changed on the server behind the technician's back.
#![allow(clippy::unwrap_used)]

#[path = "support/rt.rs"]
mod rt;

use fieldline_sla::{ClockKind, TicketState};
use fieldline_store::sync::{
    ConnectionConfig, ConnectorKind, OutboxState, RemoteTicket, Resolution,
};
use fieldline_store::tickets::{board, SlaSource, TicketChange};
use fieldline_store::Store;
use fieldline_sync::rt::RequestTracker;
use fieldline_sync::{sync_once, Applied, Connector, Outgoing, Page, SyncError, SyncReport};
use jiff::Timestamp;
use rt::Rt;
use serde_json::Value;
use std::cell::Cell;
use std::collections::BTreeMap;

/// RT's `2h` level in Fieldline's terms: Monday to Friday 09:00-17:00 UTC, first
/// response 2 business hours, resolution 8 (RT: Response 120, Resolve 480 business
/// minutes); and `4h`, RT's default level (4 real hours to respond).
const POLICY: &str = r#"
[[calendars]]
id = "rt-hours"
timezone = "UTC"
mon = ["09:00-17:00"]
tue = ["09:00-17:00"]
wed = ["09:00-17:00"]
thu = ["09:00-17:00"]
fri = ["09:00-17:00"]

[[policies]]
id = "rt-2h"
calendar = "rt-hours"
P1 = { first_response = "2h", resolution = "8h" }
P2 = { first_response = "2h", resolution = "8h" }
P3 = { first_response = "2h", resolution = "8h" }
P4 = { first_response = "2h", resolution = "8h" }

[[policies]]
id = "rt-4h"
calendar = "rt-hours"
P1 = { first_response = "4h", resolution = "40h", around_the_clock = true }
P2 = { first_response = "4h", resolution = "40h", around_the_clock = true }
P3 = { first_response = "4h", resolution = "40h", around_the_clock = true }
P4 = { first_response = "4h", resolution = "40h", around_the_clock = true }
"#;

fn start_rt() -> Rt {
    Rt::start().unwrap_or_else(|e| panic!("Request Tracker did not start: {e}"))
}

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    store
        .import_sla_config(SlaSource {
            file_name: "rt.toml".into(),
            text: POLICY.into(),
            includes: BTreeMap::new(),
        })
        .unwrap();
    (dir, store)
}

fn config(rt: &Rt) -> ConnectionConfig {
    let mut c = ConnectionConfig::template(ConnectorKind::RequestTracker);
    c.name = "rt".into();
    c.url = rt.base_url();
    c.user = rt.user().into();
    c.queues = vec![rt.queue().into()];
    c.mapping.customers.insert(rt.queue().into(), "acme".into());
    c.mapping.policies.insert("2h".into(), "rt-2h".into());
    c.mapping.policies.insert("4h".into(), "rt-4h".into());
    c
}

fn connector(rt: &Rt, config: &ConnectionConfig) -> RequestTracker {
    RequestTracker::new(config, rt.token()).unwrap()
}

fn sync(store: &mut Store, rt: &Rt, config: &ConnectionConfig) -> SyncReport {
    store.save_connection(config).unwrap();
    sync_once(store, &connector(rt, config), config, Timestamp::now)
}

fn json(r: rt::Response) -> Value {
    serde_json::from_str(&r.body).unwrap()
}

/// One of a ticket's transactions: (type, field, new value, minutes taken, creator).
type Txn = (String, String, String, u32, String);

/// The ticket's transactions.
fn history(rt: &Rt, id: u64) -> Vec<Txn> {
    let mut out = Vec::new();
    for page in 1.. {
        let v = json(rt.history(id, page).unwrap());
        let items = v["items"].as_array().cloned().unwrap_or_default();
        for t in &items {
            let s = |k: &str| match &t[k] {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                _ => String::new(),
            };
            out.push((
                s("Type"),
                s("Field"),
                s("NewValue"),
                s("TimeTaken").parse().unwrap_or(0),
                t["Creator"]["id"].as_str().unwrap_or("").to_string(),
            ));
        }
        if items.len() < 100 {
            break;
        }
    }
    out
}

fn local_id(store: &Store, remote: u64) -> i64 {
    store
        .remote_ticket("rt", &remote.to_string())
        .unwrap()
        .unwrap_or_else(|| panic!("RT ticket {remote} was not pulled"))
        .0
}

fn remote_status(rt: &Rt, id: u64) -> String {
    json(rt.ticket(id).unwrap())["Status"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn first_sync_shows_rt_tickets_with_clocks_that_agree_with_rts_due() {
    let rt = start_rt();
    let (_dir, mut store) = store();
    let a = rt
        .create_ticket(
            "Disk full on web-01",
            "df shows 100%",
            r#""SLA":"2h","Priority":90"#,
        )
        .unwrap();
    let b = rt
        .create_ticket("Printer offline", "third floor", r#""TimeWorked":15"#)
        .unwrap();
    let c = rt.create_ticket("Waiting for the vendor", "", "").unwrap();
    rt.request(
        "PUT",
        &format!("/ticket/{c}"),
        Some(r#"{"Status":"stalled"}"#),
    )
    .unwrap()
    .expect(200)
    .unwrap();

    let cfg = config(&rt);
    let report = sync(&mut store, &rt, &cfg);
    assert_eq!(report.error, None, "{report:?}");
    assert_eq!(report.pulled_new, 3);

    let tickets = store.tickets(false).unwrap();
    let t = |remote: u64| {
        tickets
            .iter()
            .find(|t| t.external_id.as_deref() == Some(&remote.to_string()))
            .unwrap()
    };
    assert_eq!(t(a).title, "Disk full on web-01");
    assert_eq!(t(a).source, "rt");
    assert_eq!(t(a).customer, "acme");
    assert_eq!(t(a).policy, "rt-2h");
    assert_eq!(t(a).priority, fieldline_sla::Priority::P1);
    assert_eq!(t(b).minutes, 15);
    assert_eq!(t(b).policy, "rt-4h", "RT's default level");
    assert_eq!(t(c).state, TicketState::WaitingOnCustomer);

    // RT computed the resolution deadline of ticket a from its SLA level and business
    // hours; Fieldline replays the same policy from the same history. RT writes a
    // deadline that ends with a business day as the next day's opening, so the two are
    // compared in business time: no open minute may lie between them.
    let rt_due: Timestamp = json(rt.ticket(a).unwrap())["Due"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let sla = store.sla_config().unwrap().unwrap();
    let rows = board(&tickets, Some(&sla), Timestamp::now());
    let row = rows
        .iter()
        .find(|r| r.ticket.external_id.as_deref() == Some(&a.to_string()))
        .unwrap();
    let ours = row
        .clocks
        .iter()
        .find(|c| c.kind == ClockKind::Resolution)
        .and_then(|c| c.due)
        .unwrap();
    let cal = sla.policies["rt-2h"].calendar_for(fieldline_sla::Priority::P1);
    let between = cal
        .open_between(ours.min(rt_due), ours.max(rt_due))
        .unwrap();
    assert_eq!(
        between.as_secs(),
        0,
        "Fieldline says due {ours}, RT says {rt_due}: {}s of business time apart",
        between.as_secs()
    );

    // A second sync pulls nothing new and changes nothing.
    let again = sync(&mut store, &rt, &cfg);
    assert_eq!(again.error, None);
    assert_eq!((again.pulled_new, again.pulled_updated), (0, 0));
}

#[test]
fn offline_changes_reach_rt_exactly_once_when_it_is_back() {
    let rt = start_rt();
    let (_dir, mut store) = store();
    let a = rt.create_ticket("VPN drops every hour", "", "").unwrap();
    let cfg = config(&rt);
    assert_eq!(sync(&mut store, &rt, &cfg).error, None);
    let id = local_id(&store, a);

    // Offline: the server is gone.
    rt.stop_server().unwrap();
    let now = Timestamp::now();
    store
        .change_ticket(
            id,
            now,
            TicketChange::State {
                state: TicketState::InProgress,
            },
        )
        .unwrap();
    store
        .change_ticket(
            id,
            now,
            TicketChange::Note {
                text: "Replaced the router's PSU".into(),
            },
        )
        .unwrap();
    store
        .change_ticket(
            id,
            now,
            TicketChange::Time {
                minutes: 45,
                on_site: true,
                note: "on site at HQ".into(),
            },
        )
        .unwrap();
    store
        .change_ticket(
            id,
            now,
            TicketChange::Priority {
                priority: fieldline_sla::Priority::P2,
            },
        )
        .unwrap();
    let offline = sync(&mut store, &rt, &cfg);
    let err = offline
        .error
        .clone()
        .expect("the sync must fail while RT is down");
    assert!(err.contains("cannot reach the helpdesk"), "{err}");
    assert_eq!(offline.waiting, 4, "nothing lost: {offline:?}");
    let status = store.sync_status("rt").unwrap();
    assert_eq!(status.last_error.as_deref(), Some(err.as_str()));
    assert!(
        status.last_success.is_some(),
        "the earlier success is still shown"
    );

    rt.start_server().unwrap();
    let back = sync(&mut store, &rt, &cfg);
    assert_eq!(back.error, None, "{back:?}");
    assert_eq!(back.pushed, 4);
    assert_eq!(back.waiting, 0);
    // And again: nothing is sent twice.
    let again = sync(&mut store, &rt, &cfg);
    assert_eq!((again.pushed, again.error.clone()), (0, None), "{again:?}");

    let h = history(&rt, a);
    let count = |f: &dyn Fn(&Txn) -> bool| h.iter().filter(|t| f(t)).count();
    assert_eq!(count(&|t| t.0 == "Status" && t.2 == "open"), 1, "{h:?}");
    assert_eq!(
        count(&|t| t.0 == "Comment" && t.3 == 0),
        1,
        "one note: {h:?}"
    );
    assert_eq!(
        count(&|t| t.0 == "Comment" && t.3 == 45),
        1,
        "one time entry: {h:?}"
    );
    assert_eq!(count(&|t| t.0 == "Set" && t.1 == "Priority"), 1, "{h:?}");
    let v = json(rt.ticket(a).unwrap());
    assert_eq!(v["TimeWorked"].as_str(), Some("45"));
    assert_eq!(v["Priority"].as_str(), Some("50"));
    // Locally the ticket keeps its minutes once RT has them (not counted twice).
    assert_eq!(store.ticket(id).unwrap().minutes, 45);
}

/// Wraps the real connector and kills the real server at a chosen moment.
struct Crash<'a> {
    inner: RequestTracker,
    rt: &'a Rt,
    applies: Cell<u32>,
    /// Kill after this many applies have reached the server.
    after: u32,
    /// The apply that reaches the server loses its answer (killed before it returns).
    lose_answer: bool,
    /// The first apply never reaches the server (the connection died on the way).
    lost_on_the_way: bool,
}

impl Crash<'_> {
    /// Kills the server once the first change reached it; `lose_answer`: before its
    /// answer comes back.
    fn after_first_apply<'a>(rt: &'a Rt, cfg: &ConnectionConfig, lose_answer: bool) -> Crash<'a> {
        Crash {
            inner: connector(rt, cfg),
            rt,
            applies: Cell::new(0),
            after: 1,
            lose_answer,
            lost_on_the_way: false,
        }
    }

    /// The first change never reaches the server: it is left `sending`.
    fn first_apply_lost_on_the_way<'a>(rt: &'a Rt, cfg: &ConnectionConfig) -> Crash<'a> {
        Crash {
            inner: connector(rt, cfg),
            rt,
            applies: Cell::new(0),
            after: u32::MAX,
            lose_answer: false,
            lost_on_the_way: true,
        }
    }
}

impl Connector for Crash<'_> {
    fn test(&self) -> Result<fieldline_sync::ServerInfo, SyncError> {
        self.inner.test()
    }
    fn changed_since(
        &self,
        since: Option<Timestamp>,
        page: &mut dyn FnMut(Page) -> Result<(), SyncError>,
    ) -> Result<Timestamp, SyncError> {
        self.inner.changed_since(since, page)
    }
    fn ids_in_scope(&self) -> Result<Vec<String>, SyncError> {
        self.inner.ids_in_scope()
    }
    fn fetch(&self, id: &str) -> Result<(RemoteTicket, String), SyncError> {
        self.inner.fetch(id)
    }
    fn find_applied(&self, id: &str, v: &str, c: &Outgoing) -> Result<Option<String>, SyncError> {
        self.inner.find_applied(id, v, c)
    }
    fn apply(&self, id: &str, v: &str, c: &Outgoing) -> Result<Applied, SyncError> {
        if self.lost_on_the_way && self.applies.get() == 0 {
            self.applies.set(1);
            return Err(SyncError::Unreachable {
                url: "test".into(),
                detail: "the connection died before the change reached RT".into(),
            });
        }
        let answer = self.inner.apply(id, v, c)?;
        self.applies.set(self.applies.get() + 1);
        if self.applies.get() == self.after {
            self.rt.kill_server().unwrap();
            if self.lose_answer {
                return Err(SyncError::Unreachable {
                    url: "test".into(),
                    detail: "the answer was lost".into(),
                });
            }
        }
        Ok(answer)
    }
}

#[test]
fn server_killed_between_two_changes_and_an_answer_lost_apply_nothing_twice() {
    let rt = start_rt();
    let (_dir, mut store) = store();
    let a = rt.create_ticket("Backup job failing", "", "").unwrap();
    let cfg = config(&rt);
    assert_eq!(sync(&mut store, &rt, &cfg).error, None);
    let id = local_id(&store, a);
    let now = Timestamp::now();
    for text in ["first note", "second note", "third note"] {
        store
            .change_ticket(id, now, TicketChange::Note { text: text.into() })
            .unwrap();
    }

    // The server dies right after the first change reached it.
    let crash = Crash::after_first_apply(&rt, &cfg, false);
    let r = sync_once(&mut store, &crash, &cfg, Timestamp::now);
    assert!(r.error.is_some(), "{r:?}");
    assert_eq!((r.pushed, r.waiting), (1, 2), "{r:?}");

    // Back up; the next change reaches RT but its answer is lost (killed before it came).
    rt.start_server().unwrap();
    let crash = Crash::after_first_apply(&rt, &cfg, true);
    let r = sync_once(&mut store, &crash, &cfg, Timestamp::now);
    assert!(r.error.is_some(), "{r:?}");
    assert_eq!(r.waiting, 2, "the unconfirmed change still waits: {r:?}");
    let pending = store.pending_changes("rt").unwrap();
    assert_eq!(pending[0].state, OutboxState::Sending);

    // Back up: the unconfirmed one is found in RT's history, not sent again.
    rt.start_server().unwrap();
    let r = sync(&mut store, &rt, &cfg);
    assert_eq!(r.error, None, "{r:?}");
    assert_eq!((r.already_applied, r.pushed, r.waiting), (1, 1, 0), "{r:?}");
    let notes = history(&rt, a)
        .into_iter()
        .filter(|t| t.0 == "Comment")
        .count();
    assert_eq!(notes, 3, "each note exactly once");
}

/// A note left `sending` by a run whose request never reached RT is not taken for another
/// comment made meanwhile by the same account (a colleague sharing it, a script): it is
/// sent, once.
#[test]
fn a_note_that_never_reached_rt_is_not_mistaken_for_a_colleagues_comment() {
    let rt = start_rt();
    let (_dir, mut store) = store();
    let a = rt.create_ticket("Printer offline", "", "").unwrap();
    let cfg = config(&rt);
    assert_eq!(sync(&mut store, &rt, &cfg).error, None);
    let id = local_id(&store, a);
    let note = "replaced the fuser; 프린터 정상";
    store
        .change_ticket(
            id,
            Timestamp::now(),
            TicketChange::Note { text: note.into() },
        )
        .unwrap();
    let lost = Crash::first_apply_lost_on_the_way(&rt, &cfg);
    let r = sync_once(&mut store, &lost, &cfg, Timestamp::now);
    assert!(r.error.is_some(), "{r:?}");
    assert_eq!(
        store.pending_changes("rt").unwrap()[0].state,
        OutboxState::Sending
    );
    // Meanwhile, under the same account, another comment lands on the ticket.
    rt.comment(a, "called the customer back", 0).unwrap();

    let r = sync(&mut store, &rt, &cfg);
    assert_eq!(r.error, None, "{r:?}");
    assert_eq!((r.already_applied, r.pushed, r.waiting), (0, 1, 0), "{r:?}");
    let comments = history(&rt, a)
        .into_iter()
        .filter(|t| t.0 == "Comment")
        .count();
    assert_eq!(
        comments, 2,
        "the colleague's comment and the note, once each"
    );

    // Lost again after it reached RT: now found there by its text, not sent twice.
    store
        .change_ticket(
            id,
            Timestamp::now(),
            TicketChange::Note { text: note.into() },
        )
        .unwrap();
    let crash = Crash::after_first_apply(&rt, &cfg, true);
    assert!(sync_once(&mut store, &crash, &cfg, Timestamp::now)
        .error
        .is_some());
    rt.start_server().unwrap();
    let r = sync(&mut store, &rt, &cfg);
    assert_eq!((r.already_applied, r.pushed), (1, 0), "{r:?}");
}

#[test]
fn a_change_rt_contradicts_waits_for_the_technician_and_is_never_overwritten() {
    let rt = start_rt();
    let (_dir, mut store) = store();
    let a = rt.create_ticket("Mail server certificate", "", "").unwrap();
    let b = rt.create_ticket("New laptop for Kim", "", "").unwrap();
    let cfg = config(&rt);
    assert_eq!(sync(&mut store, &rt, &cfg).error, None);
    let (ia, ib) = (local_id(&store, a), local_id(&store, b));

    // Offline, the technician resolves both and adds a note to a.
    let now = Timestamp::now();
    for id in [ia, ib] {
        store
            .change_ticket(
                id,
                now,
                TicketChange::State {
                    state: TicketState::Resolved,
                },
            )
            .unwrap();
    }
    store
        .change_ticket(
            ia,
            now,
            TicketChange::Note {
                text: "renewed, waiting for DNS".into(),
            },
        )
        .unwrap();
    // Meanwhile a colleague puts both on hold in RT.
    for id in [a, b] {
        rt.request(
            "PUT",
            &format!("/ticket/{id}"),
            Some(r#"{"Status":"stalled"}"#),
        )
        .unwrap()
        .expect(200)
        .unwrap();
    }

    let r = sync(&mut store, &rt, &cfg);
    assert_eq!(r.error, None, "{r:?}");
    assert_eq!(r.new_conflicts, 2, "{r:?}");
    assert_eq!(remote_status(&rt, a), "stalled", "not overwritten");
    assert_eq!(remote_status(&rt, b), "stalled", "not overwritten");
    assert!(
        !history(&rt, a).iter().any(|t| t.0 == "Comment"),
        "a's later note waits behind its conflict"
    );
    let conflicts = store.sync_conflicts(Some("rt")).unwrap();
    assert_eq!(conflicts.len(), 2);
    let ca = conflicts
        .iter()
        .find(|c| c.remote_id == a.to_string())
        .unwrap();
    assert_eq!(
        (
            ca.field.as_str(),
            ca.mine.as_str(),
            ca.theirs.as_str(),
            ca.base.as_str()
        ),
        ("state", "resolved", "stalled", "new")
    );
    // A sync before the decision changes nothing.
    let r = sync(&mut store, &rt, &cfg);
    assert_eq!((r.pushed, r.conflicts), (0, 2), "{r:?}");

    // Keep mine for a, take theirs for b.
    store
        .resolve_conflict(ca.outbox_id, Resolution::KeepMine, Timestamp::now())
        .unwrap();
    let cb = conflicts
        .iter()
        .find(|c| c.remote_id == b.to_string())
        .unwrap();
    let tb = store
        .resolve_conflict(cb.outbox_id, Resolution::TakeTheirs, Timestamp::now())
        .unwrap();
    assert_eq!(tb.state, TicketState::WaitingOnCustomer);

    let r = sync(&mut store, &rt, &cfg);
    assert_eq!(r.error, None, "{r:?}");
    assert_eq!((r.pushed, r.conflicts, r.waiting), (2, 0, 0), "{r:?}");
    assert_eq!(remote_status(&rt, a), "resolved");
    assert_eq!(remote_status(&rt, b), "stalled");
    assert_eq!(
        history(&rt, a).iter().filter(|t| t.0 == "Comment").count(),
        1
    );
    assert_eq!(
        store.ticket(ib).unwrap().state,
        TicketState::WaitingOnCustomer
    );
}

#[test]
fn a_revoked_token_is_a_clear_status_and_loses_nothing() {
    let mut rt = start_rt();
    let (_dir, mut store) = store();
    let a = rt.create_ticket("Firewall rule request", "", "").unwrap();
    let cfg = config(&rt);
    assert_eq!(sync(&mut store, &rt, &cfg).error, None);
    let id = local_id(&store, a);
    store
        .change_ticket(
            id,
            Timestamp::now(),
            TicketChange::Note {
                text: "rule added".into(),
            },
        )
        .unwrap();
    let token = rt.token().to_string();
    rt.revoke_tokens().unwrap();

    let r = sync(&mut store, &rt, &cfg);
    let err = r.error.clone().unwrap();
    assert!(err.contains("refused the credentials (HTTP 401)"), "{err}");
    assert!(
        !err.contains(&token),
        "the token never appears in a message"
    );
    assert_eq!(r.waiting, 1);
    let test = fieldline_sync::test_connection(&cfg, &token);
    assert!(
        !test.ok && test.message.contains("refused the credentials"),
        "{test:?}"
    );

    let fresh = rt.mint_token().unwrap();
    rt.use_token(&fresh);
    let r = sync(&mut store, &rt, &cfg);
    assert_eq!((r.error.clone(), r.pushed), (None, 1), "{r:?}");
    let test = fieldline_sync::test_connection(&cfg, &fresh);
    assert!(test.ok, "{test:?}");
    assert!(
        test.message.contains("Request Tracker 5"),
        "{}",
        test.message
    );
}

#[test]
fn hostile_and_huge_values_are_kept_as_bounded_text() {
    let rt = start_rt();
    let (_dir, mut store) = store();
    let html = r#"<img src=x onerror="alert(1)"><script>fetch('//evil')</script>"#;
    let a = rt.create_ticket(html, &"A".repeat(2_000_000), "").unwrap();
    let long = "긴 제목 ".repeat(200);
    let b = rt.create_ticket(&long, "", "").unwrap();
    let cfg = config(&rt);
    let r = sync(&mut store, &rt, &cfg);
    assert_eq!(r.error, None, "{r:?}");
    let ta = store.ticket(local_id(&store, a)).unwrap();
    assert_eq!(ta.title, html, "kept literally, as text");
    let tb = store.ticket(local_id(&store, b)).unwrap();
    assert!(tb.title.chars().count() <= fieldline_store::tickets::MAX_TITLE_CHARS);
    assert!(
        long.starts_with(tb.title.trim_end_matches('…')),
        "cut, not garbled"
    );

    // A note the size limit allows goes through whole; RT keeps it as text.
    let id = ta.id;
    store
        .change_ticket(
            id,
            Timestamp::now(),
            TicketChange::Note {
                text: format!("{html} {}", "x".repeat(60_000)),
            },
        )
        .unwrap();
    let r = sync(&mut store, &rt, &cfg);
    assert_eq!((r.error.clone(), r.pushed), (None, 1), "{r:?}");
}

#[test]
fn ten_thousand_tickets_first_sync_then_only_what_changed() {
    let rt = start_rt();
    let (_dir, mut store) = store();
    let ids = rt.seed_many(10_000).unwrap();
    let cfg = config(&rt);
    let r = sync(&mut store, &rt, &cfg);
    assert_eq!(r.error, None, "{r:?}");
    assert_eq!(r.pulled_new, 10_000);
    assert_eq!(store.sync_status("rt").unwrap().tickets, 10_000);
    let open = store.tickets(true).unwrap().len();
    assert!(
        open > 5_000 && open < 10_000,
        "seeded statuses mixed: {open} open"
    );

    // Five tickets change on the server: the next sync pulls those, not 10,000.
    for id in ids.clone().step_by(2_000) {
        rt.comment(id, "checked", 5).unwrap();
    }
    let r = sync(&mut store, &rt, &cfg);
    assert_eq!(r.error, None, "{r:?}");
    assert_eq!(r.pulled_new, 0);
    assert_eq!(r.pulled_updated, 5, "{r:?}");
    assert!(r.unchanged < 100, "the cursor keeps the pull small: {r:?}");
}

#[test]
fn a_change_rt_refuses_waits_with_rts_words_and_can_be_dropped() {
    let rt = start_rt();
    let (_dir, mut store) = store();
    let a = rt.create_ticket("Switch stack firmware", "", "").unwrap();
    let mut cfg = config(&rt);
    // A mapping mistake: "closed" is sent as a status RT's lifecycle does not have.
    cfg.mapping
        .statuses
        .insert("closed".into(), "archived".into());
    assert_eq!(sync(&mut store, &rt, &cfg).error, None);
    let id = local_id(&store, a);
    store
        .change_ticket(
            id,
            Timestamp::now(),
            TicketChange::State {
                state: TicketState::Closed,
            },
        )
        .unwrap();
    let r = sync(&mut store, &rt, &cfg);
    assert_eq!((r.error.clone(), r.new_conflicts), (None, 1), "{r:?}");
    assert_eq!(remote_status(&rt, a), "new");
    let c = &store.sync_conflicts(None).unwrap()[0];
    let said = c.detail.clone().unwrap_or_default();
    assert!(said.contains("archived"), "RT's own words: {said:?}");

    let t = store
        .resolve_conflict(c.outbox_id, Resolution::TakeTheirs, Timestamp::now())
        .unwrap();
    assert_eq!(t.state, TicketState::New, "back to what RT shows");
    let r = sync(&mut store, &rt, &cfg);
    assert_eq!((r.waiting, r.conflicts, r.pushed), (0, 0, 0), "{r:?}");
}

#[test]
fn a_ticket_deleted_in_rt_stops_its_clocks_here() {
    let rt = start_rt();
    let (_dir, mut store) = store();
    let a = rt.create_ticket("Spam: you won a prize", "", "").unwrap();
    let b = rt.create_ticket("Real work", "", "").unwrap();
    let cfg = config(&rt);
    assert_eq!(sync(&mut store, &rt, &cfg).error, None);
    let id = local_id(&store, a);
    assert_eq!(store.tickets(true).unwrap().len(), 2);

    // RT's search never shows a deleted ticket again, so a pull alone cannot see it.
    rt.request("DELETE", &format!("/ticket/{a}"), None)
        .unwrap()
        .expect(204)
        .unwrap();
    assert_eq!(remote_status(&rt, a), "deleted");
    let r = sync(&mut store, &rt, &cfg);
    assert_eq!((r.error.clone(), r.pulled_updated), (None, 0), "{r:?}");

    // The hourly reconcile reads the tickets the search lost.
    let later = || Timestamp::now() + jiff::SignedDuration::from_hours(2);
    let r = sync_once(&mut store, &connector(&rt, &cfg), &cfg, later);
    assert_eq!((r.error.clone(), r.pulled_updated), (None, 1), "{r:?}");
    assert_eq!(store.ticket(id).unwrap().state, TicketState::Closed);
    let open = store.tickets(true).unwrap();
    assert_eq!(open.len(), 1, "no clock runs for the deleted one");
    assert_eq!(open[0].external_id, Some(b.to_string()));
}

#[test]
fn a_ticket_moved_out_of_the_pulled_queues_is_forgotten_once_its_changes_went_out() {
    let rt = start_rt();
    let (_dir, mut store) = store();
    let a = rt.create_ticket("Belongs to projects", "", "").unwrap();
    let b = rt
        .create_ticket("Also moved, but edited here", "", "")
        .unwrap();
    let cfg = config(&rt);
    assert_eq!(sync(&mut store, &rt, &cfg).error, None);
    let ib = local_id(&store, b);
    rt.stop_server().unwrap();
    store
        .change_ticket(
            ib,
            Timestamp::now(),
            TicketChange::Note {
                text: "offline note".into(),
            },
        )
        .unwrap();
    rt.start_server().unwrap();
    for id in [a, b] {
        rt.request(
            "PUT",
            &format!("/ticket/{id}"),
            Some(r#"{"Queue":"Elsewhere"}"#),
        )
        .unwrap()
        .expect(200)
        .unwrap();
    }
    let later = || Timestamp::now() + jiff::SignedDuration::from_hours(2);
    let r = sync_once(&mut store, &connector(&rt, &cfg), &cfg, later);
    assert_eq!(r.error, None, "{r:?}");
    // b's note still went out (it was queued before the move was seen) ...
    assert_eq!(r.pushed, 1, "{r:?}");
    // ... then both, with nothing left waiting, are no longer kept here.
    assert_eq!(r.gone, 2, "{r:?}");
    assert!(store.remote_ticket("rt", &a.to_string()).unwrap().is_none());
    assert!(store.tickets(false).unwrap().is_empty());
}
