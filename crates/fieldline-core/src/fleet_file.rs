//! The fleet file: a human-editable TOML document with `[[customers]]`, `[[sites]]` and
//! `[[endpoints]]` (each endpoint with its `[[endpoints.checks]]`). Import reports every
//! problem with the file name, the line and the field; export writes a canonical file
//! that imports back to the same fleet.

use crate::issue::FleetIssue;
use crate::limits::MAX_IMPORT_BYTES;
use crate::model::{Check, CheckKind, Customer, Endpoint, Fleet, Site, SshSettings};
use crate::validate::{self, Composed, EntityKind, Finding};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use toml::Spanned;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    customers: Vec<Spanned<RawCustomer>>,
    #[serde(default)]
    sites: Vec<Spanned<RawSite>>,
    #[serde(default)]
    endpoints: Vec<Spanned<RawEndpoint>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCustomer {
    id: Spanned<String>,
    name: Spanned<String>,
    #[serde(default)]
    notes: Option<Spanned<String>>,
    #[serde(default)]
    demo: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSite {
    id: Spanned<String>,
    customer: Spanned<String>,
    name: Spanned<String>,
    timezone: Spanned<String>,
    #[serde(default)]
    notes: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEndpoint {
    id: Spanned<String>,
    site: Spanned<String>,
    #[serde(default)]
    name: Option<Spanned<String>>,
    host: Spanned<String>,
    #[serde(default)]
    tags: Option<Spanned<Vec<String>>>,
    #[serde(default)]
    notes: Option<Spanned<String>>,
    #[serde(default)]
    parent: Option<Spanned<String>>,
    #[serde(default)]
    ssh: Option<Spanned<RawSsh>>,
    #[serde(default)]
    checks: Vec<Spanned<BTreeMap<String, Spanned<toml::Value>>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSsh {
    #[serde(default)]
    user: Option<Spanned<String>>,
    #[serde(default)]
    port: Option<Spanned<i64>>,
    #[serde(default)]
    jump: Option<Spanned<String>>,
    #[serde(default)]
    credential: Option<Spanned<String>>,
}

/// Byte ranges of an entity and of its fields, to turn findings into line numbers.
#[derive(Default)]
struct EntitySpans {
    whole: Range<usize>,
    fields: HashMap<String, Range<usize>>,
}

impl EntitySpans {
    fn add<T>(&mut self, field: &str, v: &Spanned<T>) {
        self.fields.insert(field.to_string(), v.span());
    }
    fn add_opt<T>(&mut self, field: &str, v: &Option<Spanned<T>>) {
        if let Some(v) = v {
            self.add(field, v);
        }
    }
    /// The most specific span known for `field`: itself, then its parents
    /// (`checks[1].url` → `checks[1]` → `checks`), then the entity.
    fn find(&self, field: &str) -> Range<usize> {
        let mut key = field;
        loop {
            if let Some(r) = self.fields.get(key) {
                return r.clone();
            }
            match key.rfind(['.', '[']) {
                Some(i) => key = &key[..i],
                None => return self.whole.clone(),
            }
        }
    }
}

/// A fleet file read and shape-checked, not yet validated as a whole.
pub struct FleetFile {
    name: String,
    text_lines: Vec<usize>,
    fleet: Fleet,
    spans: [Vec<EntitySpans>; 3],
}

fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect()
}

fn line_of(starts: &[usize], offset: usize) -> u32 {
    let line = match starts.binary_search(&offset) {
        Ok(i) => i + 1,
        Err(i) => i,
    };
    u32::try_from(line).unwrap_or(u32::MAX)
}

fn issue(
    file: &str,
    line: Option<u32>,
    field: impl Into<String>,
    message: impl Into<String>,
) -> FleetIssue {
    FleetIssue {
        file: Some(file.to_string()),
        line,
        field: field.into(),
        message: message.into(),
    }
}

/// Reads a fleet file: TOML syntax, known keys, value types. Cross-entity rules
/// (unknown ids, cycles, ...) are checked by [`FleetFile::validate`].
pub fn read(file_name: &str, text: &str) -> Result<FleetFile, Vec<FleetIssue>> {
    if text.len() > MAX_IMPORT_BYTES {
        return Err(vec![issue(
            file_name,
            None,
            "file",
            format!(
                "file is {} bytes; the limit is {} bytes: split it into smaller files",
                text.len(),
                MAX_IMPORT_BYTES
            ),
        )]);
    }
    let starts = line_starts(text);
    let raw: RawFile = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| line_of(&starts, s.start));
        vec![issue(
            file_name,
            line,
            "file",
            e.message().trim().to_string(),
        )]
    })?;

    let mut problems = Vec::new();
    let mut fleet = Fleet::default();
    let mut spans: [Vec<EntitySpans>; 3] = Default::default();

    for c in raw.customers {
        let whole = c.span();
        let c = c.into_inner();
        let mut s = EntitySpans {
            whole,
            ..Default::default()
        };
        s.add("id", &c.id);
        s.add("name", &c.name);
        s.add_opt("notes", &c.notes);
        fleet.customers.push(Customer {
            id: c.id.into_inner(),
            name: c.name.into_inner(),
            notes: c.notes.map(Spanned::into_inner).unwrap_or_default(),
            demo: c.demo,
        });
        spans[0].push(s);
    }
    for site in raw.sites {
        let whole = site.span();
        let site = site.into_inner();
        let mut s = EntitySpans {
            whole,
            ..Default::default()
        };
        s.add("id", &site.id);
        s.add("customer", &site.customer);
        s.add("name", &site.name);
        s.add("timezone", &site.timezone);
        s.add_opt("notes", &site.notes);
        fleet.sites.push(Site {
            id: site.id.into_inner(),
            customer: site.customer.into_inner(),
            name: site.name.into_inner(),
            timezone: site.timezone.into_inner(),
            notes: site.notes.map(Spanned::into_inner).unwrap_or_default(),
        });
        spans[1].push(s);
    }
    for e in raw.endpoints {
        let whole = e.span();
        let e = e.into_inner();
        let mut s = EntitySpans {
            whole,
            ..Default::default()
        };
        s.add("id", &e.id);
        s.add("site", &e.site);
        s.add_opt("name", &e.name);
        s.add("host", &e.host);
        s.add_opt("tags", &e.tags);
        s.add_opt("notes", &e.notes);
        s.add_opt("parent", &e.parent);
        let mut ssh = SshSettings::default();
        if let Some(raw_ssh) = e.ssh {
            s.add("ssh", &raw_ssh);
            let raw_ssh = raw_ssh.into_inner();
            s.add_opt("ssh.user", &raw_ssh.user);
            s.add_opt("ssh.port", &raw_ssh.port);
            s.add_opt("ssh.jump", &raw_ssh.jump);
            s.add_opt("ssh.credential", &raw_ssh.credential);
            ssh.user = raw_ssh.user.map(Spanned::into_inner);
            ssh.jump = raw_ssh.jump.map(Spanned::into_inner);
            ssh.credential = raw_ssh.credential.map(Spanned::into_inner);
            if let Some(port) = raw_ssh.port {
                let line = line_of(&starts, port.span().start);
                match u16::try_from(*port.get_ref()) {
                    Ok(p) => ssh.port = Some(p),
                    Err(_) => problems.push(issue(
                        file_name,
                        Some(line),
                        format!("endpoints.{}.ssh.port", e.id.get_ref()),
                        format!("ssh port {} is out of range; use 1-65535", port.get_ref()),
                    )),
                }
            }
        }
        let mut checks = Vec::new();
        for (ci, table) in e.checks.into_iter().enumerate() {
            let span = table.span();
            let line = line_of(&starts, span.start);
            s.fields.insert(format!("checks[{ci}]"), span);
            let table = table.into_inner();
            for (key, value) in &table {
                s.fields.insert(format!("checks[{ci}].{key}"), value.span());
            }
            let field = format!("endpoints.{}.checks[{ci}]", e.id.get_ref());
            let table: toml::Table = table
                .into_iter()
                .map(|(k, v)| (k, v.into_inner()))
                .collect();
            match check_from_table(table) {
                Ok(c) => checks.push(c),
                Err(msg) => problems.push(issue(file_name, Some(line), field, msg)),
            }
        }
        fleet.endpoints.push(Endpoint {
            id: e.id.into_inner(),
            site: e.site.into_inner(),
            name: e.name.map(Spanned::into_inner).unwrap_or_default(),
            host: e.host.into_inner(),
            tags: e.tags.map(Spanned::into_inner).unwrap_or_default(),
            notes: e.notes.map(Spanned::into_inner).unwrap_or_default(),
            parent: e.parent.map(Spanned::into_inner),
            ssh,
            checks,
        });
        spans[2].push(s);
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(FleetFile {
        name: file_name.to_string(),
        text_lines: starts,
        fleet,
        spans,
    })
}

fn check_from_table(mut table: toml::Table) -> Result<Check, String> {
    let kind = match table.remove("kind") {
        Some(toml::Value::String(k)) => k,
        Some(_) => return Err("check kind must be a string such as \"http\"".into()),
        None => return Err(format!("check has no kind; use one of {}", kinds_list())),
    };
    let kind = CheckKind::parse(&kind)
        .ok_or_else(|| format!("unknown check kind {kind:?}; use one of {}", kinds_list()))?;
    let mut params = BTreeMap::new();
    for (key, value) in table {
        params.insert(key.clone(), toml_to_json(&key, value)?);
    }
    Ok(Check { kind, params })
}

fn kinds_list() -> String {
    CheckKind::ALL
        .iter()
        .map(|k| k.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn toml_to_json(key: &str, v: toml::Value) -> Result<serde_json::Value, String> {
    use serde_json::Value as J;
    Ok(match v {
        toml::Value::String(s) => J::String(s),
        toml::Value::Integer(i) => J::from(i),
        toml::Value::Float(f) => serde_json::Number::from_f64(f)
            .map(J::Number)
            .ok_or_else(|| format!("check parameter {key:?} is not a finite number"))?,
        toml::Value::Boolean(b) => J::Bool(b),
        toml::Value::Datetime(_) => {
            return Err(format!(
                "check parameter {key:?} is a TOML date; write it as a quoted string"
            ))
        }
        toml::Value::Array(a) => J::Array(
            a.into_iter()
                .map(|x| toml_to_json(key, x))
                .collect::<Result<_, _>>()?,
        ),
        toml::Value::Table(t) => J::Object(
            t.into_iter()
                .map(|(k, x)| toml_to_json(&k, x).map(|x| (k, x)))
                .collect::<Result<_, _>>()?,
        ),
    })
}

impl FleetFile {
    /// The entities written in the file, in file order.
    pub fn fleet(&self) -> &Fleet {
        &self.fleet
    }

    /// Validates the file's entities merged over `base` (the store's fleet, or none for a
    /// file that must stand alone). Returns the merged, sorted fleet, or every problem,
    /// those in the file with their line.
    pub fn validate(self, base: Option<&Fleet>) -> Result<Fleet, Vec<FleetIssue>> {
        let composed = Composed::new(base, self.fleet.clone());
        let findings = validate::check(&composed.fleet);
        if findings.is_empty() {
            let mut fleet = composed.fleet;
            fleet.normalize();
            return Ok(fleet);
        }
        Err(findings.iter().map(|f| self.locate(&composed, f)).collect())
    }

    fn locate(&self, composed: &Composed, f: &Finding) -> FleetIssue {
        let field = validate::field_path(&composed.fleet, f);
        match composed.new_index(f) {
            Some(i) => {
                let slot = match f.kind {
                    EntityKind::Customer => 0,
                    EntityKind::Site => 1,
                    EntityKind::Endpoint => 2,
                };
                let line = self.spans[slot]
                    .get(i)
                    .map(|s| line_of(&self.text_lines, s.find(&f.field).start));
                issue(&self.name, line, field, f.message.clone())
            }
            // A finding about an entity already in the store, caused by the file.
            None => FleetIssue {
                file: None,
                line: None,
                field: format!("(in the store) {field}"),
                message: f.message.clone(),
            },
        }
    }
}

/// Reads and validates a fleet file that stands alone.
pub fn parse(file_name: &str, text: &str) -> Result<Fleet, Vec<FleetIssue>> {
    read(file_name, text)?.validate(None)
}

#[derive(Serialize)]
struct OutFile<'a> {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    customers: Vec<OutCustomer<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    sites: Vec<OutSite<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    endpoints: Vec<OutEndpoint<'a>>,
}

#[derive(Serialize)]
struct OutCustomer<'a> {
    id: &'a str,
    name: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    notes: &'a str,
    #[serde(skip_serializing_if = "is_false")]
    demo: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

#[derive(Serialize)]
struct OutSite<'a> {
    id: &'a str,
    customer: &'a str,
    name: &'a str,
    timezone: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    notes: &'a str,
}

#[derive(Serialize)]
struct OutEndpoint<'a> {
    id: &'a str,
    site: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    name: &'a str,
    host: &'a str,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    tags: &'a [String],
    #[serde(skip_serializing_if = "str::is_empty")]
    notes: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    parent: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ssh: Option<OutSsh<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    checks: Vec<OutCheck<'a>>,
}

#[derive(Serialize)]
struct OutSsh<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    user: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    port: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    jump: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    credential: Option<&'a str>,
}

#[derive(Serialize)]
struct OutCheck<'a> {
    kind: &'static str,
    #[serde(flatten)]
    params: &'a BTreeMap<String, serde_json::Value>,
}

/// Writes the fleet as a canonical fleet file (sorted by id, empty fields left out).
pub fn export(fleet: &Fleet) -> Result<String, toml::ser::Error> {
    let mut sorted = fleet.clone();
    sorted.normalize();
    let out = OutFile {
        customers: sorted
            .customers
            .iter()
            .map(|c| OutCustomer {
                id: &c.id,
                name: &c.name,
                notes: &c.notes,
                demo: c.demo,
            })
            .collect(),
        sites: sorted
            .sites
            .iter()
            .map(|s| OutSite {
                id: &s.id,
                customer: &s.customer,
                name: &s.name,
                timezone: &s.timezone,
                notes: &s.notes,
            })
            .collect(),
        endpoints: sorted
            .endpoints
            .iter()
            .map(|e| OutEndpoint {
                id: &e.id,
                site: &e.site,
                name: &e.name,
                host: &e.host,
                tags: &e.tags,
                notes: &e.notes,
                parent: e.parent.as_deref(),
                ssh: (!e.ssh.is_empty()).then_some(OutSsh {
                    user: e.ssh.user.as_deref(),
                    port: e.ssh.port,
                    jump: e.ssh.jump.as_deref(),
                    credential: e.ssh.credential.as_deref(),
                }),
                checks: e
                    .checks
                    .iter()
                    .map(|c| OutCheck {
                        kind: c.kind.as_str(),
                        params: &c.params,
                    })
                    .collect(),
            })
            .collect(),
    };
    let body = toml::to_string(&out)?;
    Ok(format!(
        "# Fieldline fleet file. Edit freely; `fieldline fleet import` reads it back.\n\n{body}"
    ))
}
