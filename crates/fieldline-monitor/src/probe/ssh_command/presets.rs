//! Presets of the `ssh_command` check: for each, the remote command and the parser that
//! judges what it printed. Both are pure, so the parsers are tested on real outputs.
//!
//! Every preset runs as `sh -c '<one line of POSIX sh>'`, so the login shell (bash, dash,
//! zsh, csh, fish) does not matter; the line has no backslashes and no newlines, and the
//! only user text in it (the backup repository) is single-quoted. It adds the sbin folders
//! to `PATH` (non-root SSH sessions often lack them) and sets `LC_ALL=C` (parsable
//! output). Where a script runs several things it marks them with `@@fieldline …` lines.

use super::{first_lines, with_excerpt, CommandOutput};
use fieldline_core::checks::{CheckState, SshCommandSpec, SshPreset};

pub const DISK_WARN: f64 = 85.0;
pub const DISK_CRIT: f64 = 95.0;
pub const BACKUP_WARN_HOURS: f64 = 26.0;
pub const BACKUP_CRIT_HOURS: f64 = 50.0;

const MARK: &str = "@@fieldline ";
const PRELUDE: &str = r#"PATH="$PATH:/usr/local/sbin:/usr/local/bin:/usr/sbin:/sbin"; export PATH; LC_ALL=C; export LC_ALL; "#;

/// `df -P` in 1024-byte blocks, local file systems only and with their type where `df`
/// can (GNU), plain `df -Pk` otherwise (BusyBox). No network file system can hang it then.
const DISK_SCRIPT: &str = "if df -PkTl / >/dev/null 2>&1; then df -PkTl; else df -Pk; fi";

const FAILED_SCRIPT: &str = "if command -v systemctl >/dev/null 2>&1; then \
     systemctl --failed --no-legend --plain --no-pager; \
     else echo '@@fieldline no-systemctl'; fi";

/// apt: a simulated upgrade (no root needed, no lock, no network: the host's package
/// lists as of its last `apt-get update`). dnf/yum: from the system cache (`-C`), security
/// advisories first, `check-update` last so that its exit status (100: updates) is the
/// script's.
const UPDATES_SCRIPT: &str = "if command -v apt-get >/dev/null 2>&1; then \
     echo '@@fieldline apt'; apt-get -s upgrade; \
     elif command -v dnf >/dev/null 2>&1; then echo '@@fieldline dnf'; \
     dnf -q -C updateinfo list --security 2>/dev/null; rc=$?; echo; \
     echo \"@@fieldline security-exit $rc\"; \
     echo '@@fieldline updates'; dnf -q -C check-update; \
     elif command -v yum >/dev/null 2>&1; then echo '@@fieldline yum'; \
     yum -q -C updateinfo list security 2>/dev/null; rc=$?; echo; \
     echo \"@@fieldline security-exit $rc\"; \
     echo '@@fieldline updates'; yum -q -C check-update; \
     else echo '@@fieldline none'; fi";

const REBOOT_SCRIPT: &str = "if [ -f /var/run/reboot-required ]; then \
     echo '@@fieldline reboot-required'; cat /var/run/reboot-required.pkgs 2>/dev/null; true; \
     elif command -v needs-restarting >/dev/null 2>&1; then \
     echo '@@fieldline needs-restarting'; needs-restarting -r; \
     elif command -v dnf >/dev/null 2>&1 && dnf needs-restarting --help >/dev/null 2>&1; then \
     echo '@@fieldline needs-restarting'; dnf -q needs-restarting -r; \
     elif [ -d /var/lib/dpkg ]; then echo '@@fieldline debian'; \
     else echo '@@fieldline unknown'; fi";

/// The remote command of a preset, or why it cannot be built.
pub fn command(preset: SshPreset, spec: &SshCommandSpec) -> Result<String, String> {
    let script = match preset {
        SshPreset::DiskUsage => DISK_SCRIPT.to_owned(),
        SshPreset::FailedServices => FAILED_SCRIPT.to_owned(),
        SshPreset::PendingUpdates => UPDATES_SCRIPT.to_owned(),
        SshPreset::RebootRequired => REBOOT_SCRIPT.to_owned(),
        SshPreset::BackupAge => backup_script(spec.repository.as_deref().unwrap_or(""))?,
    };
    Ok(format!(
        "sh -c {}",
        shell_quote(&format!("{PRELUDE}{script}"))
    ))
}

/// `text` as one single-quoted POSIX sh word (`'` becomes `'"'"'`).
pub fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r#"'"'"'"#))
}

/// restic first (`snapshots --json --latest 1`, without a lock); if that is not installed
/// or fails, borg (`list --json --last 1`, without a lock). stdin is /dev/null, so a
/// password prompt fails at once. The host's clock is printed first: ages are measured
/// against it, not the technician's.
fn backup_script(repository: &str) -> Result<String, String> {
    if repository.trim().is_empty() {
        return Err("backup_age needs the repository (restic or borg) to look at".into());
    }
    if repository.chars().any(char::is_control) {
        return Err("the repository has control characters".into());
    }
    Ok(format!(
        "repo={}; echo \"@@fieldline now $(date +%s) $(date +%Y-%m-%dT%H:%M:%S)\"; rc=none; \
         if command -v restic >/dev/null 2>&1; then echo '@@fieldline restic'; \
         restic --no-lock -r \"$repo\" snapshots --json --latest 1 </dev/null; rc=$?; echo; \
         echo \"@@fieldline exit $rc\"; fi; \
         if [ \"$rc\" != 0 ] && command -v borg >/dev/null 2>&1; then echo '@@fieldline borg'; \
         borg list --json --last 1 --bypass-lock -- \"$repo\" </dev/null; rc=$?; echo; \
         echo \"@@fieldline exit $rc\"; fi; \
         if [ \"$rc\" = none ]; then echo '@@fieldline none'; fi",
        shell_quote(repository)
    ))
}

/// Judges a preset's output.
pub fn judge(
    preset: SshPreset,
    spec: &SshCommandSpec,
    out: &CommandOutput,
) -> (CheckState, String) {
    match preset {
        SshPreset::DiskUsage => judge_disk(
            out,
            spec.warn.unwrap_or(DISK_WARN),
            spec.crit.unwrap_or(DISK_CRIT),
        ),
        SshPreset::FailedServices => judge_failed_services(out),
        SshPreset::PendingUpdates => judge_pending_updates(out),
        SshPreset::RebootRequired => judge_reboot_required(out),
        SshPreset::BackupAge => judge_backup_age(
            out,
            spec.warn.unwrap_or(BACKUP_WARN_HOURS),
            spec.crit.unwrap_or(BACKUP_CRIT_HOURS),
        ),
    }
}

/// The script's `@@fieldline` sections in order: (the marker's text, the lines after it).
/// Lines before the first marker come as a section named "".
fn sections(text: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if let Some(name) = line.strip_prefix(MARK) {
            out.push((name.trim().to_owned(), String::new()));
            continue;
        }
        if out.is_empty() {
            out.push((String::new(), String::new()));
        }
        if let Some((_, body)) = out.last_mut() {
            body.push_str(line);
            body.push('\n');
        }
    }
    out
}

fn threshold_state(value: f64, warn: f64, crit: f64) -> CheckState {
    if value >= crit {
        CheckState::Crit
    } else if value >= warn {
        CheckState::Warn
    } else {
        CheckState::Ok
    }
}

fn list(names: &[String], max: usize) -> String {
    let mut text = names
        .iter()
        .take(max)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > max {
        text.push_str(&format!(" and {} more", names.len() - max));
    }
    text
}

fn number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

// ---------------------------------------------------------------------------------------
// disk_usage

/// One line of `df -P` (`-T`: with the type).
#[derive(Debug, Clone, PartialEq)]
pub struct DfRow {
    pub filesystem: String,
    pub fs_type: Option<String>,
    pub size_kib: u64,
    pub avail_kib: u64,
    pub used_percent: f64,
    pub mount: String,
}

/// The rows of `df -Pk` or `df -PkT` output (lines that do not parse are skipped: a
/// header, `-` for no capacity, ...).
pub fn parse_df(text: &str) -> Vec<DfRow> {
    let mut with_type = false;
    let mut rows = Vec::new();
    for line in text.lines() {
        if line.starts_with("Filesystem") {
            with_type = line.split_whitespace().nth(1) == Some("Type");
            continue;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        let (fs_type, rest) = match (with_type, fields.get(1..)) {
            (true, Some(rest)) if rest.len() >= 6 => (Some(rest[0].to_owned()), &rest[1..]),
            (false, Some(rest)) if rest.len() >= 5 => (None, rest),
            _ => continue,
        };
        let (Ok(size), Ok(_used), Ok(avail), Ok(pct)) = (
            rest[0].parse::<u64>(),
            rest[1].parse::<u64>(),
            rest[2].parse::<u64>(),
            rest[3].trim_end_matches('%').parse::<f64>(),
        ) else {
            continue;
        };
        rows.push(DfRow {
            filesystem: fields[0].to_owned(),
            fs_type,
            size_kib: size,
            avail_kib: avail,
            used_percent: pct,
            mount: rest[4..].join(" "),
        });
    }
    rows
}

/// Whether a df row is not a disk worth a warning: memory and kernel file systems, read-
/// only images (snaps, ISOs: always 100 %), container and kubelet mounts (the same disk
/// again), empty ones.
pub fn is_pseudo(row: &DfRow) -> bool {
    const TYPES: &[&str] = &[
        "tmpfs",
        "devtmpfs",
        "ramfs",
        "squashfs",
        "iso9660",
        "udf",
        "proc",
        "sysfs",
        "devpts",
        "cgroup",
        "cgroup2",
        "efivarfs",
        "autofs",
        "nsfs",
        "tracefs",
        "debugfs",
        "securityfs",
        "pstore",
        "bpf",
        "configfs",
        "fusectl",
        "mqueue",
        "hugetlbfs",
        "binfmt_misc",
        "rpc_pipefs",
        "fuse.lxcfs",
        "fuse.gvfsd-fuse",
        "fuse.portal",
        "fuse.snapfuse",
    ];
    const SOURCES: &[&str] = &[
        "tmpfs",
        "devtmpfs",
        "udev",
        "none",
        "shm",
        "proc",
        "sysfs",
        "cgroup",
        "cgroup2",
        "devpts",
        "mqueue",
        "lxcfs",
        "portal",
        "gvfsd-fuse",
        "snapfuse",
    ];
    const MOUNTS: &[&str] = &[
        "/proc",
        "/sys",
        "/dev",
        "/run",
        "/snap",
        "/var/lib/docker",
        "/var/lib/containers",
        "/var/lib/kubelet",
        "/var/snap/lxd/common/lxd/storage-pools",
    ];
    let under = |prefix: &str| {
        row.mount == prefix
            || row
                .mount
                .strip_prefix(prefix)
                .is_some_and(|rest| rest.starts_with('/'))
    };
    row.size_kib == 0
        || row.fs_type.as_deref().is_some_and(|t| TYPES.contains(&t))
        || SOURCES.contains(&row.filesystem.as_str())
        || row.filesystem.starts_with("/dev/loop")
        || row.filesystem.starts_with("/dev/sr")
        || MOUNTS.iter().any(|m| under(m))
}

/// `1.5 GiB` for a size in KiB.
pub fn human_kib(kib: u64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut value = kib as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if value >= 100.0 || unit == 0 {
        format!("{value:.0} {}", UNITS[unit])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// The fullest real file system against `warn`/`crit` per cent; every one over a
/// threshold is named.
pub fn judge_disk(out: &CommandOutput, warn: f64, crit: f64) -> (CheckState, String) {
    let mut rows: Vec<DfRow> = parse_df(&out.stdout)
        .into_iter()
        .filter(|r| !is_pseudo(r))
        .collect();
    if rows.is_empty() {
        let exit = out.exit.map(|c| format!(" (exit {c})")).unwrap_or_default();
        return (
            CheckState::Unknown,
            with_excerpt(&format!("df listed no disk{exit}"), out),
        );
    }
    rows.sort_by(|a, b| b.used_percent.total_cmp(&a.used_percent));
    let thresholds = format!("warn {}%, crit {}%", number(warn), number(crit));
    let top = &rows[0];
    let state = threshold_state(top.used_percent, warn, crit);
    if state == CheckState::Ok {
        return (
            state,
            format!(
                "{} {}% used, {} free; the fullest of {} file system{} ({thresholds})",
                top.mount,
                number(top.used_percent),
                human_kib(top.avail_kib),
                rows.len(),
                if rows.len() == 1 { "" } else { "s" }
            ),
        );
    }
    let full: Vec<String> = rows
        .iter()
        .filter(|r| threshold_state(r.used_percent, warn, crit) != CheckState::Ok)
        .map(|r| {
            format!(
                "{} {}% used ({} free)",
                r.mount,
                number(r.used_percent),
                human_kib(r.avail_kib)
            )
        })
        .collect();
    (state, format!("{} ({thresholds})", list(&full, 6)))
}

// ---------------------------------------------------------------------------------------
// failed_services

/// The unit names in `systemctl --failed --no-legend --plain` output.
pub fn parse_failed_units(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| !l.starts_with(MARK))
        .filter_map(|l| {
            l.trim()
                .trim_start_matches(['●', '*'])
                .split_whitespace()
                .next()
                .map(str::to_owned)
        })
        .collect()
}

pub fn judge_failed_services(out: &CommandOutput) -> (CheckState, String) {
    if out.stdout.contains("@@fieldline no-systemctl") {
        return (
            CheckState::Unknown,
            "no systemctl on this host: failed_services needs systemd (use a command check on other init systems)".into(),
        );
    }
    if out.exit != Some(0) {
        let what = if out.stderr.contains("not been booted with systemd")
            || out.stderr.contains("Failed to connect to bus")
        {
            "systemd is not running on this host, so systemctl cannot tell".to_owned()
        } else {
            match out.exit {
                Some(code) => format!("systemctl --failed failed (exit {code})"),
                None => "systemctl --failed did not finish".to_owned(),
            }
        };
        return (CheckState::Unknown, with_excerpt(&what, out));
    }
    let units = parse_failed_units(&out.stdout);
    if units.is_empty() {
        return (CheckState::Ok, "no failed systemd units".into());
    }
    (
        CheckState::Crit,
        format!(
            "{} failed unit{}: {}",
            units.len(),
            if units.len() == 1 { "" } else { "s" },
            list(&units, 10)
        ),
    )
}

// ---------------------------------------------------------------------------------------
// pending_updates

/// What `apt-get -s upgrade` would do.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AptPlan {
    /// Packages it would install (`Inst` lines: upgrades and new dependencies).
    pub packages: Vec<String>,
    /// Those coming from a security archive (`Debian-Security:…`, `…-security`).
    pub security: Vec<String>,
    /// From the summary line `N upgraded, M newly installed, R to remove and K not upgraded.`
    pub upgraded: Option<usize>,
    pub newly_installed: Option<usize>,
    pub kept_back: Option<usize>,
}

pub fn parse_apt_simulation(text: &str) -> AptPlan {
    let mut plan = AptPlan::default();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("Inst ") {
            let Some(name) = rest.split_whitespace().next() else {
                continue;
            };
            plan.packages.push(name.to_owned());
            let origin = rest.find('(').map(|i| &rest[i..]).unwrap_or("");
            if origin.to_ascii_lowercase().contains("security") {
                plan.security.push(name.to_owned());
            }
        } else if line.contains(" upgraded, ") && line.contains(" not upgraded") {
            let count = |label: &str| -> Option<usize> {
                line.split(',')
                    .flat_map(|part| part.split(" and "))
                    .find(|part| part.trim().ends_with(label))
                    .and_then(|part| part.split_whitespace().next())
                    .and_then(|n| n.parse().ok())
            };
            plan.upgraded = count("upgraded");
            plan.newly_installed = count("newly installed");
            plan.kept_back = count("not upgraded.");
        }
    }
    plan
}

/// Package names in `dnf check-update` / `yum check-update` output (the obsoletes
/// section and notices skipped).
pub fn parse_dnf_check_update(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    for line in text.lines() {
        if line.starts_with("Obsoleting") {
            break;
        }
        if line.starts_with(char::is_whitespace) || line.starts_with(MARK) {
            continue;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.len() == 3 && fields[0].contains('.') && !fields[0].ends_with(':') {
            names.push(fields[0].to_owned());
        }
    }
    names
}

/// Packages named by security advisories in `dnf updateinfo list --security` (dnf 4:
/// `RHSA-… Important/Sec. pkg-ver.arch`; dnf 5: `RHSA-… security Important pkg-ver.arch
/// date`) or `yum updateinfo list security`.
pub fn parse_dnf_security(text: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for line in text.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let package = match fields.as_slice() {
            [_, kind, package, ..] if kind.ends_with("/Sec.") => package,
            [_, kind, _, package, ..] if kind.eq_ignore_ascii_case("security") => package,
            _ => continue,
        };
        if !names.iter().any(|n| n == package) {
            names.push((*package).to_owned());
        }
    }
    names
}

pub fn judge_pending_updates(out: &CommandOutput) -> (CheckState, String) {
    let parts = sections(&out.stdout);
    let tool = parts
        .iter()
        .find(|(name, _)| !name.is_empty())
        .map(|(name, _)| name.as_str());
    match tool {
        Some("apt") => judge_apt(out),
        Some(tool @ ("dnf" | "yum")) => judge_dnf(tool, &parts, out),
        Some("none") => (
            CheckState::Unknown,
            "no apt-get, dnf or yum on this host: pending_updates knows Debian/Ubuntu and RHEL-like systems".into(),
        ),
        _ => (
            CheckState::Unknown,
            with_excerpt("unexpected output from the pending_updates script", out),
        ),
    }
}

fn judge_apt(out: &CommandOutput) -> (CheckState, String) {
    if out.exit != Some(0) {
        let exit = out.exit.map(|c| format!(" (exit {c})")).unwrap_or_default();
        let detail = first_lines(&out.stderr, 3, 200);
        let message = if detail.is_empty() {
            format!("apt-get -s upgrade failed{exit}")
        } else {
            format!("apt-get -s upgrade failed{exit}: {detail}")
        };
        return (CheckState::Unknown, message);
    }
    let plan = parse_apt_simulation(&out.stdout);
    let counted = plan.upgraded.unwrap_or(0) + plan.newly_installed.unwrap_or(0);
    let total = counted.max(plan.packages.len());
    let kept = match plan.kept_back {
        Some(k) if k > 0 => format!("; {k} kept back"),
        _ => String::new(),
    };
    let at_least = if out.stdout_cut { "at least " } else { "" };
    if total == 0 {
        return (
            CheckState::Ok,
            format!("no pending updates (apt, as of the host's last apt-get update){kept}"),
        );
    }
    if !plan.security.is_empty() {
        return (
            CheckState::Crit,
            format!(
                "{total} pending update{}, {at_least}{} from security: {}{kept}",
                plural(total),
                plan.security.len(),
                list(&plan.security, 8)
            ),
        );
    }
    (
        CheckState::Warn,
        format!(
            "{total} pending update{}: {}{kept}",
            plural(total),
            list(&plan.packages, 8)
        ),
    )
}

fn judge_dnf(tool: &str, parts: &[(String, String)], out: &CommandOutput) -> (CheckState, String) {
    let body = |name: &str| {
        parts
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, b)| b.as_str())
    };
    let security_ok = parts.iter().any(|(n, _)| n == "security-exit 0");
    let security = if security_ok {
        body(tool).map(parse_dnf_security)
    } else {
        None
    };
    let packages = body("updates")
        .map(parse_dnf_check_update)
        .unwrap_or_default();
    match out.exit {
        Some(0) => (
            CheckState::Ok,
            format!("no pending updates ({tool} check-update, from the host's metadata cache)"),
        ),
        Some(100) => {
            let count = if packages.is_empty() {
                "updates pending".to_owned()
            } else {
                format!(
                    "{} pending update{}",
                    packages.len(),
                    plural(packages.len())
                )
            };
            match security {
                Some(sec) if !sec.is_empty() => (
                    CheckState::Crit,
                    format!(
                        "{count}, {} from security advisories: {}",
                        sec.len(),
                        list(&sec, 8)
                    ),
                ),
                Some(_) => (CheckState::Warn, format!("{count}: {}", list(&packages, 8))),
                None => (
                    CheckState::Warn,
                    format!(
                        "{count} (security advisories unknown): {}",
                        list(&packages, 8)
                    ),
                ),
            }
        }
        other => {
            let exit = other.map(|c| format!(" (exit {c})")).unwrap_or_default();
            let detail = first_lines(&out.stderr, 3, 200);
            (
                CheckState::Unknown,
                format!("{tool} check-update failed{exit}: {detail}"),
            )
        }
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

// ---------------------------------------------------------------------------------------
// reboot_required

pub fn judge_reboot_required(out: &CommandOutput) -> (CheckState, String) {
    let parts = sections(&out.stdout);
    let Some((tool, body)) = parts.iter().find(|(name, _)| !name.is_empty()) else {
        return (
            CheckState::Unknown,
            with_excerpt("unexpected output from the reboot_required script", out),
        );
    };
    match tool.as_str() {
        "reboot-required" => {
            let packages: Vec<String> = body
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect();
            let because = if packages.is_empty() {
                String::new()
            } else {
                format!(", for {}", list(&packages, 6))
            };
            (
                CheckState::Warn,
                format!("reboot required (/var/run/reboot-required){because}"),
            )
        }
        "needs-restarting" => match out.exit {
            Some(1) if body.contains("Reboot is required") => {
                let items: Vec<String> = body
                    .lines()
                    .filter_map(|l| l.trim().strip_prefix("* "))
                    .map(|l| l.trim().to_owned())
                    .collect();
                let because = if items.is_empty() {
                    String::new()
                } else {
                    format!(": {} updated since boot", list(&items, 6))
                };
                (
                    CheckState::Warn,
                    format!("reboot required (needs-restarting -r){because}"),
                )
            }
            Some(0) => (
                CheckState::Ok,
                "no reboot required (needs-restarting -r)".into(),
            ),
            other => {
                let exit = other.map(|c| format!(" (exit {c})")).unwrap_or_default();
                (
                    CheckState::Unknown,
                    with_excerpt(&format!("needs-restarting -r cannot tell{exit}"), &CommandOutput {
                        stdout: body.clone(),
                        ..out.clone()
                    }),
                )
            }
        },
        "debian" => (
            CheckState::Ok,
            "no reboot required (no /var/run/reboot-required)".into(),
        ),
        _ => (
            CheckState::Unknown,
            "cannot tell whether a reboot is required: no /var/run/reboot-required (Debian/Ubuntu) and no needs-restarting (RHEL: dnf-utils or yum-utils)".into(),
        ),
    }
}

// ---------------------------------------------------------------------------------------
// backup_age

/// The newest backup a tool reported.
#[derive(Debug, Clone, PartialEq)]
pub struct LatestBackup {
    /// How old it is by the host's clock, in hours (never negative).
    pub age_hours: f64,
    /// What to call it: `snapshot 1a2b3c4d (vm: /srv)` or `archive "name"`.
    pub what: String,
    /// When, as the tool wrote it.
    pub time: String,
}

/// The newest snapshot in `restic snapshots --json` output (a flat list, or groups with
/// `snapshots` when restic was asked to group), aged against the host's `now` (Unix
/// seconds). `Ok(None)`: no snapshot.
pub fn parse_restic_snapshots(json: &str, now: i64) -> Result<Option<LatestBackup>, String> {
    let value: serde_json::Value = serde_json::from_str(json.trim())
        .map_err(|e| format!("restic printed no JSON list of snapshots: {e}"))?;
    let mut snapshots = Vec::new();
    collect_snapshots(&value, &mut snapshots);
    let mut newest: Option<(jiff::Timestamp, &serde_json::Value)> = None;
    for snapshot in snapshots {
        let Some(time) = snapshot.get("time").and_then(|t| t.as_str()) else {
            continue;
        };
        let when: jiff::Timestamp = time
            .parse()
            .map_err(|e| format!("restic snapshot time {time:?}: {e}"))?;
        if newest.is_none_or(|(t, _)| when > t) {
            newest = Some((when, snapshot));
        }
    }
    Ok(newest.map(|(when, snapshot)| {
        let id = snapshot
            .get("short_id")
            .and_then(|v| v.as_str())
            .unwrap_or("?");
        let host = snapshot
            .get("hostname")
            .and_then(|v| v.as_str())
            .unwrap_or("?");
        let paths = snapshot
            .get("paths")
            .and_then(|v| v.as_array())
            .map(|p| {
                p.iter()
                    .filter_map(|x| x.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default();
        LatestBackup {
            age_hours: ((now - when.as_second()) as f64 / 3600.0).max(0.0),
            what: format!("restic snapshot {id} ({host}: {paths})"),
            time: when.strftime("%Y-%m-%d %H:%M UTC").to_string(),
        }
    }))
}

fn collect_snapshots<'a>(value: &'a serde_json::Value, out: &mut Vec<&'a serde_json::Value>) {
    match value {
        serde_json::Value::Array(items) => items.iter().for_each(|i| collect_snapshots(i, out)),
        serde_json::Value::Object(map) => {
            if map.contains_key("time") {
                out.push(value);
            } else if let Some(inner) = map.get("snapshots") {
                collect_snapshots(inner, out);
            }
        }
        _ => {}
    }
}

/// The archive in `borg list --json --last 1` output, aged against the host's local time
/// `now` (borg writes local time without an offset). `Ok(None)`: no archive.
pub fn parse_borg_list(
    json: &str,
    now: jiff::civil::DateTime,
) -> Result<Option<LatestBackup>, String> {
    let value: serde_json::Value =
        serde_json::from_str(json.trim()).map_err(|e| format!("borg printed no JSON: {e}"))?;
    let Some(archives) = value.get("archives").and_then(|a| a.as_array()) else {
        return Err("borg's JSON has no archives list".into());
    };
    let mut newest: Option<(jiff::civil::DateTime, &serde_json::Value)> = None;
    for archive in archives {
        let Some(time) = archive
            .get("time")
            .or_else(|| archive.get("start"))
            .and_then(|t| t.as_str())
        else {
            continue;
        };
        let when: jiff::civil::DateTime = time
            .parse()
            .map_err(|e| format!("borg archive time {time:?}: {e}"))?;
        if newest.is_none_or(|(t, _)| when > t) {
            newest = Some((when, archive));
        }
    }
    Ok(newest.map(|(when, archive)| {
        let name = archive.get("name").and_then(|v| v.as_str()).unwrap_or("?");
        let age = now.duration_since(when).as_secs_f64() / 3600.0;
        LatestBackup {
            age_hours: age.max(0.0),
            what: format!("borg archive \"{name}\""),
            time: format!("{} host time", when.strftime("%Y-%m-%d %H:%M")),
        }
    }))
}

pub fn judge_backup_age(out: &CommandOutput, warn: f64, crit: f64) -> (CheckState, String) {
    let parts = sections(&out.stdout);
    let mut now: Option<(i64, jiff::civil::DateTime)> = None;
    // (tool, its JSON, its exit status)
    let mut runs: Vec<(&str, &str, Option<i32>)> = Vec::new();
    let mut none = false;
    for (name, body) in &parts {
        let mut words = name.split_whitespace();
        match words.next() {
            Some("now") => {
                let epoch = words.next().and_then(|w| w.parse::<i64>().ok());
                let local = words
                    .next()
                    .and_then(|w| w.parse::<jiff::civil::DateTime>().ok());
                if let (Some(e), Some(l)) = (epoch, local) {
                    now = Some((e, l));
                }
            }
            Some(tool @ ("restic" | "borg")) => runs.push((tool, body.as_str(), None)),
            Some("exit") => {
                if let Some(last) = runs.last_mut() {
                    last.2 = words.next().and_then(|w| w.parse().ok());
                }
            }
            Some("none") => none = true,
            _ => {}
        }
    }
    if none {
        return (
            CheckState::Unknown,
            "neither restic nor borg is installed on the host (in the PATH of the check's user)"
                .into(),
        );
    }
    let Some((epoch, local)) = now else {
        return (
            CheckState::Unknown,
            with_excerpt("unexpected output from the backup_age script", out),
        );
    };
    let mut errors = Vec::new();
    for (tool, body, exit) in &runs {
        // borg: 1 is "finished with warnings".
        let usable = *exit == Some(0) || (*tool == "borg" && *exit == Some(1));
        if !usable {
            continue;
        }
        let parsed = if *tool == "restic" {
            parse_restic_snapshots(body, epoch)
        } else {
            parse_borg_list(body, local)
        };
        match parsed {
            Ok(None) => {
                let thing = if *tool == "restic" {
                    "snapshot"
                } else {
                    "archive"
                };
                return (
                    CheckState::Crit,
                    format!("no backup: the repository has no {thing} ({tool})"),
                );
            }
            Ok(Some(latest)) => {
                let state = threshold_state(latest.age_hours, warn, crit);
                return (
                    state,
                    format!(
                        "last backup {:.1} h ago: {}, {} (warn {} h, crit {} h)",
                        latest.age_hours,
                        latest.what,
                        latest.time,
                        number(warn),
                        number(crit)
                    ),
                );
            }
            Err(e) => errors.push(e),
        }
    }
    let tools = runs
        .iter()
        .map(|(tool, _, exit)| match exit {
            Some(code) => format!("{tool} (exit {code})"),
            None => (*tool).to_owned(),
        })
        .collect::<Vec<_>>()
        .join(" and ");
    let detail = if errors.is_empty() {
        first_lines(&out.stderr, 3, 200)
    } else {
        errors.join("; ")
    };
    (
        CheckState::Unknown,
        format!("{tools} could not read the repository: {detail}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn out(stdout: &str, stderr: &str, exit: i32) -> CommandOutput {
        CommandOutput {
            stdout: stdout.into(),
            stderr: stderr.into(),
            exit: Some(exit),
            ..CommandOutput::default()
        }
    }

    #[test]
    fn commands_are_one_quoted_line() {
        let spec: SshCommandSpec = serde_json::from_value(serde_json::json!({
            "preset": "backup_age", "repository": "/srv/it's \"mine\" $(reboot) `x`"
        }))
        .expect("spec");
        for preset in [
            SshPreset::DiskUsage,
            SshPreset::FailedServices,
            SshPreset::PendingUpdates,
            SshPreset::RebootRequired,
            SshPreset::BackupAge,
        ] {
            let command = command(preset, &spec).expect("command");
            assert!(command.starts_with("sh -c '"), "{command}");
            assert!(
                !command.contains('\n') && !command.contains('\\'),
                "{command}"
            );
        }
        assert_eq!(shell_quote("it's"), r#"'it'"'"'s'"#);
        let empty: SshCommandSpec =
            serde_json::from_value(serde_json::json!({"preset": "backup_age"})).expect("spec");
        assert!(command(SshPreset::BackupAge, &empty).is_err());
    }

    /// Real `df -PkTl` of a Debian 12 container, plus lines seen on desktops and servers.
    const DF_TYPED: &str = "\
Filesystem              Type     1024-blocks     Used Available Capacity Mounted on
devtmpfs                devtmpfs    12334432        0  12334432       0% /dev
tmpfs                   tmpfs       24683656     3656  24680000       1% /dev/shm
/dev/vda                ext4       264212084 68210888  27075000      72% /
model_tools_unavailable tmpfs              4        0         4       0% /mnt/sandboxing/model_tools_env/v1/python
tmpfs                   tmpfs       12341828        0  12341828       0% /sys/fs/cgroup
/dev/loop3              squashfs       65536    65536         0     100% /snap/core20/2318
/dev/sdb1               xfs        976762584 937692080  39070504      97% /srv/backup data
/dev/sda2               ext4          999320   866540     63968      94% /boot
";

    /// BusyBox `df -Pk` (no type column).
    const DF_PLAIN: &str = "\
Filesystem           1024-blocks    Used Available Capacity Mounted on
overlay                 61255492  24880964  33232904  43% /
tmpfs                      65536         0     65536   0% /dev
shm                        65536         0     65536   0% /dev/shm
/dev/vda1               61255492  24880964  33232904  43% /etc/hosts
";

    #[test]
    fn disk_usage() {
        let rows = parse_df(DF_TYPED);
        assert_eq!(rows.len(), 8);
        assert_eq!(rows[6].mount, "/srv/backup data");
        assert_eq!(rows[6].fs_type.as_deref(), Some("xfs"));
        let real: Vec<&str> = rows
            .iter()
            .filter(|r| !is_pseudo(r))
            .map(|r| r.mount.as_str())
            .collect();
        assert_eq!(real, ["/", "/srv/backup data", "/boot"]);
        let (state, message) = judge_disk(&out(DF_TYPED, "", 0), 85.0, 95.0);
        assert_eq!(state, CheckState::Crit);
        assert_eq!(
            message,
            "/srv/backup data 97% used (37.3 GiB free), /boot 94% used (62.5 MiB free) (warn 85%, crit 95%)"
        );
        let (state, message) = judge_disk(&out(DF_PLAIN, "", 0), 85.0, 95.0);
        assert_eq!(state, CheckState::Ok);
        assert_eq!(
            message,
            "/ 43% used, 31.7 GiB free; the fullest of 2 file systems (warn 85%, crit 95%)"
        );
        assert_eq!(
            judge_disk(&out(DF_PLAIN, "", 0), 40.0, 95.0).0,
            CheckState::Warn
        );
        let (state, message) = judge_disk(&out("", "sh: df: not found\n", 127), 85.0, 95.0);
        assert_eq!(state, CheckState::Unknown);
        assert_eq!(message, "df listed no disk (exit 127): sh: df: not found");
    }

    #[test]
    fn failed_services() {
        let ok = judge_failed_services(&out("", "", 0));
        assert_eq!(ok, (CheckState::Ok, "no failed systemd units".into()));
        let failed = "nginx.service       loaded failed failed A high performance web server\n\
                      ● logrotate.service loaded failed failed Rotate log files\n";
        let (state, message) = judge_failed_services(&out(failed, "", 0));
        assert_eq!(state, CheckState::Crit);
        assert_eq!(message, "2 failed units: nginx.service, logrotate.service");
        // Real: a container with systemctl installed but no systemd running.
        let (state, message) = judge_failed_services(&out(
            "",
            "System has not been booted with systemd as init system (PID 1). Can't operate.\n\
             Failed to connect to bus: Host is down\n",
            1,
        ));
        assert_eq!(state, CheckState::Unknown);
        assert!(
            message.starts_with("systemd is not running on this host"),
            "{message}"
        );
        let (state, message) = judge_failed_services(&out("@@fieldline no-systemctl\n", "", 0));
        assert_eq!(state, CheckState::Unknown);
        assert!(
            message.starts_with("no systemctl on this host"),
            "{message}"
        );
    }

    /// Real `LC_ALL=C apt-get -s upgrade` of Debian 12 (shortened: 105 upgrades, 68 of them
    /// security).
    const APT: &str = "@@fieldline apt
NOTE: This is only a simulation!
      apt-get needs root privileges for real execution.
      Keep also in mind that locking is deactivated,
      so don't depend on the relevance to the real current situation!
Reading package lists...
Building dependency tree...
Reading state information...
Calculating upgrade...
The following packages will be upgraded:
  appstream apt apt-transport-https base-files bash ca-certificates
105 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.
Inst base-files [12.4+deb12u11] (12.4+deb12u15 Debian:12.15/oldstable [amd64])
Conf base-files (12.4+deb12u15 Debian:12.15/oldstable [amd64])
Inst bash [5.2.15-2+b8] (5.2.15-2+b13 Debian:12.15/oldstable [amd64])
Conf bash (5.2.15-2+b13 Debian:12.15/oldstable [amd64])
Inst libgcrypt20-dev [1.10.1-3] (1.10.1-3+deb12u1 Debian:12.15/oldstable, Debian-Security:12/oldstable-security [amd64]) []
Inst libgcrypt20 [1.10.1-3] (1.10.1-3+deb12u1 Debian:12.15/oldstable, Debian-Security:12/oldstable-security [amd64])
Inst liblzma-dev [5.4.1-1] (5.4.1-1+deb12u2 Debian-Security:12/oldstable-security [amd64]) []
";

    const APT_UBUNTU_KEPT: &str = "@@fieldline apt
Reading package lists...
The following packages have been kept back:
  linux-generic linux-headers-generic
The following packages will be upgraded:
  openssl
1 upgraded, 0 newly installed, 0 to remove and 2 not upgraded.
Inst openssl [3.0.2-0ubuntu1.15] (3.0.2-0ubuntu1.16 Ubuntu:22.04/jammy-updates [amd64])
Conf openssl (3.0.2-0ubuntu1.16 Ubuntu:22.04/jammy-updates [amd64])
";

    #[test]
    fn pending_updates_apt() {
        let plan = parse_apt_simulation(APT);
        assert_eq!(plan.packages.len(), 5);
        assert_eq!(
            plan.security,
            ["libgcrypt20-dev", "libgcrypt20", "liblzma-dev"]
        );
        assert_eq!(
            (plan.upgraded, plan.newly_installed, plan.kept_back),
            (Some(105), Some(0), Some(0))
        );
        let (state, message) = judge_pending_updates(&out(APT, "", 0));
        assert_eq!(state, CheckState::Crit);
        assert_eq!(
            message,
            "105 pending updates, 3 from security: libgcrypt20-dev, libgcrypt20, liblzma-dev"
        );
        let (state, message) = judge_pending_updates(&out(APT_UBUNTU_KEPT, "", 0));
        assert_eq!(state, CheckState::Warn);
        assert_eq!(message, "1 pending update: openssl; 2 kept back");
        let none =
            "@@fieldline apt\n0 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.\n";
        assert_eq!(judge_pending_updates(&out(none, "", 0)).0, CheckState::Ok);
        let (state, message) = judge_pending_updates(&out(
            "@@fieldline apt\n",
            "E: Could not open lock file /var/lib/dpkg/lock-frontend\n",
            100,
        ));
        assert_eq!(state, CheckState::Unknown);
        assert!(
            message.contains("exit 100") && message.contains("lock"),
            "{message}"
        );
    }

    /// `dnf -q -C updateinfo list --security` and `dnf -q -C check-update` of a RHEL 9.
    const DNF: &str = "@@fieldline dnf
RHSA-2024:0310 Moderate/Sec.  openssl-1:3.0.7-25.el9_3.x86_64
RHSA-2024:0310 Moderate/Sec.  openssl-libs-1:3.0.7-25.el9_3.x86_64
RHSA-2024:0627 Important/Sec. kernel-5.14.0-362.24.1.el9_3.x86_64

@@fieldline security-exit 0
@@fieldline updates

kernel.x86_64                       5.14.0-362.24.1.el9_3       rhel-9-for-x86_64-baseos-rpms
openssl.x86_64                      1:3.0.7-25.el9_3            rhel-9-for-x86_64-baseos-rpms
openssl-libs.x86_64                 1:3.0.7-25.el9_3            rhel-9-for-x86_64-baseos-rpms
tzdata.noarch                       2024a-1.el9                 rhel-9-for-x86_64-baseos-rpms
Security: kernel-core-5.14.0-362.18.1.el9_3.x86_64 is an installed security update
Obsoleting Packages
grub2-tools.x86_64                  1:2.06-70.el9_3.2           rhel-9-for-x86_64-baseos-rpms
    grub2-tools.x86_64              1:2.06-70.el9_3.1           @rhel-9-for-x86_64-baseos-rpms
";

    #[test]
    fn pending_updates_dnf() {
        assert_eq!(
            parse_dnf_check_update(DNF),
            [
                "kernel.x86_64",
                "openssl.x86_64",
                "openssl-libs.x86_64",
                "tzdata.noarch"
            ]
        );
        assert_eq!(parse_dnf_security(DNF).len(), 3);
        assert_eq!(
            parse_dnf_security(
                "RHSA-2024:0310 security Moderate openssl-1:3.0.7-25.el9_3.x86_64 2024-01-22 08:00:00"
            ),
            ["openssl-1:3.0.7-25.el9_3.x86_64"]
        );
        let (state, message) = judge_pending_updates(&out(DNF, "", 100));
        assert_eq!(state, CheckState::Crit);
        assert!(
            message.starts_with("4 pending updates, 3 from security advisories: openssl-1:"),
            "{message}"
        );
        let no_sec = DNF.replace("/Sec.", "/Bug");
        assert_eq!(
            judge_pending_updates(&out(&no_sec, "", 100)).0,
            CheckState::Warn
        );
        let unknown_sec = DNF.replace("security-exit 0", "security-exit 1");
        let (state, message) = judge_pending_updates(&out(&unknown_sec, "", 100));
        assert_eq!(state, CheckState::Warn);
        assert!(message.contains("security advisories unknown"), "{message}");
        let none = "@@fieldline dnf\n\n@@fieldline security-exit 0\n@@fieldline updates\n";
        assert_eq!(judge_pending_updates(&out(none, "", 0)).0, CheckState::Ok);
        let (state, message) = judge_pending_updates(&out(
            none,
            "Error: Cache-only enabled but no cache for 'baseos'\n",
            1,
        ));
        assert_eq!(state, CheckState::Unknown);
        assert!(message.contains("no cache for 'baseos'"), "{message}");
        let (state, _) = judge_pending_updates(&out("@@fieldline none\n", "", 0));
        assert_eq!(state, CheckState::Unknown);
    }

    #[test]
    fn reboot_required() {
        let (state, message) = judge_reboot_required(&out(
            "@@fieldline reboot-required\nlinux-image-6.1.0-18-amd64\nlibc6\n",
            "",
            0,
        ));
        assert_eq!(state, CheckState::Warn);
        assert_eq!(
            message,
            "reboot required (/var/run/reboot-required), for linux-image-6.1.0-18-amd64, libc6"
        );
        let needed = "@@fieldline needs-restarting
Core libraries or services have been updated since boot-up:
  * kernel
  * systemd

Reboot is required to fully utilize these updates.
More information: https://access.redhat.com/solutions/27943
";
        let (state, message) = judge_reboot_required(&out(needed, "", 1));
        assert_eq!(state, CheckState::Warn);
        assert_eq!(
            message,
            "reboot required (needs-restarting -r): kernel, systemd updated since boot"
        );
        let fine = "@@fieldline needs-restarting
No core libraries or services have been updated since boot-up.
Reboot should not be necessary.
";
        assert_eq!(judge_reboot_required(&out(fine, "", 0)).0, CheckState::Ok);
        let (state, _) = judge_reboot_required(&out(
            "@@fieldline needs-restarting\n",
            "No such command: needs-restarting.\n",
            1,
        ));
        assert_eq!(state, CheckState::Unknown);
        assert_eq!(
            judge_reboot_required(&out("@@fieldline debian\n", "", 0)).0,
            CheckState::Ok
        );
        assert_eq!(
            judge_reboot_required(&out("@@fieldline unknown\n", "", 0)).0,
            CheckState::Unknown
        );
    }

    /// Real `restic snapshots --json --latest 1` (restic 0.14, two hosts in one repository)
    /// and `borg list --json --last 1` (borg 1.2.4).
    const RESTIC: &str = r#"[{"time":"2026-11-25T00:34:51.976736811Z","tree":"48b7a98b446689604a8b3937c98ab240c884246cf9c3f4d3da13b959f32da1f7","paths":["/tmp/ssh-samples/f.txt"],"hostname":"vm","username":"root","id":"c916ce105cb7d71df0ef87cd0b3722634381ff6cf6ae31b83a6e3eb8695d878b","short_id":"c916ce10"},{"time":"2026-11-25T00:34:52.805024281Z","tree":"48b7a98b446689604a8b3937c98ab240c884246cf9c3f4d3da13b959f32da1f7","paths":["/tmp/ssh-samples/f.txt"],"hostname":"other","username":"root","id":"01ed87d5c8599192389b40bad10bb5c677c5ad73c7cff1d07624fd0a3c1ae46d","short_id":"01ed87d5"}]"#;
    const BORG: &str = r#"{
    "archives": [
        {
            "archive": "second",
            "barchive": "second",
            "id": "764dc829cc872668fd3c3096b0dcdd6853882e25b0a30dba0652f111c0c7ab5d",
            "name": "second",
            "start": "2026-11-25T00:35:01.000000",
            "time": "2026-11-25T00:35:01.000000"
        }
    ],
    "encryption": {
        "mode": "none"
    },
    "repository": {
        "id": "e61f5dda2cd4c41d019d064a5a632a91f5433a0a6d15d5476d282ac65fcc830e",
        "last_modified": "2026-11-25T00:35:01.000000",
        "location": "/tmp/ssh-samples/b1"
    }
}"#;

    #[test]
    fn backup_parsers() {
        // 2026-11-25T00:34:52Z + 30 h
        let now = 1_795_566_892 + 30 * 3600;
        let latest = parse_restic_snapshots(RESTIC, now)
            .expect("parses")
            .expect("one");
        assert!((latest.age_hours - 30.0).abs() < 0.01, "{latest:?}");
        assert_eq!(
            latest.what,
            "restic snapshot 01ed87d5 (other: /tmp/ssh-samples/f.txt)"
        );
        assert_eq!(latest.time, "2026-11-25 00:34 UTC");
        assert_eq!(parse_restic_snapshots("[]", now), Ok(None));
        assert_eq!(parse_restic_snapshots("null", now), Ok(None));
        let grouped = format!(r#"[{{"group_key":{{"hostname":"vm"}},"snapshots":{RESTIC}}}]"#);
        assert!(parse_restic_snapshots(&grouped, now)
            .expect("parses")
            .is_some());
        assert!(parse_restic_snapshots("Fatal: x", now).is_err());

        let local: jiff::civil::DateTime = "2026-11-26T06:35:01".parse().expect("time");
        let latest = parse_borg_list(BORG, local).expect("parses").expect("one");
        assert!((latest.age_hours - 30.0).abs() < 0.01, "{latest:?}");
        assert_eq!(latest.what, "borg archive \"second\"");
        assert_eq!(parse_borg_list(r#"{"archives": []}"#, local), Ok(None));
    }

    #[test]
    fn backup_age() {
        let now = "@@fieldline now 1795674892 2026-11-26T06:34:52\n";
        let restic_ok = format!("{now}@@fieldline restic\n{RESTIC}\n\n@@fieldline exit 0\n");
        let (state, message) = judge_backup_age(&out(&restic_ok, "", 0), 26.0, 50.0);
        assert_eq!(state, CheckState::Warn);
        assert!(
            message.starts_with("last backup 30.0 h ago: restic snapshot 01ed87d5"),
            "{message}"
        );
        assert_eq!(
            judge_backup_age(&out(&restic_ok, "", 0), 31.0, 50.0).0,
            CheckState::Ok
        );
        assert_eq!(
            judge_backup_age(&out(&restic_ok, "", 0), 10.0, 20.0).0,
            CheckState::Crit
        );

        let empty = format!("{now}@@fieldline restic\n[]\n\n@@fieldline exit 0\n");
        let (state, message) = judge_backup_age(&out(&empty, "", 0), 26.0, 50.0);
        assert_eq!(state, CheckState::Crit);
        assert_eq!(
            message,
            "no backup: the repository has no snapshot (restic)"
        );

        // restic fails on a borg repository; borg answers.
        let fallback = format!(
            "{now}@@fieldline restic\n\n@@fieldline exit 1\n@@fieldline borg\n{BORG}\n\n@@fieldline exit 0\n"
        );
        let (state, message) = judge_backup_age(
            &out(&fallback, "Fatal: unable to open config file\n", 0),
            26.0,
            50.0,
        );
        assert_eq!(state, CheckState::Warn);
        assert!(message.contains("borg archive \"second\""), "{message}");

        let both_fail = format!(
            "{now}@@fieldline restic\n\n@@fieldline exit 1\n@@fieldline borg\n\n@@fieldline exit 2\n"
        );
        let (state, message) = judge_backup_age(
            &out(
                &both_fail,
                "Fatal: an empty password is not a password\nRepository /x does not exist.\n",
                0,
            ),
            26.0,
            50.0,
        );
        assert_eq!(state, CheckState::Unknown);
        assert_eq!(
            message,
            "restic (exit 1) and borg (exit 2) could not read the repository: Fatal: an empty password is not a password | Repository /x does not exist."
        );
        let (state, message) =
            judge_backup_age(&out(&format!("{now}@@fieldline none\n"), "", 0), 26.0, 50.0);
        assert_eq!(state, CheckState::Unknown);
        assert!(message.starts_with("neither restic nor borg"), "{message}");
    }
}
