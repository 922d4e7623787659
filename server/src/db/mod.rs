//! The database: one pool, embedded migrations, and SQL in small named
//! functions (one module per area).

pub mod config_rules;
pub mod finding_reads;
pub mod findings;
pub mod health;
pub mod review_reads;
pub mod rule_reads;
pub mod scores;
pub mod sources;
pub mod sync_runs;
pub mod wellarchitected;
pub mod workloads;

use secrecy::ExposeSecret;
use sqlx::PgPool;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::config::DatabaseSettings;

/// The migrations in `migrations/`, compiled into the binary.
pub static MIGRATOR: Migrator = sqlx::migrate!("../migrations");

/// Connection options from the settings. The URL is only exposed here.
pub fn connect_options(settings: &DatabaseSettings) -> Result<PgConnectOptions, sqlx::Error> {
    settings.url.expose_secret().parse()
}

fn pool_options(settings: &DatabaseSettings) -> PgPoolOptions {
    PgPoolOptions::new().max_connections(settings.max_connections).acquire_timeout(settings.acquire_timeout())
}

/// Connects now, so a wrong URL or a stopped server is reported at start.
#[tracing::instrument(skip_all)]
pub async fn connect(settings: &DatabaseSettings) -> Result<PgPool, sqlx::Error> {
    pool_options(settings).connect_with(connect_options(settings)?).await
}

/// A pool that connects on first use; the server starts even while the
/// database is away, and `/readyz` says so.
pub fn connect_lazy(settings: &DatabaseSettings) -> Result<PgPool, sqlx::Error> {
    Ok(pool_options(settings).connect_lazy_with(connect_options(settings)?))
}

/// Whether the database could not do what was asked for now, rather than
/// refusing it: it cannot be reached, it is restarting or failing over
/// (SQLSTATE class 08, 57P01–57P03), it is out of connections or resources
/// (class 53), or a transaction lost a race (40001, 40P01). Asked again
/// later, the same request may well succeed, so callers answer 503 with
/// `Retry-After` and keep what they have.
pub fn is_transient(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(error) => error.code().is_some_and(|code| {
            code.starts_with("08")
                || code.starts_with("57P")
                || code.starts_with("53")
                || code == "40001"
                || code == "40P01"
        }),
        _ => false,
    }
}

/// Where the pool connects, without the password: "127.0.0.1:5432/plinth".
pub fn location(pool: &PgPool) -> String {
    let options = pool.connect_options();
    format!("{}:{}/{}", options.get_host(), options.get_port(), options.get_database().unwrap_or("postgres"))
}

/// Applies every migration not yet applied.
#[tracing::instrument(skip_all)]
pub async fn migrate(pool: &PgPool) -> Result<(), sqlx::migrate::MigrateError> {
    MIGRATOR.run(pool).await
}

/// Vacuums and analyses the tables scoring reads, so its aggregates run as
/// index-only scans right after a sync rewrote many rows (autovacuum would
/// get there, but later). VACUUM cannot be prepared, hence a plain string.
#[tracing::instrument(skip_all)]
pub async fn vacuum_evidence(pool: &PgPool) -> Result<(), sqlx::Error> {
    sqlx::raw_sql("VACUUM (ANALYZE) findings, config_rules, config_evaluations").execute(pool).await?;
    Ok(())
}
