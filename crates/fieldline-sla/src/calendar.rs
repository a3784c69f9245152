//! Business calendars: when the clock of a customer's SLA runs.

use crate::SlaError;
use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use std::collections::BTreeSet;

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
    around_the_clock: bool,
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
        Ok(Calendar {
            zone_name: zone.to_string(),
            zone: tz,
            week,
            holidays: holidays.into_iter().collect(),
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

    /// How long the calendar is open between `from` and `to` (zero if `to` ≤ `from`).
    pub fn open_between(&self, from: Timestamp, to: Timestamp) -> Result<SignedDuration, SlaError> {
        if to <= from {
            return Ok(SignedDuration::ZERO);
        }
        if self.around_the_clock {
            return Ok(from.duration_until(to));
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
