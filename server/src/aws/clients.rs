//! SDK clients for each account and region a source reads. The factory is
//! the seam tests use: they hand in clients built on aws-smithy-mocks.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::SharedCredentialsProvider;
use secrecy::ExposeSecret;

use super::error::fetch_error;
use crate::config::AwsSettings;
use crate::sources::FetchError;
use crate::sources::settings::SourceSettings;

/// The three service clients for one account and region.
#[derive(Clone, Debug)]
pub struct AwsClients {
    pub security_hub: aws_sdk_securityhub::Client,
    pub config: aws_sdk_config::Client,
    pub well_architected: aws_sdk_wellarchitected::Client,
}

/// Hands out clients per account and region.
#[async_trait]
pub trait ClientFactory: Send + Sync {
    /// The account the credentials belong to (STS `GetCallerIdentity`).
    async fn caller_account(&self) -> Result<String, FetchError>;

    /// The region the SDK is configured for, if any.
    fn default_region(&self) -> Option<String>;

    async fn clients(&self, account_id: &str, region: &str) -> Result<AwsClients, FetchError>;
}

/// Throttling and transient errors are retried with exponential backoff.
pub fn retry_config(settings: &AwsSettings) -> RetryConfig {
    RetryConfig::standard().with_max_attempts(settings.max_attempts).with_initial_backoff(settings.initial_backoff)
}

/// The real factory: the SDK's default chain (environment, profiles, SSO,
/// instance and task roles, `AWS_ENDPOINT_URL`), and an STS role per account
/// when the source names one.
pub struct SdkClientFactory {
    base: SdkConfig,
    source: SourceSettings,
    retry: RetryConfig,
    /// Assumed-role credentials per account, cached and refreshed by the SDK.
    providers: Mutex<HashMap<String, SharedCredentialsProvider>>,
}

impl SdkClientFactory {
    pub async fn load(source: SourceSettings, aws: &AwsSettings) -> SdkClientFactory {
        let base = aws_config::defaults(BehaviorVersion::latest()).retry_config(retry_config(aws)).load().await;
        SdkClientFactory { base, source, retry: retry_config(aws), providers: Mutex::new(HashMap::new()) }
    }

    async fn credentials_for(&self, account_id: &str) -> Option<SharedCredentialsProvider> {
        let role = self.source.role_for(account_id)?;
        if let Some(provider) = self.lock_providers().get(account_id) {
            return Some(provider.clone());
        }
        let mut builder = aws_config::sts::AssumeRoleProvider::builder(role).session_name("plinth-sync");
        if let Some(external_id) = &self.source.external_id {
            builder = builder.external_id(external_id.expose_secret());
        }
        let provider = SharedCredentialsProvider::new(builder.configure(&self.base).build().await);
        self.lock_providers().insert(account_id.to_owned(), provider.clone());
        Some(provider)
    }

    fn lock_providers(&self) -> std::sync::MutexGuard<'_, HashMap<String, SharedCredentialsProvider>> {
        self.providers.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[async_trait]
impl ClientFactory for SdkClientFactory {
    async fn caller_account(&self) -> Result<String, FetchError> {
        let identity = aws_sdk_sts::Client::new(&self.base)
            .get_caller_identity()
            .send()
            .await
            .map_err(|error| fetch_error("GetCallerIdentity", error))?;
        identity.account.ok_or_else(|| FetchError::new("GetCallerIdentity", "the answer named no account"))
    }

    fn default_region(&self) -> Option<String> {
        self.base.region().map(|region| region.to_string())
    }

    async fn clients(&self, account_id: &str, region: &str) -> Result<AwsClients, FetchError> {
        let mut config = self.base.to_builder().region(Region::new(region.to_owned()));
        if let Some(provider) = self.credentials_for(account_id).await {
            config = config.credentials_provider(provider);
        }
        let config = config.retry_config(self.retry.clone()).build();
        Ok(AwsClients {
            security_hub: aws_sdk_securityhub::Client::new(&config),
            config: aws_sdk_config::Client::new(&config),
            well_architected: aws_sdk_wellarchitected::Client::new(&config),
        })
    }
}

/// Clients built elsewhere, one set per region, for one account: the
/// factory benchmarks and tests hand their mocked clients to.
pub struct FixedClients {
    pub account_id: String,
    pub by_region: HashMap<String, AwsClients>,
}

#[async_trait]
impl ClientFactory for FixedClients {
    async fn caller_account(&self) -> Result<String, FetchError> {
        Ok(self.account_id.clone())
    }

    fn default_region(&self) -> Option<String> {
        let mut regions: Vec<&String> = self.by_region.keys().collect();
        regions.sort();
        regions.first().map(|region| (*region).clone())
    }

    async fn clients(&self, _account_id: &str, region: &str) -> Result<AwsClients, FetchError> {
        self.by_region
            .get(region)
            .cloned()
            .ok_or_else(|| FetchError::new("clients", format!("no clients for region {region}")))
    }
}
