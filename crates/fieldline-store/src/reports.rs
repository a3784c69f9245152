//! The monthly SLA report for a customer meeting: per priority, how many first responses
//! and resolutions met their target, how many breached, and the mean business time they
//! took; every ticket of the month below. As CSV and as a printable HTML page.
//!
//! A ticket belongs to the month it was opened in, in the time zone of the customer's SLA
//! calendar. Clocks are replayed as of the report's `now`, so a ticket still open shows
//! as open (or breached, if it already is).

use crate::tickets::{SlaConfig, Ticket};
use crate::{Store, StoreError};
use fieldline_sla::{clock, ClockKind, ClockState, Priority};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct SlaReport {
    pub customer: String,
    pub customer_name: String,
    /// "2026-11".
    pub month: String,
    pub timezone: String,
    /// RFC 3339, UTC.
    pub generated_at: String,
    pub priorities: Vec<PriorityLine>,
    pub tickets: Vec<ReportTicket>,
    /// Uptime of the customer's endpoints; `None` while there is no monitoring history.
    pub uptime_percent: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct PriorityLine {
    pub priority: Priority,
    pub tickets: u32,
    pub response_met: u32,
    pub response_breached: u32,
    pub response_open: u32,
    pub resolution_met: u32,
    pub resolution_breached: u32,
    pub resolution_open: u32,
    /// Mean business seconds to the first response, over responded tickets.
    pub mean_response_secs: Option<i64>,
    pub mean_resolution_secs: Option<i64>,
}

/// `met`, `breached` or `open`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Met,
    Breached,
    Open,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Met => "met",
            Outcome::Breached => "breached",
            Outcome::Open => "open",
        }
    }

    fn of(c: &ClockState) -> Outcome {
        match (c.stopped_at, c.breached_at) {
            (_, Some(b)) if c.stopped_at.is_none_or(|s| b < s) => Outcome::Breached,
            (Some(_), _) => Outcome::Met,
            _ => Outcome::Open,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ReportTicket {
    pub id: i64,
    pub title: String,
    pub priority: Priority,
    #[ts(type = "string")]
    pub opened_at: Timestamp,
    pub state: fieldline_sla::TicketState,
    pub response: Outcome,
    pub response_secs: i64,
    pub resolution: Outcome,
    pub resolution_secs: i64,
    pub minutes_worked: u32,
}

/// Parses "2026-11".
pub fn parse_month(text: &str) -> Result<Date, StoreError> {
    let bad = || StoreError::BadFile(format!("{text:?} is not a month like \"2026-11\""));
    let (y, m) = text.trim().split_once('-').ok_or_else(bad)?;
    let (y, m): (i16, i8) = (y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    Date::new(y, m, 1).map_err(|_| bad())
}

fn zone_of(config: &SlaConfig, customer: &str) -> TimeZone {
    config
        .policy_for(customer)
        .ok()
        .and_then(|p| config.policies.get(&p).cloned())
        .and_then(|p| TimeZone::get(p.calendar.zone_name()).ok())
        .unwrap_or(TimeZone::UTC)
}

/// Builds the report of `customer` for the month starting `month` (day 1), as of `now`.
pub fn build(
    tickets: &[Ticket],
    config: &SlaConfig,
    customer: &str,
    customer_name: &str,
    month: Date,
    now: Timestamp,
) -> Result<SlaReport, StoreError> {
    let tz = zone_of(config, customer);
    let start = tz
        .to_ambiguous_timestamp(month.to_datetime(jiff::civil::Time::midnight()))
        .compatible()
        .map_err(|e| StoreError::BadFile(e.to_string()))?;
    let next = month
        .checked_add(jiff::Span::new().months(1))
        .map_err(|e| StoreError::BadFile(e.to_string()))?;
    let end = tz
        .to_ambiguous_timestamp(next.to_datetime(jiff::civil::Time::midnight()))
        .compatible()
        .map_err(|e| StoreError::BadFile(e.to_string()))?;
    let mut lines: Vec<PriorityLine> = Priority::ALL
        .iter()
        .map(|&priority| PriorityLine {
            priority,
            tickets: 0,
            response_met: 0,
            response_breached: 0,
            response_open: 0,
            resolution_met: 0,
            resolution_breached: 0,
            resolution_open: 0,
            mean_response_secs: None,
            mean_resolution_secs: None,
        })
        .collect();
    let mut sums = [(0i64, 0i64, 0i64, 0i64); 4];
    let mut out = Vec::new();
    for t in tickets.iter().filter(|t| t.customer == customer) {
        let opened = t.opened_at;
        if opened < start || opened >= end {
            continue;
        }
        let events = t.sla_events(config).map_err(StoreError::BadFile)?;
        let at = now.max(opened);
        let response = clock(&events, ClockKind::FirstResponse, at)
            .map_err(|e| StoreError::BadFile(e.to_string()))?;
        let resolution = clock(&events, ClockKind::Resolution, at)
            .map_err(|e| StoreError::BadFile(e.to_string()))?;
        let i = Priority::ALL
            .iter()
            .position(|p| *p == t.priority)
            .unwrap_or(3);
        let line = &mut lines[i];
        line.tickets += 1;
        let (ro, so) = (Outcome::of(&response), Outcome::of(&resolution));
        match ro {
            Outcome::Met => line.response_met += 1,
            Outcome::Breached => line.response_breached += 1,
            Outcome::Open => line.response_open += 1,
        }
        match so {
            Outcome::Met => line.resolution_met += 1,
            Outcome::Breached => line.resolution_breached += 1,
            Outcome::Open => line.resolution_open += 1,
        }
        if response.stopped_at.is_some() {
            sums[i].0 += response.elapsed.as_secs();
            sums[i].1 += 1;
        }
        if resolution.stopped_at.is_some() {
            sums[i].2 += resolution.elapsed.as_secs();
            sums[i].3 += 1;
        }
        out.push(ReportTicket {
            id: t.id,
            title: t.title.clone(),
            priority: t.priority,
            opened_at: t.opened_at,
            state: t.state,
            response: ro,
            response_secs: response.elapsed.as_secs(),
            resolution: so,
            resolution_secs: resolution.elapsed.as_secs(),
            minutes_worked: t.minutes,
        });
    }
    for (line, s) in lines.iter_mut().zip(sums) {
        line.mean_response_secs = (s.1 > 0).then(|| s.0 / s.1);
        line.mean_resolution_secs = (s.3 > 0).then(|| s.2 / s.3);
    }
    Ok(SlaReport {
        customer: customer.to_string(),
        customer_name: customer_name.to_string(),
        month: format!("{:04}-{:02}", month.year(), month.month()),
        timezone: tz.iana_name().unwrap_or("UTC").to_string(),
        generated_at: now.to_string(),
        priorities: lines,
        tickets: out,
        uptime_percent: None,
    })
}

impl Store {
    /// The SLA report of `customer` for `month` ("2026-11") as of `now`.
    pub fn sla_report(
        &self,
        customer: &str,
        month: &str,
        now: Timestamp,
    ) -> Result<SlaReport, StoreError> {
        let month = parse_month(month)?;
        let config = self.sla_config()?.ok_or_else(|| {
            StoreError::BadFile("no SLA configuration yet; import a policy file first".into())
        })?;
        let fleet = self.fleet()?;
        let name = fleet
            .customers
            .iter()
            .find(|c| c.id == customer)
            .map(|c| c.name.clone())
            .ok_or_else(|| StoreError::NotFound {
                what: "customer",
                id: customer.to_string(),
            })?;
        build(&self.tickets(false)?, &config, customer, &name, month, now)
    }
}

fn duration(secs: Option<i64>) -> String {
    secs.map_or(String::new(), |s| {
        format!("{}h {:02}m", s / 3600, (s % 3600) / 60)
    })
}

/// A CSV field: quoted, quotes doubled, and a leading `= + - @` defused so a spreadsheet
/// does not run it as a formula.
fn csv_field(text: &str) -> String {
    let defused = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    };
    format!("\"{}\"", defused.replace('"', "\"\""))
}

/// The report as CSV (RFC 4180 line ends, CRLF): the per-priority summary, a blank line,
/// then every ticket. A file gets [`csv_file`].
pub fn to_csv(r: &SlaReport) -> String {
    let mut out = String::from(
        "priority,tickets,response_met,response_breached,response_open,mean_response,resolution_met,resolution_breached,resolution_open,mean_resolution\r\n",
    );
    for l in &r.priorities {
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{}\r\n",
            l.priority.as_str(),
            l.tickets,
            l.response_met,
            l.response_breached,
            l.response_open,
            duration(l.mean_response_secs),
            l.resolution_met,
            l.resolution_breached,
            l.resolution_open,
            duration(l.mean_resolution_secs)
        ));
    }
    out.push_str("\r\nticket,title,priority,opened_at,state,response,response_time,resolution,resolution_time,minutes_worked\r\n");
    for t in &r.tickets {
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{}\r\n",
            t.id,
            csv_field(&t.title),
            t.priority.as_str(),
            t.opened_at,
            t.state.as_str(),
            t.response.as_str(),
            duration(Some(t.response_secs)),
            t.resolution.as_str(),
            duration(Some(t.resolution_secs)),
            t.minutes_worked
        ));
    }
    out
}

/// The report as a CSV file: [`to_csv`] after a UTF-8 byte order mark, without which Excel
/// on Windows (a Korean customer's, say) reads the file in the system's code page and
/// garbles every Korean title.
pub fn csv_file(r: &SlaReport) -> String {
    format!("\u{feff}{}", to_csv(r))
}

/// Escapes text for HTML (element content and quoted attributes).
pub fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn percent(met: u32, breached: u32) -> String {
    let done = met + breached;
    if done == 0 {
        "–".into()
    } else {
        format!("{:.1}%", f64::from(met) * 100.0 / f64::from(done))
    }
}

/// The report as one printable HTML page: no scripts, no external resources, every
/// customer-supplied string escaped.
pub fn to_html(r: &SlaReport) -> String {
    let e = html_escape;
    let mut rows = String::new();
    for l in r.priorities.iter().filter(|l| l.tickets > 0) {
        rows.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{} / {}</td><td>{}</td><td>{}</td><td>{} / {}</td><td>{}</td></tr>\n",
            l.priority.as_str(),
            l.tickets,
            percent(l.response_met, l.response_breached),
            l.response_met,
            l.response_breached,
            duration(l.mean_response_secs),
            percent(l.resolution_met, l.resolution_breached),
            l.resolution_met,
            l.resolution_breached,
            duration(l.mean_resolution_secs),
        ));
    }
    if rows.is_empty() {
        rows.push_str("<tr><td colspan=\"8\">No tickets were opened this month.</td></tr>\n");
    }
    let mut tickets = String::new();
    for t in &r.tickets {
        tickets.push_str(&format!(
            "<tr><td>#{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"{}\">{} ({})</td><td class=\"{}\">{} ({})</td><td>{}h {:02}m</td></tr>\n",
            t.id,
            e(&t.title),
            t.priority.as_str(),
            e(&t.opened_at.to_string()),
            t.response.as_str(),
            t.response.as_str(),
            duration(Some(t.response_secs)),
            t.resolution.as_str(),
            t.resolution.as_str(),
            duration(Some(t.resolution_secs)),
            t.minutes_worked / 60,
            t.minutes_worked % 60,
        ));
    }
    let uptime = match r.uptime_percent {
        Some(u) => format!("{u:.3}%"),
        None => "no monitoring history for this month".into(),
    };
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\
<title>SLA report {month} – {name}</title>\n<style>\
body{{font-family:system-ui,'Noto Sans CJK KR',sans-serif;margin:2em;color:#111}}\
table{{border-collapse:collapse;width:100%;margin:1em 0}}th,td{{border:1px solid #999;padding:4px 8px;text-align:left}}\
th{{background:#eee}}.breached{{color:#a00;font-weight:bold}}.open{{color:#555}}\
@media print{{body{{margin:0}}}}</style></head>\n<body>\n\
<h1>SLA report: {name}</h1>\n<p>Month {month} ({tz}) · generated {generated} · uptime: {uptime}</p>\n\
<h2>Compliance by priority</h2>\n<table><thead><tr><th>Priority</th><th>Tickets</th><th>First response met</th><th>met / breached</th><th>Mean first response</th><th>Resolution met</th><th>met / breached</th><th>Mean resolution</th></tr></thead><tbody>\n{rows}</tbody></table>\n\
<h2>Tickets</h2>\n<table><thead><tr><th>Ticket</th><th>Title</th><th>Priority</th><th>Opened</th><th>First response</th><th>Resolution</th><th>Time worked</th></tr></thead><tbody>\n{tickets}</tbody></table>\n\
<p>Times are business hours of the customer's SLA calendar.</p>\n</body></html>\n",
        month = e(&r.month),
        name = e(&r.customer_name),
        tz = e(&r.timezone),
        generated = e(&r.generated_at),
    )
}
