//! Remediation items as the pages show them: work to fix a risk, with an
//! owner, a due date, a status that follows the evidence, and history.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::outbox::{WriteState, write_sentence};
use super::params::{ParamReader, query_string};
use super::refusal::refusal;
use super::{Pillar, group_thousands};

/// The longest title kept.
pub const MAX_TITLE: usize = 200;
/// The longest description, comment, reason or ticket link kept.
pub const MAX_TEXT: usize = 5000;

refusal!(
    /// Why a remediation change was refused.
    RemediationRefusal {
        UnknownWorkload = "workload" => "Choose a workload.",
        UnknownItem = "item" => "There is no such remediation item (any more); nothing was changed.",
        UnknownSource = "source" => "That source is not known to Plinth.",
        /// An item from a source, without the source's key.
        NoKey = "key" => "Name the source: a control id, a rule identifier, a question id or a checklist pack/item.",
        NothingToFix = "nothing-to-fix" => "That source passes in this workload: there is nothing to fix.",
        Title = "title" => format!("Give the item a title of at most {MAX_TITLE} characters."),
        TooLong = "too-long" => format!(
            "The text is too long: keep it under {} characters.",
            group_thousands(MAX_TEXT as u64)
        ),
        Acceptance = "acceptance" => "Accepting a risk needs a reason and an expiry date after today.",
        UnknownOwner = "owner" => "The owner must be an active editor or admin.",
        Ticket = "ticket" => "The ticket link must be an http:// or https:// address.",
        TicketSystem = "ticket-system" => "Choose a ticket system from the list.",
        Due = "due" => "The due date must be a date such as 2027-01-31.",
        Status = "status" => "Choose a status from the list.",
        EmptyComment = "comment" => "A comment cannot be empty.",
        /// An item written by hand without its pillar or priority.
        Manual = "manual" => "Choose the item's pillar and priority.",
        /// A bulk change with no item checked.
        NoneChecked = "none" => "Check at least one item to change.",
        /// A bulk change that changes nothing.
        NothingChosen = "nothing" => "Choose what to change: an owner, a due date or a status.",
    }
);

macro_rules! words {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal, $label:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// As stored and as sent by forms.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            pub fn parse(value: &str) -> Option<$name> {
                match value {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }

            pub fn label(self) -> &'static str {
                match self {
                    $($name::$variant => $label),+
                }
            }
        }
    };
}

words!(
    /// How urgent an item is, from its source's severity.
    Priority {
        Critical => "critical", "Critical",
        High => "high", "High",
        Medium => "medium", "Medium",
        Low => "low", "Low",
    }
);

words!(
    /// Where an item stands.
    Status {
        Open => "open", "Open",
        InProgress => "in_progress", "In progress",
        Blocked => "blocked", "Blocked",
        Resolved => "resolved", "Resolved",
        RiskAccepted => "risk_accepted", "Risk accepted",
        WontFix => "wont_fix", "Won't fix",
    }
);

words!(
    /// What an item was created from.
    SourceKind {
        Control => "control", "Security Hub control",
        Rule => "rule", "Config rule",
        Question => "question", "Well-Architected question",
        Checklist => "checklist", "Checklist item",
        Manual => "manual", "Written by hand",
    }
);

words!(
    /// Where an item's ticket lives.
    TicketSystem {
        Jira => "jira", "Jira",
        Github => "github", "GitHub Issues",
        Servicenow => "servicenow", "ServiceNow",
        Linear => "linear", "Linear",
        Other => "other", "Other",
    }
);

impl Status {
    /// Work still to do: open, in progress or blocked.
    pub fn is_active(self) -> bool {
        matches!(self, Status::Open | Status::InProgress | Status::Blocked)
    }
}

/// One item in a list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
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

impl RemediationLine {
    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        self.status.is_active() && self.due_on < today
    }
}

/// How the list is sorted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Sort {
    #[default]
    Due,
    Priority,
}

/// Which items to show: the filters live in the address.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RemediationQuery {
    pub workload: Option<Uuid>,
    pub pillar: Option<Pillar>,
    /// An owner's email, or "me".
    pub owner: Option<String>,
    pub status: Option<Status>,
    /// Open, in progress and blocked items only (the default) unless a
    /// status is chosen or `all` is set.
    pub all: bool,
    pub overdue: bool,
    pub source: Option<SourceKind>,
    pub sort: Sort,
}

impl RemediationQuery {
    pub fn from_params(get: impl Fn(&str) -> Option<String>) -> RemediationQuery {
        Self::read_params(get).0
    }

    /// The query, and the parameters it could not read (the API refuses
    /// those; the page shows what it could).
    pub fn read_params(get: impl Fn(&str) -> Option<String>) -> (RemediationQuery, Vec<super::params::IgnoredParam>) {
        let mut params = ParamReader::new(get);
        let query = RemediationQuery {
            workload: params.parsed("workload", |v| Uuid::parse_str(v).ok()),
            pillar: params.parsed("pillar", Pillar::from_id),
            owner: params.text("owner"),
            status: params.parsed("status", Status::parse),
            // Checkboxes and links send "1".
            all: params.parsed("all", |v| (v == "1").then_some(true)).unwrap_or(false),
            overdue: params.parsed("overdue", |v| (v == "1").then_some(true)).unwrap_or(false),
            source: params.parsed("source", SourceKind::parse),
            sort: params
                .parsed("sort", |v| match v {
                    "priority" => Some(Sort::Priority),
                    "due" => Some(Sort::Due),
                    _ => None,
                })
                .unwrap_or_default(),
        };
        (query, params.ignored())
    }

    pub fn href(&self) -> String {
        let mut params: Vec<(&str, String)> = Vec::new();
        if let Some(workload) = self.workload {
            params.push(("workload", workload.to_string()));
        }
        if let Some(pillar) = self.pillar {
            params.push(("pillar", pillar.id().to_owned()));
        }
        if let Some(owner) = &self.owner {
            params.push(("owner", owner.clone()));
        }
        if let Some(status) = self.status {
            params.push(("status", status.as_str().to_owned()));
        }
        if self.all {
            params.push(("all", "1".to_owned()));
        }
        if self.overdue {
            params.push(("overdue", "1".to_owned()));
        }
        if let Some(source) = self.source {
            params.push(("source", source.as_str().to_owned()));
        }
        if self.sort == Sort::Priority {
            params.push(("sort", "priority".to_owned()));
        }
        if params.is_empty() { "/remediation".to_owned() } else { format!("/remediation?{}", query_string(&params)) }
    }

    pub fn is_filtered(&self) -> bool {
        *self != RemediationQuery { sort: self.sort, ..Default::default() }
    }
}

/// A person who can own items.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Assignee {
    pub id: Uuid,
    pub email: String,
    pub name: String,
}

/// The list page: items, and what its filters and bulk form offer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RemediationPage {
    pub items: Vec<RemediationLine>,
    pub today: NaiveDate,
    pub overdue: i64,
    pub assignees: Vec<Assignee>,
    /// Each workload as `[id, name]`.
    pub workloads: Vec<(Uuid, String)>,
    /// The signed-in user's email, for "my items".
    pub me: Option<String>,
}

/// One change of an item.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HistoryLine {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub change: String,
    pub reason: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Comment {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub body: String,
}

/// A workflow update owed to the item's Security Hub findings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
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

impl FindingUpdateLine {
    /// Where the update stands, in a sentence.
    pub fn sentence(&self) -> String {
        let outcome = format!("{} findings updated", self.updated);
        write_sentence(self.state, self.attempts, self.next_attempt_at, self.last_error.as_deref(), Some(&outcome))
    }
}

/// One item in full.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RemediationDetail {
    pub line: RemediationLine,
    pub description: String,
    pub source_url: Option<String>,
    pub owner_id: Option<Uuid>,
    pub acceptance_reason: Option<String>,
    pub ticket_url: Option<String>,
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

/// A workload's remediation progress, for its page and the report.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RemediationProgress {
    pub active: i64,
    pub overdue: i64,
    pub resolved: i64,
    pub accepted: i64,
    pub total: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_filters_read_back_from_their_address() {
        let query = RemediationQuery {
            workload: Some(Uuid::nil()),
            pillar: Some(Pillar::Security),
            owner: Some("me".into()),
            status: Some(Status::Blocked),
            all: false,
            overdue: true,
            source: Some(SourceKind::Control),
            sort: Sort::Priority,
        };
        let href = query.href();
        let params: Vec<(String, String)> = href
            .split_once('?')
            .map(|(_, q)| q.split('&').filter_map(|p| p.split_once('=')).map(|(k, v)| (k.into(), v.into())).collect())
            .unwrap_or_default();
        let read = RemediationQuery::from_params(|name| params.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()));
        assert_eq!(read, query);
        assert!(read.is_filtered());
        assert!(!RemediationQuery { sort: Sort::Priority, ..Default::default() }.is_filtered());
    }

    #[test]
    fn only_active_items_are_overdue() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 1).expect("a date");
        let mut line = RemediationLine {
            id: Uuid::nil(),
            workload_id: Uuid::nil(),
            workload_name: "Checkout".into(),
            pillar: Pillar::Security,
            source_kind: SourceKind::Manual,
            source_key: None,
            title: "Rotate keys".into(),
            priority: Priority::High,
            owner: None,
            due_on: NaiveDate::from_ymd_opt(2026, 11, 30).expect("a date"),
            status: Status::InProgress,
            by_evidence: false,
            flagged: false,
            accepted_until: None,
        };
        assert!(line.is_overdue(today));
        line.status = Status::Resolved;
        assert!(!line.is_overdue(today));
    }
}
