//! The database: one pool, embedded migrations, and SQL in small named
//! functions (one module per area).

pub mod accounts;
pub mod admin_reads;
pub mod checklist_reads;
pub mod config_rules;
pub mod finding_reads;
pub mod findings;
pub mod health;
pub mod locks;
pub mod remediation_reads;
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

/// Connection options from the settings: the URL, or libpq's `PG*`
/// variables when the settings say so. The URL is only exposed here.
pub fn connect_options(settings: &DatabaseSettings) -> Result<PgConnectOptions, sqlx::Error> {
    if settings.from_pg_environment {
        // Reads PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE, PGSSLMODE...
        return Ok(PgConnectOptions::new());
    }
    settings.url.expose_secret().parse()
}

/// The database could not be reached at start: says where and as whom,
/// never with the password.
#[derive(Debug, thiserror::Error)]
#[error("cannot connect to the database {location} as {user}: {source}")]
pub struct ConnectError {
    pub location: String,
    pub user: String,
    #[source]
    pub source: sqlx::Error,
}

fn pool_options(settings: &DatabaseSettings) -> PgPoolOptions {
    PgPoolOptions::new().max_connections(settings.max_connections).acquire_timeout(settings.acquire_timeout())
}

/// Connects now, so a wrong URL or a stopped server is reported at start.
#[tracing::instrument(skip_all)]
pub async fn connect(settings: &DatabaseSettings) -> Result<PgPool, ConnectError> {
    let options = connect_options(settings).map_err(|source| ConnectError {
        location: "named by database.url".into(),
        user: "an unreadable user".into(),
        source,
    })?;
    let (location, user) = (location_of(&options), options.get_username().to_owned());
    pool_options(settings).connect_with(options).await.map_err(|source| ConnectError { location, user, source })
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
    location_of(&pool.connect_options())
}

fn location_of(options: &PgConnectOptions) -> String {
    let database = options.get_database().unwrap_or(options.get_username());
    format!("{}:{}/{database}", options.get_host(), options.get_port())
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
