//! Reference cases for the SLA math, as a table, plus properties that must hold for any
//! history. Times are written with their UTC offset so each case reads as a technician
//! would check it on a wall clock.

use fieldline_sla::*;
use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;
use std::sync::Arc;

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn hours(h: i64) -> SignedDuration {
    SignedDuration::from_hours(h)
}

fn office(zone: &str, holidays: &[Date]) -> Calendar {
    let day = vec![Window::hm((9, 0), (18, 0))];
    Calendar::new(
        zone,
        [
            day.clone(),
            day.clone(),
            day.clone(),
            day.clone(),
            day,
            vec![],
            vec![],
        ],
        holidays.iter().copied(),
    )
    .expect("calendar")
}

fn policy(cal: Calendar, resolution_p3: i64) -> Arc<Policy> {
    let t = |first: i64, res: i64, always: bool| Targets {
        first_response: hours(first),
        resolution: hours(res),
        around_the_clock: always,
    };
    Arc::new(Policy {
        name: "standard".into(),
        calendar: cal,
        targets: [
            t(1, 4, true),
            t(2, 4, false),
            t(4, resolution_p3, false),
            t(8, 24, false),
        ],
        pause_in: vec![TicketState::WaitingOnCustomer],
        thresholds: vec![50, 75, 90],
    })
}

fn opened(at: &str, priority: Priority, policy: &Arc<Policy>) -> Event {
    Event::Opened {
        at: ts(at),
        priority,
        policy: policy.clone(),
    }
}

fn state(at: &str, state: TicketState) -> Event {
    Event::StateChanged { at: ts(at), state }
}

fn resolution(events: &[Event], now: &str) -> ClockState {
    clock(events, ClockKind::Resolution, ts(now)).expect("clock")
}

#[test]
fn due_times_of_the_reference_cases() {
    let seoul = policy(office("Asia/Seoul", &[]), 4);
    let long = policy(office("Asia/Seoul", &[]), 100);
    let christmas = Date::new(2026, 12, 25).expect("date");
    let auckland = policy(office("Pacific/Auckland", &[christmas]), 2);
    use Priority::*;
    // (case, history, now, expected due)
    let cases: Vec<(&str, Vec<Event>, &str, &str)> = vec![
        (
            "opened outside business hours: the clock starts at the next opening",
            vec![opened("2026-11-24T20:00:00+09:00", P3, &seoul)],
            "2026-11-24T20:00:00+09:00",
            "2026-11-25T13:00:00+09:00",
        ),
        (
            "over a weekend: Friday 16:00 + 4 h is Monday 11:00",
            vec![opened("2026-11-27T16:00:00+09:00", P3, &seoul)],
            "2026-11-27T16:00:00+09:00",
            "2026-11-30T11:00:00+09:00",
        ),
        (
            "across a holiday in a zone 13 hours ahead of UTC: Christmas is closed there, not a day early",
            vec![opened("2026-12-24T17:00:00+13:00", P3, &auckland)],
            "2026-12-24T17:00:00+13:00",
            "2026-12-28T10:00:00+13:00",
        ),
        (
            "P1 runs around the clock, weekend or not",
            vec![opened("2026-11-28T10:00:00+09:00", P1, &seoul)],
            "2026-11-28T10:00:00+09:00",
            "2026-11-28T14:00:00+09:00",
        ),
        (
            "a pause spanning days keeps the hour used before it",
            vec![
                opened("2026-11-23T09:00:00+09:00", P3, &seoul),
                state("2026-11-23T10:00:00+09:00", TicketState::WaitingOnCustomer),
                state("2026-11-25T15:00:00+09:00", TicketState::InProgress),
            ],
            "2026-11-25T15:00:00+09:00",
            "2026-11-25T18:00:00+09:00",
        ),
        (
            "a target longer than a week: 100 business hours are 11 days and 1 hour",
            vec![opened("2026-11-23T09:00:00+09:00", P3, &long)],
            "2026-11-23T09:00:00+09:00",
            "2026-12-08T10:00:00+09:00",
        ),
        (
            "a priority raised mid-ticket: 2 h used of P4's 24 h, P2 allows 4 h",
            vec![
                opened("2026-11-23T09:00:00+09:00", P4, &seoul),
                Event::PriorityChanged { at: ts("2026-11-23T11:00:00+09:00"), priority: P2 },
            ],
            "2026-11-23T11:00:00+09:00",
            "2026-11-23T13:00:00+09:00",
        ),
    ];
    let mut wrong = Vec::new();
    for (case, events, now, due) in cases {
        let c = resolution(&events, now);
        if c.due != Some(ts(due)) {
            wrong.push(format!(
                "{case}: due {:?}, expected {due}",
                c.due.map(|d| d.to_string())
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn a_policy_changed_mid_ticket_keeps_the_time_used_and_the_pause() {
    let a = policy(office("Asia/Seoul", &[]), 8);
    let b = policy(office("Asia/Seoul", &[]), 16);
    let events = vec![
        opened("2026-11-23T09:00:00+09:00", Priority::P3, &a),
        state("2026-11-23T10:00:00+09:00", TicketState::WaitingOnCustomer),
        state("2026-11-23T13:00:00+09:00", TicketState::InProgress),
        Event::PolicyChanged {
            at: ts("2026-11-23T14:00:00+09:00"),
            policy: b,
        },
    ];
    let c = resolution(&events, "2026-11-23T15:00:00+09:00");
    assert_eq!(
        c.elapsed,
        hours(3),
        "9-10, 13-14 and 14-15; the pause 10-13 not counted"
    );
    assert_eq!(c.target, hours(16));
    assert_eq!(c.due, Some(ts("2026-11-25T10:00:00+09:00")));
}

#[test]
fn thresholds_and_the_breach_are_dated() {
    let p = policy(office("Asia/Seoul", &[]), 4);
    let events = vec![opened("2026-11-23T09:00:00+09:00", Priority::P3, &p)];
    let c = resolution(&events, "2026-11-23T14:00:00+09:00");
    assert_eq!(
        c.crossed,
        vec![
            (50, ts("2026-11-23T11:00:00+09:00")),
            (75, ts("2026-11-23T12:00:00+09:00")),
            (90, ts("2026-11-23T12:36:00+09:00")),
        ]
    );
    assert_eq!(c.breached_at, Some(ts("2026-11-23T13:00:00+09:00")));
    assert_eq!(c.remaining, -hours(1));
    assert_eq!(
        c.due, c.breached_at,
        "a breached clock's due time is the breach"
    );
}

#[test]
fn first_response_stops_at_the_first_reply_and_resolution_at_resolved() {
    let p = policy(office("Asia/Seoul", &[]), 4);
    let events = vec![
        opened("2026-11-23T09:00:00+09:00", Priority::P3, &p),
        Event::Responded {
            at: ts("2026-11-23T10:30:00+09:00"),
        },
        state("2026-11-23T11:00:00+09:00", TicketState::Resolved),
    ];
    let first = clock(
        &events,
        ClockKind::FirstResponse,
        ts("2026-11-24T09:00:00+09:00"),
    )
    .expect("clock");
    assert_eq!(first.elapsed, SignedDuration::from_mins(90));
    assert!(!first.running && first.due.is_none());
    assert_eq!(first.stopped_at, Some(ts("2026-11-23T10:30:00+09:00")));
    let res = resolution(&events, "2026-11-24T09:00:00+09:00");
    assert_eq!(res.elapsed, hours(2));
    assert_eq!(res.stopped_at, Some(ts("2026-11-23T11:00:00+09:00")));
}

#[test]
fn both_dst_transitions_count_real_hours() {
    // Berlin springs forward on 2026-03-29 (02:00 → 03:00) and falls back on 2026-10-25.
    let night = vec![Window::hm((1, 0), (4, 0))];
    let sundays = Calendar::new(
        "Europe/Berlin",
        [vec![], vec![], vec![], vec![], vec![], vec![], night],
        [],
    )
    .expect("calendar");
    let spring = sundays
        .open_between(
            ts("2026-03-28T12:00:00+01:00"),
            ts("2026-03-30T00:00:00+02:00"),
        )
        .expect("open");
    assert_eq!(
        spring,
        hours(2),
        "01:00-04:00 on the spring-forward night is 2 real hours"
    );
    let autumn = sundays
        .open_between(
            ts("2026-10-24T12:00:00+02:00"),
            ts("2026-10-26T00:00:00+01:00"),
        )
        .expect("open");
    assert_eq!(
        autumn,
        hours(4),
        "01:00-04:00 on the fall-back night is 4 real hours"
    );

    // Around the clock, 24 real hours across the spring gap end at 13:00 on the wall.
    let always = Calendar::around_the_clock("Europe/Berlin").expect("calendar");
    assert_eq!(
        always
            .add_open_time(ts("2026-03-28T12:00:00+01:00"), hours(24))
            .expect("due"),
        ts("2026-03-29T13:00:00+02:00")
    );
}

#[test]
fn an_opening_time_inside_a_dst_gap_moves_forward_by_the_gap() {
    let gap = vec![Window::hm((2, 30), (5, 0))];
    let cal = Calendar::new(
        "Europe/Berlin",
        [vec![], vec![], vec![], vec![], vec![], vec![], gap],
        [],
    )
    .expect("calendar");
    let due = cal
        .add_open_time(
            ts("2026-03-29T00:00:00+01:00"),
            SignedDuration::from_mins(1),
        )
        .expect("due");
    assert_eq!(
        due,
        ts("2026-03-29T03:31:00+02:00"),
        "02:30 does not exist that night; it opens at 03:30"
    );
}

#[test]
fn impossible_calendars_are_clear_errors() {
    let none: [Vec<Window>; 7] = Default::default();
    assert_eq!(
        Calendar::new("Asia/Seoul", none, []).err(),
        Some(SlaError::NeverOpen)
    );
    let backwards = [
        vec![Window::hm((18, 0), (9, 0))],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
    ];
    assert!(matches!(
        Calendar::new("Asia/Seoul", backwards, []),
        Err(SlaError::BadWindow { .. })
    ));
    let overlap = [
        vec![Window::hm((9, 0), (13, 0)), Window::hm((12, 0), (18, 0))],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
    ];
    assert!(matches!(
        Calendar::new("Asia/Seoul", overlap, []),
        Err(SlaError::OverlappingWindows { .. })
    ));
    assert!(matches!(
        Calendar::new("Asia/Busan", Default::default(), []),
        Err(SlaError::UnknownTimeZone(_))
    ));
    assert_eq!(
        clock(&[], ClockKind::Resolution, ts("2026-11-23T09:00:00Z")).err(),
        Some(SlaError::NotOpened)
    );
}

/// A random history: opened Monday 09:00 KST, then a few state changes at random
/// minutes over three weeks.
fn history() -> impl Strategy<Value = Vec<(i64, u8)>> {
    prop::collection::vec((0i64..30_240, 0u8..3), 0..8).prop_map(|mut v| {
        v.sort();
        v
    })
}

fn events_of(p: &Arc<Policy>, steps: &[(i64, u8)]) -> Vec<Event> {
    let start = ts("2026-11-23T09:00:00+09:00");
    let mut out = vec![Event::Opened {
        at: start,
        priority: Priority::P3,
        policy: p.clone(),
    }];
    for (min, s) in steps {
        let state = [
            TicketState::InProgress,
            TicketState::WaitingOnCustomer,
            TicketState::New,
        ][*s as usize];
        out.push(Event::StateChanged {
            at: start + SignedDuration::from_mins(*min),
            state,
        });
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn remaining_time_never_grows_as_time_passes(steps in history(), a in 0i64..40_000, b in 0i64..40_000) {
        let p = policy(office("Asia/Seoul", &[]), 40);
        let events = events_of(&p, &steps);
        let start = ts("2026-11-23T09:00:00+09:00");
        let (early, late) = (a.min(b), a.max(b));
        let c1 = clock(&events, ClockKind::Resolution, start + SignedDuration::from_mins(early)).expect("clock");
        let c2 = clock(&events, ClockKind::Resolution, start + SignedDuration::from_mins(late)).expect("clock");
        prop_assert!(c2.remaining <= c1.remaining);
    }

    #[test]
    fn pausing_never_brings_the_due_time_forward(steps in history(), from in 0i64..20_000, len in 1i64..5_000) {
        let p = policy(office("Asia/Seoul", &[]), 40);
        let start = ts("2026-11-23T09:00:00+09:00");
        // The same history with every state change removed inside the pause, plus the pause.
        let kept: Vec<(i64, u8)> = steps.iter().copied().filter(|(m, _)| *m < from || *m >= from + len).collect();
        let without = events_of(&p, &kept.iter().copied().filter(|(m, _)| *m < from).collect::<Vec<_>>());
        let mut with = without.clone();
        with.push(Event::StateChanged { at: start + SignedDuration::from_mins(from), state: TicketState::WaitingOnCustomer });
        with.push(Event::StateChanged { at: start + SignedDuration::from_mins(from + len), state: TicketState::InProgress });
        let mut without = without;
        without.push(Event::StateChanged { at: start + SignedDuration::from_mins(from), state: TicketState::InProgress });
        let now = start + SignedDuration::from_mins(from + len);
        let a = clock(&without, ClockKind::Resolution, now).expect("clock");
        let b = clock(&with, ClockKind::Resolution, now).expect("clock");
        prop_assert!(b.elapsed <= a.elapsed);
        if let (Some(da), Some(db)) = (a.due, b.due) {
            prop_assert!(db >= da, "pause moved due from {} to {}", da, db);
        }
    }
}

/// Calendars for the fast-path property: no DST, both hemispheres' DST, a split day,
/// a window ending at midnight, holidays.
fn calendars() -> Vec<Calendar> {
    let split = vec![Window::hm((8, 0), (12, 0)), Window::hm((13, 0), (24, 0))];
    let night = vec![Window::hm((0, 0), (3, 30)), Window::hm((22, 0), (24, 0))];
    let christmas = Date::new(2026, 12, 25).expect("date");
    let easter = Date::new(2026, 4, 5).expect("date");
    vec![
        office("Asia/Seoul", &[christmas]),
        office("Europe/Berlin", &[easter, christmas]),
        Calendar::new(
            "America/New_York",
            [
                split.clone(),
                split.clone(),
                vec![],
                split.clone(),
                split,
                night.clone(),
                vec![],
            ],
            [christmas],
        )
        .expect("calendar"),
        Calendar::new(
            "Pacific/Auckland",
            [
                night.clone(),
                vec![],
                night.clone(),
                vec![],
                night.clone(),
                night.clone(),
                night,
            ],
            [christmas],
        )
        .expect("calendar"),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// The fast path (no time-zone look-ups while the offset is steady) answers exactly
    /// as the day-by-day path through the zone's rules, across DST changes and holidays.
    #[test]
    fn the_fast_path_agrees_with_the_exact_one(cal in 0usize..4, start in 0i64..(2 * 365 * 24 * 60), len in 0i64..(90 * 24 * 60), secs in 0i64..60) {
        let cal = &calendars()[cal];
        let from = ts("2025-06-01T00:00:00Z") + SignedDuration::from_mins(start) + SignedDuration::from_secs(secs);
        let to = from + SignedDuration::from_mins(len);
        prop_assert_eq!(cal.open_between(from, to).expect("fast"), cal.open_between_exact(from, to).expect("exact"));
        let amount = SignedDuration::from_mins(len / 8 + 1);
        prop_assert_eq!(cal.add_open_time(from, amount).expect("fast"), cal.add_open_time_exact(from, amount).expect("exact"));
    }
}

#[test]
fn a_priority_raised_past_its_new_target_is_breached_at_that_instant() {
    let p = policy(office("Asia/Seoul", &[]), 16);
    // 90 business minutes used as P4, then raised to P1 (first response 1 h): breached
    // when raised, not a moment later.
    let raised = ts("2026-11-24T10:30:00+09:00");
    let events = vec![
        opened("2026-11-24T09:00:00+09:00", Priority::P4, &p),
        Event::PriorityChanged {
            at: raised,
            priority: Priority::P1,
        },
    ];
    let c = clock(&events, ClockKind::FirstResponse, raised).expect("clock");
    assert_eq!(c.breached_at, Some(raised));
    assert_eq!(c.remaining, SignedDuration::from_mins(-30));
    let crossed: Vec<u8> = c.crossed.iter().map(|(p, _)| *p).collect();
    assert_eq!(crossed, [50, 75, 90]);
}
