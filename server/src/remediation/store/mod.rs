//! Remediation items in PostgreSQL: creating them (deduplicated per source),
//! changing them one at a time or in bulk (all or nothing), comments, and
//! risk acceptances that expire. Every change goes to the item's history
//! and the audit log.

mod change;
mod source;

use app::domain::remediation::{MAX_TEXT, RemediationRefusal, Status};
use chrono::NaiveDate;
use serde_json::json;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

pub use self::change::{Change, bulk, update};
pub use self::source::Source;
use self::source::describe;
use super::RemediationSettings;
use crate::auth::audit;
use crate::lens::WELL_ARCHITECTED;

/// A remediation change that was not made: refused (with what it was
/// about, where naming it helps), or not stored.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum RemediationError {
    #[error("{refusal}{}", about.as_deref().map(|about| format!(" ({about})")).unwrap_or_default())]
    Refused { refusal: RemediationRefusal, about: Option<String> },
    #[error("the database is unavailable: {0}")]
    Database(String),
}

impl RemediationError {
    fn about(refusal: RemediationRefusal, about: String) -> RemediationError {
        RemediationError::Refused { refusal, about: Some(about) }
    }

    /// The refusal, if it was one.
    pub fn refusal(&self) -> Option<RemediationRefusal> {
        match self {
            RemediationError::Refused { refusal, .. } => Some(*refusal),
            RemediationError::Database(_) => None,
        }
    }
}

impl From<RemediationRefusal> for RemediationError {
    fn from(refusal: RemediationRefusal) -> Self {
        RemediationError::Refused { refusal, about: None }
    }
}

impl From<sqlx::Error> for RemediationError {
    fn from(error: sqlx::Error) -> Self {
        RemediationError::Database(error.to_string())
    }
}

async fn workload_exists(conn: &mut PgConnection, workload: Uuid) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(r#"SELECT EXISTS (SELECT 1 FROM workloads WHERE id = $1) AS "e!""#, workload)
        .fetch_one(conn)
        .await
}

/// Creates an item for a workload from a source, or finds the one that
/// exists for it. Returns its id and whether it is new.
pub async fn create(
    pool: &PgPool,
    settings: &RemediationSettings,
    actor: &str,
    workload: Uuid,
    source: Source,
    today: NaiveDate,
) -> Result<(Uuid, bool), RemediationError> {
    create_once(pool, settings, actor, workload, source, today, None).await
}

/// [`create`], once per `key` of this actor: a request sent again with the
/// same idempotency key answers the item the first one made (`false`).
pub async fn create_once(
    pool: &PgPool,
    settings: &RemediationSettings,
    actor: &str,
    workload: Uuid,
    source: Source,
    today: NaiveDate,
    key: Option<&str>,
) -> Result<(Uuid, bool), RemediationError> {
    if let Some(existing) = made_with_key(&mut *pool.acquire().await?, actor, key).await? {
        return Ok((existing, false));
    }
    if !workload_exists(&mut *pool.acquire().await?, workload).await? {
        return Err(RemediationRefusal::UnknownWorkload.into());
    }
    let item = describe(pool, workload, source).await?;
    let mut tx = pool.begin().await?;
    // Either the source's item or the key's may be there already.
    let created = sqlx::query_scalar!(
        "INSERT INTO remediation_items (workload_id, pillar, source_kind, source_key, source_url, title, description,
                                        priority, due_on, created_by, idempotency_key)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT DO NOTHING
         RETURNING id",
        workload,
        item.pillar.id(),
        item.kind.as_str(),
        item.key,
        item.url,
        item.title,
        item.description,
        item.priority.as_str(),
        settings.due_on(item.priority, today),
        actor,
        key
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(id) = created else {
        if let Some(existing) = made_with_key(&mut tx, actor, key).await? {
            return Ok((existing, false));
        }
        let existing = sqlx::query_scalar!(
            "SELECT id FROM remediation_items WHERE workload_id = $1 AND source_kind = $2 AND source_key = $3",
            workload,
            item.kind.as_str(),
            item.key
        )
        .fetch_one(&mut *tx)
        .await?;
        return Ok((existing, false));
    };
    history(&mut tx, id, actor, &format!("Created from {}", item.kind.label().to_lowercase()), None).await?;
    audit::record(
        &mut tx,
        actor,
        "remediation.create",
        &format!("remediation {id}"),
        None,
        Some(json!({ "workload": workload, "source": item.kind.as_str(), "key": item.key, "title": item.title })),
    )
    .await?;
    tx.commit().await?;
    Ok((id, true))
}

/// The item this actor made with this idempotency key, if any.
async fn made_with_key(
    conn: &mut sqlx::PgConnection,
    actor: &str,
    key: Option<&str>,
) -> Result<Option<Uuid>, sqlx::Error> {
    let Some(key) = key else { return Ok(None) };
    sqlx::query_scalar!("SELECT id FROM remediation_items WHERE created_by = $1 AND idempotency_key = $2", actor, key)
        .fetch_optional(conn)
        .await
}

/// Creates an item for every question of the workload at high risk;
/// returns how many were new.
pub async fn create_for_high_risks(
    pool: &PgPool,
    settings: &RemediationSettings,
    actor: &str,
    workload: Uuid,
    today: NaiveDate,
) -> Result<usize, RemediationError> {
    let questions = sqlx::query_scalar!(
        "SELECT a.question_id FROM workloads w
         JOIN wa_answers a ON a.wa_workload_id = w.wa_workload_id AND a.lens_alias = $2
         WHERE w.id = $1 AND a.risk = 'HIGH' ORDER BY a.question_id",
        workload,
        WELL_ARCHITECTED.lens_alias
    )
    .fetch_all(pool)
    .await?;
    let mut new = 0;
    for question in questions {
        if lens_knows(&question) && create(pool, settings, actor, workload, Source::Question(question), today).await?.1
        {
            new += 1;
        }
    }
    Ok(new)
}

fn lens_knows(question: &str) -> bool {
    WELL_ARCHITECTED.questions().any(|(_, q)| q.id == question)
}

pub(super) async fn history(
    conn: &mut PgConnection,
    item: Uuid,
    actor: &str,
    change: &str,
    reason: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO remediation_history (item_id, actor, change, reason) VALUES ($1, $2, $3, $4)",
        item,
        actor,
        change,
        reason
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Adds a comment to an item.
pub async fn comment(pool: &PgPool, actor: &str, item: Uuid, body: &str) -> Result<(), RemediationError> {
    comment_once(pool, actor, item, body, None).await
}

/// [`comment`], once per `key` of this actor on this item: a comment sent
/// again with the same idempotency key is not added twice.
pub async fn comment_once(
    pool: &PgPool,
    actor: &str,
    item: Uuid,
    body: &str,
    key: Option<&str>,
) -> Result<(), RemediationError> {
    let body = body.trim();
    if body.is_empty() {
        return Err(RemediationRefusal::EmptyComment.into());
    }
    if body.chars().count() > MAX_TEXT {
        return Err(RemediationRefusal::TooLong.into());
    }
    let mut tx = pool.begin().await?;
    let known = sqlx::query_scalar!(r#"SELECT EXISTS (SELECT 1 FROM remediation_items WHERE id = $1) AS "e!""#, item)
        .fetch_one(&mut *tx)
        .await?;
    if !known {
        return Err(RemediationRefusal::UnknownItem.into());
    }
    let added = sqlx::query!(
        "INSERT INTO remediation_comments (item_id, actor, body, idempotency_key) VALUES ($1, $2, $3, $4)
         ON CONFLICT DO NOTHING",
        item,
        actor,
        body,
        key
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if added == 0 {
        // Sent again with its key: the comment is there already.
        return Ok(());
    }
    audit::record(&mut tx, actor, "remediation.comment", &format!("remediation {item}"), None, Some(json!(body)))
        .await?;
    tx.commit().await?;
    Ok(())
}

/// An item that follows its source's evidence.
pub struct FollowedItem {
    pub id: Uuid,
    pub workload_id: Uuid,
    pub source_kind: String,
    pub source_key: Option<String>,
    pub status: Status,
    pub by_evidence: bool,
    pub flagged: bool,
}

/// Every item with a source, except accepted risks and "won't fix".
pub async fn followed_items(pool: &PgPool) -> Result<Vec<FollowedItem>, sqlx::Error> {
    sqlx::query_as!(
        FollowedItem,
        r#"SELECT id, workload_id, source_kind, source_key, status AS "status: Status", by_evidence, flagged
           FROM remediation_items WHERE source_key IS NOT NULL AND status NOT IN ('risk_accepted', 'wont_fix')"#
    )
    .fetch_all(pool)
    .await
}

/// Sets the (status, by evidence, flagged) the evidence asks of an item, if
/// nobody changed it since it was read; false if somebody did.
pub async fn set_by_evidence(
    conn: &mut PgConnection,
    item: &FollowedItem,
    (status, by_evidence, flagged): (Status, bool, bool),
) -> Result<bool, sqlx::Error> {
    let changed = sqlx::query!(
        "UPDATE remediation_items SET status = $2, by_evidence = $3, flagged = $4, updated_at = now()
         WHERE id = $1 AND status = $5 AND by_evidence = $6 AND flagged = $7",
        item.id,
        status.as_str(),
        by_evidence,
        flagged,
        item.status.as_str(),
        item.by_evidence,
        item.flagged
    )
    .execute(conn)
    .await?
    .rows_affected();
    Ok(changed > 0)
}

/// Who expiries are recorded as.
pub const EXPIRY_ACTOR: &str = "expiry";

/// Reopens every accepted risk whose acceptance ended before `today`;
/// returns how many.
pub async fn expire_acceptances(pool: &PgPool, today: NaiveDate) -> Result<u64, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let expired = sqlx::query!(
        "UPDATE remediation_items SET status = 'open', by_evidence = false, updated_at = now()
         WHERE status = 'risk_accepted' AND accepted_until < $1
         RETURNING id, accepted_until",
        today
    )
    .fetch_all(&mut *tx)
    .await?;
    for row in &expired {
        let until = row.accepted_until.map(|d| d.to_string()).unwrap_or_default();
        history(&mut tx, row.id, EXPIRY_ACTOR, &format!("Risk acceptance ended on {until}: reopened"), None).await?;
        super::write_back::enqueue(&mut tx, row.id, Status::Open, None, EXPIRY_ACTOR).await?;
    }
    tx.commit().await?;
    Ok(expired.len() as u64)
}
