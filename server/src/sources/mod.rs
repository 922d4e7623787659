//! Sources: where records come from. The AWS source and the demo source
//! both implement [`Source`] and return the same typed records, so storing,
//! scoring and everything after is shared and tested once.

pub mod records;
pub mod settings;

use std::fmt;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures::stream::BoxStream;
use serde::{Deserialize, Serialize};

use records::{ConfigSnapshot, Finding, WaSnapshot};

/// The AWS service a slice of a sync reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Service {
    SecurityHub,
    Config,
    WellArchitected,
}

impl Service {
    pub const ALL: [Service; 3] = [Service::SecurityHub, Service::Config, Service::WellArchitected];

    /// As stored and as named in the configuration and the JSON summary.
    pub fn as_str(self) -> &'static str {
        match self {
            Service::SecurityHub => "security_hub",
            Service::Config => "config",
            Service::WellArchitected => "well_architected",
        }
    }

    pub fn parse(value: &str) -> Option<Service> {
        Service::ALL.into_iter().find(|service| service.as_str() == value)
    }
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What one stored slice replaces when it is stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Coverage {
    /// The data of one account in one region.
    AccountRegion,
    /// Everything of the source for this service: an aggregator (Security
    /// Hub aggregation region, Config aggregator) answers for every account
    /// and region at once.
    WholeSource,
}

/// One unit of a sync: one service, read in one account and region, stored
/// in one transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Slice {
    pub service: Service,
    pub account_id: String,
    pub region: String,
    pub coverage: Coverage,
}

impl fmt::Display for Slice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.service, self.account_id, self.region)
    }
}

/// A failure to read from a source, with what AWS said about it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize)]
#[error("{operation}: {message}")]
pub struct FetchError {
    /// The API operation that failed, such as `GetFindings`.
    pub operation: String,
    /// The AWS error code, such as `AccessDeniedException`.
    pub code: Option<String>,
    pub message: String,
    pub request_id: Option<String>,
}

impl FetchError {
    pub fn new(operation: impl Into<String>, message: impl Into<String>) -> Self {
        FetchError { operation: operation.into(), code: None, message: message.into(), request_id: None }
    }
}

/// An account a source covers, as Organizations describes it (or as the
/// configuration lists it, when Organizations cannot be read).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountSeen {
    pub id: String,
    /// The account's name in the organisation (never its email).
    pub name: Option<String>,
    /// The organizational units above it, from the root down, such as
    /// `Root / Workloads / Production`.
    pub ou_path: Option<String>,
    /// ACTIVE in the organisation (or listed by hand): synced. Suspended,
    /// closing or closed accounts are not synced and keep their history.
    pub active: bool,
}

/// An account that could not be planned: its role could not be assumed,
/// or its regions could not be listed. The others go on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountFailure {
    pub account_id: String,
    pub error: FetchError,
}

/// What a sync of a source will do: the accounts it covers now (an account
/// it covered before and no longer lists has left), and its slices.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    pub accounts: Vec<AccountSeen>,
    pub slices: Vec<Slice>,
    pub failures: Vec<AccountFailure>,
    /// The accounts whose records an aggregator's slices keep (an
    /// organisation narrowed to units, without excluded or suspended
    /// accounts); `None` keeps every account an aggregator reports.
    pub aggregate_scope: Option<Vec<String>>,
}

/// A page of findings, or the failure that ended the stream.
pub type FindingPages<'a> = BoxStream<'a, Result<Vec<Finding>, FetchError>>;

/// Where records come from.
#[async_trait]
pub trait Source: Send + Sync {
    fn name(&self) -> &str;

    /// The accounts a sync of this source covers and the slices it runs, in
    /// order. Fails only when no account at all can be planned (the
    /// organisation cannot be listed); one account's failure is in the plan.
    async fn plan(&self) -> Result<Plan, FetchError>;

    /// Names and units for accounts the plan could not name (a list kept by
    /// hand), where they can be read; none is no failure. Asked while the
    /// slices run, so a slow answer never holds the sync up.
    async fn names(&self) -> Vec<AccountSeen> {
        Vec::new()
    }

    /// The Security Hub findings of a slice, a page at a time; only those
    /// updated at or after `since` when it is given.
    fn findings<'a>(&'a self, slice: &'a Slice, since: Option<DateTime<Utc>>) -> FindingPages<'a>;

    /// AWS Config rules, their compliance and conformance packs of a slice.
    async fn config(&self, slice: &Slice) -> Result<ConfigSnapshot, FetchError>;

    /// The Well-Architected Tool workloads and reviews of a slice.
    async fn well_architected(&self, slice: &Slice) -> Result<WaSnapshot, FetchError>;
}
