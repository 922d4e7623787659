use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use crate::domain::rules::{RuleDetail, RuleQuery, RulesPage};
use crate::error::AppError;

/// The Config rules the query selects, and the conformance packs.
#[server(input = GetUrl, endpoint = "rules")]
pub async fn get_rules(#[server(default)] query: RuleQuery) -> Result<RulesPage, AppError> {
    crate::auth::require(crate::domain::Role::Viewer)?;
    crate::ports::Dashboard::from_context()?.0.rules(query).await
}

/// One rule with its deployments and resources.
#[server(input = GetUrl, endpoint = "rule")]
pub async fn get_rule(name: String, #[server(default)] query: RuleQuery) -> Result<RuleDetail, AppError> {
    crate::auth::require(crate::domain::Role::Viewer)?;
    crate::ports::Dashboard::from_context()?.0.rule(name, query).await
}
