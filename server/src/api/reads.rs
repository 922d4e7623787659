//! What every role reads about workloads and their evidence: workloads and
//! their scores, findings, Config rules and exports. Each handler is the
//! page's read, sent as the API's contract.

use app::domain;
use app::domain::findings::FindingQuery;
use app::domain::rules::RuleQuery;
use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::contract::{
    ComplianceStatus, FindingsPage, Pillar, PillarBreakdown, RuleCompliance, RuleDetail, RulesPage, ScoreHistory,
    Scores, Severity, WorkflowStatus, WorkloadDetail, WorkloadSummary,
};
use super::query::Params;
use super::{ApiError, ApiFailure, Caller, FieldError, PathId};
use crate::dashboard::PgDashboard;
use crate::http::AppState;
use crate::report::{self, ExportError, Format, Scope};

type ApiResult<T> = Result<Json<T>, ApiFailure>;

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
#[tracing::instrument(skip_all)]
pub async fn workloads(State(state): State<AppState>, _caller: Caller) -> ApiResult<Vec<WorkloadSummary>> {
    let mut workloads = state.dashboard.0.overview().await?.workloads;
    workloads.sort_by(|a, b| a.name.to_lowercase().cmp(&b.name.to_lowercase()).then(a.id.cmp(&b.id)));
    Ok(Json(workloads.into_iter().map(WorkloadSummary::from).collect()))
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
#[tracing::instrument(skip_all)]
pub async fn workload(State(state): State<AppState>, _caller: Caller, PathId(id): PathId) -> ApiResult<WorkloadDetail> {
    Ok(Json(state.dashboard.0.workload(id).await?.into()))
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
#[tracing::instrument(skip_all)]
pub async fn scores(State(state): State<AppState>, _caller: Caller, PathId(id): PathId) -> ApiResult<Scores> {
    Ok(Json(Scores::from(state.dashboard.0.workload(id).await?)))
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
#[tracing::instrument(skip_all)]
pub async fn score_history(
    State(state): State<AppState>,
    _caller: Caller,
    PathId(id): PathId,
) -> ApiResult<ScoreHistory> {
    Ok(Json(ScoreHistory::from(state.dashboard.0.workload(id).await?)))
}

/// The findings page's filters; every one is optional.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code, reason = "documents the query string; FindingQuery::from_params reads it")]
pub struct FindingParams {
    /// An AWS account: its id, or its name in any case.
    account: Option<String>,
    region: Option<String>,
    /// A workload: its accounts and regions.
    workload: Option<Uuid>,
    /// A pillar: the findings of the controls mapped to it.
    pillar: Option<Pillar>,
    severity: Option<Severity>,
    /// A Security Hub control id, such as `S3.1`.
    control: Option<String>,
    compliance: Option<ComplianceStatus>,
    workflow: Option<WorkflowStatus>,
    /// `ACTIVE` (the default), `ARCHIVED` or `any`.
    record: Option<RecordParam>,
    resource_type: Option<String>,
    /// Words to look for in the title and the resource id; at most 200
    /// characters (a longer text is refused with 400).
    #[param(max_length = 200)]
    q: Option<String>,
    sort: Option<FindingSortParam>,
    /// The `next` cursor of the previous page; one that cannot be read
    /// starts again from the first page.
    after: Option<String>,
    /// Findings a page holds (default 50).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
}

#[derive(Deserialize, ToSchema)]
#[allow(dead_code, clippy::upper_case_acronyms, reason = "documents the query string")]
pub enum RecordParam {
    #[serde(rename = "ACTIVE")]
    Active,
    #[serde(rename = "ARCHIVED")]
    Archived,
    #[serde(rename = "any")]
    Any,
}

/// The order: most severe first (the default), recently updated first, or
/// by resource id.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code, reason = "documents the query string")]
pub enum FindingSortParam {
    Severity,
    Updated,
    Resource,
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
        (status = 404, description = "The `workload` filter names no workload", body = ApiError),
    )
)]
#[tracing::instrument(skip_all)]
pub async fn findings(
    State(state): State<AppState>,
    _caller: Caller,
    RawQuery(query): RawQuery,
) -> ApiResult<FindingsPage> {
    let params = Params::parse(query.as_deref());
    let (query, ignored) = FindingQuery::from_params(|name| params.get(name));
    // A cursor that cannot be read starts from the first page, as on the page.
    let ignored = ignored.into_iter().filter(|param| param.name != "after").collect();
    params.refuse(&["workload", "pillar", "severity", "compliance", "workflow", "record", "sort", "limit"], ignored)?;
    Ok(Json(state.dashboard.0.findings(query).await?.into()))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code, reason = "documents the query string")]
pub struct ExportParams {
    format: Option<ExportFormat>,
}

/// `pdf` (the default), `csv` (a zip of three tables) or `json`.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code, reason = "documents the query string")]
pub enum ExportFormat {
    Pdf,
    Csv,
    Json,
}

/// A workload's review as a PDF, a zip of CSV tables or a JSON document
/// (`plinth.review/1`, documented in `docs/export-format.md`).
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
#[tracing::instrument(skip_all)]
pub async fn export(
    State(state): State<AppState>,
    Caller(caller): Caller,
    PathId(id): PathId,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiFailure> {
    let params = Params::parse(query.as_deref());
    let format = match params.get("format").as_deref().map(str::trim) {
        None => Format::Pdf,
        // Exactly as described: lower case.
        Some(text) => Format::parse(text).filter(|format| format.as_str() == text).ok_or_else(|| {
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

/// A pillar's score taken apart: each question and each control or rule
/// with the points it earned and could have earned, and the failing
/// resources.
#[utoipa::path(
    get,
    path = "/api/v1/workloads/{id}/pillars/{pillar}/explain",
    tag = "workloads",
    params(
        ("id" = String, Path, description = "The workload's id (a UUID)"),
        ("pillar" = Pillar, Path, description = "The pillar"),
    ),
    responses(
        (status = 200, description = "The score taken apart", body = PillarBreakdown),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 404, description = "No such workload or pillar", body = ApiError),
    )
)]
#[tracing::instrument(skip_all)]
pub async fn explain(
    State(state): State<AppState>,
    _caller: Caller,
    PathId(workload): PathId,
    Path((_, pillar)): Path<(String, String)>,
) -> ApiResult<PillarBreakdown> {
    let pillar = domain::Pillar::from_id(&pillar).ok_or_else(|| {
        ApiFailure::new(StatusCode::NOT_FOUND, "not_found", format!("There is no pillar {pillar:?}."))
    })?;
    Ok(Json(state.dashboard.0.pillar(workload, pillar).await?.into()))
}

/// The Config rules page's filters.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code, reason = "documents the query string; RuleQuery::from_params reads it")]
pub struct RuleParams {
    /// An AWS account: its id, or its name in any case.
    account: Option<String>,
    region: Option<String>,
    /// A workload: its accounts and regions.
    workload: Option<Uuid>,
    /// A pillar: the rules mapped to it.
    pillar: Option<Pillar>,
    compliance: Option<RuleCompliance>,
    /// Words to look for in the rule name and managed identifier; at most
    /// 200 characters (a longer text is refused with 400).
    #[param(max_length = 200)]
    q: Option<String>,
}

fn rule_query(query: Option<&str>) -> Result<RuleQuery, ApiFailure> {
    let params = Params::parse(query);
    let (query, ignored) = RuleQuery::from_params(|name| params.get(name));
    params.refuse(&["workload", "pillar", "compliance"], ignored)?;
    Ok(query)
}

/// Config rules gathered over accounts and regions, and the conformance
/// packs with their compliance scores.
#[utoipa::path(
    get,
    path = "/api/v1/rules",
    tag = "evidence",
    params(RuleParams),
    responses(
        (status = 200, description = "Rules and conformance packs", body = RulesPage),
        (status = 400, description = "A filter is not valid; `fields` names it", body = ApiError),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 404, description = "The `workload` filter names no workload", body = ApiError),
    )
)]
#[tracing::instrument(skip_all)]
pub async fn rules(State(state): State<AppState>, _caller: Caller, RawQuery(query): RawQuery) -> ApiResult<RulesPage> {
    Ok(Json(state.dashboard.0.rules(rule_query(query.as_deref())?).await?.into()))
}

/// One Config rule: where it is deployed, and the resources it evaluated.
#[utoipa::path(
    get,
    path = "/api/v1/rules/{name}",
    tag = "evidence",
    params(("name" = String, Path, description = "The rule's name"), RuleParams),
    responses(
        (status = 200, description = "The rule", body = RuleDetail),
        (status = 400, description = "A filter is not valid; `fields` names it", body = ApiError),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 404, description = "No such rule, or the `workload` filter names no workload", body = ApiError),
    )
)]
#[tracing::instrument(skip_all)]
pub async fn rule(
    State(state): State<AppState>,
    _caller: Caller,
    Path(name): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult<RuleDetail> {
    Ok(Json(state.dashboard.0.rule(name, rule_query(query.as_deref())?).await?.into()))
}
