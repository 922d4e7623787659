//! Scheduled syncs: two `plinth serve` replicas on one database sync each
//! configured source once per interval, never twice at once, and the sync
//! page says when the next one is planned.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use crate::helpers::{database_url, serve, token_for};

/// Two sources syncing every two seconds (AWS is a closed port, so every
/// run fails at once: a run is a run).
const CONFIG: &str = r#"
[[sources]]
name = "payments"
accounts = ["111122223333"]
regions = ["eu-west-1"]
services = ["security_hub"]
sync_interval = "2s"

[[sources]]
name = "platform"
accounts = ["444455556666"]
regions = ["eu-west-1"]
services = ["config"]
sync_interval = "2s"
"#;

struct Run {
    source: String,
    started_at: DateTime<Utc>,
    finished_at: Option<DateTime<Utc>>,
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn two_replicas_sync_each_source_once_per_interval_and_never_twice_at_once(pool: PgPool) {
    let config = std::env::temp_dir().join(format!("plinth-scheduler-{}.toml", std::process::id()));
    std::fs::write(&config, CONFIG).expect("the configuration is written");
    let url = database_url(&pool, None);
    let with_sources = |command: &mut tokio::process::Command| {
        command.arg("--config").arg(&config).env("PLINTH_SYNC__MIN_INTERVAL", "1s");
    };
    let first = serve(&url, "scheduler-a", with_sources).await;
    let second = serve(&url, "scheduler-b", with_sources).await;

    let viewer = token_for(&pool, "viewer@example.com", app::domain::Role::Viewer).await;

    tokio::time::sleep(Duration::from_secs(14)).await;
    let page = reqwest::Client::new()
        .get(first.url("/sync"))
        .bearer_auth(&viewer)
        .send()
        .await
        .expect("the sync page")
        .text()
        .await
        .expect("a body");
    drop((first, second));

    let runs = sqlx::query_as!(
        Run,
        "SELECT s.name AS source, r.started_at, r.finished_at FROM sync_runs r JOIN sources s ON s.id = r.source_id
         ORDER BY s.name, r.started_at"
    )
    .fetch_all(&pool)
    .await
    .expect("the runs");
    for name in ["payments", "platform"] {
        let runs: Vec<&Run> = runs.iter().filter(|run| run.source == name).collect();
        // 14 s at one run per 2 s (plus up to 0.2 s of jitter, the run
        // itself and the scheduler's 0.1 s between looks).
        assert!((4..=7).contains(&runs.len()), "{name} ran {} times in 14 s", runs.len());
        for pair in runs.windows(2) {
            let finished = pair[0].finished_at.expect("every run but the last has ended");
            let gap = (pair[1].started_at - finished).to_std().unwrap_or_default();
            assert!(pair[1].started_at >= finished, "{name}: a run started before the previous one ended");
            assert!(gap >= Duration::from_secs(2), "{name}: a run started {gap:?} after the previous one ended");
            assert!(gap < Duration::from_millis(3200), "{name}: {gap:?} between runs, more than an interval late");
        }
    }
    let planned = sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM sources WHERE next_sync_at IS NOT NULL"#)
        .fetch_one(&pool)
        .await
        .expect("the plans");
    assert_eq!(planned, 2, "both sources have a planned next sync");
    assert!(page.contains("data-next-sync"), "the sync page shows the next planned sync");
}
