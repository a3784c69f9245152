//! Fuzzes the SLA policy file reader, `fieldline_sla::policy_file::parse_with`: the TOML of
//! business calendars, policies and contracts, with the `holidays_ics` files it names read
//! through the given reader. Each policy read is then used the way the app uses it right
//! away: due times from its targets and open time over a week, on its calendar.
//!
//! Input: the policy file, then for each holiday file (in the order the reader is asked)
//! a NUL byte and that file's text; once those run out the reader says the file does not
//! exist, and a part that is not UTF-8 cannot be read. A crash is a panic (arithmetic
//! overflow and debug assertions included), a hang (libFuzzer's `-timeout`), or memory
//! beyond `-rss_limit_mb`. A rejected file is not a crash: its problems are `FileIssue`s.
#![no_main]

use fieldline_sla::policy_file;
use jiff::{SignedDuration, Timestamp};
use libfuzzer_sys::fuzz_target;
use std::cell::Cell;

fuzz_target!(|data: &[u8]| {
    let mut parts = data.split(|&b| b == 0);
    let Some(Ok(text)) = parts.next().map(std::str::from_utf8) else {
        return;
    };
    let files: Vec<&[u8]> = parts.collect();
    let next = Cell::new(0usize);
    let read = |name: &str| -> Result<String, String> {
        let i = next.get();
        next.set(i + 1);
        match files.get(i) {
            None => Err(format!("{name}: no such file")),
            Some(bytes) => std::str::from_utf8(bytes)
                .map(str::to_string)
                .map_err(|e| format!("{name} is not UTF-8 text: {e}")),
        }
    };
    let Ok(file) = policy_file::parse_with("fuzz.toml", text, &read) else {
        return;
    };
    // 2026-12-24T00:00:00Z: a weekday before a holiday in most fixtures.
    let from = Timestamp::from_second(1_798_070_400).unwrap_or(Timestamp::UNIX_EPOCH);
    let week = from + SignedDuration::from_hours(24 * 7);
    for policy in file.policies.values() {
        let _ = policy.calendar.open_between(from, week);
        for targets in &policy.targets {
            let calendar = if targets.around_the_clock {
                policy.calendar.to_around_the_clock()
            } else {
                policy.calendar.clone()
            };
            let _ = calendar.add_open_time(from, targets.first_response);
            let _ = calendar.add_open_time(from, targets.resolution);
        }
    }
});
