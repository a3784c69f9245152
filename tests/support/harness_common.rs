//! Plumbing shared by the real-daemon test harnesses (dunst, gnome-keyring, Request
//! Tracker): the error type, a child-process guard, a private `dbus-daemon`, and small
//! file and tool helpers. It needs only `std` and the `tempfile` crate.
//!
//! Not a test binary of its own: each harness includes it as a private module, with a
//! path relative to the harness file (the harnesses are themselves included by `#[path]`
//! from several crates, and a `#[path]` inside an included file resolves from that file's
//! folder):
//!
//! ```ignore
//! #[path = "../../../../tests/support/harness_common.rs"]
//! mod common;
//! ```
//!
//! What only looks alike stays in the harnesses: rt-server's process-group stop (never
//! SIGINT) and its pid-polling watchdog, the keyring's stdin watchdog, the dunst monitor.

#![allow(dead_code)]

use std::fmt;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------------------
// Errors

/// Why the harness could not start or do something.
#[derive(Debug, Clone)]
pub struct HarnessError(pub(super) String);

impl fmt::Display for HarnessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for HarnessError {}

pub fn fail<T>(message: impl Into<String>) -> Result<T, HarnessError> {
    Err(HarnessError(message.into()))
}

// ---------------------------------------------------------------------------------------
// Processes

/// A child process, stopped with SIGTERM (then SIGKILL) on drop.
pub struct Proc {
    pub name: &'static str,
    pub child: Child,
}

impl Proc {
    pub fn spawn(name: &'static str, command: &mut Command) -> Result<Proc, HarnessError> {
        let child = command
            .spawn()
            .or_else(|e| fail(format!("cannot start {name}: {e}")))?;
        Ok(Proc { name, child })
    }

    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// SIGTERM, then SIGKILL after 3 s. (`kill` the program: these harnesses have no
    /// unsafe.)
    pub fn stop(&mut self) {
        if self.exited().is_some() {
            return;
        }
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            if self.exited().is_some() {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        eprintln!("{} ignored SIGTERM; killing it", self.name);
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The first line `proc` prints, within `timeout`; the rest of its output is drained.
/// An error carries the process's `log`.
pub fn first_line(proc: &mut Proc, timeout: Duration, log: &Path) -> Result<String, HarnessError> {
    read_first_line(proc, timeout)
        .map_err(|e| HarnessError(format!("{e}; its log:\n{}", read_lossy(log))))
}

fn read_first_line(proc: &mut Proc, timeout: Duration) -> Result<String, HarnessError> {
    let Some(stdout) = proc.child.stdout.take() else {
        return fail(format!("{} has no stdout", proc.name));
    };
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .name(format!("harness-{}", proc.name))
        .spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            let _ = tx.send(reader.read_line(&mut line).map(|_| line));
            // Keep reading, so that a later write does not meet a closed pipe.
            let _ = std::io::copy(&mut reader, &mut std::io::sink());
        })
        .or_else(|e| fail(format!("cannot start a reader thread: {e}")))?;
    match rx.recv_timeout(timeout) {
        Ok(Ok(line)) if !line.trim().is_empty() => Ok(line.trim().to_owned()),
        Ok(_) => {
            let status = proc.exited();
            fail(format!(
                "{} exited without saying where it listens ({status:?})",
                proc.name
            ))
        }
        Err(_) => fail(format!(
            "{} did not say where it listens within {timeout:?}",
            proc.name
        )),
    }
}

// ---------------------------------------------------------------------------------------
// A private D-Bus session bus

/// Starts `dbus_daemon` (the program's path) as a session bus listening on `dir/bus`, its
/// configuration in `dir/bus.conf` and its log in `dir/dbus-daemon.log`; the daemon and
/// its address. The configuration has no service folders, so D-Bus activation can start
/// nothing behind a test's back. `spawned` runs as soon as the daemon runs, before its
/// address is known (e.g. to have a watchdog stop it too).
pub fn start_dbus_daemon(
    dir: &Path,
    dbus_daemon: &Path,
    wait: Duration,
    spawned: impl FnOnce(&Proc) -> Result<(), HarnessError>,
) -> Result<(Proc, String), HarnessError> {
    let socket = dir.join("bus");
    let config = dir.join("bus.conf");
    write(
        &config,
        &format!(
            r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"#,
            xml_escape(&socket.to_string_lossy())
        ),
    )?;
    let log = dir.join("dbus-daemon.log");
    let mut command = Command::new(dbus_daemon);
    command
        .arg(format!("--config-file={}", config.display()))
        .args(["--nofork", "--print-address=1"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(log_file(&log)?);
    let mut proc = Proc::spawn("dbus-daemon", &mut command)?;
    spawned(&proc)?;
    let address = first_line(&mut proc, wait, &log)?;
    Ok((proc, address))
}

/// How `dbus-send` prints an answer: with D-Bus types (`object path "/a/b"`) or
/// literally (`/a/b`). Callers parse one or the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Print {
    Typed,
    Literal,
}

/// One call on the bus at `address` with `dbus-send` (found by `dbus_send`, its path);
/// its printed answer.
pub fn dbus_send(
    dbus_send: &Path,
    address: &str,
    print: Print,
    destination: &str,
    path: &str,
    method: &str,
    args: &[&str],
) -> Result<String, HarnessError> {
    let out = Command::new(dbus_send)
        .arg(format!("--bus={address}"))
        .arg(match print {
            Print::Typed => "--print-reply",
            Print::Literal => "--print-reply=literal",
        })
        .arg(format!("--dest={destination}"))
        .arg(path)
        .arg(method)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .or_else(|e| fail(format!("cannot run dbus-send: {e}")))?;
    if !out.status.success() {
        return fail(format!(
            "{method} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Whether `name` (well-known or unique) has an owner on the bus at `address`.
pub fn has_owner(dbus_send_path: &Path, address: &str, name: &str) -> Result<bool, HarnessError> {
    let out = dbus_send(
        dbus_send_path,
        address,
        Print::Literal,
        "org.freedesktop.DBus",
        "/org/freedesktop/DBus",
        "org.freedesktop.DBus.NameHasOwner",
        &[&format!("string:{name}")],
    )?;
    Ok(out.contains("true"))
}

/// Waits until `daemon` owns `name` on the bus at `address`; fails with the daemon's
/// `log` if it exits first or `timeout` passes.
pub fn wait_for_owner(
    dbus_send_path: &Path,
    address: &str,
    name: &str,
    daemon: &mut Proc,
    log: &Path,
    timeout: Duration,
) -> Result<(), HarnessError> {
    let deadline = Instant::now() + timeout;
    loop {
        if has_owner(dbus_send_path, address, name)? {
            return Ok(());
        }
        if let Some(status) = daemon.exited() {
            return fail(format!(
                "{} exited ({status}) before owning {name}; its log:\n{}",
                daemon.name,
                read_lossy(log)
            ));
        }
        if Instant::now() > deadline {
            return fail(format!(
                "{} did not own {name} within {timeout:?}; its log:\n{}",
                daemon.name,
                read_lossy(log)
            ));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

// ---------------------------------------------------------------------------------------
// Small helpers

/// The program `name` on PATH, or an error that says how to install it (`hint`, e.g.
/// "run scripts/setup.sh, which installs ...").
pub fn tool(name: &str, hint: &str) -> Result<PathBuf, HarnessError> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
        .ok_or_else(|| {
            HarnessError(format!(
                "`{name}` is not installed (not found on PATH); {hint}"
            ))
        })
}

/// A temp folder named `prefix…`, removed when dropped.
pub fn temp_dir(prefix: &str) -> Result<tempfile::TempDir, HarnessError> {
    tempfile::Builder::new()
        .prefix(prefix)
        .tempdir()
        .or_else(|e| fail(format!("cannot create a temp folder: {e}")))
}

pub fn write(path: &Path, text: &str) -> Result<(), HarnessError> {
    std::fs::write(path, text).or_else(|e| fail(format!("cannot write {}: {e}", path.display())))
}

/// `path` opened for appending (created if need be), e.g. for a child's stdout and stderr.
pub fn log_file(path: &Path) -> Result<std::fs::File, HarnessError> {
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .or_else(|e| fail(format!("cannot open {}: {e}", path.display())))
}

/// The file's text (invalid UTF-8 replaced), or empty if it cannot be read.
pub fn read_lossy(path: &Path) -> String {
    std::fs::read(path)
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .unwrap_or_default()
}

pub fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A `sh` watchdog in its own process group: it runs `script` with the test's pid and a
/// folder (`$1`, `$2`), so that when the test process dies (even by `kill -9`) the script
/// can stop what the harness started and remove the folder. Killed when dropped.
pub struct Watchdog {
    child: Child,
}

impl Watchdog {
    pub fn spawn(script: &str, name: &str, dir: &Path) -> Result<Watchdog, HarnessError> {
        use std::os::unix::process::CommandExt;
        let child = Command::new("sh")
            .args(["-c", script, name])
            .arg(std::process::id().to_string())
            .arg(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .or_else(|e| fail(format!("cannot start the watchdog (sh): {e}")))?;
        Ok(Watchdog { child })
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
