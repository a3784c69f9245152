//! The `dns` probe: asks the customer's DNS server one question and checks the answer.
//!
//! The server is `spec.server` (`ip`, `ip:port`, `[v6]:port`; a name is resolved with the
//! system resolver) or else the endpoint's host on port 53: what is checked is that server,
//! not the laptop's resolver. One query over UDP (EDNS0, 1232 bytes), sent again after a
//! third of the timeout if nothing came back, and repeated over TCP when the answer is
//! truncated. Answers are matched on ID and question, so a late or stray datagram is
//! ignored.
//!
//! Matching `expect` (every value must be in the answer; none: any answer passes): A and
//! AAAA compare as IP addresses; CNAME, NS, PTR and MX compare names case-insensitively,
//! a trailing dot or not (an MX value may start with its preference: `"10 mail.x.test"`);
//! a TXT value matches a record whose text (its strings joined) contains it. For PTR, a
//! `name` that is an IP address is turned into its `in-addr.arpa`/`ip6.arpa` name.

use crate::outcome::{clean, Outcome};
use fieldline_core::checks::{DnsRecord, DnsSpec};
use hickory_proto::op::{Edns, Message, MessageType, Query, ResponseCode};
use hickory_proto::rr::{Name, RData, RecordType};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};
use tokio::time::Instant;

const DNS_PORT: u16 = 53;
/// The EDNS0 payload size offered (the DNS flag day 2020 value: no IP fragmentation).
const UDP_PAYLOAD: u16 = 1232;
/// Answer values named in a message, and the characters each may take there.
const SHOWN_VALUES: usize = 4;
const VALUE_CHARS: usize = 60;

/// Queries `spec.name` for `spec.record` at the DNS server of `host` (or `spec.server`)
/// and judges the answer; the whole probe ends within `timeout`.
pub async fn probe(host: &str, spec: &DnsSpec, timeout: Duration) -> Outcome {
    let deadline = Instant::now() + timeout;
    let rtype = record_type(spec.record);
    let name = match query_name(&spec.name, spec.record) {
        Ok(name) => name,
        Err(e) => {
            return Outcome::unknown(format!("{:?} is not a name to look up: {e}", spec.name))
        }
    };
    let expected = match Expected::parse(spec.record, &spec.expect) {
        Ok(expected) => expected,
        Err(message) => return Outcome::unknown(message),
    };
    let (id, query) = match build_query(&name, rtype) {
        Ok(q) => q,
        Err(e) => return Outcome::unknown(format!("cannot build the query for {name}: {e}")),
    };
    let server = match server_address(host, spec.server.as_deref(), deadline).await {
        Ok(server) => server,
        Err(outcome) => return outcome,
    };
    let asked = Question {
        id,
        name: &name,
        rtype,
    };
    let started = Instant::now();
    let retry = (timeout / 3).max(Duration::from_millis(200));
    let answer = tokio::time::timeout_at(deadline, exchange(server, &query, &asked, retry)).await;
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    let what = format!("{} {}", show_name(&name), rtype);
    match answer {
        Err(_) => Outcome::crit(
            None,
            format!("no answer from {server} within {}", show_duration(timeout)),
        ),
        Ok(Err(e)) => Outcome::crit(None, format!("{what}: {e}")),
        Ok(Ok(message)) => judge(&message, rtype, &expected, &what, server, latency_ms),
    }
}

/// What was asked, to recognise its answer.
struct Question<'a> {
    id: u16,
    name: &'a Name,
    rtype: RecordType,
}

fn record_type(record: DnsRecord) -> RecordType {
    match record {
        DnsRecord::A => RecordType::A,
        DnsRecord::Aaaa => RecordType::AAAA,
        DnsRecord::Cname => RecordType::CNAME,
        DnsRecord::Mx => RecordType::MX,
        DnsRecord::Txt => RecordType::TXT,
        DnsRecord::Ns => RecordType::NS,
        DnsRecord::Ptr => RecordType::PTR,
    }
}

fn query_name(text: &str, record: DnsRecord) -> Result<Name, String> {
    let text = text.trim();
    if record == DnsRecord::Ptr {
        if let Ok(ip) = text.parse::<IpAddr>() {
            let mut name = Name::from(ip);
            name.set_fqdn(true);
            return Ok(name);
        }
    }
    let mut name = Name::from_utf8(text).map_err(|e| e.to_string())?;
    name.set_fqdn(true);
    Ok(name)
}

/// The server to ask: `server` if given, else `host`, port 53 unless one is given. A name
/// is resolved with the system resolver (IPv4 preferred).
async fn server_address(
    host: &str,
    server: Option<&str>,
    deadline: Instant,
) -> Result<SocketAddr, Outcome> {
    let text = server.unwrap_or(host).trim();
    if let Ok(addr) = text.parse::<SocketAddr>() {
        return Ok(addr);
    }
    let bare = text.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return Ok(SocketAddr::new(ip, DNS_PORT));
    }
    let (name, port) = match text.rsplit_once(':') {
        Some((name, port)) => match port.parse::<u16>() {
            Ok(port) => (name, port),
            Err(_) => {
                return Err(Outcome::unknown(format!(
                    "DNS server {text:?} is not an address, address:port or host name"
                )))
            }
        },
        None => (text, DNS_PORT),
    };
    if name.is_empty() {
        return Err(Outcome::unknown("no DNS server to ask: the host is empty"));
    }
    match tokio::time::timeout_at(deadline, tokio::net::lookup_host((name, port))).await {
        Err(_) => Err(Outcome::crit(
            None,
            format!("cannot resolve the DNS server's name {name}: no answer in time"),
        )),
        Ok(Err(e)) => Err(Outcome::crit(
            None,
            format!("cannot resolve the DNS server's name {name}: {e}"),
        )),
        Ok(Ok(addrs)) => {
            let addrs: Vec<SocketAddr> = addrs.collect();
            addrs
                .iter()
                .find(|a| a.is_ipv4())
                .or_else(|| addrs.first())
                .copied()
                .ok_or_else(|| {
                    Outcome::crit(
                        None,
                        format!("cannot resolve the DNS server's name {name}: no address"),
                    )
                })
        }
    }
}

fn build_query(name: &Name, rtype: RecordType) -> Result<(u16, Vec<u8>), String> {
    // `Message::query` draws a random ID.
    let mut message = Message::query();
    message.metadata.recursion_desired = true;
    message.add_query(Query::query(name.clone(), rtype));
    let mut edns = Edns::new();
    edns.set_max_payload(UDP_PAYLOAD);
    message.set_edns(edns);
    let bytes = message.to_vec().map_err(|e| e.to_string())?;
    Ok((message.metadata.id, bytes))
}

/// One query over UDP (resent every `retry`), over TCP if the answer is truncated. Runs
/// until it has an answer or an error; the caller bounds it in time.
async fn exchange(
    server: SocketAddr,
    query: &[u8],
    asked: &Question<'_>,
    retry: Duration,
) -> Result<Message, String> {
    let local: SocketAddr = if server.is_ipv4() {
        (Ipv4Addr::UNSPECIFIED, 0).into()
    } else {
        (Ipv6Addr::UNSPECIFIED, 0).into()
    };
    let socket = UdpSocket::bind(local)
        .await
        .map_err(|e| format!("cannot open a UDP socket: {e}"))?;
    // Connected: the kernel drops datagrams from anyone but the server.
    socket
        .connect(server)
        .await
        .map_err(|e| format!("cannot reach {server}: {}", io_reason(&e)))?;
    let mut buf = vec![0u8; 65535];
    let mut resend = Instant::now();
    loop {
        if Instant::now() >= resend {
            socket
                .send(query)
                .await
                .map_err(|e| format!("cannot send to {server}: {}", io_reason(&e)))?;
            resend = Instant::now() + retry;
        }
        tokio::select! {
            received = socket.recv(&mut buf) => {
                let n = received.map_err(|e| match e.kind() {
                    std::io::ErrorKind::ConnectionRefused => format!(
                        "{server} refused the query (nothing listens on UDP port {})",
                        server.port()
                    ),
                    _ => format!("no answer from {server}: {}", io_reason(&e)),
                })?;
                let Some(answer) = read_answer(&buf[..n], asked)? else {
                    continue; // not the answer to this question
                };
                if answer.metadata.truncation {
                    return tcp_exchange(server, query, asked).await;
                }
                return Ok(answer);
            }
            _ = tokio::time::sleep_until(resend) => {}
        }
    }
}

async fn tcp_exchange(
    server: SocketAddr,
    query: &[u8],
    asked: &Question<'_>,
) -> Result<Message, String> {
    let fail = |what: &str, e: std::io::Error| {
        format!(
            "the answer was truncated and {what} over TCP to {server} failed: {}",
            io_reason(&e)
        )
    };
    let mut stream = TcpStream::connect(server)
        .await
        .map_err(|e| fail("connecting", e))?;
    let length = u16::try_from(query.len()).map_err(|_| "the query is too long".to_string())?;
    let mut framed = Vec::with_capacity(query.len() + 2);
    framed.extend_from_slice(&length.to_be_bytes());
    framed.extend_from_slice(query);
    stream
        .write_all(&framed)
        .await
        .map_err(|e| fail("sending", e))?;
    // Answers with another ID are skipped, as over UDP (a server may not, but could).
    loop {
        let length = stream.read_u16().await.map_err(|e| fail("reading", e))?;
        let mut buf = vec![0u8; usize::from(length)];
        stream
            .read_exact(&mut buf)
            .await
            .map_err(|e| fail("reading", e))?;
        if let Some(answer) = read_answer(&buf, asked)? {
            return Ok(answer);
        }
    }
}

/// The answer in `bytes` if it answers `asked`; `None` for anything else (another ID, a
/// query, another question); an error if it has the right ID but does not decode.
fn read_answer(bytes: &[u8], asked: &Question<'_>) -> Result<Option<Message>, String> {
    match bytes {
        [a, b, ..] if u16::from_be_bytes([*a, *b]) == asked.id => {}
        _ => return Ok(None),
    }
    let message = Message::from_vec(bytes).map_err(|e| {
        format!(
            "the server's answer is not valid DNS ({})",
            clean(&e.to_string(), 80)
        )
    })?;
    if message.metadata.message_type != MessageType::Response {
        return Ok(None);
    }
    // Error answers may leave the question out; otherwise it must be ours.
    let same = message.queries.is_empty()
        || message.queries.iter().any(|q| {
            q.query_type() == asked.rtype && q.name().to_lowercase() == asked.name.to_lowercase()
        });
    Ok(same.then_some(message))
}

/// One value of the answer, in the form it is compared in.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Ip(IpAddr),
    /// Lower case, no trailing dot, IDNA (punycode) form.
    Name(String),
    Mx(u16, String),
    Text(String),
}

impl Value {
    fn show(&self) -> String {
        match self {
            Value::Ip(ip) => ip.to_string(),
            Value::Name(name) => clean(name, VALUE_CHARS),
            Value::Mx(preference, name) => format!("{preference} {}", clean(name, VALUE_CHARS)),
            Value::Text(text) => format!("\"{}\"", clean(text, VALUE_CHARS)),
        }
    }
}

fn name_key(name: &Name) -> String {
    let ascii = name.to_ascii().to_ascii_lowercase();
    match ascii.strip_suffix('.') {
        Some(stripped) if !stripped.is_empty() => stripped.to_owned(),
        _ => ascii,
    }
}

fn answer_value(rdata: &RData) -> Option<Value> {
    Some(match rdata {
        RData::A(a) => Value::Ip(IpAddr::V4(a.0)),
        RData::AAAA(a) => Value::Ip(IpAddr::V6(a.0)),
        RData::CNAME(n) => Value::Name(name_key(&n.0)),
        RData::NS(n) => Value::Name(name_key(&n.0)),
        RData::PTR(n) => Value::Name(name_key(&n.0)),
        RData::MX(mx) => Value::Mx(mx.preference, name_key(&mx.exchange)),
        RData::TXT(txt) => {
            // Joined as the RFC 7208 way of reading a long TXT record; bounded by the
            // message size (64 KiB at most) before `clean` shortens it for display.
            let bytes: Vec<u8> = txt
                .txt_data
                .iter()
                .flat_map(|s| s.iter().copied())
                .collect();
            Value::Text(String::from_utf8_lossy(&bytes).into_owned())
        }
        _ => return None,
    })
}

/// The `expect` values in compared form.
struct Expected(Vec<(String, Value)>);

impl Expected {
    fn parse(record: DnsRecord, values: &[String]) -> Result<Expected, String> {
        let mut out = Vec::with_capacity(values.len());
        for raw in values {
            let text = raw.trim();
            let value = match record {
                DnsRecord::A | DnsRecord::Aaaa => {
                    let ip = text.parse::<IpAddr>().map_err(|_| {
                        format!("expect {text:?} is not an IP address, so no answer can match it")
                    })?;
                    let fits = matches!(
                        (record, ip),
                        (DnsRecord::A, IpAddr::V4(_)) | (DnsRecord::Aaaa, IpAddr::V6(_))
                    );
                    if !fits {
                        return Err(format!(
                            "expect {text:?} can never be in an answer of type {}",
                            record_type(record)
                        ));
                    }
                    Value::Ip(ip)
                }
                DnsRecord::Cname | DnsRecord::Ns | DnsRecord::Ptr => {
                    Value::Name(expected_name(text)?)
                }
                DnsRecord::Mx => {
                    let (preference, name) = match text.split_once(char::is_whitespace) {
                        Some((p, rest)) => match p.parse::<u16>() {
                            Ok(p) => (Some(p), rest.trim()),
                            Err(_) => (None, text),
                        },
                        None => (None, text),
                    };
                    let name = expected_name(name)?;
                    match preference {
                        Some(p) => Value::Mx(p, name),
                        None => Value::Name(name),
                    }
                }
                DnsRecord::Txt => Value::Text(raw.clone()),
            };
            out.push((text.to_owned(), value));
        }
        Ok(Expected(out))
    }

    /// The expected values not in `answer`.
    fn missing(&self, answer: &[Value]) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(_, want)| !answer.iter().any(|got| matches(want, got)))
            .map(|(text, _)| text.as_str())
            .collect()
    }
}

fn expected_name(text: &str) -> Result<String, String> {
    let name =
        Name::from_utf8(text).map_err(|e| format!("expect {text:?} is not a DNS name: {e}"))?;
    Ok(name_key(&name))
}

fn matches(want: &Value, got: &Value) -> bool {
    match (want, got) {
        (Value::Ip(w), Value::Ip(g)) => w == g,
        (Value::Name(w), Value::Name(g)) => w == g,
        (Value::Name(w), Value::Mx(_, g)) => w == g,
        (Value::Mx(wp, w), Value::Mx(gp, g)) => wp == gp && w == g,
        (Value::Text(w), Value::Text(g)) => g.contains(w.as_str()),
        _ => false,
    }
}

fn judge(
    message: &Message,
    rtype: RecordType,
    expected: &Expected,
    what: &str,
    server: SocketAddr,
    latency_ms: f64,
) -> Outcome {
    let rcode = message.metadata.response_code;
    match rcode {
        ResponseCode::NoError => {}
        ResponseCode::NXDomain => {
            return Outcome::crit(
                Some(latency_ms),
                format!(
                    "{what}: NXDOMAIN from {server} (the name does not exist){}",
                    expected_tail(expected)
                ),
            )
        }
        other => {
            return Outcome::crit(
                Some(latency_ms),
                format!(
                    "{what}: {server} answered {} ({})",
                    rcode_name(other),
                    other.to_str()
                ),
            )
        }
    }
    let values: Vec<Value> = message
        .answers
        .iter()
        .filter(|r| r.record_type() == rtype)
        .filter_map(|r| answer_value(&r.data))
        .collect();
    if values.is_empty() {
        let alias = message.answers.iter().find_map(|r| match &r.data {
            RData::CNAME(target) if rtype != RecordType::CNAME => Some(name_key(&target.0)),
            _ => None,
        });
        let why = match alias {
            Some(target) => format!(
                "an alias of {}, but the answer from {server} has no {rtype} record",
                clean(&target, VALUE_CHARS)
            ),
            None => format!("no {rtype} record in the answer from {server} (empty answer)"),
        };
        return Outcome::crit(
            Some(latency_ms),
            format!("{what}: {why}{}", expected_tail(expected)),
        );
    }
    let got = summary(&values);
    let missing = expected.missing(&values);
    if missing.is_empty() {
        Outcome::ok(Some(latency_ms), format!("{what}: {got}"))
    } else {
        let missing: Vec<String> = missing
            .iter()
            .take(SHOWN_VALUES)
            .map(|m| clean(m, VALUE_CHARS))
            .collect();
        Outcome::crit(
            Some(latency_ms),
            format!("{what}: expected {}, got {got}", missing.join(", ")),
        )
    }
}

/// The answer, bounded: the first few values and how many more.
fn summary(values: &[Value]) -> String {
    let mut shown: Vec<String> = values.iter().take(SHOWN_VALUES).map(Value::show).collect();
    if values.len() > SHOWN_VALUES {
        shown.push(format!("and {} more", values.len() - SHOWN_VALUES));
    }
    shown.join(", ")
}

fn expected_tail(expected: &Expected) -> String {
    if expected.0.is_empty() {
        return String::new();
    }
    let shown: Vec<String> = expected
        .0
        .iter()
        .take(SHOWN_VALUES)
        .map(|(text, _)| clean(text, VALUE_CHARS))
        .collect();
    format!("; expected {}", shown.join(", "))
}

fn rcode_name(code: ResponseCode) -> String {
    match code {
        ResponseCode::FormErr => "FORMERR".into(),
        ResponseCode::ServFail => "SERVFAIL".into(),
        ResponseCode::NXDomain => "NXDOMAIN".into(),
        ResponseCode::NotImp => "NOTIMP".into(),
        ResponseCode::Refused => "REFUSED".into(),
        ResponseCode::NotAuth => "NOTAUTH".into(),
        ResponseCode::NotZone => "NOTZONE".into(),
        other => format!("rcode {}", u16::from(other)),
    }
}

fn show_name(name: &Name) -> String {
    clean(&name_key(name), 100)
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
fn io_reason(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error") {
        Some(cut) => text[..cut].to_lowercase(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expectations_compare_by_kind() {
        let e = Expected::parse(DnsRecord::A, &["10.0.0.1".into()]).expect("parses");
        assert!(e
            .missing(&[Value::Ip("10.0.0.1".parse().expect("ip"))])
            .is_empty());
        let e = Expected::parse(DnsRecord::Aaaa, &["FD00:0::1".into()]).expect("parses");
        assert!(e
            .missing(&[Value::Ip("fd00::1".parse().expect("ip"))])
            .is_empty());
        assert!(Expected::parse(DnsRecord::A, &["fd00::1".into()]).is_err());
        assert!(Expected::parse(DnsRecord::A, &["www".into()]).is_err());
        let e = Expected::parse(DnsRecord::Cname, &["WWW.X.Test.".into()]).expect("parses");
        assert!(e.missing(&[Value::Name("www.x.test".into())]).is_empty());
        let e = Expected::parse(
            DnsRecord::Mx,
            &["10 Mail.x.test".into(), "mail.x.test.".into()],
        )
        .expect("parses");
        assert!(e.missing(&[Value::Mx(10, "mail.x.test".into())]).is_empty());
        assert_eq!(
            e.missing(&[Value::Mx(20, "mail.x.test".into())]),
            vec!["10 Mail.x.test"]
        );
        let e = Expected::parse(DnsRecord::Txt, &["v=spf1".into()]).expect("parses");
        assert!(e.missing(&[Value::Text("v=spf1 -all".into())]).is_empty());
        assert_eq!(e.missing(&[Value::Text("V=SPF1".into())]), vec!["v=spf1"]);
    }

    #[test]
    fn ptr_names_from_addresses() {
        let n = query_name("10.0.0.1", DnsRecord::Ptr).expect("name");
        assert_eq!(name_key(&n), "1.0.0.10.in-addr.arpa");
        let n = query_name("10.0.0.1", DnsRecord::A).expect("name");
        assert_eq!(name_key(&n), "10.0.0.1");
    }

    #[tokio::test]
    async fn server_defaults_to_the_host_on_port_53() {
        let deadline = Instant::now() + Duration::from_secs(2);
        let addr = |s: &str| s.parse::<SocketAddr>().expect("address");
        for (host, server, want) in [
            ("10.0.0.2", None, "10.0.0.2:53"),
            ("[fd00::2]", None, "[fd00::2]:53"),
            ("fd00::2", None, "[fd00::2]:53"),
            ("h.example", Some("10.0.0.3:5353"), "10.0.0.3:5353"),
            ("h.example", Some(" fd00::53 "), "[fd00::53]:53"),
            ("h.example", Some("[fd00::53]:54"), "[fd00::53]:54"),
            // A name goes to the system resolver; IPv4 is preferred.
            ("localhost", None, "127.0.0.1:53"),
            ("h.example", Some("localhost:5353"), "127.0.0.1:5353"),
        ] {
            assert_eq!(
                server_address(host, server, deadline).await,
                Ok(addr(want)),
                "{host} {server:?}"
            );
        }
    }

    #[test]
    fn durations_read_well() {
        assert_eq!(show_duration(Duration::from_secs(2)), "2 s");
        assert_eq!(show_duration(Duration::from_millis(1500)), "1.5 s");
        assert_eq!(show_duration(Duration::from_millis(250)), "250 ms");
    }
}
