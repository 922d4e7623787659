//! The outbox's SQL: queueing a write, claiming the writes that are due,
//! settling each, and reading where writes stand.

use app::domain::outbox::{WriteKind, WriteLine, WriteState, write_sentence};
use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::{Claimed, Write};

/// Queues a write; earlier writes of the same subject that no server is
/// sending now are replaced when `replaces` (the latest change is what
/// counts). Returns the write's id.
pub(super) async fn enqueue(conn: &mut PgConnection, write: &Write<'_>, replaces: bool) -> Result<i64, sqlx::Error> {
    if replaces {
        sqlx::query!(
            "UPDATE aws_writes SET state = 'replaced', done_at = now(), claimed_until = NULL
             WHERE workload_id = $1 AND kind = $2 AND subject = $3 AND state IN ('queued', 'retrying')
               AND (claimed_until IS NULL OR claimed_until < now())",
            write.workload,
            write.kind as WriteKind,
            write.subject
        )
        .execute(&mut *conn)
        .await?;
    }
    sqlx::query_scalar!(
        "INSERT INTO aws_writes (kind, workload_id, item_id, subject, payload, actor)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        write.kind as WriteKind,
        write.workload,
        write.item,
        write.subject,
        write.payload,
        write.actor
    )
    .fetch_one(conn)
    .await
}

/// Claims up to `limit` writes that are due, oldest first, for `hold`
/// seconds, counting the attempt. A write waits while an older write of
/// its subject is still to be sent, so one subject's writes go out in order.
pub(super) async fn claim_due(pool: &PgPool, hold: i32, limit: i64) -> Result<Vec<Claimed>, sqlx::Error> {
    sqlx::query_as!(
        Claimed,
        r#"UPDATE aws_writes w SET claimed_until = now() + make_interval(secs => $1), attempts = w.attempts + 1
           WHERE w.id IN (
               SELECT d.id FROM aws_writes d
               WHERE d.state IN ('queued', 'retrying') AND d.next_attempt_at <= now()
                 AND (d.claimed_until IS NULL OR d.claimed_until < now())
                 AND NOT EXISTS (
                     SELECT 1 FROM aws_writes o
                     WHERE o.workload_id = d.workload_id AND o.kind = d.kind AND o.subject = d.subject
                       AND o.id < d.id AND o.state IN ('queued', 'retrying'))
               ORDER BY d.id LIMIT $2
               FOR UPDATE SKIP LOCKED)
           RETURNING w.id, w.kind AS "kind: WriteKind", w.workload_id, w.item_id, w.subject, w.payload, w.actor,
                     w.attempts"#,
        f64::from(hold),
        limit
    )
    .fetch_all(pool)
    .await
}

/// Claims one write, if it is due and no server is sending it.
pub(super) async fn claim(pool: &PgPool, id: i64, hold: i32) -> Result<Option<Claimed>, sqlx::Error> {
    sqlx::query_as!(
        Claimed,
        r#"UPDATE aws_writes w SET claimed_until = now() + make_interval(secs => $2), attempts = w.attempts + 1
           WHERE w.id = $1 AND w.state IN ('queued', 'retrying') AND w.next_attempt_at <= now()
             AND (w.claimed_until IS NULL OR w.claimed_until < now())
             AND NOT EXISTS (
                 SELECT 1 FROM aws_writes o
                 WHERE o.workload_id = w.workload_id AND o.kind = w.kind AND o.subject = w.subject
                   AND o.id < w.id AND o.state IN ('queued', 'retrying'))
           RETURNING w.id, w.kind AS "kind: WriteKind", w.workload_id, w.item_id, w.subject, w.payload, w.actor,
                     w.attempts"#,
        id,
        f64::from(hold)
    )
    .fetch_optional(pool)
    .await
}

/// Marks a write sent, with what became of it and what it learnt.
pub(super) async fn done(pool: &PgPool, id: i64, outcome: &str, learnt: &serde_json::Value) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE aws_writes SET state = 'done', outcome = $2, payload = payload || $3, last_error = NULL,
                               claimed_until = NULL, done_at = now()
         WHERE id = $1",
        id,
        outcome,
        learnt
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Leaves a failed write queued, to be tried again in `wait_secs`.
pub(super) async fn retry(pool: &PgPool, id: i64, error: &str, wait_secs: i64) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE aws_writes SET state = 'retrying', last_error = $2, claimed_until = NULL,
                               next_attempt_at = now() + make_interval(secs => $3)
         WHERE id = $1",
        id,
        error,
        wait_secs as f64
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Gives a write up, with the error that ended it.
pub(super) async fn give_up(pool: &PgPool, id: i64, error: &str) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE aws_writes SET state = 'given_up', last_error = $2, claimed_until = NULL, done_at = now()
         WHERE id = $1",
        id,
        error
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// A write as the pages show it.
#[derive(Clone, Debug, PartialEq)]
pub struct WriteRow {
    pub id: i64,
    pub kind: WriteKind,
    pub workload_id: Uuid,
    pub subject: String,
    pub payload: serde_json::Value,
    pub actor: String,
    pub created_at: DateTime<Utc>,
    pub state: WriteState,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub outcome: Option<String>,
    pub done_at: Option<DateTime<Utc>>,
}

/// Where a write stands once no server is sending it; `None` while one is.
pub(super) async fn settled(pool: &PgPool, id: i64) -> Result<Option<WriteRow>, sqlx::Error> {
    sqlx::query_as!(
        WriteRow,
        r#"SELECT id, kind AS "kind: WriteKind", workload_id, subject, payload, actor, created_at,
                  state AS "state: WriteState", attempts, next_attempt_at, last_error, outcome, done_at
           FROM aws_writes WHERE id = $1 AND (claimed_until IS NULL OR claimed_until < now())"#,
        id
    )
    .fetch_optional(pool)
    .await
}

/// A remediation item's latest workflow updates, newest first.
pub async fn of_item(pool: &PgPool, item: Uuid, limit: i64) -> Result<Vec<WriteRow>, sqlx::Error> {
    sqlx::query_as!(
        WriteRow,
        r#"SELECT id, kind AS "kind: WriteKind", workload_id, subject, payload, actor, created_at,
                  state AS "state: WriteState", attempts, next_attempt_at, last_error, outcome, done_at
           FROM aws_writes WHERE item_id = $1 ORDER BY id DESC LIMIT $2"#,
        item,
        limit
    )
    .fetch_all(pool)
    .await
}

/// A workload's answers still to be written, or given up, by question:
/// the latest write of each.
pub async fn answers_of(conn: &mut PgConnection, workload: Uuid) -> Result<Vec<WriteRow>, sqlx::Error> {
    sqlx::query_as!(
        WriteRow,
        r#"SELECT DISTINCT ON (subject) id, kind AS "kind: WriteKind", workload_id, subject, payload, actor,
                  created_at, state AS "state: WriteState", attempts, next_attempt_at, last_error, outcome, done_at
           FROM aws_writes WHERE workload_id = $1 AND kind = 'answer'
           ORDER BY subject, id DESC"#,
        workload
    )
    .fetch_all(conn)
    .await
}

/// Whether a milestone of this name is still to be created.
pub async fn milestone_pending(pool: &PgPool, workload: Uuid, name: &str) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM aws_writes WHERE workload_id = $1 AND kind = 'milestone' AND subject = $2
                          AND state IN ('queued', 'retrying')) AS "pending!""#,
        workload,
        name
    )
    .fetch_one(pool)
    .await
}

/// The writes the sync page lists: every one still to be sent, and those
/// given up or sent in the last week; the ones needing attention first.
pub async fn recent(pool: &PgPool, limit: i64) -> Result<Vec<WriteLine>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT a.kind AS "kind: WriteKind", a.workload_id, w.name AS workload, a.subject, a.item_id,
                  a.state AS "state: WriteState", a.attempts, a.next_attempt_at, a.last_error, a.outcome,
                  a.actor, a.created_at
           FROM aws_writes a JOIN workloads w ON w.id = a.workload_id
           WHERE a.state IN ('queued', 'retrying') OR a.done_at > now() - interval '7 days'
           ORDER BY (a.state IN ('queued', 'retrying', 'given_up')) DESC, a.id DESC
           LIMIT $1"#,
        limit
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| WriteLine {
            sentence: write_sentence(
                row.state,
                row.attempts,
                row.next_attempt_at,
                row.last_error.as_deref(),
                row.outcome.as_deref(),
            ),
            kind: row.kind,
            workload_id: row.workload_id,
            workload: row.workload,
            subject: row.subject,
            item_id: row.item_id,
            state: row.state,
            actor: row.actor,
            at: row.created_at,
        })
        .collect())
}
