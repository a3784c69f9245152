//! A real Prometheus stack for tests: Debian's node_exporter 1.5, Prometheus 2.42,
//! Alertmanager 0.25 and blackbox_exporter 0.23, each started by hand on a free port of
//! 127.0.0.1 with its own config and data folder inside one temp folder.
//!
//! Include it from a test binary (it needs only `std` and `tempfile`; it sits next to
//! `harness_common.rs`, and a `#[path]` inside an included file resolves from its folder):
//!
//! ```ignore
//! #[path = "support/prom.rs"]
//! mod prom;
//! ```
//!
//! - [`install_if_missing`]: `apt-get install` of [`PACKAGES`] when a binary is missing and
//!   we are root (20 s from nothing, 41 MB download), else an error with the install hint.
//! - [`Workspace::new`]: the temp folder and a watchdog (`sh`) that stops every daemon and
//!   removes the folder within ~4 s if the test process dies without dropping things.
//! - [`NodeExporter::start`], [`Alertmanager::start`], [`Blackbox::start`],
//!   [`Prometheus::start`]: each returns once its port answers (see README for timings).
//!   Every daemon has `port()`, `addr()`, `log()`, `stop()` (SIGTERM), `kill()` (SIGKILL),
//!   `restart()` (same port, same data), and stops on drop.
//! - Node exporter: [`NodeExporter::write_metric`] / [`NodeExporter::write_textfile`] put
//!   a metric into the textfile collector (atomic rename; seen at the next scrape).
//! - Prometheus: jobs read their targets from file_sd JSON files, so
//!   [`Prometheus::set_targets`] adds/removes targets with no reload (inotify, < 1 s);
//!   [`Prometheus::set_rules`] rewrites the rules and reloads (`POST /-/reload`, needs
//!   `--web.enable-lifecycle`, synchronous: it answers after the reload, 500 on a bad
//!   config); [`Prometheus::sighup`] is the signal variant (asynchronous).
//!   [`Prometheus::query`], [`Prometheus::wait_query`], [`Prometheus::wait_target_health`].
//! - Alertmanager: [`Alertmanager::alerts`], [`Alertmanager::wait_alert`],
//!   [`Alertmanager::wait_no_alert`], [`Alertmanager::silence`] /
//!   [`Alertmanager::expire_silence`] (API v2).
//!
//! JSON comes back as text (Prometheus and Alertmanager print compact JSON, so the wait
//! helpers match substrings like `"alertname":"TargetDown"`); parse it with `serde_json`
//! in the test for anything finer.

#![allow(dead_code)]

use std::ffi::OsString;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

#[path = "../../../../tests/support/harness_common.rs"]
mod common;

pub use common::HarnessError;
use common::{fail, log_file, read_lossy, write, Proc};

/// How long a daemon may take to answer after it was started.
pub const WAIT: Duration = Duration::from_secs(30);
/// How long one HTTP request to a daemon may take.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

pub const PACKAGES: [&str; 4] = [
    "prometheus",
    "prometheus-alertmanager",
    "prometheus-node-exporter",
    "prometheus-blackbox-exporter",
];
const NODE_EXPORTER: &str = "/usr/bin/prometheus-node-exporter";
const PROMETHEUS: &str = "/usr/bin/prometheus";
const ALERTMANAGER: &str = "/usr/bin/prometheus-alertmanager";
const BLACKBOX: &str = "/usr/bin/prometheus-blackbox-exporter";
const INSTALL_HINT: &str = "install Debian's `prometheus prometheus-alertmanager \
     prometheus-node-exporter prometheus-blackbox-exporter` (apt-get install \
     --no-install-recommends; no daemon is started without systemd)";

// ---------------------------------------------------------------------------------------
// Installing

/// `Ok(None)` if all four programs are there; otherwise, as root, installs them with
/// apt-get (waiting up to 5 min for another apt's lock) and returns how long it took.
pub fn install_if_missing() -> Result<Option<Duration>, HarnessError> {
    if [NODE_EXPORTER, PROMETHEUS, ALERTMANAGER, BLACKBOX]
        .iter()
        .all(|p| Path::new(p).is_file())
    {
        return Ok(None);
    }
    let uid = Command::new("id").arg("-u").output().ok();
    if uid.map(|o| o.stdout.trim_ascii() != b"0").unwrap_or(true) {
        return fail(format!(
            "the Prometheus stack is missing and we are not root: {INSTALL_HINT}"
        ));
    }
    let started = Instant::now();
    let out = Command::new("apt-get")
        .args(["install", "-y", "-q", "--no-install-recommends"])
        .args(["-o", "DPkg::Lock::Timeout=300"])
        .args(PACKAGES)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .stdin(Stdio::null())
        .output()
        .or_else(|e| fail(format!("cannot run apt-get: {e}; {INSTALL_HINT}")))?;
    if !out.status.success() {
        return fail(format!(
            "apt-get install failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(Some(started.elapsed()))
}

// ---------------------------------------------------------------------------------------
// The temp folder and its watchdog

/// The temp folder all daemons live in. Shared (`Arc`) by the daemons, so it goes last.
pub struct Workspace {
    // Drop order: the watchdog first (it must not fire), the folder last.
    watchdog: common::Watchdog,
    dir: tempfile::TempDir,
}

impl Workspace {
    pub fn new() -> Result<Arc<Workspace>, HarnessError> {
        let dir = common::temp_dir("fieldline-prom-")?;
        write(&dir.path().join("pids"), "")?;
        let watchdog = common::Watchdog::spawn(WATCHDOG_SH, "fieldline-prom-watchdog", dir.path())?;
        Ok(Arc::new(Workspace { watchdog, dir }))
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// A fresh sub-folder `name-N`.
    fn subdir(&self, name: &str) -> Result<PathBuf, HarnessError> {
        for n in 0.. {
            let p = self.path().join(format!("{name}-{n}"));
            if !p.exists() {
                return std::fs::create_dir_all(&p)
                    .map(|_| p.clone())
                    .or_else(|e| fail(format!("cannot make {}: {e}", p.display())));
            }
        }
        unreachable!()
    }

    /// Records a pid for the watchdog (it kills every pid listed).
    pub fn register_pid(&self, pid: u32) {
        if let Ok(mut f) = std::fs::OpenOptions::new()
            .append(true)
            .open(self.path().join("pids"))
        {
            let _ = writeln!(f, "{pid}");
        }
    }
}

const WATCHDOG_SH: &str = r#"
parent=$1; dir=$2
while kill -0 "$parent" 2>/dev/null; do sleep 1; done
for pid in $(cat "$dir/pids"); do env kill -TERM "$pid" 2>/dev/null; done
sleep 2
for pid in $(cat "$dir/pids"); do env kill -KILL "$pid" 2>/dev/null; done
rm -rf "$dir"
"#;

// ---------------------------------------------------------------------------------------
// One daemon

/// A daemon on a fixed loopback port that can be stopped and started again.
pub struct Daemon {
    name: &'static str,
    program: &'static str,
    args: Vec<OsString>,
    port: u16,
    ready_path: &'static str,
    dir: PathBuf,
    log: PathBuf,
    proc: Mutex<Option<Proc>>,
    ws: Arc<Workspace>,
}

impl Daemon {
    /// Starts `program` with `args(port)` on a free port (3 tries, in case the port is
    /// taken between choosing and binding it); returns once `GET ready_path` answers 200.
    fn start(
        ws: &Arc<Workspace>,
        name: &'static str,
        program: &'static str,
        dir: PathBuf,
        ready_path: &'static str,
        args: impl Fn(u16) -> Vec<OsString>,
    ) -> Result<Daemon, HarnessError> {
        if !Path::new(program).is_file() {
            return fail(format!("{program} is missing: {INSTALL_HINT}"));
        }
        let mut last = None;
        for _ in 0..3 {
            let port = free_port()?;
            let daemon = Daemon {
                name,
                program,
                args: args(port),
                port,
                ready_path,
                log: dir.join(format!("{name}.log")),
                dir: dir.clone(),
                proc: Mutex::new(None),
                ws: ws.clone(),
            };
            match daemon.spawn_and_wait() {
                Ok(()) => return Ok(daemon),
                Err(e) if read_lossy(&daemon.log).contains("address already in use") => {
                    last = Some(e)
                }
                Err(e) => return Err(e),
            }
        }
        Err(last.unwrap())
    }

    fn spawn_and_wait(&self) -> Result<(), HarnessError> {
        let mut command = Command::new(self.program);
        command
            .args(&self.args)
            .current_dir(&self.dir)
            .stdin(Stdio::null())
            .stdout(log_file(&self.log)?)
            .stderr(log_file(&self.log)?);
        let mut proc = Proc::spawn(self.name, &mut command)?;
        self.ws.register_pid(proc.child.id());
        let deadline = Instant::now() + WAIT;
        loop {
            if let Ok(r) = http(self.port, "GET", self.ready_path, None) {
                if r.status == 200 {
                    *self.proc.lock().unwrap() = Some(proc);
                    return Ok(());
                }
            }
            if let Some(status) = proc.exited() {
                return fail(format!(
                    "{} exited ({status}) before answering; its log:\n{}",
                    self.name,
                    read_lossy(&self.log)
                ));
            }
            if Instant::now() > deadline {
                return fail(format!(
                    "{} did not answer on port {} within {WAIT:?}; its log:\n{}",
                    self.name,
                    self.port,
                    read_lossy(&self.log)
                ));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }
    /// `127.0.0.1:PORT`
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
    pub fn log(&self) -> String {
        read_lossy(&self.log)
    }
    pub fn dir(&self) -> &Path {
        &self.dir
    }
    pub fn pid(&self) -> Option<u32> {
        self.proc.lock().unwrap().as_ref().map(|p| p.child.id())
    }
    /// SIGTERM (SIGKILL after 3 s); the port refuses connections afterwards.
    pub fn stop(&self) {
        if let Some(mut p) = self.proc.lock().unwrap().take() {
            p.stop();
        }
    }
    /// SIGKILL at once (a crash).
    pub fn kill(&self) {
        if let Some(mut p) = self.proc.lock().unwrap().take() {
            let _ = p.child.kill();
            let _ = p.child.wait();
        }
    }
    /// Starts it again on the same port with the same data; returns once it answers.
    pub fn restart(&self) -> Result<Duration, HarnessError> {
        self.stop();
        let started = Instant::now();
        self.spawn_and_wait()?;
        Ok(started.elapsed())
    }
    fn signal(&self, signal: &str) -> Result<(), HarnessError> {
        let Some(pid) = self.pid() else {
            return fail(format!("{} is not running", self.name));
        };
        let ok = Command::new("kill")
            .args([signal, &pid.to_string()])
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        if ok {
            Ok(())
        } else {
            fail(format!("kill {signal} {pid} failed"))
        }
    }
    /// `GET path` on the daemon.
    pub fn get(&self, path: &str) -> Result<Response, HarnessError> {
        http(self.port, "GET", path, None)
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        self.stop();
    }
}

fn args(list: &[String]) -> Vec<OsString> {
    list.iter().map(OsString::from).collect()
}

// ---------------------------------------------------------------------------------------
// node_exporter

/// The stand-in for the host's file systems: `/`, 100 GB with 60 GB available. The HELP
/// texts are the file system collector's, so tests may add file systems of their own.
const HOST_FS: &str = "\
# HELP node_filesystem_avail_bytes Filesystem space available to non-root users in bytes.
# TYPE node_filesystem_avail_bytes gauge
node_filesystem_avail_bytes{device=\"/dev/vda1\",fstype=\"ext4\",mountpoint=\"/\"} 6e+10
# HELP node_filesystem_free_bytes Filesystem free space in bytes.
# TYPE node_filesystem_free_bytes gauge
node_filesystem_free_bytes{device=\"/dev/vda1\",fstype=\"ext4\",mountpoint=\"/\"} 6.5e+10
# HELP node_filesystem_size_bytes Filesystem size in bytes.
# TYPE node_filesystem_size_bytes gauge
node_filesystem_size_bytes{device=\"/dev/vda1\",fstype=\"ext4\",mountpoint=\"/\"} 1e+11
# HELP node_filesystem_readonly Filesystem read-only status.
# TYPE node_filesystem_readonly gauge
node_filesystem_readonly{device=\"/dev/vda1\",fstype=\"ext4\",mountpoint=\"/\"} 0
";

pub struct NodeExporter {
    pub daemon: Daemon,
    textfile_dir: PathBuf,
}

impl NodeExporter {
    /// `--no-collector.systemd` (no systemd here: every scrape would log errors) and a
    /// textfile collector folder. The file system collector is off, so the host's own
    /// disks (a CI machine's may be nearly full) never decide a test: a calm `/` at 40 %
    /// stands in for them, written as `host-fs.prom`.
    pub fn start(ws: &Arc<Workspace>) -> Result<NodeExporter, HarnessError> {
        let dir = ws.subdir("node-exporter")?;
        let textfile_dir = dir.join("textfile");
        std::fs::create_dir_all(&textfile_dir).or_else(|e| fail(format!("mkdir: {e}")))?;
        let t = textfile_dir.display().to_string();
        let daemon = Daemon::start(
            ws,
            "node_exporter",
            NODE_EXPORTER,
            dir,
            "/metrics",
            |port| {
                args(&[
                    format!("--web.listen-address=127.0.0.1:{port}"),
                    "--no-collector.systemd".into(),
                    "--no-collector.filesystem".into(),
                    format!("--collector.textfile.directory={t}"),
                ])
            },
        )?;
        let node = NodeExporter {
            daemon,
            textfile_dir,
        };
        node.write_textfile("host-fs", HOST_FS)?;
        Ok(node)
    }

    pub fn textfile_dir(&self) -> &Path {
        &self.textfile_dir
    }

    /// Writes `FILE.prom` (exposition format text) atomically: a temp name, then rename.
    pub fn write_textfile(&self, file: &str, text: &str) -> Result<(), HarnessError> {
        let tmp = self.textfile_dir.join(format!(".{file}.tmp"));
        write(&tmp, text)?;
        std::fs::rename(&tmp, self.textfile_dir.join(format!("{file}.prom")))
            .or_else(|e| fail(format!("cannot rename {}: {e}", tmp.display())))
    }

    /// One gauge, in its own file `NAME.prom`; `labels` like `[("customer", "acme")]`.
    pub fn write_metric(
        &self,
        name: &str,
        labels: &[(&str, &str)],
        value: f64,
    ) -> Result<(), HarnessError> {
        let labels = labels
            .iter()
            .map(|(k, v)| {
                format!(
                    "{k}=\"{}\"",
                    v.replace('\\', "\\\\")
                        .replace('"', "\\\"")
                        .replace('\n', "\\n")
                )
            })
            .collect::<Vec<_>>()
            .join(",");
        self.write_textfile(
            name,
            &format!("# TYPE {name} gauge\n{name}{{{labels}}} {value}\n"),
        )
    }

    pub fn remove_textfile(&self, file: &str) -> Result<(), HarnessError> {
        std::fs::remove_file(self.textfile_dir.join(format!("{file}.prom")))
            .or_else(|e| fail(format!("cannot remove {file}.prom: {e}")))
    }

    pub fn metrics(&self) -> Result<String, HarnessError> {
        Ok(self.daemon.get("/metrics")?.body)
    }
}

// ---------------------------------------------------------------------------------------
// Alertmanager

#[derive(Debug, Clone, Default)]
pub struct AlertmanagerOptions {
    /// A webhook receiver URL (`send_resolved: true`); none: a receiver that does nothing.
    pub webhook: Option<String>,
}

pub struct Alertmanager {
    pub daemon: Daemon,
}

impl Alertmanager {
    /// Clustering off (`--cluster.listen-address=`); `group_wait`/`group_interval` 1 s.
    pub fn start(
        ws: &Arc<Workspace>,
        options: AlertmanagerOptions,
    ) -> Result<Alertmanager, HarnessError> {
        let dir = ws.subdir("alertmanager")?;
        let receiver = match &options.webhook {
            Some(url) => format!("  webhook_configs:\n  - url: '{url}'\n    send_resolved: true\n"),
            None => String::new(),
        };
        write(
            &dir.join("alertmanager.yml"),
            &format!(
                "route:\n  receiver: default\n  group_by: ['alertname', 'instance']\n  \
                 group_wait: 1s\n  group_interval: 1s\n  repeat_interval: 1h\n\
                 receivers:\n- name: default\n{receiver}"
            ),
        )?;
        let d = dir.display().to_string();
        let daemon = Daemon::start(
            ws,
            "alertmanager",
            ALERTMANAGER,
            dir.clone(),
            "/-/ready",
            |port| {
                args(&[
                    format!("--config.file={d}/alertmanager.yml"),
                    format!("--storage.path={d}/data"),
                    format!("--web.listen-address=127.0.0.1:{port}"),
                    "--cluster.listen-address=".into(),
                ])
            },
        )?;
        Ok(Alertmanager { daemon })
    }

    /// `GET /api/v2/alerts` (active, silenced and inhibited ones), optionally filtered by
    /// `alertname`; JSON text.
    pub fn alerts(&self, alertname: Option<&str>) -> Result<String, HarnessError> {
        let path = match alertname {
            Some(n) => format!(
                "/api/v2/alerts?filter={}",
                percent_encode(&format!("alertname=\"{n}\""))
            ),
            None => "/api/v2/alerts".into(),
        };
        ok_body(self.daemon.get(&path)?)
    }

    /// Waits until an alert `alertname` is in state `state` ("active" or "suppressed")
    /// and its JSON contains every string of `also` (e.g. `"instance":"127.0.0.1:9100"`).
    pub fn wait_alert(
        &self,
        alertname: &str,
        state: &str,
        also: &[&str],
        timeout: Duration,
    ) -> Result<String, HarnessError> {
        let want = format!("\"state\":\"{state}\"");
        wait_until(
            timeout,
            &format!("alert {alertname} {state} {also:?}"),
            || {
                let body = self.alerts(Some(alertname))?;
                // One alert per object: check the objects one by one.
                Ok(split_objects(&body)
                    .into_iter()
                    .find(|a| a.contains(&want) && also.iter().all(|s| a.contains(s)))
                    .map(str::to_owned))
            },
        )
    }

    /// Waits until no alert `alertname` is listed (resolved alerts vanish from the list).
    pub fn wait_no_alert(&self, alertname: &str, timeout: Duration) -> Result<(), HarnessError> {
        wait_until(timeout, &format!("no alert {alertname}"), || {
            Ok((self.alerts(Some(alertname))?.trim() == "[]").then_some(()))
        })
    }

    /// Creates a silence for `matchers` (`(label, value)`, equality) lasting `duration`;
    /// its id.
    pub fn silence(
        &self,
        matchers: &[(&str, &str)],
        duration: Duration,
    ) -> Result<String, HarnessError> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let m = matchers
            .iter()
            .map(|(n, v)| {
                format!(
                    r#"{{"name":{},"value":{},"isRegex":false,"isEqual":true}}"#,
                    json_str(n),
                    json_str(v)
                )
            })
            .collect::<Vec<_>>()
            .join(",");
        let body = format!(
            r#"{{"matchers":[{m}],"startsAt":"{}","endsAt":"{}","createdBy":"fieldline-test","comment":"test silence"}}"#,
            rfc3339(now),
            rfc3339(now + duration)
        );
        let r = ok_body(http(
            self.daemon.port,
            "POST",
            "/api/v2/silences",
            Some(("application/json", &body)),
        )?)?;
        // {"silenceID":"..."}
        r.split("\"silenceID\":\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .map(str::to_owned)
            .ok_or_else(|| HarnessError(format!("no silenceID in {r}")))
    }

    pub fn expire_silence(&self, id: &str) -> Result<(), HarnessError> {
        ok_body(http(
            self.daemon.port,
            "DELETE",
            &format!("/api/v2/silence/{id}"),
            None,
        )?)
        .map(drop)
    }

    pub fn silences(&self) -> Result<String, HarnessError> {
        ok_body(self.daemon.get("/api/v2/silences")?)
    }
}

// ---------------------------------------------------------------------------------------
// blackbox_exporter

#[derive(Debug, Clone, Default)]
pub struct BlackboxOptions {
    /// A CA bundle for the `http_2xx_ca` and `tls_connect` modules.
    pub ca_file: Option<PathBuf>,
}

pub struct Blackbox {
    pub daemon: Daemon,
}

impl Blackbox {
    /// Modules: `http_2xx`, `http_2xx_ca` (with the CA bundle), `tcp_connect`,
    /// `tls_connect`, `icmp` (IPv4; root or CAP_NET_RAW, see README).
    pub fn start(ws: &Arc<Workspace>, options: BlackboxOptions) -> Result<Blackbox, HarnessError> {
        let dir = ws.subdir("blackbox")?;
        let ca = match &options.ca_file {
            Some(p) => format!("\n      tls_config:\n        ca_file: '{}'", p.display()),
            None => String::new(),
        };
        let ca_tcp = ca.clone();
        write(
            &dir.join("blackbox.yml"),
            &format!(
                "modules:
  http_2xx:
    prober: http
    timeout: 5s
    http:
      preferred_ip_protocol: ip4
      ip_protocol_fallback: false
  http_2xx_ca:
    prober: http
    timeout: 5s
    http:
      preferred_ip_protocol: ip4
      ip_protocol_fallback: false{ca}
  tcp_connect:
    prober: tcp
    timeout: 5s
    tcp:
      preferred_ip_protocol: ip4
  tls_connect:
    prober: tcp
    timeout: 5s
    tcp:
      preferred_ip_protocol: ip4
      tls: true{ca_tcp}
  icmp:
    prober: icmp
    timeout: 5s
    icmp:
      preferred_ip_protocol: ip4
"
            ),
        )?;
        let d = dir.display().to_string();
        let daemon = Daemon::start(
            ws,
            "blackbox_exporter",
            BLACKBOX,
            dir.clone(),
            "/-/healthy",
            |port| {
                args(&[
                    format!("--config.file={d}/blackbox.yml"),
                    format!("--web.listen-address=127.0.0.1:{port}"),
                ])
            },
        )?;
        Ok(Blackbox { daemon })
    }

    /// `GET /probe?module=MODULE&target=TARGET`: the metrics text (`probe_success 1`...).
    pub fn probe(&self, module: &str, target: &str) -> Result<String, HarnessError> {
        let path = format!("/probe?module={module}&target={}", percent_encode(target));
        ok_body(self.daemon.get(&path)?)
    }
}

// ---------------------------------------------------------------------------------------
// Prometheus

/// A scrape job; its targets live in a file_sd file ([`Prometheus::set_targets`]).
#[derive(Debug, Clone)]
pub struct Job {
    pub name: String,
    pub targets: Vec<String>,
    pub metrics_path: String,
    /// Probe each target through this blackbox_exporter address with this module (the
    /// usual relabelling: target -> `__param_target` and `instance`, address -> exporter).
    pub via_blackbox: Option<(String, String)>,
}

impl Job {
    pub fn scrape(name: &str, targets: &[String]) -> Job {
        Job {
            name: name.into(),
            targets: targets.to_vec(),
            metrics_path: "/metrics".into(),
            via_blackbox: None,
        }
    }
    pub fn probe(name: &str, blackbox: &Blackbox, module: &str, targets: &[String]) -> Job {
        Job {
            name: name.into(),
            targets: targets.to_vec(),
            metrics_path: "/probe".into(),
            via_blackbox: Some((blackbox.daemon.addr(), module.into())),
        }
    }
}

/// Rules: `TargetDown` (`up == 0`), `ProbeFailed` (`probe_success == 0`) and
/// `TextfileFlag` (`fieldline_test_flag > 0`), all `for: 0s`, severity critical.
pub const DEFAULT_RULES: &str = r#"groups:
- name: fieldline-test
  rules:
  - alert: TargetDown
    expr: up == 0
    for: 0s
    labels: {severity: critical}
    annotations: {summary: '{{ $labels.instance }} of {{ $labels.job }} is down'}
  - alert: ProbeFailed
    expr: probe_success == 0
    for: 0s
    labels: {severity: critical}
    annotations: {summary: 'probe of {{ $labels.instance }} failed'}
  - alert: TextfileFlag
    expr: fieldline_test_flag > 0
    for: 0s
    labels: {severity: warning}
    annotations: {summary: 'flag {{ $value }}'}
"#;

#[derive(Debug, Clone)]
pub struct PrometheusOptions {
    /// Scrape and rule evaluation interval (1 s works; Prometheus accepts down to 1 ms).
    pub interval: Duration,
    pub jobs: Vec<Job>,
    pub rules: String,
    /// `127.0.0.1:PORT` of an Alertmanager.
    pub alertmanager: Option<String>,
}

impl Default for PrometheusOptions {
    fn default() -> Self {
        PrometheusOptions {
            interval: Duration::from_secs(1),
            jobs: Vec::new(),
            rules: DEFAULT_RULES.into(),
            alertmanager: None,
        }
    }
}

pub struct Prometheus {
    pub daemon: Daemon,
    options: Mutex<PrometheusOptions>,
}

impl Prometheus {
    pub fn start(
        ws: &Arc<Workspace>,
        options: PrometheusOptions,
    ) -> Result<Prometheus, HarnessError> {
        let dir = ws.subdir("prometheus")?;
        std::fs::create_dir_all(dir.join("targets")).or_else(|e| fail(format!("mkdir: {e}")))?;
        write_prometheus_files(&dir, &options)?;
        let d = dir.display().to_string();
        let resend = options.interval.as_millis().max(1);
        let daemon = Daemon::start(
            ws,
            "prometheus",
            PROMETHEUS,
            dir.clone(),
            "/-/ready",
            |port| {
                args(&[
                    format!("--config.file={d}/prometheus.yml"),
                    format!("--storage.tsdb.path={d}/data"),
                    format!("--web.listen-address=127.0.0.1:{port}"),
                    "--web.enable-lifecycle".into(),
                    // After a reload the notifier has no Alertmanager for up to 5 s (its
                    // discovery is throttled to 5 s) and DROPS what fires then; the default 1 m
                    // resend delay would hide such an alert for a minute.
                    format!("--rules.alert.resend-delay={resend}ms"),
                    // Debian's defaults point at /usr/share/prometheus; keep them out of it.
                    format!("--web.console.templates={d}/consoles"),
                    format!("--web.console.libraries={d}/console_libraries"),
                ])
            },
        )?;
        Ok(Prometheus {
            daemon,
            options: Mutex::new(options),
        })
    }

    /// Replaces a job's targets (file_sd; Prometheus notices the file at once, no reload).
    pub fn set_targets(&self, job: &str, targets: &[String]) -> Result<(), HarnessError> {
        let mut options = self.options.lock().unwrap();
        let Some(j) = options.jobs.iter_mut().find(|j| j.name == job) else {
            return fail(format!("no job {job}"));
        };
        j.targets = targets.to_vec();
        write_targets(self.daemon.dir(), j)
    }

    /// Adds a job (config change, so a reload).
    pub fn add_job(&self, job: Job) -> Result<(), HarnessError> {
        let mut options = self.options.lock().unwrap();
        options.jobs.push(job);
        write_prometheus_files(self.daemon.dir(), &options)?;
        drop(options);
        self.reload()
    }

    /// New rule file text, then a reload.
    pub fn set_rules(&self, rules: &str) -> Result<(), HarnessError> {
        let mut options = self.options.lock().unwrap();
        options.rules = rules.into();
        write_prometheus_files(self.daemon.dir(), &options)?;
        drop(options);
        self.reload()
    }

    /// `POST /-/reload`: answers once the new config is in force (500 and the old config
    /// kept if it is invalid).
    pub fn reload(&self) -> Result<(), HarnessError> {
        ok_body(http(self.daemon.port, "POST", "/-/reload", None)?).map(drop)
    }

    /// SIGHUP: the same reload, but asynchronous and silent about errors (see the log).
    pub fn sighup(&self) -> Result<(), HarnessError> {
        self.daemon.signal("-HUP")
    }

    /// `GET /api/v1/query?query=EXPR`: JSON text.
    pub fn query(&self, expr: &str) -> Result<String, HarnessError> {
        ok_body(
            self.daemon
                .get(&format!("/api/v1/query?query={}", percent_encode(expr)))?,
        )
    }

    /// Waits until the query's JSON contains every string of `want`.
    pub fn wait_query(
        &self,
        expr: &str,
        want: &[&str],
        timeout: Duration,
    ) -> Result<String, HarnessError> {
        wait_until(
            timeout,
            &format!("query {expr} to contain {want:?}"),
            || {
                let body = self.query(expr)?;
                Ok(want.iter().all(|w| body.contains(w)).then_some(body))
            },
        )
    }

    /// `GET /api/v1/targets`: JSON text.
    pub fn targets(&self) -> Result<String, HarnessError> {
        ok_body(self.daemon.get("/api/v1/targets")?)
    }

    /// Waits until the active target whose `instance` label is `instance` has `health`
    /// "up", "down" or "unknown"; `None` waits until no such target is listed.
    pub fn wait_target_health(
        &self,
        instance: &str,
        health: Option<&str>,
        timeout: Duration,
    ) -> Result<(), HarnessError> {
        let key = format!("\"instance\":{}", json_str(instance));
        wait_until(
            timeout,
            &format!("target {instance} health {health:?}"),
            || {
                let body = self.targets()?;
                let active = body.split("\"droppedTargets\"").next().unwrap_or("");
                let found = split_objects_at(active, "\"discoveredLabels\"")
                    .into_iter()
                    .find(|t| t.contains(&key));
                Ok(match (found, health) {
                    (None, None) => Some(()),
                    (Some(t), Some(h)) if t.contains(&format!("\"health\":\"{h}\"")) => Some(()),
                    _ => None,
                })
            },
        )
    }

    /// `GET /api/v1/alerts`: Prometheus's own view (pending and firing).
    pub fn alerts(&self) -> Result<String, HarnessError> {
        ok_body(self.daemon.get("/api/v1/alerts")?)
    }
}

fn write_targets(dir: &Path, job: &Job) -> Result<(), HarnessError> {
    let list = job
        .targets
        .iter()
        .map(|t| json_str(t))
        .collect::<Vec<_>>()
        .join(",");
    let file = dir.join("targets").join(format!("{}.json", job.name));
    let tmp = dir.join("targets").join(format!(".{}.tmp", job.name));
    write(
        &tmp,
        &format!("[{{\"targets\":[{list}],\"labels\":{{}}}}]\n"),
    )?;
    std::fs::rename(&tmp, &file).or_else(|e| fail(format!("cannot rename {}: {e}", tmp.display())))
}

fn write_prometheus_files(dir: &Path, options: &PrometheusOptions) -> Result<(), HarnessError> {
    let ms = options.interval.as_millis().max(1);
    let d = dir.display();
    let mut yml = format!(
        "global:\n  scrape_interval: {ms}ms\n  scrape_timeout: {ms}ms\n  evaluation_interval: {ms}ms\n\
         rule_files: ['{d}/rules.yml']\n"
    );
    if let Some(am) = &options.alertmanager {
        yml +=
            &format!("alerting:\n  alertmanagers:\n  - static_configs:\n    - targets: ['{am}']\n");
    }
    yml += "scrape_configs:\n";
    for job in &options.jobs {
        yml += &format!(
            "- job_name: '{}'\n  metrics_path: '{}'\n  file_sd_configs:\n  - files: ['{d}/targets/{}.json']\n    refresh_interval: 1s\n",
            job.name, job.metrics_path, job.name
        );
        if let Some((exporter, module)) = &job.via_blackbox {
            yml += &format!(
                "  params:\n    module: ['{module}']\n  relabel_configs:\n  \
                 - source_labels: [__address__]\n    target_label: __param_target\n  \
                 - source_labels: [__param_target]\n    target_label: instance\n  \
                 - target_label: __address__\n    replacement: '{exporter}'\n"
            );
        }
        write_targets(dir, job)?;
    }
    write(&dir.join("rules.yml"), &options.rules)?;
    write(&dir.join("prometheus.yml"), &yml)
}

// ---------------------------------------------------------------------------------------
// Waiting

/// Polls `check` every 50 ms until it gives `Some`, errs, or `timeout` passes.
pub fn wait_until<T>(
    timeout: Duration,
    what: &str,
    mut check: impl FnMut() -> Result<Option<T>, HarnessError>,
) -> Result<T, HarnessError> {
    let deadline = Instant::now() + timeout;
    let mut last_err = None;
    loop {
        match check() {
            Ok(Some(v)) => return Ok(v),
            Ok(None) => {}
            Err(e) => last_err = Some(e),
        }
        if Instant::now() > deadline {
            return fail(format!(
                "timed out after {timeout:?} waiting for {what} (last error: {last_err:?})"
            ));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The top-level `{...}` objects of a JSON array (naive: braces inside strings count, fine
/// for these APIs' label values in tests).
fn split_objects(json: &str) -> Vec<&str> {
    let (mut out, mut depth, mut start) = (Vec::new(), 0i32, 0);
    let body = json.trim();
    let body = body.strip_prefix('[').unwrap_or(body);
    for (i, c) in body.char_indices() {
        match c {
            '{' => {
                if depth == 0 {
                    start = i;
                }
                depth += 1
            }
            '}' => {
                depth -= 1;
                if depth == 0 {
                    out.push(&body[start..=i]);
                }
            }
            _ => {}
        }
    }
    out
}

/// `text` cut before each occurrence of `marker` (one piece per target object).
fn split_objects_at<'a>(text: &'a str, marker: &str) -> Vec<&'a str> {
    text.split(marker).skip(1).collect()
}

// ---------------------------------------------------------------------------------------
// A tiny HTTP/1.0 client (one connection per request; HTTP/1.0 so Go never chunks)

#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

fn ok_body(r: Response) -> Result<String, HarnessError> {
    if (200..300).contains(&r.status) {
        Ok(r.body)
    } else {
        fail(format!("HTTP {}: {}", r.status, r.body))
    }
}

/// One request to `127.0.0.1:port`.
pub fn http(
    port: u16,
    method: &str,
    path: &str,
    body: Option<(&str, &str)>,
) -> Result<Response, HarnessError> {
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let mut s = TcpStream::connect_timeout(&addr, REQUEST_TIMEOUT)
        .or_else(|e| fail(format!("cannot connect to {addr}: {e}")))?;
    let _ = s.set_read_timeout(Some(REQUEST_TIMEOUT));
    let _ = s.set_write_timeout(Some(REQUEST_TIMEOUT));
    let mut req = format!("{method} {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n");
    let (ctype, text) = body.unwrap_or(("", ""));
    if body.is_some() || method == "POST" || method == "PUT" {
        req += &format!(
            "Content-Type: {ctype}\r\nContent-Length: {}\r\n",
            text.len()
        );
    }
    req += "\r\n";
    req += text;
    s.write_all(req.as_bytes())
        .or_else(|e| fail(format!("cannot send to {addr}: {e}")))?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw)
        .or_else(|e| fail(format!("cannot read from {addr}: {e}")))?;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| HarnessError(format!("no HTTP answer from {addr}")))?;
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| HarnessError(format!("bad status line from {addr}: {head}")))?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Ok(Response {
        status,
        headers,
        body: String::from_utf8_lossy(&raw[split + 4..]).into_owned(),
    })
}

pub fn free_port() -> Result<u16, HarnessError> {
    let l =
        TcpListener::bind("127.0.0.1:0").or_else(|e| fail(format!("cannot find a port: {e}")))?;
    l.local_addr()
        .map(|a| a.port())
        .or_else(|e| fail(format!("cannot read the port: {e}")))
}

pub fn percent_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out += &format!("%{b:02X}");
        }
    }
    out
}

pub fn json_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out += "\\\"",
            '\\' => out += "\\\\",
            c if (c as u32) < 0x20 => out += &format!("\\u{:04x}", c as u32),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// UTC RFC 3339 (`2026-11-24T22:25:07Z`) without a date crate.
pub fn rfc3339(since_epoch: Duration) -> String {
    let secs = since_epoch.as_secs() as i64;
    let (days, rem) = (secs.div_euclid(86400), secs.rem_euclid(86400));
    // Howard Hinnant's civil_from_days.
    let z = days + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}
