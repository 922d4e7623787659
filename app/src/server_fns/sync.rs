use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use uuid::Uuid;

use crate::domain::sync::{OnboardingPage, OnboardingQuery, SyncStatus};
use crate::error::AppError;

/// The sources and their recent runs.
#[server(input = GetUrl, endpoint = "sync_status")]
pub async fn get_sync_status() -> Result<SyncStatus, AppError> {
    crate::auth::require(crate::domain::Role::Viewer)?;
    crate::ports::Dashboard::from_context()?.0.sync_status().await
}

/// The writes to AWS the sync page lists.
#[server(input = GetUrl, endpoint = "aws_writes")]
pub async fn get_aws_writes() -> Result<Vec<crate::domain::outbox::WriteLine>, AppError> {
    crate::auth::require(crate::domain::Role::Viewer)?;
    crate::ports::Dashboard::from_context()?.0.aws_writes().await
}

/// Starts a sync of one source now. Posted by a plain form without
/// JavaScript; the server then sends the browser back to the sync page.
#[server(endpoint = "sync_now")]
pub async fn sync_now(source: Uuid) -> Result<(), AppError> {
    let admin = crate::auth::require(crate::domain::Role::Admin)?;
    crate::ports::Syncs::from_context()?.0.sync_now(source, admin.email).await
}

/// One page of the sources' accounts as onboarding sees them.
#[server(input = GetUrl, endpoint = "onboarding")]
pub async fn get_onboarding(query: OnboardingQuery) -> Result<OnboardingPage, AppError> {
    crate::auth::require(crate::domain::Role::Viewer)?;
    let mut page = crate::ports::Dashboard::from_context()?.0.onboarding(query.clone()).await?;
    page.query = query;
    Ok(page)
}
