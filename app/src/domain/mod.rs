//! The domain words the pages show, shared by server and browser.

pub mod account;
pub mod admin;
pub mod answers;
mod breakdown;
pub mod checklists;
pub mod findings;
pub mod outbox;
pub mod params;
mod refusal;
pub mod remediation;
mod review;
mod role;
pub mod rules;
mod states;
#[cfg(feature = "ssr")]
mod stored;
pub mod sync;
mod workload;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use account::SignedIn;
pub use breakdown::{EvidenceLine, PillarBreakdown, QuestionLine};
pub use review::{
    ChoiceLine, EvidenceRef, FailingControl, MAX_MILESTONE_NAME, Milestone, MilestoneRefusal, PillarTrend,
    QuestionAnswer, TrendPoint, change_text,
};
pub use role::Role;
pub use workload::{PillarDetail, RiskCounts, WorkloadDetail, rounded};

pub use states::{ComplianceStatus, RecordState, Risk, RuleCompliance, Severity, UnknownState, WorkflowStatus};

/// 12345 → "12,345".
pub fn group_thousands(value: u64) -> String {
    let digits = value.to_string();
    let mut grouped = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}

/// One of the six Well-Architected pillars, named by the Well-Architected
/// API's pillar ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Pillar {
    OperationalExcellence,
    Security,
    Reliability,
    Performance,
    CostOptimization,
    Sustainability,
}

impl Pillar {
    /// Every pillar, in the order the Well-Architected Framework lists them.
    pub const ALL: [Pillar; 6] = [
        Pillar::OperationalExcellence,
        Pillar::Security,
        Pillar::Reliability,
        Pillar::Performance,
        Pillar::CostOptimization,
        Pillar::Sustainability,
    ];

    /// The id the Well-Architected API and our database use.
    pub fn id(self) -> &'static str {
        match self {
            Pillar::OperationalExcellence => "operationalExcellence",
            Pillar::Security => "security",
            Pillar::Reliability => "reliability",
            Pillar::Performance => "performance",
            Pillar::CostOptimization => "costOptimization",
            Pillar::Sustainability => "sustainability",
        }
    }

    pub fn from_id(id: &str) -> Option<Pillar> {
        Pillar::ALL.into_iter().find(|pillar| pillar.id() == id)
    }

    /// The name people read.
    pub fn name(self) -> &'static str {
        match self {
            Pillar::OperationalExcellence => "Operational excellence",
            Pillar::Security => "Security",
            Pillar::Reliability => "Reliability",
            Pillar::Performance => "Performance efficiency",
            Pillar::CostOptimization => "Cost optimization",
            Pillar::Sustainability => "Sustainability",
        }
    }

    /// A short name for narrow places such as table headers.
    pub fn short_name(self) -> &'static str {
        match self {
            Pillar::OperationalExcellence => "Operations",
            Pillar::Security => "Security",
            Pillar::Reliability => "Reliability",
            Pillar::Performance => "Performance",
            Pillar::CostOptimization => "Cost",
            Pillar::Sustainability => "Sustainability",
        }
    }

    /// One line on what the pillar covers, in our own words.
    pub fn summary(self) -> &'static str {
        match self {
            Pillar::OperationalExcellence => {
                "Running and watching systems, and improving the procedures behind them: \
                 infrastructure as code, logs, alarms, runbooks."
            }
            Pillar::Security => {
                "Protecting identities, data and infrastructure: least privilege, encryption, \
                 detection and incident response."
            }
            Pillar::Reliability => {
                "Recovering from failure and meeting demand: backups, point-in-time recovery, \
                 multiple Availability Zones, tested restores."
            }
            Pillar::Performance => {
                "Using computing resources well as demand changes: the right resource types, \
                 caching, scaling and measuring."
            }
            Pillar::CostOptimization => {
                "Paying only for what delivers value: right sizing, lifecycle policies, budgets \
                 and alerts, paying per request."
            }
            Pillar::Sustainability => {
                "Using less energy and fewer resources for the same work: high utilization, \
                 managed services, data that expires."
            }
        }
    }
}

/// A pillar's current score for one workload. `score` is `None` when no
/// component of the score has data yet.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PillarScore {
    pub pillar: Pillar,
    pub score: Option<u8>,
    /// Share of the pillar that was assessed at all, 0.0 to 1.0.
    pub coverage: f32,
}

/// What the overview shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Overview {
    pub workloads: Vec<WorkloadSummary>,
    /// The organisation's score per pillar: the mean over the workloads
    /// that have one.
    pub organisation: Vec<PillarScore>,
    /// The data comes from the demo organisation, not from AWS.
    pub demo: bool,
    /// The version of the evidence mapping the scores were computed with.
    pub mapping_version: String,
    /// The organisation's score per pillar over the recent snapshots.
    pub trends: Vec<PillarTrend>,
    /// The most severe controls that fail somewhere, worst first.
    pub failing_controls: Vec<FailingControl>,
    /// Each source with its last sync: how fresh the data is.
    pub sources: Vec<sync::SourceStatus>,
    pub now: chrono::DateTime<chrono::Utc>,
    /// Remediation items past their due date, in every workload.
    pub overdue_items: i64,
}

impl Overview {
    pub fn trend(&self, pillar: Pillar) -> Option<&PillarTrend> {
        self.trends.iter().find(|trend| trend.pillar == pillar)
    }
}

/// One row of the workload list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorkloadSummary {
    pub id: Uuid,
    pub name: String,
    pub environment: Option<String>,
    pub review_owner: Option<String>,
    pub account_count: u32,
    pub region_count: u32,
    pub pillar_scores: Vec<PillarScore>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    /// High and medium risks over the workload's review.
    pub high_risks: u32,
    pub medium_risks: u32,
    /// When the team last changed the Well-Architected review.
    pub review_updated_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl WorkloadSummary {
    /// The workload's score for one pillar, if it has one.
    pub fn score_for(&self, pillar: Pillar) -> Option<u8> {
        self.pillar_scores.iter().find(|score| score.pillar == pillar).and_then(|score| score.score)
    }

    /// The pillar with the lowest score, if any pillar has one.
    pub fn worst_pillar(&self) -> Option<(Pillar, u8)> {
        self.pillar_scores
            .iter()
            .filter_map(|score| Some((score.pillar, score.score?)))
            .min_by_key(|&(pillar, score)| (score, pillar))
    }

    /// The mean of the pillar scores that have data, rounded; `None` when no
    /// pillar has a score.
    pub fn overall_score(&self) -> Option<u8> {
        let scores: Vec<u32> = self.pillar_scores.iter().filter_map(|score| score.score.map(u32::from)).collect();
        if scores.is_empty() {
            return None;
        }
        let count = scores.len() as u32;
        let mean = (scores.iter().sum::<u32>() + count / 2) / count;
        Some(u8::try_from(mean).expect("BUG: the mean of scores of at most 100 is at most 100"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workload_with(scores: &[(Pillar, Option<u8>)]) -> WorkloadSummary {
        WorkloadSummary {
            id: Uuid::nil(),
            name: "checkout".into(),
            environment: None,
            review_owner: None,
            account_count: 1,
            region_count: 1,
            pillar_scores: scores.iter().map(|&(pillar, score)| PillarScore { pillar, score, coverage: 1.0 }).collect(),
            updated_at: chrono::DateTime::UNIX_EPOCH,
            high_risks: 0,
            medium_risks: 0,
            review_updated_at: None,
        }
    }

    #[test]
    fn large_numbers_are_grouped_by_thousands() {
        assert_eq!(group_thousands(999), "999");
        assert_eq!(group_thousands(1_000_000), "1,000,000");
    }

    #[test]
    fn every_pillar_id_reads_back_as_the_same_pillar() {
        for pillar in Pillar::ALL {
            assert_eq!(Pillar::from_id(pillar.id()), Some(pillar));
        }
        assert_eq!(Pillar::from_id("operational-excellence"), None);
    }

    #[test]
    fn pillars_serialize_as_the_well_architected_api_ids() {
        let json = serde_json_like(Pillar::CostOptimization);
        assert_eq!(json, "\"costOptimization\"");
    }

    fn serde_json_like(pillar: Pillar) -> String {
        leptos::serde_json::to_string(&pillar).expect("a pillar serializes")
    }

    #[test]
    fn overall_score_is_the_rounded_mean_of_the_pillars_that_have_one() {
        let workload = workload_with(&[
            (Pillar::Security, Some(80)),
            (Pillar::Reliability, Some(65)),
            (Pillar::CostOptimization, None),
        ]);
        assert_eq!(workload.overall_score(), Some(73));
        assert_eq!(workload.worst_pillar(), Some((Pillar::Reliability, 65)));
    }

    #[test]
    fn a_workload_without_any_pillar_score_has_no_overall_score() {
        let workload = workload_with(&[(Pillar::Security, None)]);
        assert_eq!(workload.overall_score(), None);
        assert_eq!(workload.score_for(Pillar::Security), None);
    }
}
