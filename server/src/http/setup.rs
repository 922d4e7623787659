//! What the server shows while no user exists: how to create the first
//! admin. It replaces every page until then.

use axum::http::StatusCode;
use axum::http::header::{CONTENT_TYPE, RETRY_AFTER};
use axum::response::{IntoResponse, Response};

/// The command that creates the first admin.
pub const FIRST_ADMIN_COMMAND: &str = "plinth user add --email you@example.com --role admin";

pub fn setup_page() -> Response {
    let body = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Create the first admin · Plinth</title>\
         <link rel=\"stylesheet\" href=\"/pkg/plinth.css\"></head>\
         <body><main id=\"main\" class=\"page setup\">\
         <h1 class=\"page-title\">Plinth has no users yet</h1>\
         <p>Plinth holds your organisation's security weaknesses, so it shows nothing until someone can \
         sign in. Create the first admin on the server, where Plinth runs:</p>\
         <pre><code>{FIRST_ADMIN_COMMAND}</code></pre>\
         <p>It asks for a password (at least 12 characters). Then reload this page and sign in. \
         The admin adds everyone else on the Users page.</p>\
         </main></body></html>"
    );
    (StatusCode::SERVICE_UNAVAILABLE, [(CONTENT_TYPE, "text/html; charset=utf-8"), (RETRY_AFTER, "30")], body)
        .into_response()
}
