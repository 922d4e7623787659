//! The sources table: one row per configured source.

use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

/// Creates or updates the row of a source by name and returns its id.
#[tracing::instrument(skip(pool, settings))]
pub async fn upsert(
    pool: &PgPool,
    name: &str,
    kind: &str,
    settings: &Value,
    sync_interval_secs: i32,
) -> Result<Uuid, sqlx::Error> {
    sqlx::query_scalar!(
        r#"
        INSERT INTO sources (name, kind, settings, sync_interval_secs)
        VALUES ($1, $2, $3, $4)
        ON CONFLICT (name) DO UPDATE
            SET kind = EXCLUDED.kind,
                settings = EXCLUDED.settings,
                sync_interval_secs = EXCLUDED.sync_interval_secs,
                updated_at = now()
        RETURNING id
        "#,
        name,
        kind,
        settings,
        sync_interval_secs
    )
    .fetch_one(pool)
    .await
}

/// Records when the scheduler plans the source's next sync.
pub async fn plan_next_sync(pool: &PgPool, id: Uuid, at: chrono::DateTime<chrono::Utc>) -> Result<(), sqlx::Error> {
    sqlx::query!("UPDATE sources SET next_sync_at = $2 WHERE id = $1", id, at).execute(pool).await?;
    Ok(())
}

/// Removes every source of a kind with all it stored, its workloads
/// included; returns how many workloads went.
pub async fn remove_kind(pool: &PgPool, kind: &str) -> Result<u64, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let workloads =
        sqlx::query!("DELETE FROM workloads WHERE source_id IN (SELECT id FROM sources WHERE kind = $1)", kind)
            .execute(&mut *tx)
            .await?;
    sqlx::query!("DELETE FROM sources WHERE kind = $1", kind).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(workloads.rows_affected())
}

/// Whether any source of a kind is stored.
pub async fn has_kind(pool: &PgPool, kind: &str) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(r#"SELECT EXISTS (SELECT 1 FROM sources WHERE kind = $1) AS "exists!""#, kind)
        .fetch_one(pool)
        .await
}

/// The key of the advisory lock that keeps two processes from syncing one
/// source at once.
pub fn lock_key(source_id: Uuid) -> i64 {
    let bytes = source_id.as_bytes();
    i64::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7]])
}

/// A source as stored: its name, kind (`aws` or `demo`) and settings.
pub struct StoredSource {
    pub name: String,
    pub kind: String,
    pub settings: serde_json::Value,
}

pub async fn by_id(pool: &PgPool, id: Uuid) -> Result<Option<StoredSource>, sqlx::Error> {
    sqlx::query_as!(StoredSource, "SELECT name, kind, settings FROM sources WHERE id = $1", id)
        .fetch_optional(pool)
        .await
}
