//! The one error type of the plain HTTP handlers (the Leptos server
//! functions use `app::error::AppError`). Internal details are logged once
//! here and never sent.

use axum::http::StatusCode;
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
