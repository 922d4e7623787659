//! Writes to AWS through the outbox, on the real `plinth` binary against a
//! Security Hub stand-in on loopback that records `BatchUpdateFindings`: a
//! server killed while AWS is answering leaves its write to another server
//! once its claim lapses, and two servers on one database send each write
//! once.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use app::domain::remediation::Status;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::patch;
use serde_json::{Value, json};
use server::remediation::RemediationSettings;
use server::remediation::store::{self, Change, Source};
use sqlx::PgPool;
use uuid::Uuid;

use crate::helpers::{Server, database_url, serve};

const ACCOUNT: &str = "111122223333";
const REGION: &str = "eu-west-1";

/// The source writes its findings' workflow; its syncs fail against the
/// stand-in (which answers nothing else), so the findings stay as stored.
const CONFIG: &str = r#"
[[sources]]
name = "prod"
accounts = ["111122223333"]
regions = ["eu-west-1"]
services = ["security_hub"]
update_findings = true
sync_interval = "24h"
"#;

/// Security Hub on loopback: every `BatchUpdateFindings` body it received,
/// answered as processed; while `hang` is set, the next one is never
/// answered.
#[derive(Clone)]
struct SecurityHub {
    addr: SocketAddr,
    received: Arc<Mutex<Vec<Value>>>,
    hang: Arc<AtomicBool>,
}

impl SecurityHub {
    async fn start(hang: bool) -> SecurityHub {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a port for Security Hub");
        let hub = SecurityHub {
            addr: listener.local_addr().expect("its address"),
            received: Arc::default(),
            hang: Arc::new(AtomicBool::new(hang)),
        };
        let app = axum::Router::new()
            .route("/findings/batchupdate", patch(batch_update))
            .fallback(|| async { (StatusCode::SERVICE_UNAVAILABLE, Json(json!({ "message": "not in this test" }))) })
            .with_state(hub.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        hub
    }

    /// The workflow of each update received, in order.
    fn workflows(&self) -> Vec<String> {
        let received = self.received.lock().expect("the requests");
        received.iter().map(|body| body["Workflow"]["Status"].as_str().unwrap_or_default().to_owned()).collect()
    }
}

async fn batch_update(State(hub): State<SecurityHub>, Json(body): Json<Value>) -> Json<Value> {
    hub.received.lock().expect("the requests").push(body.clone());
    if hub.hang.swap(false, Ordering::SeqCst) {
        std::future::pending::<()>().await;
    }
    Json(json!({ "ProcessedFindings": body["FindingIdentifiers"], "UnprocessedFindings": [] }))
}

/// A workload with one failing finding of S3.8 from the source, and
/// `items` remediation items of that control in as many workloads.
async fn failing_items(pool: &PgPool, items: usize) -> Vec<Uuid> {
    let source = server::db::sources::upsert(pool, "prod", "aws", &json!({}), 86_400).await.expect("the source");
    sqlx::query!(
        "INSERT INTO findings (id, source_id, product_arn, account_id, region, control_id, compliance_status,
                               severity, workflow_status, record_state, resource_id, raw)
         VALUES ('finding-1', $1, 'arn:aws:securityhub:eu-west-1::product/aws/securityhub', $2, $3, 'S3.8',
                 'FAILED', 'HIGH', 'NEW', 'ACTIVE', 'arn:aws:s3:::bucket-1', '{}')",
        source,
        ACCOUNT,
        REGION
    )
    .execute(pool)
    .await
    .expect("a finding");
    let today = chrono::Utc::now().date_naive();
    let mut ids = Vec::new();
    for n in 0..items {
        let workload = sqlx::query_scalar!(
            "INSERT INTO workloads (name, account_ids, regions) VALUES ($1, $2, $3) RETURNING id",
            format!("Workload {n}"),
            &[ACCOUNT.to_owned()],
            &[REGION.to_owned()]
        )
        .fetch_one(pool)
        .await
        .expect("a workload");
        let settings = RemediationSettings::default();
        let source = Source::Control("S3.8".into());
        let (id, _) =
            store::create(pool, &settings, "ana@example.com", workload, source, today).await.expect("an item");
        ids.push(id);
    }
    ids
}

async fn resolve(pool: &PgPool, item: Uuid) {
    let today = chrono::Utc::now().date_naive();
    let change = Change { status: Some(Status::Resolved), ..Default::default() };
    store::update(pool, "ana@example.com", item, &change, today).await.expect("resolved");
}

async fn writes_in(pool: &PgPool, state: &str) -> i64 {
    sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM aws_writes WHERE state = $1"#, state)
        .fetch_one(pool)
        .await
        .expect("the writes")
}

async fn writing_server(pool: &PgPool, name: &str, hub: &SecurityHub, config: &std::path::Path) -> Server {
    let endpoint = format!("http://{}", hub.addr);
    serve(&database_url(pool, None), name, |command| {
        command
            .arg("--config")
            .arg(config)
            .env("AWS_ENDPOINT_URL", endpoint)
            .env("PLINTH_OUTBOX__EVERY", "200ms")
            .env("PLINTH_OUTBOX__CLAIM", "3s");
    })
    .await
}

fn config_file(name: &str) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("plinth-outbox-{name}-{}.toml", std::process::id()));
    std::fs::write(&path, CONFIG).expect("the configuration is written");
    path
}

async fn wait_for(what: &str, limit: Duration, mut done: impl AsyncFnMut() -> bool, log: impl Fn() -> String) {
    let started = Instant::now();
    while !done().await {
        assert!(started.elapsed() < limit, "{what} did not happen within {limit:?}:\n{}", log());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_server_killed_while_aws_answers_leaves_the_write_to_another_once_its_claim_lapses(pool: PgPool) {
    let hub = SecurityHub::start(true).await;
    let config = config_file("killed");
    let item = failing_items(&pool, 1).await[0];
    resolve(&pool, item).await;
    let mut first = writing_server(&pool, "outbox-killed-a", &hub, &config).await;
    wait_for(
        "the first server's call",
        Duration::from_secs(20),
        async || hub.workflows().len() == 1,
        || first.log_text(),
    )
    .await;

    first.child.kill().await.expect("the first server is killed mid-delivery");
    assert_eq!(writes_in(&pool, "queued").await, 1, "the write is neither lost nor settled");
    let killed_at = Instant::now();
    let second = writing_server(&pool, "outbox-killed-b", &hub, &config).await;
    wait_for(
        "the second delivery",
        Duration::from_secs(20),
        async || writes_in(&pool, "done").await == 1,
        || second.log_text(),
    )
    .await;

    assert!(killed_at.elapsed() >= Duration::from_secs(2), "not before the first server's claim lapsed");
    assert_eq!(hub.workflows(), ["RESOLVED", "RESOLVED"], "sent again once, by the second server");
    let workflow = sqlx::query_scalar!("SELECT workflow_status FROM findings WHERE id = 'finding-1'")
        .fetch_one(&pool)
        .await
        .expect("the finding");
    assert_eq!(workflow, "RESOLVED");
    let attempts = sqlx::query_scalar!("SELECT attempts FROM aws_writes").fetch_one(&pool).await.expect("the write");
    assert_eq!(attempts, 2, "the killed attempt counts, so a write that kills servers is given up in the end");
    println!("a write left by a killed server was sent by another {:?} after the kill", killed_at.elapsed());
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn two_servers_on_one_database_send_each_write_once(pool: PgPool) {
    const ITEMS: usize = 30;
    let hub = SecurityHub::start(false).await;
    let config = config_file("pair");
    let items = failing_items(&pool, ITEMS).await;
    let (first, second) = tokio::join!(
        writing_server(&pool, "outbox-pair-a", &hub, &config),
        writing_server(&pool, "outbox-pair-b", &hub, &config)
    );

    let started = Instant::now();
    for item in &items {
        resolve(&pool, *item).await;
    }
    wait_for(
        "every delivery",
        Duration::from_secs(30),
        async || writes_in(&pool, "done").await == ITEMS as i64,
        || format!("{}\n{}", first.log_text(), second.log_text()),
    )
    .await;

    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(hub.workflows().len(), ITEMS, "one BatchUpdateFindings per write, none twice");
    let senders = [&first, &second].map(|server| server.log_text().matches("writes to AWS delivered").count());
    println!(
        "{ITEMS} writes delivered once each by two servers in {:?} (rounds with deliveries per server: {senders:?})",
        started.elapsed()
    );
}
