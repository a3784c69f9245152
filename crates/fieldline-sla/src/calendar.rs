//! Business calendars: when the clock of a customer's SLA runs.

use crate::SlaError;
use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use std::collections::BTreeSet;
use std::sync::Arc;

/// Opening hours within one local day, in minutes after midnight: `from` < `to` ≤ 1440.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Window {
    pub from: u16,
    pub to: u16,
}

impl Window {
    /// `Window::hm((9, 0), (18, 0))` is 09:00-18:00; `(24, 0)` is the end of the day.
    pub fn hm(from: (u16, u16), to: (u16, u16)) -> Window {
        Window {
            from: from.0 * 60 + from.1,
            to: to.0 * 60 + to.1,
        }
    }
}

const DAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// How far ahead a due time is searched before the calendar is called impossible.
const MAX_YEARS: u32 = 20;

fn hhmm(m: u16) -> String {
    format!("{:02}:{:02}", m / 60, m % 60)
}

/// When the clock runs. Local times that do not exist (a DST gap) or exist twice (a DST
/// fold) follow RFC 5545's rule: a time in a gap moves forward by the gap's length, a
/// time in a fold means its first occurrence. So an office opening at 02:30 on a
/// spring-forward night opens at 03:30, and the window 01:00-03:00 on a fall-back
/// night is open for its three real hours.
#[derive(Debug, Clone)]
pub struct Calendar {
    zone_name: String,
    zone: TimeZone,
    /// Monday first.
    week: [Vec<Window>; 7],
    holidays: BTreeSet<Date>,
    /// The holidays as days since 1970-01-01 (the fast path's form).
    holiday_days: BTreeSet<i64>,
    /// The zone's offset changes within [`STEADY_RANGE`], for the fast path.
    changes: Arc<Changes>,
    /// Open time of each weekday and of the week, in nanoseconds (the fast path's sums).
    day_ns: [i128; 7],
    week_ns: i128,
    around_the_clock: bool,
}

/// A zone's offset changes over the years the fast path serves: (instant, offset after),
/// both in nanoseconds, and the offset before the first.
#[derive(Debug, Default)]
struct Changes {
    first_offset: i128,
    list: Vec<(i128, i128)>,
}

/// The years the fast path serves; times outside take the exact path.
const STEADY_RANGE: (i16, i16) = (1990, 2100);

fn year_start(year: i16) -> i128 {
    Date::new(year, 1, 1).map_or(0, |d| i128::from(epoch_day(d)) * DAY_NS)
}

impl Changes {
    fn of(zone: &TimeZone) -> Changes {
        let Ok(start) = Timestamp::from_nanosecond(year_start(STEADY_RANGE.0)) else {
            return Changes::default();
        };
        let end = year_start(STEADY_RANGE.1);
        let ns = |secs: i32| i128::from(secs) * 1_000_000_000;
        Changes {
            first_offset: ns(zone.to_offset(start).seconds()),
            list: zone
                .following(start)
                .map(|t| (t.timestamp().as_nanosecond(), ns(t.offset().seconds())))
                .take_while(|(t, _)| *t <= end)
                .collect(),
        }
    }
}

const DAY_NS: i128 = 86_400 * 1_000_000_000;
const MIN_NS: i128 = 60 * 1_000_000_000;
/// A zone offset change closer than this to a range sends it down the exact path.
const STEADY_MARGIN: SignedDuration = SignedDuration::from_hours(26);

fn epoch_day(date: Date) -> i64 {
    let epoch = Date::constant(1970, 1, 1);
    date.since(epoch)
        .map_or(i64::MIN, |s| i64::from(s.get_days()))
}

impl Calendar {
    /// A calendar with weekly hours (Monday first) and holidays in `zone`.
    pub fn new(
        zone: &str,
        week: [Vec<Window>; 7],
        holidays: impl IntoIterator<Item = Date>,
    ) -> Result<Calendar, SlaError> {
        let tz = TimeZone::get(zone).map_err(|_| SlaError::UnknownTimeZone(zone.to_string()))?;
        let mut week = week;
        for (day, windows) in week.iter_mut().enumerate() {
            windows.sort();
            for w in windows.iter() {
                if w.from >= w.to || w.to > 1440 {
                    return Err(SlaError::BadWindow {
                        day: DAYS[day],
                        from: hhmm(w.from),
                        to: hhmm(w.to),
                    });
                }
            }
            if windows.windows(2).any(|p| p[0].to > p[1].from) {
                return Err(SlaError::OverlappingWindows { day: DAYS[day] });
            }
        }
        if week.iter().all(Vec::is_empty) {
            return Err(SlaError::NeverOpen);
        }
        let holidays: BTreeSet<Date> = holidays.into_iter().collect();
        let day_ns: [i128; 7] = std::array::from_fn(|d| {
            week[d]
                .iter()
                .map(|w| i128::from(w.to - w.from) * MIN_NS)
                .sum()
        });
        Ok(Calendar {
            zone_name: zone.to_string(),
            week,
            holiday_days: holidays.iter().map(|d| epoch_day(*d)).collect(),
            changes: Arc::new(Changes::of(&tz)),
            zone: tz,
            day_ns,
            week_ns: day_ns.iter().sum(),
            holidays,
            around_the_clock: false,
        })
    }

    /// Open all the time (for example a P1 contract that runs 24/7).
    pub fn around_the_clock(zone: &str) -> Result<Calendar, SlaError> {
        let tz = TimeZone::get(zone).map_err(|_| SlaError::UnknownTimeZone(zone.to_string()))?;
        Ok(Calendar {
            zone_name: zone.to_string(),
            zone: tz,
            week: Default::default(),
            holidays: BTreeSet::new(),
            holiday_days: BTreeSet::new(),
            changes: Arc::default(),
            day_ns: [0; 7],
            week_ns: 0,
            around_the_clock: true,
        })
    }

    /// Whether the calendar is open all the time.
    pub fn is_around_the_clock(&self) -> bool {
        self.around_the_clock
    }

    /// A calendar in the same time zone that is open all the time (no zone look-up).
    pub fn to_around_the_clock(&self) -> Calendar {
        Calendar {
            zone_name: self.zone_name.clone(),
            zone: self.zone.clone(),
            week: Default::default(),
            holidays: BTreeSet::new(),
            holiday_days: BTreeSet::new(),
            changes: Arc::default(),
            day_ns: [0; 7],
            week_ns: 0,
            around_the_clock: true,
        }
    }

    pub fn zone_name(&self) -> &str {
        &self.zone_name
    }

    fn instant(&self, dt: DateTime) -> Result<Timestamp, SlaError> {
        self.zone
            .to_ambiguous_timestamp(dt)
            .compatible()
            .map_err(|e| SlaError::Time(e.to_string()))
    }

    fn local_date(&self, t: Timestamp) -> Date {
        t.to_zoned_datetime(self.zone.clone()).date()
    }

    /// The open intervals of one local date, as instants, in order.
    fn day_intervals(&self, date: Date) -> Result<Vec<(Timestamp, Timestamp)>, SlaError> {
        if self.holidays.contains(&date) {
            return Ok(Vec::new());
        }
        let day = date.weekday().to_monday_zero_offset() as usize;
        let mut out = Vec::new();
        for w in &self.week[day] {
            let at = |m: u16| -> Result<DateTime, SlaError> {
                if m == 1440 {
                    let next = date.tomorrow().map_err(|e| SlaError::Time(e.to_string()))?;
                    Ok(next.at(0, 0, 0, 0))
                } else {
                    Ok(date.at((m / 60) as i8, (m % 60) as i8, 0, 0))
                }
            };
            let (start, end) = (self.instant(at(w.from)?)?, self.instant(at(w.to)?)?);
            if start < end {
                out.push((start, end));
            }
        }
        Ok(out)
    }

    /// The zone's offset (nanoseconds) when it stays the same from a day before `from`
    /// to a day after `to`, and the next change after that, if any. `to` = `None` asks
    /// only about `from`'s neighbourhood.
    fn steady_offset(
        &self,
        from: Timestamp,
        to: Option<Timestamp>,
    ) -> Option<(i128, Option<i128>)> {
        let m = i128::from(STEADY_MARGIN.as_secs()) * 1_000_000_000;
        let f = from.as_nanosecond();
        let t = to.map_or(f, |t| t.as_nanosecond());
        if f - m < year_start(STEADY_RANGE.0) || t + m > year_start(STEADY_RANGE.1) {
            return None;
        }
        let list = &self.changes.list;
        let i = list.partition_point(|(at, _)| *at <= f - m);
        let off = if i == 0 {
            self.changes.first_offset
        } else {
            list[i - 1].1
        };
        let next = list.get(i).map(|c| c.0);
        if next.is_some_and(|n| n <= t + m) {
            return None;
        }
        Some((off, next))
    }

    /// Weekday (Monday = 0) of a day counted from 1970-01-01 (a Thursday).
    fn weekday_of(day: i64) -> usize {
        (day + 3).rem_euclid(7) as usize
    }

    /// Open intervals of a local day, in local nanoseconds since 1970 (fixed offset).
    fn local_windows(&self, day: i64) -> impl Iterator<Item = (i128, i128)> + '_ {
        let closed = self.holiday_days.contains(&day);
        let base = i128::from(day) * DAY_NS;
        self.week[Self::weekday_of(day)]
            .iter()
            .filter(move |_| !closed)
            .map(move |w| {
                (
                    base + i128::from(w.from) * MIN_NS,
                    base + i128::from(w.to) * MIN_NS,
                )
            })
    }

    /// [`Calendar::open_between`] without time-zone look-ups, when the offset is steady.
    fn open_between_steady(&self, from: Timestamp, to: Timestamp, off: i128) -> SignedDuration {
        let (a, b) = (from.as_nanosecond() + off, to.as_nanosecond() + off);
        let (first, last) = (a.div_euclid(DAY_NS), b.div_euclid(DAY_NS));
        let part = |day: i128| -> i128 {
            self.local_windows(day as i64)
                .map(|(s, e)| (e.min(b) - s.max(a)).max(0))
                .sum()
        };
        if last - first < 2 {
            return SignedDuration::from_nanos_i128((first..=last).map(part).sum());
        }
        // The first and last days in part; the days between whole: whole weeks at once,
        // the remaining days one by one, then the holidays among them taken out.
        let mut total = part(first) + part(last);
        let (from_day, to_day) = (first + 1, last - 1);
        let days = to_day - from_day + 1;
        total += (days / 7) * self.week_ns;
        let mut day = from_day + (days / 7) * 7;
        while day <= to_day {
            total += self.day_ns[Self::weekday_of(day as i64)];
            day += 1;
        }
        for h in self.holiday_days.range(from_day as i64..=to_day as i64) {
            total -= self.day_ns[Self::weekday_of(*h)];
        }
        SignedDuration::from_nanos_i128(total)
    }

    /// [`Calendar::add_open_time`] without time-zone look-ups; `None` when the answer
    /// would come within a day of an offset change (the exact path then answers).
    fn add_open_time_steady(
        &self,
        from: Timestamp,
        amount: SignedDuration,
        off: i128,
        change: Option<i128>,
    ) -> Option<Timestamp> {
        let a = from.as_nanosecond() + off;
        let mut left = amount.as_nanos();
        let end = year_start(STEADY_RANGE.1);
        let stop = Some(
            change.unwrap_or(end).min(end) + off
                - i128::from(STEADY_MARGIN.as_secs()) * 1_000_000_000,
        );
        let mut day = a.div_euclid(DAY_NS);
        let last = day + i128::from(MAX_YEARS) * 366;
        while day <= last {
            if stop.is_some_and(|s| (day + 1) * DAY_NS >= s) {
                return None;
            }
            // A whole week with no holiday that the amount outlasts: skip it at once.
            let whole_day = day * DAY_NS >= a;
            if whole_day
                && left > self.week_ns
                && stop.is_none_or(|s| (day + 8) * DAY_NS < s)
                && self
                    .holiday_days
                    .range(day as i64..(day + 7) as i64)
                    .next()
                    .is_none()
            {
                left -= self.week_ns;
                day += 7;
                continue;
            }
            for (s, e) in self.local_windows(day as i64) {
                let s = s.max(a);
                if s >= e {
                    continue;
                }
                if e - s >= left {
                    return Timestamp::from_nanosecond(s + left - off).ok();
                }
                left -= e - s;
            }
            day += 1;
        }
        None
    }

    /// How long the calendar is open between `from` and `to` (zero if `to` ≤ `from`).
    pub fn open_between(&self, from: Timestamp, to: Timestamp) -> Result<SignedDuration, SlaError> {
        if to <= from {
            return Ok(SignedDuration::ZERO);
        }
        if self.around_the_clock {
            return Ok(from.duration_until(to));
        }
        if let Some((off, _)) = self.steady_offset(from, Some(to)) {
            return Ok(self.open_between_steady(from, to, off));
        }
        self.open_between_exact(from, to)
    }

    /// [`Calendar::open_between`] day by day through the time zone's rules.
    #[doc(hidden)]
    pub fn open_between_exact(
        &self,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<SignedDuration, SlaError> {
        if to <= from {
            return Ok(SignedDuration::ZERO);
        }
        let mut total = SignedDuration::ZERO;
        // A day before: a window of the previous local date can still be open at `from`
        // when a DST rule moved its end.
        let mut date = self
            .local_date(from)
            .yesterday()
            .map_err(|e| SlaError::Time(e.to_string()))?;
        let last = self.local_date(to);
        while date <= last {
            for (s, e) in self.day_intervals(date)? {
                let (s, e) = (s.max(from), e.min(to));
                if s < e {
                    total += s.duration_until(e);
                }
            }
            date = date.tomorrow().map_err(|e| SlaError::Time(e.to_string()))?;
        }
        Ok(total)
    }

    /// The instant at which `amount` of open time has passed after `from`. With no time
    /// to add, that is `from` itself, even when the calendar is closed then.
    pub fn add_open_time(
        &self,
        from: Timestamp,
        amount: SignedDuration,
    ) -> Result<Timestamp, SlaError> {
        if amount <= SignedDuration::ZERO || self.around_the_clock {
            return self.add_open_time_exact(from, amount);
        }
        if let Some((off, change)) = self.steady_offset(from, None) {
            if let Some(t) = self.add_open_time_steady(from, amount, off, change) {
                return Ok(t);
            }
        }
        self.add_open_time_exact(from, amount)
    }

    /// [`Calendar::add_open_time`] day by day through the time zone's rules.
    #[doc(hidden)]
    pub fn add_open_time_exact(
        &self,
        from: Timestamp,
        amount: SignedDuration,
    ) -> Result<Timestamp, SlaError> {
        if amount <= SignedDuration::ZERO {
            return Ok(from);
        }
        if self.around_the_clock {
            return from
                .checked_add(amount)
                .map_err(|e| SlaError::Time(e.to_string()));
        }
        let mut left = amount;
        let mut date = self
            .local_date(from)
            .yesterday()
            .map_err(|e| SlaError::Time(e.to_string()))?;
        let limit = date
            .checked_add(jiff::Span::new().years(i64::from(MAX_YEARS)))
            .map_err(|e| SlaError::Time(e.to_string()))?;
        while date <= limit {
            for (s, e) in self.day_intervals(date)? {
                let s = s.max(from);
                if s >= e {
                    continue;
                }
                let here = s.duration_until(e);
                if here >= left {
                    return s
                        .checked_add(left)
                        .map_err(|e| SlaError::Time(e.to_string()));
                }
                left -= here;
            }
            date = date.tomorrow().map_err(|e| SlaError::Time(e.to_string()))?;
        }
        Err(SlaError::NoOpenTimeAhead {
            from: from.to_string(),
            years: MAX_YEARS,
        })
    }
}
