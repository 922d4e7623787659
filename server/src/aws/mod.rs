//! The AWS source: Security Hub, Config and the Well-Architected Tool read
//! through the SDK, in each account and region a source names.

pub mod answers;
pub mod clients;
pub mod config;
mod error;
pub mod findings;
pub mod milestones;
mod pages;
pub mod rate;
pub mod securityhub;
mod time;
pub mod wellarchitected;

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures::StreamExt;

use self::clients::ClientFactory;
use self::rate::RateLimiter;
use crate::sources::records::{ConfigSnapshot, WaSnapshot};
use crate::sources::settings::SourceSettings;
use crate::sources::{Coverage, FetchError, FindingPages, Service, Slice, Source};

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

    async fn accounts(&self) -> Result<Vec<String>, FetchError> {
        if self.settings.accounts.is_empty() {
            Ok(vec![self.clients.caller_account().await?])
        } else {
            Ok(self.settings.accounts.clone())
        }
    }

    fn regions(&self) -> Result<Vec<String>, FetchError> {
        if !self.settings.regions.is_empty() {
            return Ok(self.settings.regions.clone());
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
}

/// One slice per account and region, or one for the whole source when an
/// aggregator answers for all of them.
fn plan(settings: &SourceSettings, accounts: &[String], regions: &[String]) -> Vec<Slice> {
    let each = |service: Service| -> Vec<Slice> {
        accounts
            .iter()
            .flat_map(|account| {
                regions.iter().map(move |region| Slice {
                    service,
                    account_id: account.clone(),
                    region: region.clone(),
                    coverage: Coverage::AccountRegion,
                })
            })
            .collect()
    };
    let aggregated = |service: Service, region: &str| -> Vec<Slice> {
        vec![Slice {
            service,
            account_id: accounts[0].clone(),
            region: region.to_owned(),
            coverage: Coverage::WholeSource,
        }]
    };
    let mut slices = Vec::new();
    for service in Service::ALL.into_iter().filter(|service| settings.syncs(*service)) {
        slices.extend(match service {
            Service::SecurityHub => match &settings.security_hub_aggregation_region {
                Some(region) => aggregated(service, region),
                None => each(service),
            },
            Service::Config => match &settings.config_aggregator {
                Some(_) => aggregated(service, &regions[0]),
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

    async fn slices(&self) -> Result<Vec<Slice>, FetchError> {
        let regions = self.regions()?;
        let accounts = self.accounts().await?;
        Ok(plan(&self.settings, &accounts, &regions))
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

    fn two_by_two() -> (Vec<String>, Vec<String>) {
        (vec!["111122223333".into(), "444455556666".into()], vec!["eu-west-1".into(), "us-east-1".into()])
    }

    #[test]
    fn every_service_runs_in_every_account_and_region_by_default() {
        let (accounts, regions) = two_by_two();
        let slices = plan(&SourceSettings::default_source(), &accounts, &regions);
        assert_eq!(slices.len(), 3 * 4);
        assert!(slices.iter().all(|slice| slice.coverage == Coverage::AccountRegion));
    }

    #[test]
    fn an_aggregation_region_reads_security_hub_once_for_the_whole_source() {
        let (accounts, regions) = two_by_two();
        let settings = SourceSettings {
            security_hub_aggregation_region: Some("eu-west-1".into()),
            services: vec![Service::SecurityHub],
            ..SourceSettings::default_source()
        };
        let slices = plan(&settings, &accounts, &regions);
        assert_eq!(
            slices,
            vec![Slice {
                service: Service::SecurityHub,
                account_id: "111122223333".into(),
                region: "eu-west-1".into(),
                coverage: Coverage::WholeSource,
            }]
        );
    }

    #[test]
    fn a_config_aggregator_is_read_in_the_first_account_and_region() {
        let (accounts, regions) = two_by_two();
        let settings = SourceSettings {
            config_aggregator: Some("org".into()),
            services: vec![Service::Config, Service::WellArchitected],
            ..SourceSettings::default_source()
        };
        let slices = plan(&settings, &accounts, &regions);
        let config: Vec<_> = slices.iter().filter(|s| s.service == Service::Config).collect();
        assert_eq!(config.len(), 1);
        assert_eq!(config[0].coverage, Coverage::WholeSource);
        assert_eq!(slices.iter().filter(|s| s.service == Service::WellArchitected).count(), 4);
    }
}
