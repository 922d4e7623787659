//! Accounts by name everywhere, and the onboarding table on the sync page,
//! the sources admin page and the API, on the demo organisation.

use app::domain::findings::FindingQuery;
use app::ports::DashboardReads;
use reqwest::StatusCode;
use serde_json::Value;
use sqlx::PgPool;

use crate::helpers::{dashboard, load_demo, spawn_app};

const STAGING: &str = "271828182845";

/// Staging's read role refuses Plinth, as the last sync found.
async fn staging_role_refused(pool: &PgPool) {
    sqlx::query!(
        "UPDATE source_accounts SET slices_failed = 3, last_synced = NULL, error_operation = 'AssumeRole',
                error_code = 'AccessDenied',
                error_message = 'could not assume the role arn:aws:iam::271828182845:role/PlinthRead in account 271828182845'
         WHERE account_id = $1",
        STAGING
    )
    .execute(pool)
    .await
    .expect("staging fails");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn findings_carry_their_account_name_and_the_account_filter_takes_a_name_in_any_case(pool: PgPool) {
    load_demo(&pool).await;
    let dashboard = dashboard(&pool);

    let by_name = dashboard
        .findings(FindingQuery { account: Some("sTaGiNg".into()), ..FindingQuery::default() })
        .await
        .expect("the findings");
    let by_id = dashboard
        .findings(FindingQuery { account: Some(STAGING.into()), ..FindingQuery::default() })
        .await
        .expect("the findings");
    let nobody = dashboard
        .findings(FindingQuery { account: Some("No such account".into()), ..FindingQuery::default() })
        .await
        .expect("the findings");

    assert!(!by_name.findings.is_empty());
    assert_eq!(by_name.total, by_id.total, "a name selects what its id selects");
    assert!(by_name.findings.iter().all(|f| f.account_id == STAGING && f.account_name.as_deref() == Some("Staging")));
    assert_eq!(nobody.total, 0, "a name no account has selects nothing");
    assert_eq!(by_id.options.account_names.get(STAGING).map(String::as_str), Some("Staging"));
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn the_sync_and_sources_pages_list_every_account_and_filter_the_failing_ones(pool: PgPool) {
    load_demo(&pool).await;
    staging_role_refused(&pool).await;
    let app = spawn_app(pool.clone()).await;

    let (status, all) = app.get_text("/sync").await;
    assert_eq!(status, StatusCode::OK);
    for name in ["Production", "Staging", "Shared services"] {
        assert!(all.contains(&format!("{name} <code>")), "{name} is shown by name beside its id");
    }
    assert!(all.contains("Root / Workloads / Production"), "with its organizational unit");
    assert!(all.contains("Failing (1)") && all.contains("Never synced (1)"), "the filters count the accounts");

    let (_, failing) = app.get_text("/sync?accounts=failing").await;
    assert!(failing.contains("Role not assumed") && failing.contains("AccessDenied"));
    assert!(failing.contains("arn:aws:iam::271828182845:role/PlinthRead"), "the role it tried");
    assert!(!failing.contains("data-account=\"314159265358\""), "production syncs: it is not listed");

    let (status, sources) = app.get_text("/admin/sources?accounts=never").await;
    assert_eq!(status, StatusCode::OK);
    assert!(sources.contains("data-account=\"271828182845\"") && !sources.contains("data-account=\"161803398874\""));
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn the_api_lists_the_accounts_with_their_counts_and_refuses_an_unknown_filter(pool: PgPool) {
    load_demo(&pool).await;
    staging_role_refused(&pool).await;
    let app = spawn_app(pool.clone()).await;

    let body: Value = app.get("/api/v1/accounts?status=failing").await.json().await.expect("JSON");
    assert_eq!(body["matching"], 1);
    assert_eq!(body["accounts"][0]["account_id"], STAGING);
    assert_eq!(body["accounts"][0]["name"], "Staging");
    assert_eq!(body["accounts"][0]["error_code"], "AccessDenied");
    assert_eq!(body["accounts"][0]["membership"], "active");
    assert_eq!(body["counts"][0]["source"], "demo");
    assert_eq!(body["counts"][0]["total"], 3);
    assert_eq!(body["counts"][0]["failing"], 1);

    let every_source = app.get("/api/v1/accounts?source=&page=1").await;
    assert_eq!(every_source.status(), StatusCode::OK, "an empty source means every source, as on the page");

    let beyond = app.get("/api/v1/accounts?page=2147483648").await;
    assert_eq!(beyond.status(), StatusCode::BAD_REQUEST, "a page past the documented maximum");

    let refused = app.get("/api/v1/accounts?status=broken&page=0").await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let body: Value = refused.json().await.expect("JSON");
    let fields: Vec<&str> =
        body["fields"].as_array().expect("fields").iter().filter_map(|f| f["field"].as_str()).collect();
    assert_eq!(fields, ["status", "page"]);
}
