//! Fuzzes the OpenSSH client configuration import, `fieldline_ssh::ssh_config`:
//! `parse_with_home` (keywords, quoting, `Host` / `Match` blocks, `Include`, tokens), then
//! `import_plan` into a site of the demo fleet, whose fleet text must read back as a fleet
//! file.
//!
//! The parser reads files, so the input is written into a private temporary home:
//! `~/.ssh/config` is the input up to the first NUL byte, `~/.ssh/included` what follows
//! (none without a NUL). `Include` lines naming a path (with `/`, `\` or `~`) are not run:
//! they would read this machine's files, making the target slow and its results depend on
//! the machine; `Include` of names in `~/.ssh` (globs too, cycles too) is fuzzed.
//!
//! A crash is a panic (arithmetic overflow and debug assertions included, and an import
//! plan whose fleet text is not a readable fleet file), a hang (libFuzzer's `-timeout`), or
//! memory beyond `-rss_limit_mb`. Problems in the configuration are not crashes.
#![no_main]

use fieldline_core::{fleet_file, Fleet};
use fieldline_ssh::ssh_config::{import_plan, parse_with_home};
use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;
use std::sync::OnceLock;

struct Home {
    _dir: tempfile::TempDir,
    home: PathBuf,
}

fn home() -> &'static Home {
    static HOME: OnceLock<Home> = OnceLock::new();
    HOME.get_or_init(|| {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let home = dir.path().to_path_buf();
        std::fs::create_dir_all(home.join(".ssh")).expect("~/.ssh");
        Home { _dir: dir, home }
    })
}

fn demo() -> &'static Fleet {
    static DEMO: OnceLock<Fleet> = OnceLock::new();
    DEMO.get_or_init(fieldline_core::demo::fleet)
}

/// Whether some line is an `Include` of a path outside `~/.ssh`, read as the parser does.
fn includes_a_path(text: &str) -> bool {
    text.lines().any(|line| {
        let line = line.trim_start();
        let end = line
            .find(|c: char| c.is_whitespace() || c == '=')
            .unwrap_or(line.len());
        line[..end].eq_ignore_ascii_case("include")
            && line[end..].contains(|c: char| matches!(c, '/' | '\\' | '~'))
    })
}

fuzz_target!(|data: &[u8]| {
    if includes_a_path(&String::from_utf8_lossy(data)) {
        return;
    }
    let (config, included) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], Some(&data[i + 1..])),
        None => (data, None),
    };
    let h = home();
    let ssh = h.home.join(".ssh");
    if std::fs::write(ssh.join("config"), config).is_err() {
        return;
    }
    let _ = match included {
        Some(text) => std::fs::write(ssh.join("included"), text),
        None => std::fs::remove_file(ssh.join("included")),
    };
    let Ok(import) = parse_with_home(&ssh.join("config"), &h.home) else {
        return;
    };
    if let Ok(plan) = import_plan(&import, "demo-hanbit-seoul", demo(), None, &[]) {
        if let Err(issues) = fleet_file::read("ssh-import.toml", &plan.fleet_text) {
            panic!("the planned fleet text does not read: {issues:?}");
        }
    }
});
