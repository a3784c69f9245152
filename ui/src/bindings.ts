// Generated from crates/fieldline-ipc by scripts/gen-bindings.sh. Do not edit.
// A test fails when this file and the Rust declarations disagree.

export type JsonValue = number | string | boolean | Array<JsonValue> | { [key: string]: JsonValue } | null;

export type Customer = { id: string, name: string, notes: string, 
/**
 * Part of the demo fleet: shown with a "demo" label, never mistaken for a customer.
 */
demo: boolean, };

export type Site = { id: string, customer: string, name: string, 
/**
 * IANA time zone name, e.g. `Asia/Seoul`.
 */
timezone: string, notes: string, };

export type SshSettings = { user: string | null, port: number | null, 
/**
 * Id of the endpoint to jump through.
 */
jump: string | null, 
/**
 * Name of a credential profile (the secret itself is in the OS keychain).
 */
credential: string | null, };

export type CheckKind = "http" | "tcp" | "ping" | "dns" | "tls_expiry" | "node_exporter" | "ssh_command";

export type Check = { kind: CheckKind, params: Record<string, JsonValue>, };

export type Endpoint = { id: string, site: string, 
/**
 * Display name; empty means "show the id".
 */
name: string, host: string, tags: Array<string>, notes: string, 
/**
 * The endpoint this one depends on (its router, its hypervisor).
 */
parent: string | null, ssh: SshSettings, checks: Array<Check>, };

export type Fleet = { customers: Array<Customer>, sites: Array<Site>, endpoints: Array<Endpoint>, };

export type FleetChange = { "kind": "CreateCustomer", customer: Customer, } | { "kind": "UpdateCustomer", customer: Customer, } | { "kind": "DeleteCustomer", id: string, } | { "kind": "CreateSite", site: Site, } | { "kind": "UpdateSite", site: Site, } | { "kind": "DeleteSite", id: string, } | { "kind": "CreateEndpoint", endpoint: Endpoint, } | { "kind": "UpdateEndpoint", endpoint: Endpoint, } | { "kind": "DeleteEndpoint", id: string, };

export type FleetIssue = { file: string | null, line: number | null, field: string, message: string, };

export type EndpointField = "id" | "site" | "name" | "host" | "tags" | "notes" | "parent" | "ssh_user" | "ssh_port" | "ssh_jump" | "ssh_credential";

export type CsvPreview = { headers: Array<string>, 
/**
 * A guessed field per column, `null` where no guess was made.
 */
mapping: Array<EndpointField | null>, rows: number, 
/**
 * Up to five data rows, as text.
 */
sample: Array<Array<string>>, };

export type CsvOptions = { 
/**
 * The field each column fills, by position; `null` skips the column.
 */
mapping: Array<EndpointField | null>, 
/**
 * Site for rows whose site column is missing or empty.
 */
default_site: string | null, 
/**
 * Import the good rows even when some rows are bad.
 */
allow_partial: boolean, };

export type CsvReport = { 
/**
 * Whether anything was imported.
 */
imported: boolean, created: number, updated: number, 
/**
 * Every bad row, by line number.
 */
bad_rows: Array<FleetIssue>, };

export type IpcError = { "kind": "Invalid", message: string, issues: Array<FleetIssue>, } | { "kind": "NotFound", message: string, } | { "kind": "AlreadyExists", message: string, } | { "kind": "BadFile", message: string, } | { "kind": "NewerDatabase", message: string, found: number, supported: number, } | { "kind": "Store", message: string, } | { "kind": "DiskFull", message: string, } | { "kind": "Keychain", message: string, } | { "kind": "Unreachable", message: string, } | { "kind": "Remote", message: string, } | { "kind": "NotApproved", message: string, };

export type Language = "en" | "ko";

export type Settings = { 
/**
 * `null` until the technician picks one; the UI then follows the system language.
 */
language: Language | null, };

export type AppInfo = { version: string, data_dir: string, database: string, schema_version: number, 
/**
 * What this start did with a restore asked for in Settings (the app restarts to do
 * it), if it did one.
 */
restored: RestoreOutcome | null, };

export type RestoreOutcome = { 
/**
 * The backup folder (or database file) restored from.
 */
backup: string, 
/**
 * Why it was not restored (then nothing was changed); `null` when it was.
 */
error: string | null, 
/**
 * Where the replaced database and files were set aside (not deleted).
 */
set_aside: Array<string>, 
/**
 * Credential profiles that keep a secret in the keychain, but this computer's keychain
 * has none for them (secrets are never in a backup): to enter again.
 */
profiles_without_secret: Array<string>, 
/**
 * Helpdesk connections without their token in this computer's keychain.
 */
connections_without_secret: Array<string>, };

export type AutoBackup = { 
/**
 * `null`: no daily backups.
 */
folder: string | null, keep: number, 
/**
 * When the newest backup in the folder was made (RFC 3339), if there is one.
 */
newest: string | null, 
/**
 * Why the last daily backup failed; `null` after a success.
 */
error: string | null, };

export type AppFailed = { what: string, 
/**
 * The log folder, if the app writes a log.
 */
log_dir: string | null, };

export type ImportSummary = { customers: number, sites: number, endpoints: number, };

export type FleetChanged = { 
/**
 * Store revision after the change.
 */
revision: number, };

export type Priority = "P1" | "P2" | "P3" | "P4";

export type TicketState = "new" | "in_progress" | "waiting_on_customer" | "resolved" | "closed";

export type ClockKind = "first_response" | "resolution";

export type TicketChange = { "kind": "opened", priority: Priority, policy: string, } | { "kind": "state", state: TicketState, } | { "kind": "priority", priority: Priority, } | { "kind": "policy", policy: string, } | { "kind": "responded" } | { "kind": "note", text: string, } | { "kind": "time", minutes: number, on_site: boolean, note: string, };

export type TicketEvent = { id: number, 
/**
 * RFC 3339, UTC.
 */
at: string, change: TicketChange, };

export type Ticket = { id: number, customer: string, endpoint: string | null, title: string, 
/**
 * Where the ticket lives: `local`, or a helpdesk connection's name.
 */
source: string, 
/**
 * The ticket's id on its helpdesk (`None` for local tickets).
 */
external_id: string | null, priority: Priority, state: TicketState, policy: string, 
/**
 * RFC 3339, UTC.
 */
opened_at: string, 
/**
 * Minutes of work logged (on site and remote).
 */
minutes: number, events: Array<TicketEvent>, };

export type TicketSummary = { id: number, customer: string, endpoint: string | null, title: string, source: string, external_id: string | null, priority: Priority, state: TicketState, policy: string, opened_at: string, };

export type NewTicket = { customer: string, endpoint: string | null, title: string, priority: Priority, 
/**
 * The SLA policy; `None` takes the customer's contract.
 */
policy: string | null, };

export type Crossing = { percent: number, at: string, at_ms: number, };

export type ClockView = { kind: ClockKind, target_secs: number, elapsed_secs: number, 
/**
 * Negative once breached.
 */
remaining_secs: number, running: boolean, paused: boolean, 
/**
 * Running and the calendar is open now: the remaining time is going down.
 */
counting_now: boolean, 
/**
 * RFC 3339, UTC: when the target is reached if nothing changes (while running).
 */
due: string | null, due_ms: number | null, breached_at: string | null, stopped_at: string | null, 
/**
 * The highest threshold crossed (percent; 100 once breached; 0 for none).
 */
level: number, 
/**
 * The policy's warning thresholds, percent.
 */
thresholds: Array<number>, 
/**
 * Thresholds crossed so far, with when (RFC 3339, UTC).
 */
crossed: Array<Crossing>, 
/**
 * While running: when each threshold still ahead (and the breach) will be reached,
 * so a countdown can change colour between two reads.
 */
ahead: Array<Crossing>, };

export type SlaRow = { ticket: TicketSummary, clocks: Array<ClockView>, error: string | null, };

export type SlaBoard = { 
/**
 * The instant the clocks were computed at (the injected clock in tests), RFC 3339.
 */
now: string, now_ms: number, 
/**
 * An SLA configuration was imported.
 */
configured: boolean, 
/**
 * The most urgent rows (at most [`SlaBoard::MAX_ROWS`]).
 */
rows: Array<SlaRow>, 
/**
 * Rows in all, shown or not.
 */
total: number, };

export type SlaConfigInfo = { file_name: string | null, policies: Array<string>, 
/**
 * Customer id and the policy of its contract.
 */
contracts: Array<[string, string]>, };

export type CentreEntry = { id: number, 
/**
 * RFC 3339, UTC.
 */
at: string, group: string, summary: string, body: string, 
/**
 * `low`, `normal` or `critical`.
 */
urgency: string, 
/**
 * What a click opens (`ticket:12`, `sla:acme`).
 */
open: string | null, 
/**
 * Reached the desktop.
 */
shown: boolean, 
/**
 * Why it did not (`quiet_hours`, `muted`, ... or the daemon's error); empty if shown.
 */
held: string, };

export type NotifySettings = { 
/**
 * Desktop notifications at all.
 */
enabled: boolean, do_not_disturb: boolean, 
/**
 * Quiet hours "HH:MM" to "HH:MM" in `timezone` (may span midnight); both or neither.
 */
quiet_from: string | null, quiet_to: string | null, 
/**
 * IANA zone for quiet hours; `None` is the computer's.
 */
timezone: string | null, 
/**
 * Minutes after which a breach still open notifies again; 0 never.
 */
repeat_minutes: number, 
/**
 * Customers whose alerts never reach the desktop.
 */
muted_customers: Array<string>, 
/**
 * SLA warnings only while the customer's service desk is open (breaches always).
 */
warnings_in_service_hours_only: boolean, };

export type Outcome = "met" | "breached" | "open";

export type PriorityLine = { priority: Priority, tickets: number, response_met: number, response_breached: number, response_open: number, resolution_met: number, resolution_breached: number, resolution_open: number, 
/**
 * Mean business seconds to the first response, over responded tickets.
 */
mean_response_secs: number | null, mean_resolution_secs: number | null, };

export type ReportTicket = { id: number, title: string, priority: Priority, opened_at: string, state: TicketState, response: Outcome, response_secs: number, resolution: Outcome, resolution_secs: number, minutes_worked: number, };

export type SlaReport = { customer: string, customer_name: string, 
/**
 * "2026-11".
 */
month: string, timezone: string, 
/**
 * RFC 3339, UTC.
 */
generated_at: string, priorities: Array<PriorityLine>, tickets: Array<ReportTicket>, 
/**
 * Uptime of the customer's endpoints; `None` while there is no monitoring history.
 */
uptime_percent: number | null, };

export type SavedFile = { path: string, };

export type NamedFile = { 
/**
 * The file's name, as the policy file names it (`korea.ics`).
 */
name: string, text: string, };

export type OpenItem = { target: string, };

export type ConnectorKind = "request_tracker";

export type Mapping = { 
/**
 * Helpdesk queue → Fieldline customer id. A queue not listed is a customer of its own name.
 */
customers: { [key in string]: string }, 
/**
 * Helpdesk SLA level → Fieldline policy. A level not listed takes the customer's
 * contract from the SLA configuration.
 */
policies: { [key in string]: string }, 
/**
 * Helpdesk status → Fieldline state. A status not listed counts as `in_progress`.
 */
states: { [key in string]: TicketState }, 
/**
 * Fieldline state (`new`, `in_progress`, …) → the helpdesk status a change is sent as.
 */
statuses: { [key in string]: string }, 
/**
 * The helpdesk's numeric priority at or above which a ticket is P1, P2, P3 (else P4).
 */
priority_p1: number, priority_p2: number, priority_p3: number, };

export type ConnectionConfig = { 
/**
 * Short id: lower-case letters, digits and `-`.
 */
name: string, kind: ConnectorKind, 
/**
 * The helpdesk's web address, e.g. `https://rt.example.com` (`/REST/2.0` is added).
 */
url: string, 
/**
 * The account the secret belongs to; its own changes are told apart by this name.
 */
user: string, 
/**
 * Queues to pull (empty: every queue the account can see).
 */
queues: Array<string>, 
/**
 * Pull every this many minutes while the app runs (0: only on demand).
 */
interval_minutes: number, mapping: Mapping, };

export type SyncStatus = { connection: string, last_attempt: string | null, last_success: string | null, 
/**
 * Why the last attempt failed (cleared by a successful one).
 */
last_error: string | null, 
/**
 * Changes made here that the helpdesk has not been told of yet.
 */
waiting: number, conflicts: number, tickets: number, };

export type ConnectionView = { config: ConnectionConfig, status: SyncStatus, has_secret: boolean, 
/**
 * Why the keychain could not be asked (locked, no keychain service).
 */
secret_error: string | null, };

export type ConnectionTest = { ok: boolean, 
/**
 * One sentence for the technician: what works, or what is wrong and what to do.
 */
message: string, server: string | null, 
/**
 * Tickets the connection would pull.
 */
tickets: number | null, };

export type SyncReport = { connection: string, 
/**
 * Tickets pulled that were not here before.
 */
pulled_new: number, 
/**
 * Tickets pulled that changed on the helpdesk.
 */
pulled_updated: number, 
/**
 * Tickets pulled again without a change (the pull overlaps the last one a little).
 */
unchanged: number, 
/**
 * Tickets forgotten here: gone from the helpdesk, or moved out of the pulled queues.
 */
gone: number, 
/**
 * Tickets the helpdesk sent that could not be read (a malformed field); skipped.
 */
unreadable: number, 
/**
 * The first few of those, each with its ticket and field.
 */
warnings: Array<string>, 
/**
 * Changes made here that the helpdesk now has.
 */
pushed: number, 
/**
 * Changes the helpdesk turned out to have already (an answer lost on the way): not
 * sent twice.
 */
already_applied: number, 
/**
 * Changes the helpdesk contradicts, now waiting for the technician.
 */
new_conflicts: number, 
/**
 * Changes still to send after this run.
 */
waiting: number, 
/**
 * Conflicts waiting for the technician after this run.
 */
conflicts: number, 
/**
 * Why the run stopped early; what was done before is kept.
 */
error: string | null, finished_at: string, took_ms: number, };

export type SyncConflict = { outbox_id: number, ticket: number, title: string, connection: string, remote_id: string, 
/**
 * The field both sides changed: `state`, `priority` or `responded`.
 */
field: string, 
/**
 * The technician's value, in Fieldline's terms.
 */
mine: string, 
/**
 * The helpdesk's value now, in the helpdesk's terms.
 */
theirs: string, 
/**
 * The helpdesk's value when the technician made the change.
 */
base: string, 
/**
 * Why it waits, when the helpdesk refused the change rather than contradicting it.
 */
detail: string | null, changed_at: string, };

export type Resolution = "keep_mine" | "take_theirs";

export type SyncStarted = { connection: string, };

export type CheckState = "OK" | "WARN" | "CRIT" | "UNKNOWN" | "STALE";

export type CheckStatus = { endpoint: string, check: number, kind: CheckKind, 
/**
 * What to show: STALE while the laptop cannot look, else the hard state.
 */
state: CheckState, 
/**
 * The last known hard state (kept under STALE).
 */
hard: CheckState, 
/**
 * The last result (a soft problem shows here first).
 */
last: CheckState, 
/**
 * Unix seconds: since when `hard` holds.
 */
since: number, 
/**
 * Unix seconds: the last real result.
 */
last_seen: number | null, latency_ms: number | null, message: string, flapping: boolean, 
/**
 * Why its alerts are held or it is not run (a down parent, maintenance, ...).
 */
quiet: string | null, };

export type Offline = { 
/**
 * Unix seconds, when it was first seen offline.
 */
since: number, reason: string, };

export type Uptimes = { endpoints: { [key in string]: number }, sites: { [key in string]: number }, customers: { [key in string]: number }, };

export type HistoryPoint = { 
/**
 * Unix seconds: the result's time, or the bucket's start.
 */
at: number, 
/**
 * The worst state seen in the bucket (the state, for a raw result).
 */
state: CheckState, latency_ms: number | null, latency_max_ms: number | null, 
/**
 * Share of results that were up, when any counted.
 */
up: number | null, };

export type FleetStatus = { checks: Array<CheckStatus>, offline: Offline | null, 
/**
 * Uptime over the last 24 hours.
 */
uptime_24h: Uptimes, 
/**
 * What the Prometheus/Alertmanager source last said, when one is set up.
 */
source: SourceView | null, };

export type StatusChanged = { checks: Array<CheckStatus>, offline: Offline | null, };

export type ScopeKind = "customer" | "site" | "endpoint";

export type Scope = { kind: ScopeKind, id: string, };

export type MaintenanceMode = "stop_notifying" | "stop_checking";

export type Schedule = { "kind": "once", from: number, to: number, } | { "kind": "weekly", days: Array<number>, start_minute: number, minutes: number, };

export type MaintenanceWindow = { id: number, scope: Scope, mode: MaintenanceMode, schedule: Schedule, reason: string, };

export type Acknowledgement = { id: number, endpoint: string, 
/**
 * One check (its position), or every check of the endpoint.
 */
check: number | null, comment: string, 
/**
 * Unix seconds.
 */
at: number, 
/**
 * Unix seconds; `None` until the check is OK again.
 */
until: number | null, };

export type PromAuth = { "kind": "none" } | { "kind": "bearer" } | { "kind": "basic", username: string, };

export type InfoAlerts = "note" | "skip";

export type PromSource = { 
/**
 * Base URL of Prometheus (`https://prom.example.net/`, or with a path prefix such as
 * `https://host/prometheus/`); `api/v1/...` is appended.
 */
prometheus_url: string, 
/**
 * Base URL of Alertmanager; when set, alerts (with silences) come from it.
 */
alertmanager_url: string | null, 
/**
 * How to authenticate to both; the secret itself comes from the OS keychain.
 */
auth: PromAuth, 
/**
 * The label whose value names the endpoint's host (`instance`).
 */
match_label: string, 
/**
 * A label whose value is the endpoint's id, taking precedence (`fieldline_endpoint`).
 */
endpoint_label: string, 
/**
 * How long one request may take, body included (`"15s"` or a number of seconds).
 */
timeout: string, 
/**
 * The most body one answer may have, decompressed (32 MiB).
 */
max_response_bytes: number, 
/**
 * How many unmatched series are listed (all are counted).
 */
max_unmatched: number, 
/**
 * What `severity: info` (and `none`) alerts become.
 */
info_alerts: InfoAlerts, };

export type PromSettings = { source: PromSource | null, 
/**
 * A new source with every default (the form starts from it).
 */
template: PromSource, has_secret: boolean, 
/**
 * Why the keychain could not be asked, if it could not.
 */
secret_error: string | null, };

export type ResultKind = "up" | "alert";

export type SourceResult = { kind: ResultKind, 
/**
 * Stable across reads while the series/alert keeps its labels (a hash of them), for
 * the state engine and history.
 */
key: string, 
/**
 * The scrape job (`up`) or the alert name; cleaned.
 */
name: string, state: CheckState, message: string, 
/**
 * Unix seconds: when the alert started (Alertmanager `startsAt`, Prometheus
 * `activeAt`). `None` for `up`: Prometheus's instant query does not say since when.
 */
since: number | null, 
/**
 * Silenced or inhibited in Alertmanager: shown, not alerting.
 */
silenced: boolean, 
/**
 * The series' `match_label` value (e.g. `10.0.0.5:9100`), cleaned; empty if none.
 */
series: string, };

export type EndpointResults = { endpoint: string, 
/**
 * The worst state of its results that are not silenced (OK if none).
 */
state: CheckState, results: Array<SourceResult>, };

export type Unmatched = { kind: ResultKind, 
/**
 * Job or alert name, cleaned.
 */
name: string, 
/**
 * The `match_label` value, cleaned; empty when the series has none.
 */
series: string, reason: string, };

export type AlertsFrom = "alertmanager" | "prometheus";

export type SourceReport = { took_ms: number, alerts_from: AlertsFrom, 
/**
 * Endpoints with at least one result, in fleet order.
 */
endpoints: Array<EndpointResults>, 
/**
 * Every `up` series and alert that mapped to no endpoint (info alerts not counted).
 */
unmatched_count: number, 
/**
 * The first `max_unmatched` of them, sorted.
 */
unmatched: Array<Unmatched>, 
/**
 * Ids of fleet endpoints that no series or alert mapped to.
 */
unseen: Array<string>, 
/**
 * Things a technician should know: Alertmanager failed and Prometheus's alerts were
 * used instead; Prometheus's own warnings.
 */
warnings: Array<string>, };

export type SourceView = { prometheus_url: string, alertmanager_url: string | null, 
/**
 * Unix seconds of the last good read.
 */
read_at: number | null, report: SourceReport | null, 
/**
 * Unix seconds of the last attempt.
 */
tried_at: number, error: string | null, };

export type SourceChanged = { source: SourceView | null, };

export type AuthMethod = { "kind": "key", key_file: string | null, } | { "kind": "agent" } | { "kind": "password" } | { "kind": "keyboard_interactive" };

export type CredentialProfile = { name: string, 
/**
 * The login name; `None`: the endpoint's SSH user, else the default user.
 */
user: string | null, method: AuthMethod, };

export type SshProfileView = { profile: CredentialProfile, 
/**
 * The key text (key profiles without a key file) or the password is in the keychain.
 */
has_secret: boolean, has_passphrase: boolean, };

export type KnownHostEntry = { 
/**
 * 1-based line number in the file (what [`KnownHosts::remove_line`] takes).
 */
line: number, 
/**
 * The host names as written, or `None` for a hashed entry (the name cannot be read back).
 */
hosts: string | null, 
/**
 * `@revoked` / `@cert-authority`, if any.
 */
marker: string | null, key_type: string, fingerprint: string, };

export type ImportReport = { added: number, 
/**
 * Lines already present (same hosts, type and key).
 */
skipped: number, 
/**
 * Lines not imported and why (`line N: ...`).
 */
problems: Array<string>, };

export type ImportPlan = { endpoints: Array<string>, new_profiles: Array<CredentialProfile>, 
/**
 * Hosts and settings that were not carried over, and why.
 */
notes: Array<string>, };

export type HostKeyQuestion = { 
/**
 * 0 = first hop.
 */
hop: number, label: string, host: string, port: number, key_type: string, fingerprint: string, };

export type SecretKind = "passphrase" | "password" | "prompt";

export type SecretQuestion = { label: string, user: string, 
/**
 * What is asked for (`secret`, not `kind`: the session event's tag is `kind`).
 */
secret: SecretKind, 
/**
 * The question to show (the server's own text for keyboard-interactive).
 */
prompt: string, 
/**
 * Whether the answer may be shown while typed.
 */
echo: boolean, };

export type SessionEvent = { "kind": "host_key" } & HostKeyQuestion | { "kind": "secret" } & SecretQuestion | { "kind": "connected", hops: Array<string>, fingerprint: string, } | { "kind": "data", bytes: string, } | { "kind": "exit", status: number, } | { "kind": "closed", reason: string, } | { "kind": "error", message: string, };

export type SessionInfo = { id: number, endpoint: string, title: string, 
/**
 * Where its asciicast recording is written.
 */
recording: string | null, };

export type SessionEventPayload = { id: number, event: SessionEvent, };

export type ForwardStatus = { local_port: number, remote_host: string, remote_port: number, 
/**
 * Connections open through it now.
 */
connections: number, 
/**
 * Connections served since it opened.
 */
served: number, 
/**
 * The last thing that went wrong (a refused channel, the connection lost). When the
 * SSH connection itself is lost the forward has stopped.
 */
error: string | null, running: boolean, };

export type ForwardView = { id: number, endpoint: string, local_port: number, remote_host: string, remote_port: number, 
/**
 * Connections open through it now.
 */
connections: number, 
/**
 * Connections served since it opened.
 */
served: number, 
/**
 * The last thing that went wrong (a refused channel, the connection lost). When the
 * SSH connection itself is lost the forward has stopped.
 */
error: string | null, running: boolean, };

export type EntryKind = "file" | "dir" | "link" | "other";

export type RemoteEntry = { name: string, kind: EntryKind, size: number, 
/**
 * Unix seconds.
 */
modified: number | null, };

export type Listing = { path: string, entries: Array<RemoteEntry>, 
/**
 * The folder had more than [`MAX_ENTRIES`] entries; the rest are not shown.
 */
truncated: boolean, };

export type Direction = "download" | "upload";

export type Progress = { done_bytes: number, 
/**
 * Known once the sizes of everything to copy were read.
 */
total_bytes: number | null, files_done: number, 
/**
 * Names the server sent that could not be used safely (skipped, not copied).
 */
skipped: Array<string>, };

export type TransferState = "running" | "done" | "failed" | "cancelled";

export type TransferView = { id: number, endpoint: string, direction: Direction, remote: string, local: string, state: TransferState, error: string | null, done_bytes: number, 
/**
 * Known once the sizes of everything to copy were read.
 */
total_bytes: number | null, files_done: number, 
/**
 * Names the server sent that could not be used safely (skipped, not copied).
 */
skipped: Array<string>, };

export type Selector = { customer: string | null, site: string | null, tag: string | null, endpoints: Array<string>, };

export type FanoutTarget = { id: string, customer: string, site: string, host: string, };

export type FanoutPreview = { endpoints: Array<FanoutTarget>, 
/**
 * How many customers those endpoints belong to.
 */
customers: number, };

export type HostState = "waiting" | "running" | "ok" | "failed" | "unreachable" | "queued" | "expired" | "cancelled";

export type HostResult = { endpoint: string, customer: string, state: HostState, exit: number | null, 
/**
 * What the command printed (stdout then stderr), cleaned and bounded; text only.
 */
output: string, error: string | null, 
/**
 * Unix seconds until which a queued host is retried.
 */
queued_until: number | null, duration_ms: number | null, };

export type Summary = { hosts: number, ok: number, failed: number, unreachable: number, expired: number, cancelled: number, };

export type FanoutView = { id: number, command: string, 
/**
 * Unix seconds.
 */
started: number, hosts: Array<HostResult>, summary: Summary, finished: boolean, };

export type Snippet = { name: string, command: string, };

export type RecordingInfo = { 
/**
 * The file.
 */
path: string, 
/**
 * The customer's directory name (sanitized).
 */
customer_dir: string, 
/**
 * Customer as written in the header, if it was readable.
 */
customer: string | null, 
/**
 * Endpoint as written in the header, if it was readable.
 */
endpoint: string | null, 
/**
 * Remote user as written in the header, if it was readable.
 */
user: string | null, 
/**
 * Title from the header.
 */
title: string | null, 
/**
 * Start time (Unix seconds) from the header.
 */
started_unix: number | null, 
/**
 * File size in bytes.
 */
size_bytes: number, };

/** Every command: its arguments and its result. */
export interface Commands {
  app_info: { args: {  }; result: AppInfo };
  get_settings: { args: {  }; result: Settings };
  set_language: { args: { language: Language }; result: Settings };
  fleet_snapshot: { args: {  }; result: Fleet };
  apply_fleet_change: { args: { change: FleetChange }; result: Fleet };
  load_demo_fleet: { args: {  }; result: Fleet };
  import_fleet_file: { args: { fileName: string; text: string; replace: boolean }; result: ImportSummary };
  export_fleet: { args: {  }; result: string };
  preview_csv: { args: { fileName: string; bytes: Array<number> }; result: CsvPreview };
  import_csv: { args: { fileName: string; bytes: Array<number>; options: CsvOptions }; result: CsvReport };
  sla_board: { args: { customer: string | null; priority: Priority | null }; result: SlaBoard };
  sla_config_info: { args: {  }; result: SlaConfigInfo };
  import_sla_config: { args: { fileName: string; text: string; includes: Array<NamedFile> }; result: SlaConfigInfo };
  ticket_detail: { args: { id: number }; result: Ticket };
  ticket_clocks: { args: { id: number }; result: SlaBoard };
  open_ticket: { args: { ticket: NewTicket }; result: Ticket };
  change_ticket: { args: { id: number; change: TicketChange }; result: Ticket };
  notification_centre: { args: {  }; result: Array<CentreEntry> };
  get_notify_settings: { args: {  }; result: NotifySettings };
  set_notify_settings: { args: { settings: NotifySettings }; result: NotifySettings };
  sla_report: { args: { customer: string; month: string }; result: SlaReport };
  save_sla_report: { args: { customer: string; month: string; format: string }; result: SavedFile };
  backup_store: { args: {  }; result: SavedFile };
  restore_store: { args: {  }; result: null };
  diagnostics: { args: {  }; result: string };
  auto_backup: { args: {  }; result: AutoBackup };
  choose_auto_backup_folder: { args: {  }; result: AutoBackup };
  stop_auto_backup: { args: {  }; result: AutoBackup };
  connections: { args: {  }; result: Array<ConnectionView> };
  connection_template: { args: { kind: ConnectorKind }; result: ConnectionConfig };
  save_connection: { args: { config: ConnectionConfig; secret: string | null }; result: ConnectionView };
  delete_connection: { args: { name: string }; result: null };
  test_connection: { args: { config: ConnectionConfig; secret: string | null }; result: ConnectionTest };
  sync_now: { args: { name: string | null }; result: Array<SyncReport> };
  sync_conflicts: { args: {  }; result: Array<SyncConflict> };
  fleet_status: { args: {  }; result: FleetStatus };
  status_history: { args: { endpoint: string; check: number; fromS: number; toS: number }; result: Array<HistoryPoint> };
  uptime: { args: { windowHours: number }; result: Uptimes };
  maintenance_windows: { args: {  }; result: Array<MaintenanceWindow> };
  add_maintenance: { args: { window: MaintenanceWindow }; result: MaintenanceWindow };
  remove_maintenance: { args: { id: number }; result: null };
  acknowledgements: { args: {  }; result: Array<Acknowledgement> };
  acknowledge: { args: { endpoint: string; check: number | null; comment: string; untilS: number | null }; result: Acknowledgement };
  remove_acknowledgement: { args: { id: number }; result: null };
  prometheus_source: { args: {  }; result: PromSettings };
  save_prometheus_source: { args: { source: PromSource | null; secret: string | null }; result: PromSettings };
  ssh_profiles: { args: {  }; result: Array<SshProfileView> };
  save_ssh_profile: { args: { profile: CredentialProfile; secret: string | null; passphrase: string | null }; result: Array<SshProfileView> };
  remove_ssh_profile: { args: { name: string }; result: Array<SshProfileView> };
  known_hosts: { args: {  }; result: Array<KnownHostEntry> };
  remove_known_host: { args: { line: number }; result: Array<KnownHostEntry> };
  import_known_hosts: { args: {  }; result: ImportReport };
  import_ssh_config: { args: { site: string; profile: string | null }; result: ImportPlan };
  open_session: { args: { endpoint: string; cols: number; rows: number }; result: SessionInfo };
  session_write: { args: { id: number; data: string }; result: null };
  session_resize: { args: { id: number; cols: number; rows: number }; result: null };
  close_session: { args: { id: number }; result: null };
  answer_host_key: { args: { id: number; accept: boolean }; result: null };
  answer_secret: { args: { id: number; secret: string | null }; result: null };
  forwards: { args: {  }; result: Array<ForwardView> };
  open_forward: { args: { endpoint: string; localPort: number; remoteHost: string; remotePort: number }; result: ForwardView };
  close_forward: { args: { id: number }; result: Array<ForwardView> };
  sftp_list: { args: { endpoint: string; path: string }; result: Listing };
  sftp_transfer: { args: { endpoint: string; direction: Direction; remote: string; folder: boolean }; result: TransferView };
  transfers: { args: {  }; result: Array<TransferView> };
  cancel_transfer: { args: { id: number }; result: null };
  fanout_preview: { args: { selector: Selector }; result: FanoutPreview };
  run_fanout: { args: { selector: Selector; command: string; concurrency: number; queueUnreachable: boolean }; result: FanoutView };
  fanouts: { args: {  }; result: Array<FanoutView> };
  cancel_queued: { args: { id: number; endpoint: string | null }; result: null };
  snippets: { args: {  }; result: Array<Snippet> };
  save_snippet: { args: { snippet: Snippet }; result: Array<Snippet> };
  remove_snippet: { args: { name: string }; result: Array<Snippet> };
  recordings: { args: { customer: string | null }; result: Array<RecordingInfo> };
  export_session_audit: { args: { customer: string }; result: SavedFile };
  test_prometheus_source: { args: { source: PromSource; secret: string | null }; result: SourceReport };
  resolve_conflict: { args: { outboxId: number; resolution: Resolution }; result: Ticket };
}

/** Every event: its name and its payload. */
export interface Events {
  "fleet-changed": FleetChanged;
  "open-item": OpenItem;
  "sync-changed": SyncReport;
  "sync-started": SyncStarted;
  "status-changed": StatusChanged;
  "source-changed": SourceChanged;
  "session-event": SessionEventPayload;
  "transfer-changed": TransferView;
  "fanout-changed": FanoutView;
  "forwards-changed": Array<ForwardView>;
  "app-failed": AppFailed;
}

/** Check kinds in their canonical order. */
export const CHECK_KINDS: CheckKind[] = ["http", "tcp", "ping", "dns", "tls_expiry", "node_exporter", "ssh_command"];

/** Endpoint fields a CSV column can fill. */
export const ENDPOINT_FIELDS: EndpointField[] = ["id", "site", "name", "host", "tags", "notes", "parent", "ssh_user", "ssh_port", "ssh_jump", "ssh_credential"];
