//! The typed records sources return: our own structs, neither SDK types nor
//! database rows. Fields AWS may leave out are `Option`s and are stored as
//! null.

use app::domain::{ComplianceStatus, RecordState, Risk, RuleCompliance, Severity, WorkflowStatus};
use chrono::{DateTime, Utc};
use serde_json::Value;

/// A Security Hub finding (ASFF), with the fields Plinth reads as columns
/// and the whole finding as JSON.
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    pub id: String,
    pub product_arn: String,
    pub product_name: Option<String>,
    pub generator_id: Option<String>,
    pub account_id: String,
    pub region: String,
    pub title: Option<String>,
    pub description: Option<String>,
    /// `Compliance.SecurityControlId`, such as `S3.1`.
    pub control_id: Option<String>,
    pub associated_standards: Vec<String>,
    pub compliance_status: Option<ComplianceStatus>,
    pub severity: Severity,
    pub workflow_status: WorkflowStatus,
    pub record_state: RecordState,
    pub resource_type: Option<String>,
    pub resource_id: Option<String>,
    pub resource_region: Option<String>,
    /// The first resource's tags, as a JSON object.
    pub resource_tags: Value,
    pub first_observed_at: Option<DateTime<Utc>>,
    pub last_observed_at: Option<DateTime<Utc>>,
    pub created_at: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
    pub remediation_text: Option<String>,
    pub remediation_url: Option<String>,
    pub raw: Value,
}

/// What AWS Config says about one account and region (or, through an
/// aggregator, about many).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ConfigSnapshot {
    pub rules: Vec<ConfigRule>,
    pub evaluations: Vec<RuleEvaluation>,
    pub conformance_packs: Vec<ConformancePack>,
    /// API pages read to build the snapshot.
    pub pages: u32,
}

impl ConfigSnapshot {
    pub fn record_count(&self) -> usize {
        self.rules.len() + self.evaluations.len() + self.conformance_packs.len()
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct ConfigRule {
    pub account_id: String,
    pub region: String,
    pub rule_name: String,
    pub rule_arn: Option<String>,
    pub rule_id: Option<String>,
    /// `AWS` for managed rules, `CUSTOM_LAMBDA` or `CUSTOM_POLICY`.
    pub owner: Option<String>,
    /// For managed rules, the managed rule identifier such as
    /// `S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED`.
    pub source_identifier: Option<String>,
    pub description: Option<String>,
    pub compliance: Option<RuleCompliance>,
    pub non_compliant_count: Option<i32>,
}

/// A rule's result for one resource.
#[derive(Clone, Debug, PartialEq)]
pub struct RuleEvaluation {
    pub account_id: String,
    pub region: String,
    pub rule_name: String,
    pub resource_type: String,
    pub resource_id: String,
    pub compliance: RuleCompliance,
    pub annotation: Option<String>,
    pub recorded_at: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ConformancePack {
    pub account_id: String,
    pub region: String,
    pub name: String,
    pub arn: Option<String>,
    pub id: Option<String>,
    /// 0 to 100; `None` until Config has scored the pack.
    pub score: Option<f32>,
    pub score_updated_at: Option<DateTime<Utc>>,
}

/// What the Well-Architected Tool holds in one account and region.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WaSnapshot {
    pub workloads: Vec<WaWorkload>,
    pub pages: u32,
}

impl WaSnapshot {
    pub fn record_count(&self) -> usize {
        self.workloads
            .iter()
            .map(|workload| {
                1 + workload.milestones.len()
                    + workload
                        .lens_reviews
                        .iter()
                        .map(|review| 1 + review.answers.len() + review.improvements.len())
                        .sum::<usize>()
            })
            .sum()
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct WaWorkload {
    pub id: String,
    pub owner_account_id: String,
    pub home_region: String,
    pub arn: Option<String>,
    pub name: String,
    pub description: Option<String>,
    /// `PRODUCTION` or `PREPRODUCTION`.
    pub environment: Option<String>,
    pub review_owner: Option<String>,
    /// The accounts and regions whose evidence counts for the workload.
    pub account_ids: Vec<String>,
    pub aws_regions: Vec<String>,
    pub pillar_priorities: Vec<String>,
    pub lenses: Vec<String>,
    pub risk_counts: RiskCounts,
    pub improvement_status: Option<String>,
    pub updated_at: Option<DateTime<Utc>>,
    pub lens_reviews: Vec<LensReview>,
    pub milestones: Vec<Milestone>,
}

/// How many questions carry each risk.
pub type RiskCounts = std::collections::BTreeMap<Risk, i32>;

#[derive(Clone, Debug, PartialEq)]
pub struct LensReview {
    pub lens_alias: String,
    pub lens_version: Option<String>,
    pub lens_name: Option<String>,
    pub lens_status: Option<String>,
    pub notes: Option<String>,
    pub risk_counts: RiskCounts,
    /// Pillar id to its risk counts.
    pub pillar_risk_counts: std::collections::BTreeMap<String, RiskCounts>,
    pub updated_at: Option<DateTime<Utc>>,
    pub answers: Vec<Answer>,
    pub improvements: Vec<Improvement>,
}

/// A question of a lens, its best-practice choices, and the team's answer.
#[derive(Clone, Debug, PartialEq)]
pub struct Answer {
    pub question_id: String,
    pub pillar: String,
    pub question_title: Option<String>,
    pub choices: Vec<Choice>,
    pub selected_choices: Vec<String>,
    pub choice_answers: Vec<ChoiceAnswer>,
    pub risk: Option<Risk>,
    pub is_applicable: bool,
    pub reason: Option<String>,
    pub notes: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Choice {
    pub id: String,
    pub title: String,
    pub description: Option<String>,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ChoiceAnswer {
    pub choice_id: String,
    /// `SELECTED`, `NOT_APPLICABLE` or `UNSELECTED`.
    pub status: Option<String>,
    pub reason: Option<String>,
    pub notes: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Improvement {
    pub question_id: String,
    pub pillar: String,
    pub question_title: Option<String>,
    pub risk: Option<Risk>,
    pub improvement_plan_url: Option<String>,
    pub plans: Vec<ImprovementPlan>,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ImprovementPlan {
    pub choice_id: String,
    pub display_text: Option<String>,
    pub url: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Milestone {
    pub number: i32,
    pub name: String,
    pub recorded_at: Option<DateTime<Utc>>,
    /// The answers as they stood at the milestone, when the source has
    /// them (the AWS source does not read them yet).
    pub answers: Vec<MilestoneAnswer>,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct MilestoneAnswer {
    pub question_id: String,
    pub pillar: String,
    pub risk: Option<Risk>,
    pub selected_choices: Vec<String>,
}
