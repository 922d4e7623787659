//! The admin pages: users added, re-roled, disabled and enabled through
//! plain forms, each change in the audit log; the audit log browsed and
//! filtered; the sources listed.

use app::domain::Role;
use reqwest::StatusCode;
use reqwest::header::LOCATION;
use server::auth::users;
use sqlx::PgPool;

use crate::helpers::{TestApp, client_with, session_for, spawn_app};

async fn post(app: &TestApp, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
    app.client.post(app.url(path)).form(form).send().await.expect("the server answers")
}

fn location(response: &reqwest::Response) -> String {
    response.headers().get(LOCATION).and_then(|l| l.to_str().ok()).unwrap_or_default().to_owned()
}

async fn page(app: &TestApp, path: &str) -> String {
    app.client.get(app.url(path)).send().await.expect("answers").text().await.expect("a body")
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn an_admin_adds_a_user_and_the_audit_log_says_who_did(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;

    let response = post(
        &app,
        "/admin/users",
        &[("email", "Lee@Example.com"), ("name", "Lee Chen"), ("role", "editor"), ("password", "a long passphrase")],
    )
    .await;

    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/admin?done=added&email=lee%40example.com");
    let lee = users::list(&pool).await.expect("users").into_iter().find(|u| u.email == "lee@example.com").expect("Lee");
    assert_eq!((lee.role, lee.has_password, lee.display_name.as_str()), (Role::Editor, true, "Lee Chen"));
    let actor =
        sqlx::query_scalar!("SELECT actor FROM audit_log WHERE action = 'user.add' AND target = 'lee@example.com'")
            .fetch_one(&pool)
            .await
            .expect("an audit record");
    assert_eq!(actor, "admin@example.com");
    let html = page(&app, &location(&response)).await;
    assert!(html.contains("Added lee@example.com."), "{html}");
    assert!(html.contains("Lee Chen"));
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_refused_user_keeps_what_the_admin_typed_and_adds_nothing(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;

    let response = post(
        &app,
        "/admin/users",
        &[("email", "sam@example.com"), ("name", "Sam Ortiz"), ("role", "editor"), ("password", "short")],
    )
    .await;

    let back = location(&response);
    assert_eq!(back, "/admin?error=short-password&email=sam%40example.com&name=Sam%20Ortiz&role=editor");
    assert!(!users::list(&pool).await.expect("users").iter().any(|u| u.email == "sam@example.com"));
    let html = page(&app, &back).await;
    assert!(html.contains("The password is too short"), "{html}");
    assert!(html.contains(r#"value="sam@example.com""#) && html.contains(r#"value="Sam Ortiz""#));
    assert!(html.contains(r#"<option value="editor" selected"#), "the role chosen is kept");

    let again = post(&app, "/admin/users", &[("email", "admin@example.com"), ("role", "viewer")]).await;
    assert!(location(&again).starts_with("/admin?error=exists"), "{}", location(&again));
    let bad = post(&app, "/admin/users", &[("email", "not an email"), ("role", "viewer")]).await;
    assert!(location(&bad).starts_with("/admin?error=bad-email"), "{}", location(&bad));
    let owner = post(&app, "/admin/users", &[("email", "kim@example.com"), ("role", "owner")]).await;
    assert!(location(&owner).starts_with("/admin?error=bad-role"), "{}", location(&owner));
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_user_without_a_password_signs_in_only_by_single_sign_on(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;

    post(&app, "/admin/users", &[("email", "kim@example.com"), ("role", "viewer"), ("password", "")]).await;

    let kim = users::list(&pool).await.expect("users").into_iter().find(|u| u.email == "kim@example.com").expect("Kim");
    assert!(!kim.has_password);
    assert!(page(&app, "/admin").await.contains("single sign-on (not yet)"));
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn changing_a_role_and_disabling_are_recorded_with_before_and_after(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;
    let viewer = session_for(&pool, Role::Viewer).await;

    let role = post(&app, "/admin/users/role", &[("email", "viewer@example.com"), ("role", "editor")]).await;
    assert_eq!(location(&role), "/admin?done=role&email=viewer%40example.com");
    let disabled = post(&app, "/admin/users/disable", &[("email", "viewer@example.com")]).await;
    assert_eq!(location(&disabled), "/admin?done=disabled&email=viewer%40example.com");

    let changes = sqlx::query!(
        "SELECT action, before, after FROM audit_log WHERE target = 'viewer@example.com' AND actor = 'admin@example.com' ORDER BY id"
    )
    .fetch_all(&pool)
    .await
    .expect("audit records");
    assert_eq!(changes.len(), 2);
    assert_eq!(changes[0].action, "user.set_role");
    assert_eq!(changes[0].before, Some(serde_json::json!({ "role": "viewer" })));
    assert_eq!(changes[0].after, Some(serde_json::json!({ "role": "editor" })));
    assert_eq!(changes[1].action, "user.disable");
    let status = client_with(Some(&viewer)).get(app.url("/api/overview")).send().await.expect("answers").status();
    assert_eq!(status, StatusCode::UNAUTHORIZED, "a disabled user's session is over");

    let enabled = post(&app, "/admin/users/enable", &[("email", "viewer@example.com")]).await;
    assert_eq!(location(&enabled), "/admin?done=enabled&email=viewer%40example.com");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn an_admin_cannot_disable_or_demote_themselves(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;

    let demote = post(&app, "/admin/users/role", &[("email", "admin@example.com"), ("role", "viewer")]).await;
    let disable = post(&app, "/admin/users/disable", &[("email", "Admin@Example.com")]).await;

    assert_eq!(location(&demote), "/admin?error=own-account");
    assert_eq!(location(&disable), "/admin?error=own-account");
    let admin =
        users::list(&pool).await.expect("users").into_iter().find(|u| u.email == "admin@example.com").expect("admin");
    assert_eq!((admin.role, admin.disabled_at), (Role::Admin, None));
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn the_audit_log_filters_by_action_and_pages_back_in_time(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;
    for n in 0..60 {
        sqlx::query!(
            "INSERT INTO audit_log (actor, action, target, after) VALUES ('cli', 'test.write', $1, '{\"n\": 1}')",
            format!("item-{n:02}")
        )
        .execute(&pool)
        .await
        .expect("an entry");
    }

    let first = page(&app, "/admin/audit?action=test.write").await;
    assert!(first.contains("item-59") && !first.contains("item-09"), "newest first, fifty to a page");
    assert!(!first.contains("<code>user.add</code>"), "only the chosen action");
    let older = first
        .split(r#"rel="next""#)
        .next()
        .and_then(|before| before.rsplit("href=\"").next())
        .and_then(|rest| rest.split('"').next())
        .expect("a link to older entries")
        .replace("&amp;", "&");
    assert!(older.starts_with("/admin/audit?action=test.write&before="), "{older}");
    let second = page(&app, &older).await;
    assert!(second.contains("item-09") && second.contains("item-00") && !second.contains("item-10"));
    assert!(!second.contains(r#"rel="next""#), "the oldest page has no older link");

    let by_target = page(&app, "/admin/audit?target=ITEM-42").await;
    assert!(by_target.contains("item-42") && !by_target.contains("item-41"));
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn the_sources_page_shows_each_source_with_its_settings(pool: PgPool) {
    server::db::sources::upsert(
        &pool,
        "production",
        "aws",
        &serde_json::json!({ "regions": ["eu-west-1", "us-east-1"], "role_arn": "arn:aws:iam::111122223333:role/plinth" }),
        3600,
    )
    .await
    .expect("a source");
    let app = spawn_app(pool).await;

    let html = page(&app, "/admin/sources").await;

    assert!(html.contains(r#"data-source="production""#), "{html}");
    assert!(html.contains("eu-west-1, us-east-1"));
    assert!(html.contains("arn:aws:iam::111122223333:role/plinth"));
    assert!(html.contains(r#"action="/api/sync_now""#));
}
