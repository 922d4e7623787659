//! How close a multi-region sync comes to Security Hub's GetFindings quota
//! (3 requests a second, bursts of 6, per account and region) against
//! mocked clients that enforce it, throttling whatever exceeds it.
//! Run: `cargo bench -p server --bench get_findings_rate`.

mod support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_sdk_securityhub::Client;
use aws_sdk_securityhub::error::ErrorMetadata;
use aws_sdk_securityhub::operation::get_findings::{GetFindingsError, GetFindingsOutput};
use aws_sdk_securityhub::types::error::LimitExceededException;
use aws_smithy_mocks::{MockResponse, RuleMode, mock, mock_client};
use server::aws::AwsSource;
use server::aws::clients::{AwsClients, FixedClients, retry_config};
use server::config::AwsSettings;
use server::sources::Service;
use server::sources::settings::{Accounts, Regions, SourceSettings};
use server::sync::progress::LogProgress;
use server::sync::{SyncOptions, sync_source};

const ACCOUNT: &str = "111122223333";
const REGIONS: [&str; 4] = ["eu-west-1", "eu-central-1", "us-east-1", "us-west-2"];
const PAGES_PER_REGION: usize = 60;

/// AWS's side of the quota: a token bucket per region.
struct Quota {
    tokens: f64,
    at: Instant,
    served: usize,
    throttled: usize,
}

impl Quota {
    fn admit(&mut self) -> bool {
        let now = Instant::now();
        self.tokens = (self.tokens + now.duration_since(self.at).as_secs_f64() * 3.0).min(6.0);
        self.at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            self.served += 1;
            true
        } else {
            self.throttled += 1;
            false
        }
    }
}

#[tokio::main]
async fn main() {
    let pool = support::fresh_database("plinth_bench_rate").await;
    let aws = AwsSettings { max_attempts: 10, initial_backoff: Duration::from_millis(200) };
    let mut quotas = Vec::new();
    let mut by_region = std::collections::HashMap::new();
    for region in REGIONS {
        let quota = Arc::new(Mutex::new(Quota { tokens: 6.0, at: Instant::now(), served: 0, throttled: 0 }));
        quotas.push(quota.clone());
        let rule = mock!(Client::get_findings).then_compute_response(move |request| {
            if !quota.lock().expect("the quota").admit() {
                return MockResponse::Error(GetFindingsError::LimitExceededException(
                    LimitExceededException::builder()
                        .message("Rate exceeded")
                        .meta(ErrorMetadata::builder().code("LimitExceededException").build())
                        .build(),
                ));
            }
            let page: usize = request.next_token().map_or(0, |token| token.parse().expect("a page number"));
            let findings = (0..100).map(|n| support::asff_finding(page * 100 + n, ACCOUNT, region)).collect();
            MockResponse::Output(
                GetFindingsOutput::builder()
                    .set_findings(Some(findings))
                    .set_next_token((page + 1 < PAGES_PER_REGION).then(|| (page + 1).to_string()))
                    .build(),
            )
        });
        let retry = retry_config(&aws);
        let clients = AwsClients {
            security_hub: mock_client!(aws_sdk_securityhub, RuleMode::MatchAny, [&rule], move |c| c
                .retry_config(retry.clone())),
            config: mock_client!(aws_sdk_config, RuleMode::MatchAny, Vec::<&aws_smithy_mocks::Rule>::new()),
            well_architected: mock_client!(
                aws_sdk_wellarchitected,
                RuleMode::MatchAny,
                Vec::<&aws_smithy_mocks::Rule>::new()
            ),
        };
        by_region.insert(region.to_owned(), clients);
    }
    let settings = SourceSettings {
        name: "rate-bench".into(),
        accounts: Accounts::Listed(vec![ACCOUNT.into()]),
        regions: Regions::Listed(REGIONS.iter().map(|region| (*region).to_owned()).collect()),
        services: vec![Service::SecurityHub],
        ..SourceSettings::default_source()
    };
    let source = AwsSource::new(settings, Arc::new(FixedClients { account_id: ACCOUNT.into(), by_region }));
    let source_id =
        server::db::sources::upsert(&pool, "rate-bench", "aws", &serde_json::json!({}), 3600).await.expect("a source");
    let options = SyncOptions {
        full: true,
        concurrency: REGIONS.len(),
        incremental_margin: Duration::from_secs(900),
        weights: Default::default(),
    };

    let started = Instant::now();
    let summary = sync_source(&pool, &source, source_id, &options, &LogProgress).await;
    let elapsed = started.elapsed().as_secs_f64();

    assert_eq!(summary.services[&Service::SecurityHub].stored as usize, REGIONS.len() * PAGES_PER_REGION * 100);
    let served: usize = quotas.iter().map(|q| q.lock().expect("the quota").served).sum();
    let throttled: usize = quotas.iter().map(|q| q.lock().expect("the quota").throttled).sum();
    let per_region = served as f64 / REGIONS.len() as f64 / elapsed;
    // The steady quota is 3/s; the first 6 requests of each region ride the burst.
    let steady = (PAGES_PER_REGION as f64 - 6.0) / elapsed;
    println!("{} regions, {PAGES_PER_REGION} pages each, in {elapsed:.1} s", REGIONS.len());
    println!(
        "GetFindings per region: {per_region:.2}/s overall, {steady:.2}/s after the burst ({:.0} % of the 3/s quota)",
        steady / 3.0 * 100.0
    );
    println!("throttled responses: {throttled} of {}", served + throttled);
}
