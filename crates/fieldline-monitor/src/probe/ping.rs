//! The `ping` probe: `count` ICMP echoes to the host, judged on loss and average round trip.
//!
//! Unix sockets, in this order: an unprivileged datagram ICMP socket (Linux when the
//! process's group is in `net.ipv4.ping_group_range`, macOS always), else a raw socket (root
//! or CAP_NET_RAW). Windows has its ICMP API (`IcmpSendEcho` / `Icmp6SendEcho2` through
//! `winping`, on the blocking pool), which needs no privileges. When none of these can be
//! used, the result is UNKNOWN with a sentence saying why and how to fix it: a ping that
//! could not be sent is never reported as a host that is down. [`icmp_access`] tells which
//! one this process gets.
//!
//! On a socket, each probe has its own identifier, sequence numbers and a random 8-byte
//! token in the payload; a reply counts only if all of them match, once, so many probes at
//! once (to the same or different hosts, raw sockets seeing every reply) do not cross-talk.
//! Windows' API pairs each echo with its reply itself. Echoes are spaced
//! `min(1 s, timeout / (2 × count))` apart and the probe ends at the timeout, or as soon as
//! every echo has its reply. IPv4 and IPv6; a host name is resolved with the system
//! resolver (IPv4 preferred).

use crate::outcome::Outcome;
use fieldline_core::checks::PingSpec;
use std::net::IpAddr;
use std::time::Duration;
use tokio::time::Instant;

/// Echoes in one probe at most (the fleet file allows 1-20).
const MAX_COUNT: u32 = 100;
/// Bytes after the ICMP header: the token, then a fixed pattern.
const PAYLOAD: usize = 32;

/// How this process can send ICMP echoes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IcmpAccess {
    /// An unprivileged datagram ICMP socket.
    Datagram,
    /// A raw socket (root or CAP_NET_RAW).
    Raw,
    /// Windows' ICMP API (iphlpapi), which needs no privileges.
    IcmpApi,
    /// None of these: why, and how to fix it.
    Denied(String),
}

/// Which way of pinging this process has, for IPv4 or IPv6 (opens and closes a socket).
pub fn icmp_access(ipv6: bool) -> IcmpAccess {
    match sys::open(ipv6) {
        Ok((_, kind)) => kind,
        Err(message) => IcmpAccess::Denied(message),
    }
}

/// Pings `host` `spec.count` times and judges loss and round trip; ends within `timeout`.
pub async fn probe(host: &str, spec: &PingSpec, timeout: Duration) -> Outcome {
    let deadline = Instant::now() + timeout;
    let bare = host.trim().trim_start_matches('[').trim_end_matches(']');
    let (ip, target) = match bare.parse::<IpAddr>() {
        Ok(ip) => (ip, ip.to_string()),
        Err(_) => match resolve(bare, deadline).await {
            Ok(ip) => (ip, format!("{bare} ({ip})")),
            Err(outcome) => return outcome,
        },
    };
    let count = spec.count.clamp(1, MAX_COUNT);
    let gap = (timeout / (2 * count)).min(Duration::from_secs(1));
    match sys::echoes(ip, count as usize, gap, deadline).await {
        Ok(echoes) => judge(spec, &echoes, &target, timeout),
        Err(message) => Outcome::unknown(message),
    }
}

async fn resolve(name: &str, deadline: Instant) -> Result<IpAddr, Outcome> {
    if name.is_empty() {
        return Err(Outcome::unknown("no host to ping"));
    }
    let found = tokio::time::timeout_at(deadline, tokio::net::lookup_host((name, 0))).await;
    let fail = |why: String| Outcome::crit(None, format!("cannot resolve {name}: {why}"));
    match found {
        Err(_) => Err(fail("no answer in time".into())),
        Ok(Err(e)) => Err(fail(e.to_string())),
        Ok(Ok(addrs)) => {
            let ips: Vec<IpAddr> = addrs.map(|a| a.ip()).collect();
            ips.iter()
                .find(|ip| ip.is_ipv4())
                .or_else(|| ips.first())
                .copied()
                .ok_or_else(|| fail("no address".into()))
        }
    }
}

/// What the echoes of one probe found.
#[derive(Debug, Default)]
struct Echoes {
    /// The round trip of each echo; `None`: lost (or not sent).
    rtts: Vec<Option<Duration>>,
    /// The last error the network reported (e.g. "no route to host").
    note: Option<String>,
}

fn judge(spec: &PingSpec, echoes: &Echoes, target: &str, timeout: Duration) -> Outcome {
    let count = echoes.rtts.len();
    let got: Vec<f64> = echoes
        .rtts
        .iter()
        .flatten()
        .map(|d| d.as_secs_f64() * 1000.0)
        .collect();
    if got.is_empty() {
        let pings = if count == 1 {
            "1 ping".to_string()
        } else {
            format!("{count} pings")
        };
        let why = echoes
            .note
            .as_ref()
            .map(|n| format!(" ({n})"))
            .unwrap_or_default();
        return Outcome::crit(
            None,
            format!(
                "{target}: no reply to {pings} within {}{why}",
                show_duration(timeout)
            ),
        );
    }
    let lost = count - got.len();
    let loss = lost as f64 * 100.0 / count as f64;
    let avg = got.iter().sum::<f64>() / got.len() as f64;
    let min = got.iter().copied().fold(f64::INFINITY, f64::min);
    let max = got.iter().copied().fold(0.0, f64::max);

    let mut state = fieldline_core::CheckState::Ok;
    let mut replies = format!("{}/{count} replies", got.len());
    if lost > 0 {
        replies.push_str(&format!(", {loss:.0}% lost"));
        if loss >= f64::from(spec.crit_loss) {
            state = fieldline_core::CheckState::Crit;
            replies.push_str(&format!(" (CRIT at {}%)", spec.crit_loss));
        } else if loss >= f64::from(spec.warn_loss) {
            state = fieldline_core::CheckState::Warn;
            replies.push_str(&format!(" (WARN at {}%)", spec.warn_loss));
        }
    }
    let mut rtt = format!(
        "avg {} ms (min {}, max {})",
        show_ms(avg),
        show_ms(min),
        show_ms(max)
    );
    if let Some(c) = spec.crit_ms.filter(|c| avg >= *c as f64) {
        state = state.worst(fieldline_core::CheckState::Crit);
        rtt.push_str(&format!(", CRIT at {c} ms"));
    } else if let Some(w) = spec.warn_ms.filter(|w| avg >= *w as f64) {
        state = state.worst(fieldline_core::CheckState::Warn);
        rtt.push_str(&format!(", WARN at {w} ms"));
    }
    let note = match (&echoes.note, lost) {
        (Some(n), 1..) => format!(" ({n})"),
        _ => String::new(),
    };
    Outcome::new(
        state,
        Some(avg),
        format!("{target}: {replies}, {rtt}{note}"),
    )
}

fn show_ms(ms: f64) -> String {
    if ms < 10.0 {
        format!("{ms:.2}")
    } else if ms < 100.0 {
        format!("{ms:.1}")
    } else {
        format!("{ms:.0}")
    }
}

/// "2 s", "1.5 s", "250 ms".
fn show_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        format!("{ms} ms")
    } else if ms.is_multiple_of(1000) {
        format!("{} s", ms / 1000)
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

/// An I/O error as a reason, without Rust's "(os error N)".
#[cfg_attr(not(unix), allow(dead_code))]
fn io_reason(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error") {
        Some(cut) => text[..cut].to_lowercase(),
        None => text,
    }
}

/// 16 unpredictable bits per call, from std's randomly keyed hasher (no RNG crate).
#[cfg_attr(not(unix), allow(dead_code))]
fn random_u16s<const N: usize>() -> [u16; N] {
    use std::hash::BuildHasher;
    use std::sync::atomic::{AtomicU64, Ordering};
    static CALLS: AtomicU64 = AtomicU64::new(0);
    let state = std::collections::hash_map::RandomState::new();
    std::array::from_fn(|_| state.hash_one(CALLS.fetch_add(1, Ordering::Relaxed)) as u16)
}

/// One probe's echoes on a socket: what was sent when, and which replies count (pure, so
/// that the matching is tested on every OS).
#[cfg_attr(not(unix), allow(dead_code))]
#[derive(Debug)]
struct Round {
    v6: bool,
    ident: u16,
    seq_base: u16,
    /// Starts the payload of every echo of this probe.
    token: [u8; 8],
    /// Replies must carry `ident`: a raw socket sees every echo reply, and so does a
    /// datagram socket off Linux (macOS keeps the identifier it is given). Linux rewrites
    /// the identifier of a datagram socket and hands it only its own replies.
    check_ident: bool,
    /// When each echo was sent; `None`: not (yet).
    sent: Vec<Option<Instant>>,
    out: Echoes,
}

#[cfg_attr(not(unix), allow(dead_code))]
impl Round {
    /// A round of `count` echoes with a random identifier, first sequence number and token.
    fn new(v6: bool, count: usize, check_ident: bool) -> Round {
        let [ident, seq_base, t0, t1, t2, t3] = random_u16s::<6>();
        let mut token = [0u8; 8];
        for (chunk, word) in token.chunks_mut(2).zip([t0, t1, t2, t3]) {
            chunk.copy_from_slice(&word.to_be_bytes());
        }
        Round {
            v6,
            ident,
            seq_base,
            token,
            check_ident,
            sent: vec![None; count],
            out: Echoes {
                rtts: vec![None; count],
                note: None,
            },
        }
    }

    /// The request for echo `index`.
    fn request(&self, index: usize) -> Vec<u8> {
        let seq = self.seq_base.wrapping_add(index as u16);
        packet::request(self.v6, self.ident, seq, &self.token)
    }

    /// Echo `index` left at `at`.
    fn sent(&mut self, index: usize, at: Instant) {
        if let Some(slot) = self.sent.get_mut(index) {
            *slot = Some(at);
        }
    }

    /// Some echo was sent and has no reply yet.
    fn waiting(&self) -> bool {
        self.sent
            .iter()
            .zip(&self.out.rtts)
            .any(|(s, r)| s.is_some() && r.is_none())
    }

    /// A packet read at `at`: counted if it is the first reply to one of this round's
    /// echoes; otherwise it is another probe's or another program's, or a duplicate.
    fn reply(&mut self, data: &[u8], at: Instant) -> bool {
        let Some((id, seq, payload)) = packet::reply(self.v6, data) else {
            return false;
        };
        if (self.check_ident && id != self.ident) || !payload.starts_with(&self.token) {
            return false;
        }
        let index = usize::from(seq.wrapping_sub(self.seq_base));
        match (self.sent.get(index), self.out.rtts.get_mut(index)) {
            (Some(Some(sent)), Some(rtt @ None)) => {
                *rtt = Some(at.saturating_duration_since(*sent));
                true
            }
            _ => false,
        }
    }
}

/// The round trip of an echo answered through Windows' ICMP API. The API reports whole
/// milliseconds (a LAN reads 0 ms); the time measured around the blocking call is finer but
/// also holds the call's own overhead and the thread's wake-up. The true value lies in
/// `[reported, reported + 1 ms)`, so the measurement is kept inside that.
#[cfg_attr(not(windows), allow(dead_code))]
fn api_rtt(reported: Duration, measured: Duration) -> Duration {
    measured
        .max(reported)
        .min(reported + Duration::from_micros(999))
}

/// ICMP echo packets: building requests and reading replies.
#[cfg_attr(not(unix), allow(dead_code))]
mod packet {
    pub const ECHO_REQUEST_V4: u8 = 8;
    pub const ECHO_REPLY_V4: u8 = 0;
    pub const ECHO_REQUEST_V6: u8 = 128;
    pub const ECHO_REPLY_V6: u8 = 129;

    /// An echo request. The IPv4 checksum is ours to compute (a datagram socket would
    /// redo it); for ICMPv6 the kernel always fills it in (it covers a pseudo-header).
    pub fn request(v6: bool, ident: u16, seq: u16, token: &[u8; 8]) -> Vec<u8> {
        let mut p = Vec::with_capacity(8 + super::PAYLOAD);
        p.push(if v6 { ECHO_REQUEST_V6 } else { ECHO_REQUEST_V4 });
        p.push(0);
        p.extend_from_slice(&[0, 0]);
        p.extend_from_slice(&ident.to_be_bytes());
        p.extend_from_slice(&seq.to_be_bytes());
        p.extend_from_slice(token);
        p.extend((0..super::PAYLOAD - token.len()).map(|i| b'a' + (i % 26) as u8));
        if !v6 {
            let sum = checksum(&p).to_be_bytes();
            p[2] = sum[0];
            p[3] = sum[1];
        }
        p
    }

    /// An echo reply's identifier, sequence number and payload. IPv4 raw sockets (and
    /// macOS datagram ones) hand over the IP header too; it is skipped.
    pub fn reply(v6: bool, data: &[u8]) -> Option<(u16, u16, &[u8])> {
        let icmp = match data.first() {
            Some(first) if !v6 && first >> 4 == 4 => data.get(usize::from(first & 0x0f) * 4..)?,
            _ => data,
        };
        let want = if v6 { ECHO_REPLY_V6 } else { ECHO_REPLY_V4 };
        match icmp {
            [kind, 0, _, _, i0, i1, s0, s1, payload @ ..] if *kind == want => Some((
                u16::from_be_bytes([*i0, *i1]),
                u16::from_be_bytes([*s0, *s1]),
                payload,
            )),
            _ => None,
        }
    }

    /// The Internet checksum (RFC 1071).
    pub fn checksum(data: &[u8]) -> u16 {
        let mut sum: u32 = data
            .chunks(2)
            .map(|c| match c {
                [a, b] => u32::from(u16::from_be_bytes([*a, *b])),
                [a] => u32::from(u16::from_be_bytes([*a, 0])),
                _ => 0,
            })
            .sum();
        while sum >> 16 != 0 {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        !(sum as u16)
    }
}

#[cfg(unix)]
mod sys {
    use super::{io_reason, Echoes, IcmpAccess, Round};
    use socket2::{Domain, Protocol, SockAddr, Socket, Type};
    use std::io::ErrorKind;
    use std::net::{IpAddr, SocketAddr};
    use std::time::Duration;
    use tokio::time::Instant;

    /// A datagram ICMP socket, else a raw one, else why not.
    pub fn open(v6: bool) -> Result<(Socket, IcmpAccess), String> {
        let (domain, protocol) = if v6 {
            (Domain::IPV6, Protocol::ICMPV6)
        } else {
            (Domain::IPV4, Protocol::ICMPV4)
        };
        let dgram = match Socket::new(domain, Type::DGRAM, Some(protocol)) {
            Ok(s) => return Ok((s, IcmpAccess::Datagram)),
            Err(e) => e,
        };
        let raw = match Socket::new(domain, Type::RAW, Some(protocol)) {
            Ok(s) => return Ok((s, IcmpAccess::Raw)),
            Err(e) => e,
        };
        Err(denied(v6, &dgram, &raw))
    }

    fn denied(v6: bool, dgram: &std::io::Error, raw: &std::io::Error) -> String {
        let family = if v6 { "ICMPv6" } else { "ICMP" };
        let refused = |e: &std::io::Error| e.kind() == ErrorKind::PermissionDenied;
        if !(refused(dgram) && refused(raw)) {
            return format!(
                "cannot open an {family} socket (datagram: {}; raw: {})",
                io_reason(dgram),
                io_reason(raw)
            );
        }
        if cfg!(target_os = "linux") {
            let range = std::fs::read_to_string("/proc/sys/net/ipv4/ping_group_range")
                .map(|r| r.split_whitespace().collect::<Vec<_>>().join(" "))
                .unwrap_or_else(|_| "unreadable".into());
            let group = effective_gid().map(|g| format!("group {g}"));
            format!(
                "this system does not allow unprivileged ping: sysctl net.ipv4.ping_group_range \
                 is \"{range}\", which leaves out {}, and there is no CAP_NET_RAW for a raw \
                 socket; allow it with sysctl -w net.ipv4.ping_group_range=\"0 2147483647\" \
                 (persist in /etc/sysctl.d/) or setcap cap_net_raw+ep on Fieldline",
                group.as_deref().unwrap_or("this user's group")
            )
        } else {
            format!(
                "this system does not allow ping without privileges ({family} datagram \
                 socket: {}; raw socket: {})",
                io_reason(dgram),
                io_reason(raw)
            )
        }
    }

    fn effective_gid() -> Option<u32> {
        let status = std::fs::read_to_string("/proc/self/status").ok()?;
        let line = status.lines().find(|l| l.starts_with("Gid:"))?;
        line.split_whitespace().nth(2)?.parse().ok()
    }

    /// Sends `count` echoes `gap` apart and collects replies until all are in or
    /// `deadline`. Err: no socket (UNKNOWN).
    pub async fn echoes(
        ip: IpAddr,
        count: usize,
        gap: Duration,
        deadline: Instant,
    ) -> Result<Echoes, String> {
        let v6 = ip.is_ipv6();
        let (socket, kind) = open(v6)?;
        let setup = |what: &str, e: std::io::Error| format!("cannot {what} the ICMP socket: {e}");
        socket
            .set_nonblocking(true)
            .map_err(|e| setup("configure", e))?;
        // Connected: the kernel passes on only what comes from `ip`, and reports ICMP
        // errors about our echoes ("no route to host") as errors on the socket.
        socket
            .connect(&SockAddr::from(SocketAddr::new(ip, 0)))
            .map_err(|e| setup("connect", e))?;
        // A tokio UdpSocket is the safe way to drive this fd: it only issues send and recv,
        // which is all an ICMP socket needs (AsyncFd's safe constructor is deprecated in
        // tokio 1.54 and its replacement is `unsafe`).
        let socket = tokio::net::UdpSocket::from_std(std::net::UdpSocket::from(socket))
            .map_err(|e| setup("register", e))?;

        // Linux rewrites the identifier of a datagram socket and passes it only its own
        // replies; macOS keeps ours and passes it every echo reply from `ip`, with the IPv4
        // header in front (which `packet::reply` skips), as a raw socket does.
        let check_ident =
            kind == IcmpAccess::Raw || !cfg!(any(target_os = "linux", target_os = "android"));
        let mut round = Round::new(v6, count, check_ident);
        let mut next = 0usize;
        let mut next_at = Instant::now();
        let mut buf = vec![0u8; 4096];
        let mut errors = 0u32;
        loop {
            if next == count && !round.waiting() {
                break;
            }
            tokio::select! {
                _ = tokio::time::sleep_until(deadline) => break,
                _ = tokio::time::sleep_until(next_at), if next < count => {
                    match socket.try_send(&round.request(next)) {
                        Ok(_) => round.sent(next, Instant::now()),
                        Err(e) => round.out.note = Some(io_reason(&e)),
                    }
                    next += 1;
                    next_at += gap;
                }
                read = socket.recv(&mut buf) => match read {
                    Err(e) => {
                        // An ICMP error about an echo ("no route to host"), reported once.
                        round.out.note = Some(io_reason(&e));
                        errors += 1;
                        if errors > 1000 {
                            return Err(format!("the ICMP socket keeps failing: {e}"));
                        }
                    }
                    Ok(n) => {
                        round.reply(&buf[..n], Instant::now());
                    }
                },
            }
        }
        Ok(round.out)
    }
}

#[cfg(windows)]
mod sys {
    use super::{api_rtt, Echoes, IcmpAccess, PAYLOAD};
    use std::net::IpAddr;
    use std::time::Duration;
    use tokio::time::Instant;
    use winping::{Buffer, CreateError, Error, Pinger};

    /// The API's timeouts are whole milliseconds: with less than this left, no echo is sent.
    const MIN_WAIT: Duration = Duration::from_millis(1);

    /// Windows' ICMP API for IPv4 or IPv6, else why not.
    pub fn open(v6: bool) -> Result<(Pinger, IcmpAccess), String> {
        // winping 0.10.1 names its partial failures the other way round: `NoV4` comes back
        // when the IPv6 handle failed, `NoV6` when the IPv4 one did (seen under Wine, which
        // has no ICMPv6). Matched to what it does; the version is pinned.
        let pinger = match (Pinger::new(), v6) {
            (Ok(p), _) | (Err(CreateError::NoV4(p)), false) | (Err(CreateError::NoV6(p)), true) => {
                Some(p)
            }
            _ => None,
        };
        let (call, family) = if v6 {
            ("Icmp6CreateFile", "IPv6")
        } else {
            ("IcmpCreateFile", "IPv4")
        };
        pinger.map(|p| (p, IcmpAccess::IcmpApi)).ok_or_else(|| {
            format!(
                "Windows' ICMP API is not available ({call} failed); is {family} enabled on \
                 this computer?"
            )
        })
    }

    /// What became of one echo.
    enum Done {
        /// The API's answer (a round trip in whole milliseconds), and the time measured
        /// around the call.
        Answer(usize, Result<u32, Error>, Duration),
        /// The blocking pool was too busy to start it before the deadline.
        Late,
        /// No handle for it: why.
        NoHandle(String),
    }

    /// Sends `count` echoes `gap` apart and collects replies until all are in or
    /// `deadline`. Err: no ICMP handle (UNKNOWN).
    ///
    /// `IcmpSendEcho` blocks until the reply or its timeout, so each echo is a call on the
    /// blocking pool, with its own handle (they are not `Send`) and what is left of the
    /// probe's time as its timeout: it ends by the deadline on its own, and no async thread
    /// ever waits on it.
    pub async fn echoes(
        ip: IpAddr,
        count: usize,
        gap: Duration,
        deadline: Instant,
    ) -> Result<Echoes, String> {
        // Tried before anything is sent: a system that cannot ping says so (UNKNOWN).
        drop(open(ip.is_ipv6())?);
        let (done_tx, mut done_rx) = tokio::sync::mpsc::unbounded_channel::<Done>();
        let mut out = Echoes {
            rtts: vec![None; count],
            note: None,
        };
        let mut next = 0usize;
        let mut next_at = Instant::now();
        let mut pending = 0usize;
        let mut late = 0usize;
        loop {
            if next == count && pending == 0 {
                break;
            }
            tokio::select! {
                _ = tokio::time::sleep_until(deadline) => break,
                _ = tokio::time::sleep_until(next_at), if next < count => {
                    let index = next;
                    next += 1;
                    next_at += gap;
                    let done = done_tx.clone();
                    pending += 1;
                    // Not awaited: the probe collects what arrives by the deadline, and an
                    // echo still out then ends by its own timeout. Nobody may listen then.
                    drop(tokio::task::spawn_blocking(move || {
                        let _ = done.send(echo(ip, index, deadline));
                    }));
                }
                Some(done) = done_rx.recv() => {
                    pending = pending.saturating_sub(1);
                    match done {
                        Done::Answer(index, answer, measured) => {
                            record(&mut out, index, answer, measured);
                        }
                        Done::Late => late += 1,
                        Done::NoHandle(why) => out.note = Some(why),
                    }
                }
            }
        }
        if late > 0 && out.note.is_none() {
            out.note = Some(format!(
                "{late} of {count} echoes could not be sent in time: too many pings at once"
            ));
        }
        Ok(out)
    }

    /// One echo, blocking until its reply or `deadline`.
    fn echo(ip: IpAddr, index: usize, deadline: Instant) -> Done {
        let left = deadline.saturating_duration_since(Instant::now());
        if left < MIN_WAIT {
            return Done::Late;
        }
        let mut pinger = match open(ip.is_ipv6()) {
            Ok((pinger, _)) => pinger,
            Err(why) => return Done::NoHandle(why),
        };
        pinger.set_timeout(u32::try_from(left.as_millis()).unwrap_or(u32::MAX));
        let mut buffer = Buffer::with_data(payload());
        let started = std::time::Instant::now();
        let answer = pinger.send(ip, &mut buffer);
        Done::Answer(index, answer, started.elapsed())
    }

    /// The echo's data, like ping.exe's: letters.
    fn payload() -> Vec<u8> {
        (0..PAYLOAD).map(|i| b'a' + (i % 23) as u8).collect()
    }

    fn record(out: &mut Echoes, index: usize, answer: Result<u32, Error>, measured: Duration) {
        let why = match answer {
            Ok(ms) => {
                if let Some(rtt) = out.rtts.get_mut(index) {
                    *rtt = Some(api_rtt(Duration::from_millis(u64::from(ms)), measured));
                }
                return;
            }
            Err(Error::Timeout) => return, // lost
            Err(Error::NetUnreachable) => "network is unreachable".to_string(),
            Err(Error::HostUnreachable) => "host is unreachable".to_string(),
            Err(Error::ProtocolUnreachable) => "protocol is unreachable".to_string(),
            Err(Error::TtlExpired) => "time to live exceeded in transit".to_string(),
            Err(Error::ReassemblyExpired) => "fragment reassembly time exceeded".to_string(),
            Err(Error::NeedsFragmented) => "the echo is too big for the path".to_string(),
            // "Other error (1231): The network location cannot be reached. ...".
            Err(e @ Error::Other(_)) => format!("the ICMP API failed: {e}"),
        };
        out.note = Some(why);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fieldline_core::CheckState;

    fn spec() -> PingSpec {
        PingSpec {
            count: 3,
            warn_ms: Some(100),
            crit_ms: Some(500),
            warn_loss: 1,
            crit_loss: 100,
        }
    }

    fn echoes(ms: &[Option<u64>]) -> Echoes {
        Echoes {
            rtts: ms.iter().map(|m| m.map(Duration::from_millis)).collect(),
            note: None,
        }
    }

    #[test]
    fn replies_round_trip() {
        let token = *b"12345678";
        for v6 in [false, true] {
            let mut p = packet::request(v6, 0xbeef, 7, &token);
            // The peer answers: type flips to reply (the checksum is not checked here).
            p[0] = if v6 {
                packet::ECHO_REPLY_V6
            } else {
                packet::ECHO_REPLY_V4
            };
            let (id, seq, payload) = packet::reply(v6, &p).expect("a reply");
            assert_eq!((id, seq), (0xbeef, 7));
            assert!(payload.starts_with(&token));
        }
        // Our own request (a raw socket on loopback sees it) is not a reply.
        assert!(packet::reply(false, &packet::request(false, 1, 1, &token)).is_none());
        // A raw IPv4 socket's packet starts with the IP header.
        let mut with_header = vec![0x45u8; 20];
        with_header.extend(packet::request(false, 2, 3, &token));
        with_header[20] = packet::ECHO_REPLY_V4;
        assert_eq!(
            packet::reply(false, &with_header).map(|r| (r.0, r.1)),
            Some((2, 3))
        );
        assert!(packet::reply(false, &[0x4f, 1, 2]).is_none());
        assert!(packet::reply(false, &[]).is_none());
    }

    /// What a peer sends back for `request`: the type flipped to a reply (the checksum is
    /// not checked here), with an IPv4 header in front when `header` (raw sockets, and
    /// datagram sockets on macOS).
    fn answer(v6: bool, request: &[u8], header: bool) -> Vec<u8> {
        let mut p = Vec::new();
        if header {
            p.extend_from_slice(&[0x45, 0, 0, 60, 0, 0, 0, 0, 64, 1, 0, 0]);
            p.extend_from_slice(&[127, 0, 0, 1, 127, 0, 0, 1]);
        }
        let at = p.len();
        p.extend_from_slice(request);
        p[at] = if v6 {
            packet::ECHO_REPLY_V6
        } else {
            packet::ECHO_REPLY_V4
        };
        p
    }

    #[test]
    fn a_round_counts_its_own_replies_once() {
        let t0 = Instant::now();
        let at = t0 + Duration::from_millis(5);
        for (v6, header) in [(false, false), (false, true), (true, false)] {
            let mut round = Round::new(v6, 3, true);
            round.sent(0, t0);
            round.sent(1, t0);
            assert!(round.waiting());
            // Echo 2 was never sent: a reply to it (forged or late) is not counted.
            assert!(!round.reply(&answer(v6, &round.request(2), header), at));
            assert!(round.reply(&answer(v6, &round.request(1), header), at));
            // A duplicate of the same reply.
            assert!(!round.reply(&answer(v6, &round.request(1), header), at));
            // Another probe's echo with the same sequence numbers: another identifier.
            let mut other = answer(v6, &round.request(0), header);
            let ident = if header { 24 } else { 4 };
            other[ident] ^= 0xff;
            assert!(!round.reply(&other, at));
            // The same identifier (a macOS socket of another program) but another token.
            let mut other = answer(v6, &round.request(0), header);
            other[ident + 4] ^= 0xff;
            assert!(!round.reply(&other, at));
            // Our own request, looped back to a raw socket.
            assert!(!round.reply(&round.request(0), at));
            assert!(round.waiting());
            assert!(round.reply(&answer(v6, &round.request(0), header), at));
            assert!(!round.waiting());
            assert_eq!(
                round.out.rtts,
                vec![
                    Some(Duration::from_millis(5)),
                    Some(Duration::from_millis(5)),
                    None
                ]
            );
        }
        // A Linux datagram socket: the kernel chose the identifier, so any will do.
        let mut round = Round::new(false, 1, false);
        round.sent(0, t0);
        let mut reply = answer(false, &round.request(0), false);
        reply[4] ^= 0xff;
        assert!(round.reply(&reply, at));
    }

    #[test]
    fn windows_round_trips_stay_within_the_reported_millisecond() {
        let ms = Duration::from_millis;
        let us = Duration::from_micros;
        // A LAN: 0 ms reported, 180 µs measured.
        assert_eq!(api_rtt(ms(0), us(180)), us(180));
        // The call took long to return: no more than the report allows.
        assert_eq!(api_rtt(ms(3), ms(40)), us(3999));
        // Measured less than reported (clock granularity): the report wins.
        assert_eq!(api_rtt(ms(12), us(11_900)), ms(12));
        assert_eq!(api_rtt(ms(12), us(12_400)), us(12_400));
    }

    #[test]
    fn checksum_verifies_to_zero() {
        let p = packet::request(false, 0x1234, 0x0102, b"abcdefgh");
        assert_eq!(packet::checksum(&p), 0);
    }

    #[test]
    fn judged_on_loss_and_round_trip() {
        let o = judge(
            &spec(),
            &echoes(&[Some(1), Some(2), Some(3)]),
            "h",
            Duration::from_secs(2),
        );
        assert_eq!(o.state, CheckState::Ok, "{}", o.message);
        assert!(
            o.message.starts_with("h: 3/3 replies, avg 2.00 ms"),
            "{}",
            o.message
        );
        let o = judge(
            &spec(),
            &echoes(&[Some(1), None, Some(3)]),
            "h",
            Duration::from_secs(2),
        );
        assert_eq!(o.state, CheckState::Warn, "{}", o.message);
        assert!(o.message.contains("33% lost (WARN at 1%)"), "{}", o.message);
        let o = judge(
            &spec(),
            &echoes(&[Some(150); 3]),
            "h",
            Duration::from_secs(2),
        );
        assert_eq!(o.state, CheckState::Warn, "{}", o.message);
        let o = judge(
            &spec(),
            &echoes(&[Some(600); 3]),
            "h",
            Duration::from_secs(2),
        );
        assert_eq!(o.state, CheckState::Crit, "{}", o.message);
        let o = judge(&spec(), &echoes(&[None; 3]), "h", Duration::from_secs(2));
        assert_eq!(o.state, CheckState::Crit);
        assert_eq!(o.message, "h: no reply to 3 pings within 2 s");
        let strict = PingSpec {
            crit_loss: 30,
            ..spec()
        };
        let o = judge(
            &strict,
            &echoes(&[Some(1), None, Some(3)]),
            "h",
            Duration::from_secs(2),
        );
        assert_eq!(o.state, CheckState::Crit, "{}", o.message);
    }
}
