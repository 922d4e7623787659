use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use uuid::Uuid;

use crate::domain::{Pillar, PillarBreakdown};
use crate::error::AppError;

/// One workload's pillar score with every question, control and rule
/// behind it.
#[server(input = GetUrl, endpoint = "pillar")]
pub async fn get_pillar(workload: Uuid, pillar: Pillar) -> Result<PillarBreakdown, AppError> {
    crate::auth::require(crate::domain::Role::Viewer)?;
    crate::ports::Dashboard::from_context()?.0.pillar(workload, pillar).await
}
