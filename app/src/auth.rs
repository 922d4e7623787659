//! Who may call what. The server resolves the signed-in user before any
//! page or server function runs and leaves them in the request; every
//! server function starts by requiring the role it needs, so the server
//! enforces what the pages merely hide.

use crate::domain::{Role, SignedIn};
#[cfg(feature = "ssr")]
use crate::error::AppError;

/// The nonce of this response's Content-Security-Policy, which the
/// server leaves in the request for the document's inline scripts.
#[cfg(feature = "ssr")]
#[derive(Clone, Debug)]
pub struct RequestNonce(pub std::sync::Arc<str>);

/// How people can sign in, which the server provides as context.
#[derive(Clone, Debug, Default)]
pub struct SignInOptions {
    /// The label of the single sign-on button, when single sign-on is on.
    pub sso_label: Option<String>,
}

/// The user signed in for this request, if any.
#[cfg(feature = "ssr")]
pub fn signed_in() -> Option<SignedIn> {
    leptos::prelude::use_context::<http::request::Parts>()?.extensions.get::<SignedIn>().cloned()
}

/// In the browser, nobody is known: islands get what they need as props.
#[cfg(not(feature = "ssr"))]
pub fn signed_in() -> Option<SignedIn> {
    None
}

/// Whether the signed-in user may do what `needed` may.
pub fn may(needed: Role) -> bool {
    signed_in().is_some_and(|user| user.may(needed))
}

/// The signed-in user if their role allows `needed`; otherwise the error,
/// with 401 or 403 set on the response.
#[cfg(feature = "ssr")]
pub fn require(needed: Role) -> Result<SignedIn, AppError> {
    let refusal = match signed_in() {
        Some(user) if user.may(needed) => return Ok(user),
        Some(user) => (
            http::StatusCode::FORBIDDEN,
            AppError::Forbidden(format!(
                "This needs the {needed} role; {} is signed in as {}. Ask an admin if you need it.",
                user.email, user.role
            )),
        ),
        None => (http::StatusCode::UNAUTHORIZED, AppError::Unauthorized),
    };
    if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(refusal.0);
    }
    Err(refusal.1)
}
