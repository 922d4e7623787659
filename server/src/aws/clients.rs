//! SDK clients for each account and region a source reads. The factory is
//! the seam tests use: they hand in clients built on aws-smithy-mocks.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::SharedCredentialsProvider;
use secrecy::ExposeSecret;
use tokio::sync::OnceCell;

use super::error::fetch_error;
use super::rate::RateLimiter;
use crate::config::{AwsSettings, Settings};
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

    /// Organizations, read in `account_id` through the source's role there,
    /// or with Plinth's own credentials when no account is given.
    async fn organizations(&self, account_id: Option<&str>) -> Result<aws_sdk_organizations::Client, FetchError>;

    /// Account Management in an account, for the regions enabled there.
    async fn account(&self, account_id: &str) -> Result<aws_sdk_account::Client, FetchError>;
}

/// Organizations and Account Management are global: their endpoints are
/// found from any region of the partition.
const GLOBAL_REGION: &str = "us-east-1";

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
    /// Accounts whose role was assumed once already: checked only the
    /// first time, so that a sync costs no extra STS call per region.
    assumed: Mutex<std::collections::HashSet<String>>,
}

impl SdkClientFactory {
    pub async fn load(source: SourceSettings, aws: &AwsSettings) -> SdkClientFactory {
        let base = aws_config::defaults(BehaviorVersion::latest()).retry_config(retry_config(aws)).load().await;
        SdkClientFactory::with_base(base, source, aws)
    }

    /// The factory around an SDK configuration made elsewhere (tests give
    /// one whose HTTP client answers for STS).
    pub fn with_base(base: SdkConfig, source: SourceSettings, aws: &AwsSettings) -> SdkClientFactory {
        SdkClientFactory {
            base,
            source,
            retry: retry_config(aws),
            providers: Mutex::new(HashMap::new()),
            assumed: Mutex::new(std::collections::HashSet::new()),
        }
    }

    /// Assumes the account's role now, so that an account whose role is
    /// missing or refuses Plinth fails with the account and role named,
    /// once, instead of as a credentials error in every call.
    async fn assume(&self, account_id: &str, provider: &SharedCredentialsProvider) -> Result<(), FetchError> {
        use aws_credential_types::provider::ProvideCredentials;
        let assumed = || self.assumed.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if assumed().contains(account_id) {
            return Ok(());
        }
        provider
            .provide_credentials()
            .await
            .map(|_| {
                assumed().insert(account_id.to_owned());
            })
            .map_err(|error| {
                let role = self.source.role_for(account_id).unwrap_or_default();
                let said = sts_refusal(&error);
                let (code, reason) = match &said {
                    Some(refusal) => (
                        refusal.code.clone(),
                        format!("{}: {}", refusal.code.as_deref().unwrap_or("refused"), refusal.message),
                    ),
                    None => (None, aws_sdk_securityhub::error::DisplayErrorContext(&error).to_string()),
                };
                FetchError {
                    code: code.or_else(|| Some("AssumeRoleFailed".into())),
                    message: format!(
                        "could not assume the role {role} in account {account_id}: {reason}. Deploy Plinth's read role \
                         in that account (deploy/aws/plinth-read-role.yaml, or the StackSet for its OU) with this \
                         external id, or leave the account out of the source"
                    ),
                    request_id: said.and_then(|refusal| refusal.request_id),
                    ..FetchError::new("AssumeRole", "")
                }
            })
    }

    /// The SDK configuration for calls in an account (through its role when
    /// the source assumes one; Plinth's own credentials when `None`).
    async fn config_for(&self, account_id: Option<&str>, region: &str) -> Result<SdkConfig, FetchError> {
        let mut config = self.base.to_builder().region(Region::new(region.to_owned()));
        if let Some(account_id) = account_id
            && let Some(provider) = self.credentials_for(account_id).await
        {
            self.assume(account_id, &provider).await?;
            config = config.credentials_provider(provider);
        }
        Ok(config.retry_config(self.retry.clone()).build())
    }

    fn global_region(&self) -> String {
        let region = self.base.region().map(|region| region.to_string());
        // GovCloud and China keep their own partitions' endpoints.
        region
            .filter(|region| region.starts_with("us-gov-") || region.starts_with("cn-"))
            .unwrap_or(GLOBAL_REGION.into())
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
        let config = self.config_for(Some(account_id), region).await?;
        Ok(AwsClients {
            security_hub: aws_sdk_securityhub::Client::new(&config),
            config: aws_sdk_config::Client::new(&config),
            well_architected: aws_sdk_wellarchitected::Client::new(&config),
        })
    }

    async fn organizations(&self, account_id: Option<&str>) -> Result<aws_sdk_organizations::Client, FetchError> {
        Ok(aws_sdk_organizations::Client::new(&self.config_for(account_id, &self.global_region()).await?))
    }

    async fn account(&self, account_id: &str) -> Result<aws_sdk_account::Client, FetchError> {
        Ok(aws_sdk_account::Client::new(&self.config_for(Some(account_id), &self.global_region()).await?))
    }
}

/// What STS said when it refused a role, found in the credentials error.
fn sts_refusal(error: &(dyn std::error::Error + 'static)) -> Option<FetchError> {
    use aws_sdk_sts::error::SdkError;
    use aws_sdk_sts::operation::assume_role::AssumeRoleError;
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = cause {
        if let Some(refusal) = current.downcast_ref::<SdkError<AssumeRoleError>>() {
            use aws_sdk_sts::error::ProvideErrorMetadata;
            use aws_sdk_sts::operation::RequestId;
            return Some(FetchError {
                operation: "AssumeRole".into(),
                code: refusal.code().map(str::to_owned),
                message: refusal
                    .message()
                    .map(str::to_owned)
                    .unwrap_or_else(|| aws_sdk_sts::error::DisplayErrorContext(refusal).to_string()),
                request_id: refusal.request_id().or_else(|| refusal.meta().request_id()).map(str::to_owned),
            });
        }
        cause = current.source();
    }
    None
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

    async fn organizations(&self, _account_id: Option<&str>) -> Result<aws_sdk_organizations::Client, FetchError> {
        Err(FetchError::new("clients", "fixed clients read one account, outside any organisation"))
    }

    async fn account(&self, _account_id: &str) -> Result<aws_sdk_account::Client, FetchError> {
        Err(FetchError::new("clients", "fixed clients name their regions; they list no enabled regions"))
    }
}

/// The clients of each configured source, for writing to AWS: answers to
/// the Well-Architected Tool, finding workflows to Security Hub. Clients are
/// made at the first write (loading AWS credentials can take a while), once.
#[derive(Clone)]
pub struct SourceClients {
    sources: Arc<HashMap<String, LazyFactory>>,
    answer_limiter: Arc<RateLimiter>,
    findings_limiter: Arc<RateLimiter>,
}

struct LazyFactory {
    factory: OnceCell<Arc<dyn ClientFactory>>,
    settings: Option<(SourceSettings, AwsSettings)>,
    /// The source lets Plinth update its findings' workflow.
    update_findings: bool,
}

/// `UpdateAnswer` and `GetAnswer` are throttled by AWS at a few calls a
/// second; a person ticking does not come close.
const ANSWER_WRITES_PER_SECOND: f64 = 2.0;

/// `BatchUpdateFindings`' quota: 10 requests a second, bursts of 30.
const FINDING_UPDATES_PER_SECOND: f64 = 10.0;

impl SourceClients {
    fn with_sources(sources: HashMap<String, LazyFactory>) -> SourceClients {
        SourceClients {
            sources: Arc::new(sources),
            answer_limiter: Arc::new(RateLimiter::new(ANSWER_WRITES_PER_SECOND, 4)),
            findings_limiter: Arc::new(RateLimiter::new(FINDING_UPDATES_PER_SECOND, 10)),
        }
    }

    /// The sources Plinth syncs from, as configured.
    pub fn configured(settings: &Settings) -> SourceClients {
        let sources = crate::sync::configured::sources_to_sync(settings)
            .into_iter()
            .map(|source| {
                let lazy = LazyFactory {
                    factory: OnceCell::new(),
                    update_findings: source.update_findings,
                    settings: Some((source.clone(), settings.aws.clone())),
                };
                (source.name, lazy)
            })
            .collect();
        SourceClients::with_sources(sources)
    }

    /// Sources with clients made elsewhere (tests hand in mocked ones);
    /// each says whether it lets Plinth update its findings.
    pub fn fixed(factories: Vec<(String, Arc<dyn ClientFactory>, bool)>) -> SourceClients {
        let sources = factories
            .into_iter()
            .map(|(name, factory, update_findings)| {
                let lazy = LazyFactory { factory: OnceCell::new_with(Some(factory)), settings: None, update_findings };
                (name, lazy)
            })
            .collect();
        SourceClients::with_sources(sources)
    }

    /// Whether this source is configured here, so Plinth can write to it.
    pub fn can_write(&self, source: &str) -> bool {
        self.sources.contains_key(source)
    }

    /// Whether this source lets Plinth update its findings' workflow.
    pub fn updates_findings(&self, source: &str) -> bool {
        self.sources.get(source).is_some_and(|lazy| lazy.update_findings)
    }

    pub(crate) fn limiter(&self) -> &RateLimiter {
        &self.answer_limiter
    }

    pub(crate) fn findings_limiter(&self) -> &RateLimiter {
        &self.findings_limiter
    }

    /// The clients of a configured source for one account and region.
    pub async fn clients(&self, source: &str, account_id: &str, region: &str) -> Result<AwsClients, FetchError> {
        let Some(lazy) = self.sources.get(source) else {
            return Err(FetchError::new(
                "clients",
                format!("the source {source:?} is not configured in plinth.toml, so Plinth cannot write to it"),
            ));
        };
        let factory = lazy
            .factory
            .get_or_init(|| async {
                let (source, aws) = lazy.settings.clone().expect("BUG: a source without clients has settings");
                Arc::new(SdkClientFactory::load(source, &aws).await) as Arc<dyn ClientFactory>
            })
            .await;
        factory.clients(account_id, region).await
    }
}

#[cfg(test)]
mod tests {
    use aws_credential_types::Credentials;
    use aws_smithy_http_client::test_util::infallible_client_fn;
    use aws_smithy_types::body::SdkBody;

    use super::*;
    use crate::sources::settings::{Accounts, Regions};

    const GRANTED: &str = "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><AssumeRoleResult>\
        <Credentials><AccessKeyId>ASIAEXAMPLE</AccessKeyId><SecretAccessKey>secret</SecretAccessKey>\
        <SessionToken>token</SessionToken><Expiration>2030-01-01T00:00:00Z</Expiration></Credentials>\
        <AssumedRoleUser><Arn>arn:aws:sts::111122223333:assumed-role/PlinthRead/plinth-sync</Arn>\
        <AssumedRoleId>AROAEXAMPLE:plinth-sync</AssumedRoleId></AssumedRoleUser></AssumeRoleResult>\
        <ResponseMetadata><RequestId>granted</RequestId></ResponseMetadata></AssumeRoleResponse>";

    const REFUSED: &str = "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type>\
        <Code>AccessDenied</Code><Message>User: arn:aws:sts::999988887777:assumed-role/plinth-task/ecs is not \
        authorized to perform: sts:AssumeRole on resource: arn:aws:iam::444455556666:role/PlinthRead</Message>\
        </Error><RequestId>refused</RequestId></ErrorResponse>";

    /// STS grants the role in 111122223333; in 444455556666 the role is
    /// missing, so STS refuses.
    /// Also counts the roles STS was asked for.
    fn sts() -> (SdkConfig, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
        let asked = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counted = asked.clone();
        let http = infallible_client_fn(move |request: http::Request<SdkBody>| {
            counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let body = String::from_utf8_lossy(request.body().bytes().unwrap_or_default()).into_owned();
            let (status, answer) = if body.contains("111122223333") { (200, GRANTED) } else { (403, REFUSED) };
            http::Response::builder().status(status).body(SdkBody::from(answer)).expect("a response")
        });
        let config = SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .time_source(aws_smithy_async::time::SystemTimeSource::new())
            .sleep_impl(aws_smithy_async::rt::sleep::TokioSleep::new())
            .region(Region::new("eu-west-1"))
            .credentials_provider(SharedCredentialsProvider::new(Credentials::for_tests()))
            .http_client(http)
            .build();
        (config, asked)
    }

    fn organisation() -> SourceSettings {
        SourceSettings {
            name: "organisation".into(),
            accounts: Accounts::Listed(vec!["111122223333".into(), "444455556666".into()]),
            organizational_units: Vec::new(),
            exclude_accounts: Vec::new(),
            organization_account: None,
            regions: Regions::Listed(vec!["eu-west-1".into()]),
            role_arn: Some("arn:aws:iam::{account_id}:role/PlinthRead".into()),
            external_id: Some("plinth-external-id".to_owned().into()),
            services: crate::sources::Service::ALL.to_vec(),
            security_hub_aggregation_region: None,
            config_aggregator: None,
            aggregator_account: None,
            config_aggregator_region: None,
            sync_interval: std::time::Duration::from_secs(3600),
            update_findings: false,
        }
    }

    #[tokio::test]
    async fn an_account_without_the_read_role_fails_alone_naming_the_account_and_the_role() {
        let aws = AwsSettings { max_attempts: 1, initial_backoff: std::time::Duration::from_millis(1) };
        let (sts, asked) = sts();
        let factory = SdkClientFactory::with_base(sts, organisation(), &aws);

        factory.clients("111122223333", "eu-west-1").await.expect("the account with the role gets its clients");
        factory.clients("111122223333", "us-east-1").await.expect("and in a second region");
        assert_eq!(asked.load(std::sync::atomic::Ordering::SeqCst), 1, "the role is checked once per account");
        let refused = factory.clients("444455556666", "eu-west-1").await.expect_err("the account without it fails");

        assert_eq!(refused.operation, "AssumeRole");
        assert_eq!(refused.code.as_deref(), Some("AccessDenied"), "STS's own code reaches the page");
        assert!(refused.message.contains("arn:aws:iam::444455556666:role/PlinthRead"), "{}", refused.message);
        assert!(refused.message.contains("in account 444455556666"), "{}", refused.message);
        assert!(
            refused.message.contains("AccessDenied") || refused.message.contains("not authorized"),
            "{}",
            refused.message
        );
        assert!(!refused.message.contains("plinth-external-id"), "the external id is never printed");
    }

    #[tokio::test]
    async fn organizations_and_account_management_are_called_through_the_role_of_the_account_named() {
        let aws = AwsSettings { max_attempts: 1, initial_backoff: std::time::Duration::from_millis(1) };
        let (sts, asked) = sts();
        let factory = SdkClientFactory::with_base(sts, organisation(), &aws);
        let asked = || asked.load(std::sync::atomic::Ordering::SeqCst);

        factory.organizations(None).await.expect("Plinth's own credentials need no role");
        assert_eq!(asked(), 0, "no role is assumed for Plinth's own credentials");
        let organizations = factory.organizations(Some("111122223333")).await.expect("the role in that account");
        factory.account("111122223333").await.expect("the same role again");
        assert_eq!(asked(), 1, "the role is assumed once for both");
        assert_eq!(
            organizations.config().region().map(|region| region.as_ref()),
            Some("us-east-1"),
            "Organizations is global: its endpoint is found from us-east-1"
        );
        let refused = factory.account("444455556666").await.expect_err("no role in that account");
        assert_eq!((refused.operation.as_str(), refused.code.as_deref()), ("AssumeRole", Some("AccessDenied")));
    }
}
