//! Signing in with a password, and signing out: plain form posts, so both
//! work without JavaScript. A failed sign-in goes back to the form with the
//! email kept and the reason named.

use app::domain::SignedIn;
use app::domain::account::SignInRefusal;
use app::domain::params::query_string;
use axum::Form;
use axum::extract::{Extension, Query, State};
use axum::http::header::{LOCATION, SET_COOKIE, USER_AGENT};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use secrecy::SecretString;
use serde::Deserialize;
use serde_json::json;

use super::AppState;
use super::gate::ClientAddress;
use crate::auth::throttle::{self, Throttled};
use crate::auth::{audit, sessions, users};

#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    email: String,
    password: SecretString,
    #[serde(default)]
    next: String,
}

/// Back to the sign-in page, saying why.
fn refused(refusal: SignInRefusal) -> Response {
    redirect(&format!("/login?error={}", refusal.code()))
}

#[tracing::instrument(skip_all)]
pub async fn sign_in(
    State(state): State<AppState>,
    Extension(ClientAddress(address)): Extension<ClientAddress>,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> Response {
    let auth = &state.auth;
    let next = local_path(&form.next);
    let email = users::normalise_email(&form.email).unwrap_or_else(|_| form.email.trim().to_lowercase());
    let back = |refusal: SignInRefusal, minutes: Option<u32>| {
        let mut params = vec![("error", refusal.code().to_owned()), ("email", email.clone()), ("next", next.clone())];
        params.extend(minutes.map(|m| ("minutes", m.to_string())));
        redirect(&format!("/login?{}", query_string(&params)))
    };
    let outcome: Result<Response, sqlx::Error> = async {
        match throttle::attempt(&auth.pool, &auth.settings.throttle, &email, &address).await? {
            Some(Throttled::Account { minutes }) => {
                tracing::warn!(%email, %address, "sign-in refused: too many failures for the account");
                return Ok(back(SignInRefusal::ThrottledAccount, Some(minutes)));
            }
            Some(Throttled::Address { minutes }) => {
                tracing::warn!(%email, %address, "sign-in refused: too many failures from the address");
                return Ok(back(SignInRefusal::ThrottledAddress, Some(minutes)));
            }
            None => {}
        }
        let user = match users::authenticate(&auth.pool, &email, &form.password).await {
            Ok(user) => user,
            Err(users::UserError::Database(error)) => return Err(error),
            Err(_) => None,
        };
        let Some(user) = user else {
            let mut conn = auth.pool.acquire().await?;
            let after = json!({ "address": address });
            audit::record(&mut conn, &email, "user.sign_in_failed", &email, None, Some(after)).await?;
            tracing::info!(%email, %address, "sign-in failed");
            return Ok(back(SignInRefusal::Invalid, None));
        };
        throttle::clear_account(&auth.pool, &email).await?;
        let user = SignedIn { id: user.id, email: user.email, display_name: user.display_name, role: user.role };
        start_session(&state, &headers, &user, &address, "password", &next).await
    }
    .await;
    outcome.unwrap_or_else(|error| {
        tracing::error!(error = %error, "sign-in failed on the database");
        (StatusCode::SERVICE_UNAVAILABLE, "Plinth cannot reach its database right now.").into_response()
    })
}

/// Ends whatever session the browser presented, starts a new one for
/// `user` (so an id planted before sign-in is worthless), records the
/// sign-in and sends the browser on to `next`.
pub(super) async fn start_session(
    state: &AppState,
    headers: &HeaderMap,
    user: &SignedIn,
    address: &str,
    method: &str,
    next: &str,
) -> Result<Response, sqlx::Error> {
    let auth = &state.auth;
    if let Some(old) = presented_token(state, headers) {
        sessions::end(&auth.pool, &old).await?;
    }
    let user_agent = headers.get(USER_AGENT).and_then(|value| value.to_str().ok()).unwrap_or_default();
    let token = sessions::start(&auth.pool, &auth.policy, user.id, address, user_agent).await?;
    let mut conn = auth.pool.acquire().await?;
    audit::record(
        &mut conn,
        &user.email,
        "user.sign_in",
        &user.email,
        None,
        Some(json!({ "method": method, "address": address })),
    )
    .await?;
    tracing::info!(email = %user.email, %address, method, "signed in");
    let mut response = redirect(next);
    if let Ok(cookie) = auth.policy.cookie(&token).parse() {
        response.headers_mut().insert(SET_COOKIE, cookie);
    }
    Ok(response)
}

/// Ends the session and forgets its cookie.
#[tracing::instrument(skip_all)]
pub async fn sign_out(
    State(state): State<AppState>,
    user: Option<Extension<SignedIn>>,
    headers: HeaderMap,
) -> Response {
    if let Some(token) = presented_token(&state, &headers) {
        let ended = async {
            sessions::end(&state.auth.pool, &token).await?;
            if let Some(Extension(user)) = &user {
                let mut conn = state.auth.pool.acquire().await?;
                audit::record(&mut conn, &user.email, "user.sign_out", &user.email, None, None).await?;
            }
            Ok::<(), sqlx::Error>(())
        };
        if let Err(error) = ended.await {
            tracing::error!(error = %error, "cannot end a session");
            let message = "Plinth cannot reach its database right now; you are still signed in.";
            return (StatusCode::SERVICE_UNAVAILABLE, message).into_response();
        }
    }
    let mut response = redirect("/login?signed-out=1");
    if let Ok(cookie) = state.auth.policy.clear_cookie().parse() {
        response.headers_mut().insert(SET_COOKIE, cookie);
    }
    response
}

#[derive(Deserialize)]
pub struct SsoStart {
    #[serde(default)]
    next: String,
}

/// Sends the browser to the identity provider.
#[tracing::instrument(skip_all)]
pub async fn sso_start(State(state): State<AppState>, Query(query): Query<SsoStart>) -> Response {
    let Some(oidc) = &state.auth.oidc else {
        return (StatusCode::NOT_FOUND, "Single sign-on is not configured.").into_response();
    };
    match oidc.start(&state.auth.pool, &local_path(&query.next)).await {
        Ok((url, sso_state)) => {
            let mut response = redirect(&url);
            if let Ok(cookie) = state_cookie(&state, &sso_state, 600).parse() {
                response.headers_mut().insert(SET_COOKIE, cookie);
            }
            response
        }
        Err(error) => {
            tracing::error!(%error, "single sign-on could not start");
            refused(SignInRefusal::Sso)
        }
    }
}

#[derive(Deserialize)]
pub struct SsoCallback {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    error: Option<String>,
}

/// Where the identity provider sends the browser back: the code becomes a
/// verified identity, the identity a user, the user a new session.
#[tracing::instrument(skip_all)]
pub async fn sso_callback(
    State(state): State<AppState>,
    Extension(ClientAddress(address)): Extension<ClientAddress>,
    headers: HeaderMap,
    Query(query): Query<SsoCallback>,
) -> Response {
    let Some(oidc) = &state.auth.oidc else {
        return (StatusCode::NOT_FOUND, "Single sign-on is not configured.").into_response();
    };
    let (Some(code), Some(sso_state)) = (query.code, query.state) else {
        tracing::warn!(error = ?query.error, "the identity provider sent no code");
        return refused(SignInRefusal::Sso);
    };
    // The state must come back to the browser that started the sign-in:
    // a callback link made by someone else (their code, their state)
    // would otherwise sign this browser in as them.
    let presented =
        super::gate::cookie_headers(&headers).find_map(|header| sessions::cookie_value(header, SSO_STATE_COOKIE));
    if presented != Some(sso_state.as_str()) {
        tracing::warn!("single sign-on callback without the state cookie of the browser that started it");
        return refused(SignInRefusal::Sso);
    }
    let (identity, next) = match oidc.finish(&state.auth.pool, &code, &sso_state).await {
        Ok(done) => done,
        Err(error) => {
            tracing::warn!(%error, "single sign-on failed");
            return refused(SignInRefusal::Sso);
        }
    };
    let outcome = users::sign_in_sso(&state.auth.pool, &identity, state.auth.settings.roles.default).await;
    let user = match outcome {
        Ok(users::SsoOutcome::SignedIn(user)) => user,
        Ok(users::SsoOutcome::Disabled) => return refused(SignInRefusal::SsoRefused),
        Ok(users::SsoOutcome::NotLinked) => {
            tracing::warn!(
                subject = identity.subject,
                "a user with this email exists, but the provider did not verify the email or the user has another identity"
            );
            return refused(SignInRefusal::SsoRefused);
        }
        Ok(users::SsoOutcome::NoEmail) => {
            tracing::warn!(subject = identity.subject, "the identity provider gave no verified email");
            return refused(SignInRefusal::Sso);
        }
        Err(error) => {
            tracing::error!(%error, "single sign-on could not find or add the user");
            return refused(SignInRefusal::Sso);
        }
    };
    let signed_in = start_session(&state, &headers, &user, &address, "single sign-on", &local_path(&next)).await;
    let mut response = signed_in.unwrap_or_else(|error| {
        tracing::error!(error = %error, "sign-in failed on the database");
        (StatusCode::SERVICE_UNAVAILABLE, "Plinth cannot reach its database right now.").into_response()
    });
    if let Ok(cookie) = state_cookie(&state, "", 0).parse() {
        response.headers_mut().append(SET_COOKIE, cookie);
    }
    response
}

/// The cookie that ties a single sign-on to the browser that started it.
const SSO_STATE_COOKIE: &str = "plinth_sso_state";

fn state_cookie(state: &AppState, value: &str, max_age: u32) -> String {
    let secure = if state.auth.policy.secure { "; Secure" } else { "" };
    format!("{SSO_STATE_COOKIE}={value}; Path=/auth/oidc; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}")
}

fn presented_token(state: &AppState, headers: &HeaderMap) -> Option<String> {
    state.auth.policy.token_in(super::gate::cookie_headers(headers))
}

fn redirect(location: &str) -> Response {
    (StatusCode::SEE_OTHER, [(LOCATION, location.to_owned())]).into_response()
}

/// Where to go after signing in: a path on this site, never elsewhere.
pub(super) fn local_path(next: &str) -> String {
    match app::domain::params::local_path(next.trim()) {
        Some(path) if path != "/login" && !path.starts_with("/login?") => path.to_owned(),
        _ => "/".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn after_sign_in_the_browser_only_goes_to_a_path_on_this_site() {
        assert_eq!(local_path("/findings?severity=HIGH"), "/findings?severity=HIGH");
        for elsewhere in ["https://evil.example/", "//evil.example", "/\t/evil.example", "", "findings", "/login"] {
            assert_eq!(local_path(elsewhere), "/", "{elsewhere}");
        }
    }
}
