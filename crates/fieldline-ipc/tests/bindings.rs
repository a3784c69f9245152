//! The committed TypeScript bindings must match the Rust declarations.

use std::path::PathBuf;

fn bindings_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/bindings.ts")
}

#[test]
fn committed_bindings_match_the_rust_declarations() {
    let fresh = fieldline_ipc::bindings::render();
    let path = bindings_path();
    if std::env::var_os("FIELDLINE_UPDATE_BINDINGS").is_some() {
        std::fs::write(&path, &fresh).expect("write bindings");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "ui/src/bindings.ts is stale: run scripts/gen-bindings.sh and commit the result"
    );
}

fn capability_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../src-tauri/capabilities/default.json")
}

/// Least privilege: the window's capability names every declared command and nothing more.
#[test]
fn committed_capability_names_exactly_the_declared_commands() {
    let fresh = fieldline_ipc::bindings::capability();
    let path = capability_path();
    if std::env::var_os("FIELDLINE_UPDATE_BINDINGS").is_some() {
        std::fs::write(&path, &fresh).expect("write capability");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "src-tauri/capabilities/default.json is stale: run scripts/gen-bindings.sh and commit the result"
    );
    let parsed: serde_json::Value = serde_json::from_str(&committed).expect("JSON");
    let allowed = parsed["permissions"].as_array().expect("permissions").len();
    assert_eq!(allowed, fieldline_ipc::bindings::commands().len() + 2);
}

#[test]
fn every_command_has_a_unique_name() {
    let cmds = fieldline_ipc::bindings::commands();
    let mut names: Vec<_> = cmds.iter().map(|c| c.name).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), cmds.len());
}
