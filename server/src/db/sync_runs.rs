//! Sync runs and their slices: what ran, when, and what came of it.

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

/// Records the start of a run.
pub async fn start(pool: &PgPool, source_id: Uuid, full: bool) -> Result<Uuid, sqlx::Error> {
    sqlx::query_scalar!("INSERT INTO sync_runs (source_id, full_sync) VALUES ($1, $2) RETURNING id", source_id, full)
        .fetch_one(pool)
        .await
}

/// Records the end of a run with its overall status.
pub async fn finish(pool: &PgPool, run_id: Uuid, status: &str) -> Result<(), sqlx::Error> {
    sqlx::query!("UPDATE sync_runs SET status = $2, finished_at = now() WHERE id = $1", run_id, status)
        .execute(pool)
        .await?;
    Ok(())
}

pub struct SliceKey<'a> {
    pub run_id: Uuid,
    pub service: &'a str,
    pub account_id: &'a str,
    pub region: &'a str,
}

pub async fn start_slice(pool: &PgPool, key: &SliceKey<'_>) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO sync_slices (run_id, service, account_id, region, status)
         VALUES ($1, $2, $3, $4, 'running')",
        key.run_id,
        key.service,
        key.account_id,
        key.region
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// What became of a slice.
pub struct SliceResult<'a> {
    pub succeeded: bool,
    pub pages: i32,
    pub fetched: i32,
    pub stored: i32,
    pub error_code: Option<&'a str>,
    pub error_message: Option<&'a str>,
    pub request_id: Option<&'a str>,
}

pub async fn finish_slice(pool: &PgPool, key: &SliceKey<'_>, result: &SliceResult<'_>) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE sync_slices
         SET status = $5, finished_at = now(), pages = $6, fetched = $7, stored = $8,
             error_code = $9, error_message = $10, request_id = $11
         WHERE run_id = $1 AND service = $2 AND account_id = $3 AND region = $4",
        key.run_id,
        key.service,
        key.account_id,
        key.region,
        if result.succeeded { "succeeded" } else { "failed" },
        result.pages,
        result.fetched,
        result.stored,
        result.error_code,
        result.error_message,
        result.request_id
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// When the last successful sync of this service, account and region for
/// the source started; `None` if there was none.
pub async fn last_success(
    pool: &PgPool,
    source_id: Uuid,
    service: &str,
    account_id: &str,
    region: &str,
) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"
        SELECT max(s.started_at) AS "started_at"
        FROM sync_slices s JOIN sync_runs r ON r.id = s.run_id
        WHERE r.source_id = $1 AND s.service = $2 AND s.account_id = $3 AND s.region = $4
          AND s.status = 'succeeded'
        "#,
        source_id,
        service,
        account_id,
        region
    )
    .fetch_one(pool)
    .await
}

/// When the source's most recent run started.
pub async fn last_started(pool: &PgPool, source_id: Uuid) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
    sqlx::query_scalar!(r#"SELECT max(started_at) AS "started_at" FROM sync_runs WHERE source_id = $1"#, source_id)
        .fetch_one(pool)
        .await
}
