use std::time::Duration;

use app::error::AppError;
use app::ports::{DashboardReads, SyncControl};
use reqwest::StatusCode;
use server::config::{ConfigFile, Settings};
use server::sync::trigger::BackgroundSyncs;
use sqlx::PgPool;

use crate::helpers::{dashboard, load_demo, spawn_app};

fn settings() -> Settings {
    Settings::load(&ConfigFile::Default).expect("the default settings load")
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn the_sync_status_lists_each_source_with_its_last_run(pool: PgPool) {
    load_demo(&pool).await;

    let status = dashboard(&pool).sync_status().await.expect("the status");

    assert_eq!(status.sources.len(), 1);
    let demo = &status.sources[0];
    assert_eq!(demo.kind, "demo");
    let run = demo.last_run.as_ref().expect("the demo ran");
    assert_eq!(run.status, "succeeded");
    assert!(run.slices > 0 && run.slices_done == run.slices);
    assert!(run.stored > 0);
    assert!(demo.last_success.is_some());
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn failed_slices_are_listed_with_the_aws_error_code(pool: PgPool) {
    load_demo(&pool).await;
    sqlx::query!(
        "UPDATE sync_slices SET status = 'failed', error_code = 'AccessDeniedException',
                error_message = 'not authorized', request_id = 'req-1'
         WHERE ctid = (SELECT ctid FROM sync_slices LIMIT 1)"
    )
    .execute(&pool)
    .await
    .expect("a slice fails");
    sqlx::query!("UPDATE sync_runs SET status = 'partial'").execute(&pool).await.expect("the run is partial");
    let app = spawn_app(pool.clone()).await;

    let status = dashboard(&pool).sync_status().await.expect("the status");
    let run = &status.runs[0];
    assert_eq!(run.slices_failed, 1);
    assert_eq!(run.errors[0].error_code.as_deref(), Some("AccessDeniedException"));

    let (_, sync_html) = app.get_text("/sync").await;
    assert!(sync_html.contains("AccessDeniedException") && sync_html.contains("req-1"));
    let (_, overview) = app.get_text("/").await;
    assert!(overview.contains("Partly failed"), "the overview says plainly that the last sync failed in part");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn sync_now_runs_the_source_again_in_the_background(pool: PgPool) {
    load_demo(&pool).await;
    let source: uuid::Uuid = sqlx::query_scalar!("SELECT id FROM sources").fetch_one(&pool).await.expect("the demo");
    let syncs = BackgroundSyncs::new(pool.clone(), settings());

    syncs.sync_now(source, "admin@example.com".into()).await.expect("the sync starts");

    let mut runs = 0;
    for _ in 0..120 {
        runs = sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM sync_runs WHERE status = 'succeeded'"#)
            .fetch_one(&pool)
            .await
            .expect("a count");
        if runs == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(runs, 2, "a second run finished");
    assert_eq!(
        syncs.sync_now(uuid::Uuid::nil(), "admin@example.com".into()).await,
        Err(AppError::NotFound("That source".into())),
        "an unknown source is not found"
    );
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn sync_now_refuses_while_the_source_is_syncing(pool: PgPool) {
    load_demo(&pool).await;
    let source: uuid::Uuid = sqlx::query_scalar!("SELECT id FROM sources").fetch_one(&pool).await.expect("the demo");
    let mut holder = pool.acquire().await.expect("a connection");
    sqlx::query!("SELECT pg_advisory_lock($1)", server::db::sources::lock_key(source))
        .execute(&mut *holder)
        .await
        .expect("another sync holds the lock");
    let syncs = BackgroundSyncs::new(pool.clone(), settings());

    let refused = syncs.sync_now(source, "admin@example.com".into()).await;

    assert_eq!(refused, Err(AppError::Conflict("A sync of demo is already running.".into())));
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn the_sync_button_works_as_a_plain_form(pool: PgPool) {
    load_demo(&pool).await;
    let source: uuid::Uuid = sqlx::query_scalar!("SELECT id FROM sources").fetch_one(&pool).await.expect("the demo");
    let app = spawn_app(pool.clone()).await;

    let (status, html) = app.get_text("/sync").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Sync now"));
    assert!(html.contains(r#"action="/api/sync_now""#), "the button posts without JavaScript");

    let response = app
        .client
        .post(app.url("/api/sync_now"))
        .header("referer", app.url("/sync"))
        .header("accept", "text/html")
        .form(&[("source", source.to_string())])
        .send()
        .await
        .expect("the server answers");

    assert!(response.status().is_redirection(), "{}", response.status());
    let location = response.headers().get("location").and_then(|l| l.to_str().ok()).unwrap_or_default().to_owned();
    assert!(location.trim_end_matches('?').ends_with("/sync"), "back to the sync page: {location}");
    let started_by = sqlx::query_scalar!("SELECT actor FROM audit_log WHERE action = 'sync.start'")
        .fetch_one(&pool)
        .await
        .expect("the audit log names who started the sync");
    assert_eq!(started_by, "admin@example.com");
    // Let the background sync finish before the test database goes away.
    for _ in 0..120 {
        let running: i64 = sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM sync_runs WHERE status = 'running'"#)
            .fetch_one(&pool)
            .await
            .expect("a count");
        let total: i64 =
            sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM sync_runs"#).fetch_one(&pool).await.expect("a count");
        if running == 0 && total == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn the_sync_page_lists_writes_to_aws_given_up_and_retrying_first_with_their_errors(pool: PgPool) {
    let workload = crate::helpers::insert_workload(&pool, "Checkout", &[]).await;
    sqlx::query!(
        "INSERT INTO aws_writes (kind, workload_id, subject, actor, state, attempts, last_error, outcome, done_at)
         VALUES ('milestone', $1, 'Q3 review', 'ana@example.com', 'done', 1, NULL, 'milestone 2', now() - interval '1 day'),
                ('milestone', $1, 'Q4 review', 'ana@example.com', 'given_up', 10,
                 'CreateMilestone: AccessDeniedException: not authorized', NULL, now()),
                ('answer', $1, 'detect-investigate-events', 'bo@example.com', 'retrying', 2,
                 'UpdateAnswer: ThrottlingException: Rate exceeded', NULL, NULL),
                ('milestone', $1, 'Q1 review', 'ana@example.com', 'done', 1, NULL, 'milestone 1', now() - interval '30 days')",
        workload
    )
    .execute(&pool)
    .await
    .expect("writes of every kind of outcome");
    let app = spawn_app(pool.clone()).await;

    let writes = dashboard(&pool).aws_writes().await.expect("the writes");
    let (_, page) = app.get_text("/sync").await;

    let subjects: Vec<&str> = writes.iter().map(|write| write.subject.as_str()).collect();
    assert_eq!(subjects, ["detect-investigate-events", "Q4 review", "Q3 review"], "a month-old write is not listed");
    assert!(writes[0].sentence.starts_with("retrying (2 attempts so far, next at "), "{}", writes[0].sentence);
    assert!(page.contains("Writes to AWS") && page.contains("Given up: "), "the page shows them");
    assert!(page.contains("given up after 10 attempts: CreateMilestone: AccessDeniedException: not authorized"));
    assert!(page.contains("done, milestone 2"));
}
