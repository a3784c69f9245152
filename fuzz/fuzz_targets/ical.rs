//! Fuzzes the iCalendar holiday reader, `fieldline_sla::ical::holidays`: RFC 5545 text
//! (unfolding, components, all-day and timed events, yearly rules, EXDATE / RDATE,
//! RECURRENCE-ID) to the sorted civil dates a business calendar is closed on.
//!
//! A crash is a panic (arithmetic overflow and debug assertions included), a hang
//! (libFuzzer's `-timeout`; the module promises work bounded by the input), memory beyond
//! `-rss_limit_mb`, or an answer that breaks the documented contract: more than
//! `MAX_DATES` dates, dates not sorted and unique, or more than the 100 problems and the
//! note that more were left out. A rejected file is not a crash: its
//! problems are `FileIssue`s.
#![no_main]

use fieldline_sla::ical::{holidays, MAX_DATES};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match holidays("fuzz.ics", text) {
        Ok(dates) => {
            assert!(dates.len() <= MAX_DATES, "{} dates", dates.len());
            assert!(
                dates.windows(2).all(|w| w[0] < w[1]),
                "dates not sorted and unique"
            );
        }
        Err(issues) => {
            assert!(!issues.is_empty(), "an error without a problem");
            assert!(issues.len() <= 101, "{} problems reported", issues.len());
        }
    }
});
