//! Changing items, one at a time or in bulk (all or nothing): status with
//! risk acceptance, owner, due date and ticket, each step in the item's
//! history, the whole change in the audit log, and the Security Hub
//! workflow it asks for queued in the same transaction.

use app::domain::remediation::{MAX_TEXT, RemediationRefusal, Status, TicketSystem};
use chrono::NaiveDate;
use serde_json::json;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::{RemediationError, history};
use crate::auth::audit;

/// A change to an item; `None` leaves a field as it is.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Change {
    pub status: Option<Status>,
    /// `Some(None)` leaves the item without an owner.
    pub owner: Option<Option<Uuid>>,
    pub due_on: Option<NaiveDate>,
    /// `Some(None)` removes the link.
    pub ticket_url: Option<Option<String>>,
    /// `Some(None)` says no system.
    pub ticket_system: Option<Option<TicketSystem>>,
    /// With `Status::RiskAccepted`: why, and until when.
    pub acceptance: Option<(String, NaiveDate)>,
}

struct Current {
    status: Status,
    acceptance_reason: Option<String>,
    accepted_until: Option<NaiveDate>,
    owner_id: Option<Uuid>,
    owner: Option<String>,
    due_on: NaiveDate,
    ticket_url: Option<String>,
    ticket_system: Option<TicketSystem>,
}

async fn owner_email(conn: &mut PgConnection, owner: Uuid) -> Result<String, RemediationError> {
    sqlx::query_scalar!("SELECT email FROM users WHERE id = $1 AND disabled_at IS NULL", owner)
        .fetch_optional(conn)
        .await?
        .ok_or(RemediationRefusal::UnknownOwner.into())
}

/// Applies one change to one item inside a transaction, with its history.
async fn apply(
    tx: &mut PgConnection,
    actor: &str,
    item: Uuid,
    change: &Change,
    today: NaiveDate,
) -> Result<(), RemediationError> {
    let current = sqlx::query_as!(
        Current,
        r#"SELECT r.status AS "status: Status", r.acceptance_reason, r.accepted_until, r.owner_id, u.email AS "owner?",
                  r.due_on,
                  r.ticket_url, r.ticket_system AS "ticket_system: TicketSystem"
           FROM remediation_items r LEFT JOIN users u ON u.id = r.owner_id
           WHERE r.id = $1 FOR UPDATE OF r"#,
        item
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(RemediationRefusal::UnknownItem)?;
    let mut steps = Steps::default();
    change_status(tx, actor, item, &current, change, today, &mut steps).await?;
    if let Some(owner) = change.owner
        && owner != current.owner_id
    {
        change_owner(tx, item, &current, owner, &mut steps).await?;
    }
    if let Some(due_on) = change.due_on
        && due_on != current.due_on
    {
        sqlx::query!("UPDATE remediation_items SET due_on = $2, updated_at = now() WHERE id = $1", item, due_on)
            .execute(&mut *tx)
            .await?;
        steps.lines.push(format!("Due: {} → {due_on}", current.due_on));
        steps.after.insert("due_on".into(), json!(due_on));
    }
    if let Some(ticket) = &change.ticket_url
        && *ticket != current.ticket_url
    {
        if let Some(url) = ticket
            && (!(url.starts_with("https://") || url.starts_with("http://")) || url.len() > MAX_TEXT)
        {
            return Err(RemediationRefusal::Ticket.into());
        }
        sqlx::query!("UPDATE remediation_items SET ticket_url = $2, updated_at = now() WHERE id = $1", item, *ticket)
            .execute(&mut *tx)
            .await?;
        steps.lines.push(format!("Ticket: {}", ticket.clone().unwrap_or_else(|| "removed".into())));
        steps.after.insert("ticket_url".into(), json!(ticket));
    }
    if let Some(system) = change.ticket_system
        && system != current.ticket_system
    {
        sqlx::query!(
            "UPDATE remediation_items SET ticket_system = $2, updated_at = now() WHERE id = $1",
            item,
            system as Option<TicketSystem>
        )
        .execute(&mut *tx)
        .await?;
        let label = |system: Option<TicketSystem>| system.map(TicketSystem::label).unwrap_or("none");
        steps.lines.push(format!("Ticket system: {} → {}", label(current.ticket_system), label(system)));
        steps.after.insert("ticket_system".into(), json!(system.map(TicketSystem::as_str)));
    }
    for line in &steps.lines {
        history(&mut *tx, item, actor, line, None).await?;
    }
    if !steps.lines.is_empty() {
        audit::record(
            &mut *tx,
            actor,
            "remediation.update",
            &format!("remediation {item}"),
            None,
            Some(json!(steps.after)),
        )
        .await?;
    }
    Ok(())
}

/// Changes one item.
pub async fn update(
    pool: &PgPool,
    actor: &str,
    item: Uuid,
    change: &Change,
    today: NaiveDate,
) -> Result<(), RemediationError> {
    let mut tx = pool.begin().await?;
    apply(&mut tx, actor, item, change, today).await?;
    tx.commit().await?;
    Ok(())
}

/// Changes several items the same way: all of them, or none if any is
/// refused.
pub async fn bulk(
    pool: &PgPool,
    actor: &str,
    items: &[Uuid],
    change: &Change,
    today: NaiveDate,
) -> Result<usize, RemediationError> {
    let mut tx = pool.begin().await?;
    for item in items {
        apply(&mut tx, actor, *item, change, today).await?;
    }
    tx.commit().await?;
    Ok(items.len())
}

/// What a change did: a history line per step, and the new values for the
/// audit log.
#[derive(Default)]
struct Steps {
    lines: Vec<String>,
    after: serde_json::Map<String, serde_json::Value>,
}

/// The change's status, if it has one (with a risk acceptance's reason
/// and expiry), and the Security Hub workflow it asks for, queued with it.
async fn change_status(
    tx: &mut PgConnection,
    actor: &str,
    item: Uuid,
    current: &Current,
    change: &Change,
    today: NaiveDate,
    steps: &mut Steps,
) -> Result<(), RemediationError> {
    let Some(status) = change.status else { return Ok(()) };
    let accepting = status == Status::RiskAccepted;
    let acceptance = change.acceptance.as_ref().filter(|(reason, until)| {
        let reason = reason.trim();
        !reason.is_empty() && reason.chars().count() <= MAX_TEXT && *until > today
    });
    if accepting && acceptance.is_none() {
        return Err(RemediationRefusal::Acceptance.into());
    }
    let (reason, until) = match acceptance.filter(|_| accepting) {
        Some((reason, until)) => (Some(reason.trim().to_owned()), Some(*until)),
        None => (None, None),
    };
    let acceptance_changed = accepting && (reason != current.acceptance_reason || until != current.accepted_until);
    if status == current.status && !acceptance_changed {
        return Ok(());
    }
    sqlx::query!(
        "UPDATE remediation_items SET status = $2, by_evidence = false, flagged = false,
                acceptance_reason = $3, accepted_until = $4, updated_at = now()
         WHERE id = $1",
        item,
        status.as_str(),
        reason,
        until
    )
    .execute(&mut *tx)
    .await?;
    crate::remediation::write_back::enqueue(&mut *tx, item, status, reason.as_deref(), actor).await?;
    let mut line = format!("Status: {} → {}", current.status.label(), status.label());
    if let (Some(reason), Some(until)) = (&reason, until) {
        line.push_str(&format!(" until {until}: “{reason}”"));
    }
    steps.lines.push(line);
    steps.after.insert("status".into(), json!(status.as_str()));
    Ok(())
}

/// A new owner, an active editor or admin, or none.
async fn change_owner(
    tx: &mut PgConnection,
    item: Uuid,
    current: &Current,
    owner: Option<Uuid>,
    steps: &mut Steps,
) -> Result<(), RemediationError> {
    let email = match owner {
        Some(owner) => Some(owner_email(&mut *tx, owner).await?),
        None => None,
    };
    sqlx::query!("UPDATE remediation_items SET owner_id = $2, updated_at = now() WHERE id = $1", item, owner)
        .execute(&mut *tx)
        .await?;
    let name = |email: &Option<String>| email.clone().unwrap_or_else(|| "nobody".into());
    steps.lines.push(format!("Owner: {} → {}", name(&current.owner), name(&email)));
    steps.after.insert("owner".into(), json!(email));
    Ok(())
}
