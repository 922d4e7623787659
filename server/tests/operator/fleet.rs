//! Running as a fleet, as ECS runs it: a task stopped with SIGTERM in the
//! middle of a sync leaves no run `running` and no lock held, and two
//! replicas started at once on an empty database migrate it once.

use std::time::{Duration, Instant};

use sqlx::PgPool;
use tokio::net::TcpListener;

use crate::helpers::{database_url, serve};

/// One source whose AWS never answers: every request is accepted and then
/// left waiting, so its sync is under way for as long as the test likes.
const CONFIG: &str = r#"
[[sources]]
name = "stalled"
accounts = ["111122223333"]
regions = ["eu-west-1"]
services = ["security_hub"]
sync_interval = "1h"
"#;

/// An endpoint that accepts connections and never answers them.
async fn silent_endpoint() -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port for the silent endpoint");
    let addr = listener.local_addr().expect("its address");
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    addr
}

async fn running_runs(pool: &PgPool) -> i64 {
    sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM sync_runs WHERE status = 'running'"#)
        .fetch_one(pool)
        .await
        .expect("the runs")
}

async fn source_locks_held(pool: &PgPool) -> bool {
    let source = sqlx::query_scalar!("SELECT id FROM sources WHERE name = 'stalled'")
        .fetch_one(pool)
        .await
        .expect("the source is stored");
    server::db::sync_runs::lock_is_held(pool, server::db::sources::lock_key(source)).await.expect("pg_locks")
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn sigterm_during_a_sync_closes_the_run_as_interrupted_releases_its_lock_and_exits_0(pool: PgPool) {
    let config = std::env::temp_dir().join(format!("plinth-fleet-{}.toml", std::process::id()));
    std::fs::write(&config, CONFIG).expect("the configuration is written");
    let aws = silent_endpoint().await;
    let mut server = serve(&database_url(&pool, None), "sigterm-sync", |command| {
        command
            .arg("--config")
            .arg(&config)
            .env("AWS_ENDPOINT_URL", format!("http://{aws}"))
            .env("PLINTH_HTTP__SHUTDOWN_GRACE", "2s");
    })
    .await;

    let waited = Instant::now();
    while running_runs(&pool).await == 0 {
        assert!(waited.elapsed() < Duration::from_secs(20), "no sync started:\n{}", server.log_text());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(source_locks_held(&pool).await, "the syncing server holds the source's lock");

    let (status, stopped_in) = server.terminate().await;
    assert!(status.success(), "a clean stop: {status}\n{}", server.log_text());

    assert_eq!(running_runs(&pool).await, 0, "no run is left running:\n{}", server.log_text());
    let slice = sqlx::query_scalar!("SELECT error_message FROM sync_slices WHERE status = 'failed'")
        .fetch_one(&pool)
        .await
        .expect("the interrupted slice is failed");
    assert!(slice.as_deref().is_some_and(|message| message.contains("SIGTERM")), "{slice:?}");
    let released = Instant::now();
    while source_locks_held(&pool).await {
        assert!(released.elapsed() < Duration::from_secs(5), "the source's lock outlived the process");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    println!("a server syncing stopped in {stopped_in:?} on SIGTERM, its run closed and its lock released");
}

#[sqlx::test(migrations = false)]
async fn two_replicas_starting_at_once_on_an_empty_database_migrate_it_once(pool: PgPool) {
    let url = database_url(&pool, None);
    let (first, second) = tokio::join!(serve(&url, "migrate-a", |_| {}), serve(&url, "migrate-b", |_| {}));
    for server in [&first, &second] {
        let ready = reqwest::get(server.url("/readyz")).await.expect("an answer");
        assert!(ready.status().is_success(), "{}", server.log_text());
    }
    let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM _sqlx_migrations ORDER BY version")
        .fetch_all(&pool)
        .await
        .expect("the applied migrations");
    let known: Vec<i64> =
        server::db::MIGRATOR.iter().filter(|m| !m.migration_type.is_down_migration()).map(|m| m.version).collect();
    assert_eq!(applied, known, "every migration applied once, in order");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn the_health_command_says_whether_the_server_on_its_address_answers(pool: PgPool) {
    let url = database_url(&pool, None);
    let server = serve(&url, "health", |_| {}).await;
    let asked = crate::helpers::plinth(&url, &["health", "--ready"])
        .env("PLINTH_HTTP__ADDR", server.addr.to_string())
        .output()
        .await
        .expect("plinth health runs");
    assert!(asked.status.success(), "{}", String::from_utf8_lossy(&asked.stderr));
    assert!(String::from_utf8_lossy(&asked.stdout).contains("/readyz: 200"));

    let nobody = crate::helpers::free_addr();
    let asked = crate::helpers::plinth(&url, &["health"])
        .env("PLINTH_HTTP__ADDR", nobody.to_string())
        .output()
        .await
        .expect("plinth health runs");
    assert!(!asked.status.success(), "nothing listens on {nobody}");
    assert!(String::from_utf8_lossy(&asked.stderr).contains("did not answer"));
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_one_off_task_adds_the_first_admin_with_a_password_it_prints_once(pool: PgPool) {
    // An ECS task has no prompt and no stdin.
    let added = crate::helpers::plinth(
        &database_url(&pool, None),
        &["user", "add", "--email", "First.Admin@Example.com", "--role", "admin", "--random-password"],
    )
    .output()
    .await
    .expect("plinth user add runs");
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
    let said = String::from_utf8_lossy(&added.stdout);
    let password =
        said.split("Their password is ").nth(1).and_then(|rest| rest.split(' ').next()).expect("the password");
    assert_eq!(password.len(), 20, "{said}");
    let role = sqlx::query_scalar!("SELECT role FROM users WHERE email = 'first.admin@example.com'")
        .fetch_one(&pool)
        .await
        .expect("the admin exists");
    assert_eq!(role, "admin");
    let hash = sqlx::query_scalar!("SELECT password_hash FROM users WHERE email = 'first.admin@example.com'")
        .fetch_one(&pool)
        .await
        .expect("a stored hash");
    assert!(hash.is_some_and(|hash| !hash.contains(password)), "only the password's hash is stored");
}

#[tokio::test]
async fn wrong_pg_settings_give_one_line_naming_the_host_and_user_never_the_password() {
    let refused = crate::helpers::plinth("", &["migrate"])
        .env_remove("DATABASE_URL")
        .env("PGHOST", "127.0.0.1")
        .env("PGPORT", "5432")
        .env("PGUSER", "no_such_user")
        .env("PGPASSWORD", "hunter2-rotated")
        .env("PGDATABASE", "plinth")
        .output()
        .await
        .expect("plinth migrate runs");
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(said.trim().lines().count(), 1, "one line: {said}");
    assert!(said.contains("127.0.0.1:5432/plinth as no_such_user"), "{said}");
    assert!(!said.contains("hunter2"), "the password is never printed: {said}");
}
