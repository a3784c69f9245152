//! A real notification daemon for tests: dunst on a private X display (Xvfb), on a private
//! D-Bus session bus, with `dbus-monitor` recording every message about notifications that
//! crosses that bus.
//!
//! Include it from any test binary (it needs only `std` and the `tempfile` crate):
//!
//! ```ignore
//! #[path = "../../fieldline-notify/tests/support/dunst.rs"]
//! mod dunst;
//! ```
//!
//! - [`Dunst::start`] points this process's session bus (`DBUS_SESSION_BUS_ADDRESS`) at
//!   the private bus until the `Dunst` is dropped. The environment is shared by every test
//!   thread of a binary, so tests that export a bus take turns (one lock per process).
//!   [`Dunst::start_private`] leaves the environment alone, for tests that only hand
//!   [`Dunst::bus_address`] to child processes.
//! - What was sent: [`Dunst::received`] and [`Dunst::wait_for`] give the `Notify` calls the
//!   bus carried, decoded from the monitor's pcap stream (the D-Bus wire format, so any
//!   text arrives exactly as sent), with the id dunst answered.
//! - What dunst made of it: [`Dunst::displayed_count`] and [`Dunst::history`] (dunst's
//!   own record: summary, body and the `message` it renders).
//! - Everything (dunst, the monitor, the bus, Xvfb, the temp folder) stops on drop.

#![allow(dead_code)]

use std::collections::HashMap;
use std::ffi::OsString;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

#[path = "../../../../tests/support/harness_common.rs"]
mod common;

pub use common::HarnessError;
use common::{fail, first_line, log_file, read_lossy, write, Print, Proc};

/// How long starting a part, or an expected observation, may take.
pub const WAIT: Duration = Duration::from_secs(10);

const NOTIFICATIONS: &str = "org.freedesktop.Notifications";
const NOTIFICATIONS_PATH: &str = "/org/freedesktop/Notifications";
const DUNST_CONTROL: &str = "org.dunstproject.cmd0";

/// A running Xvfb, bus, monitor and dunst.
pub struct Dunst {
    // Fields drop in this order: the daemon first, the temp folder last.
    dunst: Proc,
    monitor: Monitor,
    bus: PrivateBus,
    xvfb: Xvfb,
    exported: Option<SessionBusExport>,
    dir: tempfile::TempDir,
}

impl Dunst {
    /// Starts everything and exports the bus to this process until dropped.
    pub fn start() -> Result<Dunst, HarnessError> {
        // Take the turn before starting, so waiting tests do not hold processes.
        let turn = take_turn();
        let mut dunst = Dunst::start_private()?;
        dunst.exported = Some(SessionBusExport::with_turn(turn, &dunst.bus.address));
        Ok(dunst)
    }

    /// Starts everything without touching this process's environment.
    pub fn start_private() -> Result<Dunst, HarnessError> {
        for name in ["Xvfb", "dbus-daemon", "dbus-monitor", "dbus-send", "dunst"] {
            tool(name)?;
        }
        let dir = common::temp_dir("fieldline-dunst-")?;
        let xvfb = Xvfb::start(dir.path())?;
        let bus = PrivateBus::start_in(dir.path())?;
        let monitor = Monitor::start(dir.path(), &bus.address)?;

        let config = dir.path().join("dunstrc");
        write(&config, DUNSTRC)?;
        let log = dir.path().join("dunst.log");
        let mut command = Command::new(tool("dunst")?);
        command
            .arg("-config")
            .arg(&config)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", dir.path())
            .env("XDG_CONFIG_HOME", dir.path().join("config"))
            .env("XDG_CACHE_HOME", dir.path().join("cache"))
            .env("XDG_DATA_HOME", dir.path().join("data"))
            .env("LANG", "C.UTF-8")
            .env("DISPLAY", &xvfb.display)
            .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
            .stdin(Stdio::null())
            .stdout(log_file(&log)?)
            .stderr(log_file(&log)?);
        let mut dunst = Proc::spawn("dunst", &mut command)?;

        // Ready once it owns the notifications name on the bus.
        common::wait_for_owner(
            &tool("dbus-send")?,
            &bus.address,
            NOTIFICATIONS,
            &mut dunst,
            &log,
            WAIT,
        )?;

        Ok(Dunst {
            dunst,
            monitor,
            bus,
            xvfb,
            exported: None,
            dir,
        })
    }

    /// The private bus, for `DBUS_SESSION_BUS_ADDRESS` of child processes.
    pub fn bus_address(&self) -> &str {
        &self.bus.address
    }

    /// The private X display (`:N`), for `DISPLAY` of child processes.
    pub fn display(&self) -> &str {
        &self.xvfb.display
    }

    /// What dunst wrote to stdout and stderr (markup it could not parse shows up here).
    pub fn log(&self) -> String {
        read_lossy(&self.dir.path().join("dunst.log"))
    }

    /// Every message about notifications the bus carried so far, in order.
    pub fn messages(&self) -> Vec<Message> {
        self.monitor.snapshot()
    }

    /// Every `Notify` call so far, in order.
    pub fn received(&self) -> Vec<Received> {
        received_in(&self.monitor.snapshot())
    }

    /// The first `Notify` call (already made or made within `timeout`) that `matches`.
    pub fn wait_for(
        &self,
        mut matches: impl FnMut(&Received) -> bool,
        timeout: Duration,
    ) -> Option<Received> {
        self.monitor.wait_until(timeout, |messages| {
            received_in(messages).into_iter().find(|r| matches(r))
        })
    }

    /// The first message (already carried or within `timeout`) that `matches`.
    pub fn wait_for_message(
        &self,
        mut matches: impl FnMut(&Message) -> bool,
        timeout: Duration,
    ) -> Option<Message> {
        self.monitor.wait_until(timeout, |messages| {
            messages.iter().find(|m| matches(m)).cloned()
        })
    }

    /// Whether a connection (a unique name such as [`Received::sender`]) is still on the bus.
    pub fn connected(&self, unique_name: &str) -> Result<bool, HarnessError> {
        common::has_owner(&tool("dbus-send")?, &self.bus.address, unique_name)
    }

    /// Waits until the connection `unique_name` left the bus; whether it did.
    pub fn wait_for_disconnect(
        &self,
        unique_name: &str,
        timeout: Duration,
    ) -> Result<bool, HarnessError> {
        let deadline = Instant::now() + timeout;
        while self.connected(unique_name)? {
            if Instant::now() > deadline {
                return Ok(false);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(true)
    }

    /// How many notifications dunst displays now.
    pub fn displayed_count(&self) -> Result<u32, HarnessError> {
        self.dunst_property("displayedLength")
    }

    /// How many notifications wait to be displayed (dunst moves new ones on soon after).
    pub fn waiting_count(&self) -> Result<u32, HarnessError> {
        self.dunst_property("waitingLength")
    }

    /// Waits until dunst displays `expected` notifications and none wait; returns the
    /// count displayed at the end either way.
    pub fn wait_for_displayed(
        &self,
        expected: u32,
        timeout: Duration,
    ) -> Result<u32, HarnessError> {
        let deadline = Instant::now() + timeout;
        loop {
            let displayed = self.displayed_count()?;
            if displayed == expected && self.waiting_count()? == 0 {
                return Ok(displayed);
            }
            if Instant::now() > deadline {
                return Ok(displayed);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Closes every displayed notification (they move to dunst's history).
    pub fn close_all(&self) -> Result<(), HarnessError> {
        self.dunst_call("NotificationCloseAll", &[]).map(drop)
    }

    /// Invokes the default action of the displayed notification at `position` (0 is the
    /// first one shown; dunst sorts by urgency, then age), as a click would.
    pub fn invoke_action(&self, position: u32) -> Result<(), HarnessError> {
        self.dunst_call("NotificationAction", &[&format!("uint32:{position}")])
            .map(drop)
    }

    /// dunst's history, newest first. Dunst lists a notification there only once it was
    /// closed: this closes every displayed notification first.
    pub fn history(&self) -> Result<Vec<HistoryEntry>, HarnessError> {
        self.close_all()?;
        let seen = self.monitor.snapshot().len();
        self.dunst_call("NotificationListHistory", &[])?;
        // The answer as the bus carried it (dbus-send's own printing is not parseable).
        let reply = self.monitor.wait_until(WAIT, |messages| {
            let call = messages[seen.min(messages.len())..].iter().find(|m| {
                m.kind == MessageKind::MethodCall
                    && m.member.as_deref() == Some("NotificationListHistory")
            })?;
            messages.iter().find(|m| m.is_reply_to(call)).cloned()
        });
        let Some(reply) = reply else {
            return fail("the monitor did not see dunst's answer to NotificationListHistory");
        };
        let Some(Value::Array(entries)) = reply.body.first() else {
            return fail(format!(
                "unexpected NotificationListHistory answer: {:?}",
                reply.body
            ));
        };
        Ok(entries
            .iter()
            .filter_map(HistoryEntry::from_value)
            .collect())
    }

    fn dunst_property(&self, name: &str) -> Result<u32, HarnessError> {
        let out = self.notifications_call(
            "org.freedesktop.DBus.Properties.Get",
            &[
                &format!("string:{DUNST_CONTROL}"),
                &format!("string:{name}"),
            ],
        )?;
        // `   variant       uint32 2`
        out.split_whitespace()
            .last()
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| HarnessError(format!("unexpected answer for {name}: {out:?}")))
    }

    fn dunst_call(&self, method: &str, args: &[&str]) -> Result<String, HarnessError> {
        self.notifications_call(&format!("{DUNST_CONTROL}.{method}"), args)
    }

    /// `method` on dunst's notifications object; the answer, printed literally.
    fn notifications_call(&self, method: &str, args: &[&str]) -> Result<String, HarnessError> {
        common::dbus_send(
            &tool("dbus-send")?,
            &self.bus.address,
            Print::Literal,
            NOTIFICATIONS,
            NOTIFICATIONS_PATH,
            method,
            args,
        )
    }
}

/// Dunst's configuration: long timeouts so counts hold still during a test, nothing merged
/// or hidden, no browser or menu program to start.
const DUNSTRC: &str = r#"[global]
    monitor = 0
    follow = none
    notification_limit = 0
    indicate_hidden = yes
    stack_duplicates = false
    hide_duplicate_count = true
    markup = full
    format = "<b>%s</b>\n%b"
    idle_threshold = 0
    show_age_threshold = -1
    sticky_history = yes
    history_length = 100
    font = Monospace 8
    browser = /bin/false
    dmenu = /bin/false
    always_run_script = false
    ignore_dbusclose = false
    mouse_left_click = close_current
    mouse_middle_click = do_action, close_current
    mouse_right_click = close_all

[urgency_low]
    timeout = 600

[urgency_normal]
    timeout = 600

[urgency_critical]
    timeout = 0
"#;

// ---------------------------------------------------------------------------------------
// Exporting a bus to this process

static SESSION_BUS_TURN: Mutex<()> = Mutex::new(());

fn take_turn() -> MutexGuard<'static, ()> {
    SESSION_BUS_TURN
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
}

/// This process's `DBUS_SESSION_BUS_ADDRESS`, set for a while: restored on drop. Holds the
/// process-wide turn, so two tests never see each other's bus.
pub struct SessionBusExport {
    previous: Option<OsString>,
    _turn: MutexGuard<'static, ()>,
}

impl SessionBusExport {
    /// Points this process at `address` (which need not exist: tests of a missing bus).
    pub fn new(address: &str) -> SessionBusExport {
        SessionBusExport::with_turn(take_turn(), address)
    }

    fn with_turn(turn: MutexGuard<'static, ()>, address: &str) -> SessionBusExport {
        let previous = std::env::var_os("DBUS_SESSION_BUS_ADDRESS");
        std::env::set_var("DBUS_SESSION_BUS_ADDRESS", address);
        SessionBusExport {
            previous,
            _turn: turn,
        }
    }
}

impl Drop for SessionBusExport {
    fn drop(&mut self) {
        match self.previous.take() {
            Some(previous) => std::env::set_var("DBUS_SESSION_BUS_ADDRESS", previous),
            None => std::env::remove_var("DBUS_SESSION_BUS_ADDRESS"),
        }
    }
}

// ---------------------------------------------------------------------------------------
// The parts

/// A private session bus (`dbus-daemon`) with a minimal configuration: no service
/// activation, so nothing starts a notification daemon behind a test's back.
pub struct PrivateBus {
    proc: Proc,
    address: String,
    dir: Option<tempfile::TempDir>,
}

impl PrivateBus {
    /// A bus in a temp folder of its own (with no notification daemon on it).
    pub fn start() -> Result<PrivateBus, HarnessError> {
        let dir = common::temp_dir("fieldline-bus-")?;
        let mut bus = PrivateBus::start_in(dir.path())?;
        bus.dir = Some(dir);
        Ok(bus)
    }

    fn start_in(dir: &Path) -> Result<PrivateBus, HarnessError> {
        let (proc, address) =
            common::start_dbus_daemon(dir, &tool("dbus-daemon")?, WAIT, |_| Ok(()))?;
        Ok(PrivateBus {
            proc,
            address,
            dir: None,
        })
    }

    pub fn address(&self) -> &str {
        &self.address
    }
}

/// Xvfb on the first free display number (`-displayfd`: it tells which one once it listens).
struct Xvfb {
    proc: Proc,
    display: String,
}

impl Xvfb {
    fn start(dir: &Path) -> Result<Xvfb, HarnessError> {
        let log = dir.join("xvfb.log");
        let mut command = Command::new(tool("Xvfb")?);
        command
            .args([
                "-displayfd",
                "1",
                "-nolisten",
                "tcp",
                "-screen",
                "0",
                "1024x768x24",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log_file(&log)?);
        let mut proc = Proc::spawn("Xvfb", &mut command)?;
        let number = first_line(&mut proc, WAIT, &log)?;
        if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
            return fail(format!("Xvfb announced display {number:?}"));
        }
        Ok(Xvfb {
            proc,
            display: format!(":{number}"),
        })
    }
}

/// `dbus-monitor --pcap` on the bus, decoded on a thread into [`Message`]s.
struct Monitor {
    proc: Proc,
    seen: Arc<(Mutex<Vec<Message>>, Condvar)>,
}

impl Monitor {
    fn start(dir: &Path, address: &str) -> Result<Monitor, HarnessError> {
        let log = dir.join("dbus-monitor.log");
        let mut command = Command::new(tool("dbus-monitor")?);
        command
            .args(["--address", address, "--pcap"])
            .arg(format!("interface='{NOTIFICATIONS}'"))
            .arg(format!("interface='{DUNST_CONTROL}'"))
            .arg("type='method_return'")
            .arg("type='error'")
            .arg("member='AddMatch'")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log_file(&log)?);
        let mut proc = Proc::spawn("dbus-monitor", &mut command)?;
        let Some(stdout) = proc.child.stdout.take() else {
            return fail("dbus-monitor has no stdout");
        };
        let seen = Arc::new((Mutex::new(Vec::new()), Condvar::new()));
        let sink = Arc::clone(&seen);
        std::thread::Builder::new()
            .name("dunst-harness-monitor".to_owned())
            .spawn(move || read_pcap(stdout, &sink))
            .or_else(|e| fail(format!("cannot start the monitor thread: {e}")))?;
        let monitor = Monitor { proc, seen };

        // Ready once a probe signal sent now comes back through it.
        let deadline = Instant::now() + WAIT;
        loop {
            let probe = Command::new(tool("dbus-send")?)
                .arg(format!("--bus={address}"))
                .args(["--type=signal", "/org/fieldline/Harness"])
                .arg(format!("{NOTIFICATIONS}.HarnessProbe"))
                .stdin(Stdio::null())
                .output()
                .or_else(|e| fail(format!("cannot run dbus-send: {e}")))?;
            if !probe.status.success() {
                return fail(format!(
                    "dbus-send could not reach the bus: {}",
                    String::from_utf8_lossy(&probe.stderr)
                ));
            }
            let ready = monitor.wait_until(Duration::from_millis(100), |messages| {
                messages
                    .iter()
                    .any(|m| m.member.as_deref() == Some("HarnessProbe"))
                    .then_some(())
            });
            if ready.is_some() {
                return Ok(monitor);
            }
            if Instant::now() > deadline {
                return fail(format!(
                    "dbus-monitor did not report within {WAIT:?}; its log:\n{}",
                    read_lossy(&log)
                ));
            }
        }
    }

    fn snapshot(&self) -> Vec<Message> {
        lock(&self.seen.0).clone()
    }

    fn wait_until<T>(
        &self,
        timeout: Duration,
        mut found: impl FnMut(&[Message]) -> Option<T>,
    ) -> Option<T> {
        let deadline = Instant::now() + timeout;
        let (messages, changed) = &*self.seen;
        let mut messages = lock(messages);
        loop {
            if let Some(found) = found(&messages) {
                return Some(found);
            }
            let left = deadline.checked_duration_since(Instant::now())?;
            messages = changed
                .wait_timeout(messages, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }
}

// ---------------------------------------------------------------------------------------
// What the bus carried

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageKind {
    MethodCall,
    MethodReturn,
    Error,
    Signal,
    Other(u8),
}

/// One D-Bus message, decoded.
#[derive(Debug, Clone)]
pub struct Message {
    /// When the monitor got it.
    pub at: SystemTime,
    pub kind: MessageKind,
    pub serial: u32,
    pub reply_serial: Option<u32>,
    pub sender: Option<String>,
    pub destination: Option<String>,
    pub path: Option<String>,
    pub interface: Option<String>,
    pub member: Option<String>,
    pub error_name: Option<String>,
    pub signature: String,
    pub body: Vec<Value>,
}

impl Message {
    /// Whether this is the answer (return or error) to `call`.
    pub fn is_reply_to(&self, call: &Message) -> bool {
        matches!(self.kind, MessageKind::MethodReturn | MessageKind::Error)
            && self.reply_serial == Some(call.serial)
            && self.destination.is_some()
            && self.destination == call.sender
    }
}

/// A D-Bus value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Byte(u8),
    Bool(bool),
    I16(i16),
    U16(u16),
    I32(i32),
    U32(u32),
    I64(i64),
    U64(u64),
    Double(f64),
    Str(String),
    ObjectPath(String),
    Signature(String),
    Fd(u32),
    Array(Vec<Value>),
    Dict(Vec<(Value, Value)>),
    Struct(Vec<Value>),
    Variant(Box<Value>),
}

impl Value {
    pub fn as_str(&self) -> Option<&str> {
        match self.unvariant() {
            Value::Str(s) | Value::ObjectPath(s) | Value::Signature(s) => Some(s),
            _ => None,
        }
    }

    /// Any integer, as i64 (u64 values that do not fit give None).
    pub fn as_i64(&self) -> Option<i64> {
        match *self.unvariant() {
            Value::Byte(n) => Some(n.into()),
            Value::I16(n) => Some(n.into()),
            Value::U16(n) => Some(n.into()),
            Value::I32(n) => Some(n.into()),
            Value::U32(n) => Some(n.into()),
            Value::I64(n) => Some(n),
            Value::U64(n) => i64::try_from(n).ok(),
            _ => None,
        }
    }

    /// The value inside any number of variants.
    pub fn unvariant(&self) -> &Value {
        match self {
            Value::Variant(inner) => inner.unvariant(),
            other => other,
        }
    }
}

/// One `Notify` call as the bus carried it.
#[derive(Debug, Clone)]
pub struct Received {
    /// When the monitor saw the call.
    pub at: SystemTime,
    /// The caller's connection (unique name).
    pub sender: String,
    pub app_name: String,
    pub replaces_id: u32,
    pub app_icon: String,
    pub summary: String,
    pub body: String,
    /// As sent: key, label, key, label, …
    pub actions: Vec<String>,
    pub hints: HashMap<String, Value>,
    /// From the `urgency` hint: 0 low, 1 normal, 2 critical.
    pub urgency: Option<u8>,
    /// From the `category` hint.
    pub category: Option<String>,
    /// Milliseconds; -1 the daemon's default, 0 never.
    pub expire_timeout: i32,
    /// The id the daemon answered with, once the answer crossed the bus.
    pub id: Option<u32>,
}

fn received_in(messages: &[Message]) -> Vec<Received> {
    messages
        .iter()
        .filter(|m| {
            m.kind == MessageKind::MethodCall
                && m.interface.as_deref() == Some(NOTIFICATIONS)
                && m.member.as_deref() == Some("Notify")
        })
        .filter_map(|call| {
            let [Value::Str(app_name), Value::U32(replaces_id), Value::Str(app_icon), Value::Str(summary), Value::Str(body), Value::Array(actions), Value::Dict(hints), Value::I32(expire_timeout)] =
                call.body.as_slice()
            else {
                return None;
            };
            let hints: HashMap<String, Value> = hints
                .iter()
                .filter_map(|(k, v)| Some((k.as_str()?.to_owned(), v.unvariant().clone())))
                .collect();
            let id = messages
                .iter()
                .find(|m| m.kind == MessageKind::MethodReturn && m.is_reply_to(call))
                .and_then(|reply| match reply.body.first() {
                    Some(Value::U32(id)) => Some(*id),
                    _ => None,
                });
            Some(Received {
                at: call.at,
                sender: call.sender.clone().unwrap_or_default(),
                app_name: app_name.clone(),
                replaces_id: *replaces_id,
                app_icon: app_icon.clone(),
                summary: summary.clone(),
                body: body.clone(),
                actions: actions
                    .iter()
                    .filter_map(|a| a.as_str().map(str::to_owned))
                    .collect(),
                urgency: match hints.get("urgency") {
                    Some(Value::Byte(u)) => Some(*u),
                    _ => None,
                },
                category: hints
                    .get("category")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                hints,
                expire_timeout: *expire_timeout,
                id,
            })
        })
        .collect()
}

/// A notification in dunst's history.
#[derive(Debug, Clone)]
pub struct HistoryEntry {
    pub id: i64,
    pub appname: String,
    pub summary: String,
    /// The body as dunst received it.
    pub body: String,
    /// What dunst rendered (its `format` applied; markup it understood).
    pub message: String,
    /// Every field dunst reported.
    pub fields: HashMap<String, Value>,
}

impl HistoryEntry {
    fn from_value(value: &Value) -> Option<HistoryEntry> {
        let Value::Dict(entries) = value else {
            return None;
        };
        let fields: HashMap<String, Value> = entries
            .iter()
            .filter_map(|(k, v)| Some((k.as_str()?.to_owned(), v.unvariant().clone())))
            .collect();
        let text = |key: &str| {
            fields
                .get(key)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        Some(HistoryEntry {
            id: fields.get("id").and_then(Value::as_i64).unwrap_or(-1),
            appname: text("appname"),
            summary: text("summary"),
            body: text("body"),
            message: text("message"),
            fields,
        })
    }
}

// ---------------------------------------------------------------------------------------
// The pcap stream and the D-Bus wire format

fn read_pcap(stdout: impl Read, sink: &(Mutex<Vec<Message>>, Condvar)) {
    let mut input = BufReader::new(stdout);
    let mut global = [0u8; 24];
    if input.read_exact(&mut global).is_err() {
        return;
    }
    let magic = u32::from_le_bytes([global[0], global[1], global[2], global[3]]);
    let little = match magic {
        0xa1b2_c3d4 => true,
        0xd4c3_b2a1 => false,
        _ => return,
    };
    let word = |b: &[u8]| {
        let b = [b[0], b[1], b[2], b[3]];
        if little {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        }
    };
    loop {
        let mut record = [0u8; 16];
        if input.read_exact(&mut record).is_err() {
            return;
        }
        let (seconds, micros, length) = (
            word(&record[0..4]),
            word(&record[4..8]),
            word(&record[8..12]),
        );
        let Ok(length) = usize::try_from(length) else {
            return;
        };
        let mut bytes = vec![0u8; length];
        if input.read_exact(&mut bytes).is_err() {
            return;
        }
        let at =
            UNIX_EPOCH + Duration::from_secs(seconds.into()) + Duration::from_micros(micros.into());
        if let Some(message) = decode_message(&bytes, at) {
            let (messages, changed) = sink;
            lock(messages).push(message);
            changed.notify_all();
        }
    }
}

fn decode_message(bytes: &[u8], at: SystemTime) -> Option<Message> {
    let big = match bytes.first()? {
        b'l' => false,
        b'B' => true,
        _ => return None,
    };
    let mut wire = Wire { bytes, pos: 0, big };
    wire.pos = 1;
    let kind = match wire.byte()? {
        1 => MessageKind::MethodCall,
        2 => MessageKind::MethodReturn,
        3 => MessageKind::Error,
        4 => MessageKind::Signal,
        other => MessageKind::Other(other),
    };
    wire.pos = 4;
    let body_length = usize::try_from(wire.u32()?).ok()?;
    let serial = wire.u32()?;
    let Value::Array(fields) = wire.value(b"a(yv)", 0)? else {
        return None;
    };
    let mut message = Message {
        at,
        kind,
        serial,
        reply_serial: None,
        sender: None,
        destination: None,
        path: None,
        interface: None,
        member: None,
        error_name: None,
        signature: String::new(),
        body: Vec::new(),
    };
    for field in fields {
        let Value::Struct(parts) = field else {
            continue;
        };
        let [Value::Byte(code), value] = parts.as_slice() else {
            continue;
        };
        let value = value.unvariant();
        let text = value.as_str().map(str::to_owned);
        match code {
            1 => message.path = text,
            2 => message.interface = text,
            3 => message.member = text,
            4 => message.error_name = text,
            5 => message.reply_serial = value.as_i64().and_then(|n| u32::try_from(n).ok()),
            6 => message.destination = text,
            7 => message.sender = text,
            8 => message.signature = text.unwrap_or_default(),
            _ => {}
        }
    }
    wire.align(8)?;
    let end = wire.pos.checked_add(body_length)?;
    if end > bytes.len() {
        return None;
    }
    let signature = message.signature.clone().into_bytes();
    let mut rest = signature.as_slice();
    while !rest.is_empty() {
        let one = single_type(rest)?;
        message.body.push(wire.value(&rest[..one], 0)?);
        rest = &rest[one..];
    }
    Some(message)
}

/// The length of the first complete type in `signature`.
fn single_type(signature: &[u8]) -> Option<usize> {
    match signature.first()? {
        b'a' => Some(1 + single_type(&signature[1..])?),
        open @ (b'(' | b'{') => {
            let close = if *open == b'(' { b')' } else { b'}' };
            let mut at = 1;
            while *signature.get(at)? != close {
                at += single_type(&signature[at..])?;
            }
            Some(at + 1)
        }
        _ => Some(1),
    }
}

fn alignment(code: u8) -> usize {
    match code {
        b'n' | b'q' => 2,
        b'b' | b'i' | b'u' | b's' | b'o' | b'a' | b'h' => 4,
        b'x' | b't' | b'd' | b'(' | b'{' => 8,
        _ => 1,
    }
}

struct Wire<'a> {
    bytes: &'a [u8],
    pos: usize,
    big: bool,
}

impl Wire<'_> {
    fn align(&mut self, n: usize) -> Option<()> {
        let aligned = self.pos.checked_add(n - 1)? / n * n;
        if aligned > self.bytes.len() {
            return None;
        }
        self.pos = aligned;
        Some(())
    }

    fn take(&mut self, n: usize) -> Option<&[u8]> {
        let end = self.pos.checked_add(n)?;
        let taken = self.bytes.get(self.pos..end)?;
        self.pos = end;
        Some(taken)
    }

    fn fixed<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.align(N)?;
        let mut out: [u8; N] = self.take(N)?.try_into().ok()?;
        if self.big == cfg!(target_endian = "little") {
            out.reverse();
        }
        Some(out)
    }

    fn byte(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }

    fn u32(&mut self) -> Option<u32> {
        self.fixed::<4>().map(u32::from_ne_bytes)
    }

    fn text(&mut self, length: usize) -> Option<String> {
        let text = String::from_utf8_lossy(self.take(length)?).into_owned();
        self.take(1)?; // the terminating NUL
        Some(text)
    }

    /// One value of the single complete type `signature`.
    fn value(&mut self, signature: &[u8], depth: u32) -> Option<Value> {
        if depth > 64 {
            return None;
        }
        let code = *signature.first()?;
        Some(match code {
            b'y' => Value::Byte(self.byte()?),
            b'b' => Value::Bool(self.u32()? != 0),
            b'n' => Value::I16(i16::from_ne_bytes(self.fixed::<2>()?)),
            b'q' => Value::U16(u16::from_ne_bytes(self.fixed::<2>()?)),
            b'i' => Value::I32(i32::from_ne_bytes(self.fixed::<4>()?)),
            b'u' => Value::U32(self.u32()?),
            b'h' => Value::Fd(self.u32()?),
            b'x' => Value::I64(i64::from_ne_bytes(self.fixed::<8>()?)),
            b't' => Value::U64(u64::from_ne_bytes(self.fixed::<8>()?)),
            b'd' => Value::Double(f64::from_ne_bytes(self.fixed::<8>()?)),
            b's' | b'o' => {
                let length = usize::try_from(self.u32()?).ok()?;
                let text = self.text(length)?;
                if code == b's' {
                    Value::Str(text)
                } else {
                    Value::ObjectPath(text)
                }
            }
            b'g' => {
                let length = usize::from(self.byte()?);
                Value::Signature(self.text(length)?)
            }
            b'v' => {
                let length = usize::from(self.byte()?);
                let inner = self.text(length)?.into_bytes();
                if single_type(&inner)? != inner.len() {
                    return None;
                }
                Value::Variant(Box::new(self.value(&inner, depth + 1)?))
            }
            b'a' => {
                let element = &signature[1..];
                let length = usize::try_from(self.u32()?).ok()?;
                self.align(alignment(*element.first()?))?;
                let end = self.pos.checked_add(length)?;
                if end > self.bytes.len() {
                    return None;
                }
                if element.first() == Some(&b'{') {
                    let key = &element[1..2];
                    let value = &element[2..element.len() - 1];
                    let mut entries = Vec::new();
                    while self.pos < end {
                        self.align(8)?;
                        let k = self.value(key, depth + 1)?;
                        let v = self.value(value, depth + 1)?;
                        entries.push((k, v));
                    }
                    Value::Dict(entries)
                } else {
                    let mut items = Vec::new();
                    while self.pos < end {
                        items.push(self.value(element, depth + 1)?);
                    }
                    Value::Array(items)
                }
            }
            b'(' => {
                self.align(8)?;
                let mut inner = &signature[1..signature.len() - 1];
                let mut fields = Vec::new();
                while !inner.is_empty() {
                    let one = single_type(inner)?;
                    fields.push(self.value(&inner[..one], depth + 1)?);
                    inner = &inner[one..];
                }
                Value::Struct(fields)
            }
            _ => return None,
        })
    }
}

// ---------------------------------------------------------------------------------------
// Small helpers

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The program `name` on PATH, or an error that says how to install it.
fn tool(name: &str) -> Result<PathBuf, HarnessError> {
    common::tool(
        name,
        "run scripts/setup.sh, which installs dunst, Xvfb and D-Bus for the notification tests",
    )
}
