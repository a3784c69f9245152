//! What a series of results means, per check: soft and hard states (a problem must be seen
//! `retries + 1` times in a row before it is hard; a hard problem clears after
//! `recover_after` passes in a row), flapping (too many changes among the last results),
//! and STALE (the laptop could not look: the last known state is kept with its age).
//! Pure: the engine feeds results in and acts on the [`Transition`]s that come out.

use fieldline_core::CheckState;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// Results kept to judge flapping, and the thresholds (per cent of changes among them),
/// as Nagios does it: start above 50 %, stop under 25 %.
pub const FLAP_WINDOW: usize = 21;
pub const FLAP_START: f64 = 0.5;
pub const FLAP_STOP: f64 = 0.25;

/// One check's memory of its results. Times are seconds since the Unix epoch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tracker {
    /// The state alerts and rollups use.
    pub hard: CheckState,
    /// When `hard` last changed.
    pub hard_since: i64,
    /// The last result (a soft problem shows here before it is hard).
    pub last: CheckState,
    /// When the last real result came in (not STALE).
    pub last_seen: Option<i64>,
    pub fails_in_row: u32,
    pub passes_in_row: u32,
    pub flapping: bool,
    /// The laptop cannot look right now; `hard` is the last known state.
    pub stale: bool,
    /// Sight just came back: the way may still be settling (neighbour discovery, DHCP,
    /// the VPN's handshake), so a first failure stays soft even with no retries.
    #[serde(default)]
    pub settling: bool,
    recent: VecDeque<CheckState>,
}

/// What changed with one result, for the engine to notify or record.
#[derive(Debug, Clone, PartialEq)]
pub enum Transition {
    /// Nothing a person needs to hear about.
    None,
    /// A hard problem began, or got worse or better but is still a problem.
    Problem {
        from: CheckState,
        to: CheckState,
    },
    /// A hard problem cleared.
    Recovered {
        from: CheckState,
    },
    FlappingStarted,
    FlappingStopped,
    /// The laptop lost sight of this check (its own network); no alert.
    WentStale,
    /// Sight is back; the next results decide.
    Fresh,
}

impl Tracker {
    /// A check never run: OK until shown otherwise, as a new monitor starts.
    pub fn new(now: i64) -> Tracker {
        Tracker {
            hard: CheckState::Ok,
            hard_since: now,
            last: CheckState::Ok,
            last_seen: None,
            fails_in_row: 0,
            passes_in_row: 0,
            flapping: false,
            stale: false,
            settling: false,
            recent: VecDeque::with_capacity(FLAP_WINDOW),
        }
    }

    /// The state to show: STALE while the laptop cannot look, else the hard state.
    pub fn shown(&self) -> CheckState {
        if self.stale {
            CheckState::Stale
        } else {
            self.hard
        }
    }

    /// Takes one result. `retries`: failed results in a row that stay soft;
    /// `recover_after`: passes in a row that clear a hard problem.
    pub fn observe(
        &mut self,
        result: CheckState,
        now: i64,
        retries: u32,
        recover_after: u32,
    ) -> Vec<Transition> {
        let mut out = Vec::new();
        if result == CheckState::Stale {
            if !self.stale {
                self.stale = true;
                out.push(Transition::WentStale);
            }
            return out;
        }
        if self.stale {
            self.stale = false;
            self.settling = true;
            out.push(Transition::Fresh);
        }
        self.last = result;
        self.last_seen = Some(now);
        if self.recent.len() == FLAP_WINDOW {
            self.recent.pop_front();
        }
        self.recent.push_back(result);
        if result == CheckState::Ok {
            self.settling = false;
            self.passes_in_row += 1;
            self.fails_in_row = 0;
            if self.hard != CheckState::Ok && self.passes_in_row >= recover_after.max(1) {
                out.push(Transition::Recovered { from: self.hard });
                self.set_hard(CheckState::Ok, now);
            }
        } else {
            self.fails_in_row += 1;
            self.passes_in_row = 0;
            let was = self.hard;
            if was == CheckState::Ok {
                let retries = if self.settling {
                    retries.max(1)
                } else {
                    retries
                };
                if self.fails_in_row > retries {
                    self.settling = false;
                    self.set_hard(result, now);
                    out.push(Transition::Problem {
                        from: was,
                        to: result,
                    });
                }
            } else if was != result {
                self.set_hard(result, now);
                out.push(Transition::Problem {
                    from: was,
                    to: result,
                });
            }
        }
        let change = self.change_rate();
        if !self.flapping && change > FLAP_START {
            self.flapping = true;
            out.push(Transition::FlappingStarted);
        } else if self.flapping && change < FLAP_STOP {
            self.flapping = false;
            out.push(Transition::FlappingStopped);
        }
        if out.is_empty() {
            out.push(Transition::None);
        }
        out
    }

    fn set_hard(&mut self, state: CheckState, now: i64) {
        self.hard = state;
        self.hard_since = now;
    }

    /// Share of changes between consecutive recent results, recent ones weighing more
    /// (Nagios' weighting: from 0.8 for the oldest to 1.2 for the newest).
    pub fn change_rate(&self) -> f64 {
        let n = self.recent.len();
        if n < 2 {
            return 0.0;
        }
        let mut weighted = 0.0;
        let mut total = 0.0;
        for i in 1..n {
            let weight = 0.8 + 0.4 * (i - 1) as f64 / (FLAP_WINDOW - 2) as f64;
            total += weight;
            if self.recent[i] != self.recent[i - 1] {
                weighted += weight;
            }
        }
        if n < FLAP_WINDOW / 2 {
            // Too few results to call it flapping.
            return 0.0;
        }
        weighted / total
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use CheckState::*;

    fn feed(t: &mut Tracker, states: &[CheckState], retries: u32, recover: u32) -> Vec<Transition> {
        let mut all = Vec::new();
        for (i, s) in states.iter().enumerate() {
            all.extend(
                t.observe(*s, 1000 + i as i64, retries, recover)
                    .into_iter()
                    .filter(|x| *x != Transition::None),
            );
        }
        all
    }

    #[test]
    fn a_problem_is_hard_after_retries_and_clears_after_recover_after() {
        let mut t = Tracker::new(0);
        assert_eq!(feed(&mut t, &[Crit, Crit], 2, 1), vec![]);
        assert_eq!((t.hard, t.last), (Ok, Crit), "soft so far");
        assert_eq!(
            feed(&mut t, &[Crit], 2, 1),
            vec![Transition::Problem { from: Ok, to: Crit }]
        );
        assert_eq!(t.hard_since, 1000);
        assert_eq!(
            feed(&mut t, &[Warn], 2, 2),
            vec![Transition::Problem {
                from: Crit,
                to: Warn
            }]
        );
        assert_eq!(feed(&mut t, &[Ok], 2, 2), vec![], "one pass is not enough");
        assert_eq!(
            feed(&mut t, &[Ok], 2, 2),
            vec![Transition::Recovered { from: Warn }]
        );
        assert_eq!(t.hard, Ok);
        // A soft problem that passes again was never hard: nothing to say.
        let mut t = Tracker::new(0);
        assert_eq!(feed(&mut t, &[Crit, Ok, Crit, Ok], 1, 1), vec![]);
    }

    #[test]
    fn stale_keeps_the_last_known_state_and_alerts_nothing() {
        let mut t = Tracker::new(0);
        feed(&mut t, &[Crit], 0, 1);
        assert_eq!(
            feed(&mut t, &[Stale, Stale], 0, 1),
            vec![Transition::WentStale]
        );
        assert_eq!((t.shown(), t.hard), (Stale, Crit));
        assert_eq!(
            feed(&mut t, &[Ok], 0, 1),
            vec![Transition::Fresh, Transition::Recovered { from: Crit }]
        );
        // STALE results don't count towards a problem.
        let mut t = Tracker::new(0);
        assert_eq!(
            feed(&mut t, &[Crit, Stale, Stale, Ok], 1, 1),
            vec![Transition::WentStale, Transition::Fresh]
        );
        assert_eq!(t.hard, Ok);
    }

    #[test]
    fn the_first_failure_after_sight_returns_stays_soft() {
        let mut t = Tracker::new(0);
        feed(&mut t, &[Ok, Stale], 0, 1);
        assert_eq!(
            feed(&mut t, &[Crit], 0, 1),
            vec![Transition::Fresh],
            "settling: soft"
        );
        assert_eq!(
            feed(&mut t, &[Crit], 0, 1),
            vec![Transition::Problem { from: Ok, to: Crit }]
        );
        // Once a result passed, no grace is left.
        let mut t = Tracker::new(0);
        feed(&mut t, &[Stale, Ok], 0, 1);
        assert_eq!(
            feed(&mut t, &[Crit], 0, 1),
            vec![Transition::Problem { from: Ok, to: Crit }]
        );
    }

    #[test]
    fn flapping_starts_above_half_changes_and_stops_under_a_quarter() {
        let mut t = Tracker::new(0);
        let flap: Vec<CheckState> = (0..21)
            .map(|i| if i % 2 == 0 { Ok } else { Crit })
            .collect();
        let seen = feed(&mut t, &flap, 0, 1);
        assert!(seen.contains(&Transition::FlappingStarted), "{seen:?}");
        assert!(t.flapping);
        let steady = feed(&mut t, &[Ok; 21], 0, 1);
        assert!(steady.contains(&Transition::FlappingStopped), "{steady:?}");
        assert!(!t.flapping);
    }
}
