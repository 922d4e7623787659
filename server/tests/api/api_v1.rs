//! The JSON API at /api/v1: every route answers every role in JSON, errors
//! come in one shape with the right status, findings page by cursor, and the
//! OpenAPI 3.1 description lists exactly the routes there are.

use std::collections::HashSet;

use app::domain::Role;
use reqwest::StatusCode;
use reqwest::header::CONTENT_TYPE;
use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

use crate::helpers::{
    TestApp, client_with, insert_workload, load_demo, manual_remediation_item, session_for, spawn_app,
};

/// The API's GET routes, from its own description, with the workload's
/// and the remediation item's `{id}` filled in.
fn documented_gets(workload: Uuid, item: Uuid) -> Vec<String> {
    let document = server::api::openapi();
    document
        .paths
        .paths
        .iter()
        .filter(|(_, operations)| operations.get.is_some())
        .map(|(path, _)| {
            path.replace("/remediation/{id}", &format!("/remediation/{item}"))
                .replace("{id}", &workload.to_string())
                .replace("{pillar}", "security")
                .replace("{name}", "s3-bucket-ssl-requests-only")
        })
        .collect()
}

async fn get_json(client: &reqwest::Client, app: &TestApp, path: &str) -> (StatusCode, Value) {
    let response = client.get(app.url(path)).send().await.expect("the server answers");
    let status = response.status();
    let kind = response.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    assert!(kind.starts_with("application/json"), "{path} answers JSON, not {kind:?} ({status})");
    (status, response.json().await.expect("a JSON body"))
}

fn is_api_error(body: &Value) -> bool {
    body["code"].is_string() && body["message"].is_string() && body["fields"].is_array()
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn every_api_route_answers_every_role_and_refuses_anonymous_callers_in_json(pool: PgPool) {
    let workload = insert_workload(&pool, "Checkout", &[("security", 71), ("reliability", 64)]).await;
    let app = spawn_app(pool.clone()).await;
    let routes = documented_gets(workload, manual_remediation_item(&pool, workload, "Rotate the keys").await);
    assert!(routes.len() >= 13, "the API's read routes are described: {routes:?}");
    let source =
        server::db::sources::upsert(&pool, "prod", "aws", &serde_json::json!({}), 3600).await.expect("a source");
    sqlx::query!(
        "INSERT INTO config_rules (account_id, region, rule_name, source_id, owner, source_identifier, compliance)
         VALUES ('111122223333', 'eu-west-1', 's3-bucket-ssl-requests-only', $1, 'AWS', 'S3_BUCKET_SSL_REQUESTS_ONLY',
                 'COMPLIANT')",
        source
    )
    .execute(&pool)
    .await
    .expect("a rule to read");

    for path in &routes {
        let path = if path.ends_with("/export") { format!("{path}?format=json") } else { path.clone() };
        let (status, body) = get_json(&client_with(None), &app, &path).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path} refuses anonymous callers");
        assert!(is_api_error(&body) && body["code"] == "unauthorized", "{path}: {body}");
        for role in Role::ALL {
            let client = client_with(Some(&session_for(&pool, role).await));
            let (status, body) = get_json(&client, &app, &path).await;
            assert_eq!(status, StatusCode::OK, "{path} answers a {role}: {body}");
        }
    }
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn bad_input_gets_400_naming_the_field_and_unknown_things_get_404(pool: PgPool) {
    let workload = insert_workload(&pool, "Checkout", &[("security", 71)]).await;
    let app = spawn_app(pool.clone()).await;

    let (status, body) = get_json(&app.client, &app, "/api/v1/findings?severity=SEVERE&region=eu-west-1").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["code"], "invalid");
    assert_eq!(body["fields"][0]["field"], "severity");
    assert!(body["fields"][0]["message"].as_str().is_some_and(|m| m.contains("SEVERE")), "{body}");

    let (status, body) = get_json(&app.client, &app, "/api/v1/remediation?workload=&status=later").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a typed filter without a value, and an unknown status");
    let fields: Vec<&str> =
        body["fields"].as_array().expect("fields").iter().filter_map(|f| f["field"].as_str()).collect();
    assert_eq!(fields, ["workload", "status"]);

    let (status, body) = get_json(&app.client, &app, "/api/v1/findings?limit=1000").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a page holds at most 100");
    assert_eq!(body["fields"][0]["field"], "limit");

    let (status, body) = get_json(&app.client, &app, &format!("/api/v1/workloads/{workload}/export?format=docx")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["fields"][0]["field"], "format");

    for path in [
        "/api/v1/workloads/not-a-uuid".to_owned(),
        format!("/api/v1/workloads/{}/scores", Uuid::from_u128(7)),
        format!("/api/v1/workloads/{}/export", Uuid::from_u128(7)),
        "/api/v1/no-such-route".to_owned(),
        "/api/v1".to_owned(),
        "/api/v1/rules/s3%5Cbucket".to_owned(),
        "/api/v1/rules/%00".to_owned(),
    ] {
        let (status, body) = get_json(&app.client, &app, &path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(is_api_error(&body) && body["code"] == "not_found", "{path}: {body}");
    }
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn scores_are_the_ones_the_workload_page_shows(pool: PgPool) {
    let workload = insert_workload(&pool, "Checkout", &[("security", 71), ("reliability", 64)]).await;
    let app = spawn_app(pool.clone()).await;

    let (_, scores) = get_json(&app.client, &app, &format!("/api/v1/workloads/{workload}/scores")).await;

    assert_eq!(scores["workload"], workload.to_string());
    assert_eq!(scores["overall"], 68, "the rounded mean of 71 and 64");
    let pillars = scores["pillars"].as_array().expect("the pillars");
    assert_eq!(pillars.len(), 6);
    let security = pillars.iter().find(|p| p["pillar"] == "security").expect("security");
    assert_eq!(security["score"], 71.0);
    let (_, list) = get_json(&app.client, &app, "/api/v1/workloads").await;
    assert_eq!(list[0]["name"], "Checkout");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn findings_page_through_with_the_cursor_without_repeating_one(pool: PgPool) {
    load_demo(&pool).await;
    let app = spawn_app(pool.clone()).await;

    let (_, first) = get_json(&app.client, &app, "/api/v1/findings?compliance=FAILED&limit=100").await;
    let next = first["next"].as_str().expect("more than a page of failing findings").to_owned();
    let (_, second) =
        get_json(&app.client, &app, &format!("/api/v1/findings?compliance=FAILED&limit=100&after={next}")).await;

    let ids = |page: &Value| -> HashSet<String> {
        page["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .map(|f| f["id"].as_str().expect("an id").to_owned())
            .collect()
    };
    assert_eq!(ids(&first).len(), 100, "a page holds 100");
    assert!(!ids(&second).is_empty());
    assert!(ids(&first).is_disjoint(&ids(&second)), "the second page starts after the first");
    assert!(first["findings"].as_array().expect("findings").iter().all(|f| f["compliance"] == "FAILED"));
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn the_openapi_description_is_3_1_and_describes_its_routes_and_errors(pool: PgPool) {
    let workload = insert_workload(&pool, "Checkout", &[]).await;
    let app = spawn_app(pool.clone()).await;

    let (status, document) = get_json(&app.client, &app, "/api/v1/openapi.json").await;

    assert_eq!(status, StatusCode::OK);
    assert!(document["openapi"].as_str().is_some_and(|v| v.starts_with("3.1")), "{}", document["openapi"]);
    for path in ["/api/v1/workloads", "/api/v1/workloads/{id}/scores", "/api/v1/findings", "/api/v1/remediation"] {
        assert!(document["paths"][path]["get"].is_object(), "{path} is described");
    }
    for schema in ["ApiError", "WorkloadSummary", "FindingsPage", "Severity", "Pillar"] {
        assert!(document["components"]["schemas"][schema].is_object(), "{schema} has a schema");
    }
    assert_eq!(document["components"]["securitySchemes"]["token"]["scheme"], "bearer");
    let schemas = &document["components"]["schemas"];
    assert!(schemas["PackLine"]["properties"]["pack_name"].is_object(), "the rules page's conformance pack");
    assert!(schemas["ChecklistPackLine"]["properties"]["progress"].is_object(), "a checklist pack, apart from it");
    let text = document.to_string();
    for reference in text.split("\"#/components/schemas/").skip(1) {
        let name = reference.split('"').next().expect("a name");
        assert!(document["components"]["schemas"][name].is_object(), "the schema {name} that is referred to exists");
    }
    let mut operations = 0;
    for (path, item) in document["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("operations") {
            operations += 1;
            let responses = &operation["responses"];
            assert!(responses["429"].is_object(), "{method} {path} says a token may be told to slow down");
            if operation.get("requestBody").is_some() {
                for status in ["400", "415", "422"] {
                    assert!(responses[status].is_object(), "{method} {path} says how a body is refused: {status}");
                }
            }
            if method != "get" {
                assert!(responses["403"].is_object(), "{method} {path} says which role it needs");
            }
        }
    }
    assert_eq!(operations, documented_gets(workload, Uuid::nil()).len() + 5, "the reads and five writes");

    let docs = app.client.get(app.url("/api/v1/docs")).send().await.expect("the page");
    assert_eq!(docs.status(), StatusCode::OK);
    let page = docs.text().await.expect("HTML");
    assert!(page.contains("GET /api/v1/findings") && page.contains("/api/v1/openapi.json"), "people can read it");
    assert!(page.contains("PATCH /api/v1/remediation/{id}"), "the writes are on it");
    assert!(page.contains("Body: JSON <code>TickRequest</code>"), "with their bodies");
    assert!(page.contains(r#"<html lang="en" data-theme="system">"#), "in the browser's theme by default");
    let dark =
        app.client.get(app.url("/api/v1/docs")).header("cookie", format!("{}; plinth_theme=dark", app.session_cookie));
    let dark = dark.send().await.expect("the page").text().await.expect("HTML");
    assert!(dark.contains(r#"<html lang="en" data-theme="dark">"#), "in the theme the cookie chose");
}
