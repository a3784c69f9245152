//! A real Request Tracker 5 for tests: Debian's RT 5.0.3 on loopback with its own SQLite
//! database in a temp folder, initialised from nothing, with a technician account, an auth
//! token for REST 2.0, a queue and (by default) SLA levels with business hours.
//!
//! Include it from any test binary (it needs only `std` and the `tempfile` crate; parse the
//! JSON bodies with `serde_json` in the test):
//!
//! ```ignore
//! #[path = "support/rt.rs"]
//! mod rt;
//! ```
//!
//! Packages: `request-tracker5 rt5-db-sqlite rt5-standalone` (answer
//! `request-tracker5 request-tracker5/dbconfig-install boolean false` with
//! `debconf-set-selections` first, install with `--no-install-recommends`).
//!
//! - [`Rt::start`] writes a site config, runs `rt-setup-database --action init`, creates the
//!   user, queue, rights and token with RT's own Perl libraries, starts `rt-server` on a free
//!   port of 127.0.0.1 and waits until REST 2.0 answers (5-7 s on 2 idle cores, up to 12 s
//!   on busy ones).
//! - What a client needs: [`Rt::rest_url`], [`Rt::token`], [`Rt::queue`] (and the password,
//!   for basic auth).
//! - Helpers over REST 2.0 with a tiny std-only HTTP client (one connection per request):
//!   [`Rt::create_ticket`], [`Rt::ticket`], [`Rt::search`], [`Rt::correspond`],
//!   [`Rt::comment`], [`Rt::history`], and [`Rt::request`] / [`Rt::request_with`] /
//!   [`Rt::request_as`] for anything else. Bodies come back as JSON text.
//! - Tokens: [`Rt::mint_token`] gives another one, [`Rt::revoke_tokens`] deletes them all
//!   (RT 5.0 tokens never expire; a revoked one answers 401 `{"message":"Unauthorized"}`).
//! - Outages: [`Rt::stop_server`] stops `rt-server` (SIGTERM to its process group, SIGKILL
//!   after 5 s, never SIGINT) and returns once the port refuses connections; while stopped,
//!   every request fails at once with "Connection refused". [`Rt::kill_server`] is the
//!   crash variant (SIGKILL at once, about 0.1 s). [`Rt::start_server`] starts it again on
//!   the SAME port with the same database, folder and token, and returns once it answers
//!   (401 on `/REST/2.0/rt`). Measured on 2 cores: stop 0.7-1.8 s, start 1.5-2.7 s.
//!   All take `&self` (`Rt` is `Send + Sync`), so a shared `Rt` in a `OnceLock` works.
//! - Bulk tickets: [`Rt::seed_many`] (and [`Rt::seed_tickets`] with `false`) writes 10,000
//!   real tickets in 2.5-4.5 s (see "Seeding" below). Paging through 10,000 with
//!   `GET /tickets?per_page=100&fields=<12 fields>` took 11.6 s idle, 15-23 s while a
//!   cargo build ran (0.11-0.23 s a page, one connection per request).
//! - Cleanup: everything (the server's process group, the temp folder) stops on drop. A
//!   watchdog (`sh`, its own process group) also does it within a few seconds after the test
//!   process is gone without dropping the `Rt` (a `static`, an abort, SIGKILL), so no
//!   `rt-server` or `/tmp/fieldline-rt-*` folder is left behind (it polls once a second and
//!   gives rt-server 3 s of SIGTERM, so allow about 5 s after the process ended).
//!
//! # Seeding
//!
//! [`Rt::seed_many`]`(n)` runs one Perl process (RT's libraries, `RT::Init`, about 1.3 s) that
//! creates three requestor users the way RT does for an unknown e-mail address
//! (`alice@`, `bob@`, `carol@customer.test`, unprivileged, with RT's API, once), then inserts
//! the tickets with SQL through RT's own database handle in ONE transaction
//! (`BEGIN IMMEDIATE`). It may run with the server up or stopped. For ticket number `k`
//! (1-based within the call) it writes exactly the rows `RT::Ticket->Create` writes (compared
//! row by row with a `.dump` diff of tickets created through RT's API on this RT 5.0.3):
//!
//! - `Tickets`: `id = EffectiveId` (next free id; ids are consecutive), `Queue`, `Type
//!   'ticket'`, `Subject "seeded k"`, `Priority (37k) mod 101` (0..=100; Initial/Final 0),
//!   `Status` cycling over k mod 10 (new 30 %, open 40 %, stalled 10 %, resolved 20 %),
//!   `SLA '2h'` when k mod 4 = 0 else the queue default `'4h'` (NULL when SLAs are off),
//!   `Starts = Created` when there is an SLA, `Due = Created + 1 day` for `'2h'` (unset
//!   otherwise, as RT leaves it for a technician's ticket on `'4h'`), `Owner` Nobody for
//!   `new` and the technician otherwise, `TimeWorked (k mod 5) * 15` minutes (0 for `new`),
//!   `Started`/`Resolved` consistent with the status, `Creator`/`LastUpdatedBy` the technician.
//!   `Created` is spread evenly over the 30 days before the call (increasing with the id),
//!   `LastUpdated` = `Created` for `new`, 1 min to 23 h later otherwise (all at least 25 min
//!   before the call); unset dates are `1970-01-01 00:00:00` as RT writes them.
//! - The four role groups RT makes for every ticket (`AdminCc`, `Cc`, `Owner`, `Requestor`):
//!   a `Principals` row (`'Group'`), a `Groups` row (`Domain 'RT::Ticket-Role'`, `Instance` =
//!   ticket id, same id as the principal), its `RT::Group` `Create` transaction and its own
//!   `CachedGroupMembers` row (`Via` = itself). Members: the owner (Nobody or the
//!   technician) in `Owner`, one requestor (alice/bob/carol by k mod 3) in `Requestor`, each
//!   with a `GroupMembers` row and a `CachedGroupMembers` row. So TicketSQL on `Owner`,
//!   `Requestor.EmailAddress`, `Watcher` works, and REST shows `Owner`/`Requestor`.
//! - History: the ticket's `Create` transaction (by the technician, `TimeTaken` =
//!   `TimeWorked`) with its text/plain `Attachments` row ("seeded body k", RT's headers);
//!   for open/stalled/resolved a `Status new -> open` transaction, and for stalled/resolved
//!   then `Status open -> stalled|resolved`. `LastUpdated` equals the time of the last
//!   transaction, and `ETag` (the last transaction id) behaves as for any ticket.
//!
//! Not written (unlike a create through REST): the SLA scrips' `Set Starts` / `Set Due`
//! transactions by RT_System and RT's e-mail records (auto-reply to the requestor); `Due` is
//! a plain date, not RT's business-hours computation. Everything else about the tickets is
//! RT's: REST 2.0 reads, searches (with paging), comments, replies, status and owner changes
//! on them go through RT's normal code and were checked. RT's record cache (30 s per server
//! worker) only holds rows it has read, and seeding only inserts, so a running server sees
//! the new tickets at once.
//!
//! [`Rt::seed_tickets`]`(n, true)` still creates tickets through RT's Perl API with scrips
//! (real SLA dates, full history), at about 0.18 s a ticket.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::ops::Range;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

// Test binaries that include both rt.rs and keychain.rs get two copies of this module
// (each harness keeps its own `HarnessError`, as before), hence the allow.
#[allow(clippy::duplicate_mod)]
#[path = "../../../../tests/support/harness_common.rs"]
mod common;

pub use common::HarnessError;
use common::{fail, log_file, read_lossy, write};

/// How long RT may take to answer after its server was started.
pub const WAIT: Duration = Duration::from_secs(60);

/// How long one HTTP request may take.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// How long rt-server gets to exit on SIGTERM before its process group gets SIGKILL.
const STOP_GRACE: Duration = Duration::from_secs(5);

const RT_LIB: &str = "/usr/share/request-tracker5/lib";
const RT_SERVER: &str = "/usr/share/request-tracker5/libexec/rt-server";
const RT_SETUP_DATABASE: &str = "/usr/sbin/rt-setup-database-5";
const INSTALL_HINT: &str = "install Debian's `request-tracker5 rt5-db-sqlite rt5-standalone` \
     (answer `request-tracker5 request-tracker5/dbconfig-install boolean false` with \
     debconf-set-selections first)";

/// What to set up besides the defaults.
#[derive(Debug, Clone)]
pub struct Options {
    /// The technician account that owns the token.
    pub user: String,
    /// At least 5 characters (RT refuses shorter ones).
    pub password: String,
    pub queue: String,
    /// `%ServiceAgreements` (levels `2h` business, `4h` real; default `4h`) and
    /// `%ServiceBusinessHours` (Monday-Friday 09:00-17:00 UTC); the queue has SLAs enabled.
    pub sla: bool,
    /// RT's `$BcryptCost` for passwords and tokens. RT's default, 12, costs about 0.2 s of
    /// CPU on *every* authenticated request; 4 (bcrypt's minimum) keeps requests fast.
    pub bcrypt_cost: u8,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            user: "fieldline".into(),
            password: "fieldline-test-password".into(),
            queue: "Helpdesk".into(),
            sla: true,
            bcrypt_cost: 4,
        }
    }
}

/// A running RT 5 (or one whose server is stopped for a while, see [`Rt::stop_server`]).
pub struct Rt {
    // Fields drop in this order: the watchdog first (it must not fire), then the server,
    // the temp folder last.
    watchdog: common::Watchdog,
    server: Mutex<Option<Server>>,
    port: u16,
    token: String,
    queue_id: u64,
    options: Options,
    dir: tempfile::TempDir,
}

// A shared `Rt` (`static RT: OnceLock<Rt>`) needs these.
const _: fn() = || {
    fn shareable<T: Send + Sync>() {}
    shareable::<Rt>();
};

impl Rt {
    /// Starts RT with the default [`Options`].
    pub fn start() -> Result<Rt, HarnessError> {
        Rt::start_with(Options::default())
    }

    /// Starts RT from nothing: config, database, account, token, queue, server.
    pub fn start_with(options: Options) -> Result<Rt, HarnessError> {
        for needed in [RT_SERVER, RT_SETUP_DATABASE, RT_LIB] {
            if !Path::new(needed).exists() {
                return fail(format!("{needed} is missing: {INSTALL_HINT}"));
            }
        }
        let dir = common::temp_dir("fieldline-rt-")?;
        let watchdog = common::Watchdog::spawn(WATCHDOG_SH, "fieldline-rt-watchdog", dir.path())?;
        for sub in ["site.d", "var", "mason", "sessions"] {
            std::fs::create_dir_all(dir.path().join(sub))
                .or_else(|e| fail(format!("cannot make {sub}: {e}")))?;
        }
        write(&dir.path().join("fieldline-rt.pl"), PROVISION_PL)?;

        // The database and the account do not depend on the port (only WebBaseURL does),
        // so they are made once; a port taken between choosing and binding it costs a retry.
        write_site_config(dir.path(), free_port()?, &options)?;
        run_logged(
            Command::new(RT_SETUP_DATABASE).args(["--action", "init", "--dba-password", "unused"]),
            dir.path(),
            "rt-setup-database",
        )?;
        let sla: &[&str] = if options.sla { &["--sla"] } else { &[] };
        let out = rt_perl(
            dir.path(),
            &[
                "provision",
                &options.user,
                &options.password,
                &options.queue,
            ],
            sla,
        )?;
        let token = field(&out, "token")?;
        let queue_id = field(&out, "queue")?
            .parse()
            .or_else(|e| fail(format!("bad queue id: {e}")))?;

        let mut last_error = HarnessError("RT did not start".into());
        for _ in 0..3 {
            let port = free_port()?;
            write_site_config(dir.path(), port, &options)?;
            let mut server = Server::spawn(dir.path(), port)?;
            match wait_until_ready(&mut server, port, dir.path()) {
                Ok(()) => {
                    return Ok(Rt {
                        watchdog,
                        server: Mutex::new(Some(server)),
                        port,
                        token,
                        queue_id,
                        options,
                        dir,
                    })
                }
                Err(e) => last_error = e,
            }
        }
        Err(last_error)
    }

    /// `http://127.0.0.1:PORT` (RT's `$WebBaseURL`; `$WebPath` is empty).
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// `http://127.0.0.1:PORT/REST/2.0`.
    pub fn rest_url(&self) -> String {
        format!("{}/REST/2.0", self.base_url())
    }

    /// The port; it stays the same across [`Rt::stop_server`] / [`Rt::start_server`].
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The token for `Authorization: token ...`, as RT printed it (`1-USERID-SECRET`).
    pub fn token(&self) -> &str {
        &self.token
    }

    pub fn user(&self) -> &str {
        &self.options.user
    }

    pub fn password(&self) -> &str {
        &self.options.password
    }

    pub fn queue(&self) -> &str {
        &self.options.queue
    }

    pub fn queue_id(&self) -> u64 {
        self.queue_id
    }

    /// The temp folder: `site.pm`, `rt.db`, `server.log`, `setup.log`.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// What rt-server printed so far (warnings and errors), across restarts.
    pub fn server_log(&self) -> String {
        read_lossy(&self.dir.path().join("server.log"))
    }

    /// Stops rt-server (SIGTERM to its process group, SIGKILL after 5 s) and returns once
    /// its port refuses connections. Does nothing if it is already stopped. The database
    /// and the folder stay; [`Rt::start_server`] brings it back on the same port.
    pub fn stop_server(&self) -> Result<(), HarnessError> {
        let mut slot = self.lock_server();
        if let Some(mut server) = slot.take() {
            server.stop();
        }
        self.wait_until_refused()
    }

    fn wait_until_refused(&self) -> Result<(), HarnessError> {
        let deadline = Instant::now() + STOP_GRACE;
        while TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
            if Instant::now() > deadline {
                return fail(format!(
                    "something still accepts connections on 127.0.0.1:{} after stopping rt-server",
                    self.port
                ));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(())
    }

    /// Like [`Rt::stop_server`] but a crash: SIGKILL to the process group at once, no
    /// grace (a request in flight gets its connection reset). [`Rt::start_server`] brings
    /// it back.
    pub fn kill_server(&self) -> Result<(), HarnessError> {
        let mut slot = self.lock_server();
        if let Some(mut server) = slot.take() {
            server.kill();
        }
        self.wait_until_refused()
    }

    /// Starts rt-server again on the same port with the same database, and returns once
    /// REST 2.0 answers (401 without auth on `/REST/2.0/rt`). Does nothing if it runs.
    /// Fails (with the server log) if the port was taken meanwhile.
    pub fn start_server(&self) -> Result<(), HarnessError> {
        let mut slot = self.lock_server();
        if slot.is_some() {
            return Ok(());
        }
        let mut server = Server::spawn(self.dir.path(), self.port)?;
        // On failure `server` drops here, which stops whatever of it still runs.
        wait_until_ready(&mut server, self.port, self.dir.path())?;
        *slot = Some(server);
        Ok(())
    }

    /// Whether rt-server was started and not stopped (and its parent process still lives).
    pub fn is_running(&self) -> bool {
        self.lock_server()
            .as_mut()
            .is_some_and(|server| server.exited().is_none())
    }

    fn lock_server(&self) -> MutexGuard<'_, Option<Server>> {
        self.server
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A further token for the same user.
    pub fn mint_token(&self) -> Result<String, HarnessError> {
        let out = rt_perl(self.dir.path(), &["token", &self.options.user], &[])?;
        field(&out, "token")
    }

    /// Makes the helpers send `token` from now on (e.g. a fresh one after a revoke).
    pub fn use_token(&mut self, token: &str) {
        self.token = token.to_owned();
    }

    /// Deletes every token of the user (RT 5.0 has no expiry); how many there were.
    pub fn revoke_tokens(&self) -> Result<usize, HarnessError> {
        let out = rt_perl(self.dir.path(), &["revoke", &self.options.user], &[])?;
        field(&out, "revoked")?
            .parse()
            .or_else(|e| fail(format!("bad count: {e}")))
    }

    /// Inserts `count` real tickets ("seeded 1".."seeded N", mixed statuses, priorities,
    /// SLAs, owners, requestors, dates over the past 30 days, with their history) into the
    /// queue's database in one SQL transaction; their ids (consecutive). About 1.3 s of RT
    /// start-up plus 0.2 ms a ticket (10,000 in 2.5-4.5 s); the server may run or be
    /// stopped. Exactly what is written: see the module's "Seeding" section.
    pub fn seed_many(&self, count: usize) -> Result<Range<u64>, HarnessError> {
        if count == 0 {
            return Ok(0..0);
        }
        let out = rt_perl(
            self.dir.path(),
            &[
                "bulk",
                &self.options.queue,
                &self.options.user,
                &count.to_string(),
            ],
            &[],
        )?;
        let first: u64 = field(&out, "first")?
            .parse()
            .or_else(|e| fail(format!("bad ticket id: {e}")))?;
        let last: u64 = field(&out, "last")?
            .parse()
            .or_else(|e| fail(format!("bad ticket id: {e}")))?;
        Ok(first..last + 1)
    }

    /// Creates `count` tickets ("seeded 1".."seeded N") in the queue; the first id (ids are
    /// consecutive). `with_transactions: false` is [`Rt::seed_many`] (fast, SQL: 10,000 in
    /// 2.5-4.5 s). `true` uses RT's Perl API as RT_System in one process, so the scrips run
    /// (SLA `Starts`/`Due`, full history) — about 0.18 s a ticket. The server may keep
    /// running either way.
    pub fn seed_tickets(&self, count: u32, with_transactions: bool) -> Result<u64, HarnessError> {
        if !with_transactions {
            return Ok(self.seed_many(count as usize)?.start);
        }
        let out = rt_perl(
            self.dir.path(),
            &["seed", &self.options.queue, &count.to_string(), "1"],
            &[],
        )?;
        field(&out, "first")?
            .parse()
            .or_else(|e| fail(format!("bad ticket id: {e}")))
    }

    /// One request to REST 2.0 with the harness's token. `path` is below `/REST/2.0`
    /// (e.g. `/ticket/1`) and may carry a query string (see [`query_string`]).
    pub fn request(
        &self,
        method: &str,
        path: &str,
        body: Option<&str>,
    ) -> Result<Response, HarnessError> {
        self.request_with(method, path, &[], body)
    }

    /// Like [`Rt::request`] with extra headers (e.g. `("If-Match", "\"48\"")`).
    pub fn request_with(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> Result<Response, HarnessError> {
        self.request_as(
            &format!("token {}", self.token),
            method,
            path,
            headers,
            body,
        )
    }

    /// A request with another `Authorization` value: `token OTHER` (e.g. from
    /// [`Rt::mint_token`]), `Basic ...`, or empty for none.
    pub fn request_as(
        &self,
        authorization: &str,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> Result<Response, HarnessError> {
        let mut all: Vec<(&str, &str)> = Vec::new();
        if !authorization.is_empty() {
            all.push(("Authorization", authorization));
        }
        all.extend_from_slice(headers);
        http(self.port, method, &format!("/REST/2.0{path}"), &all, body)
    }

    /// Creates a ticket in the harness's queue; its id. `extra` is more JSON members,
    /// e.g. `"\"SLA\":\"2h\",\"TimeWorked\":15"`, or empty.
    pub fn create_ticket(
        &self,
        subject: &str,
        body: &str,
        extra: &str,
    ) -> Result<u64, HarnessError> {
        let mut json = format!(
            "{{\"Queue\":{},\"Subject\":{},\"Content\":{},\"ContentType\":\"text/plain\"",
            json_string(&self.options.queue),
            json_string(subject),
            json_string(body)
        );
        if !extra.trim().is_empty() {
            json.push(',');
            json.push_str(extra);
        }
        json.push('}');
        let response = self.request("POST", "/ticket", Some(&json))?.expect(201)?;
        // Location: /REST/2.0/ticket/ID
        let location = response.header("location").unwrap_or_default();
        location
            .rsplit('/')
            .next()
            .and_then(|id| id.parse().ok())
            .ok_or_else(|| HarnessError(format!("no ticket id in Location {location:?}")))
    }

    /// `GET /ticket/ID`: the ticket's JSON (`ETag` = its last transaction id).
    pub fn ticket(&self, id: u64) -> Result<Response, HarnessError> {
        self.request("GET", &format!("/ticket/{id}"), None)?
            .expect(200)
    }

    /// `GET /tickets?query=TICKETSQL&fields=...&orderby=id&per_page=100&page=N`.
    pub fn search(
        &self,
        ticket_sql: &str,
        fields: &str,
        page: u32,
    ) -> Result<Response, HarnessError> {
        let query = query_string(&[
            ("query", ticket_sql),
            ("fields", fields),
            ("orderby", "id"),
            ("order", "ASC"),
            ("per_page", "100"),
            ("page", &page.to_string()),
        ]);
        self.request("GET", &format!("/tickets?{query}"), None)?
            .expect(200)
    }

    /// `POST /ticket/ID/correspond`; `time_taken` minutes are added to `TimeWorked`.
    pub fn correspond(
        &self,
        id: u64,
        text: &str,
        time_taken: u32,
    ) -> Result<Response, HarnessError> {
        self.reply(id, "correspond", text, time_taken)
    }

    /// `POST /ticket/ID/comment`; `time_taken` minutes are added to `TimeWorked`.
    pub fn comment(&self, id: u64, text: &str, time_taken: u32) -> Result<Response, HarnessError> {
        self.reply(id, "comment", text, time_taken)
    }

    fn reply(
        &self,
        id: u64,
        kind: &str,
        text: &str,
        minutes: u32,
    ) -> Result<Response, HarnessError> {
        let json = format!(
            "{{\"Content\":{},\"ContentType\":\"text/plain\",\"TimeTaken\":{minutes}}}",
            json_string(text)
        );
        self.request("POST", &format!("/ticket/{id}/{kind}"), Some(&json))?
            .expect(201)
    }

    /// `GET /ticket/ID/history` with the fields a sync needs, 100 per page.
    pub fn history(&self, id: u64, page: u32) -> Result<Response, HarnessError> {
        let query = query_string(&[
            (
                "fields",
                "Type,Field,OldValue,NewValue,TimeTaken,Created,Creator",
            ),
            ("per_page", "100"),
            ("page", &page.to_string()),
        ]);
        self.request("GET", &format!("/ticket/{id}/history?{query}"), None)?
            .expect(200)
    }
}

/// Polls until REST 2.0 answers: `/REST/2.0/rt` without auth gives 401 once RT is loaded.
fn wait_until_ready(server: &mut Server, port: u16, dir: &Path) -> Result<(), HarnessError> {
    let deadline = Instant::now() + WAIT;
    loop {
        if let Ok(response) = http(port, "GET", "/REST/2.0/rt", &[], None) {
            if response.status == 401 || response.status == 200 {
                return Ok(());
            }
        }
        if let Some(status) = server.exited() {
            return fail(format!(
                "rt-server exited ({status}) before answering on port {port}:\n{}",
                read_lossy(&dir.join("server.log"))
            ));
        }
        if Instant::now() > deadline {
            return fail(format!(
                "RT did not answer within {WAIT:?}:\n{}",
                read_lossy(&dir.join("server.log"))
            ));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

// ---------------------------------------------------------------------------------------
// The server

/// rt-server in its own process group, stopped with SIGTERM to the group (then SIGKILL).
///
/// Never SIGINT: Debian's rt-server catches it and runs `chown -R www-data:www-data
/// /var/lib/request-tracker5`. Its own process group also keeps a terminal's Ctrl-C away.
/// While it runs, `server.pgid` in the folder names its group (for the watchdog).
struct Server {
    child: Child,
    pgid_file: PathBuf,
    stopped: bool,
}

impl Server {
    fn spawn(dir: &Path, port: u16) -> Result<Server, HarnessError> {
        let log = log_file(&dir.join("server.log"))?;
        let log2 = log
            .try_clone()
            .or_else(|e| fail(format!("cannot share the log: {e}")))?;
        let child = rt_command(Command::new(RT_SERVER), dir)
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log2)
            .process_group(0)
            .spawn()
            .or_else(|e| fail(format!("cannot start rt-server: {e}")))?;
        let pgid_file = dir.join("server.pgid");
        let server = Server {
            child,
            pgid_file,
            stopped: false,
        };
        // On failure `server` drops, which stops it.
        write(&server.pgid_file, &format!("{}\n", server.child.id()))?;
        Ok(server)
    }

    fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    fn signal_group(&self, signal: &str) {
        let _ = Command::new("kill")
            .args([signal, "--", &format!("-{}", self.child.id())])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }

    /// SIGTERM to the group, up to [`STOP_GRACE`] for the parent to exit, then SIGKILL to
    /// the group (Starlet's prefork workers may outlive the parent by a moment).
    fn stop(&mut self) {
        if self.stopped {
            return;
        }
        self.signal_group("-TERM");
        let deadline = Instant::now() + STOP_GRACE;
        while self.exited().is_none() {
            if Instant::now() > deadline {
                eprintln!("rt-server ignored SIGTERM; killing its process group");
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.kill();
    }

    /// SIGKILL to the group, then reaps the parent.
    fn kill(&mut self) {
        if self.stopped {
            return;
        }
        self.stopped = true;
        self.signal_group("-KILL");
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.pgid_file);
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

const WATCHDOG_SH: &str = r#"
parent=$1; dir=$2
while kill -0 "$parent" 2>/dev/null; do sleep 1; done
if [ -f "$dir/server.pgid" ]; then
    pgid=$(cat "$dir/server.pgid")
    env kill -TERM -- "-$pgid" 2>/dev/null
    sleep 3
    env kill -KILL -- "-$pgid" 2>/dev/null
fi
rm -rf "$dir"
"#;

/// A command with RT pointed at the temp folder's config (and nothing of /etc).
fn rt_command(mut command: Command, dir: &Path) -> Command {
    command
        .env("RT_SITE_CONFIG", dir.join("site.pm"))
        .env("RT_SITE_CONFIG_DIR", dir.join("site.d"))
        .current_dir(dir);
    command
}

fn run_logged(command: &mut Command, dir: &Path, name: &str) -> Result<String, HarnessError> {
    let mut command = rt_command(std::mem::replace(command, Command::new("true")), dir);
    let out = command
        .stdin(Stdio::null())
        .output()
        .or_else(|e| fail(format!("cannot run {name}: {e}")))?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let _ = std::fs::write(dir.join(format!("{name}.log")), &text);
    if !out.status.success() {
        return fail(format!("{name} failed ({}):\n{text}", out.status));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Runs the provisioning script with RT's libraries.
fn rt_perl(dir: &Path, args: &[&str], flags: &[&str]) -> Result<String, HarnessError> {
    let mut command = Command::new("perl");
    command
        .arg(dir.join("fieldline-rt.pl"))
        .args(flags)
        .args(args);
    run_logged(&mut command, dir, "fieldline-rt")
}

/// `name=value` from the provisioning script's output.
fn field(out: &str, name: &str) -> Result<String, HarnessError> {
    out.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix('='))
        .map(str::to_owned)
        .ok_or_else(|| HarnessError(format!("no {name}= in {out:?}")))
}

fn write_site_config(dir: &Path, port: u16, options: &Options) -> Result<(), HarnessError> {
    let d = dir.display();
    let mut config = format!(
        r#"# Written by the Fieldline RT test harness.
Set($rtname, 'fieldline.test');
Set($Organization, 'fieldline.test');
Set($Timezone, 'UTC');
Set($DatabaseType, 'SQLite');
Set($DatabaseName, '{d}/rt.db');
Set($WebDomain, '127.0.0.1');
Set($WebPort, {port});
Set($WebPath, '');
Set($WebBaseURL, 'http://127.0.0.1:{port}');
Set($MailCommand, 'mbox');
Set($CorrespondAddress, 'rt@fieldline.test');
Set($CommentAddress, 'rt-comment@fieldline.test');
Set($LogToSTDERR, 'warning');
Set($LogToSyslog, undef);
Set($LogToFile, undef);
Set($BcryptCost, {cost});
$RT::VarPath = '{d}/var';
$RT::MasonDataDir = '{d}/mason';
$RT::MasonSessionDir = '{d}/sessions';
"#,
        cost = options.bcrypt_cost.max(4),
    );
    if options.sla {
        config.push_str(SLA_CONFIG);
    }
    config.push_str("1;\n");
    write(&dir.join("site.pm"), &config)
}

const SLA_CONFIG: &str = r#"Set(%ServiceAgreements, (
    Default => '4h',
    Levels => {
        '2h' => { Response => { BusinessMinutes => 120 }, Resolve => { BusinessMinutes => 480 } },
        '4h' => { Response => { RealMinutes => 240 } },
    },
));
Set(%ServiceBusinessHours, (
    Default => {
        1 => { Name => 'Monday',    Start => '9:00', End => '17:00' },
        2 => { Name => 'Tuesday',   Start => '9:00', End => '17:00' },
        3 => { Name => 'Wednesday', Start => '9:00', End => '17:00' },
        4 => { Name => 'Thursday',  Start => '9:00', End => '17:00' },
        5 => { Name => 'Friday',    Start => '9:00', End => '17:00' },
    },
));
"#;

/// Account, queue, rights, tokens and seeding through RT's own Perl API (and, for `bulk`,
/// RT's database handle).
const PROVISION_PL: &str = r#"# Written by the Fieldline RT test harness.
use strict; use warnings;
use lib '/usr/share/request-tracker5/lib';
use RT;
RT::LoadConfig(); RT::Init();
my $system = RT->SystemUser;
my $sla = 0;
if (@ARGV && $ARGV[0] eq '--sla') { $sla = 1; shift @ARGV; }
my $command = shift @ARGV // '';
sub load_user {
    my $u = RT::User->new($system); $u->Load($_[0]);
    die "no user $_[0]\n" unless $u->Id; return $u;
}
sub mint_token {
    my ($user) = @_;
    my $token = RT::AuthToken->new($system);
    my ($id, $msg, $string) = $token->Create(Owner => $user->Id, Description => 'fieldline test');
    die "token: $msg\n" unless $id;
    print "token=$string\n";
}
if ($command eq 'provision') {
    my ($name, $password, $queue_name) = @ARGV;
    my $user = RT::User->new($system);
    my ($ok, $msg) = $user->Create(Name => $name, Password => $password,
        EmailAddress => "$name\@fieldline.test", Privileged => 1);
    die "user: $msg\n" unless $ok;
    # The test queue, and a second one ("Elsewhere") tickets can be moved to.
    my $queue;
    for my $qname ($queue_name, 'Elsewhere') {
        my $q = RT::Queue->new($system);
        ($ok, $msg) = $q->Create(Name => $qname, SLADisabled => ($sla ? 0 : 1));
        die "queue: $msg\n" unless $ok;
        for my $right (qw(SeeQueue CreateTicket ShowTicket ModifyTicket ReplyToTicket
                          CommentOnTicket ShowTicketComments OwnTicket TakeTicket StealTicket
                          DeleteTicket)) {
            ($ok, $msg) = $user->PrincipalObj->GrantRight(Right => $right, Object => $q);
            die "right $right: $msg\n" unless $ok;
        }
        $queue //= $q;
    }
    print "queue=", $queue->Id, "\n";
    mint_token($user);
} elsif ($command eq 'seed') {
    # Tickets through RT's API in one process (scrips run when transactions are recorded).
    my ($queue, $count, $with_transactions) = @ARGV;
    my $first;
    for my $i (1 .. $count) {
        my $ticket = RT::Ticket->new($system);
        my ($id, undef, $msg) = $ticket->Create(
            Queue => $queue, Subject => "seeded $i",
            ($with_transactions ? () : (_RecordTransaction => 0)),
            MIMEObj => MIME::Entity->build(Data => "seeded body $i", Type => 'text/plain',
                                           Charset => 'UTF-8'),
        );
        die "seed $i: $msg\n" unless $id;
        $first //= $id;
    }
    print "first=$first\n";
} elsif ($command eq 'bulk') {
    # Tickets straight into the database, row for row what RT::Ticket->Create writes (see
    # the harness's doc comment), in one SQL transaction.
    my ($queue_name, $user_name, $count) = @ARGV;
    my $user = load_user($user_name);
    my $queue = RT::Queue->new($system); $queue->Load($queue_name);
    die "no queue $queue_name\n" unless $queue->Id;
    my $nobody = RT->Nobody->Id;
    my $with_sla = !$queue->SLADisabled;
    # Requestors, created as RT does for an unknown e-mail address (unprivileged).
    my @requestors;
    for my $email (map { "$_\@customer.test" } qw(alice bob carol)) {
        my $r = RT::User->new($system); $r->LoadByEmail($email);
        unless ($r->Id) {
            my ($ok, $msg) = $r->Create(Name => $email, EmailAddress => $email, Privileged => 0);
            die "requestor $email: $msg\n" unless $ok;
        }
        push @requestors, $r->Id;
    }
    my $dbh = $RT::Handle->dbh;
    $dbh->{AutoCommit} = 1;
    $dbh->sqlite_busy_timeout(60_000);
    $dbh->do('BEGIN IMMEDIATE');
    my %next;
    for my $table (qw(Tickets Principals Transactions Attachments GroupMembers CachedGroupMembers)) {
        my ($max) = $dbh->selectrow_array("SELECT MAX(id) FROM $table");
        $next{$table} = ($max // 0) + 1;
    }
    my %insert = (
        Tickets => 'INSERT INTO Tickets (id, EffectiveId, IsMerged, Queue, Type, Owner, Subject,'
            . ' InitialPriority, FinalPriority, Priority, TimeEstimated, TimeWorked, Status, SLA,'
            . ' TimeLeft, Told, Starts, Started, Due, Resolved, LastUpdatedBy, LastUpdated,'
            . ' Creator, Created) VALUES (?,?,NULL,?,?,?,?,0,0,?,0,?,?,?,0,NULL,?,?,?,?,?,?,?,?)',
        Principals => "INSERT INTO Principals (id, PrincipalType, Disabled) VALUES (?, 'Group', 0)",
        Groups => 'INSERT INTO Groups (id, Name, Description, Domain, Instance, Creator, Created,'
            . " LastUpdatedBy, LastUpdated) VALUES (?, ?, NULL, 'RT::Ticket-Role', ?, ?, ?, ?, ?)",
        Transactions => 'INSERT INTO Transactions (id, ObjectType, ObjectId, TimeTaken, Type,'
            . ' Field, OldValue, NewValue, ReferenceType, OldReference, NewReference, Data,'
            . ' Creator, Created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL, NULL, ?, ?)',
        Attachments => 'INSERT INTO Attachments (id, TransactionId, Parent, MessageId, Subject,'
            . ' Filename, ContentType, ContentEncoding, Content, Headers, Creator, Created)'
            . " VALUES (?, ?, 0, '', '', NULL, 'text/plain', 'none', ?, ?, ?, ?)",
        GroupMembers => 'INSERT INTO GroupMembers (id, GroupId, MemberId, Creator, Created,'
            . ' LastUpdatedBy, LastUpdated) VALUES (?, ?, ?, ?, ?, ?, ?)',
        CachedGroupMembers => 'INSERT INTO CachedGroupMembers (id, GroupId, MemberId, Via,'
            . ' ImmediateParentId, Disabled) VALUES (?, ?, ?, ?, ?, 0)',
    );
    my %sth = map { $_ => $dbh->prepare($insert{$_}) } keys %insert;
    my $uid = $user->Id;
    my $unset = '1970-01-01 00:00:00';
    my $now = time;
    my $span = 30 * 86400;
    my @statuses = qw(new open open new stalled open resolved new open resolved);
    my $date = sub {
        my @t = gmtime($_[0]);
        sprintf('%04d-%02d-%02d %02d:%02d:%02d', $t[5] + 1900, $t[4] + 1, @t[3, 2, 1, 0]);
    };
    my $cached = sub {
        my ($group, $member) = @_;
        my $id = $next{CachedGroupMembers}++;
        $sth{CachedGroupMembers}->execute($id, $group, $member, $id, $group);
    };
    my $txn = sub {
        my ($type, $object, $taken, $kind, $field, $old, $new, $when) = @_;
        my $id = $next{Transactions}++;
        $sth{Transactions}->execute($id, $type, $object, $taken, $kind, $field, $old, $new,
                                    $uid, $when);
        return $id;
    };
    my $first = $next{Tickets};
    for my $k (1 .. $count) {
        my $id = $next{Tickets}++;
        my $status = $statuses[$k % 10];
        my $created_at = $now - $span + int(($k - 1) * ($span - 86400) / $count);
        my $updated_at = $status eq 'new' ? $created_at : $created_at + 60 + ($k * 7919) % 82800;
        my $started_at = $status eq 'open' ? $updated_at : int(($created_at + $updated_at) / 2);
        my ($created, $updated) = ($date->($created_at), $date->($updated_at));
        my $started = $status eq 'new' ? $unset : $date->($started_at);
        my $resolved = $status eq 'resolved' ? $updated : $unset;
        my $level = !$with_sla ? undef : $k % 4 == 0 ? '2h' : '4h';
        my $starts = $level ? $created : $unset;
        my $due = ($level // '') eq '2h' ? $date->($created_at + 86400) : $unset;
        my $owner = $status eq 'new' ? $nobody : $uid;
        my $worked = $status eq 'new' ? 0 : ($k % 5) * 15;
        my $priority = ($k * 37) % 101;
        $sth{Tickets}->execute($id, $id, $queue->Id, 'ticket', $owner, "seeded $k",
            $priority, $worked, $status, $level, $starts, $started, $due, $resolved,
            $uid, $updated, $uid, $created);
        my %role;
        for my $name (qw(AdminCc Cc Owner Requestor)) {
            my $group = $role{$name} = $next{Principals}++;
            $sth{Principals}->execute($group);
            $sth{Groups}->execute($group, $name, $id, $uid, $created, $uid, $created);
            $txn->('RT::Group', $group, 0, 'Create', undef, undef, undef, $created);
            $cached->($group, $group);
        }
        for ([Owner => $owner], [Requestor => $requestors[$k % @requestors]]) {
            my ($name, $member) = @$_;
            $sth{GroupMembers}->execute($next{GroupMembers}++, $role{$name}, $member,
                                        $uid, $created, $uid, $created);
            $cached->($role{$name}, $member);
        }
        my $create = $txn->('RT::Ticket', $id, $worked, 'Create', undef, undef, undef, $created);
        my $body = "seeded body $k";
        $sth{Attachments}->execute($next{Attachments}++, $create, $body,
            "Content-Type: text/plain; charset=\"UTF-8\"\nContent-Disposition: inline\n"
            . "Content-Transfer-Encoding: binary\nMIME-Version: 1.0\n"
            . 'Content-Length: ' . length($body) . "\n", $uid, $created);
        if ($status ne 'new') {
            $txn->('RT::Ticket', $id, 0, 'Status', 'Status', 'new', 'open', $started);
        }
        if ($status eq 'stalled' || $status eq 'resolved') {
            $txn->('RT::Ticket', $id, 0, 'Status', 'Status', 'open', $status, $updated);
        }
    }
    $dbh->do('COMMIT');
    print "first=$first\nlast=", $next{Tickets} - 1, "\n";
} elsif ($command eq 'token') {
    mint_token(load_user($ARGV[0]));
} elsif ($command eq 'revoke') {
    my $user = load_user($ARGV[0]);
    my $tokens = RT::AuthTokens->new($system);
    $tokens->LimitOwner(VALUE => $user->Id);
    my $n = 0;
    while (my $token = $tokens->Next) {
        my ($ok, $msg) = $token->Delete;
        die "revoke: $msg\n" unless $ok;
        $n++;
    }
    print "revoked=$n\n";
} else {
    die "usage: [--sla] provision NAME PASSWORD QUEUE | token NAME | revoke NAME"
      . " | seed QUEUE N 0|1 | bulk QUEUE USER N\n";
}
"#;

/// A port on 127.0.0.1 that was free a moment ago.
fn free_port() -> Result<u16, HarnessError> {
    let listener =
        TcpListener::bind("127.0.0.1:0").or_else(|e| fail(format!("cannot find a port: {e}")))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .or_else(|e| fail(format!("cannot read the port: {e}")))
}

// ---------------------------------------------------------------------------------------
// A tiny HTTP/1.1 client (one connection per request, `Connection: close`)

/// An HTTP answer.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// This response if its status is `status`, else an error that shows it.
    pub fn expect(self, status: u16) -> Result<Response, HarnessError> {
        if self.status == status {
            Ok(self)
        } else {
            fail(format!(
                "expected HTTP {status}, got {}: {}",
                self.status, self.body
            ))
        }
    }
}

fn http(
    port: u16,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> Result<Response, HarnessError> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))
        .or_else(|e| fail(format!("cannot connect to 127.0.0.1:{port}: {e}")))?;
    let _ = stream.set_read_timeout(Some(REQUEST_TIMEOUT));
    let _ = stream.set_write_timeout(Some(REQUEST_TIMEOUT));
    let mut request = format!(
        "{method} {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\
         Accept: application/json\r\n"
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    if let Some(body) = body {
        request.push_str(&format!(
            "Content-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    request.push_str("\r\n");
    if let Some(body) = body {
        request.push_str(body);
    }
    stream
        .write_all(request.as_bytes())
        .or_else(|e| fail(format!("cannot send {method} {target}: {e}")))?;
    let mut raw = Vec::new();
    stream
        .read_to_end(&mut raw)
        .or_else(|e| fail(format!("no answer to {method} {target}: {e}")))?;
    parse_response(&raw).ok_or_else(|| {
        HarnessError(format!(
            "unreadable answer to {method} {target}: {:?}",
            String::from_utf8_lossy(&raw)
        ))
    })
}

fn parse_response(raw: &[u8]) -> Option<Response> {
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&raw[..split]).ok()?;
    let mut body = raw[split + 4..].to_vec();
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| {
            let (name, value) = line.split_once(':')?;
            Some((name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        })
        .collect();
    let chunked = headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.eq_ignore_ascii_case("chunked"));
    if chunked {
        body = dechunk(&body)?;
    }
    Some(Response {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

fn dechunk(mut data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = data.windows(2).position(|w| w == b"\r\n")?;
        let size_text = std::str::from_utf8(&data[..line_end]).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        data = &data[line_end + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(data.get(..size)?);
        data = data.get(size + 2..)?;
    }
}

/// `a=b&c=d`, percent-encoded.
pub fn query_string(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", percent(k), percent(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn percent(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// `text` as a JSON string literal.
pub fn json_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
