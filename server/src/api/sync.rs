//! Sources and their sync runs: read by every role, a sync started by
//! admins.

use app::domain::params::IgnoredParam;
use app::domain::sync::{self as domain, OnboardingQuery};
use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::IntoParams;

use super::contract::{OnboardingFilter, OnboardingPage, SyncStarted, SyncStatus};
use super::query::Params;
use super::{Admin, ApiError, ApiFailure, Caller, PathId};
use crate::http::AppState;

/// Each source with its last good sync, and the recent runs.
#[utoipa::path(
    get,
    path = "/api/v1/sync-runs",
    tag = "sync",
    responses(
        (status = 200, description = "Sources and recent runs", body = SyncStatus),
        (status = 401, description = "Not signed in", body = ApiError),
    )
)]
#[tracing::instrument(skip_all)]
pub async fn sync_runs(State(state): State<AppState>, _caller: Caller) -> Result<Json<SyncStatus>, ApiFailure> {
    Ok(Json(state.dashboard.0.sync_status().await?.into()))
}

/// Starts a sync of one source now, in the background; follow it through
/// `/api/v1/sync-runs`. A source that is syncing already is a 409.
#[utoipa::path(
    post,
    path = "/api/v1/sources/{id}/sync",
    tag = "sync",
    params(("id" = String, Path, description = "The source's id (a UUID), from `/api/v1/sync-runs`")),
    responses(
        (status = 202, description = "The sync has started", body = SyncStarted),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 403, description = "Needs the admin role", body = ApiError),
        (status = 404, description = "No such source", body = ApiError),
        (status = 409, description = "A sync of the source is running", body = ApiError),
    )
)]
#[tracing::instrument(skip_all)]
pub async fn start(
    State(state): State<AppState>,
    Admin(admin): Admin,
    PathId(source): PathId,
) -> Result<(StatusCode, Json<SyncStarted>), ApiFailure> {
    state.syncs.0.sync_now(source, admin.email).await?;
    Ok((StatusCode::ACCEPTED, Json(SyncStarted { source, follow: "/api/v1/sync-runs".into() })))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code, reason = "documents the query string")]
pub struct AccountParams {
    /// Only this source's accounts (its name); empty means every source.
    source: Option<String>,
    /// `failing`: the last sync failed in the account; `never`: no sync
    /// has read it whole yet; `all` (the default).
    status: Option<OnboardingFilter>,
    /// The page, from 1; 100 accounts a page.
    #[param(minimum = 1, maximum = 1000000)]
    page: Option<u32>,
}

/// The last page the API reads: a million pages of 100 accounts.
const MAX_PAGE: u32 = 1_000_000;

/// Every source's accounts as onboarding sees them, failing ones first:
/// name, organizational unit, whether the last sync could read the account
/// and exactly what AWS said where it could not, and when a sync last read
/// it whole; with each source's counts.
#[utoipa::path(
    get,
    path = "/api/v1/accounts",
    tag = "sync",
    params(AccountParams),
    responses(
        (status = 200, description = "One page of accounts", body = OnboardingPage),
        (status = 400, description = "A parameter is not valid; `fields` names it", body = ApiError),
        (status = 401, description = "Not signed in", body = ApiError),
    )
)]
#[tracing::instrument(skip_all)]
pub async fn accounts(
    State(state): State<AppState>,
    _caller: Caller,
    RawQuery(query): RawQuery,
) -> Result<Json<OnboardingPage>, ApiFailure> {
    let params = Params::parse(query.as_deref());
    let mut ignored = Vec::new();
    let accounts = match params.get("status").as_deref() {
        None | Some("all") => domain::OnboardingFilter::All,
        Some("failing") => domain::OnboardingFilter::Failing,
        Some("never") => domain::OnboardingFilter::Never,
        Some(other) => {
            ignored.push(IgnoredParam { name: "status".into(), value: other.to_owned() });
            domain::OnboardingFilter::All
        }
    };
    let page = match params.get("page") {
        None => 1,
        Some(page) => match page.parse::<u32>() {
            Ok(page) if (1..=MAX_PAGE).contains(&page) => page,
            _ => {
                ignored.push(IgnoredParam { name: "page".into(), value: page });
                1
            }
        },
    };
    params.refuse(&["status", "page"], ignored)?;
    // An empty source means every source, as on the page.
    let source = params.get("source").map(|source| source.trim().to_owned()).filter(|source| !source.is_empty());
    let query = OnboardingQuery { source, accounts, page };
    Ok(Json(state.dashboard.0.onboarding(query).await?.into()))
}
