use reqwest::StatusCode;
use serde_json::Value;
use sqlx::PgPool;

use crate::helpers::{insert_workload, spawn_app};

const PILLAR_NAMES: [&str; 6] = [
    "Operational excellence",
    "Security",
    "Reliability",
    "Performance efficiency",
    "Cost optimization",
    "Sustainability",
];

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn the_overview_renders_the_pillars_and_the_workloads_from_the_database(pool: PgPool) {
    insert_workload(&pool, "Checkout service", &[("security", 82), ("reliability", 64)]).await;
    insert_workload(&pool, "Internal wiki", &[]).await;
    let app = spawn_app(pool).await;

    let (status, html) = app.get_text("/").await;

    assert_eq!(status, StatusCode::OK);
    for name in PILLAR_NAMES {
        assert!(html.contains(name), "the overview names the pillar {name}");
    }
    assert!(html.contains("Checkout service"));
    assert!(html.contains("Internal wiki"));
    assert!(html.contains("Security: 82 of 100"));
    assert!(html.contains("Overall: 73 of 100"), "the overall score is the mean of 82 and 64");
    assert!(!html.contains("No workloads yet"));
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn the_overview_says_how_to_get_data_when_there_are_no_workloads(pool: PgPool) {
    let app = spawn_app(pool).await;

    let (status, html) = app.get_text("/").await;

    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("No workloads yet"));
    assert!(html.contains("Getting data"));
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn the_overview_is_rendered_whole_for_browsers_without_javascript(pool: PgPool) {
    insert_workload(&pool, "Checkout service", &[("security", 82)]).await;
    let app = spawn_app(pool).await;

    let (_, html) = app.get_text("/").await;

    // Rendered in order, not streamed out of order behind a loading state
    // that only JavaScript would replace.
    assert!(!html.contains("Loading workloads"), "{html}");
    assert!(html.contains("/pkg/plinth.js"), "the page loads the hydration script");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn the_overview_server_function_answers_with_json(pool: PgPool) {
    let id = insert_workload(&pool, "Checkout service", &[("costOptimization", 41)]).await;
    let app = spawn_app(pool).await;

    let response = app.get("/api/overview").await;

    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.expect("a JSON body");
    assert_eq!(body["demo"], false);
    assert!(body["mapping_version"].as_str().is_some_and(|v| !v.is_empty()));
    let organisation = body["organisation"].as_array().expect("the organisation's pillar scores");
    assert_eq!(organisation.len(), 6);
    let cost = organisation.iter().find(|p| p["pillar"] == "costOptimization").expect("cost optimization");
    assert_eq!(cost["score"], 41, "the mean over the one workload with a score");
    let security = organisation.iter().find(|p| p["pillar"] == "security").expect("security");
    assert_eq!(security["score"], serde_json::Value::Null, "no workload has a security score");
    let workloads = body["workloads"].as_array().expect("a list of workloads");
    assert_eq!(workloads.len(), 1);
    assert_eq!(workloads[0]["id"], id.to_string());
    assert_eq!(workloads[0]["name"], "Checkout service");
    assert_eq!(workloads[0]["pillar_scores"][0]["pillar"], "costOptimization");
    assert_eq!(workloads[0]["pillar_scores"][0]["score"], 41);
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn an_unknown_path_is_a_not_found_page(pool: PgPool) {
    let app = spawn_app(pool).await;

    let (status, html) = app.get_text("/no/such/page").await;

    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("Page not found"));
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_large_organisation_shows_its_weakest_workloads_first_and_lists_all_elsewhere(pool: PgPool) {
    for n in 0..30 {
        insert_workload(&pool, &format!("Service {n:02}"), &[("security", 40 + n)]).await;
    }
    let app = spawn_app(pool).await;

    let (status, overview) = app.get_text("/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(overview.contains("The 25 weakest of 30 workloads"));
    assert!(overview.contains("Service 00"), "the weakest is listed");
    assert!(!overview.contains("Service 29"), "the strongest is not");

    let (status, all) = app.get_text("/workloads").await;
    assert_eq!(status, StatusCode::OK);
    assert!(all.contains("30 workloads, by name."));
    assert!(all.contains("Service 00") && all.contains("Service 29"));
}
