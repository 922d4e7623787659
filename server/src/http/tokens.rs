//! Creating and revoking one's own API tokens through plain forms. A new
//! token's secret is shown once, on the page the form leads to: it is not
//! kept anywhere it could be shown again.

use app::domain::Role;
use app::domain::account::TokenRefusal;
use app::domain::params::encode_component;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::header::LOCATION;
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use uuid::Uuid;

use super::AppState;
use super::admin::{Refused, signed_in_as};
use super::gate::SignedInBy;
use crate::auth::tokens::{self, TokenError};

const PAGE: &str = "/settings/tokens";

/// A person signed in at a browser, of any role. A token cannot make or
/// revoke tokens: a leaked short-lived token could otherwise mint one that
/// never expires, and so outlive itself.
pub struct SignedInPerson(app::domain::SignedIn);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for SignedInPerson {
    type Rejection = Refused;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _state: &S) -> Result<Self, Refused> {
        let user = signed_in_as(parts, Role::Viewer)?;
        match parts.extensions.get::<SignedInBy>() {
            Some(SignedInBy::Person) => Ok(SignedInPerson(user)),
            _ => Err(Refused::NeedsPerson),
        }
    }
}

#[derive(Deserialize)]
pub struct NewTokenForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    expires: String,
}

fn back(params: &[(&str, String)]) -> Response {
    let query: Vec<String> = params.iter().map(|(name, value)| format!("{name}={}", encode_component(value))).collect();
    let location = if query.is_empty() { PAGE.to_owned() } else { format!("{PAGE}?{}", query.join("&")) };
    (StatusCode::SEE_OTHER, [(LOCATION, location)]).into_response()
}

#[tracing::instrument(skip_all)]
pub async fn create(
    State(state): State<AppState>,
    SignedInPerson(user): SignedInPerson,
    Form(form): Form<NewTokenForm>,
) -> Response {
    let refuse = |refusal: TokenRefusal| back(&[("error", refusal.code().to_owned()), ("name", form.name.clone())]);
    let Some(role) = Role::parse(&form.role) else { return refuse(TokenRefusal::Role) };
    let days = match form.expires.trim() {
        "never" => None,
        days => match days.parse::<u32>() {
            Ok(days) => Some(days),
            Err(_) => return refuse(TokenRefusal::Expires),
        },
    };
    match tokens::create(&state.pool, &user, &form.name, role, days).await {
        Ok(token) => (StatusCode::CREATED, Html(shown_once(form.name.trim(), role, &token.secret))).into_response(),
        Err(TokenError::Refused(refusal)) => refuse(refusal),
        Err(TokenError::Database(error)) => {
            tracing::error!(%error, "a token could not be created");
            (StatusCode::SERVICE_UNAVAILABLE, "Plinth cannot reach its database right now; no token was created.")
                .into_response()
        }
    }
}

#[tracing::instrument(skip_all)]
pub async fn revoke(
    State(state): State<AppState>,
    SignedInPerson(user): SignedInPerson,
    Path(id): Path<String>,
) -> Response {
    let unknown = || back(&[("error", TokenRefusal::Unknown.code().to_owned())]);
    let Ok(id) = Uuid::parse_str(&id) else { return unknown() };
    match tokens::revoke(&state.pool, &user, id).await {
        Ok(true) => back(&[("revoked", "1".to_owned())]),
        Ok(false) => unknown(),
        Err(error) => {
            tracing::error!(%error, "a token could not be revoked");
            (StatusCode::SERVICE_UNAVAILABLE, "Plinth cannot reach its database right now; nothing was changed.")
                .into_response()
        }
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The one page that shows a token's secret.
fn shown_once(name: &str, role: Role, secret: &str) -> String {
    format!(
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>New API token · Plinth</title><link rel="stylesheet" href="/pkg/plinth.css"></head>
<body><main id="main" class="page">
<h1 class="page-title">New API token</h1>
<div class="notice" role="status">Copy the token now: Plinth keeps only its digest and cannot show it again.</div>
<p>“{name}”, role {role}:</p>
<p><code class="token-secret" data-token>{secret}</code></p>
<p>Send it as <code>Authorization: Bearer {secret}</code>.</p>
<p><a class="button" href="{PAGE}">Back to your tokens</a></p>
</main></body></html>"#,
        name = escape(name),
        role = role.as_str(),
        secret = escape(secret),
    )
}
