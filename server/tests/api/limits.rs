//! Limits that keep one person from holding the server: a search text of
//! at most 200 characters (pages and API alike, and so documented), and a
//! bucket of expensive reads per person as the API has per token.

use app::domain::Role;
use app::domain::params::MAX_SEARCH_CHARS;
use reqwest::StatusCode;
use serde_json::Value;
use sqlx::PgPool;

use crate::helpers::{script_as, spawn_app, spawn_app_with, test_settings};

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_search_longer_than_the_limit_is_refused_by_the_api_and_named_on_the_page(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;
    let script = script_as(&pool, Role::Viewer).await;
    let long = "s3".repeat(30_000);

    let api = script.get(app.url(&format!("/api/v1/findings?q={long}"))).send().await.expect("an answer");
    let status = api.status();
    let body: Value = api.json().await.expect("JSON");
    let (_, page) = app.get_text(&format!("/findings?q={long}")).await;
    let (_, rules) = app.get_text(&format!("/rules?q={long}")).await;
    let at_the_limit = script
        .get(app.url(&format!("/api/v1/findings?q={}", "a".repeat(MAX_SEARCH_CHARS))))
        .send()
        .await
        .expect("an answer");

    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["fields"][0]["field"], "q", "{body}");
    assert_eq!(at_the_limit.status(), StatusCode::OK);
    for page in [&page, &rules] {
        assert!(page.contains("not understood and are left out"), "the page says a filter was left out");
        assert!(page.contains("q = \u{201c}s3s3"), "and names the search");
        assert!(page.contains("(60000 characters)"), "it shows only the start of it");
        assert!(!page.contains(&long[..1000]), "the 60,000 characters are not sent back");
    }
    let document = serde_json::to_value(server::api::openapi()).expect("the description as JSON");
    for path in ["/api/v1/findings", "/api/v1/rules"] {
        let parameters = document["paths"][path]["get"]["parameters"].as_array().expect("parameters");
        let q = parameters.iter().find(|p| p["name"] == "q").expect("q is documented");
        assert_eq!(q["schema"]["maxLength"], MAX_SEARCH_CHARS, "{path}: {q}");
    }
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_person_searching_too_fast_gets_429_with_when_to_try_again(pool: PgPool) {
    let mut settings = test_settings();
    settings.http.page_reads.requests_per_second = 0.1;
    settings.http.page_reads.burst = 3;
    let app = spawn_app_with(pool.clone(), settings).await;
    let script = script_as(&pool, Role::Viewer).await;

    let mut statuses = Vec::new();
    for n in 0..4 {
        statuses.push(app.get(&format!("/findings?q=bucket-{n}")).await);
    }
    let last = statuses.pop().expect("a fourth answer");
    let cheap = app.get("/workloads").await;
    let token = script.get(app.url("/api/v1/findings")).send().await.expect("an answer");

    assert!(statuses.iter().all(|response| response.status() == StatusCode::OK), "the burst is served");
    assert_eq!(last.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = last.headers()["retry-after"].to_str().expect("ASCII").parse().expect("seconds");
    assert!((1..=10).contains(&wait), "try again in {wait} s");
    assert!(last.text().await.expect("a body").contains("try again in"));
    assert_eq!(cheap.status(), StatusCode::OK, "other pages are not limited");
    assert_eq!(token.status(), StatusCode::OK, "a token has its own bucket");
}
