//! Import of hosts from the technician's OpenSSH client configuration (`~/.ssh/config`).
//!
//! [`parse`] reads the file and its `Include`s and returns one [`ImportedHost`] per
//! concrete alias named on a `Host` line (patterns with `*` or `?` and negated `!patterns`
//! are not hosts), with the settings OpenSSH would use for it: every `Host` block whose
//! patterns match the alias applies, in file order, and the **first obtained value wins**
//! (`IdentityFile` accumulates). So `Host *` defaults reach the other hosts as they do in
//! `ssh`. What could not be imported is listed in [`SshConfigImport::problems`] with file
//! and line, and the import goes on.
//!
//! Understood: keywords in any case; `Key Value` and `Key=Value`; double-quoted values;
//! comments (whole-line and a `#` token ending a line); `Include` (relative to `~/.ssh`,
//! globs, nested at most [`MAX_INCLUDE_DEPTH`] deep, cycles reported); `~` expansion;
//! `%%`, `%d`, `%h`, `%r`, `%u` tokens in `IdentityFile` and `%h`, `%%` in `HostName`;
//! `ProxyJump none`. `Match` blocks are skipped (noted as a problem): they depend on
//! run-time conditions an import cannot evaluate.
//!
//! What never happens: the file is executed or anything in it run (`ProxyCommand` and
//! `LocalCommand` are noted, never used); a file is written; an oversized input is read
//! whole (each file is capped at [`MAX_FILE_BYTES`], the import at [`MAX_FILES`] files and
//! [`MAX_HOSTS`] hosts); any input panics.

use std::collections::HashSet;
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Largest configuration file read (1 MiB).
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;
/// Deepest `Include` nesting (as OpenSSH).
pub const MAX_INCLUDE_DEPTH: usize = 16;
/// Most files read in one import.
pub const MAX_FILES: usize = 256;
/// Most hosts imported.
pub const MAX_HOSTS: usize = 10_000;
/// Most patterns or values kept from one line.
const MAX_ARGS: usize = 256;

/// A host found in the configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct ImportedHost {
    /// The name after `Host`.
    pub alias: String,
    /// `HostName`, if set (tokens expanded).
    pub host_name: Option<String>,
    /// `User`, if set.
    pub user: Option<String>,
    /// `Port`, if set and valid.
    pub port: Option<u16>,
    /// `IdentityFile`s in order (`~` and tokens expanded).
    #[ts(type = "string[]")]
    pub identity_files: Vec<PathBuf>,
    /// `ProxyJump` hops in order (`[user@]host[:port]` each); empty for none.
    pub proxy_jump: Vec<String>,
    /// Where the alias is first named: `file:line`.
    pub source: String,
}

/// Something in the configuration that was not imported, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Problem {
    /// The file.
    #[ts(type = "string")]
    pub file: PathBuf,
    /// 1-based line (0 when it concerns the whole file).
    #[ts(type = "number")]
    pub line: usize,
    /// What and why.
    pub message: String,
}

/// The result of [`parse`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct SshConfigImport {
    /// Hosts, in the order they are first named.
    pub hosts: Vec<ImportedHost>,
    /// What was skipped.
    pub problems: Vec<Problem>,
}

/// Errors that stop an import (the configuration itself cannot be read).
#[derive(Debug, thiserror::Error)]
pub enum SshConfigError {
    /// The file could not be read.
    #[error("could not read the SSH configuration {path}: {source}. Check the path (usually ~/.ssh/config) and that it is readable")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// The file is larger than [`MAX_FILE_BYTES`].
    #[error("the SSH configuration {path} is larger than {max} bytes, which is not a plausible client configuration; nothing was imported")]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// The cap.
        max: u64,
    },
}

#[derive(Debug, Clone)]
enum Cond {
    /// `Host` patterns: matches if no negated pattern matches and a positive one does.
    Host(Vec<String>),
    /// A `Match` block: never applied.
    Never,
}

#[derive(Debug, Clone)]
struct Setting {
    key: String,
    args: Vec<String>,
    file: PathBuf,
    line: usize,
}

#[derive(Debug, Clone, Default)]
struct Block {
    conds: Vec<Cond>,
    settings: Vec<Setting>,
}

struct Parser {
    home: PathBuf,
    local_user: String,
    blocks: Vec<Block>,
    aliases: Vec<(String, String)>,
    seen_aliases: HashSet<String>,
    problems: Vec<Problem>,
    files_read: usize,
    stack: Vec<PathBuf>,
    hosts_capped: bool,
}

/// Import the hosts of the configuration at `path`, with `~` meaning the home directory
/// (`HOME`, or `USERPROFILE` on Windows).
pub fn parse(path: &Path) -> Result<SshConfigImport, SshConfigError> {
    let home = std::env::var_os("HOME")
        .or_else(|| std::env::var_os("USERPROFILE"))
        .map(PathBuf::from)
        .unwrap_or_default();
    parse_with_home(path, &home)
}

/// Like [`parse`], with an explicit home directory (`Include`s are relative to `home/.ssh`).
pub fn parse_with_home(path: &Path, home: &Path) -> Result<SshConfigImport, SshConfigError> {
    let text = read_capped(path)?;
    let local_user = std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_default();
    let mut p = Parser {
        home: home.to_path_buf(),
        local_user,
        blocks: Vec::new(),
        aliases: Vec::new(),
        seen_aliases: HashSet::new(),
        problems: Vec::new(),
        files_read: 1,
        stack: vec![canonical(path)],
        hosts_capped: false,
    };
    p.parse_text(path, &text, &[], 0);
    let hosts = p
        .aliases
        .iter()
        .map(|(alias, source)| p.resolve(alias, source))
        .collect::<Vec<_>>();
    let mut problems = p.problems;
    let more = resolve_problems(&p.blocks);
    problems.extend(more);
    Ok(SshConfigImport { hosts, problems })
}

fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

fn read_capped(path: &Path) -> Result<String, SshConfigError> {
    let file = File::open(path).map_err(|source| SshConfigError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|source| SshConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(SshConfigError::TooLarge {
            path: path.to_path_buf(),
            max: MAX_FILE_BYTES,
        });
    }
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

impl Parser {
    fn problem(&mut self, file: &Path, line: usize, message: String) {
        if self.problems.len() < 10_000 {
            self.problems.push(Problem {
                file: file.to_path_buf(),
                line,
                message,
            });
        }
    }

    fn parse_text(&mut self, file: &Path, text: &str, base: &[Cond], depth: usize) {
        let mut current = Block {
            conds: base.to_vec(),
            settings: Vec::new(),
        };
        for (i, raw) in text.lines().enumerate() {
            let line_no = i + 1;
            let (key, args) = match split_line(raw) {
                Ok(Some(kv)) => kv,
                Ok(None) => continue,
                Err(msg) => {
                    self.problem(file, line_no, msg);
                    continue;
                }
            };
            match key.as_str() {
                "host" => {
                    self.blocks.push(std::mem::take(&mut current));
                    if args.is_empty() {
                        self.problem(
                            file,
                            line_no,
                            "Host without a pattern: the block is skipped".to_string(),
                        );
                    }
                    let never = base.iter().any(|c| matches!(c, Cond::Never));
                    if !never {
                        for pat in &args {
                            self.add_alias(pat, file, line_no);
                        }
                    }
                    let mut conds = base.to_vec();
                    conds.push(if args.is_empty() {
                        Cond::Never
                    } else {
                        Cond::Host(args.iter().map(|a| a.to_lowercase()).collect())
                    });
                    current = Block {
                        conds,
                        settings: Vec::new(),
                    };
                }
                "match" => {
                    self.blocks.push(std::mem::take(&mut current));
                    self.problem(
                        file,
                        line_no,
                        format!(
                            "Match {} is not imported (it depends on conditions only ssh can check when connecting); its settings are skipped",
                            args.join(" ")
                        ),
                    );
                    let mut conds = base.to_vec();
                    conds.push(Cond::Never);
                    current = Block {
                        conds,
                        settings: Vec::new(),
                    };
                }
                "include" => {
                    let conds = current.conds.clone();
                    self.blocks.push(std::mem::take(&mut current));
                    current.conds = conds.clone();
                    for arg in &args {
                        self.include(file, line_no, arg, &conds, depth);
                    }
                }
                _ => current.settings.push(Setting {
                    key,
                    args,
                    file: file.to_path_buf(),
                    line: line_no,
                }),
            }
        }
        self.blocks.push(current);
    }

    fn add_alias(&mut self, pat: &str, file: &Path, line: usize) {
        if pat.starts_with('!') || pat.contains('*') || pat.contains('?') {
            return;
        }
        let key = pat.to_lowercase();
        if self.seen_aliases.contains(&key) {
            return;
        }
        if self.aliases.len() >= MAX_HOSTS {
            if !self.hosts_capped {
                self.hosts_capped = true;
                self.problem(
                    file,
                    line,
                    format!("more than {MAX_HOSTS} hosts: only the first {MAX_HOSTS} are imported"),
                );
            }
            return;
        }
        self.seen_aliases.insert(key);
        self.aliases
            .push((pat.to_string(), format!("{}:{line}", file.display())));
    }

    fn include(&mut self, file: &Path, line: usize, arg: &str, conds: &[Cond], depth: usize) {
        if depth + 1 > MAX_INCLUDE_DEPTH {
            self.problem(
                file,
                line,
                format!("Include {arg}: includes nested deeper than {MAX_INCLUDE_DEPTH} levels; not followed"),
            );
            return;
        }
        let pattern = if let Some(rest) = arg.strip_prefix("~/") {
            format!(
                "{}/{rest}",
                glob::Pattern::escape(&self.home.to_string_lossy())
            )
        } else if Path::new(arg).is_absolute() {
            arg.to_string()
        } else {
            format!(
                "{}/{arg}",
                glob::Pattern::escape(&self.home.join(".ssh").to_string_lossy())
            )
        };
        let paths: Vec<PathBuf> = match glob::glob(&pattern) {
            Ok(paths) => paths.filter_map(Result::ok).take(MAX_FILES).collect(),
            Err(e) => {
                self.problem(
                    file,
                    line,
                    format!("Include {arg}: not a valid pattern ({e})"),
                );
                return;
            }
        };
        if paths.is_empty() {
            self.problem(
                file,
                line,
                format!("Include {arg}: no file matches; skipped"),
            );
        }
        for path in paths {
            if path.is_dir() {
                continue;
            }
            let canon = canonical(&path);
            if self.stack.contains(&canon) {
                self.problem(
                    file,
                    line,
                    format!(
                        "Include {}: it includes itself (a cycle); not followed again",
                        path.display()
                    ),
                );
                continue;
            }
            if self.files_read >= MAX_FILES {
                self.problem(
                    file,
                    line,
                    format!(
                        "more than {MAX_FILES} files included; {} and later ones skipped",
                        path.display()
                    ),
                );
                return;
            }
            self.files_read += 1;
            match read_capped(&path) {
                Ok(text) => {
                    self.stack.push(canon);
                    self.parse_text(&path, &text, conds, depth + 1);
                    self.stack.pop();
                }
                Err(e) => self.problem(file, line, format!("Include: {e}")),
            }
        }
    }

    fn resolve(&self, alias: &str, source: &str) -> ImportedHost {
        let lower = alias.to_lowercase();
        let mut host = ImportedHost {
            alias: alias.to_string(),
            host_name: None,
            user: None,
            port: None,
            identity_files: Vec::new(),
            proxy_jump: Vec::new(),
            source: source.to_string(),
        };
        let mut jump_set = false;
        let mut raw_identities: Vec<String> = Vec::new();
        for block in &self.blocks {
            if !block.conds.iter().all(|c| cond_matches(c, &lower)) {
                continue;
            }
            for s in &block.settings {
                let Some(first) = s.args.first() else {
                    continue;
                };
                match s.key.as_str() {
                    "hostname" if host.host_name.is_none() => {
                        host.host_name = Some(expand_percent(first, &[('h', alias)]));
                    }
                    "user" if host.user.is_none() => host.user = Some(first.clone()),
                    "port" if host.port.is_none() => {
                        if let Ok(p) = first.parse::<u16>() {
                            if p > 0 {
                                host.port = Some(p);
                            }
                        }
                    }
                    "identityfile" if !raw_identities.contains(first) => {
                        raw_identities.push(first.clone());
                    }
                    "proxyjump" if !jump_set => {
                        jump_set = true;
                        if !first.eq_ignore_ascii_case("none") {
                            host.proxy_jump = first
                                .split(',')
                                .map(str::trim)
                                .filter(|h| !h.is_empty())
                                .map(str::to_string)
                                .collect();
                        }
                    }
                    _ => {}
                }
            }
        }
        let host_name = host.host_name.clone().unwrap_or_else(|| alias.to_string());
        let remote_user = host.user.clone().unwrap_or_else(|| self.local_user.clone());
        let home = self.home.to_string_lossy().into_owned();
        for raw in raw_identities.iter().take(MAX_ARGS) {
            let expanded = expand_percent(
                raw,
                &[
                    ('h', &host_name),
                    ('r', &remote_user),
                    ('u', &self.local_user),
                    ('d', &home),
                ],
            );
            host.identity_files
                .push(expand_tilde(&expanded, &self.home));
        }
        host
    }
}

/// Problems found while resolving: settings that are noted rather than imported, bad
/// values. Reported once per line.
fn resolve_problems(blocks: &[Block]) -> Vec<Problem> {
    let mut out = Vec::new();
    for block in blocks {
        if block.conds.iter().any(|c| matches!(c, Cond::Never)) {
            continue;
        }
        for s in &block.settings {
            let first = s.args.first().map(String::as_str).unwrap_or("");
            let message = match s.key.as_str() {
                "port" => match first.parse::<u16>() {
                    Ok(p) if p > 0 => None,
                    _ => Some(format!("Port {first:?} is not a port number (1-65535); ignored")),
                },
                "hostname" | "user" | "identityfile" | "proxyjump" if s.args.is_empty() => {
                    Some(format!("{} without a value; ignored", s.key))
                }
                "proxyjump" => {
                    let bad: Vec<&str> = first
                        .split(',')
                        .map(str::trim)
                        .filter(|h| h.is_empty() || h.contains(char::is_whitespace))
                        .collect();
                    if !first.eq_ignore_ascii_case("none") && !bad.is_empty() {
                        Some(format!("ProxyJump {first:?} has an empty or malformed hop; the empty hops are left out"))
                    } else {
                        None
                    }
                }
                "identityfile" => {
                    let unknown: Vec<char> = percent_tokens(first)
                        .into_iter()
                        .filter(|c| !matches!(c, '%' | 'h' | 'r' | 'u' | 'd'))
                        .collect();
                    if unknown.is_empty() {
                        None
                    } else {
                        Some(format!(
                            "IdentityFile {first:?} uses token(s) {} that are not expanded on import; the path is kept as written",
                            unknown.iter().map(|c| format!("%{c}")).collect::<Vec<_>>().join(" ")
                        ))
                    }
                }
                "proxycommand" => Some(
                    "ProxyCommand is not imported (Fieldline does not run commands from the SSH configuration); use a jump host (ProxyJump) instead".to_string(),
                ),
                "localcommand" | "permitlocalcommand" | "remotecommand" => {
                    Some(format!("{} is not imported (Fieldline does not run commands from the SSH configuration)", s.key))
                }
                _ => None,
            };
            if let Some(message) = message {
                out.push(Problem {
                    file: s.file.clone(),
                    line: s.line,
                    message,
                });
            }
        }
    }
    out
}

fn cond_matches(cond: &Cond, host: &str) -> bool {
    match cond {
        Cond::Never => false,
        Cond::Host(patterns) => {
            let mut positive = false;
            for p in patterns {
                if let Some(neg) = p.strip_prefix('!') {
                    if wildcard_match(neg.as_bytes(), host.as_bytes()) {
                        return false;
                    }
                } else if wildcard_match(p.as_bytes(), host.as_bytes()) {
                    positive = true;
                }
            }
            positive
        }
    }
}

/// `*` and `?` glob match, iterative (no exponential backtracking).
fn wildcard_match(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == b'?' || pattern[p] == text[t]) {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == b'*' {
            star = Some((p, t));
            p += 1;
        } else if let Some((sp, st)) = star {
            p = sp + 1;
            t = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    while p < pattern.len() && pattern[p] == b'*' {
        p += 1;
    }
    p == pattern.len()
}

/// Split a line into a lowercased keyword and its arguments. `Ok(None)` for blank lines
/// and comments.
fn split_line(raw: &str) -> Result<Option<(String, Vec<String>)>, String> {
    let line = raw.trim_start();
    if line.is_empty() || line.starts_with('#') {
        return Ok(None);
    }
    let key_end = line
        .find(|c: char| c.is_whitespace() || c == '=')
        .unwrap_or(line.len());
    let key = line[..key_end].to_ascii_lowercase();
    let mut rest = line[key_end..].trim_start();
    if let Some(r) = rest.strip_prefix('=') {
        rest = r.trim_start();
    }
    let args = split_args(rest).map_err(|e| format!("{}: {e}; line skipped", &line[..key_end]))?;
    Ok(Some((key, args)))
}

/// Whitespace-separated arguments; double quotes group; an unquoted token starting with
/// `#` ends the line.
fn split_args(s: &str) -> Result<Vec<String>, String> {
    let mut args = Vec::new();
    let mut chars = s.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let Some(&c) = chars.peek() else { break };
        if c == '#' {
            break;
        }
        let mut arg = String::new();
        let mut in_quotes = false;
        while let Some(&c) = chars.peek() {
            if c == '"' {
                in_quotes = !in_quotes;
                chars.next();
            } else if c.is_whitespace() && !in_quotes {
                break;
            } else {
                arg.push(c);
                chars.next();
            }
        }
        if in_quotes {
            return Err("unterminated quote".to_string());
        }
        if args.len() < MAX_ARGS {
            args.push(arg);
        }
    }
    Ok(args)
}

fn percent_tokens(s: &str) -> Vec<char> {
    let mut out = Vec::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '%' {
            if let Some(t) = chars.next() {
                out.push(t);
            }
        }
    }
    out
}

/// Expand `%%` and the given `%x` tokens; unknown tokens are kept as written.
fn expand_percent(s: &str, tokens: &[(char, &str)]) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('%') => out.push('%'),
            Some(t) => match tokens.iter().find(|(k, _)| *k == t) {
                Some((_, v)) => out.push_str(v),
                None => {
                    out.push('%');
                    out.push(t);
                }
            },
            None => out.push('%'),
        }
    }
    out
}

fn expand_tilde(s: &str, home: &Path) -> PathBuf {
    if s == "~" {
        home.to_path_buf()
    } else if let Some(rest) = s.strip_prefix("~/") {
        home.join(rest)
    } else {
        PathBuf::from(s)
    }
}

/// What an import would add to the fleet: endpoints at one site, the credential profiles
/// their identity files need (one per distinct key file, named `key-<file name>`), and
/// what could not be carried over.
#[derive(Debug, Clone, PartialEq)]
pub struct FleetAdditions {
    pub endpoints: Vec<fieldline_core::Endpoint>,
    pub profiles: Vec<crate::profile::CredentialProfile>,
    pub notes: Vec<String>,
}

/// An endpoint id from a `Host` alias: lower case, characters outside `a-z 0-9 - _ .`
/// replaced by `-`.
pub fn endpoint_id(alias: &str) -> String {
    alias
        .chars()
        .map(|c| {
            let c = c.to_ascii_lowercase();
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// Turns imported hosts into endpoints of `site`. `ProxyJump` becomes the endpoint's
/// jump when its last hop is another imported alias (the chain then follows that alias's
/// own `ProxyJump`); a hop that is not an imported alias is noted and left out, as is a
/// host whose id already exists in the fleet. `profile` (when given) is used for every
/// endpoint instead of profiles made from `IdentityFile`.
pub fn fleet_additions(
    import: &SshConfigImport,
    site: &str,
    fleet: &fieldline_core::Fleet,
    profile: Option<&str>,
) -> FleetAdditions {
    use crate::profile::{AuthMethod, CredentialProfile};
    let ids: std::collections::HashMap<&str, String> = import
        .hosts
        .iter()
        .map(|h| (h.alias.as_str(), endpoint_id(&h.alias)))
        .collect();
    let mut out = FleetAdditions {
        endpoints: Vec::new(),
        profiles: Vec::new(),
        notes: Vec::new(),
    };
    for host in &import.hosts {
        let id = ids[host.alias.as_str()].clone();
        if fleet.endpoint(&id).is_some() {
            out.notes.push(format!(
                "{} ({}): an endpoint {id:?} exists already; left as it is",
                host.alias, host.source
            ));
            continue;
        }
        let jump = match host.proxy_jump.last() {
            None => None,
            Some(hop) => {
                // `user@alias:port`: only the alias part names another host.
                let name = hop.rsplit('@').next().unwrap_or(hop);
                let name = name.split(':').next().unwrap_or(name);
                match ids.get(name) {
                    Some(jump_id) => Some(jump_id.clone()),
                    None => {
                        out.notes.push(format!(
                            "{} ({}): ProxyJump {hop:?} is not a Host in this file; add it as an endpoint and set the jump by hand",
                            host.alias, host.source
                        ));
                        None
                    }
                }
            }
        };
        let credential = match (profile, host.identity_files.first()) {
            (Some(p), _) => Some(p.to_owned()),
            (None, Some(file)) => {
                let stem = file
                    .file_name()
                    .map(|n| endpoint_id(&n.to_string_lossy()))
                    .unwrap_or_else(|| "key".to_owned());
                let name = format!("key-{stem}");
                let wanted = AuthMethod::Key {
                    key_file: Some(file.clone()),
                };
                match out.profiles.iter().find(|p| p.name == name) {
                    Some(p) if p.method != wanted => out.notes.push(format!(
                        "{} ({}): two key files are named {stem:?}; {name} uses the first",
                        host.alias, host.source
                    )),
                    Some(_) => {}
                    None => out.profiles.push(CredentialProfile {
                        name: name.clone(),
                        user: None,
                        method: wanted,
                    }),
                }
                Some(name)
            }
            (None, None) => None,
        };
        out.endpoints.push(fieldline_core::Endpoint {
            id,
            site: site.to_owned(),
            name: host.alias.clone(),
            host: host.host_name.clone().unwrap_or_else(|| host.alias.clone()),
            tags: vec!["ssh-config".to_owned()],
            notes: format!("imported from {}", host.source),
            parent: None,
            ssh: fieldline_core::SshSettings {
                user: host.user.clone(),
                port: host.port,
                jump,
                credential,
            },
            checks: Vec::new(),
        });
    }
    out
}

/// What importing a configuration into the fleet will write, worked out before anything
/// is written: the new endpoints as a fleet file (to go through the store's fleet import,
/// so every fleet rule applies), the credential profiles that do not exist yet, and notes.
#[derive(Debug, Clone, PartialEq, serde::Serialize, ts_rs::TS)]
pub struct ImportPlan {
    #[serde(skip)]
    #[ts(skip)]
    pub fleet_text: String,
    pub endpoints: Vec<String>,
    pub new_profiles: Vec<crate::profile::CredentialProfile>,
    /// Hosts and settings that were not carried over, and why.
    pub notes: Vec<String>,
}

/// Plans the import of `import` into `site` of `fleet`; `known` are the profiles that
/// exist already (they are not replaced).
pub fn import_plan(
    import: &SshConfigImport,
    site: &str,
    fleet: &fieldline_core::Fleet,
    profile: Option<&str>,
    known: &[crate::profile::CredentialProfile],
) -> Result<ImportPlan, String> {
    if fleet.site(site).is_none() {
        return Err(format!("there is no site {site:?} in the fleet"));
    }
    let add = fleet_additions(import, site, fleet, profile);
    let fleet_text = fieldline_core::fleet_file::export(&fieldline_core::Fleet {
        endpoints: add.endpoints.clone(),
        ..fieldline_core::Fleet::default()
    })
    .map_err(|e| format!("cannot write the hosts as a fleet: {e}"))?;
    let mut notes: Vec<String> = import
        .problems
        .iter()
        .map(|p| format!("skipped {}:{}: {}", p.file.display(), p.line, p.message))
        .collect();
    notes.extend(add.notes);
    Ok(ImportPlan {
        fleet_text,
        endpoints: add.endpoints.iter().map(|e| e.id.clone()).collect(),
        new_profiles: add
            .profiles
            .into_iter()
            .filter(|p| known.iter().all(|k| k.name != p.name))
            .collect(),
        notes,
    })
}

#[cfg(test)]
mod fleet_tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn hosts_become_endpoints_with_their_jumps_and_key_profiles() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config");
        std::fs::write(
            &config,
            "Host bastion\n  HostName 203.0.113.10\n  User ops\n  IdentityFile ~/.ssh/id_ed25519\n\
             Host DB_01\n  HostName 10.0.0.5\n  Port 2222\n  ProxyJump bastion\n  IdentityFile ~/.ssh/id_ed25519\n\
             Host far\n  ProxyJump someone@elsewhere:22\n",
        )
        .unwrap();
        let import = parse_with_home(&config, dir.path()).unwrap();
        let fleet = fieldline_core::Fleet::default();
        let add = fleet_additions(&import, "acme-hq", &fleet, None);
        let ids: Vec<_> = add.endpoints.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["bastion", "db_01", "far"]);
        let db = &add.endpoints[1];
        assert_eq!(db.host, "10.0.0.5");
        assert_eq!(db.ssh.port, Some(2222));
        assert_eq!(db.ssh.jump.as_deref(), Some("bastion"));
        assert_eq!(db.ssh.credential.as_deref(), Some("key-id_ed25519"));
        assert_eq!(add.profiles.len(), 1, "one profile per key file");
        assert!(
            add.notes.iter().any(|n| n.contains("elsewhere")),
            "{:?}",
            add.notes
        );
        assert_eq!(add.endpoints[2].ssh.jump, None);

        let one = fleet_additions(&import, "acme-hq", &fleet, Some("ops"));
        assert!(one.profiles.is_empty());
        assert!(one
            .endpoints
            .iter()
            .all(|e| e.ssh.credential.as_deref() == Some("ops")));
    }
}
