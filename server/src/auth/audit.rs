//! The audit log: every write, with who, when, what, before and after. The
//! application only inserts; the table's triggers refuse anything else.

use sqlx::PgConnection;

/// Who the command line writes as.
pub const CLI_ACTOR: &str = "cli";

/// Records one change in the same transaction as the change itself.
pub async fn record(
    conn: &mut PgConnection,
    actor: &str,
    action: &str,
    target: &str,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO audit_log (actor, action, target, before, after) VALUES ($1, $2, $3, $4, $5)",
        actor,
        action,
        target,
        before,
        after
    )
    .execute(conn)
    .await?;
    Ok(())
}
