//! What a sync did, per source and service: printed after `plinth sync`
//! and, with `--json`, as one JSON object.

use std::collections::BTreeMap;

use serde::Serialize;
use uuid::Uuid;

use crate::sources::{AccountFailure, FetchError, Service, Slice};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    Succeeded,
    /// Some slices failed; the others were stored.
    Partial,
    Failed,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Succeeded => "succeeded",
            RunStatus::Partial => "partial",
            RunStatus::Failed => "failed",
        }
    }
}

#[derive(Debug, Serialize)]
pub struct SyncSummary {
    pub sources: Vec<SourceSummary>,
}

impl SyncSummary {
    pub fn all_succeeded(&self) -> bool {
        self.sources.iter().all(|source| source.status == RunStatus::Succeeded)
    }
}

#[derive(Debug, Serialize)]
pub struct SourceSummary {
    pub name: String,
    pub run_id: Option<Uuid>,
    pub status: RunStatus,
    pub services: BTreeMap<Service, ServiceSummary>,
    /// A failure before any slice ran (no credentials, no region, another
    /// process syncing the source).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Accounts that could not be planned (their enabled regions could not
    /// be listed, their role not assumed): none of their slices ran.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub accounts_failed: Vec<SliceError>,
    /// Whether any slice changed what is stored; a sync that changed
    /// nothing leaves the evidence, and what follows it, as it was.
    #[serde(skip)]
    pub changed: bool,
}

#[derive(Debug, Default, Serialize)]
pub struct ServiceSummary {
    pub pages: u64,
    pub fetched: u64,
    pub stored: u64,
    pub errors: Vec<SliceError>,
}

#[derive(Debug, Serialize)]
pub struct SliceError {
    pub account_id: String,
    pub region: String,
    pub operation: String,
    pub code: Option<String>,
    pub message: String,
    pub request_id: Option<String>,
}

/// What came of one slice.
#[derive(Debug)]
pub struct SliceOutcome {
    pub slice: Slice,
    pub pages: u64,
    pub fetched: u64,
    pub stored: u64,
    /// Whether it wrote, archived or replaced anything.
    pub changed: bool,
    pub error: Option<FetchError>,
}

impl SourceSummary {
    /// A source that failed before any slice could run.
    pub fn failed(name: &str, run_id: Option<Uuid>, error: String) -> SourceSummary {
        SourceSummary {
            name: name.to_owned(),
            run_id,
            status: RunStatus::Failed,
            services: BTreeMap::new(),
            error: Some(error),
            accounts_failed: Vec::new(),
            changed: false,
        }
    }

    pub fn from_outcomes(
        name: &str,
        run_id: Uuid,
        outcomes: &[SliceOutcome],
        account_failures: &[AccountFailure],
    ) -> SourceSummary {
        let mut services: BTreeMap<Service, ServiceSummary> = BTreeMap::new();
        for outcome in outcomes {
            let service = services.entry(outcome.slice.service).or_default();
            service.pages += outcome.pages;
            service.fetched += outcome.fetched;
            service.stored += outcome.stored;
            if let Some(error) = &outcome.error {
                service.errors.push(SliceError {
                    account_id: outcome.slice.account_id.clone(),
                    region: outcome.slice.region.clone(),
                    operation: error.operation.clone(),
                    code: error.code.clone(),
                    message: error.message.clone(),
                    request_id: error.request_id.clone(),
                });
            }
        }
        let accounts_failed: Vec<SliceError> = account_failures
            .iter()
            .map(|failure| SliceError {
                account_id: failure.account_id.clone(),
                region: String::new(),
                operation: failure.error.operation.clone(),
                code: failure.error.code.clone(),
                message: failure.error.message.clone(),
                request_id: failure.error.request_id.clone(),
            })
            .collect();
        let failed = outcomes.iter().filter(|outcome| outcome.error.is_some()).count();
        let status = match (failed, accounts_failed.len()) {
            (0, 0) => RunStatus::Succeeded,
            (n, _) if n == outcomes.len() => RunStatus::Failed,
            _ => RunStatus::Partial,
        };
        let changed = outcomes.iter().any(|outcome| outcome.changed);
        SourceSummary {
            name: name.to_owned(),
            run_id: Some(run_id),
            status,
            services,
            error: None,
            accounts_failed,
            changed,
        }
    }
}
