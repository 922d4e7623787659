//! A workload's review: its questions with the team's answers and the
//! evidence, the score's history and milestones, and a pillar's score
//! taken apart.

use app::domain;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{Pillar, Risk, each};

/// A question with the team's answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuestionAnswer {
    pub pillar: Pillar,
    pub id: String,
    pub title: String,
    /// `None` when the review has no answer to the question yet.
    pub risk: Option<Risk>,
    pub notes: Option<String>,
    /// Every best practice of the question, in the lens's order.
    pub choices: Vec<ChoiceLine>,
    /// The Well-Architected improvement plan for the question at risk.
    pub improvement_url: Option<String>,
}

impl From<domain::QuestionAnswer> for QuestionAnswer {
    fn from(answer: domain::QuestionAnswer) -> Self {
        let domain::QuestionAnswer { pillar, id, title, risk, notes, choices, improvement_url } = answer;
        QuestionAnswer {
            pillar: pillar.into(),
            id,
            title,
            risk: risk.map(Risk::from),
            notes,
            choices: each(choices),
            improvement_url,
        }
    }
}

/// A best practice, whether the team selected it, and the evidence the
/// mapping links to it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChoiceLine {
    pub id: String,
    pub title: String,
    pub selected: bool,
    /// An improvement link for this practice, when the review is at risk.
    pub improvement_url: Option<String>,
    pub evidence: Vec<EvidenceRef>,
}

impl From<domain::ChoiceLine> for ChoiceLine {
    fn from(choice: domain::ChoiceLine) -> Self {
        let domain::ChoiceLine { id, title, selected, improvement_url, evidence } = choice;
        ChoiceLine { id, title, selected, improvement_url, evidence: each(evidence) }
    }
}

/// A control or rule that gives evidence for a best practice, with its
/// result in the workload's scope (`None`: no result there).
#[derive(Debug, Serialize, ToSchema)]
pub struct EvidenceRef {
    /// `control` or `rule`.
    pub kind: String,
    pub id: String,
    pub passed: Option<bool>,
}

impl From<domain::EvidenceRef> for EvidenceRef {
    fn from(evidence: domain::EvidenceRef) -> Self {
        let domain::EvidenceRef { kind, id, passed } = evidence;
        EvidenceRef { kind, id, passed }
    }
}

/// A score at one point in time.
#[derive(Debug, Serialize, ToSchema)]
pub struct TrendPoint {
    pub taken_at: DateTime<Utc>,
    pub score: Option<f32>,
}

impl From<domain::TrendPoint> for TrendPoint {
    fn from(point: domain::TrendPoint) -> Self {
        let domain::TrendPoint { taken_at, score } = point;
        TrendPoint { taken_at, score }
    }
}

/// A pillar's recent scores, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct PillarTrend {
    pub pillar: Pillar,
    pub points: Vec<TrendPoint>,
}

impl From<domain::PillarTrend> for PillarTrend {
    fn from(trend: domain::PillarTrend) -> Self {
        let domain::PillarTrend { pillar, points } = trend;
        PillarTrend { pillar: pillar.into(), points: each(points) }
    }
}

/// A Well-Architected milestone: the review as it stood on a date.
#[derive(Debug, Serialize, ToSchema)]
pub struct Milestone {
    pub number: i32,
    pub name: String,
    pub recorded_at: Option<DateTime<Utc>>,
}

impl From<domain::Milestone> for Milestone {
    fn from(milestone: domain::Milestone) -> Self {
        let domain::Milestone { number, name, recorded_at } = milestone;
        Milestone { number, name, recorded_at }
    }
}

// No doc comment: the document has never given this schema a description.
#[derive(Debug, Serialize, ToSchema)]
pub struct PillarBreakdown {
    pub workload_id: Uuid,
    pub workload_name: String,
    pub pillar: Pillar,
    pub score: Option<f64>,
    pub review: Option<f64>,
    pub evidence: Option<f64>,
    pub review_coverage: f64,
    pub evidence_coverage: f64,
    pub questions: Vec<QuestionLine>,
    pub evidence_items: Vec<EvidenceLine>,
    pub mapping_version: String,
    /// The pillar's questions with each best practice next to its evidence.
    pub answers: Vec<QuestionAnswer>,
}

impl From<domain::PillarBreakdown> for PillarBreakdown {
    fn from(breakdown: domain::PillarBreakdown) -> Self {
        let domain::PillarBreakdown {
            workload_id,
            workload_name,
            pillar,
            score,
            review,
            evidence,
            review_coverage,
            evidence_coverage,
            questions,
            evidence_items,
            mapping_version,
            answers,
        } = breakdown;
        PillarBreakdown {
            workload_id,
            workload_name,
            pillar: pillar.into(),
            score,
            review,
            evidence,
            review_coverage,
            evidence_coverage,
            questions: each(questions),
            evidence_items: each(evidence_items),
            mapping_version,
            answers: each(answers),
        }
    }
}

/// A question of the pillar with the team's risk and its points.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuestionLine {
    pub id: String,
    pub title: Option<String>,
    pub risk: Option<Risk>,
    pub points: f64,
    pub at_best: f64,
}

impl From<domain::QuestionLine> for QuestionLine {
    fn from(line: domain::QuestionLine) -> Self {
        let domain::QuestionLine { id, title, risk, points, at_best } = line;
        QuestionLine { id, title, risk: risk.map(Risk::from), points, at_best }
    }
}

/// A control or rule with a result in the workload's scope.
#[derive(Debug, Serialize, ToSchema)]
pub struct EvidenceLine {
    /// `control` or `rule`.
    pub kind: String,
    pub id: String,
    pub title: Option<String>,
    pub passed: bool,
    pub weight: u32,
    pub points: f64,
    pub at_best: f64,
    pub failing_resources: Vec<String>,
    pub failing_count: i64,
}

impl From<domain::EvidenceLine> for EvidenceLine {
    fn from(line: domain::EvidenceLine) -> Self {
        let domain::EvidenceLine { kind, id, title, passed, weight, points, at_best, failing_resources, failing_count } =
            line;
        EvidenceLine { kind, id, title, passed, weight, points, at_best, failing_resources, failing_count }
    }
}
