//! Public holidays from iCalendar text (RFC 5545), for example the "Holidays in South
//! Korea" calendar exported from Google Calendar or a government site, as the civil dates
//! a [`Calendar`](crate::Calendar) is closed on. Pure: the caller reads the file.
//!
//! ```text
//! BEGIN:VCALENDAR
//! BEGIN:VEVENT
//! SUMMARY:Chuseok
//! DTSTART;VALUE=DATE:20260924
//! DTEND;VALUE=DATE:20260927
//! END:VEVENT
//! END:VCALENDAR
//! ```
//! gives 2026-09-24, 2026-09-25 and 2026-09-26.
//!
//! # Rules
//!
//! - **Syntax.** Content lines are unfolded (a line starting with a space or a tab
//!   continues the previous one; CRLF or LF). Names and parameter names are
//!   case-insensitive. A byte-order mark at the start is skipped. The file must start
//!   with `BEGIN:VCALENDAR`; every `BEGIN` needs its `END`. Several calendars in one file
//!   are read one after the other. `CALSCALE` other than `GREGORIAN` is an error.
//! - **What is a holiday.** Every `VEVENT` directly inside a `VCALENDAR` closes whole
//!   days, unless it has `STATUS:CANCELLED`. Nothing else is looked at: an observance that
//!   is not a day off (Google's holiday calendars list some) closes the day too, so take
//!   such events out of the file. Other components and everything in them (`VTIMEZONE`,
//!   `VTODO`, `VALARM` inside an event) and unknown properties are ignored.
//! - **All-day events** (`DTSTART;VALUE=DATE:20260924`; eight digits without `VALUE`
//!   are read as a date too): the dates from `DTSTART` up to `DTEND` *exclusive*, so
//!   `DTEND` 20260927 ends after the 26th. No `DTEND` is one day; `DURATION` counts
//!   whole days or weeks (`P3D`, `P1W`). A `DTEND` equal to `DTSTART` (some programs
//!   write it) is one day.
//! - **Events with a time**, with a `TZID` or floating (no zone): the date and time *as
//!   written*, never converted to the business calendar's zone: a holiday is the date
//!   the authority declared, wherever the file was made. Such an event closes every date
//!   it touches from its start to its end, as whole days (an end at exactly 00:00 does
//!   not touch that date; no end is the start date alone). A time in UTC (a trailing
//!   `Z`) is an error: its date would depend on the time zone; export all-day events.
//! - **Recurrence.** `RRULE:FREQ=YEARLY` on `DTSTART`'s month and day, with `INTERVAL`,
//!   `COUNT` or `UNTIL` (inclusive); `BYMONTH` and `BYMONTHDAY` are accepted when they
//!   repeat `DTSTART`'s month and day (Outlook writes them). Without `COUNT` or `UNTIL`
//!   the rule runs through `DTSTART`'s year + [`OPEN_ENDED_YEARS`]. A rule on February 29
//!   skips the years without one (RFC 5545: such dates are ignored, and they do not
//!   count toward `COUNT`). Any other rule (another `FREQ`, `BYDAY`, `BYWEEKNO`,
//!   `EXRULE` ...) is an error: list such holidays as separate events. An `UNTIL` in UTC
//!   is compared exactly when `DTSTART`'s `TZID` is a known zone, and is an error when
//!   the answer would depend on the time zone.
//! - **Exceptions.** `EXDATE` (dates, or date-times as written) removes the occurrence
//!   that starts on that date; it still counts toward `COUNT`. `RDATE` adds occurrences
//!   (not periods). An event with the same `UID` and a `RECURRENCE-ID` replaces that
//!   occurrence, or removes it when cancelled (`RANGE=THISANDFUTURE` is an error).
//! - **Overlaps merge.** The result is sorted and each date appears once, so two events
//!   on the same day (a substitute holiday listed twice, two calendars in one file) are
//!   fine.
//! - **Limits** against hostile files: at most [`MAX_BYTES`] (2 MiB) of text, at most
//!   [`MAX_DATES`] dates (counting every day of every occurrence before overlaps merge),
//!   content lines of at most [`MAX_LINE_BYTES`] after unfolding (a longer line is an
//!   error when it is one that is read, and skipped otherwise), 32 nested components,
//!   and 100 reported problems. The work is bounded by the input; nothing panics.
//!
//! Every problem is a [`FileIssue`] with the physical line where its content line starts;
//! all problems are collected rather than stopping at the first.

use crate::policy_file::FileIssue;
use jiff::civil::{Date, DateTime, Time};
use jiff::tz::TimeZone;
use jiff::SignedDuration;
use std::collections::{BTreeMap, BTreeSet};

/// The largest iCalendar text read: 2 MiB.
pub const MAX_BYTES: usize = 2 * 1024 * 1024;
/// The most dates one file may produce, counting every day of every occurrence.
pub const MAX_DATES: usize = 10_000;
/// The longest content line that is read, after unfolding.
pub const MAX_LINE_BYTES: usize = 64 * 1024;
/// A yearly rule without `COUNT` or `UNTIL` runs through `DTSTART`'s year plus this.
pub const OPEN_ENDED_YEARS: i32 = 20;

const MAX_ISSUES: usize = 100;
const MAX_DEPTH: usize = 32;
/// Years stepped through by all rules of a file together.
const MAX_STEPS: u64 = 1_000_000;
const LAST_YEAR: i32 = 9999;

/// The properties of an event that are read; the others are ignored.
const READ: [&str; 10] = [
    "DTSTART",
    "DTEND",
    "DURATION",
    "RRULE",
    "EXRULE",
    "EXDATE",
    "RDATE",
    "STATUS",
    "UID",
    "RECURRENCE-ID",
];
/// Of those, the ones an event may have only once.
const ONCE: [&str; 7] = [
    "DTSTART",
    "DTEND",
    "DURATION",
    "RRULE",
    "STATUS",
    "UID",
    "RECURRENCE-ID",
];

/// The holidays of an iCalendar text: sorted, each date once. `file` names the file in
/// the problems reported.
pub fn holidays(file: &str, text: &str) -> Result<Vec<Date>, Vec<FileIssue>> {
    let mut issues = Issues {
        file,
        list: Vec::new(),
    };
    if text.len() > MAX_BYTES {
        issues.add(
            None,
            "file",
            "the file is larger than 2 MiB; split it into smaller files",
        );
        return Err(issues.list);
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines = unfold(text, &mut issues);
    let raw = components(&lines, &mut issues);
    let mut live = Vec::new();
    let mut replaced: BTreeMap<String, BTreeSet<Date>> = BTreeMap::new();
    for r in &raw {
        match event(r, &mut issues) {
            Some(Parsed::Live(ev)) => {
                if let (Some(uid), Some(rid)) = (&ev.uid, ev.recurrence_id) {
                    replaced.entry(uid.clone()).or_default().insert(rid);
                }
                live.push(ev);
            }
            Some(Parsed::Cancelled { uid, rid }) => {
                if let (Some(uid), Some(rid)) = (uid, rid) {
                    replaced.entry(uid).or_default().insert(rid);
                }
            }
            None => {}
        }
    }
    let mut out = Out {
        dates: Vec::new(),
        steps: 0,
        stop: None,
    };
    for ev in &live {
        let none = BTreeSet::new();
        let replaced = match (&ev.uid, ev.recurrence_id) {
            (Some(uid), None) => replaced.get(uid).unwrap_or(&none),
            _ => &none,
        };
        expand(ev, replaced, &mut out, &mut issues);
        if let Some(stop) = out.stop {
            let (line, field) = match &ev.rule {
                Some(r) => (r.line, "VEVENT.RRULE"),
                None => (ev.line, "VEVENT"),
            };
            let message = match stop {
                Stop::Dates => "the holidays come to more than 10,000 dates (counting every day of every event); import fewer years or split the file".to_string(),
                Stop::Steps => "the yearly rules of this file run over too many years; give them a COUNT or an UNTIL".to_string(),
            };
            issues.add(Some(line), field, message);
            break;
        }
    }
    if issues.list.is_empty() {
        let mut dates = out.dates;
        dates.sort_unstable();
        dates.dedup();
        Ok(dates)
    } else {
        // In the order of the file; the note that problems were left out stays last.
        let shown = issues.list.len().min(MAX_ISSUES);
        if let Some(head) = issues.list.get_mut(..shown) {
            head.sort_by_key(|i| i.line);
        }
        Err(issues.list)
    }
}

struct Issues<'a> {
    file: &'a str,
    list: Vec<FileIssue>,
}

impl Issues<'_> {
    fn add(&mut self, line: Option<u32>, field: &str, message: impl Into<String>) {
        let n = self.list.len();
        let (line, field, message) = if n < MAX_ISSUES {
            (line, field.to_string(), message.into())
        } else if n == MAX_ISSUES {
            (
                None,
                "file".to_string(),
                format!("more than {MAX_ISSUES} problems; fix these first"),
            )
        } else {
            return;
        };
        self.list.push(FileIssue {
            file: self.file.to_string(),
            line,
            field,
            message,
        });
    }

    fn full(&self) -> bool {
        self.list.len() > MAX_ISSUES
    }
}

/// The start of a text for a message, quoted.
fn preview(text: &str) -> String {
    let mut s: String = text.chars().take(40).collect();
    if s.len() < text.len() {
        s.push('…');
    }
    format!("{s:?}")
}

fn line_no(index: usize) -> u32 {
    u32::try_from(index + 1).unwrap_or(u32::MAX)
}

/// One unfolded content line and the physical line it starts on.
struct ContentLine {
    line: u32,
    text: String,
    too_long: bool,
}

impl ContentLine {
    fn append(&mut self, piece: &str) {
        if self.too_long {
            return;
        }
        let room = MAX_LINE_BYTES.saturating_sub(self.text.len());
        if piece.len() <= room {
            self.text.push_str(piece);
        } else {
            let mut n = room;
            while !piece.is_char_boundary(n) {
                n -= 1;
            }
            self.text.push_str(piece.get(..n).unwrap_or(""));
            self.too_long = true;
        }
    }
}

fn unfold(text: &str, issues: &mut Issues) -> Vec<ContentLine> {
    let mut out: Vec<ContentLine> = Vec::new();
    // Whether the last content line may still be continued (no blank line since).
    let mut open = false;
    for (i, raw) in text.split('\n').enumerate() {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        if let Some(rest) = raw.strip_prefix([' ', '\t']) {
            match out.last_mut() {
                Some(cl) if open => cl.append(rest),
                _ if raw.trim().is_empty() => {}
                _ => issues.add(
                    Some(line_no(i)),
                    "file",
                    "a folded line (one starting with a space) with no content line before it",
                ),
            }
            continue;
        }
        if raw.is_empty() {
            open = false;
            continue;
        }
        let mut cl = ContentLine {
            line: line_no(i),
            text: String::new(),
            too_long: false,
        };
        cl.append(raw);
        out.push(cl);
        open = true;
    }
    out
}

/// A property: its name (upper case), parameters (names in upper case) and value.
struct Prop {
    name: String,
    params: Vec<(String, Vec<String>)>,
    value: String,
    line: u32,
}

impl Prop {
    fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .and_then(|(_, v)| v.first())
            .map(String::as_str)
    }
}

/// A property or parameter name: RFC 5545 allows letters, digits and `-`; `_` is let
/// through for sloppy extensions.
fn is_name(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

type Params = Vec<(String, Vec<String>)>;

/// `NAME;PARAM=a,"b;c":value` into its parts; `None` when it is not a content line.
fn parse_line(s: &str) -> Option<(String, Params, &str)> {
    let name_end = s.find([';', ':'])?;
    let name = s.get(..name_end)?;
    if !is_name(name) {
        return None;
    }
    let mut params = Vec::new();
    let mut rest = s.get(name_end..)?;
    loop {
        let mut chars = rest.chars();
        let sep = chars.next()?;
        let tail = chars.as_str();
        match sep {
            ':' => return Some((name.to_ascii_uppercase(), params, tail)),
            ';' => {
                let (pname, mut t) = tail.split_once('=')?;
                if !is_name(pname) {
                    return None;
                }
                let mut values = Vec::new();
                loop {
                    let (value, after) = match t.strip_prefix('"') {
                        Some(q) => q.split_once('"')?,
                        None => t.split_at(t.find([',', ';', ':'])?),
                    };
                    values.push(value.to_string());
                    match after.strip_prefix(',') {
                        Some(more) => t = more,
                        None => {
                            t = after;
                            break;
                        }
                    }
                }
                params.push((pname.to_ascii_uppercase(), values));
                rest = t;
            }
            _ => return None,
        }
    }
}

/// An event's properties as written, before they are understood.
struct RawEvent {
    line: u32,
    props: Vec<Prop>,
}

/// Walks the components; returns the events that were properly ended.
fn components(lines: &[ContentLine], issues: &mut Issues) -> Vec<RawEvent> {
    let mut events = Vec::new();
    let Some(first) = lines.first() else {
        issues.add(
            Some(1),
            "file",
            "the file is empty; an iCalendar file starts with BEGIN:VCALENDAR",
        );
        return events;
    };
    let starts_right = parse_line(&first.text).is_some_and(|(name, _, value)| {
        name == "BEGIN" && value.trim().eq_ignore_ascii_case("VCALENDAR")
    });
    if !starts_right {
        issues.add(
            Some(first.line),
            "file",
            format!(
                "not an iCalendar file: it must start with BEGIN:VCALENDAR, not {}",
                preview(&first.text)
            ),
        );
        return events;
    }

    // Open components: name (upper case) and the line of their BEGIN.
    let mut stack: Vec<(String, u32)> = Vec::new();
    // The event being read: open directly inside a VCALENDAR.
    let mut current: Option<RawEvent> = None;
    let mut outside_reported = false;
    for cl in lines {
        if issues.full() {
            return events;
        }
        let Some((name, params, value)) = parse_line(&cl.text) else {
            issues.add(
                Some(cl.line),
                "file",
                format!(
                    "{} is not a content line like NAME:value",
                    preview(&cl.text)
                ),
            );
            continue;
        };
        let read = name == "BEGIN" || name == "END" || READ.contains(&name.as_str());
        if cl.too_long {
            if read {
                issues.add(
                    Some(cl.line),
                    "file",
                    format!("this {name} line is longer than 64 KiB"),
                );
            }
            continue;
        }
        match name.as_str() {
            "BEGIN" => {
                let comp = value.trim().to_ascii_uppercase();
                if stack.len() >= MAX_DEPTH {
                    issues.add(
                        Some(cl.line),
                        "file",
                        format!("components are nested more than {MAX_DEPTH} deep"),
                    );
                    return events;
                }
                match (comp.as_str(), stack.last()) {
                    ("VCALENDAR", None) => {}
                    ("VCALENDAR", Some(_)) => issues.add(
                        Some(cl.line),
                        "VCALENDAR",
                        "BEGIN:VCALENDAR inside another component",
                    ),
                    (_, None) => issues.add(
                        Some(cl.line),
                        "file",
                        format!("BEGIN:{comp} outside BEGIN:VCALENDAR ... END:VCALENDAR"),
                    ),
                    ("VEVENT", Some((parent, _))) if parent == "VCALENDAR" && stack.len() == 1 => {
                        current = Some(RawEvent {
                            line: cl.line,
                            props: Vec::new(),
                        });
                    }
                    ("VEVENT", Some((parent, begun)))
                        if parent == "VEVENT" && stack.len() == 2 && current.is_some() =>
                    {
                        // The previous event was never ended: report it, drop it, and
                        // read this one.
                        issues.add(
                            Some(*begun),
                            "VEVENT",
                            format!(
                                "BEGIN:VEVENT is never ended: END:VEVENT is missing before the BEGIN:VEVENT on line {}",
                                cl.line
                            ),
                        );
                        stack.pop();
                        current = Some(RawEvent {
                            line: cl.line,
                            props: Vec::new(),
                        });
                    }
                    _ => {}
                }
                stack.push((comp, cl.line));
            }
            "END" => {
                let comp = value.trim().to_ascii_uppercase();
                match stack.iter().rposition(|(n, _)| *n == comp) {
                    None => match stack.last() {
                        Some((open, begun)) => issues.add(
                            Some(cl.line),
                            "file",
                            format!("END:{comp} does not match the BEGIN:{open} on line {begun}"),
                        ),
                        None => issues.add(
                            Some(cl.line),
                            "file",
                            format!("END:{comp} without a BEGIN:{comp}"),
                        ),
                    },
                    Some(at) => {
                        // Components opened after it were never ended.
                        let unended: Vec<(String, u32)> = stack.drain(at + 1..).collect();
                        for (open, begun) in &unended {
                            issues.add(
                                Some(*begun),
                                open,
                                format!(
                                    "BEGIN:{open} is never ended: END:{open} is missing before the END:{comp} on line {}",
                                    cl.line
                                ),
                            );
                        }
                        stack.pop();
                        if comp == "VEVENT" && stack.len() == 1 {
                            if let Some(ev) = current.take() {
                                events.push(ev);
                            }
                        }
                        if stack.len() < 2 {
                            current = None;
                        }
                    }
                }
            }
            _ => match stack.last() {
                None => {
                    if !outside_reported {
                        outside_reported = true;
                        issues.add(
                            Some(cl.line),
                            "file",
                            format!("{name} is outside BEGIN:VCALENDAR ... END:VCALENDAR"),
                        );
                    }
                }
                Some((top, _)) if top == "VEVENT" && stack.len() == 2 => {
                    if let (Some(ev), true) = (current.as_mut(), READ.contains(&name.as_str())) {
                        if ONCE.contains(&name.as_str()) && ev.props.iter().any(|p| p.name == name)
                        {
                            issues.add(
                                Some(cl.line),
                                &format!("VEVENT.{name}"),
                                format!("{name} appears more than once in the event"),
                            );
                        } else {
                            ev.props.push(Prop {
                                name,
                                params,
                                value: value.to_string(),
                                line: cl.line,
                            });
                        }
                    }
                }
                Some((top, _))
                    if top == "VCALENDAR"
                        && name == "CALSCALE"
                        && !value.trim().eq_ignore_ascii_case("GREGORIAN") =>
                {
                    issues.add(
                        Some(cl.line),
                        "VCALENDAR.CALSCALE",
                        format!(
                            "calendar scale {} is not supported; only GREGORIAN dates can be read",
                            preview(value.trim())
                        ),
                    );
                }
                Some(_) => {}
            },
        }
    }
    for (open, begun) in stack {
        issues.add(
            Some(begun),
            &open,
            format!("BEGIN:{open} is never ended: END:{open} is missing at the end of the file"),
        );
    }
    events
}

/// A start, end or exception as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum When {
    Date(Date),
    At(DateTime),
}

impl When {
    fn date(self) -> Date {
        match self {
            When::Date(d) => d,
            When::At(dt) => dt.date(),
        }
    }

    fn datetime(self) -> DateTime {
        match self {
            When::Date(d) => d.to_datetime(Time::midnight()),
            When::At(dt) => dt,
        }
    }

    /// The same month, day and time in another year; `None` for February 29 in a year
    /// without one.
    fn in_year(self, year: i32) -> Option<When> {
        let y = i16::try_from(year).ok()?;
        let d = self.date();
        let moved = Date::new(y, d.month(), d.day()).ok()?;
        Some(match self {
            When::Date(_) => When::Date(moved),
            When::At(dt) => When::At(moved.to_datetime(dt.time())),
        })
    }
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

fn digits(s: &str) -> Option<i32> {
    all_digits(s).then(|| s.parse().ok()).flatten()
}

/// `YYYYMMDD`.
fn date(s: &str) -> Option<Date> {
    if s.len() != 8 {
        return None;
    }
    let y = i16::try_from(digits(s.get(0..4)?)?).ok()?;
    let m = i8::try_from(digits(s.get(4..6)?)?).ok()?;
    let d = i8::try_from(digits(s.get(6..8)?)?).ok()?;
    Date::new(y, m, d).ok()
}

/// `YYYYMMDDTHHMMSS`, upper case, without a zone. A leap second reads as :59.
fn datetime(s: &str) -> Option<DateTime> {
    if s.len() != 15 || s.get(8..9)? != "T" {
        return None;
    }
    let d = date(s.get(0..8)?)?;
    let h = i8::try_from(digits(s.get(9..11)?)?).ok()?;
    let m = i8::try_from(digits(s.get(11..13)?)?).ok()?;
    let sec = i8::try_from(digits(s.get(13..15)?)?).ok()?;
    let sec = if sec == 60 { 59 } else { sec };
    Some(d.to_datetime(Time::new(h, m, sec, 0).ok()?))
}

/// A date or date-time value, by its `VALUE` parameter.
fn parse_when(value: &str, kind: Option<&str>) -> Result<When, String> {
    let v = value.trim();
    let not_a_date = || format!("{} is not a date like 20261225 (YYYYMMDD)", preview(v));
    let kind = kind.map(str::to_ascii_uppercase);
    match kind.as_deref() {
        Some("DATE") => date(v).map(When::Date).ok_or_else(not_a_date),
        None if v.len() == 8 => date(v).map(When::Date).ok_or_else(not_a_date),
        None | Some("DATE-TIME") => {
            let upper = v.to_ascii_uppercase();
            if let Some(local) = upper.strip_suffix('Z') {
                if datetime(local).is_some() {
                    return Err(format!(
                        "{} is a time in UTC, so the holiday's date would depend on the time zone; export the holidays as all-day events (VALUE=DATE:{})",
                        preview(v),
                        local.get(..8).unwrap_or("")
                    ));
                }
            }
            datetime(&upper).map(When::At).ok_or_else(|| {
                format!(
                    "{} is not a date like 20261225 or a date-time like 20261225T090000",
                    preview(v)
                )
            })
        }
        Some(other) => Err(format!(
            "VALUE={} is not supported here; use dates (VALUE=DATE)",
            preview(other)
        )),
    }
}

/// An RFC 5545 duration such as `P3D`, `P1W` or `PT8H30M`.
fn duration(value: &str) -> Result<SignedDuration, String> {
    let v = value.trim();
    let bad = || format!("{} is not a duration like P3D or PT8H", preview(v));
    let upper = v.to_ascii_uppercase();
    let (negative, s) = match upper.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, upper.strip_prefix('+').unwrap_or(&upper)),
    };
    let body = s.strip_prefix('P').ok_or_else(bad)?;
    let mut secs: i64 = 0;
    let mut number: Option<i64> = None;
    let mut in_time = false;
    let mut last_rank = 0;
    let mut any = false;
    for c in body.chars() {
        if let Some(d) = c.to_digit(10) {
            number = Some(
                number
                    .unwrap_or(0)
                    .checked_mul(10)
                    .and_then(|n| n.checked_add(i64::from(d)))
                    .ok_or_else(bad)?,
            );
            continue;
        }
        if c == 'T' {
            if in_time || number.is_some() {
                return Err(bad());
            }
            in_time = true;
            continue;
        }
        let n = number.take().ok_or_else(bad)?;
        let (rank, unit) = match (c, in_time) {
            ('W', false) => (1, 604_800),
            ('D', false) => (2, 86_400),
            ('H', true) => (3, 3_600),
            ('M', true) => (4, 60),
            ('S', true) => (5, 1),
            _ => return Err(bad()),
        };
        if rank <= last_rank {
            return Err(bad());
        }
        last_rank = rank;
        secs = n
            .checked_mul(unit)
            .and_then(|x| secs.checked_add(x))
            .ok_or_else(bad)?;
        any = true;
    }
    if number.is_some() || !any {
        return Err(bad());
    }
    if negative && secs > 0 {
        return Err(format!(
            "{} is negative; a holiday lasts a positive time (P3D)",
            preview(v)
        ));
    }
    Ok(SignedDuration::from_secs(secs))
}

/// How long each occurrence lasts.
#[derive(Debug, Clone, Copy)]
enum Length {
    Days(u64),
    Time(SignedDuration),
}

#[derive(Debug, Clone, Copy)]
enum RuleEnd {
    Count(u64),
    Until(Until),
    Open,
}

#[derive(Debug, Clone, Copy)]
enum Until {
    Date(Date),
    Local(DateTime),
    Utc(DateTime),
}

#[derive(Debug)]
struct Rule {
    interval: i32,
    end: RuleEnd,
    until_text: String,
    line: u32,
}

/// An event understood.
#[derive(Debug)]
struct Event {
    line: u32,
    uid: Option<String>,
    recurrence_id: Option<Date>,
    start: When,
    tzid: Option<String>,
    length: Length,
    rule: Option<Rule>,
    rdates: Vec<When>,
    exdates: BTreeSet<Date>,
}

enum Parsed {
    Live(Event),
    Cancelled {
        uid: Option<String>,
        rid: Option<Date>,
    },
}

/// A single date or date-time property.
fn when_of(p: &Prop, issues: &mut Issues) -> Option<When> {
    match parse_when(&p.value, p.param("VALUE")) {
        Ok(w) => Some(w),
        Err(message) => {
            issues.add(Some(p.line), &format!("VEVENT.{}", p.name), message);
            None
        }
    }
}

/// A list property (`EXDATE`, `RDATE`): `None` if any value is wrong.
fn whens_of(p: &Prop, issues: &mut Issues) -> Option<Vec<When>> {
    let mut out = Vec::new();
    let mut ok = true;
    for v in p.value.split(',') {
        match parse_when(v, p.param("VALUE")) {
            Ok(w) => out.push(w),
            Err(message) => {
                issues.add(Some(p.line), &format!("VEVENT.{}", p.name), message);
                ok = false;
            }
        }
    }
    ok.then_some(out)
}

fn event(raw: &RawEvent, issues: &mut Issues) -> Option<Parsed> {
    let prop = |n: &str| raw.props.iter().find(|p| p.name == n);
    let cancelled =
        prop("STATUS").is_some_and(|p| p.value.trim().eq_ignore_ascii_case("CANCELLED"));
    let uid = prop("UID").map(|p| p.value.trim().to_string());
    let rid = match prop("RECURRENCE-ID") {
        None => None,
        Some(p) => {
            if p.param("RANGE").is_some() {
                issues.add(
                    Some(p.line),
                    "VEVENT.RECURRENCE-ID",
                    "RANGE=THISANDFUTURE is not supported for holidays; change the recurring event itself",
                );
                return None;
            }
            Some(when_of(p, issues)?.date())
        }
    };
    if cancelled {
        return Some(Parsed::Cancelled { uid, rid });
    }
    let Some(dtstart) = prop("DTSTART") else {
        issues.add(
            Some(raw.line),
            "VEVENT.DTSTART",
            "the event has no DTSTART (its date)",
        );
        return None;
    };
    let start = when_of(dtstart, issues)?;
    let mut ok = true;

    let length = match (prop("DTEND"), prop("DURATION")) {
        (Some(_), Some(d)) => {
            issues.add(
                Some(d.line),
                "VEVENT.DURATION",
                "an event has DTEND or DURATION, not both",
            );
            None
        }
        (Some(end), None) => when_of(end, issues).and_then(|e| {
            let length = match (start, e) {
                (When::Date(s), When::Date(e)) => {
                    let days = s.duration_until(e).as_secs() / 86_400;
                    u64::try_from(days).ok().map(|d| Length::Days(d.max(1)))
                }
                (When::At(s), When::At(e)) => {
                    let d = s.duration_until(e);
                    (!d.is_negative()).then_some(Length::Time(d))
                }
                _ => {
                    issues.add(
                        Some(end.line),
                        "VEVENT.DTEND",
                        "DTEND must be a date when DTSTART is a date, and a date-time when DTSTART is one",
                    );
                    return None;
                }
            };
            if length.is_none() {
                issues.add(
                    Some(end.line),
                    "VEVENT.DTEND",
                    format!(
                        "DTEND {} is before DTSTART {}",
                        preview(end.value.trim()),
                        preview(dtstart.value.trim())
                    ),
                );
            }
            length
        }),
        (None, Some(d)) => match duration(&d.value) {
            Err(message) => {
                issues.add(Some(d.line), "VEVENT.DURATION", message);
                None
            }
            Ok(dur) => match start {
                When::At(_) => Some(Length::Time(dur)),
                When::Date(_) if dur.as_secs() % 86_400 == 0 => {
                    let days = u64::try_from(dur.as_secs() / 86_400).unwrap_or(0);
                    Some(Length::Days(days.max(1)))
                }
                When::Date(_) => {
                    issues.add(
                        Some(d.line),
                        "VEVENT.DURATION",
                        "an all-day event lasts whole days or weeks, like P3D or P1W",
                    );
                    None
                }
            },
        },
        (None, None) => Some(match start {
            When::Date(_) => Length::Days(1),
            When::At(_) => Length::Time(SignedDuration::ZERO),
        }),
    };
    ok &= length.is_some();

    let rule = match prop("RRULE") {
        None => None,
        Some(p) => {
            let r = rule(p, start, issues);
            ok &= r.is_some();
            r
        }
    };
    if let Some(p) = prop("EXRULE") {
        issues.add(
            Some(p.line),
            "VEVENT.EXRULE",
            "EXRULE is not supported (RFC 5545 dropped it); use EXDATE",
        );
        ok = false;
    }
    let mut exdates = BTreeSet::new();
    let mut rdates = Vec::new();
    for p in &raw.props {
        let list = match p.name.as_str() {
            "EXDATE" | "RDATE" => whens_of(p, issues),
            _ => continue,
        };
        match list {
            None => ok = false,
            Some(list) if p.name == "EXDATE" => exdates.extend(list.into_iter().map(When::date)),
            Some(list) => rdates.extend(list),
        }
    }
    if !ok {
        return None;
    }
    Some(Parsed::Live(Event {
        line: raw.line,
        uid,
        recurrence_id: rid,
        start,
        tzid: dtstart.param("TZID").map(str::to_string),
        length: length?,
        rule,
        rdates,
        exdates,
    }))
}

fn rule(p: &Prop, start: When, issues: &mut Issues) -> Option<Rule> {
    let field = "VEVENT.RRULE";
    let unsupported = |part: &str| {
        format!(
            "RRULE {} is not supported for holidays: only yearly rules on DTSTART's date are (FREQ=YEARLY with COUNT, UNTIL or INTERVAL); list other holidays as separate events",
            preview(part)
        )
    };
    let mut ok = true;
    let mut freq = false;
    let mut count = None;
    let mut until = None;
    let mut until_text = String::new();
    let mut interval = 1;
    for part in p.value.split(';').map(str::trim).filter(|s| !s.is_empty()) {
        let Some((key, v)) = part.split_once('=') else {
            issues.add(
                Some(p.line),
                field,
                format!("{} is not a rule part like FREQ=YEARLY", preview(part)),
            );
            ok = false;
            continue;
        };
        let (key, v) = (key.trim().to_ascii_uppercase(), v.trim());
        let mut fail = |message: String| {
            issues.add(Some(p.line), field, message);
            false
        };
        ok &= match key.as_str() {
            "FREQ" => {
                freq = true;
                v.eq_ignore_ascii_case("YEARLY") || fail(unsupported(part))
            }
            "COUNT" => match all_digits(v).then(|| v.parse::<u64>().unwrap_or(u64::MAX)) {
                Some(n) if n > 0 => {
                    count = Some(n);
                    true
                }
                _ => fail(format!("COUNT={} is not a positive number", preview(v))),
            },
            "UNTIL" => {
                let upper = v.to_ascii_uppercase();
                let parsed = match upper.strip_suffix('Z') {
                    Some(local) => datetime(local).map(Until::Utc),
                    None => date(&upper)
                        .map(Until::Date)
                        .or_else(|| datetime(&upper).map(Until::Local)),
                };
                until_text = v.to_string();
                until = parsed;
                parsed.is_some()
                    || fail(format!(
                        "UNTIL={} is not a date like 20301225 or a date-time like 20301225T000000",
                        preview(v)
                    ))
            }
            "INTERVAL" => match digits(v) {
                Some(n) if (1..=LAST_YEAR).contains(&n) => {
                    interval = n;
                    true
                }
                _ => fail(format!(
                    "INTERVAL={} is not a number of years from 1 to 9999",
                    preview(v)
                )),
            },
            "BYMONTH" => {
                digits(v) == Some(i32::from(start.date().month())) || fail(unsupported(part))
            }
            "BYMONTHDAY" => {
                digits(v) == Some(i32::from(start.date().day())) || fail(unsupported(part))
            }
            // The week start matters only to weekly rules.
            "WKST" => true,
            _ => fail(unsupported(part)),
        };
    }
    if !freq {
        issues.add(
            Some(p.line),
            field,
            "RRULE has no FREQ; a yearly holiday is RRULE:FREQ=YEARLY",
        );
        ok = false;
    }
    let end = match (count, until) {
        (Some(_), Some(_)) => {
            issues.add(
                Some(p.line),
                field,
                "RRULE has both COUNT and UNTIL; RFC 5545 allows one of them",
            );
            ok = false;
            RuleEnd::Open
        }
        (Some(n), None) => RuleEnd::Count(n),
        (None, Some(u)) => RuleEnd::Until(u),
        (None, None) => RuleEnd::Open,
    };
    ok.then_some(Rule {
        interval,
        end,
        until_text,
        line: p.line,
    })
}

#[derive(Debug, Clone, Copy)]
enum Stop {
    Dates,
    Steps,
}

struct Out {
    dates: Vec<Date>,
    steps: u64,
    stop: Option<Stop>,
}

impl Out {
    /// Every date an occurrence touches; `false` once a limit is reached.
    fn occurrence(&mut self, at: When, length: Length) -> bool {
        let (first, days) = match (at, length) {
            (_, Length::Days(n)) => (at.date(), n),
            (_, Length::Time(d)) => {
                let s = at.datetime();
                let Ok(end) = s.checked_add(d) else {
                    // Beyond the year 9999: count the days to the end of time.
                    return self.days(s.date(), u64::MAX);
                };
                let mut last = end.date();
                if d.is_positive() && end.time() == Time::midnight() {
                    last = last.yesterday().unwrap_or(last);
                }
                let span = s.date().duration_until(last).as_secs() / 86_400;
                (s.date(), u64::try_from(span).unwrap_or(0).saturating_add(1))
            }
        };
        self.days(first, days)
    }

    fn days(&mut self, first: Date, days: u64) -> bool {
        let mut d = first;
        for i in 0..days {
            if self.dates.len() >= MAX_DATES {
                self.stop = Some(Stop::Dates);
                return false;
            }
            self.dates.push(d);
            if i + 1 < days {
                match d.tomorrow() {
                    Ok(next) => d = next,
                    Err(_) => break,
                }
            }
        }
        true
    }
}

/// Whether an occurrence is within `UNTIL`; `None` when that depends on a zone unknown.
fn within(at: When, until: Until, tzid: Option<&str>) -> Option<bool> {
    match until {
        Until::Date(u) => Some(at.date() <= u),
        Until::Local(u) => Some(at.datetime() <= u),
        Until::Utc(u) => {
            let s = at.datetime();
            // Whatever the zone (UTC-12 to UTC+14), the instant of `s` lies between
            // `s` - 14 h and `s` + 12 h on the UTC clock.
            if s.checked_add(SignedDuration::from_hours(12))
                .is_ok_and(|hi| hi <= u)
            {
                return Some(true);
            }
            if s.checked_sub(SignedDuration::from_hours(14))
                .is_ok_and(|lo| lo > u)
            {
                return Some(false);
            }
            let tz = TimeZone::get(tzid?).ok()?;
            let t = tz.to_ambiguous_timestamp(s).compatible().ok()?;
            Some(t <= TimeZone::UTC.to_timestamp(u).ok()?)
        }
    }
}

fn expand(ev: &Event, replaced: &BTreeSet<Date>, out: &mut Out, issues: &mut Issues) {
    let skip = |d: Date| ev.exdates.contains(&d) || replaced.contains(&d);
    if let Some(rule) = &ev.rule {
        let y0 = i32::from(ev.start.date().year());
        let last = match rule.end {
            RuleEnd::Open => y0 + OPEN_ENDED_YEARS,
            RuleEnd::Until(Until::Date(d)) => i32::from(d.year()),
            // A UTC time can be the next day in the zone.
            RuleEnd::Until(Until::Local(d) | Until::Utc(d)) => i32::from(d.year()) + 1,
            RuleEnd::Count(_) => LAST_YEAR,
        }
        // At least DTSTART's year, so an UNTIL before DTSTART is noticed.
        .clamp(y0, LAST_YEAR.max(y0));
        let mut year = y0;
        let mut n: u64 = 0;
        while year <= last {
            out.steps += 1;
            if out.steps > MAX_STEPS {
                out.stop = Some(Stop::Steps);
                return;
            }
            if let Some(at) = ev.start.in_year(year) {
                match rule.end {
                    RuleEnd::Count(c) if n >= c => break,
                    RuleEnd::Until(u) => match within(at, u, ev.tzid.as_deref()) {
                        Some(true) => {}
                        Some(false) if n == 0 => {
                            issues.add(
                                Some(rule.line),
                                "VEVENT.RRULE",
                                format!("UNTIL={} is before DTSTART", preview(&rule.until_text)),
                            );
                            return;
                        }
                        Some(false) => break,
                        None => {
                            let day = at.date();
                            issues.add(
                                Some(rule.line),
                                "VEVENT.RRULE",
                                format!(
                                    "UNTIL={} is a time in UTC close to the occurrence on {day}, so whether it is included depends on the time zone; write UNTIL as a date (UNTIL={:04}{:02}{:02})",
                                    preview(&rule.until_text),
                                    day.year(),
                                    day.month(),
                                    day.day()
                                ),
                            );
                            return;
                        }
                    },
                    _ => {}
                }
                n += 1;
                if !skip(at.date()) && !out.occurrence(at, ev.length) {
                    return;
                }
            }
            year += rule.interval;
        }
    } else if !skip(ev.start.date()) && !out.occurrence(ev.start, ev.length) {
        return;
    }
    for &at in &ev.rdates {
        if !skip(at.date()) && !out.occurrence(at, ev.length) {
            return;
        }
    }
}
