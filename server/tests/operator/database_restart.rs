//! PostgreSQL restarting under write load: every answer is 200 or 503 with
//! `Retry-After`, never 500; every tick answered 200 is stored; a tick
//! answered 503 and sent again is stored exactly once; and the score
//! catches up with every tick once the database is back.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use app::domain::Role;
use reqwest::StatusCode;
use sqlx::PgPool;

use crate::helpers::{Proxy, database_url, postgres_addr, serve, terminate_sessions, token_for};

const EDITORS: usize = 8;

/// What one editor saw: each tick's note and the statuses it was answered.
type Answers = Vec<(String, Vec<(StatusCode, bool)>)>;

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn ticks_through_two_database_restarts_are_answered_503_or_stored_never_500(pool: PgPool) {
    let workload = sqlx::query_scalar!(
        "INSERT INTO workloads (name, account_ids, regions) VALUES ('Checkout', '{111122223333}', '{eu-west-1}')
         RETURNING id"
    )
    .fetch_one(&pool)
    .await
    .expect("a workload");
    server::checklists::store::install_built_in(&pool).await.expect("the built-in packs");
    let items: Vec<(String, String)> = sqlx::query!(
        "SELECT pack_id, item_id FROM checklist_items WHERE NOT retired ORDER BY pack_id, item_id LIMIT 40"
    )
    .fetch_all(&pool)
    .await
    .expect("the items")
    .into_iter()
    .map(|row| (row.pack_id, row.item_id))
    .collect();
    let per_editor = items.len() / EDITORS;
    assert!(per_editor >= 2, "{} built-in items for {EDITORS} editors", items.len());
    let mut tokens = Vec::new();
    for n in 0..EDITORS {
        tokens.push(token_for(&pool, &format!("editor-{n}@example.com"), Role::Editor).await);
    }
    let proxy = Proxy::to(postgres_addr(&pool)).await;
    let server = serve(&database_url(&pool, Some(&proxy)), "restart", |command| {
        command.env("PLINTH_API__REQUESTS_PER_SECOND", "1000").env("PLINTH_API__BURST", "1000");
    })
    .await;
    let client = reqwest::Client::builder().timeout(Duration::from_secs(20)).build().expect("a client");

    let load_ends = Instant::now() + Duration::from_secs(9);
    let editors = tokens.into_iter().enumerate().map(|(n, token)| {
        let (client, items, url) = (client.clone(), items.clone(), server.url("/api/v1/workloads"));
        tokio::spawn(async move {
            let mut answers: Answers = Vec::new();
            let mut tick = 0;
            while Instant::now() < load_ends {
                // Each editor ticks items of its own. A retry whose first
                // try was stored (the commit landed, its answer was lost)
                // is recognised as the same tick only while nobody else
                // ticked the item in between; another editor's tick there
                // would make the retry a change again, rightly stored.
                let (pack, item) = &items[n * per_editor + tick % per_editor];
                let note = format!("editor {n}, tick {tick}");
                let state = if tick % 2 == 0 { "done" } else { "not_applicable" };
                let mut statuses = Vec::new();
                // A tick answered 503 is sent again, as a client would.
                loop {
                    let response = client
                        .put(format!("{url}/{workload}/checklist/{pack}/{item}"))
                        .bearer_auth(&token)
                        .json(&serde_json::json!({ "state": state, "note": note }))
                        .send()
                        .await
                        .expect("the server answers");
                    let status = response.status();
                    statuses.push((status, response.headers().contains_key("retry-after")));
                    if status != StatusCode::SERVICE_UNAVAILABLE {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                answers.push((note, statuses));
                tick += 1;
            }
            answers
        })
    });
    let editors: Vec<_> = editors.collect();

    for _ in 0..2 {
        tokio::time::sleep(Duration::from_secs(2)).await;
        // A restart: sessions ended by the server (57P01), then a moment
        // when nothing can connect.
        terminate_sessions(&pool).await;
        proxy.cut();
        tokio::time::sleep(Duration::from_millis(1500)).await;
        proxy.restore();
    }
    let mut answers: Answers = Vec::new();
    for editor in editors {
        answers.extend(editor.await.expect("an editor's run"));
    }

    let statuses: Vec<(StatusCode, bool)> = answers.iter().flat_map(|(_, s)| s.iter().copied()).collect();
    let unavailable = statuses.iter().filter(|(status, _)| *status == StatusCode::SERVICE_UNAVAILABLE).count();
    assert!(
        statuses.iter().all(|(status, _)| *status == StatusCode::OK || *status == StatusCode::SERVICE_UNAVAILABLE),
        "only 200 and 503: {:?}",
        statuses
            .iter()
            .filter(|(s, _)| *s != StatusCode::OK && *s != StatusCode::SERVICE_UNAVAILABLE)
            .collect::<Vec<_>>()
    );
    assert!(unavailable > 0, "the restarts were felt: {} ticks, none refused", statuses.len());
    assert!(
        statuses.iter().all(|(status, retry_after)| *status != StatusCode::SERVICE_UNAVAILABLE || *retry_after),
        "every 503 says when to retry"
    );
    let stored: HashMap<String, i64> = sqlx::query!(
        r#"SELECT note, count(*) AS "n!" FROM checklist_history WHERE workload_id = $1 GROUP BY note"#,
        workload
    )
    .fetch_all(&pool)
    .await
    .expect("the history")
    .into_iter()
    .map(|row| (row.note, row.n))
    .collect();
    for (note, statuses) in &answers {
        if statuses.last().is_some_and(|(status, _)| *status == StatusCode::OK) {
            assert_eq!(stored.get(note), Some(&1), "{note} answered {statuses:?} is stored exactly once");
        }
    }
    assert!(answers.len() > 50, "the load went on: {} ticks", answers.len());
    eprintln!(
        "{} ticks by {EDITORS} editors through two restarts: {} requests, {unavailable} answered 503, all stored once",
        answers.len(),
        statuses.len()
    );

    // The scores follow every tick, retried where a recompute failed.
    let settled = Instant::now();
    loop {
        let due = sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM score_recompute_due"#)
            .fetch_one(&pool)
            .await
            .expect("the marks");
        if due == 0 {
            break;
        }
        assert!(settled.elapsed() < Duration::from_secs(20), "scores were still due 20 s after the load");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let (scored, last_tick) = sqlx::query!(
        r#"SELECT (SELECT min(computed_at) FROM pillar_scores WHERE workload_id = $1) AS "scored!",
                  (SELECT max(at) FROM checklist_history WHERE workload_id = $1) AS "ticked!""#,
        workload
    )
    .fetch_one(&pool)
    .await
    .map(|row| (row.scored, row.ticked))
    .expect("the times");
    assert!(scored >= last_tick, "the score was computed after the last tick");
    assert!(!server.log_text().contains("panicked"), "the server never panicked");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn pages_and_the_api_answer_503_with_retry_after_while_the_database_is_away(pool: PgPool) {
    let token = token_for(&pool, "viewer@example.com", Role::Viewer).await;
    let proxy = Proxy::to(postgres_addr(&pool)).await;
    let server = serve(&database_url(&pool, Some(&proxy)), "away", |_| {}).await;
    let client = reqwest::Client::builder().timeout(Duration::from_secs(20)).build().expect("a client");
    let paths = ["/", "/workloads", "/findings", "/api/v1/workloads", "/readyz"];

    terminate_sessions(&pool).await;
    proxy.cut();
    let mut away = Vec::new();
    for path in paths {
        let response = client.get(server.url(path)).bearer_auth(&token).send().await.expect("an answer");
        away.push((path, response.status(), response.headers().get("retry-after").cloned()));
    }
    proxy.restore();
    let mut back = Vec::new();
    for path in paths {
        back.push((path, client.get(server.url(path)).bearer_auth(&token).send().await.expect("an answer").status()));
    }

    for (path, status, retry_after) in away {
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{path} while the database is away");
        assert!(retry_after.is_some(), "{path} says when to retry");
    }
    for (path, status) in back {
        assert_eq!(status, StatusCode::OK, "{path} once the database is back");
    }
}
