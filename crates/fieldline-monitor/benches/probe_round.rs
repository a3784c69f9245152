//! One round of HTTP probes over 10,000 loopback endpoints, side by side with Debian's
//! prometheus-blackbox-exporter probing the same targets at the same concurrency, in one
//! run: wall time, probes per second, CPU-seconds, probes per CPU-second, peak RSS and
//! failures of each side, and the ratio.
//!
//! - **Targets.** A small HTTP server in this process (tokio, its own two worker threads
//!   named `bench-target`) answers `GET /t/N` (N below the target count) with 200 and the
//!   path as body, one request per connection (`Connection: close`), like the `/t/N` case
//!   of `tests/support/tls.rs` but without a thread per connection, so that it is never
//!   the bottleneck. Its CPU is measured apart (its threads in `/proc/self/task`) and is
//!   counted for neither side.
//! - **Fieldline.** This executable started again as a child (`--engine-child`), so that
//!   the engine's CPU and memory are its own: the child builds a 10,000-endpoint fleet in
//!   memory (10 customers, 100 sites, one `http` check each, `url =
//!   "http://{host}:PORT/t/N"`), runs a warm-up round over 50 of them, then one
//!   `run_round` over all at `Limits { global: C, per_host: C }` (every target is on
//!   127.0.0.1) and turns the report into pretty JSON, as `fieldline check --json` does.
//!   Measured: that round plus the JSON (wall, `/proc/self/stat` utime+stime), and the
//!   child's peak resident set at the end (`VmHWM`, its whole life).
//! - **blackbox_exporter 0.23** (`tests/support/prom.rs`, module `http_2xx`), a fresh one
//!   for each concurrency: 50 warm-up probes, then C driver threads in this process, each
//!   `GET /probe?module=http_2xx&target=…` (a new connection each) from a shared counter;
//!   its CPU from `/proc/PID/stat`, its peak resident set from `/proc/PID/status`. A probe
//!   counts as a success when the answer holds `probe_success 1`.
//!
//! Why a child and not `fieldline check`: a bench cannot depend on another package's
//! binary, and the CLI adds process start, the SQLite read of the fleet and the client's
//! set-up to the round; blackbox is measured warm, after its start, so the engine is too.
//! The CLI can be measured beside it end to end (`FIELDLINE_CLI=target/release/fieldline`,
//! under GNU time; printed, not in the table).
//!
//! On loopback the kernel runs the receiving side's TCP work in the sender's context, so
//! each side's CPU holds part of the target server's handshakes and the server's holds
//! part of theirs; both sides talk to the same server the same way, so this evens out.
//!
//! Run: `cargo bench -p fieldline-monitor --bench probe_round` (concurrency 50 and 200;
//! other levels as arguments after `--`, e.g. `-- 10 50`; `PROBE_ROUND_TARGETS=N` for
//! another target count). The load average is printed before each side: other work on
//! the machine moves wall times a lot, CPU-seconds much less. blackbox_exporter comes
//! from scripts/setup.sh (or is installed here when missing and we are root). Figures:
//! BENCHMARKS.md.
#![allow(clippy::unwrap_used)]

#[path = "../tests/support/prom.rs"]
mod prom;

use fieldline_core::{Check, CheckKind, CheckState, Customer, Endpoint, Fleet, Site};
use fieldline_monitor::probe::Prober;
use fieldline_monitor::round::{run_round, Limits};
use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const DEFAULT_TARGETS: usize = 10_000;
const DEFAULT_CONCURRENCY: [usize; 2] = [50, 200];
const WARM_UP: usize = 50;
const SERVER_THREAD: &str = "bench-target";
const CHILD_FLAG: &str = "--engine-child";
/// The unit of `/proc/PID/stat` times: fixed at 100 in Linux's user ABI.
const USER_HZ: f64 = 100.0;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some(CHILD_FLAG) {
        let n = |i: usize| args[i].parse::<usize>().unwrap();
        engine_child(n(1) as u16, n(2), n(3));
        return;
    }
    let mut levels: Vec<usize> = args.iter().filter_map(|a| a.parse().ok()).collect();
    if levels.is_empty() {
        levels = DEFAULT_CONCURRENCY.to_vec();
    }
    let targets = std::env::var("PROBE_ROUND_TARGETS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_TARGETS);

    if let Some(took) = prom::install_if_missing().unwrap() {
        println!("installed the Prometheus packages in {took:.0?}");
    }
    let version = Command::new("/usr/bin/prometheus-blackbox-exporter")
        .arg("--version")
        .output()
        .map(|o| {
            let text = String::from_utf8_lossy(&o.stdout).into_owned()
                + &String::from_utf8_lossy(&o.stderr);
            text.lines().next().unwrap_or("").to_owned()
        })
        .unwrap_or_default();
    let server = TargetServer::start(targets);
    let cli = std::env::var_os("FIELDLINE_CLI").map(std::path::PathBuf::from);
    println!(
        "{targets} targets on http://127.0.0.1:{}/t/N; {} CPUs; {version}",
        server.port,
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );

    let mut rows = Vec::new();
    for &c in &levels {
        println!("\nconcurrency {c}, load average {}", load_average());
        let fieldline = fieldline_side(&server, targets, c);
        print_side(&fieldline);
        if let Some(cli) = &cli {
            print_side(&cli_side(&server, cli, targets, c));
        }
        println!("load average {}", load_average());
        let blackbox = blackbox_side(&server, targets, c);
        print_side(&blackbox);
        rows.push((c, fieldline, blackbox));
    }

    println!("\n| C | Side | Wall | Probes/s | CPU-s | Probes per CPU-s | Peak RSS | Failures | Target server CPU-s |");
    println!("|---|---|---|---|---|---|---|---|---|");
    for (c, f, b) in &rows {
        for side in [f, b] {
            println!(
                "| {c} | {} | {:.2} s | {:.0} | {:.2} | {:.0} | {:.1} MiB | {} | {:.2} |",
                side.name,
                side.wall,
                side.probes as f64 / side.wall,
                side.cpu,
                side.probes as f64 / side.cpu,
                side.peak_kib as f64 / 1024.0,
                side.failures,
                side.server_cpu
            );
        }
    }
    println!();
    let mut all_ok = true;
    for (c, f, b) in &rows {
        let per_cpu = (f.probes as f64 / f.cpu) / (b.probes as f64 / b.cpu);
        let per_s = (f.probes as f64 / f.wall) / (b.probes as f64 / b.wall);
        let mib = f.peak_kib as f64 / 1024.0;
        println!(
            "C = {c}: Fieldline/blackbox probes per CPU-second {per_cpu:.1}x (target >= 3x {}), \
             probes per second {per_s:.1}x; Fieldline peak RSS {mib:.1} MiB (target <= 100 MB {})",
            mark(per_cpu >= 3.0),
            mark(mib * 1.048_576 <= 100.0)
        );
        all_ok &= f.failures == 0 && b.failures == 0;
    }
    assert!(all_ok, "some probes failed (see the table)");
}

fn mark(ok: bool) -> &'static str {
    if ok {
        "met"
    } else {
        "MISSED"
    }
}

/// One side's figures for one round.
struct Side {
    name: &'static str,
    probes: usize,
    wall: f64,
    cpu: f64,
    peak_kib: u64,
    failures: usize,
    first_failure: Option<String>,
    server_cpu: f64,
    note: String,
}

fn print_side(s: &Side) {
    println!(
        "  {:<9} {} probes in {:.2} s ({:.0}/s), CPU {:.2} s ({:.0} µs a probe), peak RSS {:.1} MiB, \
         {} failed; target server CPU {:.2} s; {}",
        s.name,
        s.probes,
        s.wall,
        s.probes as f64 / s.wall,
        s.cpu,
        s.cpu * 1e6 / s.probes as f64,
        s.peak_kib as f64 / 1024.0,
        s.failures,
        s.server_cpu,
        s.note
    );
    if let Some(f) = &s.first_failure {
        println!("    first failure: {f}");
    }
}

// ---------------------------------------------------------------------------------------
// Fieldline: this executable as a child process

fn fieldline_side(server: &TargetServer, targets: usize, c: usize) -> Side {
    let server0 = server.cpu();
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            CHILD_FLAG,
            &server.port.to_string(),
            &targets.to_string(),
            &c.to_string(),
        ])
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .unwrap();
    let server_cpu = server.cpu() - server0;
    assert!(
        out.status.success(),
        "the engine child failed: {}",
        out.status
    );
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let f = |k: &str| r[k].as_f64().unwrap();
    Side {
        name: "Fieldline",
        probes: targets,
        wall: f("wall_s"),
        cpu: f("cpu_s"),
        peak_kib: f("peak_kib") as u64,
        failures: f("failures") as usize,
        first_failure: r["first_failure"].as_str().map(str::to_owned),
        server_cpu,
        note: format!(
            "of which JSON {:.0} ms; peak RSS with the fleet built {:.1} MiB, after the warm-up {:.1} MiB; \
             whole process CPU {:.2} s",
            f("json_cpu_s") * 1000.0,
            f("fleet_kib") / 1024.0,
            f("before_kib") / 1024.0,
            f("process_cpu_s")
        ),
    }
}

/// The child: a fleet in memory, a warm-up round, then the measured round and its JSON.
/// Prints its figures as one JSON object.
fn engine_child(port: u16, targets: usize, c: usize) {
    let warm = bench_fleet(port, targets.min(WARM_UP));
    let fleet = bench_fleet(port, targets);
    let fleet_kib = status_kib(std::process::id(), "VmHWM:");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let prober = Arc::new(Prober::default());
    let limits = Limits {
        global: c,
        per_host: c,
    };
    runtime.block_on(run_round(prober.clone(), &warm, limits));
    drop(warm);

    let before_kib = status_kib(std::process::id(), "VmHWM:");
    let cpu0 = cpu_secs(std::process::id());
    let t = Instant::now();
    let report = runtime.block_on(run_round(prober, &fleet, limits));
    let cpu1 = cpu_secs(std::process::id());
    let json = serde_json::to_string_pretty(&report).unwrap();
    std::hint::black_box(json.len());
    drop(json);
    let wall = t.elapsed().as_secs_f64();
    let cpu2 = cpu_secs(std::process::id());

    let results: Vec<_> = report.endpoints.iter().flat_map(|e| &e.checks).collect();
    let failed: Vec<_> = results
        .iter()
        .filter(|r| r.state != CheckState::Ok)
        .collect();
    assert_eq!(results.len(), targets);
    let out = serde_json::json!({
        "wall_s": wall,
        "cpu_s": cpu2 - cpu0,
        "json_cpu_s": cpu2 - cpu1,
        "process_cpu_s": cpu2,
        "peak_kib": status_kib(std::process::id(), "VmHWM:"),
        "before_kib": before_kib,
        "fleet_kib": fleet_kib,
        "failures": failed.len(),
        "first_failure": failed.first().map(|r| r.message.clone()),
    });
    println!("{out}");
}

/// `targets` endpoints over 100 sites of 10 customers, each with one `http` check of its
/// own target.
fn bench_fleet(port: u16, targets: usize) -> Fleet {
    let customers = (0..10)
        .map(|k| Customer {
            id: format!("customer-{k}"),
            name: format!("Customer {k}"),
            notes: String::new(),
            demo: false,
        })
        .collect();
    let sites = (0..100)
        .map(|k| Site {
            id: format!("site-{k:02}"),
            customer: format!("customer-{}", k / 10),
            name: format!("Site {k}"),
            timezone: "UTC".into(),
            notes: String::new(),
        })
        .collect();
    let endpoints = (0..targets)
        .map(|i| {
            let mut params = BTreeMap::new();
            params.insert(
                "url".to_owned(),
                serde_json::Value::from(format!("http://{{host}}:{port}/t/{i}")),
            );
            Endpoint {
                id: format!("web-{i:05}"),
                site: format!("site-{:02}", i % 100),
                name: format!("Web {i}"),
                host: "127.0.0.1".into(),
                tags: vec!["web".into()],
                notes: String::new(),
                parent: None,
                ssh: Default::default(),
                checks: vec![Check {
                    kind: CheckKind::Http,
                    params,
                }],
            }
        })
        .collect();
    Fleet {
        customers,
        sites,
        endpoints,
    }
}

/// The same round through the CLI, end to end (`FIELDLINE_CLI=path/to/fieldline`, under
/// GNU time): process start, the store opened and the fleet read from SQLite, no warm-up,
/// the round, pretty JSON to /dev/null. Printed as a cross-check, not in the table.
fn cli_side(server: &TargetServer, cli: &std::path::Path, targets: usize, c: usize) -> Side {
    let dir = tempfile::tempdir().unwrap();
    let fleet = bench_fleet(server.port, targets);
    let mut toml = String::new();
    for k in &fleet.customers {
        toml += &format!(
            "[[customers]]\nid = \"{}\"\nname = \"{}\"\n\n",
            k.id, k.name
        );
    }
    for s in &fleet.sites {
        toml += &format!(
            "[[sites]]\nid = \"{}\"\ncustomer = \"{}\"\nname = \"{}\"\ntimezone = \"UTC\"\n\n",
            s.id, s.customer, s.name
        );
    }
    for e in &fleet.endpoints {
        let url = e.checks[0].params["url"].as_str().unwrap();
        toml += &format!(
            "[[endpoints]]\nid = \"{}\"\nsite = \"{}\"\nname = \"{}\"\nhost = \"{}\"\n\
             [[endpoints.checks]]\nkind = \"http\"\nurl = \"{url}\"\n\n",
            e.id, e.site, e.name, e.host
        );
    }
    let file = dir.path().join("fleet.toml");
    std::fs::write(&file, toml).unwrap();
    let data = dir.path().join("data");
    let import = Command::new(cli)
        .arg("--data-dir")
        .arg(&data)
        .args(["fleet", "import"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        import.status.success(),
        "{}",
        String::from_utf8_lossy(&import.stderr)
    );
    let server0 = server.cpu();
    let out = Command::new("/usr/bin/time")
        .args(["-f", "%e %U %S %M"])
        .arg(cli)
        .arg("--data-dir")
        .arg(&data)
        .args(["check", "--json", "--concurrency"])
        .arg(c.to_string())
        .arg("--per-host")
        .arg(c.to_string())
        .stdout(Stdio::null())
        .output()
        .unwrap();
    let server_cpu = server.cpu() - server0;
    let stderr = String::from_utf8_lossy(&out.stderr);
    let f: Vec<f64> = stderr
        .lines()
        .last()
        .unwrap_or("")
        .split_whitespace()
        .filter_map(|x| x.parse().ok())
        .collect();
    assert_eq!(f.len(), 4, "GNU time said: {stderr}");
    Side {
        name: "CLI",
        probes: targets,
        wall: f[0],
        cpu: f[1] + f[2],
        peak_kib: f[3] as u64,
        // Exit status 0: every check OK.
        failures: usize::from(!out.status.success()),
        first_failure: (!out.status.success()).then(|| format!("exit status {}", out.status)),
        server_cpu,
        note: "the whole process: start, SQLite, round, JSON".into(),
    }
}

// ---------------------------------------------------------------------------------------
// blackbox_exporter, driven by C threads of this process

fn blackbox_side(server: &TargetServer, targets: usize, c: usize) -> Side {
    let ws = prom::Workspace::new().unwrap();
    let bb = prom::Blackbox::start(&ws, Default::default()).unwrap();
    let pid = bb.daemon.pid().unwrap();
    let port = bb.daemon.port();
    let paths: Arc<Vec<String>> = Arc::new(
        (0..targets)
            .map(|i| {
                let target = format!("http://127.0.0.1:{}/t/{i}", server.port);
                format!(
                    "/probe?module=http_2xx&target={}",
                    prom::percent_encode(&target)
                )
            })
            .collect(),
    );
    for p in paths.iter().take(WARM_UP) {
        let r = prom::http(port, "GET", p, None).unwrap();
        assert!(r.body.contains("probe_success 1"), "{}", r.body);
    }

    let next = Arc::new(AtomicUsize::new(0));
    let failures = Arc::new(AtomicUsize::new(0));
    let first_failure: Arc<Mutex<Option<String>>> = Arc::new(Mutex::new(None));
    let cpu0 = cpu_secs(pid);
    let server0 = server.cpu();
    let me0 = cpu_secs(std::process::id());
    let t = Instant::now();
    let drivers: Vec<_> = (0..c)
        .map(|_| {
            let (paths, next) = (paths.clone(), next.clone());
            let (failures, first_failure) = (failures.clone(), first_failure.clone());
            std::thread::spawn(move || loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(path) = paths.get(i) else { break };
                let why = match prom::http(port, "GET", path, None) {
                    Ok(r) if r.status == 200 && r.body.contains("\nprobe_success 1\n") => None,
                    Ok(r) => Some(format!("HTTP {}: {}", r.status, r.body)),
                    Err(e) => Some(e.to_string()),
                };
                if let Some(why) = why {
                    failures.fetch_add(1, Ordering::Relaxed);
                    first_failure.lock().unwrap().get_or_insert(why);
                }
            })
        })
        .collect();
    for d in drivers {
        d.join().unwrap();
    }
    let wall = t.elapsed().as_secs_f64();
    let cpu = cpu_secs(pid) - cpu0;
    let server_cpu = server.cpu() - server0;
    let driver_cpu = cpu_secs(std::process::id()) - me0 - server_cpu;
    let peak_kib = status_kib(pid, "VmHWM:");
    drop(bb);
    let first_failure = first_failure.lock().unwrap().take();
    Side {
        name: "blackbox",
        probes: targets,
        wall,
        cpu,
        peak_kib,
        failures: failures.load(Ordering::Relaxed),
        first_failure,
        server_cpu,
        note: format!("driver CPU {driver_cpu:.2} s (not counted)"),
    }
}

// ---------------------------------------------------------------------------------------
// The target server

struct TargetServer {
    port: u16,
    _runtime: tokio::runtime::Runtime,
}

impl TargetServer {
    fn start(targets: usize) -> TargetServer {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name(SERVER_THREAD)
            .enable_io()
            .build()
            .unwrap();
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let port = listener.local_addr().unwrap().port();
        runtime.spawn(async move {
            loop {
                match listener.accept().await {
                    Ok((stream, _)) => {
                        tokio::spawn(serve(stream, targets));
                    }
                    Err(e) => {
                        eprintln!("target server: accept: {e}");
                        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                    }
                }
            }
        });
        TargetServer {
            port,
            _runtime: runtime,
        }
    }

    /// CPU-seconds of the server's threads so far.
    fn cpu(&self) -> f64 {
        let me = std::process::id();
        let mut total = 0.0;
        for task in std::fs::read_dir(format!("/proc/{me}/task"))
            .unwrap()
            .flatten()
        {
            let dir = task.path();
            let comm = std::fs::read_to_string(dir.join("comm")).unwrap_or_default();
            if comm.trim_end() == SERVER_THREAD {
                if let Ok(stat) = std::fs::read_to_string(dir.join("stat")) {
                    total += stat_cpu(&stat);
                }
            }
        }
        total
    }
}

/// Reads one request head; `/t/N` (N < targets) answers 200 with the path as body.
async fn serve(mut stream: tokio::net::TcpStream, targets: usize) {
    let mut buf = [0u8; 4096];
    let mut len = 0;
    while !buf[..len].windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf[len..]).await {
            Ok(0) | Err(_) => return,
            Ok(n) => len += n,
        }
        if len == buf.len() {
            return;
        }
    }
    let head = String::from_utf8_lossy(&buf[..len]);
    let path = head.split(' ').nth(1).unwrap_or("/");
    let known = path
        .strip_prefix("/t/")
        .and_then(|n| n.parse::<usize>().ok())
        .is_some_and(|n| n < targets);
    let (status, body) = if known {
        ("200 OK", path)
    } else {
        ("404 Not Found", "not found")
    };
    let answer = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/plain; charset=utf-8\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(answer.as_bytes()).await;
    let _ = stream.shutdown().await;
}

// ---------------------------------------------------------------------------------------
// /proc

/// utime + stime of a `/proc/.../stat` line, in seconds.
fn stat_cpu(stat: &str) -> f64 {
    let after = &stat[stat.rfind(')').unwrap() + 2..];
    let f: Vec<&str> = after.split_whitespace().collect();
    // proc(5) fields 14 (utime) and 15 (stime); the text after ')' starts at field 3.
    let ticks = f[11].parse::<f64>().unwrap() + f[12].parse::<f64>().unwrap();
    ticks / USER_HZ
}

fn cpu_secs(pid: u32) -> f64 {
    stat_cpu(&std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap())
}

fn status_kib(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        })
        .unwrap_or(0)
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}
