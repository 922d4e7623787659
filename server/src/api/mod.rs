//! The JSON API, `/api/v1`: thin handlers over the same reads the pages
//! use, described by an OpenAPI 3.1 document generated from the handlers
//! and the domain types (`/api/v1/openapi.json`, read at `/api/v1/docs`).
//! Callers are the browser session or a personal token sent as
//! `Authorization: Bearer`; the gate has resolved either before a handler
//! runs. Every error has one shape: [`ApiError`].

mod docs;
mod error;
mod reads;

use std::collections::HashMap;

use axum::Json;
use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use utoipa::OpenApi;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::http::AppState;
pub use error::{ApiError, ApiFailure, FieldError};

/// Where the API lives; a breaking change gets a new version beside it.
pub const BASE: &str = "/api/v1";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Plinth API",
        version = "1",
        description = "Scores, evidence and work items of Plinth's Well-Architected reviews. \
                       Authenticate with the browser session or a personal API token \
                       (`Authorization: Bearer plinth_…`, created on /settings/tokens). \
                       Every error is an `ApiError`."
    ),
    modifiers(&Security),
    security(("token" = []), ("session" = [])),
    // The query parameters' enums: routes! collects only what bodies use.
    components(schemas(
        ApiError,
        FieldError,
        reads::ExportFormat,
        reads::FindingSortParam,
        reads::Flag,
        reads::RecordParam,
        reads::RemediationSortParam
    )),
    tags(
        (name = "workloads", description = "Workloads and their scores"),
        (name = "findings", description = "Security Hub findings"),
        (name = "evidence", description = "Config rules and conformance packs"),
        (name = "remediation", description = "Remediation items"),
        (name = "sync", description = "Sources and sync runs"),
    )
)]
struct ApiDoc;

struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("plinth_…").build()),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(crate::auth::sessions::COOKIE))),
        );
    }
}

/// Any route may answer a token that calls too fast: 429 on every operation.
fn add_rate_limit_response(openapi: &mut utoipa::openapi::OpenApi) {
    let too_fast = utoipa::openapi::ResponseBuilder::new()
        .description("The token called faster than its limit; `Retry-After` says when to try again")
        .content(
            "application/json",
            utoipa::openapi::ContentBuilder::new()
                .schema(Some(utoipa::openapi::Ref::from_schema_name("ApiError")))
                .build(),
        )
        .build();
    for item in openapi.paths.paths.values_mut() {
        for operation in
            [&mut item.get, &mut item.post, &mut item.put, &mut item.patch, &mut item.delete].into_iter().flatten()
        {
            operation.responses.responses.entry("429".to_owned()).or_insert_with(|| too_fast.clone().into());
        }
    }
}

/// The API's routes and its description, from the same list.
fn split() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (routes, mut document) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(reads::workloads))
        .routes(routes!(reads::workload))
        .routes(routes!(reads::scores))
        .routes(routes!(reads::score_history))
        .routes(routes!(reads::explain))
        .routes(routes!(reads::rules))
        .routes(routes!(reads::rule))
        .routes(routes!(reads::findings))
        .routes(routes!(reads::remediation))
        .routes(routes!(reads::sync_runs))
        .routes(routes!(reads::export))
        .split_for_parts();
    add_rate_limit_response(&mut document);
    (routes, document)
}

/// The OpenAPI document, as served.
pub fn openapi() -> utoipa::openapi::OpenApi {
    split().1
}

/// The API's routes, to merge into the app's router.
pub fn router() -> Router<AppState> {
    let (routes, document) = split();
    let json = serde_json::to_value(&document).unwrap_or_default();
    let page = docs::page(&document);
    routes
        .route(&format!("{BASE}/openapi.json"), get(move || std::future::ready(Json(json.clone()))))
        .route(&format!("{BASE}/docs"), get(move || std::future::ready(axum::response::Html(page.clone()))))
        .route(&format!("{BASE}/{{*rest}}"), any(unknown_route))
        .route(BASE, any(unknown_route))
}

async fn unknown_route() -> Response {
    ApiFailure::new(
        axum::http::StatusCode::NOT_FOUND,
        "not_found",
        "There is no such API route; /api/v1/docs lists them.",
    )
    .into_response()
}

/// The caller, signed in by session or token; 401 in the API's shape.
pub struct Caller(pub app::domain::SignedIn);

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiFailure;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<app::domain::SignedIn>().cloned().map(Caller).ok_or_else(ApiFailure::unauthorized)
    }
}

/// A query string as name → value, the first value of a repeated name.
fn params(query: Option<&str>) -> HashMap<String, String> {
    let mut params = HashMap::new();
    for (name, value) in form_urlencoded_pairs(query.unwrap_or_default()) {
        params.entry(name).or_insert(value);
    }
    params
}

fn form_urlencoded_pairs(query: &str) -> Vec<(String, String)> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(query).unwrap_or_default()
}
