//! Downloads of a workload's review and of the organisation's report (every
//! role that can read), and recording a milestone in the Well-Architected
//! Tool (editors). Plain links and a plain form: no JavaScript needed.

use app::domain::params::encode_component;
use app::domain::{MilestoneRefusal, Role};
use app::error::AppError;
use axum::Form;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE, LOCATION};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use uuid::Uuid;

use super::AppState;
use super::checklists::SignedInEditor;
use crate::dashboard::PgDashboard;
use crate::outbox::Outbox;
use crate::report::milestone;
use crate::report::{self, Export, ExportError, Format, Scope};

/// Anyone signed in: every role reads.
pub struct SignedInReader(pub(super) app::domain::SignedIn);

impl<S: Send + Sync> FromRequestParts<S> for SignedInReader {
    type Rejection = super::admin::Refused;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        super::admin::signed_in_as(parts, Role::Viewer).map(SignedInReader)
    }
}

#[derive(Deserialize)]
pub struct ExportQuery {
    #[serde(default)]
    format: String,
}

/// A workload's review: `?format=pdf` (the default), `csv` (a zip of the
/// tables) or `json`.
#[tracing::instrument(skip_all)]
pub async fn workload(
    State(state): State<AppState>,
    SignedInReader(user): SignedInReader,
    Path(id): Path<String>,
    Query(query): Query<ExportQuery>,
) -> Response {
    let Ok(id) = Uuid::parse_str(&id) else { return not_found() };
    let Some(format) = format_of(&query) else { return bad_format(&query.format) };
    respond(&state, Scope::Workload(id), format, user.name()).await
}

/// The organisation's report, in the same formats.
#[tracing::instrument(skip_all)]
pub async fn organisation(
    State(state): State<AppState>,
    SignedInReader(user): SignedInReader,
    Query(query): Query<ExportQuery>,
) -> Response {
    let Some(format) = format_of(&query) else { return bad_format(&query.format) };
    respond(&state, Scope::Organisation, format, user.name()).await
}

fn format_of(query: &ExportQuery) -> Option<Format> {
    if query.format.trim().is_empty() { Some(Format::Pdf) } else { Format::parse(&query.format) }
}

fn bad_format(format: &str) -> Response {
    (StatusCode::BAD_REQUEST, format!("{format:?} is not an export format: use pdf, csv or json.")).into_response()
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "There is no such workload.").into_response()
}

async fn respond(state: &AppState, scope: Scope, format: Format, reviewer: &str) -> Response {
    let dashboard = PgDashboard::new(state.pool.clone(), state.weights);
    match report::export(&dashboard, scope, format, reviewer).await {
        Ok(export) => download(export),
        Err(ExportError::App(AppError::NotFound(_)) | ExportError::UnknownWorkload(_)) => not_found(),
        Err(ExportError::App(AppError::Unavailable)) => {
            (StatusCode::SERVICE_UNAVAILABLE, "Plinth cannot reach its database right now.").into_response()
        }
        Err(error) => {
            tracing::error!(%error, "an export failed");
            (StatusCode::INTERNAL_SERVER_ERROR, format!("The export failed: {error}")).into_response()
        }
    }
}

fn download(export: Export) -> Response {
    (
        [
            (CONTENT_TYPE, export.content_type.to_owned()),
            (CONTENT_DISPOSITION, format!("attachment; filename=\"{}\"", export.file_name)),
            (CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        export.bytes,
    )
        .into_response()
}

#[derive(Deserialize)]
pub struct MilestoneForm {
    #[serde(default)]
    name: String,
}

/// Records a milestone of the workload's review in the Well-Architected
/// Tool, then goes back to the workload page, which says how it went (and
/// keeps the name typed when it was refused).
#[tracing::instrument(skip_all)]
pub async fn record_milestone(
    State(state): State<AppState>,
    SignedInEditor(editor): SignedInEditor,
    Path(id): Path<String>,
    Form(form): Form<MilestoneForm>,
) -> Response {
    let Ok(workload) = Uuid::parse_str(&id) else { return not_found() };
    let page = format!("/workloads/{workload}");
    let back = |params: &[(&str, String)]| {
        let query: Vec<String> =
            params.iter().map(|(name, value)| format!("{name}={}", encode_component(value))).collect();
        (StatusCode::SEE_OTHER, [(LOCATION, format!("{page}?{}#export", query.join("&")))]).into_response()
    };
    let outbox = Outbox::new(state.pool.clone(), state.writers.clone(), state.weights);
    match milestone::record(&outbox, &editor.email, workload, &form.name).await {
        Ok(recorded) => back(&[("milestone", recorded.number.to_string())]),
        Err(error) => match error.refusal() {
            MilestoneRefusal::UnknownWorkload => not_found(),
            refusal => {
                if matches!(refusal, MilestoneRefusal::Aws | MilestoneRefusal::Queued | MilestoneRefusal::NotStored) {
                    tracing::warn!(%error, %workload, "a milestone was not recorded at once");
                }
                back(&[("milestone_error", refusal.code().to_owned()), ("milestone_name", form.name.clone())])
            }
        },
    }
}
