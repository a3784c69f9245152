//! `fieldline ssh ENDPOINT`: an interactive session in this terminal, through the same
//! session actor the app's terminal tabs use, recorded (asciicast v2) and audited.
//!
//! The local terminal is put in raw mode only once the session is connected (host-key and
//! secret questions are asked in normal mode) and is restored on every way out.

use crate::Failure;
use fieldline_app::consent::{terminal_language, Typed};
use fieldline_app::remote::Context;
use fieldline_app::sessions::{self, Open};
use fieldline_keychain::Keychain;
use fieldline_ssh::connect::{ConnectOptions, Prompter};
use fieldline_ssh::session::SessionEvent;
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
    ctx: &Context,
    endpoint: &str,
    options: ConnectOptions,
) -> Result<ExitCode, Failure> {
    let (cols, rows) = raw::size().unwrap_or((80, 24));
    let (tx, rx) = mpsc::channel();
    let opened = sessions::open(
        ctx,
        Open {
            endpoint,
            cols,
            rows,
            title: format!("fieldline ssh {endpoint}"),
            options,
            secrets: Arc::new(Keychain::default()),
        },
        &Typed,
        terminal_language(),
        Box::new(move |event| {
            let _ = tx.send(event);
        }),
    )?;
    let handle = Arc::new(opened.handle);
    let mut prompter = crate::remote::TtyPrompter(endpoint.to_owned());
    let mut raw_mode = None;
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
            SessionEvent::Connected { .. } => {
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
                let _ = stdout.write_all(&bytes);
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
    Ok(code)
}
