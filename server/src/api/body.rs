//! Request bodies: JSON only, refused in the API's shape with the field
//! that was wrong.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use serde::de::DeserializeOwned;

use super::ApiFailure;

/// A JSON body. Without `Content-Type: application/json` it is 415; if it
/// is not JSON, 400; if a field is missing or of the wrong kind, 422 naming
/// the field.
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = ApiFailure;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(request.headers().get(CONTENT_TYPE).and_then(|value| value.to_str().ok())) {
            return Err(ApiFailure::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "Send the body as JSON, with `Content-Type: application/json`.",
            ));
        }
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| ApiFailure::new(rejection.status(), "invalid", rejection.body_text()))?;
        read(&bytes).map(Body)
    }
}

fn is_json(content_type: Option<&str>) -> bool {
    let Some(essence) = content_type.and_then(|value| value.split(';').next()) else { return false };
    let essence = essence.trim().to_ascii_lowercase();
    essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Reads a body, naming the field a data error is about: the path serde
/// was at, or for a missing field the field itself. Text with a NUL
/// character is refused by name too: no text in the database can hold it.
fn read<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiFailure> {
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|error| {
        ApiFailure::new(StatusCode::BAD_REQUEST, "invalid", format!("The body is not JSON: {error}."))
    })?;
    if let Some(field) = nul_in(&value, "") {
        return Err(ApiFailure::unprocessable(&field, "text cannot hold a NUL character"));
    }
    serde_path_to_error::deserialize(value).map_err(|error| {
        let path = error.path().to_string();
        let message = error.into_inner().to_string();
        let field = if path == "." { missing_field(&message).unwrap_or("body").to_owned() } else { path };
        ApiFailure::unprocessable(&field, message)
    })
}

/// The path of the first string (or key) with a NUL character, if any.
fn nul_in(value: &serde_json::Value, path: &str) -> Option<String> {
    let at = |key: &str| if path.is_empty() { key.to_owned() } else { format!("{path}.{key}") };
    match value {
        serde_json::Value::String(text) if text.contains('\0') => {
            Some(if path.is_empty() { "body".into() } else { path.into() })
        }
        serde_json::Value::Array(items) => {
            items.iter().enumerate().find_map(|(i, item)| nul_in(item, &format!("{path}[{i}]")))
        }
        serde_json::Value::Object(fields) => fields
            .iter()
            .find_map(|(key, field)| if key.contains('\0') { Some(at(key)) } else { nul_in(field, &at(key)) }),
        _ => None,
    }
}

/// The field serde says is missing: "missing field `state`".
fn missing_field(message: &str) -> Option<&str> {
    message.strip_prefix("missing field `")?.split('`').next()
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code, reason = "read to test the errors")]
    struct Change {
        state: app::domain::checklists::TickState,
        note: Option<String>,
    }

    #[test]
    fn json_is_told_by_its_media_type_in_any_case_with_parameters() {
        assert!(is_json(Some("application/json")));
        assert!(is_json(Some("Application/JSON; charset=utf-8")));
        assert!(is_json(Some("application/merge-patch+json")));
        assert!(!is_json(Some("application/x-www-form-urlencoded")));
        assert!(!is_json(Some("text/json-ish")));
        assert!(!is_json(None));
    }

    #[test]
    fn a_field_of_the_wrong_kind_is_named_with_a_422() {
        let failure = read::<Change>(br#"{"state": "finished"}"#).unwrap_err();
        assert_eq!(failure.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(failure.error.fields[0].field, "state");
        assert!(failure.error.fields[0].message.contains("unknown variant `finished`"), "{failure:?}");
    }

    #[test]
    fn a_missing_field_is_named_too() {
        let failure = read::<Change>(br#"{"note": "x"}"#).unwrap_err();
        assert_eq!(failure.error.fields[0].field, "state");
    }

    #[test]
    fn text_with_a_nul_character_is_named_with_a_422() {
        let failure = read::<Change>(br#"{"state": "done", "note": "a\u0000b"}"#).unwrap_err();
        assert_eq!(failure.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(failure.error.fields[0].field, "note");
    }

    #[test]
    fn a_body_that_is_not_json_is_a_400() {
        let failure = read::<Change>(br#"{"state": "done""#).unwrap_err();
        assert_eq!(failure.status, StatusCode::BAD_REQUEST);
        let failure = read::<Change>(br#"{"state": "done"} trailing"#).unwrap_err();
        assert_eq!(failure.status, StatusCode::BAD_REQUEST);
    }
}
