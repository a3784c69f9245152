//! `fieldline demo`: loads the demo fleet (labelled demo) and answers for its endpoints on
//! loopback, so a newcomer sees a living console: a healthy web server, a slow one, one
//! that fails with HTTP 500, TCP services with an SSH-like banner, and a backup NAS that is
//! down (its port stays closed). Runs until stopped (Ctrl-C) or for `--for SECONDS`.

use crate::{open_store, Failure};
use clap::Args;
use fieldline_core::demo::{DEMO_DOWN_PORT, DEMO_HTTP_PORT, DEMO_TCP_PORT};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::time::Duration;

#[derive(Args)]
pub struct DemoArgs {
    /// Only load the demo fleet; do not start the loopback simulator
    #[arg(long)]
    no_simulator: bool,
    /// Stop the simulator after this many seconds (default: run until stopped)
    #[arg(long = "for", value_name = "SECONDS")]
    duration: Option<u64>,
}

pub fn run(args: DemoArgs, data_dir: Option<&Path>) -> Result<(), Failure> {
    let mut store = open_store(data_dir)?;
    let fleet = store.load_demo()?;
    store.load_demo_tickets(fieldline_store::Clock::from_env()?.now())?;
    let demo = fleet.customers.iter().filter(|c| c.demo).count();
    println!(
        "demo fleet loaded into {} ({demo} demo customers; they are labelled demo in the app)",
        store.data_dir().display()
    );
    drop(store);
    if args.no_simulator {
        return Ok(());
    }
    let http = bind(DEMO_HTTP_PORT)?;
    let tcp = bind(DEMO_TCP_PORT)?;
    std::thread::spawn(move || serve(http, answer_http));
    std::thread::spawn(move || serve(tcp, answer_banner));
    println!("simulating demo endpoints on loopback:");
    println!("  http://127.0.0.1:{DEMO_HTTP_PORT}/health  200 OK");
    println!("  http://127.0.0.1:{DEMO_HTTP_PORT}/slow    200 OK after 1.5 s");
    println!("  http://127.0.0.1:{DEMO_HTTP_PORT}/error   500");
    println!("  tcp  127.0.0.1:{DEMO_TCP_PORT}           SSH-style banner");
    println!("  tcp  127.0.0.1:{DEMO_DOWN_PORT}           closed (the demo backup NAS is down)");
    let _ = std::io::stdout().flush();
    match args.duration {
        Some(s) => std::thread::sleep(Duration::from_secs(s)),
        None => loop {
            std::thread::park();
        },
    }
    Ok(())
}

fn bind(port: u16) -> Result<TcpListener, Failure> {
    TcpListener::bind(("127.0.0.1", port)).map_err(|e| {
        Failure(format!(
            "cannot listen on 127.0.0.1:{port}: {e} (is another `fieldline demo` running?)"
        ))
    })
}

fn serve(listener: TcpListener, answer: fn(TcpStream)) {
    for stream in listener.incoming().flatten() {
        std::thread::spawn(move || answer(stream));
    }
}

fn answer_banner(mut stream: TcpStream) {
    let _ = stream.write_all(b"SSH-2.0-FieldlineDemo\r\n");
}

fn answer_http(stream: TcpStream) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut reader = BufReader::new(match stream.try_clone() {
        Ok(s) => s,
        Err(_) => return,
    });
    let mut request_line = String::new();
    // Bounded: a request line longer than 8 KiB is not from a monitoring probe.
    if reader
        .by_ref()
        .take(8192)
        .read_line(&mut request_line)
        .is_err()
    {
        return;
    }
    let path = request_line.split_whitespace().nth(1).unwrap_or("/");
    let (status, body) = match path {
        "/health" => ("200 OK", "ok\n"),
        "/slow" => {
            std::thread::sleep(Duration::from_millis(1500));
            ("200 OK", "ok, slowly\n")
        }
        "/error" => ("500 Internal Server Error", "database connection refused\n"),
        _ => ("404 Not Found", "not found\n"),
    };
    let mut stream = stream;
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}
