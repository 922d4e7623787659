//! The AWS source: Security Hub, Config and the Well-Architected Tool read
//! through the SDK, in each account and region a source names.

pub mod answers;
pub mod clients;
pub mod config;
mod error;
pub mod findings;
pub mod milestones;
pub mod organizations;
mod pages;
pub mod rate;
pub mod securityhub;
mod time;
pub mod wellarchitected;

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures::{StreamExt, stream};

use self::clients::ClientFactory;
use self::rate::RateLimiter;
use crate::sources::records::{ConfigSnapshot, WaSnapshot};
use crate::sources::settings::{Accounts, Regions, SourceSettings};
use crate::sources::{AccountFailure, AccountSeen, Coverage, FetchError, FindingPages, Plan, Service, Slice, Source};

/// How many accounts' regions are listed at once.
const ACCOUNTS_AT_ONCE: usize = 8;

pub struct AwsSource {
    settings: SourceSettings,
    clients: Arc<dyn ClientFactory>,
    pace: Pace,
}

/// How fast the source calls AWS, per account and region.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pace {
    pub get_findings_per_second: f64,
    pub get_findings_burst: u32,
    /// Every other call.
    pub per_second: f64,
}

impl Pace {
    /// AWS's quotas: `GetFindings` 3 a second with bursts of 6, Security
    /// Hub's other calls 10 a second (a safe pace for Config and the
    /// Well-Architected Tool too).
    pub const AWS_QUOTAS: Pace = Pace { get_findings_per_second: 3.0, get_findings_burst: 6, per_second: 10.0 };

    fn get_findings(&self) -> RateLimiter {
        RateLimiter::new(self.get_findings_per_second, self.get_findings_burst)
    }

    fn standard(&self) -> RateLimiter {
        RateLimiter::new(self.per_second, self.per_second.ceil() as u32)
    }
}

impl AwsSource {
    pub fn new(settings: SourceSettings, clients: Arc<dyn ClientFactory>) -> AwsSource {
        AwsSource { settings, clients, pace: Pace::AWS_QUOTAS }
    }

    /// The same source at another pace, for endpoints that are not AWS's
    /// (benchmarks against mocked clients).
    pub fn with_pace(self, pace: Pace) -> AwsSource {
        AwsSource { pace, ..self }
    }

    /// The accounts the source covers now, named where Organizations can be
    /// read, without the excluded ones.
    async fn accounts(&self) -> Result<Vec<AccountSeen>, FetchError> {
        let accounts = match &self.settings.accounts {
            Accounts::Organization => {
                let client = self.clients.organizations(self.settings.organization_account.as_deref()).await?;
                organizations::accounts(&client, &self.pace.standard(), &self.settings.organizational_units).await?
            }
            Accounts::Listed(listed) => {
                let mut ids =
                    if listed.is_empty() { vec![self.clients.caller_account().await?] } else { listed.clone() };
                // The first stays first: it holds the aggregators.
                let mut seen = std::collections::HashSet::new();
                ids.retain(|id| seen.insert(id.clone()));
                ids.into_iter().map(|id| AccountSeen { id, name: None, ou_path: None, active: true }).collect()
            }
        };
        Ok(accounts.into_iter().filter(|account| !self.settings.exclude_accounts.contains(&account.id)).collect())
    }

    fn regions(&self) -> Result<Vec<String>, FetchError> {
        if !self.settings.regions.listed().is_empty() {
            return Ok(self.settings.regions.listed().to_vec());
        }
        self.clients.default_region().map(|region| vec![region]).ok_or_else(|| {
            FetchError::new(
                "configuration",
                format!(
                    "source {:?} names no regions and the SDK has none: set regions in plinth.toml or AWS_REGION",
                    self.settings.name
                ),
            )
        })
    }

    /// Each active account with the regions it is read in; an account
    /// whose enabled regions cannot be listed fails alone.
    async fn account_regions(
        &self,
        accounts: &[AccountSeen],
    ) -> Result<(Vec<(String, Vec<String>)>, Vec<AccountFailure>), FetchError> {
        let active: Vec<String> =
            accounts.iter().filter(|account| account.active).map(|account| account.id.clone()).collect();
        if self.settings.regions != Regions::Enabled {
            let regions = self.regions()?;
            return Ok((active.into_iter().map(|account| (account, regions.clone())).collect(), Vec::new()));
        }
        let limiter = self.pace.standard();
        let listed: Vec<(String, Result<Vec<String>, FetchError>)> = stream::iter(active)
            .map(|account| {
                let limiter = &limiter;
                async move {
                    let regions = match self.clients.account(&account).await {
                        Ok(client) => organizations::enabled_regions(&client, limiter).await,
                        Err(error) => Err(error),
                    };
                    (account, regions)
                }
            })
            .buffered(ACCOUNTS_AT_ONCE)
            .collect()
            .await;
        let mut planned = Vec::new();
        let mut failures = Vec::new();
        for (account_id, regions) in listed {
            match regions {
                Ok(regions) if regions.is_empty() => failures.push(AccountFailure {
                    account_id,
                    error: FetchError {
                        code: Some("NoEnabledRegions".into()),
                        ..FetchError::new("ListRegions", "Account Management lists no enabled region in this account")
                    },
                }),
                Ok(regions) => planned.push((account_id, regions)),
                Err(error) => failures.push(AccountFailure { account_id, error }),
            }
        }
        Ok((planned, failures))
    }

    /// Where aggregators are read: the account named for them, or else the
    /// first account (an organisation must name one).
    fn aggregator_account<'a>(&'a self, accounts: &'a [(String, Vec<String>)]) -> Option<&'a str> {
        self.settings.aggregator_account.as_deref().or_else(|| match self.settings.accounts {
            Accounts::Listed(_) => accounts.first().map(|(account, _)| account.as_str()),
            Accounts::Organization => None,
        })
    }
}

/// One slice per account and region, or one for the whole source when an
/// aggregator (read in `aggregator_account`) answers for all of them.
fn plan(settings: &SourceSettings, accounts: &[(String, Vec<String>)], aggregator_account: Option<&str>) -> Vec<Slice> {
    let each = |service: Service| -> Vec<Slice> {
        accounts
            .iter()
            .flat_map(|(account, regions)| {
                regions.iter().map(move |region| Slice {
                    service,
                    account_id: account.clone(),
                    region: region.clone(),
                    coverage: Coverage::AccountRegion,
                })
            })
            .collect()
    };
    let aggregated = |service: Service, region: Option<&str>| -> Vec<Slice> {
        let first_region = settings
            .regions
            .listed()
            .first()
            .or_else(|| accounts.first().and_then(|(_, regions)| regions.first()))
            .map(String::as_str);
        match (aggregator_account, region.or(first_region)) {
            (Some(account), Some(region)) => vec![Slice {
                service,
                account_id: account.to_owned(),
                region: region.to_owned(),
                coverage: Coverage::WholeSource,
            }],
            _ => Vec::new(),
        }
    };
    let mut slices = Vec::new();
    for service in Service::ALL.into_iter().filter(|service| settings.syncs(*service)) {
        slices.extend(match service {
            Service::SecurityHub => match &settings.security_hub_aggregation_region {
                Some(region) => aggregated(service, Some(region)),
                None => each(service),
            },
            Service::Config => match &settings.config_aggregator {
                Some(_) => aggregated(service, settings.config_aggregator_region.as_deref()),
                None => each(service),
            },
            Service::WellArchitected => each(service),
        });
    }
    slices
}

#[async_trait]
impl Source for AwsSource {
    fn name(&self) -> &str {
        &self.settings.name
    }

    /// For a source that lists its accounts by hand: their names and units
    /// from Organizations, where it can be read from here.
    async fn names(&self) -> Vec<AccountSeen> {
        let Accounts::Listed(listed) = &self.settings.accounts else { return Vec::new() };
        if listed.is_empty() {
            return Vec::new();
        }
        let read = async {
            let client = self.clients.organizations(self.settings.organization_account.as_deref()).await?;
            organizations::describe(&client, &self.pace.standard(), listed).await
        };
        match read.await {
            Ok(accounts) => accounts.into_iter().map(|account| AccountSeen { active: true, ..account }).collect(),
            Err(error) => {
                tracing::debug!(source = %self.settings.name, %error, "accounts keep their ids: no names from Organizations");
                Vec::new()
            }
        }
    }

    async fn plan(&self) -> Result<Plan, FetchError> {
        let accounts = self.accounts().await?;
        let (planned, failures) = self.account_regions(&accounts).await?;
        let slices = plan(&self.settings, &planned, self.aggregator_account(&planned));
        // An organisation's aggregators report every member: keep only the
        // accounts the source covers.
        let aggregate_scope = (self.settings.accounts == Accounts::Organization)
            .then(|| accounts.iter().filter(|account| account.active).map(|account| account.id.clone()).collect());
        Ok(Plan { accounts, slices, failures, aggregate_scope })
    }

    fn findings<'a>(&'a self, slice: &'a Slice, since: Option<DateTime<Utc>>) -> FindingPages<'a> {
        async_stream::try_stream! {
            let clients = self.clients.clients(&slice.account_id, &slice.region).await?;
            let limiter = self.pace.get_findings();
            let mut pages = std::pin::pin!(securityhub::finding_pages(
                clients.security_hub,
                &limiter,
                &slice.account_id,
                &slice.region,
                since,
            ));
            while let Some(page) = pages.next().await {
                yield page?;
            }
        }
        .boxed()
    }

    async fn config(&self, slice: &Slice) -> Result<ConfigSnapshot, FetchError> {
        let clients = self.clients.clients(&slice.account_id, &slice.region).await?;
        let limiter = self.pace.standard();
        match (&slice.coverage, &self.settings.config_aggregator) {
            (Coverage::WholeSource, Some(aggregator)) => {
                config::aggregate_snapshot(&clients.config, &limiter, aggregator, &slice.account_id, &slice.region)
                    .await
            }
            _ => config::snapshot(&clients.config, &limiter, &slice.account_id, &slice.region).await,
        }
    }

    async fn well_architected(&self, slice: &Slice) -> Result<WaSnapshot, FetchError> {
        let clients = self.clients.clients(&slice.account_id, &slice.region).await?;
        wellarchitected::snapshot(&clients.well_architected, &self.pace.standard(), &slice.account_id, &slice.region)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn two_by_two() -> Vec<(String, Vec<String>)> {
        let regions = vec!["eu-west-1".to_owned(), "us-east-1".to_owned()];
        vec![("111122223333".into(), regions.clone()), ("444455556666".into(), regions)]
    }

    #[test]
    fn every_service_runs_in_every_account_and_region_by_default() {
        let slices = plan(&SourceSettings::default_source(), &two_by_two(), Some("111122223333"));
        assert_eq!(slices.len(), 3 * 4);
        assert!(slices.iter().all(|slice| slice.coverage == Coverage::AccountRegion));
    }

    #[test]
    fn each_account_is_read_in_its_own_regions() {
        let accounts = vec![
            ("111122223333".to_owned(), vec!["eu-west-1".to_owned()]),
            ("444455556666".to_owned(), vec!["eu-west-1".to_owned(), "ap-southeast-5".to_owned()]),
        ];
        let settings = SourceSettings { services: vec![Service::Config], ..SourceSettings::default_source() };
        let slices: Vec<String> = plan(&settings, &accounts, None).iter().map(|s| s.to_string()).collect();
        assert_eq!(
            slices,
            ["config 111122223333 eu-west-1", "config 444455556666 eu-west-1", "config 444455556666 ap-southeast-5"]
        );
    }

    #[test]
    fn an_aggregation_region_reads_security_hub_once_for_the_whole_source() {
        let settings = SourceSettings {
            security_hub_aggregation_region: Some("eu-west-1".into()),
            services: vec![Service::SecurityHub],
            ..SourceSettings::default_source()
        };
        let slices = plan(&settings, &two_by_two(), Some("999988887777"));
        assert_eq!(
            slices,
            vec![Slice {
                service: Service::SecurityHub,
                account_id: "999988887777".into(),
                region: "eu-west-1".into(),
                coverage: Coverage::WholeSource,
            }]
        );
    }

    #[test]
    fn a_config_aggregator_is_read_in_the_aggregator_account_and_first_region() {
        let settings = SourceSettings {
            config_aggregator: Some("org".into()),
            services: vec![Service::Config, Service::WellArchitected],
            ..SourceSettings::default_source()
        };
        let slices = plan(&settings, &two_by_two(), Some("111122223333"));
        let config: Vec<_> = slices.iter().filter(|s| s.service == Service::Config).collect();
        assert_eq!(config.len(), 1);
        assert_eq!(config[0].coverage, Coverage::WholeSource);
        assert_eq!((config[0].account_id.as_str(), config[0].region.as_str()), ("111122223333", "eu-west-1"));
        assert_eq!(slices.iter().filter(|s| s.service == Service::WellArchitected).count(), 4);
    }
}
