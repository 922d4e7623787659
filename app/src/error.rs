//! The one error type server functions return to the browser. It carries a
//! message fit for a person; internal details are logged on the server and
//! never sent.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum AppError {
    /// The database (or another part the server needs) cannot be reached.
    #[error("Plinth cannot reach its database right now. Try again in a moment.")]
    Unavailable,
    #[error("Something went wrong on the server. It has been logged.")]
    Internal,
    /// What was asked for does not exist.
    #[error("{0} was not found.")]
    NotFound(String),
    /// Nobody is signed in (or their session ended).
    #[error("Your session has ended. Sign in again to continue.")]
    Unauthorized,
    /// The signed-in user's role does not allow this; the message says
    /// which role does.
    #[error("{0}")]
    Forbidden(String),
    /// The request itself is wrong; the message says what to change.
    #[error("{0}")]
    Invalid(String),
    /// The request clashes with work in progress.
    #[error("{0}")]
    Conflict(String),
    /// The request did not reach the server function, or its answer could
    /// not be read.
    #[error("The server could not be reached: {0}")]
    Transport(String),
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        AppError::Transport(value.to_string())
    }
}

impl AppError {
    /// The HTTP status that says the same.
    pub fn status(&self) -> u16 {
        match self {
            AppError::Unavailable => 503,
            AppError::Internal | AppError::Transport(_) => 500,
            AppError::NotFound(_) => 404,
            AppError::Unauthorized => 401,
            AppError::Forbidden(_) => 403,
            AppError::Invalid(_) => 422,
            AppError::Conflict(_) => 409,
        }
    }

    /// The error, with its status set on the server function's response.
    #[cfg(feature = "ssr")]
    pub fn answered(self) -> AppError {
        if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>()
            && let Ok(status) = http::StatusCode::from_u16(self.status())
        {
            response.set_status(status);
        }
        self
    }
}
