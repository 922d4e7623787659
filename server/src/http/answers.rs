//! Answering Well-Architected questions through plain forms (editors and
//! admins): one choice at a time, the practices evidence proves, settling a
//! conflict with AWS, and turning write-back on or off. Each goes back to
//! the page it came from, at the question; a refused change comes back
//! with what was typed and why.

use app::domain::answers::{AnswerRefusal as Refusal, ChoiceState};
use app::domain::params::{encode_component, local_path};
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::header::LOCATION;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use uuid::Uuid;

use super::AppState;
use super::checklists::SignedInEditor;
use crate::answers::{self, AnswerError, ChoiceEdit, Keep};

/// Where to go back to: the answers page the form was on, at the question.
fn back_to(workload: Uuid, back: &str, question: &str, extra: &[(&str, String)]) -> String {
    let page = format!("/workloads/{workload}/answers");
    let back = local_path(back.trim()).filter(|back| back.starts_with(&page)).unwrap_or(&page).to_owned();
    let join = if back.contains('?') { '&' } else { '?' };
    let mut params = vec![format!("open={}", encode_component(question))];
    params.extend(extra.iter().map(|(name, value)| format!("{name}={}", encode_component(value))));
    format!("{back}{join}{}#question-{}", params.join("&"), encode_component(question))
}

fn redirect(location: &str) -> Response {
    (StatusCode::SEE_OTHER, [(LOCATION, location.to_owned())]).into_response()
}

/// What a change that was not made answers: the page again through
/// `refuse` for the refusals it shows, 404 for a workload that is not
/// there, 422 for any other refusal (a form no page sends), 503 when the
/// database could not store it.
fn failed(error: AnswerError, refuse: impl FnOnce(Refusal) -> Option<Response>) -> Response {
    match error.refusal() {
        Some(Refusal::UnknownWorkload) => (StatusCode::NOT_FOUND, Refusal::UnknownWorkload.message()).into_response(),
        Some(refusal) => refuse(refusal).unwrap_or_else(|| {
            (StatusCode::UNPROCESSABLE_ENTITY, format!("Nothing was changed: {error}")).into_response()
        }),
        None => {
            tracing::error!(%error, "an answer could not be stored");
            (StatusCode::SERVICE_UNAVAILABLE, "Plinth cannot reach its database right now; nothing was changed.")
                .into_response()
        }
    }
}

/// Refusals only the page's own forms could not avoid are shown on it.
fn not_shown(_: Refusal) -> Option<Response> {
    None
}

#[derive(Deserialize)]
pub struct ChoiceForm {
    #[serde(default)]
    question: String,
    #[serde(default)]
    choice: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    back: String,
}

/// Marks one practice followed, not applicable (with a reason) or open.
#[tracing::instrument(skip_all)]
pub async fn change(
    State(state): State<AppState>,
    SignedInEditor(editor): SignedInEditor,
    Path(workload): Path<Uuid>,
    Form(form): Form<ChoiceForm>,
) -> Response {
    let refuse = |refusal: Refusal| {
        let typed = [
            ("edit", format!("{}/{}", form.question, form.choice)),
            ("error", refusal.code().to_owned()),
            ("reason", form.reason.clone()),
        ];
        redirect(&back_to(workload, &form.back, &form.question, &typed))
    };
    let Some(choice_state) = ChoiceState::parse(&form.state) else { return refuse(Refusal::State) };
    let edit = ChoiceEdit {
        question_id: form.question.clone(),
        choice_id: form.choice.clone(),
        state: choice_state,
        reason: form.reason.clone(),
    };
    match answers::change(&state.pool, &state.writers, &state.weights, &editor.email, workload, &[edit]).await {
        Ok(_) => redirect(&back_to(workload, &form.back, &form.question, &[])),
        Err(error) => failed(error, |refusal| (refusal == Refusal::Reason).then(|| refuse(refusal))),
    }
}

/// Selects the practices evidence proves that the person kept checked:
/// repeated `choice` fields of `question/choice`.
#[tracing::instrument(skip_all)]
pub async fn confirm_suggestions(
    State(state): State<AppState>,
    SignedInEditor(editor): SignedInEditor,
    Path(workload): Path<Uuid>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let back = fields.iter().find(|(name, _)| name == "back").map(|(_, value)| value.as_str()).unwrap_or_default();
    let edits: Vec<ChoiceEdit> = fields
        .iter()
        .filter(|(name, _)| name == "choice")
        .filter_map(|(_, value)| value.split_once('/'))
        .map(|(question, choice)| ChoiceEdit {
            question_id: question.to_owned(),
            choice_id: choice.to_owned(),
            state: ChoiceState::Selected,
            reason: String::new(),
        })
        .collect();
    let page = format!("/workloads/{workload}/answers");
    let back = local_path(back.trim()).filter(|back| back.starts_with(&page)).unwrap_or(&page).to_owned();
    if edits.is_empty() {
        let join = if back.contains('?') { '&' } else { '?' };
        return redirect(&format!("{back}{join}error={}", Refusal::NoSuggestion.code()));
    }
    match answers::change(&state.pool, &state.writers, &state.weights, &editor.email, workload, &edits).await {
        Ok(_) => redirect(&back),
        Err(error) => failed(error, not_shown),
    }
}

#[derive(Deserialize)]
pub struct ResolveForm {
    #[serde(default)]
    question: String,
    #[serde(default)]
    keep: String,
    #[serde(default)]
    back: String,
}

/// Settles a conflict with AWS (keep AWS's answer, or write Plinth's), or
/// tries a failed write again.
#[tracing::instrument(skip_all)]
pub async fn resolve(
    State(state): State<AppState>,
    SignedInEditor(editor): SignedInEditor,
    Path(workload): Path<Uuid>,
    Form(form): Form<ResolveForm>,
) -> Response {
    let keep = match form.keep.as_str() {
        "aws" => Keep::Aws,
        "plinth" => Keep::Plinth,
        _ => return (StatusCode::UNPROCESSABLE_ENTITY, Refusal::Keep.message()).into_response(),
    };
    match answers::resolve(&state.pool, &state.writers, &state.weights, &editor.email, workload, &form.question, keep)
        .await
    {
        Ok(_) => redirect(&back_to(workload, &form.back, &form.question, &[])),
        Err(error) => failed(error, |refusal| {
            matches!(refusal, Refusal::NothingToResolve | Refusal::CannotWriteBack).then(|| {
                let shown = [("error", Refusal::NothingToResolve.code().to_owned())];
                redirect(&back_to(workload, &form.back, &form.question, &shown))
            })
        }),
    }
}

#[derive(Deserialize)]
pub struct WriteBackForm {
    #[serde(default)]
    on: String,
}

/// Turns write-back to the Well-Architected Tool on or off for a workload.
#[tracing::instrument(skip_all)]
pub async fn write_back(
    State(state): State<AppState>,
    SignedInEditor(editor): SignedInEditor,
    Path(workload): Path<Uuid>,
    Form(form): Form<WriteBackForm>,
) -> Response {
    let page = format!("/workloads/{workload}/answers");
    match answers::set_write_back(&state.pool, &state.writers, &editor.email, workload, form.on == "true").await {
        Ok(()) => redirect(&page),
        Err(error) => failed(error, |refusal| {
            (refusal == Refusal::CannotWriteBack).then(|| redirect(&format!("{page}?error={}", refusal.code())))
        }),
    }
}
