//! `fieldline backup [DIR]` and `fieldline restore BACKUP [--yes]`: the data folder's
//! database, known_hosts and audit log into a backup folder, and back.
//!
//! A restore replaces what the app shows, so it is asked first, on the terminal, by the
//! same rules as every other question of the CLI: `--yes` allows it (and says what it
//! allowed), a terminal must answer `yes`, and with neither nothing is changed. (A plain
//! prompt: the operations layer's `Ask` has no restore question, and the desktop shell
//! does not restore.)

use crate::{open_store, Failure};
use clap::Args;
use fieldline_app::consent::terminal_language;
use fieldline_ipc::Language;
use fieldline_ssh::profile::{AuthMethod, CredentialProfile};
use fieldline_store::backup::{self, Manifest, BACKUPS_DIR};
use fieldline_store::{resolve_data_dir, Store};
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};

#[derive(Args)]
pub struct BackupArgs {
    /// Folder to make the backup folder in [default: backups/ in the data folder]
    #[arg(value_name = "DIR")]
    dir: Option<PathBuf>,
}

#[derive(Args)]
pub struct RestoreArgs {
    /// A backup folder made by `fieldline backup`, or a database file (such as a copy kept
    /// in backups/ before an upgrade)
    #[arg(value_name = "BACKUP")]
    backup: PathBuf,
    /// Restore without asking (for scripts)
    #[arg(long)]
    yes: bool,
}

/// The tables worth naming in a summary, in this order.
const SUMMARY_TABLES: [(&str, &str); 5] = [
    ("customers", "customers"),
    ("endpoints", "endpoints"),
    ("tickets", "tickets"),
    ("ticket_events", "ticket events"),
    ("ssh_profiles", "credential profiles"),
];

fn summary(rows: &std::collections::BTreeMap<String, i64>) -> String {
    SUMMARY_TABLES
        .iter()
        .map(|(table, label)| format!("{} {label}", rows.get(*table).copied().unwrap_or(0)))
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn run_backup(args: BackupArgs, data_dir: Option<&Path>) -> Result<(), Failure> {
    let store = open_store(data_dir)?;
    let parent = args
        .dir
        .unwrap_or_else(|| store.data_dir().join(BACKUPS_DIR));
    let report = store.backup_folder(&parent)?;
    let m = &report.manifest;
    println!("backup:  {}", report.folder.display());
    println!("files:   {}", m.files.join(", "));
    println!("schema:  {} (Fieldline {})", m.schema, m.fieldline);
    println!("holds:   {}", summary(&m.rows));
    println!(
        "No secret is in it (they stay in the OS keychain). Keep a copy off this computer; \
         restore it with: fieldline restore {}",
        report.folder.display()
    );
    Ok(())
}

/// The question: what is replaced by what, and what is kept.
fn question(source: &Path, data: &Path, manifest: Option<&Manifest>) -> String {
    let mut text = format!(
        "Restore the backup {}\ninto the data folder {}?\n",
        source.display(),
        data.display()
    );
    match manifest {
        Some(m) => text.push_str(&format!(
            "The backup was made {} by Fieldline {} (schema {}) and holds {}; files: {}.\n",
            m.created,
            m.fieldline,
            m.schema,
            summary(&m.rows),
            m.files.join(", ")
        )),
        None => text.push_str("The backup is a database file alone; known_hosts and the audit log stay as they are.\n"),
    }
    text.push_str(
        "Everything changed since the backup (tickets, notes, fleet edits, status history) \
         is no longer shown. The current database and files are set aside in the data folder \
         (*.before-restore-<time>), not deleted.",
    );
    text
}

/// Asks on the terminal (the rules of `fieldline_app::consent::Terminal`).
fn confirm(yes: bool, text: &str) -> Result<(), Failure> {
    let lang = terminal_language();
    if yes {
        eprintln!("{text}");
        eprintln!(
            "{}",
            match lang {
                Language::En => "approved with --yes",
                Language::Ko => "--yes로 승인됨",
            }
        );
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        return Err(Failure(match lang {
            Language::En => format!(
                "{text}\nNothing was changed: there is no terminal to ask. Read the above, then add --yes to restore."
            ),
            Language::Ko => format!(
                "{text}\n물어볼 터미널이 없어 아무것도 바꾸지 않았습니다. 위 내용을 확인한 뒤 --yes를 붙여 복원하세요."
            ),
        }));
    }
    let prompt = match lang {
        Language::En => "Type yes to restore: ",
        Language::Ko => "복원하려면 yes를 입력하세요: ",
    };
    let mut err = std::io::stderr();
    let _ = write!(err, "{text}\n{prompt}");
    let _ = err.flush();
    let mut line = String::new();
    match std::io::stdin().lock().read_line(&mut line) {
        Ok(_) if line.trim() == "yes" => Ok(()),
        _ => Err(Failure(match lang {
            Language::En => "Not done: it was not approved.".to_owned(),
            Language::Ko => "승인되지 않아 실행하지 않았습니다.".to_owned(),
        })),
    }
}

pub fn run_restore(args: RestoreArgs, data_dir: Option<&Path>) -> Result<(), Failure> {
    let data = resolve_data_dir(data_dir)?;
    let manifest = if args.backup.is_dir() {
        backup::read_manifest(&args.backup)?
    } else {
        None
    };
    if !backup::backup_database(&args.backup).is_file() {
        return Err(Failure(format!(
            "{} is neither a backup folder (with fieldline.db) nor a database file. Nothing was changed.",
            args.backup.display()
        )));
    }
    confirm(args.yes, &question(&args.backup, &data, manifest.as_ref()))?;
    let report = backup::restore(&args.backup, &data)?;
    println!(
        "restored: {}",
        backup::backup_database(&args.backup).display()
    );
    if !report.files.is_empty() {
        println!("and:      {}", report.files.join(", "));
    }
    println!("holds:    {}", summary(&report.rows));
    for kept in &report.set_aside {
        println!("set aside: {}", kept.display());
    }
    // Opened once now: an older backup is migrated here (a copy is kept first).
    let store = Store::open(&data)?;
    secrets_to_enter(&store)?;
    Ok(())
}

/// Secrets are never in a backup: lists what needs one, for another computer (or a
/// keychain that lost them).
fn secrets_to_enter(store: &Store) -> Result<(), Failure> {
    let profiles: Vec<String> = store
        .ssh_profiles::<CredentialProfile>()?
        .into_iter()
        .filter(|p| !matches!(p.method, AuthMethod::Agent))
        .map(|p| p.name)
        .collect();
    let connections: Vec<String> = store.connections()?.into_iter().map(|c| c.name).collect();
    let prometheus = store.setting(fieldline_app::prometheus::SETTING)?.is_some();
    if profiles.is_empty() && connections.is_empty() && !prometheus {
        return Ok(());
    }
    println!(
        "Secrets are not in backups. If this is another computer, or its keychain no longer \
         has them, enter them again:"
    );
    for name in profiles {
        println!("  credential profile {name}: fieldline ssh-profile add {name} ... (--key-stdin, --password-stdin)");
    }
    for name in connections {
        println!("  helpdesk connection {name}: fieldline connection add {name} ... --token-stdin");
    }
    if prometheus {
        println!(
            "  the Prometheus source's token or password, if it has one: in the app's Settings"
        );
    }
    Ok(())
}
