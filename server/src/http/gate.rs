//! The gate every request passes: who is asking (their session), and
//! whether they may be let in at all. Pages and server functions check the
//! role they need themselves; the gate keeps anonymous requests out of
//! everything but signing in, the health checks and the static files.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::header::{ACCEPT, AUTHORIZATION, COOKIE, LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::setup::setup_page;
use crate::auth::alb;

/// The client's address, for throttling and the session list.
#[derive(Clone, Debug)]
pub struct ClientAddress(pub String);

/// How the request's user was recognised. Some things need a person at a
/// browser, not a script holding a token (making more tokens).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignedInBy {
    /// A session cookie, or the load balancer's signed header.
    Person,
    /// An `Authorization: Bearer` API token.
    Token,
}

/// Paths anyone may reach, signed in or not, users or not.
fn is_open(path: &str) -> bool {
    // `/metrics` checks its own token: a scraper has no session.
    matches!(path, "/healthz" | "/readyz" | "/metrics" | "/favicon.svg" | "/navigate.js") || path.starts_with("/pkg/")
}

/// A path without `.` or `..` segments (written out or percent-encoded),
/// without empty segments and without a NUL: what the gate decides on must
/// be what the router and the file server see, which may resolve such
/// segments, and no text in the database can hold a NUL.
fn is_plain_path(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    !lower.contains("//")
        && lower.split('/').all(|segment| {
            let decoded = segment.replace("%2e", ".");
            decoded != "." && decoded != ".."
        })
        && !lower.contains("%2f")
        && !lower.contains("%5c")
        && !lower.contains('\\')
        && !lower.contains("%00")
}

/// Pages whose reads cost the database the most: searches over every
/// finding or rule, and exports. A person gets a bucket of them, as a token
/// does for the whole API, so that one browser cannot hold the pool.
fn is_expensive(path: &str) -> bool {
    matches!(path, "/findings" | "/rules" | "/export") || (path.starts_with("/workloads/") && path.ends_with("/export"))
}

/// Paths for signing in and out.
fn is_sign_in(path: &str) -> bool {
    matches!(path, "/login" | "/logout" | "/theme") || path.starts_with("/auth/")
}

pub async fn gate(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let address = client_address(&request, state.auth.settings.trust_forwarded_for);
    request.extensions_mut().insert(ClientAddress(address));
    let path = request.uri().path().to_owned();
    if !is_plain_path(&path) {
        if path.starts_with(crate::api::BASE) {
            // In the API such a segment is a name nothing has.
            return crate::api::ApiFailure::new(
                StatusCode::NOT_FOUND,
                "not_found",
                "Nothing here has that name: a segment is `.`, `..` or empty, or holds a slash, backslash or NUL.",
            )
            .into_response();
        }
        return (StatusCode::BAD_REQUEST, "This address has dot segments or empty segments; ask for the page itself.")
            .into_response();
    }
    if is_open(&path) {
        return next.run(request).await;
    }
    match state.auth.has_users().await {
        Ok(true) => {}
        Ok(false) => return setup_page(),
        Err(error) => return unavailable(&error),
    }
    let token = state.auth.policy.token_in(cookie_headers(request.headers()));
    let mut user = match &token {
        Some(token) => match state.auth.session_user(token).await {
            Ok(user) => user,
            Err(error) => return unavailable(&error),
        },
        None => None,
    };
    if user.is_none()
        && state.auth.alb.is_some()
        && let Some(data) = request.headers().get(alb::HEADER).and_then(|value| value.to_str().ok())
    {
        user = match state.auth.load_balancer_user(data).await {
            Ok(user) => user,
            Err(crate::auth::users::UserError::Database(error)) => return unavailable(&error),
            Err(error) => {
                tracing::warn!(%error, "the load balancer's user could not be signed in");
                None
            }
        };
    }
    let by_token = user.is_none() && bearer(request.headers()).is_some();
    if user.is_none()
        && let Some(secret) = bearer(request.headers())
    {
        // A script with a token: it gets the token's user, or 401; never a
        // page that sends it to sign in.
        user = match crate::auth::tokens::user_for(&state.pool, secret).await {
            Ok(Some((user, token))) => {
                if let Err(wait) = state.token_rates.take(token) {
                    return too_fast(wait);
                }
                Some(user)
            }
            Ok(None) => return bad_token(),
            Err(error) => return unavailable(&error),
        };
    }
    match user {
        Some(user) => {
            if !by_token
                && is_expensive(&path)
                && let Err(wait) = state.page_rates.take(user.id)
            {
                return too_many_pages(wait);
            }
            request.extensions_mut().insert(user);
            request.extensions_mut().insert(if by_token { SignedInBy::Token } else { SignedInBy::Person });
            next.run(request).await
        }
        None if is_sign_in(&path) => next.run(request).await,
        None => {
            let mut response = refuse_anonymous(&request, token.is_some());
            if token.is_some() {
                // The browser holds a session that ended: it can forget it.
                if let Ok(clear) = HeaderValue::from_str(&state.auth.policy.clear_cookie()) {
                    response.headers_mut().append(SET_COOKIE, clear);
                }
            }
            response
        }
    }
}

/// The secret of an `Authorization: Bearer` header, if the request has one.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, secret) = value.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| secret.trim()).filter(|secret| !secret.is_empty())
}

/// An unknown, revoked or expired token, or one of a disabled user.
fn bad_token() -> Response {
    let body = serde_json::json!({
        "code": "unauthorized",
        "message": "The API token is unknown, revoked or expired, or its user is disabled.",
        "fields": [],
    });
    (
        StatusCode::UNAUTHORIZED,
        [("www-authenticate", "Bearer realm=\"plinth\", error=\"invalid_token\"")],
        axum::Json(body),
    )
        .into_response()
}

/// A token calling faster than its limit: 429 with when to try again.
fn too_fast(wait: std::time::Duration) -> Response {
    let seconds = wait.as_secs_f64().ceil().max(1.0) as u64;
    let body = serde_json::json!({
        "code": "rate_limited",
        "message": format!("This token is calling faster than Plinth allows; try again in {seconds} s."),
        "fields": [],
    });
    (StatusCode::TOO_MANY_REQUESTS, [("retry-after", seconds.to_string())], axum::Json(body)).into_response()
}

fn too_many_pages(wait: std::time::Duration) -> Response {
    let seconds = wait.as_secs_f64().ceil().max(1.0) as u64;
    let message = format!(
        "You are asking for searches and exports faster than Plinth allows one person; try again in {seconds} s."
    );
    (StatusCode::TOO_MANY_REQUESTS, [("retry-after", seconds.to_string())], message).into_response()
}

pub(super) fn cookie_headers(headers: &HeaderMap) -> impl Iterator<Item = &str> {
    headers.get_all(COOKIE).iter().filter_map(|value| value.to_str().ok())
}

/// A person at a browser is sent to sign in and brought back afterwards;
/// anything else (server functions, scripts) gets 401.
fn refuse_anonymous(request: &Request, had_session: bool) -> Response {
    if request.uri().path().starts_with(crate::api::BASE) {
        return crate::api::ApiFailure::unauthorized().into_response();
    }
    let wants_page = matches!(*request.method(), Method::GET | Method::HEAD)
        && !request.uri().path().starts_with("/api/")
        && request
            .headers()
            .get(ACCEPT)
            .and_then(|accept| accept.to_str().ok())
            .is_none_or(|accept| accept.contains("text/html") || accept.contains("*/*"));
    if !wants_page {
        return (StatusCode::UNAUTHORIZED, [("www-authenticate", "Cookie realm=\"plinth\"")], "Sign in first.")
            .into_response();
    }
    let next = request.uri().path_and_query().map_or("/", |pq| pq.as_str());
    let mut location = format!("/login?next={}", app::domain::params::encode_component(next));
    if had_session {
        location.push_str("&expired=1");
    }
    (StatusCode::SEE_OTHER, [(LOCATION, location)]).into_response()
}

fn unavailable(error: &sqlx::Error) -> Response {
    tracing::error!(error = %error, "cannot check who is signed in");
    (StatusCode::SERVICE_UNAVAILABLE, "Plinth cannot reach its database right now.").into_response()
}

/// The address the request came from: the connection's peer, or behind a
/// trusted load balancer the last address it appended to
/// `X-Forwarded-For`.
fn client_address(request: &Request, trust_forwarded_for: bool) -> String {
    if trust_forwarded_for
        && let Some(forwarded) = request.headers().get("x-forwarded-for").and_then(|value| value.to_str().ok())
        && let Some(last) = forwarded.rsplit(',').map(str::trim).find(|part| !part.is_empty())
    {
        return last.to_owned();
    }
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip().to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use axum::body::Body;

    use super::*;

    #[test]
    fn static_files_and_health_checks_are_open_and_pages_are_not() {
        for open in ["/healthz", "/readyz", "/pkg/plinth.wasm", "/favicon.svg", "/navigate.js"] {
            assert!(is_open(open), "{open}");
        }
        for closed in ["/", "/findings", "/api/overview", "/admin/users", "/pkg"] {
            assert!(!is_open(closed), "{closed}");
        }
    }

    #[test]
    fn a_path_with_dot_segments_is_not_plain() {
        for tricky in [
            "/pkg/../admin",
            "/auth/%2e%2e/findings",
            "/pkg/%2E%2E/api/overview",
            "/pkg//x",
            "/pkg/.%2fx",
            "/a\\b",
            "/rules/%00",
        ] {
            assert!(!is_plain_path(tricky), "{tricky}");
        }
        for plain in ["/", "/findings", "/pkg/plinth.wasm", "/rules/s3-bucket.ssl", "/finding"] {
            assert!(is_plain_path(plain), "{plain}");
        }
    }

    #[test]
    fn behind_a_trusted_load_balancer_the_last_forwarded_address_counts() {
        let request = Request::get("/")
            .header("x-forwarded-for", "203.0.113.9, 198.51.100.7")
            .body(Body::empty())
            .expect("a request");
        assert_eq!(client_address(&request, true), "198.51.100.7");
        assert_eq!(client_address(&request, false), "", "an untrusted header is ignored");
    }

    #[test]
    fn a_bearer_secret_is_read_from_the_authorization_header_in_any_case() {
        let mut headers = HeaderMap::new();
        assert_eq!(bearer(&headers), None);
        headers.insert(AUTHORIZATION, HeaderValue::from_static("bearer  plinth_abc "));
        assert_eq!(bearer(&headers), Some("plinth_abc"));
        headers.insert(AUTHORIZATION, HeaderValue::from_static("Basic dXNlcjpwYXNz"));
        assert_eq!(bearer(&headers), None, "other schemes are not tokens");
        headers.insert(AUTHORIZATION, HeaderValue::from_static("Bearer "));
        assert_eq!(bearer(&headers), None);
    }

    #[test]
    fn a_page_request_is_sent_to_sign_in_and_a_server_function_gets_401() {
        let page =
            Request::get("/findings?severity=HIGH").header(ACCEPT, "text/html").body(Body::empty()).expect("a request");
        let response = refuse_anonymous(&page, false);
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(response.headers()[LOCATION], "/login?next=%2Ffindings%3Fseverity%3DHIGH");
        let call = Request::get("/api/overview").body(Body::empty()).expect("a request");
        assert_eq!(refuse_anonymous(&call, true).status(), StatusCode::UNAUTHORIZED);
    }
}
