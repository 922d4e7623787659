use aws_sdk_securityhub::Client;
use aws_sdk_securityhub::operation::get_findings::GetFindingsOutput;
use aws_sdk_securityhub::types::RecordState;
use aws_smithy_mocks::mock;
use server::sources::Service;
use sqlx::PgPool;

use crate::helpers::{IRELAND, PRODUCTION, clients, settings, source, sync};
use crate::security_hub::{finding, finding_in};

async fn snapshot_of_findings(pool: &PgPool) -> Vec<String> {
    sqlx::query_scalar!(r#"SELECT (to_jsonb(f) - 'synced_at')::text AS "row!" FROM findings f ORDER BY id"#)
        .fetch_all(pool)
        .await
        .expect("the findings")
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn storing_the_same_findings_again_changes_nothing(pool: PgPool) {
    let get_findings = mock!(Client::get_findings).then_output(|| {
        GetFindingsOutput::builder().findings(finding("a", IRELAND)).findings(finding("b", IRELAND)).build()
    });
    let source =
        source(settings(Service::SecurityHub, &[IRELAND]), vec![(IRELAND, clients(&[&get_findings], &[], &[]))]);

    sync(&pool, &source, true).await;
    let first = snapshot_of_findings(&pool).await;
    sync(&pool, &source, true).await;
    sync(&pool, &source, false).await;

    assert_eq!(first.len(), 2);
    assert_eq!(snapshot_of_findings(&pool).await, first);
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_finding_that_becomes_archived_is_kept_but_no_longer_current(pool: PgPool) {
    let active = mock!(Client::get_findings).then_output(|| {
        GetFindingsOutput::builder().findings(finding("a", IRELAND)).findings(finding("b", IRELAND)).build()
    });
    let first = source(settings(Service::SecurityHub, &[IRELAND]), vec![(IRELAND, clients(&[&active], &[], &[]))]);
    sync(&pool, &first, false).await;

    let archived = mock!(Client::get_findings).then_output(|| {
        GetFindingsOutput::builder().findings(finding_in("a", PRODUCTION, IRELAND, RecordState::Archived)).build()
    });
    let second = source(settings(Service::SecurityHub, &[IRELAND]), vec![(IRELAND, clients(&[&archived], &[], &[]))]);
    sync(&pool, &second, false).await;

    let current = server::db::findings::count_current(&pool, PRODUCTION, IRELAND).await.expect("a count");
    assert_eq!(current, 1);
    let states = sqlx::query_scalar!("SELECT record_state FROM findings ORDER BY id")
        .fetch_all(&pool)
        .await
        .expect("the states");
    assert_eq!(states, ["ARCHIVED", "ACTIVE"]);
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_full_sync_archives_findings_security_hub_no_longer_returns(pool: PgPool) {
    let both = mock!(Client::get_findings).then_output(|| {
        GetFindingsOutput::builder().findings(finding("a", IRELAND)).findings(finding("b", IRELAND)).build()
    });
    sync(
        &pool,
        &source(settings(Service::SecurityHub, &[IRELAND]), vec![(IRELAND, clients(&[&both], &[], &[]))]),
        true,
    )
    .await;

    let one = mock!(Client::get_findings)
        .then_output(|| GetFindingsOutput::builder().findings(finding("b", IRELAND)).build());
    sync(&pool, &source(settings(Service::SecurityHub, &[IRELAND]), vec![(IRELAND, clients(&[&one], &[], &[]))]), true)
        .await;

    let states =
        sqlx::query!("SELECT id, record_state FROM findings ORDER BY id").fetch_all(&pool).await.expect("the findings");
    assert_eq!(states.len(), 2, "nothing is deleted");
    assert!(states[0].id.ends_with("/a") && states[0].record_state == "ARCHIVED");
    assert!(states[1].id.ends_with("/b") && states[1].record_state == "ACTIVE");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_source_another_process_is_syncing_is_left_alone(pool: PgPool) {
    let get_findings = mock!(Client::get_findings)
        .then_output(|| GetFindingsOutput::builder().findings(finding("a", IRELAND)).build());
    let source =
        source(settings(Service::SecurityHub, &[IRELAND]), vec![(IRELAND, clients(&[&get_findings], &[], &[]))]);
    let id = crate::helpers::register(&pool, &source).await;
    // Another process holds the source's lock on its own connection.
    let mut other = pool.acquire().await.expect("a connection");
    let key = server::db::sources::lock_key(id);
    let locked = sqlx::query_scalar!(r#"SELECT pg_try_advisory_lock($1) AS "locked!""#, key)
        .fetch_one(&mut *other)
        .await
        .expect("the lock query");
    assert!(locked);

    let summary = server::sync::sync_source(
        &pool,
        &source,
        id,
        &crate::helpers::options(false),
        &server::sync::progress::LogProgress,
    )
    .await;

    assert_eq!(summary.status, server::sync::summary::RunStatus::Failed);
    assert!(summary.error.as_deref().is_some_and(|e| e.contains("another Plinth process")), "{summary:?}");
    assert_eq!(get_findings.num_calls(), 0);
    let runs =
        sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM sync_runs"#).fetch_one(&pool).await.expect("a count");
    assert_eq!(runs, 0, "no run is recorded for a sync that did not start");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn the_json_summary_has_the_documented_shape(pool: PgPool) {
    let get_findings = mock!(Client::get_findings)
        .then_output(|| GetFindingsOutput::builder().findings(finding("a", IRELAND)).build());
    let source =
        source(settings(Service::SecurityHub, &[IRELAND]), vec![(IRELAND, clients(&[&get_findings], &[], &[]))]);

    let summary = sync(&pool, &source, false).await;
    let json = serde_json::to_value(server::sync::summary::SyncSummary { sources: vec![summary] }).expect("JSON");

    let first = &json["sources"][0];
    assert_eq!(first["name"], "test");
    assert_eq!(first["status"], "succeeded");
    assert_eq!(first["services"]["security_hub"]["fetched"], 1);
    assert_eq!(first["services"]["security_hub"]["stored"], 1);
    assert_eq!(first["services"]["security_hub"]["errors"], serde_json::json!([]));
}
