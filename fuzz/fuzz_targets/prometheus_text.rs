//! Fuzzes the Prometheus text format reader of the `node_exporter` check,
//! `fieldline_monitor::probe::node::judge` (its line filter, the `prometheus-parse` crate
//! it feeds, and every rule judged from the metrics: CPU from two scrapes, memory, file
//! systems, load, units, reboot, updates), with the check's default thresholds.
//!
//! Input: the first scrape up to the first NUL byte, the second (judged with the CPU
//! sample the first left) after it; without a NUL both are the input. A crash is a panic
//! (arithmetic overflow and debug assertions included), a hang (libFuzzer's `-timeout`), or
//! memory beyond `-rss_limit_mb`. An answer that is not metrics is an UNKNOWN outcome, not a
//! crash.
#![no_main]

use fieldline_core::checks::NodeExporterSpec;
use fieldline_monitor::probe::node::judge;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

fn spec() -> &'static NodeExporterSpec {
    static SPEC: OnceLock<NodeExporterSpec> = OnceLock::new();
    SPEC.get_or_init(|| serde_json::from_str("{}").expect("the default spec"))
}

fuzz_target!(|data: &[u8]| {
    let (first, second) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, data),
    };
    let first = String::from_utf8_lossy(first);
    let second = String::from_utf8_lossy(second);
    let t0 = Instant::now();
    let (_, sample) = judge(&first, spec(), None, t0);
    let _ = judge(
        &second,
        spec(),
        sample.as_ref(),
        t0 + Duration::from_secs(15),
    );
});
