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

fn openssh_open(server: &Sshd, key: &Path, known_hosts: &Path) -> f64 {
    let started = Instant::now();
    let mut child = Command::new("ssh")
        .arg("-tt")
        .args(openssh_args(known_hosts, key))
        .args(["-p", &server.port().to_string()])
        .arg(format!("{}@127.0.0.1", sshd::USER))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = out.read(&mut buf).unwrap();
        assert!(n > 0, "ssh ended before a prompt");
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

fn timed(mut f: impl FnMut()) -> f64 {
    let started = Instant::now();
    f();
    started.elapsed().as_secs_f64() * 1000.0
}

fn main() {
    let runs = env_num("FIELDLINE_BENCH_RUNS", 15);
    let hosts_n = env_num("FIELDLINE_BENCH_HOSTS", 50);
    let sftp_mib = env_num("FIELDLINE_BENCH_SFTP_MIB", 1024);
    let work = tempfile::tempdir().unwrap();

    // 1. Session open.
    let server = Sshd::start(Options::default()).unwrap();
    let key = server.user_key_path(KeyKind::Ed25519);
    let known_hosts = work.path().join("known_hosts");
    std::fs::write(&known_hosts, server.known_hosts_line().unwrap()).unwrap();
    // Warm both once (page cache, sshd's first fork).
    fieldline_open(&server, &key, &known_hosts);
    openssh_open(&server, &key, &known_hosts);
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for i in 0..runs {
        if i % 2 == 0 {
            ours.push(fieldline_open(&server, &key, &known_hosts));
            theirs.push(openssh_open(&server, &key, &known_hosts));
        } else {
            theirs.push(openssh_open(&server, &key, &known_hosts));
            ours.push(fieldline_open(&server, &key, &known_hosts));
        }
    }
    let (ours_open, theirs_open) = (median(ours), median(theirs));

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
    let fan_runs = runs.min(3).max(1);
    let (mut f_ours, mut f_pssh, mut f_ansible) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..fan_runs {
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
            assert!(results.iter().all(|r| r.state == HostState::Ok), "{results:?}");
        }));
        f_pssh.push(timed(|| {
            let ssh_args = openssh_args(&known_hosts, &key).join(" ");
            let out = Command::new("parallel-ssh")
                .args(["-h", pssh_hosts.to_str().unwrap(), "-p", &hosts_n.to_string()])
                .args(["-t", "60", "-x", &ssh_args, command])
                .output()
                .unwrap();
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
        }));
        f_ansible.push(timed(|| {
            let out = Command::new("ansible")
                .args(["all", "-i", inventory.to_str().unwrap(), "-m", "command"])
                .args(["-a", command, "-f", &hosts_n.to_string()])
                .env(
                    "ANSIBLE_SSH_ARGS",
                    format!(
                        "-o UserKnownHostsFile={} -o StrictHostKeyChecking=yes -o ControlMaster=no",
                        known_hosts.display()
                    ),
                )
                .env("ANSIBLE_PYTHON_INTERPRETER", "/usr/bin/python3")
                .env("ANSIBLE_LOCAL_TEMP", work.path().join("ansible-local"))
                .env("ANSIBLE_REMOTE_TEMP", "/tmp/.fieldline-ansible")
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }));
    }
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
            sftp::download(
                &sftp,
                remote.to_str().unwrap(),
                &local,
                &AtomicBool::new(false),
                &mut |_| {},
            )
            .unwrap();
        });
        s_ours.push(sftp_mib as f64 / (ms / 1000.0));
        let _ = std::fs::remove_file(&local);
        let batch = work.path().join("batch");
        std::fs::write(
            &batch,
            format!("get {} {}\n", remote.display(), local.display()),
        )
        .unwrap();
        let ms = timed(|| {
            let out = Command::new("sftp")
                .args(openssh_args(&known_hosts, &key))
                .args(["-b", batch.to_str().unwrap(), "-P", &server.port().to_string()])
                .arg(format!("{}@127.0.0.1", sshd::USER))
                .output()
                .unwrap();
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        });
        s_theirs.push(sftp_mib as f64 / (ms / 1000.0));
    }
    let _ = std::fs::remove_file(&remote);

    println!("| measure | Fieldline | peer | ratio | target |");
    println!("|---|---|---|---|---|");
    println!(
        "| session open to first prompt, median of {runs} | {ours_open:.0} ms | ssh -tt {theirs_open:.0} ms | {:.2}x | ≤ 1.3x |",
        ours_open / theirs_open
    );
    let (fo, fp, fa) = (median(f_ours), median(f_pssh), median(f_ansible));
    println!(
        "| `{command}` on {hosts_n} hosts, median of {fan_runs} | {fo:.0} ms | parallel-ssh {fp:.0} ms, ansible {fa:.0} ms | {:.2}x / {:.2}x of theirs | faster than both |",
        fo / fp,
        fo / fa
    );
    let (so, st) = (median(s_ours), median(s_theirs));
    println!(
        "| SFTP download {sftp_mib} MiB, median of {fan_runs} | {so:.0} MiB/s | sftp {st:.0} MiB/s | {:.2}x | ≥ 0.5x |",
        so / st
    );
}
