//! Local port forwards: `127.0.0.1:PORT` on this computer to a host and port as seen from
//! an endpoint. Opening one reaches into a customer's network, so it is asked first; both
//! its opening and its closing are audited. The connection never asks about host keys.

use crate::consent::{Ask, Confirm};
use crate::remote::{remote_error, Context};
use fieldline_ipc::{IpcError, Language};
use fieldline_keychain::SecretStore;
use fieldline_ssh::audit::AuditAction;
use fieldline_ssh::forward::{Forward, ForwardStatus};

/// Where a forward goes.
pub struct Target<'a> {
    pub endpoint: &'a str,
    /// 0: any free port.
    pub local_port: u16,
    pub remote_host: &'a str,
    pub remote_port: u16,
}

/// Opens the forward once `confirm` approves it; refused before anything (the question
/// included) when the audit log cannot be written.
pub fn open(
    ctx: &Context,
    secrets: &dyn SecretStore,
    to: &Target<'_>,
    confirm: &dyn Confirm,
    lang: Language,
) -> Result<Forward, IpcError> {
    ctx.audit_ready()?;
    // The route is checked before anything is asked.
    ctx.route(to.endpoint)?;
    let customer = ctx.customer(to.endpoint);
    let remote = format!("{}:{}", to.remote_host, to.remote_port);
    confirm
        .confirm(&Ask::OpenForward {
            endpoint: to.endpoint.to_owned(),
            customer: customer.clone().unwrap_or_default(),
            local_port: to.local_port,
            remote: remote.clone(),
        })
        .require(lang)
        .map_err(|message| IpcError::NotApproved { message })?;
    let conn = ctx.connect_known(to.endpoint, secrets)?;
    let forward =
        Forward::open(conn, to.local_port, to.remote_host, to.remote_port).map_err(remote_error)?;
    let status = forward.status();
    if let Err(e) = ctx.record(
        AuditAction::ForwardOpened,
        customer.as_deref(),
        Some(to.endpoint),
        serde_json::json!({ "local_port": status.local_port, "remote": remote }),
    ) {
        tracing::error!("audit entry not written: {e}");
    }
    Ok(forward)
}

/// Closes `forward` (waits for its thread) and audits what it served.
pub fn close(ctx: &Context, endpoint: &str, forward: Forward) -> ForwardStatus {
    let status = forward.status();
    forward.close();
    if let Err(e) = ctx.record(
        AuditAction::ForwardClosed,
        ctx.customer(endpoint).as_deref(),
        Some(endpoint),
        serde_json::json!({ "local_port": status.local_port, "served": status.served }),
    ) {
        tracing::error!("audit entry not written: {e}");
    }
    status
}
