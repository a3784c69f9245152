//! `fieldline backup [DIR]` and `fieldline restore BACKUP [--yes]`: the data folder's
//! database, known_hosts and audit log into a backup folder, and back.
//!
//! A restore replaces what the app shows, so it is asked first (`fieldline_app::backup`,
//! the same question Settings → Restore asks), on the terminal by the rules of every other
//! question of the CLI: `--yes` allows it (and says what it allowed), a terminal must
//! answer `yes`, and with neither nothing is changed.

use crate::{open_store, Failure};
use clap::Args;
use fieldline_app::consent::{Held, Terminal};
use fieldline_ipc::Language;
use fieldline_keychain::Keychain;
use fieldline_store::backup::{self, BACKUPS_DIR};
use fieldline_store::{resolve_data_dir, Store};
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

fn summary(rows: &std::collections::BTreeMap<String, i64>) -> String {
    Held::summary(&fieldline_app::backup::holds(rows), Language::En)
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

pub fn run_restore(args: RestoreArgs, data_dir: Option<&Path>) -> Result<(), Failure> {
    let data = resolve_data_dir(data_dir)?;
    let confirm = Terminal::new(args.yes);
    let report = fieldline_app::backup::restore_now(&args.backup, &data, &confirm, confirm.lang)?;
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
    let missing = fieldline_app::backup::secrets_to_enter(&store, &Keychain::default());
    if !missing.profiles.is_empty() || !missing.connections.is_empty() {
        println!(
            "Secrets are not in backups, and this computer's keychain has none for these; \
             enter them again:"
        );
    }
    for name in missing.profiles {
        println!("  credential profile {name}: fieldline ssh-profile add {name} ... (--key-stdin, --password-stdin)");
    }
    for name in missing.connections {
        println!("  helpdesk connection {name}: fieldline connection add {name} ... --token-stdin");
    }
    if store.setting(fieldline_app::prometheus::SETTING)?.is_some() {
        println!(
            "The Prometheus source's token or password, if it has one, is not in backups either: \
             enter it in the app's Settings when it asks."
        );
    }
    Ok(())
}
