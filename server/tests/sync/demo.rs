use std::collections::{HashMap, HashSet};

use aws_sdk_securityhub::Client;
use aws_sdk_securityhub::operation::get_findings::GetFindingsOutput;
use aws_smithy_mocks::mock;
use server::demo::DemoSpec;
use server::demo::load::{load, remove};
use server::reference::CATALOGUE;
use server::sources::Service;
use server::sync::progress::LogProgress;
use server::sync::summary::RunStatus;
use sqlx::PgPool;

use crate::helpers::{IRELAND, clients, settings, source, sync};
use crate::security_hub::finding;

async fn load_demo(pool: &PgPool) {
    let summary =
        load(pool, DemoSpec::default(), &crate::helpers::options(true), &LogProgress).await.expect("the database");
    assert_eq!(summary.status, RunStatus::Succeeded, "{summary:?}");
}

async fn count(pool: &PgPool, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT count(*) FROM {table}")).fetch_one(pool).await.expect("a count")
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn the_demo_loads_an_organisation_that_looks_real(pool: PgPool) {
    load_demo(&pool).await;

    assert_eq!(count(&pool, "findings").await, 5_000);
    let accounts =
        sqlx::query_scalar!("SELECT DISTINCT account_id FROM findings").fetch_all(&pool).await.expect("accounts");
    assert_eq!(accounts.len(), 3);
    let regions = sqlx::query_scalar!("SELECT DISTINCT region FROM findings").fetch_all(&pool).await.expect("regions");
    assert_eq!(regions.len(), 2);

    let controls =
        sqlx::query_scalar!(r#"SELECT DISTINCT control_id AS "control!" FROM findings WHERE control_id IS NOT NULL"#)
            .fetch_all(&pool)
            .await
            .expect("controls");
    assert!(controls.len() >= 80, "{} controls", controls.len());
    assert!(controls.iter().all(|id| CATALOGUE.control(id).is_some()), "every control is a real one");
    for column in ["severity", "workflow_status"] {
        let values: Vec<String> = sqlx::query_scalar(&format!("SELECT DISTINCT {column} FROM findings"))
            .fetch_all(&pool)
            .await
            .expect("values");
        let expected = if column == "severity" { 5 } else { 4 };
        assert_eq!(values.len(), expected, "every {column}: {values:?}");
    }
    let archived = sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM findings WHERE record_state = 'ARCHIVED'"#)
        .fetch_one(&pool)
        .await
        .expect("a count");
    assert!((50..500).contains(&archived), "{archived} archived");

    let identifiers = sqlx::query_scalar!(
        r#"SELECT DISTINCT source_identifier AS "id!" FROM config_rules WHERE source_identifier IS NOT NULL"#
    )
    .fetch_all(&pool)
    .await
    .expect("identifiers");
    assert!(identifiers.len() >= 60, "{} managed rules", identifiers.len());
    assert!(identifiers.iter().all(|id| CATALOGUE.has_identifier(id)));
    assert!(count(&pool, "config_evaluations").await > 1_000);
    let packs = sqlx::query!("SELECT pack_name, score FROM conformance_packs").fetch_all(&pool).await.expect("packs");
    assert_eq!(packs.len(), 2 * 6, "two packs in each account and region");
    assert!(packs.iter().all(|pack| { pack.score.is_some_and(|score| (0.0..=100.0).contains(&score)) }));

    let workloads =
        sqlx::query_scalar!("SELECT name FROM workloads ORDER BY name").fetch_all(&pool).await.expect("workloads");
    assert_eq!(workloads, ["Checkout service", "Customer portal", "Data platform", "Internal tools"]);
    assert_eq!(count(&pool, "wa_answers").await, 4 * 57, "every question of the lens, for every workload");
    let risks = sqlx::query_scalar!(r#"SELECT DISTINCT risk AS "risk!" FROM wa_answers WHERE risk IS NOT NULL"#)
        .fetch_all(&pool)
        .await
        .expect("risks");
    assert_eq!(risks.len(), 5, "HIGH, MEDIUM, NONE, UNANSWERED and NOT_APPLICABLE: {risks:?}");
    let noted = sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM wa_answers WHERE notes IS NOT NULL"#)
        .fetch_one(&pool)
        .await
        .expect("a count");
    assert!(noted > 0);
    assert!(count(&pool, "wa_improvements").await > 0);
    let milestones = sqlx::query!(
        r#"SELECT count(*) AS "n!", min(recorded_at) AS "oldest!", max(jsonb_array_length(answers)) AS "answers!"
           FROM wa_milestones"#
    )
    .fetch_one(&pool)
    .await
    .expect("milestones");
    assert_eq!(milestones.n, 4 * 5);
    assert!(milestones.oldest < chrono::Utc::now() - chrono::Duration::days(150), "history over the last six months");
    assert_eq!(milestones.answers, 57, "each milestone is a past state of every answer");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_failing_check_shows_up_in_config_and_in_the_workloads_that_cover_its_account(pool: PgPool) {
    load_demo(&pool).await;

    // Security Hub and Config agree: each failed control check's resource
    // fails the Config rule the control evaluates.
    let failed = sqlx::query!(
        r#"SELECT account_id, region, control_id AS "control!", resource_id AS "resource!" FROM findings
           WHERE compliance_status = 'FAILED' AND control_id IS NOT NULL AND resource_id IS NOT NULL"#
    )
    .fetch_all(&pool)
    .await
    .expect("failed findings");
    let evaluations: HashMap<(String, String, String, String), String> =
        sqlx::query!("SELECT account_id, region, rule_name, resource_id, compliance FROM config_evaluations")
            .fetch_all(&pool)
            .await
            .expect("evaluations")
            .into_iter()
            .map(|e| ((e.account_id, e.region, e.rule_name, e.resource_id), e.compliance))
            .collect();
    let mut compared = 0;
    for finding in &failed {
        let Some(rule) = CATALOGUE.control(&finding.control).and_then(|c| c.config_rule.clone()) else {
            continue;
        };
        let resource = finding.resource.rsplit(['/', ':']).next().unwrap_or_default().to_owned();
        let resource = finding.resource.strip_prefix("arn:aws:s3:::").map_or(resource, str::to_owned);
        if let Some(compliance) = evaluations.get(&(finding.account_id.clone(), finding.region.clone(), rule, resource))
        {
            assert_eq!(compliance, "NON_COMPLIANT", "{} on {}", finding.control, finding.resource);
            compared += 1;
        }
    }
    assert!(compared > 500, "only {compared} failed checks had a Config result");

    // Every workload sees failing checks in the accounts and regions it covers.
    let workloads = sqlx::query!(
        r#"SELECT w.name, (SELECT count(*) FROM findings f
                            WHERE f.account_id = ANY(w.account_ids) AND f.region = ANY(w.regions)
                              AND f.compliance_status = 'FAILED' AND f.record_state = 'ACTIVE') AS "failing!"
           FROM workloads w"#
    )
    .fetch_all(&pool)
    .await
    .expect("workloads");
    assert!(
        workloads.iter().all(|w| w.failing > 0),
        "{:?}",
        workloads.iter().map(|w| (&w.name, w.failing)).collect::<Vec<_>>()
    );
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn loading_the_demo_twice_changes_nothing(pool: PgPool) {
    let digest = |pool: PgPool| async move {
        let mut digest = Vec::new();
        for table in [
            "findings",
            "config_rules",
            "config_evaluations",
            "conformance_packs",
            "workloads",
            "wa_answers",
            "wa_milestones",
        ] {
            let rows: String = sqlx::query_scalar(&format!(
                "SELECT md5(string_agg(t::text, '' ORDER BY t::text)) FROM (SELECT to_jsonb(x) - 'synced_at' - 'updated_at' - 'created_at' AS t FROM {table} x) s"
            ))
            .fetch_one(&pool)
            .await
            .expect("a digest");
            digest.push((table, rows));
        }
        digest
    };
    load_demo(&pool).await;
    let first = digest(pool.clone()).await;
    load_demo(&pool).await;
    assert_eq!(digest(pool.clone()).await, first);
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn removing_the_demo_leaves_a_real_source_alone(pool: PgPool) {
    let get_findings = mock!(Client::get_findings)
        .then_output(|| GetFindingsOutput::builder().findings(finding("real", IRELAND)).build());
    let real = source(settings(Service::SecurityHub, &[IRELAND]), vec![(IRELAND, clients(&[&get_findings], &[], &[]))]);
    sync(&pool, &real, false).await;
    sqlx::query!("INSERT INTO workloads (name) VALUES ('Made in Plinth')").execute(&pool).await.expect("a workload");
    load_demo(&pool).await;

    remove(&pool).await.expect("the demo is removed");

    assert_eq!(count(&pool, "findings").await, 1, "the real source's finding stays");
    let workloads = sqlx::query_scalar!("SELECT name FROM workloads").fetch_all(&pool).await.expect("workloads");
    assert_eq!(workloads, ["Made in Plinth"]);
    let sources: HashSet<String> =
        sqlx::query_scalar!("SELECT kind FROM sources").fetch_all(&pool).await.expect("sources").into_iter().collect();
    assert_eq!(sources, HashSet::from(["aws".to_owned()]));
    assert_eq!(count(&pool, "wa_answers").await, 0);
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_large_demo_streams_within_its_memory_bound(pool: PgPool) {
    // 100,000 findings would take far more than 200 MB if they were held
    // whole; the command reports its own peak.
    let database = pool.connect_options().get_database().expect("a test database").to_owned();
    let base = std::env::var("DATABASE_URL").expect("DATABASE_URL");
    let url = format!("{}/{database}", base.rsplit_once('/').expect("a URL with a database").0);
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_plinth"))
        .args(["demo", "--scale", "findings=100000,accounts=50,workloads=20"])
        .env("DATABASE_URL", url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("plinth runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    let peak: f64 = stdout
        .split("peak memory ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|mib| mib.parse().ok())
        .expect("the command reports its peak memory");
    assert!(peak < 200.0, "peak memory {peak} MiB");
    assert_eq!(count(&pool, "findings").await, 100_000);
    assert_eq!(count(&pool, "workloads").await, 20);
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_resync_that_finds_nothing_changed_writes_nothing_and_leaves_the_scores_as_they_were(pool: PgPool) {
    load_demo(&pool).await;
    let scored = || async {
        sqlx::query_scalar!(r#"SELECT max(computed_at) AS "at!" FROM pillar_scores"#)
            .fetch_one(&pool)
            .await
            .expect("the scores")
    };
    let before = scored().await;

    let summary = server::demo::load::resync(&pool, DemoSpec::default(), &crate::helpers::options(false), &LogProgress)
        .await
        .expect("the database");

    assert_eq!(summary.status, RunStatus::Succeeded, "{summary:?}");
    assert!(!summary.changed, "nothing changed");
    let findings_read: u64 = summary.services.get(&Service::SecurityHub).map_or(0, |s| s.fetched);
    let stored: u64 = summary.services.values().map(|service| service.stored).sum();
    assert_eq!((findings_read, stored), (0, 0), "only what changed is read, and nothing is written");
    assert_eq!(scored().await, before, "the scores were not computed again");
    assert_eq!(count(&pool, "findings").await, 5_000, "the findings are all still there");
}
