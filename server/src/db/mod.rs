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
