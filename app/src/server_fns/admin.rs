use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use crate::domain::admin::{AuditPage, AuditQuery, SourcesPage, UserLine};
use crate::error::AppError;

/// Every user (admins only).
#[server(input = GetUrl, endpoint = "admin_users")]
pub async fn get_users() -> Result<Vec<UserLine>, AppError> {
    crate::auth::require(crate::domain::Role::Admin)?;
    crate::ports::Admin::from_context()?.0.users().await
}

/// One page of the audit log (admins only).
#[server(input = GetUrl, endpoint = "admin_audit")]
pub async fn get_audit(#[server(default)] query: AuditQuery) -> Result<AuditPage, AppError> {
    crate::auth::require(crate::domain::Role::Admin)?;
    crate::ports::Admin::from_context()?.0.audit(query).await
}

/// The sources with their settings (admins only).
#[server(input = GetUrl, endpoint = "admin_sources")]
pub async fn get_sources() -> Result<SourcesPage, AppError> {
    crate::auth::require(crate::domain::Role::Admin)?;
    crate::ports::Admin::from_context()?.0.sources().await
}

/// The checklist packs (admins only).
#[server(input = GetUrl, endpoint = "admin_packs")]
pub async fn get_packs() -> Result<Vec<crate::domain::checklists::PackSummary>, AppError> {
    crate::auth::require(crate::domain::Role::Admin)?;
    crate::ports::Admin::from_context()?.0.packs().await
}

/// The signed-in user's own API tokens (every role).
#[server(input = GetUrl, endpoint = "my_tokens")]
pub async fn get_my_tokens() -> Result<Vec<crate::domain::account::TokenLine>, AppError> {
    let user = crate::auth::require(crate::domain::Role::Viewer)?;
    crate::ports::Admin::from_context()?.0.tokens(user.id).await
}
