//! A real Secret Service for tests: `gnome-keyring-daemon` (secrets component only) on a
//! private D-Bus session bus, with its keyrings, HOME and runtime folder in a temp folder,
//! so nothing touches the user's own keyrings or session.
//!
//! Include it from a test binary (it needs only `std` and the `tempfile` crate):
//!
//! ```ignore
//! #[path = "support/keychain.rs"]
//! mod keychain;
//! ```
//!
//! - [`GnomeKeyring::start`] starts a bus and an unlocked keyring (login password
//!   [`PASSWORD`]); [`GnomeKeyring::lock`] locks it. [`PrivateBus::start`] is a bus with no
//!   Secret Service on it. Both refuse D-Bus activation (the bus has no service folders),
//!   so nothing starts a keyring daemon behind a test's back.
//! - Child processes (the `fieldline` CLI, the app, `secret-tool`) get the bus through
//!   [`GnomeKeyring::envs`] or [`PrivateBus::envs`].
//! - Everything stops, and the temp folder goes, on drop. A watchdog (`sh`) does the same
//!   if the test process ends without dropping (a `static`, a panic that aborts, Ctrl-C).
//!
//! # In-process keychain calls
//!
//! The keyring crate connects through libdbus, which reads `DBUS_SESSION_BUS_ADDRESS` from
//! this process's environment, and only once: libdbus keeps the first session address it
//! sees for the life of the process. So a test binary gets one bus for all its in-process
//! keychain calls. [`shared`] starts that bus once (a `OnceLock`), exports it before any
//! keychain call of this process can run, and keeps it up until the process ends (the
//! watchdog tears it down). Every test that calls `Keychain` in-process must reach the
//! keychain only through [`shared`] first; use your own account names per test, since
//! the tests run in parallel on the same keyring.
//!
//! A test that needs another bus (a locked keyring, no Secret Service at all) runs its
//! keychain calls in a child process with that bus in its environment: [`run_child`]
//! re-runs one test of the current binary in a child, [`is_child`] tells the test which
//! side it is on.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{ChildStdin, Command, ExitStatus, Output, Stdio};
use std::sync::{mpsc, OnceLock};
use std::time::{Duration, Instant};

// Test binaries that include both rt.rs and keychain.rs get two copies of this module
// (each harness keeps its own `HarnessError`, as before), hence the allow.
#[allow(clippy::duplicate_mod)]
#[path = "../../../../tests/support/harness_common.rs"]
mod common;

pub use common::HarnessError;
use common::{fail, log_file, read_lossy, Print, Proc};

/// How long starting a part may take.
pub const WAIT: Duration = Duration::from_secs(10);

/// The login keyring's password.
pub const PASSWORD: &str = "fieldline-test-login";

const SECRETS: &str = "org.freedesktop.secrets";
const SECRETS_PATH: &str = "/org/freedesktop/secrets";
/// Set in a child started by [`run_child`]: the test name it runs.
const CHILD_ENV: &str = "FIELDLINE_KEYCHAIN_TEST_CHILD";

// ---------------------------------------------------------------------------------------
// One shared keyring per test binary

static SHARED: OnceLock<GnomeKeyring> = OnceLock::new();

/// The test binary's keyring, started on first use, exported to this process as its
/// session bus. Panics (failing the test) with the reason when it cannot start.
pub fn shared() -> &'static GnomeKeyring {
    SHARED.get_or_init(|| {
        let keyring = match GnomeKeyring::start() {
            Ok(keyring) => keyring,
            Err(e) => panic!("cannot start the test keychain: {e}"),
        };
        // Safe enough here: every in-process keychain call waits for this initialiser,
        // so no libdbus call reads the environment while it changes.
        std::env::set_var("DBUS_SESSION_BUS_ADDRESS", keyring.bus_address());
        keyring
    })
}

// ---------------------------------------------------------------------------------------
// Running part of a test in a child process

/// Whether this process is a child started by [`run_child`] for `test`.
pub fn is_child(test: &str) -> bool {
    std::env::var(CHILD_ENV).is_ok_and(|name| name == test)
}

/// Runs the test `test` (its name as `cargo test` prints it, module path included) of
/// the current test binary in a child process with `envs` added to its environment, and
/// kills it if it runs longer than `timeout`. In the child, [`is_child`] is true.
pub fn run_child(
    test: &str,
    envs: &[(String, String)],
    timeout: Duration,
) -> Result<ChildRun, HarnessError> {
    let exe =
        std::env::current_exe().or_else(|e| fail(format!("cannot find the test binary: {e}")))?;
    let mut command = Command::new(exe);
    command
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, test)
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .envs(envs.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null());
    let started = Instant::now();
    let mut child = Proc::spawn(
        "the child test",
        command.stdout(Stdio::piped()).stderr(Stdio::piped()),
    )?;
    let stdout = read_all(child.child.stdout.take());
    let stderr = read_all(child.child.stderr.take());
    let status = loop {
        if let Some(status) = child.exited() {
            break Some(status);
        }
        if started.elapsed() > timeout {
            break None;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let elapsed = started.elapsed();
    drop(child); // stops it if it is still running
    Ok(ChildRun {
        status,
        elapsed,
        stdout: stdout.recv_timeout(WAIT).unwrap_or_default(),
        stderr: stderr.recv_timeout(WAIT).unwrap_or_default(),
    })
}

/// All of `pipe`, read on a thread, delivered when it closes.
fn read_all(pipe: Option<impl Read + Send + 'static>) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut bytes);
        }
        let _ = tx.send(String::from_utf8_lossy(&bytes).into_owned());
    });
    rx
}

/// How a child test ran.
#[derive(Debug)]
pub struct ChildRun {
    /// `None` when it was killed for running past its time.
    pub status: Option<ExitStatus>,
    pub elapsed: Duration,
    pub stdout: String,
    pub stderr: String,
}

impl ChildRun {
    pub fn passed(&self) -> bool {
        self.status.is_some_and(|s| s.success()) && self.stdout.contains("1 passed")
    }
}

// ---------------------------------------------------------------------------------------
// The keyring

/// gnome-keyring-daemon serving `org.freedesktop.secrets` on a private bus.
pub struct GnomeKeyring {
    // Fields drop in this order: the daemon first, the bus, then the temp folder.
    daemon: Proc,
    bus: PrivateBus,
}

impl GnomeKeyring {
    /// A bus and an unlocked login keyring (the default collection), ready to use.
    pub fn start() -> Result<GnomeKeyring, HarnessError> {
        let bus = PrivateBus::start()?;
        let dir = bus.dir().to_path_buf();
        for sub in ["home", "data", "config", "cache"] {
            create_dir(&dir.join(sub))?;
        }
        let log = dir.join("gnome-keyring.log");
        let mut command = Command::new(tool("gnome-keyring-daemon")?);
        command
            .args(["--foreground", "--unlock", "--components=secrets"])
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", dir.join("home"))
            .env("XDG_DATA_HOME", dir.join("data"))
            .env("XDG_CONFIG_HOME", dir.join("config"))
            .env("XDG_CACHE_HOME", dir.join("cache"))
            .env("XDG_RUNTIME_DIR", bus.runtime_dir())
            .env("DBUS_SESSION_BUS_ADDRESS", bus.address())
            .env("LANG", "C.UTF-8")
            .stdin(Stdio::piped())
            .stdout(log_file(&log)?)
            .stderr(log_file(&log)?);
        let mut daemon = Proc::spawn("gnome-keyring-daemon", &mut command)?;
        bus.watch(&daemon)?;
        // --unlock reads the login password up to end of input.
        match daemon.child.stdin.take() {
            Some(mut stdin) => stdin.write_all(PASSWORD.as_bytes()).or_else(|e| {
                fail(format!(
                    "cannot give gnome-keyring-daemon its password: {e}"
                ))
            })?,
            None => return fail("gnome-keyring-daemon has no stdin"),
        }

        common::wait_for_owner(
            &tool("dbus-send")?,
            bus.address(),
            SECRETS,
            &mut daemon,
            &log,
            WAIT,
        )?;
        let keyring = GnomeKeyring { daemon, bus };
        // Ready once the login keyring is the default collection and the password on
        // stdin has unlocked it: a Lock sent before that unlock lands is undone by it.
        let deadline = Instant::now() + WAIT;
        while !matches!(keyring.is_locked(), Ok(false)) {
            if Instant::now() > deadline {
                return fail(format!(
                    "gnome-keyring-daemon has no unlocked default collection after {WAIT:?}; its log:\n{}",
                    keyring.log()
                ));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        Ok(keyring)
    }

    /// The private bus, for `DBUS_SESSION_BUS_ADDRESS` of child processes.
    pub fn bus_address(&self) -> &str {
        self.bus.address()
    }

    /// What a child process needs to reach this keyring (and only it).
    pub fn envs(&self) -> Vec<(String, String)> {
        self.bus.envs()
    }

    /// The object path of the default collection (the login keyring).
    pub fn default_collection(&self) -> Result<String, HarnessError> {
        let out = self.bus.call(
            SECRETS,
            SECRETS_PATH,
            "org.freedesktop.Secret.Service.ReadAlias",
            &["string:default"],
        )?;
        // `   object path "/org/freedesktop/secrets/collection/login"`
        match out.split('"').nth(1) {
            Some(path) if path != "/" => Ok(path.to_owned()),
            _ => fail(format!("no default collection: {out:?}")),
        }
    }

    /// Locks the default collection, as the screen locker or a timeout would.
    pub fn lock(&self) -> Result<(), HarnessError> {
        let collection = self.default_collection()?;
        // The daemon may still be finishing the unlock it was started with; a Lock that
        // lands first is undone by it, so lock until it stays locked.
        let deadline = Instant::now() + WAIT;
        loop {
            self.bus.call(
                SECRETS,
                SECRETS_PATH,
                "org.freedesktop.Secret.Service.Lock",
                &[&format!("array:objpath:{collection}")],
            )?;
            std::thread::sleep(Duration::from_millis(20));
            if self.is_locked()? {
                return Ok(());
            }
            if Instant::now() > deadline {
                return fail(format!(
                    "{collection} is still unlocked {WAIT:?} after Lock; its log:\n{}",
                    self.log()
                ));
            }
        }
    }

    /// Whether the default collection is locked.
    pub fn is_locked(&self) -> Result<bool, HarnessError> {
        let collection = self.default_collection()?;
        let out = self.bus.call(
            SECRETS,
            &collection,
            "org.freedesktop.DBus.Properties.Get",
            &["string:org.freedesktop.Secret.Collection", "string:Locked"],
        )?;
        Ok(out.contains("true"))
    }

    /// `secret-tool` with `args`, on this keyring; its output.
    pub fn secret_tool(&self, args: &[&str], stdin: Option<&str>) -> Result<Output, HarnessError> {
        let mut command = Command::new(tool("secret-tool")?);
        command
            .args(args)
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .envs(self.envs())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command
            .spawn()
            .or_else(|e| fail(format!("cannot start secret-tool: {e}")))?;
        if let Some(mut pipe) = child.stdin.take() {
            if let Some(text) = stdin {
                pipe.write_all(text.as_bytes())
                    .or_else(|e| fail(format!("cannot write to secret-tool: {e}")))?;
            }
        }
        child
            .wait_with_output()
            .or_else(|e| fail(format!("secret-tool failed: {e}")))
    }

    /// What gnome-keyring-daemon wrote to stdout and stderr.
    pub fn log(&self) -> String {
        read_lossy(&self.bus.dir().join("gnome-keyring.log"))
    }
}

// ---------------------------------------------------------------------------------------
// The bus

/// A private session bus (`dbus-daemon`) in a temp folder of its own. Its configuration has
/// no service folders: D-Bus activation can start nothing, so a Secret Service is on it
/// only if a test put one there.
pub struct PrivateBus {
    proc: Proc,
    address: String,
    watchdog: Watchdog,
    dir: tempfile::TempDir,
}

impl PrivateBus {
    pub fn start() -> Result<PrivateBus, HarnessError> {
        for name in ["dbus-daemon", "dbus-send", "sh"] {
            tool(name)?;
        }
        let dir = common::temp_dir("fieldline-keychain-")?;
        let watchdog = Watchdog::start(dir.path())?;
        create_dir(&dir.path().join("runtime"))?;
        let (proc, address) =
            common::start_dbus_daemon(dir.path(), &tool("dbus-daemon")?, WAIT, |proc| {
                watchdog.watch(proc)
            })?;
        Ok(PrivateBus {
            proc,
            address,
            watchdog,
            dir,
        })
    }

    pub fn address(&self) -> &str {
        &self.address
    }

    /// What a child process needs to use this bus as its session bus. `XDG_RUNTIME_DIR`
    /// too, so that nothing falls back to the user's own `$XDG_RUNTIME_DIR/bus`.
    pub fn envs(&self) -> Vec<(String, String)> {
        vec![
            ("DBUS_SESSION_BUS_ADDRESS".to_owned(), self.address.clone()),
            (
                "XDG_RUNTIME_DIR".to_owned(),
                self.runtime_dir().to_string_lossy().into_owned(),
            ),
        ]
    }

    fn dir(&self) -> &Path {
        self.dir.path()
    }

    fn runtime_dir(&self) -> PathBuf {
        self.dir.path().join("runtime")
    }

    /// Has the watchdog stop `proc` too if this process ends without dropping.
    fn watch(&self, proc: &Proc) -> Result<(), HarnessError> {
        self.watchdog.watch(proc)
    }

    /// Whether `name` has an owner on this bus.
    pub fn has_owner(&self, name: &str) -> Result<bool, HarnessError> {
        common::has_owner(&tool("dbus-send")?, &self.address, name)
    }

    /// One call with `dbus-send`; its printed answer.
    pub fn call(
        &self,
        destination: &str,
        path: &str,
        method: &str,
        args: &[&str],
    ) -> Result<String, HarnessError> {
        common::dbus_send(
            &tool("dbus-send")?,
            &self.address,
            Print::Typed,
            destination,
            path,
            method,
            args,
        )
    }
}

impl Drop for PrivateBus {
    fn drop(&mut self) {
        // Only the bus is left (the keyring daemon drops first): stop it, then the
        // watchdog has nothing to do. The temp folder goes last, as a field.
        self.proc.stop();
        self.watchdog.disarm();
    }
}

// ---------------------------------------------------------------------------------------
// Processes

/// Stops what it was told about, and removes the temp folder, when this process ends
/// without dropping the harness: it reads pids on its stdin, and end of input (this
/// process gone, whatever the reason) is its signal. A `static` is never dropped.
struct Watchdog {
    proc: Proc,
    stdin: Option<ChildStdin>,
}

const WATCHDOG: &str = r#"
trap '' INT TERM HUP
dir=$1
pids=
while read -r word arg; do
  case $word in
    pid) pids="$arg $pids" ;;
    disarm) exit 0 ;;
  esac
done
for p in $pids; do kill -TERM "$p" 2>/dev/null; done
i=0
while [ $i -lt 30 ]; do
  alive=
  for p in $pids; do
    # A zombie (state Z) is gone: a container's init may never reap it.
    state=
    [ -r "/proc/$p/stat" ] && read -r _ _ state _ < "/proc/$p/stat"
    [ -n "$state" ] && [ "$state" != Z ] && alive=1
  done
  [ -z "$alive" ] && break
  sleep 0.1
  i=$((i + 1))
done
for p in $pids; do kill -KILL "$p" 2>/dev/null; done
rm -rf "$dir"
"#;

impl Watchdog {
    fn start(dir: &Path) -> Result<Watchdog, HarnessError> {
        let mut command = Command::new(tool("sh")?);
        command
            .args(["-c", WATCHDOG, "fieldline-keychain-watchdog"])
            .arg(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let mut proc = Proc::spawn("the watchdog", &mut command)?;
        let stdin = proc.child.stdin.take();
        Ok(Watchdog { proc, stdin })
    }

    fn watch(&self, proc: &Proc) -> Result<(), HarnessError> {
        let line = format!("pid {}\n", proc.child.id());
        match self.stdin.as_ref() {
            // `&ChildStdin` writes: watching needs no `&mut self`.
            Some(mut stdin) => stdin
                .write_all(line.as_bytes())
                .or_else(|e| fail(format!("cannot reach the watchdog: {e}"))),
            None => fail("the watchdog has no stdin"),
        }
    }

    /// Everything was stopped in order: the watchdog just exits.
    fn disarm(&mut self) {
        if let Some(mut stdin) = self.stdin.take() {
            let _ = stdin.write_all(b"disarm\n");
        }
    }
}

// ---------------------------------------------------------------------------------------
// Small helpers

/// The program `name` on PATH, or an error that says how to install it.
fn tool(name: &str) -> Result<PathBuf, HarnessError> {
    common::tool(
        name,
        "run scripts/setup.sh, which installs gnome-keyring, dbus and libsecret-tools for the \
         keychain tests (apt-get install gnome-keyring dbus libsecret-tools)",
    )
}

fn create_dir(path: &Path) -> Result<(), HarnessError> {
    std::fs::create_dir_all(path)
        .or_else(|e| fail(format!("cannot create {}: {e}", path.display())))?;
    // XDG_RUNTIME_DIR must be private; the others do no harm private.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700))
            .or_else(|e| fail(format!("cannot restrict {}: {e}", path.display())))?;
    }
    Ok(())
}
