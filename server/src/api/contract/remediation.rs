//! Remediation items as the API sends them: the list, one item in full,
//! and a workload's progress.

use app::domain::outbox;
use app::domain::remediation as domain;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{Pillar, each};

/// How urgent an item is, from its source's severity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Critical,
    High,
    Medium,
    Low,
}

same_variants!(both domain::Priority <=> Priority { Critical, High, Medium, Low });

/// Where an item stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Open,
    InProgress,
    Blocked,
    Resolved,
    RiskAccepted,
    WontFix,
}

same_variants!(both domain::Status <=> Status { Open, InProgress, Blocked, Resolved, RiskAccepted, WontFix });

/// What an item was created from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    Control,
    Rule,
    Question,
    Checklist,
    Manual,
}

same_variants!(both domain::SourceKind <=> SourceKind { Control, Rule, Question, Checklist, Manual });

/// One item in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct RemediationLine {
    pub id: Uuid,
    pub workload_id: Uuid,
    pub workload_name: String,
    pub pillar: Pillar,
    pub source_kind: SourceKind,
    pub source_key: Option<String>,
    pub title: String,
    pub priority: Priority,
    pub owner: Option<String>,
    pub due_on: NaiveDate,
    pub status: Status,
    pub by_evidence: bool,
    /// Resolved by a person while the evidence still fails.
    pub flagged: bool,
    pub accepted_until: Option<NaiveDate>,
}

impl From<domain::RemediationLine> for RemediationLine {
    fn from(line: domain::RemediationLine) -> Self {
        let domain::RemediationLine {
            id,
            workload_id,
            workload_name,
            pillar,
            source_kind,
            source_key,
            title,
            priority,
            owner,
            due_on,
            status,
            by_evidence,
            flagged,
            accepted_until,
        } = line;
        RemediationLine {
            id,
            workload_id,
            workload_name,
            pillar: pillar.into(),
            source_kind: source_kind.into(),
            source_key,
            title,
            priority: priority.into(),
            owner,
            due_on,
            status: status.into(),
            by_evidence,
            flagged,
            accepted_until,
        }
    }
}

/// A person who can own items.
#[derive(Debug, Serialize, ToSchema)]
pub struct Assignee {
    pub id: Uuid,
    pub email: String,
    pub name: String,
}

impl From<domain::Assignee> for Assignee {
    fn from(assignee: domain::Assignee) -> Self {
        let domain::Assignee { id, email, name } = assignee;
        Assignee { id, email, name }
    }
}

/// The list page: items, and what its filters and bulk form offer.
#[derive(Debug, Serialize, ToSchema)]
pub struct RemediationPage {
    pub items: Vec<RemediationLine>,
    pub today: NaiveDate,
    pub overdue: i64,
    pub assignees: Vec<Assignee>,
    /// Each workload as `[id, name]`.
    #[schema(value_type = Vec<Vec<String>>)]
    pub workloads: Vec<(Uuid, String)>,
    /// The signed-in user's email, for "my items".
    pub me: Option<String>,
}

impl From<domain::RemediationPage> for RemediationPage {
    fn from(page: domain::RemediationPage) -> Self {
        let domain::RemediationPage { items, today, overdue, assignees, workloads, me } = page;
        RemediationPage { items: each(items), today, overdue, assignees: each(assignees), workloads, me }
    }
}

/// One change of an item.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryLine {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub change: String,
    pub reason: Option<String>,
}

impl From<domain::HistoryLine> for HistoryLine {
    fn from(line: domain::HistoryLine) -> Self {
        let domain::HistoryLine { at, actor, change, reason } = line;
        HistoryLine { at, actor, change, reason }
    }
}

// No doc comment: the document has never given this schema a description.
#[derive(Debug, Serialize, ToSchema)]
pub struct Comment {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub body: String,
}

impl From<domain::Comment> for Comment {
    fn from(comment: domain::Comment) -> Self {
        let domain::Comment { at, actor, body } = comment;
        Comment { at, actor, body }
    }
}

/// A workflow update owed to the item's Security Hub findings.
#[derive(Debug, Serialize, ToSchema)]
pub struct FindingUpdateLine {
    /// `NOTIFIED`, `RESOLVED`, `SUPPRESSED` or `NEW`.
    pub workflow: String,
    pub at: DateTime<Utc>,
    pub attempts: i32,
    pub updated: i32,
    /// Queued, retrying, done, given up, or replaced by a later change.
    pub state: WriteState,
    /// When a retrying update is tried again.
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub done_at: Option<DateTime<Utc>>,
}

impl From<domain::FindingUpdateLine> for FindingUpdateLine {
    fn from(line: domain::FindingUpdateLine) -> Self {
        let domain::FindingUpdateLine { workflow, at, attempts, updated, state, next_attempt_at, last_error, done_at } =
            line;
        FindingUpdateLine { workflow, at, attempts, updated, state: state.into(), next_attempt_at, last_error, done_at }
    }
}

/// Where an item's ticket lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TicketSystem {
    Jira,
    Github,
    Servicenow,
    Linear,
    Other,
}

same_variants!(both domain::TicketSystem <=> TicketSystem { Jira, Github, Servicenow, Linear, Other });

/// How far a write to AWS got.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WriteState {
    Queued,
    Retrying,
    Done,
    GivenUp,
    Replaced,
}

same_variants!(from outbox::WriteState => WriteState { Queued, Retrying, Done, GivenUp, Replaced });

/// One item in full.
#[derive(Debug, Serialize, ToSchema)]
pub struct RemediationDetail {
    pub line: RemediationLine,
    pub description: String,
    pub source_url: Option<String>,
    pub owner_id: Option<Uuid>,
    pub acceptance_reason: Option<String>,
    pub ticket_url: Option<String>,
    /// Where the ticket lives.
    pub ticket_system: Option<TicketSystem>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub history: Vec<HistoryLine>,
    pub comments: Vec<Comment>,
    /// The latest Security Hub workflow updates, newest first.
    pub finding_updates: Vec<FindingUpdateLine>,
    pub assignees: Vec<Assignee>,
    pub today: NaiveDate,
}

impl From<domain::RemediationDetail> for RemediationDetail {
    fn from(detail: domain::RemediationDetail) -> Self {
        let domain::RemediationDetail {
            line,
            description,
            source_url,
            owner_id,
            acceptance_reason,
            ticket_url,
            ticket_system,
            created_by,
            created_at,
            history,
            comments,
            finding_updates,
            assignees,
            today,
        } = detail;
        RemediationDetail {
            line: line.into(),
            description,
            source_url,
            owner_id,
            acceptance_reason,
            ticket_url,
            ticket_system: ticket_system.map(TicketSystem::from),
            created_by,
            created_at,
            history: each(history),
            comments: each(comments),
            finding_updates: each(finding_updates),
            assignees: each(assignees),
            today,
        }
    }
}

/// A workload's remediation progress, for its page and the report.
#[derive(Debug, Serialize, ToSchema)]
pub struct RemediationProgress {
    pub active: i64,
    pub overdue: i64,
    pub resolved: i64,
    pub accepted: i64,
    pub total: i64,
}

impl From<domain::RemediationProgress> for RemediationProgress {
    fn from(progress: domain::RemediationProgress) -> Self {
        let domain::RemediationProgress { active, overdue, resolved, accepted, total } = progress;
        RemediationProgress { active, overdue, resolved, accepted, total }
    }
}
