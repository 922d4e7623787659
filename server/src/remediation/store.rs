//! Remediation items in PostgreSQL: creating them (deduplicated per source),
//! changing them one at a time or in bulk (all or nothing), comments, and
//! risk acceptances that expire. Every change goes to the item's history
//! and the audit log.

use app::domain::Pillar;
use app::domain::checklists::TickState;
use app::domain::findings::FindingQuery;
use app::domain::remediation::{MAX_TEXT, MAX_TITLE, Priority, RemediationRefusal, SourceKind, Status};
use app::domain::{ComplianceStatus, Risk};
use chrono::NaiveDate;
use serde_json::json;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::{RemediationSettings, pillar_of, priority_of_risk, priority_of_severity};
use crate::auth::audit;
use crate::db::scores;
use crate::lens::WELL_ARCHITECTED;
use crate::mapping::{EvidenceKind, MAPPING};
use crate::reference::CATALOGUE;

/// What an item is created from.
#[derive(Clone, Debug, PartialEq)]
pub enum Source {
    /// A Security Hub control id.
    Control(String),
    /// An AWS Config managed rule identifier.
    Rule(String),
    /// A Well-Architected question id (at high or medium risk).
    Question(String),
    /// A checklist item, `pack/item`.
    Checklist(String),
    /// Written by hand.
    Manual { title: String, description: String, pillar: Pillar, priority: Priority },
}

impl Source {
    pub fn parse(kind: &str, key: &str) -> Option<Source> {
        let key = key.trim().to_owned();
        match SourceKind::parse(kind)? {
            SourceKind::Control => Some(Source::Control(key)),
            SourceKind::Rule => Some(Source::Rule(key)),
            SourceKind::Question => Some(Source::Question(key)),
            SourceKind::Checklist => Some(Source::Checklist(key)),
            SourceKind::Manual => None,
        }
    }
}

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

/// An item as it will be stored.
struct NewItem {
    pillar: Pillar,
    kind: SourceKind,
    key: Option<String>,
    url: Option<String>,
    title: String,
    description: String,
    priority: Priority,
}

async fn workload_exists(conn: &mut PgConnection, workload: Uuid) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(r#"SELECT EXISTS (SELECT 1 FROM workloads WHERE id = $1) AS "e!""#, workload)
        .fetch_one(conn)
        .await
}

/// The failing resources of a control or rule, as a description.
async fn failing_text(pool: &PgPool, workload: Uuid, kind: &str, key: &str) -> Result<(String, i64), sqlx::Error> {
    let (resources, count) = scores::failing_resources(pool, workload, kind, key, 25).await?;
    if count == 0 {
        return Ok((String::new(), 0));
    }
    let mut text = format!("Failing resources ({count}):\n");
    for resource in &resources {
        text.push_str(&format!("- {resource}\n"));
    }
    if count > resources.len() as i64 {
        text.push_str(&format!("- and {} more\n", count - resources.len() as i64));
    }
    Ok((text, count))
}

async fn describe(pool: &PgPool, workload: Uuid, source: Source) -> Result<NewItem, RemediationError> {
    match source {
        Source::Control(id) => {
            let control = CATALOGUE.control(&id).ok_or_else(|| {
                RemediationError::about(
                    RemediationRefusal::UnknownSource,
                    format!("{:?} is not a Security Hub control", id),
                )
            })?;
            let (description, count) = failing_text(pool, workload, "control", &id).await?;
            if count == 0 {
                return Err(RemediationError::about(RemediationRefusal::NothingToFix, id));
            }
            let pillars = MAPPING.get(EvidenceKind::Control, &id).map(|m| m.pillars.clone()).unwrap_or_default();
            let url = FindingQuery {
                workload: Some(workload),
                control: Some(id.clone()),
                compliance: Some(ComplianceStatus::Failed),
                ..Default::default()
            }
            .href();
            Ok(NewItem {
                pillar: pillar_of(&pillars),
                kind: SourceKind::Control,
                key: Some(id.clone()),
                url: Some(url),
                title: format!("{id}: {}", control.title),
                description,
                priority: priority_of_severity(control.severity),
            })
        }
        Source::Rule(identifier) => {
            let rule = CATALOGUE.managed_rules.iter().find(|rule| rule.identifier == identifier).ok_or_else(|| {
                RemediationError::about(
                    RemediationRefusal::UnknownSource,
                    format!("{:?} is not an AWS Config managed rule", identifier),
                )
            })?;
            let (description, count) = failing_text(pool, workload, "rule", &identifier).await?;
            if count == 0 {
                return Err(RemediationError::about(RemediationRefusal::NothingToFix, identifier));
            }
            let mapped = MAPPING.get(EvidenceKind::Rule, &identifier);
            let severity = CATALOGUE
                .controls
                .iter()
                .find(|control| control.config_rule.as_deref() == Some(&rule.rule_name))
                .map(|control| control.severity);
            Ok(NewItem {
                pillar: pillar_of(&mapped.map(|m| m.pillars.clone()).unwrap_or_default()),
                kind: SourceKind::Rule,
                key: Some(identifier.clone()),
                url: Some(format!("/rules/{}?workload={workload}", rule.rule_name)),
                title: format!("{}: resources out of compliance", rule.rule_name),
                description,
                priority: severity.map(priority_of_severity).unwrap_or(Priority::Medium),
            })
        }
        Source::Question(question_id) => {
            let (pillar, question) =
                WELL_ARCHITECTED.questions().find(|(_, question)| question.id == question_id).ok_or_else(|| {
                    RemediationError::about(
                        RemediationRefusal::UnknownSource,
                        format!("{:?} is not a Well-Architected question", question_id),
                    )
                })?;
            let answer = sqlx::query!(
                "SELECT a.risk AS \"risk: Risk\", i.improvement_plan_url, i.plans AS \"plans?\"
                 FROM workloads w
                 JOIN wa_answers a ON a.wa_workload_id = w.wa_workload_id AND a.lens_alias = $3
                 LEFT JOIN wa_improvements i
                        ON i.wa_workload_id = a.wa_workload_id AND i.lens_alias = a.lens_alias
                       AND i.question_id = a.question_id
                 WHERE w.id = $1 AND a.question_id = $2",
                workload,
                question_id,
                WELL_ARCHITECTED.lens_alias
            )
            .fetch_optional(pool)
            .await?;
            let risk = answer.as_ref().and_then(|a| a.risk);
            let priority = risk
                .and_then(priority_of_risk)
                .ok_or_else(|| RemediationError::about(RemediationRefusal::NothingToFix, question.number.clone()))?;
            let missing: Vec<String> = answer
                .as_ref()
                .and_then(|a| a.plans.as_ref())
                .and_then(|plans| plans.as_array().cloned())
                .unwrap_or_default()
                .iter()
                .filter_map(|plan| plan["display_text"].as_str().map(str::to_owned))
                .collect();
            let description = if missing.is_empty() {
                String::new()
            } else {
                format!("Best practices missing:\n{}", missing.iter().map(|m| format!("- {m}\n")).collect::<String>())
            };
            Ok(NewItem {
                pillar: pillar.pillar(),
                kind: SourceKind::Question,
                key: Some(question_id.clone()),
                url: answer.and_then(|a| a.improvement_plan_url),
                title: format!("{} {}", question.number, question.title),
                description,
                priority,
            })
        }
        Source::Checklist(key) => {
            let (pack, item) = key.split_once('/').ok_or_else(|| {
                RemediationError::about(
                    RemediationRefusal::UnknownSource,
                    format!("{:?} is not a checklist item (pack/item)", key),
                )
            })?;
            let row = sqlx::query!(
                r#"SELECT i.text, i.pillar AS "pillar: Pillar", t.state AS "state?: TickState"
                   FROM checklist_items i
                   LEFT JOIN checklist_ticks t ON t.workload_id = $1 AND t.pack_id = i.pack_id AND t.item_id = i.item_id
                   WHERE i.pack_id = $2 AND i.item_id = $3 AND NOT i.retired"#,
                workload,
                pack,
                item
            )
            .fetch_optional(pool)
            .await?
            .ok_or_else(|| {
                RemediationError::about(
                    RemediationRefusal::UnknownSource,
                    format!("{:?} is not a checklist item (pack/item)", key),
                )
            })?;
            if row.state.is_some_and(|state| state != TickState::Open) {
                return Err(RemediationError::about(RemediationRefusal::NothingToFix, row.text));
            }
            Ok(NewItem {
                pillar: row.pillar,
                kind: SourceKind::Checklist,
                key: Some(key.clone()),
                url: Some(format!("/workloads/{workload}/checklists#item-{pack}-{item}")),
                title: row.text,
                description: String::new(),
                priority: Priority::Medium,
            })
        }
        Source::Manual { title, description, pillar, priority } => {
            let title = title.trim().to_owned();
            if title.is_empty() || title.chars().count() > MAX_TITLE {
                return Err(RemediationRefusal::Title.into());
            }
            if description.chars().count() > MAX_TEXT {
                return Err(RemediationRefusal::TooLong.into());
            }
            Ok(NewItem {
                pillar,
                kind: SourceKind::Manual,
                key: None,
                url: None,
                title,
                description: description.trim().to_owned(),
                priority,
            })
        }
    }
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

/// A change to an item; `None` leaves a field as it is.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Change {
    pub status: Option<Status>,
    /// `Some(None)` leaves the item without an owner.
    pub owner: Option<Option<Uuid>>,
    pub due_on: Option<NaiveDate>,
    /// `Some(None)` removes the link.
    pub ticket_url: Option<Option<String>>,
    /// With `Status::RiskAccepted`: why, and until when.
    pub acceptance: Option<(String, NaiveDate)>,
}

struct Current {
    status: Status,
    acceptance_reason: Option<String>,
    accepted_until: Option<NaiveDate>,
    owner_id: Option<Uuid>,
    owner: Option<String>,
    due_on: NaiveDate,
    ticket_url: Option<String>,
}

async fn owner_email(conn: &mut PgConnection, owner: Uuid) -> Result<String, RemediationError> {
    sqlx::query_scalar!("SELECT email FROM users WHERE id = $1 AND disabled_at IS NULL", owner)
        .fetch_optional(conn)
        .await?
        .ok_or(RemediationRefusal::UnknownOwner.into())
}

/// Applies one change to one item inside a transaction, with its history.
async fn apply(
    tx: &mut PgConnection,
    actor: &str,
    item: Uuid,
    change: &Change,
    today: NaiveDate,
) -> Result<(), RemediationError> {
    let current = sqlx::query_as!(
        Current,
        r#"SELECT r.status AS "status: Status", r.acceptance_reason, r.accepted_until, r.owner_id, u.email AS "owner?",
                  r.due_on,
                  r.ticket_url
           FROM remediation_items r LEFT JOIN users u ON u.id = r.owner_id
           WHERE r.id = $1 FOR UPDATE OF r"#,
        item
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(RemediationRefusal::UnknownItem)?;
    let mut lines = Vec::new();
    let mut after = serde_json::Map::new();
    if let Some(status) = change.status {
        let accepting = status == Status::RiskAccepted;
        let acceptance = change.acceptance.as_ref().filter(|(reason, until)| {
            let reason = reason.trim();
            !reason.is_empty() && reason.chars().count() <= MAX_TEXT && *until > today
        });
        if accepting && acceptance.is_none() {
            return Err(RemediationRefusal::Acceptance.into());
        }
        let (reason, until) = match acceptance.filter(|_| accepting) {
            Some((reason, until)) => (Some(reason.trim().to_owned()), Some(*until)),
            None => (None, None),
        };
        let acceptance_changed = accepting && (reason != current.acceptance_reason || until != current.accepted_until);
        if status != current.status || acceptance_changed {
            sqlx::query!(
                "UPDATE remediation_items SET status = $2, by_evidence = false, flagged = false,
                        acceptance_reason = $3, accepted_until = $4, updated_at = now()
                 WHERE id = $1",
                item,
                status.as_str(),
                reason,
                until
            )
            .execute(&mut *tx)
            .await?;
            super::write_back::enqueue(&mut *tx, item, status, reason.as_deref(), actor).await?;
            let from = current.status.label();
            let mut line = format!("Status: {from} → {}", status.label());
            if let (Some(reason), Some(until)) = (&reason, until) {
                line.push_str(&format!(" until {until}: “{reason}”"));
            }
            lines.push(line);
            after.insert("status".into(), json!(status.as_str()));
        }
    }
    if let Some(owner) = change.owner
        && owner != current.owner_id
    {
        let email = match owner {
            Some(owner) => Some(owner_email(&mut *tx, owner).await?),
            None => None,
        };
        sqlx::query!("UPDATE remediation_items SET owner_id = $2, updated_at = now() WHERE id = $1", item, owner)
            .execute(&mut *tx)
            .await?;
        let name = |email: &Option<String>| email.clone().unwrap_or_else(|| "nobody".into());
        lines.push(format!("Owner: {} → {}", name(&current.owner), name(&email)));
        after.insert("owner".into(), json!(email));
    }
    if let Some(due_on) = change.due_on
        && due_on != current.due_on
    {
        sqlx::query!("UPDATE remediation_items SET due_on = $2, updated_at = now() WHERE id = $1", item, due_on)
            .execute(&mut *tx)
            .await?;
        lines.push(format!("Due: {} → {due_on}", current.due_on));
        after.insert("due_on".into(), json!(due_on));
    }
    if let Some(ticket) = &change.ticket_url
        && *ticket != current.ticket_url
    {
        if let Some(url) = ticket
            && (!(url.starts_with("https://") || url.starts_with("http://")) || url.len() > MAX_TEXT)
        {
            return Err(RemediationRefusal::Ticket.into());
        }
        sqlx::query!("UPDATE remediation_items SET ticket_url = $2, updated_at = now() WHERE id = $1", item, *ticket)
            .execute(&mut *tx)
            .await?;
        lines.push(format!("Ticket: {}", ticket.clone().unwrap_or_else(|| "removed".into())));
        after.insert("ticket_url".into(), json!(ticket));
    }
    for line in &lines {
        history(&mut *tx, item, actor, line, None).await?;
    }
    if !lines.is_empty() {
        audit::record(&mut *tx, actor, "remediation.update", &format!("remediation {item}"), None, Some(json!(after)))
            .await?;
    }
    Ok(())
}

/// Changes one item.
pub async fn update(
    pool: &PgPool,
    actor: &str,
    item: Uuid,
    change: &Change,
    today: NaiveDate,
) -> Result<(), RemediationError> {
    let mut tx = pool.begin().await?;
    apply(&mut tx, actor, item, change, today).await?;
    tx.commit().await?;
    Ok(())
}

/// Changes several items the same way: all of them, or none if any is
/// refused.
pub async fn bulk(
    pool: &PgPool,
    actor: &str,
    items: &[Uuid],
    change: &Change,
    today: NaiveDate,
) -> Result<usize, RemediationError> {
    let mut tx = pool.begin().await?;
    for item in items {
        apply(&mut tx, actor, *item, change, today).await?;
    }
    tx.commit().await?;
    Ok(items.len())
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
