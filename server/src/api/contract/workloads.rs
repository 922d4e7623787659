//! Workloads and their scores: the list, one workload, its current scores
//! and their history.

use app::domain;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{AccountNames, Milestone, Pillar, PillarTrend, QuestionAnswer, RemediationProgress, each};

/// One row of the workload list.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkloadSummary {
    pub id: Uuid,
    pub name: String,
    pub environment: Option<String>,
    pub review_owner: Option<String>,
    pub account_count: u32,
    pub region_count: u32,
    pub pillar_scores: Vec<PillarScore>,
    pub updated_at: DateTime<Utc>,
    /// High and medium risks over the workload's review.
    pub high_risks: u32,
    pub medium_risks: u32,
    /// When the team last changed the Well-Architected review.
    pub review_updated_at: Option<DateTime<Utc>>,
}

impl From<domain::WorkloadSummary> for WorkloadSummary {
    fn from(summary: domain::WorkloadSummary) -> Self {
        let domain::WorkloadSummary {
            id,
            name,
            environment,
            review_owner,
            account_count,
            region_count,
            pillar_scores,
            updated_at,
            high_risks,
            medium_risks,
            review_updated_at,
        } = summary;
        WorkloadSummary {
            id,
            name,
            environment,
            review_owner,
            account_count,
            region_count,
            pillar_scores: each(pillar_scores),
            updated_at,
            high_risks,
            medium_risks,
            review_updated_at,
        }
    }
}

/// A pillar's current score for one workload. `score` is `None` when no
/// component of the score has data yet.
#[derive(Debug, Serialize, ToSchema)]
pub struct PillarScore {
    pub pillar: Pillar,
    pub score: Option<u8>,
    /// Share of the pillar that was assessed at all, 0.0 to 1.0.
    pub coverage: f32,
}

impl From<domain::PillarScore> for PillarScore {
    fn from(score: domain::PillarScore) -> Self {
        let domain::PillarScore { pillar, score, coverage } = score;
        PillarScore { pillar: pillar.into(), score, coverage }
    }
}

// No doc comment: the document has never given this schema a description.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkloadDetail {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    pub environment: Option<String>,
    pub review_owner: Option<String>,
    pub account_ids: Vec<String>,
    /// The names of its accounts that have one, by id.
    pub account_names: AccountNames,
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
    pub review_updated_at: Option<DateTime<Utc>>,
    /// The workload's remediation items by where they stand.
    pub remediation: RemediationProgress,
    /// The kind of source its Well-Architected review comes from (`aws` or
    /// `demo`), if it has one: only a review in AWS takes milestones.
    pub review_source: Option<String>,
}

impl From<domain::WorkloadDetail> for WorkloadDetail {
    fn from(detail: domain::WorkloadDetail) -> Self {
        let domain::WorkloadDetail {
            id,
            name,
            description,
            environment,
            review_owner,
            account_ids,
            account_names,
            regions,
            pillars,
            mapping_version,
            trends,
            milestones,
            questions,
            review_updated_at,
            remediation,
            review_source,
        } = detail;
        WorkloadDetail {
            id,
            name,
            description,
            environment,
            review_owner,
            account_ids,
            account_names,
            regions,
            pillars: each(pillars),
            mapping_version,
            trends: each(trends),
            milestones: each(milestones),
            questions: each(questions),
            review_updated_at,
            remediation: remediation.into(),
            review_source,
        }
    }
}

/// A pillar's score with its three components, their coverage (0 to 1)
/// and the review's risk counts.
#[derive(Debug, Serialize, ToSchema)]
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

impl From<domain::PillarDetail> for PillarDetail {
    fn from(detail: domain::PillarDetail) -> Self {
        let domain::PillarDetail {
            pillar,
            score,
            review,
            evidence,
            checklist,
            review_coverage,
            evidence_coverage,
            checklist_coverage,
            risks,
        } = detail;
        PillarDetail {
            pillar: pillar.into(),
            score,
            review,
            evidence,
            checklist,
            review_coverage,
            evidence_coverage,
            checklist_coverage,
            risks: risks.into(),
        }
    }
}

// No doc comment: the document has never given this schema a description.
#[derive(Debug, Serialize, ToSchema)]
pub struct RiskCounts {
    pub high: u32,
    pub medium: u32,
    pub none: u32,
    pub unanswered: u32,
    pub not_applicable: u32,
}

impl From<domain::RiskCounts> for RiskCounts {
    fn from(counts: domain::RiskCounts) -> Self {
        let domain::RiskCounts { high, medium, none, unanswered, not_applicable } = counts;
        RiskCounts { high, medium, none, unanswered, not_applicable }
    }
}

/// A workload's current scores.
#[derive(Debug, Serialize, ToSchema)]
pub struct Scores {
    pub workload: Uuid,
    /// The mean of the pillar scores that exist, rounded; as the pages show it.
    pub overall: Option<u8>,
    /// The six pillars: score, its three components and their coverage (0–1).
    pub pillars: Vec<PillarDetail>,
    pub mapping_version: Option<String>,
}

impl From<domain::WorkloadDetail> for Scores {
    fn from(detail: domain::WorkloadDetail) -> Self {
        Scores {
            workload: detail.id,
            overall: detail.overall(),
            pillars: each(detail.pillars),
            mapping_version: detail.mapping_version,
        }
    }
}

/// A workload's scores over the recent syncs, and its milestones.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScoreHistory {
    pub workload: Uuid,
    /// Per pillar, its scores oldest first.
    pub trends: Vec<PillarTrend>,
    pub milestones: Vec<Milestone>,
}

impl From<domain::WorkloadDetail> for ScoreHistory {
    fn from(detail: domain::WorkloadDetail) -> Self {
        ScoreHistory { workload: detail.id, trends: each(detail.trends), milestones: each(detail.milestones) }
    }
}
