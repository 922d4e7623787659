//! The one error type of the plain HTTP handlers (the Leptos server
//! functions use `app::error::AppError`). Internal details are logged once
//! here and never sent.

use axum::http::header::RETRY_AFTER;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// The request itself is wrong; the message says how.
    #[error("{0}")]
    BadRequest(String),
    #[error("the database is unavailable")]
    Database(#[from] sqlx::Error),
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        match self {
            HttpError::BadRequest(message) => (StatusCode::BAD_REQUEST, message).into_response(),
            HttpError::Database(error) => {
                tracing::error!(error = %error, "database error in a request");
                (StatusCode::SERVICE_UNAVAILABLE, "Plinth cannot reach its database right now.").into_response()
            }
        }
    }
}

/// Every 503, from a page, a form or the API, says when to try again: the
/// database is restarting or out of reach, and it usually is back soon.
pub(super) async fn retry_after_when_unavailable(mut response: Response) -> Response {
    if response.status() == StatusCode::SERVICE_UNAVAILABLE && !response.headers().contains_key(RETRY_AFTER) {
        response.headers_mut().insert(RETRY_AFTER, HeaderValue::from_static("5"));
    }
    response
}
