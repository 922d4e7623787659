//! Remediation status written back to Security Hub (opt-in per source):
//! a person moving an item of a control or rule queues the workflow its
//! findings should take (in progress → NOTIFIED, resolved → RESOLVED, risk
//! accepted → SUPPRESSED with the reason as note, won't fix → SUPPRESSED,
//! reopened → NEW). The update goes through the outbox (`crate::outbox`):
//! queued with the change, the latest one per item sent with
//! `BatchUpdateFindings`; a call that fails, or findings Security Hub did
//! not process, leave the update queued with the error shown on the item,
//! tried again with a growing wait until it is given up.

use std::collections::BTreeMap;

use app::domain::outbox::WriteKind;
use app::domain::remediation::Status;
use aws_sdk_securityhub::types::WorkflowStatus;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::aws::findings::{FindingId, update_workflow};
use crate::outbox::{self, Claimed, Delivery, Outbox, Write};
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
/// if it is an item of a control or rule, in the change's transaction. It
/// replaces an update of the item not sent yet: only the latest counts.
pub(crate) async fn enqueue(
    conn: &mut PgConnection,
    item: Uuid,
    status: Status,
    acceptance_reason: Option<&str>,
    actor: &str,
) -> Result<(), sqlx::Error> {
    let Some((workflow, note)) = workflow_for(status, acceptance_reason) else { return Ok(()) };
    let Some(workload) = crate::db::remediation_reads::workload_of_finding_item(&mut *conn, item).await? else {
        return Ok(());
    };
    let subject = item.to_string();
    let write = Write {
        kind: WriteKind::FindingWorkflow,
        workload,
        item: Some(item),
        subject: &subject,
        payload: serde_json::json!({ "workflow": workflow, "note": note }),
        actor,
    };
    outbox::enqueue(conn, &write).await?;
    Ok(())
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

/// Delivers a queued workflow update: `BatchUpdateFindings` on the item's
/// failing findings, grouped by source, account and region. The findings
/// Security Hub processed take the workflow here too; a failed call, or
/// findings it did not process, fail the attempt with the error, and the
/// outbox tries again.
pub(crate) async fn deliver(outbox: &Outbox, write: &Claimed) -> Result<Delivery, sqlx::Error> {
    let (pool, clients) = (&outbox.pool, &outbox.clients);
    let workflow = write.payload["workflow"].as_str().unwrap_or_default().to_owned();
    let note = write.payload["note"].as_str().unwrap_or_default();
    let Some(item) = write.item_id else { return Ok(Delivery::GiveUp("the item is gone".into())) };
    let Some(source) = crate::db::remediation_reads::item_source(pool, item).await? else {
        return Ok(Delivery::GiveUp("the item is gone".into()));
    };
    let Some(control) = source.key.as_deref().and_then(|key| control_of(&source.kind, key)) else {
        return Ok(Delivery::GiveUp("no Security Hub control has this source's findings".into()));
    };
    let findings = crate::db::findings::failing_of_control(pool, write.workload_id, &control).await?;
    let mut groups: BTreeMap<(String, String, String), Vec<FindingId>> = BTreeMap::new();
    for finding in findings.into_iter().filter(|f| clients.updates_findings(&f.source)) {
        groups
            .entry((finding.source, finding.account_id, finding.region))
            .or_default()
            .push(FindingId { id: finding.id, product_arn: finding.product_arn });
    }
    let status = WorkflowStatus::from(workflow.as_str());
    let mut processed: Vec<String> = Vec::new();
    let mut errors: Vec<String> = Vec::new();
    for ((source, account, region), ids) in &groups {
        let sent = match clients.clients(source, account, region).await {
            Ok(aws) => {
                update_workflow(&aws.security_hub, clients.findings_limiter(), ids, status.clone(), note, UPDATED_BY)
                    .await
            }
            Err(error) => Err(error),
        };
        match sent {
            Ok(updated) => {
                processed.extend(updated.processed);
                if let Some((id, why)) = updated.unprocessed.first() {
                    errors.push(format!("{} findings not updated, such as {id} ({why})", updated.unprocessed.len()));
                }
            }
            Err(error) => errors.push(format!("{account} {region}: {error}")),
        }
    }
    crate::db::findings::set_workflow(pool, &processed, &workflow).await?;
    if errors.is_empty() {
        let updated = processed.len();
        Ok(Delivery::Done {
            outcome: format!("{updated} findings updated"),
            learnt: serde_json::json!({ "updated": updated }),
        })
    } else {
        Ok(Delivery::Failed(errors.join("; ")))
    }
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
