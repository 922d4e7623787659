//! Protections on every response and every write: security headers with
//! a Content-Security-Policy whose nonce covers Leptos' inline scripts,
//! and a same-origin check on every state-changing request.

use std::sync::Arc;

use app::auth::RequestNonce;
use axum::extract::{Request, State};
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, HOST, ORIGIN, REFERRER_POLICY, STRICT_TRANSPORT_SECURITY,
    X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rand::RngCore;

use super::AppState;

/// Sets the security headers on whatever the inner layers answer: pages,
/// server functions, static files and errors alike.
pub async fn headers(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let nonce = new_nonce();
    request.extensions_mut().insert(RequestNonce(Arc::from(nonce.as_str())));
    let is_static = request.uri().path().starts_with("/pkg/") || request.uri().path() == "/favicon.svg";
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if let Ok(policy) = HeaderValue::from_str(&content_security_policy(&nonce)) {
        headers.insert(CONTENT_SECURITY_POLICY, policy);
    }
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("strict-origin-when-cross-origin"));
    headers.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    // What a signed-in person sees must not stay in shared caches or the
    // browser's disk cache; the built front end may.
    if !is_static && !headers.contains_key(CACHE_CONTROL) {
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if state.auth.settings.is_https() {
        headers.insert(STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000; includeSubDomains"));
    }
    response
}

/// Scripts only from this site or with this response's nonce (Leptos'
/// hydration script), WebAssembly allowed to compile, no plugins, no
/// `<base>`, never framed, forms only to this site.
fn content_security_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
         frame-ancestors 'none'; form-action 'self'"
    )
}

fn new_nonce() -> String {
    let mut bytes = [0u8; 18];
    rand::rng().fill_bytes(&mut bytes);
    STANDARD.encode(bytes)
}

/// Refuses a state-changing request that a browser says comes from another
/// site: `Sec-Fetch-Site` when the browser sends it, else `Origin` compared
/// with the `Host` the request was sent to. A request with neither header
/// does not come from a browser page (scripts, the command line) and
/// carries no ambient cookie to abuse; the session cookie is also
/// `SameSite=Lax`, which keeps it off cross-site POSTs.
pub async fn same_origin_writes(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let public_origin = state.auth.settings.public_url.as_deref().map(origin_of);
    if is_safe(request.method()) || is_same_origin(&request, public_origin) {
        return next.run(request).await;
    }
    tracing::warn!(
        method = %request.method(),
        path = request.uri().path(),
        origin = ?request.headers().get(ORIGIN),
        "refused a cross-origin write"
    );
    (StatusCode::FORBIDDEN, "Refused: this request came from another site. Use Plinth's own pages to make changes.")
        .into_response()
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// `scheme://host[:port]` of a URL.
fn origin_of(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |at| at + 3);
    url[after_scheme..].find('/').map_or(url, |end| &url[..after_scheme + end])
}

fn is_same_origin(request: &Request, public_origin: Option<&str>) -> bool {
    let headers = request.headers();
    if let Some(site) = headers.get("sec-fetch-site") {
        return matches!(site.to_str(), Ok("same-origin" | "none"));
    }
    let Some(origin) = headers.get(ORIGIN) else { return true };
    // Behind a proxy that rewrites Host, the configured public address is
    // the site's origin.
    if public_origin.is_some_and(|public| origin.to_str().is_ok_and(|origin| origin == public)) {
        return true;
    }
    let (Ok(origin), Some(Ok(host))) = (origin.to_str(), headers.get(HOST).map(HeaderValue::to_str)) else {
        return false;
    };
    origin.split_once("://").is_some_and(|(scheme, rest)| matches!(scheme, "http" | "https") && rest == host)
}

#[cfg(test)]
mod tests {
    use axum::body::Body;

    use super::*;

    fn post(headers: &[(&str, &str)]) -> Request {
        let mut builder = Request::post("/api/sync_now").header(HOST, "plinth.example.com");
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        builder.body(Body::empty()).expect("a request")
    }

    #[test]
    fn a_browser_post_from_this_site_passes() {
        assert!(is_same_origin(&post(&[("sec-fetch-site", "same-origin")]), None));
        assert!(is_same_origin(&post(&[("origin", "https://plinth.example.com")]), None));
    }

    #[test]
    fn a_browser_post_from_another_site_is_refused() {
        assert!(!is_same_origin(&post(&[("sec-fetch-site", "cross-site")]), None));
        assert!(!is_same_origin(&post(&[("sec-fetch-site", "same-site")]), None));
        assert!(!is_same_origin(&post(&[("origin", "https://evil.example")]), None));
        assert!(!is_same_origin(&post(&[("origin", "null")]), None));
        assert!(
            !is_same_origin(&post(&[("sec-fetch-site", "cross-site"), ("origin", "https://plinth.example.com")]), None),
            "Sec-Fetch-Site wins over a forged-looking Origin"
        );
    }

    #[test]
    fn behind_a_proxy_the_public_address_is_this_site() {
        let behind_proxy = post(&[("origin", "https://plinth.example.org")]);
        assert!(is_same_origin(&behind_proxy, Some(origin_of("https://plinth.example.org/"))));
        assert!(!is_same_origin(&behind_proxy, Some(origin_of("https://plinth.example.com"))));
        assert_eq!(origin_of("https://plinth.example.org:8443/base"), "https://plinth.example.org:8443");
    }

    #[test]
    fn a_request_without_browser_headers_is_not_a_cross_site_page() {
        assert!(is_same_origin(&post(&[]), None));
    }

    #[test]
    fn the_policy_allows_no_inline_script_without_the_nonce() {
        let policy = content_security_policy("abc");
        assert!(policy.contains("script-src 'self' 'nonce-abc' 'wasm-unsafe-eval'"));
        assert!(!policy.contains("unsafe-inline"));
        for directive in ["frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'"] {
            assert!(policy.contains(directive), "{directive}");
        }
    }
}
