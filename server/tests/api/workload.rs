use reqwest::StatusCode;
use serde_json::Value;
use sqlx::PgPool;

use crate::helpers::{insert_workload, spawn_app};

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_workload_page_shows_its_six_pillars_with_their_components(pool: PgPool) {
    let id = insert_workload(&pool, "Checkout service", &[("security", 82), ("reliability", 64)]).await;
    sqlx::query!(
        "UPDATE pillar_scores SET review = 90, evidence = 68.6, review_coverage = 0.75, evidence_coverage = 0.5
         WHERE workload_id = $1 AND pillar = 'security'",
        id
    )
    .execute(&pool)
    .await
    .expect("components");
    let app = spawn_app(pool).await;

    let (status, html) = app.get_text(&format!("/workloads/{id}")).await;

    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<h1 class=\"page-title\">Checkout service"), "{html}");
    assert!(html.contains("Overall: 73 of 100"));
    assert!(html.contains("Security: 82 of 100"));
    assert!(html.contains("Review: 90 of 100, 75 % assessed"));
    assert!(html.contains("Evidence: 69 of 100, 50 % assessed"));
    assert!(html.contains("Checklist: no data"));
    for pillar in ["Operational excellence", "Performance efficiency", "Cost optimization", "Sustainability"] {
        assert!(html.contains(pillar), "{pillar}");
    }
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn the_overview_links_each_workload_to_its_page(pool: PgPool) {
    let id = insert_workload(&pool, "Checkout service", &[]).await;
    let app = spawn_app(pool).await;

    let (_, html) = app.get_text("/").await;

    assert!(html.contains(&format!("href=\"/workloads/{id}\"")), "{html}");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn an_unknown_or_malformed_workload_is_a_not_found_page(pool: PgPool) {
    let app = spawn_app(pool).await;

    for path in ["/workloads/00000000-0000-4000-8000-000000000000", "/workloads/not-a-workload"] {
        let (status, html) = app.get_text(path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(html.contains("Page not found"), "{path}");
    }
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn the_workload_server_function_answers_with_json(pool: PgPool) {
    let id = insert_workload(&pool, "Checkout service", &[("security", 82)]).await;
    let app = spawn_app(pool).await;

    let response = app.get(&format!("/api/workload?id={id}")).await;

    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.expect("a JSON body");
    assert_eq!(body["name"], "Checkout service");
    assert_eq!(body["pillars"].as_array().map(Vec::len), Some(6));
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_reviewed_workload_shows_its_trend_milestones_and_questions_by_pillar(pool: PgPool) {
    crate::helpers::load_demo(&pool).await;
    let id: uuid::Uuid = sqlx::query_scalar!("SELECT id FROM workloads WHERE name = 'Checkout service'")
        .fetch_one(&pool)
        .await
        .expect("Checkout");
    let app = spawn_app(pool).await;

    let (status, html) = app.get_text(&format!("/workloads/{id}")).await;

    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("chart-trend"), "the demo has a history to draw");
    assert!(html.contains("chart-marker"), "milestones are marked on the trend");
    assert!(html.contains("Review by pillar"));
    assert!(html.contains("High risk") && html.contains("Missing: "), "questions at risk name what is missing");
    assert!(html.contains("Improvement plan"));
}
