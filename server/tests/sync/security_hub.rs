use std::sync::{Arc, Mutex};

use aws_sdk_securityhub::Client;
use aws_sdk_securityhub::error::ErrorMetadata;
use aws_sdk_securityhub::operation::get_findings::{GetFindingsError, GetFindingsInput, GetFindingsOutput};
use aws_sdk_securityhub::types::error::{InvalidAccessException, LimitExceededException};
use aws_sdk_securityhub::types::{
    AssociatedStandard, AwsSecurityFinding, Compliance, ComplianceStatus, Recommendation, RecordState, Remediation,
    Resource, Severity, SeverityLabel, Workflow, WorkflowStatus,
};
use aws_smithy_mocks::mock;
use server::sources::Service;
use server::sync::summary::RunStatus;
use sqlx::PgPool;

use crate::helpers::{IRELAND, PRODUCTION, VIRGINIA, clients, settings, source, sync};

/// A failed S3.1 check on a bucket, as Security Hub sends it.
pub fn finding(id: &str, region: &str) -> AwsSecurityFinding {
    finding_in(id, PRODUCTION, region, RecordState::Active)
}

pub fn finding_in(id: &str, account: &str, region: &str, state: RecordState) -> AwsSecurityFinding {
    AwsSecurityFinding::builder()
        .schema_version("2018-10-08")
        .id(format!("arn:aws:securityhub:{region}:{account}:security-control/S3.1/finding/{id}"))
        .product_arn(format!("arn:aws:securityhub:{region}::product/aws/securityhub"))
        .product_name("Security Hub")
        .generator_id("security-control/S3.1")
        .aws_account_id(account)
        .region(region)
        .types("Software and Configuration Checks/Industry and Regulatory Standards")
        .title("S3 general purpose buckets should have block public access settings enabled")
        .description("This control checks whether the bucket blocks public access.")
        .first_observed_at("2026-10-01T08:00:00.000Z")
        .last_observed_at("2026-11-30T08:00:00.000Z")
        .created_at("2026-10-01T08:00:00.000Z")
        .updated_at("2026-11-30T08:00:00.000Z")
        .severity(Severity::builder().label(SeverityLabel::High).original("HIGH").build())
        .compliance(
            Compliance::builder()
                .status(ComplianceStatus::Failed)
                .security_control_id("S3.1")
                .associated_standards(
                    AssociatedStandard::builder()
                        .standards_id("standards/aws-foundational-security-best-practices/v/1.0.0")
                        .build(),
                )
                .build(),
        )
        .workflow(Workflow::builder().status(WorkflowStatus::Notified).build())
        .record_state(state)
        .resources(
            Resource::builder()
                .r#type("AwsS3Bucket")
                .id(format!("arn:aws:s3:::orders-{id}"))
                .region(region)
                .tags("team", "payments")
                .build(),
        )
        .remediation(
            Remediation::builder()
                .recommendation(
                    Recommendation::builder()
                        .text("Enable block public access on the bucket.")
                        .url("https://docs.aws.amazon.com/console/securityhub/S3.1/remediation")
                        .build(),
                )
                .build(),
        )
        .build()
}

/// Pages of findings: each request gets the page its next token names.
fn paged(pages: Vec<Vec<AwsSecurityFinding>>) -> impl Fn(&GetFindingsInput) -> GetFindingsOutput + Send + Sync {
    move |request| {
        let index: usize = request.next_token().map_or(0, |token| token.parse().expect("a page number"));
        let next = (index + 1 < pages.len()).then(|| (index + 1).to_string());
        GetFindingsOutput::builder().set_findings(Some(pages[index].clone())).set_next_token(next).build()
    }
}

fn findings(prefix: &str, count: usize, region: &str) -> Vec<AwsSecurityFinding> {
    (0..count).map(|n| finding(&format!("{prefix}-{n}"), region)).collect()
}

async fn stored_in(pool: &PgPool, region: &str) -> i64 {
    server::db::findings::count_current(pool, PRODUCTION, region).await.expect("a count")
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn every_page_of_findings_is_stored(pool: PgPool) {
    let get_findings = mock!(Client::get_findings).then_compute_output(paged(vec![
        findings("a", 100, IRELAND),
        findings("b", 100, IRELAND),
        findings("c", 7, IRELAND),
    ]));
    let source =
        source(settings(Service::SecurityHub, &[IRELAND]), vec![(IRELAND, clients(&[&get_findings], &[], &[]))]);

    let summary = sync(&pool, &source, false).await;

    assert_eq!(summary.status, RunStatus::Succeeded, "{summary:?}");
    let counts = &summary.services[&Service::SecurityHub];
    assert_eq!((counts.pages, counts.fetched, counts.stored), (3, 207, 207));
    assert_eq!(get_findings.num_calls(), 3);
    assert_eq!(stored_in(&pool, IRELAND).await, 207);
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn every_request_asks_for_pages_of_one_hundred(pool: PgPool) {
    let requests = Arc::new(Mutex::new(Vec::new()));
    let seen = requests.clone();
    let get_findings = mock!(Client::get_findings).then_compute_output(move |request| {
        seen.lock().expect("the request log").push(request.max_results());
        GetFindingsOutput::builder().build()
    });
    let source =
        source(settings(Service::SecurityHub, &[IRELAND]), vec![(IRELAND, clients(&[&get_findings], &[], &[]))]);

    sync(&pool, &source, false).await;

    assert_eq!(*requests.lock().expect("the request log"), vec![Some(100)]);
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn throttling_is_retried_until_it_succeeds(pool: PgPool) {
    let throttled = || {
        GetFindingsError::LimitExceededException(
            LimitExceededException::builder()
                .message("Rate exceeded")
                .meta(ErrorMetadata::builder().code("LimitExceededException").message("Rate exceeded").build())
                .build(),
        )
    };
    let get_findings = mock!(Client::get_findings)
        .sequence()
        .error(throttled)
        .times(2)
        .output(|| GetFindingsOutput::builder().findings(finding("only", IRELAND)).build())
        .build();
    let source =
        source(settings(Service::SecurityHub, &[IRELAND]), vec![(IRELAND, clients(&[&get_findings], &[], &[]))]);

    let summary = sync(&pool, &source, false).await;

    assert_eq!(summary.status, RunStatus::Succeeded, "{summary:?}");
    assert_eq!(get_findings.num_calls(), 3, "two throttled attempts, then the one that succeeded");
    assert_eq!(stored_in(&pool, IRELAND).await, 1);
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_region_that_fails_keeps_its_previous_data_while_the_others_are_stored(pool: PgPool) {
    // The first sync stores three findings in each region.
    let first_ireland = mock!(Client::get_findings).then_compute_output(paged(vec![findings("old", 3, IRELAND)]));
    let first_virginia = mock!(Client::get_findings).then_compute_output(paged(vec![findings("old", 3, VIRGINIA)]));
    let both = settings(Service::SecurityHub, &[IRELAND, VIRGINIA]);
    let first = source(
        both.clone(),
        vec![(IRELAND, clients(&[&first_ireland], &[], &[])), (VIRGINIA, clients(&[&first_virginia], &[], &[]))],
    );
    assert_eq!(sync(&pool, &first, true).await.status, RunStatus::Succeeded);

    // The second finds two new findings in Ireland; Virginia refuses access
    // after the first page.
    let second_ireland = mock!(Client::get_findings).then_compute_output(paged(vec![findings("new", 2, IRELAND)]));
    let denied = || {
        GetFindingsError::InvalidAccessException(
            InvalidAccessException::builder()
                .message("Account is not subscribed to AWS Security Hub")
                .meta(
                    ErrorMetadata::builder()
                        .code("InvalidAccessException")
                        .message("Account is not subscribed to AWS Security Hub")
                        .custom("aws_request_id", "req-virginia-1")
                        .build(),
                )
                .build(),
        )
    };
    let second_virginia =
        mock!(Client::get_findings).match_requests(|request| request.next_token().is_some()).then_error(denied);
    let first_page_virginia = mock!(Client::get_findings)
        .match_requests(|request| request.next_token().is_none())
        .then_output(|| GetFindingsOutput::builder().findings(finding("lost", VIRGINIA)).next_token("1").build());
    let second = source(
        both,
        vec![
            (IRELAND, clients(&[&second_ireland], &[], &[])),
            (VIRGINIA, clients(&[&first_page_virginia, &second_virginia], &[], &[])),
        ],
    );

    let summary = sync(&pool, &second, true).await;

    assert_eq!(summary.status, RunStatus::Partial);
    let errors = &summary.services[&Service::SecurityHub].errors;
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].region, VIRGINIA);
    assert_eq!(errors[0].code.as_deref(), Some("InvalidAccessException"));
    assert_eq!(errors[0].request_id.as_deref(), Some("req-virginia-1"));
    // Ireland now holds only the new findings (the full sync archived the
    // old ones); Virginia still holds exactly what the first sync stored.
    assert_eq!(stored_in(&pool, IRELAND).await, 2);
    assert_eq!(stored_in(&pool, VIRGINIA).await, 3);
    let lost = sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM findings WHERE id LIKE '%/lost'"#)
        .fetch_one(&pool)
        .await
        .expect("a count");
    assert_eq!(lost, 0, "the failed region's first page was rolled back");
    let failed = sqlx::query!(
        "SELECT s.status, s.error_code, s.request_id FROM sync_slices s
         WHERE s.region = $1 AND s.run_id = $2",
        VIRGINIA,
        summary.run_id
    )
    .fetch_one(&pool)
    .await
    .expect("the failed slice is recorded");
    assert_eq!(failed.status, "failed");
    assert_eq!(failed.error_code.as_deref(), Some("InvalidAccessException"));
    assert_eq!(failed.request_id.as_deref(), Some("req-virginia-1"));
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn an_incremental_sync_asks_only_for_findings_updated_since_the_last_one(pool: PgPool) {
    let filters = Arc::new(Mutex::new(Vec::new()));
    let seen = filters.clone();
    let get_findings = mock!(Client::get_findings).then_compute_output(move |request| {
        let start = request
            .filters()
            .and_then(|filters| filters.updated_at().first())
            .and_then(|date| date.start())
            .map(str::to_owned);
        seen.lock().expect("the filter log").push(start);
        GetFindingsOutput::builder().findings(finding("one", IRELAND)).build()
    });
    let source =
        source(settings(Service::SecurityHub, &[IRELAND]), vec![(IRELAND, clients(&[&get_findings], &[], &[]))]);

    let before_first = chrono::Utc::now();
    sync(&pool, &source, false).await;
    sync(&pool, &source, false).await;
    sync(&pool, &source, true).await;

    let filters = filters.lock().expect("the filter log").clone();
    assert_eq!(filters.len(), 3);
    assert_eq!(filters[0], None, "the first sync of a region reads everything");
    let since = chrono::DateTime::parse_from_rfc3339(filters[1].as_deref().expect("an UpdatedAt filter"))
        .expect("an ISO 8601 time");
    let margin = chrono::Duration::seconds(900);
    assert!(since >= before_first - margin - chrono::Duration::seconds(5), "{since}");
    assert!(since <= chrono::Utc::now() - margin, "{since}");
    assert_eq!(filters[2], None, "--full reads everything again");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn an_aggregation_region_is_read_once_and_nothing_is_counted_twice(pool: PgPool) {
    // The aggregation region returns the findings of every region.
    let mut everything = findings("ie", 4, IRELAND);
    everything.extend(findings("us", 3, VIRGINIA));
    let aggregated = mock!(Client::get_findings).then_compute_output(paged(vec![everything]));
    let not_asked = mock!(Client::get_findings).then_output(|| GetFindingsOutput::builder().build());
    let mut aggregating = settings(Service::SecurityHub, &[IRELAND, VIRGINIA]);
    aggregating.security_hub_aggregation_region = Some(IRELAND.into());
    let source = source(
        aggregating,
        vec![(IRELAND, clients(&[&aggregated], &[], &[])), (VIRGINIA, clients(&[&not_asked], &[], &[]))],
    );

    let summary = sync(&pool, &source, false).await;

    assert_eq!(summary.status, RunStatus::Succeeded);
    assert_eq!(aggregated.num_calls(), 1);
    assert_eq!(not_asked.num_calls(), 0);
    assert_eq!(stored_in(&pool, IRELAND).await, 4);
    assert_eq!(stored_in(&pool, VIRGINIA).await, 3);
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn fields_missing_from_a_finding_are_stored_as_null(pool: PgPool) {
    let bare = AwsSecurityFinding::builder().id("bare-finding").build();
    let nameless = AwsSecurityFinding::builder().title("no id at all").build();
    let get_findings = mock!(Client::get_findings)
        .then_output(move || GetFindingsOutput::builder().findings(bare.clone()).findings(nameless.clone()).build());
    let source =
        source(settings(Service::SecurityHub, &[IRELAND]), vec![(IRELAND, clients(&[&get_findings], &[], &[]))]);

    let summary = sync(&pool, &source, false).await;

    assert_eq!(summary.status, RunStatus::Succeeded, "{summary:?}");
    let row = sqlx::query!(
        "SELECT account_id, region, title, control_id, severity, workflow_status, record_state,
                resource_type, updated_at, remediation_url, associated_standards
         FROM findings WHERE id = 'bare-finding'"
    )
    .fetch_one(&pool)
    .await
    .expect("the bare finding is stored");
    assert_eq!((row.account_id.as_str(), row.region.as_str()), (PRODUCTION, IRELAND), "the slice's account and region");
    assert_eq!(row.title, None);
    assert_eq!(row.control_id, None);
    assert_eq!(row.resource_type, None);
    assert_eq!(row.updated_at, None);
    assert_eq!(row.remediation_url, None);
    assert!(row.associated_standards.is_empty());
    assert_eq!(
        (row.severity.as_str(), row.workflow_status.as_str(), row.record_state.as_str()),
        ("INFORMATIONAL", "NEW", "ACTIVE")
    );
    let all = sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM findings"#).fetch_one(&pool).await.expect("a count");
    assert_eq!(all, 1, "a finding without an id is skipped");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn the_columns_hold_what_the_finding_says(pool: PgPool) {
    let get_findings = mock!(Client::get_findings)
        .then_output(|| GetFindingsOutput::builder().findings(finding("x", IRELAND)).build());
    let source =
        source(settings(Service::SecurityHub, &[IRELAND]), vec![(IRELAND, clients(&[&get_findings], &[], &[]))]);

    sync(&pool, &source, false).await;

    let row = sqlx::query!(
        r#"SELECT control_id, severity, compliance_status, workflow_status, resource_type, resource_id,
                  resource_tags, associated_standards, remediation_text, updated_at, raw
           FROM findings"#
    )
    .fetch_one(&pool)
    .await
    .expect("the finding is stored");
    assert_eq!(row.control_id.as_deref(), Some("S3.1"));
    assert_eq!(row.severity, "HIGH");
    assert_eq!(row.compliance_status.as_deref(), Some("FAILED"));
    assert_eq!(row.workflow_status, "NOTIFIED");
    assert_eq!(row.resource_type.as_deref(), Some("AwsS3Bucket"));
    assert_eq!(row.resource_id.as_deref(), Some("arn:aws:s3:::orders-x"));
    assert_eq!(row.resource_tags["team"], "payments");
    assert_eq!(row.associated_standards, vec!["standards/aws-foundational-security-best-practices/v/1.0.0"]);
    assert_eq!(row.remediation_text.as_deref(), Some("Enable block public access on the bucket."));
    assert_eq!(row.updated_at.map(|t| t.to_rfc3339()), Some("2026-11-30T08:00:00+00:00".into()));
    assert_eq!(row.raw["Compliance"]["SecurityControlId"], "S3.1");
    assert_eq!(row.raw["Resources"][0]["Type"], "AwsS3Bucket");
}
