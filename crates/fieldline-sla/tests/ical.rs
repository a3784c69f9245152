//! Holidays from iCalendar files: a realistic Korean holiday calendar, the rules for
//! all-day and timed events and yearly rules, every malformed case with its line, the
//! hook into the policy file, and properties that hostile input never panics.

use fieldline_sla::ical::{self, MAX_BYTES, MAX_DATES, OPEN_ENDED_YEARS};
use fieldline_sla::policy_file::{self, FileIssue};
use fieldline_sla::{clock, ClockKind, Event, Priority};
use jiff::civil::Date;
use jiff::Timestamp;
use proptest::prelude::*;
use std::cell::Cell;
use std::sync::Arc;

fn d(s: &str) -> Date {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn dates(list: &[&str]) -> Vec<Date> {
    list.iter().map(|s| d(s)).collect()
}

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

/// Lines joined with CRLF, as RFC 5545 writes them.
fn crlf(lines: &[&str]) -> String {
    let mut s = lines.join("\r\n");
    s.push_str("\r\n");
    s
}

/// A calendar around some content lines: BEGIN:VCALENDAR is line 1, VERSION line 2, so
/// the first given line is line 3.
fn cal(lines: &[&str]) -> String {
    let mut all = vec!["BEGIN:VCALENDAR", "VERSION:2.0"];
    all.extend_from_slice(lines);
    all.push("END:VCALENDAR");
    crlf(&all)
}

/// The public holidays of South Korea in 2026 as Google Calendar exports them (trimmed):
/// three-day Seollal and Chuseok with DTEND, Christmas as a yearly rule, a cancelled
/// event, a VTIMEZONE, an alarm, folded lines and CRLF.
fn korea() -> String {
    crlf(&[
        "BEGIN:VCALENDAR",
        "PRODID:-//Google Inc//Google Calendar 70.9054//EN",
        "VERSION:2.0",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:대한민국의 휴일",
        "X-WR-TIMEZONE:Asia/Seoul",
        "X-WR-CALDESC:대한민국의 공휴일",
        "BEGIN:VTIMEZONE",
        "TZID:Asia/Seoul",
        "BEGIN:STANDARD",
        "TZOFFSETFROM:+0900",
        "TZOFFSETTO:+0900",
        "TZNAME:KST",
        "DTSTART:19700101T000000",
        "END:STANDARD",
        "END:VTIMEZONE",
        "BEGIN:VEVENT",
        "DTSTART;VALUE=DATE:20260216",
        "DTEND;VALUE=DATE:20260219",
        "DTSTAMP:20260101T000000Z",
        "UID:20260216_seollal@holiday.example",
        "CLASS:PUBLIC",
        "DESCRIPTION:공휴일\\n설날 전날\\, 설날\\, 설날 다음날. A description long enou",
        " gh to be folded onto a second line\\, as RFC 5545 asks of lines over 75",
        "  octets.",
        "STATUS:CONFIRMED",
        "SUMMARY:설날 연휴 (Seollal)",
        "TRANSP:TRANSPARENT",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "DTSTART;VALUE=DATE:20260301",
        "UID:20260301_samiljeol@holiday.example",
        "SUMMARY:삼일절",
        "END:VEVENT",
        "begin:vevent",
        "dtstart;value=date:20260924",
        "DTEND;VALUE=",
        "\tDATE:20260927",
        "UID:20260924_chuseok@holiday.example",
        "SUMMARY:추석 연휴 (Chuseok)",
        "end:vevent",
        "BEGIN:VEVENT",
        "DTSTART;VALUE=DATE:20261225",
        "RRULE:FREQ=YEARLY;COUNT=3",
        "UID:christmas@holiday.example",
        "SUMMARY:기독탄신일 (Christmas)",
        "BEGIN:VALARM",
        "ACTION:DISPLAY",
        "TRIGGER:-P1D",
        "DTSTART:20991231",
        "END:VALARM",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "DTSTART;VALUE=DATE:20260505",
        "UID:20260505_cancelled@holiday.example",
        "STATUS:CANCELLED",
        "SUMMARY:Not a holiday after all",
        "END:VEVENT",
        "END:VCALENDAR",
    ])
}

#[test]
fn the_korean_holidays_calendar() {
    let got = ical::holidays("korea.ics", &korea()).expect("holidays");
    assert_eq!(
        got,
        dates(&[
            "2026-02-16",
            "2026-02-17",
            "2026-02-18",
            "2026-03-01",
            "2026-09-24",
            "2026-09-25",
            "2026-09-26",
            "2026-12-25",
            "2027-12-25",
            "2028-12-25",
        ])
    );
    // The same text with LF only reads the same.
    let lf = korea().replace("\r\n", "\n");
    assert_eq!(ical::holidays("korea.ics", &lf).expect("holidays"), got);
}

#[test]
fn events_and_rules_give_these_dates() {
    let open_ended: Vec<Date> = (0..=OPEN_ENDED_YEARS)
        .map(|y| Date::new(2026 + y as i16, 5, 5).expect("date"))
        .collect();
    // (case, events, expected dates)
    let cases: Vec<(&str, Vec<&str>, Vec<Date>)> = vec![
        (
            "a TZID date-time event uses the date as written; an end at 00:00 does not touch that date",
            vec![
                "BEGIN:VEVENT",
                "DTSTART;TZID=Asia/Seoul:20261009T000000",
                "DTEND;TZID=Asia/Seoul:20261010T000000",
                "END:VEVENT",
            ],
            dates(&["2026-10-09"]),
        ),
        (
            "a TZID date-time event across midnight closes both dates",
            vec![
                "BEGIN:VEVENT",
                "DTSTART;TZID=\"Korea Standard Time\":20261009T220000",
                "DTEND;TZID=\"Korea Standard Time\":20261010T020000",
                "END:VEVENT",
            ],
            dates(&["2026-10-09", "2026-10-10"]),
        ),
        (
            "a floating date-time without an end is its date",
            vec!["BEGIN:VEVENT", "DTSTART:20261009T090000", "END:VEVENT"],
            dates(&["2026-10-09"]),
        ),
        (
            "a date-time with a duration",
            vec![
                "BEGIN:VEVENT",
                "DTSTART:20261009T120000",
                "DURATION:P1DT13H",
                "END:VEVENT",
            ],
            dates(&["2026-10-09", "2026-10-10", "2026-10-11"]),
        ),
        (
            "an all-day event with DURATION",
            vec![
                "BEGIN:VEVENT",
                "DTSTART;VALUE=DATE:20260924",
                "DURATION:P3D",
                "END:VEVENT",
            ],
            dates(&["2026-09-24", "2026-09-25", "2026-09-26"]),
        ),
        (
            "an all-day DTEND equal to DTSTART is one day",
            vec![
                "BEGIN:VEVENT",
                "DTSTART;VALUE=DATE:20261003",
                "DTEND;VALUE=DATE:20261003",
                "END:VEVENT",
            ],
            dates(&["2026-10-03"]),
        ),
        (
            "eight digits without VALUE=DATE are a date",
            vec!["BEGIN:VEVENT", "DTSTART:20261003", "END:VEVENT"],
            dates(&["2026-10-03"]),
        ),
        (
            "a yearly rule with UNTIL, inclusive",
            vec![
                "BEGIN:VEVENT",
                "DTSTART;VALUE=DATE:20260101",
                "RRULE:FREQ=YEARLY;UNTIL=20280101",
                "END:VEVENT",
            ],
            dates(&["2026-01-01", "2027-01-01", "2028-01-01"]),
        ),
        (
            "a yearly rule without COUNT or UNTIL runs through DTSTART's year + 20",
            vec![
                "BEGIN:VEVENT",
                "DTSTART;VALUE=DATE:20260505",
                "RRULE:FREQ=YEARLY",
                "END:VEVENT",
            ],
            open_ended,
        ),
        (
            "February 29 skips the years without one, which do not count",
            vec![
                "BEGIN:VEVENT",
                "DTSTART;VALUE=DATE:20280229",
                "RRULE:FREQ=YEARLY;COUNT=2",
                "END:VEVENT",
            ],
            dates(&["2028-02-29", "2032-02-29"]),
        ),
        (
            "every second year, Outlook's BYMONTH and BYMONTHDAY on DTSTART's date",
            vec![
                "BEGIN:VEVENT",
                "DTSTART;VALUE=DATE:20260606",
                "RRULE:FREQ=YEARLY;INTERVAL=2;BYMONTHDAY=6;BYMONTH=6;COUNT=3;WKST=SU",
                "END:VEVENT",
            ],
            dates(&["2026-06-06", "2028-06-06", "2030-06-06"]),
        ),
        (
            "a multi-day yearly event gives every day of every year",
            vec![
                "BEGIN:VEVENT",
                "DTSTART;VALUE=DATE:20261231",
                "DTEND;VALUE=DATE:20270102",
                "RRULE:FREQ=YEARLY;COUNT=2",
                "END:VEVENT",
            ],
            dates(&["2026-12-31", "2027-01-01", "2027-12-31", "2028-01-01"]),
        ),
        (
            "EXDATE removes an occurrence, which still counts toward COUNT",
            vec![
                "BEGIN:VEVENT",
                "DTSTART;VALUE=DATE:20261225",
                "RRULE:FREQ=YEARLY;COUNT=3",
                "EXDATE;VALUE=DATE:20271225,20301225",
                "END:VEVENT",
            ],
            dates(&["2026-12-25", "2028-12-25"]),
        ),
        (
            "RDATE adds occurrences",
            vec![
                "BEGIN:VEVENT",
                "DTSTART;VALUE=DATE:20260603",
                "RDATE;VALUE=DATE:20280412,20300603",
                "SUMMARY:Election day",
                "END:VEVENT",
            ],
            dates(&["2026-06-03", "2028-04-12", "2030-06-03"]),
        ),
        (
            "an event with RECURRENCE-ID replaces that occurrence; a cancelled one removes it",
            vec![
                "BEGIN:VEVENT",
                "UID:founding",
                "DTSTART;VALUE=DATE:20261003",
                "RRULE:FREQ=YEARLY;COUNT=3",
                "END:VEVENT",
                "BEGIN:VEVENT",
                "UID:founding",
                "RECURRENCE-ID;VALUE=DATE:20271003",
                "DTSTART;VALUE=DATE:20271004",
                "END:VEVENT",
                "BEGIN:VEVENT",
                "UID:founding",
                "RECURRENCE-ID;VALUE=DATE:20281003",
                "STATUS:CANCELLED",
                "END:VEVENT",
            ],
            dates(&["2026-10-03", "2027-10-04"]),
        ),
        (
            "a UTC UNTIL is compared in DTSTART's zone when that is known",
            vec![
                "BEGIN:VEVENT",
                "DTSTART;TZID=Asia/Seoul:20261225T000000",
                "RRULE:FREQ=YEARLY;UNTIL=20271224T150000Z",
                "END:VEVENT",
            ],
            dates(&["2026-12-25", "2027-12-25"]),
        ),
        (
            "overlapping holidays merge",
            vec![
                "BEGIN:VEVENT",
                "DTSTART;VALUE=DATE:20261009",
                "END:VEVENT",
                "BEGIN:VEVENT",
                "DTSTART;VALUE=DATE:20261008",
                "DTEND;VALUE=DATE:20261011",
                "END:VEVENT",
            ],
            dates(&["2026-10-08", "2026-10-09", "2026-10-10"]),
        ),
        (
            "other components, their contents and unknown properties are ignored",
            vec![
                "BEGIN:VTODO",
                "DTSTART:20260101T000000Z",
                "RRULE:FREQ=DAILY",
                "END:VTODO",
                "X-ANYTHING;X-PARAM=\"a;b:c\":value",
                "BEGIN:VEVENT",
                "DTSTART;VALUE=DATE:20261009",
                "X-MICROSOFT-CDO-BUSYSTATUS:FREE",
                "ATTENDEE;CN=\"Kim, Min-jun\";ROLE=REQ-PARTICIPANT:mailto:kim@example.org",
                "END:VEVENT",
            ],
            dates(&["2026-10-09"]),
        ),
        ("a calendar without events has no holidays", vec![], vec![]),
    ];
    let mut wrong = Vec::new();
    for (case, lines, want) in cases {
        match ical::holidays("case.ics", &cal(&lines)) {
            Ok(got) if got == want => {}
            other => wrong.push(format!("{case}: got {other:?}, expected {want:?}")),
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The issue's line, field, and a piece of its message.
fn expect_issue(
    case: &str,
    text: &str,
    line: Option<u32>,
    field: &str,
    says: &str,
) -> Option<String> {
    match ical::holidays("bad.ics", text) {
        Ok(got) => Some(format!("{case}: accepted as {got:?}")),
        Err(issues) => {
            let hit = issues.iter().any(|i| {
                i.file == "bad.ics"
                    && i.line == line
                    && i.field == field
                    && i.message.contains(says)
            });
            (!hit).then(|| {
                format!("{case}: expected line {line:?} {field} {says:?}, got {issues:#?}")
            })
        }
    }
}

#[test]
fn malformed_files_are_clear_errors_at_their_line() {
    let huge_count = cal(&[
        "BEGIN:VEVENT",
        "DTSTART;VALUE=DATE:20260101",
        "DTEND;VALUE=DATE:20260103",
        "RRULE:FREQ=YEARLY;COUNT=4294967296",
        "END:VEVENT",
    ]);
    let oversize = {
        let filler = format!("X-FILLER:{}\r\n", "x".repeat(60));
        let event = ["BEGIN:VEVENT", "DTSTART;VALUE=DATE:20261225", "END:VEVENT"];
        let mut s = filler.repeat(MAX_BYTES / filler.len() + 1);
        s.insert_str(0, "BEGIN:VCALENDAR\r\n");
        s + &crlf(&event) + "END:VCALENDAR\r\n"
    };
    // (case, text, line, field, part of the message)
    let cases: Vec<(&str, String, Option<u32>, &str, &str)> = vec![
        (
            "no BEGIN:VCALENDAR",
            crlf(&["BEGIN:VEVENT", "DTSTART;VALUE=DATE:20261225", "END:VEVENT"]),
            Some(1),
            "file",
            "must start with BEGIN:VCALENDAR",
        ),
        (
            "a web page instead of a calendar",
            "\n<!DOCTYPE html>\n<html><body>Not found</body></html>\n".to_string(),
            Some(2),
            "file",
            "not an iCalendar file",
        ),
        ("an empty file", String::new(), Some(1), "file", "empty"),
        (
            "an unterminated VEVENT before END:VCALENDAR",
            cal(&["BEGIN:VEVENT", "DTSTART;VALUE=DATE:20261225"]),
            Some(3),
            "VEVENT",
            "END:VEVENT is missing before the END:VCALENDAR on line 5",
        ),
        (
            "an unterminated VEVENT before the next one",
            cal(&[
                "BEGIN:VEVENT",
                "DTSTART;VALUE=DATE:20261225",
                "BEGIN:VEVENT",
                "DTSTART;VALUE=DATE:20261226",
                "END:VEVENT",
            ]),
            Some(3),
            "VEVENT",
            "END:VEVENT is missing before the BEGIN:VEVENT on line 5",
        ),
        (
            "an unterminated VCALENDAR",
            crlf(&[
                "BEGIN:VCALENDAR",
                "VERSION:2.0",
                "BEGIN:VEVENT",
                "DTSTART:20261225",
                "END:VEVENT",
            ]),
            Some(1),
            "VCALENDAR",
            "END:VCALENDAR is missing at the end of the file",
        ),
        (
            "an END that does not match its BEGIN",
            cal(&[
                "BEGIN:VEVENT",
                "DTSTART;VALUE=DATE:20261225",
                "END:VTODO",
                "END:VEVENT",
            ]),
            Some(5),
            "file",
            "END:VTODO does not match the BEGIN:VEVENT on line 3",
        ),
        (
            "an END without a BEGIN",
            crlf(&["BEGIN:VCALENDAR", "END:VCALENDAR", "END:VEVENT"]),
            Some(3),
            "file",
            "END:VEVENT without a BEGIN:VEVENT",
        ),
        (
            "a bad date",
            cal(&["BEGIN:VEVENT", "DTSTART;VALUE=DATE:20261332", "END:VEVENT"]),
            Some(4),
            "VEVENT.DTSTART",
            "\"20261332\" is not a date like 20261225",
        ),
        (
            "a bad date on a folded line is reported where its content line starts",
            cal(&[
                "BEGIN:VEVENT",
                "SUMMARY:A summary folded",
                "  over two lines",
                "DTSTART;VALUE=",
                " DATE:2026",
                " 0230",
                "END:VEVENT",
            ]),
            Some(6),
            "VEVENT.DTSTART",
            "\"20260230\" is not a date",
        ),
        (
            "a missing DTSTART",
            cal(&["BEGIN:VEVENT", "SUMMARY:Hangul Day", "END:VEVENT"]),
            Some(3),
            "VEVENT.DTSTART",
            "no DTSTART",
        ),
        (
            "a date-time in UTC",
            cal(&["BEGIN:VEVENT", "DTSTART:20261224T150000Z", "END:VEVENT"]),
            Some(4),
            "VEVENT.DTSTART",
            "export the holidays as all-day events (VALUE=DATE:20261224)",
        ),
        (
            "an unsupported FREQ",
            cal(&[
                "BEGIN:VEVENT",
                "DTSTART;VALUE=DATE:20261225",
                "RRULE:FREQ=MONTHLY;COUNT=3",
                "END:VEVENT",
            ]),
            Some(5),
            "VEVENT.RRULE",
            "not supported for holidays",
        ),
        (
            "an unsupported BYDAY (Thanksgiving-style rules)",
            cal(&[
                "BEGIN:VEVENT",
                "DTSTART;VALUE=DATE:20261126",
                "RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=4TH",
                "END:VEVENT",
            ]),
            Some(5),
            "VEVENT.RRULE",
            "\"BYDAY=4TH\" is not supported for holidays",
        ),
        (
            "BYMONTHDAY on another day than DTSTART",
            cal(&[
                "BEGIN:VEVENT",
                "DTSTART;VALUE=DATE:20261225",
                "RRULE:FREQ=YEARLY;BYMONTHDAY=24",
                "END:VEVENT",
            ]),
            Some(5),
            "VEVENT.RRULE",
            "not supported for holidays",
        ),
        (
            "COUNT and UNTIL together",
            cal(&[
                "BEGIN:VEVENT",
                "DTSTART;VALUE=DATE:20261225",
                "RRULE:FREQ=YEARLY;COUNT=2;UNTIL=20301225",
                "END:VEVENT",
            ]),
            Some(5),
            "VEVENT.RRULE",
            "both COUNT and UNTIL",
        ),
        (
            "a UTC UNTIL on the day of an occurrence in an unknown zone",
            cal(&[
                "BEGIN:VEVENT",
                "DTSTART;VALUE=DATE:20261225",
                "RRULE:FREQ=YEARLY;UNTIL=20271224T150000Z",
                "END:VEVENT",
            ]),
            Some(5),
            "VEVENT.RRULE",
            "write UNTIL as a date (UNTIL=20271225)",
        ),
        (
            "UNTIL before DTSTART",
            cal(&[
                "BEGIN:VEVENT",
                "DTSTART;VALUE=DATE:20261225",
                "RRULE:FREQ=YEARLY;UNTIL=20251225",
                "END:VEVENT",
            ]),
            Some(5),
            "VEVENT.RRULE",
            "before DTSTART",
        ),
        (
            "DTEND before DTSTART",
            cal(&[
                "BEGIN:VEVENT",
                "DTSTART;VALUE=DATE:20261225",
                "DTEND;VALUE=DATE:20261224",
                "END:VEVENT",
            ]),
            Some(5),
            "VEVENT.DTEND",
            "before DTSTART",
        ),
        (
            "DTEND and DURATION together",
            cal(&[
                "BEGIN:VEVENT",
                "DTSTART;VALUE=DATE:20261225",
                "DTEND;VALUE=DATE:20261226",
                "DURATION:P1D",
                "END:VEVENT",
            ]),
            Some(6),
            "VEVENT.DURATION",
            "not both",
        ),
        (
            "an all-day event lasting hours",
            cal(&[
                "BEGIN:VEVENT",
                "DTSTART;VALUE=DATE:20261225",
                "DURATION:PT4H",
                "END:VEVENT",
            ]),
            Some(5),
            "VEVENT.DURATION",
            "whole days",
        ),
        (
            "DTSTART twice",
            cal(&[
                "BEGIN:VEVENT",
                "DTSTART;VALUE=DATE:20261225",
                "DTSTART;VALUE=DATE:20261226",
                "END:VEVENT",
            ]),
            Some(5),
            "VEVENT.DTSTART",
            "more than once",
        ),
        (
            "a line that is not a content line",
            cal(&[
                "BEGIN:VEVENT",
                "DTSTART;VALUE=DATE:20261225",
                "just some words",
                "END:VEVENT",
            ]),
            Some(5),
            "file",
            "not a content line",
        ),
        (
            "a lunar calendar scale",
            crlf(&["BEGIN:VCALENDAR", "CALSCALE:CHINESE", "END:VCALENDAR"]),
            Some(2),
            "VCALENDAR.CALSCALE",
            "only GREGORIAN",
        ),
        (
            "more than 10,000 dates from a huge COUNT",
            huge_count,
            Some(6),
            "VEVENT.RRULE",
            "more than 10,000 dates",
        ),
        (
            "a file over 2 MiB",
            oversize,
            None,
            "file",
            "larger than 2 MiB; split it into smaller files",
        ),
    ];
    let wrong: Vec<String> = cases
        .iter()
        .filter_map(|(case, text, line, field, says)| expect_issue(case, text, *line, field, says))
        .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn all_problems_are_collected_up_to_a_limit() {
    let text = cal(&[
        "BEGIN:VEVENT",
        "DTSTART;VALUE=DATE:20261332",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "SUMMARY:no date",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "DTSTART;VALUE=DATE:20261225",
        "RRULE:FREQ=WEEKLY",
        "END:VEVENT",
    ]);
    let issues = ical::holidays("bad.ics", &text).expect_err("issues");
    let lines: Vec<Option<u32>> = issues.iter().map(|i| i.line).collect();
    assert_eq!(lines, vec![Some(4), Some(6), Some(11)], "{issues:#?}");

    let mut many = vec!["BEGIN:VEVENT"];
    many.extend(std::iter::repeat_n("garbage", 5_000));
    many.push("END:VEVENT");
    let issues = ical::holidays("bad.ics", &cal(&many)).expect_err("issues");
    assert_eq!(issues.len(), 101, "100 problems and a last word");
    assert!(issues[100].message.contains("more than 100 problems"));
}

#[test]
fn hostile_files_end_with_an_error_not_a_hang() {
    let near = MAX_BYTES - 100;
    let one_line = "X".repeat(near);
    let folded = format!("BEGIN:VCALENDAR\r\nDTSTART:{}", "\r\n 1".repeat(near / 4));
    let nested = "BEGIN:VCALENDAR\r\n".to_string() + &"BEGIN:X\r\n".repeat(near / 9);
    let events = "BEGIN:VCALENDAR\r\n".to_string()
        + &"BEGIN:VEVENT\r\nDTSTART:20000229\r\nRRULE:FREQ=YEARLY;INTERVAL=100\r\nEND:VEVENT\r\n"
            .repeat(near / 80);
    let leap = "BEGIN:VCALENDAR\r\n".to_string()
        + &"BEGIN:VEVENT\r\nDTSTART:20000229\r\nRRULE:FREQ=YEARLY;UNTIL=99991231\r\nEND:VEVENT\r\n"
            .repeat(near / 80);
    for (case, text) in [
        ("one long line", one_line),
        ("one long folded line", folded),
        ("deep nesting", nested),
        ("many sparse rules", events),
        ("many long rules", leap),
    ] {
        assert!(text.len() <= MAX_BYTES, "{case}");
        let issues = ical::holidays("hostile.ics", &text).expect_err(case);
        assert!(
            !issues.is_empty() && issues.len() <= 101,
            "{case}: {issues:#?}"
        );
    }
    let too_many = MAX_DATES + 1;
    let long_holiday = cal(&[
        "BEGIN:VEVENT",
        "DTSTART;VALUE=DATE:20000101",
        &format!("DURATION:P{too_many}D"),
        "END:VEVENT",
    ]);
    assert!(ical::holidays("long.ics", &long_holiday).is_err());
}

const POLICY: &str = r#"
[[calendars]]
id = "seoul-office"
timezone = "Asia/Seoul"
mon = ["09:00-18:00"]
tue = ["09:00-18:00"]
wed = ["09:00-18:00"]
thu = ["09:00-18:00"]
fri = ["09:00-18:00"]
holidays = ["2026-12-31"]
holidays_ics = ["korea.ics"]

[[policies]]
id = "standard"
calendar = "seoul-office"
P1 = { first_response = "1h", resolution = "4h", around_the_clock = true }
P2 = { first_response = "2h", resolution = "8h" }
P3 = { first_response = "4h", resolution = "16h" }
P4 = { first_response = "8h", resolution = "40h" }
"#;

fn first_response_due(policy: &fieldline_sla::Policy, opened: &str) -> Option<Timestamp> {
    let events = vec![Event::Opened {
        at: ts(opened),
        priority: Priority::P3,
        policy: Arc::new(policy.clone()),
    }];
    clock(&events, ClockKind::FirstResponse, ts(opened))
        .expect("clock")
        .due
}

#[test]
fn imported_holidays_close_the_calendar() {
    let reads = Cell::new(0);
    let read = |name: &str| {
        reads.set(reads.get() + 1);
        match name {
            "korea.ics" => Ok(korea()),
            _ => Err("no such file".to_string()),
        }
    };
    let file = policy_file::parse_with("sla.toml", POLICY, &read).expect("policy file");
    assert_eq!(file.holiday_files, vec!["korea.ics".to_string()]);
    assert_eq!(reads.get(), 1);
    let policy = &file.policies["standard"];

    // P3, 4 h to first response, opened Wednesday 16:00 on the eve of Chuseok: 2 h that
    // day, then Chuseok (Thursday to Saturday) and Sunday are closed.
    let opened = "2026-09-23T16:00:00+09:00";
    assert_eq!(
        first_response_due(policy, opened),
        Some(ts("2026-09-28T11:00:00+09:00"))
    );
    // Without the holiday file the same ticket is due on Thursday.
    let plain = POLICY.replace("holidays_ics = [\"korea.ics\"]", "");
    let without = policy_file::parse("sla.toml", &plain).expect("policy file");
    assert!(without.holiday_files.is_empty());
    assert_eq!(
        first_response_due(&without.policies["standard"], opened),
        Some(ts("2026-09-24T11:00:00+09:00"))
    );
    // The holidays written in the policy file still count next to the imported ones.
    assert_eq!(
        first_response_due(policy, "2026-12-30T16:00:00+09:00"),
        Some(ts("2027-01-01T11:00:00+09:00")),
        "the 31st is closed; New Year's Day is not in the trimmed file"
    );
}

#[test]
fn holiday_files_in_the_policy_file_report_their_problems_where_they_are() {
    let issue = |r: Result<policy_file::PolicyFile, Vec<FileIssue>>| -> Vec<FileIssue> {
        r.expect_err("issues")
    };
    // `parse` reads no files.
    let got = issue(policy_file::parse("sla.toml", POLICY));
    assert_eq!(got.len(), 1, "{got:#?}");
    assert_eq!(
        (got[0].file.as_str(), got[0].line, got[0].field.as_str()),
        ("sla.toml", Some(11), "calendars.seoul-office.holidays_ics")
    );
    assert!(got[0]
        .message
        .contains("holiday files can only be read when importing a policy file from disk"));

    // A file that cannot be read: at the holidays_ics line of the policy file.
    let got = issue(policy_file::parse_with("sla.toml", POLICY, &|_| {
        Err("permission denied".to_string())
    }));
    assert_eq!(
        (got[0].line, got[0].message.as_str()),
        (Some(11), "cannot read \"korea.ics\": permission denied")
    );

    // A problem inside the .ics: with the .ics file's own name and line.
    let bad = korea().replace("DTSTART;VALUE=DATE:20260301", "DTSTART;VALUE=DATE:20260230");
    let got = issue(policy_file::parse_with("sla.toml", POLICY, &|_| {
        Ok(bad.clone())
    }));
    assert_eq!(got.len(), 1, "{got:#?}");
    assert_eq!(
        (got[0].file.as_str(), got[0].line, got[0].field.as_str()),
        ("korea.ics", Some(32), "VEVENT.DTSTART")
    );

    // The same file in two calendars is read once and listed once.
    let twice = format!(
        "{POLICY}\n[[calendars]]\nid = \"busan\"\ntimezone = \"Asia/Seoul\"\nmon = [\"09:00-18:00\"]\nholidays_ics = [\"korea.ics\", \"extra.ics\"]\n"
    );
    let reads = Cell::new(0);
    let file = policy_file::parse_with("sla.toml", &twice, &|name| {
        reads.set(reads.get() + 1);
        Ok(if name == "korea.ics" {
            korea()
        } else {
            cal(&[])
        })
    })
    .expect("policy file");
    assert_eq!(
        file.holiday_files,
        vec!["korea.ics".to_string(), "extra.ics".to_string()]
    );
    assert_eq!(reads.get(), 2);
}

/// A valid file with a few edits: characters deleted, pieces of iCalendar inserted.
fn mutated() -> impl Strategy<Value = String> {
    const PIECES: [&str; 22] = [
        "\r\n",
        "\r\n ",
        "\n\t",
        "BEGIN:VEVENT\r\n",
        "END:VEVENT\r\n",
        "END:VCALENDAR\r\n",
        "BEGIN:VALARM\r\n",
        "RRULE:FREQ=YEARLY;COUNT=999999\r\n",
        "RRULE:FREQ=YEARLY;INTERVAL=400\r\n",
        "RRULE:FREQ=YEARLY;UNTIL=99991231T235959Z\r\n",
        "DTSTART;VALUE=DATE:20280229\r\n",
        "DTSTART:99991231T230000\r\nDURATION:PT9999999H\r\n",
        "DURATION:P99999999999999999999D\r\n",
        "EXDATE;VALUE=DATE:20271225\r\n",
        "RECURRENCE-ID:20271225\r\nUID:christmas@holiday.example\r\n",
        "STATUS:CANCELLED\r\n",
        "Z",
        ";",
        ":",
        "\"",
        "é한",
        "\u{feff}",
    ];
    let text = korea();
    prop::collection::vec(
        (
            any::<prop::sample::Index>(),
            0usize..PIECES.len() + 1,
            0usize..8,
        ),
        1..6,
    )
    .prop_map(move |edits| {
        let mut s = text.clone();
        for (at, piece, cut) in edits {
            let mut i = at.index(s.len() + 1);
            while !s.is_char_boundary(i) {
                i -= 1;
            }
            match PIECES.get(piece) {
                Some(p) => s.insert_str(i, p),
                None => {
                    let mut j = (i + cut).min(s.len());
                    while !s.is_char_boundary(j) {
                        j -= 1;
                    }
                    s.replace_range(i..j, "");
                }
            }
        }
        s
    })
}

fn well_formed(result: &Result<Vec<Date>, Vec<FileIssue>>) -> Result<(), TestCaseError> {
    match result {
        Ok(dates) => {
            prop_assert!(dates.len() <= MAX_DATES);
            prop_assert!(dates.windows(2).all(|w| w[0] < w[1]), "sorted, each once");
        }
        Err(issues) => {
            prop_assert!(!issues.is_empty() && issues.len() <= 101);
            prop_assert!(issues.iter().all(|i| i.file == "fuzz.ics"));
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn never_panics_on_any_text(text in any::<String>()) {
        well_formed(&ical::holidays("fuzz.ics", &text))?;
    }

    #[test]
    fn never_panics_on_calendar_like_text(body in "[A-Z0-9:;=,\"TZ\\-\r\n \t]{0,600}") {
        let text = format!("BEGIN:VCALENDAR\r\n{body}");
        well_formed(&ical::holidays("fuzz.ics", &text))?;
    }

    #[test]
    fn never_panics_on_a_mutated_calendar(text in mutated()) {
        well_formed(&ical::holidays("fuzz.ics", &text))?;
    }
}

/// Byte caps on what a policy file brings in: the file itself, how many holiday files it
/// names and their bytes together; each refused with the reason at its line, the rest of
/// the files never read.
#[test]
fn a_policy_file_and_its_holiday_files_are_bounded() {
    let huge = format!("{POLICY}\n#{}\n", "x".repeat(policy_file::MAX_BYTES));
    let got = policy_file::parse("sla.toml", &huge).expect_err("too large");
    assert!(got[0].message.contains("larger than 1024 KiB"), "{got:#?}");

    // 40 holiday files named: the first 32 are read, the rest refused unread.
    let names: Vec<String> = (0..40).map(|i| format!("\"h{i}.ics\"")).collect();
    let many = POLICY.replace(
        "holidays_ics = [\"korea.ics\"]",
        &format!("holidays_ics = [{}]", names.join(", ")),
    );
    let reads = Cell::new(0);
    let got = policy_file::parse_with("sla.toml", &many, &|_| {
        reads.set(reads.get() + 1);
        Ok(cal(&[]))
    })
    .expect_err("too many files");
    assert_eq!(reads.get(), policy_file::MAX_HOLIDAY_FILES);
    assert!(
        got.iter()
            .all(|i| i.message.contains("more than 32 holiday files") && i.line == Some(11)),
        "{got:#?}"
    );

    // Files that come to more than 8 MiB together: the one that goes over is refused.
    let big = format!("{}{}", cal(&[]), " ".repeat(1024 * 1024));
    let names: Vec<String> = (0..9).map(|i| format!("\"b{i}.ics\"")).collect();
    let heavy = POLICY.replace(
        "holidays_ics = [\"korea.ics\"]",
        &format!("holidays_ics = [{}]", names.join(", ")),
    );
    let got = policy_file::parse_with("sla.toml", &heavy, &|_| Ok(big.clone()))
        .expect_err("too many bytes");
    assert!(
        got.iter()
            .any(|i| i.message.contains("more than 8 MiB together")),
        "{got:#?}"
    );
}
