//! Remote sessions side by side with OpenSSH's own tools, in one run, on loopback sshd
//! instances started here (the test harness):
//!
//! 1. session open: connect, key exchange, key login, PTY, first prompt — Fieldline's
//!    session actor vs `ssh -tt` (median of N, alternating who goes first);
//! 2. one command fanned out to 50 sshd hosts: `fanout::run` vs `parallel-ssh` (Debian
//!    `pssh`) vs an Ansible ad-hoc run (Debian `ansible-core`), all 50 at once;
//! 3. SFTP download of a 1 GiB file: `sftp::download` vs OpenSSH `sftp -b`.
//!
//! Run as root (sshd's privilege separation; the harness logs in as `fieldline-ssh`):
//!
//! ```sh
//! apt-get install -y openssh-server openssh-client pssh ansible-core
//! cargo bench -p fieldline-ssh --bench ssh
//! ```
//!
//! Env: `FIELDLINE_BENCH_RUNS` (default 15 opens, 3 fan-outs and downloads),
//! `FIELDLINE_BENCH_SFTP_MIB` (default 1024), `FIELDLINE_BENCH_HOSTS` (default 50).

#![allow(clippy::unwrap_used, clippy::print_stdout)]

#[path = "../../fieldline-monitor/tests/support/sshd.rs"]
mod sshd;

use fieldline_keychain::{SecretError, SecretStore};
use fieldline_ssh::connect::{self, ConnectOptions, Hop, Route};
use fieldline_ssh::fanout::{self, Cancel, FanoutHost, FanoutOptions, HostState};
use fieldline_ssh::known_hosts::HostKeyPolicy;
use fieldline_ssh::profile::{AuthMethod, CredentialProfile};
use fieldline_ssh::session::{Session, SessionEvent, SessionOptions};
use fieldline_ssh::sftp;
use sshd::{KeyKind, Options, Sshd};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::AtomicBool;
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

struct NoSecrets;

impl SecretStore for NoSecrets {
    fn get(&self, _: &str) -> Result<Option<String>, SecretError> {
        Ok(None)
    }
    fn set(&self, _: &str, _: &str) -> Result<(), SecretError> {
        Ok(())
    }
    fn delete(&self, _: &str) -> Result<(), SecretError> {
        Ok(())
    }
}

fn env_num(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn route(server: &Sshd, key: &Path) -> Route {
    Route {
        hops: vec![Hop {
            host: "127.0.0.1".to_owned(),
            port: server.port(),
            user: sshd::USER.to_owned(),
            profile: CredentialProfile {
                name: "bench".to_owned(),
                user: None,
                method: AuthMethod::Key {
                    key_file: Some(key.to_owned()),
                },
            },
            label: format!("127.0.0.1:{}", server.port()),
        }],
    }
}

fn options(known_hosts: &Path) -> ConnectOptions {
    ConnectOptions {
        policy: HostKeyPolicy::Strict,
        ..ConnectOptions::new(known_hosts)
    }
}

/// OpenSSH options that check the same known_hosts file strictly.
fn openssh_args(known_hosts: &Path, key: &Path) -> Vec<String> {
    vec![
        "-F".into(),
        "/dev/null".into(),
        "-o".into(),
        "BatchMode=yes".into(),
        "-o".into(),
        "StrictHostKeyChecking=yes".into(),
        "-o".into(),
        format!("UserKnownHostsFile={}", known_hosts.display()),
        "-o".into(),
        "IdentitiesOnly=yes".into(),
        "-o".into(),
        "LogLevel=ERROR".into(),
        "-i".into(),
        key.display().to_string(),
    ]
}

fn fieldline_open(server: &Sshd, key: &Path, known_hosts: &Path) -> f64 {
    let (tx, rx) = mpsc::channel();
    let started = Instant::now();
    let handle = Session::spawn(
        route(server, key),
        options(known_hosts),
        SessionOptions {
            pty: Some((80, 24)),
            ..SessionOptions::default()
        },
        Arc::new(NoSecrets),
        Box::new(move |e| {
            let _ = tx.send(e);
        }),
    );
    let mut seen = Vec::new();
    loop {
        match rx.recv_timeout(Duration::from_secs(20)).unwrap() {
            SessionEvent::Data { bytes } => {
                seen.extend_from_slice(&bytes);
                if seen.windows(2).any(|w| w == b"$ ") {
                    break;
                }
            }
            SessionEvent::Error { message } => panic!("{message}"),
            SessionEvent::Closed { reason } => panic!("{reason}"),
            _ => {}
        }
    }
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    handle.close();
    ms
}

fn openssh_open(server: &Sshd, key: &Path, known_hosts: &Path, extra: &[String]) -> f64 {
    let started = Instant::now();
    let mut child = Command::new("ssh")
        .arg("-tt")
        .args(openssh_args(known_hosts, key))
        .args(extra)
        .args(["-p", &server.port().to_string()])
        .arg(format!("{}@127.0.0.1", sshd::USER))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = out.read(&mut buf).unwrap();
        if n == 0 {
            let mut err = String::new();
            let _ = child.stderr.take().unwrap().read_to_string(&mut err);
            panic!("ssh {extra:?} ended before a prompt: {err}");
        }
        seen.extend_from_slice(&buf[..n]);
        if seen.windows(2).any(|w| w == b"$ ") {
            break;
        }
    }
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    let _ = child.stdin.take().unwrap().write_all(b"exit\n");
    let _ = child.kill();
    let _ = child.wait();
    ms
}

/// `/proc/loadavg`'s first three fields (the machine is shared).
fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The key exchange and ciphers sshd logged (DEBUG1) for logins since `from` bytes of its
/// log: what each client really negotiated.
fn algorithms(server: &Sshd, from: usize) -> String {
    let log = server.log();
    let mut seen: Vec<String> = Vec::new();
    for line in log[from.min(log.len())..].lines() {
        for key in [
            "kex: algorithm: ",
            "kex: host key algorithm: ",
            "kex: client->server cipher: ",
        ] {
            if let Some(rest) = line.split(key).nth(1) {
                let v = rest
                    .split(" MAC:")
                    .next()
                    .unwrap_or(rest)
                    .trim_end_matches(" [preauth]")
                    .trim()
                    .to_owned();
                if !seen.contains(&v) {
                    seen.push(v);
                }
            }
        }
    }
    seen.join(", ")
}

/// Whether two files have the same bytes (read outside the timed part).
fn same_file(a: &Path, b: &Path) -> bool {
    let (mut fa, mut fb) = (
        std::fs::File::open(a).unwrap(),
        std::fs::File::open(b).unwrap(),
    );
    if fa.metadata().unwrap().len() != fb.metadata().unwrap().len() {
        return false;
    }
    let (mut ba, mut bb) = (vec![0u8; 1 << 20], vec![0u8; 1 << 20]);
    loop {
        let n = fa.read(&mut ba).unwrap();
        if n == 0 {
            return true;
        }
        fb.read_exact(&mut bb[..n]).unwrap();
        if ba[..n] != bb[..n] {
            return false;
        }
    }
}

fn timed(mut f: impl FnMut()) -> f64 {
    let started = Instant::now();
    f();
    started.elapsed().as_secs_f64() * 1000.0
}

fn spread(v: &[f64]) -> String {
    let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    format!("{lo:.0}–{hi:.0}")
}

fn main() {
    let runs = env_num("FIELDLINE_BENCH_RUNS", 15);
    let hosts_n = env_num("FIELDLINE_BENCH_HOSTS", 50);
    let sftp_mib = env_num("FIELDLINE_BENCH_SFTP_MIB", 1024);
    let work = tempfile::tempdir().unwrap();
    let hostname = String::from_utf8(Command::new("uname").arg("-n").output().unwrap().stdout)
        .unwrap()
        .trim()
        .to_owned();
    println!("load average at start: {}", load());

    // 1. Session open.
    let server = Sshd::start(Options::default()).unwrap();
    let key = server.user_key_path(KeyKind::Ed25519);
    let known_hosts = work.path().join("known_hosts");
    std::fs::write(&known_hosts, server.known_hosts_line().unwrap()).unwrap();
    // Warm both once (page cache, sshd's first fork), and note what each negotiates.
    let mark = server.log().len();
    fieldline_open(&server, &key, &known_hosts);
    let ours_algs = algorithms(&server, mark);
    let mark = server.log().len();
    openssh_open(&server, &key, &known_hosts, &[]);
    let theirs_algs = algorithms(&server, mark);
    // OpenSSH with libssh2's key exchange, for a like-for-like reading (not the target).
    let same_kex = ours_algs.split(", ").next().unwrap_or("").to_owned();
    let same_kex_args = ["-o".to_owned(), format!("KexAlgorithms={same_kex}")];
    openssh_open(&server, &key, &known_hosts, &same_kex_args);
    let (mut ours, mut theirs, mut theirs_same) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..runs {
        if i % 2 == 0 {
            ours.push(fieldline_open(&server, &key, &known_hosts));
            theirs.push(openssh_open(&server, &key, &known_hosts, &[]));
            theirs_same.push(openssh_open(&server, &key, &known_hosts, &same_kex_args));
        } else {
            theirs_same.push(openssh_open(&server, &key, &known_hosts, &same_kex_args));
            theirs.push(openssh_open(&server, &key, &known_hosts, &[]));
            ours.push(fieldline_open(&server, &key, &known_hosts));
        }
    }
    println!("load average after the opens: {}", load());
    println!("negotiated: Fieldline (libssh2) {ours_algs}; ssh {theirs_algs}");
    let open_spread = (spread(&ours), spread(&theirs), spread(&theirs_same));
    let (ours_open, theirs_open, theirs_same_open) =
        (median(ours), median(theirs), median(theirs_same));

    // 2. Fan-out to many hosts.
    let mut servers = vec![server];
    while servers.len() < hosts_n {
        let next = Sshd::start_sharing_keys(Options::default(), &servers[0]).unwrap();
        servers.push(next);
    }
    let mut lines = String::new();
    for s in &servers {
        lines += &s.known_hosts_line().unwrap();
    }
    std::fs::write(&known_hosts, &lines).unwrap();
    let command = "uname -n";
    let hosts: Vec<FanoutHost> = servers
        .iter()
        .enumerate()
        .map(|(i, s)| FanoutHost {
            endpoint: format!("h{i}"),
            customer: "bench".to_owned(),
            route: route(s, &key),
        })
        .collect();
    let pssh_hosts = work.path().join("pssh-hosts");
    std::fs::write(
        &pssh_hosts,
        servers
            .iter()
            .map(|s| format!("{}@127.0.0.1:{}\n", sshd::USER, s.port()))
            .collect::<String>(),
    )
    .unwrap();
    let inventory = work.path().join("inventory.ini");
    std::fs::write(
        &inventory,
        servers
            .iter()
            .enumerate()
            .map(|(i, s)| {
                format!(
                    "h{i} ansible_host=127.0.0.1 ansible_port={} ansible_user={} ansible_ssh_private_key_file={}\n",
                    s.port(),
                    sshd::USER,
                    key.display()
                )
            })
            .collect::<String>(),
    )
    .unwrap();
    let fan_runs = runs.clamp(1, 3);
    let (mut f_ours, mut f_pssh, mut f_ansible) = (Vec::new(), Vec::new(), Vec::new());
    for run in 0..fan_runs {
        f_ours.push(timed(|| {
            let results = fanout::run(
                hosts.clone(),
                command,
                &FanoutOptions {
                    concurrency: hosts_n,
                    ..FanoutOptions::default()
                },
                &options(&known_hosts),
                &NoSecrets,
                &Cancel::default(),
                &|_| {},
            );
            assert_eq!(results.len(), hosts_n);
            for r in &results {
                assert!(
                    r.state == HostState::Ok && r.exit == Some(0) && r.output.trim() == hostname,
                    "fanout: {r:?}"
                );
            }
        }));
        // parallel-ssh: every ssh argument passed as one -X (no re-splitting); each host's
        // stdout saved to a file of its own and checked.
        let outdir = work.path().join(format!("pssh-out-{run}"));
        let errdir = work.path().join(format!("pssh-err-{run}"));
        f_pssh.push(timed(|| {
            let mut c = Command::new("parallel-ssh");
            c.args([
                "-h",
                pssh_hosts.to_str().unwrap(),
                "-p",
                &hosts_n.to_string(),
            ])
            .args(["-t", "120", "-o", outdir.to_str().unwrap()])
            .args(["-e", errdir.to_str().unwrap()]);
            for a in openssh_args(&known_hosts, &key) {
                c.arg("-X").arg(a);
            }
            let out = c.arg(command).output().unwrap();
            assert!(
                out.status.success(),
                "parallel-ssh {}: {}{}",
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            let success = String::from_utf8_lossy(&out.stdout)
                .matches("[SUCCESS]")
                .count();
            assert_eq!(success, hosts_n, "{}", String::from_utf8_lossy(&out.stdout));
        }));
        for s in &servers {
            let f = outdir.join(format!("{}@127.0.0.1:{}", sshd::USER, s.port()));
            let text = std::fs::read_to_string(&f).unwrap_or_default();
            assert_eq!(text.trim(), hostname, "parallel-ssh output {}", f.display());
        }
        // Ansible: fresh connections (no ControlPersist carried over between runs), the
        // same known_hosts checked strictly, python3 of this machine as the "remote" one.
        f_ansible.push(timed(|| {
            let out = Command::new("ansible")
                .args(["all", "-i", inventory.to_str().unwrap(), "-m", "command"])
                .args(["-a", command, "-f", &hosts_n.to_string(), "-o"])
                .current_dir(work.path())
                .env(
                    "ANSIBLE_SSH_ARGS",
                    format!(
                        "-F /dev/null -o UserKnownHostsFile={} -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes -o BatchMode=yes -o ControlMaster=no",
                        known_hosts.display()
                    ),
                )
                .env("ANSIBLE_HOST_KEY_CHECKING", "True")
                .env("ANSIBLE_PYTHON_INTERPRETER", "/usr/bin/python3")
                .env("ANSIBLE_LOCAL_TEMP", work.path().join("ansible-local"))
                .env("ANSIBLE_REMOTE_TEMP", "/tmp/.fieldline-ansible")
                .env("ANSIBLE_NOCOLOR", "1")
                .output()
                .unwrap();
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert!(
                out.status.success(),
                "ansible {}: {stdout}{}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            );
            for i in 0..hosts_n {
                let want = format!("h{i} | CHANGED | rc=0 | (stdout) {hostname}");
                assert!(
                    stdout.lines().any(|l| l.trim() == want),
                    "ansible: no {want:?} in {stdout}"
                );
            }
        }));
    }
    println!("load average after the fan-outs: {}", load());
    servers.truncate(1);
    let server = servers.pop().unwrap();
    std::fs::write(&known_hosts, server.known_hosts_line().unwrap()).unwrap();

    // 3. SFTP download.
    let remote = server.scratch_dir().join("big.bin");
    {
        let mut f = std::fs::File::create(&remote).unwrap();
        let mut chunk = vec![0u8; 1 << 20];
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..sftp_mib {
            for b in chunk.iter_mut() {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                *b = x as u8;
            }
            f.write_all(&chunk).unwrap();
        }
        f.sync_all().unwrap();
    }
    let local: PathBuf = work.path().join("down.bin");
    let batch = work.path().join("batch");
    std::fs::write(
        &batch,
        format!("get {} {}\n", remote.display(), local.display()),
    )
    .unwrap();
    let (mut s_ours, mut s_theirs) = (Vec::new(), Vec::new());
    for _ in 0..fan_runs {
        let _ = std::fs::remove_file(&local);
        let ms = timed(|| {
            let conn = connect::connect(
                &route(&server, &key),
                &options(&known_hosts),
                &NoSecrets,
                &mut connect::NoPrompter,
            )
            .unwrap();
            let sftp = sftp::open(conn.target()).unwrap();
            let progress = sftp::download(
                &sftp,
                remote.to_str().unwrap(),
                &local,
                &AtomicBool::new(false),
                &mut |_| {},
            )
            .unwrap();
            assert_eq!(progress.done_bytes, (sftp_mib as u64) << 20);
        });
        assert!(same_file(&remote, &local), "Fieldline's copy differs");
        s_ours.push(sftp_mib as f64 / (ms / 1000.0));
        let _ = std::fs::remove_file(&local);
        let ms = timed(|| {
            let out = Command::new("sftp")
                .args(openssh_args(&known_hosts, &key))
                .args([
                    "-b",
                    batch.to_str().unwrap(),
                    "-P",
                    &server.port().to_string(),
                ])
                .arg(format!("{}@127.0.0.1", sshd::USER))
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        });
        assert!(same_file(&remote, &local), "sftp's copy differs");
        s_theirs.push(sftp_mib as f64 / (ms / 1000.0));
    }
    let _ = std::fs::remove_file(&remote);
    let _ = std::fs::remove_file(&local);
    println!("load average at the end: {}", load());
    println!();

    println!("| measure | Fieldline | peer | ratio | target |");
    println!("|---|---|---|---|---|");
    println!(
        "| session open to first prompt, median of {runs} | {ours_open:.0} ms | ssh -tt {theirs_open:.0} ms | {:.2}x | ≤ 1.3x |",
        ours_open / theirs_open
    );
    println!(
        "| (same, ssh -tt with KexAlgorithms={same_kex}) | {ours_open:.0} ms | ssh -tt {theirs_same_open:.0} ms | {:.2}x | (like for like) |",
        ours_open / theirs_same_open
    );
    let (fo, fp, fa) = (
        median(f_ours.clone()),
        median(f_pssh.clone()),
        median(f_ansible.clone()),
    );
    println!(
        "| `{command}` on {hosts_n} hosts, median of {fan_runs} | {fo:.0} ms | parallel-ssh {fp:.0} ms, ansible {fa:.0} ms | {:.2}x / {:.2}x of theirs | faster than both |",
        fo / fp,
        fo / fa
    );
    let (so, st) = (median(s_ours.clone()), median(s_theirs.clone()));
    println!(
        "| SFTP download {sftp_mib} MiB, median of {fan_runs} | {so:.0} MiB/s | sftp {st:.0} MiB/s | {:.2}x | ≥ 0.5x |",
        so / st
    );
    println!();
    println!(
        "spreads (min–max): open Fieldline {} ms, ssh -tt {} ms, ssh -tt same kex {} ms; fan-out Fieldline {} ms, parallel-ssh {} ms, ansible {} ms; SFTP Fieldline {} MiB/s, sftp {} MiB/s",
        open_spread.0,
        open_spread.1,
        open_spread.2,
        spread(&f_ours),
        spread(&f_pssh),
        spread(&f_ansible),
        spread(&s_ours),
        spread(&s_theirs)
    );
}
