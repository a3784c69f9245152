//! Real OpenSSH servers for tests: Debian's `sshd` (OpenSSH 9.2) on 127.0.0.1, started
//! from nothing in a temp folder (host key, user keys, authorized_keys, sshd_config, log),
//! torn down on drop. Needs only `std` and `tempfile`; must run as root (sshd's privilege
//! separation, and the password / keyboard-interactive user).
//!
//! ```ignore
//! #[path = "support/sshd.rs"]
//! mod sshd;
//! let server = sshd::Sshd::start(sshd::Options::default())?;
//! // root@127.0.0.1:server.port() with server.user_key_path(KeyKind::Ed25519)
//! ```
//!
//! Packages: `openssh-server openssh-client` (the Debian service does not start on install
//! when there is no systemd). What it sets up:
//!
//! - [`Sshd::start`]: an ed25519 host key, four user keys ([`KeyKind`]: ed25519, ecdsa,
//!   rsa, and ed25519 with passphrase [`KEY_PASSPHRASE`]), all in `authorized_keys`;
//!   `sshd -D -E log` with `LogLevel DEBUG1`; returns once the log says it listens.
//! - Users: [`USER`] = [`TEST_USER`], a system user (home `/`, bash, no dotfiles) with
//!   password [`TEST_PASSWORD`], created once with `useradd --system` + `chpasswd` and
//!   kept; and [`ROOT`] (public keys only, `PermitRootLogin prohibit-password`), whose
//!   ~/.bashrc makes it a poor test user here. Keys are accepted for both.
//! - Password auth works with `UsePAM no` (sshd reads /etc/shadow itself, yescrypt OK).
//! - Keyboard-interactive needs PAM: `UsePAM yes` and the PAM service is sshd's program
//!   name, so the harness runs sshd through a symlink `DIR/sshd-fieldline-kbdint` and
//!   writes `/etc/pam.d/sshd-fieldline-kbdint` (pam_unix auth, pam_permit account and
//!   session; no loginuid/motd/env modules, which fail or are noise in a container). The
//!   prompt is pam_unix's `Password: ` (echo off).
//! - [`Sshd::auth_attempts_in_log`] counts `userauth-request` lines (DEBUG1): 0 proves
//!   "no authentication was attempted" (a handshake alone logs only `Connection from`).
//! - [`Sshd::restart_with_new_host_key`] (same port, new key), [`Sshd::kill`] (SIGKILL to
//!   the listener AND its per-connection children: those call setsid(), so neither killing
//!   the listener nor its process group ends open sessions).
//! - [`Chain::start`]: jump1 -> jump2 -> target, each with `PermitOpen` only to the next.
//! - [`Agent::start`]: a private `ssh-agent -D -a DIR/agent.sock` with the unencrypted keys.
//! - A watchdog (`sh`, own process group) kills every process of the instance (the tree
//!   below each listener, plus anything with `FIELDLINE_SSHD_DIR=DIR` in its environment,
//!   set by `SetEnv`) and removes the folder, 3-4 s after the test process died without
//!   dropping (measured with `kill -9`).

#![allow(dead_code)]

// Included by `#[path]` from a test crate: this path is relative to this file's folder.
#[path = "../../../../tests/support/harness_common.rs"]
mod common;

pub use common::HarnessError;
use common::{fail, log_file, read_lossy, write};

use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const ROOT: &str = "root";
/// The user tests should log in as: home `/`, no dotfiles. (Root's ~/.bashrc here runs
/// `pyenv init`, which makes every exec ~0.5 s slower and can hang on pyenv's rehash lock.)
pub const USER: &str = TEST_USER;
pub const TEST_USER: &str = "fieldline-ssh";
pub const TEST_PASSWORD: &str = "fieldline-ssh-pw-1";
pub const KEY_PASSPHRASE: &str = "fieldline-key-passphrase";
/// How long sshd may take to listen.
pub const WAIT: Duration = Duration::from_secs(10);
const SSHD: &str = "/usr/sbin/sshd";
const PAM_SERVICE: &str = "sshd-fieldline-kbdint";
const PAM_CONFIG: &str =
    "# Written by the Fieldline sshd test harness (keyboard-interactive tests).
auth     required pam_unix.so
account  required pam_permit.so
session  required pam_permit.so
password required pam_deny.so
";
const INSTALL_HINT: &str = "install Debian's `openssh-server openssh-client` (apt-get install -y)";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    Ed25519,
    Ecdsa,
    Rsa,
    /// ed25519, encrypted with [`KEY_PASSPHRASE`].
    Ed25519Passphrase,
}

impl KeyKind {
    pub const ALL: [KeyKind; 4] = [
        KeyKind::Ed25519,
        KeyKind::Ecdsa,
        KeyKind::Rsa,
        KeyKind::Ed25519Passphrase,
    ];
    fn file(self) -> &'static str {
        match self {
            KeyKind::Ed25519 => "id_ed25519",
            KeyKind::Ecdsa => "id_ecdsa",
            KeyKind::Rsa => "id_rsa",
            KeyKind::Ed25519Passphrase => "id_ed25519_pass",
        }
    }
    fn keygen_args(self) -> &'static [&'static str] {
        match self {
            KeyKind::Ed25519 | KeyKind::Ed25519Passphrase => &["-t", "ed25519"],
            KeyKind::Ecdsa => &["-t", "ecdsa", "-b", "256"],
            KeyKind::Rsa => &["-t", "rsa", "-b", "3072"],
        }
    }
    pub fn passphrase(self) -> Option<&'static str> {
        (self == KeyKind::Ed25519Passphrase).then_some(KEY_PASSPHRASE)
    }
}

#[derive(Debug, Clone)]
pub struct Options {
    /// `PasswordAuthentication yes` (UsePAM no); creates [`TEST_USER`].
    pub password: bool,
    /// Keyboard-interactive ONLY (`AuthenticationMethods keyboard-interactive`, UsePAM
    /// yes, custom PAM service); creates [`TEST_USER`]. Public keys are refused then.
    pub keyboard_interactive: bool,
    /// `AllowTcpForwarding` + `PermitOpen 127.0.0.1:PORT` for these ports (empty: no
    /// forwarding at all).
    pub permit_open: Vec<u16>,
    /// `LogLevel`; DEBUG1 is needed for [`Sshd::auth_attempts_in_log`].
    pub log_level: &'static str,
    /// Appended verbatim to sshd_config (e.g. `ClientAliveInterval 1`).
    pub extra_config: String,
    /// A name for error messages and the temp folder.
    pub name: &'static str,
    /// `NAME=value` pairs for every session's environment (added to sshd's one `SetEnv`
    /// line: sshd uses only the first `SetEnv`). No spaces or quotes in them.
    pub set_env: Vec<(String, String)>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            password: false,
            keyboard_interactive: false,
            permit_open: Vec::new(),
            log_level: "DEBUG1",
            extra_config: String::new(),
            name: "sshd",
            set_env: Vec::new(),
        }
    }
}

/// One running sshd (or a killed one, until [`Sshd::start_again`]).
pub struct Sshd {
    // Drop order: watchdog first (must not fire), then the server, the folder last.
    watchdog: common::Watchdog,
    listener: Option<Child>,
    port: u16,
    options: Options,
    dir: tempfile::TempDir,
}

impl Sshd {
    pub fn start(options: Options) -> Result<Sshd, HarnessError> {
        Sshd::start_inner(options, None)
    }

    /// Like [`Sshd::start`], but with the user keys of `other` (same files, copied), so one
    /// client identity works on every hop of a chain.
    pub fn start_sharing_keys(options: Options, other: &Sshd) -> Result<Sshd, HarnessError> {
        Sshd::start_inner(options, Some(other.dir.path()))
    }

    fn start_inner(options: Options, keys_from: Option<&Path>) -> Result<Sshd, HarnessError> {
        if !Path::new(SSHD).exists() {
            return fail(format!("{SSHD} is missing: {INSTALL_HINT}"));
        }
        common::tool("ssh-keygen", INSTALL_HINT)?;
        let dir = tempfile::Builder::new()
            .prefix(&format!("fieldline-{}-", options.name))
            .tempdir()
            .or_else(|e| fail(format!("cannot create a temp folder: {e}")))?;
        let watchdog = common::Watchdog::spawn(WATCHDOG_SH, "fieldline-sshd-watchdog", dir.path())?;
        let d = dir.path();
        // sshd reads authorized_keys as the target user: TEST_USER must get through.
        std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o711))
            .or_else(|e| fail(format!("chmod {}: {e}", d.display())))?;
        std::fs::create_dir_all("/run/sshd").or_else(|e| fail(format!("/run/sshd: {e}")))?;
        keygen(&d.join("host_ed25519"), &["-t", "ed25519"], "")?;
        let mut authorized = String::new();
        for kind in KeyKind::ALL {
            let path = d.join(kind.file());
            match keys_from {
                Some(from) => {
                    for ext in ["", ".pub"] {
                        let name = format!("{}{ext}", kind.file());
                        std::fs::copy(from.join(&name), d.join(&name))
                            .or_else(|e| fail(format!("copy {name}: {e}")))?;
                    }
                }
                None => keygen(&path, kind.keygen_args(), kind.passphrase().unwrap_or(""))?,
            }
            authorized.push_str(&read(&d.join(format!("{}.pub", kind.file())))?);
        }
        write(&d.join("authorized_keys"), &authorized)?;
        std::fs::set_permissions(
            d.join("authorized_keys"),
            std::fs::Permissions::from_mode(0o644),
        )
        .or_else(|e| fail(format!("chmod authorized_keys: {e}")))?;
        ensure_test_user()?;
        let scratch = d.join("scratch");
        std::fs::create_dir(&scratch).or_else(|e| fail(format!("mkdir scratch: {e}")))?;
        std::fs::set_permissions(&scratch, std::fs::Permissions::from_mode(0o1777))
            .or_else(|e| fail(format!("chmod scratch: {e}")))?;
        if options.keyboard_interactive {
            ensure_pam_service()?;
            let link = d.join(PAM_SERVICE);
            std::os::unix::fs::symlink(SSHD, &link)
                .or_else(|e| fail(format!("symlink {}: {e}", link.display())))?;
        }
        let port = free_port()?;
        write_config(d, port, &options)?;
        let mut sshd = Sshd {
            watchdog,
            listener: None,
            port,
            options,
            dir,
        };
        sshd.start_again()?;
        Ok(sshd)
    }

    /// Starts sshd again (after [`Sshd::kill`]) on the same port with the same files.
    pub fn start_again(&mut self) -> Result<(), HarnessError> {
        self.kill();
        let d = self.dir.path();
        let before = self.log().matches("Server listening on").count();
        let program = if self.options.keyboard_interactive {
            d.join(PAM_SERVICE)
        } else {
            PathBuf::from(SSHD)
        };
        let child = Command::new(&program)
            .arg("-D")
            .arg("-f")
            .arg(d.join("sshd_config"))
            .arg("-E")
            .arg(d.join("sshd.log"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log_file(&d.join("sshd.stderr"))?)
            .spawn()
            .or_else(|e| fail(format!("cannot start sshd: {e}")))?;
        append(&d.join("pids"), &format!("{}\n", child.id()))?;
        self.listener = Some(child);
        let deadline = Instant::now() + WAIT;
        loop {
            if self.log().matches("Server listening on").count() > before {
                return Ok(());
            }
            if let Some(status) = self
                .listener
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                return fail(format!(
                    "{} exited ({status}) before listening; its log:\n{}{}",
                    self.options.name,
                    self.log(),
                    read_lossy(&d.join("sshd.stderr"))
                ));
            }
            if Instant::now() > deadline {
                return fail(format!(
                    "{} not listening within {WAIT:?}:\n{}",
                    self.options.name,
                    self.log()
                ));
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// SIGKILL to the listener and every process below it (the per-connection sshd
    /// monitors, their unprivileged children, the sessions' shells). Clients see EOF/reset
    /// at once. Idempotent.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.listener.take() {
            signal_tree(child.id(), "-KILL");
            let _ = child.wait();
        }
        // Session commands whose sshd already ended (client gone) are orphans, no longer
        // below the listener; they carry FIELDLINE_SSHD_DIR (sshd_config SetEnv).
        for pid in tagged_processes(self.dir.path()) {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
    }

    /// SIGSTOP to the listener and all its descendants: a server that hangs (TCP stays
    /// open, nothing answers). Undo with [`Sshd::thaw`]; `kill` works on a frozen server.
    pub fn freeze(&self) {
        if let Some(c) = &self.listener {
            signal_tree(c.id(), "-STOP");
        }
    }
    pub fn thaw(&self) {
        if let Some(c) = &self.listener {
            signal_tree(c.id(), "-CONT");
        }
    }

    /// Kills sshd, replaces the host key with a fresh ed25519 one, starts again on the same
    /// port; the new SHA256 fingerprint.
    pub fn restart_with_new_host_key(&mut self) -> Result<String, HarnessError> {
        self.kill();
        let key = self.dir.path().join("host_ed25519");
        for p in [key.clone(), key.with_extension("pub")] {
            std::fs::remove_file(&p).or_else(|e| fail(format!("rm {}: {e}", p.display())))?;
        }
        keygen(&key, &["-t", "ed25519"], "")?;
        self.start_again()?;
        self.host_key_fingerprint_sha256()
    }

    pub fn port(&self) -> u16 {
        self.port
    }
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
    /// `DIR/scratch`, mode 1777: where [`USER`] may write (SFTP uploads etc.).
    pub fn scratch_dir(&self) -> PathBuf {
        self.dir.path().join("scratch")
    }
    pub fn pid(&self) -> Option<u32> {
        self.listener.as_ref().map(Child::id)
    }

    /// `SHA256:…` as `ssh-keygen -lf` prints it (unpadded base64).
    pub fn host_key_fingerprint_sha256(&self) -> Result<String, HarnessError> {
        let out = run(Command::new("ssh-keygen")
            .args(["-E", "sha256", "-lf"])
            .arg(self.dir.path().join("host_ed25519.pub")))?;
        out.split_whitespace()
            .nth(1)
            .map(str::to_owned)
            .ok_or_else(|| HarnessError(format!("unexpected ssh-keygen -lf output {out:?}")))
    }

    /// `[127.0.0.1]:PORT ssh-ed25519 AAAA…`, a line for an OpenSSH known_hosts file.
    pub fn known_hosts_line(&self) -> Result<String, HarnessError> {
        let public = read(&self.dir.path().join("host_ed25519.pub"))?;
        let mut fields = public.split_whitespace();
        let (kind, blob) = (fields.next().unwrap_or(""), fields.next().unwrap_or(""));
        Ok(format!("[127.0.0.1]:{} {kind} {blob}\n", self.port))
    }

    pub fn user_key_path(&self, kind: KeyKind) -> PathBuf {
        self.dir.path().join(kind.file())
    }
    pub fn user_public_key_path(&self, kind: KeyKind) -> PathBuf {
        self.dir.path().join(format!("{}.pub", kind.file()))
    }

    /// sshd's log so far (all starts of this instance).
    pub fn log(&self) -> String {
        read_lossy(&self.dir.path().join("sshd.log"))
    }

    /// `userauth-request` lines in the log (needs `LogLevel DEBUG1`): every method a client
    /// tried, `none` included.
    pub fn auth_attempts_in_log(&self) -> usize {
        self.log()
            .lines()
            .filter(|l| l.contains("userauth-request for user"))
            .count()
    }

    /// Successful logins: `Accepted publickey|password|keyboard-interactive/pam for …`
    /// (not the `Accepted key … found at` lines, two per public-key login).
    pub fn accepted_in_log(&self) -> usize {
        self.log()
            .lines()
            .filter(|l| l.starts_with("Accepted ") && !l.starts_with("Accepted key "))
            .count()
    }

    /// `server_request_direct_tcpip` targets logged (DEBUG1): `127.0.0.1:PORT` each.
    pub fn direct_tcpip_targets_in_log(&self) -> Vec<String> {
        self.log()
            .lines()
            .filter_map(|l| l.split("server_request_direct_tcpip: originator ").nth(1))
            .filter_map(|rest| rest.split(", target ").nth(1))
            .map(|t| t.replace(" port ", ":"))
            .collect()
    }

    /// An `ssh` command line that reaches this server as `user` with `kind` (BatchMode,
    /// no known_hosts), for comparisons.
    pub fn ssh_command(&self, user: &str, kind: KeyKind) -> Command {
        let mut c = Command::new("ssh");
        c.args([
            "-F",
            "/dev/null",
            "-o",
            "BatchMode=yes",
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
            "-o",
            "LogLevel=ERROR",
            "-o",
            "IdentitiesOnly=yes",
            "-i",
        ])
        .arg(self.user_key_path(kind))
        .args(["-p", &self.port.to_string(), &format!("{user}@127.0.0.1")]);
        c
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        self.kill();
    }
}

/// jump1 -> jump2 -> target, sharing one set of user keys. Each hop forwards only to the
/// next (`PermitOpen`), the target forwards nothing. Proof of the path for a test: the
/// client's only TCP connection goes to jump1, and
/// `jump1.direct_tcpip_targets_in_log() == ["127.0.0.1:<jump2>"]`,
/// `jump2.direct_tcpip_targets_in_log() == ["127.0.0.1:<target>"]`,
/// `target.accepted_in_log() == 1`. (Source addresses cannot prove it: every loopback
/// connection comes from 127.0.0.1, even to 127.0.0.3.)
pub struct Chain {
    pub jump1: Sshd,
    pub jump2: Sshd,
    pub target: Sshd,
}

impl Chain {
    pub fn start() -> Result<Chain, HarnessError> {
        let target = Sshd::start(Options {
            name: "sshd-target",
            ..Options::default()
        })?;
        let jump2 = Sshd::start_sharing_keys(
            Options {
                name: "sshd-jump2",
                permit_open: vec![target.port()],
                ..Options::default()
            },
            &target,
        )?;
        let jump1 = Sshd::start_sharing_keys(
            Options {
                name: "sshd-jump1",
                permit_open: vec![jump2.port()],
                ..Options::default()
            },
            &target,
        )?;
        Ok(Chain {
            jump1,
            jump2,
            target,
        })
    }
}

/// A private ssh-agent holding the unencrypted user keys of an [`Sshd`]. Point libssh2 at
/// it with `agent.set_identity_path(agent.socket())` (no SSH_AUTH_SOCK needed).
pub struct Agent {
    child: Option<Child>,
    socket: PathBuf,
}

impl Agent {
    pub fn start(sshd: &Sshd) -> Result<Agent, HarnessError> {
        let socket = sshd.dir().join("agent.sock");
        let child = Command::new(common::tool("ssh-agent", INSTALL_HINT)?)
            .arg("-D")
            .arg("-a")
            .arg(&socket)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .or_else(|e| fail(format!("cannot start ssh-agent: {e}")))?;
        append(&sshd.dir().join("pids"), &format!("{}\n", child.id()))?;
        let agent = Agent {
            child: Some(child),
            socket,
        };
        let deadline = Instant::now() + WAIT;
        while !agent.socket.exists() {
            if Instant::now() > deadline {
                return fail("ssh-agent did not create its socket");
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        for kind in [KeyKind::Ed25519, KeyKind::Ecdsa, KeyKind::Rsa] {
            run(Command::new("ssh-add")
                .env("SSH_AUTH_SOCK", &agent.socket)
                .arg(sshd.user_key_path(kind)))?;
        }
        Ok(agent)
    }
    pub fn socket(&self) -> &Path {
        &self.socket
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

// ---------------------------------------------------------------------------------------

fn write_config(d: &Path, port: u16, o: &Options) -> Result<(), HarnessError> {
    let p = |name: &str| d.join(name).display().to_string();
    let mut c = format!(
        "# Written by the Fieldline sshd test harness.\n\
         Port {port}\nListenAddress 127.0.0.1\nAddressFamily inet\n\
         HostKey {}\nAuthorizedKeysFile {}\nPidFile {}\n\
         StrictModes no\nPermitRootLogin prohibit-password\nLogLevel {}\n\
         UseDNS no\nPrintMotd no\nPrintLastLog no\nX11Forwarding no\nMaxStartups 100:30:200\n\
         Subsystem sftp internal-sftp\nSetEnv FIELDLINE_SSHD_DIR={}{}\n",
        p("host_ed25519"),
        p("authorized_keys"),
        p("sshd.pid"),
        o.log_level,
        d.display(),
        o.set_env
            .iter()
            .map(|(k, v)| format!(" {k}={v}"))
            .collect::<String>()
    );
    if o.set_env
        .iter()
        .any(|(k, v)| format!("{k}{v}").contains([' ', '"', '\'', '\n']))
    {
        return fail("set_env: no spaces or quotes");
    }
    if o.keyboard_interactive {
        c.push_str(
            "UsePAM yes\nKbdInteractiveAuthentication yes\nPasswordAuthentication no\n\
                    AuthenticationMethods keyboard-interactive\n",
        );
    } else {
        c.push_str("UsePAM no\nKbdInteractiveAuthentication no\n");
        c.push_str(if o.password {
            "PasswordAuthentication yes\n"
        } else {
            "PasswordAuthentication no\n"
        });
    }
    if o.permit_open.is_empty() {
        c.push_str("AllowTcpForwarding no\n");
    } else {
        c.push_str("AllowTcpForwarding local\nPermitOpen");
        for port in &o.permit_open {
            c.push_str(&format!(" 127.0.0.1:{port}"));
        }
        c.push('\n');
    }
    c.push_str(&o.extra_config);
    c.push('\n');
    write(&d.join("sshd_config"), &c)?;
    run(Command::new(SSHD)
        .arg("-t")
        .arg("-f")
        .arg(d.join("sshd_config")))
    .map(|_| ())
}

fn keygen(path: &Path, args: &[&str], passphrase: &str) -> Result<(), HarnessError> {
    run(Command::new("ssh-keygen")
        .arg("-q")
        .args(args)
        .args(["-N", passphrase, "-C", "fieldline-test", "-f"])
        .arg(path))
    .map(|_| ())
}

/// Creates [`TEST_USER`] (system user, home `/`, bash) if missing and (re)sets its password.
pub fn ensure_test_user() -> Result<(), HarnessError> {
    let exists = Command::new("getent")
        .args(["passwd", TEST_USER])
        .stdout(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !exists {
        run(Command::new("useradd").args([
            "--system",
            "--no-create-home",
            "--home-dir",
            "/",
            "--shell",
            "/bin/bash",
            TEST_USER,
        ]))?;
    }
    let mut child = Command::new("chpasswd")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .or_else(|e| fail(format!("cannot run chpasswd: {e}")))?;
    use std::io::Write;
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(format!("{TEST_USER}:{TEST_PASSWORD}\n").as_bytes());
    }
    let out = child
        .wait_with_output()
        .or_else(|e| fail(format!("chpasswd: {e}")))?;
    if !out.status.success() {
        return fail(format!(
            "chpasswd failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(())
}

fn ensure_pam_service() -> Result<(), HarnessError> {
    let path = Path::new("/etc/pam.d").join(PAM_SERVICE);
    if read_lossy(&path) != PAM_CONFIG {
        write(&path, PAM_CONFIG)?;
    }
    Ok(())
}

/// `signal` (`-KILL`, `-STOP`, `-CONT`) to `pid` and all its descendants (listed first,
/// then signalled top-down, so the listener stops before its children).
fn signal_tree(pid: u32, signal: &str) {
    let mut all = vec![pid];
    let mut i = 0;
    while i < all.len() {
        all.extend(children(all[i]));
        i += 1;
    }
    for p in all {
        let _ = Command::new("kill")
            .args([signal, &p.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// Processes whose environment has `FIELDLINE_SSHD_DIR=dir` (every session command).
fn tagged_processes(dir: &Path) -> Vec<u32> {
    let tag = format!("FIELDLINE_SSHD_DIR={}", dir.display());
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return out;
    };
    for entry in entries.flatten() {
        let Some(p) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(env) = std::fs::read(entry.path().join("environ")) else {
            continue;
        };
        if env.split(|b| *b == 0).any(|v| v == tag.as_bytes()) {
            out.push(p);
        }
    }
    out
}

fn children(pid: u32) -> Vec<u32> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return out;
    };
    for entry in entries.flatten() {
        let Some(p) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        let stat = read_lossy(&entry.path().join("stat"));
        // pid (comm) state ppid ...; comm may contain spaces, so split after the last ')'.
        let ppid = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1))
            .and_then(|s| s.parse::<u32>().ok());
        if ppid == Some(pid) {
            out.push(p);
        }
    }
    out
}

// A watchdog: once the test process is gone, SIGKILL every pid in DIR/pids with its
// descendants (same walk as signal_tree, with pgrep -P), then remove DIR.

const WATCHDOG_SH: &str = r#"
parent=$1; dir=$2
while kill -0 "$parent" 2>/dev/null; do sleep 0.5; done
tree() { for c in $(pgrep -P "$1"); do tree "$c"; done; echo "$1"; }
if [ -f "$dir/pids" ]; then
    for p in $(cat "$dir/pids"); do kill -KILL $(tree "$p") 2>/dev/null; done
fi
for e in $(grep -lzxF "FIELDLINE_SSHD_DIR=$dir" /proc/[0-9]*/environ 2>/dev/null); do
    p=${e#/proc/}; kill -KILL "${p%/environ}" 2>/dev/null
done
rm -rf "$dir"
"#;

// ---------------------------------------------------------------------------------------

fn run(command: &mut Command) -> Result<String, HarnessError> {
    let out = command
        .stdin(Stdio::null())
        .output()
        .or_else(|e| fail(format!("cannot run {command:?}: {e}")))?;
    if !out.status.success() {
        return fail(format!(
            "{command:?} failed ({}): {}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn free_port() -> Result<u16, HarnessError> {
    let listener =
        TcpListener::bind("127.0.0.1:0").or_else(|e| fail(format!("no free port: {e}")))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .or_else(|e| fail(format!("no port: {e}")))
}

fn append(path: &Path, text: &str) -> Result<(), HarnessError> {
    use std::io::Write;
    log_file(path)?
        .write_all(text.as_bytes())
        .or_else(|e| fail(format!("{}: {e}", path.display())))
}

fn read(path: &Path) -> Result<String, HarnessError> {
    std::fs::read_to_string(path).or_else(|e| fail(format!("cannot read {}: {e}", path.display())))
}
