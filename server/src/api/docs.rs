//! `/api/v1/docs`: the OpenAPI document as a page people read, rendered on
//! the server from the same document the JSON serves.

use utoipa::openapi::OpenApi;
use utoipa::openapi::path::{HttpMethod, Operation, ParameterIn};

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

fn operation_html(method: &str, path: &str, operation: &Operation) -> String {
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
        r#"<section class="panel api-operation" id="{id}"><h3><code>{method} {path}</code></h3><p>{summary}</p>{description}{parameters}<h4>Responses</h4><ul>{responses}</ul></section>"#,
        id = escape(&format!("{method}-{path}")),
        path = escape(path),
        summary = escape(summary),
        description = if description.is_empty() { String::new() } else { format!("<p>{}</p>", escape(description)) },
        parameters = if parameters.is_empty() {
            String::new()
        } else {
            format!("<h4>Parameters</h4><ul>{}</ul>", parameters.join(""))
        },
        responses = responses.join(""),
    )
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
                operations.push(operation_html(method_name(&method), path, operation));
            }
        }
    }
    format!(
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
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
