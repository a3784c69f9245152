//! An interactive session as both front doors open it (a terminal tab in the window,
//! `fieldline ssh` in a terminal): refused unless the audit log can record it, recorded as
//! shown (through the terminal filter), its opening and its end audited.

use crate::consent::{Ask, Confirm};
use crate::remote::{remote_error, Context};
use fieldline_ipc::{IpcError, Language};
use fieldline_keychain::SecretStore;
use fieldline_ssh::audit::AuditAction;
use fieldline_ssh::connect::{ConnectOptions, Route};
use fieldline_ssh::recording::{LiveRecording, Recorder, RecordingMeta};
use fieldline_ssh::session::{OutputChunk, Session, SessionEvent, SessionHandle, SessionOptions};
use fieldline_ssh::terminal_filter::TerminalFilter;
use std::path::PathBuf;
use std::sync::Arc;

/// What to open.
pub struct Open<'a> {
    pub endpoint: &'a str,
    pub cols: u16,
    pub rows: u16,
    /// The recording's title.
    pub title: String,
    pub options: ConnectOptions,
    pub secrets: Arc<dyn SecretStore>,
}

/// An opened session and where its recording is written.
pub struct Opened {
    pub handle: SessionHandle,
    pub recording: PathBuf,
    pub customer: Option<String>,
}

/// The question before logging in to `endpoint`: who, as whom, through which jumps.
pub fn ask(ctx: &Context, endpoint: &str, route: &Route) -> Ask {
    let hops = route.labels();
    Ask::OpenSession {
        endpoint: endpoint.to_owned(),
        // The customer as the technician knows them: by name.
        customer: ctx
            .customer(endpoint)
            .map(|id| {
                ctx.fleet
                    .customer(&id)
                    .map_or(id.clone(), |c| c.name.clone())
            })
            .unwrap_or_default(),
        user: route.target().map(|h| h.user.clone()).unwrap_or_default(),
        via: hops[..hops.len().saturating_sub(1)].to_vec(),
    }
}

/// Opens a recorded, audited session once `confirm` approves it (the window asks natively;
/// at a terminal, typing `fieldline ssh` is the technician's own act: [`crate::consent::Typed`]).
/// `on_event` sees every event, output already through the terminal filter; the audit entry
/// of the end is written before `on_event` hears of it (a CLI that exits on `Exit` loses no
/// entry).
pub fn open(
    ctx: &Context,
    open: Open<'_>,
    confirm: &dyn Confirm,
    lang: Language,
    mut on_event: Box<dyn FnMut(SessionEvent) + Send>,
) -> Result<Opened, IpcError> {
    // Fail closed: no session that the audit log could not record.
    ctx.audit_ready()?;
    let endpoint = open.endpoint.to_owned();
    let route = ctx.route(&endpoint)?;
    confirm
        .confirm(&ask(ctx, &endpoint, &route))
        .require(lang)
        .map_err(|message| IpcError::NotApproved { message })?;
    let customer = ctx.customer(&endpoint);
    let (cols, rows) = (open.cols.clamp(10, 1000), open.rows.clamp(3, 500));
    let recorder = Recorder::create(
        &ctx.paths.recordings,
        RecordingMeta {
            customer: customer.clone().unwrap_or_else(|| "unknown".into()),
            endpoint: endpoint.clone(),
            user: route.target().map(|h| h.user.clone()).unwrap_or_default(),
            cols,
            rows,
            title: open.title,
            started: jiff::Timestamp::now(),
        },
    )
    .map_err(|e| remote_error(format!("the session's recording cannot start: {e}")))?;
    let recorder = LiveRecording::start(recorder);
    let recording = recorder.path().to_owned();

    // The recording gets what is shown: output through the terminal filter.
    let tap_recorder = recorder.clone();
    let mut tap_filter = TerminalFilter::default();
    let tap = Box::new(move |chunk: OutputChunk<'_>| match chunk {
        OutputChunk::Output(bytes) => tap_recorder.output(&tap_filter.filter(bytes)),
        OutputChunk::Resize(c, r) => tap_recorder.resize(c, r),
    });

    let audit = Context {
        fleet: Default::default(),
        profiles: Vec::new(),
        paths: ctx.paths.clone(),
    };
    let (who, at, file) = (customer.clone(), endpoint.clone(), recording.clone());
    let record = move |action: AuditAction, detail: serde_json::Value| {
        if let Err(e) = audit.record(action, who.as_deref(), Some(&at), detail) {
            tracing::error!("audit entry not written: {e}");
        }
    };
    let mut filter = TerminalFilter::default();
    let events = Box::new(move |event: SessionEvent| {
        let event = match event {
            SessionEvent::Data { bytes } => SessionEvent::Data {
                bytes: filter.filter(&bytes),
            },
            SessionEvent::Connected { hops, fingerprint } => {
                record(
                    AuditAction::SessionOpened,
                    serde_json::json!({ "via": hops, "fingerprint": fingerprint, "recording": file }),
                );
                SessionEvent::Connected { hops, fingerprint }
            }
            other => other,
        };
        let end = match &event {
            SessionEvent::Exit { status } => Some(serde_json::json!({ "exit": status })),
            SessionEvent::Closed { reason } => Some(serde_json::json!({ "closed": reason })),
            SessionEvent::Error { message } => Some(serde_json::json!({ "error": message })),
            _ => None,
        };
        if let Some(detail) = end {
            let _ = recorder.finish();
            record(AuditAction::SessionClosed, detail);
        }
        on_event(event);
    });
    let handle = Session::spawn(
        route,
        open.options,
        SessionOptions {
            pty: Some((cols, rows)),
            tap: Some(tap),
            ..SessionOptions::default()
        },
        open.secrets,
        events,
    );
    Ok(Opened {
        handle,
        recording,
        customer,
    })
}
