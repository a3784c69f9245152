//! SLA clocks computed from a ticket's history: replay the events, count the open time
//! of the calendar in force while the clock runs, note when each threshold was crossed.

use crate::{Calendar, SlaError};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::sync::Arc;
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
pub enum Priority {
    P1,
    P2,
    P3,
    P4,
}

impl Priority {
    pub const ALL: [Priority; 4] = [Priority::P1, Priority::P2, Priority::P3, Priority::P4];

    fn index(self) -> usize {
        self as usize
    }

    pub fn as_str(self) -> &'static str {
        ["P1", "P2", "P3", "P4"][self.index()]
    }

    /// `"P1"`..`"P4"` (or lower case).
    pub fn parse(text: &str) -> Option<Priority> {
        Priority::ALL
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(text.trim()))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum TicketState {
    New,
    InProgress,
    WaitingOnCustomer,
    Resolved,
    Closed,
}

impl TicketState {
    pub const ALL: [TicketState; 5] = [
        TicketState::New,
        TicketState::InProgress,
        TicketState::WaitingOnCustomer,
        TicketState::Resolved,
        TicketState::Closed,
    ];

    /// The name used in files, the CLI and the IPC (`waiting_on_customer`).
    pub fn as_str(self) -> &'static str {
        match self {
            TicketState::New => "new",
            TicketState::InProgress => "in_progress",
            TicketState::WaitingOnCustomer => "waiting_on_customer",
            TicketState::Resolved => "resolved",
            TicketState::Closed => "closed",
        }
    }

    pub fn parse(text: &str) -> Option<TicketState> {
        TicketState::ALL
            .into_iter()
            .find(|s| s.as_str() == text.trim())
    }

    /// Resolved or closed: the resolution clock has stopped.
    pub fn is_done(self) -> bool {
        matches!(self, TicketState::Resolved | TicketState::Closed)
    }
}

/// The targets of one priority.
#[derive(Debug, Clone, PartialEq)]
pub struct Targets {
    pub first_response: SignedDuration,
    pub resolution: SignedDuration,
    /// Counts every hour, not only the calendar's (a P1 that runs 24/7).
    pub around_the_clock: bool,
}

/// A customer contract's SLA policy.
#[derive(Debug, Clone)]
pub struct Policy {
    pub name: String,
    pub calendar: Calendar,
    /// P1 first.
    pub targets: [Targets; 4],
    /// States in which the clocks stop (typically waiting on the customer).
    pub pause_in: Vec<TicketState>,
    /// Warning thresholds in percent of the target, for example `[50, 75, 90]`.
    pub thresholds: Vec<u8>,
}

/// One thing that happened to a ticket. The history must start with `Opened` and be in
/// time order; events after the instant asked about are ignored.
#[derive(Debug, Clone)]
pub enum Event {
    Opened {
        at: Timestamp,
        priority: Priority,
        policy: Arc<Policy>,
    },
    StateChanged {
        at: Timestamp,
        state: TicketState,
    },
    PriorityChanged {
        at: Timestamp,
        priority: Priority,
    },
    /// The contract changed; time already used is kept, the new targets apply from now.
    PolicyChanged {
        at: Timestamp,
        policy: Arc<Policy>,
    },
    /// The first reply to the customer.
    Responded {
        at: Timestamp,
    },
}

impl Event {
    pub fn at(&self) -> Timestamp {
        match self {
            Event::Opened { at, .. }
            | Event::StateChanged { at, .. }
            | Event::PriorityChanged { at, .. }
            | Event::PolicyChanged { at, .. }
            | Event::Responded { at } => *at,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ClockKind {
    FirstResponse,
    Resolution,
}

/// A clock as of one instant.
#[derive(Debug, Clone, PartialEq)]
pub struct ClockState {
    pub kind: ClockKind,
    /// The target in force now.
    pub target: SignedDuration,
    /// Open time used so far.
    pub elapsed: SignedDuration,
    /// `target - elapsed`; negative once breached.
    pub remaining: SignedDuration,
    /// The clock is counting (not paused, not stopped).
    pub running: bool,
    /// The ticket is in a pause state.
    pub paused: bool,
    /// When the clock stopped for good: the first response, or the resolution.
    pub stopped_at: Option<Timestamp>,
    /// While running: when the target is (or was) reached if nothing changes.
    pub due: Option<Timestamp>,
    pub breached_at: Option<Timestamp>,
    /// Thresholds crossed so far (percent, when), in order.
    pub crossed: Vec<(u8, Timestamp)>,
}

impl Policy {
    /// The calendar a priority counts in: the policy's, or the same zone around the clock.
    pub fn calendar_for(&self, priority: Priority) -> Cow<'_, Calendar> {
        if self.targets[priority.index()].around_the_clock {
            Cow::Owned(self.calendar.to_around_the_clock())
        } else {
            Cow::Borrowed(&self.calendar)
        }
    }

    pub fn targets_for(&self, priority: Priority) -> &Targets {
        &self.targets[priority.index()]
    }
}

/// The time a clock counts: every hour, or the calendar's open hours. Unlike
/// [`Policy::calendar_for`] it builds nothing, as the replay asks for it on every stretch.
enum Counting<'a> {
    Always,
    Hours(&'a Calendar),
}

impl<'a> Counting<'a> {
    fn of(policy: &'a Policy, priority: Priority) -> Counting<'a> {
        if policy.targets[priority.index()].around_the_clock
            || policy.calendar.is_around_the_clock()
        {
            Counting::Always
        } else {
            Counting::Hours(&policy.calendar)
        }
    }

    fn open_between(&self, from: Timestamp, to: Timestamp) -> Result<SignedDuration, SlaError> {
        match self {
            Counting::Always => Ok(if to > from {
                from.duration_until(to)
            } else {
                SignedDuration::ZERO
            }),
            Counting::Hours(cal) => cal.open_between(from, to),
        }
    }

    fn add_open_time(
        &self,
        from: Timestamp,
        amount: SignedDuration,
    ) -> Result<Timestamp, SlaError> {
        match self {
            Counting::Always if amount > SignedDuration::ZERO => from
                .checked_add(amount)
                .map_err(|e| SlaError::Time(e.to_string())),
            Counting::Always => Ok(from),
            Counting::Hours(cal) => cal.add_open_time(from, amount),
        }
    }
}

struct Replay {
    kind: ClockKind,
    policy: Arc<Policy>,
    priority: Priority,
    state: TicketState,
    responded: Option<Timestamp>,
    resolved_at: Option<Timestamp>,
    elapsed: SignedDuration,
    crossed: Vec<(u8, Timestamp)>,
    breached_at: Option<Timestamp>,
}

fn percent_of(target: SignedDuration, pct: u8) -> SignedDuration {
    SignedDuration::from_secs(target.as_secs() * i64::from(pct) / 100)
}

impl Replay {
    /// The calendar the current priority counts in: the policy's, or the same zone
    /// around the clock. Borrowed, since it is asked for on every stretch of history.
    fn calendar(&self) -> Counting<'_> {
        Counting::of(&self.policy, self.priority)
    }

    fn target(&self) -> SignedDuration {
        let t = &self.policy.targets[self.priority.index()];
        match self.kind {
            ClockKind::FirstResponse => t.first_response,
            ClockKind::Resolution => t.resolution,
        }
    }

    fn paused(&self) -> bool {
        self.policy.pause_in.contains(&self.state)
    }

    fn stopped(&self) -> Option<Timestamp> {
        match self.kind {
            ClockKind::FirstResponse => self.responded,
            ClockKind::Resolution => self.resolved_at,
        }
    }

    fn running(&self) -> bool {
        !self.paused() && self.stopped().is_none()
    }

    /// Counts the open time of [from, to) and records thresholds reached within it.
    fn run(&mut self, from: Timestamp, to: Timestamp) -> Result<(), SlaError> {
        // An empty stretch still counts: a target that shrank below the time used (a
        // priority raised) is crossed at that instant.
        if !self.running() || to < from {
            return Ok(());
        }
        let policy = Arc::clone(&self.policy);
        let cal = Counting::of(&policy, self.priority);
        let target = self.target();
        let open = cal.open_between(from, to)?;
        let after = self.elapsed + open;
        for pct in policy.thresholds.iter().copied().chain([100]) {
            let done = if pct == 100 {
                self.breached_at.is_some()
            } else {
                self.crossed.iter().any(|(p, _)| *p == pct)
            };
            let amount = percent_of(target, pct);
            if done || after < amount || amount <= SignedDuration::ZERO {
                continue;
            }
            let when = if self.elapsed >= amount {
                from // the target shrank (a priority raised): crossed at once
            } else {
                cal.add_open_time(from, amount - self.elapsed)?
            };
            if pct == 100 {
                self.breached_at = Some(when);
            } else {
                self.crossed.push((pct, when));
            }
        }
        if self.crossed.len() > 1 {
            self.crossed.sort_by_key(|(_, t)| *t);
        }
        self.elapsed = after;
        Ok(())
    }
}

/// The clock of `kind` as of `now`, replayed from `events`.
pub fn clock(events: &[Event], kind: ClockKind, now: Timestamp) -> Result<ClockState, SlaError> {
    let Some(Event::Opened {
        at: opened,
        priority,
        policy,
    }) = events.first()
    else {
        return Err(SlaError::NotOpened);
    };
    let mut r = Replay {
        kind,
        policy: policy.clone(),
        priority: *priority,
        state: TicketState::New,
        responded: None,
        resolved_at: None,
        elapsed: SignedDuration::ZERO,
        crossed: Vec::new(),
        breached_at: None,
    };
    let mut last = *opened;
    for e in &events[1..] {
        let at = e.at();
        if at > now {
            break;
        }
        if at < last {
            return Err(SlaError::OutOfOrder { at: at.to_string() });
        }
        r.run(last, at)?;
        last = at;
        match e {
            Event::Opened { .. } => {}
            Event::StateChanged { state, .. } => {
                r.state = *state;
                r.resolved_at = if state.is_done() {
                    r.resolved_at.or(Some(at))
                } else {
                    None // reopened: the resolution clock runs again
                };
            }
            Event::PriorityChanged { priority, .. } => r.priority = *priority,
            Event::PolicyChanged { policy, .. } => r.policy = policy.clone(),
            Event::Responded { .. } => {
                r.responded = r.responded.or(Some(at));
            }
        }
    }
    let now = now.max(last);
    r.run(last, now)?;

    let target = r.target();
    let remaining = target - r.elapsed;
    let running = r.running();
    let due = if !running {
        None
    } else if remaining > SignedDuration::ZERO {
        Some(r.calendar().add_open_time(now, remaining)?)
    } else {
        r.breached_at
    };
    Ok(ClockState {
        kind,
        target,
        elapsed: r.elapsed,
        remaining,
        running,
        paused: r.paused(),
        stopped_at: r.stopped(),
        due,
        breached_at: r.breached_at,
        crossed: r.crossed,
    })
}
