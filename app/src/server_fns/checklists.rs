use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use uuid::Uuid;

use crate::domain::checklists::{ChecklistQuery, WorkloadChecklist};
use crate::error::AppError;

/// A workload's checklists and the items the query selects.
#[server(input = GetUrl, endpoint = "checklist")]
pub async fn get_checklist(
    workload: Uuid,
    #[server(default)] query: ChecklistQuery,
) -> Result<WorkloadChecklist, AppError> {
    crate::auth::require(crate::domain::Role::Viewer)?;
    crate::ports::Dashboard::from_context()?.0.checklist(workload, query).await
}
