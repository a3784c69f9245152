//! Which alerts become which desktop notifications. Pure: no clock, no I/O.
//!
//! The rules, in order:
//! - **De-duplicated.** Each alert has a key (one SLA clock, one endpoint) and a level
//!   (50, 75, 90 % of an SLA target, 100 for the breach). An alert notifies when its key
//!   has not notified yet or its level went up; otherwise it stays quiet.
//! - **Repeated.** A breach still open notifies again once the repeat interval has passed.
//! - **Held, not lost.** A muted customer's alerts, and every alert during quiet hours or
//!   do-not-disturb, go to the notification centre only. SLA warnings (not breaches) can be
//!   kept to the customer's service hours. An alert held for the time of day is shown when
//!   that time is over, if it still stands; a muted customer's alert is not shown later.
//! - **Grouped.** Everything due in one round for one group (one customer's SLA clocks,
//!   one site's endpoints) is one notification: "Acme: 1 SLA breach, 2 warnings".

use jiff::civil::Time;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use ts_rs::TS;

/// A notification ready to show: the planner's output, the sender's input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    /// What this notification stands for (for example `sla:acme`); a later notification
    /// with the same key replaces it on the screen.
    pub group: String,
    pub summary: String,
    pub body: String,
    pub urgency: Urgency,
    /// The item to open when the notification is clicked (for example `ticket:12`).
    pub open: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Urgency {
    Low,
    Normal,
    Critical,
}

impl Urgency {
    pub fn as_str(self) -> &'static str {
        match self {
            Urgency::Low => "low",
            Urgency::Normal => "normal",
            Urgency::Critical => "critical",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// An SLA warning threshold.
    Warning,
    /// An SLA breach, or an endpoint down.
    Breach,
}

/// Something that may deserve a notification, as it stands now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    /// What it is about; one notification per key and level (`sla:12:resolution`).
    pub key: String,
    /// Higher levels notify again (threshold percent; 100 for a breach).
    pub level: u8,
    pub severity: Severity,
    /// Alerts of one group in one round make one notification (`sla:acme`).
    pub group: String,
    /// The group's name for people ("Acme Corp").
    pub group_title: String,
    pub customer: String,
    /// One line for this alert ("#12 Printer down: resolution breached").
    pub line: String,
    /// The customer's service desk is open now (their SLA calendar).
    pub in_service_hours: bool,
    /// The item to open on click (`ticket:12`).
    pub open: String,
}

/// The technician's notification settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct NotifySettings {
    /// Desktop notifications at all.
    pub enabled: bool,
    pub do_not_disturb: bool,
    /// Quiet hours "HH:MM" to "HH:MM" in `timezone` (may span midnight); both or neither.
    pub quiet_from: Option<String>,
    pub quiet_to: Option<String>,
    /// IANA zone for quiet hours; `None` is the computer's.
    pub timezone: Option<String>,
    /// Minutes after which a breach still open notifies again; 0 never.
    pub repeat_minutes: u32,
    /// Customers whose alerts never reach the desktop.
    pub muted_customers: BTreeSet<String>,
    /// SLA warnings only while the customer's service desk is open (breaches always).
    pub warnings_in_service_hours_only: bool,
}

impl Default for NotifySettings {
    fn default() -> Self {
        NotifySettings {
            enabled: true,
            do_not_disturb: false,
            quiet_from: None,
            quiet_to: None,
            timezone: None,
            repeat_minutes: 60,
            muted_customers: BTreeSet::new(),
            warnings_in_service_hours_only: false,
        }
    }
}

fn hm(text: &str) -> Option<Time> {
    let (h, m) = text.trim().split_once(':')?;
    Time::new(h.parse().ok()?, m.parse().ok()?, 0, 0).ok()
}

impl NotifySettings {
    /// Checks the settings, saying what is wrong in the technician's terms.
    pub fn validate(&self) -> Result<(), String> {
        match (&self.quiet_from, &self.quiet_to) {
            (None, None) => {}
            (Some(a), Some(b)) => {
                for t in [a, b] {
                    if hm(t).is_none() {
                        return Err(format!("quiet hours: {t:?} is not a time like \"22:00\""));
                    }
                }
                if a.trim() == b.trim() {
                    return Err("quiet hours start and end at the same time; clear them or use do-not-disturb".into());
                }
            }
            _ => return Err("quiet hours need both a start and an end".into()),
        }
        if let Some(z) = &self.timezone {
            TimeZone::get(z).map_err(|_| {
                format!("{z:?} is not a known IANA time zone (for example \"Asia/Seoul\")")
            })?;
        }
        if self.repeat_minutes > 7 * 24 * 60 {
            return Err(
                "repeat breaches at most every week (10080 minutes), or 0 for never".into(),
            );
        }
        Ok(())
    }

    /// Within quiet hours at `now` (start inclusive, end exclusive; may span midnight).
    pub fn in_quiet_hours(&self, now: Timestamp) -> bool {
        let (Some(from), Some(to)) = (
            self.quiet_from.as_deref().and_then(hm),
            self.quiet_to.as_deref().and_then(hm),
        ) else {
            return false;
        };
        let tz = self
            .timezone
            .as_deref()
            .and_then(|z| TimeZone::get(z).ok())
            .unwrap_or_else(TimeZone::system);
        let t = now.to_zoned_datetime(tz).time();
        if from < to {
            from <= t && t < to
        } else {
            t >= from || t < to
        }
    }
}

/// Why an alert went to the notification centre only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Held {
    Disabled,
    DoNotDisturb,
    QuietHours,
    Muted,
    OutsideServiceHours,
}

impl Held {
    /// Held for the time being: shown later if the alert still stands.
    fn for_now(self) -> bool {
        !matches!(self, Held::Muted)
    }
}

/// What the ledger remembers of a key: the level last notified (or held), when, and
/// whether it reached the desktop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Notified {
    pub level: u8,
    pub at: Timestamp,
    pub shown: bool,
}

/// One round's decisions.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Plan {
    /// To show on the desktop now (and keep in the centre).
    pub show: Vec<Outgoing>,
    /// To keep in the centre only, with why.
    pub held: Vec<(Outgoing, Held)>,
    /// Ledger updates: key to what it now records.
    pub ledger: Vec<(String, Notified)>,
}

fn due(a: &Alert, seen: Option<&Notified>, repeat: Option<SignedDuration>, now: Timestamp) -> bool {
    match seen {
        None => true,
        Some(s) if a.level > s.level => true,
        Some(s) if !s.shown => true,
        Some(s) => {
            a.severity == Severity::Breach && repeat.is_some_and(|r| now.duration_since(s.at) >= r)
        }
    }
}

/// What holds any alert of `customer` back from the desktop (muted, notifications off,
/// do not disturb, quiet hours): the rules SLA alerts and fleet alerts share.
pub fn held_for(customer: &str, settings: &NotifySettings, quiet: bool) -> Option<Held> {
    if settings.muted_customers.contains(customer) {
        Some(Held::Muted)
    } else if !settings.enabled {
        Some(Held::Disabled)
    } else if settings.do_not_disturb {
        Some(Held::DoNotDisturb)
    } else if quiet {
        Some(Held::QuietHours)
    } else {
        None
    }
}

fn held_by(a: &Alert, settings: &NotifySettings, quiet: bool) -> Option<Held> {
    if let Some(why) = held_for(&a.customer, settings, quiet) {
        Some(why)
    } else if a.severity == Severity::Warning
        && settings.warnings_in_service_hours_only
        && !a.in_service_hours
    {
        Some(Held::OutsideServiceHours)
    } else {
        None
    }
}

/// Most lines one notification lists before "and N more".
pub const MAX_LINES: usize = 5;

fn group(alerts: &[&Alert]) -> Option<Outgoing> {
    let first = alerts.first()?;
    let breaches = alerts
        .iter()
        .filter(|a| a.severity == Severity::Breach)
        .count();
    let warnings = alerts.len() - breaches;
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let mut parts = Vec::new();
    if breaches > 0 {
        parts.push(plural(breaches, "SLA breach", "SLA breaches"));
    }
    if warnings > 0 {
        parts.push(plural(warnings, "SLA warning", "SLA warnings"));
    }
    let mut sorted: Vec<&&Alert> = alerts.iter().collect();
    sorted.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(b.level.cmp(&a.level))
            .then(a.key.cmp(&b.key))
    });
    let mut lines: Vec<String> = sorted
        .iter()
        .take(MAX_LINES)
        .map(|a| a.line.clone())
        .collect();
    if sorted.len() > MAX_LINES {
        lines.push(format!("and {} more", sorted.len() - MAX_LINES));
    }
    let opens: BTreeSet<&str> = alerts.iter().map(|a| a.open.as_str()).collect();
    Some(Outgoing {
        group: first.group.clone(),
        summary: format!("{}: {}", first.group_title, parts.join(", ")),
        body: lines.join("\n"),
        urgency: if breaches > 0 {
            Urgency::Critical
        } else {
            Urgency::Normal
        },
        open: match opens.into_iter().collect::<Vec<_>>().as_slice() {
            [one] => Some((*one).to_string()),
            _ => Some(format!("sla:{}", first.customer)),
        },
    })
}

/// Decides one round: `alerts` as they stand at `now`, `ledger` as the last rounds left it.
pub fn plan(
    alerts: &[Alert],
    ledger: &BTreeMap<String, Notified>,
    settings: &NotifySettings,
    now: Timestamp,
) -> Plan {
    let repeat = (settings.repeat_minutes > 0)
        .then(|| SignedDuration::from_mins(i64::from(settings.repeat_minutes)));
    let quiet = settings.in_quiet_hours(now);
    let mut shown: BTreeMap<&str, Vec<&Alert>> = BTreeMap::new();
    let mut held: BTreeMap<(&str, Held), Vec<&Alert>> = BTreeMap::new();
    let mut out = Plan::default();
    for a in alerts {
        let seen = ledger.get(&a.key);
        if !due(a, seen, repeat, now) {
            continue;
        }
        match held_by(a, settings, quiet) {
            None => {
                shown.entry(&a.group).or_default().push(a);
                out.ledger.push((
                    a.key.clone(),
                    Notified {
                        level: a.level,
                        at: now,
                        shown: true,
                    },
                ));
            }
            Some(why) => {
                // Held again at a level already held: nothing new for the centre either.
                let new = seen.is_none_or(|s| a.level > s.level || s.shown);
                if new {
                    held.entry((&a.group, why)).or_default().push(a);
                    out.ledger.push((
                        a.key.clone(),
                        Notified {
                            level: a.level,
                            at: now,
                            shown: !why.for_now(),
                        },
                    ));
                }
            }
        }
    }
    out.show = shown.values().filter_map(|g| group(g)).collect();
    out.held = held
        .iter()
        .filter_map(|((_, why), g)| group(g).map(|o| (o, *why)))
        .collect();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().expect("time")
    }

    fn alert(ticket: u32, customer: &str, level: u8) -> Alert {
        Alert {
            key: format!("sla:{ticket}:resolution"),
            level,
            severity: if level >= 100 {
                Severity::Breach
            } else {
                Severity::Warning
            },
            group: format!("sla:{customer}"),
            group_title: customer.to_uppercase(),
            customer: customer.into(),
            line: format!("#{ticket} at {level}%"),
            in_service_hours: true,
            open: format!("ticket:{ticket}"),
        }
    }

    fn apply(ledger: &mut BTreeMap<String, Notified>, p: &Plan) {
        for (k, n) in &p.ledger {
            ledger.insert(k.clone(), *n);
        }
    }

    fn seoul() -> NotifySettings {
        NotifySettings {
            timezone: Some("Asia/Seoul".into()),
            ..NotifySettings::default()
        }
    }

    #[test]
    fn one_notification_per_customer_and_round_with_the_worst_first() {
        let alerts = [
            alert(1, "acme", 50),
            alert(2, "acme", 100),
            alert(3, "busan", 75),
        ];
        let p = plan(
            &alerts,
            &BTreeMap::new(),
            &seoul(),
            ts("2026-11-24T03:00:00Z"),
        );
        assert_eq!(p.show.len(), 2);
        let acme = &p.show[0];
        assert_eq!(acme.summary, "ACME: 1 SLA breach, 1 SLA warning");
        assert_eq!(acme.body, "#2 at 100%\n#1 at 50%");
        assert_eq!(acme.urgency, Urgency::Critical);
        assert_eq!(acme.open.as_deref(), Some("sla:acme"));
        assert_eq!(p.show[1].open.as_deref(), Some("ticket:3"));
        assert_eq!(p.show[1].urgency, Urgency::Normal);
    }

    #[test]
    fn the_same_level_notifies_once_a_higher_level_again_and_a_breach_repeats() {
        let mut ledger = BTreeMap::new();
        let s = seoul();
        let t0 = ts("2026-11-24T03:00:00Z");
        let p = plan(&[alert(1, "acme", 50)], &ledger, &s, t0);
        assert_eq!(p.show.len(), 1);
        apply(&mut ledger, &p);
        let p = plan(
            &[alert(1, "acme", 50)],
            &ledger,
            &s,
            t0 + SignedDuration::from_mins(5),
        );
        assert!(p.show.is_empty(), "{p:?}");
        let p = plan(
            &[alert(1, "acme", 100)],
            &ledger,
            &s,
            t0 + SignedDuration::from_mins(6),
        );
        assert_eq!(p.show.len(), 1);
        apply(&mut ledger, &p);
        let p = plan(
            &[alert(1, "acme", 100)],
            &ledger,
            &s,
            t0 + SignedDuration::from_mins(60),
        );
        assert!(
            p.show.is_empty(),
            "59 minutes after the breach is before the repeat"
        );
        let p = plan(
            &[alert(1, "acme", 100)],
            &ledger,
            &s,
            t0 + SignedDuration::from_mins(66),
        );
        assert_eq!(p.show.len(), 1, "an hour after the breach it repeats");
    }

    #[test]
    fn quiet_hours_hold_alerts_and_show_them_when_they_end_if_they_still_stand() {
        let s = NotifySettings {
            quiet_from: Some("22:00".into()),
            quiet_to: Some("07:00".into()),
            ..seoul()
        };
        let mut ledger = BTreeMap::new();
        // 23:30 in Seoul.
        let night = ts("2026-11-24T14:30:00Z");
        let p = plan(&[alert(1, "acme", 100)], &ledger, &s, night);
        assert!(p.show.is_empty());
        assert_eq!(p.held.len(), 1);
        assert_eq!(p.held[0].1, Held::QuietHours);
        apply(&mut ledger, &p);
        let p = plan(
            &[alert(1, "acme", 100)],
            &ledger,
            &s,
            night + SignedDuration::from_mins(30),
        );
        assert!(
            p.show.is_empty() && p.held.is_empty(),
            "held once, not every round: {p:?}"
        );
        // 07:00 in Seoul: over.
        let p = plan(
            &[alert(1, "acme", 100)],
            &ledger,
            &s,
            ts("2026-11-24T22:00:00Z"),
        );
        assert_eq!(p.show.len(), 1);
    }

    #[test]
    fn muted_customers_and_service_hours() {
        let mut s = seoul();
        s.muted_customers.insert("acme".into());
        s.warnings_in_service_hours_only = true;
        let mut closed = alert(3, "busan", 50);
        closed.in_service_hours = false;
        let mut breach_closed = alert(4, "busan", 100);
        breach_closed.in_service_hours = false;
        let mut ledger = BTreeMap::new();
        let now = ts("2026-11-24T03:00:00Z");
        let p = plan(
            &[alert(1, "acme", 100), closed.clone(), breach_closed],
            &ledger,
            &s,
            now,
        );
        assert_eq!(p.show.len(), 1);
        assert_eq!(
            p.show[0].body, "#4 at 100%",
            "breaches show outside service hours"
        );
        let why: Vec<Held> = p.held.iter().map(|h| h.1).collect();
        assert_eq!(why, [Held::Muted, Held::OutsideServiceHours]);
        apply(&mut ledger, &p);
        closed.in_service_hours = true;
        let later = now + SignedDuration::from_mins(1);
        let p = plan(&[alert(1, "acme", 100), closed], &ledger, &s, later);
        assert_eq!(
            p.show.len(),
            1,
            "the warning shows once the desk opens: {p:?}"
        );
        assert!(p.held.is_empty(), "a muted alert is not held again: {p:?}");
    }

    #[test]
    fn long_groups_are_cut_and_settings_are_checked() {
        let alerts: Vec<Alert> = (1..=8).map(|i| alert(i, "acme", 75)).collect();
        let p = plan(
            &alerts,
            &BTreeMap::new(),
            &seoul(),
            ts("2026-11-24T03:00:00Z"),
        );
        assert_eq!(p.show[0].body.lines().count(), MAX_LINES + 1);
        assert!(p.show[0].body.ends_with("and 3 more"));
        let bad = |f: &dyn Fn(&mut NotifySettings)| {
            let mut s = NotifySettings::default();
            f(&mut s);
            s.validate().expect_err("invalid")
        };
        assert!(bad(&|s| s.quiet_from = Some("22:00".into())).contains("both"));
        assert!(bad(&|s| {
            s.quiet_from = Some("25:00".into());
            s.quiet_to = Some("07:00".into());
        })
        .contains("not a time"));
        assert!(bad(&|s| s.timezone = Some("Mars/Base".into())).contains("IANA"));
        assert!(NotifySettings::default().validate().is_ok());
    }
}
