//! The API's one error shape, with the status that says the same.

use app::error::AppError;
use axum::Json;
use axum::http::StatusCode;
use axum::http::header::RETRY_AFTER;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Every error the API returns.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ApiError {
    /// A stable word to branch on: `invalid`, `unauthorized`, `forbidden`,
    /// `not_found`, `conflict`, `unsupported_media_type`, `rate_limited`,
    /// `unavailable`, `internal`.
    pub code: String,
    /// What went wrong and what to do, for a person.
    pub message: String,
    /// The fields of the request that were wrong, each with why.
    pub fields: Vec<FieldError>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FieldError {
    /// The parameter or body field, as the request named it.
    pub field: String,
    pub message: String,
}

/// An error on its way out: status and body.
#[derive(Debug)]
pub struct ApiFailure {
    pub status: StatusCode,
    pub error: ApiError,
}

impl ApiFailure {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> ApiFailure {
        ApiFailure { status, error: ApiError { code: code.to_owned(), message: message.into(), fields: Vec::new() } }
    }

    pub fn unauthorized() -> ApiFailure {
        ApiFailure::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Sign in, or send a personal API token as `Authorization: Bearer plinth_…`.",
        )
    }

    /// 400 naming each bad parameter or field.
    pub fn invalid_fields(fields: Vec<FieldError>) -> ApiFailure {
        let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
        let mut failure =
            ApiFailure::new(StatusCode::BAD_REQUEST, "invalid", format!("Not valid: {}.", names.join(", ")));
        failure.error.fields = fields;
        failure
    }

    /// 422: the body was read, but `field` says something that cannot be.
    pub fn unprocessable(field: &str, message: impl Into<String>) -> ApiFailure {
        let mut failure =
            ApiFailure::invalid_fields(vec![FieldError { field: field.to_owned(), message: message.into() }]);
        failure.status = StatusCode::UNPROCESSABLE_ENTITY;
        failure
    }

    /// 403: the caller's role (a token's, no higher than its user's) is below `needed`.
    pub fn forbidden(caller: &app::domain::SignedIn, needed: app::domain::Role) -> ApiFailure {
        ApiFailure::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!("This needs the {needed} role; {} calls as {}.", caller.email, caller.role),
        )
    }

    /// 503: nothing was changed because the database could not be reached.
    pub fn unavailable() -> ApiFailure {
        ApiFailure::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "Plinth cannot reach its database right now; nothing was changed.",
        )
    }
}

impl From<AppError> for ApiFailure {
    fn from(error: AppError) -> ApiFailure {
        let (status, code) = match &error {
            AppError::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            AppError::Internal | AppError::Transport(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
            AppError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            AppError::Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized"),
            AppError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            AppError::Invalid(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
            AppError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
        };
        ApiFailure::new(status, code, error.to_string())
    }
}

impl IntoResponse for ApiFailure {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.error)).into_response();
        if matches!(self.status, StatusCode::SERVICE_UNAVAILABLE | StatusCode::TOO_MANY_REQUESTS) {
            response.headers_mut().insert(RETRY_AFTER, axum::http::HeaderValue::from_static("5"));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn application_errors_keep_their_status_and_get_a_code() {
        let failure = ApiFailure::from(AppError::NotFound("That workload".into()));
        assert_eq!(failure.status, StatusCode::NOT_FOUND);
        assert_eq!(failure.error.code, "not_found");
        assert_eq!(failure.error.message, "That workload was not found.");
        assert_eq!(ApiFailure::from(AppError::Conflict("x".into())).status, StatusCode::CONFLICT);
    }

    #[test]
    fn a_bad_parameter_is_named_in_the_message_and_the_fields() {
        let failure =
            ApiFailure::invalid_fields(vec![FieldError { field: "severity".into(), message: "not a severity".into() }]);
        assert_eq!(failure.status, StatusCode::BAD_REQUEST);
        assert!(failure.error.message.contains("severity"));
        assert_eq!(failure.error.fields.len(), 1);
    }
}
