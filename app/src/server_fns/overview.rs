use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use crate::domain::Overview;
use crate::error::AppError;

/// The workloads with their current pillar scores, and whether the data is
/// the demo organisation's.
#[server(input = GetUrl, endpoint = "overview")]
pub async fn get_overview() -> Result<Overview, AppError> {
    crate::auth::require(crate::domain::Role::Viewer)?;
    crate::ports::Dashboard::from_context()?.0.overview().await
}
