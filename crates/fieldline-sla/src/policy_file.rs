//! The SLA policy file: business calendars and contract policies in TOML, as a technician
//! writes them. Every problem is reported with the file name, line and field.
//!
//! ```toml
//! [[calendars]]
//! id = "seoul-office"
//! timezone = "Asia/Seoul"
//! mon = ["09:00-18:00"]          # mon..sun; a day left out is closed
//! wed = ["09:00-12:00", "13:00-18:00"]
//! holidays = ["2026-12-25"]
//! holidays_ics = ["korea.ics"]   # public holidays exported as iCalendar files
//!
//! [[policies]]
//! id = "standard"
//! calendar = "seoul-office"
//! pause_in = ["waiting_on_customer"]   # the default
//! thresholds = [50, 75, 90]            # the default, percent of the target
//! P1 = { first_response = "1h", resolution = "4h", around_the_clock = true }
//! P2 = { first_response = "2h", resolution = "8h" }
//! P3 = { first_response = "4h", resolution = "16h" }
//! P4 = { first_response = "8h", resolution = "40h" }
//!
//! [contracts]                          # customer id = policy id
//! acme = "standard"
//! ```
//! Targets are open (business) time in hours and minutes (`"1h 30m"`), of any length.
//!
//! `holidays_ics` names iCalendar files whose events are holidays too (see
//! [`ical`](crate::ical) for what is read from them). This module does no I/O: the caller
//! of [`parse_with`] reads each name (for example relative to the policy file's folder,
//! refusing paths that leave it) and keeps the texts it gave, listed in
//! [`PolicyFile::holiday_files`], to store them with the policy. [`parse`] reads no
//! holiday files and reports `holidays_ics` as a problem.

use crate::{Calendar, Policy, SlaError, Targets, TicketState, Window};
use jiff::civil::Date;
use jiff::SignedDuration;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use toml::Spanned;

/// A problem in a policy file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileIssue {
    pub file: String,
    pub line: Option<u32>,
    pub field: String,
    pub message: String,
}

/// Issues one per line, as a technician reads them (`file:line: field: message`).
pub fn render(issues: &[FileIssue]) -> String {
    issues
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

impl fmt::Display for FileIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}: {}", self.file, self.field, self.message),
            None => write!(f, "{}: {}: {}", self.file, self.field, self.message),
        }
    }
}

type Days = Option<Spanned<Vec<Spanned<String>>>>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    calendars: Vec<RawCalendar>,
    #[serde(default)]
    policies: Vec<RawPolicy>,
    /// Customer id = policy id.
    #[serde(default)]
    contracts: BTreeMap<String, Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCalendar {
    id: Spanned<String>,
    timezone: Spanned<String>,
    #[serde(default)]
    around_the_clock: bool,
    #[serde(default)]
    mon: Days,
    #[serde(default)]
    tue: Days,
    #[serde(default)]
    wed: Days,
    #[serde(default)]
    thu: Days,
    #[serde(default)]
    fri: Days,
    #[serde(default)]
    sat: Days,
    #[serde(default)]
    sun: Days,
    #[serde(default)]
    holidays: Vec<Spanned<String>>,
    #[serde(default)]
    holidays_ics: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTargets {
    first_response: Spanned<String>,
    resolution: Spanned<String>,
    #[serde(default)]
    around_the_clock: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    id: Spanned<String>,
    calendar: Spanned<String>,
    #[serde(default)]
    pause_in: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    thresholds: Option<Spanned<Vec<u8>>>,
    #[serde(rename = "P1")]
    p1: Spanned<RawTargets>,
    #[serde(rename = "P2")]
    p2: Spanned<RawTargets>,
    #[serde(rename = "P3")]
    p3: Spanned<RawTargets>,
    #[serde(rename = "P4")]
    p4: Spanned<RawTargets>,
}

/// The policies of a file, by id.
#[derive(Debug, Clone)]
pub struct PolicyFile {
    pub policies: BTreeMap<String, Policy>,
    /// Customer id to the policy of its contract (`[contracts]`).
    pub contracts: BTreeMap<String, String>,
    /// The holiday files (`holidays_ics`) that were read, as written in the file, each
    /// once, in the order they first appear.
    pub holiday_files: Vec<String>,
}

struct Ctx<'a> {
    file: &'a str,
    starts: Vec<usize>,
    issues: Vec<FileIssue>,
}

impl Ctx<'_> {
    fn line(&self, span: Range<usize>) -> u32 {
        let i = match self.starts.binary_search(&span.start) {
            Ok(i) => i + 1,
            Err(i) => i,
        };
        u32::try_from(i).unwrap_or(u32::MAX)
    }
    fn report(&mut self, span: Option<Range<usize>>, field: String, message: String) {
        let line = span.map(|s| self.line(s));
        self.issues.push(FileIssue {
            file: self.file.to_string(),
            line,
            field,
            message,
        });
    }
}

/// `"09:00-18:00"` as a window; `24:00` ends the day.
fn window(text: &str) -> Option<Window> {
    let (a, b) = text.split_once('-')?;
    let hm = |s: &str| -> Option<u16> {
        let (h, m) = s.trim().split_once(':')?;
        let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
        (h <= 24 && m < 60 && (h < 24 || m == 0)).then_some(h * 60 + m)
    };
    Some(Window {
        from: hm(a)?,
        to: hm(b)?,
    })
}

/// A target such as `"4h"`, `"1h 30m"` or `"100h"`.
pub fn duration(text: &str) -> Option<SignedDuration> {
    let d: SignedDuration = text.parse().ok()?;
    (d > SignedDuration::ZERO).then_some(d)
}

/// Largest policy file read: a policy file is a few kilobytes; more is refused, not parsed.
pub const MAX_BYTES: usize = 1024 * 1024;
/// Most holiday files one policy file may name (each at most
/// [`ical::MAX_BYTES`](crate::ical::MAX_BYTES)).
pub const MAX_HOLIDAY_FILES: usize = 32;
/// Most bytes of all its holiday files together.
pub const MAX_HOLIDAY_BYTES: usize = 8 * 1024 * 1024;

/// What [`parse`] says of a `holidays_ics` entry.
const NO_READER: &str = "holiday files can only be read when importing a policy file from disk";

/// Reads a policy file that reads no other files: a calendar with `holidays_ics` is
/// reported as a problem (use [`parse_with`]).
pub fn parse(file: &str, text: &str) -> Result<PolicyFile, Vec<FileIssue>> {
    parse_with(file, text, &|_| Err(NO_READER.to_string()))
}

/// Reads a policy file; `read(name)` gives the text of each holiday file named in
/// `holidays_ics`, or why it cannot be read. Each name is read once. Problems inside a
/// holiday file are reported with that file's name and line; a failed read at the
/// `holidays_ics` line of the policy file.
pub fn parse_with(
    file: &str,
    text: &str,
    read: &dyn Fn(&str) -> Result<String, String>,
) -> Result<PolicyFile, Vec<FileIssue>> {
    let mut cx = Ctx {
        file,
        starts: std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect(),
        issues: Vec::new(),
    };
    if text.len() > MAX_BYTES {
        cx.report(
            None,
            "file".into(),
            format!(
                "the file is larger than {} KiB; a policy file is a few kilobytes",
                MAX_BYTES / 1024
            ),
        );
        return Err(cx.issues);
    }
    let raw: RawFile = match toml::from_str(text) {
        Ok(r) => r,
        Err(e) => {
            cx.report(e.span(), "file".into(), e.message().trim().to_string());
            return Err(cx.issues);
        }
    };

    let mut calendars = BTreeMap::new();
    // Each holiday file read once: its dates, or `None` when it had problems.
    let mut ics: BTreeMap<String, Option<Vec<Date>>> = BTreeMap::new();
    let mut holiday_bytes = 0usize;
    let mut holiday_files = Vec::new();
    for c in raw.calendars {
        let id = c.id.get_ref().clone();
        let field = |f: &str| format!("calendars.{id}.{f}");
        let mut week: [Vec<Window>; 7] = Default::default();
        let days = [&c.mon, &c.tue, &c.wed, &c.thu, &c.fri, &c.sat, &c.sun];
        let names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
        for (d, windows) in days.iter().enumerate() {
            for w in windows.iter().flat_map(|w| w.get_ref()) {
                match window(w.get_ref()) {
                    Some(win) => week[d].push(win),
                    None => cx.report(
                        Some(w.span()),
                        field(names[d]),
                        format!(
                            "{:?} is not opening hours like \"09:00-18:00\"",
                            w.get_ref()
                        ),
                    ),
                }
            }
        }
        let mut holidays = Vec::new();
        for h in &c.holidays {
            match h.get_ref().parse::<Date>() {
                Ok(d) => holidays.push(d),
                Err(_) => cx.report(
                    Some(h.span()),
                    field("holidays"),
                    format!("{:?} is not a date like \"2026-12-25\"", h.get_ref()),
                ),
            }
        }
        for name in &c.holidays_ics {
            let key = name.get_ref();
            if key.trim().is_empty() {
                cx.report(
                    Some(name.span()),
                    field("holidays_ics"),
                    "an empty file name; write the .ics file's name, like \"korea.ics\"".into(),
                );
                continue;
            }
            let dates = match ics.get(key) {
                Some(known) => known.clone(),
                None if ics.len() >= MAX_HOLIDAY_FILES => {
                    cx.report(
                        Some(name.span()),
                        field("holidays_ics"),
                        format!("more than {MAX_HOLIDAY_FILES} holiday files; merge some into one"),
                    );
                    None
                }
                None => {
                    let got = match read(key) {
                        Ok(text) if holiday_bytes + text.len() > MAX_HOLIDAY_BYTES => {
                            cx.report(
                                Some(name.span()),
                                field("holidays_ics"),
                                format!(
                                    "the holiday files come to more than {} MiB together; \
                                     keep only the years you need",
                                    MAX_HOLIDAY_BYTES / 1024 / 1024
                                ),
                            );
                            None
                        }
                        Ok(text) => {
                            holiday_bytes += text.len();
                            match crate::ical::holidays(key, &text) {
                                Ok(dates) => Some(dates),
                                Err(issues) => {
                                    cx.issues.extend(issues);
                                    None
                                }
                            }
                        }
                        Err(why) => {
                            cx.report(
                                Some(name.span()),
                                field("holidays_ics"),
                                format!("cannot read {key:?}: {why}"),
                            );
                            None
                        }
                    };
                    holiday_files.push(key.clone());
                    ics.insert(key.clone(), got.clone());
                    got
                }
            };
            holidays.extend(dates.into_iter().flatten());
        }
        let built = if c.around_the_clock {
            Calendar::around_the_clock(c.timezone.get_ref())
        } else {
            Calendar::new(c.timezone.get_ref(), week, holidays)
        };
        match built {
            Ok(cal) => {
                if calendars.insert(id.clone(), cal).is_some() {
                    cx.report(
                        Some(c.id.span()),
                        field("id"),
                        format!("duplicate calendar id {id:?}"),
                    );
                }
            }
            Err(e) => {
                let (span, f) = match e {
                    SlaError::UnknownTimeZone(_) => (c.timezone.span(), "timezone"),
                    _ => (c.id.span(), "hours"),
                };
                cx.report(Some(span), field(f), e.to_string());
            }
        }
    }

    let mut policies = BTreeMap::new();
    for p in raw.policies {
        let id = p.id.get_ref().clone();
        let field = |f: &str| format!("policies.{id}.{f}");
        let Some(calendar) = calendars.get(p.calendar.get_ref()).cloned() else {
            cx.report(
                Some(p.calendar.span()),
                field("calendar"),
                format!("unknown calendar {:?}", p.calendar.get_ref()),
            );
            continue;
        };
        let mut targets = Vec::new();
        for (name, t) in [("P1", &p.p1), ("P2", &p.p2), ("P3", &p.p3), ("P4", &p.p4)] {
            let t = t.get_ref();
            let mut one = |s: &Spanned<String>, what: &str| match duration(s.get_ref()) {
                Some(d) => d,
                None => {
                    cx.report(
                        Some(s.span()),
                        field(&format!("{name}.{what}")),
                        format!(
                            "{:?} is not a target like \"4h\" or \"1h 30m\"",
                            s.get_ref()
                        ),
                    );
                    SignedDuration::ZERO
                }
            };
            targets.push(Targets {
                first_response: one(&t.first_response, "first_response"),
                resolution: one(&t.resolution, "resolution"),
                around_the_clock: t.around_the_clock,
            });
        }
        let mut pause_in = vec![TicketState::WaitingOnCustomer];
        if let Some(list) = &p.pause_in {
            pause_in.clear();
            for s in list {
                match TicketState::parse(s.get_ref()) {
                    Some(st) => pause_in.push(st),
                    None => cx.report(
                        Some(s.span()),
                        field("pause_in"),
                        format!(
                            "unknown state {:?}; use new, in_progress, waiting_on_customer, resolved or closed",
                            s.get_ref()
                        ),
                    ),
                }
            }
        }
        let thresholds = match &p.thresholds {
            Some(t) if t.get_ref().iter().any(|&x| x == 0 || x >= 100) => {
                cx.report(
                    Some(t.span()),
                    field("thresholds"),
                    "thresholds are percents between 1 and 99".into(),
                );
                Vec::new()
            }
            Some(t) => t.get_ref().clone(),
            None => vec![50, 75, 90],
        };
        let Ok(targets) = <[Targets; 4]>::try_from(targets) else {
            continue;
        };
        let policy = Policy {
            name: id.clone(),
            calendar,
            targets,
            pause_in,
            thresholds,
        };
        if policies.insert(id.clone(), policy).is_some() {
            cx.report(
                Some(p.id.span()),
                field("id"),
                format!("duplicate policy id {id:?}"),
            );
        }
    }
    let mut contracts = BTreeMap::new();
    for (customer, policy) in raw.contracts {
        if policies.contains_key(policy.get_ref()) {
            contracts.insert(customer, policy.get_ref().clone());
        } else {
            cx.report(
                Some(policy.span()),
                format!("contracts.{customer}"),
                format!("unknown policy {:?}", policy.get_ref()),
            );
        }
    }
    if cx.issues.is_empty() {
        Ok(PolicyFile {
            policies,
            contracts,
            holiday_files,
        })
    } else {
        Err(cx.issues)
    }
}
