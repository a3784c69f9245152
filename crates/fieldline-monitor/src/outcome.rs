//! What one probe found: a state, how long it took and a message for a person. Every
//! message is built from hostile text (an endpoint's body, headers, banner, error) and so
//! goes through [`clean`]: bounded, control characters gone. The UI renders it as text.

use fieldline_core::CheckState;
use serde::Serialize;

/// The longest message kept for one result.
pub const MAX_MESSAGE: usize = 300;

/// The result of one probe of one check.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    pub state: CheckState,
    /// How long the probe took to get its answer, when it got one.
    pub latency_ms: Option<f64>,
    /// What a technician reads: what was found, or what went wrong.
    pub message: String,
}

impl Outcome {
    pub fn new(state: CheckState, latency_ms: Option<f64>, message: impl AsRef<str>) -> Outcome {
        Outcome {
            state,
            latency_ms,
            message: clean(message.as_ref(), MAX_MESSAGE),
        }
    }

    pub fn ok(latency_ms: Option<f64>, message: impl AsRef<str>) -> Outcome {
        Outcome::new(CheckState::Ok, latency_ms, message)
    }

    pub fn warn(latency_ms: Option<f64>, message: impl AsRef<str>) -> Outcome {
        Outcome::new(CheckState::Warn, latency_ms, message)
    }

    pub fn crit(latency_ms: Option<f64>, message: impl AsRef<str>) -> Outcome {
        Outcome::new(CheckState::Crit, latency_ms, message)
    }

    /// The probe could not tell (bad configuration here, no permission to ping, ...).
    pub fn unknown(message: impl AsRef<str>) -> Outcome {
        Outcome::new(CheckState::Unknown, None, message)
    }
}

/// Text from outside, made safe to show and store: at most `max` characters (an ellipsis
/// marks a cut), control characters (terminal escapes, NUL, bidi overrides) replaced by a
/// space, runs of whitespace collapsed. Invalid UTF-8 must already be lossily decoded.
pub fn clean(text: &str, max: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max + 3));
    let mut count = 0;
    let mut space = false;
    for c in text.chars() {
        let c = if c.is_control() || is_invisible(c) {
            ' '
        } else {
            c
        };
        if c.is_whitespace() {
            if space || out.is_empty() {
                continue;
            }
            space = true;
            out.push(' ');
        } else {
            space = false;
            out.push(c);
        }
        count += 1;
        if count >= max {
            out.push('…');
            return out;
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

/// Outside text in quotes, for a message: cleaned, and quoted as a person writes it (not
/// with Rust's escapes, which would show `\"` to the technician).
pub fn quoted(text: &str, max: usize) -> String {
    format!("\"{}\"", clean(text, max))
}

/// Characters that change how the text around them reads without being seen.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_removes_escapes_and_bounds() {
        assert_eq!(clean("a\u{1b}[31mred\u{0}\r\nline", 100), "a [31mred line");
        assert_eq!(clean("  \t x  ", 100), "x");
        assert_eq!(clean("\u{202E}evil", 100), "evil");
        let long = "가".repeat(1000);
        let cut = clean(&long, 10);
        assert_eq!(cut.chars().count(), 11);
        assert!(cut.ends_with('…'));
        assert_eq!(
            clean("<script>alert(1)</script>", 100),
            "<script>alert(1)</script>"
        );
    }
}
