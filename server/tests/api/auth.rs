//! Signing in and out, sessions, throttling, the first start without
//! users, cross-origin writes and the security headers.

use app::domain::Role;
use reqwest::StatusCode;
use reqwest::header::{LOCATION, SET_COOKIE};
use secrecy::SecretString;
use server::auth::users;
use sqlx::PgPool;

use crate::helpers::{TestApp, client_with, session_for, spawn_app, spawn_app_with, test_settings};

const PASSWORD: &str = "correct horse battery";

async fn add_dana(pool: &PgPool) {
    let password = SecretString::from(PASSWORD);
    users::add(pool, "test", "dana@example.com", "Dana Reyes", Role::Editor, Some(&password))
        .await
        .expect("Dana is added");
}

async fn sign_in(app: &TestApp, cookie: Option<&str>, email: &str, password: &str) -> reqwest::Response {
    client_with(cookie)
        .post(app.url("/login"))
        .form(&[("email", email), ("password", password), ("next", "/findings?severity=HIGH")])
        .send()
        .await
        .expect("the server answers")
}

fn session_cookie_of(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find(|value| value.starts_with("plinth_session=") && !value.contains("Max-Age=0"))
        .map(|value| value.split(';').next().unwrap_or_default().to_owned())
}

fn location(response: &reqwest::Response) -> String {
    response.headers().get(LOCATION).and_then(|l| l.to_str().ok()).unwrap_or_default().to_owned()
}

async fn status_with(app: &TestApp, cookie: &str, path: &str) -> StatusCode {
    client_with(Some(cookie)).get(app.url(path)).send().await.expect("the server answers").status()
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn an_anonymous_visitor_is_sent_to_sign_in_and_brought_back(pool: PgPool) {
    let app = spawn_app(pool).await;

    let page = app.anonymous.get(app.url("/findings?severity=HIGH")).send().await.expect("the server answers");
    assert_eq!(page.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&page), "/login?next=%2Ffindings%3Fseverity%3DHIGH");

    let call = app.anonymous.get(app.url("/api/overview")).send().await.expect("the server answers");
    assert_eq!(call.status(), StatusCode::UNAUTHORIZED, "a server function is refused, not redirected");

    let (status, html) = {
        let response = app.anonymous.get(app.url("/login?next=%2Ffindings")).send().await.expect("answers");
        (response.status(), response.text().await.expect("a body"))
    };
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(r#"action="/login""#) && html.contains(r#"name="password""#), "{html}");
    assert!(html.contains(r#"value="/findings""#), "the form carries where to go next");
    assert!(!html.contains(r#"href="/findings""#), "no navigation is shown to an anonymous visitor");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn signing_in_starts_a_new_session_and_goes_where_the_visitor_was_headed(pool: PgPool) {
    add_dana(&pool).await;
    let app = spawn_app(pool.clone()).await;
    // A session id the browser held before (planted, or an old one).
    let before = session_for(&pool, Role::Viewer).await;

    let response = sign_in(&app, Some(&before), "Dana@Example.com", PASSWORD).await;

    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/findings?severity=HIGH");
    let raw = response.headers()[SET_COOKIE].to_str().expect("ASCII").to_owned();
    assert!(raw.contains("HttpOnly") && raw.contains("SameSite=Lax") && !raw.contains("Secure"), "{raw}");
    let after = session_cookie_of(&response).expect("a session cookie");
    assert_ne!(after, before, "the session id changes at sign-in");
    assert_eq!(status_with(&app, &after, "/api/overview").await, StatusCode::OK);
    assert_eq!(
        status_with(&app, &before, "/api/overview").await,
        StatusCode::UNAUTHORIZED,
        "the session presented at sign-in is over"
    );
    let audited: i64 = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM audit_log WHERE action = 'user.sign_in' AND actor = 'dana@example.com'"#
    )
    .fetch_one(&pool)
    .await
    .expect("the audit log");
    assert_eq!(audited, 1);
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_wrong_password_goes_back_to_the_form_with_the_email_kept(pool: PgPool) {
    add_dana(&pool).await;
    let app = spawn_app(pool.clone()).await;

    let response = sign_in(&app, None, "dana@example.com", "not the password").await;

    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(session_cookie_of(&response).is_none(), "no session for a wrong password");
    let back = location(&response);
    assert!(back.starts_with("/login?error=invalid&email=dana%40example.com"), "{back}");
    let html = app.anonymous.get(app.url(&back)).send().await.expect("answers").text().await.expect("a body");
    assert!(html.contains("That email and password do not match an active account."), "{html}");
    assert!(html.contains(r#"value="dana@example.com""#), "the email typed is kept");
    let audited: i64 = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM audit_log WHERE action = 'user.sign_in_failed' AND target = 'dana@example.com'"#
    )
    .fetch_one(&pool)
    .await
    .expect("the audit log");
    assert_eq!(audited, 1);
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn too_many_failures_lock_the_account_even_for_the_right_password(pool: PgPool) {
    add_dana(&pool).await;
    let app = spawn_app(pool).await;

    for _ in 0..5 {
        let response = sign_in(&app, None, "dana@example.com", "a wrong guess").await;
        assert!(location(&response).starts_with("/login?error=invalid"));
    }
    let locked = sign_in(&app, None, "dana@example.com", PASSWORD).await;

    assert!(session_cookie_of(&locked).is_none(), "the right password does not get through the lock");
    let back = location(&locked);
    assert!(back.starts_with("/login?error=throttled-account"), "{back}");
    assert!(back.contains("minutes=15"), "{back}");
    let html = app.anonymous.get(app.url(&back)).send().await.expect("answers").text().await.expect("a body");
    assert!(html.contains("Too many failed sign-ins for this account. Try again in 15 minutes"), "{html}");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn too_many_failures_from_one_address_lock_out_the_address(pool: PgPool) {
    add_dana(&pool).await;
    let mut settings = test_settings();
    settings.auth.throttle.per_address = 3;
    let app = spawn_app_with(pool, settings).await;

    for guess in ["lee@example.com", "sam@example.com", "kim@example.com"] {
        sign_in(&app, None, guess, "a wrong guess").await;
    }
    let refused = sign_in(&app, None, "dana@example.com", PASSWORD).await;

    assert!(session_cookie_of(&refused).is_none());
    assert!(location(&refused).starts_with("/login?error=throttled-address"), "{}", location(&refused));
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn signing_out_ends_the_session_for_good(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;

    let response = app.client.post(app.url("/logout")).send().await.expect("the server answers");

    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let audited: i64 = sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM audit_log WHERE action = 'user.sign_out'"#)
        .fetch_one(&pool)
        .await
        .expect("the audit log");
    assert_eq!(audited, 1, "signing out is recorded");
    assert_eq!(location(&response), "/login?signed-out=1");
    let cleared = response.headers()[SET_COOKIE].to_str().expect("ASCII");
    assert!(cleared.starts_with("plinth_session=;") && cleared.contains("Max-Age=0"), "{cleared}");
    assert_eq!(
        status_with(&app, &app.session_cookie, "/api/overview").await,
        StatusCode::UNAUTHORIZED,
        "replaying the old cookie does not sign anyone in"
    );
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn an_idle_session_and_one_past_its_lifetime_end(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;
    let idle = session_for(&pool, Role::Viewer).await;
    let old = session_for(&pool, Role::Editor).await;
    sqlx::query!("UPDATE sessions SET last_seen_at = now() - interval '8 hours 1 minute' WHERE user_id = (SELECT id FROM users WHERE email = 'viewer@example.com')")
        .execute(&pool)
        .await
        .expect("the session ages");
    sqlx::query!("UPDATE sessions SET expires_at = now() - interval '1 second' WHERE user_id = (SELECT id FROM users WHERE email = 'editor@example.com')")
        .execute(&pool)
        .await
        .expect("the session ages");

    for cookie in [&idle, &old] {
        let response = client_with(Some(cookie)).get(app.url("/workloads")).send().await.expect("answers");
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&response), "/login?next=%2Fworkloads&expired=1");
        let cleared = response.headers()[SET_COOKIE].to_str().expect("ASCII");
        assert!(cleared.contains("Max-Age=0"), "the browser is told to forget it: {cleared}");
    }
    let left: i64 = sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM sessions"#).fetch_one(&pool).await.expect("n");
    assert_eq!(left, 1, "only the admin's live session is left");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_session_under_its_idle_timeout_stays_alive(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;
    let viewer = session_for(&pool, Role::Viewer).await;
    sqlx::query!("UPDATE sessions SET last_seen_at = now() - interval '7 hours 59 minutes'")
        .execute(&pool)
        .await
        .expect("the sessions age");

    assert_eq!(status_with(&app, &viewer, "/api/overview").await, StatusCode::OK);
    let touched: bool = sqlx::query_scalar!(
        r#"SELECT bool_and(last_seen_at > now() - interval '1 minute') AS "touched!" FROM sessions
           WHERE user_id = (SELECT id FROM users WHERE email = 'viewer@example.com')"#
    )
    .fetch_one(&pool)
    .await
    .expect("the session");
    assert!(touched, "using a session keeps it alive");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn disabling_a_user_or_changing_their_role_applies_to_their_next_request(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;
    let editor = session_for(&pool, Role::Editor).await;
    let viewer = session_for(&pool, Role::Viewer).await;

    users::set_role(&pool, "test", "viewer@example.com", Role::Admin).await.expect("the role changes");
    users::disable(&pool, "test", "editor@example.com").await.expect("the user is disabled");

    assert_eq!(status_with(&app, &editor, "/api/overview").await, StatusCode::UNAUTHORIZED);
    let html =
        client_with(Some(&viewer)).get(app.url("/")).send().await.expect("answers").text().await.expect("a body");
    assert!(html.contains(r#"href="/admin""#), "the new admin sees the admin link at once");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn without_any_user_the_server_says_how_to_create_the_first_admin(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;
    sqlx::query!("DELETE FROM users").execute(&pool).await.expect("no users");

    for path in ["/", "/findings", "/login", "/api/overview"] {
        let response = app.anonymous.get(app.url(path)).send().await.expect("the server answers");
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE, "{path}");
        let html = response.text().await.expect("a body");
        assert!(html.contains("plinth user add --email you@example.com --role admin"), "{path}: {html}");
    }
    assert_eq!(app.anonymous.get(app.url("/healthz")).send().await.expect("answers").status(), StatusCode::OK);
    assert_eq!(app.anonymous.get(app.url("/favicon.svg")).send().await.expect("answers").status(), StatusCode::OK);
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_cross_origin_post_is_refused_before_it_does_anything(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;

    for (header, value) in [("origin", "https://evil.example"), ("sec-fetch-site", "cross-site")] {
        for path in ["/logout", "/api/sync_now", "/login", "/theme"] {
            let response = app
                .client
                .post(app.url(path))
                .header(header, value)
                .form(&[("source", uuid::Uuid::nil().to_string())])
                .send()
                .await
                .expect("the server answers");
            assert_eq!(response.status(), StatusCode::FORBIDDEN, "{path} with {header}: {value}");
        }
    }
    assert_eq!(status_with(&app, &app.session_cookie, "/api/overview").await, StatusCode::OK, "still signed in");

    let same_origin = app
        .client
        .post(app.url("/logout"))
        .header("origin", format!("http://{}", app.addr))
        .header("sec-fetch-site", "same-origin")
        .send()
        .await
        .expect("the server answers");
    assert_eq!(same_origin.status(), StatusCode::SEE_OTHER, "the site's own form passes");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn every_kind_of_response_carries_the_security_headers(pool: PgPool) {
    let app = spawn_app(pool).await;
    let responses = [
        ("page", app.client.get(app.url("/")).send().await),
        ("server function", app.client.get(app.url("/api/overview")).send().await),
        ("static file", app.client.get(app.url("/favicon.svg")).send().await),
        ("error page", app.client.get(app.url("/no/such/page")).send().await),
        ("sign-in redirect", app.anonymous.get(app.url("/findings")).send().await),
        ("refusal", app.anonymous.get(app.url("/api/overview")).send().await),
        ("health check", app.anonymous.get(app.url("/healthz")).send().await),
    ];
    for (kind, response) in responses {
        let response = response.expect("the server answers");
        let headers = response.headers();
        let policy = headers.get("content-security-policy").and_then(|v| v.to_str().ok()).unwrap_or_default();
        for directive in ["frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'", "script-src 'self' 'nonce-"]
        {
            assert!(policy.contains(directive), "{kind}: {directive} in {policy:?}");
        }
        assert!(!policy.contains("unsafe-inline"), "{kind}: {policy}");
        assert_eq!(headers.get("x-content-type-options").map(|v| v.as_bytes()), Some(&b"nosniff"[..]), "{kind}");
        assert!(headers.contains_key("referrer-policy"), "{kind}");
        assert!(!headers.contains_key("strict-transport-security"), "{kind}: no HSTS over plain http");
        if kind != "static file" {
            assert_eq!(headers.get("cache-control").map(|v| v.as_bytes()), Some(&b"no-store"[..]), "{kind}");
        }
    }
}

/// Sends a request line as written, which an HTTP client would normalise.
async fn raw_get(app: &TestApp, path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(app.addr).await.expect("a connection");
    let request = format!("GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n", app.addr);
    stream.write_all(request.as_bytes()).await.expect("the request is sent");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.expect("an answer");
    answer
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn dot_segments_cannot_walk_past_the_gate(pool: PgPool) {
    let app = spawn_app(pool).await;

    for path in ["/pkg/../admin", "/auth/%2e%2e/findings", "/pkg/%2E%2E/api/overview", "/pkg//../sync"] {
        let answer = raw_get(&app, path).await;
        assert!(answer.starts_with("HTTP/1.1 400"), "{path}: {}", answer.lines().next().unwrap_or_default());
    }
    assert!(raw_get(&app, "/findings").await.starts_with("HTTP/1.1 303"), "a plain path still goes to sign-in");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn the_pages_inline_scripts_carry_the_nonce_of_their_policy(pool: PgPool) {
    let app = spawn_app(pool).await;

    let response = app.client.get(app.url("/")).send().await.expect("the server answers");
    let policy = response.headers()["content-security-policy"].to_str().expect("ASCII").to_owned();
    let html = response.text().await.expect("a body");

    let nonce = policy.split("'nonce-").nth(1).and_then(|rest| rest.split('\'').next()).expect("a nonce");
    let scripts: Vec<&str> = html.split("<script").skip(1).map(|s| s.split('>').next().unwrap_or_default()).collect();
    assert!(!scripts.is_empty());
    for script in scripts {
        assert!(script.contains("src=") || script.contains(&format!("nonce=\"{nonce}\"")), "<script{script}>");
    }
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn behind_https_cookies_are_secure_and_responses_carry_hsts(pool: PgPool) {
    add_dana(&pool).await;
    let mut settings = test_settings();
    settings.auth.public_url = Some("https://plinth.example.com".into());
    let app = spawn_app_with(pool, settings).await;

    let response = sign_in(&app, None, "dana@example.com", PASSWORD).await;

    let cookie = response.headers()[SET_COOKIE].to_str().expect("ASCII");
    assert!(cookie.starts_with("__Host-plinth_session=") && cookie.ends_with("; Secure"), "{cookie}");
    assert!(response.headers()["strict-transport-security"].to_str().expect("ASCII").starts_with("max-age="));
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn ended_sessions_are_purged_and_live_ones_kept(pool: PgPool) {
    let live = session_for(&pool, Role::Admin).await;
    session_for(&pool, Role::Viewer).await;
    session_for(&pool, Role::Editor).await;
    sqlx::query!("UPDATE sessions SET last_seen_at = now() - interval '9 hours' WHERE user_id = (SELECT id FROM users WHERE email = 'viewer@example.com')")
        .execute(&pool)
        .await
        .expect("one goes idle");
    sqlx::query!("UPDATE sessions SET expires_at = now() WHERE user_id = (SELECT id FROM users WHERE email = 'editor@example.com')")
        .execute(&pool)
        .await
        .expect("one reaches its end");

    let purged = server::auth::sessions::purge_ended(&pool, &crate::helpers::policy()).await.expect("purged");

    assert_eq!(purged, 2);
    let app = spawn_app(pool).await;
    assert_eq!(status_with(&app, &live, "/api/overview").await, StatusCode::OK);
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn the_demo_gets_an_admin_only_while_nobody_else_can_sign_in(pool: PgPool) {
    let password = server::demo::admin::ensure(&pool).await.expect("the demo admin").expect("a password to show");

    let admin = users::authenticate(&pool, server::demo::admin::DEMO_ADMIN_EMAIL, &password).await.expect("answers");
    assert_eq!(admin.map(|user| user.role), Some(Role::Admin));
    assert!(
        server::demo::admin::sign_in_text(&password).contains(server::demo::admin::DEMO_ADMIN_EMAIL),
        "the operator is told how to sign in"
    );
    assert!(server::demo::admin::ensure(&pool).await.expect("answers").is_none(), "never a second one");
}
