//! `/api/v1/docs`: the OpenAPI document as a page people read, rendered on
//! the server from the same document the JSON serves.

use utoipa::openapi::path::{HttpMethod, Operation, ParameterIn};
use utoipa::openapi::schema::Schema;
use utoipa::openapi::{OpenApi, RefOr};

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn method_name(method: &HttpMethod) -> &'static str {
    match method {
        HttpMethod::Get => "GET",
        HttpMethod::Post => "POST",
        HttpMethod::Put => "PUT",
        HttpMethod::Delete => "DELETE",
        HttpMethod::Options => "OPTIONS",
        HttpMethod::Head => "HEAD",
        HttpMethod::Patch => "PATCH",
        HttpMethod::Trace => "TRACE",
    }
}

/// The schema a reference names, or the schema itself.
fn resolve<'a>(document: &'a OpenApi, schema: &'a RefOr<Schema>) -> Option<(Option<&'a str>, &'a Schema)> {
    match schema {
        RefOr::T(schema) => Some((None, schema)),
        RefOr::Ref(reference) => {
            let name = reference.ref_location.rsplit('/').next()?;
            match document.components.as_ref()?.schemas.get(name)? {
                RefOr::T(schema) => Some((Some(name), schema)),
                RefOr::Ref(_) => None,
            }
        }
    }
}

fn description_of(schema: &RefOr<Schema>) -> Option<&str> {
    match schema {
        RefOr::T(Schema::Object(object)) => object.description.as_deref(),
        RefOr::T(Schema::OneOf(one_of)) => one_of.description.as_deref(),
        RefOr::T(Schema::AllOf(all_of)) => all_of.description.as_deref(),
        RefOr::T(Schema::Array(array)) => array.description.as_deref(),
        _ => None,
    }
}

/// A JSON body's fields, each with whether it is required and what it says.
fn body_html(document: &OpenApi, operation: &Operation) -> String {
    let Some(content) = operation.request_body.as_ref().and_then(|body| body.content.get("application/json")) else {
        return String::new();
    };
    let Some((name, Schema::Object(object))) = content.schema.as_ref().and_then(|schema| resolve(document, schema))
    else {
        return String::new();
    };
    let fields: Vec<String> = object
        .properties
        .iter()
        .map(|(field, schema)| {
            let required = if object.required.contains(field) { " (required)" } else { "" };
            let description = description_of(schema).map(|d| format!(": {}", escape(d))).unwrap_or_default();
            format!("<li><code>{}</code>{required}{description}</li>", escape(field))
        })
        .collect();
    format!(
        "<h3>Body: JSON{}</h3><ul>{}</ul>",
        name.map(|name| format!(" <code>{}</code>", escape(name))).unwrap_or_default(),
        fields.join("")
    )
}

fn operation_html(document: &OpenApi, method: &str, path: &str, operation: &Operation) -> String {
    let summary = operation.summary.as_deref().unwrap_or_default();
    let description = operation.description.as_deref().unwrap_or_default();
    let parameters: Vec<String> = operation
        .parameters
        .iter()
        .flatten()
        .map(|p| {
            format!(
                "<li><code>{}</code> ({}){}</li>",
                escape(&p.name),
                match p.parameter_in {
                    ParameterIn::Path => "path",
                    ParameterIn::Query => "query",
                    ParameterIn::Header => "header",
                    ParameterIn::Cookie => "cookie",
                },
                p.description.as_deref().map(|d| format!(": {}", escape(d))).unwrap_or_default()
            )
        })
        .collect();
    let responses: Vec<String> = operation
        .responses
        .responses
        .iter()
        .map(|(status, response)| {
            let description = match response {
                utoipa::openapi::RefOr::T(response) => escape(&response.description),
                utoipa::openapi::RefOr::Ref(reference) => escape(&reference.ref_location),
            };
            format!("<li><code>{}</code> {description}</li>", escape(status))
        })
        .collect();
    format!(
        r#"<section class="panel api-operation" id="{id}"><h2><code>{method} {path}</code></h2><p>{summary}</p>{description}{parameters}{body}<h3>Responses</h3><ul>{responses}</ul></section>"#,
        id = escape(&format!("{method}-{path}")),
        path = escape(path),
        summary = escape(summary),
        description = if description.is_empty() { String::new() } else { format!("<p>{}</p>", escape(description)) },
        parameters = if parameters.is_empty() {
            String::new()
        } else {
            format!("<h3>Parameters</h3><ul>{}</ul>", parameters.join(""))
        },
        body = body_html(document, operation),
        responses = responses.join(""),
    )
}

/// The page in the theme the request's cookie chose, as every other page
/// is: "system" (the browser's preference) without one.
pub fn themed(page: &str, headers: &axum::http::HeaderMap) -> String {
    let theme = headers
        .get(axum::http::header::COOKIE)
        .and_then(|value| value.to_str().ok())
        .map(app::theme::Theme::from_cookie_header)
        .unwrap_or_default();
    page.replacen(r#"<html lang="en">"#, &format!(r#"<html lang="en" data-theme="{}">"#, theme.as_str()), 1)
}

/// The whole page.
pub fn page(document: &OpenApi) -> String {
    let mut operations = Vec::new();
    for (path, item) in document.paths.paths.iter() {
        for (method, operation) in [
            (HttpMethod::Get, &item.get),
            (HttpMethod::Post, &item.post),
            (HttpMethod::Put, &item.put),
            (HttpMethod::Patch, &item.patch),
            (HttpMethod::Delete, &item.delete),
        ] {
            if let Some(operation) = operation {
                operations.push(operation_html(document, method_name(&method), path, operation));
            }
        }
    }
    format!(
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>API · Plinth</title><link rel="stylesheet" href="/pkg/plinth.css"></head>
<body><main id="main" class="page">
<h1 class="page-title">{title}, version {version}</h1>
<p class="lead">{description}</p>
<p>The machine-readable description: <a href="/api/v1/openapi.json">/api/v1/openapi.json</a> (OpenAPI 3.1). Tokens: <a href="/settings/tokens">/settings/tokens</a>.</p>
<p>Every error is JSON: <code>{{"code": "not_found", "message": "…", "fields": [{{"field": "…", "message": "…"}}]}}</code>, with 400 or 422 for bad input (the field named), 401, 403, 404, 409, 429 and 503 with <code>Retry-After</code>.</p>
{operations}
</main></body></html>"#,
        title = escape(&document.info.title),
        version = escape(&document.info.version),
        description = escape(document.info.description.as_deref().unwrap_or_default()),
        operations = operations.join("\n"),
    )
}
