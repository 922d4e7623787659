//! Demo AWS Config: a managed rule for every checked control that has one,
//! evaluating the same resources with the same outcome as the findings,
//! and AWS's two Well-Architected conformance packs with their scores.

use std::collections::BTreeMap;

use app::domain::RuleCompliance;
use chrono::Duration;

use super::findings::{check_fails, resource_name};
use super::organisation::Organisation;
use super::resources::{config_resource_type, resource_id};
use crate::reference::CATALOGUE;
use crate::sources::records::{ConfigRule, ConfigSnapshot, ConformancePack, RuleEvaluation};

/// AWS's conformance packs for the two pillars the catalogue records.
const PACKS: [(&str, &str); 2] = [
    ("security", "Operational-Best-Practices-for-AWS-Well-Architected-Security-Pillar"),
    ("reliability", "Operational-Best-Practices-for-AWS-Well-Architected-Reliability-Pillar"),
];

pub fn snapshot(org: &Organisation, account: &str, region: &str) -> ConfigSnapshot {
    let mut evaluations: BTreeMap<String, Vec<RuleEvaluation>> = BTreeMap::new();
    let mut rules: BTreeMap<String, &'static crate::reference::ManagedRule> = BTreeMap::new();
    for (control_index, resource) in org.checks(account, region) {
        let (control, resource_type) = org.controls[control_index];
        let Some(rule) = control.config_rule.as_deref().and_then(|name| CATALOGUE.rule_named(name)) else {
            continue;
        };
        rules.insert(rule.rule_name.clone(), rule);
        let arn = resource_id(resource_type, account, region, resource, resource_name(resource));
        let compliance = if check_fails(org, account, region, control, resource) {
            RuleCompliance::NonCompliant
        } else {
            RuleCompliance::Compliant
        };
        evaluations.entry(rule.rule_name.clone()).or_default().push(RuleEvaluation {
            account_id: account.to_owned(),
            region: region.to_owned(),
            rule_name: rule.rule_name.clone(),
            resource_type: config_resource_type(resource_type),
            resource_id: config_resource_id(&arn),
            compliance,
            annotation: (compliance == RuleCompliance::NonCompliant).then(|| format!("{} is not met.", control.id)),
            recorded_at: Some(org.anchor - Duration::hours(6)),
        });
    }

    let config_rules = rules
        .values()
        .map(|rule| {
            let results = evaluations.get(&rule.rule_name).map(Vec::as_slice).unwrap_or_default();
            let failing = results.iter().filter(|e| e.compliance == RuleCompliance::NonCompliant).count();
            ConfigRule {
                account_id: account.to_owned(),
                region: region.to_owned(),
                rule_name: rule.rule_name.clone(),
                rule_arn: Some(format!(
                    "arn:aws:config:{region}:{account}:config-rule/config-rule-{}",
                    short_hash(&rule.rule_name)
                )),
                rule_id: Some(format!("config-rule-{}", short_hash(&rule.rule_name))),
                owner: Some("AWS".into()),
                source_identifier: Some(rule.identifier.clone()),
                description: None,
                compliance: Some(if failing > 0 { RuleCompliance::NonCompliant } else { RuleCompliance::Compliant }),
                non_compliant_count: Some(i32::try_from(failing).unwrap_or(i32::MAX)),
            }
        })
        .collect();

    let conformance_packs = PACKS
        .iter()
        .map(|(pillar, name)| {
            let results: Vec<&RuleEvaluation> = rules
                .values()
                .filter(|rule| rule.well_architected_packs.iter().any(|pack| pack == pillar))
                .flat_map(|rule| evaluations.get(&rule.rule_name).into_iter().flatten())
                .collect();
            let compliant = results.iter().filter(|e| e.compliance == RuleCompliance::Compliant).count();
            let score =
                (!results.is_empty()).then(|| (compliant as f32 / results.len() as f32 * 1000.0).round() / 10.0);
            ConformancePack {
                account_id: account.to_owned(),
                region: region.to_owned(),
                name: (*name).into(),
                arn: Some(format!(
                    "arn:aws:config:{region}:{account}:conformance-pack/{name}/conformance-pack-{}",
                    short_hash(name)
                )),
                id: Some(format!("conformance-pack-{}", short_hash(name))),
                score,
                score_updated_at: Some(org.anchor - Duration::hours(6)),
            }
        })
        .collect();

    let evaluations: Vec<RuleEvaluation> = evaluations.into_values().flatten().collect();
    ConfigSnapshot { rules: config_rules, evaluations, conformance_packs, pages: 0 }
}

/// Config names most resources by their id, not their ARN.
fn config_resource_id(arn: &str) -> String {
    if let Some(account) = arn.strip_prefix("AWS::::Account:") {
        return account.to_owned();
    }
    if let Some(bucket) = arn.strip_prefix("arn:aws:s3:::") {
        return bucket.to_owned();
    }
    arn.rsplit(['/', ':']).next().unwrap_or(arn).to_owned()
}

fn short_hash(text: &str) -> String {
    format!("{:06x}", (super::roll(0, &[text]) * 16_777_215.0) as u32)
}
