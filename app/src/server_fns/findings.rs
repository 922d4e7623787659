use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use crate::domain::findings::{FindingDetail, FindingQuery, FindingsPage};
use crate::error::AppError;

/// One page of the findings the query selects.
#[server(input = GetUrl, endpoint = "findings")]
pub async fn get_findings(#[server(default)] query: FindingQuery) -> Result<FindingsPage, AppError> {
    crate::auth::require(crate::domain::Role::Viewer)?;
    crate::ports::Dashboard::from_context()?.0.findings(query).await
}

/// One finding in full.
#[server(input = GetUrl, endpoint = "finding")]
pub async fn get_finding(id: String) -> Result<FindingDetail, AppError> {
    crate::auth::require(crate::domain::Role::Viewer)?;
    crate::ports::Dashboard::from_context()?.0.finding(id).await
}
