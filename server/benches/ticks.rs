//! Ticking under load: 50 editors, each with their own API token, tick
//! checklist items of the demo's workloads through `PUT /api/v1/…` at once,
//! as fast as they get answers, against the server on a free port.
//! Run: `cargo bench -p server --bench ticks`. Target: p95 at most 100 ms.

mod support;

use std::time::Instant;

use app::domain::Role;
use rand::seq::IndexedRandom;
use server::config::{ConfigFile, Settings};
use server::startup::Application;

const EDITORS: usize = 50;
const TICKS_EACH: usize = 40;

#[tokio::main]
async fn main() {
    let pool = support::demo_database("plinth_bench_ticks").await;
    let workloads: Vec<uuid::Uuid> =
        sqlx::query_scalar("SELECT id FROM workloads ORDER BY name").fetch_all(&pool).await.expect("the workloads");
    let items: Vec<(String, String)> =
        sqlx::query_as("SELECT pack_id, item_id FROM checklist_items WHERE NOT retired ORDER BY pack_id, item_id")
            .fetch_all(&pool)
            .await
            .expect("the items");

    let mut settings = Settings::load(&ConfigFile::Default).expect("the default settings");
    settings.http.addr = "127.0.0.1:0".parse().expect("an address");
    settings.api.requests_per_second = 10_000.0;
    settings.api.burst = 10_000;
    settings.database.max_connections = 10;
    let app = Application::with_pool(&settings, pool.clone()).await.expect("the server starts");
    let addr = app.local_addr().expect("an address");
    tokio::spawn(app.run_until_stopped());

    let mut editors = Vec::new();
    for n in 0..EDITORS {
        let email = format!("editor-{n}@bench.example");
        let id = server::auth::users::add(&pool, "bench", &email, &format!("Editor {n}"), Role::Editor, None)
            .await
            .expect("an editor");
        let user = app::domain::SignedIn { id, email, display_name: format!("Editor {n}"), role: Role::Editor };
        let token = server::auth::tokens::create(&pool, &user, "bench", Role::Editor, None).await.expect("a token");
        editors.push(token.secret);
    }

    let client = reqwest::Client::new();
    let started = Instant::now();
    let runs = editors.into_iter().enumerate().map(|(editor, secret)| {
        let (client, workloads, items) = (client.clone(), workloads.clone(), items.clone());
        tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(TICKS_EACH);
            for n in 0..TICKS_EACH {
                let (workload, (pack, item)) = {
                    let mut rng = rand::rng();
                    (*workloads.choose(&mut rng).expect("a workload"), items.choose(&mut rng).expect("an item").clone())
                };
                let state = if n % 2 == 0 { "done" } else { "open" };
                let sent = Instant::now();
                let response = client
                    .put(format!("http://{addr}/api/v1/workloads/{workload}/checklist/{pack}/{item}"))
                    .bearer_auth(&secret)
                    // A note of its own, so every tick is a change that is
                    // written, kept in the history and moves the score.
                    .json(&serde_json::json!({ "state": state, "note": format!("editor {editor}, tick {n}") }))
                    .send()
                    .await
                    .expect("the server answers");
                assert!(response.status().is_success(), "a tick failed: {}", response.status());
                response.bytes().await.expect("the body");
                latencies.push(sent.elapsed());
            }
            latencies
        })
    });
    let mut latencies = Vec::new();
    for run in runs.collect::<Vec<_>>() {
        latencies.extend(run.await.expect("an editor's run"));
    }
    let elapsed = started.elapsed();
    let written: i64 = sqlx::query_scalar("SELECT count(*) FROM checklist_history WHERE actor LIKE 'editor-%'")
        .fetch_one(&pool)
        .await
        .expect("the history");
    assert_eq!(written as usize, latencies.len(), "every tick was a change, kept in the history");
    latencies.sort();
    let at = |share: f64| latencies[((latencies.len() as f64 * share) as usize).min(latencies.len() - 1)];
    println!(
        "{} ticks by {EDITORS} editors on {} workloads in {:.1} s ({:.0} ticks/s): p50 {:.1} ms, p95 {:.1} ms, \
         p99 {:.1} ms, max {:.1} ms (target p95 <= 100 ms)",
        latencies.len(),
        workloads.len(),
        elapsed.as_secs_f64(),
        latencies.len() as f64 / elapsed.as_secs_f64(),
        at(0.50).as_secs_f64() * 1000.0,
        at(0.95).as_secs_f64() * 1000.0,
        at(0.99).as_secs_f64() * 1000.0,
        latencies[latencies.len() - 1].as_secs_f64() * 1000.0,
    );
}
