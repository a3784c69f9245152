//! Fuzzes the fleet file reader (`fieldline_core::fleet_file::read`, then
//! `FleetFile::validate` standing alone and over the demo fleet as the store's), the TOML a
//! technician imports, and the export of any fleet it accepts, which must import again to
//! the same fleet.
//!
//! A crash is a panic (arithmetic overflow and debug assertions included, and a valid fleet
//! whose export does not import back unchanged), a hang (libFuzzer's `-timeout`), or memory
//! beyond `-rss_limit_mb`. A rejected file is not a crash: its problems are `FleetIssue`s.
#![no_main]

use fieldline_core::{fleet_file, Fleet};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn demo() -> &'static Fleet {
    static DEMO: OnceLock<Fleet> = OnceLock::new();
    DEMO.get_or_init(fieldline_core::demo::fleet)
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // Over the store's fleet: entities the file replaces, ids it refers to.
    if let Ok(file) = fleet_file::read("fuzz.toml", text) {
        let _ = file.validate(Some(demo()));
    }
    let Ok(fleet) = fleet_file::parse("fuzz.toml", text) else {
        return;
    };
    let exported = match fleet_file::export(&fleet) {
        Ok(t) => t,
        Err(e) => panic!("a valid fleet does not export: {e}"),
    };
    match fleet_file::parse("exported.toml", &exported) {
        Ok(again) => assert_eq!(fleet, again, "export then import changed the fleet"),
        Err(issues) => panic!("the export of a valid fleet does not import: {issues:?}"),
    }
});
