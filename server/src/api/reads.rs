//! What every role reads: workloads and their scores, findings, remediation
//! items, sync runs and exports. Each handler is the page's read, as JSON.

use app::domain::findings::{FindingQuery, FindingsPage};
use app::domain::remediation::{RemediationPage, RemediationQuery};
use app::domain::sync::SyncStatus;
use app::domain::{Milestone, PillarDetail, PillarTrend, WorkloadDetail, WorkloadSummary};
use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{ApiError, ApiFailure, Caller, FieldError, params};
use crate::dashboard::PgDashboard;
use crate::http::AppState;
use crate::report::{self, ExportError, Format, Scope};

type ApiResult<T> = Result<Json<T>, ApiFailure>;

fn workload_id(id: &str) -> Result<Uuid, ApiFailure> {
    Uuid::parse_str(id).map_err(|_| {
        ApiFailure::new(StatusCode::NOT_FOUND, "not_found", format!("There is no workload {id:?}; ids are UUIDs."))
    })
}

/// Every workload with its pillar scores and risk counts, by name.
#[utoipa::path(
    get,
    path = "/api/v1/workloads",
    tag = "workloads",
    responses(
        (status = 200, description = "The workloads", body = Vec<WorkloadSummary>),
        (status = 401, description = "Not signed in", body = ApiError),
    )
)]
pub async fn workloads(State(state): State<AppState>, _caller: Caller) -> ApiResult<Vec<WorkloadSummary>> {
    let mut workloads = state.dashboard.0.overview().await?.workloads;
    workloads.sort_by(|a, b| a.name.to_lowercase().cmp(&b.name.to_lowercase()).then(a.id.cmp(&b.id)));
    Ok(Json(workloads))
}

/// One workload: scope, pillars with components and coverage, trend,
/// milestones, every question with its answer, remediation progress.
#[utoipa::path(
    get,
    path = "/api/v1/workloads/{id}",
    tag = "workloads",
    params(("id" = String, Path, description = "The workload's id (a UUID)")),
    responses(
        (status = 200, description = "The workload", body = WorkloadDetail),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 404, description = "No such workload", body = ApiError),
    )
)]
pub async fn workload(
    State(state): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<WorkloadDetail> {
    Ok(Json(state.dashboard.0.workload(workload_id(&id)?).await?))
}

/// A workload's current scores.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Scores {
    pub workload: Uuid,
    /// The mean of the pillar scores that exist, rounded; as the pages show it.
    pub overall: Option<u8>,
    /// The six pillars: score, its three components and their coverage (0–1).
    pub pillars: Vec<PillarDetail>,
    pub mapping_version: Option<String>,
}

/// The current score of each pillar with its components and coverage.
#[utoipa::path(
    get,
    path = "/api/v1/workloads/{id}/scores",
    tag = "workloads",
    params(("id" = String, Path, description = "The workload's id (a UUID)")),
    responses(
        (status = 200, description = "The current scores", body = Scores),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 404, description = "No such workload", body = ApiError),
    )
)]
pub async fn scores(State(state): State<AppState>, _caller: Caller, Path(id): Path<String>) -> ApiResult<Scores> {
    let detail = state.dashboard.0.workload(workload_id(&id)?).await?;
    Ok(Json(Scores {
        workload: detail.id,
        overall: detail.overall(),
        pillars: detail.pillars,
        mapping_version: detail.mapping_version,
    }))
}

/// A workload's scores over the recent syncs, and its milestones.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ScoreHistory {
    pub workload: Uuid,
    /// Per pillar, its scores oldest first.
    pub trends: Vec<PillarTrend>,
    pub milestones: Vec<Milestone>,
}

/// Each pillar's score after each of the recent syncs (up to 30).
#[utoipa::path(
    get,
    path = "/api/v1/workloads/{id}/scores/history",
    tag = "workloads",
    params(("id" = String, Path, description = "The workload's id (a UUID)")),
    responses(
        (status = 200, description = "The score history", body = ScoreHistory),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 404, description = "No such workload", body = ApiError),
    )
)]
pub async fn score_history(
    State(state): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<ScoreHistory> {
    let detail = state.dashboard.0.workload(workload_id(&id)?).await?;
    Ok(Json(ScoreHistory { workload: detail.id, trends: detail.trends, milestones: detail.milestones }))
}

/// The findings page's filters; every one is optional.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code, reason = "documents the query string; FindingQuery::from_params reads it")]
pub struct FindingParams {
    /// An AWS account id.
    account: Option<String>,
    region: Option<String>,
    /// A workload id: its accounts and regions.
    workload: Option<Uuid>,
    /// A pillar id, such as `security`: the findings of its mapped controls.
    pillar: Option<String>,
    /// `INFORMATIONAL`, `LOW`, `MEDIUM`, `HIGH` or `CRITICAL`.
    severity: Option<String>,
    /// A Security Hub control id, such as `S3.1`.
    control: Option<String>,
    /// `PASSED`, `WARNING`, `FAILED` or `NOT_AVAILABLE`.
    compliance: Option<String>,
    /// `NEW`, `NOTIFIED`, `RESOLVED` or `SUPPRESSED`.
    workflow: Option<String>,
    /// `ACTIVE` (the default), `ARCHIVED` or `any`.
    record: Option<String>,
    resource_type: Option<String>,
    /// Words to look for in the title and the resource id.
    q: Option<String>,
    /// `severity` (the default), `updated` or `resource`.
    sort: Option<String>,
    /// The `next` cursor of the previous page.
    after: Option<String>,
    /// Findings a page holds: 1 to 100 (default 50).
    limit: Option<u32>,
}

/// Security Hub findings, 50 a page (`limit` up to 100), with every filter
/// of the findings page; follow `next` as `after` for the following page.
#[utoipa::path(
    get,
    path = "/api/v1/findings",
    tag = "findings",
    params(FindingParams),
    responses(
        (status = 200, description = "One page of findings", body = FindingsPage),
        (status = 400, description = "A filter is not valid; `fields` names it", body = ApiError),
        (status = 401, description = "Not signed in", body = ApiError),
    )
)]
pub async fn findings(
    State(state): State<AppState>,
    _caller: Caller,
    RawQuery(query): RawQuery,
) -> ApiResult<FindingsPage> {
    let params = params(query.as_deref());
    let (query, ignored) = FindingQuery::from_params(|name| params.get(name).cloned());
    if !ignored.is_empty() {
        return Err(ApiFailure::invalid_fields(
            ignored
                .into_iter()
                .map(|param| FieldError {
                    message: format!("{:?} is not a valid {}", param.value, param.name),
                    field: param.name,
                })
                .collect(),
        ));
    }
    Ok(Json(state.dashboard.0.findings(query).await?))
}

/// Remediation items, open ones by due date unless asked otherwise.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code, reason = "documents the query string; RemediationQuery::from_params reads it")]
pub struct RemediationParams {
    workload: Option<Uuid>,
    pillar: Option<String>,
    /// An owner's email, or `me`.
    owner: Option<String>,
    /// `open`, `in_progress`, `blocked`, `resolved`, `risk_accepted` or `wont_fix`.
    status: Option<String>,
    /// `1`: every status, not only open ones.
    all: Option<String>,
    /// `1`: only items past their due date.
    overdue: Option<String>,
    /// `control`, `rule`, `question`, `checklist` or `manual`.
    source: Option<String>,
    /// `due` (the default) or `priority`.
    sort: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/v1/remediation",
    tag = "remediation",
    params(RemediationParams),
    responses(
        (status = 200, description = "The items", body = RemediationPage),
        (status = 401, description = "Not signed in", body = ApiError),
    )
)]
pub async fn remediation(
    State(state): State<AppState>,
    Caller(caller): Caller,
    RawQuery(query): RawQuery,
) -> ApiResult<RemediationPage> {
    let params = params(query.as_deref());
    let query = RemediationQuery::from_params(|name| params.get(name).cloned());
    Ok(Json(state.dashboard.0.remediation(query, Some(caller.email)).await?))
}

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
pub async fn sync_runs(State(state): State<AppState>, _caller: Caller) -> ApiResult<SyncStatus> {
    Ok(Json(state.dashboard.0.sync_status().await?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code, reason = "documents the query string")]
pub struct ExportParams {
    /// `pdf` (the default), `csv` (a zip of three tables) or `json`.
    format: Option<String>,
}

/// A workload's review as a PDF, a zip of CSV tables or a JSON document
/// (`plinth.review/1`, documented in the README).
#[utoipa::path(
    get,
    path = "/api/v1/workloads/{id}/export",
    tag = "workloads",
    params(("id" = String, Path, description = "The workload's id (a UUID)"), ExportParams),
    responses(
        (status = 200, description = "The file", content(
            (Vec<u8> = "application/pdf"),
            (Vec<u8> = "application/zip"),
            (Object = "application/json"),
        )),
        (status = 400, description = "Not a format", body = ApiError),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 404, description = "No such workload", body = ApiError),
    )
)]
pub async fn export(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiFailure> {
    let id = workload_id(&id)?;
    let params = params(query.as_deref());
    let format = match params.get("format").map(|f| f.trim()) {
        None | Some("") => Format::Pdf,
        Some(text) => Format::parse(text).ok_or_else(|| {
            ApiFailure::invalid_fields(vec![FieldError {
                field: "format".into(),
                message: format!("{text:?} is not a format: use pdf, csv or json"),
            }])
        })?,
    };
    let dashboard = PgDashboard::new(state.pool.clone(), state.weights);
    let export =
        report::export(&dashboard, Scope::Workload(id), format, caller.name()).await.map_err(|error| match error {
            ExportError::App(error) => ApiFailure::from(error),
            ExportError::UnknownWorkload(_) => {
                ApiFailure::new(StatusCode::NOT_FOUND, "not_found", "There is no such workload.")
            }
            other => {
                tracing::error!(error = %other, "an export failed");
                ApiFailure::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", other.to_string())
            }
        })?;
    Ok((
        [
            (CONTENT_TYPE, export.content_type.to_owned()),
            (CONTENT_DISPOSITION, format!("attachment; filename=\"{}\"", export.file_name)),
        ],
        export.bytes,
    )
        .into_response())
}
