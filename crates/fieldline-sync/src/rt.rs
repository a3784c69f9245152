//! Request Tracker 4.4/5 over REST 2.0 (`/REST/2.0`), with an auth token
//! (`Authorization: token …`, made in RT under Settings → Auth Tokens).
//!
//! RT's facts this relies on (checked against RT 5.0.3, see `tests/rt_sync.rs`):
//! - `GET /ticket/ID` answers with `ETag: "N"`, N the ticket's last transaction id;
//!   `PUT /ticket/ID` with a stale `If-Match` answers 412.
//! - Search: `GET /tickets?query=TicketSQL&fields=…`, 100 per page at most; numbers come
//!   as strings, unset dates as `1970-01-01T00:00:00Z`, ids as strings or numbers.
//! - Update calls answer 200/201 even when RT refused part of them: the refusal is in
//!   the array of messages, so those are read.
//! - History: `GET /ticket/ID/history?fields=…` lists transactions in id order; `Creator`
//!   is the account, `TimeTaken` the minutes logged with it.

use crate::connector::{Applied, Connector, Outgoing, Page, ServerInfo, SyncError};
use fieldline_store::sync::{ConnectionConfig, RemoteTicket};
use jiff::Timestamp;
use reqwest::blocking::{Client, RequestBuilder};
use reqwest::StatusCode;
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::Read;
use std::sync::Mutex;
use std::time::Duration;

/// Largest answer read from the server; more is refused, not truncated.
pub const MAX_ANSWER_BYTES: u64 = 16 * 1024 * 1024;
/// Tickets per search page (RT's maximum).
pub const PAGE_SIZE: usize = 100;
/// Pages read from one listing at most: a thousand pages of [`PAGE_SIZE`] (a hundred
/// thousand tickets in the connection's queues, or transactions on one ticket). A server
/// that still answers full pages after that, or sends a page with nothing new (one that
/// ignores `page`), is refused with a clear error instead of being read for ever.
pub const MAX_PAGES: usize = 1_000;
/// Seconds the cursor is moved back from the server's time, for RT's whole-second times.
const CURSOR_MARGIN_SECS: i64 = 2;
const FIELDS: &str =
    "Subject,Status,Queue,Priority,SLA,Created,Started,Resolved,Due,LastUpdated,TimeWorked,Owner";

pub struct RequestTracker {
    base: String,
    token: String,
    user: String,
    queues: Vec<String>,
    client: Client,
    /// Queue id → name, filled as pages name new queues.
    queue_names: Mutex<BTreeMap<String, String>>,
}

impl std::fmt::Debug for RequestTracker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestTracker")
            .field("base", &self.base)
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

struct Answer {
    status: StatusCode,
    etag: Option<String>,
    date: Option<Timestamp>,
    location: Option<String>,
    body: Value,
}

impl RequestTracker {
    /// Refused before anything is sent when the token may not go to the connection's
    /// address (`fieldline_keychain::secret_origin`: plain http:// to another machine).
    pub fn new(config: &ConnectionConfig, token: &str) -> Result<RequestTracker, SyncError> {
        fieldline_keychain::secret_origin(&config.url).map_err(|e| SyncError::Secret(e.into()))?;
        let client = Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(60))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("Fieldline/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| SyncError::Unreachable {
                url: config.url.clone(),
                detail: e.to_string(),
            })?;
        Ok(RequestTracker {
            base: format!("{}/REST/2.0", config.url.trim().trim_end_matches('/')),
            token: token.trim().to_string(),
            user: config.user.clone(),
            queues: config.queues.clone(),
            client,
            queue_names: Mutex::new(BTreeMap::new()),
        })
    }

    fn send(&self, what: &str, req: RequestBuilder) -> Result<Answer, SyncError> {
        let resp = req
            .header("Authorization", format!("token {}", self.token))
            .header("Accept", "application/json")
            .send()
            .map_err(|e| SyncError::Unreachable {
                url: self.base.clone(),
                detail: describe(&e),
            })?;
        let status = resp.status();
        let header = |name: &str| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let etag = header("etag").map(|e| e.trim_matches('"').to_string());
        let date = header("date")
            .and_then(|d| jiff::fmt::rfc2822::parse(&d).ok())
            .map(|z| z.timestamp());
        let location = header("location");
        if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
            return Err(SyncError::Auth {
                status: status.as_u16(),
            });
        }
        let mut bytes = Vec::new();
        resp.take(MAX_ANSWER_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| SyncError::Unreachable {
                url: self.base.clone(),
                detail: format!("the answer to {what} was cut off: {e}"),
            })?;
        if bytes.len() as u64 > MAX_ANSWER_BYTES {
            return Err(SyncError::BadAnswer {
                what: what.into(),
                detail: format!("it is larger than {} MiB", MAX_ANSWER_BYTES / 1024 / 1024),
            });
        }
        let body: Value = if bytes.is_empty() {
            Value::Null
        } else {
            match serde_json::from_slice(&bytes) {
                Ok(v) => v,
                Err(_) if status.is_server_error() => Value::Null,
                Err(e) => {
                    return Err(SyncError::BadAnswer {
                        what: what.into(),
                        detail: format!("not JSON (HTTP {}): {e}", status.as_u16()),
                    })
                }
            }
        };
        if status.is_server_error()
            || (status.is_client_error() && status != StatusCode::PRECONDITION_FAILED)
        {
            return Err(SyncError::Server {
                status: status.as_u16(),
                what: what.into(),
                detail: body
                    .get("message")
                    .and_then(Value::as_str)
                    .map(|m| bounded(m, 300))
                    .unwrap_or_else(|| status.canonical_reason().unwrap_or("").to_string()),
            });
        }
        Ok(Answer {
            status,
            etag,
            date,
            location,
            body,
        })
    }

    fn get(&self, path: &str, query: &[(&str, String)]) -> Result<Answer, SyncError> {
        // The address and what is asked; the token travels in a header, never logged.
        tracing::debug!("RT GET {}{path}", self.base);
        self.send(
            path,
            self.client.get(format!("{}{path}", self.base)).query(query),
        )
    }

    fn queue_filter(&self) -> String {
        if self.queues.is_empty() {
            "id > 0".to_string()
        } else {
            let q: Vec<String> = self
                .queues
                .iter()
                .map(|q| format!("Queue = '{}'", q.replace('\'', "")))
                .collect();
            format!("({})", q.join(" OR "))
        }
    }

    fn queue_name(&self, id: &str) -> Result<String, SyncError> {
        if let Some(n) = self
            .queue_names
            .lock()
            .ok()
            .and_then(|m| m.get(id).cloned())
        {
            return Ok(n);
        }
        let a = self.get(&format!("/queue/{id}"), &[])?;
        let name = a
            .body
            .get("Name")
            .and_then(Value::as_str)
            .map(|s| bounded(s, 200))
            .unwrap_or_else(|| id.to_string());
        if let Ok(mut m) = self.queue_names.lock() {
            m.insert(id.to_string(), name.clone());
        }
        Ok(name)
    }

    fn ticket_from(&self, v: &Value, what: &str) -> Result<RemoteTicket, SyncError> {
        let bad = |detail: String| SyncError::BadAnswer {
            what: what.to_string(),
            detail,
        };
        let id = text(v.get("id")).ok_or_else(|| bad("a ticket without an id".into()))?;
        let time = |field: &str| -> Result<Option<Timestamp>, SyncError> {
            match v.get(field).and_then(Value::as_str) {
                None | Some("") | Some("1970-01-01T00:00:00Z") => Ok(None),
                Some(s) => s.parse::<Timestamp>().map(Some).map_err(|_| {
                    bad(format!(
                        "ticket {id}: {field} {:?} is not a time",
                        bounded(s, 40)
                    ))
                }),
            }
        };
        let queue_id = name_of(v.get("Queue")).unwrap_or_default();
        let queue = if queue_id.chars().all(|c| c.is_ascii_digit()) && !queue_id.is_empty() {
            self.queue_name(&queue_id)?
        } else {
            queue_id
        };
        let number = |field: &str| {
            text(v.get(field))
                .and_then(|s| s.parse::<i64>().ok())
                .unwrap_or(0)
        };
        Ok(RemoteTicket {
            title: text(v.get("Subject"))
                .map(|s| bounded(&s, 1000))
                .unwrap_or_default(),
            queue,
            status: text(v.get("Status"))
                .map(|s| bounded(&s, 64))
                .unwrap_or_default(),
            priority: number("Priority"),
            sla: text(v.get("SLA"))
                .filter(|s| !s.is_empty())
                .map(|s| bounded(&s, 64)),
            created: time("Created")?
                .ok_or_else(|| bad(format!("ticket {id} has no creation time")))?,
            started: time("Started")?,
            resolved: time("Resolved")?,
            due: time("Due")?,
            updated: time("LastUpdated")?
                .ok_or_else(|| bad(format!("ticket {id} has no update time")))?,
            minutes: u32::try_from(number("TimeWorked").max(0)).unwrap_or(u32::MAX),
            owner: name_of(v.get("Owner"))
                .map(|s| bounded(&s, 200))
                .unwrap_or_default(),
            remote_id: bounded(&id, 64),
        })
    }

    fn history_after(&self, remote_id: &str, version: i64) -> Result<Vec<Value>, SyncError> {
        let mut out = Vec::new();
        let mut listing = Listing::new(format!("the history of ticket {remote_id}"));
        loop {
            let page = listing.page;
            let a = self.get(
                &format!("/ticket/{remote_id}/history"),
                &[
                    ("fields", "Type,Field,NewValue,TimeTaken,Creator".into()),
                    ("per_page", PAGE_SIZE.to_string()),
                    ("page", page.to_string()),
                ],
            )?;
            let items = items(&a.body);
            let last = listing.read(&items, &a.body)?;
            out.extend(items.into_iter().filter(|t| {
                text(t.get("id"))
                    .and_then(|i| i.parse::<i64>().ok())
                    .is_some_and(|i| i > version)
            }));
            if last {
                break;
            }
        }
        Ok(out)
    }

    /// Whether RT's transaction `id` holds `body` as its content (a comment's text), as RT
    /// gives it: plain, or base64 where RT encodes an attachment's content.
    fn transaction_says(&self, id: &str, body: &str) -> Result<bool, SyncError> {
        let a = self.get(
            &format!("/transaction/{id}/attachments"),
            &[("fields", "Content".into())],
        )?;
        let want = same_text(body);
        Ok(items(&a.body)
            .iter()
            .filter_map(|i| i.get("Content").and_then(Value::as_str))
            .any(|content| {
                same_text(content) == want
                    || decode_base64(content)
                        .and_then(|bytes| String::from_utf8(bytes).ok())
                        .is_some_and(|decoded| same_text(&decoded) == want)
            }))
    }

    /// The messages of an update's answer; a refusal is one that does not say "changed"
    /// or "added".
    fn refusal(body: &Value) -> Option<String> {
        let msgs: Vec<String> = body
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(|s| bounded(s, 300))
                    .collect()
            })
            .unwrap_or_default();
        let bad: Vec<&String> = msgs
            .iter()
            .filter(|m| {
                let l = m.to_lowercase();
                !(l.contains("changed") || l.contains("added") || l.contains("worked"))
            })
            .collect();
        if bad.is_empty() && !msgs.is_empty() {
            None
        } else if msgs.is_empty() {
            Some("the helpdesk answered without saying what it did".into())
        } else {
            Some(
                bad.iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join("; "),
            )
        }
    }
}

/// Paging through one listing ordered by id (tickets, or a ticket's transactions): which
/// page to ask for next, and whether the one just read was the last. Bounded by
/// [`MAX_PAGES`]; a page that brings no id above the highest seen so far is the same page
/// again, refused. (A ticket updated during a pull may shift the rest by one, so a page can
/// repeat an id; it cannot repeat all of them.)
struct Listing {
    what: String,
    /// The page to ask for (1-based).
    page: usize,
    highest: Option<i64>,
}

impl Listing {
    fn new(what: String) -> Listing {
        Listing {
            what,
            page: 1,
            highest: None,
        }
    }

    /// Takes the page just read; `true` when it was the last one.
    fn read(&mut self, items: &[Value], body: &Value) -> Result<bool, SyncError> {
        let highest = items
            .iter()
            .filter_map(|i| text(i.get("id")).and_then(|id| id.parse::<i64>().ok()))
            .max();
        if let (Some(before), Some(now)) = (self.highest, highest) {
            if now <= before {
                return Err(SyncError::BadAnswer {
                    what: self.what.clone(),
                    detail: format!(
                        "page {} brought nothing after id {before} that page {} ended at; \
                         the server seems to send the same page again (does it ignore `page`?)",
                        self.page,
                        self.page - 1
                    ),
                });
            }
        }
        self.highest = highest.or(self.highest);
        // RT says how many pages there are: believed to stop early, never to go on.
        let said_last = body
            .get("pages")
            .and_then(Value::as_u64)
            .is_some_and(|pages| self.page as u64 >= pages);
        if items.len() < PAGE_SIZE || said_last {
            return Ok(true);
        }
        if self.page >= MAX_PAGES {
            return Err(SyncError::BadAnswer {
                what: self.what.clone(),
                detail: format!(
                    "still full after {MAX_PAGES} pages of {PAGE_SIZE}; Fieldline stops here \
                     rather than read for ever"
                ),
            });
        }
        self.page += 1;
        Ok(false)
    }
}

/// The text RT gets for a note or a time entry (both are comments); none for a field change.
fn comment_text(change: &Outgoing) -> Option<String> {
    match change {
        Outgoing::Note(text) => Some(text.clone()),
        Outgoing::Time {
            minutes,
            on_site,
            note,
        } => {
            let place = if *on_site { "on site" } else { "remote" };
            let head = format!("Time worked: {minutes} min, {place} (Fieldline)");
            Some(if note.trim().is_empty() {
                head
            } else {
                format!("{head}\n\n{note}")
            })
        }
        Outgoing::Status(_) | Outgoing::Priority(_) => None,
    }
}

/// A comment's text as compared: RT may change line endings and the blank edges.
fn same_text(text: &str) -> String {
    text.replace("\r\n", "\n").trim().to_owned()
}

/// Standard base64 (RT's encoding of attachment contents), line breaks allowed; `None`
/// when `text` is not base64.
fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text.bytes().filter(|c| !c.is_ascii_whitespace()) {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => break,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// The `items` of a page (none when the answer has none).
fn items(body: &Value) -> Vec<Value> {
    body.get("items")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

/// The name of an RT object reference (`{"id": "fieldline", …}`) or a plain value.
fn name_of(v: Option<&Value>) -> Option<String> {
    let v = v?;
    text(v.get("id")).or_else(|| text(Some(v)))
}

/// A JSON string or number as text (RT sends both for the same field).
fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// At most `max` characters of a server's string.
fn bounded(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// A transport error without the noise (and never a header, so never the token).
fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "no answer in time".into()
    } else if e.is_connect() {
        "connection refused or no route to it".into()
    } else {
        let mut s = e.to_string();
        let mut src = std::error::Error::source(e);
        while let Some(inner) = src {
            s = format!("{s}: {inner}");
            src = inner.source();
        }
        bounded(&s, 300)
    }
}

/// TicketSQL's date form, in UTC (the zone is named so the account's own zone does not apply).
fn sql_time(t: Timestamp) -> String {
    t.strftime("%Y-%m-%d %H:%M:%S UTC").to_string()
}

impl Connector for RequestTracker {
    fn test(&self) -> Result<ServerInfo, SyncError> {
        let a = self.get("/rt", &[])?;
        let version = a
            .body
            .get("Version")
            .and_then(Value::as_str)
            .map(|v| bounded(v, 60))
            .unwrap_or_else(|| "?".into());
        let count = self.get(
            "/tickets",
            &[("query", self.queue_filter()), ("per_page", "1".into())],
        )?;
        Ok(ServerInfo {
            server: format!("Request Tracker {version}"),
            tickets: count.body.get("total").and_then(Value::as_u64).unwrap_or(0),
        })
    }

    fn changed_since(
        &self,
        since: Option<Timestamp>,
        page: &mut dyn FnMut(Page) -> Result<(), SyncError>,
    ) -> Result<Timestamp, SyncError> {
        // RT's search never shows deleted tickets: `ids_in_scope` and the engine's
        // reconcile notice those.
        let query = match since {
            None => self.queue_filter(),
            Some(t) => format!(
                "{} AND LastUpdated >= '{}'",
                self.queue_filter(),
                sql_time(t)
            ),
        };
        let mut cursor = None;
        let mut listing = Listing::new("the ticket search".into());
        loop {
            let n = listing.page;
            // Ordered by id, which changes never move: a ticket changed during the pull
            // can only add itself to a later page, never push another one off.
            let a = self.get(
                "/tickets",
                &[
                    ("query", query.clone()),
                    ("fields", FIELDS.into()),
                    ("orderby", "id".into()),
                    ("order", "ASC".into()),
                    ("per_page", PAGE_SIZE.to_string()),
                    ("page", n.to_string()),
                ],
            )?;
            if cursor.is_none() {
                let server_now = a.date.unwrap_or_else(Timestamp::now);
                cursor = Some(server_now - jiff::SignedDuration::from_secs(CURSOR_MARGIN_SECS));
            }
            let items = items(&a.body);
            let last = listing.read(&items, &a.body)?;
            let mut read = Page::default();
            for v in &items {
                match self.ticket_from(v, "the ticket search") {
                    Ok(t) => read.tickets.push(t),
                    Err(SyncError::BadAnswer { detail, .. }) => read.unreadable.push(detail),
                    Err(e) => return Err(e),
                }
            }
            if !items.is_empty() {
                page(read)?;
            }
            if last {
                break;
            }
        }
        Ok(cursor.unwrap_or_else(Timestamp::now))
    }

    fn ids_in_scope(&self) -> Result<Vec<String>, SyncError> {
        let mut ids = Vec::new();
        let mut listing = Listing::new("the list of tickets in scope".into());
        loop {
            let n = listing.page;
            let a = self.get(
                "/tickets",
                &[
                    ("query", self.queue_filter()),
                    ("orderby", "id".into()),
                    ("order", "ASC".into()),
                    ("per_page", PAGE_SIZE.to_string()),
                    ("page", n.to_string()),
                ],
            )?;
            let items = items(&a.body);
            let last = listing.read(&items, &a.body)?;
            ids.extend(items.iter().filter_map(|i| text(i.get("id"))));
            if last {
                break;
            }
        }
        Ok(ids)
    }

    fn fetch(&self, remote_id: &str) -> Result<(RemoteTicket, String), SyncError> {
        let what = format!("ticket {remote_id}");
        let a = self.get(&format!("/ticket/{remote_id}"), &[])?;
        let version = a.etag.clone().ok_or_else(|| SyncError::BadAnswer {
            what: what.clone(),
            detail: "no ETag (version) in the answer".into(),
        })?;
        Ok((self.ticket_from(&a.body, &what)?, version))
    }

    fn find_applied(
        &self,
        remote_id: &str,
        version: &str,
        change: &Outgoing,
    ) -> Result<Option<String>, SyncError> {
        let version: i64 = version.parse().unwrap_or(i64::MAX);
        let mine = |t: &Value| name_of(t.get("Creator")).is_some_and(|c| c == self.user);
        let field = |t: &Value, f: &str| text(t.get(f)).unwrap_or_default();
        let taken = |t: &Value| {
            text(t.get("TimeTaken"))
                .and_then(|s| s.parse::<u32>().ok())
                .unwrap_or(0)
        };
        let says = comment_text(change);
        for t in self.history_after(remote_id, version)? {
            let candidate = mine(&t)
                && match change {
                    Outgoing::Status(s) => {
                        field(&t, "Type") == "Status" && &field(&t, "NewValue") == s
                    }
                    Outgoing::Priority(p) => {
                        field(&t, "Type") == "Set"
                            && field(&t, "Field") == "Priority"
                            && field(&t, "NewValue") == p.to_string()
                    }
                    Outgoing::Note(_) => field(&t, "Type") == "Comment" && taken(&t) == 0,
                    Outgoing::Time { minutes, .. } => {
                        field(&t, "Type") == "Comment" && taken(&t) == *minutes
                    }
                };
            let Some(id) = text(t.get("id")).filter(|_| candidate) else {
                continue;
            };
            // A comment is this change only when it says the same: another comment by the
            // same account (a colleague sharing it, a script) is not taken for it.
            let same = match &says {
                Some(body) => self.transaction_says(&id, body)?,
                None => true,
            };
            if same {
                return Ok(Some(format!("transaction/{id}")));
            }
        }
        Ok(None)
    }

    fn apply(
        &self,
        remote_id: &str,
        version: &str,
        change: &Outgoing,
    ) -> Result<Applied, SyncError> {
        let what = format!("ticket {remote_id}");
        let url = format!("{}/ticket/{remote_id}", self.base);
        tracing::debug!("RT: {} to {url} (version {version})", change.kind());
        let if_match = format!("\"{version}\"");
        let (req, body) = match change {
            Outgoing::Status(s) => (self.client.put(&url), serde_json::json!({ "Status": s })),
            Outgoing::Priority(p) => (self.client.put(&url), serde_json::json!({ "Priority": p })),
            Outgoing::Note(_) => (
                self.client.post(format!("{url}/comment")),
                serde_json::json!({ "Content": comment_text(change), "ContentType": "text/plain" }),
            ),
            Outgoing::Time { minutes, .. } => (
                self.client.post(format!("{url}/comment")),
                serde_json::json!({ "Content": comment_text(change), "ContentType": "text/plain", "TimeTaken": minutes }),
            ),
        };
        // Field changes are conditional on the version the decision was made on; notes
        // and time are appended whatever happened since, so they carry no condition.
        let req = match change {
            Outgoing::Status(_) | Outgoing::Priority(_) => req.header("If-Match", if_match),
            Outgoing::Note(_) | Outgoing::Time { .. } => req,
        };
        let a = self.send(&what, req.json(&body))?;
        if a.status == StatusCode::PRECONDITION_FAILED {
            return Ok(Applied::Stale);
        }
        if let Some(why) = Self::refusal(&a.body) {
            return Ok(Applied::Refused(why));
        }
        let reference = a
            .location
            .as_deref()
            .and_then(|l| l.rsplit_once("/REST/2.0/").map(|(_, r)| r.to_string()))
            .unwrap_or_else(|| format!("ticket/{remote_id}"));
        Ok(Applied::Done { reference })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn page(first: i64, n: usize) -> Vec<Value> {
        (first..first + n as i64)
            .map(|id| json!({ "id": id.to_string() }))
            .collect()
    }

    #[test]
    fn a_listing_ends_at_a_short_page_or_where_rt_says_it_does() {
        let mut l = Listing::new("t".into());
        assert!(!l.read(&page(1, PAGE_SIZE), &json!({})).unwrap());
        assert_eq!(l.page, 2);
        assert!(l.read(&page(101, 3), &json!({})).unwrap());
        let mut l = Listing::new("t".into());
        assert!(l.read(&page(1, PAGE_SIZE), &json!({ "pages": 1 })).unwrap());
        let mut l = Listing::new("t".into());
        assert!(l.read(&[], &json!({})).unwrap(), "an empty listing");
    }

    #[test]
    fn a_listing_survives_a_shift_but_not_a_repeat_and_stops_at_the_cap() {
        let mut l = Listing::new("the ticket search".into());
        assert!(!l.read(&page(1, PAGE_SIZE), &json!({})).unwrap());
        // A ticket updated meanwhile pushed the rest by one: id 100 comes again.
        assert!(!l.read(&page(100, PAGE_SIZE), &json!({})).unwrap());
        let again = l.read(&page(100, PAGE_SIZE), &json!({})).unwrap_err();
        assert!(again.to_string().contains("same page again"), "{again}");

        let mut l = Listing::new("the ticket search".into());
        let mut first = 1;
        let err = loop {
            match l.read(&page(first, PAGE_SIZE), &json!({})) {
                Ok(false) => first += PAGE_SIZE as i64,
                Ok(true) => panic!("a full page ended the listing"),
                Err(e) => break e,
            }
        };
        assert_eq!(l.page, MAX_PAGES);
        assert!(
            err.to_string().contains("still full after 1000 pages"),
            "{err}"
        );
        assert!(err.to_string().contains("the ticket search"), "{err}");
    }

    #[test]
    fn a_comment_is_compared_by_its_text_plain_or_base64() {
        assert_eq!(
            decode_base64("7ZSE66aw7YSwIOygleyDgQ==\n").as_deref(),
            Some("프린터 정상".as_bytes())
        );
        assert_eq!(decode_base64("aGk=").as_deref(), Some(&b"hi"[..]));
        assert_eq!(decode_base64("not base64!"), None);
        assert_eq!(same_text("a\r\nb\n\n"), "a\nb");
        let time = Outgoing::Time {
            minutes: 5,
            on_site: true,
            note: "fuser".into(),
        };
        assert_eq!(
            comment_text(&time).as_deref(),
            Some("Time worked: 5 min, on site (Fieldline)\n\nfuser")
        );
        assert_eq!(comment_text(&Outgoing::Status("open".into())), None);
    }
}
