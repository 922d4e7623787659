//! Ticking a checklist item: a plain form post (editors and admins). It
//! goes back to the page it came from, at the item; a refused tick comes
//! back with what was typed and why.

use app::auth::RequestNonce;
use app::domain::checklists::{ImportAttempt, TickRefusal, TickState};
use app::domain::params::{encode_component, local_path};
use app::domain::{Role, SignedIn};
use axum::Form;
use axum::extract::{Extension, FromRequestParts, Path, State};
use axum::http::header::{ACCEPT, ACCEPT_LANGUAGE, CONTENT_DISPOSITION, CONTENT_TYPE, COOKIE, LOCATION};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use uuid::Uuid;

use super::AppState;
use super::admin::SignedInAdmin;
use super::gate::ClientAddress;
use crate::checklists::store::{self, ImportError, Tick, TickError};
use crate::checklists::writes::tick_and_rescore;

/// The signed-in editor (or admin); anyone else is refused.
pub struct SignedInEditor(pub(super) SignedIn);

impl<S: Send + Sync> FromRequestParts<S> for SignedInEditor {
    type Rejection = super::admin::Refused;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        super::admin::signed_in_as(parts, Role::Editor).map(SignedInEditor)
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
    /// "1" from the one-click form: the note and link stay as they were.
    #[serde(default)]
    quick: String,
    /// The state the page showed when the form was drawn.
    #[serde(default)]
    state_was: String,
}

#[tracing::instrument(skip_all)]
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
    let refuse = |refusal: TickRefusal| {
        let typed = [
            ("edit", format!("{}/{}", form.pack, form.item)),
            ("error", refusal.code().to_owned()),
            ("state_typed", form.state.clone()),
            ("note", form.note.clone()),
            ("link", form.link.clone()),
        ];
        let query: Vec<String> = typed.iter().map(|(k, v)| format!("{k}={}", encode_component(v))).collect();
        redirect(&format!("{back}{join}{}{anchor}", query.join("&")))
    };
    let Some(tick_state) = TickState::parse(&form.state) else { return refuse(TickRefusal::State) };
    let link = form.link.trim();
    if let Err(refusal) = store::check_details(&form.note, link) {
        return refuse(refusal);
    }
    let tick = Tick {
        workload,
        pack: form.pack.clone(),
        item: form.item.clone(),
        state: tick_state,
        // A one-click tick keeps the note and link as they are.
        note: (form.quick != "1").then(|| form.note.trim().to_owned()),
        link: (form.quick != "1").then(|| (!link.is_empty()).then(|| link.to_owned())),
        keep_state: !form.state_was.is_empty() && form.state_was == form.state,
    };
    match tick_and_rescore(&state.pool, &state.rescorer, &editor.email, &tick).await {
        Ok(_) => redirect(&format!("{back}{anchor}")),
        Err(TickError::Refused(refusal @ TickRefusal::UnknownItem)) => {
            (StatusCode::NOT_FOUND, refusal.message()).into_response()
        }
        Err(TickError::Refused(refusal)) => refuse(refusal),
        Err(TickError::Database(error)) => {
            tracing::error!(%error, "a tick could not be stored");
            (StatusCode::SERVICE_UNAVAILABLE, "Plinth cannot reach its database right now; nothing was changed.")
                .into_response()
        }
    }
}

#[derive(Deserialize)]
pub struct AutoTickForm {
    #[serde(default)]
    on: String,
}

/// Turns auto-tick from evidence on or off for a workload.
#[tracing::instrument(skip_all)]
pub async fn auto_tick(
    State(state): State<AppState>,
    SignedInEditor(editor): SignedInEditor,
    Path(workload): Path<Uuid>,
    Form(form): Form<AutoTickForm>,
) -> Response {
    let on = form.on == "true";
    match store::set_auto_tick(&state.pool, &editor.email, workload, on).await {
        Ok(true) => redirect(&format!("/workloads/{workload}/checklists")),
        Ok(false) => (StatusCode::NOT_FOUND, "There is no such workload.").into_response(),
        Err(error) => {
            tracing::error!(%error, "auto-tick could not be changed");
            (StatusCode::SERVICE_UNAVAILABLE, "Plinth cannot reach its database right now; nothing was changed.")
                .into_response()
        }
    }
}

#[derive(Deserialize)]
pub struct ImportForm {
    #[serde(default)]
    pack: String,
}

/// Imports a pasted pack file (admins). A refused file comes back on the
/// same page, as pasted, with every error; nothing is imported.
#[tracing::instrument(skip_all)]
pub async fn import(
    State(state): State<AppState>,
    SignedInAdmin(admin): SignedInAdmin,
    Extension(nonce): Extension<RequestNonce>,
    Extension(address): Extension<ClientAddress>,
    headers: HeaderMap,
    Form(form): Form<ImportForm>,
) -> Response {
    let errors = match store::import(&state.pool, &admin.email, &form.pack).await {
        Ok(pack) => return redirect(&format!("/admin/checklists?imported={}", encode_component(&pack.id))),
        Err(ImportError::Invalid(errors)) => errors.into_iter().map(|error| error.to_string()).collect(),
        Err(ImportError::BuiltInId(id)) => vec![format!("{id:?} is a built-in pack's id; give the pack another id.")],
        Err(ImportError::Database(error)) => {
            tracing::error!(%error, "a pack could not be imported");
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                "Plinth cannot reach its database right now; nothing was imported.",
            )
                .into_response();
        }
    };
    // Render the page again, with what was pasted and why it was refused.
    let attempt = ImportAttempt { text: form.pack, errors };
    let context = super::leptos_context(&state);
    let render = leptos_axum::render_app_async_with_context(
        move || {
            context();
            leptos::prelude::provide_context(attempt.clone());
        },
        {
            let options = state.leptos_options.clone();
            move || app::shell(options.clone())
        },
    );
    let mut request =
        axum::extract::Request::get("/admin/checklists").body(axum::body::Body::empty()).unwrap_or_default();
    for name in [COOKIE, ACCEPT, ACCEPT_LANGUAGE] {
        if let Some(value) = headers.get(&name) {
            request.headers_mut().insert(name, value.clone());
        }
    }
    request.extensions_mut().insert(admin);
    request.extensions_mut().insert(nonce);
    request.extensions_mut().insert(address);
    let mut response = render(request).await;
    *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    response
}

/// A pack as its TOML file (anyone who can read).
#[tracing::instrument(skip_all)]
pub async fn export(
    State(state): State<AppState>,
    user: Option<Extension<SignedIn>>,
    Path(pack): Path<String>,
) -> Response {
    if user.is_none() {
        return (StatusCode::UNAUTHORIZED, "Sign in first.").into_response();
    }
    match store::export(&state.pool, &pack).await {
        Ok(Some(text)) => (
            [
                (CONTENT_TYPE, "application/toml; charset=utf-8".to_owned()),
                (CONTENT_DISPOSITION, format!("attachment; filename=\"{pack}.toml\"")),
            ],
            text,
        )
            .into_response(),
        Ok(None) => (StatusCode::NOT_FOUND, "There is no such checklist pack.").into_response(),
        Err(error) => {
            tracing::error!(%error, "a pack could not be exported");
            (StatusCode::SERVICE_UNAVAILABLE, "Plinth cannot reach its database right now.").into_response()
        }
    }
}

fn redirect(location: &str) -> Response {
    (StatusCode::SEE_OTHER, [(LOCATION, location.to_owned())]).into_response()
}
