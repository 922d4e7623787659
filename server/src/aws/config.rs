//! AWS Config: rules with their managed rule identifiers, compliance per
//! rule and per resource, and conformance pack scores; through an
//! aggregator when the source names one.

use std::collections::HashMap;

use app::domain::RuleCompliance;
use aws_sdk_config::Client;
use aws_sdk_config::types::{ConfigRule as SdkRule, EvaluationResultQualifier};

use super::error::fetch_error;
use super::pages::every_page;
use super::rate::RateLimiter;
use super::time::from_smithy;
use crate::sources::FetchError;
use crate::sources::records::{ConfigRule, ConfigSnapshot, ConformancePack, RuleEvaluation};

/// `DescribeComplianceByConfigRule` takes at most 25 rule names a call.
const RULES_PER_COMPLIANCE_CALL: usize = 25;
/// `GetComplianceDetailsByConfigRule` returns at most 100 results a page.
const RESULTS_PAGE_SIZE: i32 = 100;

/// Everything Config says about one account and region.
pub async fn snapshot(
    client: &Client,
    limiter: &RateLimiter,
    account_id: &str,
    region: &str,
) -> Result<ConfigSnapshot, FetchError> {
    let mut snapshot = ConfigSnapshot::default();
    let definitions = rule_definitions(client, limiter, &mut snapshot.pages).await?;

    let names: Vec<String> = definitions.iter().filter_map(|rule| rule.config_rule_name().map(str::to_owned)).collect();
    let mut compliance = HashMap::new();
    for chunk in names.chunks(RULES_PER_COMPLIANCE_CALL) {
        let pages = every_page(
            client
                .describe_compliance_by_config_rule()
                .set_config_rule_names(Some(chunk.to_vec()))
                .into_paginator()
                .send(),
            limiter,
            "DescribeComplianceByConfigRule",
            &mut snapshot.pages,
        )
        .await?;
        for page in pages {
            for rule in page.compliance_by_config_rules() {
                if let Some(name) = rule.config_rule_name() {
                    compliance.insert(name.to_owned(), read_compliance(rule.compliance()));
                }
            }
        }
    }

    for definition in &definitions {
        let Some(name) = definition.config_rule_name() else {
            continue;
        };
        let (state, count) = compliance.get(name).cloned().unwrap_or((None, None));
        snapshot.rules.push(rule_record(definition, account_id, region, state, count));

        let pages = every_page(
            client
                .get_compliance_details_by_config_rule()
                .config_rule_name(name)
                .limit(RESULTS_PAGE_SIZE)
                .into_paginator()
                .send(),
            limiter,
            "GetComplianceDetailsByConfigRule",
            &mut snapshot.pages,
        )
        .await?;
        for page in pages {
            for result in page.evaluation_results() {
                let qualifier = result.evaluation_result_identifier().and_then(|id| id.evaluation_result_qualifier());
                if let Some(evaluation) = evaluation_record(
                    qualifier,
                    result.compliance_type().map(|c| c.as_str()),
                    result.annotation(),
                    from_smithy(result.result_recorded_time()),
                    (account_id, region),
                    name,
                ) {
                    snapshot.evaluations.push(evaluation);
                }
            }
        }
    }

    snapshot.conformance_packs = conformance_packs(client, limiter, account_id, region, &mut snapshot.pages).await?;
    if snapshot.rules.is_empty() && snapshot.conformance_packs.is_empty() {
        not_recording(client, limiter, &mut snapshot.pages).await?;
    }
    Ok(snapshot)
}

/// An account and region without rules may simply have none, or may not
/// have Config turned on: with no recorder recording, it is the latter,
/// and onboarding must say so rather than show an empty success.
async fn not_recording(client: &Client, limiter: &RateLimiter, pages: &mut u32) -> Result<(), FetchError> {
    limiter.acquire().await;
    let status = client
        .describe_configuration_recorder_status()
        .send()
        .await
        .map_err(|error| fetch_error("DescribeConfigurationRecorderStatus", error))?;
    *pages += 1;
    if status.configuration_recorders_status().iter().any(|recorder| recorder.recording()) {
        return Ok(());
    }
    Err(FetchError {
        code: Some(CONFIG_NOT_RECORDING.into()),
        ..FetchError::new(
            "DescribeConfigurationRecorderStatus",
            "AWS Config is not turned on in this account and region: no configuration recorder is recording, so \
             there are no rules or results to read. Turn Config on here, or leave the region out of the source",
        )
    })
}

/// The code of a slice whose account and region do not record with Config.
pub const CONFIG_NOT_RECORDING: &str = "ConfigNotRecording";

/// Everything an aggregator says about every account and region it
/// covers. Managed rule identifiers come from the rules deployed in the
/// aggregator's own account and region, where organization rules share
/// their names.
pub async fn aggregate_snapshot(
    client: &Client,
    limiter: &RateLimiter,
    aggregator: &str,
    account_id: &str,
    region: &str,
) -> Result<ConfigSnapshot, FetchError> {
    let mut snapshot = ConfigSnapshot::default();
    let definitions: HashMap<String, SdkRule> = rule_definitions(client, limiter, &mut snapshot.pages)
        .await?
        .into_iter()
        .filter_map(|rule| Some((rule.config_rule_name()?.to_owned(), rule)))
        .collect();

    let mut rules = Vec::new();
    let pages = every_page(
        client
            .describe_aggregate_compliance_by_config_rules()
            .configuration_aggregator_name(aggregator)
            .into_paginator()
            .send(),
        limiter,
        "DescribeAggregateComplianceByConfigRules",
        &mut snapshot.pages,
    )
    .await?;
    for page in pages {
        for rule in page.aggregate_compliance_by_config_rules() {
            let (Some(name), Some(rule_account), Some(rule_region)) =
                (rule.config_rule_name(), rule.account_id(), rule.aws_region())
            else {
                continue;
            };
            let (state, count) = read_compliance(rule.compliance());
            let record = match definitions.get(name) {
                Some(definition) => rule_record(definition, rule_account, rule_region, state, count),
                None => ConfigRule {
                    account_id: rule_account.to_owned(),
                    region: rule_region.to_owned(),
                    rule_name: name.to_owned(),
                    rule_arn: None,
                    rule_id: None,
                    owner: None,
                    source_identifier: None,
                    description: None,
                    compliance: state,
                    non_compliant_count: count,
                },
            };
            rules.push(record);
        }
    }

    for rule in &rules {
        let pages = every_page(
            client
                .get_aggregate_compliance_details_by_config_rule()
                .configuration_aggregator_name(aggregator)
                .config_rule_name(&rule.rule_name)
                .account_id(&rule.account_id)
                .aws_region(&rule.region)
                .limit(RESULTS_PAGE_SIZE)
                .into_paginator()
                .send(),
            limiter,
            "GetAggregateComplianceDetailsByConfigRule",
            &mut snapshot.pages,
        )
        .await?;
        for page in pages {
            for result in page.aggregate_evaluation_results() {
                let qualifier = result.evaluation_result_identifier().and_then(|id| id.evaluation_result_qualifier());
                let scope =
                    (result.account_id().unwrap_or(&rule.account_id), result.aws_region().unwrap_or(&rule.region));
                if let Some(evaluation) = evaluation_record(
                    qualifier,
                    result.compliance_type().map(|c| c.as_str()),
                    result.annotation(),
                    from_smithy(result.result_recorded_time()),
                    scope,
                    &rule.rule_name,
                ) {
                    snapshot.evaluations.push(evaluation);
                }
            }
        }
    }
    snapshot.rules = rules;
    snapshot.conformance_packs = conformance_packs(client, limiter, account_id, region, &mut snapshot.pages).await?;
    Ok(snapshot)
}

async fn rule_definitions(
    client: &Client,
    limiter: &RateLimiter,
    pages_read: &mut u32,
) -> Result<Vec<SdkRule>, FetchError> {
    let mut rules = Vec::new();
    let pages =
        every_page(client.describe_config_rules().into_paginator().send(), limiter, "DescribeConfigRules", pages_read)
            .await?;
    for page in pages {
        rules.extend(page.config_rules().iter().cloned());
    }
    Ok(rules)
}

async fn conformance_packs(
    client: &Client,
    limiter: &RateLimiter,
    account_id: &str,
    region: &str,
    pages_read: &mut u32,
) -> Result<Vec<ConformancePack>, FetchError> {
    let mut packs = Vec::new();
    let pages = every_page(
        client.describe_conformance_packs().into_paginator().send(),
        limiter,
        "DescribeConformancePacks",
        pages_read,
    )
    .await?;
    for page in pages {
        for pack in page.conformance_pack_details() {
            packs.push(ConformancePack {
                account_id: account_id.to_owned(),
                region: region.to_owned(),
                name: pack.conformance_pack_name().to_owned(),
                arn: Some(pack.conformance_pack_arn().to_owned()).filter(|arn| !arn.is_empty()),
                id: Some(pack.conformance_pack_id().to_owned()).filter(|id| !id.is_empty()),
                score: None,
                score_updated_at: None,
            });
        }
    }
    if packs.is_empty() {
        return Ok(packs);
    }
    let pages = every_page(
        client.list_conformance_pack_compliance_scores().into_paginator().send(),
        limiter,
        "ListConformancePackComplianceScores",
        pages_read,
    )
    .await?;
    for page in pages {
        for score in page.conformance_pack_compliance_scores() {
            let Some(pack) = packs.iter_mut().find(|pack| Some(pack.name.as_str()) == score.conformance_pack_name())
            else {
                continue;
            };
            pack.score =
                score.score().and_then(|value| value.parse::<f32>().ok()).filter(|value| (0.0..=100.0).contains(value));
            pack.score_updated_at = from_smithy(score.last_updated_time());
        }
    }
    Ok(packs)
}

fn read_compliance(compliance: Option<&aws_sdk_config::types::Compliance>) -> (Option<RuleCompliance>, Option<i32>) {
    let Some(compliance) = compliance else {
        return (None, None);
    };
    (
        compliance.compliance_type().and_then(|c| RuleCompliance::parse(c.as_str()).ok()),
        compliance.compliance_contributor_count().map(|count| count.capped_count()),
    )
}

fn rule_record(
    definition: &SdkRule,
    account_id: &str,
    region: &str,
    compliance: Option<RuleCompliance>,
    non_compliant_count: Option<i32>,
) -> ConfigRule {
    let source = definition.source();
    ConfigRule {
        account_id: account_id.to_owned(),
        region: region.to_owned(),
        rule_name: definition.config_rule_name().unwrap_or_default().to_owned(),
        rule_arn: definition.config_rule_arn().map(str::to_owned),
        rule_id: definition.config_rule_id().map(str::to_owned),
        owner: source.map(|source| source.owner().as_str().to_owned()),
        source_identifier: source.and_then(|source| source.source_identifier()).map(str::to_owned),
        description: definition.description().map(str::to_owned),
        compliance,
        non_compliant_count,
    }
}

/// One resource's result; `None` when AWS left out which resource it is or
/// sent a compliance Plinth does not know.
fn evaluation_record(
    qualifier: Option<&EvaluationResultQualifier>,
    compliance: Option<&str>,
    annotation: Option<&str>,
    recorded_at: Option<chrono::DateTime<chrono::Utc>>,
    (account_id, region): (&str, &str),
    rule_name: &str,
) -> Option<RuleEvaluation> {
    let qualifier = qualifier?;
    Some(RuleEvaluation {
        account_id: account_id.to_owned(),
        region: region.to_owned(),
        rule_name: rule_name.to_owned(),
        resource_type: qualifier.resource_type()?.to_owned(),
        resource_id: qualifier.resource_id()?.to_owned(),
        compliance: RuleCompliance::parse(compliance?).ok()?,
        annotation: annotation.map(str::to_owned),
        recorded_at,
    })
}
