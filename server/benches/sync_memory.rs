//! Peak memory of a sync that stores 1,000,000 findings from mocked
//! Security Hub clients: pages must stream to the database, never be held
//! whole. Run: `cargo bench -p server --bench sync_memory` (FINDINGS=n to
//! change the count).

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_securityhub::Client;
use aws_sdk_securityhub::operation::get_findings::GetFindingsOutput;
use aws_smithy_mocks::{RuleMode, mock, mock_client};
use server::aws::clients::{AwsClients, FixedClients};
use server::aws::{AwsSource, Pace};
use server::sources::Service;
use server::sources::settings::{Accounts, Regions, SourceSettings};
use server::sync::progress::LogProgress;
use server::sync::{SyncOptions, sync_source};

const ACCOUNT: &str = "111122223333";
const REGION: &str = "eu-west-1";

#[tokio::main]
async fn main() {
    let findings: usize = std::env::var("FINDINGS").ok().and_then(|n| n.parse().ok()).unwrap_or(1_000_000);
    let pages = findings.div_ceil(100);
    let pool = support::fresh_database("plinth_bench_memory").await;

    let get_findings = mock!(Client::get_findings).then_compute_output(move |request| {
        let page: usize = request.next_token().map_or(0, |token| token.parse().expect("a page number"));
        let first = page * 100;
        let page_findings =
            (first..(first + 100).min(findings)).map(|n| support::asff_finding(n, ACCOUNT, REGION)).collect();
        GetFindingsOutput::builder()
            .set_findings(Some(page_findings))
            .set_next_token((page + 1 < pages).then(|| (page + 1).to_string()))
            .build()
    });
    let unused_config = mock_client!(aws_sdk_config, RuleMode::MatchAny, Vec::<&aws_smithy_mocks::Rule>::new());
    let unused_wa = mock_client!(aws_sdk_wellarchitected, RuleMode::MatchAny, Vec::<&aws_smithy_mocks::Rule>::new());
    let clients = AwsClients {
        security_hub: mock_client!(aws_sdk_securityhub, RuleMode::MatchAny, [&get_findings]),
        config: unused_config,
        well_architected: unused_wa,
    };
    let settings = SourceSettings {
        name: "memory-bench".into(),
        accounts: Accounts::Listed(vec![ACCOUNT.into()]),
        regions: Regions::Listed(vec![REGION.into()]),
        services: vec![Service::SecurityHub],
        ..SourceSettings::default_source()
    };
    let factory = FixedClients { account_id: ACCOUNT.into(), by_region: [(REGION.to_owned(), clients)].into() };
    // A mock answers at once; AWS's pace would make this take an hour.
    let unpaced = Pace { get_findings_per_second: 1e9, get_findings_burst: 1_000_000, per_second: 1e9 };
    let source = AwsSource::new(settings, Arc::new(factory)).with_pace(unpaced);
    let source_id = server::db::sources::upsert(&pool, "memory-bench", "aws", &serde_json::json!({}), 3600)
        .await
        .expect("a source");
    let options = SyncOptions {
        full: true,
        concurrency: 4,
        incremental_margin: Duration::from_secs(900),
        weights: Default::default(),
    };

    let before = server::telemetry::peak_rss_mib();
    let started = Instant::now();
    let summary = sync_source(&pool, &source, source_id, &options, &LogProgress).await;
    let elapsed = started.elapsed();

    let counts = &summary.services[&Service::SecurityHub];
    assert_eq!(counts.stored as usize, findings, "{summary:?}");
    println!("findings stored: {} in {} pages", counts.stored, counts.pages);
    println!("time: {:.1} s, {:.0} findings/s", elapsed.as_secs_f64(), findings as f64 / elapsed.as_secs_f64());
    println!(
        "peak RSS: {:.1} MiB (before the sync: {before:.1} MiB; target <= 200 MB)",
        server::telemetry::peak_rss_mib()
    );
}
