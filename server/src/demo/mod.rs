//! The demo organisation: a [`Source`] that makes up a believable AWS
//! estate (accounts, findings, Config rules, Well-Architected reviews) and
//! returns the same records as the AWS source, so everything after
//! fetching runs exactly as it does for AWS. Deterministic: a seed gives
//! the same organisation; and streamed: findings come a page at a time, so
//! a million of them never sit in memory.

pub mod admin;
mod config;
mod findings;
pub mod load;
mod organisation;
mod resources;
mod review;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures::StreamExt;

pub use self::organisation::{DemoSpec, Organisation, ScaleError};
use crate::sources::records::{ConfigSnapshot, WaSnapshot};
use crate::sources::{AccountSeen, Coverage, FetchError, FindingPages, Plan, Service, Slice, Source};

/// The name of the demo source in the `sources` table.
pub const DEMO_SOURCE: &str = "demo";

pub struct DemoSource {
    organisation: Organisation,
}

impl DemoSource {
    pub fn new(spec: DemoSpec) -> DemoSource {
        DemoSource { organisation: Organisation::new(spec) }
    }

    pub fn organisation(&self) -> &Organisation {
        &self.organisation
    }
}

#[async_trait]
impl Source for DemoSource {
    fn name(&self) -> &str {
        DEMO_SOURCE
    }

    async fn plan(&self) -> Result<Plan, FetchError> {
        let org = &self.organisation;
        let accounts = org
            .accounts
            .iter()
            .map(|account| AccountSeen {
                id: account.id.clone(),
                name: Some(account.name.clone()),
                ou_path: Some(account.ou_path.clone()),
                active: true,
            })
            .collect();
        let mut slices = Vec::new();
        for service in Service::ALL {
            for account in &org.accounts {
                for region in &org.regions {
                    let holds_reviews =
                        org.workloads.iter().any(|w| w.home_account == account.id && w.home_region == *region);
                    if service == Service::WellArchitected && !holds_reviews {
                        continue;
                    }
                    slices.push(Slice {
                        service,
                        account_id: account.id.clone(),
                        region: region.clone(),
                        coverage: Coverage::AccountRegion,
                    });
                }
            }
        }
        Ok(Plan { accounts, slices, failures: Vec::new(), aggregate_scope: None })
    }

    fn findings<'a>(&'a self, slice: &'a Slice, since: Option<DateTime<Utc>>) -> FindingPages<'a> {
        futures::stream::iter(findings::pages(&self.organisation, &slice.account_id, &slice.region, since))
            .map(Ok)
            .boxed()
    }

    async fn config(&self, slice: &Slice) -> Result<ConfigSnapshot, FetchError> {
        Ok(config::snapshot(&self.organisation, &slice.account_id, &slice.region))
    }

    async fn well_architected(&self, slice: &Slice) -> Result<WaSnapshot, FetchError> {
        Ok(review::snapshot(&self.organisation, &slice.account_id, &slice.region))
    }
}

/// A number in `0.0..1.0` that depends only on the seed and the parts: the
/// demo's dice, the same on every run.
pub(crate) fn roll(seed: u64, parts: &[&str]) -> f64 {
    // FNV-1a over the parts, then a splitmix64 finish.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325 ^ seed;
    for part in parts {
        for byte in part.bytes().chain(std::iter::once(0xff)) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    hash = (hash ^ (hash >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    hash = (hash ^ (hash >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    hash ^= hash >> 31;
    (hash >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dice_are_the_same_for_the_same_seed_and_parts() {
        assert_eq!(roll(7, &["a", "b"]), roll(7, &["a", "b"]));
        assert_ne!(roll(7, &["a", "b"]), roll(8, &["a", "b"]));
        assert_ne!(roll(7, &["ab"]), roll(7, &["a", "b"]));
    }

    #[test]
    fn the_dice_spread_evenly() {
        let below_half = (0..10_000).filter(|n| roll(1, &[&n.to_string()]) < 0.5).count();
        assert!((4_800..5_200).contains(&below_half), "{below_half}");
    }
}
