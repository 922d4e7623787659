//! PostgreSQL's advisory locks, which put work that must not run twice at
//! once (one source's sync, one delivery round) in order across every
//! server sharing the database. A session lock is held by its connection
//! until it is unlocked or the connection ends.

use sqlx::PgConnection;

/// Takes the lock if nobody holds it; false if someone does.
pub async fn try_lock(conn: &mut PgConnection, key: i64) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(r#"SELECT pg_try_advisory_lock($1) AS "locked!""#, key).fetch_one(conn).await
}

/// Gives the lock back.
pub async fn unlock(conn: &mut PgConnection, key: i64) -> Result<(), sqlx::Error> {
    sqlx::query_scalar!("SELECT pg_advisory_unlock($1)", key).fetch_one(conn).await?;
    Ok(())
}

/// The transaction's start, as the database tells time.
pub async fn transaction_time(conn: &mut PgConnection) -> Result<chrono::DateTime<chrono::Utc>, sqlx::Error> {
    sqlx::query_scalar!(r#"SELECT now() AS "now!""#).fetch_one(conn).await
}
