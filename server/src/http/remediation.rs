//! Remediation through plain forms (editors and admins): creating an item
//! from a source in one click (or by hand), items for all high risks of a
//! workload, changing an item, bulk changes that apply to all or none, and
//! comments. A refused form comes back with what was typed and why.

use app::domain::Pillar;
use app::domain::params::{encode_component, local_path};
use app::domain::remediation::{Priority, RemediationRefusal as Refusal, Status, TicketSystem};
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::header::LOCATION;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde::Deserialize;
use uuid::Uuid;

use super::AppState;
use super::checklists::SignedInEditor;
use crate::dashboard::today;
use crate::remediation::store::{self, Change, RemediationError, Source};

fn redirect(location: &str) -> Response {
    (StatusCode::SEE_OTHER, [(LOCATION, location.to_owned())]).into_response()
}

/// A local path to go back to, or `fallback`.
fn back_or(back: &str, fallback: &str) -> String {
    local_path(back.trim()).unwrap_or(fallback).to_owned()
}

fn with_params(path: &str, params: &[(&str, String)]) -> String {
    let (path, anchor) = match path.split_once('#') {
        Some((path, anchor)) => (path, format!("#{anchor}")),
        None => (path, String::new()),
    };
    let join = if path.contains('?') { '&' } else { '?' };
    let query: Vec<String> = params.iter().map(|(k, v)| format!("{k}={}", encode_component(v))).collect();
    format!("{path}{join}{}{anchor}", query.join("&"))
}

/// What a change that was not made answers: the page again through
/// `refuse` when it was refused, a 503 when the database could not store it.
fn failed(error: RemediationError, refuse: impl FnOnce(Refusal) -> Response) -> Response {
    match error {
        RemediationError::Refused { refusal, .. } => refuse(refusal),
        RemediationError::Database(message) => {
            tracing::error!(error = %message, "a remediation change could not be stored");
            (StatusCode::SERVICE_UNAVAILABLE, "Plinth cannot reach its database right now; nothing was changed.")
                .into_response()
        }
    }
}

/// The item's page is gone: a 404, or else the refusal's answer.
fn unless_gone(refusal: Refusal, otherwise: impl FnOnce(Refusal) -> Response) -> Response {
    match refusal {
        Refusal::UnknownItem => (StatusCode::NOT_FOUND, refusal.message()).into_response(),
        refusal => otherwise(refusal),
    }
}

#[derive(Deserialize)]
pub struct CreateForm {
    #[serde(default)]
    workload: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    key: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    pillar: String,
    #[serde(default)]
    priority: String,
    #[serde(default)]
    back: String,
}

/// Creates an item from a source (or finds the one there is), or by hand;
/// then shows it.
#[tracing::instrument(skip_all)]
pub async fn create(
    State(state): State<AppState>,
    SignedInEditor(editor): SignedInEditor,
    Form(form): Form<CreateForm>,
) -> Response {
    let back = back_or(&form.back, "/remediation");
    let refuse = |refusal: Refusal| {
        let typed = [
            ("error", refusal.code().to_owned()),
            ("title", form.title.clone()),
            ("description", form.description.clone()),
            ("pillar", form.pillar.clone()),
            ("priority", form.priority.clone()),
            ("workload", form.workload.clone()),
        ];
        redirect(&with_params(&back, &typed))
    };
    let Ok(workload) = Uuid::parse_str(form.workload.trim()) else { return refuse(Refusal::UnknownWorkload) };
    let source = if form.source == "manual" {
        let (Some(pillar), Some(priority)) = (Pillar::from_id(&form.pillar), Priority::parse(&form.priority)) else {
            return refuse(Refusal::Manual);
        };
        Source::Manual { title: form.title.clone(), description: form.description.clone(), pillar, priority }
    } else {
        match Source::parse(&form.source, &form.key) {
            Some(source) => source,
            None => return refuse(Refusal::UnknownSource),
        }
    };
    match store::create(&state.pool, &state.remediation, &editor.email, workload, source, today()).await {
        Ok((id, true)) => redirect(&format!("/remediation/{id}?created=1")),
        Ok((id, false)) => redirect(&format!("/remediation/{id}?existing=1")),
        Err(error) => failed(error, refuse),
    }
}

/// Creates an item for every high-risk question of a workload.
#[tracing::instrument(skip_all)]
pub async fn create_for_high_risks(
    State(state): State<AppState>,
    SignedInEditor(editor): SignedInEditor,
    Path(workload): Path<Uuid>,
) -> Response {
    match store::create_for_high_risks(&state.pool, &state.remediation, &editor.email, workload, today()).await {
        Ok(created) => redirect(&format!("/remediation?workload={workload}&source=question&created={created}")),
        Err(error) => failed(error, |refusal| match refusal {
            Refusal::UnknownWorkload => (StatusCode::NOT_FOUND, "There is no such workload.").into_response(),
            refusal => redirect(&format!("/workloads/{workload}?error={}", refusal.code())),
        }),
    }
}

#[derive(Deserialize, Default)]
pub struct ChangeForm {
    #[serde(default)]
    status: String,
    #[serde(default)]
    owner: String,
    #[serde(default)]
    due_on: String,
    #[serde(default)]
    ticket_url: String,
    #[serde(default)]
    ticket_system: String,
    #[serde(default)]
    acceptance_reason: String,
    #[serde(default)]
    accepted_until: String,
    /// "1" from an item's own form, which shows every field: an emptied
    /// ticket link is removed.
    #[serde(default)]
    full: String,
}

/// Reads a change form: empty fields leave things as they are, except the
/// owner ("none" removes them) and the ticket ("none" removes it).
fn change_of(form: &ChangeForm) -> Result<Change, Refusal> {
    let status = match form.status.trim() {
        "" => None,
        text => Some(Status::parse(text).ok_or(Refusal::Status)?),
    };
    let owner = match form.owner.trim() {
        "" => None,
        "none" => Some(None),
        text => Some(Some(Uuid::parse_str(text).map_err(|_| Refusal::UnknownOwner)?)),
    };
    let due_on = match form.due_on.trim() {
        "" => None,
        text => Some(NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| Refusal::Due)?),
    };
    let ticket_url = match form.ticket_url.trim() {
        "" if form.full == "1" => Some(None),
        "" => None,
        "none" => Some(None),
        text => Some(Some(text.to_owned())),
    };
    let ticket_system = match form.ticket_system.trim() {
        "" if form.full == "1" => Some(None),
        "" => None,
        "none" => Some(None),
        text => Some(Some(TicketSystem::parse(text).ok_or(Refusal::TicketSystem)?)),
    };
    let acceptance = if status == Some(Status::RiskAccepted) {
        let until =
            NaiveDate::parse_from_str(form.accepted_until.trim(), "%Y-%m-%d").map_err(|_| Refusal::Acceptance)?;
        Some((form.acceptance_reason.clone(), until))
    } else {
        None
    };
    Ok(Change { status, owner, due_on, ticket_url, ticket_system, acceptance })
}

fn typed(form: &ChangeForm, refusal: Refusal) -> Vec<(&'static str, String)> {
    vec![
        ("error", refusal.code().to_owned()),
        ("status", form.status.clone()),
        ("owner", form.owner.clone()),
        ("due_on", form.due_on.clone()),
        ("ticket_url", form.ticket_url.clone()),
        ("ticket_system", form.ticket_system.clone()),
        ("acceptance_reason", form.acceptance_reason.clone()),
        ("accepted_until", form.accepted_until.clone()),
    ]
}

/// Changes one item.
#[tracing::instrument(skip_all)]
pub async fn update(
    State(state): State<AppState>,
    SignedInEditor(editor): SignedInEditor,
    Path(item): Path<Uuid>,
    Form(form): Form<ChangeForm>,
) -> Response {
    let page = format!("/remediation/{item}");
    let change = match change_of(&form) {
        Ok(change) => change,
        Err(refusal) => return redirect(&with_params(&page, &typed(&form, refusal))),
    };
    match store::update(&state.pool, &editor.email, item, &change, today()).await {
        Ok(()) => {
            state.outbox().deliver_soon();
            redirect(&page)
        }
        Err(error) => failed(error, |refusal| {
            unless_gone(refusal, |refusal| redirect(&with_params(&page, &typed(&form, refusal))))
        }),
    }
}

#[derive(Deserialize)]
pub struct CommentForm {
    #[serde(default)]
    body: String,
}

/// Adds a comment to an item.
#[tracing::instrument(skip_all)]
pub async fn comment(
    State(state): State<AppState>,
    SignedInEditor(editor): SignedInEditor,
    Path(item): Path<Uuid>,
    Form(form): Form<CommentForm>,
) -> Response {
    let page = format!("/remediation/{item}");
    match store::comment(&state.pool, &editor.email, item, &form.body).await {
        Ok(()) => redirect(&format!("{page}#comments")),
        Err(error) => failed(error, |refusal| {
            unless_gone(refusal, |refusal| {
                redirect(&with_params(
                    &format!("{page}#comments"),
                    &[("error", refusal.code().to_owned()), ("body", form.body.clone())],
                ))
            })
        }),
    }
}

/// Changes the checked items (repeated `item` fields) the same way: all of
/// them, or none.
#[tracing::instrument(skip_all)]
pub async fn bulk(
    State(state): State<AppState>,
    SignedInEditor(editor): SignedInEditor,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let field = |name: &str| fields.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone()).unwrap_or_default();
    let back = back_or(&field("back"), "/remediation");
    let form = ChangeForm {
        status: field("status"),
        owner: field("owner"),
        due_on: field("due_on"),
        ticket_url: String::new(),
        ticket_system: String::new(),
        acceptance_reason: field("acceptance_reason"),
        accepted_until: field("accepted_until"),
        full: String::new(),
    };
    let items: Result<Vec<Uuid>, _> =
        fields.iter().filter(|(name, _)| name == "item").map(|(_, value)| Uuid::parse_str(value)).collect();
    let refuse = |refusal: Refusal| redirect(&with_params(&back, &[("bulk_error", refusal.code().to_owned())]));
    let Ok(items) = items else { return refuse(Refusal::UnknownItem) };
    if items.is_empty() {
        return refuse(Refusal::NoneChecked);
    }
    let change = match change_of(&form) {
        Ok(change) if change == Change::default() => return refuse(Refusal::NothingChosen),
        Ok(change) => change,
        Err(refusal) => return refuse(refusal),
    };
    match store::bulk(&state.pool, &editor.email, &items, &change, today()).await {
        Ok(changed) => {
            state.outbox().deliver_soon();
            redirect(&with_params(&back, &[("changed", changed.to_string())]))
        }
        Err(error) => failed(error, refuse),
    }
}
