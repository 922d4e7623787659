//! `/metrics` for operators: off without a token, closed to anyone without
//! it, and with it the HTTP latency per route, the sync figures per source
//! and service, and the database pool in Prometheus' text format.

use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE};
use sqlx::PgPool;

use crate::helpers::{client_with, load_demo, spawn_app, spawn_app_with, test_settings};

const TOKEN: &str = "scraper-token-for-the-tests";

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn metrics_are_off_without_a_configured_token(pool: PgPool) {
    let app = spawn_app(pool).await;

    let response = client_with(None).get(app.url("/metrics")).send().await.expect("answers");

    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(response.text().await.expect("a body").contains("metrics.token"), "it says how to turn them on");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_scraper_with_the_token_reads_latency_syncs_and_the_pool(pool: PgPool) {
    load_demo(&pool).await;
    let mut settings = test_settings();
    settings.metrics.token = Some(TOKEN.to_owned().into());
    let app = spawn_app_with(pool.clone(), settings).await;
    for _ in 0..3 {
        assert_eq!(app.get("/api/v1/workloads").await.status(), StatusCode::OK);
    }
    assert_eq!(app.get("/api/v1/workloads/not-an-id").await.status(), StatusCode::NOT_FOUND);
    let scraper = client_with(None);

    let anonymous = scraper.get(app.url("/metrics")).send().await.expect("answers");
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED, "no token, no metrics");
    let wrong = scraper.get(app.url("/metrics")).header(AUTHORIZATION, "Bearer guess").send().await.expect("answers");
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let scraped = scraper
        .get(app.url("/metrics"))
        .header(AUTHORIZATION, format!("Bearer {TOKEN}"))
        .send()
        .await
        .expect("answers");

    assert_eq!(scraped.status(), StatusCode::OK);
    assert!(scraped.headers()[CONTENT_TYPE].to_str().expect("a type").starts_with("text/plain; version=0.0.4"));
    let text = scraped.text().await.expect("the metrics");
    for line in [
        r#"plinth_http_request_duration_seconds_count{method="GET",route="/api/v1/workloads",status="200"} 3"#,
        r#"plinth_http_request_duration_seconds_count{method="GET",route="/api/v1/workloads/{id}",status="404"} 1"#,
        r#"plinth_sync_runs_total{source="demo",status="succeeded"} 1"#,
        "# TYPE plinth_sync_errors_total counter",
        r#"plinth_sync_errors_total{service="security_hub"} 0"#,
        "# TYPE plinth_db_pool_connections gauge",
    ] {
        assert!(text.contains(line), "the metrics have {line}:\n{text}");
    }
    let fetched = text
        .lines()
        .find_map(|l| l.strip_prefix(r#"plinth_sync_records_fetched_total{service="security_hub"} "#))
        .and_then(|n| n.parse::<u64>().ok())
        .expect("records fetched from Security Hub");
    assert!(fetched >= 1000, "the demo's findings are counted: {fetched}");
    assert!(text.contains("plinth_sync_last_success_timestamp_seconds{source=\"demo\"}"));
}
