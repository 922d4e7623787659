//! Personal API tokens: created on the settings page with a role no higher
//! than the user's, shown once and stored as a digest, sent by scripts as
//! `Authorization: Bearer`, acting with the lower of the token's and the
//! user's role, and refused with 401 once revoked, expired or disabled.

use app::domain::Role;
use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, LOCATION};
use sqlx::PgPool;
use uuid::Uuid;

use crate::helpers::{TestApp, client_with, insert_workload, session_for, spawn_app, spawn_app_with, test_settings};

/// Creates a token through the form; the secret from the page that shows it once.
async fn create(app: &TestApp, client: &reqwest::Client, name: &str, role: &str, expires: &str) -> reqwest::Response {
    client
        .post(app.url("/settings/tokens"))
        .form(&[("name", name), ("role", role), ("expires", expires)])
        .send()
        .await
        .expect("the server answers")
}

async fn secret_of(response: reqwest::Response) -> String {
    assert_eq!(response.status(), StatusCode::CREATED);
    let page = response.text().await.expect("the page");
    let start = page.find("data-token>").expect("the secret is on the page") + "data-token>".len();
    let end = start + page[start..].find('<').expect("the end of the secret");
    page[start..end].to_owned()
}

/// A script: no cookie, only the token.
async fn script_get(app: &TestApp, secret: &str, path: &str) -> reqwest::Response {
    client_with(None)
        .get(app.url(path))
        .header(AUTHORIZATION, format!("Bearer {secret}"))
        .send()
        .await
        .expect("the server answers")
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_token_is_shown_once_stored_as_a_digest_and_lets_a_script_read(pool: PgPool) {
    let workload = insert_workload(&pool, "Checkout", &[("security", 71)]).await;
    let app = spawn_app(pool.clone()).await;

    let secret = secret_of(create(&app, &app.client, "Nightly report", "viewer", "30").await).await;

    assert!(secret.starts_with("plinth_") && secret.len() > 40, "{secret}");
    let stored = sqlx::query!("SELECT secret_hash, prefix, role, expires_at FROM api_tokens")
        .fetch_one(&pool)
        .await
        .expect("a row");
    assert_eq!(stored.secret_hash.len(), 32, "only a SHA-256 digest is kept");
    assert!(!stored.secret_hash.windows(10).any(|w| secret.as_bytes().windows(10).any(|s| s == w)));
    assert!(secret.starts_with(&stored.prefix) && stored.prefix.len() < 16, "the list shows only a prefix");
    assert_eq!(stored.role, "viewer");
    let days = (stored.expires_at.expect("an expiry") - chrono::Utc::now()).num_days();
    assert!((29..=30).contains(&days), "expires in 30 days: {days}");
    let (_, page) = app.get_text("/settings/tokens").await;
    assert!(page.contains("Nightly report") && page.contains(&stored.prefix), "the token is listed");
    assert!(!page.contains(&secret), "the list never shows the secret again");

    let read = script_get(&app, &secret, &format!("/workloads/{workload}/export?format=json")).await;
    assert_eq!(read.status(), StatusCode::OK, "a script reads with the token alone");
    let used = sqlx::query_scalar!("SELECT last_used_at FROM api_tokens").fetch_one(&pool).await.expect("a row");
    assert!(used.is_some(), "the last use is recorded");
    let audit = sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM audit_log WHERE action = 'token.create'"#)
        .fetch_one(&pool)
        .await
        .expect("a count");
    assert_eq!(audit, 1);
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_token_acts_with_the_lower_of_its_role_and_its_users(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;
    let viewer_token = secret_of(create(&app, &app.client, "read only", "viewer", "never").await).await;
    let editor = client_with(Some(&session_for(&pool, Role::Editor).await));
    let editor_token = secret_of(create(&app, &editor, "automation", "editor", "90").await).await;
    let post = |secret: String| {
        let url = app.url("/remediation");
        async move {
            client_with(None)
                .post(url)
                .header(AUTHORIZATION, format!("Bearer {secret}"))
                .form(&[("workload", Uuid::nil().to_string())])
                .send()
                .await
                .expect("answers")
                .status()
        }
    };

    assert_eq!(post(viewer_token).await, StatusCode::FORBIDDEN, "an admin's viewer token only reads");
    assert_ne!(post(editor_token.clone()).await, StatusCode::FORBIDDEN, "an editor's editor token writes");
    sqlx::query!("UPDATE users SET role = 'viewer' WHERE email = 'editor@example.com'")
        .execute(&pool)
        .await
        .expect("the editor is demoted");
    assert_eq!(post(editor_token).await, StatusCode::FORBIDDEN, "a demoted user's token is demoted too");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_token_above_the_users_role_or_without_a_name_is_refused_keeping_the_name(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;
    let viewer = client_with(Some(&session_for(&pool, Role::Viewer).await));

    let above = create(&app, &viewer, "Deploy bot", "admin", "30").await;
    assert_eq!(above.status(), StatusCode::SEE_OTHER);
    assert_eq!(above.headers()[LOCATION], "/settings/tokens?error=role&name=Deploy%20bot");
    let unnamed = create(&app, &viewer, "  ", "viewer", "30").await;
    assert!(unnamed.headers()[LOCATION].to_str().expect("a location").contains("error=name"));
    let forever = create(&app, &viewer, "Odd", "viewer", "0").await;
    assert!(forever.headers()[LOCATION].to_str().expect("a location").contains("error=expires"));
    let count =
        sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM api_tokens"#).fetch_one(&pool).await.expect("a count");
    assert_eq!(count, 0, "nothing was created");
    let page = viewer.get(app.url("/settings/tokens?error=role&name=Deploy%20bot")).send().await.expect("the page");
    let page = page.text().await.expect("a body");
    assert!(page.contains("at most your own") && page.contains("value=\"Deploy bot\""), "said why, kept the name");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn revoked_expired_unknown_and_disabled_users_tokens_get_401_in_json(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;
    let editor = client_with(Some(&session_for(&pool, Role::Editor).await));
    let revoked = secret_of(create(&app, &app.client, "to revoke", "viewer", "30").await).await;
    let expired = secret_of(create(&app, &app.client, "to expire", "viewer", "30").await).await;
    let disabled = secret_of(create(&app, &editor, "of a leaver", "viewer", "30").await).await;
    for secret in [&revoked, &expired, &disabled] {
        assert_eq!(script_get(&app, secret, "/api/overview").await.status(), StatusCode::OK, "works at first");
    }

    let id = sqlx::query_scalar!("SELECT id FROM api_tokens WHERE name = 'to revoke'")
        .fetch_one(&pool)
        .await
        .expect("an id");
    let stranger = editor.post(app.url(&format!("/settings/tokens/{id}/revoke"))).send().await.expect("answers");
    assert!(stranger.headers()[LOCATION].to_str().expect("a location").contains("error=unknown"), "not theirs");
    let revoke = app.client.post(app.url(&format!("/settings/tokens/{id}/revoke"))).send().await.expect("answers");
    assert_eq!(revoke.headers()[LOCATION], "/settings/tokens?revoked=1");
    sqlx::query!("UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE name = 'to expire'")
        .execute(&pool)
        .await
        .expect("expired");
    sqlx::query!("UPDATE users SET disabled_at = now() WHERE email = 'editor@example.com'")
        .execute(&pool)
        .await
        .expect("disabled");

    for secret in [revoked.as_str(), &expired, &disabled, "plinth_not-a-real-token", "no-prefix"] {
        let refused = script_get(&app, secret, "/api/overview").await;
        assert_eq!(refused.status(), StatusCode::UNAUTHORIZED, "{secret}");
        let body: serde_json::Value = refused.json().await.expect("a JSON error");
        assert_eq!(body["code"], "unauthorized");
        assert!(body["message"].as_str().is_some_and(|m| m.contains("revoked or expired")));
    }
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_token_calling_too_fast_gets_429_with_when_to_try_again(pool: PgPool) {
    let mut settings = test_settings();
    settings.api = server::auth::rate::ApiRateSettings { requests_per_second: 0.2, burst: 2 };
    let app = spawn_app_with(pool.clone(), settings).await;
    let secret = secret_of(create(&app, &app.client, "busy script", "viewer", "30").await).await;

    for _ in 0..2 {
        assert_eq!(script_get(&app, &secret, "/api/v1/workloads").await.status(), StatusCode::OK, "the burst");
    }
    let refused = script_get(&app, &secret, "/api/v1/workloads").await;

    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = refused.headers()["retry-after"].to_str().expect("a number").parse().expect("seconds");
    assert!((1..=5).contains(&wait), "one request comes back every 5 s: {wait}");
    let body: serde_json::Value = refused.json().await.expect("a JSON error");
    assert_eq!(body["code"], "rate_limited");
    let (status, _) = app.get_text("/api/v1/workloads").await;
    assert_eq!(status, StatusCode::OK, "a browser session is not limited by a token's bucket");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_token_can_neither_mint_nor_revoke_tokens_so_none_outlives_the_one_that_leaked(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;
    let secret = secret_of(create(&app, &app.client, "One day", "admin", "1").await).await;
    let script = client_with(None);

    let minted = script
        .post(app.url("/settings/tokens"))
        .header(AUTHORIZATION, format!("Bearer {secret}"))
        .form(&[("name", "Forever"), ("role", "admin"), ("expires", "never")])
        .send()
        .await
        .expect("the server answers");
    let id = sqlx::query_scalar!("SELECT id FROM api_tokens").fetch_one(&pool).await.expect("the one token");
    let revoked = script
        .post(app.url(&format!("/settings/tokens/{id}/revoke")))
        .header(AUTHORIZATION, format!("Bearer {secret}"))
        .send()
        .await
        .expect("the server answers");

    assert_eq!(minted.status(), StatusCode::FORBIDDEN);
    assert!(minted.text().await.expect("a body").contains("not an API token"));
    assert_eq!(revoked.status(), StatusCode::FORBIDDEN);
    let tokens = sqlx::query!(r#"SELECT name, revoked_at IS NOT NULL AS "revoked!" FROM api_tokens"#)
        .fetch_all(&pool)
        .await
        .expect("the tokens");
    assert_eq!(tokens.len(), 1, "no token was minted");
    assert!(!tokens[0].revoked, "nothing was revoked");
}
