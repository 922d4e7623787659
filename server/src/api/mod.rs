//! The JSON API, `/api/v1`: thin handlers over the same reads the pages
//! use, sent as the API's own types (`contract`), not the pages' view
//! models; described by an OpenAPI 3.1 document generated from the
//! handlers and those types (`/api/v1/openapi.json`, read at
//! `/api/v1/docs`).
//! Callers are the browser session or a personal token sent as
//! `Authorization: Bearer`; the gate has resolved either before a handler
//! runs. Every error has one shape: [`ApiError`].

mod body;
mod checklists;
mod contract;
mod docs;
mod error;
mod query;
mod reads;
mod remediation;
mod sync;

use app::domain::{Role, SignedIn};
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
        reads::RecordParam,
        remediation::Flag,
        remediation::RemediationSortParam,
        contract::OnboardingFilter
    )),
    tags(
        (name = "workloads", description = "Workloads and their scores"),
        (name = "findings", description = "Security Hub findings"),
        (name = "evidence", description = "Config rules and conformance packs"),
        (name = "checklists", description = "Checklists: read by everyone, ticked by editors"),
        (name = "remediation", description = "Remediation items: read by everyone, written by editors"),
        (name = "sync", description = "Sources and sync runs: read by everyone, started by admins"),
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

/// The responses every operation shares: 429 for a token that calls too
/// fast, and for one with a body, the three ways a body is refused.
fn add_shared_responses(openapi: &mut utoipa::openapi::OpenApi) {
    let error = |description: &str| -> utoipa::openapi::RefOr<utoipa::openapi::Response> {
        utoipa::openapi::ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                utoipa::openapi::ContentBuilder::new()
                    .schema(Some(utoipa::openapi::Ref::from_schema_name("ApiError")))
                    .build(),
            )
            .build()
            .into()
    };
    let shared = [("429", "The token called faster than its limit; `Retry-After` says when to try again")];
    let with_body = [
        ("400", "The body is not JSON"),
        ("415", "The body is not sent as `application/json`"),
        ("422", "A field is missing or not valid; `fields` names it"),
    ];
    for item in openapi.paths.paths.values_mut() {
        for operation in
            [&mut item.get, &mut item.post, &mut item.put, &mut item.patch, &mut item.delete].into_iter().flatten()
        {
            let has_body = operation.request_body.is_some();
            let responses = &mut operation.responses.responses;
            for (status, description) in shared.iter().chain(with_body.iter().filter(|_| has_body)) {
                responses.entry((*status).to_owned()).or_insert_with(|| error(description));
            }
        }
    }
}

/// What every text parameter matches: no NUL character, which no text in
/// the database can hold (the API refuses it by name).
const TEXT_PATTERN: &str = "^[^\\u0000]*$";

/// Gives every plain text parameter (no format, no enumeration) the
/// pattern that says it has no NUL character. (A body's text with one is
/// a 422 naming the field, as for any field the schema cannot judge.)
fn forbid_nul_in_text(openapi: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::RefOr;
    use utoipa::openapi::schema::{ArrayItems, Schema, SchemaType, Type};

    fn visit(schema: &mut RefOr<Schema>) {
        let RefOr::T(schema) = schema else { return };
        match schema {
            Schema::Object(object) => {
                let text = match &object.schema_type {
                    SchemaType::Type(kind) => *kind == Type::String,
                    SchemaType::Array(kinds) => kinds.contains(&Type::String),
                    SchemaType::AnyValue => false,
                };
                if text && object.format.is_none() && object.enum_values.is_none() && object.pattern.is_none() {
                    object.pattern = Some(TEXT_PATTERN.to_owned());
                }
                object.properties.values_mut().for_each(visit);
            }
            Schema::Array(array) => {
                if let ArrayItems::RefOrSchema(items) = &mut array.items {
                    visit(items);
                }
            }
            Schema::OneOf(one_of) => one_of.items.iter_mut().for_each(visit),
            Schema::AllOf(all_of) => all_of.items.iter_mut().for_each(visit),
            Schema::AnyOf(any_of) => any_of.items.iter_mut().for_each(visit),
            _ => {}
        }
    }

    for item in openapi.paths.paths.values_mut() {
        for operation in
            [&mut item.get, &mut item.post, &mut item.put, &mut item.patch, &mut item.delete].into_iter().flatten()
        {
            for parameter in operation.parameters.iter_mut().flatten() {
                if let Some(schema) = parameter.schema.as_mut() {
                    visit(schema);
                }
            }
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
        .routes(routes!(reads::export))
        .routes(routes!(checklists::checklist))
        .routes(routes!(checklists::tick))
        .routes(routes!(remediation::remediation, remediation::create))
        .routes(routes!(remediation::item, remediation::update))
        .routes(routes!(remediation::comment))
        .routes(routes!(sync::sync_runs))
        .routes(routes!(sync::accounts))
        .routes(routes!(sync::start))
        .split_for_parts();
    add_shared_responses(&mut document);
    forbid_nul_in_text(&mut document);
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
        .route(
            &format!("{BASE}/docs"),
            get(move |headers: axum::http::HeaderMap| {
                std::future::ready(axum::response::Html(docs::themed(&page, &headers)))
            }),
        )
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
pub struct Caller(pub SignedIn);

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiFailure;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<SignedIn>().cloned().map(Caller).ok_or_else(ApiFailure::unauthorized)
    }
}

impl Caller {
    /// The caller if their role (a token's, no higher than its user's)
    /// reaches `needed`; 403 otherwise.
    fn at_least(self, needed: Role) -> Result<SignedIn, ApiFailure> {
        if self.0.may(needed) { Ok(self.0) } else { Err(ApiFailure::forbidden(&self.0, needed)) }
    }
}

/// The caller, an editor or admin: refused before the body is read.
pub struct Editor(pub SignedIn);

impl<S: Send + Sync> FromRequestParts<S> for Editor {
    type Rejection = ApiFailure;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Caller::from_request_parts(parts, state).await?.at_least(Role::Editor).map(Editor)
    }
}

/// The caller, an admin.
pub struct Admin(pub SignedIn);

impl<S: Send + Sync> FromRequestParts<S> for Admin {
    type Rejection = ApiFailure;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Caller::from_request_parts(parts, state).await?.at_least(Role::Admin).map(Admin)
    }
}

/// The path's `{id}`, a UUID; anything else names nothing here (404),
/// answered before a body is read.
pub struct PathId(pub uuid::Uuid);

impl<S: Send + Sync> FromRequestParts<S> for PathId {
    type Rejection = ApiFailure;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let params = axum::extract::RawPathParams::from_request_parts(parts, state).await.ok();
        let id = params.as_ref().and_then(|params| params.iter().find(|(name, _)| *name == "id").map(|(_, id)| id));
        let id = id.unwrap_or_default();
        uuid::Uuid::parse_str(id).map(PathId).map_err(|_| {
            ApiFailure::new(
                axum::http::StatusCode::NOT_FOUND,
                "not_found",
                format!("Nothing here has the id {id:?}; ids are UUIDs."),
            )
        })
    }
}

/// The `Idempotency-Key` header of a write a client may send again: 1 to
/// 200 visible ASCII characters. The same key from the same person finds
/// the first write's result instead of making a second.
pub struct IdempotencyKey(pub Option<String>);

/// The header's name, as the OpenAPI description gives it.
pub const IDEMPOTENCY_KEY: &str = "Idempotency-Key";

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKey {
    type Rejection = ApiFailure;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let Some(value) = parts.headers.get(IDEMPOTENCY_KEY) else { return Ok(IdempotencyKey(None)) };
        let key = value
            .to_str()
            .ok()
            .filter(|key| (1..=200).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic()));
        key.map(|key| IdempotencyKey(Some(key.to_owned()))).ok_or_else(|| {
            ApiFailure::invalid_fields(vec![FieldError {
                field: IDEMPOTENCY_KEY.to_owned(),
                message: "an idempotency key is 1 to 200 visible ASCII characters".to_owned(),
            }])
        })
    }
}
