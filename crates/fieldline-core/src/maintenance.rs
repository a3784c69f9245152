//! Maintenance windows and acknowledgements: when a check's alerts are held, or the check
//! is not run at all. Pure: the store keeps them, the engine asks [`quiet`] before it runs a
//! check and before it alerts.
//!
//! A window covers a customer, a site or an endpoint (and so every endpoint below it). It
//! is one-off (from, to) or weekly (days, a start time and a length) in the site's own time
//! zone, so "Sunday 02:00 for 2 hours" means 02:00 in Seoul for a Seoul site whatever the
//! laptop's zone; a weekly window may run past midnight. A start in a DST gap is read with
//! the offset before the gap (RFC 5545, as the SLA calendars do): 02:30 on the night New
//! York skips 02:00-03:00 is 03:30 EDT.
//!
//! An acknowledgement is a technician's "I know, I am on it" for one endpoint (one check
//! of it, or all): its alerts are held until the check is OK again (the app then forgets
//! the acknowledgement) or until it expires.

use crate::model::Fleet;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ScopeKind {
    Customer,
    Site,
    Endpoint,
}

/// What a window covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Scope {
    pub kind: ScopeKind,
    pub id: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum MaintenanceMode {
    /// Checks run and results are kept; alerts are held.
    StopNotifying,
    /// Checks are not run at all (a reboot, a migration: nothing to learn).
    StopChecking,
}

/// When a window is in force.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Schedule {
    /// Unix seconds, `from` included, `to` excluded.
    Once {
        #[ts(type = "number")]
        from: i64,
        #[ts(type = "number")]
        to: i64,
    },
    /// Every week on `days` (0 = Monday … 6 = Sunday) at `start_minute` after local
    /// midnight, for `minutes`, in the site's time zone.
    Weekly {
        days: Vec<u8>,
        start_minute: u16,
        minutes: u32,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct MaintenanceWindow {
    #[ts(type = "number")]
    pub id: i64,
    pub scope: Scope,
    pub mode: MaintenanceMode,
    pub schedule: Schedule,
    pub reason: String,
}

/// A technician's acknowledgement of an endpoint's problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Acknowledgement {
    #[ts(type = "number")]
    pub id: i64,
    pub endpoint: String,
    /// One check (its position), or every check of the endpoint.
    pub check: Option<u32>,
    pub comment: String,
    /// Unix seconds.
    #[ts(type = "number")]
    pub at: i64,
    /// Unix seconds; `None` until the check is OK again.
    #[ts(type = "number | null")]
    pub until: Option<i64>,
}

/// The longest weekly window: a week.
pub const MAX_WEEKLY_MINUTES: u32 = 7 * 24 * 60;

impl MaintenanceWindow {
    /// What is wrong with this window, in words, if anything.
    pub fn problem(&self, fleet: &Fleet) -> Option<String> {
        let exists = match self.scope.kind {
            ScopeKind::Customer => fleet.customer(&self.scope.id).is_some(),
            ScopeKind::Site => fleet.site(&self.scope.id).is_some(),
            ScopeKind::Endpoint => fleet.endpoint(&self.scope.id).is_some(),
        };
        if !exists {
            return Some(
                format!("no {:?} with id {:?}", self.scope.kind, self.scope.id).to_lowercase(),
            );
        }
        match &self.schedule {
            Schedule::Once { from, to } if from >= to => {
                Some("the window ends before it starts".into())
            }
            Schedule::Weekly { days, .. } if days.is_empty() || days.iter().any(|d| *d > 6) => {
                Some("weekly windows need days from Monday (0) to Sunday (6)".into())
            }
            Schedule::Weekly { start_minute, .. } if *start_minute >= 24 * 60 => {
                Some("the start time is not a time of day".into())
            }
            Schedule::Weekly { minutes, .. } if *minutes == 0 || *minutes > MAX_WEEKLY_MINUTES => {
                Some("a weekly window lasts from one minute to a week".into())
            }
            _ => None,
        }
    }

    /// Whether the window covers `endpoint` (directly, or through its site or customer).
    pub fn covers(&self, fleet: &Fleet, endpoint: &str) -> bool {
        let Some(e) = fleet.endpoint(endpoint) else {
            return false;
        };
        match self.scope.kind {
            ScopeKind::Endpoint => e.id == self.scope.id,
            ScopeKind::Site => e.site == self.scope.id,
            ScopeKind::Customer => fleet
                .site(&e.site)
                .is_some_and(|s| s.customer == self.scope.id),
        }
    }

    /// Whether the window is in force at `now` (Unix seconds) in the time zone `tz`.
    pub fn active_at(&self, tz: &str, now: i64) -> bool {
        match &self.schedule {
            Schedule::Once { from, to } => *from <= now && now < *to,
            Schedule::Weekly {
                days,
                start_minute,
                minutes,
            } => {
                let (Ok(zone), Ok(instant)) = (
                    jiff::tz::TimeZone::get(tz),
                    jiff::Timestamp::from_second(now),
                ) else {
                    return false;
                };
                let today = instant.to_zoned_datetime(zone.clone()).date();
                // A window that started up to a week ago may still run.
                (0..=7).any(|back| {
                    let Ok(day) = today.checked_sub(jiff::Span::new().days(back)) else {
                        return false;
                    };
                    let weekday = day.weekday().to_monday_zero_offset() as u8;
                    if !days.contains(&weekday) {
                        return false;
                    }
                    let start = day.at((start_minute / 60) as i8, (start_minute % 60) as i8, 0, 0);
                    let Ok(start) = zone.to_ambiguous_timestamp(start).compatible() else {
                        return false;
                    };
                    let from = start.as_second();
                    from <= now && now < from + i64::from(*minutes) * 60
                })
            }
        }
    }
}

impl Acknowledgement {
    pub fn covers(&self, endpoint: &str, check: u32) -> bool {
        self.endpoint == endpoint && self.check.is_none_or(|c| c == check)
    }

    pub fn active_at(&self, now: i64) -> bool {
        self.until.is_none_or(|u| now < u)
    }
}

/// Why a check is quiet at `now`, if it is: `(true, why)` when it must not even run.
/// "Stop checking" wins over "stop notifying", a window over an acknowledgement.
pub fn quiet(
    fleet: &Fleet,
    windows: &[MaintenanceWindow],
    acks: &[Acknowledgement],
    endpoint: &str,
    check: u32,
    now: i64,
) -> Option<(bool, String)> {
    if windows.is_empty() && acks.is_empty() {
        return None;
    }
    let tz = fleet
        .endpoint(endpoint)
        .and_then(|e| fleet.site(&e.site))
        .map(|s| s.timezone.as_str())
        .unwrap_or("UTC");
    let mut found: Option<(bool, String)> = None;
    for w in windows
        .iter()
        .filter(|w| w.covers(fleet, endpoint) && w.active_at(tz, now))
    {
        let stop = w.mode == MaintenanceMode::StopChecking;
        let why = if w.reason.is_empty() {
            "in maintenance".to_string()
        } else {
            format!("in maintenance: {}", w.reason)
        };
        if found.as_ref().is_none_or(|(s, _)| stop && !s) {
            found = Some((stop, why));
        }
    }
    if found.is_some() {
        return found;
    }
    acks.iter()
        .find(|a| a.covers(endpoint, check) && a.active_at(now))
        .map(|a| (false, format!("acknowledged: {}", a.comment)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const FLEET: &str = r#"
[[customers]]
id = "acme"
name = "ACME"
[[sites]]
id = "seoul"
customer = "acme"
name = "Seoul"
timezone = "Asia/Seoul"
[[sites]]
id = "ny"
customer = "acme"
name = "New York"
timezone = "America/New_York"
[[endpoints]]
id = "db"
site = "seoul"
host = "10.0.0.1"
[[endpoints]]
id = "web"
site = "ny"
host = "10.0.0.2"
"#;

    fn fleet() -> Fleet {
        crate::fleet_file::parse("f.toml", FLEET).expect("fleet")
    }

    fn at(text: &str) -> i64 {
        text.parse::<jiff::Timestamp>().expect("time").as_second()
    }

    fn weekly(
        scope: ScopeKind,
        id: &str,
        days: &[u8],
        start_minute: u16,
        minutes: u32,
    ) -> MaintenanceWindow {
        MaintenanceWindow {
            id: 1,
            scope: Scope {
                kind: scope,
                id: id.into(),
            },
            mode: MaintenanceMode::StopNotifying,
            schedule: Schedule::Weekly {
                days: days.to_vec(),
                start_minute,
                minutes,
            },
            reason: "patching".into(),
        }
    }

    #[test]
    fn weekly_windows_are_in_the_sites_zone_and_may_cross_midnight() {
        let f = fleet();
        // Sundays 23:00 for 2 hours, Seoul time (UTC+9): Sunday 14:00Z to 16:00Z.
        let w = weekly(ScopeKind::Customer, "acme", &[6], 23 * 60, 120);
        // 2026-11-29 is a Sunday.
        assert!(quiet(
            &f,
            std::slice::from_ref(&w),
            &[],
            "db",
            0,
            at("2026-11-29T14:30:00Z")
        )
        .is_some());
        assert!(
            quiet(
                &f,
                std::slice::from_ref(&w),
                &[],
                "db",
                0,
                at("2026-11-29T15:59:59Z")
            )
            .is_some(),
            "past midnight in Seoul"
        );
        assert!(quiet(
            &f,
            std::slice::from_ref(&w),
            &[],
            "db",
            0,
            at("2026-11-29T16:00:00Z")
        )
        .is_none());
        assert!(quiet(
            &f,
            std::slice::from_ref(&w),
            &[],
            "db",
            0,
            at("2026-11-29T13:59:59Z")
        )
        .is_none());
        // The same window for the New York site is New York's Sunday 23:00 (UTC-5).
        assert!(quiet(
            &f,
            std::slice::from_ref(&w),
            &[],
            "web",
            0,
            at("2026-11-29T14:30:00Z")
        )
        .is_none());
        assert!(quiet(&f, &[w], &[], "web", 0, at("2026-11-30T04:30:00Z")).is_some());
    }

    #[test]
    fn a_start_in_a_dst_gap_is_read_with_the_offset_before_it() {
        let f = fleet();
        // New York skips 02:00-03:00 on Sunday 2027-03-14: a window at 02:30 starts at
        // 02:30 EST = 07:30Z = 03:30 EDT.
        let w = [weekly(ScopeKind::Site, "ny", &[6], 150, 60)];
        let at_utc = |t: &str| quiet(&f, &w, &[], "web", 0, at(t)).is_some();
        assert!(at_utc("2027-03-14T07:40:00Z"), "03:40 EDT");
        assert!(!at_utc("2027-03-14T07:10:00Z"), "03:10 EDT");
        assert!(!at_utc("2027-03-14T08:30:00Z"), "04:30 EDT: over");
    }

    #[test]
    fn stop_checking_wins_and_acknowledgements_hold_until_they_expire() {
        let f = fleet();
        let now = at("2026-11-25T03:00:00Z");
        let notify = MaintenanceWindow {
            schedule: Schedule::Once {
                from: now - 60,
                to: now + 60,
            },
            ..weekly(ScopeKind::Endpoint, "db", &[0], 0, 1)
        };
        let check = MaintenanceWindow {
            mode: MaintenanceMode::StopChecking,
            ..notify.clone()
        };
        assert_eq!(
            quiet(&f, &[notify.clone(), check], &[], "db", 0, now).map(|q| q.0),
            Some(true)
        );
        assert_eq!(
            quiet(&f, &[notify], &[], "db", 0, now),
            Some((false, "in maintenance: patching".into()))
        );
        let ack = Acknowledgement {
            id: 1,
            endpoint: "db".into(),
            check: Some(1),
            comment: "disk ordered".into(),
            at: now,
            until: Some(now + 3600),
        };
        assert_eq!(
            quiet(&f, &[], std::slice::from_ref(&ack), "db", 1, now),
            Some((false, "acknowledged: disk ordered".into()))
        );
        assert!(
            quiet(&f, &[], std::slice::from_ref(&ack), "db", 0, now).is_none(),
            "another check"
        );
        assert!(
            quiet(&f, &[], &[ack], "db", 1, now + 3600).is_none(),
            "expired"
        );
    }

    #[test]
    fn a_window_says_what_is_wrong_with_it() {
        let f = fleet();
        let bad = |w: MaintenanceWindow| w.problem(&f).expect("a problem");
        assert!(bad(weekly(ScopeKind::Site, "nowhere", &[0], 0, 60)).contains("no site"));
        assert!(bad(weekly(ScopeKind::Site, "ny", &[], 0, 60)).contains("days"));
        assert!(bad(weekly(ScopeKind::Site, "ny", &[7], 0, 60)).contains("days"));
        assert!(bad(weekly(ScopeKind::Site, "ny", &[0], 1440, 60)).contains("time of day"));
        assert!(bad(weekly(ScopeKind::Site, "ny", &[0], 0, 0)).contains("one minute"));
        let once = MaintenanceWindow {
            schedule: Schedule::Once { from: 10, to: 5 },
            ..weekly(ScopeKind::Site, "ny", &[0], 0, 1)
        };
        assert!(bad(once).contains("ends before"));
        assert_eq!(
            weekly(ScopeKind::Customer, "acme", &[5, 6], 120, 240).problem(&f),
            None
        );
    }
}
