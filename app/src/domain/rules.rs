//! AWS Config rules and conformance packs as the rules pages show them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::params::{IgnoredParam, ParamReader, encode_component, query_string};
use super::{Pillar, RuleCompliance};

/// Which rules to show; lives in the URL like the findings query.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RuleQuery {
    pub account: Option<String>,
    pub region: Option<String>,
    pub workload: Option<Uuid>,
    pub pillar: Option<Pillar>,
    pub compliance: Option<RuleCompliance>,
    /// Words to look for in the rule name and managed identifier.
    pub text: Option<String>,
}

impl RuleQuery {
    pub fn from_params(get: impl Fn(&str) -> Option<String>) -> (RuleQuery, Vec<IgnoredParam>) {
        let mut params = ParamReader::new(get);
        let workload = params.parsed("workload", |v| Uuid::parse_str(v).ok());
        let pillar = params.parsed("pillar", Pillar::from_id);
        let compliance = params.parsed("compliance", |v| RuleCompliance::parse(v).ok());
        let query = RuleQuery {
            account: params.text("account"),
            region: params.text("region"),
            workload,
            pillar,
            compliance,
            text: params.search("q"),
        };
        (query, params.ignored())
    }

    pub fn href(&self) -> String {
        let mut params: Vec<(&str, String)> = Vec::new();
        let fields = [
            ("account", self.account.clone()),
            ("region", self.region.clone()),
            ("workload", self.workload.map(|id| id.to_string())),
            ("pillar", self.pillar.map(|p| p.id().to_owned())),
            ("compliance", self.compliance.map(|c| c.as_str().to_owned())),
            ("q", self.text.clone()),
        ];
        for (name, value) in fields {
            if let Some(value) = value {
                params.push((name, value));
            }
        }
        if params.is_empty() { "/rules".to_owned() } else { format!("/rules?{}", query_string(&params)) }
    }

    pub fn is_filtered(&self) -> bool {
        *self != RuleQuery::default()
    }
}

/// One rule, gathered over the accounts and regions where it is deployed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
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

/// A conformance pack, gathered over the accounts and regions where it is
/// deployed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PackLine {
    pub pack_name: String,
    pub deployments: u32,
    pub mean_score: Option<f32>,
    pub lowest_score: Option<f32>,
    pub score_updated_at: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RulesPage {
    pub rules: Vec<RuleLine>,
    pub packs: Vec<PackLine>,
    pub accounts: Vec<String>,
    /// The names of those accounts that have one, by id.
    pub account_names: super::sync::AccountNames,
    pub regions: Vec<String>,
    /// Each workload as `[id, name]`.
    pub workloads: Vec<(Uuid, String)>,
}

/// One deployment of a rule: its account, region and result there.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RuleDeployment {
    pub account_id: String,
    pub region: String,
    pub compliance: Option<RuleCompliance>,
    pub non_compliant_count: Option<i32>,
}

/// A resource a rule evaluated.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RuleResource {
    pub account_id: String,
    pub region: String,
    pub resource_type: String,
    pub resource_id: String,
    pub compliance: RuleCompliance,
    pub annotation: Option<String>,
    pub recorded_at: Option<DateTime<Utc>>,
}

/// How many evaluated resources a rule's page lists at most.
pub const RULE_RESOURCES_SHOWN: usize = 500;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
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
    pub account_names: super::sync::AccountNames,
}

pub fn rule_href(rule_name: &str) -> String {
    format!("/rules/{}", encode_component(rule_name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rule_query_reads_from_and_writes_to_its_url() {
        let (query, ignored) = RuleQuery::from_params(|name| match name {
            "compliance" => Some("NON_COMPLIANT".into()),
            "pillar" => Some("reliability".into()),
            "q" => Some("s3 ".into()),
            _ => None,
        });
        assert!(ignored.is_empty());
        assert_eq!(query.href(), "/rules?pillar=reliability&compliance=NON_COMPLIANT&q=s3");
        assert!(query.is_filtered());
    }

    #[test]
    fn an_unknown_compliance_is_ignored_and_named() {
        let (query, ignored) = RuleQuery::from_params(|name| (name == "compliance").then(|| "GREEN".into()));
        assert_eq!(query.compliance, None);
        assert_eq!(ignored, vec![IgnoredParam { name: "compliance".into(), value: "GREEN".into() }]);
    }
}
