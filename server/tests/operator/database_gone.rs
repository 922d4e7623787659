//! A database that goes away during a sync: the sync stops within seconds
//! with one clear line, prints no password, keeps what was stored, and its
//! run is closed as interrupted once a server finds the database again.

use std::time::{Duration, Instant};

use sqlx::PgPool;

use crate::helpers::{Proxy, database_url, plinth, postgres_addr, serve};

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_demo_load_stops_within_seconds_when_the_database_goes_away(pool: PgPool) {
    let proxy = Proxy::to(postgres_addr(&pool)).await;
    let url = database_url(&pool, Some(&proxy));
    let load = plinth(&url, &["demo", "--scale", "findings=200000,accounts=12,workloads=6"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .env("PLINTH_SYNC__CONCURRENCY", "2")
        .spawn()
        .expect("plinth demo starts");
    // Wait until the run is under way, then take the database away.
    let started = Instant::now();
    loop {
        let stored = sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM sync_slices"#)
            .fetch_one(&pool)
            .await
            .expect("the slices");
        if stored > 0 {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "the demo load never started a slice");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    proxy.cut();
    let cut = Instant::now();
    let output = tokio::time::timeout(Duration::from_secs(60), load.wait_with_output())
        .await
        .expect("plinth demo ends within a minute of the database going away")
        .expect("its output");
    let stopped_after = cut.elapsed();
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));

    eprintln!(
        "the load stopped {stopped_after:?} after the database went away:\n{}",
        String::from_utf8_lossy(&output.stdout)
    );
    assert!(!output.status.success(), "the load failed:\n{text}");
    assert!(
        stopped_after < Duration::from_secs(15),
        "it stopped {stopped_after:?} after the database went away:\n{text}"
    );
    let database = pool.connect_options().get_database().expect("a name").to_owned();
    let summary = String::from_utf8_lossy(&output.stdout);
    let said: Vec<&str> = summary.lines().filter(|line| line.contains("cannot be reached")).collect();
    assert_eq!(said.len(), 1, "one line says it, not one a slice:\n{summary}");
    let line = said[0];
    assert!(line.contains(&format!("{}/{database}", proxy.addr)), "the line names the database: {line}");
    assert!(line.contains("nothing stored before was lost"), "{line}");
    assert!(!text.contains("refused the data"), "a lost connection is not a refusal:\n{text}");

    // Back: a server holding the source's lock closes the run.
    proxy.restore();
    let running = || async {
        sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM sync_runs WHERE status = 'running'"#)
            .fetch_one(&pool)
            .await
            .expect("the runs")
    };
    assert_eq!(running().await, 1, "the run could not be closed while the database was away");
    let server = serve(&url, "gone", |_| {}).await;
    assert_eq!(running().await, 0, "the server closed the interrupted run when it started");
    let closed = sqlx::query_scalar!("SELECT status FROM sync_runs").fetch_one(&pool).await.expect("the run");
    assert_eq!(closed, "failed");
    drop(server);
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_demo_load_that_failed_prints_no_password(pool: PgPool) {
    // The database refuses every finding, so the load fails while the
    // database itself stays up.
    sqlx::raw_sql(
        "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'no findings today'; END $$;
         CREATE TRIGGER refuse BEFORE INSERT ON findings FOR EACH ROW EXECUTE FUNCTION refuse();",
    )
    .execute(&pool)
    .await
    .expect("the trigger");
    let output = plinth(&database_url(&pool, None), &["demo"]).output().await.expect("plinth demo runs");
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));

    assert!(!output.status.success(), "the load failed:\n{text}");
    assert!(text.contains("refused the data"), "the refusal is said:\n{text}");
    assert!(!text.contains("with the password"), "no password for a failed load:\n{text}");
    let users = sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM users"#).fetch_one(&pool).await.expect("users");
    assert_eq!(users, 0, "no demo admin was made for a load that failed");
}
