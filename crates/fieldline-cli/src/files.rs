//! `fieldline sftp`: an endpoint's files from a terminal, through its jump hosts, with the
//! same operations (and audit entries) as the window's Files panel
//! (`fieldline_app::files`). Host keys are never asked about here: a key must be known
//! already (a session, or `fieldline known-hosts import`).

use crate::{open_store, Failure};
use clap::Subcommand;
use fieldline_app::files::{self, Transfer};
use fieldline_app::remote::Context;
use fieldline_keychain::Keychain;
use fieldline_ssh::sftp::{Direction, EntryKind};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::Mutex;

#[derive(Subcommand)]
pub enum SftpCommand {
    /// List a remote folder (default: the login's home)
    Ls {
        endpoint: String,
        #[arg(default_value = "")]
        path: String,
        #[arg(long)]
        json: bool,
    },
    /// Copy a remote file or folder into a local folder (it must not hold that name yet)
    Get {
        endpoint: String,
        remote: String,
        /// The local folder to copy into [default: the current folder]
        #[arg(long, value_name = "DIR")]
        into: Option<PathBuf>,
    },
    /// Copy a local file or folder into a remote folder (it must not hold that name yet)
    Put {
        endpoint: String,
        local: PathBuf,
        /// The remote folder to copy into [default: the login's home]
        #[arg(long, value_name = "DIR", default_value = ".")]
        to: String,
    },
}

fn context(data_dir: Option<&Path>) -> Result<Context, Failure> {
    Ok(Context::load(&Mutex::new(open_store(data_dir)?))?)
}

pub fn run(cmd: SftpCommand, data_dir: Option<&Path>) -> Result<(), Failure> {
    let ctx = context(data_dir)?;
    let secrets = Keychain::default();
    let (endpoint, direction, remote, local) = match cmd {
        SftpCommand::Ls {
            endpoint,
            path,
            json,
        } => {
            let listing = files::list(&ctx, &secrets, &endpoint, &path)?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&listing).map_err(|e| Failure(e.to_string()))?
                );
                return Ok(());
            }
            println!("{endpoint}:{}", listing.path);
            for e in &listing.entries {
                let kind = match e.kind {
                    EntryKind::Dir => "dir  ",
                    EntryKind::Link => "link ",
                    EntryKind::File => "file ",
                    EntryKind::Other => "other",
                };
                println!("{kind}  {:>12}  {}", e.size, e.name);
            }
            if listing.truncated {
                println!("(more entries not shown)");
            }
            return Ok(());
        }
        SftpCommand::Get {
            endpoint,
            remote,
            into,
        } => {
            let into = match into {
                Some(dir) => dir,
                None => std::env::current_dir()
                    .map_err(|e| Failure(format!("no current folder: {e}")))?,
            };
            (endpoint, Direction::Download, remote, into)
        }
        SftpCommand::Put {
            endpoint,
            local,
            to,
        } => (endpoint, Direction::Upload, to, local),
    };
    // Fail closed, as the window: nothing is copied that the audit log could not record.
    ctx.audit_ready()?;
    let done = files::transfer(
        &ctx,
        &secrets,
        &Transfer {
            endpoint: &endpoint,
            direction,
            remote: &remote,
            local: &local,
        },
        &AtomicBool::new(false),
        &mut |_| {},
    )
    .map_err(Failure)?;
    println!(
        "{} file(s), {} bytes {} {endpoint}{}",
        done.files_done,
        done.done_bytes,
        match direction {
            Direction::Download => "copied from",
            Direction::Upload => "copied to",
        },
        if done.skipped.is_empty() {
            String::new()
        } else {
            format!("; skipped: {}", done.skipped.join(", "))
        }
    );
    Ok(())
}
