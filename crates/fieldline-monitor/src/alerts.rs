//! Who hears about a transition. Pure: given what changed and the fleet's hard states,
//! decide which alerts go out now and which wait. Rules a technician can predict:
//! - a hard problem alerts once; a change of severity while still a problem alerts again;
//! - a problem under a parent that is down (CRIT, transitively up the `parent` chain) or
//!   failing right now (the engine decides which parents count as down) is held, not
//!   dropped: when the parent is fine again and the child is still down, it alerts;
//! - a recovery notice always goes out for a problem that was announced, parent or not;
//! - a flapping check alerts once that it flaps, then stays quiet until it settles;
//! - STALE never alerts (the laptop could not look);
//! - a quiet reason from outside (maintenance "stop notifying", an acknowledgement) holds
//!   a problem the same way a down parent does.

use crate::state::Transition;
use fieldline_core::{CheckKind, CheckState, Endpoint, Fleet};
use serde::Serialize;
use std::collections::HashSet;

/// A check, by endpoint id and position in its list.
pub type CheckKey = (String, u32);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    Problem,
    Recovery,
    Flapping,
}

/// Something a person should hear about.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alert {
    pub kind: AlertKind,
    pub endpoint: String,
    pub check: u32,
    pub check_kind: CheckKind,
    pub state: CheckState,
    pub message: String,
}

/// The alerting memory: which problems were announced and which are held.
#[derive(Debug, Default)]
pub struct Alerter {
    announced: HashSet<CheckKey>,
    held: HashSet<CheckKey>,
}

/// What the alerter needs to know of one check right now.
pub struct CheckView {
    pub key: CheckKey,
    pub kind: CheckKind,
    pub hard: CheckState,
    pub flapping: bool,
    pub stale: bool,
    pub message: String,
}

impl Alerter {
    /// Alerts for one check's transitions. `quiet` says why problems of this check are
    /// held right now (a down parent, maintenance, an acknowledgement), if they are.
    pub fn on_transitions(
        &mut self,
        view: &CheckView,
        transitions: &[Transition],
        quiet: Option<&str>,
    ) -> Vec<Alert> {
        let mut out = Vec::new();
        for t in transitions {
            match t {
                Transition::Problem { .. } => {
                    if view.flapping || quiet.is_some() {
                        self.held.insert(view.key.clone());
                    } else {
                        self.held.remove(&view.key);
                        self.announced.insert(view.key.clone());
                        out.push(alert(AlertKind::Problem, view));
                    }
                }
                Transition::Recovered { .. } => {
                    self.held.remove(&view.key);
                    if self.announced.remove(&view.key) {
                        out.push(alert(AlertKind::Recovery, view));
                    }
                }
                Transition::FlappingStarted => {
                    if quiet.is_none() {
                        out.push(alert(AlertKind::Flapping, view));
                    }
                }
                Transition::FlappingStopped
                | Transition::WentStale
                | Transition::Fresh
                | Transition::None => {}
            }
        }
        out
    }

    /// Held problems whose reason to wait is gone and that are still problems: announced
    /// now. `view_of` gives a check's current view and quiet reason.
    pub fn release_held(
        &mut self,
        mut view_of: impl FnMut(&CheckKey) -> Option<(CheckView, Option<String>)>,
    ) -> Vec<Alert> {
        let mut out = Vec::new();
        let held: Vec<CheckKey> = self.held.iter().cloned().collect();
        for key in held {
            let Some((view, quiet)) = view_of(&key) else {
                self.held.remove(&key);
                continue;
            };
            if !view.hard.is_problem() {
                self.held.remove(&key);
            } else if quiet.is_none() && !view.flapping && !view.stale {
                self.held.remove(&key);
                self.announced.insert(key.clone());
                out.push(alert(AlertKind::Problem, &view));
            }
        }
        out
    }

    pub fn is_held(&self, key: &CheckKey) -> bool {
        self.held.contains(key)
    }

    /// Forget checks that left the fleet.
    pub fn retain(&mut self, keep: impl Fn(&CheckKey) -> bool) {
        self.announced.retain(|k| keep(k));
        self.held.retain(|k| keep(k));
    }
}

fn alert(kind: AlertKind, view: &CheckView) -> Alert {
    Alert {
        kind,
        endpoint: view.key.0.clone(),
        check: view.key.1,
        check_kind: view.kind,
        state: view.hard,
        message: view.message.clone(),
    }
}

/// The first ancestor of `endpoint` (up the `parent` chain) that is down, if any.
/// `down` holds the endpoints with a hard CRIT. A cycle cannot occur (validation refuses
/// one) but the walk is bounded all the same.
pub fn down_ancestor<'a>(
    fleet: &'a Fleet,
    endpoint: &Endpoint,
    is_down: impl Fn(&str) -> bool,
) -> Option<&'a str> {
    // Most endpoints have no parent: answered without looking anything up.
    let mut current = fleet.endpoint(endpoint.parent.as_deref()?)?;
    if is_down(&current.id) {
        return Some(current.id.as_str());
    }
    for _ in 0..fleet.endpoints.len() {
        let parent = fleet.endpoint(current.parent.as_deref()?)?;
        if is_down(&parent.id) {
            return Some(parent.id.as_str());
        }
        current = parent;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(key: &CheckKey, hard: CheckState) -> CheckView {
        CheckView {
            key: key.clone(),
            kind: CheckKind::Tcp,
            hard,
            flapping: false,
            stale: false,
            message: "m".into(),
        }
    }

    const PROBLEM: Transition = Transition::Problem {
        from: CheckState::Ok,
        to: CheckState::Crit,
    };
    const RECOVERED: Transition = Transition::Recovered {
        from: CheckState::Crit,
    };

    #[test]
    fn a_problem_under_a_down_parent_waits_and_alerts_when_the_parent_is_back() {
        let mut a = Alerter::default();
        let key = ("pc".to_string(), 0);
        assert!(a
            .on_transitions(
                &view(&key, CheckState::Crit),
                &[PROBLEM],
                Some("parent router is down")
            )
            .is_empty());
        assert!(a.is_held(&key));
        // Still quiet: nothing.
        let still = a.release_held(|k| {
            Some((
                view(k, CheckState::Crit),
                Some("parent router is down".into()),
            ))
        });
        assert!(still.is_empty());
        // The parent is back, the child still down: it alerts now.
        let now = a.release_held(|k| Some((view(k, CheckState::Crit), None)));
        assert_eq!(now.len(), 1);
        assert_eq!(now[0].kind, AlertKind::Problem);
        // And its recovery is announced.
        let back = a.on_transitions(&view(&key, CheckState::Ok), &[RECOVERED], None);
        assert_eq!(back[0].kind, AlertKind::Recovery);
    }

    #[test]
    fn recovery_is_never_held_and_only_follows_an_announced_problem() {
        let mut a = Alerter::default();
        let key = ("pc".to_string(), 0);
        assert_eq!(
            a.on_transitions(&view(&key, CheckState::Crit), &[PROBLEM], None)
                .len(),
            1
        );
        let back = a.on_transitions(
            &view(&key, CheckState::Ok),
            &[RECOVERED],
            Some("parent router is down"),
        );
        assert_eq!(back.len(), 1, "recovery goes out even under a down parent");
        // A held problem that recovers before it was announced: nothing at all.
        a.on_transitions(
            &view(&key, CheckState::Crit),
            &[PROBLEM],
            Some("maintenance"),
        );
        assert!(a
            .on_transitions(&view(&key, CheckState::Ok), &[RECOVERED], None)
            .is_empty());
        assert!(!a.is_held(&key));
    }

    #[test]
    fn flapping_alerts_once_and_holds_problems() {
        let mut a = Alerter::default();
        let key = ("pc".to_string(), 0);
        let mut v = view(&key, CheckState::Crit);
        v.flapping = true;
        let out = a.on_transitions(&v, &[PROBLEM, Transition::FlappingStarted], None);
        assert_eq!(
            out.iter().map(|x| x.kind).collect::<Vec<_>>(),
            vec![AlertKind::Flapping]
        );
        assert!(a.is_held(&key));
    }

    #[test]
    fn down_ancestors_are_found_transitively() {
        let text = r#"
[[customers]]
id = "c"
name = "C"
[[sites]]
id = "s"
customer = "c"
name = "S"
timezone = "UTC"
[[endpoints]]
id = "router"
site = "s"
host = "10.0.0.1"
[[endpoints]]
id = "switch"
site = "s"
host = "10.0.0.2"
parent = "router"
[[endpoints]]
id = "pc"
site = "s"
host = "10.0.0.3"
parent = "switch"
"#;
        let fleet = fieldline_core::fleet_file::parse("f.toml", text).expect("fleet");
        let down: HashSet<String> = ["router".to_string()].into();
        let ep = |id: &str| fleet.endpoint(id).expect("endpoint").clone();
        let is_down = |id: &str| down.contains(id);
        assert_eq!(down_ancestor(&fleet, &ep("pc"), is_down), Some("router"));
        assert_eq!(down_ancestor(&fleet, &ep("router"), is_down), None);
        assert_eq!(down_ancestor(&fleet, &ep("pc"), |_| false), None);
    }
}
