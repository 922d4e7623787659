//! The theme toggle's form target, for browsers without JavaScript.

use app::theme::Theme;
use axum::Form;
use axum::http::header::{LOCATION, REFERER, SET_COOKIE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::HttpError;

#[derive(Deserialize)]
pub struct ThemeForm {
    theme: String,
}

/// Stores the chosen theme in its cookie and sends the browser back to the
/// page it came from.
pub async fn choose_theme(headers: HeaderMap, Form(form): Form<ThemeForm>) -> Result<Response, HttpError> {
    let theme = Theme::parse(&form.theme).ok_or_else(|| {
        HttpError::BadRequest(format!("Unknown theme {:?}: choose \"light\", \"dark\" or \"system\".", form.theme))
    })?;
    let back = headers.get(REFERER).and_then(|value| value.to_str().ok()).map(local_path);
    Ok((
        StatusCode::SEE_OTHER,
        [(SET_COOKIE, theme.set_cookie_value()), (LOCATION, back.unwrap_or_else(|| "/".into()))],
    )
        .into_response())
}

/// The path and query of a referring URL, so the redirect never leaves
/// this site.
fn local_path(referer: &str) -> String {
    let after_scheme = referer.split_once("://").map_or(referer, |(_, rest)| rest);
    match after_scheme.find('/') {
        Some(start) if referer.contains("://") => after_scheme[start..].to_owned(),
        _ if referer.starts_with('/') && !referer.starts_with("//") => referer.to_owned(),
        _ => "/".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn the_redirect_keeps_only_the_path_of_the_referer() {
        assert_eq!(local_path("http://localhost:3000/findings?severity=HIGH"), "/findings?severity=HIGH");
        assert_eq!(local_path("https://evil.example"), "/");
        assert_eq!(local_path("/workloads"), "/workloads");
        assert_eq!(local_path("//evil.example/x"), "/");
    }
}
