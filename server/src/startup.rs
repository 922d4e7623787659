//! Building and running the HTTP server.

use std::io;
use std::net::SocketAddr;

use leptos::config::LeptosOptions;
use sqlx::PgPool;
use tokio::net::TcpListener;

use crate::aws::clients::SourceClients;
use crate::config::Settings;
use crate::db;
use crate::http::{self, AppState};

/// The name wasm-bindgen gives the front end's files (`pkg/plinth.js`,
/// `pkg/plinth_bg.wasm`, `pkg/plinth.css`).
pub const OUTPUT_NAME: &str = "plinth";

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Connect(#[from] db::ConnectError),
    #[error("cannot migrate the database: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: io::Error },
}

/// A server bound to its port, ready to run.
pub struct Application {
    pool: PgPool,
    listener: TcpListener,
    router: axum::Router,
    limits: crate::serving::ConnectionLimits,
}

impl Application {
    /// Connects to the database, applies migrations and binds the listener.
    pub async fn build(settings: &Settings) -> Result<Application, StartupError> {
        let pool = db::connect(&settings.database).await?;
        db::migrate(&pool).await?;
        match crate::sync::close_interrupted_runs(&pool).await {
            Ok(0) => {}
            Ok(closed) => tracing::warn!(closed, "sync runs interrupted by a stopped process are marked failed"),
            Err(error) => tracing::warn!(error = %error, "could not look for interrupted sync runs"),
        }
        match crate::auth::users::any_active(&pool).await {
            Ok(true) => {}
            Ok(false) => tracing::warn!(
                "Plinth has no users, so it serves only a page that says how to create the first admin: {}",
                http::FIRST_ADMIN_COMMAND
            ),
            Err(error) => tracing::warn!(error = %error, "could not count the users"),
        }
        Application::with_pool(settings, pool).await
    }

    /// Binds the listener around an existing pool (tests use their own).
    pub async fn with_pool(settings: &Settings, pool: PgPool) -> Result<Application, StartupError> {
        Application::with_writers(settings, pool, SourceClients::configured(settings)).await
    }

    /// The server with the given writers to the Well-Architected Tool
    /// (tests hand in mocked clients).
    pub async fn with_writers(
        settings: &Settings,
        pool: PgPool,
        writers: SourceClients,
    ) -> Result<Application, StartupError> {
        let addr = settings.http.addr;
        let listener = crate::serving::listen(addr).map_err(|source| StartupError::Bind { addr, source })?;
        let bound = listener.local_addr().map_err(|source| StartupError::Bind { addr, source })?;
        if let Err(error) = crate::checklists::store::install_built_in(&pool).await {
            tracing::error!(error = %error, "could not install the built-in checklist packs");
        }
        let state = AppState::new(leptos_options(settings, bound), pool, settings, writers);
        tokio::spawn(purge_sessions(state.auth.clone()));
        tokio::spawn(expire_acceptances(state.pool.clone()));
        crate::outbox::spawn(state.outbox());
        crate::sync::schedule::spawn(state.pool.clone(), settings.clone());
        tokio::spawn(recompute_due_scores(state.pool.clone(), settings.scoring));
        Ok(Application {
            pool: state.pool.clone(),
            listener,
            router: http::router(state),
            limits: settings.http.limits,
        })
    }

    /// Where the server actually listens (the port is chosen by the OS when
    /// the settings ask for port 0).
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until Ctrl-C or SIGTERM, then finishes the requests in flight
    /// within the grace period and closes the syncs under way as
    /// interrupted (their locks end with the process).
    pub async fn run_until_stopped(self) -> io::Result<()> {
        crate::serving::serve(self.listener, self.router, self.limits, shutdown_signal()).await?;
        match crate::sync::interrupt_under_way(&self.pool).await {
            Ok(0) => {}
            Ok(closed) => tracing::warn!(closed, "sync runs under way are closed as interrupted by the stop"),
            Err(error) => tracing::warn!(
                error = %error,
                "could not close the sync runs under way; the next server to start closes them"
            ),
        }
        Ok(())
    }
}

/// Reopens accepted risks whose acceptance ended, at start and then hourly.
async fn expire_acceptances(pool: PgPool) {
    let mut every_hour = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        every_hour.tick().await;
        match crate::remediation::store::expire_acceptances(&pool, chrono::Utc::now().date_naive()).await {
            Ok(0) => {}
            Ok(reopened) => tracing::info!(reopened, "accepted risks past their date were reopened"),
            Err(error) => tracing::warn!(error = %error, "could not reopen expired risk acceptances"),
        }
    }
}

/// Recomputes, every few seconds, the scores of changes whose own
/// recompute failed (a tick committed just before the database went away).
async fn recompute_due_scores(pool: PgPool, weights: crate::scoring::model::Weights) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(5));
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        match crate::scoring::recompute_due(&pool, &weights).await {
            Ok(0) => {}
            Ok(workloads) => tracing::info!(workloads, "scores left due by a failed recompute are recomputed"),
            Err(error) => tracing::debug!(%error, "scores left due are retried at the next look"),
        }
    }
}

/// Deletes ended sessions at start and then hourly.
async fn purge_sessions(auth: crate::auth::Auth) {
    let mut every_hour = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        every_hour.tick().await;
        match crate::auth::sessions::purge_ended(&auth.pool, &auth.policy).await {
            Ok(0) => {}
            Ok(deleted) => tracing::info!(deleted, "deleted ended sessions"),
            Err(error) => tracing::warn!(error = %error, "could not delete ended sessions"),
        }
    }
}

fn leptos_options(settings: &Settings, addr: SocketAddr) -> LeptosOptions {
    LeptosOptions::builder()
        .output_name(OUTPUT_NAME)
        .site_root(site_root(&settings.site.root).to_string_lossy().into_owned())
        .site_pkg_dir("pkg")
        .site_addr(addr)
        .build()
}

/// The configured site root, or else `site/` beside the binary: the
/// container image and an unpacked release put it there, so neither needs a
/// setting.
fn site_root(configured: &std::path::Path) -> std::path::PathBuf {
    if configured.is_dir() {
        return configured.to_path_buf();
    }
    // The binary's path from /proc, and as it was started: a chroot without
    // /proc, or an emulator that /proc names instead, still has it in argv[0].
    let started_as = std::env::args_os().next().map(std::path::PathBuf::from).filter(|path| path.is_absolute());
    let beside = std::env::current_exe()
        .ok()
        .into_iter()
        .chain(started_as)
        .filter_map(|exe| Some(exe.parent()?.join("site")))
        .find(|site| site.is_dir());
    match beside {
        Some(beside) => beside,
        None => {
            tracing::warn!(site = %configured.display(), "the site's files are not there; pages come without styles or scripts");
            configured.to_path_buf()
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
