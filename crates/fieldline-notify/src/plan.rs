//! Which alerts become which desktop notifications. Pure: no clock, no I/O.

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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Urgency {
    Low,
    Normal,
    Critical,
}
