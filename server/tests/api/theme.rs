use reqwest::StatusCode;
use reqwest::header::{LOCATION, SET_COOKIE};
use sqlx::PgPool;

use crate::helpers::spawn_app;

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn choosing_a_theme_sets_its_cookie_and_returns_to_the_page(pool: PgPool) {
    let app = spawn_app(pool).await;

    let response = app
        .client
        .post(app.url("/theme"))
        .header("referer", app.url("/?from=test"))
        .form(&[("theme", "dark")])
        .send()
        .await
        .expect("the server answers");

    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()[LOCATION], "/?from=test");
    let cookie = response.headers()[SET_COOKIE].to_str().expect("an ASCII cookie");
    assert!(cookie.starts_with("plinth_theme=dark;"), "{cookie}");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn the_page_is_rendered_in_the_theme_its_cookie_asks_for(pool: PgPool) {
    let app = spawn_app(pool).await;

    let response = app
        .client
        .get(app.url("/"))
        .header("cookie", format!("{}; plinth_theme=dark", app.session_cookie))
        .send()
        .await
        .expect("the server answers");
    let html = response.text().await.expect("a text body");

    assert!(html.contains(r#"<html lang="en" data-theme="dark""#), "{html}");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn an_unknown_theme_is_refused_with_a_clear_message(pool: PgPool) {
    let app = spawn_app(pool).await;

    let response =
        app.client.post(app.url("/theme")).form(&[("theme", "purple")]).send().await.expect("the server answers");

    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(response.headers().get(SET_COOKIE).is_none());
    let message = response.text().await.expect("a text body");
    assert!(message.contains("Unknown theme \"purple\""), "{message}");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_theme_chosen_from_another_site_or_a_doubled_slash_goes_home(pool: PgPool) {
    let app = spawn_app(pool).await;
    let other_site = "http://x//evil.example/".to_owned();
    let doubled_slash = app.url("//evil.example/");
    for referer in [other_site, doubled_slash, "https://evil.example/findings".to_owned()] {
        let response = app
            .client
            .post(app.url("/theme"))
            .header("referer", &referer)
            .form(&[("theme", "dark")])
            .send()
            .await
            .expect("the server answers");
        assert_eq!(response.headers()[LOCATION], "/", "from {referer}");
    }
}
