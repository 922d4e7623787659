//! Reading remediation items for the pages: the filtered list, one item in
//! full, and the counts the overview, workload pages and reports show.

use app::domain::Pillar;
use app::domain::remediation::{
    Assignee, Comment, FindingUpdateLine, HistoryLine, Priority, RemediationDetail, RemediationLine, RemediationPage,
    RemediationProgress, RemediationQuery, Sort, SourceKind, Status, TicketSystem,
};
use chrono::NaiveDate;
use sqlx::PgPool;
use uuid::Uuid;

/// The most items a list shows.
const LIST_LIMIT: i64 = 500;

pub async fn assignees(pool: &PgPool) -> Result<Vec<Assignee>, sqlx::Error> {
    let rows = sqlx::query!(
        "SELECT id, email, display_name FROM users WHERE disabled_at IS NULL AND role IN ('editor', 'admin')
         ORDER BY email"
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|row| Assignee { id: row.id, email: row.email, name: row.display_name }).collect())
}

/// Active items past their due date, in one workload or all.
pub async fn overdue(pool: &PgPool, workload: Option<Uuid>, today: NaiveDate) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM remediation_items
           WHERE status IN ('open', 'in_progress', 'blocked') AND due_on < $2 AND ($1::uuid IS NULL OR workload_id = $1)"#,
        workload,
        today
    )
    .fetch_one(pool)
    .await
}

/// Items by where they stand, in one workload or all.
pub async fn progress(
    pool: &PgPool,
    workload: Option<Uuid>,
    today: NaiveDate,
) -> Result<RemediationProgress, sqlx::Error> {
    let row = sqlx::query!(
        r#"SELECT count(*) FILTER (WHERE status IN ('open', 'in_progress', 'blocked')) AS "active!",
                  count(*) FILTER (WHERE status IN ('open', 'in_progress', 'blocked') AND due_on < $2) AS "overdue!",
                  count(*) FILTER (WHERE status IN ('resolved', 'wont_fix')) AS "resolved!",
                  count(*) FILTER (WHERE status = 'risk_accepted') AS "accepted!",
                  count(*) AS "total!"
           FROM remediation_items WHERE ($1::uuid IS NULL OR workload_id = $1)"#,
        workload,
        today
    )
    .fetch_one(pool)
    .await?;
    Ok(RemediationProgress {
        active: row.active,
        overdue: row.overdue,
        resolved: row.resolved,
        accepted: row.accepted,
        total: row.total,
    })
}

pub async fn page(
    pool: &PgPool,
    query: RemediationQuery,
    me: Option<String>,
    today: NaiveDate,
) -> Result<RemediationPage, sqlx::Error> {
    let owner = match query.owner.as_deref() {
        Some("me") => me.clone(),
        other => other.map(str::to_owned),
    };
    let active_only = query.status.is_none() && !query.all;
    let rows = sqlx::query_as!(
        RemediationLine,
        r#"SELECT r.id, r.workload_id, w.name AS workload_name, r.pillar AS "pillar: Pillar",
                  r.source_kind AS "source_kind: SourceKind", r.source_key, r.title,
                  r.priority AS "priority: Priority", u.email AS "owner?", r.due_on, r.status AS "status: Status",
                  r.by_evidence, r.flagged, r.accepted_until
           FROM remediation_items r
           JOIN workloads w ON w.id = r.workload_id
           LEFT JOIN users u ON u.id = r.owner_id
           WHERE ($1::uuid IS NULL OR r.workload_id = $1)
             AND ($2::text IS NULL OR r.pillar = $2)
             AND ($3::text IS NULL OR u.email = $3)
             AND ($4::text IS NULL OR r.status = $4)
             AND (NOT $5 OR r.status IN ('open', 'in_progress', 'blocked'))
             AND (NOT $6 OR (r.status IN ('open', 'in_progress', 'blocked') AND r.due_on < $7))
             AND ($8::text IS NULL OR r.source_kind = $8)
           ORDER BY
             CASE WHEN $9 THEN array_position(ARRAY['critical', 'high', 'medium', 'low'], r.priority) END,
             r.due_on, array_position(ARRAY['critical', 'high', 'medium', 'low'], r.priority), r.id
           LIMIT $10"#,
        query.workload,
        query.pillar.map(|p| p.id()),
        owner,
        query.status.map(Status::as_str),
        active_only,
        query.overdue,
        today,
        query.source.map(SourceKind::as_str),
        query.sort == Sort::Priority,
        LIST_LIMIT
    )
    .fetch_all(pool)
    .await?;
    let workloads = sqlx::query!("SELECT id, name FROM workloads ORDER BY name")
        .fetch_all(pool)
        .await?
        .into_iter()
        .map(|row| (row.id, row.name))
        .collect();
    Ok(RemediationPage {
        items: rows,
        today,
        overdue: overdue(pool, query.workload, today).await?,
        assignees: assignees(pool).await?,
        workloads,
        me,
    })
}

pub async fn item(pool: &PgPool, id: Uuid, today: NaiveDate) -> Result<Option<RemediationDetail>, sqlx::Error> {
    let row = sqlx::query!(
        r#"SELECT r.id, r.workload_id, w.name AS workload_name, r.pillar AS "pillar: Pillar",
                  r.source_kind AS "source_kind: SourceKind", r.source_key, r.title,
                  r.priority AS "priority: Priority", u.email AS "owner?", r.due_on, r.status AS "status: Status",
                  r.by_evidence, r.flagged, r.accepted_until,
                  r.description, r.source_url, r.owner_id, r.acceptance_reason, r.ticket_url,
                  r.ticket_system AS "ticket_system: TicketSystem", r.created_by,
                  r.created_at
           FROM remediation_items r
           JOIN workloads w ON w.id = r.workload_id
           LEFT JOIN users u ON u.id = r.owner_id
           WHERE r.id = $1"#,
        id
    )
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let line = RemediationLine {
        id: row.id,
        workload_id: row.workload_id,
        workload_name: row.workload_name,
        pillar: row.pillar,
        source_kind: row.source_kind,
        source_key: row.source_key,
        title: row.title,
        priority: row.priority,
        owner: row.owner,
        due_on: row.due_on,
        status: row.status,
        by_evidence: row.by_evidence,
        flagged: row.flagged,
        accepted_until: row.accepted_until,
    };
    let history = sqlx::query!(
        "SELECT at, actor, change, reason FROM remediation_history WHERE item_id = $1 ORDER BY id DESC",
        id
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|h| HistoryLine { at: h.at, actor: h.actor, change: h.change, reason: h.reason })
    .collect();
    let comments = sqlx::query!("SELECT at, actor, body FROM remediation_comments WHERE item_id = $1 ORDER BY id", id)
        .fetch_all(pool)
        .await?
        .into_iter()
        .map(|c| Comment { at: c.at, actor: c.actor, body: c.body })
        .collect();
    let finding_updates = crate::outbox::store::of_item(pool, id, 5)
        .await?
        .into_iter()
        .map(|write| FindingUpdateLine {
            workflow: write.payload["workflow"].as_str().unwrap_or_default().to_owned(),
            at: write.created_at,
            attempts: write.attempts,
            updated: write.payload["updated"].as_i64().and_then(|n| i32::try_from(n).ok()).unwrap_or_default(),
            state: write.state,
            next_attempt_at: write.next_attempt_at,
            last_error: write.last_error,
            done_at: write.done_at,
        })
        .collect();
    Ok(Some(RemediationDetail {
        line,
        description: row.description,
        source_url: row.source_url,
        owner_id: row.owner_id,
        acceptance_reason: row.acceptance_reason,
        ticket_url: row.ticket_url,
        ticket_system: row.ticket_system,
        created_by: row.created_by,
        created_at: row.created_at,
        history,
        comments,
        finding_updates,
        assignees: assignees(pool).await?,
        today,
    }))
}

/// One of a workload's items, for its review.
pub struct WorkloadItem {
    pub id: Uuid,
    pub title: String,
    pub pillar: Pillar,
    pub source_kind: String,
    pub source_key: Option<String>,
    pub priority: Priority,
    pub owner: Option<String>,
    pub due_on: NaiveDate,
    pub status: Status,
    pub acceptance_reason: Option<String>,
    pub accepted_until: Option<NaiveDate>,
    pub ticket_url: Option<String>,
    pub ticket_system: Option<TicketSystem>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

/// Every item of a workload, by due date, then priority.
pub async fn of_workload(pool: &PgPool, workload: Uuid) -> Result<Vec<WorkloadItem>, sqlx::Error> {
    sqlx::query_as!(
        WorkloadItem,
        r#"SELECT r.id, r.title, r.pillar AS "pillar: Pillar", r.source_kind, r.source_key,
                  r.priority AS "priority: Priority", u.email AS "owner?", r.due_on, r.status AS "status: Status",
                  r.acceptance_reason, r.accepted_until, r.ticket_url,
                  r.ticket_system AS "ticket_system: TicketSystem", r.created_at, r.updated_at
           FROM remediation_items r
           LEFT JOIN users u ON u.id = r.owner_id
           WHERE r.workload_id = $1
           ORDER BY r.due_on, array_position(ARRAY['critical', 'high', 'medium', 'low'], r.priority), r.id"#,
        workload
    )
    .fetch_all(pool)
    .await
}

/// What an item was made from: its kind and key.
pub struct ItemSource {
    pub kind: String,
    pub key: Option<String>,
}

/// An item's source, if the item exists.
pub async fn item_source(pool: &PgPool, item: Uuid) -> Result<Option<ItemSource>, sqlx::Error> {
    sqlx::query_as!(
        ItemSource,
        "SELECT source_kind AS kind, source_key AS key FROM remediation_items WHERE id = $1",
        item
    )
    .fetch_optional(pool)
    .await
}

/// The workload of an item made from a control or a rule (whose findings
/// can take a workflow); none for other items.
pub async fn workload_of_finding_item(conn: &mut sqlx::PgConnection, item: Uuid) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar!(
        "SELECT workload_id FROM remediation_items WHERE id = $1 AND source_kind IN ('control', 'rule')",
        item
    )
    .fetch_optional(conn)
    .await
}

/// Active and overdue items per workload, for the organisation's report.
pub async fn active_and_overdue_by_workload(
    pool: &PgPool,
    today: NaiveDate,
) -> Result<std::collections::HashMap<Uuid, (i64, i64)>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT workload_id,
                  count(*) AS "active!",
                  count(*) FILTER (WHERE due_on < $1) AS "overdue!"
           FROM remediation_items
           WHERE status IN ('open', 'in_progress', 'blocked')
           GROUP BY workload_id"#,
        today
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|row| (row.workload_id, (row.active, row.overdue))).collect())
}
