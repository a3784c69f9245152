//! `tcp`: connect, optionally send a line, optionally expect text in what comes back
//! (a banner: `SSH-`, `220 `). Bounded: the whole probe ends within the timeout and reads
//! at most 4 KiB.

use crate::judge::judge_latency;
use crate::outcome::{quoted, Outcome};
use crate::probe::seconds;
use fieldline_core::checks::TcpSpec;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const MAX_BANNER: usize = 4096;

pub async fn probe(host: &str, spec: &TcpSpec, timeout: Duration) -> Outcome {
    let address = crate::probe::host_port(host, spec.port);
    let started = Instant::now();
    let mut stream =
        match tokio::time::timeout(timeout, tokio::net::TcpStream::connect(&address)).await {
            Err(_) => {
                return Outcome::crit(
                    None,
                    format!("no connection to {address} within {}", seconds(timeout)),
                )
            }
            Ok(Err(e)) => return Outcome::crit(None, connect_error(&address, &e)),
            Ok(Ok(s)) => s,
        };
    let connected = started.elapsed().as_secs_f64() * 1000.0;
    if let Some(send) = &spec.send {
        if let Err(e) = stream.write_all(send.as_bytes()).await {
            return Outcome::crit(
                Some(connected),
                format!("connected to {address}, then sending failed: {e}"),
            );
        }
    }
    if let Some(expect) = &spec.expect {
        let left = timeout.saturating_sub(started.elapsed());
        let mut seen = Vec::new();
        let read = tokio::time::timeout(left, async {
            let mut buf = [0u8; 1024];
            while seen.len() < MAX_BANNER {
                match stream.read(&mut buf).await {
                    Ok(0) => return Ok(false),
                    Ok(n) => {
                        seen.extend_from_slice(&buf[..n.min(MAX_BANNER - seen.len())]);
                        if String::from_utf8_lossy(&seen).contains(expect.as_str()) {
                            return Ok(true);
                        }
                    }
                    Err(e) => return Err(e),
                }
            }
            Ok(false)
        })
        .await;
        let text = String::from_utf8_lossy(&seen).into_owned();
        let shown = if text.trim().is_empty() {
            "nothing".to_owned()
        } else {
            quoted(&text, 80)
        };
        match read {
            Ok(Ok(true)) => {}
            Ok(Ok(false)) => {
                return Outcome::crit(
                    Some(connected),
                    format!("{address} answered {shown}, not {}", quoted(expect, 60)),
                )
            }
            Ok(Err(e)) => {
                return Outcome::crit(
                    Some(connected),
                    format!("{address}: reading failed after {shown}: {e}"),
                )
            }
            Err(_) => {
                return Outcome::crit(
                    Some(connected),
                    format!(
                        "{address} sent {shown} and no {} within {}",
                        quoted(expect, 60),
                        seconds(timeout)
                    ),
                )
            }
        }
    }
    match judge_latency(connected, spec.warn_ms, spec.crit_ms) {
        Some((state, why)) => Outcome::new(state, Some(connected), format!("{address}: {why}")),
        None => Outcome::ok(Some(connected), format!("{address} accepts connections")),
    }
}

pub(crate) fn connect_error(address: &str, e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::ConnectionRefused => format!("{address} refused the connection"),
        _ => format!("cannot connect to {address}: {e}"),
    }
}
