//! What a workload's review holds: the facts the PDF prints and the JSON
//! export carries, as plain data.

use app::domain::checklists::{EvidenceState, TickState};
use app::domain::remediation::{Priority, RemediationProgress, Status, TicketSystem};
use app::domain::{Milestone, Pillar, PillarTrend, RiskCounts};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Review {
    pub schema: String,
    pub generated_at: DateTime<Utc>,
    /// Who exported the review.
    pub reviewer: String,
    pub workload: WorkloadFacts,
    /// The data comes from the demo organisation, not from AWS.
    pub demo: bool,
    pub mapping_version: Option<String>,
    /// Each source with its last sync: how fresh the data is.
    pub sources: Vec<SourceFreshness>,
    /// The mean of the pillar scores that exist, as the workload page shows it.
    pub overall: Option<u8>,
    /// What `change` is measured against: a milestone or the previous sync.
    pub baseline: Option<String>,
    pub pillars: Vec<PillarReview>,
    /// The most important risks, worst first, in plain words.
    pub top_risks: Vec<String>,
    pub remediation: RemediationProgress,
    pub trends: Vec<PillarTrend>,
    pub milestones: Vec<Milestone>,
    /// Every remediation item of the workload, by due date.
    pub remediation_items: Vec<ItemFacts>,
    /// Every checklist item of the workload with its state.
    pub checklist: Vec<ChecklistFacts>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorkloadFacts {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    pub environment: Option<String>,
    pub owner: Option<String>,
    pub accounts: Vec<String>,
    /// The names of those accounts that have one, by id.
    #[serde(default)]
    pub account_names: app::domain::sync::AccountNames,
    pub regions: Vec<String>,
    pub review_updated_at: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SourceFreshness {
    pub name: String,
    pub kind: String,
    /// When its last sync that succeeded (fully or partly) finished.
    pub last_success: Option<DateTime<Utc>>,
    /// The status of its most recent run, if it ever ran.
    pub last_status: Option<String>,
}

impl From<app::domain::sync::SourceStatus> for SourceFreshness {
    fn from(source: app::domain::sync::SourceStatus) -> SourceFreshness {
        SourceFreshness {
            name: source.name,
            kind: source.kind,
            last_success: source.last_success,
            last_status: source.last_run.map(|run| run.status),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PillarReview {
    pub pillar: Pillar,
    pub name: String,
    pub score: Option<u8>,
    pub review: Option<u8>,
    pub evidence: Option<u8>,
    pub checklist: Option<u8>,
    /// Share assessed, 0 to 1, per component.
    pub review_coverage: f32,
    pub evidence_coverage: f32,
    pub checklist_coverage: f32,
    /// Points since the baseline; `None` without one.
    pub change: Option<i32>,
    pub risks: RiskCounts,
    pub questions_at_risk: Vec<RiskQuestion>,
    pub failing: Vec<FailingEvidence>,
    /// Controls and rules with a result that pass.
    pub passing: u32,
    pub checklist_status: ChecklistStatus,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RiskQuestion {
    pub id: String,
    pub title: String,
    /// `HIGH` or `MEDIUM`.
    pub risk: String,
    /// The best practices not followed.
    pub missing: Vec<String>,
    pub improvement_url: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FailingEvidence {
    /// `control` or `rule`.
    pub kind: String,
    pub id: String,
    pub title: Option<String>,
    /// CRITICAL, HIGH, MEDIUM or LOW.
    pub severity: String,
    pub failing_count: i64,
    pub top_resources: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ChecklistStatus {
    pub done: u32,
    pub open: u32,
    pub not_applicable: u32,
    /// Open items whose evidence fails.
    pub failing: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ItemFacts {
    pub id: Uuid,
    pub title: String,
    pub pillar: Pillar,
    pub source_kind: String,
    pub source_key: Option<String>,
    pub priority: Priority,
    pub owner: Option<String>,
    pub due_on: NaiveDate,
    pub status: Status,
    pub overdue: bool,
    pub acceptance_reason: Option<String>,
    pub accepted_until: Option<NaiveDate>,
    pub ticket_url: Option<String>,
    pub ticket_system: Option<TicketSystem>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChecklistFacts {
    pub pack: String,
    pub item: String,
    pub text: String,
    pub pillar: Pillar,
    pub state: TickState,
    pub by_evidence: bool,
    pub actor: Option<String>,
    pub at: Option<DateTime<Utc>>,
    pub note: String,
    pub evidence: EvidenceState,
}

impl Review {
    pub fn pillar(&self, pillar: Pillar) -> Option<&PillarReview> {
        self.pillars.iter().find(|p| p.pillar == pillar)
    }

    /// Items still to do in a pillar.
    pub fn active_items(&self, pillar: Pillar) -> impl Iterator<Item = &ItemFacts> {
        self.remediation_items.iter().filter(move |item| item.pillar == pillar && item.status.is_active())
    }

    /// Risks accepted in a pillar, with their expiry.
    pub fn accepted_items(&self, pillar: Pillar) -> impl Iterator<Item = &ItemFacts> {
        self.remediation_items.iter().filter(move |item| item.pillar == pillar && item.status == Status::RiskAccepted)
    }
}
