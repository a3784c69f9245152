//! Judgements shared by the probes that read a body or an output: JSON conditions and
//! latency thresholds.

use crate::outcome::clean;
use fieldline_core::checks::{compile_regex, FailSeverity, JsonCondition};
use fieldline_core::CheckState;

/// The worst failed condition and what it found, or `None` when every condition holds.
pub fn judge_json(
    value: &serde_json::Value,
    conditions: &[JsonCondition],
) -> Option<(CheckState, String)> {
    let mut worst: Option<(CheckState, String)> = None;
    for c in conditions {
        let Some(failure) = failed(value, c) else {
            continue;
        };
        let state = c.severity.unwrap_or(FailSeverity::Crit).state();
        if worst
            .as_ref()
            .is_none_or(|(w, _)| state.severity() > w.severity())
        {
            worst = Some((state, failure));
        }
    }
    worst
}

/// Why one condition fails, or `None` when it holds.
fn failed(value: &serde_json::Value, c: &JsonCondition) -> Option<String> {
    let pointer = if c.pointer.is_empty() {
        "(the whole body)"
    } else {
        c.pointer.as_str()
    };
    let found = value.pointer(&c.pointer);
    if let Some(exists) = c.exists {
        if found.is_some() != exists {
            return Some(if exists {
                format!("{pointer} is missing")
            } else {
                format!("{pointer} is present")
            });
        }
    }
    let needs_value =
        c.equals.is_some() || c.min.is_some() || c.max.is_some() || c.matches.is_some();
    if !needs_value {
        return None;
    }
    let Some(found) = found else {
        return Some(format!("{pointer} is missing"));
    };
    let shown = || clean(&found.to_string(), 80);
    if let Some(expected) = &c.equals {
        if found != expected && !loosely_equal(found, expected) {
            return Some(format!(
                "{pointer} is {} (expected {})",
                shown(),
                clean(&expected.to_string(), 80)
            ));
        }
    }
    if c.min.is_some() || c.max.is_some() {
        let Some(n) = as_number(found) else {
            return Some(format!("{pointer} is {}, not a number", shown()));
        };
        if let Some(min) = c.min {
            if n < min {
                return Some(format!("{pointer} is {n} (min {min})"));
            }
        }
        if let Some(max) = c.max {
            if n > max {
                return Some(format!("{pointer} is {n} (max {max})"));
            }
        }
    }
    if let Some(pattern) = &c.matches {
        let text = match found {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        match compile_regex(pattern) {
            Ok(re) if re.is_match(&text) => {}
            Ok(_) => {
                return Some(format!(
                    "{pointer} is {} (does not match {pattern:?})",
                    shown()
                ))
            }
            Err(e) => return Some(e),
        }
    }
    None
}

/// `1` equals `1.0`, and `"5"` equals `5`: a fleet file writes what a person means.
fn loosely_equal(found: &serde_json::Value, expected: &serde_json::Value) -> bool {
    match (as_number(found), as_number(expected)) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

fn as_number(v: &serde_json::Value) -> Option<f64> {
    match v {
        serde_json::Value::Number(n) => n.as_f64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A latency against optional warn and crit thresholds (milliseconds).
pub fn judge_latency(
    ms: f64,
    warn: Option<u64>,
    crit: Option<u64>,
) -> Option<(CheckState, String)> {
    if let Some(c) = crit {
        if ms > c as f64 {
            return Some((CheckState::Crit, format!("slow: {ms:.0} ms (crit {c} ms)")));
        }
    }
    if let Some(w) = warn {
        if ms > w as f64 {
            return Some((CheckState::Warn, format!("slow: {ms:.0} ms (warn {w} ms)")));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cond(v: serde_json::Value) -> JsonCondition {
        serde_json::from_value(v).expect("condition")
    }

    #[test]
    fn conditions() {
        let body = json!({"status": "ok", "queue": 120, "db": {"lag": "3"}, "name": "web-01"});
        let all_hold = [
            cond(json!({"pointer": "/status", "equals": "ok"})),
            cond(json!({"pointer": "/db/lag", "max": 5})),
            cond(json!({"pointer": "/name", "matches": "^web-\\d+$"})),
            cond(json!({"pointer": "/missing", "exists": false})),
        ];
        assert_eq!(judge_json(&body, &all_hold), None);
        let (state, why) = judge_json(
            &body,
            &[
                cond(json!({"pointer": "/queue", "max": 100, "severity": "warn"})),
                cond(json!({"pointer": "/status", "equals": "degraded"})),
            ],
        )
        .expect("fails");
        assert_eq!(state, CheckState::Crit);
        assert_eq!(why, "/status is \"ok\" (expected \"degraded\")");
        let (state, why) = judge_json(
            &body,
            &[cond(
                json!({"pointer": "/queue", "max": 100, "severity": "warn"}),
            )],
        )
        .expect("fails");
        assert_eq!(
            (state, why.as_str()),
            (CheckState::Warn, "/queue is 120 (max 100)")
        );
        let (_, why) =
            judge_json(&body, &[cond(json!({"pointer": "/gone", "min": 1}))]).expect("fails");
        assert_eq!(why, "/gone is missing");
    }

    #[test]
    fn latency() {
        assert_eq!(judge_latency(50.0, Some(100), Some(500)), None);
        assert_eq!(
            judge_latency(150.0, Some(100), Some(500)).map(|x| x.0),
            Some(CheckState::Warn)
        );
        assert_eq!(
            judge_latency(600.0, Some(100), Some(500)).map(|x| x.0),
            Some(CheckState::Crit)
        );
    }
}
