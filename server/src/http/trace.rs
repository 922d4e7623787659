//! Following one request through the logs: each request gets an id, kept
//! in the span every log line of the request is written in and sent back in
//! the `x-request-id` header, so a browser's report, a load balancer's log
//! and the server's log name the same request.

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;

/// The header the id travels in, both ways.
pub const HEADER: &str = "x-request-id";

/// The id of the request being served.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestId(pub String);

/// The id a load balancer or client sent, when it looks like one (1 to 64
/// letters, digits, `.`, `_` or `-`); otherwise a new one.
fn id_of(request: &Request) -> String {
    request
        .headers()
        .get(HEADER)
        .and_then(|value| value.to_str().ok())
        .filter(|id| {
            (1..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
        })
        .map_or_else(|| uuid::Uuid::from_u128(rand::random()).to_string(), str::to_owned)
}

/// Gives the request its id and its answer the id's header.
pub async fn request_id(mut request: Request, next: Next) -> Response {
    let id = id_of(&request);
    request.extensions_mut().insert(RequestId(id.clone()));
    let mut response = next.run(request).await;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(HEADER, value);
    }
    response
}

/// The span a request is served in: its method, path and id.
pub fn span(request: &Request) -> tracing::Span {
    let id = request.extensions().get::<RequestId>().map_or("", |id| id.0.as_str());
    tracing::info_span!("request", method = %request.method(), path = %request.uri().path(), request_id = %id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_header(value: &str) -> Request {
        Request::builder().header(HEADER, value).body(axum::body::Body::empty()).expect("a request")
    }

    #[test]
    fn a_plain_id_from_the_load_balancer_is_kept_and_anything_else_is_replaced_by_a_new_one() {
        assert_eq!(id_of(&with_header("req-42.a_b")), "req-42.a_b");
        for odd in ["Root=1-67891233-abcdef012345678912345678", "two words", &"x".repeat(65), ""] {
            let replaced = id_of(&with_header(odd));
            assert!(uuid::Uuid::parse_str(&replaced).is_ok(), "{odd:?} became {replaced}");
        }
    }
}
