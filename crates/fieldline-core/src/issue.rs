//! A problem found in fleet data, located as precisely as the source allows.

use serde::{Deserialize, Serialize};
use std::fmt;
use ts_rs::TS;

/// One problem in fleet data. `file` and `line` are set when the data came from a file;
/// `field` names the offending field as a path (`endpoints[2].parent`, `sites.acme-hq.timezone`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct FleetIssue {
    pub file: Option<String>,
    pub line: Option<u32>,
    pub field: String,
    pub message: String,
}

impl fmt::Display for FleetIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.file, self.line) {
            (Some(file), Some(line)) => write!(f, "{file}:{line}: ")?,
            (Some(file), None) => write!(f, "{file}: ")?,
            (None, Some(line)) => write!(f, "line {line}: ")?,
            (None, None) => {}
        }
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// Renders a list of issues one per line, for terminals and error messages.
pub fn render(issues: &[FleetIssue]) -> String {
    issues
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}
