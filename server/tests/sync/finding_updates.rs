//! Remediation status written back to Security Hub with
//! `BatchUpdateFindings`, on the real SDK client over aws-smithy-mocks:
//! batches of at most 100 with the workflow and note asked for, a throttled
//! call retried, a source that does not opt in left alone, and a failure
//! kept queued with its error until a later round succeeds.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use app::domain::remediation::Status;
use aws_sdk_securityhub::Client;
use aws_sdk_securityhub::error::ErrorMetadata;
use aws_sdk_securityhub::operation::batch_update_findings::{BatchUpdateFindingsError, BatchUpdateFindingsOutput};
use aws_sdk_securityhub::types::error::{InvalidAccessException, LimitExceededException};
use aws_sdk_securityhub::types::{AwsSecurityFindingIdentifier, WorkflowStatus};
use aws_smithy_mocks::{Rule, mock};
use chrono::{Days, NaiveDate};
use server::aws::clients::{ClientFactory, FixedClients, SourceClients};
use server::remediation::RemediationSettings;
use server::remediation::store::{self, Change, Source};
use server::remediation::write_back::deliver;
use sqlx::PgPool;
use uuid::Uuid;

use crate::helpers::{IRELAND, PRODUCTION, clients};

const CONTROL: &str = "S3.8";

fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

/// A workload in the production account, Ireland, with `count` failing
/// findings of the control from a source named `source`; and an item for it.
async fn failing_item(pool: &PgPool, source: &str, count: usize) -> Uuid {
    let workload = sqlx::query_scalar!(
        "INSERT INTO workloads (name, account_ids, regions) VALUES ('Checkout', $1, $2) RETURNING id",
        &[PRODUCTION.to_owned()],
        &[IRELAND.to_owned()]
    )
    .fetch_one(pool)
    .await
    .expect("a workload");
    let source_id =
        server::db::sources::upsert(pool, source, "aws", &serde_json::json!({}), 3600).await.expect("a source");
    for n in 0..count {
        sqlx::query!(
            "INSERT INTO findings (id, source_id, product_arn, account_id, region, control_id, compliance_status,
                                   severity, workflow_status, record_state, resource_id, raw)
             VALUES ($1, $2, 'arn:aws:securityhub:eu-west-1::product/aws/securityhub', $3, $4, $5, 'FAILED', 'HIGH',
                     'NEW', 'ACTIVE', $6, '{}')",
            format!("finding-{n:03}"),
            source_id,
            PRODUCTION,
            IRELAND,
            CONTROL,
            format!("arn:aws:s3:::bucket-{n:03}")
        )
        .execute(pool)
        .await
        .expect("a finding");
    }
    let settings = RemediationSettings::default();
    let (id, _) = store::create(pool, &settings, "ana@example.com", workload, Source::Control(CONTROL.into()), today())
        .await
        .expect("the item");
    id
}

fn writers(source: &str, rules: &[&Rule], opted_in: bool) -> SourceClients {
    let factory: Arc<dyn ClientFactory> = Arc::new(FixedClients {
        account_id: PRODUCTION.into(),
        by_region: HashMap::from([(IRELAND.to_owned(), clients(rules, &[], &[]))]),
    });
    SourceClients::fixed(vec![(source.to_owned(), factory, opted_in)])
}

fn processed(ids: &[AwsSecurityFindingIdentifier]) -> BatchUpdateFindingsOutput {
    BatchUpdateFindingsOutput::builder().set_processed_findings(Some(ids.to_vec())).build()
}

async fn accept_risk(pool: &PgPool, item: Uuid) {
    let until = today().checked_add_days(Days::new(90)).expect("a date");
    let change = Change {
        status: Some(Status::RiskAccepted),
        acceptance: Some(("Public website bucket, by design".into(), until)),
        ..Default::default()
    };
    store::update(pool, "ana@example.com", item, &change, today()).await.expect("accepted");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn an_accepted_risk_suppresses_its_findings_in_batches_of_at_most_100_with_the_reason(pool: PgPool) {
    let item = failing_item(&pool, "prod", 250).await;
    let sizes = Arc::new(Mutex::new(Vec::new()));
    let seen = sizes.clone();
    let update = mock!(Client::batch_update_findings)
        .match_requests(move |request| {
            let ok = request.workflow().and_then(|w| w.status()) == Some(&WorkflowStatus::Suppressed)
                && request.note().and_then(|n| n.text())
                    == Some("Risk accepted in Plinth: Public website bucket, by design");
            seen.lock().expect("sizes").push(request.finding_identifiers().len());
            ok
        })
        .then_output(|| processed(&[]));
    accept_risk(&pool, item).await;

    let delivered = deliver(&pool, &writers("prod", &[&update], true)).await.expect("delivered");

    assert_eq!(*sizes.lock().expect("sizes"), vec![100, 100, 50]);
    assert_eq!(update.num_calls(), 3);
    assert_eq!((delivered.done, delivered.failed), (1, 0));
    let done = sqlx::query!("SELECT done_at, last_error FROM finding_updates WHERE item_id = $1", item)
        .fetch_one(&pool)
        .await
        .expect("the update");
    assert!(done.done_at.is_some() && done.last_error.is_none());
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_throttled_call_is_retried_and_the_processed_findings_take_the_workflow(pool: PgPool) {
    let item = failing_item(&pool, "prod", 2).await;
    let throttled = || {
        BatchUpdateFindingsError::LimitExceededException(
            LimitExceededException::builder()
                .message("Rate exceeded")
                .meta(ErrorMetadata::builder().code("LimitExceededException").message("Rate exceeded").build())
                .build(),
        )
    };
    let ids: Vec<AwsSecurityFindingIdentifier> = (0..2)
        .map(|n| {
            AwsSecurityFindingIdentifier::builder()
                .id(format!("finding-{n:03}"))
                .product_arn("arn:aws:securityhub:eu-west-1::product/aws/securityhub")
                .build()
        })
        .collect();
    let update = mock!(Client::batch_update_findings)
        .sequence()
        .error(throttled)
        .times(1)
        .output(move || processed(&ids))
        .build();
    store::update(
        &pool,
        "ana@example.com",
        item,
        &Change { status: Some(Status::InProgress), ..Default::default() },
        today(),
    )
    .await
    .expect("in progress");

    deliver(&pool, &writers("prod", &[&update], true)).await.expect("delivered");

    assert_eq!(update.num_calls(), 2, "the throttled call, then the one that worked");
    let workflows =
        sqlx::query_scalar!("SELECT DISTINCT workflow_status FROM findings").fetch_all(&pool).await.expect("w");
    assert_eq!(workflows, ["NOTIFIED"]);
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_source_that_does_not_opt_in_is_left_alone(pool: PgPool) {
    let item = failing_item(&pool, "prod", 3).await;
    let update = mock!(Client::batch_update_findings).then_output(|| processed(&[]));
    store::update(
        &pool,
        "ana@example.com",
        item,
        &Change { status: Some(Status::Resolved), ..Default::default() },
        today(),
    )
    .await
    .expect("resolved");

    deliver(&pool, &writers("prod", &[&update], false)).await.expect("delivered");

    assert_eq!(update.num_calls(), 0);
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_failed_update_stays_queued_with_its_error_and_a_later_round_sends_it(pool: PgPool) {
    let item = failing_item(&pool, "prod", 1).await;
    let refused = mock!(Client::batch_update_findings).then_error(|| {
        BatchUpdateFindingsError::InvalidAccessException(
            InvalidAccessException::builder()
                .message("Security Hub is not enabled in this account")
                .meta(ErrorMetadata::builder().code("InvalidAccessException").build())
                .build(),
        )
    });
    store::update(
        &pool,
        "ana@example.com",
        item,
        &Change { status: Some(Status::Resolved), ..Default::default() },
        today(),
    )
    .await
    .expect("resolved");

    let first = deliver(&pool, &writers("prod", &[&refused], true)).await.expect("a round");
    assert_eq!((first.done, first.failed), (0, 1));
    let queued = sqlx::query!("SELECT attempts, last_error, done_at FROM finding_updates WHERE item_id = $1", item)
        .fetch_one(&pool)
        .await
        .expect("the update");
    assert_eq!(queued.attempts, 1);
    assert!(queued.done_at.is_none(), "never dropped");
    assert!(queued.last_error.is_some_and(|e| e.contains("BatchUpdateFindings")));

    let works = mock!(Client::batch_update_findings).then_output(|| processed(&[]));
    let second = deliver(&pool, &writers("prod", &[&works], true)).await.expect("a round");
    assert_eq!((second.done, second.failed), (1, 0));
    assert_eq!(works.num_calls(), 1);
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn only_the_latest_change_of_an_item_is_sent(pool: PgPool) {
    let item = failing_item(&pool, "prod", 1).await;
    let update = mock!(Client::batch_update_findings)
        .match_requests(|request| request.workflow().and_then(|w| w.status()) == Some(&WorkflowStatus::Resolved))
        .then_output(|| processed(&[]));
    for status in [Status::InProgress, Status::Resolved] {
        store::update(&pool, "ana@example.com", item, &Change { status: Some(status), ..Default::default() }, today())
            .await
            .expect("changed");
    }

    deliver(&pool, &writers("prod", &[&update], true)).await.expect("delivered");

    assert_eq!(update.num_calls(), 1, "in progress was replaced by resolved before it was sent");
}
