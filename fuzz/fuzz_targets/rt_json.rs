//! Fuzzes the mapping of Request Tracker's REST 2.0 answers (`fieldline_sync::rt::
//! RequestTracker`): JSON parsing of each answer, tickets from search pages and single
//! tickets (`ticket_from`: ids as strings or numbers, times, queue references and the
//! queue lookup they cause, owners, numbers), the server version and total, history
//! transactions (`find_applied`) and the messages of an update (`apply`'s refusal check).
//!
//! The mapping is private to the connector and runs on what its HTTP client receives, so
//! a loopback HTTP server stands in for RT (as `tests/malformed.rs` does) and answers every
//! request with the input: its first byte picks the HTTP status, the rest is the body.
//! Only the first page of a search is the input; later pages are empty, so the target
//! fuzzes the mapping, not how long a server can keep a pull going.
//!
//! A crash is a panic (arithmetic overflow and debug assertions included), a hang
//! (libFuzzer's `-timeout`), or memory beyond `-rss_limit_mb`. A refused answer is not a
//! crash: it is a `SyncError` or an unreadable ticket in the page.
#![no_main]

use fieldline_store::sync::{ConnectionConfig, ConnectorKind};
use fieldline_sync::rt::RequestTracker;
use fieldline_sync::{Connector, Outgoing, Page};
use libfuzzer_sys::fuzz_target;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex, OnceLock};

/// Statuses the first byte picks from: success, RT's "created", a stale version, client
/// and server errors, refused credentials, and a redirect (which is not followed).
const STATUSES: [u16; 8] = [200, 201, 412, 400, 404, 500, 401, 302];

type Answer = Arc<Mutex<(u16, Vec<u8>)>>;

struct Server {
    url: String,
    answer: Answer,
}

fn server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let url = format!(
            "http://{}",
            listener.local_addr().expect("the loopback address")
        );
        let answer: Answer = Arc::new(Mutex::new((200, Vec::new())));
        let shared = answer.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let answer = shared.clone();
                std::thread::spawn(move || serve(stream, &answer));
            }
        });
        Server { url, answer }
    })
}

/// Answers the requests of one connection (kept alive) until the client closes it.
fn serve(stream: TcpStream, answer: &Answer) {
    let _ = stream.set_nodelay(true);
    let Ok(mut out) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    loop {
        let mut request = String::new();
        if reader.read_line(&mut request).unwrap_or(0) == 0 {
            return;
        }
        let mut length = 0usize;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            if line == "\r\n" || line == "\n" {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse().unwrap_or(0);
                }
            }
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let target = request.split_whitespace().nth(1).unwrap_or("/");
        let later_page = target
            .split(['?', '&'])
            .filter_map(|kv| kv.strip_prefix("page="))
            .any(|n| n != "1");
        let (status, bytes) = if later_page {
            (200, br#"{"items":[]}"#.to_vec())
        } else {
            match answer.lock() {
                Ok(a) => a.clone(),
                Err(_) => return,
            }
        };
        let head = format!(
            "HTTP/1.1 {status} Fuzz\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
             ETag: \"7\"\r\nDate: Mon, 07 Dec 2026 22:00:00 GMT\r\n\
             Location: /REST/2.0/transaction/9\r\n\r\n",
            bytes.len()
        );
        // One write: a head and a body sent apart wait on delayed ACKs (40 ms each).
        let mut whole = head.into_bytes();
        whole.extend_from_slice(&bytes);
        if out.write_all(&whole).is_err() {
            return;
        }
    }
}

/// One tracker for the run: building its HTTP client (TLS set-up) costs about a quarter
/// of a second, which would leave a few inputs a second. Its queue-name cache does carry
/// over from one input to the next; it only decides whether `/queue/N` is asked again.
fn tracker() -> Option<&'static RequestTracker> {
    static RT: OnceLock<Option<RequestTracker>> = OnceLock::new();
    RT.get_or_init(|| {
        let mut config = ConnectionConfig::template(ConnectorKind::RequestTracker);
        config.name = "fuzz".into();
        config.url = server().url.clone();
        config.user = "fieldline".into();
        RequestTracker::new(&config, "1-fuzz-token").ok()
    })
    .as_ref()
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let server = server();
    match server.answer.lock() {
        Ok(mut a) => *a = (STATUSES[usize::from(pick) % STATUSES.len()], body.to_vec()),
        Err(_) => return,
    }
    let Some(rt) = tracker() else {
        return;
    };
    let _ = rt.test();
    let _ = rt.changed_since(None, &mut |_page: Page| Ok(()));
    let _ = rt.ids_in_scope();
    let _ = rt.fetch("7");
    let _ = rt.find_applied(
        "7",
        "5",
        &Outgoing::Time {
            minutes: 0,
            on_site: false,
            note: String::new(),
        },
    );
    let _ = rt.find_applied("7", "5", &Outgoing::Status("open".into()));
    let _ = rt.apply("7", "5", &Outgoing::Status("open".into()));
});
