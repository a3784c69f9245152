//! The http probe's custom headers stay with the check's own origin: two loopback servers,
//! the first redirecting (within itself, then to the second); the second must receive none
//! of the check's headers.
#![allow(clippy::unwrap_used)]

use fieldline_core::checks::{CheckSpec, KindSpec};
use fieldline_core::{Check, CheckKind, CheckState};
use fieldline_monitor::probe::http::{probe, HttpClients};
use serde_json::json;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A server answering each request with `answer(path)` and keeping each request's head.
struct Server {
    port: u16,
    heads: Arc<Mutex<Vec<String>>>,
}

fn serve(answer: impl Fn(&str) -> String + Send + 'static) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let heads = Arc::new(Mutex::new(Vec::new()));
    let kept = heads.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && head.len() < 65536 {
                match stream.read(&mut byte) {
                    Ok(1) => head.push(byte[0]),
                    _ => break,
                }
            }
            let head = String::from_utf8_lossy(&head).into_owned();
            let path = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
            kept.lock().unwrap().push(head);
            let _ = stream.write_all(answer(&path).as_bytes());
        }
    });
    Server { port, heads }
}

fn redirect(to: &str) -> String {
    format!(
        "HTTP/1.1 302 Found\r\nLocation: {to}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
}

fn has_header(head: &str, name: &str) -> bool {
    head.lines()
        .any(|l| l.to_ascii_lowercase().starts_with(&format!("{name}:")))
}

#[tokio::test]
async fn custom_headers_do_not_follow_a_redirect_to_another_origin() {
    let second =
        serve(|_| "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok".to_owned());
    let second_port = second.port;
    let first = serve(move |path| {
        if path == "/start" {
            redirect("/next")
        } else {
            redirect(&format!("http://127.0.0.1:{second_port}/landed"))
        }
    });
    let check = Check {
        kind: CheckKind::Http,
        params: json!({
            "url": format!("http://127.0.0.1:{}/start", first.port),
            "headers": {"X-Customer-Token": "t0ps3cret", "Host": "intranet.example"},
        })
        .as_object()
        .unwrap()
        .clone()
        .into_iter()
        .collect(),
    };
    let spec = CheckSpec::parse(&check).unwrap();
    let KindSpec::Http(http) = spec.kind else {
        panic!("http")
    };
    let outcome = probe(
        &HttpClients::default(),
        "127.0.0.1",
        &http,
        Duration::from_secs(5),
    )
    .await;
    assert_eq!(outcome.state, CheckState::Ok, "{outcome:?}");

    let first_heads = first.heads.lock().unwrap().clone();
    assert_eq!(first_heads.len(), 2, "{first_heads:#?}");
    // Within the check's own origin the headers go along, on every hop.
    for head in &first_heads {
        assert!(head.contains("t0ps3cret"), "{head}");
        assert!(has_header(head, "x-customer-token"), "{head}");
    }
    let second_heads = second.heads.lock().unwrap().clone();
    assert_eq!(second_heads.len(), 1, "{second_heads:#?}");
    let landed = &second_heads[0];
    assert!(landed.starts_with("GET /landed "), "{landed}");
    assert!(!has_header(landed, "x-customer-token"), "{landed}");
    assert!(!landed.contains("t0ps3cret"), "{landed}");
    assert!(!landed.contains("intranet.example"), "{landed}");
}
