use std::net::SocketAddr;

use server::config::{ConfigFile, Settings};
use server::startup::Application;
use sqlx::PgPool;
use uuid::Uuid;

/// A running server and a client that does not follow redirects.
pub struct TestApp {
    pub addr: SocketAddr,
    pub client: reqwest::Client,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("the server answers")
    }

    pub async fn get_text(&self, path: &str) -> (reqwest::StatusCode, String) {
        let response = self.get(path).await;
        let status = response.status();
        (status, response.text().await.expect("a text body"))
    }
}

fn test_settings() -> Settings {
    let mut settings = Settings::load(&ConfigFile::Default).expect("the default settings load");
    settings.http.addr = "127.0.0.1:0".parse().expect("a loopback address");
    settings
}

/// Starts the server on a free port around `pool`.
pub async fn spawn_app(pool: PgPool) -> TestApp {
    let app = Application::with_pool(&test_settings(), pool).await.expect("the server starts");
    let addr = app.local_addr().expect("a bound address");
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("a client");
    TestApp { addr, client }
}

/// Adds a workload with the given pillar scores.
pub async fn insert_workload(pool: &PgPool, name: &str, scores: &[(&str, i16)]) -> Uuid {
    let id = sqlx::query_scalar!(
        r#"INSERT INTO workloads (name, environment, review_owner, account_ids, regions)
           VALUES ($1, 'PRODUCTION', 'Dana Reyes', '{111122223333}', '{eu-west-1}')
           RETURNING id"#,
        name
    )
    .fetch_one(pool)
    .await
    .expect("the workload is stored");
    for (pillar, score) in scores {
        sqlx::query!(
            "INSERT INTO pillar_scores (workload_id, pillar, score, coverage) VALUES ($1, $2, $3, 0.8)",
            id,
            pillar,
            f32::from(*score)
        )
        .execute(pool)
        .await
        .expect("the score is stored");
    }
    id
}

/// Loads the default demo organisation (three accounts, two regions, four
/// workloads, about 5,000 findings) through the normal sync.
pub async fn load_demo(pool: &PgPool) {
    let options = server::sync::SyncOptions {
        full: true,
        concurrency: 4,
        incremental_margin: std::time::Duration::ZERO,
        weights: Default::default(),
    };
    server::demo::load::load(pool, server::demo::DemoSpec::default(), &options, &server::sync::progress::LogProgress)
        .await
        .expect("the demo loads");
}

/// The dashboard reads the pages use, straight from the database.
pub fn dashboard(pool: &PgPool) -> server::dashboard::PgDashboard {
    server::dashboard::PgDashboard::new(pool.clone(), Default::default())
}
