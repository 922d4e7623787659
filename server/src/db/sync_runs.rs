//! Sync runs and their slices: what ran, when, and what came of it.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

/// Records the start of a run.
pub async fn start(pool: &PgPool, source_id: Uuid, full: bool) -> Result<Uuid, sqlx::Error> {
    sqlx::query_scalar!("INSERT INTO sync_runs (source_id, full_sync) VALUES ($1, $2) RETURNING id", source_id, full)
        .fetch_one(pool)
        .await
}

/// Records the end of a run with its overall status.
pub async fn finish(pool: &PgPool, run_id: Uuid, status: &str) -> Result<(), sqlx::Error> {
    // A run this process closed as interrupted (it is stopping) stays so.
    sqlx::query!(
        "UPDATE sync_runs SET status = $2, finished_at = now() WHERE id = $1 AND status = 'running'",
        run_id,
        status
    )
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
         WHERE run_id = $1 AND service = $2 AND account_id = $3 AND region = $4 AND status = 'running'",
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

/// A run with its slices gathered.
#[derive(Debug)]
pub struct RunRow {
    pub id: Uuid,
    pub source_id: Uuid,
    pub source_name: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub status: String,
    pub full_sync: bool,
    pub slices: i64,
    pub slices_done: i64,
    pub slices_failed: i64,
    pub fetched: i64,
    pub stored: i64,
    pub errors: sqlx::types::Json<Vec<SliceErrorRow>>,
}

#[derive(Debug, serde::Deserialize)]
pub struct SliceErrorRow {
    pub service: String,
    pub account_id: String,
    #[serde(default)]
    pub account_name: Option<String>,
    pub region: String,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub request_id: Option<String>,
}

/// The most recent runs, newest first (only those in `ids`, when given),
/// each with its slices counted and its failed slices listed.
pub async fn runs(pool: &PgPool, ids: Option<&[Uuid]>, limit: i64) -> Result<Vec<RunRow>, sqlx::Error> {
    sqlx::query_as!(
        RunRow,
        r#"
        SELECT r.id, r.source_id, src.name AS source_name, r.started_at, r.finished_at, r.status, r.full_sync,
               count(s.run_id) AS "slices!",
               count(s.run_id) FILTER (WHERE s.status <> 'running') AS "slices_done!",
               count(s.run_id) FILTER (WHERE s.status = 'failed') AS "slices_failed!",
               COALESCE(sum(s.fetched), 0)::bigint AS "fetched!",
               COALESCE(sum(s.stored), 0)::bigint AS "stored!",
               COALESCE(jsonb_agg(jsonb_build_object(
                   'service', s.service, 'account_id', s.account_id, 'region', s.region,
                   'account_name', (SELECT a.name FROM aws_accounts a WHERE a.account_id = s.account_id),
                   'error_code', s.error_code, 'error_message', s.error_message, 'request_id', s.request_id
               ) ORDER BY s.service, s.account_id, s.region) FILTER (WHERE s.status = 'failed'), '[]'::jsonb)
                   AS "errors!: sqlx::types::Json<Vec<SliceErrorRow>>"
        FROM (SELECT * FROM sync_runs WHERE $1::uuid[] IS NULL OR id = ANY($1)
              ORDER BY started_at DESC LIMIT $2) r
        JOIN sources src ON src.id = r.source_id
        LEFT JOIN sync_slices s ON s.run_id = r.id
        GROUP BY r.id, r.source_id, src.name, r.started_at, r.finished_at, r.status, r.full_sync
        ORDER BY r.started_at DESC
        "#,
        ids as Option<&[Uuid]>,
        limit
    )
    .fetch_all(pool)
    .await
}

/// A source with its latest run's id and when it last succeeded.
#[derive(Debug)]
pub struct SourceRow {
    pub id: Uuid,
    pub name: String,
    pub kind: String,
    pub sync_interval_secs: i32,
    pub last_run_id: Option<Uuid>,
    pub last_success: Option<DateTime<Utc>>,
    pub next_sync_at: Option<DateTime<Utc>>,
}

pub async fn sources(pool: &PgPool) -> Result<Vec<SourceRow>, sqlx::Error> {
    sqlx::query_as!(
        SourceRow,
        r#"
        SELECT src.id, src.name, src.kind, src.sync_interval_secs,
               (SELECT r.id FROM sync_runs r WHERE r.source_id = src.id ORDER BY r.started_at DESC LIMIT 1)
                   AS last_run_id,
               (SELECT max(r.finished_at) FROM sync_runs r
                 WHERE r.source_id = src.id AND r.status IN ('succeeded', 'partial')) AS last_success,
               src.next_sync_at
        FROM sources src ORDER BY src.name
        "#
    )
    .fetch_all(pool)
    .await
}

/// Whether a run of the source is under way.
pub async fn is_running(pool: &PgPool, source_id: Uuid) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM sync_runs WHERE source_id = $1 AND status = 'running') AS "running!""#,
        source_id
    )
    .fetch_one(pool)
    .await
}

/// Marks the source's runs that are still `running` as failed, with their
/// running slices: only call it while holding the source's sync lock, when
/// no run of the source can really be under way (its process died).
pub async fn close_interrupted(conn: &mut sqlx::PgConnection, source_id: Uuid) -> Result<u64, sqlx::Error> {
    sqlx::query!(
        "UPDATE sync_slices s SET status = 'failed', finished_at = now(),
                error_message = 'interrupted: the process syncing it stopped'
         FROM sync_runs r
         WHERE s.run_id = r.id AND r.source_id = $1 AND r.status = 'running' AND s.status = 'running'",
        source_id
    )
    .execute(&mut *conn)
    .await?;
    let closed = sqlx::query!(
        "UPDATE sync_runs SET status = 'failed', finished_at = now() WHERE source_id = $1 AND status = 'running'",
        source_id
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(closed)
}

/// Marks these runs, and their slices still running, as failed with
/// `reason`: the process running them is stopping.
pub async fn interrupt(pool: &PgPool, runs: &[Uuid], reason: &str) -> Result<u64, sqlx::Error> {
    let mut transaction = pool.begin().await?;
    sqlx::query!(
        "UPDATE sync_slices SET status = 'failed', finished_at = now(), error_message = $2
         WHERE run_id = ANY($1) AND status = 'running'",
        runs,
        reason
    )
    .execute(&mut *transaction)
    .await?;
    let closed = sqlx::query!(
        "UPDATE sync_runs SET status = 'failed', finished_at = now() WHERE id = ANY($1) AND status = 'running'",
        runs
    )
    .execute(&mut *transaction)
    .await?
    .rows_affected();
    transaction.commit().await?;
    Ok(closed)
}

/// Whether any session holds the advisory lock with this key, looked up
/// without taking it.
pub async fn lock_is_held(pool: &PgPool, key: i64) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (
               SELECT 1 FROM pg_locks
               WHERE locktype = 'advisory' AND objsubid = 1 AND granted
                 AND ((classid::bigint << 32) | objid::bigint) = $1
           ) AS "held!""#,
        key
    )
    .fetch_one(pool)
    .await
}

/// When each source's last run ended, whatever its outcome.
pub async fn last_finished_by_source(pool: &PgPool) -> Result<HashMap<Uuid, DateTime<Utc>>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT source_id, max(finished_at) AS "finished!" FROM sync_runs
           WHERE finished_at IS NOT NULL GROUP BY source_id"#
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|row| (row.source_id, row.finished)).collect())
}

/// When the source's last run ended (read under its sync lock).
pub async fn last_finished(
    conn: &mut sqlx::PgConnection,
    source_id: Uuid,
) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
    sqlx::query_scalar!("SELECT max(finished_at) FROM sync_runs WHERE source_id = $1", source_id)
        .fetch_one(&mut *conn)
        .await
}

/// The fingerprint of what a slice last stored, if it stored any.
pub async fn fingerprint(
    conn: &mut sqlx::PgConnection,
    source_id: Uuid,
    service: &str,
    account_id: &str,
    region: &str,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar!(
        "SELECT fingerprint FROM slice_fingerprints
         WHERE source_id = $1 AND service = $2 AND account_id = $3 AND region = $4",
        source_id,
        service,
        account_id,
        region
    )
    .fetch_optional(conn)
    .await
}

/// Records the fingerprint of what a slice stored.
pub async fn set_fingerprint(
    conn: &mut sqlx::PgConnection,
    source_id: Uuid,
    service: &str,
    account_id: &str,
    region: &str,
    fingerprint: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO slice_fingerprints (source_id, service, account_id, region, fingerprint)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (source_id, service, account_id, region)
         DO UPDATE SET fingerprint = EXCLUDED.fingerprint, stored_at = now()",
        source_id,
        service,
        account_id,
        region,
        fingerprint
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// The sources with a run still marked running.
pub async fn running_sources(conn: &mut PgConnection) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar!("SELECT DISTINCT source_id FROM sync_runs WHERE status = 'running'").fetch_all(conn).await
}

/// Runs per source and how they ended, with their time and the last good
/// one's end, for `/metrics`.
pub struct RunTotal {
    pub source: String,
    pub status: String,
    pub runs: i64,
    pub seconds: f64,
    pub last_success: Option<f64>,
}

pub async fn run_totals(pool: &PgPool) -> Result<Vec<RunTotal>, sqlx::Error> {
    sqlx::query_as!(
        RunTotal,
        r#"SELECT s.name AS source, r.status, count(*) AS "runs!",
                  coalesce(sum(extract(epoch FROM r.finished_at - r.started_at)), 0)::float8 AS "seconds!",
                  max(extract(epoch FROM r.finished_at)) FILTER (WHERE r.status IN ('succeeded', 'partial'))::float8
                      AS last_success
           FROM sync_runs r JOIN sources s ON s.id = r.source_id
           GROUP BY s.name, r.status ORDER BY s.name, r.status"#
    )
    .fetch_all(pool)
    .await
}

/// One service's sync figures since the database began.
pub struct ServiceRow {
    pub service: String,
    pub slices: i64,
    pub errors: i64,
    pub fetched: i64,
    pub stored: i64,
    pub seconds: f64,
}

pub async fn service_totals(pool: &PgPool) -> Result<Vec<ServiceRow>, sqlx::Error> {
    sqlx::query_as!(
        ServiceRow,
        r#"SELECT service, count(*) AS "slices!", count(*) FILTER (WHERE status = 'failed') AS "errors!",
                  coalesce(sum(fetched), 0)::int8 AS "fetched!", coalesce(sum(stored), 0)::int8 AS "stored!",
                  coalesce(sum(extract(epoch FROM finished_at - started_at)), 0)::float8 AS "seconds!"
           FROM sync_slices GROUP BY service ORDER BY service"#
    )
    .fetch_all(pool)
    .await
}
