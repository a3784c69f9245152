//! The `node_exporter` probe against real parts: Debian's node_exporter started on a free
//! loopback port (its textfile collector injects failed units, a pending reboot, pending
//! updates and a nearly full file system), and loopback servers that answer garbage.
//! Needs `/usr/bin/prometheus-node-exporter` (Debian's `prometheus-node-exporter`).

#![allow(clippy::unwrap_used)]

#[path = "support/prom.rs"]
mod prom;

use fieldline_core::checks::NodeExporterSpec;
use fieldline_core::CheckState;
use fieldline_monitor::probe::node::{probe, CpuSample};
use fieldline_monitor::Outcome;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

fn spec(json: &str) -> NodeExporterSpec {
    serde_json::from_str(json).unwrap()
}

/// The load of this shared 2-core machine is not the test's business.
/// Thresholds this machine's own load and memory never reach (they are whatever the CI
/// machine has): the tests judge what the exporter says, not the host.
const CALM_LOAD: &str =
    r#""load_warn": 1000, "load_crit": 2000, "memory_warn": 100, "memory_crit": 100"#;
/// The same for the host's own disks (an injected file system is judged with defaults).
const CALM_DISKS: &str = r#""disk_warn": 100, "disk_crit": 100"#;

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn scrape(
    url: &str,
    spec: &NodeExporterSpec,
    timeout: Duration,
    memory: &mut Option<CpuSample>,
) -> Outcome {
    probe(&client(), url, spec, timeout, memory).await
}

const UNITS: &str = r#"# HELP node_systemd_unit_state Systemd unit
# TYPE node_systemd_unit_state gauge
node_systemd_unit_state{name="cron.service",state="active",type="simple"} 1
node_systemd_unit_state{name="cron.service",state="failed",type="simple"} 0
node_systemd_unit_state{name="nginx.service",state="active",type="simple"} 0
node_systemd_unit_state{name="nginx.service",state="failed",type="simple"} 1
"#;

/// As apt_info.py writes it (one origin label holds a comma).
const APT: &str = r#"# HELP apt_upgrades_pending Apt packages pending updates by origin.
# TYPE apt_upgrades_pending gauge
apt_upgrades_pending{arch="all",origin="Debian:bookworm/stable"} 2
apt_upgrades_pending{arch="amd64",origin="Debian:bookworm/stable,Debian-Security:bookworm-security/stable-security"} 3
# HELP node_reboot_required Node reboot is required for software updates.
# TYPE node_reboot_required gauge
node_reboot_required 1
"#;

/// A 100 TB file system with 3 TB left (97 %), next to the harness's calm `/`: same HELP
/// texts, or node_exporter refuses the mix.
const BIG_FS: &str = r#"# HELP node_filesystem_avail_bytes Filesystem space available to non-root users in bytes.
# TYPE node_filesystem_avail_bytes gauge
node_filesystem_avail_bytes{device="/dev/sdz1",fstype="xfs",mountpoint="/srv/big"} 3e+12
# HELP node_filesystem_size_bytes Filesystem size in bytes.
# TYPE node_filesystem_size_bytes gauge
node_filesystem_size_bytes{device="/dev/sdz1",fstype="xfs",mountpoint="/srv/big"} 1e+14
"#;

#[tokio::test]
async fn real_node_exporter() {
    let ws = prom::Workspace::new().unwrap();
    let node = prom::NodeExporter::start(&ws).unwrap();
    node.write_textfile("units", UNITS).unwrap();
    node.write_textfile("apt", APT).unwrap();
    node.write_textfile("fs", BIG_FS).unwrap();
    let url = format!("http://{}/metrics", node.daemon.addr());
    let timeout = Duration::from_secs(10);
    let mut memory = None;

    // First scrape: everything but CPU is judged, worst first.
    let spec_calm = spec(&format!("{{{CALM_LOAD}}}"));
    let first = scrape(&url, &spec_calm, timeout, &mut memory).await;
    eprintln!("first: {first:?}");
    assert_eq!(first.state, CheckState::Crit);
    assert!(
        first
            .message
            .starts_with("failed unit: nginx.service, disk /srv/big 97% (crit 95)"),
        "{}",
        first.message
    );
    assert!(first
        .message
        .contains("reboot required, 5 updates pending (warn 1)"));
    assert!(first.message.ends_with("cpu not measured yet"));
    assert!(first.latency_ms.is_some());
    let sample = memory.clone().unwrap();

    // Second scrape: CPU from the real counters' rate (warn 0 makes it show).
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let show_cpu = spec(&format!(
        r#"{{{CALM_LOAD}, "cpu_warn": 0, "cpu_crit": 101}}"#
    ));
    let second = scrape(&url, &show_cpu, timeout, &mut memory).await;
    eprintln!("second: {second:?}");
    assert!(second.message.contains("% (warn 0)"), "{}", second.message);
    assert!(!second.message.contains("not measured"));
    assert_ne!(memory.as_ref(), Some(&sample));

    // Problems gone: OK, and the message sums up.
    node.remove_textfile("units").unwrap();
    node.remove_textfile("apt").unwrap();
    node.remove_textfile("fs").unwrap();
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let calm = spec(&format!(
        r#"{{{CALM_LOAD}, "cpu_warn": 101, "cpu_crit": 101, "disk_warn": 101, "disk_crit": 101}}"#
    ));
    let ok = scrape(&url, &calm, timeout, &mut memory).await;
    eprintln!("ok: {ok:?}");
    assert_eq!(ok.state, CheckState::Ok);
    let parts: Vec<&str> = ok.message.split(", ").collect();
    assert_eq!(parts.len(), 4, "{}", ok.message);
    assert!(parts[0].starts_with("cpu ") && parts[0].ends_with('%'));
    assert!(parts[1].starts_with("memory "));
    assert!(parts[2].starts_with("disk max ") && !parts[2].contains("/srv/big"));
    assert!(parts[3].starts_with("load ") && parts[3].ends_with("/core"));

    // Stopped: the port refuses, CRIT; the CPU sample is kept for later.
    let kept = memory.clone();
    node.daemon.stop();
    let down = scrape(&url, &calm, timeout, &mut memory).await;
    assert_eq!(down.state, CheckState::Crit);
    assert!(
        down.message.starts_with("connection refused"),
        "{}",
        down.message
    );
    assert_eq!(memory, kept);

    // Started again: the counters go on, CPU is measured across the outage.
    node.daemon.restart().unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let back = scrape(&url, &calm, timeout, &mut memory).await;
    assert_eq!(back.state, CheckState::Ok, "{back:?}");
    assert!(!back.message.contains("not measured"), "{}", back.message);
}

#[tokio::test]
async fn gzip_and_a_tight_size_limit() {
    let ws = prom::Workspace::new().unwrap();
    let node = prom::NodeExporter::start(&ws).unwrap();
    let url = format!("http://{}/metrics", node.daemon.addr());
    // node_exporter gzips for reqwest; the limit counts the decompressed bytes (~58 KB).
    let small = spec(r#"{"max_body_kb": 16}"#);
    let outcome = scrape(&url, &small, Duration::from_secs(10), &mut None).await;
    assert_eq!(outcome.state, CheckState::Unknown);
    assert_eq!(
        outcome.message,
        "the metrics are larger than max_body_kb (16 KiB); not judged"
    );
    let enough = spec(&format!(
        r#"{{{CALM_LOAD}, {CALM_DISKS}, "max_body_kb": 1024}}"#
    ));
    let outcome = scrape(&url, &enough, Duration::from_secs(10), &mut None).await;
    assert!(outcome.message.starts_with("cpu not measured yet, memory "));
}

// ---------------------------------------------------------------------------------------
// Hostile and broken endpoints

/// A loopback HTTP server in its own thread: for at most `connections` connections within
/// 30 s, it reads the request head and lets `answer` write whatever it likes.
fn serve(connections: usize, answer: impl Fn(&mut TcpStream) + Send + 'static) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/metrics", listener.local_addr().unwrap());
    listener.set_nonblocking(true).unwrap();
    std::thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut served = 0;
        while served < connections && Instant::now() < deadline {
            let Ok((mut stream, _)) = listener.accept() else {
                std::thread::sleep(Duration::from_millis(5));
                continue;
            };
            served += 1;
            let _ = stream.set_nonblocking(false);
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
            let _ = stream.set_write_timeout(Some(Duration::from_secs(5)));
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && head.len() < 64 * 1024 {
                match stream.read(&mut byte) {
                    Ok(1) => head.push(byte[0]),
                    _ => break,
                }
            }
            answer(&mut stream);
        }
    });
    url
}

fn respond(stream: &mut TcpStream, status: &str, headers: &str, body: &[u8]) {
    let head = format!(
        "HTTP/1.1 {status}\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(body);
}

async fn against(
    answer: impl Fn(&mut TcpStream) + Send + 'static,
    spec_json: &str,
    timeout: Duration,
) -> (Outcome, Duration) {
    let url = serve(1, answer);
    let started = Instant::now();
    let outcome = scrape(&url, &spec(spec_json), timeout, &mut None).await;
    (outcome, started.elapsed())
}

#[tokio::test]
async fn html_text_and_binary_are_unknown() {
    let t = Duration::from_secs(5);
    let html = b"<!doctype html><html><head><title>Acme \x1b[1mSign-in</title></head><body>nope</body></html>";
    let (o, _) = against(
        |s| respond(s, "200 OK", "Content-Type: text/html\r\n", html),
        "{}",
        t,
    )
    .await;
    assert_eq!(o.state, CheckState::Unknown);
    assert_eq!(
        o.message,
        "the answer is an HTML page (\"Acme [1mSign-in\"), not Prometheus metrics"
    );
    assert!(o.latency_ms.is_some());

    let (o, _) = against(
        |s| respond(s, "200 OK", "", b"It works!\nApache/2.4 on Debian\n"),
        "{}",
        t,
    )
    .await;
    assert_eq!(o.state, CheckState::Unknown);
    assert_eq!(
        o.message,
        "the answer is not Prometheus metrics: \"It works!\""
    );

    let (o, _) = against(
        |s| {
            respond(
                s,
                "200 OK",
                "",
                &[0x89, b'P', b'N', b'G', 0, 0, 0x0d, 0xff, 0xfe],
            )
        },
        "{}",
        t,
    )
    .await;
    assert_eq!(
        o.message,
        "the answer is binary data, not Prometheus metrics"
    );

    let (o, _) = against(
        |s| respond(s, "200 OK", "", b"# HELP up x\nup 1\nprocess_open_fds 12\n"),
        "{}",
        t,
    )
    .await;
    assert_eq!(
        o.message,
        "no node_exporter or windows_exporter metrics among 2 other series: is this the right exporter?"
    );

    // NaN and a duplicate from a sloppy exporter.
    let body = b"node_memory_MemTotal_bytes NaN\nnode_memory_MemAvailable_bytes 1\nnode_load1 1\nnode_load1 2\n";
    let (o, _) = against(|s| respond(s, "200 OK", "", body), "{}", t).await;
    assert_eq!(o.state, CheckState::Unknown);
    assert_eq!(
        o.message,
        "unreadable values (NaN, Inf or not a number): node_memory_MemTotal_bytes, duplicate series (first one used): node_load1"
    );

    // A 10 MB line within a generous limit: read, skipped, no panic.
    let (o, _) = against(
        |s| {
            let mut body = b"node_load1{x=\"".to_vec();
            body.resize(10 * 1024 * 1024, b'a');
            body.extend_from_slice(b"\"} 1\n");
            respond(s, "200 OK", "", &body)
        },
        r#"{"max_body_kb": 20000}"#,
        t,
    )
    .await;
    assert_eq!(o.state, CheckState::Unknown);
    assert_eq!(
        o.message,
        "the answer is not Prometheus metrics (1 over-long lines of more than 16 KiB)"
    );
}

#[tokio::test]
async fn statuses() {
    let t = Duration::from_secs(5);
    let (o, _) = against(
        |s| respond(s, "404 Not Found", "", b"404 page not found\n"),
        "{}",
        t,
    )
    .await;
    assert_eq!(o.state, CheckState::Unknown);
    assert_eq!(
        o.message,
        "HTTP 404 Not Found: no metrics at this URL (usually /metrics)"
    );
    let (o, _) = against(|s| respond(s, "401 Unauthorized", "", b""), "{}", t).await;
    assert_eq!(o.state, CheckState::Unknown);
    assert_eq!(
        o.message,
        "HTTP 401 Unauthorized: the exporter asks for a login"
    );
    let (o, _) = against(
        |s| {
            respond(
                s,
                "302 Found",
                "Location: https://login.example/\u{202E}evil\r\n",
                b"",
            )
        },
        "{}",
        t,
    )
    .await;
    assert_eq!(o.state, CheckState::Unknown);
    assert_eq!(
        o.message,
        "HTTP 302: the metrics moved to \"https://login.example/ evil\"; put that address in url"
    );
    let (o, _) = against(
        |s| respond(s, "503 Service Unavailable", "", b"down"),
        "{}",
        t,
    )
    .await;
    assert_eq!(o.state, CheckState::Crit);
    assert_eq!(
        o.message,
        "HTTP 503 Service Unavailable from the metrics URL"
    );
    assert!(o.latency_ms.is_some());
}

#[tokio::test]
async fn refused_silent_and_slow_are_crit() {
    // Refused: a port nobody listens on.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/metrics");
    let o = scrape(&url, &spec("{}"), Duration::from_secs(5), &mut None).await;
    assert_eq!(o.state, CheckState::Crit);
    assert_eq!(o.message, "connection refused");

    // Accepts, never answers: CRIT at the timeout.
    let (o, took) = against(
        |_| std::thread::sleep(Duration::from_secs(3)),
        "{}",
        Duration::from_secs(1),
    )
    .await;
    assert_eq!(o.state, CheckState::Crit);
    assert_eq!(o.message, "no complete answer within 1 s");
    assert!(took < Duration::from_millis(1500), "{took:?}");

    // Headers at once, then one byte every 100 ms: still bounded by the timeout.
    let (o, took) = against(
        |s| {
            let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n");
            for _ in 0..40 {
                if s.write_all(b"n").is_err() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        },
        "{}",
        Duration::from_secs(1),
    )
    .await;
    assert_eq!(o.state, CheckState::Crit);
    assert_eq!(o.message, "no complete answer within 1 s");
    assert!(took < Duration::from_millis(1500), "{took:?}");

    // Not a URL.
    let o = scrape(
        "metrics please",
        &spec("{}"),
        Duration::from_secs(1),
        &mut None,
    )
    .await;
    assert_eq!(o.state, CheckState::Unknown);
    assert!(o
        .message
        .starts_with("the metrics URL \"metrics please\" is not valid"));
}

#[tokio::test]
async fn twenty_megabytes_are_cut_at_the_limit() {
    let t = Duration::from_secs(10);
    let chunk = "node_load1 1\n".repeat(5000);
    // With a Content-Length: refused before reading.
    let (o, took) = against(
        move |s| {
            let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 20971520\r\n\r\n");
            let mut sent = 0;
            while sent < 20 << 20 && s.write_all(chunk.as_bytes()).is_ok() {
                sent += chunk.len();
            }
        },
        "{}",
        t,
    )
    .await;
    assert_eq!(o.state, CheckState::Unknown);
    assert_eq!(
        o.message,
        "the metrics are larger than max_body_kb (4096 KiB); not judged"
    );
    eprintln!("20 MB with Content-Length: {took:?}");

    // Without one (read until the connection closes): cut after 4 MiB.
    let chunk = "node_load1 1\n".repeat(5000);
    let (o, took) = against(
        move |s| {
            let _ = s.write_all(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n");
            let mut sent = 0;
            while sent < 20 << 20 && s.write_all(chunk.as_bytes()).is_ok() {
                sent += chunk.len();
            }
        },
        "{}",
        t,
    )
    .await;
    assert_eq!(o.state, CheckState::Unknown);
    assert_eq!(
        o.message,
        "the metrics are larger than max_body_kb (4096 KiB); not judged"
    );
    eprintln!("20 MB until close: {took:?}");
    assert!(took < Duration::from_secs(5), "{took:?}");
}
