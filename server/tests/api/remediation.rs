//! Remediation items: created in one click from a failing rule (once per
//! source), from high-risk questions in bulk, or by hand; due dates by
//! priority; risk acceptance that needs a reason and an expiry and reopens
//! when it ends; items that follow the evidence across syncs; bulk changes
//! that apply to all or none; comments; and viewers who only read.

use app::domain::Role;
use chrono::{Days, NaiveDate};
use reqwest::StatusCode;
use reqwest::header::LOCATION;
use server::remediation::RemediationSettings;
use server::remediation::follow::follow;
use server::remediation::store::{self, Source};
use sqlx::PgPool;
use uuid::Uuid;

use crate::helpers::{TestApp, client_with, insert_workload, manual_remediation_item, session_for, spawn_app};

const RULE: &str = "MULTI_REGION_CLOUD_TRAIL_ENABLED";
const ACCOUNT: &str = "111122223333";
const REGION: &str = "eu-west-1";

fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

/// The CloudTrail rule's result in the workload's account, with one failing
/// resource when it fails.
async fn cloudtrail(pool: &PgPool, compliance: &str) {
    let source =
        server::db::sources::upsert(pool, "prod", "aws", &serde_json::json!({}), 3600).await.expect("a source");
    sqlx::query!(
        "INSERT INTO config_rules (account_id, region, rule_name, source_id, owner, source_identifier, compliance)
         VALUES ($1, $2, 'multi-region-cloudtrail-enabled', $3, 'AWS', $4, $5)
         ON CONFLICT (account_id, region, rule_name) DO UPDATE SET compliance = $5",
        ACCOUNT,
        REGION,
        source,
        RULE,
        compliance
    )
    .execute(pool)
    .await
    .expect("the rule's result");
    sqlx::query!(
        "INSERT INTO config_evaluations (account_id, region, rule_name, resource_type, resource_id, compliance)
         VALUES ($1, $2, 'multi-region-cloudtrail-enabled', 'AWS::::Account', $1, $3)
         ON CONFLICT (account_id, region, rule_name, resource_type, resource_id) DO UPDATE SET compliance = $3",
        ACCOUNT,
        REGION,
        compliance
    )
    .execute(pool)
    .await
    .expect("the evaluation");
}

async fn create(app: &TestApp, client: &reqwest::Client, form: &[(&str, &str)]) -> reqwest::Response {
    client.post(app.url("/remediation")).form(form).send().await.expect("answers")
}

fn created_id(response: &reqwest::Response) -> (Uuid, String) {
    let location = response.headers()[LOCATION].to_str().expect("a location").to_owned();
    let id = location.trim_start_matches("/remediation/").split('?').next().expect("an id");
    (Uuid::parse_str(id).expect("an item id"), location)
}

struct Stored {
    status: String,
    priority: String,
    due_on: NaiveDate,
    by_evidence: bool,
    flagged: bool,
}

async fn stored(pool: &PgPool, id: Uuid) -> Stored {
    sqlx::query_as!(
        Stored,
        "SELECT status, priority, due_on, by_evidence, flagged FROM remediation_items WHERE id = $1",
        id
    )
    .fetch_one(pool)
    .await
    .expect("the item")
}

async fn history(pool: &PgPool, id: Uuid) -> Vec<(String, String, Option<String>)> {
    sqlx::query!("SELECT actor, change, reason FROM remediation_history WHERE item_id = $1 ORDER BY id", id)
        .fetch_all(pool)
        .await
        .expect("the history")
        .into_iter()
        .map(|row| (row.actor, row.change, row.reason))
        .collect()
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn one_click_on_a_failing_rule_creates_one_item_and_a_second_click_finds_it(pool: PgPool) {
    let workload = insert_workload(&pool, "Checkout", &[]).await;
    cloudtrail(&pool, "NON_COMPLIANT").await;
    let app = spawn_app(pool.clone()).await;
    let editor = client_with(Some(&session_for(&pool, Role::Editor).await));
    let form = [("workload", workload.to_string()), ("source", "rule".into()), ("key", RULE.into())];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();

    let first = create(&app, &editor, &form).await;
    let second = create(&app, &editor, &form).await;

    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    let (id, location) = created_id(&first);
    assert!(location.ends_with("?created=1"), "{location}");
    let (again, location) = created_id(&second);
    assert_eq!(again, id, "one item per rule per workload");
    assert!(location.ends_with("?existing=1"), "{location}");
    let item = stored(&pool, id).await;
    // CloudTrail.1, which evaluates the rule, is HIGH: due in 30 days.
    assert_eq!((item.status.as_str(), item.priority.as_str()), ("open", "high"));
    assert_eq!(item.due_on, today().checked_add_days(Days::new(30)).expect("a date"));
    let (status, page) = app.get_text(&location).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("This source already has an item: here it is."));
    assert!(page.contains("multi-region-cloudtrail-enabled: resources out of compliance"));
    assert!(page.contains("AWS::::Account 111122223333"), "the failing resource is listed");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_source_that_passes_has_nothing_to_fix_and_an_unknown_one_is_refused(pool: PgPool) {
    let workload = insert_workload(&pool, "Checkout", &[]).await;
    cloudtrail(&pool, "COMPLIANT").await;
    let app = spawn_app(pool.clone()).await;
    let workload = workload.to_string();

    for (source, key, code) in
        [("rule", RULE, "nothing-to-fix"), ("control", "Nope.99", "source"), ("bogus", "x", "source")]
    {
        let response = create(&app, &app.client, &[("workload", &workload), ("source", source), ("key", key)]).await;
        let location = response.headers()[LOCATION].to_str().expect("a location").to_owned();
        assert!(location.contains(&format!("error={code}")), "{source} {key}: {location}");
    }
    let count =
        sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM remediation_items"#).fetch_one(&pool).await.expect("n");
    assert_eq!(count, 0);
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn an_item_by_hand_is_due_by_its_priority_and_a_refused_one_keeps_what_was_typed(pool: PgPool) {
    let workload = insert_workload(&pool, "Checkout", &[]).await;
    let settings = RemediationSettings::default();
    let day = NaiveDate::from_ymd_opt(2026, 12, 1).expect("a date");
    for (priority, days) in [
        (app::domain::remediation::Priority::Critical, 7),
        (app::domain::remediation::Priority::High, 30),
        (app::domain::remediation::Priority::Medium, 90),
        (app::domain::remediation::Priority::Low, 180),
    ] {
        let source = Source::Manual {
            title: format!("Fix {}", priority.label()),
            description: String::new(),
            pillar: app::domain::Pillar::Reliability,
            priority,
        };
        let (id, _) = store::create(&pool, &settings, "editor@example.com", workload, source, day).await.expect("made");
        assert_eq!(stored(&pool, id).await.due_on, day.checked_add_days(Days::new(days)).expect("a date"));
    }

    let app = spawn_app(pool.clone()).await;
    let workload = workload.to_string();
    let refused = create(
        &app,
        &app.client,
        &[
            ("workload", &workload),
            ("source", "manual"),
            ("title", "   "),
            ("description", "Backups of the ledger"),
            ("pillar", "reliability"),
            ("priority", "high"),
            ("back", "/remediation"),
        ],
    )
    .await;
    let location = refused.headers()[LOCATION].to_str().expect("a location").to_owned();
    assert!(location.starts_with("/remediation?error=title"), "{location}");
    let (_, page) = app.get_text(&location).await;
    assert!(page.contains("Give the item a title"));
    assert!(page.contains("Backups of the ledger"), "the description typed comes back");
}

async fn change(app: &TestApp, client: &reqwest::Client, id: Uuid, form: &[(&str, &str)]) -> reqwest::Response {
    client.post(app.url(&format!("/remediation/{id}"))).form(form).send().await.expect("answers")
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn an_item_says_which_ticket_system_its_ticket_lives_in_and_an_unknown_one_is_refused(pool: PgPool) {
    let workload = insert_workload(&pool, "Checkout", &[]).await;
    let id = manual_remediation_item(&pool, workload, "Rotate the signing keys").await;
    let app = spawn_app(pool.clone()).await;

    let refused = change(&app, &app.client, id, &[("ticket_system", "trello"), ("due_on", "2031-01-31")]).await;
    let location = refused.headers()[LOCATION].to_str().expect("a location").to_owned();
    assert!(location.contains("error=ticket-system") && location.contains("ticket_system=trello"), "{location}");
    let (_, page) = app.get_text(&location).await;
    assert!(page.contains("Choose a ticket system from the list."), "the refusal is explained");

    let saved = change(&app, &app.client, id, &[("ticket_system", "github")]).await;
    assert_eq!(saved.headers()[LOCATION], format!("/remediation/{id}").as_str());
    let (_, page) = app.get_text(&format!("/remediation/{id}")).await;
    assert!(page.contains("<dt>Ticket system<!></dt><dd>GitHub Issues<!></dd>"), "the item shows it");
    assert!(page.contains(r#"<option value="github" selected"#), "the form shows it chosen");
    let last = history(&pool, id).await.pop().expect("a history line");
    assert_eq!(last.1, "Ticket system: none → GitHub Issues");

    let cleared = change(&app, &app.client, id, &[("full", "1"), ("ticket_system", "none")]).await;
    assert_eq!(cleared.headers()[LOCATION], format!("/remediation/{id}").as_str());
    let (_, page) = app.get_text(&format!("/remediation/{id}")).await;
    assert!(!page.contains("<dt>Ticket system"), "none says nothing");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn accepting_a_risk_needs_a_reason_and_an_expiry_and_it_reopens_when_it_ends(pool: PgPool) {
    let workload = insert_workload(&pool, "Checkout", &[]).await;
    let id = manual_remediation_item(&pool, workload, "Public bucket for the website").await;
    let app = spawn_app(pool.clone()).await;
    let tomorrow = today().checked_add_days(Days::new(1)).expect("a date").to_string();
    let yesterday = today().checked_sub_days(Days::new(1)).expect("a date").to_string();

    for (reason, until) in [("", tomorrow.as_str()), ("Static site", ""), ("Static site", yesterday.as_str())] {
        let response = change(
            &app,
            &app.client,
            id,
            &[("status", "risk_accepted"), ("acceptance_reason", reason), ("accepted_until", until)],
        )
        .await;
        let location = response.headers()[LOCATION].to_str().expect("a location").to_owned();
        assert!(location.contains("error=acceptance"), "{reason:?} {until:?}: {location}");
        assert_eq!(stored(&pool, id).await.status, "open", "nothing changed");
    }
    let accepted = change(
        &app,
        &app.client,
        id,
        &[("status", "risk_accepted"), ("acceptance_reason", "Static site, no data"), ("accepted_until", &tomorrow)],
    )
    .await;
    assert_eq!(accepted.headers()[LOCATION], format!("/remediation/{id}").as_str());
    assert_eq!(stored(&pool, id).await.status, "risk_accepted");

    let not_yet = store::expire_acceptances(&pool, today().checked_add_days(Days::new(1)).expect("a date")).await;
    assert_eq!(not_yet.expect("expired"), 0, "accepted until tomorrow includes tomorrow");
    let ended = store::expire_acceptances(&pool, today().checked_add_days(Days::new(2)).expect("a date")).await;
    assert_eq!(ended.expect("expired"), 1);
    assert_eq!(stored(&pool, id).await.status, "open");
    let last = history(&pool, id).await.pop().expect("a history line");
    assert_eq!(last.0, "expiry");
    assert!(last.1.starts_with(&format!("Risk acceptance ended on {tomorrow}")), "{}", last.1);
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn an_item_follows_the_evidence_across_syncs_and_a_hand_resolved_one_is_flagged(pool: PgPool) {
    let workload = insert_workload(&pool, "Checkout", &[]).await;
    cloudtrail(&pool, "NON_COMPLIANT").await;
    let settings = RemediationSettings::default();
    let (id, _) = store::create(&pool, &settings, "editor@example.com", workload, Source::Rule(RULE.into()), today())
        .await
        .expect("made");

    cloudtrail(&pool, "COMPLIANT").await;
    let first = follow(&pool, "sync 2").await.expect("followed");
    let item = stored(&pool, id).await;
    assert_eq!((first.resolved, item.status.as_str(), item.by_evidence), (1, "resolved", true));
    assert_eq!(history(&pool, id).await.pop().map(|h| (h.0, h.2)), Some(("evidence".into(), Some("sync 2".into()))));

    cloudtrail(&pool, "NON_COMPLIANT").await;
    let second = follow(&pool, "sync 3").await.expect("followed");
    assert_eq!((second.reopened, stored(&pool, id).await.status.as_str()), (1, "open"));

    // A person resolves it while the rule still fails: it is flagged.
    store::update(
        &pool,
        "editor@example.com",
        id,
        &store::Change { status: Some(app::domain::remediation::Status::Resolved), ..Default::default() },
        today(),
    )
    .await
    .expect("resolved");
    let third = follow(&pool, "sync 4").await.expect("followed");
    let item = stored(&pool, id).await;
    assert_eq!((third.flagged, item.status.as_str(), item.flagged), (1, "resolved", true));
    let app = spawn_app(pool.clone()).await;
    let (_, page) = app.get_text(&format!("/remediation/{id}")).await;
    assert!(page.contains("Resolved by hand, but the evidence still fails"));
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_bulk_change_applies_to_every_checked_item_or_to_none(pool: PgPool) {
    let workload = insert_workload(&pool, "Checkout", &[]).await;
    let first = manual_remediation_item(&pool, workload, "Rotate the access keys").await;
    let second = manual_remediation_item(&pool, workload, "Turn on GuardDuty").await;
    let app = spawn_app(pool.clone()).await;
    let editor_cookie = session_for(&pool, Role::Editor).await;
    let editor = client_with(Some(&editor_cookie));
    let owner = sqlx::query_scalar!("SELECT id FROM users WHERE role = 'editor'").fetch_one(&pool).await.expect("id");
    let due = today().checked_add_days(Days::new(14)).expect("a date").to_string();
    let (first_s, second_s, owner_s) = (first.to_string(), second.to_string(), owner.to_string());

    // A third item that does not exist: nothing changes.
    let missing = Uuid::from_u128(0x0123_4567_89ab_cdef).to_string();
    let refused = editor
        .post(app.url("/remediation/bulk"))
        .form(&[
            ("item", first_s.as_str()),
            ("item", missing.as_str()),
            ("item", second_s.as_str()),
            ("owner", &owner_s),
            ("due_on", &due),
        ])
        .send()
        .await
        .expect("answers");
    assert!(refused.headers()[LOCATION].to_str().expect("a location").contains("bulk_error=item"));
    let owners = sqlx::query_scalar!("SELECT count(owner_id) AS \"n!\" FROM remediation_items")
        .fetch_one(&pool)
        .await
        .expect("n");
    assert_eq!(owners, 0, "all or nothing");

    let applied = editor
        .post(app.url("/remediation/bulk"))
        .form(&[
            ("item", first_s.as_str()),
            ("item", second_s.as_str()),
            ("owner", &owner_s),
            ("due_on", &due),
            ("status", "in_progress"),
        ])
        .send()
        .await
        .expect("answers");
    assert!(applied.headers()[LOCATION].to_str().expect("a location").contains("changed=2"));
    for id in [first, second] {
        let item = stored(&pool, id).await;
        assert_eq!((item.status.as_str(), item.due_on.to_string()), ("in_progress", due.clone()));
        let changes: Vec<String> = history(&pool, id).await.into_iter().map(|h| h.1).collect();
        assert!(changes.iter().any(|c| c == "Status: Open → In progress"), "{changes:?}");
        assert!(changes.iter().any(|c| c.starts_with("Owner: nobody → editor@example.com")), "{changes:?}");
    }
    let (_, mine) = (
        StatusCode::OK,
        editor.get(app.url("/remediation?owner=me")).send().await.expect("a page").text().await.expect("text"),
    );
    assert!(mine.contains("Rotate the access keys") && mine.contains("Turn on GuardDuty"), "my items");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn items_for_every_high_risk_question_are_created_once(pool: PgPool) {
    let workload = insert_workload(&pool, "Checkout", &[]).await;
    let source =
        server::db::sources::upsert(&pool, "prod", "aws", &serde_json::json!({}), 3600).await.expect("a source");
    sqlx::query!(
        "INSERT INTO wa_workloads (wa_workload_id, source_id, owner_account_id, home_region, name)
         VALUES ('wl', $1, $2, $3, 'Checkout')",
        source,
        ACCOUNT,
        REGION
    )
    .execute(&pool)
    .await
    .expect("the review");
    sqlx::query!("INSERT INTO wa_lens_reviews (wa_workload_id, lens_alias) VALUES ('wl', 'wellarchitected')")
        .execute(&pool)
        .await
        .expect("the lens review");
    for (question, pillar, risk) in [
        ("detect-investigate-events", "security", "HIGH"),
        ("network-protection", "security", "HIGH"),
        ("securely-operate", "security", "MEDIUM"),
    ] {
        sqlx::query!(
            "INSERT INTO wa_answers (wa_workload_id, lens_alias, question_id, pillar, risk)
             VALUES ('wl', 'wellarchitected', $1, $2, $3)",
            question,
            pillar,
            risk
        )
        .execute(&pool)
        .await
        .expect("an answer");
    }
    sqlx::query!("UPDATE workloads SET wa_workload_id = 'wl' WHERE id = $1", workload)
        .execute(&pool)
        .await
        .expect("link");
    let app = spawn_app(pool.clone()).await;
    let bulk =
        |app: &TestApp| app.client.post(app.url(&format!("/workloads/{workload}/remediation/high-risks"))).send();

    let first = bulk(&app).await.expect("answers");
    let second = bulk(&app).await.expect("answers");

    assert!(first.headers()[LOCATION].to_str().expect("a location").ends_with("created=2"));
    assert!(second.headers()[LOCATION].to_str().expect("a location").ends_with("created=0"));
    let priorities = sqlx::query_scalar!("SELECT priority FROM remediation_items ORDER BY source_key")
        .fetch_all(&pool)
        .await
        .expect("items");
    assert_eq!(priorities, ["high", "high"], "high risks only, each high priority");
    let (_, page) = app.get_text(&format!("/workloads/{workload}")).await;
    assert!(page.contains("2 open"), "the workload page counts them");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn comments_are_kept_and_viewers_only_read(pool: PgPool) {
    let workload = insert_workload(&pool, "Checkout", &[]).await;
    let id = manual_remediation_item(&pool, workload, "Encrypt the queue").await;
    let app = spawn_app(pool.clone()).await;

    let empty = app.client.post(app.url(&format!("/remediation/{id}/comments"))).form(&[("body", "  ")]).send().await;
    assert!(empty.expect("answers").headers()[LOCATION].to_str().expect("a location").contains("error=comment"));
    app.client
        .post(app.url(&format!("/remediation/{id}/comments")))
        .form(&[("body", "KMS key requested from the platform team")])
        .send()
        .await
        .expect("answers");

    let viewer = client_with(Some(&session_for(&pool, Role::Viewer).await));
    let page =
        viewer.get(app.url(&format!("/remediation/{id}"))).send().await.expect("answers").text().await.expect("text");
    assert!(page.contains("KMS key requested from the platform team"));
    assert!(!page.contains(&format!("action=\"/remediation/{id}\"")), "no change form for a viewer");
    let refused = change(&app, &viewer, id, &[("status", "resolved")]).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(stored(&pool, id).await.status, "open");
}
