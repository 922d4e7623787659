//! Sources and their sync runs: read by every role, a sync started by
//! admins.

use app::domain::sync::SyncStatus;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

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
pub async fn sync_runs(State(state): State<AppState>, _caller: Caller) -> Result<Json<SyncStatus>, ApiFailure> {
    Ok(Json(state.dashboard.0.sync_status().await?))
}

/// A sync that has started.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SyncStarted {
    pub source: Uuid,
    /// Where to follow it: the source's latest run in `/api/v1/sync-runs`.
    pub follow: String,
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
pub async fn start(
    State(state): State<AppState>,
    Admin(admin): Admin,
    PathId(source): PathId,
) -> Result<(StatusCode, Json<SyncStarted>), ApiFailure> {
    state.syncs.0.sync_now(source, admin.email).await?;
    Ok((StatusCode::ACCEPTED, Json(SyncStarted { source, follow: "/api/v1/sync-runs".into() })))
}
