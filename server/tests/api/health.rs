use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

use crate::helpers::{spawn_app, spawn_server, test_settings};

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn healthz_answers_while_the_process_is_up(pool: PgPool) {
    let app = spawn_app(pool).await;
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.expect("a JSON body");
    assert_eq!(body["status"], "ok");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn readyz_is_ready_when_the_database_answers(pool: PgPool) {
    let app = spawn_app(pool).await;
    let response = app.get("/readyz").await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.expect("a JSON body");
    assert_eq!(body["status"], "ready");
}

#[tokio::test]
async fn readyz_is_unavailable_with_a_reason_when_the_database_is_unreachable() {
    // Nothing listens on port 1 of loopback.
    let pool = PgPoolOptions::new()
        .acquire_timeout(Duration::from_millis(500))
        .connect_lazy("postgres://postgres@127.0.0.1:1/plinth")
        .expect("a lazy pool");
    let app = spawn_server(pool, test_settings()).await;

    let response = app.get("/readyz").await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = response.json().await.expect("a JSON body");
    assert_eq!(body["status"], "unavailable");
    assert!(body["reason"].as_str().is_some_and(|reason| reason.contains("database")), "{body}");

    // The process itself is still healthy.
    assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn every_answer_names_its_request_and_keeps_the_id_a_load_balancer_gave_it(pool: PgPool) {
    let app = spawn_app(pool).await;
    let fresh = app.get("/healthz").await;
    let id = fresh.headers()["x-request-id"].to_str().expect("a visible id").to_owned();
    assert!(uuid::Uuid::parse_str(&id).is_ok(), "a new request gets a new id: {id}");
    let other = app.get("/healthz").await;
    assert_ne!(other.headers()["x-request-id"], id.as_str(), "each request has its own");

    let given = app.client.get(app.url("/no/such/page")).header("x-request-id", "alb-7.trace_1").send().await;
    let given = given.expect("an answer");
    assert_eq!(given.headers()["x-request-id"], "alb-7.trace_1", "even a 404 names the request it answers");
}
