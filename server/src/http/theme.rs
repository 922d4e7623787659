//! The theme toggle's form target, for browsers without JavaScript.

use app::domain::params::local_path;
use app::theme::Theme;
use axum::Form;
use axum::http::header::{HOST, LOCATION, REFERER, SET_COOKIE};
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
#[tracing::instrument(skip_all)]
pub async fn choose_theme(headers: HeaderMap, Form(form): Form<ThemeForm>) -> Result<Response, HttpError> {
    let theme = Theme::parse(&form.theme).ok_or_else(|| {
        HttpError::BadRequest(format!("Unknown theme {:?}: choose \"light\", \"dark\" or \"system\".", form.theme))
    })?;
    let text = |name: axum::http::HeaderName| headers.get(name).and_then(|value| value.to_str().ok());
    let back = back_to(text(REFERER), text(HOST));
    Ok((StatusCode::SEE_OTHER, [(SET_COOKIE, theme.set_cookie_value()), (LOCATION, back)]).into_response())
}

/// The referring page if it is on this site: the Referer's host is the
/// one the request was sent to, and its path is a plain local path (one
/// leading slash, no backslash or whitespace). Anything else goes home.
fn back_to(referer: Option<&str>, host: Option<&str>) -> String {
    let home = || "/".to_owned();
    let Some(referer) = referer else { return home() };
    let Some((_scheme, rest)) = referer.split_once("://") else { return home() };
    let (authority, path) = rest.split_at(rest.find(['/', '?', '#']).unwrap_or(rest.len()));
    if host.is_none_or(|host| !authority.eq_ignore_ascii_case(host)) {
        return home();
    }
    let path = path.split('#').next().unwrap_or_default();
    let path = if path.starts_with('/') { path.to_owned() } else { format!("/{path}") };
    local_path(&path).map_or_else(home, str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::back_to;

    const HOST: Option<&str> = Some("plinth.example:3000");

    #[test]
    fn the_redirect_goes_back_to_the_page_on_this_site() {
        assert_eq!(back_to(Some("http://plinth.example:3000/findings?severity=HIGH"), HOST), "/findings?severity=HIGH");
        assert_eq!(back_to(Some("https://PLINTH.example:3000/rules#top"), HOST), "/rules");
        assert_eq!(back_to(Some("http://plinth.example:3000?x=1"), HOST), "/?x=1");
    }

    #[test]
    fn another_site_or_an_unplain_path_goes_home() {
        assert_eq!(back_to(Some("https://evil.example/findings"), HOST), "/");
        assert_eq!(back_to(Some("http://x//evil.example/"), Some("x")), "/");
        assert_eq!(back_to(Some("http://plinth.example:3000//evil.example/"), HOST), "/");
        assert_eq!(back_to(Some("http://plinth.example:3000/\\evil.example"), HOST), "/");
        assert_eq!(back_to(Some("/workloads"), HOST), "/");
        assert_eq!(back_to(None, HOST), "/");
        assert_eq!(back_to(Some("http://plinth.example:3000/x"), None), "/");
    }
}
