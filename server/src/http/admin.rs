//! The admin pages' forms: add a user, change a role, disable or enable.
//! Each checks that an admin is signed in, makes the change with its
//! audit record, and sends the browser back to the users page saying what
//! happened, or why not with what was typed kept (never the password).

use app::domain::admin::AdminRefusal;
use app::domain::params::query_string;
use app::domain::{Role, SignedIn};
use axum::Form;
use axum::extract::{FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::header::LOCATION;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use super::AppState;
use crate::auth::password::PasswordError;
use crate::auth::users::{self, UserError};

#[derive(Deserialize)]
pub struct AddUserForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    password: Option<SecretString>,
}

#[derive(Deserialize)]
pub struct UserForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
}

/// The signed-in admin; anyone else is refused, the same way a server
/// function refuses them.
pub struct SignedInAdmin(pub SignedIn);

impl<S: Send + Sync> FromRequestParts<S> for SignedInAdmin {
    type Rejection = Refused;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Refused> {
        signed_in_as(parts, Role::Admin).map(SignedInAdmin)
    }
}

/// Why a route refused its caller: answered as a server function would.
pub enum Refused {
    Anonymous,
    Needs(Role),
    /// Signed in with an API token where a person must sign in.
    NeedsPerson,
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        match self {
            Refused::Anonymous => (StatusCode::UNAUTHORIZED, "Sign in first.").into_response(),
            Refused::Needs(role) => (StatusCode::FORBIDDEN, format!("This needs the {role} role.")).into_response(),
            Refused::NeedsPerson => {
                (StatusCode::FORBIDDEN, "Managing API tokens needs you signed in, not an API token.").into_response()
            }
        }
    }
}

/// The user signed in for this request if their role allows `needed`.
pub(super) fn signed_in_as(parts: &Parts, needed: Role) -> Result<SignedIn, Refused> {
    match parts.extensions.get::<SignedIn>() {
        Some(user) if user.may(needed) => Ok(user.clone()),
        Some(_) => Err(Refused::Needs(needed)),
        None => Err(Refused::Anonymous),
    }
}

fn back(params: &[(&str, String)]) -> Response {
    (StatusCode::SEE_OTHER, [(LOCATION, format!("/admin?{}", query_string(params)))]).into_response()
}

fn refusal_of(error: &UserError) -> Option<AdminRefusal> {
    match error {
        UserError::BadEmail(_) => Some(AdminRefusal::BadEmail),
        UserError::Exists(_) => Some(AdminRefusal::Exists),
        UserError::NotFound(_) => Some(AdminRefusal::NotFound),
        UserError::Password(PasswordError::TooShort) => Some(AdminRefusal::ShortPassword),
        _ => None,
    }
}

fn failed(error: UserError, typed: Vec<(&str, String)>) -> Response {
    match refusal_of(&error) {
        Some(refusal) => {
            let mut params = vec![("error", refusal.code().to_owned())];
            params.extend(typed);
            back(&params)
        }
        None => {
            tracing::error!(error = %error, "an admin change failed");
            (StatusCode::SERVICE_UNAVAILABLE, "Plinth cannot reach its database right now; nothing was changed.")
                .into_response()
        }
    }
}

#[tracing::instrument(skip_all)]
pub async fn add_user(
    State(state): State<AppState>,
    SignedInAdmin(actor): SignedInAdmin,
    Form(form): Form<AddUserForm>,
) -> Response {
    let typed = vec![
        ("email", form.email.trim().to_owned()),
        ("name", form.name.trim().to_owned()),
        ("role", form.role.clone()),
    ];
    let Some(role) = Role::parse(&form.role) else {
        let mut params = vec![("error", AdminRefusal::BadRole.code().to_owned())];
        params.extend(typed);
        return back(&params);
    };
    let password = form.password.filter(|password| !password.expose_secret().is_empty());
    match users::add(&state.pool, &actor.email, &form.email, &form.name, role, password.as_ref()).await {
        Ok(_) => back(&[("done", "added".into()), ("email", form.email.trim().to_lowercase())]),
        Err(error) => failed(error, typed),
    }
}

#[tracing::instrument(skip_all)]
pub async fn set_role(
    State(state): State<AppState>,
    SignedInAdmin(actor): SignedInAdmin,
    Form(form): Form<UserForm>,
) -> Response {
    let Some(role) = Role::parse(&form.role) else { return back(&[("error", AdminRefusal::BadRole.code().into())]) };
    if role < Role::Admin
        && let Some(refusal) = refuse_own_account(&actor, &form.email)
    {
        return refusal;
    }
    match users::set_role(&state.pool, &actor.email, &form.email, role).await {
        Ok(()) => back(&[("done", "role".into()), ("email", form.email.trim().to_lowercase())]),
        Err(error) => failed(error, vec![]),
    }
}

#[tracing::instrument(skip_all)]
pub async fn disable(
    State(state): State<AppState>,
    SignedInAdmin(actor): SignedInAdmin,
    Form(form): Form<UserForm>,
) -> Response {
    if let Some(refusal) = refuse_own_account(&actor, &form.email) {
        return refusal;
    }
    match users::disable(&state.pool, &actor.email, &form.email).await {
        Ok(()) => back(&[("done", "disabled".into()), ("email", form.email.trim().to_lowercase())]),
        Err(error) => failed(error, vec![]),
    }
}

#[tracing::instrument(skip_all)]
pub async fn enable(
    State(state): State<AppState>,
    SignedInAdmin(actor): SignedInAdmin,
    Form(form): Form<UserForm>,
) -> Response {
    match users::enable(&state.pool, &actor.email, &form.email).await {
        Ok(()) => back(&[("done", "enabled".into()), ("email", form.email.trim().to_lowercase())]),
        Err(error) => failed(error, vec![]),
    }
}

/// An admin cannot disable themselves or lower their own role, so a
/// signed-in admin always remains to manage users.
fn refuse_own_account(actor: &SignedIn, email: &str) -> Option<Response> {
    (email.trim().to_lowercase() == actor.email).then(|| back(&[("error", AdminRefusal::OwnAccount.code().into())]))
}
