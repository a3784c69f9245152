//! What the CLI's integration tests share: running the real `fieldline` binary on a data
//! folder, in English, with no terminal to ask on.
#![allow(dead_code)] // each test binary uses its own part of it

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

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

/// The CLI on one data folder, with more environment (a test keyring's bus, say).
pub struct Cli {
    pub dir: PathBuf,
    pub env: Vec<(String, String)>,
}

impl Cli {
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = command(&self.dir, args);
        cmd.envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        cmd
    }

    /// Runs it to its end, `stdin` (if any) written to its standard input.
    pub fn run_with(&self, args: &[&str], stdin: Option<&str>) -> Output {
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start fieldline");
        let mut input = child.stdin.take().expect("stdin");
        if let Some(text) = stdin {
            input.write_all(text.as_bytes()).expect("write stdin");
        }
        drop(input);
        child.wait_with_output().expect("run fieldline")
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.run_with(args, None)
    }

    /// Runs it, asserts it succeeded, and returns its stdout.
    pub fn ok_with(&self, args: &[&str], stdin: Option<&str>) -> String {
        let out = self.run_with(args, stdin);
        assert!(
            out.status.success(),
            "fieldline {args:?} failed: {}",
            said(&out)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn ok(&self, args: &[&str]) -> String {
        self.ok_with(args, None)
    }
}

/// A positive count from the environment variable `var`, else `default` (how many
/// processes a kill test kills).
pub fn count_from_env(var: &str, default: usize) -> usize {
    std::env::var(var)
        .ok()
        .and_then(|n| n.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(default)
}

/// xorshift64*: random enough for the moments a kill test kills at, and replayable from
/// its seed.
pub struct Moments {
    state: u64,
    /// The seed, for a failure's message (`FIELDLINE_KILL_SEED=…` replays the run).
    pub seed: u64,
}

impl Moments {
    /// Seeded from `FIELDLINE_KILL_SEED` (a replay), else from the clock; the seed is
    /// printed with `what` so a failing run can be replayed.
    pub fn seeded(what: &str) -> Moments {
        let seed = std::env::var("FIELDLINE_KILL_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos() as u64 | 1)
                    .unwrap_or(0x9E37_79B9_7F4A_7C15)
            });
        eprintln!("kill moments: FIELDLINE_KILL_SEED={seed}; {what}");
        Moments { state: seed, seed }
    }

    pub fn next(&mut self) -> u64 {
        self.state ^= self.state >> 12;
        self.state ^= self.state << 25;
        self.state ^= self.state >> 27;
        self.state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Somewhere in 0..=`max`.
    pub fn within(&mut self, max: Duration) -> Duration {
        let micros = max.as_micros().max(1) as u64;
        Duration::from_micros(self.next() % (micros + 1))
    }
}
