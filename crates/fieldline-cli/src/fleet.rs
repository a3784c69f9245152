//! `fieldline fleet ...`: import, export and list the inventory.

use crate::{open_store, Failure};
use clap::{Args, Subcommand, ValueEnum};
use fieldline_app::consent::Terminal;
use fieldline_app::fleet as fleet_ops;
use fieldline_app::house::Stores;
use fieldline_core::csv_import::{CsvOptions, EndpointField};
use fieldline_core::{Fleet, FleetIssue};
use fieldline_ipc::IpcError;
use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

#[derive(Subcommand)]
pub enum FleetCommand {
    /// Import a fleet file (TOML) or a CSV file of endpoints
    Import(ImportArgs),
    /// Write the inventory as a fleet file
    Export(ExportArgs),
    /// List the inventory
    List(ListArgs),
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    Toml,
    Csv,
}

#[derive(Args)]
pub struct ImportArgs {
    /// The file to import
    file: PathBuf,
    /// File format [default: from the file name's extension]
    #[arg(long)]
    format: Option<Format>,
    /// Make the store exactly the file (default: add to it, replacing same ids)
    #[arg(long)]
    replace: bool,
    /// CSV: map a column to a field, as "HEADER=FIELD" (FIELD one of id, site, name, host,
    /// tags, notes, parent, ssh_user, ssh_port, ssh_jump, ssh_credential, or "skip").
    /// Columns not mapped are guessed from their header.
    #[arg(long = "map", value_name = "HEADER=FIELD")]
    map: Vec<String>,
    /// CSV: site for rows without one
    #[arg(long, value_name = "SITE")]
    site: Option<String>,
    /// CSV: import the good rows even when some rows are bad
    #[arg(long)]
    partial: bool,
    /// Approve without asking what the file would make this laptop do with your
    /// credentials (SSH commands, credential profiles, jump hosts, ...); the list is still
    /// printed. Without it the import asks on the terminal, and refuses when there is none
    #[arg(long)]
    yes: bool,
}

#[derive(Args)]
pub struct ExportArgs {
    /// Output format
    #[arg(long, value_enum, default_value = "toml")]
    format: ExportFormat,
    /// Write to FILE instead of standard output
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum ExportFormat {
    Toml,
}

#[derive(Args)]
pub struct ListArgs {
    /// Print JSON (the fleet's customers, sites and endpoints) instead of a tree
    #[arg(long)]
    json: bool,
    /// Only this customer (id)
    #[arg(long)]
    customer: Option<String>,
    /// Only this site (id)
    #[arg(long)]
    site: Option<String>,
    /// Only endpoints with this tag
    #[arg(long)]
    tag: Option<String>,
}

pub fn run(cmd: FleetCommand, data_dir: Option<&Path>) -> Result<(), Failure> {
    match cmd {
        FleetCommand::Import(args) => import(args, data_dir),
        FleetCommand::Export(args) => export(args, data_dir),
        FleetCommand::List(args) => list(args, data_dir),
    }
}

fn render_issues(issues: &[FleetIssue]) -> String {
    fieldline_core::issue::render(issues)
}

/// Why an import was refused, with every broken rule or what was not approved.
fn not_imported(name: &str, e: IpcError) -> Failure {
    match e {
        IpcError::Invalid { issues, .. } if !issues.is_empty() => Failure(format!(
            "{name} was not imported; nothing was changed:\n{}",
            render_issues(&issues)
        )),
        IpcError::NotApproved { message } => Failure(format!(
            "{message}\n{name} was not imported; nothing was changed"
        )),
        e => e.into(),
    }
}

fn import(args: ImportArgs, data_dir: Option<&Path>) -> Result<(), Failure> {
    let name = args.file.display().to_string();
    let bytes = std::fs::read(&args.file).map_err(|e| format!("cannot read {name}: {e}"))?;
    let format = args.format.unwrap_or_else(|| {
        match args
            .file
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
        {
            Some(ext) if ext == "csv" || ext == "tsv" => Format::Csv,
            _ => Format::Toml,
        }
    });
    let store = Mutex::new(open_store(data_dir)?);
    let confirm = Terminal::new(args.yes);
    match format {
        Format::Toml => {
            let text = String::from_utf8(bytes).map_err(|_| format!("{name} is not UTF-8 text"))?;
            let c =
                fleet_ops::import_file(&store, &name, &text, args.replace, &confirm, confirm.lang)
                    .map_err(|e| not_imported(&name, e))?;
            println!(
                "imported {} customers, {} sites, {} endpoints from {name}",
                c.customers, c.sites, c.endpoints
            );
            Ok(())
        }
        Format::Csv => {
            let preview = store.with_store(|s| s.preview_csv(&name, &bytes))?;
            let mut mapping = preview.mapping.clone();
            for m in &args.map {
                let (header, field) = m
                    .rsplit_once('=')
                    .ok_or_else(|| format!("--map {m:?}: write it as HEADER=FIELD"))?;
                let col = preview
                    .headers
                    .iter()
                    .position(|h| h == header.trim())
                    .ok_or_else(|| {
                        format!(
                            "--map {m:?}: {name} has no column {header:?} (columns: {})",
                            preview.headers.join(", ")
                        )
                    })?;
                mapping[col] = match field.trim() {
                    "skip" => None,
                    f => Some(
                        EndpointField::parse(f)
                            .ok_or_else(|| format!("--map {m:?}: unknown field {f:?}"))?,
                    ),
                };
            }
            let options = CsvOptions {
                mapping,
                default_site: args.site,
                allow_partial: args.partial,
            };
            let report =
                fleet_ops::import_csv(&store, &name, &bytes, &options, &confirm, confirm.lang)
                    .map_err(|e| not_imported(&name, e))?;
            for issue in &report.bad_rows {
                eprintln!("{issue}");
            }
            if report.imported {
                println!(
                    "imported {} new and {} updated endpoints from {name}{}",
                    report.created,
                    report.updated,
                    if report.bad_rows.is_empty() {
                        String::new()
                    } else {
                        format!(
                            "; skipped {} bad rows (listed above)",
                            bad_lines(&report.bad_rows)
                        )
                    }
                );
                Ok(())
            } else if report.bad_rows.is_empty() {
                println!("{name} has no endpoint rows; nothing was imported");
                Ok(())
            } else {
                Err(Failure(format!(
                    "{name} was not imported: {} bad rows (listed above); nothing was changed. \
                     Fix them, or pass --partial to import the good rows",
                    bad_lines(&report.bad_rows)
                )))
            }
        }
    }
}

fn bad_lines(issues: &[FleetIssue]) -> usize {
    let mut lines: Vec<_> = issues.iter().filter_map(|i| i.line).collect();
    lines.dedup();
    lines.len()
}

fn export(args: ExportArgs, data_dir: Option<&Path>) -> Result<(), Failure> {
    let store = open_store(data_dir)?;
    let ExportFormat::Toml = args.format;
    let text = store.export_fleet_file()?;
    match args.output {
        Some(path) => std::fs::write(&path, text)
            .map_err(|e| Failure(format!("cannot write {}: {e}", path.display()))),
        None => std::io::stdout()
            .write_all(text.as_bytes())
            .map_err(|e| Failure(format!("cannot write to standard output: {e}"))),
    }
}

/// Keeps what the filters select: the chosen customer's or site's sites, their endpoints
/// with the chosen tag, and the customers above them. With a tag, sites and customers
/// without a matching endpoint are left out; an empty customer chosen by id stays.
fn filter(mut fleet: Fleet, args: &ListArgs) -> Fleet {
    if args.customer.is_none() && args.site.is_none() && args.tag.is_none() {
        return fleet;
    }
    fleet.sites.retain(|s| {
        args.site.as_ref().is_none_or(|x| &s.id == x)
            && args.customer.as_ref().is_none_or(|c| &s.customer == c)
    });
    let sites: HashSet<String> = fleet.sites.iter().map(|s| s.id.clone()).collect();
    fleet.endpoints.retain(|e| {
        sites.contains(&e.site) && args.tag.as_ref().is_none_or(|t| e.tags.contains(t))
    });
    if args.tag.is_some() {
        let used: HashSet<String> = fleet.endpoints.iter().map(|e| e.site.clone()).collect();
        fleet.sites.retain(|s| used.contains(&s.id));
    }
    let chosen_alone = args.site.is_none() && args.tag.is_none();
    let holders: HashSet<String> = fleet.sites.iter().map(|s| s.customer.clone()).collect();
    fleet.customers.retain(|c| {
        holders.contains(&c.id) || (chosen_alone && args.customer.as_ref() == Some(&c.id))
    });
    fleet
}

fn list(args: ListArgs, data_dir: Option<&Path>) -> Result<(), Failure> {
    let store = open_store(data_dir)?;
    let fleet = filter(store.fleet()?, &args);
    if args.json {
        let json = serde_json::to_string_pretty(&fleet)
            .map_err(|e| Failure(format!("cannot write JSON: {e}")))?;
        println!("{json}");
        return Ok(());
    }
    if fleet.is_empty() {
        println!("The inventory is empty. Import a fleet file with `fieldline fleet import FILE`, or try `fieldline demo`.");
        return Ok(());
    }
    let mut out = String::new();
    for c in &fleet.customers {
        let demo = if c.demo { "  [demo]" } else { "" };
        out.push_str(&format!("{} ({}){demo}\n", c.name, c.id));
        for s in fleet.sites.iter().filter(|s| s.customer == c.id) {
            out.push_str(&format!("  {} ({})  {}\n", s.name, s.id, s.timezone));
            for e in fleet.endpoints.iter().filter(|e| e.site == s.id) {
                out.push_str(&format!(
                    "    {:<28} {:<20} {}\n",
                    e.id,
                    e.host,
                    e.tags.join(",")
                ));
            }
        }
    }
    print!("{out}");
    Ok(())
}
