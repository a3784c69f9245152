//! Renders `ui/src/bindings.ts`: every IPC type, the typed command table and the event table.

use crate::*;
use fieldline_core::csv_import::{CsvOptions, CsvPreview, CsvReport, EndpointField};
use fieldline_core::maintenance::{
    Acknowledgement, MaintenanceMode, MaintenanceWindow, Schedule, Scope, ScopeKind,
};
use fieldline_core::{
    Check, CheckKind, CheckState, Customer, Endpoint, Fleet, FleetChange, Site, SshSettings,
};
use fieldline_monitor::engine::{CheckStatus, Offline};
use fieldline_monitor::source_prom::{
    AlertsFrom, Auth as PromAuth, EndpointResults, InfoAlerts, PromSource, ResultKind,
    SourceReport, SourceResult, Unmatched,
};
use fieldline_notify::plan::NotifySettings;
use fieldline_sla::{ClockKind, Priority, TicketState};
use fieldline_ssh::connect::{HostKeyQuestion, SecretKind, SecretQuestion};
use fieldline_ssh::fanout::{HostResult, HostState, Selector, Summary};
use fieldline_ssh::forward::ForwardStatus;
use fieldline_ssh::known_hosts::{ImportReport, KnownHostEntry};
use fieldline_ssh::profile::{AuthMethod, CredentialProfile};
use fieldline_ssh::recording::RecordingInfo;
use fieldline_ssh::session::SessionEvent;
use fieldline_ssh::sftp::{Direction, EntryKind, Listing, Progress, RemoteEntry};
use fieldline_ssh::ssh_config::ImportPlan;
use fieldline_store::notifications::CentreEntry;
use fieldline_store::remote::Snippet;
use fieldline_store::reports::{Outcome, PriorityLine, ReportTicket, SlaReport};
use fieldline_store::status::{HistoryPoint, Uptimes};
use fieldline_store::sync::{
    ConnectionConfig, ConnectorKind, Mapping, Resolution, SyncConflict, SyncStatus,
};
use fieldline_store::tickets::{
    ClockView, Crossing, NewTicket, SlaRow, Ticket, TicketChange, TicketEvent, TicketSummary,
};
use fieldline_sync::{ConnectionTest, SyncReport};
use ts_rs::{Config, TS};

/// One command the shell answers: its name, its arguments (as the UI passes them, in
/// camelCase) and its result.
pub struct Command {
    pub name: &'static str,
    pub args: Vec<(&'static str, String)>,
    pub result: String,
}

fn cfg() -> Config {
    Config::new().with_large_int("number")
}

fn ty<T: TS>() -> String {
    T::name(&cfg())
}

/// Every command of the shell. `src-tauri/src/commands.rs` implements exactly these
/// (a test there invokes each through Tauri's mock runtime).
pub fn commands() -> Vec<Command> {
    let c = |name, args: Vec<(&'static str, String)>, result| Command { name, args, result };
    vec![
        c("app_info", vec![], ty::<AppInfo>()),
        c("get_settings", vec![], ty::<Settings>()),
        c(
            "set_language",
            vec![("language", ty::<Language>())],
            ty::<Settings>(),
        ),
        c("fleet_snapshot", vec![], ty::<Fleet>()),
        c(
            "apply_fleet_change",
            vec![("change", ty::<FleetChange>())],
            ty::<Fleet>(),
        ),
        c("load_demo_fleet", vec![], ty::<Fleet>()),
        c(
            "import_fleet_file",
            vec![
                ("fileName", ty::<String>()),
                ("text", ty::<String>()),
                ("replace", ty::<bool>()),
            ],
            ty::<ImportSummary>(),
        ),
        c("export_fleet", vec![], ty::<String>()),
        c(
            "preview_csv",
            vec![("fileName", ty::<String>()), ("bytes", ty::<Vec<u8>>())],
            ty::<CsvPreview>(),
        ),
        c(
            "import_csv",
            vec![
                ("fileName", ty::<String>()),
                ("bytes", ty::<Vec<u8>>()),
                ("options", ty::<CsvOptions>()),
            ],
            ty::<CsvReport>(),
        ),
        c(
            "sla_board",
            vec![
                ("customer", ty::<Option<String>>()),
                ("priority", ty::<Option<Priority>>()),
            ],
            ty::<SlaBoard>(),
        ),
        c("sla_config_info", vec![], ty::<SlaConfigInfo>()),
        c(
            "import_sla_config",
            vec![
                ("fileName", ty::<String>()),
                ("text", ty::<String>()),
                ("includes", ty::<Vec<NamedFile>>()),
            ],
            ty::<SlaConfigInfo>(),
        ),
        c("ticket_detail", vec![("id", ty::<i64>())], ty::<Ticket>()),
        c("ticket_clocks", vec![("id", ty::<i64>())], ty::<SlaBoard>()),
        c(
            "open_ticket",
            vec![("ticket", ty::<NewTicket>())],
            ty::<Ticket>(),
        ),
        c(
            "change_ticket",
            vec![("id", ty::<i64>()), ("change", ty::<TicketChange>())],
            ty::<Ticket>(),
        ),
        c("notification_centre", vec![], ty::<Vec<CentreEntry>>()),
        c("get_notify_settings", vec![], ty::<NotifySettings>()),
        c(
            "set_notify_settings",
            vec![("settings", ty::<NotifySettings>())],
            ty::<NotifySettings>(),
        ),
        c(
            "sla_report",
            vec![("customer", ty::<String>()), ("month", ty::<String>())],
            ty::<SlaReport>(),
        ),
        c(
            "save_sla_report",
            vec![
                ("customer", ty::<String>()),
                ("month", ty::<String>()),
                ("format", ty::<String>()),
            ],
            ty::<SavedFile>(),
        ),
        c("connections", vec![], ty::<Vec<ConnectionView>>()),
        c(
            "connection_template",
            vec![("kind", ty::<ConnectorKind>())],
            ty::<ConnectionConfig>(),
        ),
        c(
            "save_connection",
            vec![
                ("config", ty::<ConnectionConfig>()),
                ("secret", ty::<Option<String>>()),
            ],
            ty::<ConnectionView>(),
        ),
        c(
            "delete_connection",
            vec![("name", ty::<String>())],
            ty::<()>(),
        ),
        c(
            "test_connection",
            vec![
                ("config", ty::<ConnectionConfig>()),
                ("secret", ty::<Option<String>>()),
            ],
            ty::<ConnectionTest>(),
        ),
        c(
            "sync_now",
            vec![("name", ty::<Option<String>>())],
            ty::<Vec<SyncReport>>(),
        ),
        c("sync_conflicts", vec![], ty::<Vec<SyncConflict>>()),
        c("fleet_status", vec![], ty::<FleetStatus>()),
        c(
            "status_history",
            vec![
                ("endpoint", ty::<String>()),
                ("check", ty::<u32>()),
                ("fromS", "number".to_string()),
                ("toS", "number".to_string()),
            ],
            ty::<Vec<HistoryPoint>>(),
        ),
        c(
            "uptime",
            vec![("windowHours", ty::<u32>())],
            ty::<Uptimes>(),
        ),
        c(
            "maintenance_windows",
            vec![],
            ty::<Vec<MaintenanceWindow>>(),
        ),
        c(
            "add_maintenance",
            vec![("window", ty::<MaintenanceWindow>())],
            ty::<MaintenanceWindow>(),
        ),
        c(
            "remove_maintenance",
            vec![("id", "number".to_string())],
            ty::<()>(),
        ),
        c("acknowledgements", vec![], ty::<Vec<Acknowledgement>>()),
        c(
            "acknowledge",
            vec![
                ("endpoint", ty::<String>()),
                ("check", ty::<Option<u32>>()),
                ("comment", ty::<String>()),
                ("untilS", "number | null".to_string()),
            ],
            ty::<Acknowledgement>(),
        ),
        c(
            "remove_acknowledgement",
            vec![("id", "number".to_string())],
            ty::<()>(),
        ),
        c("prometheus_source", vec![], ty::<PromSettings>()),
        c(
            "save_prometheus_source",
            vec![
                ("source", ty::<Option<PromSource>>()),
                ("secret", ty::<Option<String>>()),
            ],
            ty::<PromSettings>(),
        ),
        c("ssh_profiles", vec![], ty::<Vec<SshProfileView>>()),
        c(
            "save_ssh_profile",
            vec![
                ("profile", ty::<CredentialProfile>()),
                ("secret", ty::<Option<String>>()),
                ("passphrase", ty::<Option<String>>()),
            ],
            ty::<Vec<SshProfileView>>(),
        ),
        c(
            "remove_ssh_profile",
            vec![("name", ty::<String>())],
            ty::<Vec<SshProfileView>>(),
        ),
        c("known_hosts", vec![], ty::<Vec<KnownHostEntry>>()),
        c(
            "remove_known_host",
            vec![("line", ty::<u32>())],
            ty::<Vec<KnownHostEntry>>(),
        ),
        c("import_known_hosts", vec![], ty::<ImportReport>()),
        c(
            "import_ssh_config",
            vec![
                ("site", ty::<String>()),
                ("profile", ty::<Option<String>>()),
            ],
            ty::<ImportPlan>(),
        ),
        c(
            "open_session",
            vec![
                ("endpoint", ty::<String>()),
                ("cols", ty::<u16>()),
                ("rows", ty::<u16>()),
            ],
            ty::<SessionInfo>(),
        ),
        c(
            "session_write",
            vec![("id", ty::<u64>()), ("data", ty::<String>())],
            ty::<()>(),
        ),
        c(
            "session_resize",
            vec![
                ("id", ty::<u64>()),
                ("cols", ty::<u16>()),
                ("rows", ty::<u16>()),
            ],
            ty::<()>(),
        ),
        c("close_session", vec![("id", ty::<u64>())], ty::<()>()),
        c(
            "answer_host_key",
            vec![("id", ty::<u64>()), ("accept", ty::<bool>())],
            ty::<()>(),
        ),
        c(
            "answer_secret",
            vec![("id", ty::<u64>()), ("secret", ty::<Option<String>>())],
            ty::<()>(),
        ),
        c("forwards", vec![], ty::<Vec<ForwardView>>()),
        c(
            "open_forward",
            vec![
                ("endpoint", ty::<String>()),
                ("localPort", ty::<u16>()),
                ("remoteHost", ty::<String>()),
                ("remotePort", ty::<u16>()),
            ],
            ty::<ForwardView>(),
        ),
        c(
            "close_forward",
            vec![("id", ty::<u64>())],
            ty::<Vec<ForwardView>>(),
        ),
        c(
            "sftp_list",
            vec![("endpoint", ty::<String>()), ("path", ty::<String>())],
            ty::<Listing>(),
        ),
        c(
            "sftp_transfer",
            vec![
                ("endpoint", ty::<String>()),
                ("direction", ty::<Direction>()),
                ("remote", ty::<String>()),
            ],
            ty::<TransferView>(),
        ),
        c("transfers", vec![], ty::<Vec<TransferView>>()),
        c("cancel_transfer", vec![("id", ty::<u64>())], ty::<()>()),
        c(
            "fanout_preview",
            vec![("selector", ty::<Selector>())],
            ty::<FanoutPreview>(),
        ),
        c(
            "run_fanout",
            vec![
                ("selector", ty::<Selector>()),
                ("command", ty::<String>()),
                ("concurrency", ty::<u32>()),
                ("queueUnreachable", ty::<bool>()),
            ],
            ty::<FanoutView>(),
        ),
        c("fanouts", vec![], ty::<Vec<FanoutView>>()),
        c(
            "cancel_queued",
            vec![("id", ty::<u64>()), ("endpoint", ty::<Option<String>>())],
            ty::<()>(),
        ),
        c("snippets", vec![], ty::<Vec<Snippet>>()),
        c(
            "save_snippet",
            vec![("snippet", ty::<Snippet>())],
            ty::<Vec<Snippet>>(),
        ),
        c(
            "remove_snippet",
            vec![("name", ty::<String>())],
            ty::<Vec<Snippet>>(),
        ),
        c(
            "recordings",
            vec![("customer", ty::<Option<String>>())],
            ty::<Vec<RecordingInfo>>(),
        ),
        c(
            "export_session_audit",
            vec![("customer", ty::<String>())],
            ty::<SavedFile>(),
        ),
        c(
            "test_prometheus_source",
            vec![
                ("source", ty::<PromSource>()),
                ("secret", ty::<Option<String>>()),
            ],
            ty::<SourceReport>(),
        ),
        c(
            "resolve_conflict",
            vec![
                ("outboxId", ty::<i64>()),
                ("resolution", ty::<Resolution>()),
            ],
            ty::<Ticket>(),
        ),
    ]
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
        "  \"{}\": {};\n  \"{}\": {};\n  \"{}\": {};\n  \"{}\": {};\n}}\n",
        events::SESSION_EVENT,
        ty::<SessionEventPayload>(),
        events::TRANSFER_CHANGED,
        ty::<TransferView>(),
        events::FANOUT_CHANGED,
        ty::<FanoutView>(),
        events::FORWARDS_CHANGED,
        ty::<Vec<ForwardView>>()
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
