//! Local port forwarding: a port on this laptop's loopback that reaches a host:port on the
//! far side of an SSH connection (a customer's router admin page through the bastion).
//!
//! One thread owns the forward's connection (see [`crate::connect`]) and runs it in
//! non-blocking mode: it accepts on the local listener, opens a `direct-tcpip` channel per
//! accepted connection and copies both ways, sending keepalives while idle.
//!
//! What never happens: the listener binds anything but loopback (`127.0.0.1`), so nobody
//! else on the café's network can use the tunnel; a port that is taken is reported as
//! such, never silently replaced by another.

use crate::connect::Connection;
use serde::Serialize;
use ssh2::{Channel, ErrorCode, Session};
use std::io::{ErrorKind, Read, Write};
use std::net::{Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use ts_rs::TS;

/// Connections served at once by one forward; more wait in the listener's backlog.
pub const MAX_CONNECTIONS: usize = 64;
/// Bytes buffered per direction per connection before reading pauses.
const BUFFER: usize = 256 * 1024;
/// How long the loop sleeps when nothing moved.
const IDLE_SLEEP: Duration = Duration::from_millis(2);
/// libssh2's "would block".
const EAGAIN: i32 = -37;

/// What the forward is, and how it is doing, as the window and the CLI show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ForwardStatus {
    pub local_port: u16,
    pub remote_host: String,
    pub remote_port: u16,
    /// Connections open through it now.
    pub connections: u32,
    /// Connections served since it opened.
    #[ts(type = "number")]
    pub served: u64,
    /// The last thing that went wrong (a refused channel, the connection lost). When the
    /// SSH connection itself is lost the forward has stopped.
    pub error: Option<String>,
    pub running: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ForwardError {
    #[error(
        "port {port} on this computer is already in use by another program; choose another \
         port, or 0 for any free one"
    )]
    PortTaken { port: u16 },
    #[error("cannot listen on 127.0.0.1:{port}: {reason}")]
    Listen { port: u16, reason: String },
    #[error("the remote address is empty or holds spaces or control characters")]
    BadTarget,
}

/// A running forward; dropping it (or [`Forward::close`]) stops it.
pub struct Forward {
    status: Arc<Mutex<ForwardStatus>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Forward {
    /// Binds `127.0.0.1:local_port` (0: any free port) and starts forwarding to
    /// `remote_host:remote_port` as the target of `connection` sees it.
    pub fn open(
        connection: Connection,
        local_port: u16,
        remote_host: &str,
        remote_port: u16,
    ) -> Result<Forward, ForwardError> {
        if remote_host.is_empty()
            || remote_host.len() > 255
            || remote_host
                .chars()
                .any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(ForwardError::BadTarget);
        }
        let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, local_port)))
            .map_err(|e| match e.kind() {
                ErrorKind::AddrInUse => ForwardError::PortTaken { port: local_port },
                _ => ForwardError::Listen {
                    port: local_port,
                    reason: e.to_string(),
                },
            })?;
        listener
            .set_nonblocking(true)
            .map_err(|e| ForwardError::Listen {
                port: local_port,
                reason: e.to_string(),
            })?;
        let port = listener
            .local_addr()
            .map(|a| a.port())
            .unwrap_or(local_port);
        let status = Arc::new(Mutex::new(ForwardStatus {
            local_port: port,
            remote_host: remote_host.to_owned(),
            remote_port,
            connections: 0,
            served: 0,
            error: None,
            running: true,
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let worker = Worker {
            connection,
            listener,
            remote_host: remote_host.to_owned(),
            remote_port,
            status: status.clone(),
            stop: stop.clone(),
            links: Vec::new(),
        };
        let thread = std::thread::Builder::new()
            .name(format!("forward-{port}"))
            .spawn(move || worker.run())
            .map_err(|e| ForwardError::Listen {
                port,
                reason: e.to_string(),
            })?;
        Ok(Forward {
            status,
            stop,
            thread: Some(thread),
        })
    }

    pub fn status(&self) -> ForwardStatus {
        self.status
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The loopback port it listens on.
    pub fn local_port(&self) -> u16 {
        self.status().local_port
    }

    /// Stops accepting, closes every connection through it and the SSH connection.
    pub fn close(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Forward {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// One accepted local connection and its channel.
struct Link {
    local: TcpStream,
    channel: Option<Channel>,
    /// Local → remote bytes not yet written to the channel.
    up: Vec<u8>,
    /// Remote → local bytes not yet written to the socket.
    down: Vec<u8>,
    local_eof: bool,
    eof_sent: bool,
    remote_eof: bool,
    done: bool,
}

struct Worker {
    connection: Connection,
    listener: TcpListener,
    remote_host: String,
    remote_port: u16,
    status: Arc<Mutex<ForwardStatus>>,
    stop: Arc<AtomicBool>,
    links: Vec<Link>,
}

fn would_block(e: &ssh2::Error) -> bool {
    e.code() == ErrorCode::Session(EAGAIN)
}

impl Worker {
    fn set(&self, f: impl FnOnce(&mut ForwardStatus)) {
        f(&mut self.status.lock().unwrap_or_else(PoisonError::into_inner));
    }

    fn run(mut self) {
        let session = self.connection.target().clone();
        session.set_blocking(false);
        let mut next_keepalive = Instant::now();
        while !self.stop.load(Ordering::Relaxed) {
            let mut moved = self.accept();
            match self.pump(&session) {
                Ok(m) => moved |= m,
                Err(message) => {
                    self.set(|s| {
                        s.error = Some(message);
                        s.running = false;
                    });
                    break;
                }
            }
            if Instant::now() >= next_keepalive {
                match session.keepalive_send() {
                    Ok(secs) => {
                        next_keepalive =
                            Instant::now() + Duration::from_secs(u64::from(secs.clamp(1, 15)))
                    }
                    Err(e) if would_block(&e) => {}
                    Err(e) => {
                        let message = format!(
                            "the SSH connection was lost ({}); close this forward and open it again",
                            crate::clean_message(e.message())
                        );
                        self.set(|s| {
                            s.error = Some(message);
                            s.running = false;
                        });
                        break;
                    }
                }
            }
            let open = self.links.len() as u32;
            self.set(|s| s.connections = open);
            if !moved {
                std::thread::sleep(IDLE_SLEEP);
            }
        }
        for link in &mut self.links {
            let _ = link.local.shutdown(Shutdown::Both);
        }
        self.links.clear();
        self.set(|s| {
            s.running = false;
            s.connections = 0;
        });
    }

    fn accept(&mut self) -> bool {
        if self.links.len() >= MAX_CONNECTIONS {
            return false;
        }
        match self.listener.accept() {
            Ok((stream, _)) => {
                if stream.set_nonblocking(true).is_err() {
                    return true;
                }
                let _ = stream.set_nodelay(true);
                self.links.push(Link {
                    local: stream,
                    channel: None,
                    up: Vec::new(),
                    down: Vec::new(),
                    local_eof: false,
                    eof_sent: false,
                    remote_eof: false,
                    done: false,
                });
                self.set(|s| s.served += 1);
                true
            }
            Err(_) => false,
        }
    }

    /// Moves bytes on every link; `Err` when the SSH connection itself is gone.
    fn pump(&mut self, session: &Session) -> Result<bool, String> {
        let mut moved = false;
        let mut refused = None;
        for link in &mut self.links {
            if link.channel.is_none() {
                match session.channel_direct_tcpip(&self.remote_host, self.remote_port, None) {
                    Ok(channel) => {
                        link.channel = Some(channel);
                        moved = true;
                    }
                    Err(e) if would_block(&e) => continue,
                    Err(e) if e.code() == ErrorCode::Session(-21) => {
                        // Channel open failure: the far side refused this one connection.
                        refused = Some(format!(
                            "the host refused to open {}:{} ({}); is forwarding allowed there \
                             and is that address reachable from it?",
                            self.remote_host,
                            self.remote_port,
                            crate::clean_message(e.message())
                        ));
                        link.done = true;
                        continue;
                    }
                    Err(e) => {
                        return Err(format!(
                        "the SSH connection was lost ({}); close this forward and open it again",
                        crate::clean_message(e.message())
                    ))
                    }
                }
            }
            moved |= link.step()?;
        }
        if let Some(message) = refused {
            self.set(|s| s.error = Some(message));
        }
        self.links.retain_mut(|l| {
            if l.done {
                let _ = l.local.shutdown(Shutdown::Both);
                if let Some(ch) = l.channel.as_mut() {
                    let _ = ch.close();
                }
            }
            !l.done
        });
        Ok(moved)
    }
}

impl Link {
    fn step(&mut self) -> Result<bool, String> {
        let Some(channel) = self.channel.as_mut() else {
            return Ok(false);
        };
        let mut moved = false;
        let mut buf = [0u8; 32 * 1024];
        // Local → remote.
        if !self.local_eof && self.up.len() < BUFFER {
            match self.local.read(&mut buf) {
                Ok(0) => self.local_eof = true,
                Ok(n) => {
                    self.up.extend_from_slice(&buf[..n]);
                    moved = true;
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                Err(_) => {
                    self.done = true;
                    return Ok(true);
                }
            }
        }
        while !self.up.is_empty() {
            match channel.write(&self.up) {
                Ok(0) => break,
                Ok(n) => {
                    self.up.drain(..n);
                    moved = true;
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(_) => {
                    self.done = true;
                    return Ok(true);
                }
            }
        }
        if self.local_eof && self.up.is_empty() && !self.eof_sent {
            match channel.send_eof() {
                Ok(()) => self.eof_sent = true,
                Err(e) if would_block(&e) => {}
                Err(_) => self.eof_sent = true,
            }
        }
        // Remote → local.
        if !self.remote_eof && self.down.len() < BUFFER {
            match channel.read(&mut buf) {
                Ok(0) => {
                    if channel.eof() {
                        self.remote_eof = true;
                    }
                }
                Ok(n) => {
                    self.down.extend_from_slice(&buf[..n]);
                    moved = true;
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                Err(e) => {
                    return Err(format!(
                        "the SSH connection was lost ({}); close this forward and open it again",
                        crate::clean_message(&e.to_string())
                    ))
                }
            }
        }
        while !self.down.is_empty() {
            match self.local.write(&self.down) {
                Ok(0) => break,
                Ok(n) => {
                    self.down.drain(..n);
                    moved = true;
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(_) => {
                    self.done = true;
                    return Ok(true);
                }
            }
        }
        if self.remote_eof && self.down.is_empty() {
            let _ = self.local.shutdown(Shutdown::Write);
            if self.local_eof || self.eof_sent {
                self.done = true;
            }
        }
        if self.local_eof && self.eof_sent && self.remote_eof && self.down.is_empty() {
            self.done = true;
        }
        Ok(moved)
    }
}
