//! AWS Config rules and conformance packs.

use app::domain::rules as domain;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{AccountNames, Pillar, RuleCompliance, each};

/// One rule, gathered over the accounts and regions where it is deployed.
#[derive(Debug, Serialize, ToSchema)]
pub struct RuleLine {
    pub rule_name: String,
    /// The managed rule identifier, for AWS managed rules.
    pub identifier: Option<String>,
    pub pillars: Vec<Pillar>,
    /// Where the rule is deployed (account × region pairs).
    pub deployments: u32,
    pub non_compliant_deployments: u32,
    pub non_compliant_resources: u64,
    /// The worst compliance over its deployments.
    pub compliance: Option<RuleCompliance>,
}

impl From<domain::RuleLine> for RuleLine {
    fn from(line: domain::RuleLine) -> Self {
        let domain::RuleLine {
            rule_name,
            identifier,
            pillars,
            deployments,
            non_compliant_deployments,
            non_compliant_resources,
            compliance,
        } = line;
        RuleLine {
            rule_name,
            identifier,
            pillars: each(pillars),
            deployments,
            non_compliant_deployments,
            non_compliant_resources,
            compliance: compliance.map(RuleCompliance::from),
        }
    }
}

/// A conformance pack, gathered over the accounts and regions where it is
/// deployed.
#[derive(Debug, Serialize, ToSchema)]
pub struct PackLine {
    pub pack_name: String,
    pub deployments: u32,
    pub mean_score: Option<f32>,
    pub lowest_score: Option<f32>,
    pub score_updated_at: Option<DateTime<Utc>>,
}

impl From<domain::PackLine> for PackLine {
    fn from(line: domain::PackLine) -> Self {
        let domain::PackLine { pack_name, deployments, mean_score, lowest_score, score_updated_at } = line;
        PackLine { pack_name, deployments, mean_score, lowest_score, score_updated_at }
    }
}

// No doc comment: the document has never given this schema a description.
#[derive(Debug, Serialize, ToSchema)]
pub struct RulesPage {
    pub rules: Vec<RuleLine>,
    pub packs: Vec<PackLine>,
    pub accounts: Vec<String>,
    /// The names of those accounts that have one, by id.
    pub account_names: AccountNames,
    pub regions: Vec<String>,
    /// Each workload as `[id, name]`.
    #[schema(value_type = Vec<Vec<String>>)]
    pub workloads: Vec<(Uuid, String)>,
}

impl From<domain::RulesPage> for RulesPage {
    fn from(page: domain::RulesPage) -> Self {
        let domain::RulesPage { rules, packs, accounts, account_names, regions, workloads } = page;
        RulesPage { rules: each(rules), packs: each(packs), accounts, account_names, regions, workloads }
    }
}

/// One deployment of a rule: its account, region and result there.
#[derive(Debug, Serialize, ToSchema)]
pub struct RuleDeployment {
    pub account_id: String,
    pub region: String,
    pub compliance: Option<RuleCompliance>,
    pub non_compliant_count: Option<i32>,
}

impl From<domain::RuleDeployment> for RuleDeployment {
    fn from(deployment: domain::RuleDeployment) -> Self {
        let domain::RuleDeployment { account_id, region, compliance, non_compliant_count } = deployment;
        RuleDeployment { account_id, region, compliance: compliance.map(RuleCompliance::from), non_compliant_count }
    }
}

/// A resource a rule evaluated.
#[derive(Debug, Serialize, ToSchema)]
pub struct RuleResource {
    pub account_id: String,
    pub region: String,
    pub resource_type: String,
    pub resource_id: String,
    pub compliance: RuleCompliance,
    pub annotation: Option<String>,
    pub recorded_at: Option<DateTime<Utc>>,
}

impl From<domain::RuleResource> for RuleResource {
    fn from(resource: domain::RuleResource) -> Self {
        let domain::RuleResource {
            account_id,
            region,
            resource_type,
            resource_id,
            compliance,
            annotation,
            recorded_at,
        } = resource;
        RuleResource {
            account_id,
            region,
            resource_type,
            resource_id,
            compliance: compliance.into(),
            annotation,
            recorded_at,
        }
    }
}

// No doc comment: the document has never given this schema a description.
#[derive(Debug, Serialize, ToSchema)]
pub struct RuleDetail {
    pub rule_name: String,
    pub identifier: Option<String>,
    pub description: Option<String>,
    pub pillars: Vec<Pillar>,
    /// The Security Hub control that evaluates this rule, if any.
    pub control_id: Option<String>,
    pub deployments: Vec<RuleDeployment>,
    /// Non-compliant resources first.
    pub resources: Vec<RuleResource>,
    pub resource_count: u64,
    /// The names of the accounts above that have one, by id.
    pub account_names: AccountNames,
}

impl From<domain::RuleDetail> for RuleDetail {
    fn from(detail: domain::RuleDetail) -> Self {
        let domain::RuleDetail {
            rule_name,
            identifier,
            description,
            pillars,
            control_id,
            deployments,
            resources,
            resource_count,
            account_names,
        } = detail;
        RuleDetail {
            rule_name,
            identifier,
            description,
            pillars: each(pillars),
            control_id,
            deployments: each(deployments),
            resources: each(resources),
            resource_count,
            account_names,
        }
    }
}
