use std::sync::Arc;
use std::time::Duration;

use aws_smithy_mocks::{Rule, RuleMode, mock_client};
use server::aws::AwsSource;
use server::aws::clients::{AwsClients, FixedClients, retry_config};
use server::config::AwsSettings;
use server::sources::Service;
use server::sources::settings::{Accounts, Regions, SourceSettings};
use server::sync::progress::LogProgress;
use server::sync::summary::SourceSummary;
use server::sync::{SyncOptions, sync_source};
use sqlx::PgPool;
use uuid::Uuid;

pub const PRODUCTION: &str = "111122223333";
pub const STAGING: &str = "444455556666";
pub const IRELAND: &str = "eu-west-1";
pub const VIRGINIA: &str = "us-east-1";

/// Retries as in production, without the waiting.
pub fn fast_retries() -> AwsSettings {
    AwsSettings { max_attempts: 5, initial_backoff: Duration::from_millis(1) }
}

/// Mocked clients for one region: Security Hub, Config and
/// Well-Architected rules, matched in any order.
pub fn clients(security_hub: &[&Rule], config: &[&Rule], well_architected: &[&Rule]) -> AwsClients {
    let retry = retry_config(&fast_retries());
    let (sh_retry, config_retry, wa_retry) = (retry.clone(), retry.clone(), retry);
    AwsClients {
        security_hub: mock_client!(aws_sdk_securityhub, RuleMode::MatchAny, security_hub.iter().copied(), move |c| c
            .retry_config(sh_retry.clone())),
        config: mock_client!(aws_sdk_config, RuleMode::MatchAny, config.iter().copied(), move |c| c
            .retry_config(config_retry.clone())),
        well_architected: mock_client!(
            aws_sdk_wellarchitected,
            RuleMode::MatchAny,
            well_architected.iter().copied(),
            move |c| c.retry_config(wa_retry.clone())
        ),
    }
}

/// A source of one service in the given regions of the production account.
pub fn settings(service: Service, regions: &[&str]) -> SourceSettings {
    SourceSettings {
        name: "test".into(),
        accounts: Accounts::Listed(vec![PRODUCTION.into()]),
        regions: Regions::Listed(regions.iter().map(|region| (*region).to_owned()).collect()),
        services: vec![service],
        ..SourceSettings::default_source()
    }
}

pub fn source(settings: SourceSettings, by_region: Vec<(&'static str, AwsClients)>) -> AwsSource {
    let by_region = by_region.into_iter().map(|(region, clients)| (region.to_owned(), clients)).collect();
    AwsSource::new(settings, Arc::new(FixedClients { account_id: PRODUCTION.into(), by_region }))
}

pub async fn register(pool: &PgPool, source: &AwsSource) -> Uuid {
    use server::sources::Source;
    server::db::sources::upsert(pool, source.name(), "aws", &serde_json::json!({}), 3600)
        .await
        .expect("the source is registered")
}

pub fn options(full: bool) -> SyncOptions {
    SyncOptions { full, concurrency: 4, incremental_margin: Duration::from_secs(900), weights: Default::default() }
}

/// Registers the source and syncs it once.
pub async fn sync(pool: &PgPool, source: &AwsSource, full: bool) -> SourceSummary {
    let id = register(pool, source).await;
    sync_source(pool, source, id, &options(full), &LogProgress).await
}
