//! Remediation status written back to Security Hub (opt-in per source):
//! a person moving an item of a control or rule queues the workflow its
//! findings should take (in progress → NOTIFIED, resolved → RESOLVED, risk
//! accepted → SUPPRESSED with the reason as note, won't fix → SUPPRESSED,
//! reopened → NEW). Delivery sends the latest one per item with
//! `BatchUpdateFindings`; a call that fails, or findings Security Hub did
//! not process, leave the update queued with the error shown on the item,
//! and the next round tries again. Nothing is dropped.

use std::collections::BTreeMap;

use app::domain::remediation::Status;
use aws_sdk_securityhub::types::WorkflowStatus;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::aws::clients::SourceClients;
use crate::aws::findings::{FindingId, update_workflow};
use crate::reference::CATALOGUE;

/// Who the notes in Security Hub name.
const UPDATED_BY: &str = "Plinth";

/// The workflow a status asks of the item's findings, and its note.
pub fn workflow_for(status: Status, acceptance_reason: Option<&str>) -> Option<(&'static str, String)> {
    match status {
        Status::InProgress => Some(("NOTIFIED", "Remediation in progress in Plinth".into())),
        Status::Resolved => Some(("RESOLVED", "Resolved in Plinth".into())),
        Status::RiskAccepted => {
            Some(("SUPPRESSED", format!("Risk accepted in Plinth: {}", acceptance_reason.unwrap_or_default())))
        }
        Status::WontFix => Some(("SUPPRESSED", "Won't fix, decided in Plinth".into())),
        Status::Open => Some(("NEW", "Reopened in Plinth".into())),
        Status::Blocked => None,
    }
}

/// Queues the workflow update for an item whose status a person changed,
/// if it is an item of a control or rule.
pub(super) async fn enqueue(
    conn: &mut PgConnection,
    item: Uuid,
    status: Status,
    acceptance_reason: Option<&str>,
    actor: &str,
) -> Result<(), sqlx::Error> {
    let Some((workflow, note)) = workflow_for(status, acceptance_reason) else { return Ok(()) };
    sqlx::query!(
        "INSERT INTO finding_updates (item_id, workflow, note, actor)
         SELECT id, $2, $3, $4 FROM remediation_items WHERE id = $1 AND source_kind IN ('control', 'rule')",
        item,
        workflow,
        note,
        actor
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// What a delivery round did.
#[derive(Debug, Default, PartialEq)]
pub struct Delivered {
    /// Updates Security Hub took in full.
    pub done: u64,
    /// Updates left queued after an error.
    pub failed: u64,
    /// Findings updated.
    pub findings: u64,
}

struct Pending {
    id: i64,
    item_id: Uuid,
    workflow: String,
    note: String,
    workload_id: Uuid,
    source_kind: String,
    source_key: Option<String>,
}

/// The control whose findings an item's source has.
fn control_of(kind: &str, key: &str) -> Option<String> {
    match kind {
        "control" => Some(key.to_owned()),
        "rule" => {
            let rule = CATALOGUE.managed_rules.iter().find(|rule| rule.identifier == key)?;
            CATALOGUE.controls.iter().find(|c| c.config_rule.as_deref() == Some(&rule.rule_name)).map(|c| c.id.clone())
        }
        _ => None,
    }
}

/// Sends the queued updates now, in the background: after a change, so
/// Security Hub hears of it without waiting for the next sync.
pub fn deliver_soon(pool: &PgPool, clients: &SourceClients) {
    let (pool, clients) = (pool.clone(), clients.clone());
    tokio::spawn(async move {
        if let Err(error) = deliver(&pool, &clients).await {
            tracing::warn!(%error, "could not send the Security Hub workflow updates");
        }
    });
}

/// Sends the queued updates. One round at a time across servers sharing
/// the database (an advisory lock); a round that finds the lock taken does
/// nothing.
#[tracing::instrument(skip_all)]
pub async fn deliver(pool: &PgPool, clients: &SourceClients) -> Result<Delivered, sqlx::Error> {
    let mut lock = pool.acquire().await?;
    let key = 0x706c_696e_7468_0001_i64;
    if !crate::db::locks::try_lock(&mut lock, key).await? {
        return Ok(Delivered::default());
    }
    let delivered = deliver_locked(pool, clients).await;
    crate::db::locks::unlock(&mut lock, key).await?;
    delivered
}

async fn deliver_locked(pool: &PgPool, clients: &SourceClients) -> Result<Delivered, sqlx::Error> {
    let pending = sqlx::query_as!(
        Pending,
        "SELECT u.id, u.item_id, u.workflow, u.note, r.workload_id, r.source_kind, r.source_key
         FROM finding_updates u JOIN remediation_items r ON r.id = u.item_id
         WHERE u.done_at IS NULL ORDER BY u.id"
    )
    .fetch_all(pool)
    .await?;
    // Only the latest change of an item matters.
    let mut latest: BTreeMap<Uuid, &Pending> = BTreeMap::new();
    for update in &pending {
        if let Some(older) = latest.insert(update.item_id, update) {
            sqlx::query!(
                "UPDATE finding_updates SET done_at = now(), last_error = 'replaced by a later change' WHERE id = $1",
                older.id
            )
            .execute(pool)
            .await?;
        }
    }
    let mut delivered = Delivered::default();
    for update in latest.values() {
        let control = update.source_key.as_deref().and_then(|key| control_of(&update.source_kind, key));
        let Some(control) = control else {
            sqlx::query!(
                "UPDATE finding_updates SET done_at = now(), last_error = 'no Security Hub control has this source''s findings'
                 WHERE id = $1",
                update.id
            )
            .execute(pool)
            .await?;
            continue;
        };
        let findings = sqlx::query!(
            "SELECT f.id, f.product_arn, f.account_id, f.region, s.name AS source
             FROM findings f
             JOIN sources s ON s.id = f.source_id
             JOIN workloads w ON w.id = $1 AND f.account_id = ANY(w.account_ids) AND f.region = ANY(w.regions)
             WHERE f.control_id = $2 AND f.record_state = 'ACTIVE' AND f.compliance_status = 'FAILED'
             ORDER BY f.id",
            update.workload_id,
            control
        )
        .fetch_all(pool)
        .await?;
        let mut groups: BTreeMap<(String, String, String), Vec<FindingId>> = BTreeMap::new();
        for finding in findings.into_iter().filter(|f| clients.updates_findings(&f.source)) {
            groups
                .entry((finding.source, finding.account_id, finding.region))
                .or_default()
                .push(FindingId { id: finding.id, product_arn: finding.product_arn });
        }
        let status = WorkflowStatus::from(update.workflow.as_str());
        let mut processed: Vec<String> = Vec::new();
        let mut errors: Vec<String> = Vec::new();
        for ((source, account, region), ids) in &groups {
            let sent = match clients.clients(source, account, region).await {
                Ok(aws) => {
                    update_workflow(
                        &aws.security_hub,
                        clients.findings_limiter(),
                        ids,
                        status.clone(),
                        &update.note,
                        UPDATED_BY,
                    )
                    .await
                }
                Err(error) => Err(error),
            };
            match sent {
                Ok(updated) => {
                    processed.extend(updated.processed);
                    if let Some((id, why)) = updated.unprocessed.first() {
                        errors
                            .push(format!("{} findings not updated, such as {id} ({why})", updated.unprocessed.len()));
                    }
                }
                Err(error) => errors.push(format!("{account} {region}: {error}")),
            }
        }
        sqlx::query!("UPDATE findings SET workflow_status = $2 WHERE id = ANY($1)", &processed, update.workflow)
            .execute(pool)
            .await?;
        let count = i32::try_from(processed.len()).unwrap_or(i32::MAX);
        delivered.findings += processed.len() as u64;
        if errors.is_empty() {
            sqlx::query!(
                "UPDATE finding_updates SET attempts = attempts + 1, updated = $2, last_error = NULL, done_at = now()
                 WHERE id = $1",
                update.id,
                count
            )
            .execute(pool)
            .await?;
            delivered.done += 1;
        } else {
            let error = errors.join("; ");
            tracing::warn!(item = %update.item_id, %error, "Security Hub did not take a workflow update; it stays queued");
            sqlx::query!(
                "UPDATE finding_updates SET attempts = attempts + 1, updated = $2, last_error = $3 WHERE id = $1",
                update.id,
                count,
                error
            )
            .execute(pool)
            .await?;
            delivered.failed += 1;
        }
    }
    Ok(delivered)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_status_asks_its_workflow_of_the_findings() {
        assert_eq!(workflow_for(Status::InProgress, None).map(|w| w.0), Some("NOTIFIED"));
        assert_eq!(workflow_for(Status::Resolved, None).map(|w| w.0), Some("RESOLVED"));
        assert_eq!(
            workflow_for(Status::RiskAccepted, Some("Static site")),
            Some(("SUPPRESSED", "Risk accepted in Plinth: Static site".into()))
        );
        assert_eq!(workflow_for(Status::Blocked, None), None);
    }

    #[test]
    fn a_rule_item_updates_the_findings_of_the_control_that_evaluates_it() {
        assert_eq!(control_of("rule", "MULTI_REGION_CLOUD_TRAIL_ENABLED").as_deref(), Some("CloudTrail.1"));
        assert_eq!(control_of("control", "S3.1").as_deref(), Some("S3.1"));
        assert_eq!(control_of("question", "securely-operate"), None);
    }
}
