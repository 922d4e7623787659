use aws_sdk_config::Client;
use aws_sdk_config::operation::describe_aggregate_compliance_by_config_rules::DescribeAggregateComplianceByConfigRulesOutput;
use aws_sdk_config::operation::describe_compliance_by_config_rule::DescribeComplianceByConfigRuleOutput;
use aws_sdk_config::operation::describe_config_rules::DescribeConfigRulesOutput;
use aws_sdk_config::operation::describe_conformance_packs::DescribeConformancePacksOutput;
use aws_sdk_config::operation::get_aggregate_compliance_details_by_config_rule::GetAggregateComplianceDetailsByConfigRuleOutput;
use aws_sdk_config::operation::get_compliance_details_by_config_rule::GetComplianceDetailsByConfigRuleOutput;
use aws_sdk_config::operation::list_conformance_pack_compliance_scores::ListConformancePackComplianceScoresOutput;
use aws_sdk_config::types::{
    AggregateComplianceByConfigRule, AggregateEvaluationResult, Compliance, ComplianceByConfigRule,
    ComplianceContributorCount, ComplianceType, ConfigRule, ConformancePackComplianceScore, ConformancePackDetail,
    EvaluationResult, EvaluationResultIdentifier, EvaluationResultQualifier, Owner, Source,
};
use aws_smithy_mocks::mock;
use server::sources::Service;
use server::sync::summary::RunStatus;
use sqlx::PgPool;

use crate::helpers::{IRELAND, PRODUCTION, STAGING, clients, settings, source, sync};

const MANAGED: [(&str, &str); 4] = [
    ("s3-bucket-server-side-encryption-enabled", "S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED"),
    ("multi-region-cloudtrail-enabled", "MULTI_REGION_CLOUD_TRAIL_ENABLED"),
    ("rds-instance-public-access-check", "RDS_INSTANCE_PUBLIC_ACCESS_CHECK"),
    ("dynamodb-pitr-enabled", "DYNAMODB_PITR_ENABLED"),
];

fn rule(name: &str, identifier: &str) -> ConfigRule {
    ConfigRule::builder()
        .config_rule_name(name)
        .config_rule_arn(format!("arn:aws:config:{IRELAND}:{PRODUCTION}:config-rule/{name}"))
        .config_rule_id(format!("config-rule-{name}"))
        .source(Source::builder().owner(Owner::Aws).source_identifier(identifier).build().expect("a source"))
        .build()
}

fn evaluation(rule: &str, bucket: usize, compliance: ComplianceType) -> EvaluationResult {
    EvaluationResult::builder()
        .evaluation_result_identifier(
            EvaluationResultIdentifier::builder()
                .evaluation_result_qualifier(
                    EvaluationResultQualifier::builder()
                        .config_rule_name(rule)
                        .resource_type("AWS::S3::Bucket")
                        .resource_id(format!("orders-{bucket}"))
                        .build(),
                )
                .build(),
        )
        .compliance_type(compliance)
        .annotation("Server-side encryption is not enabled.")
        .build()
}

fn compliance(kind: ComplianceType, count: i32) -> Compliance {
    Compliance::builder()
        .compliance_type(kind)
        .compliance_contributor_count(
            ComplianceContributorCount::builder().capped_count(count).cap_exceeded(false).build(),
        )
        .build()
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn rules_results_and_conformance_packs_are_stored_from_every_page(pool: PgPool) {
    // Rules come two pages at a time; compliance in calls of at most 25 rule
    // names; results 100 a page; packs and scores paginated too.
    let describe_rules =
        mock!(Client::describe_config_rules).then_compute_output(|request| match request.next_token() {
            None => DescribeConfigRulesOutput::builder()
                .config_rules(rule(MANAGED[0].0, MANAGED[0].1))
                .config_rules(rule(MANAGED[1].0, MANAGED[1].1))
                .config_rules(rule(MANAGED[2].0, MANAGED[2].1))
                .next_token("2")
                .build(),
            // 26 more rules, so compliance takes two calls of at most 25 names.
            Some(_) => DescribeConfigRulesOutput::builder()
                .set_config_rules(Some(
                    std::iter::once(rule(MANAGED[3].0, MANAGED[3].1))
                        .chain((0..26).map(|n| rule(&format!("ec2-stopped-instance-{n}"), "EC2_STOPPED_INSTANCE")))
                        .collect(),
                ))
                .build(),
        });
    let rule_compliance = mock!(Client::describe_compliance_by_config_rule).then_compute_output(|request| {
        let names = request.config_rule_names();
        assert!(names.len() <= 25, "{} names in one call", names.len());
        // Each call answers in two pages: the first half, then the rest.
        let half = names.len() / 2;
        let (answered, next) = match request.next_token() {
            None => (&names[..half], Some("2".to_owned())),
            Some(_) => (&names[half..], None),
        };
        DescribeComplianceByConfigRuleOutput::builder()
            .set_next_token(next)
            .set_compliance_by_config_rules(Some(
                answered
                    .iter()
                    .map(|name| {
                        let kind = if name.starts_with("s3") {
                            ComplianceType::NonCompliant
                        } else {
                            ComplianceType::Compliant
                        };
                        ComplianceByConfigRule::builder()
                            .config_rule_name(name)
                            .compliance(compliance(kind, 150))
                            .build()
                    })
                    .collect(),
            ))
            .build()
    });
    let details = mock!(Client::get_compliance_details_by_config_rule).then_compute_output(|request| {
        let rule = request.config_rule_name().expect("a rule name");
        if !rule.starts_with("s3") {
            return GetComplianceDetailsByConfigRuleOutput::builder().build();
        }
        let page: usize = request.next_token().map_or(0, |token| token.parse().expect("a page"));
        let results = (page * 100..(page * 100 + 100).min(150))
            .map(|bucket| evaluation(rule, bucket, ComplianceType::NonCompliant))
            .collect();
        GetComplianceDetailsByConfigRuleOutput::builder()
            .set_evaluation_results(Some(results))
            .set_next_token((page == 0).then(|| "1".to_owned()))
            .build()
    });
    let packs = mock!(Client::describe_conformance_packs).then_compute_output(|request| {
        let name = if request.next_token().is_none() {
            "Operational-Best-Practices-for-AWS-Well-Architected-Security-Pillar"
        } else {
            "Operational-Best-Practices-for-AWS-Well-Architected-Reliability-Pillar"
        };
        DescribeConformancePacksOutput::builder()
            .conformance_pack_details(
                ConformancePackDetail::builder()
                    .conformance_pack_name(name)
                    .conformance_pack_arn(format!("arn:aws:config:{IRELAND}:{PRODUCTION}:conformance-pack/{name}"))
                    .conformance_pack_id(format!("conformance-pack-{}", name.len()))
                    .build()
                    .expect("a pack"),
            )
            .set_next_token(request.next_token().is_none().then(|| "2".to_owned()))
            .build()
    });
    let scores = mock!(Client::list_conformance_pack_compliance_scores).then_compute_output(|request| {
        if request.next_token().is_none() {
            return ListConformancePackComplianceScoresOutput::builder()
                .conformance_pack_compliance_scores(
                    ConformancePackComplianceScore::builder()
                        .conformance_pack_name("Operational-Best-Practices-for-AWS-Well-Architected-Security-Pillar")
                        .score("72.5")
                        .build(),
                )
                .next_token("2")
                .build()
                .expect("a page of scores");
        }
        ListConformancePackComplianceScoresOutput::builder()
            .conformance_pack_compliance_scores(
                ConformancePackComplianceScore::builder()
                    .conformance_pack_name("Operational-Best-Practices-for-AWS-Well-Architected-Reliability-Pillar")
                    .score("not a number")
                    .build(),
            )
            .build()
            .expect("a page of scores")
    });
    let config_rules = [&describe_rules, &rule_compliance, &details, &packs, &scores];
    let source = source(settings(Service::Config, &[IRELAND]), vec![(IRELAND, clients(&[], &config_rules, &[]))]);

    let summary = sync(&pool, &source, false).await;

    assert_eq!(summary.status, RunStatus::Succeeded, "{summary:?}");
    assert_eq!(describe_rules.num_calls(), 2);
    assert_eq!(rule_compliance.num_calls(), 4, "30 rules: two calls of at most 25 names, two pages each");
    assert_eq!(scores.num_calls(), 2);
    let rules = sqlx::query!("SELECT rule_name, source_identifier, owner, compliance, non_compliant_count FROM config_rules ORDER BY rule_name")
        .fetch_all(&pool)
        .await
        .expect("the rules");
    assert_eq!(rules.len(), 30);
    let encryption = rules.iter().find(|r| r.rule_name == MANAGED[0].0).expect("the encryption rule");
    assert_eq!(encryption.source_identifier.as_deref(), Some("S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED"));
    assert_eq!(encryption.owner.as_deref(), Some("AWS"));
    assert_eq!(encryption.compliance.as_deref(), Some("NON_COMPLIANT"));
    assert_eq!(encryption.non_compliant_count, Some(150));
    let failing = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM config_evaluations WHERE rule_name = $1 AND compliance = 'NON_COMPLIANT'"#,
        MANAGED[0].0
    )
    .fetch_one(&pool)
    .await
    .expect("a count");
    assert_eq!(failing, 150, "both pages of results");
    let packs = sqlx::query!("SELECT pack_name, score FROM conformance_packs ORDER BY pack_name")
        .fetch_all(&pool)
        .await
        .expect("the packs");
    assert_eq!(packs.len(), 2);
    assert_eq!(packs[0].score, None, "a score that is not a number is stored as null");
    assert_eq!(packs[1].score, Some(72.5));
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn an_aggregator_is_read_instead_of_each_account(pool: PgPool) {
    let describe_rules = mock!(Client::describe_config_rules)
        .then_output(|| DescribeConfigRulesOutput::builder().config_rules(rule(MANAGED[1].0, MANAGED[1].1)).build());
    let aggregate = mock!(Client::describe_aggregate_compliance_by_config_rules).then_compute_output(|request| {
        assert_eq!(request.configuration_aggregator_name(), Some("organization"));
        let accounts: &[&str] = if request.next_token().is_none() { &[PRODUCTION] } else { &[STAGING] };
        DescribeAggregateComplianceByConfigRulesOutput::builder()
            .set_aggregate_compliance_by_config_rules(Some(
                accounts
                    .iter()
                    .map(|account| {
                        AggregateComplianceByConfigRule::builder()
                            .config_rule_name(MANAGED[1].0)
                            .account_id(*account)
                            .aws_region(IRELAND)
                            .compliance(compliance(ComplianceType::NonCompliant, 1))
                            .build()
                    })
                    .collect(),
            ))
            .set_next_token(request.next_token().is_none().then(|| "2".to_owned()))
            .build()
    });
    let aggregate_details =
        mock!(Client::get_aggregate_compliance_details_by_config_rule).then_compute_output(|request| {
            // A first page with nothing but a token, then the result.
            if request.next_token().is_none() {
                return GetAggregateComplianceDetailsByConfigRuleOutput::builder().next_token("2").build();
            }
            GetAggregateComplianceDetailsByConfigRuleOutput::builder()
                .aggregate_evaluation_results(
                    AggregateEvaluationResult::builder()
                        .evaluation_result_identifier(
                            EvaluationResultIdentifier::builder()
                                .evaluation_result_qualifier(
                                    EvaluationResultQualifier::builder()
                                        .config_rule_name(MANAGED[1].0)
                                        .resource_type("AWS::::Account")
                                        .resource_id(request.account_id().unwrap_or_default())
                                        .build(),
                                )
                                .build(),
                        )
                        .compliance_type(ComplianceType::NonCompliant)
                        .account_id(request.account_id().unwrap_or_default())
                        .aws_region(IRELAND)
                        .build(),
                )
                .build()
        });
    let packs =
        mock!(Client::describe_conformance_packs).then_output(|| DescribeConformancePacksOutput::builder().build());
    let mut aggregated = settings(Service::Config, &[IRELAND]);
    aggregated.accounts = server::sources::settings::Accounts::Listed(vec![PRODUCTION.into(), STAGING.into()]);
    aggregated.config_aggregator = Some("organization".into());
    let source = source(
        aggregated,
        vec![(IRELAND, clients(&[], &[&describe_rules, &aggregate, &aggregate_details, &packs], &[]))],
    );

    let summary = sync(&pool, &source, false).await;

    assert_eq!(summary.status, RunStatus::Succeeded, "{summary:?}");
    assert_eq!(aggregate.num_calls(), 2);
    assert_eq!(aggregate_details.num_calls(), 4, "two pages for each account's rule");
    let rules = sqlx::query!("SELECT account_id, source_identifier FROM config_rules ORDER BY account_id")
        .fetch_all(&pool)
        .await
        .expect("the rules");
    assert_eq!(rules.len(), 2);
    assert_eq!(rules[0].account_id, PRODUCTION);
    assert_eq!(rules[1].account_id, STAGING);
    assert!(rules.iter().all(|r| r.source_identifier.as_deref() == Some("MULTI_REGION_CLOUD_TRAIL_ENABLED")));
    let evaluations = sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM config_evaluations"#)
        .fetch_one(&pool)
        .await
        .expect("a count");
    assert_eq!(evaluations, 2);
}

static MANAGED_RULES: [(&str, &str); 4] = MANAGED;

/// Config in one account and region holding these managed rules, all
/// compliant, with no results and no packs.
fn config_with(rules: &'static [(&'static str, &'static str)]) -> server::aws::clients::AwsClients {
    let describe = mock!(Client::describe_config_rules).then_compute_output(move |_| {
        DescribeConfigRulesOutput::builder()
            .set_config_rules(Some(rules.iter().map(|(name, identifier)| rule(name, identifier)).collect()))
            .build()
    });
    let rule_compliance = mock!(Client::describe_compliance_by_config_rule).then_compute_output(|request| {
        DescribeComplianceByConfigRuleOutput::builder()
            .set_compliance_by_config_rules(Some(
                request
                    .config_rule_names()
                    .iter()
                    .map(|name| {
                        ComplianceByConfigRule::builder()
                            .config_rule_name(name)
                            .compliance(compliance(ComplianceType::Compliant, 0))
                            .build()
                    })
                    .collect(),
            ))
            .build()
    });
    let details = mock!(Client::get_compliance_details_by_config_rule)
        .then_output(|| GetComplianceDetailsByConfigRuleOutput::builder().build());
    let packs =
        mock!(Client::describe_conformance_packs).then_output(|| DescribeConformancePacksOutput::builder().build());
    let scores = mock!(Client::list_conformance_pack_compliance_scores).then_output(|| {
        ListConformancePackComplianceScoresOutput::builder()
            .set_conformance_pack_compliance_scores(Some(Vec::new()))
            .build()
            .expect("no scores")
    });
    clients(&[], &[&describe, &rule_compliance, &details, &packs, &scores], &[])
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn an_incremental_sync_that_reads_the_same_rules_again_writes_nothing(pool: PgPool) {
    let same = || source(settings(Service::Config, &[IRELAND]), vec![(IRELAND, config_with(&MANAGED_RULES[..2]))]);
    let stored = |summary: &server::sync::summary::SourceSummary| summary.services[&Service::Config].stored;
    let rules = || async {
        sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM config_rules"#).fetch_one(&pool).await.expect("a count")
    };

    let first = sync(&pool, &same(), false).await;
    let unchanged = sync(&pool, &same(), false).await;
    let full = sync(&pool, &same(), true).await;
    let changed = sync(
        &pool,
        &source(settings(Service::Config, &[IRELAND]), vec![(IRELAND, config_with(&MANAGED_RULES[..3]))]),
        false,
    )
    .await;

    assert_eq!(stored(&first), 2, "the first sync stores both rules");
    assert_eq!(stored(&unchanged), 0, "the same rules again: nothing written");
    assert_eq!(unchanged.status, RunStatus::Succeeded);
    assert_eq!(stored(&full), 2, "a full sync writes everything again");
    assert_eq!(stored(&changed), 3, "a new rule: the slice is stored again");
    assert_eq!(rules().await, 3);
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_region_where_config_does_not_record_fails_saying_config_is_not_turned_on(pool: PgPool) {
    use aws_sdk_config::operation::describe_configuration_recorder_status::DescribeConfigurationRecorderStatusOutput;
    let no_rules = mock!(Client::describe_config_rules).then_output(|| DescribeConfigRulesOutput::builder().build());
    let no_packs =
        mock!(Client::describe_conformance_packs).then_output(|| DescribeConformancePacksOutput::builder().build());
    let no_scores = mock!(Client::list_conformance_pack_compliance_scores).then_output(|| {
        ListConformancePackComplianceScoresOutput::builder()
            .set_conformance_pack_compliance_scores(Some(Vec::new()))
            .build()
            .expect("no scores")
    });
    let no_recorder = mock!(Client::describe_configuration_recorder_status)
        .then_output(|| DescribeConfigurationRecorderStatusOutput::builder().build());
    let source = source(
        settings(Service::Config, &[IRELAND]),
        vec![(IRELAND, clients(&[], &[&no_rules, &no_packs, &no_scores, &no_recorder], &[]))],
    );

    let summary = sync(&pool, &source, false).await;

    assert_eq!(summary.status, RunStatus::Failed);
    let error = &summary.services[&Service::Config].errors[0];
    assert_eq!(error.code.as_deref(), Some("ConfigNotRecording"));
    assert!(error.message.contains("not turned on"), "{}", error.message);
    let status =
        sqlx::query!("SELECT error_code, error_service FROM source_accounts WHERE account_id = $1", PRODUCTION)
            .fetch_one(&pool)
            .await
            .expect("the account's onboarding");
    assert_eq!(
        (status.error_code.as_deref(), status.error_service.as_deref()),
        (Some("ConfigNotRecording"), Some("config"))
    );
}
