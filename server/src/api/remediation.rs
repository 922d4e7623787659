//! Remediation items: listed and read by every role, created and changed
//! by editors and admins, with the same checks, history and audit records
//! as the pages' forms.

use app::domain::remediation::{self as domain, MAX_TEXT, RemediationQuery, RemediationRefusal};
use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::http::header::LOCATION;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::body::Body;
use super::contract::{
    ItemChange, NewComment, NewItem, Pillar, RemediationDetail, RemediationPage, SourceKind, Status,
};
use super::query::Params;
use super::{ApiError, ApiFailure, Caller, Editor, IdempotencyKey, PathId};
use crate::dashboard::today;
use crate::http::AppState;
use crate::remediation::store::{self, Change, RemediationError, Source};

/// The remediation page's filters.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code, reason = "documents the query string; RemediationQuery::read_params reads it")]
pub struct RemediationParams {
    workload: Option<Uuid>,
    pillar: Option<Pillar>,
    /// An owner's email, or `me`.
    owner: Option<String>,
    status: Option<Status>,
    /// Every status, not only open, in progress and blocked.
    all: Option<Flag>,
    /// Only items past their due date.
    overdue: Option<Flag>,
    source: Option<SourceKind>,
    sort: Option<RemediationSortParam>,
}

/// A switch that is on when given.
#[derive(Deserialize, ToSchema)]
#[allow(dead_code, reason = "documents the query string")]
pub enum Flag {
    #[serde(rename = "1")]
    On,
}

/// By due date (the default) or by priority.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code, reason = "documents the query string")]
pub enum RemediationSortParam {
    Due,
    Priority,
}

/// Remediation items: open, in progress and blocked ones by due date,
/// unless the filters ask otherwise.
#[utoipa::path(
    get,
    path = "/api/v1/remediation",
    tag = "remediation",
    params(RemediationParams),
    responses(
        (status = 200, description = "The items", body = RemediationPage),
        (status = 400, description = "A filter is not valid; `fields` names it", body = ApiError),
        (status = 401, description = "Not signed in", body = ApiError),
    )
)]
#[tracing::instrument(skip_all)]
pub async fn remediation(
    State(state): State<AppState>,
    Caller(caller): Caller,
    RawQuery(query): RawQuery,
) -> Result<Json<RemediationPage>, ApiFailure> {
    let params = Params::parse(query.as_deref());
    let (query, ignored) = RemediationQuery::read_params(|name| params.get(name));
    params.refuse(&["workload", "pillar", "status", "all", "overdue", "source", "sort"], ignored)?;
    Ok(Json(state.dashboard.0.remediation(query, Some(caller.email)).await?.into()))
}

/// One item in full: its history, comments, the Security Hub workflow
/// updates it owes, and who it can be assigned to.
#[utoipa::path(
    get,
    path = "/api/v1/remediation/{id}",
    tag = "remediation",
    params(("id" = String, Path, description = "The item's id (a UUID)")),
    responses(
        (status = 200, description = "The item", body = RemediationDetail),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 404, description = "No such item", body = ApiError),
    )
)]
#[tracing::instrument(skip_all)]
pub async fn item(
    State(state): State<AppState>,
    _caller: Caller,
    PathId(id): PathId,
) -> Result<Json<RemediationDetail>, ApiFailure> {
    Ok(Json(state.dashboard.0.remediation_item(id).await?.into()))
}

/// The optional header of the writes a client may send again.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code, reason = "documents the header; IdempotencyKey reads it")]
pub struct IdempotencyHeader {
    /// 1 to 200 visible ASCII characters that name this request, such as a
    /// UUID: the same key from the same person, sent again, finds what the
    /// first request made instead of making it twice.
    #[param(rename = "Idempotency-Key", pattern = "^[!-~]{1,200}$", min_length = 1, max_length = 200)]
    idempotency_key: Option<String>,
}

/// Creates an item, due by its priority's deadline. An item that exists
/// for the same source and workload is answered instead (200), so a
/// script may run twice. An item by hand has no source to be found by:
/// send an `Idempotency-Key`, and the same key sent again answers the item
/// the first request made (200) instead of making a second.
#[utoipa::path(
    post,
    path = "/api/v1/remediation",
    tag = "remediation",
    params(IdempotencyHeader),
    request_body = NewItem,
    responses(
        (status = 201, description = "Created; `Location` is its address", body = RemediationDetail),
        (status = 200, description = "The item that exists for this source, or that this idempotency key made", body = RemediationDetail),
        (status = 400, description = "The idempotency key is not valid", body = ApiError),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 403, description = "Needs the editor role", body = ApiError),
    )
)]
#[tracing::instrument(skip_all)]
pub async fn create(
    State(state): State<AppState>,
    Editor(editor): Editor,
    IdempotencyKey(key): IdempotencyKey,
    Body(new): Body<NewItem>,
) -> Result<Response, ApiFailure> {
    let source = match new.source {
        SourceKind::Manual => {
            let pillar = new.pillar.ok_or_else(|| refusal(RemediationRefusal::Manual.into(), "pillar"))?;
            let priority = new.priority.ok_or_else(|| refusal(RemediationRefusal::Manual.into(), "priority"))?;
            Source::Manual {
                title: new.title.unwrap_or_default(),
                description: new.description.unwrap_or_default(),
                pillar: pillar.into(),
                priority: priority.into(),
            }
        }
        kind => {
            let kind = domain::SourceKind::from(kind);
            let key = new
                .key
                .filter(|key| !key.trim().is_empty())
                .ok_or_else(|| refusal(RemediationRefusal::NoKey.into(), "key"))?;
            Source::parse(kind.as_str(), &key)
                .ok_or_else(|| refusal(RemediationRefusal::UnknownSource.into(), "source"))?
        }
    };
    let (id, created) = store::create_once(
        &state.pool,
        &state.remediation,
        &editor.email,
        new.workload,
        source,
        today(),
        key.as_deref(),
    )
    .await
    .map_err(|error| refusal(error, "description"))?;
    let detail = Json(RemediationDetail::from(state.dashboard.0.remediation_item(id).await?));
    Ok(if created {
        (StatusCode::CREATED, [(LOCATION, format!("/api/v1/remediation/{id}"))], detail).into_response()
    } else {
        detail.into_response()
    })
}

/// Changes an item's status, owner, due date or ticket, with a line in
/// its history; a status change is sent back to Security Hub's workflow.
#[utoipa::path(
    patch,
    path = "/api/v1/remediation/{id}",
    tag = "remediation",
    params(("id" = String, Path, description = "The item's id (a UUID)")),
    request_body = ItemChange,
    responses(
        (status = 200, description = "The item as it now stands", body = RemediationDetail),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 403, description = "Needs the editor role", body = ApiError),
        (status = 404, description = "No such item", body = ApiError),
    )
)]
#[tracing::instrument(skip_all)]
pub async fn update(
    State(state): State<AppState>,
    Editor(editor): Editor,
    PathId(id): PathId,
    Body(change): Body<ItemChange>,
) -> Result<Json<RemediationDetail>, ApiFailure> {
    let reason = change.acceptance_reason.unwrap_or_default();
    let reason_fits = !reason.trim().is_empty() && reason.trim().chars().count() <= MAX_TEXT;
    let status = change.status.map(domain::Status::from);
    let acceptance = match (status, change.accepted_until) {
        (Some(domain::Status::RiskAccepted), Some(until)) => Some((reason, until)),
        (Some(domain::Status::RiskAccepted), None) => {
            // An item that is not there is a 404 whatever the change says.
            state.dashboard.0.remediation_item(id).await?;
            return Err(refusal(RemediationRefusal::Acceptance.into(), "accepted_until"));
        }
        _ => None,
    };
    let ticket_url = change.ticket_url.map(|url| url.map(|url| url.trim().to_owned()).filter(|url| !url.is_empty()));
    let ticket_system = change.ticket_system.map(|system| system.map(domain::TicketSystem::from));
    let change =
        Change { status, owner: change.owner_id, due_on: change.due_on, ticket_url, ticket_system, acceptance };
    store::update(&state.pool, &editor.email, id, &change, today()).await.map_err(|error| {
        // When the reason will do, it is the date that is not after today.
        let date = reason_fits && error.refusal() == Some(RemediationRefusal::Acceptance);
        refusal(error, if date { "accepted_until" } else { "acceptance_reason" })
    })?;
    state.outbox().deliver_soon();
    Ok(Json(state.dashboard.0.remediation_item(id).await?.into()))
}

/// A refused create or change, with the field it is about. `text` names
/// the field whose text a refusal of the text is about (a description,
/// a comment's body, an acceptance's reason).
fn refusal(error: RemediationError, text: &'static str) -> ApiFailure {
    use RemediationRefusal as Refused;
    let Some(refused) = error.refusal() else {
        tracing::error!(%error, "a remediation change could not be stored");
        return ApiFailure::unavailable();
    };
    let field = match refused {
        Refused::UnknownItem => return ApiFailure::new(StatusCode::NOT_FOUND, "not_found", refused.message()),
        Refused::UnknownWorkload => "workload",
        Refused::UnknownSource | Refused::NothingToFix | Refused::NoKey => "key",
        Refused::Title => "title",
        Refused::TooLong | Refused::EmptyComment | Refused::Acceptance | Refused::Manual => text,
        Refused::UnknownOwner => "owner_id",
        Refused::Ticket => "ticket_url",
        Refused::TicketSystem => "ticket_system",
        Refused::Due => "due_on",
        Refused::Status => "status",
        // Refusals of the page's bulk form, which the API does not have.
        Refused::NoneChecked | Refused::NothingChosen => "items",
    };
    ApiFailure::unprocessable(field, error.to_string())
}

/// Adds a comment to an item's discussion; answers the item with it. With
/// an `Idempotency-Key`, the same key sent again adds nothing and answers
/// the item with the comment the first request added.
#[utoipa::path(
    post,
    path = "/api/v1/remediation/{id}/comments",
    tag = "remediation",
    params(("id" = String, Path, description = "The item's id (a UUID)"), IdempotencyHeader),
    request_body = NewComment,
    responses(
        (status = 201, description = "The item with the comment", body = RemediationDetail),
        (status = 400, description = "The idempotency key is not valid", body = ApiError),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 403, description = "Needs the editor role", body = ApiError),
        (status = 404, description = "No such item", body = ApiError),
    )
)]
#[tracing::instrument(skip_all)]
pub async fn comment(
    State(state): State<AppState>,
    Editor(editor): Editor,
    PathId(id): PathId,
    IdempotencyKey(key): IdempotencyKey,
    Body(comment): Body<NewComment>,
) -> Result<(StatusCode, Json<RemediationDetail>), ApiFailure> {
    store::comment_once(&state.pool, &editor.email, id, &comment.body, key.as_deref())
        .await
        .map_err(|error| refusal(error, "body"))?;
    Ok((StatusCode::CREATED, Json(state.dashboard.0.remediation_item(id).await?.into())))
}
