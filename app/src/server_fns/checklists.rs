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

/// A workload's Well-Architected answers as a checklist.
#[server(input = GetUrl, endpoint = "answers")]
pub async fn get_answers(
    workload: Uuid,
    #[server(default)] query: crate::domain::answers::AnswersQuery,
) -> Result<crate::domain::answers::WorkloadAnswers, AppError> {
    crate::auth::require(crate::domain::Role::Viewer)?;
    crate::ports::Answers::from_context()?.0.answers(workload, query).await.map_err(AppError::answered)
}

/// Ticks or reopens one item with one click, keeping its note and link
/// (editors and admins). `state` is `done` or `open`.
#[server(endpoint = "tick")]
pub async fn quick_tick(workload: Uuid, pack: String, item: String, state: String) -> Result<(), AppError> {
    let editor = crate::auth::require(crate::domain::Role::Editor)?;
    let Some(state) = crate::domain::checklists::TickState::parse(&state) else {
        return Err(AppError::Invalid(crate::domain::checklists::TickRefusal::State.message()).answered());
    };
    let checklists = crate::ports::Checklists::from_context()?;
    checklists.0.quick_tick(editor.email, workload, pack, item, state).await.map_err(AppError::answered)
}
