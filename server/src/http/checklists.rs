//! Ticking a checklist item: a plain form post (editors and admins). It
//! goes back to the page it came from, at the item; a refused tick comes
//! back with what was typed and why.

use app::domain::checklists::TickState;
use app::domain::params::{encode_component, local_path};
use app::domain::{Role, SignedIn};
use axum::Form;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::StatusCode;
use axum::http::header::LOCATION;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use uuid::Uuid;

use super::AppState;
use crate::checklists::store::{self, Tick, TickError};

/// The signed-in editor (or admin); anyone else is refused.
pub struct SignedInEditor(SignedIn);

impl<S: Send + Sync> FromRequestParts<S> for SignedInEditor {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Response> {
        match parts.extensions.get::<SignedIn>() {
            Some(user) if user.may(Role::Editor) => Ok(SignedInEditor(user.clone())),
            Some(_) => Err((StatusCode::FORBIDDEN, "This needs the editor role.").into_response()),
            None => Err((StatusCode::UNAUTHORIZED, "Sign in first.").into_response()),
        }
    }
}

#[derive(Deserialize)]
pub struct TickForm {
    #[serde(default)]
    pack: String,
    #[serde(default)]
    item: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    link: String,
    #[serde(default)]
    back: String,
}

const MAX_TEXT: usize = 2000;

pub async fn tick(
    State(state): State<AppState>,
    SignedInEditor(editor): SignedInEditor,
    Path(workload): Path<Uuid>,
    Form(form): Form<TickForm>,
) -> Response {
    let page = format!("/workloads/{workload}/checklists");
    let back = local_path(form.back.trim()).filter(|back| back.starts_with(&page)).unwrap_or(&page).to_owned();
    let anchor = format!("#item-{}-{}", form.pack, form.item);
    let join = if back.contains('?') { '&' } else { '?' };
    let refuse = |code: &str| {
        let typed = [
            ("edit", format!("{}/{}", form.pack, form.item)),
            ("error", code.to_owned()),
            ("state_typed", form.state.clone()),
            ("note", form.note.clone()),
            ("link", form.link.clone()),
        ];
        let query: Vec<String> = typed.iter().map(|(k, v)| format!("{k}={}", encode_component(v))).collect();
        redirect(&format!("{back}{join}{}{anchor}", query.join("&")))
    };
    let Some(tick_state) = TickState::parse(&form.state) else { return refuse("state") };
    if form.note.chars().count() > MAX_TEXT {
        return refuse("note");
    }
    let link = form.link.trim();
    if !link.is_empty() && (!(link.starts_with("https://") || link.starts_with("http://")) || link.len() > MAX_TEXT) {
        return refuse("link");
    }
    let tick = Tick {
        workload,
        pack: form.pack.clone(),
        item: form.item.clone(),
        state: tick_state,
        note: form.note.trim().to_owned(),
        link: (!link.is_empty()).then(|| link.to_owned()),
    };
    match store::tick(&state.pool, &editor.email, &tick).await {
        Ok(()) => {
            // The score's checklist component moves with the tick.
            if let Err(error) =
                crate::scoring::recompute_workload(&state.pool, &state.weights, workload, "checklist").await
            {
                tracing::warn!(%error, "could not recompute the score after a tick");
            }
            redirect(&format!("{back}{anchor}"))
        }
        Err(TickError::UnknownItem) => {
            (StatusCode::NOT_FOUND, "There is no such workload or checklist item.").into_response()
        }
        Err(TickError::Database(error)) => {
            tracing::error!(%error, "a tick could not be stored");
            (StatusCode::SERVICE_UNAVAILABLE, "Plinth cannot reach its database right now; nothing was changed.")
                .into_response()
        }
    }
}

fn redirect(location: &str) -> Response {
    (StatusCode::SEE_OTHER, [(LOCATION, location.to_owned())]).into_response()
}
