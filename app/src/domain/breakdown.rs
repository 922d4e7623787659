//! One workload's pillar score taken apart: every question, control and
//! rule with the points it gives.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Pillar, QuestionAnswer, Risk};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
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

/// A question of the pillar with the team's risk and its points.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QuestionLine {
    pub id: String,
    pub title: Option<String>,
    pub risk: Option<Risk>,
    pub points: f64,
    pub at_best: f64,
}

/// A control or rule with a result in the workload's scope.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
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
