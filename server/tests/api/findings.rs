use std::collections::HashSet;

use app::domain::findings::{FindingQuery, FindingSort, decode_cursor, encode_cursor, finding_href};
use app::domain::{ComplianceStatus, Pillar, RecordState, Severity};
use app::error::AppError;
use app::ports::DashboardReads;
use reqwest::StatusCode;
use sqlx::PgPool;

use crate::helpers::{dashboard, load_demo, spawn_app};

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn every_filter_narrows_the_findings_to_what_it_names(pool: PgPool) {
    load_demo(&pool).await;
    let reads = dashboard(&pool);
    let account: String =
        sqlx::query_scalar!("SELECT account_id FROM findings LIMIT 1").fetch_one(&pool).await.expect("an account");

    let query = FindingQuery {
        account: Some(account.clone()),
        severity: Some(Severity::High),
        compliance: Some(ComplianceStatus::Failed),
        ..FindingQuery::default()
    };
    let page = reads.findings(query).await.expect("a page");

    assert!(!page.findings.is_empty(), "the demo has failing HIGH findings in every account");
    for finding in &page.findings {
        assert_eq!(finding.account_id, account);
        assert_eq!(finding.severity, Severity::High);
        assert_eq!(finding.compliance, Some(ComplianceStatus::Failed));
        assert_eq!(finding.record, RecordState::Active);
    }
    let expected: i64 = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM findings WHERE account_id = $1 AND severity = 'HIGH'
           AND compliance_status = 'FAILED' AND record_state = 'ACTIVE'"#,
        account
    )
    .fetch_one(&pool)
    .await
    .expect("a count");
    assert_eq!(page.total, expected as u64, "the count matches the database");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_pillar_filter_keeps_only_controls_mapped_to_the_pillar(pool: PgPool) {
    load_demo(&pool).await;
    let reads = dashboard(&pool);

    let page = reads
        .findings(FindingQuery { pillar: Some(Pillar::Reliability), ..FindingQuery::default() })
        .await
        .expect("a page");

    assert!(!page.findings.is_empty());
    for finding in &page.findings {
        let control = finding.control_id.as_deref().expect("mapped findings have a control");
        let entry = server::mapping::MAPPING
            .get(server::mapping::EvidenceKind::Control, control)
            .expect("the control is mapped");
        assert!(entry.pillars.contains(&Pillar::Reliability), "{control} is a reliability control");
    }
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_workload_filter_keeps_only_its_accounts_and_regions(pool: PgPool) {
    load_demo(&pool).await;
    let reads = dashboard(&pool);
    let workload = sqlx::query!("SELECT id, account_ids, regions FROM workloads ORDER BY name LIMIT 1")
        .fetch_one(&pool)
        .await
        .expect("a workload");

    let page =
        reads.findings(FindingQuery { workload: Some(workload.id), ..FindingQuery::default() }).await.expect("a page");

    assert!(!page.findings.is_empty());
    for finding in &page.findings {
        assert!(workload.account_ids.contains(&finding.account_id));
        assert!(workload.regions.contains(&finding.region));
    }
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn paging_by_cursor_visits_every_finding_once_in_order(pool: PgPool) {
    load_demo(&pool).await;
    let reads = dashboard(&pool);
    let total: i64 = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM findings WHERE record_state = 'ACTIVE' AND severity IN ('CRITICAL', 'HIGH')"#
    )
    .fetch_one(&pool)
    .await
    .expect("a count");

    for sort in FindingSort::ALL {
        let mut seen = HashSet::new();
        let mut previous: Option<(Severity, Option<chrono::DateTime<chrono::Utc>>)> = None;
        let mut query = FindingQuery { sort, ..FindingQuery::default() };
        let mut pages = 0;
        loop {
            let page = reads.findings(query.clone()).await.expect("a page");
            pages += 1;
            for finding in &page.findings {
                if matches!(finding.severity, Severity::Critical | Severity::High) {
                    assert!(seen.insert(finding.id.clone()), "{} appears once ({sort:?})", finding.id);
                }
                if sort == FindingSort::Severity {
                    if let Some((severity, _)) = previous {
                        assert!(finding.severity <= severity, "most severe first");
                    }
                    previous = Some((finding.severity, finding.updated_at));
                }
            }
            match page.next {
                Some(next) => query.after = Some(next),
                None => break,
            }
            if sort == FindingSort::Severity && page.findings.last().is_some_and(|f| f.severity < Severity::High) {
                break;
            }
        }
        if sort == FindingSort::Severity {
            assert_eq!(seen.len() as i64, total, "every CRITICAL and HIGH finding, each once");
        }
        assert!(pages > 1, "the demo fills more than one page");
    }
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_cursor_from_another_sort_starts_again_from_the_first_page(pool: PgPool) {
    load_demo(&pool).await;
    let reads = dashboard(&pool);
    let first = reads.findings(FindingQuery::default()).await.expect("the first page");

    let stale = FindingQuery { after: Some(encode_cursor(&["not-a-time", "x"])), ..FindingQuery::default() };
    let page = reads.findings(stale).await.expect("a page, not an error");

    assert_eq!(page.findings, first.findings);
    assert!(decode_cursor(first.next.as_deref().expect("a next page")).is_some());
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn counting_stops_just_past_ten_thousand(pool: PgPool) {
    let spec = server::demo::DemoSpec { findings: 12_000, ..Default::default() };
    let options = server::sync::SyncOptions {
        full: true,
        concurrency: 4,
        incremental_margin: std::time::Duration::ZERO,
        weights: Default::default(),
    };
    server::demo::load::load(&pool, spec, &options, &server::sync::progress::LogProgress)
        .await
        .expect("the demo loads");
    let reads = dashboard(&pool);

    let page = reads.findings(FindingQuery { record: None, ..FindingQuery::default() }).await.expect("a page");

    assert_eq!(page.total, 10_001);
    assert_eq!(page.total_text(), "More than 10,000 findings");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn text_search_matches_titles_and_resources_literally(pool: PgPool) {
    load_demo(&pool).await;
    let reads = dashboard(&pool);

    let page =
        reads.findings(FindingQuery { text: Some("s3".into()), ..FindingQuery::default() }).await.expect("a page");
    assert!(!page.findings.is_empty());
    for finding in &page.findings {
        let haystack = format!(
            "{} {}",
            finding.title.clone().unwrap_or_default(),
            finding.resource_id.clone().unwrap_or_default()
        )
        .to_lowercase();
        assert!(haystack.contains("s3"), "{haystack}");
    }

    let wildcard =
        reads.findings(FindingQuery { text: Some("%".into()), ..FindingQuery::default() }).await.expect("a page");
    assert!(wildcard.findings.is_empty(), "a percent sign is a character, not a wildcard");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_finding_in_full_names_its_workloads_pillars_and_raw_json(pool: PgPool) {
    load_demo(&pool).await;
    let reads = dashboard(&pool);
    let id: String = sqlx::query_scalar!(
        "SELECT f.id FROM findings f JOIN workloads w ON f.account_id = ANY(w.account_ids) AND f.region = ANY(w.regions)
         WHERE f.control_id = 'S3.1' LIMIT 1"
    )
    .fetch_one(&pool)
    .await
    .expect("a finding of S3.1 in a workload");

    let finding = reads.finding(id.clone()).await.expect("the finding");

    assert_eq!(finding.line.id, id);
    assert!(!finding.workloads.is_empty());
    assert!(!finding.pillars.is_empty(), "S3.1 is mapped");
    assert!(finding.control_title.is_some());
    assert!(finding.raw.contains("\"Id\""), "the raw finding is the ASFF JSON");
    assert_eq!(reads.finding("arn:nope".into()).await, Err(AppError::NotFound("That finding".into())));
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn the_findings_page_works_from_its_address_alone(pool: PgPool) {
    load_demo(&pool).await;
    let app = spawn_app(pool).await;

    let (status, html) = app.get_text("/findings?severity=CRITICAL&compliance=FAILED&sort=updated").await;

    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("severity-critical"));
    assert!(!html.contains("severity-high"), "only CRITICAL findings are listed");
    assert!(html.contains(r#"<option value="CRITICAL" selected"#), "the form shows the filter in use");
    assert!(html.contains("Next page"), "the demo has more than a page of critical failures");
    assert!(html.contains("after="), "the next page is a link with a cursor");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_filter_that_matches_nothing_says_so_and_offers_to_clear(pool: PgPool) {
    load_demo(&pool).await;
    let app = spawn_app(pool).await;

    let (status, html) = app.get_text("/findings?control=NOPE.99").await;

    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("No findings match"));
    assert!(html.contains("clear them all"));
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn an_unreadable_filter_is_named_not_silently_dropped(pool: PgPool) {
    load_demo(&pool).await;
    let app = spawn_app(pool).await;

    let (status, html) = app.get_text("/findings?severity=SEVERE").await;

    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("not understood"));
    assert!(html.contains("SEVERE"));
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_findings_page_shows_remediation_and_raw_json_and_unknown_ids_are_not_found(pool: PgPool) {
    load_demo(&pool).await;
    let id: String = sqlx::query_scalar!("SELECT id FROM findings WHERE remediation_url IS NOT NULL LIMIT 1")
        .fetch_one(&pool)
        .await
        .expect("a finding");
    let app = spawn_app(pool).await;

    let (status, html) = app.get_text(&finding_href(&id)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Remediation"));
    assert!(html.contains("Raw finding (JSON)"));

    let (status, html) = app.get_text("/finding?id=arn%3Anothing").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("Page not found"));
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_finding_without_timestamps_is_listed_last_when_the_newest_come_first(pool: PgPool) {
    load_demo(&pool).await;
    let undated = sqlx::query!(
        "UPDATE findings SET updated_at = NULL, created_at = NULL
         WHERE id = (SELECT id FROM findings WHERE record_state = 'ACTIVE' AND control_id IS NOT NULL LIMIT 1)
         RETURNING id, account_id, control_id"
    )
    .fetch_one(&pool)
    .await
    .expect("a finding loses its timestamps");
    let reads = dashboard(&pool);
    let mut query = FindingQuery {
        account: Some(undated.account_id),
        control: undated.control_id,
        record: None,
        sort: FindingSort::Updated,
        ..FindingQuery::default()
    };

    let mut listed = Vec::new();
    loop {
        let page = reads.findings(query.clone()).await.expect("a page, not an error");
        listed.extend(page.findings.into_iter().map(|f| f.id));
        match page.next {
            Some(next) => query.after = Some(next),
            None => break,
        }
    }

    assert_eq!(listed.last(), Some(&undated.id));
}
