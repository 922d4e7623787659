use std::time::Duration;

use reqwest::StatusCode;
use server::demo::DemoSpec;
use server::demo::load::load;
use server::sync::SyncOptions;
use server::sync::progress::LogProgress;
use sqlx::PgPool;

use crate::helpers::spawn_app;

async fn demo_checkout(pool: &PgPool) -> uuid::Uuid {
    let options =
        SyncOptions { full: true, concurrency: 4, incremental_margin: Duration::ZERO, weights: Default::default() };
    load(pool, DemoSpec::default(), &options, &LogProgress).await.expect("the demo loads");
    sqlx::query_scalar!("SELECT id FROM workloads WHERE name = 'Checkout service'")
        .fetch_one(pool)
        .await
        .expect("Checkout")
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_pillar_page_takes_the_score_apart_into_questions_controls_and_rules(pool: PgPool) {
    let workload = demo_checkout(&pool).await;
    let app = spawn_app(pool).await;

    let (status, html) = app.get_text(&format!("/workloads/{workload}/pillars/security")).await;

    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Checkout service"), "{html}");
    assert!(html.contains("Questions") && html.contains("Controls and rules"));
    assert!(html.contains("result-failed") && html.contains("result-passed"), "both passing and failing evidence");
    assert!(html.contains("arn:aws:"), "failing resources are named");
    assert!(html.contains("risk-high") || html.contains("risk-medium"));
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_pillar_page_joins_each_best_practice_with_the_teams_answer_and_its_evidence(pool: PgPool) {
    let workload = demo_checkout(&pool).await;
    let app = spawn_app(pool).await;

    let (status, html) = app.get_text(&format!("/workloads/{workload}/pillars/security")).await;

    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Best practices and their evidence"));
    assert!(html.contains("answer-selected") && html.contains("answer-missing"), "selected and missing practices");
    assert!(html.contains("evidence-chip"), "practices name their controls and rules");
    assert!(html.contains("/findings?workload="), "a control links to its findings in the workload");
    assert!(html.contains("No automated evidence"), "practices without evidence say a person decides");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn an_unknown_pillar_or_workload_is_a_not_found_page(pool: PgPool) {
    let workload = demo_checkout(&pool).await;
    let app = spawn_app(pool).await;

    for path in [
        format!("/workloads/{workload}/pillars/frugality"),
        "/workloads/00000000-0000-4000-8000-000000000000/pillars/security".to_owned(),
    ] {
        let (status, html) = app.get_text(&path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(html.contains("Page not found"), "{path}");
    }
}
