//! Renders `ui/src/bindings.ts`: every IPC type, the typed command table and the event table.

/// Every type a command's arguments or result name, in one place: where
/// [`for_each_command`](crate::for_each_command) expands, `use fieldline_ipc::bindings::types::*`.
pub mod types {
    pub use crate::*;
    pub use fieldline_core::csv_import::{CsvOptions, CsvPreview, CsvReport, EndpointField};
    pub use fieldline_core::maintenance::{
        Acknowledgement, MaintenanceMode, MaintenanceWindow, Schedule, Scope, ScopeKind,
    };
    pub use fieldline_core::{
        Check, CheckKind, CheckState, Customer, Endpoint, Fleet, FleetChange, Site, SshSettings,
    };
    pub use fieldline_monitor::engine::{CheckStatus, Offline};
    pub use fieldline_monitor::source_prom::{
        AlertsFrom, Auth as PromAuth, EndpointResults, InfoAlerts, PromSource, ResultKind,
        SourceReport, SourceResult, Unmatched,
    };
    pub use fieldline_notify::plan::NotifySettings;
    pub use fieldline_sla::{ClockKind, Priority, TicketState};
    pub use fieldline_ssh::connect::{HostKeyQuestion, SecretKind, SecretQuestion};
    pub use fieldline_ssh::fanout::{HostResult, HostState, Selector, Summary};
    pub use fieldline_ssh::forward::ForwardStatus;
    pub use fieldline_ssh::known_hosts::{ImportReport, KnownHostEntry};
    pub use fieldline_ssh::profile::{AuthMethod, CredentialProfile};
    pub use fieldline_ssh::recording::RecordingInfo;
    pub use fieldline_ssh::session::SessionEvent;
    pub use fieldline_ssh::sftp::{Direction, EntryKind, Listing, Progress, RemoteEntry};
    pub use fieldline_ssh::ssh_config::ImportPlan;
    pub use fieldline_store::notifications::CentreEntry;
    pub use fieldline_store::remote::Snippet;
    pub use fieldline_store::reports::{Outcome, PriorityLine, ReportTicket, SlaReport};
    pub use fieldline_store::status::{HistoryPoint, Uptimes};
    pub use fieldline_store::sync::{
        ConnectionConfig, ConnectorKind, Mapping, Resolution, SyncConflict, SyncStatus,
    };
    pub use fieldline_store::tickets::{
        ClockView, Crossing, NewTicket, SlaRow, Ticket, TicketChange, TicketEvent, TicketSummary,
    };
    pub use fieldline_sync::{ConnectionTest, SyncReport};
}

use ts_rs::{Config, TS};
use types::*;

/// One command the shell answers: its name, its arguments (as the UI passes them, in
/// camelCase) and its result.
pub struct Command {
    pub name: &'static str,
    pub args: Vec<(String, String)>,
    pub result: String,
}

fn cfg() -> Config {
    Config::new().with_large_int("number")
}

fn ty<T: TS>() -> String {
    T::name(&cfg())
}

/// THE declaration of every command the window may call: its name, its arguments (as Rust
/// names them; the UI passes them in camelCase, as Tauri expects) and its result. Nothing
/// else lists commands: [`commands`] (and so `ui/src/bindings.ts`) and the desktop shell's
/// Tauri commands and handler (`src-tauri/src/ipc.rs`) are generated from it, so a command,
/// an argument's name or type, or a result cannot differ between them (the shell does not
/// compile otherwise).
///
/// `for_each_command!(m)` calls `m!` with the list; type names resolve where `m!` expands
/// (bring [`types`]`::*` into scope there).
#[macro_export]
macro_rules! for_each_command {
    ($m:ident) => {
        $m! {
            app_info() -> AppInfo;
            get_settings() -> Settings;
            set_language(language: Language) -> Settings;
            fleet_snapshot() -> Fleet;
            apply_fleet_change(change: FleetChange) -> Fleet;
            load_demo_fleet() -> Fleet;
            import_fleet_file(file_name: String, text: String, replace: bool) -> ImportSummary;
            export_fleet() -> String;
            preview_csv(file_name: String, bytes: Vec<u8>) -> CsvPreview;
            import_csv(file_name: String, bytes: Vec<u8>, options: CsvOptions) -> CsvReport;
            sla_board(customer: Option<String>, priority: Option<Priority>) -> SlaBoard;
            sla_config_info() -> SlaConfigInfo;
            import_sla_config(file_name: String, text: String, includes: Vec<NamedFile>) -> SlaConfigInfo;
            ticket_detail(id: i64) -> Ticket;
            ticket_clocks(id: i64) -> SlaBoard;
            open_ticket(ticket: NewTicket) -> Ticket;
            change_ticket(id: i64, change: TicketChange) -> Ticket;
            notification_centre() -> Vec<CentreEntry>;
            get_notify_settings() -> NotifySettings;
            set_notify_settings(settings: NotifySettings) -> NotifySettings;
            sla_report(customer: String, month: String) -> SlaReport;
            save_sla_report(customer: String, month: String, format: String) -> SavedFile;
            backup_store() -> SavedFile;
            restore_store() -> ();
            diagnostics() -> String;
            auto_backup() -> AutoBackup;
            choose_auto_backup_folder() -> AutoBackup;
            stop_auto_backup() -> AutoBackup;
            connections() -> Vec<ConnectionView>;
            connection_template(kind: ConnectorKind) -> ConnectionConfig;
            save_connection(config: ConnectionConfig, secret: Option<String>) -> ConnectionView;
            delete_connection(name: String) -> ();
            test_connection(config: ConnectionConfig, secret: Option<String>) -> ConnectionTest;
            sync_now(name: Option<String>) -> Vec<SyncReport>;
            sync_conflicts() -> Vec<SyncConflict>;
            fleet_status() -> FleetStatus;
            status_history(endpoint: String, check: u32, from_s: i64, to_s: i64) -> Vec<HistoryPoint>;
            uptime(window_hours: u32) -> Uptimes;
            maintenance_windows() -> Vec<MaintenanceWindow>;
            add_maintenance(window: MaintenanceWindow) -> MaintenanceWindow;
            remove_maintenance(id: i64) -> ();
            acknowledgements() -> Vec<Acknowledgement>;
            acknowledge(endpoint: String, check: Option<u32>, comment: String, until_s: Option<i64>) -> Acknowledgement;
            remove_acknowledgement(id: i64) -> ();
            prometheus_source() -> PromSettings;
            save_prometheus_source(source: Option<PromSource>, secret: Option<String>) -> PromSettings;
            ssh_profiles() -> Vec<SshProfileView>;
            save_ssh_profile(profile: CredentialProfile, secret: Option<String>, passphrase: Option<String>) -> Vec<SshProfileView>;
            remove_ssh_profile(name: String) -> Vec<SshProfileView>;
            known_hosts() -> Vec<KnownHostEntry>;
            remove_known_host(line: u32) -> Vec<KnownHostEntry>;
            import_known_hosts() -> ImportReport;
            import_ssh_config(site: String, profile: Option<String>) -> ImportPlan;
            open_session(endpoint: String, cols: u16, rows: u16) -> SessionInfo;
            session_write(id: u64, data: String) -> ();
            session_resize(id: u64, cols: u16, rows: u16) -> ();
            close_session(id: u64) -> ();
            answer_host_key(id: u64, accept: bool) -> ();
            answer_secret(id: u64, secret: Option<String>) -> ();
            forwards() -> Vec<ForwardView>;
            open_forward(endpoint: String, local_port: u16, remote_host: String, remote_port: u16) -> ForwardView;
            close_forward(id: u64) -> Vec<ForwardView>;
            sftp_list(endpoint: String, path: String) -> Listing;
            sftp_transfer(endpoint: String, direction: Direction, remote: String, folder: bool) -> TransferView;
            transfers() -> Vec<TransferView>;
            cancel_transfer(id: u64) -> ();
            fanout_preview(selector: Selector) -> FanoutPreview;
            run_fanout(selector: Selector, command: String, concurrency: u32, queue_unreachable: bool) -> FanoutView;
            fanouts() -> Vec<FanoutView>;
            cancel_queued(id: u64, endpoint: Option<String>) -> ();
            snippets() -> Vec<Snippet>;
            save_snippet(snippet: Snippet) -> Vec<Snippet>;
            remove_snippet(name: String) -> Vec<Snippet>;
            recordings(customer: Option<String>) -> Vec<RecordingInfo>;
            export_session_audit(customer: String) -> SavedFile;
            test_prometheus_source(source: PromSource, secret: Option<String>) -> SourceReport;
            resolve_conflict(outbox_id: i64, resolution: Resolution) -> Ticket;
        }
    };
}

/// `file_name` → `fileName`: how the UI names an argument (Tauri's default).
fn camel(snake: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for ch in snake.chars() {
        if ch == '_' {
            upper = true;
        } else if upper {
            out.extend(ch.to_uppercase());
            upper = false;
        } else {
            out.push(ch);
        }
    }
    out
}

macro_rules! command_table {
    ($($name:ident ( $($arg:ident : $ty:ty),* ) -> $res:ty;)*) => {
        vec![$(Command {
            name: stringify!($name),
            args: vec![$((camel(stringify!($arg)), ty::<$ty>())),*],
            result: ty::<$res>(),
        }),*]
    };
}

/// Every command of the shell, from [`for_each_command`](crate::for_each_command).
pub fn commands() -> Vec<Command> {
    crate::for_each_command!(command_table)
}

/// The main window's capability (`src-tauri/capabilities/default.json`): listening to
/// Fieldline's events and calling exactly the declared commands, each by its own permission
/// (`allow-<name>`, generated by the shell's build script from this list); no plugin's
/// commands (the window can neither open nor answer a native dialog).
pub fn capability() -> String {
    let mut permissions = vec![
        "core:event:allow-listen".to_owned(),
        "core:event:allow-unlisten".to_owned(),
    ];
    permissions.extend(
        commands()
            .iter()
            .map(|c| format!("allow-{}", c.name.replace('_', "-"))),
    );
    let listed: Vec<String> = permissions.iter().map(|p| format!("    \"{p}\"")).collect();
    format!(
        "{{\n  \"identifier\": \"default\",\n  \"description\": \"The main window may call Fieldline's declared commands (each named here, generated from fieldline_ipc::for_each_command! by scripts/gen-bindings.sh) and listen to its events; nothing else (no plugin, file system, shell or HTTP access from the webview).\",\n  \"windows\": [\"main\"],\n  \"permissions\": [\n{}\n  ]\n}}\n",
        listed.join(",\n")
    )
}

fn decl<T: TS>(out: &mut String) {
    out.push_str("export ");
    out.push_str(&T::decl(&cfg()));
    out.push_str("\n\n");
}

/// The whole bindings file.
pub fn render() -> String {
    let mut out = String::from(
        "// Generated from crates/fieldline-ipc by scripts/gen-bindings.sh. Do not edit.\n\
         // A test fails when this file and the Rust declarations disagree.\n\n\
         export type JsonValue = number | string | boolean | Array<JsonValue> | { [key: string]: JsonValue } | null;\n\n",
    );
    decl::<Customer>(&mut out);
    decl::<Site>(&mut out);
    decl::<SshSettings>(&mut out);
    decl::<CheckKind>(&mut out);
    decl::<Check>(&mut out);
    decl::<Endpoint>(&mut out);
    decl::<Fleet>(&mut out);
    decl::<FleetChange>(&mut out);
    decl::<FleetIssue>(&mut out);
    decl::<EndpointField>(&mut out);
    decl::<CsvPreview>(&mut out);
    decl::<CsvOptions>(&mut out);
    decl::<CsvReport>(&mut out);
    decl::<IpcError>(&mut out);
    decl::<Language>(&mut out);
    decl::<Settings>(&mut out);
    decl::<AppInfo>(&mut out);
    decl::<RestoreOutcome>(&mut out);
    decl::<AutoBackup>(&mut out);
    decl::<AppFailed>(&mut out);
    decl::<ImportSummary>(&mut out);
    decl::<FleetChanged>(&mut out);
    decl::<Priority>(&mut out);
    decl::<TicketState>(&mut out);
    decl::<ClockKind>(&mut out);
    decl::<TicketChange>(&mut out);
    decl::<TicketEvent>(&mut out);
    decl::<Ticket>(&mut out);
    decl::<TicketSummary>(&mut out);
    decl::<NewTicket>(&mut out);
    decl::<Crossing>(&mut out);
    decl::<ClockView>(&mut out);
    decl::<SlaRow>(&mut out);
    decl::<SlaBoard>(&mut out);
    decl::<SlaConfigInfo>(&mut out);
    decl::<CentreEntry>(&mut out);
    decl::<NotifySettings>(&mut out);
    decl::<Outcome>(&mut out);
    decl::<PriorityLine>(&mut out);
    decl::<ReportTicket>(&mut out);
    decl::<SlaReport>(&mut out);
    decl::<SavedFile>(&mut out);
    decl::<NamedFile>(&mut out);
    decl::<OpenItem>(&mut out);
    decl::<ConnectorKind>(&mut out);
    decl::<Mapping>(&mut out);
    decl::<ConnectionConfig>(&mut out);
    decl::<SyncStatus>(&mut out);
    decl::<ConnectionView>(&mut out);
    decl::<ConnectionTest>(&mut out);
    decl::<SyncReport>(&mut out);
    decl::<SyncConflict>(&mut out);
    decl::<Resolution>(&mut out);
    decl::<SyncStarted>(&mut out);
    decl::<CheckState>(&mut out);
    decl::<CheckStatus>(&mut out);
    decl::<Offline>(&mut out);
    decl::<Uptimes>(&mut out);
    decl::<HistoryPoint>(&mut out);
    decl::<FleetStatus>(&mut out);
    decl::<StatusChanged>(&mut out);
    decl::<ScopeKind>(&mut out);
    decl::<Scope>(&mut out);
    decl::<MaintenanceMode>(&mut out);
    decl::<Schedule>(&mut out);
    decl::<MaintenanceWindow>(&mut out);
    decl::<Acknowledgement>(&mut out);
    decl::<PromAuth>(&mut out);
    decl::<InfoAlerts>(&mut out);
    decl::<PromSource>(&mut out);
    decl::<PromSettings>(&mut out);
    decl::<ResultKind>(&mut out);
    decl::<SourceResult>(&mut out);
    decl::<EndpointResults>(&mut out);
    decl::<Unmatched>(&mut out);
    decl::<AlertsFrom>(&mut out);
    decl::<SourceReport>(&mut out);
    decl::<SourceView>(&mut out);
    decl::<SourceChanged>(&mut out);
    decl::<AuthMethod>(&mut out);
    decl::<CredentialProfile>(&mut out);
    decl::<SshProfileView>(&mut out);
    decl::<KnownHostEntry>(&mut out);
    decl::<ImportReport>(&mut out);
    decl::<ImportPlan>(&mut out);
    decl::<HostKeyQuestion>(&mut out);
    decl::<SecretKind>(&mut out);
    decl::<SecretQuestion>(&mut out);
    decl::<SessionEvent>(&mut out);
    decl::<SessionInfo>(&mut out);
    decl::<SessionEventPayload>(&mut out);
    decl::<ForwardStatus>(&mut out);
    decl::<ForwardView>(&mut out);
    decl::<EntryKind>(&mut out);
    decl::<RemoteEntry>(&mut out);
    decl::<Listing>(&mut out);
    decl::<Direction>(&mut out);
    decl::<Progress>(&mut out);
    decl::<TransferState>(&mut out);
    decl::<TransferView>(&mut out);
    decl::<Selector>(&mut out);
    decl::<FanoutTarget>(&mut out);
    decl::<FanoutPreview>(&mut out);
    decl::<HostState>(&mut out);
    decl::<HostResult>(&mut out);
    decl::<Summary>(&mut out);
    decl::<FanoutView>(&mut out);
    decl::<Snippet>(&mut out);
    decl::<RecordingInfo>(&mut out);

    out.push_str(
        "/** Every command: its arguments and its result. */\nexport interface Commands {\n",
    );
    for c in commands() {
        let args = c
            .args
            .iter()
            .map(|(n, t)| format!("{n}: {t}"))
            .collect::<Vec<_>>()
            .join("; ");
        out.push_str(&format!(
            "  {}: {{ args: {{ {} }}; result: {} }};\n",
            c.name, args, c.result
        ));
    }
    out.push_str("}\n\n/** Every event: its name and its payload. */\nexport interface Events {\n");
    out.push_str(&format!(
        "  \"{}\": {};\n  \"{}\": {};\n  \"{}\": {};\n  \"{}\": {};\n  \"{}\": {};\n  \"{}\": {};\n",
        events::FLEET_CHANGED,
        ty::<FleetChanged>(),
        events::OPEN_ITEM,
        ty::<OpenItem>(),
        events::SYNC_CHANGED,
        ty::<SyncReport>(),
        events::SYNC_STARTED,
        ty::<SyncStarted>(),
        events::STATUS_CHANGED,
        ty::<StatusChanged>(),
        events::SOURCE_CHANGED,
        ty::<SourceChanged>()
    ));
    out.push_str(&format!(
        "  \"{}\": {};\n  \"{}\": {};\n  \"{}\": {};\n  \"{}\": {};\n  \"{}\": {};\n}}\n",
        events::SESSION_EVENT,
        ty::<SessionEventPayload>(),
        events::TRANSFER_CHANGED,
        ty::<TransferView>(),
        events::FANOUT_CHANGED,
        ty::<FanoutView>(),
        events::FORWARDS_CHANGED,
        ty::<Vec<ForwardView>>(),
        events::APP_FAILED,
        ty::<AppFailed>()
    ));
    out.push_str(
        "\n/** Check kinds in their canonical order. */\nexport const CHECK_KINDS: CheckKind[] = [",
    );
    out.push_str(
        &CheckKind::ALL
            .iter()
            .map(|k| format!("\"{}\"", k.as_str()))
            .collect::<Vec<_>>()
            .join(", "),
    );
    out.push_str("];\n\n/** Endpoint fields a CSV column can fill. */\nexport const ENDPOINT_FIELDS: EndpointField[] = [");
    out.push_str(
        &EndpointField::ALL
            .iter()
            .map(|k| format!("\"{}\"", k.as_str()))
            .collect::<Vec<_>>()
            .join(", "),
    );
    out.push_str("];\n");
    out
}
