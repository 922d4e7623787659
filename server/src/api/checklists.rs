//! A workload's checklists: read by every role, ticked by editors and
//! admins. A tick moves the score, as it does on the page.

use app::domain::checklists::{self as domain, ChecklistQuery, HISTORY_SHOWN, TickChange, TickRefusal};
use axum::Json;
use axum::extract::{Path, RawQuery, State};
use serde::Deserialize;
use utoipa::IntoParams;

use super::body::Body;
use super::contract::{ChecklistLine, EvidenceState, Pillar, TickRequest, TickState, WorkloadChecklist};
use super::query::Params;
use super::{ApiError, ApiFailure, Caller, Editor, PathId};
use crate::checklists::store::{self, Tick, TickError};
use crate::checklists::writes::tick_and_rescore;
use crate::http::AppState;

/// The checklists page's filters.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code, reason = "documents the query string; ChecklistQuery::read_params reads it")]
pub struct ChecklistParams {
    /// A pack id, such as `aws-security`.
    pack: Option<String>,
    pillar: Option<Pillar>,
    state: Option<TickState>,
    evidence: Option<EvidenceState>,
}

/// A workload's checklists: progress per pack and per pillar, and the items
/// the filters select, each with its state, who set it, the evidence and
/// its history.
#[utoipa::path(
    get,
    path = "/api/v1/workloads/{id}/checklist",
    tag = "checklists",
    params(("id" = String, Path, description = "The workload's id (a UUID)"), ChecklistParams),
    responses(
        (status = 200, description = "The checklists", body = WorkloadChecklist),
        (status = 400, description = "A filter is not valid; `fields` names it", body = ApiError),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 404, description = "No such workload", body = ApiError),
    )
)]
#[tracing::instrument(skip_all)]
pub async fn checklist(
    State(state): State<AppState>,
    _caller: Caller,
    PathId(workload): PathId,
    RawQuery(query): RawQuery,
) -> Result<Json<WorkloadChecklist>, ApiFailure> {
    let params = Params::parse(query.as_deref());
    let (query, ignored) = ChecklistQuery::read_params(|name| params.get(name));
    params.refuse(&["pillar", "state", "evidence"], ignored)?;
    Ok(Json(state.dashboard.0.checklist(workload, query).await?.into()))
}

/// Sets one item's state for a workload, with an optional note and link,
/// and moves the workload's score. A person's tick stands over evidence:
/// auto-tick leaves the item alone from then on.
///
/// Safe to retry: the same state, note and link sent again change nothing
/// (no second history line) and answer the item as it stands. A tick that
/// was stored is answered 200 even if the database goes away right after;
/// its score then follows within seconds.
#[utoipa::path(
    put,
    path = "/api/v1/workloads/{id}/checklist/{pack}/{item}",
    tag = "checklists",
    params(
        ("id" = String, Path, description = "The workload's id (a UUID)"),
        ("pack" = String, Path, description = "The pack's id"),
        ("item" = String, Path, description = "The item's id in its pack"),
    ),
    request_body = TickRequest,
    responses(
        (status = 200, description = "The item as it now stands (the same answer for a repeated tick)", body = ChecklistLine),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 403, description = "Needs the editor role", body = ApiError),
        (status = 404, description = "No such workload or item", body = ApiError),
        (status = 503, description = "The database is out of reach and nothing was stored; retry after `Retry-After` seconds", body = ApiError),
    )
)]
#[tracing::instrument(skip_all)]
pub async fn tick(
    State(state): State<AppState>,
    Editor(editor): Editor,
    PathId(workload): PathId,
    Path((_, pack, item)): Path<(String, String, String)>,
    Body(request): Body<TickRequest>,
) -> Result<Json<ChecklistLine>, ApiFailure> {
    let note = request.note.map(|note| note.trim().to_owned());
    let link = request.link.map(|link| link.trim().to_owned());
    store::check_details(note.as_deref().unwrap_or_default(), link.as_deref().unwrap_or_default())
        .map_err(|refusal| ApiFailure::unprocessable(refusal.field(), refusal.message()))?;
    // The item is read before the tick: once the tick is stored, the
    // answer needs nothing more from the database.
    let dashboard = crate::dashboard::PgDashboard::new(state.pool.clone(), state.weights);
    let before = dashboard.checklist_line(workload, &pack, &item).await.map_err(|error| match error {
        app::error::AppError::NotFound(_) => not_found(),
        other => other.into(),
    })?;
    let tick = Tick {
        workload,
        pack,
        item,
        state: request.state.into(),
        note,
        link: link.map(|link| (!link.is_empty()).then_some(link)),
        keep_state: false,
    };
    let ticked =
        tick_and_rescore(&state.pool, &state.rescorer, &editor.email, &tick).await.map_err(|error| match error {
            TickError::Refused(TickRefusal::UnknownItem) => not_found(),
            TickError::Refused(refusal) => ApiFailure::unprocessable(refusal.field(), refusal.message()),
            TickError::Database(error) => {
                tracing::error!(%error, "a tick could not be stored");
                ApiFailure::unavailable()
            }
        })?;
    Ok(Json(stood(before, ticked).into()))
}

/// The item as the tick left it: the line read before, with the stored
/// tick and, if it changed anything, its history line on top.
fn stood(before: domain::ChecklistLine, ticked: store::Ticked) -> domain::ChecklistLine {
    let mut history = before.history;
    if ticked.changed {
        let change = TickChange {
            state: ticked.state,
            by_evidence: false,
            actor: ticked.actor.clone(),
            at: ticked.at,
            note: ticked.note.clone(),
        };
        history.insert(0, change);
        history.truncate(HISTORY_SHOWN);
    }
    domain::ChecklistLine {
        state: ticked.state,
        by_evidence: false,
        actor: Some(ticked.actor),
        at: Some(ticked.at),
        note: ticked.note,
        link: ticked.link,
        history,
        ..before
    }
}

fn not_found() -> ApiFailure {
    ApiFailure::new(axum::http::StatusCode::NOT_FOUND, "not_found", TickRefusal::UnknownItem.message())
}
