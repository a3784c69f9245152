//! Judgements shared by the probes that read a body or an output: JSON conditions and
//! latency thresholds.

use fieldline_core::checks::{compile_regex, FailSeverity, JsonCondition};
use fieldline_core::CheckState;

/// Judges JSON conditions against a document: each condition's value is found by JSON
/// pointer (RFC 6901; `""` is the whole document). `exists = false` passes when the value
/// is absent; otherwise a missing value fails. `equals` compares JSON values (numbers by
/// value: 1 equals 1.0), `min`/`max` need a number (or a string holding one), `matches`
/// is a regex (compiled with [`compile_regex`]) on a string value, or on the JSON text of
/// any other value. A failed condition counts with its `severity` (CRIT when not given).
/// `None` when all pass; otherwise the worst state and what failed, `; `-separated.
pub fn judge_json(
    value: &serde_json::Value,
    conditions: &[JsonCondition],
) -> Option<(CheckState, String)> {
    let mut worst = CheckState::Ok;
    let mut failures = Vec::new();
    for condition in conditions {
        if let Some((state, message)) = judge_one(value, condition) {
            worst = worst.worst(state);
            failures.push(message);
        }
    }
    if failures.is_empty() {
        None
    } else {
        Some((worst, failures.join("; ")))
    }
}

fn judge_one(document: &serde_json::Value, c: &JsonCondition) -> Option<(CheckState, String)> {
    let fail_state = c.severity.unwrap_or(FailSeverity::Crit).state();
    let name = if c.pointer.is_empty() {
        "the document".to_owned()
    } else {
        c.pointer.clone()
    };
    let Some(found) = document.pointer(&c.pointer) else {
        if c.exists == Some(false) {
            return None;
        }
        return Some((fail_state, format!("{name} is missing")));
    };
    if c.exists == Some(false) {
        return Some((
            fail_state,
            format!("{name} exists ({}), expected absent", show(found)),
        ));
    }
    let mut problems = Vec::new();
    if let Some(expected) = &c.equals {
        if !json_equal(found, expected) {
            problems.push(format!("expected {}", show(expected)));
        }
    }
    if c.min.is_some() || c.max.is_some() {
        match as_number(found) {
            None => problems.push("expected a number".into()),
            Some(n) => {
                if let Some(min) = c.min.filter(|min| n < *min) {
                    problems.push(format!("below min {}", number(min)));
                }
                if let Some(max) = c.max.filter(|max| n > *max) {
                    problems.push(format!("above max {}", number(max)));
                }
            }
        }
    }
    if let Some(pattern) = &c.matches {
        match compile_regex(pattern) {
            Err(e) => return Some((CheckState::Unknown, format!("{name}: {e}"))),
            Ok(re) => {
                let text = match found {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                if !re.is_match(&text) {
                    problems.push(format!("does not match /{pattern}/"));
                }
            }
        }
    }
    if problems.is_empty() {
        None
    } else {
        Some((
            fail_state,
            format!("{name} is {}, {}", show(found), problems.join(", ")),
        ))
    }
}

fn json_equal(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    match (a, b) {
        (serde_json::Value::Number(x), serde_json::Value::Number(y)) => {
            x == y || matches!((x.as_f64(), y.as_f64()), (Some(p), Some(q)) if p == q)
        }
        _ => a == b,
    }
}

fn as_number(v: &serde_json::Value) -> Option<f64> {
    match v {
        serde_json::Value::Number(n) => n.as_f64(),
        serde_json::Value::String(s) => s.trim().parse::<f64>().ok().filter(|n| n.is_finite()),
        _ => None,
    }
}

fn number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// A JSON value as it reads in a message, at most about 60 characters.
fn show(v: &serde_json::Value) -> String {
    let text = v.to_string();
    if text.chars().count() > 60 {
        let cut: String = text.chars().take(57).collect();
        format!("{cut}…")
    } else {
        text
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
    fn json_conditions() {
        let doc = json!({"status": "ok", "count": 12, "ratio": "0.5", "list": [1, 2],
                         "nested": {"deep": true}, "n": 1.0});
        let pass = [
            json!({"pointer": "/status", "equals": "ok"}),
            json!({"pointer": "/count", "min": 10, "max": 12}),
            json!({"pointer": "/ratio", "max": 1}),
            json!({"pointer": "/list/1", "equals": 2}),
            json!({"pointer": "/nested/deep", "exists": true}),
            json!({"pointer": "/gone", "exists": false}),
            json!({"pointer": "/status", "matches": "^o"}),
            json!({"pointer": "/count", "matches": "^1\\d$"}),
            json!({"pointer": "/n", "equals": 1}),
            json!({"pointer": "", "exists": true}),
        ];
        for c in pass {
            assert_eq!(judge_json(&doc, &[cond(c.clone())]), None, "{c}");
        }
        let (state, message) = judge_json(
            &doc,
            &[cond(json!({"pointer": "/status", "equals": "degraded"}))],
        )
        .expect("fails");
        assert_eq!(state, CheckState::Crit);
        assert_eq!(message, r#"/status is "ok", expected "degraded""#);
        let (state, message) = judge_json(
            &doc,
            &[
                cond(json!({"pointer": "/count", "max": 5, "severity": "warn"})),
                cond(json!({"pointer": "/missing", "equals": 1, "severity": "warn"})),
            ],
        )
        .expect("fails");
        assert_eq!(state, CheckState::Warn);
        assert_eq!(message, "/count is 12, above max 5; /missing is missing");
        let (state, message) = judge_json(
            &doc,
            &[
                cond(json!({"pointer": "/count", "min": 20, "severity": "warn"})),
                cond(json!({"pointer": "/status", "exists": false})),
                cond(json!({"pointer": "/status", "min": 1})),
            ],
        )
        .expect("fails");
        assert_eq!(state, CheckState::Crit);
        assert!(message.contains("below min 20"), "{message}");
        assert!(message.contains("expected absent"), "{message}");
        assert!(message.contains("expected a number"), "{message}");
        let (state, _) = judge_json(&doc, &[cond(json!({"pointer": "/status", "matches": "("}))])
            .expect("bad regex");
        assert_eq!(state, CheckState::Unknown);
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
