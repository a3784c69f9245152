//! A loopback HTTP server that plays a hostile or broken "Prometheus": every base URL
//! `http://127.0.0.1:P/CASE/` answers the Prometheus and Alertmanager API paths below it
//! the way CASE says. std only (a thread per connection); each connection ends by itself
//! within 30 s, so nothing outlives the test for long.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

pub struct Hostile {
    port: u16,
    heads: Arc<Mutex<Vec<String>>>,
}

impl Hostile {
    pub fn start() -> std::io::Result<Hostile> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let port = listener.local_addr()?.port();
        let heads = Arc::new(Mutex::new(Vec::new()));
        let seen = heads.clone();
        std::thread::Builder::new()
            .name("hostile-prom".into())
            .spawn(move || {
                for stream in listener.incoming().flatten() {
                    let seen = seen.clone();
                    let _ = std::thread::Builder::new()
                        .name("hostile-conn".into())
                        .spawn(move || serve(stream, &seen));
                }
            })?;
        Ok(Hostile { port, heads })
    }

    /// The base URL of a case.
    pub fn url(&self, case: &str) -> String {
        format!("http://127.0.0.1:{}/{case}/", self.port)
    }

    /// Every request head received so far.
    pub fn heads(&self) -> Vec<String> {
        self.heads.lock().map(|h| h.clone()).unwrap_or_default()
    }
}

fn serve(mut stream: TcpStream, seen: &Mutex<Vec<String>>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(30)));
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && head.len() < 64 * 1024 {
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => return,
        }
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    if let Ok(mut h) = seen.lock() {
        h.push(head.clone());
    }
    let path = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
    let mut parts = path.trim_start_matches('/').splitn(2, '/');
    let case = parts.next().unwrap_or("").to_owned();
    let api = parts.next().unwrap_or("").to_owned();
    let json = "application/json";
    let _ = match case.as_str() {
        "html" => respond(
            &mut stream,
            "200 OK",
            "text/html; charset=utf-8",
            &[],
            b"<!DOCTYPE html><html><head><title>Sign in - Acme SSO</title></head>\
              <body><script>document.location='/evil'</script><form>...</form></body></html>",
        ),
        "auth" => respond(
            &mut stream,
            "401 Unauthorized",
            "text/plain",
            &["WWW-Authenticate: Bearer realm=\"prom\""],
            b"Unauthorized\n",
        ),
        "redirect" => respond(
            &mut stream,
            "302 Found",
            "text/html",
            &["Location: https://sso.acme.example/oauth2/start?rd=%2F"],
            b"",
        ),
        "badhead" => respond(
            &mut stream,
            "200 OK",
            "application/json",
            &["X-Evil: \u{1b}[2J"],
            b"{}",
        ),
        "apierr" => respond(
            &mut stream,
            "400 Bad Request",
            json,
            &[],
            br#"{"status":"error","errorType":"bad_data","error":"invalid parameter \"query\": \u001b[2Jboom"}"#,
        ),
        "badjson" => respond(
            &mut stream,
            "200 OK",
            json,
            &[],
            br#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"instance":"#,
        ),
        "notjson" => respond(&mut stream, "200 OK", "text/plain", &[], b"OK\n"),
        "otherjson" => respond(&mut stream, "200 OK", json, &[], br#"{"hello":"world"}"#),
        "big" => big(&mut stream, true),
        "bigchunked" => big(&mut stream, false),
        "gzipbomb" => {
            let bomb = gzip_bomb();
            respond(&mut stream, "200 OK", json, &["Content-Encoding: gzip"], bomb)
        }
        "drip" => drip(&mut stream),
        "hang" => {
            std::thread::sleep(Duration::from_secs(30));
            Ok(())
        }
        "hostile" => hostile(&mut stream, &api),
        _ => respond(&mut stream, "404 Not Found", "text/plain", &[], b"404 page not found\n"),
    };
}

fn respond(
    stream: &mut TcpStream,
    status: &str,
    content_type: &str,
    extra: &[&str],
    body: &[u8],
) -> std::io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for h in extra {
        head += h;
        head += "\r\n";
    }
    head += "\r\n";
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    stream.flush()
}

/// 50 MB of JSON-ish text, with a Content-Length or delimited by closing the connection.
fn big(stream: &mut TcpStream, with_length: bool) -> std::io::Result<()> {
    const SIZE: usize = 50 * 1000 * 1000;
    let length = if with_length {
        format!("Content-Length: {SIZE}\r\n")
    } else {
        String::new()
    };
    stream.write_all(
        format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n{length}Connection: close\r\n\r\n"
        )
        .as_bytes(),
    )?;
    let chunk = vec![b' '; 64 * 1024];
    let mut sent = 0;
    while sent < SIZE {
        let n = chunk.len().min(SIZE - sent);
        stream.write_all(&chunk[..n])?;
        sent += n;
    }
    Ok(())
}

/// Content-Length 1000, one byte every 200 ms (the whole body would take 200 s).
fn drip(stream: &mut TcpStream) -> std::io::Result<()> {
    stream.write_all(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n",
    )?;
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(30) {
        stream.write_all(b" ")?;
        stream.flush()?;
        std::thread::sleep(Duration::from_millis(200));
    }
    Ok(())
}

/// 100 MiB of zeros, gzipped (~100 KB), made once with the `gzip` program.
fn gzip_bomb() -> &'static [u8] {
    static BOMB: OnceLock<Vec<u8>> = OnceLock::new();
    BOMB.get_or_init(|| {
        std::process::Command::new("sh")
            .args(["-c", "head -c 104857600 /dev/zero | gzip -1 -c"])
            .output()
            .map(|o| o.stdout)
            .unwrap_or_default()
    })
}

/// Valid API answers whose text is hostile: markup, terminal escapes, NUL, bidi
/// overrides, a huge description, many labels.
fn hostile(stream: &mut TcpStream, api: &str) -> std::io::Result<()> {
    let json = "application/json";
    let huge = "A".repeat(200_000);
    let summary = r#"<script>alert('x')</script><img src=x onerror=alert(1)> \u001b[31mred\u001b[0m\u0000 \u202eevil\r\nsecond line"#;
    if api.starts_with("api/v1/query") {
        let body = format!(
            r#"{{"status":"success","data":{{"resultType":"vector","result":[
            {{"metric":{{"__name__":"up","instance":"127.0.0.1:9100","job":"node<script>\u001b[2J"}},"value":[1764000000.1,"1"]}},
            {{"metric":{{"__name__":"up","instance":"\u001b]0;pwned\u0007{huge}","job":"x"}},"value":[1764000000.1,"0"]}}]}}}}"#
        );
        respond(stream, "200 OK", json, &[], body.as_bytes())
    } else if api.starts_with("api/v1/alerts") {
        let body = format!(
            r#"{{"status":"success","data":{{"alerts":[
            {{"labels":{{"alertname":"Evil\u202eAlert","instance":"127.0.0.1:9100","severity":"critical"}},
              "annotations":{{"summary":"{summary}","description":"{huge}"}},
              "state":"firing","activeAt":"2026-11-24T22:25:07.5Z","value":"1e+00"}}]}}}}"#
        );
        respond(stream, "200 OK", json, &[], body.as_bytes())
    } else if api.starts_with("api/v2/alerts") {
        let body = format!(
            r#"[{{"labels":{{"alertname":"Evil\u202eAlert","instance":"127.0.0.1:9100","severity":"warning"}},
              "annotations":{{"description":"{huge}"}},
              "startsAt":"2026-11-24T22:25:07.5Z","endsAt":"2026-11-24T23:25:07.5Z",
              "status":{{"state":"suppressed","silencedBy":["s1"],"inhibitedBy":[]}}}}]"#
        );
        respond(stream, "200 OK", json, &[], body.as_bytes())
    } else {
        respond(
            stream,
            "404 Not Found",
            "text/plain",
            &[],
            b"404 page not found\n",
        )
    }
}
