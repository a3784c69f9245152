//! What the CLI's integration tests share: running the real `fieldline` binary on a data
//! folder, in English, with no terminal to ask on.
#![allow(dead_code)] // each test binary uses its own part of it

use std::path::Path;
use std::process::{Command, Output, Stdio};

/// `fieldline --data-dir DIR ARGS…` as a command, for a test that starts it itself.
pub fn command(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_fieldline"));
    cmd.arg("--data-dir")
        .arg(dir)
        .args(args)
        .env_remove("FIELDLINE_DATA_DIR")
        .env("LANG", "en_US.UTF-8")
        .stdin(Stdio::null());
    cmd
}

/// Runs `fieldline --data-dir DIR ARGS…` to its end.
pub fn fieldline(dir: &Path, args: &[&str]) -> Output {
    command(dir, args).output().expect("run fieldline")
}

/// Everything the run printed, stdout then stderr.
pub fn said(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Runs it, asserts it succeeded, and returns its stdout.
pub fn ok(dir: &Path, args: &[&str]) -> String {
    let out = fieldline(dir, args);
    assert!(out.status.success(), "{args:?}: {}", said(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}
