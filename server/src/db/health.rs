use sqlx::PgPool;

/// Succeeds when the database answers a query.
#[tracing::instrument(skip_all)]
pub async fn ping(pool: &PgPool) -> Result<(), sqlx::Error> {
    sqlx::query_scalar!(r#"SELECT 1 AS "one!""#).fetch_one(pool).await?;
    Ok(())
}
