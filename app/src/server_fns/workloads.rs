use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use crate::domain::WorkloadSummary;
use crate::error::AppError;

/// Every workload with its current pillar scores.
#[server(input = GetUrl, endpoint = "workloads")]
pub async fn list_workloads() -> Result<Vec<WorkloadSummary>, AppError> {
    crate::ports::Dashboard::from_context()?.0.workloads().await
}
