//! The log a support engineer reads after a failure, for both front doors.
//!
//! The crates report through `tracing` (`tracing::warn!` and friends). The desktop app
//! writes the log to files in the OS's log folder, a new file each day and the newest
//! [`KEEP_FILES`] kept ([`to_files`]); the CLI writes warnings to stderr, and more with
//! `-v`/`-vv` ([`to_stderr`]). A panic is written there with its backtrace ([`on_panic`]),
//! and a worker thread that panics is reported and started again ([`supervise`]), never
//! left dead in silence.
//!
//! No secret is ever logged: what reaches a log is an operation's outcome and its errors,
//! which never carry a secret (the keychain's and the connectors' errors name the account
//! or the address, not the value).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tracing_subscriber::EnvFilter;

/// Log files kept in the log folder (one a day).
pub const KEEP_FILES: usize = 7;
/// The log files' names: `fieldline.YYYY-MM-DD.log`.
const PREFIX: &str = "fieldline";
const SUFFIX: &str = "log";
/// What is logged unless `RUST_LOG` says otherwise: Fieldline's own crates from `info`,
/// the libraries' (Tauri, WebKit glue, HTTP) warnings only.
const DEFAULT_FILTER: &str = "warn,fieldline=info,fieldline_app=info,fieldline_desktop=info,\
fieldline_monitor=info,fieldline_sync=info,fieldline_notify=info,fieldline_ssh=info,\
fieldline_store=info,fieldline_keychain=info";

fn filter(default: &str) -> EnvFilter {
    EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default))
}

/// Sends the log to daily files in `dir` (created private), the newest [`KEEP_FILES`]
/// kept. Called once, as the app starts; `Err` says why there is no log (the app runs on).
pub fn to_files(dir: &Path) -> Result<(), String> {
    fieldline_fs::ensure_private_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let files = tracing_appender::rolling::Builder::new()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix(PREFIX)
        .filename_suffix(SUFFIX)
        .max_log_files(KEEP_FILES)
        .build(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?;
    tracing_subscriber::fmt()
        .with_env_filter(filter(DEFAULT_FILTER))
        .with_writer(files)
        .with_ansi(false)
        .with_thread_names(true)
        .try_init()
        .map_err(|e| e.to_string())
}

/// Sends the log to stderr for a command: warnings and errors; `verbose` 1 adds what
/// happens (`info`), 2 and more the details (`debug`). `RUST_LOG` overrides.
pub fn to_stderr(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "warn,fieldline=info,fieldline_app=info,fieldline_monitor=info,fieldline_sync=info,fieldline_ssh=info,fieldline_store=info",
        _ => "info,fieldline=debug,fieldline_app=debug,fieldline_monitor=debug,fieldline_sync=debug,fieldline_ssh=debug,fieldline_store=debug",
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter(default))
        .with_writer(std::io::stderr)
        .without_time()
        .with_target(verbose > 0)
        .try_init();
}

/// Logs every panic with its thread, place and backtrace (besides the standard report on
/// stderr), then calls `then` with a one-line summary (the app tells the window).
pub fn on_panic(then: impl Fn(&str) + Send + Sync + 'static) {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let thread = std::thread::current();
        let name = thread.name().unwrap_or("unnamed").to_owned();
        let what = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic without a message".to_owned());
        let place = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let backtrace = std::backtrace::Backtrace::force_capture();
        tracing::error!(thread = %name, at = %place, "panic: {what}\n{backtrace}");
        then(&format!("{what} (thread {name}, {place})"));
        previous(info);
    }));
}

/// Runs `work` on a thread named `name` for as long as it wants; when it fails (returns
/// an error, or panics: the panic itself is logged by [`on_panic`]'s hook), that is logged
/// and reported to `failed`, and `work` starts again after a pause that grows from 5 s to
/// a minute. A `work` that returns `Ok` ends it.
pub fn supervise(
    name: &str,
    failed: impl Fn(&str) + Send + 'static,
    work: impl FnMut() -> Result<(), String> + Send + 'static,
) {
    supervise_after(name, Duration::from_secs(5), failed, work);
}

/// [`supervise`], the first pause after a panic being `first_pause`.
pub fn supervise_after(
    name: &str,
    first_pause: Duration,
    failed: impl Fn(&str) + Send + 'static,
    mut work: impl FnMut() -> Result<(), String> + Send + 'static,
) {
    let label = name.to_owned();
    let spawned = std::thread::Builder::new()
        .name(name.to_owned())
        .spawn(move || {
            let mut pause = first_pause;
            loop {
                let why = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(&mut work)) {
                    Ok(Ok(())) => return,
                    Ok(Err(e)) => e,
                    Err(_) => "a panic".to_owned(),
                };
                tracing::error!("{label} stopped ({why}); starting it again in {pause:?}");
                failed(&label);
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_secs(60));
            }
        });
    if let Err(e) = spawned {
        tracing::error!("cannot start {name}: {e}");
    }
}

/// The log files in `dir`, oldest first.
pub fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(PREFIX) && n.ends_with(SUFFIX))
        })
        .collect();
    found.sort();
    found
}

/// The last `n` lines of the log in `dir` (across its files, newest last).
pub fn tail(dir: &Path, n: usize) -> Vec<String> {
    let mut lines = std::collections::VecDeque::with_capacity(n + 1);
    for file in files(dir) {
        let Ok(f) = std::fs::File::open(&file) else {
            continue;
        };
        for line in BufReader::new(f).lines().map_while(Result::ok) {
            lines.push_back(line);
            if lines.len() > n {
                lines.pop_front();
            }
        }
    }
    lines.into()
}

/// What "Copy diagnostics" gives a support engineer: versions, platform, folders and the
/// end of the log. No secret: the log holds none, and neither do these facts.
pub fn diagnostics(data_dir: Option<&Path>, schema: Option<u32>, log_dir: Option<&Path>) -> String {
    let shown =
        |p: Option<&Path>| p.map_or_else(|| "(none)".to_owned(), |p| p.display().to_string());
    let mut text = format!(
        "Fieldline {} on {} {}\ndata folder: {}\nschema: {}\nlog folder: {}\n",
        env!("CARGO_PKG_VERSION"),
        std::env::consts::OS,
        std::env::consts::ARCH,
        shown(data_dir),
        schema.map_or_else(|| "(store not open)".to_owned(), |s| s.to_string()),
        shown(log_dir),
    );
    if let Some(dir) = log_dir {
        text.push_str("\nthe end of the log:\n");
        for line in tail(dir, 200) {
            text.push_str(&line);
            text.push('\n');
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tail_spans_files_oldest_first_and_keeps_the_last_lines() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("fieldline.2026-12-07.log"), "a\nb\nc\n").expect("old");
        std::fs::write(dir.path().join("fieldline.2026-12-08.log"), "d\ne\n").expect("new");
        std::fs::write(dir.path().join("notes.txt"), "not a log\n").expect("other");
        assert_eq!(tail(dir.path(), 3), ["c", "d", "e"]);
        let text = diagnostics(Some(Path::new("/data")), Some(9), Some(dir.path()));
        assert!(text.starts_with("Fieldline "), "{text}");
        assert!(text.contains("data folder: /data\nschema: 9\n"), "{text}");
        assert!(text.ends_with("a\nb\nc\nd\ne\n"), "{text}");
    }

    #[test]
    fn a_worker_that_panics_is_reported_and_started_again() {
        let (tx, rx) = std::sync::mpsc::channel();
        let runs = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counted = runs.clone();
        let done = tx.clone();
        supervise_after(
            "fieldline-test-worker",
            Duration::from_millis(10),
            move |name| {
                let _ = tx.send(format!("failed: {name}"));
            },
            move || match counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst) {
                0 => panic!("the first run fails"),
                1 => Err("the second run gives up".to_owned()),
                _ => {
                    let _ = done.send("third run done".to_owned());
                    Ok(())
                }
            },
        );
        let wait = Duration::from_secs(20);
        assert_eq!(
            rx.recv_timeout(wait).as_deref(),
            Ok("failed: fieldline-test-worker")
        );
        assert_eq!(
            rx.recv_timeout(wait).as_deref(),
            Ok("failed: fieldline-test-worker")
        );
        assert_eq!(rx.recv_timeout(wait).as_deref(), Ok("third run done"));
        assert_eq!(
            runs.load(std::sync::atomic::Ordering::SeqCst),
            3,
            "not started again after Ok"
        );
    }
}
