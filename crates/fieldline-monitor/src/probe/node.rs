//! `node_exporter`: one scrape of a Prometheus node_exporter (or windows_exporter)
//! `/metrics`, judged on CPU use, memory use, every real file system, load per core,
//! failed systemd units, a pending reboot and pending updates.
//!
//! [`judge`] is pure (text in, [`Outcome`] out) so every rule is a unit test; [`probe`]
//! fetches the text (bounded in size and time) and judges it. The text format is parsed by
//! the `prometheus-parse` crate, fed only the lines of the metrics read here: a line longer
//! than [`MAX_LINE`] is skipped unread, at most [`MAX_SERIES`] series are kept, so a
//! hostile answer costs a bounded amount of work beyond one pass over its lines.
//!
//! Metrics read (a missing one is simply not judged):
//!
//! | What | Linux node_exporter | windows_exporter |
//! |---|---|---|
//! | CPU | `node_cpu_seconds_total{cpu,mode}` (idle + iowait = not busy) | `windows_cpu_time_total{core,mode}` (idle vs idle + user + privileged) |
//! | memory | `node_memory_MemAvailable_bytes` / `MemTotal` (old kernels: Free + Buffers + Cached) | `windows_memory_available_bytes` or `windows_memory_physical_free_bytes` or `windows_os_physical_memory_free_bytes`, over `windows_memory_physical_total_bytes` or `windows_cs_physical_memory_bytes` or `windows_os_visible_memory_bytes` |
//! | file systems | `node_filesystem_{size,avail,free}_bytes`, `node_filesystem_readonly` | `windows_logical_disk_{size,free}_bytes{volume}` |
//! | load | `node_load5` (else `node_load1`) / CPUs | — |
//! | failed units | `node_systemd_unit_state{state="failed"} == 1` | — |
//! | reboot | `node_reboot_required > 0` (apt_info.py), `needrestart_kernel_status_info >= 2` | — |
//! | updates | sum of `apt_upgrades_pending` (apt_info.py) and `yum_upgrades_pending` | count of `windows_update_pending_info` |
//!
//! CPU use needs two scrapes: the first judges everything else and says CPU is not
//! measured yet; the caller keeps the returned [`CpuSample`] for the next one.
//!
//! A file system's use is what `df` shows, `used / (used + avail)` with
//! `used = size - free`, so the root-reserved blocks do not count as used; without
//! `free_bytes` it is `1 - avail / size`. Skipped: pseudo and memory file systems
//! ([`SKIPPED_FSTYPES`]), container and system mounts ([`SKIPPED_MOUNTS`]), read-only
//! ones (a squashfs or a CD is full by design) and Windows volumes without a drive letter
//! (`HarddiskVolumeN`: recovery partitions, nearly full by design).

use crate::outcome::{clean, Outcome};
use crate::probe::http::describe_error;
use crate::probe::seconds;
use fieldline_core::checks::NodeExporterSpec;
use fieldline_core::CheckState;
use futures_util::StreamExt;
use prometheus_parse::{LineInfo, Scrape, Value};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::time::{Duration, Instant};

/// Lines longer than this are skipped unread (node_exporter's longest are well under 1 KiB).
pub const MAX_LINE: usize = 16 * 1024;
/// At most this many series of the metrics read here are kept from one answer.
pub const MAX_SERIES: usize = 50_000;
/// Two scrapes closer than this are too close for a CPU reading (the counters tick at
/// 10 ms); the older sample is kept so the next scrape has a longer window.
pub const MIN_CPU_WINDOW: Duration = Duration::from_secs(1);

/// File system types never judged: pseudo, memory and container file systems.
pub const SKIPPED_FSTYPES: &[&str] = &[
    "autofs",
    "binfmt_misc",
    "bpf",
    "cgroup",
    "cgroup2",
    "configfs",
    "debugfs",
    "devpts",
    "devtmpfs",
    "efivarfs",
    "fuse.lxcfs",
    "fuse.portal",
    "fuse.snapfuse",
    "fusectl",
    "hugetlbfs",
    "iso9660",
    "mqueue",
    "nsfs",
    "overlay",
    "proc",
    "procfs",
    "pstore",
    "ramfs",
    "rootfs",
    "rpc_pipefs",
    "securityfs",
    "selinuxfs",
    "squashfs",
    "sysfs",
    "tmpfs",
    "tracefs",
    "udf",
];

/// Mount points (and everything below them) never judged.
pub const SKIPPED_MOUNTS: &[&str] = &[
    "/dev",
    "/proc",
    "/run",
    "/sys",
    "/snap",
    "/var/lib/docker",
    "/var/lib/containers",
    "/var/lib/kubelet/pods",
];

/// Every metric read; all other lines are skipped without parsing.
const READ: &[&str] = &[
    NODE_CPU,
    "node_memory_MemTotal_bytes",
    "node_memory_MemAvailable_bytes",
    "node_memory_MemFree_bytes",
    "node_memory_Buffers_bytes",
    "node_memory_Cached_bytes",
    FS_SIZE,
    FS_AVAIL,
    FS_FREE,
    FS_READONLY,
    "node_load1",
    "node_load5",
    UNIT_STATE,
    REBOOT,
    NEEDRESTART_KERNEL,
    APT_PENDING,
    YUM_PENDING,
    WIN_CPU,
    WIN_MEM_TOTAL[0],
    WIN_MEM_TOTAL[1],
    WIN_MEM_TOTAL[2],
    WIN_MEM_AVAILABLE[0],
    WIN_MEM_AVAILABLE[1],
    WIN_MEM_AVAILABLE[2],
    WIN_DISK_SIZE,
    WIN_DISK_FREE,
    WIN_UPDATE,
];

const NODE_CPU: &str = "node_cpu_seconds_total";
const FS_SIZE: &str = "node_filesystem_size_bytes";
const FS_AVAIL: &str = "node_filesystem_avail_bytes";
const FS_FREE: &str = "node_filesystem_free_bytes";
const FS_READONLY: &str = "node_filesystem_readonly";
const UNIT_STATE: &str = "node_systemd_unit_state";
const REBOOT: &str = "node_reboot_required";
const NEEDRESTART_KERNEL: &str = "needrestart_kernel_status_info";
const APT_PENDING: &str = "apt_upgrades_pending";
const YUM_PENDING: &str = "yum_upgrades_pending";
const WIN_CPU: &str = "windows_cpu_time_total";
/// Current name first (windows_exporter ≥ 0.30), then the older `cs`/`os` collectors'.
const WIN_MEM_TOTAL: [&str; 3] = [
    "windows_memory_physical_total_bytes",
    "windows_cs_physical_memory_bytes",
    "windows_os_visible_memory_bytes",
];
const WIN_MEM_AVAILABLE: [&str; 3] = [
    "windows_memory_available_bytes",
    "windows_memory_physical_free_bytes",
    "windows_os_physical_memory_free_bytes",
];
const WIN_DISK_SIZE: &str = "windows_logical_disk_size_bytes";
const WIN_DISK_FREE: &str = "windows_logical_disk_free_bytes";
const WIN_UPDATE: &str = "windows_update_pending_info";

/// What one scrape's CPU counters were, kept by the caller for the next scrape.
#[derive(Debug, Clone, PartialEq)]
pub struct CpuSample {
    /// When the scrape was judged.
    pub at: Instant,
    /// Seconds of every CPU in every mode counted (the window's denominator).
    total: f64,
    /// Seconds of every CPU not busy.
    idle: f64,
    /// How many CPUs (idle series) there were.
    cpus: usize,
}

/// Judges one answer of a node_exporter or windows_exporter. `previous` is the sample the
/// last scrape returned; the sample returned is the one to keep for the next scrape (the
/// previous one again when this answer held no usable CPU counters).
pub fn judge(
    text: &str,
    spec: &NodeExporterSpec,
    previous: Option<&CpuSample>,
    now: Instant,
) -> (Outcome, Option<CpuSample>) {
    let scan = Scan::read(text);
    if scan.is_empty() {
        return (
            Outcome::unknown(not_metrics(text, &scan)),
            previous.cloned(),
        );
    }
    let mut report = Report::default();

    let (cpu, sample) = cpu_reading(&scan, previous, now);
    match cpu {
        Cpu::Absent => {}
        Cpu::Pending => {
            report.summary.push("cpu not measured yet".into());
            report.notes.push("cpu not measured yet".into());
        }
        Cpu::Percent(p) => {
            report.summary.push(format!("cpu {}", percent(p)));
            report.measure(
                Rank::Cpu,
                p,
                spec.cpu_warn,
                spec.cpu_crit,
                format!("cpu {}", percent(p)),
            );
        }
    }

    match memory(&scan) {
        None => {}
        Some(Err(why)) => report.unknown(Rank::Unreadable, why),
        Some(Ok(p)) => {
            report.summary.push(format!("memory {}", percent(p)));
            report.measure(
                Rank::Memory,
                p,
                spec.memory_warn,
                spec.memory_crit,
                format!("memory {}", percent(p)),
            );
        }
    }

    let disks = disks(&scan);
    if let Some(fullest) = disks.iter().max_by(|a, b| a.percent.total_cmp(&b.percent)) {
        report.summary.push(format!(
            "disk max {} {}",
            percent(fullest.percent),
            fullest.name
        ));
    }
    for d in &disks {
        report.measure(
            Rank::Disk,
            d.percent,
            spec.disk_warn,
            spec.disk_crit,
            format!("disk {} {}", d.name, percent(d.percent)),
        );
    }

    if let Some(per_core) = load_per_core(&scan, sample.as_ref()) {
        let shown = format!("load {}/core", decimal(per_core));
        report.summary.push(shown.clone());
        report.measure(Rank::Load, per_core, spec.load_warn, spec.load_crit, shown);
    }

    if spec.failed_units {
        let failed = failed_units(&scan);
        if !failed.is_empty() {
            let noun = if failed.len() == 1 { "unit" } else { "units" };
            report.problem(
                CheckState::Crit,
                Rank::Units,
                0.0,
                format!("failed {noun}: {}", list(&failed, 3)),
            );
        }
    }

    if spec.reboot_required {
        if let Some(why) = reboot_required(&scan) {
            report.problem(CheckState::Warn, Rank::Reboot, 0.0, why);
        }
    }

    if let Some(pending) = pending_updates(&scan) {
        if spec.updates_warn > 0 && pending >= spec.updates_warn {
            let noun = if pending == 1 { "update" } else { "updates" };
            report.problem(
                CheckState::Warn,
                Rank::Updates,
                pending as f64,
                format!("{pending} {noun} pending (warn {})", spec.updates_warn),
            );
        }
    }

    if !scan.unreadable.is_empty() {
        let names: Vec<String> = scan.unreadable.iter().map(|n| n.to_string()).collect();
        report.unknown(
            Rank::Unreadable,
            format!(
                "unreadable values (NaN, Inf or not a number): {}",
                list(&names, 3)
            ),
        );
    }
    if !scan.duplicates.is_empty() {
        let names: Vec<String> = scan.duplicates.iter().map(|n| n.to_string()).collect();
        report.unknown(
            Rank::Unreadable,
            format!("duplicate series (first one used): {}", list(&names, 3)),
        );
    }
    if scan.too_many {
        report.unknown(
            Rank::Unreadable,
            format!("more than {MAX_SERIES} series; the rest were not read"),
        );
    }

    (report.outcome(), sample.or_else(|| previous.cloned()))
}

/// Fetches `url` and judges it. Unreachable (refused, timed out, DNS, TLS, HTTP 5xx) is
/// CRIT; an answer that is not readable metrics (HTTP 3xx/4xx, too large, not the text
/// format) is UNKNOWN. The whole fetch ends within `timeout`; at most `spec.max_body_kb`
/// KiB of the (decompressed) body is read. `memory` holds the CPU sample between scrapes;
/// a failed fetch leaves it as it is.
pub async fn probe(
    client: &reqwest::Client,
    url: &str,
    spec: &NodeExporterSpec,
    timeout: Duration,
    memory: &mut Option<CpuSample>,
) -> Outcome {
    let started = Instant::now();
    let body = match tokio::time::timeout(timeout, fetch(client, url, spec.max_body_kb)).await {
        Err(_) => {
            return Outcome::crit(
                None,
                format!("no complete answer within {}", seconds(timeout)),
            )
        }
        Ok(Err(outcome)) => return outcome,
        Ok(Ok(body)) => body,
    };
    let latency = started.elapsed().as_secs_f64() * 1000.0;
    let text = String::from_utf8_lossy(&body);
    let (mut outcome, sample) = judge(&text, spec, memory.as_ref(), Instant::now());
    *memory = sample;
    outcome.latency_ms = Some(latency);
    outcome
}

/// The body of a 2xx answer, or the outcome that says why there is none.
async fn fetch(client: &reqwest::Client, url: &str, max_body_kb: u64) -> Result<Vec<u8>, Outcome> {
    let started = Instant::now();
    let parsed = reqwest::Url::parse(url).map_err(|e| {
        Outcome::unknown(format!(
            "the metrics URL {:?} is not valid: {e}",
            clean(url, 100)
        ))
    })?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(Outcome::unknown(format!(
            "the metrics URL {:?} is not http or https",
            clean(url, 100)
        )));
    }
    let response = client
        .get(parsed)
        // The classic text format: OpenMetrics would change counter names and add `# EOF`.
        .header(
            reqwest::header::ACCEPT,
            "text/plain;version=0.0.4;q=1,*/*;q=0.1",
        )
        .send()
        .await
        .map_err(|e| Outcome::crit(None, describe_error(&e)))?;
    let status = response.status();
    let code = status.as_u16();
    if !status.is_success() {
        let latency = Some(started.elapsed().as_secs_f64() * 1000.0);
        let reason = status.canonical_reason().unwrap_or("");
        let message = if status.is_redirection() {
            let to = response
                .headers()
                .get(reqwest::header::LOCATION)
                .map(|l| String::from_utf8_lossy(l.as_bytes()).into_owned())
                .unwrap_or_default();
            format!(
                "HTTP {code}: the metrics moved to {:?}; put that address in url",
                clean(&to, 120)
            )
        } else if code == 401 || code == 403 {
            format!("HTTP {code} {reason}: the exporter asks for a login")
        } else if code == 404 {
            format!("HTTP {code} {reason}: no metrics at this URL (usually /metrics)")
        } else {
            format!("HTTP {code} {reason} from the metrics URL")
        };
        return Err(if status.is_server_error() {
            Outcome::crit(latency, message)
        } else {
            Outcome::new(CheckState::Unknown, latency, message)
        });
    }
    let limit = usize::try_from(max_body_kb.saturating_mul(1024)).unwrap_or(usize::MAX);
    let too_large = || {
        Outcome::new(
            CheckState::Unknown,
            Some(started.elapsed().as_secs_f64() * 1000.0),
            format!("the metrics are larger than max_body_kb ({max_body_kb} KiB); not judged"),
        )
    };
    if response.content_length().is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    let mut body = Vec::new();
    let mut stream = response.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| Outcome::crit(None, describe_error(&e)))?;
        if chunk.len() > limit - body.len() {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

// ---------------------------------------------------------------------------------------
// Reading the answer

/// The series of the metrics read, by metric name, and what was wrong with the answer.
#[derive(Default)]
struct Scan {
    series: HashMap<&'static str, Vec<(prometheus_parse::Labels, f64)>>,
    /// Metrics with a value that is NaN, infinite or not a number.
    unreadable: BTreeSet<&'static str>,
    /// Metrics with the same series twice.
    duplicates: BTreeSet<&'static str>,
    /// Lines that look like samples of other metrics.
    other_lines: usize,
    /// Lines longer than [`MAX_LINE`], skipped.
    long_lines: usize,
    /// More than [`MAX_SERIES`] series of the metrics read: the rest was skipped.
    too_many: bool,
}

impl Scan {
    fn read(text: &str) -> Scan {
        let mut scan = Scan::default();
        let mut seen: HashSet<(&str, &str)> = HashSet::new();
        let mut kept: Vec<String> = Vec::new();
        let mut kept_per_name: HashMap<&'static str, usize> = HashMap::new();
        for line in text.lines() {
            if line.len() > MAX_LINE {
                scan.long_lines += 1;
                continue;
            }
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let Some(name) = read_name(line) else {
                if looks_like_sample(line) {
                    scan.other_lines += 1;
                }
                continue;
            };
            if kept.len() >= MAX_SERIES {
                scan.too_many = true;
                break;
            }
            let LineInfo::Sample {
                metric_name,
                labels,
                ..
            } = LineInfo::parse(line)
            else {
                scan.unreadable.insert(name);
                continue;
            };
            if metric_name != name {
                continue;
            }
            // The raw label text: the crate's parsed labels lose values with commas
            // (windows_exporter's `core="0,1"`, apt_info.py's `origin="a,b"`).
            if !seen.insert((name, labels.unwrap_or(""))) {
                scan.duplicates.insert(name);
                continue;
            }
            kept.push(line.to_owned());
            *kept_per_name.entry(name).or_default() += 1;
        }
        let samples = Scrape::parse(kept.into_iter().map(Ok))
            .map(|s| s.samples)
            .unwrap_or_default();
        let mut parsed_per_name: HashMap<&'static str, usize> = HashMap::new();
        for sample in samples {
            let Some(name) = READ.iter().copied().find(|n| *n == sample.metric) else {
                continue;
            };
            *parsed_per_name.entry(name).or_default() += 1;
            let value = match sample.value {
                Value::Counter(v) | Value::Gauge(v) | Value::Untyped(v) => v,
                Value::Histogram(_) | Value::Summary(_) => f64::NAN,
            };
            if !value.is_finite() {
                scan.unreadable.insert(name);
                continue;
            }
            scan.series
                .entry(name)
                .or_default()
                .push((sample.labels, value));
        }
        // A line whose value is not a number is dropped by the parser.
        for (name, kept) in kept_per_name {
            if parsed_per_name.get(name).copied().unwrap_or(0) < kept {
                scan.unreadable.insert(name);
            }
        }
        scan
    }

    fn is_empty(&self) -> bool {
        self.series.is_empty() && self.unreadable.is_empty() && self.duplicates.is_empty()
    }

    fn all(&self, name: &str) -> &[(prometheus_parse::Labels, f64)] {
        self.series.get(name).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The value of a metric without labels (the first series if there are several).
    fn one(&self, name: &str) -> Option<f64> {
        self.all(name).first().map(|(_, v)| *v)
    }

    /// The first of `names` that has a value.
    fn first_of(&self, names: &[&str]) -> Option<f64> {
        names.iter().find_map(|n| self.one(n))
    }
}

/// The metric name of a sample line, if it is one read here.
fn read_name(line: &str) -> Option<&'static str> {
    let end = line
        .find(|c: char| c == '{' || c.is_whitespace())
        .unwrap_or(line.len());
    let name = &line[..end];
    READ.iter().copied().find(|n| *n == name)
}

/// Whether a line not read here looks like a sample: `name[{...}] value [timestamp]`.
fn looks_like_sample(line: &str) -> bool {
    if !line.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_' || c == ':') {
        return false;
    }
    let mut tokens = line.rsplit(char::is_whitespace).filter(|t| !t.is_empty());
    let is_number = |t: Option<&str>| t.is_some_and(|t| t.parse::<f64>().is_ok());
    let last = tokens.next();
    let before = tokens.next();
    before.is_some() && (is_number(last) || is_number(before))
}

/// Why an answer with none of the metrics read is not what was expected.
fn not_metrics(text: &str, scan: &Scan) -> String {
    let start = text.trim_start();
    if start.is_empty() {
        return "the answer is empty, no metrics".into();
    }
    if text.contains('\0') || text.matches('\u{FFFD}').take(9).count() > 8 {
        return "the answer is binary data, not Prometheus metrics".into();
    }
    if start.starts_with('<') {
        return match html_title(start) {
            Some(title) => {
                format!("the answer is an HTML page ({title:?}), not Prometheus metrics")
            }
            None => "the answer is an HTML or XML page, not Prometheus metrics".into(),
        };
    }
    if start.starts_with('{') || start.starts_with('[') {
        return "the answer is JSON, not Prometheus metrics".into();
    }
    if scan.other_lines > 0 {
        return format!(
            "no node_exporter or windows_exporter metrics among {} other series: is this the right exporter?",
            scan.other_lines
        );
    }
    if scan.long_lines > 0 {
        return format!(
            "the answer is not Prometheus metrics ({} over-long lines of more than {} KiB)",
            scan.long_lines,
            MAX_LINE / 1024
        );
    }
    let first = start.lines().next().unwrap_or("");
    format!(
        "the answer is not Prometheus metrics: {:?}",
        clean(first, 60)
    )
}

/// The `<title>` of an HTML page, cleaned, if it has one in its first 64 KiB.
fn html_title(html: &str) -> Option<String> {
    let mut end = html.len().min(64 * 1024);
    while !html.is_char_boundary(end) {
        end -= 1;
    }
    let head = &html[..end];
    // ASCII lowercasing keeps every byte offset.
    let lower = head.to_ascii_lowercase();
    let open = lower.find("<title")?;
    let text_start = open + lower[open..].find('>')? + 1;
    let text_end = text_start + lower[text_start..].find("</title")?;
    let title = clean(&head[text_start..text_end], 60);
    (!title.is_empty()).then_some(title)
}

// ---------------------------------------------------------------------------------------
// Measurements

enum Cpu {
    Absent,
    Pending,
    Percent(f64),
}

/// This scrape's CPU reading and the sample to keep.
fn cpu_reading(
    scan: &Scan,
    previous: Option<&CpuSample>,
    now: Instant,
) -> (Cpu, Option<CpuSample>) {
    let Some(current) = cpu_sample(scan, now) else {
        return (Cpu::Absent, None);
    };
    let Some(prev) = previous else {
        return (Cpu::Pending, Some(current));
    };
    let restarted = prev.cpus != current.cpus
        || current.total < prev.total
        || current.idle < prev.idle
        || now < prev.at;
    if restarted {
        return (Cpu::Pending, Some(current));
    }
    let total = current.total - prev.total;
    if now.duration_since(prev.at) < MIN_CPU_WINDOW || total <= 0.0 {
        return (Cpu::Pending, Some(prev.clone()));
    }
    let idle = current.idle - prev.idle;
    let busy = ((1.0 - idle / total) * 100.0).clamp(0.0, 100.0);
    (Cpu::Percent(busy), Some(current))
}

fn cpu_sample(scan: &Scan, now: Instant) -> Option<CpuSample> {
    // Linux: every mode is its own share of the CPU's time (guest time is a separate
    // metric). Windows: `dpc` and `interrupt` are parts of `privileged`, not more time.
    let (series, counted, not_busy): (_, &[&str], &[&str]) = if scan.series.contains_key(NODE_CPU) {
        (scan.all(NODE_CPU), &[], &["idle", "iowait"])
    } else if scan.series.contains_key(WIN_CPU) {
        (
            scan.all(WIN_CPU),
            &["idle", "user", "privileged"],
            &["idle"],
        )
    } else {
        return None;
    };
    let mut sample = CpuSample {
        at: now,
        total: 0.0,
        idle: 0.0,
        cpus: 0,
    };
    for (labels, value) in series {
        let mode = labels.get("mode").unwrap_or("");
        if !counted.is_empty() && !counted.contains(&mode) {
            continue;
        }
        sample.total += value;
        if not_busy.contains(&mode) {
            sample.idle += value;
        }
        if mode == "idle" {
            sample.cpus += 1;
        }
    }
    (sample.cpus > 0).then_some(sample)
}

/// Memory in use, per cent; `Err` when the exporter's numbers make no sense.
fn memory(scan: &Scan) -> Option<Result<f64, String>> {
    let (total, available) = if let Some(total) = scan.one("node_memory_MemTotal_bytes") {
        let available = scan.one("node_memory_MemAvailable_bytes").or_else(|| {
            // Kernels before 3.14 have no MemAvailable.
            Some(
                scan.one("node_memory_MemFree_bytes")?
                    + scan.one("node_memory_Buffers_bytes")?
                    + scan.one("node_memory_Cached_bytes")?,
            )
        });
        (total, available?)
    } else {
        (
            scan.first_of(&WIN_MEM_TOTAL)?,
            scan.first_of(&WIN_MEM_AVAILABLE)?,
        )
    };
    if total <= 0.0 || available < 0.0 {
        return Some(Err(format!(
            "memory unreadable (total {total}, available {available})"
        )));
    }
    Some(Ok(((1.0 - available / total) * 100.0).clamp(0.0, 100.0)))
}

struct Disk {
    /// Mount point or drive, cleaned.
    name: String,
    percent: f64,
}

fn disks(scan: &Scan) -> Vec<Disk> {
    let mut disks = Vec::new();
    // One file system's series share their labels; the labels' text is the key.
    let by_labels = |name: &str| -> HashMap<String, f64> {
        scan.all(name)
            .iter()
            .map(|(labels, v)| (labels.to_string(), *v))
            .collect()
    };
    let avail = by_labels(FS_AVAIL);
    let free = by_labels(FS_FREE);
    let readonly = by_labels(FS_READONLY);
    for (labels, size) in scan.all(FS_SIZE) {
        let key = labels.to_string();
        let fstype = labels.get("fstype").unwrap_or("");
        let mount = labels.get("mountpoint").unwrap_or("");
        if SKIPPED_FSTYPES.contains(&fstype)
            || skipped_mount(mount)
            || readonly.get(&key).is_some_and(|r| *r > 0.0)
            || *size <= 0.0
        {
            continue;
        }
        let Some(avail) = avail.get(&key) else {
            continue;
        };
        let used = free.get(&key).map(|free| size - free);
        let percent = match used {
            Some(used) if used + avail > 0.0 => used / (used + avail) * 100.0,
            _ => (1.0 - avail / size) * 100.0,
        };
        let name = if mount.is_empty() {
            labels.get("device").unwrap_or("?")
        } else {
            mount
        };
        disks.push(Disk {
            name: clean(name, 60),
            percent: percent.clamp(0.0, 100.0),
        });
    }
    let free = by_labels(WIN_DISK_FREE);
    for (labels, size) in scan.all(WIN_DISK_SIZE) {
        let volume = labels.get("volume").unwrap_or("");
        if volume.starts_with("HarddiskVolume") || *size <= 0.0 {
            continue;
        }
        let Some(free) = free.get(&labels.to_string()) else {
            continue;
        };
        disks.push(Disk {
            name: clean(volume, 60),
            percent: ((1.0 - free / size) * 100.0).clamp(0.0, 100.0),
        });
    }
    disks
}

fn skipped_mount(mount: &str) -> bool {
    SKIPPED_MOUNTS.iter().any(|m| {
        mount
            .strip_prefix(m)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    })
}

/// Load average (5 minutes, else 1 minute) per CPU.
fn load_per_core(scan: &Scan, cpu: Option<&CpuSample>) -> Option<f64> {
    let load = scan.one("node_load5").or_else(|| scan.one("node_load1"))?;
    let cpus = cpu?.cpus;
    (load >= 0.0).then(|| load / cpus as f64)
}

/// Names of the failed systemd units, sorted, cleaned.
fn failed_units(scan: &Scan) -> Vec<String> {
    let names: BTreeSet<String> = scan
        .all(UNIT_STATE)
        .iter()
        .filter(|(labels, v)| labels.get("state") == Some("failed") && *v >= 1.0)
        .map(|(labels, _)| clean(labels.get("name").unwrap_or("?"), 60))
        .collect();
    names.into_iter().collect()
}

fn reboot_required(scan: &Scan) -> Option<String> {
    if scan.all(REBOOT).iter().any(|(_, v)| *v > 0.0) {
        return Some("reboot required".into());
    }
    // needrestart_info.py: 2 = ABI upgrade, 3 = version upgrade of the kernel.
    if scan.all(NEEDRESTART_KERNEL).iter().any(|(_, v)| *v >= 2.0) {
        return Some("reboot required (newer kernel installed)".into());
    }
    None
}

/// Pending updates, if any exporter or textfile tells.
fn pending_updates(scan: &Scan) -> Option<u64> {
    let package_managers = [APT_PENDING, YUM_PENDING]
        .iter()
        .flat_map(|n| scan.all(n))
        .map(|(_, v)| v.max(0.0))
        .sum::<f64>();
    let windows = scan
        .all(WIN_UPDATE)
        .iter()
        .filter(|(_, v)| *v > 0.0)
        .count();
    let told = [APT_PENDING, YUM_PENDING, WIN_UPDATE]
        .iter()
        .any(|n| scan.series.contains_key(n));
    told.then(|| package_managers.round() as u64 + windows as u64)
}

// ---------------------------------------------------------------------------------------
// The verdict

/// Order of findings of the same state in the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Rank {
    Units,
    Disk,
    Memory,
    Cpu,
    Load,
    Reboot,
    Updates,
    Unreadable,
}

struct Finding {
    state: CheckState,
    rank: Rank,
    /// Within one rank, the larger first (the fullest disk).
    weight: f64,
    text: String,
}

#[derive(Default)]
struct Report {
    /// Everything not OK.
    findings: Vec<Finding>,
    /// What an OK message says, in order.
    summary: Vec<String>,
    /// Said after the findings, too.
    notes: Vec<String>,
}

impl Report {
    fn problem(&mut self, state: CheckState, rank: Rank, weight: f64, text: String) {
        self.findings.push(Finding {
            state,
            rank,
            weight,
            text,
        });
    }

    fn unknown(&mut self, rank: Rank, text: String) {
        self.problem(CheckState::Unknown, rank, 0.0, text);
    }

    /// A finding when `value` reaches `warn` or `crit`; `shown` is e.g. `disk /var 96%`.
    fn measure(&mut self, rank: Rank, value: f64, warn: f64, crit: f64, shown: String) {
        let value = tidy(value);
        let (state, word, limit) = if value >= crit {
            (CheckState::Crit, "crit", crit)
        } else if value >= warn {
            (CheckState::Warn, "warn", warn)
        } else {
            return;
        };
        self.problem(state, rank, value, format!("{shown} ({word} {limit})"));
    }

    fn outcome(mut self) -> Outcome {
        if self.findings.is_empty() {
            let message = if self.summary.is_empty() {
                "no problems found".to_owned()
            } else {
                self.summary.join(", ")
            };
            return Outcome::ok(None, message);
        }
        self.findings.sort_by(|a, b| {
            b.state
                .severity()
                .cmp(&a.state.severity())
                .then(a.rank.cmp(&b.rank))
                .then(b.weight.total_cmp(&a.weight))
        });
        let state = self
            .findings
            .iter()
            .fold(CheckState::Ok, |s, f| s.worst(f.state));
        const SHOWN: usize = 6;
        let mut parts: Vec<String> = self
            .findings
            .iter()
            .take(SHOWN)
            .map(|f| f.text.clone())
            .collect();
        if self.findings.len() > SHOWN {
            parts.push(format!("+{} more", self.findings.len() - SHOWN));
        }
        parts.extend(self.notes);
        Outcome::new(state, None, parts.join(", "))
    }
}

/// Without the noise of float subtraction (`74.99999999997` is 75), so the value
/// compared with a threshold is the one shown.
fn tidy(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}

/// `96%`: rounded down, so a value shown at a threshold has reached it.
fn percent(p: f64) -> String {
    format!("{}%", tidy(p).floor())
}

/// `0.3`, `1.96`, `4`: two decimals at most, rounded down.
fn decimal(v: f64) -> String {
    let text = format!("{:.2}", (tidy(v) * 100.0).floor() / 100.0);
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// `a, b, c (+2 more)`.
fn list(items: &[String], shown: usize) -> String {
    let mut text = items
        .iter()
        .take(shown)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > shown {
        text.push_str(&format!(" (+{} more)", items.len() - shown));
    }
    text
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// A real answer of Debian's node_exporter 1.5.0 (2 CPUs, `/` on ext4; load 5.55).
    const REAL: &str = include_str!("testdata/node_exporter_1.5.0.prom");

    fn spec(json: &str) -> NodeExporterSpec {
        serde_json::from_str(json).unwrap()
    }

    fn defaults() -> NodeExporterSpec {
        spec("{}")
    }

    /// Adds seconds to every CPU's counters: `idle` to idle, `busy` to user.
    fn bump_cpu(text: &str, idle: f64, busy: f64) -> String {
        text.lines()
            .map(|line| {
                let add = if !line.starts_with("node_cpu_seconds_total{")
                    && !line.starts_with("windows_cpu_time_total{")
                {
                    return format!("{line}\n");
                } else if line.contains("mode=\"idle\"") {
                    idle
                } else if line.contains("mode=\"user\"") {
                    busy
                } else {
                    0.0
                };
                let (series, value) = line.rsplit_once(' ').unwrap();
                let value: f64 = value.parse().unwrap();
                format!("{series} {}\n", value + add)
            })
            .collect()
    }

    fn two_scrapes(
        first: &str,
        second: &str,
        spec: &NodeExporterSpec,
        gap: Duration,
    ) -> (Outcome, Option<CpuSample>) {
        let t0 = Instant::now();
        let (_, sample) = judge(first, spec, None, t0);
        judge(second, spec, sample.as_ref(), t0 + gap)
    }

    #[test]
    fn real_answer_first_scrape_judges_all_but_cpu() {
        let (outcome, sample) = judge(REAL, &defaults(), None, Instant::now());
        assert_eq!(outcome.state, CheckState::Warn, "{outcome:?}");
        assert_eq!(
            outcome.message,
            "load 2.77/core (warn 2), cpu not measured yet"
        );
        assert_eq!(sample.unwrap().cpus, 2);

        let relaxed = spec(r#"{"load_warn": 10, "load_crit": 20}"#);
        let (outcome, _) = judge(REAL, &relaxed, None, Instant::now());
        assert_eq!(outcome.state, CheckState::Ok);
        // df: used 72.3 GB of used + avail 97.6 GB (avail / size alone would say 90%).
        assert_eq!(
            outcome.message,
            "cpu not measured yet, memory 4%, disk max 74% /, load 2.77/core"
        );
    }

    #[test]
    fn cpu_from_two_scrapes() {
        let relaxed = spec(r#"{"load_warn": 10, "load_crit": 20}"#);
        // Per CPU: 1 s idle, 3 s user: 75 % busy.
        let second = bump_cpu(REAL, 1.0, 3.0);
        let (outcome, sample) = two_scrapes(REAL, &second, &relaxed, Duration::from_secs(4));
        assert_eq!(outcome.state, CheckState::Ok);
        assert_eq!(
            outcome.message,
            "cpu 75%, memory 4%, disk max 74% /, load 2.77/core"
        );
        assert!(sample.unwrap().total > 0.0);

        let strict = spec(r#"{"load_warn": 10, "load_crit": 20, "cpu_warn": 70, "cpu_crit": 75}"#);
        let (outcome, _) = two_scrapes(REAL, &second, &strict, Duration::from_secs(4));
        assert_eq!(outcome.state, CheckState::Crit);
        assert_eq!(outcome.message, "cpu 75% (crit 75)");

        // iowait is not busy.
        let io = REAL.replace("mode=\"iowait\"} ", "mode=\"iowait\"} 1000+");
        let io: String = io
            .lines()
            .map(|l| match l.split_once("1000+") {
                Some((a, b)) => format!("{a}{}\n", 1000.0 + b.parse::<f64>().unwrap()),
                None => format!("{l}\n"),
            })
            .collect();
        let (outcome, _) = two_scrapes(REAL, &io, &relaxed, Duration::from_secs(4));
        assert!(
            outcome.message.starts_with("cpu 0%,"),
            "{}",
            outcome.message
        );
    }

    #[test]
    fn cpu_waits_for_a_long_enough_window_and_survives_restarts() {
        let relaxed = spec(r#"{"load_warn": 10, "load_crit": 20}"#);
        let t0 = Instant::now();
        let (_, first) = judge(REAL, &relaxed, None, t0);
        let first = first.unwrap();

        // Too close: not measured, and the older sample is kept.
        let second = bump_cpu(REAL, 0.1, 0.1);
        let (outcome, kept) = judge(
            &second,
            &relaxed,
            Some(&first),
            t0 + Duration::from_millis(300),
        );
        assert!(outcome.message.starts_with("cpu not measured yet"));
        assert_eq!(kept.as_ref(), Some(&first));

        // Counters went back (a reboot): start again from this scrape.
        let rebooted = bump_cpu(REAL, -5000.0, 0.0);
        let (outcome, fresh) = judge(
            &rebooted,
            &relaxed,
            Some(&first),
            t0 + Duration::from_secs(60),
        );
        assert!(outcome.message.starts_with("cpu not measured yet"));
        assert!(fresh.unwrap().idle < first.idle);

        // An answer with no CPU counters keeps the sample for later.
        let no_cpu: String = REAL
            .lines()
            .filter(|l| !l.starts_with("node_cpu_seconds_total"))
            .map(|l| format!("{l}\n"))
            .collect();
        let (outcome, kept) = judge(
            &no_cpu,
            &relaxed,
            Some(&first),
            t0 + Duration::from_secs(60),
        );
        assert_eq!(kept.as_ref(), Some(&first));
        // Without CPUs there is no load per core either.
        assert_eq!(outcome.message, "memory 4%, disk max 74% /");
    }

    const WINDOWS: &str = r#"# HELP windows_cpu_time_total Time that processor spent in different modes (dpc, idle, interrupt, privileged, user)
# TYPE windows_cpu_time_total counter
windows_cpu_time_total{core="0,0",mode="dpc"} 10
windows_cpu_time_total{core="0,0",mode="idle"} 1000
windows_cpu_time_total{core="0,0",mode="interrupt"} 20
windows_cpu_time_total{core="0,0",mode="privileged"} 100
windows_cpu_time_total{core="0,0",mode="user"} 200
windows_cpu_time_total{core="0,1",mode="dpc"} 10
windows_cpu_time_total{core="0,1",mode="idle"} 1100
windows_cpu_time_total{core="0,1",mode="interrupt"} 20
windows_cpu_time_total{core="0,1",mode="privileged"} 100
windows_cpu_time_total{core="0,1",mode="user"} 200
# TYPE windows_memory_available_bytes gauge
windows_memory_available_bytes 1.6e+09
# TYPE windows_memory_physical_total_bytes gauge
windows_memory_physical_total_bytes 1.6e+10
# TYPE windows_logical_disk_free_bytes gauge
windows_logical_disk_free_bytes{volume="C:"} 4e+09
windows_logical_disk_free_bytes{volume="D:"} 5e+11
windows_logical_disk_free_bytes{volume="HarddiskVolume1"} 1e+06
# TYPE windows_logical_disk_size_bytes gauge
windows_logical_disk_size_bytes{volume="C:"} 1e+11
windows_logical_disk_size_bytes{volume="D:"} 1e+12
windows_logical_disk_size_bytes{volume="HarddiskVolume1"} 5.24288e+08
# TYPE windows_update_pending_info gauge
windows_update_pending_info{category="Security Updates",severity="Critical",title="2026-11 Cumulative Update for Windows Server 2022 (KB5099999)"} 1
windows_update_pending_info{category="Definition Updates",severity="",title="Security Intelligence Update, Version 1.421.0"} 1
"#;

    #[test]
    fn windows_exporter() {
        let (outcome, sample) = judge(WINDOWS, &defaults(), None, Instant::now());
        // C: 96 % (crit 95), memory 90 % (warn 90), 2 updates; HarddiskVolume1 skipped.
        assert_eq!(outcome.state, CheckState::Crit);
        assert_eq!(
            outcome.message,
            "disk C: 96% (crit 95), memory 90% (warn 90), 2 updates pending (warn 1), cpu not measured yet"
        );
        // Two cores, though the crate reads both `core` labels as "0".
        assert_eq!(sample.unwrap().cpus, 2);

        // Per core: idle +2, user +2, dpc/interrupt are inside privileged: 50 %.
        let second = bump_cpu(WINDOWS, 2.0, 2.0).replace("mode=\"dpc\"} 10", "mode=\"dpc\"} 15");
        let quiet =
            spec(r#"{"updates_warn": 0, "memory_warn": 95, "disk_warn": 99, "disk_crit": 99.5}"#);
        let (outcome, _) = two_scrapes(WINDOWS, &second, &quiet, Duration::from_secs(5));
        assert_eq!(outcome.state, CheckState::Ok, "{outcome:?}");
        assert_eq!(outcome.message, "cpu 50%, memory 90%, disk max 96% C:");

        // The older exporters' names.
        let old =
            "windows_cs_physical_memory_bytes 8e9\nwindows_os_physical_memory_free_bytes 2e9\n";
        let (outcome, sample) = judge(old, &defaults(), None, Instant::now());
        assert_eq!(outcome.message, "memory 75%");
        assert!(sample.is_none());
    }

    #[test]
    fn filesystems_real_ones_only_worst_first() {
        let text = r#"
node_filesystem_size_bytes{device="/dev/sda1",fstype="ext4",mountpoint="/"} 1000
node_filesystem_avail_bytes{device="/dev/sda1",fstype="ext4",mountpoint="/"} 500
node_filesystem_size_bytes{device="/dev/sda2",fstype="xfs",mountpoint="/var"} 1000
node_filesystem_avail_bytes{device="/dev/sda2",fstype="xfs",mountpoint="/var"} 40
node_filesystem_size_bytes{device="/dev/sda3",fstype="btrfs",mountpoint="/home"} 1000
node_filesystem_avail_bytes{device="/dev/sda3",fstype="btrfs",mountpoint="/home"} 120
node_filesystem_size_bytes{device="tmpfs",fstype="tmpfs",mountpoint="/dev/shm"} 1000
node_filesystem_avail_bytes{device="tmpfs",fstype="tmpfs",mountpoint="/dev/shm"} 0
node_filesystem_size_bytes{device="overlay",fstype="overlay",mountpoint="/var/lib/docker/overlay2/abc/merged"} 1000
node_filesystem_avail_bytes{device="overlay",fstype="overlay",mountpoint="/var/lib/docker/overlay2/abc/merged"} 0
node_filesystem_size_bytes{device="/dev/loop0",fstype="squashfs",mountpoint="/snap/core/1"} 1000
node_filesystem_avail_bytes{device="/dev/loop0",fstype="squashfs",mountpoint="/snap/core/1"} 0
node_filesystem_size_bytes{device="/dev/sr0",fstype="ext4",mountpoint="/media/cdrom"} 1000
node_filesystem_avail_bytes{device="/dev/sr0",fstype="ext4",mountpoint="/media/cdrom"} 0
node_filesystem_readonly{device="/dev/sr0",fstype="ext4",mountpoint="/media/cdrom"} 1
node_filesystem_size_bytes{device="/dev/sdb1",fstype="ext4",mountpoint="/run/media/usb"} 1000
node_filesystem_avail_bytes{device="/dev/sdb1",fstype="ext4",mountpoint="/run/media/usb"} 0
node_filesystem_size_bytes{device="/dev/sdc1",fstype="ext4",mountpoint="/srv/empty"} 0
node_filesystem_avail_bytes{device="/dev/sdc1",fstype="ext4",mountpoint="/srv/empty"} 0
node_memory_MemTotal_bytes 1000
node_memory_MemAvailable_bytes 85
"#;
        let (outcome, _) = judge(text, &defaults(), None, Instant::now());
        assert_eq!(outcome.state, CheckState::Crit);
        assert_eq!(
            outcome.message,
            "disk /var 96% (crit 95), disk /home 88% (warn 85), memory 91% (warn 90)"
        );

        // With free_bytes, reserved blocks are not use (as df): 90 used, 5 avail = 94.7 %.
        let df = "node_filesystem_size_bytes{mountpoint=\"/data\",fstype=\"ext4\"} 100\n\
                  node_filesystem_free_bytes{mountpoint=\"/data\",fstype=\"ext4\"} 10\n\
                  node_filesystem_avail_bytes{mountpoint=\"/data\",fstype=\"ext4\"} 5\n";
        let (outcome, _) = judge(df, &defaults(), None, Instant::now());
        assert_eq!(outcome.message, "disk /data 94% (warn 85)");
    }

    #[test]
    fn many_problems_stay_short() {
        let mut text = String::new();
        for i in 0..100 {
            text += &format!(
                "node_filesystem_size_bytes{{fstype=\"ext4\",mountpoint=\"/srv/volume-number-{i}\"}} 100\n\
                 node_filesystem_avail_bytes{{fstype=\"ext4\",mountpoint=\"/srv/volume-number-{i}\"}} 1\n"
            );
        }
        let (outcome, _) = judge(&text, &defaults(), None, Instant::now());
        assert_eq!(outcome.state, CheckState::Crit);
        assert!(outcome.message.ends_with("+94 more"), "{}", outcome.message);
        assert!(outcome.message.chars().count() <= 301);
    }

    const TEXTFILE: &str = r#"# HELP node_systemd_unit_state Systemd unit
# TYPE node_systemd_unit_state gauge
node_systemd_unit_state{name="cron.service",state="active",type="simple"} 1
node_systemd_unit_state{name="cron.service",state="failed",type="simple"} 0
node_systemd_unit_state{name="nginx.service",state="active",type="simple"} 0
node_systemd_unit_state{name="nginx.service",state="failed",type="simple"} 1
node_systemd_unit_state{name="backup.service",state="failed",type="oneshot"} 1
node_systemd_unit_state{name="certbot.timer",state="failed",type=""} 1
node_systemd_unit_state{name="zfs-scrub.service",state="failed",type="oneshot"} 1
# HELP apt_upgrades_pending Apt packages pending updates by origin
# TYPE apt_upgrades_pending gauge
apt_upgrades_pending{arch="all",origin="Debian:bookworm/stable"} 2
apt_upgrades_pending{arch="amd64",origin="Debian:bookworm/stable,Debian:bookworm-updates/stable-updates"} 3
apt_upgrades_pending{arch="amd64",origin="Debian:bookworm/stable,Debian-Security:bookworm-security/stable-security"} 1
# HELP node_reboot_required Node reboot is required for software updates.
# TYPE node_reboot_required gauge
node_reboot_required 1
"#;

    #[test]
    fn units_reboot_and_updates() {
        let (outcome, _) = judge(TEXTFILE, &defaults(), None, Instant::now());
        assert_eq!(outcome.state, CheckState::Crit);
        assert_eq!(
            outcome.message,
            "failed units: backup.service, certbot.timer, nginx.service (+1 more), reboot required, 6 updates pending (warn 1)"
        );

        let off = spec(r#"{"failed_units": false, "reboot_required": false, "updates_warn": 7}"#);
        let (outcome, _) = judge(TEXTFILE, &off, None, Instant::now());
        assert_eq!(outcome.state, CheckState::Ok);
        assert_eq!(outcome.message, "no problems found");

        let kernel = "needrestart_kernel_status_info{current=\"6.1.0-25-amd64\",expected=\"6.1.0-27-amd64\"} 3\n\
                      node_systemd_unit_state{name=\"a.service\",state=\"failed\",type=\"simple\"} 1\n";
        let (outcome, _) = judge(kernel, &defaults(), None, Instant::now());
        assert_eq!(
            outcome.message,
            "failed unit: a.service, reboot required (newer kernel installed)"
        );
    }

    fn unknown(text: &str) -> String {
        let (outcome, sample) = judge(text, &defaults(), None, Instant::now());
        assert_eq!(outcome.state, CheckState::Unknown, "{outcome:?}");
        assert!(sample.is_none());
        outcome.message
    }

    #[test]
    fn not_metrics_is_unknown_with_a_reason() {
        assert_eq!(unknown(""), "the answer is empty, no metrics");
        assert_eq!(unknown(" \n\n "), "the answer is empty, no metrics");
        assert_eq!(
            unknown("<!DOCTYPE html>\n<html><head><title>Sign in \u{1b}[31m- Acme\nPortal</title></head><body>node_load1 3</body></html>"),
            "the answer is an HTML page (\"Sign in [31m- Acme Portal\"), not Prometheus metrics"
        );
        assert_eq!(
            unknown("<html><body>502</body></html>"),
            "the answer is an HTML or XML page, not Prometheus metrics"
        );
        assert_eq!(
            unknown(r#"{"status":"ok"}"#),
            "the answer is JSON, not Prometheus metrics"
        );
        assert_eq!(
            unknown("\u{0}\u{1}\u{2}node_load1 1\n"),
            "the answer is binary data, not Prometheus metrics"
        );
        assert_eq!(
            unknown(&"\u{FFFD}".repeat(20)),
            "the answer is binary data, not Prometheus metrics"
        );
        assert_eq!(
            unknown("# HELP go_goroutines x\ngo_goroutines 8\nprocess_cpu_seconds_total 1.5\n"),
            "no node_exporter or windows_exporter metrics among 2 other series: is this the right exporter?"
        );
        assert_eq!(
            unknown("hello\u{202E} world"),
            "the answer is not Prometheus metrics: \"hello world\""
        );
        let long = "x".repeat(10 * 1024 * 1024);
        assert_eq!(
            unknown(&long),
            "the answer is not Prometheus metrics (1 over-long lines of more than 16 KiB)"
        );
        // A 10 MB line that starts like a metric read here is skipped, not parsed.
        let long = format!("node_load1{{a=\"{}\"}} 1\n", "y".repeat(10 * 1024 * 1024));
        assert!(unknown(&long).contains("over-long lines"));
    }

    #[test]
    fn bad_values_are_unknown_not_a_panic() {
        let (outcome, _) = judge(
            "node_memory_MemTotal_bytes NaN\nnode_memory_MemAvailable_bytes 5\n",
            &defaults(),
            None,
            Instant::now(),
        );
        assert_eq!(outcome.state, CheckState::Unknown);
        assert_eq!(
            outcome.message,
            "unreadable values (NaN, Inf or not a number): node_memory_MemTotal_bytes"
        );

        let (outcome, _) = judge(
            "node_load5 +Inf\nnode_load1 abc\nnode_memory_MemTotal_bytes 0\nnode_memory_MemAvailable_bytes 5\n",
            &defaults(),
            None,
            Instant::now(),
        );
        assert_eq!(outcome.state, CheckState::Unknown);
        assert_eq!(
            outcome.message,
            "memory unreadable (total 0, available 5), unreadable values (NaN, Inf or not a number): node_load1, node_load5"
        );

        // Duplicates: the first one counts, and the answer is flagged.
        let dup = "node_memory_MemTotal_bytes 100\nnode_memory_MemTotal_bytes 1\nnode_memory_MemAvailable_bytes 50\n";
        let (outcome, _) = judge(dup, &defaults(), None, Instant::now());
        assert_eq!(outcome.state, CheckState::Unknown);
        assert_eq!(
            outcome.message,
            "duplicate series (first one used): node_memory_MemTotal_bytes"
        );
        // ... but a real problem still outranks it.
        let (outcome, _) = judge(
            &format!("{dup}node_reboot_required 1\n"),
            &defaults(),
            None,
            Instant::now(),
        );
        assert_eq!(outcome.state, CheckState::Warn);
        assert!(outcome
            .message
            .starts_with("reboot required, duplicate series"));

        // Hostile label values are cleaned.
        let hostile = "node_filesystem_size_bytes{fstype=\"ext4\",mountpoint=\"/mnt/\u{1b}[2J\u{202E}x\"} 10\n\
                       node_filesystem_avail_bytes{fstype=\"ext4\",mountpoint=\"/mnt/\u{1b}[2J\u{202E}x\"} 0\n";
        let (outcome, _) = judge(hostile, &defaults(), None, Instant::now());
        assert_eq!(outcome.message, "disk /mnt/ [2J x 100% (crit 95)");

        // Histogram or odd syntax in a metric read here: no panic.
        for odd in [
            "# TYPE node_load5 histogram\nnode_load5_bucket{le=\"1\"} 3\nnode_load5{le=\"+Inf\"} 3\n",
            "node_load5{",
            "node_load5{a=\"b\"",
            "node_load5 1 2 3 4",
            "node_load5{}} 1",
            "node_cpu_seconds_total{mode=\"idle\"} -5\n",
            "node_systemd_unit_state{state=\"failed\"} 1\n",
        ] {
            let _ = judge(odd, &defaults(), None, Instant::now());
        }
    }

    #[test]
    fn work_is_bounded() {
        // 60,000 series of a metric read here: the first 50,000 are read, then it stops.
        let mut text = String::with_capacity(5 << 20);
        for i in 0..60_000 {
            text +=
                &format!("node_systemd_unit_state{{name=\"u{i}.service\",state=\"active\"}} 1\n");
        }
        let started = Instant::now();
        let (outcome, _) = judge(&text, &defaults(), None, Instant::now());
        assert_eq!(outcome.state, CheckState::Unknown);
        assert_eq!(
            outcome.message,
            "more than 50000 series; the rest were not read"
        );
        eprintln!(
            "60,000 series ({} MB) judged in {:?}",
            text.len() >> 20,
            started.elapsed()
        );

        // 4 MB of other metrics are skipped without parsing.
        let mut text = String::from(REAL);
        while text.len() < 4 << 20 {
            text += "go_memstats_alloc_bytes_total{instance=\"some-other-series\"} 1.234e+09\n";
        }
        let started = Instant::now();
        let (outcome, _) = judge(&text, &defaults(), None, Instant::now());
        assert_eq!(outcome.state, CheckState::Warn);
        eprintln!("4 MB real answer judged in {:?}", started.elapsed());
    }

    #[test]
    fn formatting() {
        assert_eq!(percent(95.99), "95%");
        assert_eq!(percent(0.0), "0%");
        assert_eq!(decimal(0.3), "0.3");
        assert_eq!(decimal(2.775), "2.77");
        assert_eq!(decimal(4.0), "4");
        assert_eq!(list(&["a".into(), "b".into()], 3), "a, b");
        assert!(skipped_mount("/run"));
        assert!(skipped_mount("/run/user/1000"));
        assert!(!skipped_mount("/running"));
        assert!(!skipped_mount("/"));
    }
}
