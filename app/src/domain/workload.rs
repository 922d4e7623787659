//! One workload as its page shows it.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Milestone, Pillar, PillarTrend, QuestionAnswer};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorkloadDetail {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    pub environment: Option<String>,
    pub review_owner: Option<String>,
    pub account_ids: Vec<String>,
    /// The names of its accounts that have one, by id.
    pub account_names: super::sync::AccountNames,
    pub regions: Vec<String>,
    /// The six pillars in the framework's order.
    pub pillars: Vec<PillarDetail>,
    pub mapping_version: Option<String>,
    /// Each pillar's recent scores, oldest first.
    pub trends: Vec<PillarTrend>,
    /// The review's milestones, oldest first, to mark on the trend.
    pub milestones: Vec<Milestone>,
    /// Every question of the review with the team's answer.
    pub questions: Vec<QuestionAnswer>,
    pub review_updated_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The workload's remediation items by where they stand.
    pub remediation: super::remediation::RemediationProgress,
    /// The kind of source its Well-Architected review comes from (`aws` or
    /// `demo`), if it has one: only a review in AWS takes milestones.
    pub review_source: Option<String>,
}

/// A pillar's score with its three components, their coverage (0 to 1)
/// and the review's risk counts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PillarDetail {
    pub pillar: Pillar,
    pub score: Option<f32>,
    pub review: Option<f32>,
    pub evidence: Option<f32>,
    pub checklist: Option<f32>,
    pub review_coverage: f32,
    pub evidence_coverage: f32,
    pub checklist_coverage: f32,
    pub risks: RiskCounts,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskCounts {
    pub high: u32,
    pub medium: u32,
    pub none: u32,
    pub unanswered: u32,
    pub not_applicable: u32,
}

/// A stored score as the 0–100 whole number people read.
pub fn rounded(score: Option<f32>) -> Option<u8> {
    score.map(|value| value.round().clamp(0.0, 100.0) as u8)
}

impl WorkloadDetail {
    /// The mean of the pillar scores that exist, rounded.
    pub fn overall(&self) -> Option<u8> {
        let scores: Vec<f32> = self.pillars.iter().filter_map(|p| p.score).collect();
        (!scores.is_empty()).then(|| rounded(Some(scores.iter().sum::<f32>() / scores.len() as f32))).flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_round_to_whole_numbers_within_0_and_100() {
        assert_eq!(rounded(Some(62.5)), Some(63));
        assert_eq!(rounded(Some(100.4)), Some(100));
        assert_eq!(rounded(None), None);
    }
}
