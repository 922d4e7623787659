//! The real binary, started as an operator starts it, and a proxy in front
//! of PostgreSQL that the tests cut and restore.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use sqlx::PgPool;
use tokio::net::{TcpListener, TcpStream};
use tokio::process::{Child, Command};
use tokio::sync::watch;

/// A TCP proxy to PostgreSQL. `cut` drops every connection through it and
/// refuses new ones, as a database that went away does; `restore` lets
/// connections through again.
pub struct Proxy {
    pub addr: SocketAddr,
    up: Arc<AtomicBool>,
    cuts: watch::Sender<u64>,
}

impl Proxy {
    pub async fn to(target: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port for the proxy");
        let addr = listener.local_addr().expect("the proxy's address");
        let up = Arc::new(AtomicBool::new(true));
        let (cuts, _) = watch::channel(0_u64);
        let (accepting, watching) = (up.clone(), cuts.clone());
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if !accepting.load(Ordering::SeqCst) {
                    continue; // dropped: refused
                }
                let mut cut = watching.subscribe();
                tokio::spawn(async move {
                    let Ok(mut server) = TcpStream::connect(target).await else { return };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        _ = cut.changed() => {}
                    }
                });
            }
        });
        Proxy { addr, up, cuts }
    }

    /// Drops every connection and refuses new ones.
    pub fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        self.cuts.send_modify(|n| *n += 1);
    }

    pub fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

/// The test database's URL, through `proxy` when given.
pub fn database_url(pool: &PgPool, proxy: Option<&Proxy>) -> String {
    let options = pool.connect_options();
    let database = options.get_database().expect("the test database has a name");
    let host = match proxy {
        Some(proxy) => proxy.addr.to_string(),
        None => format!("{}:{}", options.get_host(), options.get_port()),
    };
    format!("postgres://postgres@{host}/{database}")
}

/// Where PostgreSQL itself listens.
pub fn postgres_addr(pool: &PgPool) -> SocketAddr {
    let options = pool.connect_options();
    let host = if options.get_host() == "localhost" { "127.0.0.1" } else { options.get_host() };
    format!("{host}:{}", options.get_port()).parse().expect("PostgreSQL's address")
}

/// Ends every session of the test database: PostgreSQL tells each client
/// "terminating connection due to administrator command" (57P01), as in a
/// restart.
pub async fn terminate_sessions(pool: &PgPool) {
    let database = pool.connect_options().get_database().expect("a name").to_owned();
    let admin = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect_with(pool.connect_options().as_ref().clone().database("postgres"))
        .await
        .expect("a connection to terminate sessions from");
    sqlx::query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
    )
    .bind(database)
    .execute(&admin)
    .await
    .expect("the sessions end");
    admin.close().await;
}

/// The `plinth` binary as an operator runs it: settings from the
/// environment, AWS pointed at a closed port on loopback with made-up
/// credentials (no request leaves this machine), logs to a file.
pub fn plinth(database_url: &str, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_plinth"));
    command
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("PLINTH_SITE__ROOT", concat!(env!("CARGO_MANIFEST_DIR"), "/../public"))
        .env("RUST_LOG", "info,sqlx=warn")
        .env("PLINTH_DATABASE__ACQUIRE_TIMEOUT_SECS", "2")
        .env("PLINTH_AWS__MAX_ATTEMPTS", "1")
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
        .env("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
        .env("AWS_REGION", "eu-west-1")
        .env_remove("AWS_PROFILE")
        .stdin(Stdio::null())
        .kill_on_drop(true);
    command
}

/// A `plinth serve` process, stopped when dropped.
pub struct Server {
    pub addr: SocketAddr,
    pub child: Child,
    pub log: PathBuf,
}

impl Server {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Sends SIGTERM, as ECS and systemd do, and waits up to 10 s for the
    /// process to end; says how it ended and how long that took.
    pub async fn terminate(&mut self) -> (std::process::ExitStatus, Duration) {
        let pid = self.child.id().expect("a running process");
        let asked = Instant::now();
        let killed = std::process::Command::new("kill").args(["-TERM", &pid.to_string()]).status().expect("kill runs");
        assert!(killed.success());
        let status = tokio::time::timeout(Duration::from_secs(10), self.child.wait())
            .await
            .expect("it stops within 10 s")
            .expect("its status");
        (status, asked.elapsed())
    }
}

/// A free port on loopback (bound, then let go).
pub fn free_addr() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("its address")
}

/// Starts `plinth serve` with `configure` applied to its command, and
/// waits until it answers `/healthz`.
pub async fn serve(database_url: &str, name: &str, configure: impl FnOnce(&mut Command)) -> Server {
    let addr = free_addr();
    let log = std::env::temp_dir().join(format!("plinth-operator-{name}-{}.log", addr.port()));
    let file = std::fs::File::create(&log).expect("a log file");
    let mut command = plinth(database_url, &["serve", "--addr", &addr.to_string()]);
    command.stdout(file.try_clone().expect("the log again")).stderr(file);
    configure(&mut command);
    let child = command.spawn().expect("plinth starts");
    let server = Server { addr, child, log };
    let started = Instant::now();
    let client = reqwest::Client::new();
    while started.elapsed() < Duration::from_secs(30) {
        if client.get(server.url("/healthz")).send().await.is_ok_and(|r| r.status().is_success()) {
            return server;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("plinth serve did not answer within 30 s:\n{}", server.log_text());
}

/// A user with this role and an API token of theirs.
pub async fn token_for(pool: &PgPool, email: &str, role: app::domain::Role) -> String {
    let id = server::auth::users::add(pool, "tests", email, email, role, None).await.expect("a user");
    let user = app::domain::SignedIn { id, email: email.into(), display_name: email.into(), role };
    server::auth::tokens::create(pool, &user, "tests", role, None).await.expect("a token").secret
}
