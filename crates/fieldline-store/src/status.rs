//! Fleet status history: every result of every check, downsampled as it ages. Raw results
//! are kept 48 hours, 5-minute buckets 30 days, hourly buckets a year ([`RETENTION`]).
//! Buckets are filled as results arrive (one transaction per batch), so nothing has to be
//! recomputed later; [`Store::prune_status`] only deletes what aged out.
//!
//! Uptime counts OK and WARN as up (it answered) and CRIT as down; UNKNOWN and STALE (the
//! laptop could not tell) count neither way. An endpoint's uptime is over all its checks'
//! results; a site's and a customer's are the mean of their endpoints'.

use crate::{Store, StoreError};
use fieldline_core::checks::Observation;
use fieldline_core::{CheckKind, CheckState, Fleet};
use rusqlite::{params, OptionalExtension};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use ts_rs::TS;

/// How long each resolution is kept, in seconds.
pub const RETENTION: [(Resolution, i64); 3] = [
    (Resolution::Raw, 48 * 3600),
    (Resolution::FiveMinutes, 30 * 86_400),
    (Resolution::Hour, 365 * 86_400),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    Raw,
    FiveMinutes,
    Hour,
}

impl Resolution {
    fn table(self) -> &'static str {
        match self {
            Resolution::Raw => "status_raw",
            Resolution::FiveMinutes => "status_5m",
            Resolution::Hour => "status_1h",
        }
    }

    fn seconds(self) -> i64 {
        match self {
            Resolution::Raw => 1,
            Resolution::FiveMinutes => 300,
            Resolution::Hour => 3600,
        }
    }
}

/// A point of a check's history at some resolution: a raw result or a bucket.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct HistoryPoint {
    /// Unix seconds: the result's time, or the bucket's start.
    #[ts(type = "number")]
    pub at: i64,
    /// The worst state seen in the bucket (the state, for a raw result).
    pub state: CheckState,
    pub latency_ms: Option<f64>,
    pub latency_max_ms: Option<f64>,
    /// Share of results that were up, when any counted.
    pub up: Option<f64>,
}

/// Uptime (0–1) over a window, where anything was measured.
#[derive(Debug, Clone, Default, PartialEq, Serialize, TS)]
pub struct Uptimes {
    pub endpoints: BTreeMap<String, f64>,
    pub sites: BTreeMap<String, f64>,
    pub customers: BTreeMap<String, f64>,
}

fn state_from(severity: i64) -> CheckState {
    match severity {
        0 => CheckState::Ok,
        1 => CheckState::Stale,
        2 => CheckState::Unknown,
        3 => CheckState::Warn,
        _ => CheckState::Crit,
    }
}

impl Store {
    /// Keeps a batch of results: raw, and added into their 5-minute and hourly buckets.
    /// A message equal to the check's previous one is stored once.
    pub fn record_results(&mut self, rows: &[Observation]) -> Result<(), StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        {
            let mut ids: HashMap<(&str, u32), i64> = HashMap::new();
            let mut last_message: HashMap<i64, Option<String>> = HashMap::new();
            let mut raw = tx.prepare_cached(
                "INSERT OR REPLACE INTO status_raw (check_id, at, state, latency, message) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            let mut previous = tx.prepare_cached(
                "SELECT message FROM status_raw WHERE check_id = ?1 AND message IS NOT NULL ORDER BY at DESC LIMIT 1",
            )?;
            for row in rows {
                let id = match ids.get(&(row.endpoint.as_str(), row.check)) {
                    Some(id) => *id,
                    None => {
                        let id = check_id(&tx, &row.endpoint, row.check, row.kind)?;
                        ids.insert((row.endpoint.as_str(), row.check), id);
                        id
                    }
                };
                let before = match last_message.get(&id) {
                    Some(m) => m.clone(),
                    None => previous
                        .query_row([id], |r| r.get::<_, String>(0))
                        .optional()?,
                };
                let message = (before.as_deref() != Some(row.message.as_str()))
                    .then_some(row.message.as_str());
                raw.execute(params![
                    id,
                    row.at,
                    row.state.severity(),
                    row.latency_ms,
                    message
                ])?;
                last_message.insert(id, Some(row.message.clone()));
                for resolution in [Resolution::FiveMinutes, Resolution::Hour] {
                    add_to_bucket(&tx, resolution, id, row)?;
                }
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Deletes what aged out of each resolution; how many rows went.
    pub fn prune_status(&mut self, now: i64) -> Result<usize, StoreError> {
        let mut gone = 0;
        for (resolution, keep) in RETENTION {
            let column = if resolution == Resolution::Raw {
                "at"
            } else {
                "bucket"
            };
            gone += self.conn.execute(
                &format!("DELETE FROM {} WHERE {column} < ?1", resolution.table()),
                [now - keep],
            )?;
        }
        Ok(gone)
    }

    /// Forgets the history of checks no longer in `fleet` (an endpoint deleted, a check
    /// removed from the end of its list).
    pub fn forget_status_outside(&mut self, fleet: &Fleet) -> Result<usize, StoreError> {
        let counts: HashMap<&str, usize> = fleet
            .endpoints
            .iter()
            .map(|e| (e.id.as_str(), e.checks.len()))
            .collect();
        let mut stmt = self
            .conn
            .prepare("SELECT id, endpoint, idx FROM status_checks")?;
        let gone: Vec<i64> = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, u32>(2)?,
                ))
            })?
            .filter_map(Result::ok)
            .filter(|(_, endpoint, idx)| {
                counts
                    .get(endpoint.as_str())
                    .is_none_or(|n| *idx as usize >= *n)
            })
            .map(|(id, _, _)| id)
            .collect();
        drop(stmt);
        let tx = self.conn.transaction()?;
        for id in &gone {
            for table in ["status_raw", "status_5m", "status_1h", "status_checks"] {
                let column = if table == "status_checks" {
                    "id"
                } else {
                    "check_id"
                };
                tx.execute(&format!("DELETE FROM {table} WHERE {column} = ?1"), [id])?;
            }
        }
        tx.commit()?;
        Ok(gone.len())
    }

    /// Uptime over `[now - window, now]`, from the 5-minute buckets (hourly ones beyond
    /// their 30 days).
    pub fn uptime(&self, fleet: &Fleet, now: i64, window: i64) -> Result<Uptimes, StoreError> {
        let table = if window > 30 * 86_400 {
            "status_1h"
        } else {
            "status_5m"
        };
        let mut stmt = self.conn.prepare(&format!(
            "SELECT c.endpoint, SUM(b.up), SUM(b.down) FROM {table} b JOIN status_checks c ON c.id = b.check_id
             WHERE b.bucket >= ?1 GROUP BY c.endpoint"
        ))?;
        let from = now - window;
        // Looked up once per endpoint below: an index, not a scan of the fleet each time
        // (with 10,000 endpoints the scans were most of the app's CPU).
        let site_of: HashMap<&str, &str> = fleet
            .endpoints
            .iter()
            .map(|e| (e.id.as_str(), e.site.as_str()))
            .collect();
        let customer_of: HashMap<&str, &str> = fleet
            .sites
            .iter()
            .map(|s| (s.id.as_str(), s.customer.as_str()))
            .collect();
        let mut uptimes = Uptimes::default();
        let rows = stmt.query_map([from - from.rem_euclid(300)], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })?;
        for row in rows {
            let (endpoint, up, down) = row?;
            if up + down > 0 && site_of.contains_key(endpoint.as_str()) {
                uptimes
                    .endpoints
                    .insert(endpoint, up as f64 / (up + down) as f64);
            }
        }
        let mut sites: BTreeMap<String, Vec<f64>> = BTreeMap::new();
        let mut customers: BTreeMap<String, Vec<f64>> = BTreeMap::new();
        for (id, up) in &uptimes.endpoints {
            let Some(site) = site_of.get(id.as_str()) else {
                continue;
            };
            sites.entry(site.to_string()).or_default().push(*up);
            if let Some(customer) = customer_of.get(site) {
                customers.entry(customer.to_string()).or_default().push(*up);
            }
        }
        let mean = |v: Vec<f64>| v.iter().sum::<f64>() / v.len() as f64;
        uptimes.sites = sites.into_iter().map(|(k, v)| (k, mean(v))).collect();
        uptimes.customers = customers.into_iter().map(|(k, v)| (k, mean(v))).collect();
        Ok(uptimes)
    }

    /// A check's history from `from` to `to`, at the finest resolution still kept for
    /// that span, at most about 500 points.
    pub fn status_history(
        &self,
        endpoint: &str,
        check: u32,
        from: i64,
        to: i64,
        now: i64,
    ) -> Result<Vec<HistoryPoint>, StoreError> {
        let Some(id) = self
            .conn
            .query_row(
                "SELECT id FROM status_checks WHERE endpoint = ?1 AND idx = ?2",
                params![endpoint, check],
                |r| r.get::<_, i64>(0),
            )
            .optional()?
        else {
            return Ok(Vec::new());
        };
        let span = (to - from).max(1);
        let resolution = if from >= now - 48 * 3600 && span <= 6 * 3600 {
            Resolution::Raw
        } else if from >= now - 30 * 86_400 && span <= 7 * 86_400 {
            Resolution::FiveMinutes
        } else {
            Resolution::Hour
        };
        if resolution == Resolution::Raw {
            let mut stmt = self.conn.prepare(
                "SELECT at, state, latency FROM status_raw WHERE check_id = ?1 AND at BETWEEN ?2 AND ?3 ORDER BY at",
            )?;
            let points = stmt
                .query_map(params![id, from, to], |r| {
                    let state = state_from(r.get(1)?);
                    Ok(HistoryPoint {
                        at: r.get(0)?,
                        state,
                        latency_ms: r.get(2)?,
                        latency_max_ms: r.get(2)?,
                        up: match state {
                            CheckState::Ok | CheckState::Warn => Some(1.0),
                            CheckState::Crit => Some(0.0),
                            _ => None,
                        },
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            return Ok(points);
        }
        let mut stmt = self.conn.prepare(&format!(
            "SELECT bucket, worst, lat_sum, lat_n, lat_max, up, down FROM {} WHERE check_id = ?1 AND bucket BETWEEN ?2 AND ?3 ORDER BY bucket",
            resolution.table()
        ))?;
        let start = from - from.rem_euclid(resolution.seconds());
        let points = stmt
            .query_map(params![id, start, to], |r| {
                let (sum, n): (f64, i64) = (r.get(2)?, r.get(3)?);
                let (up, down): (i64, i64) = (r.get(5)?, r.get(6)?);
                Ok(HistoryPoint {
                    at: r.get(0)?,
                    state: state_from(r.get(1)?),
                    latency_ms: (n > 0).then(|| sum / n as f64),
                    latency_max_ms: r.get(4)?,
                    up: (up + down > 0).then(|| up as f64 / (up + down) as f64),
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(points)
    }

    /// What the engine remembered of each check (JSON it wrote), by endpoint and position.
    pub fn status_trackers(&self) -> Result<Vec<(String, u32, CheckKind, String)>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT endpoint, idx, kind, tracker FROM status_checks WHERE tracker IS NOT NULL",
        )?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, u32>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                ))
            })?
            .filter_map(Result::ok)
            .filter_map(|(e, i, k, t)| CheckKind::parse(&k).map(|k| (e, i, k, t)))
            .collect();
        Ok(rows)
    }

    /// Keeps the engine's memory of checks, to start from after a restart.
    pub fn save_status_trackers(
        &mut self,
        trackers: &[(String, u32, CheckKind, String)],
    ) -> Result<(), StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        for (endpoint, idx, kind, json) in trackers {
            let id = check_id(&tx, endpoint, *idx, *kind)?;
            tx.execute(
                "UPDATE status_checks SET tracker = ?2 WHERE id = ?1",
                params![id, json],
            )?;
        }
        tx.commit()?;
        Ok(())
    }
}

/// The id of a check's history, made on first use. When the check at that position is of
/// another kind now, the old history is not its and goes.
fn check_id(
    conn: &rusqlite::Connection,
    endpoint: &str,
    idx: u32,
    kind: CheckKind,
) -> Result<i64, StoreError> {
    let found: Option<(i64, String)> = conn
        .query_row(
            "SELECT id, kind FROM status_checks WHERE endpoint = ?1 AND idx = ?2",
            params![endpoint, idx],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    match found {
        Some((id, k)) if k == kind.as_str() => Ok(id),
        Some((id, _)) => {
            for table in ["status_raw", "status_5m", "status_1h"] {
                conn.execute(&format!("DELETE FROM {table} WHERE check_id = ?1"), [id])?;
            }
            conn.execute(
                "UPDATE status_checks SET kind = ?2, tracker = NULL WHERE id = ?1",
                params![id, kind.as_str()],
            )?;
            Ok(id)
        }
        None => {
            conn.execute(
                "INSERT INTO status_checks (endpoint, idx, kind) VALUES (?1, ?2, ?3)",
                params![endpoint, idx, kind.as_str()],
            )?;
            Ok(conn.last_insert_rowid())
        }
    }
}

fn add_to_bucket(
    tx: &rusqlite::Transaction<'_>,
    resolution: Resolution,
    id: i64,
    row: &Observation,
) -> Result<(), StoreError> {
    let bucket = row.at - row.at.rem_euclid(resolution.seconds());
    let (up, down, other) = match row.state {
        CheckState::Ok | CheckState::Warn => (1, 0, 0),
        CheckState::Crit => (0, 1, 0),
        CheckState::Unknown | CheckState::Stale => (0, 0, 1),
    };
    let (sum, n) = match row.latency_ms {
        Some(ms) => (ms, 1),
        None => (0.0, 0),
    };
    tx.prepare_cached(&format!(
        "INSERT INTO {} (check_id, bucket, up, down, other, worst, lat_sum, lat_n, lat_max)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (check_id, bucket) DO UPDATE SET
           up = up + excluded.up, down = down + excluded.down, other = other + excluded.other,
           worst = MAX(worst, excluded.worst), lat_sum = lat_sum + excluded.lat_sum,
           lat_n = lat_n + excluded.lat_n, lat_max = MAX(COALESCE(lat_max, excluded.lat_max), COALESCE(excluded.lat_max, lat_max))",
        resolution.table()
    ))?
    .execute(params![id, bucket, up, down, other, row.state.severity(), sum, n, row.latency_ms])?;
    Ok(())
}
