//! Recording a milestone in the Well-Architected Tool when a review is
//! exported, so the tool's history and Plinth's line up.

use aws_sdk_wellarchitected::Client;

use super::answers::WriteTarget;
use super::clients::SourceClients;
use super::error::fetch_error;
use super::rate::RateLimiter;
use crate::sources::FetchError;

/// The error code of a name the workload's milestones already use.
pub const CONFLICT: &str = "ConflictException";

/// Creates a milestone of the workload's current review; AWS numbers it.
/// The request token makes a retried call create one milestone, not two.
pub async fn create_milestone(
    client: &Client,
    limiter: &RateLimiter,
    wa_workload_id: &str,
    name: &str,
    request_token: &str,
) -> Result<i32, FetchError> {
    limiter.acquire().await;
    let created = client
        .create_milestone()
        .workload_id(wa_workload_id)
        .milestone_name(name)
        .client_request_token(request_token)
        .send()
        .await
        .map_err(|error| {
            let conflict = error.as_service_error().is_some_and(|e| e.is_conflict_exception());
            let mut failure = fetch_error("CreateMilestone", error);
            if conflict {
                // The typed error says what the metadata may not.
                failure.code = Some(CONFLICT.to_owned());
            }
            failure
        })?;
    created
        .milestone_number()
        .ok_or_else(|| FetchError::new("CreateMilestone", "AWS created the milestone but did not give its number"))
}

impl SourceClients {
    /// Creates a milestone in the workload's Well-Architected Tool.
    pub async fn create_milestone(
        &self,
        target: &WriteTarget,
        wa_workload_id: &str,
        name: &str,
        request_token: &str,
    ) -> Result<i32, FetchError> {
        let clients = self.clients(&target.source, &target.account_id, &target.region).await?;
        create_milestone(&clients.well_architected, self.limiter(), wa_workload_id, name, request_token).await
    }
}
