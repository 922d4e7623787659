//! Setting the workflow status of Security Hub findings from remediation
//! items with `BatchUpdateFindings`: at most 100 findings a call, within the
//! call's quota, throttled calls retried by the SDK.

use aws_sdk_securityhub::Client;
use aws_sdk_securityhub::types::{AwsSecurityFindingIdentifier, NoteUpdate, WorkflowStatus, WorkflowUpdate};

use super::error::fetch_error;
use super::rate::RateLimiter;
use crate::sources::FetchError;

/// The most findings one `BatchUpdateFindings` call takes.
pub const BATCH: usize = 100;

/// A finding as Security Hub identifies it.
#[derive(Clone, Debug, PartialEq)]
pub struct FindingId {
    pub id: String,
    pub product_arn: String,
}

/// What Security Hub did with the findings.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Updated {
    pub processed: Vec<String>,
    /// Finding ids with Security Hub's error code and message.
    pub unprocessed: Vec<(String, String)>,
}

/// Sets the workflow status of the findings, with a note, in batches.
pub async fn update_workflow(
    client: &Client,
    limiter: &RateLimiter,
    findings: &[FindingId],
    status: WorkflowStatus,
    note: &str,
    updated_by: &str,
) -> Result<Updated, FetchError> {
    let mut updated = Updated::default();
    for batch in findings.chunks(BATCH) {
        let identifiers = batch
            .iter()
            .map(|finding| {
                AwsSecurityFindingIdentifier::builder().id(&finding.id).product_arn(&finding.product_arn).build()
            })
            .collect();
        limiter.acquire().await;
        let answer = client
            .batch_update_findings()
            .set_finding_identifiers(Some(identifiers))
            .workflow(WorkflowUpdate::builder().status(status.clone()).build())
            .note(NoteUpdate::builder().text(note.chars().take(512).collect::<String>()).updated_by(updated_by).build())
            .send()
            .await
            .map_err(|error| fetch_error("BatchUpdateFindings", error))?;
        updated.processed.extend(answer.processed_findings().iter().filter_map(|f| f.id().map(str::to_owned)));
        updated.unprocessed.extend(answer.unprocessed_findings().iter().map(|f| {
            let id = f.finding_identifier().and_then(|i| i.id()).unwrap_or_default().to_owned();
            let why = format!("{}: {}", f.error_code().unwrap_or("error"), f.error_message().unwrap_or_default());
            (id, why)
        }));
    }
    Ok(updated)
}
