use std::net::SocketAddr;

use app::domain::{Role, SignedIn};
use server::auth::sessions::{self, SessionPolicy};
use server::auth::users;
use server::config::{ConfigFile, Settings};
use server::startup::Application;
use sqlx::PgPool;
use uuid::Uuid;

/// A running server and clients that do not follow redirects: `client`
/// is signed in as an admin, `anonymous` is nobody.
pub struct TestApp {
    pub addr: SocketAddr,
    pub client: reqwest::Client,
    pub anonymous: reqwest::Client,
    /// The admin's `Cookie` header value.
    pub session_cookie: String,
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

pub fn test_settings() -> Settings {
    let mut settings = Settings::load(&ConfigFile::Default).expect("the default settings load");
    settings.http.addr = "127.0.0.1:0".parse().expect("a loopback address");
    // The repository's public/ files stand in for the built site.
    settings.site.root = concat!(env!("CARGO_MANIFEST_DIR"), "/../public").into();
    settings
}

/// Starts the server on a free port around `pool`, with an admin signed in.
pub async fn spawn_app(pool: PgPool) -> TestApp {
    spawn_app_with(pool, test_settings()).await
}

/// Starts the server with these settings, with an admin signed in.
pub async fn spawn_app_with(pool: PgPool, settings: Settings) -> TestApp {
    let session_cookie = session_for(&pool, Role::Admin).await;
    let mut app = spawn_server(pool, settings).await;
    app.client = client_with(Some(&session_cookie));
    app.session_cookie = session_cookie;
    app
}

/// Starts the server and signs nobody in (its database may be out of reach).
pub async fn spawn_server(pool: PgPool, settings: Settings) -> TestApp {
    let app = Application::with_pool(&settings, pool).await.expect("the server starts");
    let addr = app.local_addr().expect("a bound address");
    tokio::spawn(app.run_until_stopped());
    TestApp { addr, client: client_with(None), anonymous: client_with(None), session_cookie: String::new() }
}

/// Starts the server with these writers to the Well-Architected Tool (on
/// mocked clients), with an admin signed in.
pub async fn spawn_app_writing_to(pool: PgPool, writers: server::aws::clients::SourceClients) -> TestApp {
    let session_cookie = session_for(&pool, Role::Admin).await;
    let app = Application::with_writers(&test_settings(), pool, writers).await.expect("the server starts");
    let addr = app.local_addr().expect("a bound address");
    tokio::spawn(app.run_until_stopped());
    TestApp { addr, client: client_with(Some(&session_cookie)), anonymous: client_with(None), session_cookie }
}

/// A client that sends this `Cookie` header and never follows redirects.
pub fn client_with(cookie: Option<&str>) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    if let Some(cookie) = cookie {
        headers.insert(reqwest::header::COOKIE, cookie.parse().expect("a cookie header"));
    }
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(headers)
        .build()
        .expect("a client")
}

/// A user with this role named after it (`admin@example.com`), without a
/// password, and a live session for them: the `Cookie` header value.
pub async fn session_for(pool: &PgPool, role: Role) -> String {
    let id = user_with(pool, role).await.id;
    let token = sessions::start(pool, &policy(), id, "127.0.0.1", "tests").await.expect("a session starts");
    format!("{}={token}", sessions::COOKIE)
}

/// The user with this role named after it, added if they are not there.
pub async fn user_with(pool: &PgPool, role: Role) -> SignedIn {
    let email = format!("{role}@example.com");
    let display_name = format!("Test {role}");
    let id = match sqlx::query_scalar!("SELECT id FROM users WHERE email = $1", email).fetch_optional(pool).await {
        Ok(Some(id)) => id,
        _ => users::add(pool, "test", &email, &display_name, role, None).await.expect("the user is added"),
    };
    SignedIn { id, email, display_name, role }
}

/// A script's client: no cookie, a personal API token of the user with
/// this role (with the same role) as `Authorization: Bearer`.
pub async fn script_as(pool: &PgPool, role: Role) -> reqwest::Client {
    let user = user_with(pool, role).await;
    let token = server::auth::tokens::create(pool, &user, "tests", role, None).await.expect("a token");
    let mut headers = reqwest::header::HeaderMap::new();
    let bearer = format!("Bearer {}", token.secret).parse().expect("a header value");
    headers.insert(reqwest::header::AUTHORIZATION, bearer);
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(headers)
        .build()
        .expect("a client")
}

/// The default session policy.
pub fn policy() -> SessionPolicy {
    let settings = test_settings();
    SessionPolicy { idle: settings.auth.session_idle, lifetime: settings.auth.session_lifetime, secure: false }
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

/// The account, region and id of the test workloads' reviews in the
/// Well-Architected Tool.
pub const WA_ACCOUNT: &str = "111122223333";
pub const WA_REGION: &str = "eu-west-1";
pub const WA_WORKLOAD: &str = "0123456789abcdef0123456789abcdef";

/// Gives a workload a review in the Well-Architected Tool, synced from a
/// source of this name and kind.
pub async fn link_wa_review(pool: &PgPool, workload: Uuid, source: &str, kind: &str) {
    let source_id =
        server::db::sources::upsert(pool, source, kind, &serde_json::json!({}), 3600).await.expect("a source");
    sqlx::query!(
        "INSERT INTO wa_workloads (wa_workload_id, source_id, owner_account_id, home_region, name)
         VALUES ($1, $2, $3, $4, 'Checkout')",
        WA_WORKLOAD,
        source_id,
        WA_ACCOUNT,
        WA_REGION
    )
    .execute(pool)
    .await
    .expect("the review");
    sqlx::query!("UPDATE workloads SET wa_workload_id = $2 WHERE id = $1", workload, WA_WORKLOAD)
        .execute(pool)
        .await
        .expect("the link");
}

/// Writers to one source named "prod" whose Well-Architected client
/// answers with these rules (Security Hub and Config are never asked).
pub fn wa_writers(rules: &[&aws_smithy_mocks::Rule]) -> server::aws::clients::SourceClients {
    use aws_smithy_mocks::{Rule, RuleMode, mock_client};
    use server::aws::clients::{AwsClients, ClientFactory, FixedClients, SourceClients};
    let clients = AwsClients {
        security_hub: mock_client!(aws_sdk_securityhub, RuleMode::MatchAny, std::iter::empty::<&Rule>()),
        config: mock_client!(aws_sdk_config, RuleMode::MatchAny, std::iter::empty::<&Rule>()),
        well_architected: mock_client!(aws_sdk_wellarchitected, RuleMode::MatchAny, rules.iter().copied()),
    };
    let factory: std::sync::Arc<dyn ClientFactory> = std::sync::Arc::new(FixedClients {
        account_id: WA_ACCOUNT.into(),
        by_region: std::collections::HashMap::from([(WA_REGION.into(), clients)]),
    });
    SourceClients::fixed(vec![("prod".into(), factory, false)])
}

/// A built-in checklist item that no evidence proves: (pack, item).
pub async fn manual_checklist_item(pool: &PgPool) -> (String, String) {
    let row = sqlx::query!(
        "SELECT pack_id, item_id FROM checklist_items WHERE cardinality(rules) = 0 AND cardinality(controls) = 0
         ORDER BY pack_id, item_id LIMIT 1"
    )
    .fetch_one(pool)
    .await
    .expect("a manual item");
    (row.pack_id, row.item_id)
}

/// A remediation item an editor wrote by hand for the workload.
pub async fn manual_remediation_item(pool: &PgPool, workload: Uuid, title: &str) -> Uuid {
    use server::remediation::store::{self, Source};
    let source = Source::Manual {
        title: title.into(),
        description: String::new(),
        pillar: app::domain::Pillar::Security,
        priority: app::domain::remediation::Priority::Medium,
    };
    let today = chrono::Utc::now().date_naive();
    store::create(pool, &Default::default(), "editor@example.com", workload, source, today).await.expect("made").0
}
