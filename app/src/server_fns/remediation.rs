use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use uuid::Uuid;

use crate::domain::remediation::{RemediationDetail, RemediationPage, RemediationQuery};
use crate::error::AppError;

/// The remediation items the query selects ("my items": owner `me`).
#[server(input = GetUrl, endpoint = "remediation")]
pub async fn get_remediation(#[server(default)] query: RemediationQuery) -> Result<RemediationPage, AppError> {
    let user = crate::auth::require(crate::domain::Role::Viewer)?;
    crate::ports::Dashboard::from_context()?.0.remediation(query, Some(user.email)).await
}

/// One remediation item with its history and comments.
#[server(input = GetUrl, endpoint = "remediation_item")]
pub async fn get_remediation_item(id: Uuid) -> Result<RemediationDetail, AppError> {
    crate::auth::require(crate::domain::Role::Viewer)?;
    crate::ports::Dashboard::from_context()?.0.remediation_item(id).await.map_err(AppError::answered)
}
