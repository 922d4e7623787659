//! Remediation status written back to Security Hub with
//! `BatchUpdateFindings` through the outbox, on the real SDK client over
//! aws-smithy-mocks: batches of at most 100 with the workflow and note asked
//! for, a throttled call retried, a source that does not opt in left alone,
//! and a failure kept queued with its error, tried again after a growing
//! wait, until it succeeds or is given up.

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
use server::outbox::{MAX_ATTEMPTS, Outbox, Round};
use server::remediation::RemediationSettings;
use server::remediation::store::{self, Change, Source};
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

/// A person resolves the item.
async fn resolve(pool: &PgPool, item: Uuid) {
    let change = Change { status: Some(Status::Resolved), ..Default::default() };
    store::update(pool, "ana@example.com", item, &change, today()).await.expect("resolved");
}

/// Security Hub refusing every update: not enabled in the account.
fn not_enabled() -> Rule {
    mock!(Client::batch_update_findings).then_error(|| {
        BatchUpdateFindingsError::InvalidAccessException(
            InvalidAccessException::builder()
                .message("Security Hub is not enabled in this account")
                .meta(ErrorMetadata::builder().code("InvalidAccessException").build())
                .build(),
        )
    })
}

/// The outbox, writing with these clients.
fn outbox(pool: &PgPool, writers: SourceClients) -> Outbox {
    Outbox::new(pool.clone(), writers, Default::default())
}

/// Time passes: every write still to be sent is due now.
async fn time_passes(pool: &PgPool) {
    sqlx::query!("UPDATE aws_writes SET next_attempt_at = now() WHERE state IN ('queued', 'retrying')")
        .execute(pool)
        .await
        .expect("the writes are due");
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

    let delivered = outbox(&pool, writers("prod", &[&update], true)).deliver_due().await.expect("delivered");

    assert_eq!(*sizes.lock().expect("sizes"), vec![100, 100, 50]);
    assert_eq!(update.num_calls(), 3);
    assert_eq!(delivered, Round { done: 1, retrying: 0, given_up: 0 });
    let done = sqlx::query!(
        "SELECT state, done_at, last_error, outcome FROM aws_writes WHERE item_id = $1 AND kind = 'finding_workflow'",
        item
    )
    .fetch_one(&pool)
    .await
    .expect("the update");
    assert!(done.state == "done" && done.done_at.is_some() && done.last_error.is_none());
    assert_eq!(done.outcome.as_deref(), Some("0 findings updated"), "Security Hub named none as processed");
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

    outbox(&pool, writers("prod", &[&update], true)).deliver_due().await.expect("delivered");

    assert_eq!(update.num_calls(), 2, "the throttled call, then the one that worked");
    let workflows =
        sqlx::query_scalar!("SELECT DISTINCT workflow_status FROM findings").fetch_all(&pool).await.expect("w");
    assert_eq!(workflows, ["NOTIFIED"]);
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_source_that_does_not_opt_in_is_left_alone(pool: PgPool) {
    let item = failing_item(&pool, "prod", 3).await;
    let update = mock!(Client::batch_update_findings).then_output(|| processed(&[]));
    resolve(&pool, item).await;

    outbox(&pool, writers("prod", &[&update], false)).deliver_due().await.expect("delivered");

    assert_eq!(update.num_calls(), 0);
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_failed_update_stays_queued_with_its_error_and_a_later_round_sends_it(pool: PgPool) {
    let item = failing_item(&pool, "prod", 1).await;
    let refused = not_enabled();
    resolve(&pool, item).await;

    let first = outbox(&pool, writers("prod", &[&refused], true)).deliver_due().await.expect("a round");
    assert_eq!(first, Round { done: 0, retrying: 1, given_up: 0 });
    let queued = sqlx::query!(
        r#"SELECT state, attempts, last_error, done_at,
                  EXTRACT(EPOCH FROM next_attempt_at - now())::float8 AS "wait!"
           FROM aws_writes WHERE item_id = $1"#,
        item
    )
    .fetch_one(&pool)
    .await
    .expect("the update");
    assert_eq!((queued.state.as_str(), queued.attempts), ("retrying", 1));
    assert!(queued.done_at.is_none(), "never dropped");
    assert!(queued.last_error.is_some_and(|e| e.contains("BatchUpdateFindings")));
    assert!((25.0..=30.0).contains(&queued.wait), "tried again in 30 s, not at once: {}", queued.wait);

    let works = mock!(Client::batch_update_findings).then_output(|| processed(&[]));
    let early = outbox(&pool, writers("prod", &[&works], true)).deliver_due().await.expect("a round");
    assert_eq!((early, works.num_calls()), (Round::default(), 0), "a round before its time leaves it waiting");

    time_passes(&pool).await;
    let second = outbox(&pool, writers("prod", &[&works], true)).deliver_due().await.expect("a round");
    assert_eq!(second, Round { done: 1, retrying: 0, given_up: 0 });
    assert_eq!(works.num_calls(), 1);
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_write_that_keeps_failing_is_given_up_after_its_last_attempt_and_the_item_says_so(pool: PgPool) {
    let item = failing_item(&pool, "prod", 1).await;
    let refused = not_enabled();
    resolve(&pool, item).await;
    let outbox = outbox(&pool, writers("prod", &[&refused], true));

    let mut rounds = Vec::new();
    for _ in 0..MAX_ATTEMPTS + 2 {
        rounds.push(outbox.deliver_due().await.expect("a round"));
        time_passes(&pool).await;
    }

    assert_eq!(refused.num_calls(), MAX_ATTEMPTS as usize, "one call per attempt, none after giving up");
    assert_eq!(rounds.iter().map(|r| r.retrying).sum::<u64>(), u64::from(MAX_ATTEMPTS as u32 - 1));
    assert_eq!(rounds.iter().map(|r| r.given_up).sum::<u64>(), 1);
    let detail = server::db::remediation_reads::item(&pool, item, today()).await.expect("read").expect("the item");
    let sentence = detail.finding_updates[0].sentence();
    assert!(
        sentence.starts_with(&format!("given up after {MAX_ATTEMPTS} attempts: ")) && sentence.contains("not enabled"),
        "{sentence}"
    );
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

    outbox(&pool, writers("prod", &[&update], true)).deliver_due().await.expect("delivered");

    assert_eq!(update.num_calls(), 1, "in progress was replaced by resolved before it was sent");
    let states = sqlx::query_scalar!("SELECT state FROM aws_writes WHERE item_id = $1 ORDER BY id", item)
        .fetch_all(&pool)
        .await
        .expect("the writes");
    assert_eq!(states, ["replaced", "done"]);
}
