use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use uuid::Uuid;

use crate::domain::WorkloadDetail;
use crate::error::AppError;

/// One workload with its six pillar scores, components and coverage.
#[server(input = GetUrl, endpoint = "workload")]
pub async fn get_workload(id: Uuid) -> Result<WorkloadDetail, AppError> {
    crate::auth::require(crate::domain::Role::Viewer)?;
    crate::ports::Dashboard::from_context()?.0.workload(id).await
}
