//! Fuzzes the CSV import of endpoints (`fieldline_core::csv_import`): `decode` (UTF-8 with
//! or without a byte-order mark, else EUC-KR / CP949), `preview` and `import` over the demo
//! fleet, with the guessed column mapping and with every field mapped.
//!
//! Input: the first byte holds options (bit 0: map columns in `EndpointField::ALL` order
//! instead of the guess; bit 1: a default site; bit 2: partial import), the rest is the
//! file's bytes. A crash is a panic (arithmetic overflow and debug assertions included), a
//! hang (libFuzzer's `-timeout`), or memory beyond `-rss_limit_mb`. A refused file or bad
//! rows are not crashes: they are `CsvError`s and `bad_rows`.
#![no_main]

use fieldline_core::csv_import::{decode, import, preview, CsvOptions, EndpointField};
use fieldline_core::Fleet;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn demo() -> &'static Fleet {
    static DEMO: OnceLock<Fleet> = OnceLock::new();
    DEMO.get_or_init(fieldline_core::demo::fleet)
}

fuzz_target!(|data: &[u8]| {
    let Some((&flags, bytes)) = data.split_first() else {
        return;
    };
    let Ok(text) = decode("fuzz.csv", bytes) else {
        return;
    };
    let guessed = preview("fuzz.csv", &text).map(|p| p.mapping);
    let mapping = match guessed {
        Ok(m) if flags & 1 == 0 => m,
        _ => EndpointField::ALL.iter().copied().map(Some).collect(),
    };
    let options = CsvOptions {
        mapping,
        default_site: (flags & 2 != 0).then(|| "demo-hanbit-seoul".to_string()),
        allow_partial: flags & 4 != 0,
    };
    if let Ok((report, fleet)) = import("fuzz.csv", &text, &options, demo()) {
        assert_eq!(
            report.imported,
            fleet.is_some(),
            "a fleet is returned exactly when something was imported"
        );
    }
});
