//! Checklists: ticking through plain forms, history and audit, roles,
//! concurrent ticks, and items that tick themselves from evidence.

use app::domain::Role;
use reqwest::StatusCode;
use reqwest::header::LOCATION;
use server::checklists::evidence;
use sqlx::PgPool;
use uuid::Uuid;

use crate::helpers::{TestApp, client_with, insert_workload, manual_checklist_item, session_for, spawn_app};

const RULE: &str = "MULTI_REGION_CLOUD_TRAIL_ENABLED";

/// Items proven by the multi-region CloudTrail rule: (pack, item).
async fn cloudtrail_items(pool: &PgPool) -> Vec<(String, String)> {
    sqlx::query!("SELECT pack_id, item_id FROM checklist_items WHERE $1 = ANY(rules) ORDER BY pack_id, item_id", RULE)
        .fetch_all(pool)
        .await
        .expect("the items")
        .into_iter()
        .map(|row| (row.pack_id, row.item_id))
        .collect()
}

async fn tick(client: &reqwest::Client, app: &TestApp, workload: Uuid, form: &[(&str, &str)]) -> reqwest::Response {
    client.post(app.url(&format!("/workloads/{workload}/checklist"))).form(form).send().await.expect("answers")
}

async fn state_of(pool: &PgPool, workload: Uuid, item: &(String, String)) -> Option<(String, bool, String)> {
    sqlx::query!(
        "SELECT state, by_evidence, actor FROM checklist_ticks WHERE workload_id = $1 AND pack_id = $2 AND item_id = $3",
        workload,
        item.0,
        item.1
    )
    .fetch_optional(pool)
    .await
    .expect("a read")
    .map(|row| (row.state, row.by_evidence, row.actor))
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn an_editor_ticks_an_item_and_it_is_kept_with_its_history_and_audit(pool: PgPool) {
    let workload = insert_workload(&pool, "Checkout", &[]).await;
    let app = spawn_app(pool.clone()).await;
    let item = manual_checklist_item(&pool).await;
    let editor = client_with(Some(&session_for(&pool, Role::Editor).await));
    let back = format!("/workloads/{workload}/checklists?state=open");

    let response = tick(
        &editor,
        &app,
        workload,
        &[
            ("pack", &item.0),
            ("item", &item.1),
            ("state", "done"),
            ("note", "Budget set at 1,000 USD"),
            ("back", &back),
        ],
    )
    .await;

    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()[LOCATION], format!("{back}#item-{}-{}", item.0, item.1).as_str());
    assert_eq!(state_of(&pool, workload, &item).await, Some(("done".into(), false, "editor@example.com".into())));
    let audited = sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM audit_log WHERE action = 'checklist.tick'"#)
        .fetch_one(&pool)
        .await
        .expect("a count");
    assert_eq!(audited, 1);
    let page =
        app.client.get(app.url(&format!("/workloads/{workload}/checklists?state=done"))).send().await.expect("answers");
    let html = page.text().await.expect("a body");
    assert!(html.contains("Done by editor@example.com"), "{html}");
    assert!(html.contains("Budget set at 1,000 USD"));
    assert!(html.contains("1 of "), "the count of shown items");

    // Unticking keeps the history.
    tick(&editor, &app, workload, &[("pack", &item.0), ("item", &item.1), ("state", "open")]).await;
    let history = sqlx::query_scalar!(
        "SELECT state FROM checklist_history WHERE workload_id = $1 AND pack_id = $2 AND item_id = $3 ORDER BY id",
        workload,
        item.0,
        item.1
    )
    .fetch_all(&pool)
    .await
    .expect("the history");
    assert_eq!(history, ["done", "open"]);
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_viewer_cannot_tick_and_sees_no_tick_buttons(pool: PgPool) {
    let workload = insert_workload(&pool, "Checkout", &[]).await;
    let app = spawn_app(pool.clone()).await;
    let item = manual_checklist_item(&pool).await;
    let viewer = client_with(Some(&session_for(&pool, Role::Viewer).await));

    let refused = tick(&viewer, &app, workload, &[("pack", &item.0), ("item", &item.1), ("state", "done")]).await;

    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(state_of(&pool, workload, &item).await, None);
    let html = viewer
        .get(app.url(&format!("/workloads/{workload}/checklists")))
        .send()
        .await
        .expect("answers")
        .text()
        .await
        .expect("a body");
    assert!(html.contains("checklist-item"), "the viewer reads the items");
    assert!(!html.contains(&format!("action=\"/workloads/{workload}/checklist\"")), "but gets no form");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_refused_tick_keeps_what_was_typed_and_says_why(pool: PgPool) {
    let workload = insert_workload(&pool, "Checkout", &[]).await;
    let app = spawn_app(pool.clone()).await;
    let item = manual_checklist_item(&pool).await;

    let response = tick(
        &app.client,
        &app,
        workload,
        &[
            ("pack", &item.0),
            ("item", &item.1),
            ("state", "done"),
            ("note", "see the wiki"),
            ("link", "javascript:alert(1)"),
        ],
    )
    .await;

    let back = response.headers()[LOCATION].to_str().expect("ASCII").to_owned();
    let refusal = app::domain::checklists::TickRefusal::Link;
    assert!(back.contains(&format!("error={}", refusal.code())) && back.contains("note=see%20the%20wiki"), "{back}");
    assert_eq!(state_of(&pool, workload, &item).await, None, "nothing was stored");
    let html = app.client.get(app.url(&back)).send().await.expect("answers").text().await.expect("a body");
    assert!(html.contains(&refusal.message()), "{html}");
    assert!(
        html.contains("see the wiki") && html.contains("javascript:alert(1)"),
        "what was typed is back in the form"
    );
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn two_editors_ticking_at_once_are_both_kept(pool: PgPool) {
    let workload = insert_workload(&pool, "Checkout", &[]).await;
    let app = spawn_app(pool.clone()).await;
    let items: Vec<(String, String)> =
        sqlx::query!("SELECT pack_id, item_id FROM checklist_items ORDER BY pack_id, item_id LIMIT 2")
            .fetch_all(&pool)
            .await
            .expect("two items")
            .into_iter()
            .map(|row| (row.pack_id, row.item_id))
            .collect();
    let lee = client_with(Some(&session_for(&pool, Role::Editor).await));
    let admin = app.client.clone();

    // Different items at once: both kept.
    let first = [("pack", items[0].0.as_str()), ("item", items[0].1.as_str()), ("state", "done")];
    let second = [("pack", items[1].0.as_str()), ("item", items[1].1.as_str()), ("state", "not_applicable")];
    let (a, b) = tokio::join!(tick(&lee, &app, workload, &first), tick(&admin, &app, workload, &second));
    assert_eq!((a.status(), b.status()), (StatusCode::SEE_OTHER, StatusCode::SEE_OTHER));
    assert_eq!(state_of(&pool, workload, &items[0]).await.map(|s| s.0), Some("done".into()));
    assert_eq!(state_of(&pool, workload, &items[1]).await.map(|s| s.0), Some("not_applicable".into()));

    // The same item at once: both in the history, the later one current.
    let reopen = [("pack", items[0].0.as_str()), ("item", items[0].1.as_str()), ("state", "open")];
    let not_applicable = [("pack", items[0].0.as_str()), ("item", items[0].1.as_str()), ("state", "not_applicable")];
    let (a, b) = tokio::join!(tick(&lee, &app, workload, &reopen), tick(&admin, &app, workload, &not_applicable));
    assert_eq!((a.status(), b.status()), (StatusCode::SEE_OTHER, StatusCode::SEE_OTHER), "no error for either");
    let history = sqlx::query!(
        "SELECT state, actor FROM checklist_history WHERE workload_id = $1 AND pack_id = $2 AND item_id = $3 ORDER BY id",
        workload,
        items[0].0,
        items[0].1
    )
    .fetch_all(&pool)
    .await
    .expect("the history");
    assert_eq!(history.len(), 3);
    let last = history.last().expect("a last change");
    assert_eq!(
        state_of(&pool, workload, &items[0]).await.map(|s| (s.0, s.2)),
        Some((last.state.clone(), last.actor.clone()))
    );
}

async fn cloudtrail_result(pool: &PgPool, source: Uuid, compliance: &str) {
    sqlx::query!(
        "INSERT INTO config_rules (account_id, region, rule_name, source_id, owner, source_identifier, compliance)
         VALUES ('111122223333', 'eu-west-1', 'multi-region-cloudtrail-enabled', $1, 'AWS', $2, $3)
         ON CONFLICT (account_id, region, rule_name) DO UPDATE SET compliance = $3",
        source,
        RULE,
        compliance
    )
    .execute(pool)
    .await
    .expect("the rule's result");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn evidence_ticks_an_item_when_it_passes_and_unticks_it_when_it_fails_again(pool: PgPool) {
    let workload = insert_workload(&pool, "Checkout", &[]).await;
    let other = insert_workload(&pool, "Ledger", &[]).await;
    server::checklists::store::install_built_in(&pool).await.expect("the packs");
    let source =
        server::db::sources::upsert(&pool, "prod", "aws", &serde_json::json!({}), 3600).await.expect("a source");
    let items = cloudtrail_items(&pool).await;
    assert!(!items.is_empty());
    // A person says the first CloudTrail item does not apply to Ledger.
    let app = spawn_app(pool.clone()).await;
    tick(&app.client, &app, other, &[("pack", &items[0].0), ("item", &items[0].1), ("state", "not_applicable")]).await;

    cloudtrail_result(&pool, source, "NON_COMPLIANT").await;
    let first = evidence::follow(&pool, "sync 1").await.expect("followed");
    assert_eq!(first.ticked, 0, "failing evidence ticks nothing");

    cloudtrail_result(&pool, source, "COMPLIANT").await;
    evidence::follow(&pool, "sync 2").await.expect("followed");
    for item in &items {
        assert_eq!(state_of(&pool, workload, item).await, Some(("done".into(), true, "evidence".into())), "{item:?}");
    }
    assert_eq!(
        state_of(&pool, other, &items[0]).await.map(|s| s.0),
        Some("not_applicable".into()),
        "a person's not applicable is never overridden"
    );
    let reason = sqlx::query_scalar!(
        "SELECT reason FROM checklist_history WHERE workload_id = $1 AND by_evidence ORDER BY id DESC LIMIT 1",
        workload
    )
    .fetch_one(&pool)
    .await
    .expect("a history line");
    assert_eq!(reason.as_deref(), Some("sync 2"), "the history names the sync");

    cloudtrail_result(&pool, source, "NON_COMPLIANT").await;
    let regressed = evidence::follow(&pool, "sync 3").await.expect("followed");
    assert_eq!(regressed.unticked, items.len() as u64);
    for item in &items {
        assert_eq!(state_of(&pool, workload, item).await.map(|s| (s.0, s.1)), Some(("open".into(), true)), "{item:?}");
    }
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_tick_feeds_the_pillars_checklist_score(pool: PgPool) {
    let workload = insert_workload(&pool, "Checkout", &[]).await;
    let app = spawn_app(pool.clone()).await;
    let item = manual_checklist_item(&pool).await;
    let pillar =
        sqlx::query_scalar!("SELECT pillar FROM checklist_items WHERE pack_id = $1 AND item_id = $2", item.0, item.1)
            .fetch_one(&pool)
            .await
            .expect("its pillar");

    tick(&app.client, &app, workload, &[("pack", &item.0), ("item", &item.1), ("state", "done")]).await;

    let checklist = sqlx::query_scalar!(
        "SELECT checklist FROM pillar_scores WHERE workload_id = $1 AND pillar = $2",
        workload,
        pillar
    )
    .fetch_one(&pool)
    .await
    .expect("a score row");
    let applicable = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM checklist_items WHERE pillar = $1 AND NOT retired"#,
        pillar
    )
    .fetch_one(&pool)
    .await
    .expect("a count");
    let expected = 100.0 / applicable as f32;
    assert!(checklist.is_some_and(|value| (value - expected).abs() < 0.01), "{checklist:?} vs {expected}");
}

const CUSTOM: &str = r#"
[pack]
id = "team-platform"
name = "Platform team"
description = "What the platform team checks before a launch."
version = "3"

[[items]]
id = "trail"
text = "CloudTrail in every region"
pillar = "security"
choices = ["sec_detect_investigate_events_app_service_logging"]
rules = ["MULTI_REGION_CLOUD_TRAIL_ENABLED"]
controls = ["CloudTrail.1"]

[[items]]
id = "runbook"
text = "A runbook for every alarm"
pillar = "operationalExcellence"
"#;

async fn pack_count(pool: &PgPool) -> i64 {
    sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM checklist_packs"#).fetch_one(pool).await.expect("a count")
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn an_admin_imports_a_pack_and_exports_it_in_the_same_format(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;

    let response =
        app.client.post(app.url("/admin/checklists")).form(&[("pack", CUSTOM)]).send().await.expect("answers");

    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()[LOCATION], "/admin/checklists?imported=team-platform");
    let exported = app.client.get(app.url("/checklists/team-platform/export")).send().await.expect("answers");
    assert_eq!(exported.headers()["content-type"], "application/toml; charset=utf-8");
    let text = exported.text().await.expect("a body");
    let again = server::checklists::parse_pack(&text).expect("the export reads back");
    assert_eq!(again, server::checklists::parse_pack(CUSTOM).expect("the original"));
    let audited: i64 =
        sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM audit_log WHERE action = 'checklist.import'"#)
            .fetch_one(&pool)
            .await
            .expect("a count");
    assert_eq!(audited, 1);
    let html = app
        .client
        .get(app.url("/admin/checklists?imported=team-platform"))
        .send()
        .await
        .expect("answers")
        .text()
        .await
        .expect("a body");
    assert!(html.contains("Imported the pack team-platform.") && html.contains("Platform team"));
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn every_kind_of_bad_pack_is_refused_precisely_and_imports_nothing(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;
    let before = pack_count(&pool).await;
    let cases = [
        ("broken TOML", CUSTOM.replace("version = \"3\"", "version = "), "line 6: file:"),
        (
            "unknown rule",
            CUSTOM.replace("MULTI_REGION_CLOUD_TRAIL_ENABLED", "TRAIL_ON"),
            "line 8: items[0].rules (\"trail\"): \"TRAIL_ON\" is not an AWS Config managed rule identifier",
        ),
        (
            "unknown control",
            CUSTOM.replace("CloudTrail.1", "CloudTrail.99"),
            "items[0].controls (\"trail\"): \"CloudTrail.99\" is not a Security Hub control id",
        ),
        (
            "choice of another pillar",
            CUSTOM.replace("sec_detect_investigate_events_app_service_logging", "cost_govern_usage_account_structure"),
            "belongs to the costOptimization pillar, not security",
        ),
        (
            "duplicate item",
            CUSTOM.replace("id = \"runbook\"", "id = \"trail\""),
            "line 16: items[1].id (\"trail\"): \"trail\" is used by an earlier item",
        ),
        (
            "unknown pillar",
            CUSTOM.replace("pillar = \"operationalExcellence\"", "pillar = \"operations\""),
            "\"operations\" is not a pillar",
        ),
        (
            "built-in id",
            CUSTOM.replace("id = \"team-platform\"", "id = \"aws-cost\""),
            "\"aws-cost\" is a built-in pack's id",
        ),
    ];
    for (what, text, expected) in cases {
        let response = app
            .client
            .post(app.url("/admin/checklists"))
            .form(&[("pack", text.as_str())])
            .send()
            .await
            .expect("answers");
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{what}");
        let html = response.text().await.expect("a body");
        let unescaped = html.replace("&quot;", "\"").replace("&#x27;", "'");
        assert!(unescaped.contains(expected), "{what}: expected {expected:?} in the page");
        assert!(unescaped.contains("Nothing was imported."), "{what}");
        assert!(unescaped.contains("A runbook for every alarm"), "{what}: the pasted text is back in the form");
    }
    assert_eq!(pack_count(&pool).await, before, "no bad file imported anything");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn with_auto_tick_off_the_evidence_ticks_nothing(pool: PgPool) {
    let workload = insert_workload(&pool, "Checkout", &[]).await;
    let app = spawn_app(pool.clone()).await;
    let source =
        server::db::sources::upsert(&pool, "prod", "aws", &serde_json::json!({}), 3600).await.expect("a source");
    let off = app
        .client
        .post(app.url(&format!("/workloads/{workload}/checklist/auto-tick")))
        .form(&[("on", "false")])
        .send()
        .await
        .expect("answers");
    assert_eq!(off.status(), StatusCode::SEE_OTHER);

    cloudtrail_result(&pool, source, "COMPLIANT").await;
    let followed = evidence::follow(&pool, "sync 1").await.expect("followed");

    assert_eq!(followed.ticked, 0);
    let html = app
        .client
        .get(app.url(&format!("/workloads/{workload}/checklists")))
        .send()
        .await
        .expect("answers")
        .text()
        .await
        .expect("a body");
    assert!(html.contains("Auto-tick is off for this workload") && html.contains("Turn auto-tick on"));
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_failing_item_names_its_failing_resources(pool: PgPool) {
    let workload = insert_workload(&pool, "Checkout", &[]).await;
    let source =
        server::db::sources::upsert(&pool, "prod", "aws", &serde_json::json!({}), 3600).await.expect("a source");
    cloudtrail_result(&pool, source, "NON_COMPLIANT").await;
    for account in ["111122223333", "111122223333-b", "111122223333-c", "111122223333-d"] {
        sqlx::query!(
            "INSERT INTO config_evaluations (account_id, region, rule_name, resource_type, resource_id, compliance)
             VALUES ('111122223333', 'eu-west-1', 'multi-region-cloudtrail-enabled', 'AWS::::Account', $1,
                     'NON_COMPLIANT')",
            account
        )
        .execute(&pool)
        .await
        .expect("a failing resource");
    }
    let app = spawn_app(pool.clone()).await;

    let (status, html) = app.get_text(&format!("/workloads/{workload}/checklists?evidence=failing")).await;

    assert_eq!(status, StatusCode::OK);
    // Hydration markers aside, the text as a person reads it.
    let html = html.replace("<!>", "");
    assert!(html.contains(&format!("{RULE}</strong> fails on 4 resources")), "the count of failing resources");
    assert!(html.contains("<code>AWS::::Account 111122223333</code>"), "the first resources by name");
    assert!(html.contains("and 1 more"), "and how many more");
}
