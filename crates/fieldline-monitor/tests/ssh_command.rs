//! The `ssh_command` probe against a real OpenSSH sshd on 127.0.0.1 (started by the test;
//! needs root and Debian's `openssh-server openssh-client`; `restic` and `borgbackup` for
//! the backup test). Runs as the harness's dedicated user, not root (whose ~/.bashrc
//! here is slow).

#[path = "support/sshd.rs"]
mod sshd;

use fieldline_core::checks::{CheckState, SshCommandSpec};
use fieldline_monitor::probe::ssh_command::{probe_with, AgentAccess, ProbeEnv};
use fieldline_monitor::Outcome;
use serde_json::json;
use sshd::{KeyKind, Options, Sshd, USER};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// sshd instances start one at a time (the harness's `chpasswd` must not race).
static START: Mutex<()> = Mutex::new(());

struct Setup {
    server: Sshd,
    /// Stands for Fieldline's data folder: its `known_hosts` is the one the probe trusts.
    data: tempfile::TempDir,
    known_hosts: PathBuf,
    /// The technician's ssh-agent with the user keys: checks log in with it.
    agent: sshd::Agent,
}

fn start(options: Options) -> Setup {
    let server = {
        let _one = START.lock().unwrap_or_else(|e| e.into_inner());
        Sshd::start(options).expect("sshd starts")
    };
    let data = tempfile::tempdir().expect("tmp");
    let known_hosts = fieldline_ssh::DataPaths::in_dir(data.path()).known_hosts;
    std::fs::write(&known_hosts, server.known_hosts_line().expect("line")).expect("write");
    let agent = sshd::Agent::start(&server).expect("agent");
    Setup {
        server,
        data,
        known_hosts,
        agent,
    }
}

impl Setup {
    fn spec(&self, extra: serde_json::Value) -> SshCommandSpec {
        let mut base = json!({
            "user": USER,
            "port": self.server.port(),
        });
        for (k, v) in extra.as_object().expect("object") {
            if v.is_null() {
                base.as_object_mut().expect("object").remove(k);
            } else {
                base[k] = v.clone();
            }
        }
        serde_json::from_value(base).expect("spec")
    }

    fn env(&self) -> ProbeEnv {
        ProbeEnv {
            known_hosts: Some(self.known_hosts.clone()),
            local_user: Some("nobody-here".into()),
            agent: AgentAccess::Socket(self.agent.socket().to_path_buf()),
        }
    }

    async fn run(&self, extra: serde_json::Value) -> Outcome {
        self.run_for(extra, Duration::from_secs(10)).await
    }

    async fn run_for(&self, extra: serde_json::Value, timeout: Duration) -> Outcome {
        probe_with(
            "127.0.0.1",
            None,
            None,
            &self.spec(extra),
            timeout,
            &self.env(),
        )
        .await
    }
}

fn assert_state(outcome: &Outcome, state: CheckState) {
    assert_eq!(outcome.state, state, "{outcome:?}");
}

#[tokio::test]
async fn exit_codes_regex_json_and_hostile_output() {
    let s = start(Options::default());

    let ok = s.run(json!({"command": "echo hello; uname -s"})).await;
    assert_state(&ok, CheckState::Ok);
    assert_eq!(ok.message, "hello | Linux");
    assert!(ok.latency_ms.is_some_and(|ms| ms > 0.0));

    let warn = s
        .run(json!({"command": "echo degraded; exit 1", "warn_exit": [1]}))
        .await;
    assert_state(&warn, CheckState::Warn);
    assert_eq!(warn.message, "exit 1: degraded");

    let crit = s
        .run(json!({"command": "echo broken >&2; exit 2", "warn_exit": [1]}))
        .await;
    assert_state(&crit, CheckState::Crit);
    assert_eq!(crit.message, "exit 2 (expected 0): broken");
    assert_state(&s.run(json!({"command": "exit 1"})).await, CheckState::Crit);
    assert_state(
        &s.run(json!({"command": "exit 3", "expect_exit": 3})).await,
        CheckState::Ok,
    );
    let missing = s.run(json!({"command": "no-such-command-here"})).await;
    assert_state(&missing, CheckState::Crit);
    assert!(
        missing.message.starts_with("exit 127 (expected 0): "),
        "{missing:?}"
    );
    assert!(missing.message.contains("not found"), "{missing:?}");

    let killed = s.run(json!({"command": "echo before; kill -9 $$"})).await;
    assert_state(&killed, CheckState::Crit);
    assert_eq!(killed.message, "killed by signal KILL: before");

    // stdin is closed: a command that reads it does not hang.
    let stdin = s
        .run_for(
            json!({"command": "cat; echo read-eof"}),
            Duration::from_secs(3),
        )
        .await;
    assert_state(&stdin, CheckState::Ok);
    assert_eq!(stdin.message, "read-eof");

    let re = s
        .run(json!({"command": "echo 'load: 0.42'", "regex": "^load: [0-9.]+$"}))
        .await;
    assert_state(&re, CheckState::Ok);
    let re = s
        .run(json!({"command": "echo 'load: high'", "regex": "^load: [0-9.]+$"}))
        .await;
    assert_state(&re, CheckState::Crit);
    assert_eq!(
        re.message,
        "output does not match /^load: [0-9.]+$/: load: high"
    );

    let doc = r#"printf '{"status":"ok","queue":{"depth":12}}'"#;
    let js = s
        .run(json!({"command": doc, "json": [
            {"pointer": "/status", "equals": "ok"},
            {"pointer": "/queue/depth", "max": 100}]}))
        .await;
    assert_state(&js, CheckState::Ok);
    let js = s
        .run(json!({"command": doc, "json": [
            {"pointer": "/queue/depth", "max": 10, "severity": "warn"}]}))
        .await;
    assert_state(&js, CheckState::Warn);
    assert!(
        js.message
            .starts_with("/queue/depth is 12, above max 10: {"),
        "{js:?}"
    );
    let js = s
        .run(json!({"command": "echo '<html>oops</html>'", "json": [{"pointer": "/status", "equals": "ok"}]}))
        .await;
    assert_state(&js, CheckState::Crit);
    assert!(js.message.starts_with("output is not JSON"), "{js:?}");

    // Hostile output: terminal escapes (clear screen, colours, window title), CR, HTML,
    // and far more than a message holds.
    let hostile = s
        .run(json!({"command":
            r"printf '\033[2J\033[1;31mALERT\033[0m <script>alert(1)</script>\r\n\033]0;pwned\007title\n'; head -c 5000 /dev/zero | tr '\0' x"}))
        .await;
    assert_state(&hostile, CheckState::Ok);
    assert!(
        hostile
            .message
            .starts_with("ALERT <script>alert(1)</script> | title | xxx"),
        "{hostile:?}"
    );
    assert!(
        !hostile.message.chars().any(char::is_control),
        "{hostile:?}"
    );
    assert!(!hostile.message.contains("[31m") && !hostile.message.contains("pwned"));
    assert!(
        hostile.message.chars().count() <= 301,
        "{}",
        hostile.message.len()
    );

    // More than is kept (200 KiB): cut, said, still judged.
    let big = s
        .run(json!({"command": "head -c 204800 /dev/zero | tr '\\0' a; echo"}))
        .await;
    assert_state(&big, CheckState::Ok);
    assert!(
        big.message.starts_with("output cut at 64 KiB: aaaa"),
        "{big:?}"
    );

    assert_eq!(s.server.accepted_in_log(), 15, "{}", s.server.log());
}

#[tokio::test]
async fn logs_in_with_the_agent_only() {
    let s = start(Options::default());
    let ok = s.run(json!({"command": "echo via-agent"})).await;
    assert_state(&ok, CheckState::Ok);
    assert_eq!(ok.message, "via-agent");
    let attempts = s.server.auth_attempts_in_log();

    // No agent: nothing to log in with, nothing tried, the message says what to do.
    let no_agent = ProbeEnv {
        agent: AgentAccess::None,
        ..s.env()
    };
    let none = probe_with(
        "127.0.0.1",
        None,
        None,
        &s.spec(json!({"command": "echo never"})),
        Duration::from_secs(10),
        &no_agent,
    )
    .await;
    assert_state(&none, CheckState::Unknown);
    assert!(
        none.message.starts_with("no key to log in with"),
        "{none:?}"
    );
    assert!(none.message.contains("ssh-agent"), "{none:?}");
    assert_eq!(s.server.auth_attempts_in_log(), attempts);

    // A fleet cannot hand the probe a key file or a known_hosts file.
    for field in ["key_file", "known_hosts"] {
        let value = s.server.user_key_path(KeyKind::Ed25519);
        let spec = serde_json::from_value::<SshCommandSpec>(
            json!({"command": "echo never", "user": USER, field: value}),
        );
        assert!(spec.is_err(), "{field} accepted");
    }
    // The data folder's known_hosts is the one trusted: ~/.ssh is not looked at.
    assert!(s.known_hosts.starts_with(s.data.path()));

    // The endpoint's defaults: user and port from the endpoint, the spec has neither.
    let spec = s.spec(json!({"command": "id -un", "user": null, "port": null}));
    let ok = probe_with(
        "127.0.0.1",
        Some(USER),
        Some(s.server.port()),
        &spec,
        Duration::from_secs(10),
        &s.env(),
    )
    .await;
    assert_state(&ok, CheckState::Ok);
    assert_eq!(ok.message, USER);
}

#[tokio::test]
async fn unknown_host_key_is_unknown_and_nothing_is_tried() {
    let s = start(Options::default());
    let fingerprint = s.server.host_key_fingerprint_sha256().expect("fingerprint");
    let port = s.server.port();
    let other_key =
        std::fs::read_to_string(s.server.user_public_key_path(KeyKind::Ed25519)).expect("pub");
    let other_key: Vec<&str> = other_key.split_whitespace().take(2).collect();
    let rsa_key =
        std::fs::read_to_string(s.server.user_public_key_path(KeyKind::Rsa)).expect("pub");
    let rsa_key: Vec<&str> = rsa_key.split_whitespace().take(2).collect();
    let real = s.server.known_hosts_line().expect("line");
    let real_key: Vec<&str> = real.split_whitespace().skip(1).take(2).collect();

    let cases = [
        // No file at all.
        None,
        // The right key, but for another port.
        Some(format!("[127.0.0.1]:{} {}\n", port + 1, real_key.join(" "))),
        // Another ed25519 key for 127.0.0.1 port 22: not this server (libssh2 alone would
        // fall back to it and call the key changed).
        Some(format!("127.0.0.1 {}\n", other_key.join(" "))),
        // An RSA key for this host and port: another key type is not a changed key.
        Some(format!("[127.0.0.1]:{port} {}\n", rsa_key.join(" "))),
    ];
    for case in cases {
        match &case {
            None => std::fs::remove_file(&s.known_hosts).expect("rm"),
            Some(text) => std::fs::write(&s.known_hosts, text).expect("write"),
        }
        let started = Instant::now();
        let o = s.run(json!({"command": "echo never"})).await;
        eprintln!("unknown host key: {o:?}");
        assert_state(&o, CheckState::Unknown);
        assert!(
            o.message.starts_with(&format!(
                "host key of 127.0.0.1:{port} is not known: ssh-ed25519 {fingerprint} ("
            )),
            "{case:?}: {o:?}"
        );
        assert!(
            o.message.ends_with(&format!(
                "add it: ssh-keyscan -p {port} -t ssh-ed25519 127.0.0.1 >> {}",
                s.known_hosts.display()
            )),
            "{o:?}"
        );
        assert!(o.latency_ms.is_none());
        assert!(started.elapsed() < Duration::from_secs(3));
    }
    assert_eq!(s.server.auth_attempts_in_log(), 0, "{}", s.server.log());
    assert_eq!(
        s.server.log().matches("Connection from 127.0.0.1").count(),
        4
    );
}

/// A server with an ed25519 and an RSA host key, known by only one of them: the probe asks
/// for the known type (as OpenSSH does), so neither is reported unknown or changed.
#[tokio::test]
async fn known_host_key_type_is_preferred() {
    let keys = tempfile::tempdir().expect("tmp");
    let rsa = keys.path().join("host_rsa");
    let made = Command::new("ssh-keygen")
        .args(["-q", "-t", "rsa", "-b", "2048", "-N", "", "-f"])
        .arg(&rsa)
        .status()
        .expect("ssh-keygen");
    assert!(made.success());
    let s = start(Options {
        extra_config: format!("HostKey {}\n", rsa.display()),
        ..Options::default()
    });
    let rsa_pub = std::fs::read_to_string(rsa.with_extension("pub")).expect("pub");
    let rsa_pub: Vec<&str> = rsa_pub.split_whitespace().take(2).collect();
    let port = s.server.port();
    std::fs::write(
        &s.known_hosts,
        format!("[127.0.0.1]:{port} {}\n", rsa_pub.join(" ")),
    )
    .expect("write");
    let o = s.run(json!({"command": "echo rsa"})).await;
    assert_state(&o, CheckState::Ok);
    std::fs::write(&s.known_hosts, s.server.known_hosts_line().expect("line")).expect("write");
    let o = s.run(json!({"command": "echo ed25519"})).await;
    assert_state(&o, CheckState::Ok);
}

#[tokio::test]
async fn hashed_known_hosts_and_changed_key() {
    let mut s = start(Options::default());
    let hashed = Command::new("ssh-keygen")
        .arg("-H")
        .arg("-f")
        .arg(&s.known_hosts)
        .output()
        .expect("ssh-keygen -H");
    assert!(hashed.status.success());
    let text = std::fs::read_to_string(&s.known_hosts).expect("read");
    assert!(
        text.starts_with("|1|") && !text.contains("127.0.0.1"),
        "{text}"
    );
    assert_state(&s.run(json!({"command": "echo ok"})).await, CheckState::Ok);
    let attempts = s.server.auth_attempts_in_log();
    assert!(attempts > 0);

    let new_fingerprint = s.server.restart_with_new_host_key().expect("new key");
    let o = s.run(json!({"command": "touch /tmp/never"})).await;
    eprintln!("changed: {o:?}");
    assert_state(&o, CheckState::Crit);
    assert!(
        o.message.starts_with(&format!(
            "HOST KEY CHANGED for 127.0.0.1:{}: it sent ssh-ed25519 {new_fingerprint}, not the key in",
            s.server.port()
        )),
        "{o:?}"
    );
    assert!(
        o.message
            .contains("; not logged in. Someone may be intercepting"),
        "{o:?}"
    );
    assert_eq!(
        s.server.auth_attempts_in_log(),
        attempts,
        "{}",
        s.server.log()
    );

    // A revoked key is CRIT too.
    let line = s.server.known_hosts_line().expect("line");
    let key: Vec<&str> = line.split_whitespace().skip(1).take(2).collect();
    std::fs::write(
        &s.known_hosts,
        format!("{line}@revoked * {}\n", key.join(" ")),
    )
    .expect("w");
    let o = s.run(json!({"command": "echo never"})).await;
    assert_state(&o, CheckState::Crit);
    assert!(o.message.starts_with("HOST KEY REVOKED"), "{o:?}");
    assert_eq!(s.server.auth_attempts_in_log(), attempts);
}

#[tokio::test]
async fn frozen_server_ends_within_the_timeout() {
    let s = start(Options::default());
    s.server.freeze();
    let started = Instant::now();
    let o = s
        .run_for(json!({"command": "echo never"}), Duration::from_secs(2))
        .await;
    let took = started.elapsed();
    eprintln!("frozen: {o:?} after {took:?}");
    assert_state(&o, CheckState::Crit);
    assert!(o.message.starts_with("no answer from 127.0.0.1:"), "{o:?}");
    assert!(o.message.contains("within 2 s (the SSH handshake"), "{o:?}");
    assert!(
        took >= Duration::from_millis(1900) && took < Duration::from_millis(2500),
        "{took:?}"
    );
    s.server.thaw();

    // Frozen while the command runs.
    let spec = s.spec(json!({"command": "echo started; sleep 2; echo done"}));
    let env = s.env();
    let run = tokio::spawn(async move {
        let started = Instant::now();
        let o = probe_with("127.0.0.1", None, None, &spec, Duration::from_secs(3), &env).await;
        (o, started.elapsed())
    });
    tokio::time::sleep(Duration::from_millis(1000)).await;
    s.server.freeze();
    let (o, took) = run.await.expect("probe");
    s.server.thaw();
    assert_state(&o, CheckState::Crit);
    assert_eq!(
        o.message,
        format!(
            "the command on 127.0.0.1:{} did not finish within 3 s; output so far: started",
            s.server.port()
        )
    );
    assert!(
        took >= Duration::from_millis(2900) && took < Duration::from_millis(3500),
        "{took:?}"
    );
}

#[tokio::test]
async fn killed_server() {
    let s = start(Options::default());
    let spec = s.spec(json!({"command": "echo started; sleep 30"}));
    let env = s.env();
    let run = tokio::spawn(async move {
        let started = Instant::now();
        let o = probe_with(
            "127.0.0.1",
            None,
            None,
            &spec,
            Duration::from_secs(20),
            &env,
        )
        .await;
        (o, started.elapsed())
    });
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let mut server = s.server;
    server.kill();
    let (o, took) = run.await.expect("probe");
    eprintln!("killed: {o:?} after {took:?}");
    assert_state(&o, CheckState::Crit);
    assert!(o.message.contains("lost while the command ran"), "{o:?}");
    assert!(o.message.ends_with("output so far: started"), "{o:?}");
    assert!(took < Duration::from_secs(3), "{took:?}");

    let port = server.port();
    let o = probe_with(
        "127.0.0.1",
        None,
        None,
        &serde_json::from_value(json!({"command": "true", "port": port, "user": USER}))
            .expect("spec"),
        Duration::from_secs(5),
        &ProbeEnv {
            known_hosts: Some(s.known_hosts.clone()),
            ..ProbeEnv::default()
        },
    )
    .await;
    assert_state(&o, CheckState::Crit);
    assert_eq!(
        o.message,
        format!("127.0.0.1:{port} refuses connections (is sshd running?)")
    );
}

#[tokio::test]
async fn flooding_output_is_bounded() {
    let s = start(Options::default());
    for command in [
        "head -c 100000000 /dev/zero",
        "yes flood >&2",
        "while :; do echo out; echo err >&2; done",
    ] {
        let started = Instant::now();
        let o = s.run(json!({"command": command})).await;
        let took = started.elapsed();
        assert_state(&o, CheckState::Unknown);
        assert!(
            o.message.starts_with("the command printed more than 1 MiB"),
            "{o:?}"
        );
        assert!(took < Duration::from_secs(3), "{command}: {took:?}");
    }
    // The server side ends too (the session's processes get SIGPIPE/SIGHUP).
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let left = Command::new("pgrep")
            .args(["-u", USER, "-f", "yes flood|head -c 100000000|while :"])
            .output()
            .expect("pgrep");
        if left.stdout.is_empty() {
            break;
        }
        assert!(Instant::now() < deadline, "still running: {left:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn have(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(program).is_file()))
}

#[tokio::test]
async fn presets_on_this_host() {
    let s = start(Options::default());

    let disk = s.run(json!({"preset": "disk_usage"})).await;
    eprintln!("disk_usage: {disk:?}");
    assert!(disk.state != CheckState::Unknown, "{disk:?}");
    assert!(disk.message.contains("% used"), "{disk:?}");
    let disk = s
        .run(json!({"preset": "disk_usage", "warn": 0.0, "crit": 100.0}))
        .await;
    assert_state(&disk, CheckState::Warn);
    assert!(disk.message.starts_with("/ "), "{disk:?}");
    assert!(disk.message.ends_with("(warn 0%, crit 100%)"), "{disk:?}");

    let failed = s.run(json!({"preset": "failed_services"})).await;
    eprintln!("failed_services: {failed:?}");
    if Path::new("/run/systemd/system").is_dir() {
        assert!(
            matches!(failed.state, CheckState::Ok | CheckState::Crit),
            "{failed:?}"
        );
    } else if have("systemctl") {
        assert_state(&failed, CheckState::Unknown);
        assert!(
            failed
                .message
                .starts_with("systemd is not running on this host"),
            "{failed:?}"
        );
    } else {
        assert_state(&failed, CheckState::Unknown);
        assert!(
            failed.message.starts_with("no systemctl on this host"),
            "{failed:?}"
        );
    }

    let updates = s
        .run_for(
            json!({"preset": "pending_updates"}),
            Duration::from_secs(30),
        )
        .await;
    eprintln!("pending_updates: {updates:?}");
    if have("apt-get") {
        let local = Command::new("apt-get")
            .args(["-s", "upgrade"])
            .env("LC_ALL", "C")
            .output()
            .expect("apt-get -s");
        let text = String::from_utf8_lossy(&local.stdout);
        let count = text.lines().filter(|l| l.starts_with("Inst ")).count();
        let security = text
            .lines()
            .filter(|l| l.starts_with("Inst ") && l.to_lowercase().contains("security"))
            .count();
        match (count, security) {
            (0, _) => assert_state(&updates, CheckState::Ok),
            (n, 0) => {
                assert_state(&updates, CheckState::Warn);
                assert!(
                    updates.message.starts_with(&format!("{n} pending update")),
                    "{updates:?}"
                );
            }
            (n, sec) => {
                assert_state(&updates, CheckState::Crit);
                assert!(
                    updates
                        .message
                        .starts_with(&format!("{n} pending updates, {sec} from security")),
                    "{updates:?}"
                );
            }
        }
    }

    let reboot = s.run(json!({"preset": "reboot_required"})).await;
    eprintln!("reboot_required: {reboot:?}");
    if Path::new("/var/run/reboot-required").exists() {
        assert_state(&reboot, CheckState::Warn);
    } else if have("dpkg") {
        assert_state(&reboot, CheckState::Ok);
        assert_eq!(
            reboot.message,
            "no reboot required (no /var/run/reboot-required)"
        );
    }
}

/// restic and borg repositories made here, read by the check's user over SSH.
#[tokio::test]
async fn backup_age_with_restic_and_borg() {
    // A folder of its own (the check's user may write: caches, borg's security folder),
    // and the restic password, borg settings and caches for the check's user from sshd.
    let work = tempfile::Builder::new()
        .prefix("fieldline-backup-")
        .tempdir()
        .expect("tmp");
    std::fs::set_permissions(work.path(), std::fs::Permissions::from_mode(0o1777)).expect("chmod");
    let scratch = work.path().to_path_buf();
    let at = |k: &str| scratch.join(k).display().to_string();
    let s = start(Options {
        set_env: vec![
            (
                "RESTIC_PASSWORD".to_owned(),
                "fieldline-restic-pw".to_owned(),
            ),
            ("XDG_CACHE_HOME".to_owned(), at("cache")),
            ("BORG_BASE_DIR".to_owned(), at("borg")),
            (
                "BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK".to_owned(),
                "yes".to_owned(),
            ),
        ],
        ..Options::default()
    });
    let tool = |program: &str, args: &[&str]| {
        let out = Command::new(program)
            .args(args)
            .env("RESTIC_PASSWORD", "fieldline-restic-pw")
            .env("BORG_BASE_DIR", scratch.join("root-borg"))
            .env("XDG_CACHE_HOME", scratch.join("root-cache"))
            .current_dir(&scratch)
            .output()
            .expect(program);
        assert!(out.status.success(), "{program} {args:?}: {out:?}");
    };

    if !have("restic") && !have("borg") {
        let o = s
            .run(json!({"preset": "backup_age", "repository": "/srv/none"}))
            .await;
        assert_state(&o, CheckState::Unknown);
        assert!(o.message.starts_with("neither restic nor borg"), "{o:?}");
        return;
    }
    std::fs::write(scratch.join("data.txt"), "precious").expect("data");
    let chown = |path: &Path| {
        let ok = Command::new("chown")
            .args(["-R", &format!("{USER}:")])
            .arg(path)
            .status()
            .expect("chown");
        assert!(ok.success());
    };
    if have("restic") {
        let quoted = scratch.join("it's a \"repo\" $(touch pwned)");
        let quoted = quoted.to_str().expect("utf-8");
        tool("restic", &["init", "-q", "--repo", quoted]);
        tool("restic", &["-r", quoted, "backup", "-q", "data.txt"]);
        chown(Path::new(quoted));
        let o = s
            .run(json!({"preset": "backup_age", "repository": quoted}))
            .await;
        assert_state(&o, CheckState::Ok);
        assert!(
            o.message
                .starts_with("last backup 0.0 h ago: restic snapshot "),
            "{o:?}"
        );
        assert!(o.message.ends_with("(warn 26 h, crit 50 h)"), "{o:?}");
        assert!(!scratch.join("pwned").exists());
        let o = s
            .run(json!({"preset": "backup_age", "repository": quoted, "warn": 0.0, "crit": 1.0}))
            .await;
        assert_state(&o, CheckState::Warn);

        let empty = scratch.join("restic-empty");
        let empty = empty.to_str().expect("utf-8");
        tool("restic", &["init", "-q", "--repo", empty]);
        chown(Path::new(empty));
        let o = s
            .run(json!({"preset": "backup_age", "repository": empty}))
            .await;
        assert_state(&o, CheckState::Crit);
        assert_eq!(
            o.message,
            "no backup: the repository has no snapshot (restic)"
        );
    }
    if have("borg") {
        let repo = scratch.join("borg-repo");
        let repo = repo.to_str().expect("utf-8");
        tool("borg", &["init", "--encryption=none", repo]);
        tool("borg", &["create", &format!("{repo}::nightly"), "data.txt"]);
        chown(Path::new(repo));
        let o = s
            .run(json!({"preset": "backup_age", "repository": repo}))
            .await;
        assert_state(&o, CheckState::Ok);
        assert!(
            o.message
                .starts_with("last backup 0.0 h ago: borg archive \"nightly\""),
            "{o:?}"
        );
    }
    let o = s
        .run(json!({"preset": "backup_age", "repository": scratch.join("missing")}))
        .await;
    assert_state(&o, CheckState::Unknown);
    assert!(o.message.contains("could not read the repository"), "{o:?}");
}

/// The preset scripts' logic for tools this machine lacks (dnf, needs-restarting) and the
/// restic → borg fallback: the real script, run by the local `sh` with a PATH holding only
/// stand-in tools that print real outputs, judged by the real parser.
#[test]
fn preset_scripts_with_stand_in_tools() {
    use fieldline_core::checks::SshPreset;
    use fieldline_monitor::probe::ssh_command::{presets, CommandOutput};

    let bin = tempfile::tempdir().expect("tmp");
    for real in ["sh", "cat", "date"] {
        let target = ["/bin", "/usr/bin"]
            .iter()
            .map(|d| Path::new(d).join(real))
            .find(|p| p.is_file())
            .expect(real);
        std::os::unix::fs::symlink(target, bin.path().join(real)).expect("symlink");
    }
    let fake = |name: &str, script: &str| {
        let path = bin.path().join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{script}")).expect("write");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    };
    let run = |preset: SshPreset, spec: serde_json::Value| {
        let mut spec = spec;
        spec["preset"] = json!(preset_name(preset));
        let spec: SshCommandSpec = serde_json::from_value(spec).expect("spec");
        let command = presets::command(preset, &spec).expect("command");
        let out = Command::new("/bin/sh")
            .arg("-c")
            .arg(&command)
            .env_clear()
            .env("PATH", bin.path())
            .output()
            .expect("sh");
        let output = CommandOutput {
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            exit: out.status.code(),
            ..CommandOutput::default()
        };
        presets::judge(preset, &spec, &output)
    };

    fake(
        "dnf",
        r#"case "$*" in
*updateinfo*) [ -n "$SEC_FAIL" ] && exit 1
  echo 'RHSA-2024:0310 Moderate/Sec.  openssl-libs-1:3.0.7-25.el9_3.x86_64'; exit 0;;
*check-update*) printf '\nopenssl-libs.x86_64    1:3.0.7-25.el9_3    baseos\ntzdata.noarch    2024a-1.el9    baseos\n'; exit 100;;
*"needs-restarting --help"*) exit 0;;
*needs-restarting*) printf 'Core libraries or services have been updated since boot-up:\n  * kernel\n\nReboot is required to fully utilize these updates.\n'; exit 1;;
esac
exit 2
"#,
    );
    let (state, message) = run(SshPreset::PendingUpdates, json!({}));
    assert_eq!(state, CheckState::Crit, "{message}");
    assert_eq!(
        message,
        "2 pending updates, 1 from security advisories: openssl-libs-1:3.0.7-25.el9_3.x86_64"
    );
    let (state, message) = run(SshPreset::RebootRequired, json!({}));
    assert_eq!(state, CheckState::Warn, "{message}");
    assert_eq!(
        message,
        "reboot required (needs-restarting -r): kernel updated since boot"
    );

    // restic fails on a borg repository, borg answers; the repository is quoted.
    fake(
        "restic",
        r#"echo "Fatal: unable to open config file: $3" >&2; exit 1
"#,
    );
    fake(
        "borg",
        r#"[ "$7" = "/srv/it's here" ] || { echo "wrong repository: $7" >&2; exit 2; }
now=$(date +%Y-%m-%dT%H:%M:%S)
printf '{"archives": [{"name": "nightly", "time": "%s.000000"}]}\n' "$now"
"#,
    );
    let (state, message) = run(
        SshPreset::BackupAge,
        json!({"repository": "/srv/it's here"}),
    );
    assert_eq!(state, CheckState::Ok, "{message}");
    assert!(
        message.starts_with("last backup 0.0 h ago: borg archive \"nightly\""),
        "{message}"
    );
    std::fs::remove_file(bin.path().join("borg")).expect("rm");
    let (state, message) = run(SshPreset::BackupAge, json!({"repository": "/srv/x"}));
    assert_eq!(state, CheckState::Unknown, "{message}");
    assert_eq!(
        message,
        "restic (exit 1) could not read the repository: Fatal: unable to open config file: /srv/x"
    );
    std::fs::remove_file(bin.path().join("restic")).expect("rm");
    let (state, message) = run(SshPreset::BackupAge, json!({"repository": "/srv/x"}));
    assert_eq!(state, CheckState::Unknown, "{message}");
    assert!(message.starts_with("neither restic nor borg"), "{message}");
}

fn preset_name(preset: fieldline_core::checks::SshPreset) -> &'static str {
    use fieldline_core::checks::SshPreset;
    match preset {
        SshPreset::DiskUsage => "disk_usage",
        SshPreset::FailedServices => "failed_services",
        SshPreset::PendingUpdates => "pending_updates",
        SshPreset::RebootRequired => "reboot_required",
        SshPreset::BackupAge => "backup_age",
    }
}
