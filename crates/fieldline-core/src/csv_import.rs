//! CSV import of endpoints, for the spreadsheets every MSP keeps.
//!
//! The caller maps each column to an endpoint field (with [`suggest`] guessing from the
//! header). Every bad row is reported by its line number; nothing is imported when any row
//! is bad unless the caller asks for a partial import, which then keeps only the good rows.

use crate::issue::FleetIssue;
use crate::limits::{MAX_CSV_ROWS, MAX_IMPORT_BYTES};
use crate::model::{Endpoint, Fleet, SshSettings};
use crate::validate::{self, Composed, EntityKind};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use ts_rs::TS;

/// An endpoint field a CSV column can fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum EndpointField {
    Id,
    Site,
    Name,
    Host,
    Tags,
    Notes,
    Parent,
    SshUser,
    SshPort,
    SshJump,
    SshCredential,
}

impl EndpointField {
    pub const ALL: [EndpointField; 11] = [
        EndpointField::Id,
        EndpointField::Site,
        EndpointField::Name,
        EndpointField::Host,
        EndpointField::Tags,
        EndpointField::Notes,
        EndpointField::Parent,
        EndpointField::SshUser,
        EndpointField::SshPort,
        EndpointField::SshJump,
        EndpointField::SshCredential,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EndpointField::Id => "id",
            EndpointField::Site => "site",
            EndpointField::Name => "name",
            EndpointField::Host => "host",
            EndpointField::Tags => "tags",
            EndpointField::Notes => "notes",
            EndpointField::Parent => "parent",
            EndpointField::SshUser => "ssh_user",
            EndpointField::SshPort => "ssh_port",
            EndpointField::SshJump => "ssh_jump",
            EndpointField::SshCredential => "ssh_credential",
        }
    }

    pub fn parse(s: &str) -> Option<EndpointField> {
        Self::ALL.into_iter().find(|f| f.as_str() == s)
    }

    /// The validation field name (`ssh.jump`) this column fills.
    fn validation_field(self) -> &'static str {
        match self {
            EndpointField::SshUser => "ssh.user",
            EndpointField::SshPort => "ssh.port",
            EndpointField::SshJump => "ssh.jump",
            EndpointField::SshCredential => "ssh.credential",
            other => other.as_str(),
        }
    }
}

/// Guesses the field a column holds from its header, in English or Korean.
pub fn suggest(header: &str) -> Option<EndpointField> {
    let h: String = header
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-' | '.'))
        .collect();
    use EndpointField::*;
    Some(match h.as_str() {
        "id" | "endpoint" | "endpointid" | "asset" | "assetid" | "아이디" | "자산번호" => Id,
        "site" | "siteid" | "location" | "사이트" | "위치" => Site,
        "name" | "displayname" | "label" | "이름" | "장비명" => Name,
        "host" | "hostname" | "ip" | "ipaddress" | "address" | "fqdn" | "호스트" | "주소"
        | "ip주소" => Host,
        "tags" | "tag" | "role" | "roles" | "태그" => Tags,
        "notes" | "note" | "comment" | "comments" | "description" | "메모" | "비고" => Notes,
        "parent" | "dependson" | "upstream" | "상위" | "상위장비" => Parent,
        "sshuser" | "user" | "username" | "login" | "사용자" => SshUser,
        "sshport" | "port" | "포트" => SshPort,
        "sshjump" | "jump" | "jumphost" | "bastion" | "proxyjump" | "점프" => SshJump,
        "sshcredential" | "credential" | "credentialprofile" | "자격증명" => SshCredential,
        _ => return None,
    })
}

/// What a file looks like before the technician maps its columns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct CsvPreview {
    pub headers: Vec<String>,
    /// A guessed field per column, `null` where no guess was made.
    pub mapping: Vec<Option<EndpointField>>,
    pub rows: u32,
    /// Up to five data rows, as text.
    pub sample: Vec<Vec<String>>,
}

/// How to import a CSV file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct CsvOptions {
    /// The field each column fills, by position; `null` skips the column.
    pub mapping: Vec<Option<EndpointField>>,
    /// Site for rows whose site column is missing or empty.
    pub default_site: Option<String>,
    /// Import the good rows even when some rows are bad.
    pub allow_partial: bool,
}

/// What an import did, or would have done.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct CsvReport {
    /// Whether anything was imported.
    pub imported: bool,
    pub created: u32,
    pub updated: u32,
    /// Every bad row, by line number.
    pub bad_rows: Vec<FleetIssue>,
}

/// Problems with the file as a whole (not one row).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CsvError {
    #[error("{file}: {message}")]
    File { file: String, message: String },
}

fn file_error(file: &str, message: impl Into<String>) -> CsvError {
    CsvError::File {
        file: file.to_string(),
        message: message.into(),
    }
}

/// Turns file bytes into text: UTF-8 (with or without a byte-order mark), or, failing
/// that, the Korean legacy encoding (EUC-KR / CP949) that Excel writes on Korean Windows.
pub fn decode(file: &str, bytes: &[u8]) -> Result<String, CsvError> {
    if bytes.len() > MAX_IMPORT_BYTES {
        return Err(file_error(
            file,
            format!(
                "file is {} bytes; the limit is {MAX_IMPORT_BYTES} bytes: split it into smaller files",
                bytes.len()
            ),
        ));
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok(s.to_string());
    }
    let (text, had_errors) = encoding_rs::EUC_KR.decode_without_bom_handling(bytes);
    if had_errors {
        return Err(file_error(
            file,
            "file is neither UTF-8 nor EUC-KR text; save it as \"CSV UTF-8\"",
        ));
    }
    Ok(text.into_owned())
}

/// Picks the delimiter (comma, semicolon or tab) that splits the header line best.
fn delimiter(text: &str) -> u8 {
    let first = text.lines().next().unwrap_or("");
    [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|d| first.bytes().filter(|b| b == d).count())
        .unwrap_or(b',')
}

fn reader(text: &str) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .delimiter(delimiter(text))
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes())
}

/// Reads the header and a sample, and guesses the mapping.
pub fn preview(file: &str, text: &str) -> Result<CsvPreview, CsvError> {
    let mut rdr = reader(text);
    let headers: Vec<String> = rdr
        .headers()
        .map_err(|e| file_error(file, format!("cannot read the header line: {e}")))?
        .iter()
        .map(str::to_string)
        .collect();
    if headers.iter().all(String::is_empty) {
        return Err(file_error(file, "the file has no header line"));
    }
    let mut rows = 0u32;
    let mut sample = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| file_error(file, e.to_string()))?;
        if sample.len() < 5 {
            sample.push(rec.iter().map(str::to_string).collect());
        }
        rows += 1;
    }
    // Each field is guessed for one column only (the first), so a sheet with both
    // "Hostname" and "IP Address" does not start out mapped twice.
    let mut mapping: Vec<Option<EndpointField>> = Vec::with_capacity(headers.len());
    for h in &headers {
        let guess = suggest(h).filter(|g| !mapping.contains(&Some(*g)));
        mapping.push(guess);
    }
    Ok(CsvPreview {
        mapping,
        headers,
        rows,
        sample,
    })
}

struct Row {
    line: u32,
    endpoint: Endpoint,
    existed: bool,
}

fn issue(file: &str, line: u32, field: &str, message: impl Into<String>) -> FleetIssue {
    FleetIssue {
        file: Some(file.to_string()),
        line: Some(line),
        field: field.to_string(),
        message: message.into(),
    }
}

/// Imports endpoints over `base`. Returns the report and, when anything was imported,
/// the new fleet for the caller to store.
pub fn import(
    file: &str,
    text: &str,
    options: &CsvOptions,
    base: &Fleet,
) -> Result<(CsvReport, Option<Fleet>), CsvError> {
    let mapped: BTreeSet<_> = options.mapping.iter().flatten().copied().collect();
    for (i, f) in options.mapping.iter().enumerate() {
        if let Some(f) = f {
            if options.mapping[..i].contains(&Some(*f)) {
                return Err(file_error(
                    file,
                    format!("two columns are mapped to {}", f.as_str()),
                ));
            }
        }
    }
    for required in [EndpointField::Id, EndpointField::Host] {
        if !mapped.contains(&required) {
            return Err(file_error(
                file,
                format!("no column is mapped to {}; map one", required.as_str()),
            ));
        }
    }
    let default_site = options
        .default_site
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    if !mapped.contains(&EndpointField::Site) && default_site.is_none() {
        return Err(file_error(
            file,
            "no column is mapped to site and no default site is given",
        ));
    }

    let mut rdr = reader(text);
    let headers: Vec<String> = rdr
        .headers()
        .map_err(|e| file_error(file, format!("cannot read the header line: {e}")))?
        .iter()
        .map(str::to_string)
        .collect();
    let column_name = |f: EndpointField| -> String {
        options
            .mapping
            .iter()
            .position(|m| *m == Some(f))
            .and_then(|i| headers.get(i).cloned())
            .unwrap_or_else(|| f.as_str().to_string())
    };

    let mut bad = Vec::new();
    let mut rows: Vec<Row> = Vec::new();
    for (n, rec) in rdr.records().enumerate() {
        if n >= MAX_CSV_ROWS {
            return Err(file_error(
                file,
                format!("more than {MAX_CSV_ROWS} rows; split the file"),
            ));
        }
        let rec = rec.map_err(|e| file_error(file, e.to_string()))?;
        let line = rec
            .position()
            .map(|p| u32::try_from(p.line()).unwrap_or(u32::MAX))
            .unwrap_or(0);
        if rec.iter().all(str::is_empty) {
            continue; // blank lines in spreadsheets are common and harmless
        }
        let cell = |f: EndpointField| -> Option<String> {
            let i = options.mapping.iter().position(|m| *m == Some(f))?;
            rec.get(i).map(str::to_string).filter(|s| !s.is_empty())
        };
        let id = cell(EndpointField::Id).unwrap_or_default();
        let existing = base.endpoint(&id).cloned();
        let existed = existing.is_some();
        let mut e = existing.unwrap_or_else(|| Endpoint {
            id: id.clone(),
            site: String::new(),
            name: String::new(),
            host: String::new(),
            tags: Vec::new(),
            notes: String::new(),
            parent: None,
            ssh: SshSettings::default(),
            checks: Vec::new(),
        });
        let mut row_ok = true;
        for f in &mapped {
            let v = cell(*f);
            match f {
                EndpointField::Id => {}
                EndpointField::Site => {
                    e.site = v.or(default_site.map(str::to_string)).unwrap_or_default()
                }
                EndpointField::Name => e.name = v.unwrap_or_default(),
                EndpointField::Host => e.host = v.unwrap_or_default(),
                EndpointField::Tags => {
                    e.tags = v
                        .unwrap_or_default()
                        .split([',', ';', '|', ' '])
                        .map(str::trim)
                        .filter(|t| !t.is_empty())
                        .map(str::to_string)
                        .collect()
                }
                EndpointField::Notes => e.notes = v.unwrap_or_default(),
                EndpointField::Parent => e.parent = v,
                EndpointField::SshUser => e.ssh.user = v,
                EndpointField::SshJump => e.ssh.jump = v,
                EndpointField::SshCredential => e.ssh.credential = v,
                EndpointField::SshPort => match v.map(|p| p.parse::<u16>()) {
                    None => e.ssh.port = None,
                    Some(Ok(p)) => e.ssh.port = Some(p),
                    Some(Err(_)) => {
                        row_ok = false;
                        bad.push(issue(
                            file,
                            line,
                            &column_name(*f),
                            format!(
                                "{:?} is not a port number (1-65535)",
                                cell(*f).unwrap_or_default()
                            ),
                        ));
                    }
                },
            }
        }
        if !mapped.contains(&EndpointField::Site) && !existed {
            e.site = default_site.unwrap_or_default().to_string();
        }
        if row_ok {
            rows.push(Row {
                line,
                endpoint: e,
                existed,
            });
        }
    }

    // Validate the rows over the base; in a partial import drop bad rows until the rest
    // stands (dropping a row can break a row that named it as parent or jump host).
    loop {
        let new = Fleet {
            endpoints: rows.iter().map(|r| r.endpoint.clone()).collect(),
            ..Fleet::default()
        };
        let composed = Composed::new(Some(base), new);
        let findings = validate::check(&composed.fleet);
        let mut bad_now = BTreeSet::new();
        for f in &findings {
            match (f.kind, composed.new_index(f)) {
                (EntityKind::Endpoint, Some(i)) => {
                    let column = f
                        .field
                        .split('[')
                        .next()
                        .and_then(|name| {
                            EndpointField::ALL
                                .into_iter()
                                .find(|x| x.validation_field() == name)
                        })
                        .map(column_name)
                        .unwrap_or_else(|| f.field.clone());
                    bad.push(issue(file, rows[i].line, &column, f.message.clone()));
                    bad_now.insert(i);
                }
                _ => bad.push(FleetIssue {
                    file: None,
                    line: None,
                    field: validate::field_path(&composed.fleet, f),
                    message: f.message.clone(),
                }),
            }
        }
        let only_rows = findings
            .iter()
            .all(|f| f.kind == EntityKind::Endpoint && composed.new_index(f).is_some());
        if findings.is_empty() && (bad.is_empty() || options.allow_partial) {
            bad.sort_by_key(|i| i.line);
            bad.dedup();
            let created = rows.iter().filter(|r| !r.existed).count();
            let updated = rows.len() - created;
            let mut fleet = composed.fleet;
            fleet.normalize();
            let imported = !rows.is_empty();
            return Ok((
                CsvReport {
                    imported,
                    created: u32::try_from(created).unwrap_or(u32::MAX),
                    updated: u32::try_from(updated).unwrap_or(u32::MAX),
                    bad_rows: bad,
                },
                imported.then_some(fleet),
            ));
        }
        if options.allow_partial && only_rows && !bad_now.is_empty() {
            let mut i = 0;
            rows.retain(|_| {
                let keep = !bad_now.contains(&i);
                i += 1;
                keep
            });
            continue;
        }
        bad.sort_by_key(|i| i.line);
        bad.dedup();
        return Ok((
            CsvReport {
                imported: false,
                created: 0,
                updated: 0,
                bad_rows: bad,
            },
            None,
        ));
    }
}
