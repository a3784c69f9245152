/// Why an SLA question has no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SlaError {
    #[error("{0:?} is not a known IANA time zone (for example \"Asia/Seoul\")")]
    UnknownTimeZone(String),
    #[error("opening hours {from}-{to} on {day} are not a window within one day (00:00-24:00, start before end)")]
    BadWindow {
        day: &'static str,
        from: String,
        to: String,
    },
    #[error("opening hours on {day} overlap")]
    OverlappingWindows { day: &'static str },
    #[error("the calendar is never open (no opening hours in the week); a due time can never be reached")]
    NeverOpen,
    #[error("no opening hours in the {years} years after {from}; check the holidays")]
    NoOpenTimeAhead { from: String, years: u32 },
    #[error("the ticket's history does not start with its opening")]
    NotOpened,
    #[error("the ticket's history is out of order at {at}")]
    OutOfOrder { at: String },
    #[error("the time {0} cannot be placed in the calendar's time zone")]
    Time(String),
}
