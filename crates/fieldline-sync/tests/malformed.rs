//! Answers a real Request Tracker never gives, from a small loopback HTTP server that
//! stands in for a broken or hostile one (a proxy's error page, a truncated or oversized
//! answer, malformed fields). A real RT cannot be made to send these, so this server
//! says what it is; everything else is tested against the real RT (`rt_sync.rs`).
#![allow(clippy::unwrap_used)]

use fieldline_store::sync::{ConnectionConfig, ConnectorKind};
use fieldline_store::Store;
use fieldline_sync::rt::RequestTracker;
use fieldline_sync::{sync_once, SyncReport};
use jiff::Timestamp;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;

/// Serves `answer(path)` (status, content type, body) to every request until the test ends.
fn serve(answer: fn(&str) -> (u16, &'static str, Vec<u8>)) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request = String::new();
            if reader.read_line(&mut request).is_err() {
                continue;
            }
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                line.clear();
            }
            let path = request.split_whitespace().nth(1).unwrap_or("/").to_string();
            let (status, kind, body) = answer(&path);
            let head = format!(
                "HTTP/1.1 {status} X\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
        }
    });
    url
}

fn config(url: &str) -> ConnectionConfig {
    let mut c = ConnectionConfig::template(ConnectorKind::RequestTracker);
    c.name = "rt".into();
    c.url = url.into();
    c.user = "fieldline".into();
    c
}

/// A server that only knows the ticket search: `search` there, 404 elsewhere.
fn search_only(path: &str, search: Vec<u8>) -> (u16, &'static str, Vec<u8>) {
    if path.starts_with("/REST/2.0/tickets") {
        (200, "application/json", search)
    } else {
        (
            404,
            "application/json",
            br#"{"message":"Not Found"}"#.to_vec(),
        )
    }
}

/// One sync of a new store in `dir` against the server at `url`.
fn sync_new_store(url: &str, dir: &Path) -> (Store, SyncReport) {
    let mut store = Store::open(dir).unwrap();
    let cfg = config(url);
    store.save_connection(&cfg).unwrap();
    let rt = RequestTracker::new(&cfg, "1-2-secret").unwrap();
    let report = sync_once(&mut store, &rt, &cfg, Timestamp::now);
    (store, report)
}

const PAGE: &str = r#"{"total":3,"count":3,"page":1,"pages":1,"per_page":100,"items":[
 {"id":1,"Subject":"<script>alert(1)</script>","Status":"open","Queue":{"id":"Helpdesk"},
  "Priority":90,"SLA":null,"Created":"2026-11-20T09:00:00Z","Started":"1970-01-01T00:00:00Z",
  "Resolved":"1970-01-01T00:00:00Z","Due":"1970-01-01T00:00:00Z","LastUpdated":"2026-11-21T09:00:00Z",
  "TimeWorked":"15","Owner":{"id":"fieldline"}},
 {"id":"2","Subject":"bad date","Status":"new","Queue":{"id":"Helpdesk"},"Priority":"0",
  "Created":"yesterday","LastUpdated":"2026-11-21T09:00:00Z"},
 {"Subject":"no id at all"}]}"#;

#[test]
fn a_malformed_ticket_is_skipped_and_reported_the_rest_arrives() {
    let url = serve(|path| search_only(path, PAGE.as_bytes().to_vec()));
    let dir = tempfile::tempdir().unwrap();
    let (store, r) = sync_new_store(&url, dir.path());
    assert_eq!(r.error, None, "{r:?}");
    assert_eq!((r.pulled_new, r.unreadable), (1, 2), "{r:?}");
    assert!(
        r.warnings
            .iter()
            .any(|w| w.contains("ticket 2") && w.contains("Created")),
        "{r:?}"
    );
    assert!(
        r.warnings.iter().any(|w| w.contains("without an id")),
        "{r:?}"
    );
    let t = &store.tickets(false).unwrap()[0];
    assert_eq!(t.title, "<script>alert(1)</script>", "kept as text");
    assert_eq!(t.minutes, 15, "numbers as strings or numbers");
}

#[test]
fn an_error_page_or_an_oversized_answer_stops_the_sync_with_a_clear_status() {
    let html = serve(|_| {
        (
            502,
            "text/html",
            b"<html><h1>Bad gateway</h1></html>".to_vec(),
        )
    });
    let huge = serve(|_| {
        let mut body = br#"{"items":["#.to_vec();
        body.resize(17 * 1024 * 1024, b' ');
        (200, "application/json", body)
    });
    let not_json = serve(|_| (200, "text/html", b"<html>login page</html>".to_vec()));
    for (url, expected) in [
        (html, "failed (HTTP 502)"),
        (huge, "larger than 16 MiB"),
        (not_json, "not JSON"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        let cfg = config(&url);
        store.save_connection(&cfg).unwrap();
        let rt = RequestTracker::new(&cfg, "1-2-secret").unwrap();
        let r = sync_once(&mut store, &rt, &cfg, Timestamp::now);
        let err = r.error.clone().unwrap_or_default();
        assert!(err.contains(expected), "{expected}: {err}");
        assert!(!err.contains("1-2-secret"));
        let status = store.sync_status("rt").unwrap();
        assert_eq!(status.last_error.as_deref(), Some(err.as_str()));
        assert_eq!(
            store.sync_cursor("rt").unwrap(),
            None,
            "the cursor did not move"
        );
    }
}

/// A full page of 100 tickets numbered from `first`.
fn full_page(first: u64) -> Vec<u8> {
    let items: Vec<String> = (first..first + 100)
        .map(|id| {
            format!(
                r#"{{"id":"{id}","Subject":"t{id}","Status":"open","Queue":{{"id":"Helpdesk"}},"Created":"2026-11-20T09:00:00Z","LastUpdated":"2026-11-21T09:00:00Z"}}"#
            )
        })
        .collect();
    format!(
        r#"{{"count":100,"per_page":100,"items":[{}]}}"#,
        items.join(",")
    )
    .into_bytes()
}

#[test]
fn a_server_that_sends_the_same_full_page_for_ever_is_refused_not_read_for_ever() {
    // A proxy or an old server that ignores `page`: every answer is the first page again.
    let url = serve(|path| search_only(path, full_page(1)));
    let dir = tempfile::tempdir().unwrap();
    let (store, r) = sync_new_store(&url, dir.path());
    let err = r.error.clone().unwrap_or_default();
    assert!(
        err.contains("page 2 brought nothing after id 100") && err.contains("same page again"),
        "{r:?}"
    );
    assert_eq!(
        store.sync_cursor("rt").unwrap(),
        None,
        "the cursor did not move"
    );
    // What the first page brought is kept: the next sync starts over from the same place.
    assert_eq!(store.tickets(false).unwrap().len(), 100, "{r:?}");
}
