#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::Command;

use fieldline_ssh::recording::{list, sanitize_component, Recorder, RecordingMeta};
use serde_json::Value;

fn meta(customer: &str, endpoint: &str) -> RecordingMeta {
    RecordingMeta {
        customer: customer.to_string(),
        endpoint: endpoint.to_string(),
        user: "admin".to_string(),
        cols: 80,
        rows: 24,
        title: format!("{endpoint} as admin"),
        started: "2026-03-04T05:06:07Z".parse().unwrap(),
    }
}

/// Parse a recording: the header and the events, checking the asciicast v2 shape.
fn parse(path: &Path) -> (Value, Vec<(f64, String, String)>) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header: Value = serde_json::from_str(lines.next().unwrap()).unwrap();
    assert_eq!(header["version"], 2);
    assert!(header["width"].is_u64());
    assert!(header["height"].is_u64());
    assert!(header["timestamp"].is_i64());
    assert!(header["env"]["TERM"].is_string());
    let mut events = Vec::new();
    let mut last = 0.0;
    for line in lines {
        let v: Value = serde_json::from_str(line).unwrap();
        let arr = v.as_array().unwrap();
        assert_eq!(arr.len(), 3, "{line}");
        let t = arr[0].as_f64().unwrap();
        assert!(
            t >= last,
            "timestamps must not go backwards: {t} after {last}"
        );
        last = t;
        let code = arr[1].as_str().unwrap().to_string();
        assert!(["o", "r", "m"].contains(&code.as_str()), "{line}");
        events.push((t, code, arr[2].as_str().unwrap().to_string()));
    }
    (header, events)
}

fn output_text(events: &[(f64, String, String)]) -> String {
    events
        .iter()
        .filter(|e| e.1 == "o")
        .map(|e| e.2.as_str())
        .collect()
}

#[test]
fn recording_parses_back_as_asciicast_v2() {
    let dir = tempfile::tempdir().unwrap();
    let mut rec = Recorder::create(dir.path(), meta("Acme Corp", "web-01")).unwrap();
    let korean = "안녕하세요 서버입니다\r\n".as_bytes();
    // Split inside the first character and inside a later one.
    rec.output(b"$ ls\r\n").unwrap();
    rec.output(&korean[..1]).unwrap();
    rec.output(&korean[1..8]).unwrap();
    rec.output(&korean[8..]).unwrap();
    rec.resize(120, 40).unwrap();
    rec.output(b"bad \xff byte\r\n").unwrap();
    rec.output(b"\x1b[31mred\x1b[0m\r\n").unwrap();
    let path = rec.finish().unwrap();

    assert!(path.starts_with(dir.path().join("Acme_Corp")));
    let name = path.file_name().unwrap().to_str().unwrap();
    assert_eq!(name, "20260304-050607-web-01-1.cast");

    let (header, events) = parse(&path);
    assert_eq!(header["width"], 80);
    assert_eq!(header["height"], 24);
    assert_eq!(header["title"], "web-01 as admin");
    let text = output_text(&events);
    assert!(text.contains("안녕하세요 서버입니다"), "{text}");
    assert!(text.contains("bad \u{FFFD} byte"));
    assert!(!text.contains("\u{FFFD}\u{FFFD}"));
    assert!(events.iter().any(|e| e.1 == "r" && e.2 == "120x40"));
}

#[test]
fn never_overwrites_and_sanitizes() {
    let dir = tempfile::tempdir().unwrap();
    let a = Recorder::create(dir.path(), meta("../../etc", "host/../x"))
        .unwrap()
        .finish()
        .unwrap();
    let b = Recorder::create(dir.path(), meta("../../etc", "host/../x"))
        .unwrap()
        .finish()
        .unwrap();
    assert_ne!(a, b);
    for p in [&a, &b] {
        assert!(p.starts_with(dir.path()));
        assert_eq!(p.parent().unwrap().parent().unwrap(), dir.path());
    }
    assert!(b.to_str().unwrap().ends_with("-2.cast"));
    assert_eq!(sanitize_component(".."), "_");
    assert_eq!(sanitize_component("a/b\\c"), "a_b_c");
    assert_eq!(sanitize_component(""), "_");
    assert_eq!(sanitize_component("con"), "_con");
    assert_eq!(sanitize_component("고객사"), "고객사");
}

#[test]
fn size_cap_cuts_with_one_marker() {
    let dir = tempfile::tempdir().unwrap();
    let mut rec = Recorder::create_with_cap(dir.path(), meta("c", "e"), 4096).unwrap();
    for _ in 0..1000 {
        rec.output(b"0123456789abcdef0123456789abcdef\r\n").unwrap();
    }
    assert!(rec.was_cut());
    let path = rec.finish().unwrap();
    let (_, events) = parse(&path);
    let markers: Vec<_> = events.iter().filter(|e| e.1 == "m").collect();
    assert_eq!(markers.len(), 1);
    assert!(markers[0].2.contains("recording cut"));
    assert_eq!(events.last().unwrap().1, "m");
    assert!(std::fs::metadata(&path).unwrap().len() < 4096 + 512);
}

#[test]
fn list_finds_recordings() {
    let dir = tempfile::tempdir().unwrap();
    Recorder::create(dir.path(), meta("Acme", "web-01"))
        .unwrap()
        .finish()
        .unwrap();
    Recorder::create(dir.path(), meta("Other", "db-01"))
        .unwrap()
        .finish()
        .unwrap();
    std::fs::write(
        dir.path().join("Acme").join("junk.cast"),
        b"\xff\xfe not json",
    )
    .unwrap();
    let all = list(dir.path(), None);
    assert_eq!(all.len(), 3);
    let acme = list(dir.path(), Some("Acme"));
    assert_eq!(acme.len(), 2);
    let good = acme
        .iter()
        .find(|i| i.endpoint.as_deref() == Some("web-01"))
        .unwrap();
    assert_eq!(good.customer.as_deref(), Some("Acme"));
    assert_eq!(good.user.as_deref(), Some("admin"));
    assert!(list(&dir.path().join("missing"), None).is_empty());
}

/// Proves playability with the real player. Needs the Debian package `asciinema`.
#[test]
fn asciinema_cat_prints_the_recording() {
    let dir = tempfile::tempdir().unwrap();
    let mut rec = Recorder::create(dir.path(), meta("Acme", "web-01")).unwrap();
    let korean = "점검 완료\r\n".as_bytes();
    rec.output(b"hello from fieldline\r\n").unwrap();
    rec.output(&korean[..4]).unwrap();
    rec.output(&korean[4..]).unwrap();
    rec.resize(100, 30).unwrap();
    rec.marker("checkpoint").unwrap();
    rec.output(b"done\r\n").unwrap();
    let path = rec.finish().unwrap();

    // asciinema 2.2's `cat` opens /dev/tty, so run it under `script` (util-linux, in
    // Debian's essential bsdutils) which gives it a pseudo-terminal.
    let version = Command::new("asciinema").arg("--version").output();
    if version.is_err() {
        panic!(
            "`asciinema` is not installed: install it (Debian: `apt-get install -y asciinema`) to run this test"
        );
    }
    let cmd = format!("asciinema cat '{}'", path.display());
    let out = match Command::new("script")
        .args(["-q", "-e", "-c", &cmd, "/dev/null"])
        .stdin(std::process::Stdio::null())
        .output()
    {
        Ok(out) => out,
        Err(e) => panic!(
            "could not run `script` ({e}): install util-linux/bsdutils (Debian: `apt-get install -y bsdutils`) to run this test"
        ),
    };
    assert!(
        out.status.success(),
        "asciinema cat failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("hello from fieldline"), "{text}");
    assert!(text.contains("점검 완료"), "{text}");
    assert!(text.contains("done"), "{text}");
}
