//! The rules every fleet obeys, wherever it came from (fleet file, CSV, UI form, store).
//!
//! [`check`] reports findings against entity positions and field names; callers turn
//! them into [`FleetIssue`]s with whatever location they know (a file line, an id).

use crate::issue::FleetIssue;
use crate::limits::*;
use crate::model::{Endpoint, Fleet};
use std::collections::{HashMap, HashSet};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntityKind {
    Customer,
    Site,
    Endpoint,
}

impl EntityKind {
    pub fn table(self) -> &'static str {
        match self {
            EntityKind::Customer => "customers",
            EntityKind::Site => "sites",
            EntityKind::Endpoint => "endpoints",
        }
    }
}

/// A rule broken by the entity at `index` of its list, in `field` (`id`, `parent`,
/// `ssh.jump`, `tags`, `checks[1].kind`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub kind: EntityKind,
    pub index: usize,
    pub field: String,
    pub message: String,
}

/// Validates a fleet and returns issues located by entity id (no file positions).
pub fn validate(fleet: &Fleet) -> Vec<FleetIssue> {
    check(fleet)
        .into_iter()
        .map(|f| FleetIssue {
            file: None,
            line: None,
            field: field_path(fleet, &f),
            message: f.message,
        })
        .collect()
}

/// `endpoints.acme-web1.parent`, or `endpoints[3].id` when the entity has no usable id.
pub fn field_path(fleet: &Fleet, f: &Finding) -> String {
    let id = match f.kind {
        EntityKind::Customer => fleet.customers.get(f.index).map(|c| c.id.as_str()),
        EntityKind::Site => fleet.sites.get(f.index).map(|s| s.id.as_str()),
        EntityKind::Endpoint => fleet.endpoints.get(f.index).map(|e| e.id.as_str()),
    }
    .unwrap_or("");
    if id.is_empty() || id_problem(id).is_some() {
        format!("{}[{}].{}", f.kind.table(), f.index, f.field)
    } else {
        format!("{}.{}.{}", f.kind.table(), id, f.field)
    }
}

/// Why `id` is not a valid id, if it is not.
pub fn id_problem(id: &str) -> Option<String> {
    if id.is_empty() {
        return Some("is empty; give it an id such as \"acme-web1\"".into());
    }
    if id.chars().count() > MAX_ID_LEN {
        return Some(format!("is longer than {MAX_ID_LEN} characters"));
    }
    if let Some(c) = id
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
    {
        return Some(format!(
            "contains {c:?}; ids use only letters a-z, digits, '-', '_' and '.'"
        ));
    }
    None
}

fn text_problem(value: &str, max: usize, required: bool) -> Option<String> {
    if required && value.trim().is_empty() {
        return Some("is empty".into());
    }
    if value.chars().count() > max {
        return Some(format!("is longer than {max} characters"));
    }
    if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
    {
        return Some("contains control characters".into());
    }
    None
}

/// Why `host` is not a usable host name or address, if it is not.
pub fn host_problem(host: &str) -> Option<String> {
    if host.is_empty() {
        return Some("is empty; give a host name or an IP address".into());
    }
    if host.len() > MAX_HOST_LEN {
        return Some(format!("is longer than {MAX_HOST_LEN} characters"));
    }
    if host.parse::<std::net::IpAddr>().is_ok() {
        return None;
    }
    if let Some(c) = host
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_')))
    {
        return Some(format!(
            "contains {c:?}; use a host name (letters, digits, '-', '.') or an IP address"
        ));
    }
    if host.starts_with('.') || host.ends_with("..") || host.contains("..") {
        return Some("is not a valid host name (empty label)".into());
    }
    None
}

/// Why `tag` is not a valid tag, if it is not.
pub fn tag_problem(tag: &str) -> Option<String> {
    if tag.is_empty() {
        return Some("is empty".into());
    }
    if tag.chars().count() > MAX_TAG_LEN {
        return Some(format!("is longer than {MAX_TAG_LEN} characters"));
    }
    if tag
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || matches!(c, ',' | ';' | '|'))
    {
        return Some("contains a space or one of , ; | (tags are single words)".into());
    }
    None
}

/// Why `tz` is not an IANA time zone name, if it is not.
pub fn timezone_problem(tz: &str) -> Option<String> {
    if tz.is_empty() {
        return Some("is empty; give an IANA time zone such as \"Asia/Seoul\"".into());
    }
    match jiff::tz::TimeZone::get(tz) {
        Ok(_) => None,
        Err(_) => Some(format!(
            "{tz:?} is not a known IANA time zone (for example \"Asia/Seoul\", \"Europe/Berlin\", \"UTC\")"
        )),
    }
}

/// Every rule, in a stable order: per-entity fields, references, then cycles.
pub fn check(fleet: &Fleet) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut push = |kind, index, field: &str, message: String| {
        out.push(Finding {
            kind,
            index,
            field: field.to_string(),
            message,
        })
    };

    // Ids: valid and unique within their kind.
    let mut ids: [HashMap<&str, usize>; 3] = Default::default();
    let lists: [(EntityKind, Vec<&str>); 3] = [
        (
            EntityKind::Customer,
            fleet.customers.iter().map(|c| c.id.as_str()).collect(),
        ),
        (
            EntityKind::Site,
            fleet.sites.iter().map(|s| s.id.as_str()).collect(),
        ),
        (
            EntityKind::Endpoint,
            fleet.endpoints.iter().map(|e| e.id.as_str()).collect(),
        ),
    ];
    for (slot, (kind, list)) in lists.into_iter().enumerate() {
        for (i, id) in list.into_iter().enumerate() {
            if let Some(p) = id_problem(id) {
                push(kind, i, "id", format!("id {p}"));
                continue;
            }
            if let Some(first) = ids[slot].get(id) {
                push(
                    kind,
                    i,
                    "id",
                    format!(
                        "duplicate id {id:?}: {} #{} already uses it",
                        kind.table(),
                        first + 1
                    ),
                );
            } else {
                ids[slot].insert(id, i);
            }
        }
    }
    let [customers, sites, endpoints] = &ids;

    for (i, c) in fleet.customers.iter().enumerate() {
        if let Some(p) = text_problem(&c.name, MAX_NAME_LEN, true) {
            push(EntityKind::Customer, i, "name", format!("name {p}"));
        }
        if let Some(p) = text_problem(&c.notes, MAX_NOTES_LEN, false) {
            push(EntityKind::Customer, i, "notes", format!("notes {p}"));
        }
    }

    for (i, s) in fleet.sites.iter().enumerate() {
        if !customers.contains_key(s.customer.as_str()) {
            push(
                EntityKind::Site,
                i,
                "customer",
                format!(
                    "unknown customer {:?}; add it under [[customers]] first",
                    s.customer
                ),
            );
        }
        if let Some(p) = text_problem(&s.name, MAX_NAME_LEN, true) {
            push(EntityKind::Site, i, "name", format!("name {p}"));
        }
        if let Some(p) = timezone_problem(&s.timezone) {
            push(EntityKind::Site, i, "timezone", format!("timezone {p}"));
        }
        if let Some(p) = text_problem(&s.notes, MAX_NOTES_LEN, false) {
            push(EntityKind::Site, i, "notes", format!("notes {p}"));
        }
    }

    for (i, e) in fleet.endpoints.iter().enumerate() {
        let k = EntityKind::Endpoint;
        if !sites.contains_key(e.site.as_str()) {
            push(
                k,
                i,
                "site",
                format!("unknown site {:?}; add it under [[sites]] first", e.site),
            );
        }
        if let Some(p) = text_problem(&e.name, MAX_NAME_LEN, false) {
            push(k, i, "name", format!("name {p}"));
        }
        if let Some(p) = host_problem(&e.host) {
            push(k, i, "host", format!("host {p}"));
        }
        if let Some(p) = text_problem(&e.notes, MAX_NOTES_LEN, false) {
            push(k, i, "notes", format!("notes {p}"));
        }
        if e.tags.len() > MAX_TAGS {
            push(k, i, "tags", format!("more than {MAX_TAGS} tags"));
        }
        let mut seen = HashSet::new();
        for (t, tag) in e.tags.iter().enumerate() {
            if let Some(p) = tag_problem(tag) {
                push(k, i, &format!("tags[{t}]"), format!("tag {tag:?} {p}"));
            } else if !seen.insert(tag.as_str()) {
                push(
                    k,
                    i,
                    &format!("tags[{t}]"),
                    format!("tag {tag:?} is listed twice"),
                );
            }
        }
        if let Some(parent) = &e.parent {
            if parent == &e.id {
                push(k, i, "parent", "parent is the endpoint itself".into());
            } else if !endpoints.contains_key(parent.as_str()) {
                push(
                    k,
                    i,
                    "parent",
                    format!("unknown parent endpoint {parent:?}"),
                );
            }
        }
        if let Some(jump) = &e.ssh.jump {
            if jump == &e.id {
                push(k, i, "ssh.jump", "jump host is the endpoint itself".into());
            } else if !endpoints.contains_key(jump.as_str()) {
                push(k, i, "ssh.jump", format!("unknown jump endpoint {jump:?}"));
            }
        }
        if let Some(user) = &e.ssh.user {
            if let Some(p) = text_problem(user, MAX_ID_LEN, true) {
                push(k, i, "ssh.user", format!("ssh user {p}"));
            } else if user.chars().any(char::is_whitespace) {
                push(k, i, "ssh.user", "ssh user contains a space".into());
            }
        }
        if e.ssh.port == Some(0) {
            push(
                k,
                i,
                "ssh.port",
                "ssh port 0 is not a port; use 1-65535".into(),
            );
        }
        if let Some(cred) = &e.ssh.credential {
            if let Some(p) = id_problem(cred) {
                push(
                    k,
                    i,
                    "ssh.credential",
                    format!("credential profile name {p}"),
                );
            }
        }
        if e.checks.len() > MAX_CHECKS {
            push(k, i, "checks", format!("more than {MAX_CHECKS} checks"));
        }
        for (c, check) in e.checks.iter().enumerate() {
            if check.params.contains_key("kind") {
                push(
                    k,
                    i,
                    &format!("checks[{c}]"),
                    "check parameter named \"kind\" is reserved".into(),
                );
            }
            if let Some((key, _)) = check.params.iter().find(|(_, v)| contains_null(v)) {
                push(
                    k,
                    i,
                    &format!("checks[{c}].{key}"),
                    "check parameter is null".into(),
                );
            } else if let Err(e) = crate::checks::CheckSpec::parse(check) {
                let field = if e.field.is_empty() {
                    format!("checks[{c}]")
                } else {
                    format!("checks[{c}].{}", e.field)
                };
                push(
                    k,
                    i,
                    &field,
                    format!("{} check: {}", check.kind.as_str(), e.message),
                );
            }
        }
    }

    for (field, next) in [
        (
            "parent",
            (|e: &Endpoint| e.parent.clone()) as fn(&Endpoint) -> Option<String>,
        ),
        ("ssh.jump", |e: &Endpoint| e.ssh.jump.clone()),
    ] {
        for (i, cycle) in cycles(fleet, endpoints, next) {
            push(
                EntityKind::Endpoint,
                i,
                field,
                format!("{field} forms a cycle: {}", cycle.join(" → ")),
            );
        }
    }
    out
}

fn contains_null(v: &serde_json::Value) -> bool {
    match v {
        serde_json::Value::Null => true,
        serde_json::Value::Array(a) => a.iter().any(contains_null),
        serde_json::Value::Object(o) => o.values().any(contains_null),
        _ => false,
    }
}

/// Finds each cycle of the relation `next` once, reported at its member with the
/// smallest index, with the path that closes it.
fn cycles(
    fleet: &Fleet,
    index: &HashMap<&str, usize>,
    next: fn(&Endpoint) -> Option<String>,
) -> Vec<(usize, Vec<String>)> {
    let n = fleet.endpoints.len();
    // 0 = unvisited, 1 = on the current walk, 2 = done
    let mut state = vec![0u8; n];
    let mut found = Vec::new();
    for start in 0..n {
        if state[start] != 0 {
            continue;
        }
        let mut walk = Vec::new();
        let mut cur = Some(start);
        while let Some(i) = cur {
            match state[i] {
                2 => break,
                1 => {
                    let from = walk.iter().position(|&w| w == i).unwrap_or(0);
                    let members = &walk[from..];
                    let first = members.iter().copied().min().unwrap_or(i);
                    let rot = members.iter().position(|&m| m == first).unwrap_or(0);
                    let mut path: Vec<String> = members[rot..]
                        .iter()
                        .chain(&members[..rot])
                        .map(|&m| fleet.endpoints[m].id.clone())
                        .collect();
                    path.push(fleet.endpoints[first].id.clone());
                    found.push((first, path));
                    break;
                }
                _ => {
                    state[i] = 1;
                    walk.push(i);
                    cur = next(&fleet.endpoints[i])
                        .filter(|t| t != &fleet.endpoints[i].id)
                        .and_then(|t| index.get(t.as_str()).copied());
                }
            }
        }
        for w in walk {
            state[w] = 2;
        }
    }
    found
}

/// A fleet built from a base (the store) and new entities (a file, a CSV), remembering
/// where the new ones start so findings about them can be traced back to their source.
pub struct Composed {
    pub fleet: Fleet,
    /// Index of the first new customer, site and endpoint in `fleet`'s lists.
    pub offsets: [usize; 3],
}

impl Composed {
    /// Base entities whose id the new ones do not replace come first, in base order,
    /// then the new entities in their source order. The result is not yet sorted.
    pub fn new(base: Option<&Fleet>, new: Fleet) -> Composed {
        fn keep<T: Clone>(base: &[T], new: &[T], id: impl Fn(&T) -> &str) -> Vec<T> {
            let replaced: HashSet<&str> = new.iter().map(&id).collect();
            base.iter()
                .filter(|x| !replaced.contains(id(x)))
                .cloned()
                .collect()
        }
        let empty = Fleet::default();
        let base = base.unwrap_or(&empty);
        let mut customers = keep(&base.customers, &new.customers, |c| &c.id);
        let mut sites = keep(&base.sites, &new.sites, |s| &s.id);
        let mut endpoints = keep(&base.endpoints, &new.endpoints, |e| &e.id);
        let offsets = [customers.len(), sites.len(), endpoints.len()];
        customers.extend(new.customers);
        sites.extend(new.sites);
        endpoints.extend(new.endpoints);
        Composed {
            fleet: Fleet {
                customers,
                sites,
                endpoints,
            },
            offsets,
        }
    }

    /// The position of a finding's entity among the new entities, if it is one.
    pub fn new_index(&self, f: &Finding) -> Option<usize> {
        let offset = match f.kind {
            EntityKind::Customer => self.offsets[0],
            EntityKind::Site => self.offsets[1],
            EntityKind::Endpoint => self.offsets[2],
        };
        f.index.checked_sub(offset)
    }
}
