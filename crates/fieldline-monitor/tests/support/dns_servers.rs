//! DNS servers for the `dns` probe's tests, all on 127.0.0.1 and a free port:
//!
//! - [`Dnsmasq`]: a real dnsmasq (Debian `dnsmasq-base`, installed with apt when missing
//!   and root) answering A, AAAA, CNAME, MX, TXT, NS and PTR for `x.test`, NXDOMAIN for
//!   other names under `x.test`, REFUSED for names outside it (no upstream); `dead.test`
//!   is forwarded to a loopback port where nothing listens (dnsmasq then stays silent and
//!   retries: no SERVFAIL), `broken.test` to an upstream of the test's choice (a
//!   [`FakeDns`] answering SERVFAIL makes dnsmasq answer SERVFAIL).
//! - [`FakeDns`]: a small hand-written responder (UDP and TCP on the same port) for what
//!   dnsmasq will not do on demand: any rcode, silence, truncation then TCP, a stray
//!   answer with another ID first, hostile record contents, bytes that are not DNS.
//!
//! dnsmasq is started under `setpriv --pdeathsig KILL` (and `user=root`, since a change of
//! uid clears the parent-death signal): it dies with the test thread that started it,
//! even after a `kill -9` of the test process.

#![allow(dead_code)]

#[path = "../../../../tests/support/harness_common.rs"]
mod common;

pub use common::HarnessError;
use common::{fail, Proc};
use hickory_proto::op::{Message, MessageType, OpCode, Query, ResponseCode};
use hickory_proto::rr::{Name, Record, RecordType};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The zone dnsmasq serves (`{dead}` is replaced by a closed loopback port).
const ZONE: &str = r#"local=/x.test/
host-record=www.x.test,10.0.0.1,fd00::1
host-record=multi.x.test,10.0.0.1
host-record=multi.x.test,10.0.0.3
cname=alias.x.test,www.x.test
mx-host=x.test,mail.x.test,10
txt-record=x.test,"v=spf1 ip4:10.0.0.0/24 -all"
# NS ns.x.test: dnsmasq has no NS option outside auth mode; dns-rr takes wire-format rdata.
dns-rr=x.test,2,026e730178047465737400
server=/dead.test/127.0.0.1#{dead}
server=/broken.test/127.0.0.1#{upstream}
"#;

pub struct Dnsmasq {
    _proc: Proc,
    pub port: u16,
    pub log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Dnsmasq {
    /// dnsmasq on a free port; `upstream` (a port on 127.0.0.1) serves `broken.test`.
    pub fn start(upstream: Option<u16>) -> Result<Dnsmasq, HarnessError> {
        let program = dnsmasq_program()?;
        let dir = common::temp_dir("fieldline-dnsmasq-")?;
        let log = dir.path().join("dnsmasq.log");
        let mut last = String::new();
        for _ in 0..3 {
            let port = free_port()?;
            let dead = free_port()?;
            let conf = dir.path().join("dnsmasq.conf");
            common::write(
                &conf,
                &format!(
                    "port={port}\nlisten-address=127.0.0.1\nbind-interfaces\nno-resolv\n\
                     no-hosts\nno-poll\nuser=root\npid-file=\nlog-queries\n{}",
                    ZONE.replace("{dead}", &dead.to_string())
                        .replace("{upstream}", &upstream.unwrap_or(dead).to_string())
                ),
            )?;
            let mut command = Command::new("setpriv");
            command
                .args(["--pdeathsig", "KILL", "--"])
                .arg(&program)
                .args(["--no-daemon", "--log-facility=-"])
                .arg(format!("--conf-file={}", conf.display()))
                .stdin(Stdio::null())
                .stdout(common::log_file(&log)?)
                .stderr(common::log_file(&log)?);
            let mut proc = Proc::spawn("dnsmasq", &mut command)?;
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                if answers(port) {
                    return Ok(Dnsmasq {
                        _proc: proc,
                        port,
                        log,
                        _dir: dir,
                    });
                }
                if proc.exited().is_some() || Instant::now() > deadline {
                    break;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            last = common::read_lossy(&log);
            if !last.contains("in use") {
                break;
            }
        }
        fail(format!("dnsmasq did not start; its log:\n{last}"))
    }

    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

/// dnsmasq's path; installs `dnsmasq-base` when it is missing and we are root.
fn dnsmasq_program() -> Result<PathBuf, HarnessError> {
    let known = Path::new("/usr/sbin/dnsmasq");
    if known.is_file() {
        return Ok(known.to_owned());
    }
    if let Ok(path) = common::tool("dnsmasq", "") {
        return Ok(path);
    }
    let install = || {
        Command::new("apt-get")
            .args(["install", "-y", "--no-install-recommends"])
            .args(["-o", "DPkg::Lock::Timeout=300", "dnsmasq-base"])
            .env("DEBIAN_FRONTEND", "noninteractive")
            .stdin(Stdio::null())
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    };
    let is_root = std::fs::read_to_string("/proc/self/status")
        .map(|s| {
            s.lines()
                .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(2) == Some("0"))
        })
        .unwrap_or(false);
    if is_root && !install() {
        let _ = Command::new("apt-get")
            .arg("update")
            .stdin(Stdio::null())
            .output();
        install();
    }
    if known.is_file() {
        return Ok(known.to_owned());
    }
    fail("dnsmasq is not installed: apt-get install -y --no-install-recommends dnsmasq-base")
}

/// A port free for both UDP and TCP on 127.0.0.1 (free now; a race stays possible).
pub fn free_port() -> Result<u16, HarnessError> {
    for _ in 0..50 {
        let udp = UdpSocket::bind("127.0.0.1:0").or_else(|e| fail(format!("bind: {e}")))?;
        let port = udp
            .local_addr()
            .or_else(|e| fail(format!("addr: {e}")))?
            .port();
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return Ok(port);
        }
    }
    fail("no free port on 127.0.0.1")
}

/// Whether a DNS server on `port` answers a query for www.x.test.
fn answers(port: u16) -> bool {
    let Ok(socket) = UdpSocket::bind("127.0.0.1:0") else {
        return false;
    };
    let _ = socket.set_read_timeout(Some(Duration::from_millis(200)));
    let mut query = Message::new(0x4242, MessageType::Query, OpCode::Query);
    query.metadata.recursion_desired = true;
    if let Ok(name) = Name::from_ascii("www.x.test.") {
        query.add_query(Query::query(name, RecordType::A));
    }
    let Ok(bytes) = query.to_vec() else {
        return false;
    };
    if socket.send_to(&bytes, ("127.0.0.1", port)).is_err() {
        return false;
    }
    let mut buf = [0u8; 2048];
    matches!(socket.recv(&mut buf), Ok(n) if n >= 2 && buf[..2] == [0x42, 0x42])
}

// ---------------------------------------------------------------------------------------
// A hand-written responder

/// What [`FakeDns`] does with each query.
#[derive(Clone)]
pub enum Behaviour {
    /// Answers with these records (over UDP, however large).
    Answer(Vec<Record>),
    /// Answers with this rcode and no records.
    Rcode(ResponseCode),
    /// Reads every query and never answers.
    Silent,
    /// UDP: an empty answer with TC set; TCP: the records.
    Truncate(Vec<Record>),
    /// First an answer with another ID (saying 10.66.66.66), then the real one.
    StrayFirst(Vec<Record>),
    /// The query's ID followed by bytes that are not DNS.
    Garbage,
}

pub struct FakeDns {
    pub addr: SocketAddr,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

impl FakeDns {
    pub fn start(behaviour: Behaviour) -> Result<FakeDns, HarnessError> {
        let (udp, tcp) = bind_pair()?;
        let addr = udp.local_addr().or_else(|e| fail(format!("addr: {e}")))?;
        let stop = Arc::new(AtomicBool::new(false));
        let _ = udp.set_read_timeout(Some(Duration::from_millis(50)));
        let _ = tcp.set_nonblocking(true);
        let udp_thread = {
            let (stop, behaviour) = (stop.clone(), behaviour.clone());
            std::thread::spawn(move || serve_udp(udp, &behaviour, &stop))
        };
        let tcp_thread = {
            let stop = stop.clone();
            std::thread::spawn(move || serve_tcp(tcp, &behaviour, &stop))
        };
        Ok(FakeDns {
            addr,
            stop,
            threads: vec![udp_thread, tcp_thread],
        })
    }
}

impl Drop for FakeDns {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

fn bind_pair() -> Result<(UdpSocket, TcpListener), HarnessError> {
    for _ in 0..50 {
        let udp = UdpSocket::bind("127.0.0.1:0").or_else(|e| fail(format!("bind: {e}")))?;
        let port = udp
            .local_addr()
            .or_else(|e| fail(format!("addr: {e}")))?
            .port();
        if let Ok(tcp) = TcpListener::bind(("127.0.0.1", port)) {
            return Ok((udp, tcp));
        }
    }
    fail("no free port pair on 127.0.0.1")
}

fn response(query: &Message, records: &[Record], rcode: ResponseCode) -> Message {
    let mut m = Message::new(query.metadata.id, MessageType::Response, OpCode::Query);
    m.metadata.recursion_desired = query.metadata.recursion_desired;
    m.metadata.recursion_available = true;
    m.metadata.response_code = rcode;
    m.add_queries(query.queries.clone());
    m.add_answers(records.iter().cloned());
    m
}

fn serve_udp(socket: UdpSocket, behaviour: &Behaviour, stop: &AtomicBool) {
    let mut buf = vec![0u8; 65535];
    while !stop.load(Ordering::SeqCst) {
        let Ok((n, peer)) = socket.recv_from(&mut buf) else {
            continue;
        };
        let Ok(query) = Message::from_vec(&buf[..n]) else {
            continue;
        };
        let send = |m: &Message| {
            if let Ok(bytes) = m.to_vec() {
                let _ = socket.send_to(&bytes, peer);
            }
        };
        match behaviour {
            Behaviour::Answer(records) => send(&response(&query, records, ResponseCode::NoError)),
            Behaviour::Rcode(code) => send(&response(&query, &[], *code)),
            Behaviour::Silent => {}
            Behaviour::Truncate(_) => {
                let mut m = response(&query, &[], ResponseCode::NoError);
                m.metadata.truncation = true;
                send(&m);
            }
            Behaviour::StrayFirst(records) => {
                let mut stray = response(&query, &[stray_record(&query)], ResponseCode::NoError);
                stray.metadata.id = query.metadata.id.wrapping_add(1);
                send(&stray);
                send(&response(&query, records, ResponseCode::NoError));
            }
            Behaviour::Garbage => {
                let mut bytes = query.metadata.id.to_be_bytes().to_vec();
                bytes.extend_from_slice(&[0x81, 0x80, 0xff, 0xff, 0xff, 0xff, 0x00, 0x01]);
                let _ = socket.send_to(&bytes, peer);
            }
        }
    }
}

fn stray_record(query: &Message) -> Record {
    let name = query
        .queries
        .first()
        .map(|q| q.name().clone())
        .unwrap_or_else(Name::root);
    Record::from_rdata(
        name,
        60,
        hickory_proto::rr::RData::A(hickory_proto::rr::rdata::A::new(10, 66, 66, 66)),
    )
}

fn serve_tcp(listener: TcpListener, behaviour: &Behaviour, stop: &AtomicBool) {
    while !stop.load(Ordering::SeqCst) {
        let Ok((mut conn, _)) = listener.accept() else {
            std::thread::sleep(Duration::from_millis(10));
            continue;
        };
        let _ = conn.set_nonblocking(false);
        let _ = conn.set_read_timeout(Some(Duration::from_secs(2)));
        let mut len = [0u8; 2];
        if conn.read_exact(&mut len).is_err() {
            continue;
        }
        let mut buf = vec![0u8; usize::from(u16::from_be_bytes(len))];
        if conn.read_exact(&mut buf).is_err() {
            continue;
        }
        let Ok(query) = Message::from_vec(&buf) else {
            continue;
        };
        let answer = match behaviour {
            Behaviour::Answer(r) | Behaviour::Truncate(r) | Behaviour::StrayFirst(r) => {
                response(&query, r, ResponseCode::NoError)
            }
            Behaviour::Rcode(code) => response(&query, &[], *code),
            Behaviour::Silent | Behaviour::Garbage => continue,
        };
        if let Ok(bytes) = answer.to_vec() {
            let mut framed = (bytes.len() as u16).to_be_bytes().to_vec();
            framed.extend_from_slice(&bytes);
            let _ = conn.write_all(&framed);
        }
    }
}
