//! `fieldline ssh ENDPOINT`: an interactive session in this terminal, through the same
//! session actor the app's terminal tabs use, recorded (asciicast v2) and audited.
//!
//! The local terminal is put in raw mode only once the session is connected (host-key and
//! secret questions are asked in normal mode) and is restored on every way out.

use crate::Failure;
use fieldline_keychain::{Keychain, SecretStore};
use fieldline_ssh::audit::{AuditAction, AuditLog};
use fieldline_ssh::connect::{ConnectOptions, Prompter, Route};
use fieldline_ssh::recording::{LiveRecording, Recorder, RecordingMeta};
use fieldline_ssh::session::{OutputChunk, Session, SessionEvent, SessionOptions};
use fieldline_ssh::terminal_filter::TerminalFilter;
use fieldline_ssh::DataPaths;
use fieldline_store::Store;
use std::io::{Read, Write};
use std::process::ExitCode;
use std::sync::mpsc;
use std::sync::Arc;
use std::time::Duration;

#[cfg(unix)]
mod raw {
    use rustix::termios::{self, Termios};

    /// The terminal's settings before raw mode; restored on drop.
    pub struct RawMode(Option<Termios>);

    impl RawMode {
        pub fn enter() -> RawMode {
            let stdin = rustix::stdio::stdin();
            let Ok(before) = termios::tcgetattr(stdin) else {
                return RawMode(None);
            };
            let mut raw = before.clone();
            raw.make_raw();
            let _ = termios::tcsetattr(stdin, termios::OptionalActions::Flush, &raw);
            RawMode(Some(before))
        }
    }

    impl Drop for RawMode {
        fn drop(&mut self) {
            if let Some(before) = &self.0 {
                let _ = termios::tcsetattr(
                    rustix::stdio::stdin(),
                    termios::OptionalActions::Flush,
                    before,
                );
            }
        }
    }

    /// Columns and rows of this terminal, when it is one.
    pub fn size() -> Option<(u16, u16)> {
        let ws = termios::tcgetwinsize(rustix::stdio::stdout()).ok()?;
        (ws.ws_col > 0 && ws.ws_row > 0).then_some((ws.ws_col, ws.ws_row))
    }
}

/// Windows (and any other non-Unix console): the console's raw mode and size through
/// crossterm; raw mode ends when the guard is dropped.
#[cfg(not(unix))]
mod raw {
    pub struct RawMode {
        on: bool,
    }
    impl RawMode {
        pub fn enter() -> RawMode {
            RawMode {
                on: crossterm::terminal::enable_raw_mode().is_ok(),
            }
        }
    }
    impl Drop for RawMode {
        fn drop(&mut self) {
            if self.on {
                let _ = crossterm::terminal::disable_raw_mode();
            }
        }
    }
    pub fn size() -> Option<(u16, u16)> {
        crossterm::terminal::size()
            .ok()
            .filter(|(c, r)| *c > 0 && *r > 0)
    }
}

pub fn interactive(
    store: &Store,
    route: &Route,
    options: &ConnectOptions,
    endpoint: &str,
    customer: Option<&str>,
    log: &AuditLog,
) -> Result<ExitCode, Failure> {
    let (cols, rows) = raw::size().unwrap_or((80, 24));
    let paths = DataPaths::in_dir(store.data_dir());
    let recorder = Recorder::create(
        &paths.recordings,
        RecordingMeta {
            customer: customer.unwrap_or("unknown").to_owned(),
            endpoint: endpoint.to_owned(),
            user: route
                .hops
                .last()
                .map(|h| h.user.clone())
                .unwrap_or_default(),
            cols,
            rows,
            title: format!("fieldline ssh {endpoint}"),
            started: jiff::Timestamp::now(),
        },
    )
    .map_err(|e| Failure(format!("cannot start the session's recording: {e}")))?;
    let recorder = LiveRecording::start(recorder);
    let recording = recorder.path().to_owned();
    let tap_recorder = recorder.clone();
    let mut tap_filter = TerminalFilter::default();
    let (tx, rx) = mpsc::channel();
    let secrets: Arc<dyn SecretStore> = Arc::new(Keychain::default());
    let handle = Arc::new(Session::spawn(
        route.clone(),
        options.clone(),
        SessionOptions {
            pty: Some((cols, rows)),
            // Recorded as shown: through the terminal filter.
            tap: Some(Box::new(move |chunk: OutputChunk| match chunk {
                OutputChunk::Output(bytes) => tap_recorder.output(&tap_filter.filter(bytes)),
                OutputChunk::Resize(c, r) => tap_recorder.resize(c, r),
            })),
            ..SessionOptions::default()
        },
        secrets,
        Box::new(move |event| {
            let _ = tx.send(event);
        }),
    ));
    let mut prompter = crate::remote::TtyPrompter;
    let mut raw_mode = None;
    let mut filter = TerminalFilter::default();
    let mut size = (cols, rows);
    let mut stdout = std::io::stdout();
    let code = loop {
        let event = match rx.recv_timeout(Duration::from_millis(250)) {
            Ok(event) => event,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                if let Some(now) = raw::size() {
                    if now != size {
                        size = now;
                        handle.resize(now.0, now.1);
                    }
                }
                continue;
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break ExitCode::from(255),
        };
        match event {
            SessionEvent::HostKey(q) => {
                handle.answer_host_key(prompter.host_key(&q));
            }
            SessionEvent::Secret(q) => {
                handle.answer_secret(prompter.secret(&q));
            }
            SessionEvent::Connected { hops, .. } => {
                let _ = log.append(
                    AuditAction::SessionOpened,
                    customer,
                    Some(endpoint),
                    serde_json::json!({ "via": hops, "recording": recording }),
                );
                raw_mode = Some(raw::RawMode::enter());
                let input = handle.clone();
                std::thread::spawn(move || {
                    let mut buf = [0u8; 4096];
                    let mut stdin = std::io::stdin();
                    while let Ok(n) = stdin.read(&mut buf) {
                        if n == 0 {
                            break;
                        }
                        if !input.write(&buf[..n]) {
                            break;
                        }
                    }
                });
            }
            SessionEvent::Data { bytes } => {
                let _ = stdout.write_all(&filter.filter(&bytes));
                let _ = stdout.flush();
            }
            SessionEvent::Exit { status } => break ExitCode::from(status.clamp(0, 255) as u8),
            SessionEvent::Closed { reason } => {
                drop(raw_mode.take());
                eprintln!("\r\nfieldline: {reason}");
                break ExitCode::from(255);
            }
            SessionEvent::Error { message } => {
                drop(raw_mode.take());
                eprintln!("fieldline: {message}");
                break ExitCode::from(255);
            }
        }
    };
    drop(raw_mode);
    handle.close();
    let _ = recorder.finish();
    let _ = log.append(
        AuditAction::SessionClosed,
        customer,
        Some(endpoint),
        serde_json::json!({ "recording": recording }),
    );
    Ok(code)
}
