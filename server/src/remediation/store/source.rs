//! What a remediation item is created from (a failing control or rule, a
//! question at risk, an open checklist item, or words typed by hand), and
//! the item each makes: its title, description, link, pillar and priority.

use app::domain::checklists::TickState;
use app::domain::findings::FindingQuery;
use app::domain::remediation::{MAX_TEXT, MAX_TITLE, Priority, RemediationRefusal, SourceKind};
use app::domain::{ComplianceStatus, Pillar, Risk};
use sqlx::PgPool;
use uuid::Uuid;

use super::RemediationError;
use crate::db::scores;
use crate::lens::WELL_ARCHITECTED;
use crate::mapping::{EvidenceKind, MAPPING};
use crate::reference::CATALOGUE;
use crate::remediation::{pillar_of, priority_of_risk, priority_of_severity};

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

/// An item as it will be stored.
pub(super) struct NewItem {
    pub(super) pillar: Pillar,
    pub(super) kind: SourceKind,
    pub(super) key: Option<String>,
    pub(super) url: Option<String>,
    pub(super) title: String,
    pub(super) description: String,
    pub(super) priority: Priority,
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

/// The item a source makes in a workload, or why it makes none.
pub(super) async fn describe(pool: &PgPool, workload: Uuid, source: Source) -> Result<NewItem, RemediationError> {
    match source {
        Source::Control(id) => from_control(pool, workload, id).await,
        Source::Rule(identifier) => from_rule(pool, workload, identifier).await,
        Source::Question(question_id) => from_question(pool, workload, question_id).await,
        Source::Checklist(key) => from_checklist(pool, workload, key).await,
        Source::Manual { title, description, pillar, priority } => by_hand(title, description, pillar, priority),
    }
}

/// An item to fix a failing Security Hub control in the workload.
async fn from_control(pool: &PgPool, workload: Uuid, id: String) -> Result<NewItem, RemediationError> {
    let control = CATALOGUE.control(&id).ok_or_else(|| {
        RemediationError::about(RemediationRefusal::UnknownSource, format!("{:?} is not a Security Hub control", id))
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

/// An item to fix a Config managed rule's non-compliant resources.
async fn from_rule(pool: &PgPool, workload: Uuid, identifier: String) -> Result<NewItem, RemediationError> {
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

/// An item for a question at high or medium risk, with the best practices
/// its improvement plan says are missing.
async fn from_question(pool: &PgPool, workload: Uuid, question_id: String) -> Result<NewItem, RemediationError> {
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

/// An item for a checklist item the workload has not done.
async fn from_checklist(pool: &PgPool, workload: Uuid, key: String) -> Result<NewItem, RemediationError> {
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

/// An item written by hand.
fn by_hand(
    title: String,
    description: String,
    pillar: Pillar,
    priority: Priority,
) -> Result<NewItem, RemediationError> {
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
