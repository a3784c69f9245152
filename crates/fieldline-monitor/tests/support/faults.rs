//! Honest network faults for offline-awareness tests.
//!
//! - [`Island`]: a private network namespace joined to the host by a veth pair
//!   (`10.231.X.1` host side, `10.231.X.2` inside). Run a server (or a probe) inside with
//!   [`Island::spawn`]; [`Island::cut`] takes the link down *from the inside* (the host
//!   side goes NO-CARRIER: connections to the inside address hang until their timeout,
//!   like a pulled cable), [`Island::restore`] brings it back. Needs root (CAP_NET_ADMIN,
//!   CAP_SYS_ADMIN) and `ip`, `unshare`, `nsenter` (iproute2, util-linux). The namespace
//!   is unnamed (no `/var/run/netns` entry): it and the veth vanish when its holder
//!   process ends, and the holder ends by itself within 1 s after the test process dies
//!   (it polls the parent), killing what was spawned inside.
//! - [`Cutter`]: a loopback TCP proxy in front of any server, with modes
//!   [`Mode::Pass`], [`Mode::Refuse`] (listener closed: "connection refused"),
//!   [`Mode::Blackhole`] (accepts, never answers: timeouts) and [`Mode::Drop`] (accepts and
//!   closes: "empty reply"). No privileges. Changing mode cuts open connections.
//!
//! Do NOT take the HOST side of the veth down, and do not use "unroutable" addresses
//! (10.255.255.1 ...): this machine's default route ends at a proxy that answers such
//! addresses (HTTP 404) instead of timing out. 192.0.2.1 (the gateway) refuses at once.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct FaultError(pub String);

impl std::fmt::Display for FaultError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for FaultError {}

fn fail<T>(m: impl Into<String>) -> Result<T, FaultError> {
    Err(FaultError(m.into()))
}

fn run(args: &[&str]) -> Result<(), FaultError> {
    let out = Command::new(args[0])
        .args(&args[1..])
        .stdin(Stdio::null())
        .output()
        .or_else(|e| fail(format!("cannot run {}: {e} (iproute2/util-linux installed?)", args[0])))?;
    if out.status.success() {
        Ok(())
    } else {
        fail(format!("{args:?} failed: {}", String::from_utf8_lossy(&out.stderr).trim()))
    }
}

// ---------------------------------------------------------------------------------------
// Island: a network namespace behind a veth pair

/// Holds the namespace; exits when the test process is gone, killing the pids listed.
const HOLDER_SH: &str = r#"
parent=$1; pids=$2
while kill -0 "$parent" 2>/dev/null && [ -f "$pids" ]; do sleep 1; done
for pid in $(cat "$pids" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
rm -rf "${pids%/pids}"
"#;

pub struct Island {
    holder: Child,
    net: u8,
    host_if: String,
    inner_if: String,
    children: Mutex<Vec<Child>>,
    dir: tempfile::TempDir,
}

impl Island {
    /// Makes the namespace and the veth pair, both ends up; about 30-60 ms.
    pub fn new() -> Result<Island, FaultError> {
        let dir = tempfile::Builder::new()
            .prefix("fieldline-island-")
            .tempdir()
            .or_else(|e| fail(format!("temp dir: {e}")))?;
        let pids = dir.path().join("pids");
        std::fs::write(&pids, "").or_else(|e| fail(format!("write: {e}")))?;
        let holder = Command::new("unshare")
            .args(["--net", "sh", "-c", HOLDER_SH, "fieldline-island"])
            .arg(std::process::id().to_string())
            .arg(&pids)
            .stdin(Stdio::null())
            .spawn()
            .or_else(|e| fail(format!("cannot run unshare: {e}")))?;
        let mut island = Island {
            net: 0,
            host_if: String::new(),
            inner_if: String::new(),
            holder,
            children: Mutex::new(Vec::new()),
            dir,
        };
        // Wait until unshare has switched namespaces (its ns link differs from ours).
        let ours = std::fs::read_link("/proc/self/ns/net").ok();
        let deadline = Instant::now() + Duration::from_secs(5);
        while std::fs::read_link(island.ns_path()).ok() == ours {
            if Instant::now() > deadline {
                return fail("unshare --net did not make a namespace (no CAP_SYS_ADMIN?)");
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        let pid = island.holder.id().to_string();
        // A subnet per island (parallel tests): 10.231.X.0/30, veth names flvXh/flvXi.
        let start = (island.holder.id() % 200) as u8;
        let mut last = String::new();
        for k in 0..50u8 {
            let x = start.wrapping_add(k) % 250;
            let (h, i) = (format!("flv{x}h"), format!("flv{x}i"));
            match run(&["ip", "link", "add", &h, "type", "veth", "peer", "name", &i, "netns", &pid]) {
                Ok(()) => {
                    island.net = x;
                    island.host_if = h;
                    island.inner_if = i;
                    break;
                }
                Err(e) => last = e.0,
            }
        }
        if island.host_if.is_empty() {
            return fail(format!("cannot make a veth pair (CAP_NET_ADMIN?): {last}"));
        }
        let (host, inner) = (format!("{}/30", island.host_ip()), format!("{}/30", island.inner_ip()));
        run(&["ip", "addr", "add", &host, "dev", &island.host_if])?;
        run(&["ip", "link", "set", &island.host_if, "up"])?;
        island.inside(&["ip", "addr", "add", &inner, "dev", &island.inner_if.clone()])?;
        island.inside(&["ip", "link", "set", &island.inner_if.clone(), "up"])?;
        island.inside(&["ip", "link", "set", "lo", "up"])?;
        // Unprivileged ICMP inside (per-namespace sysctl; the host's stays "1 0").
        let _ = island.inside(&["sh", "-c", "echo '0 2147483647' > /proc/sys/net/ipv4/ping_group_range"]);
        island.wait_link(true)?;
        Ok(island)
    }

    fn ns_path(&self) -> PathBuf {
        PathBuf::from(format!("/proc/{}/ns/net", self.holder.id()))
    }

    /// The host's address on the link (what a server inside sees as the client).
    pub fn host_ip(&self) -> Ipv4Addr {
        Ipv4Addr::new(10, 231, self.net, 1)
    }

    /// The address inside (bind servers there, or to 0.0.0.0 inside).
    pub fn inner_ip(&self) -> Ipv4Addr {
        Ipv4Addr::new(10, 231, self.net, 2)
    }

    /// A command run inside the namespace (`nsenter --net=...`).
    pub fn command(&self, program: &str) -> Command {
        let mut c = Command::new("nsenter");
        c.arg(format!("--net={}", self.ns_path().display())).arg("--").arg(program);
        c
    }

    fn inside(&self, args: &[&str]) -> Result<(), FaultError> {
        let mut full = vec!["nsenter".to_string(), format!("--net={}", self.ns_path().display()), "--".into()];
        full.extend(args.iter().map(|s| s.to_string()));
        run(&full.iter().map(String::as_str).collect::<Vec<_>>())
    }

    /// Spawns `command` (from [`Island::command`]); it is killed on drop, or by the holder
    /// if the test process dies.
    pub fn spawn(&self, mut command: Command) -> Result<u32, FaultError> {
        let child = command.spawn().or_else(|e| fail(format!("spawn: {e}")))?;
        let pid = child.id();
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(self.dir.path().join("pids"))
            .or_else(|e| fail(format!("pids: {e}")))?;
        let _ = writeln!(f, "{pid}");
        self.children.lock().unwrap().push(child);
        Ok(pid)
    }

    /// Pulls the cable (inside end down). Returns at once; the host side shows NO-CARRIER.
    pub fn cut(&self) -> Result<(), FaultError> {
        self.inside(&["ip", "link", "set", &self.inner_if, "down"])?;
        self.wait_link(false)
    }

    /// Plugs it back in; returns once the host side has carrier again.
    pub fn restore(&self) -> Result<(), FaultError> {
        self.inside(&["ip", "link", "set", &self.inner_if, "up"])?;
        self.wait_link(true)
    }

    fn wait_link(&self, up: bool) -> Result<(), FaultError> {
        let path = format!("/sys/class/net/{}/carrier", self.host_if);
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let carrier = std::fs::read_to_string(&path).map(|s| s.trim() == "1").unwrap_or(false);
            if carrier == up {
                return Ok(());
            }
            if Instant::now() > deadline {
                return fail(format!("{} carrier did not become {up}", self.host_if));
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

impl Drop for Island {
    fn drop(&mut self) {
        for c in self.children.lock().unwrap().iter_mut() {
            let _ = c.kill();
            let _ = c.wait();
        }
        // Removing the pid file ends the holder's loop at its next poll; kill it now.
        let _ = self.holder.kill();
        let _ = self.holder.wait();
        // The namespace dies with its last process; the veth pair with it. Wait for that.
        let deadline = Instant::now() + Duration::from_secs(3);
        while std::path::Path::new(&format!("/sys/class/net/{}", self.host_if)).exists() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

// ---------------------------------------------------------------------------------------
// Cutter: a loopback TCP proxy with failure modes

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Mode {
    Pass = 0,
    /// Nothing listens: connections are refused at once.
    Refuse = 1,
    /// Accepts, never reads or answers: the client's own timeout fires.
    Blackhole = 2,
    /// Accepts and closes at once (an "empty reply").
    Drop = 3,
}

pub struct Cutter {
    port: u16,
    upstream: SocketAddr,
    mode: Arc<AtomicU8>,
    generation: Arc<std::sync::atomic::AtomicU64>,
    listener: Mutex<Option<(std::thread::JoinHandle<()>, Arc<std::sync::atomic::AtomicBool>)>>,
    conns: Arc<Mutex<Vec<TcpStream>>>,
}

impl Cutter {
    /// A proxy on a free port of 127.0.0.1 to `upstream`, in [`Mode::Pass`].
    pub fn start(upstream: SocketAddr) -> Result<Cutter, FaultError> {
        let listener = TcpListener::bind("127.0.0.1:0").or_else(|e| fail(format!("bind: {e}")))?;
        let port = listener.local_addr().unwrap().port();
        let c = Cutter {
            port,
            upstream,
            mode: Arc::new(AtomicU8::new(Mode::Pass as u8)),
            generation: Arc::new(Default::default()),
            listener: Mutex::new(None),
            conns: Arc::new(Mutex::new(Vec::new())),
        };
        c.listen(listener);
        Ok(c)
    }

    pub fn port(&self) -> u16 {
        self.port
    }
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    fn listen(&self, listener: TcpListener) {
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (mode, upstream, conns, stop2) = (self.mode.clone(), self.upstream, self.conns.clone(), stop.clone());
        let handle = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(client) = conn else { continue };
                match mode.load(Ordering::SeqCst) {
                    2 => conns.lock().unwrap().push(client), // held open, never read
                    3 => drop(client),
                    _ => {
                        let Ok(server) = TcpStream::connect_timeout(&upstream, Duration::from_secs(5)) else {
                            continue;
                        };
                        for s in [&client, &server] {
                            if let Ok(c) = s.try_clone() {
                                conns.lock().unwrap().push(c);
                            }
                        }
                        pump(client.try_clone().unwrap(), server.try_clone().unwrap());
                        pump(server, client);
                    }
                }
            }
        });
        *self.listener.lock().unwrap() = Some((handle, stop));
    }

    /// Switches mode; open connections are cut (shut down) on every switch.
    pub fn set_mode(&self, mode: Mode) -> Result<(), FaultError> {
        self.mode.store(mode as u8, Ordering::SeqCst);
        for c in self.conns.lock().unwrap().drain(..) {
            let _ = c.shutdown(Shutdown::Both);
        }
        let listening = self.listener.lock().unwrap().is_some();
        if mode == Mode::Refuse && listening {
            self.close_listener();
        } else if mode != Mode::Refuse && !listening {
            // std sets SO_REUSEADDR, so the same port binds again at once.
            let l = TcpListener::bind(("127.0.0.1", self.port)).or_else(|e| fail(format!("rebind {}: {e}", self.port)))?;
            self.listen(l);
        }
        Ok(())
    }

    fn close_listener(&self) {
        if let Some((handle, stop)) = self.listener.lock().unwrap().take() {
            stop.store(true, Ordering::SeqCst);
            let _ = TcpStream::connect_timeout(&SocketAddr::from(([127, 0, 0, 1], self.port)), Duration::from_secs(1));
            let _ = handle.join();
        }
    }
}

impl Drop for Cutter {
    fn drop(&mut self) {
        self.close_listener();
        for c in self.conns.lock().unwrap().drain(..) {
            let _ = c.shutdown(Shutdown::Both);
        }
    }
}

fn pump(mut from: TcpStream, mut to: TcpStream) {
    std::thread::spawn(move || {
        let mut buf = [0u8; 16384];
        loop {
            match from.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if to.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
            }
        }
        let _ = to.shutdown(Shutdown::Write);
    });
}
