//! Sources, their sync runs, and their accounts as onboarding sees them.

use app::domain::sync as domain;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::each;

// No doc comment: the document has never given this schema a description.
#[derive(Debug, Serialize, ToSchema)]
pub struct SourceStatus {
    pub id: Uuid,
    pub name: String,
    /// `aws` or `demo`.
    pub kind: String,
    pub sync_interval_secs: i32,
    /// The most recent run, if the source has run at all.
    pub last_run: Option<RunLine>,
    /// When the last run that succeeded (fully or partly) finished.
    pub last_success: Option<DateTime<Utc>>,
    /// When a server's scheduler plans to sync it next (none for sources
    /// that sync only on demand, or before a server has planned it).
    pub next_sync_at: Option<DateTime<Utc>>,
}

impl From<domain::SourceStatus> for SourceStatus {
    fn from(status: domain::SourceStatus) -> Self {
        let domain::SourceStatus { id, name, kind, sync_interval_secs, last_run, last_success, next_sync_at } = status;
        SourceStatus {
            id,
            name,
            kind,
            sync_interval_secs,
            last_run: last_run.map(RunLine::from),
            last_success,
            next_sync_at,
        }
    }
}

// No doc comment: the document has never given this schema a description.
#[derive(Debug, Serialize, ToSchema)]
pub struct RunLine {
    pub id: Uuid,
    pub source_name: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    /// `running`, `succeeded`, `partial` or `failed`.
    pub status: String,
    pub full_sync: bool,
    pub slices: u32,
    pub slices_done: u32,
    pub slices_failed: u32,
    pub fetched: u64,
    pub stored: u64,
    /// The failed slices, with what AWS said.
    pub errors: Vec<SliceError>,
}

impl From<domain::RunLine> for RunLine {
    fn from(run: domain::RunLine) -> Self {
        let domain::RunLine {
            id,
            source_name,
            started_at,
            finished_at,
            status,
            full_sync,
            slices,
            slices_done,
            slices_failed,
            fetched,
            stored,
            errors,
        } = run;
        RunLine {
            id,
            source_name,
            started_at,
            finished_at,
            status,
            full_sync,
            slices,
            slices_done,
            slices_failed,
            fetched,
            stored,
            errors: each(errors),
        }
    }
}

// No doc comment: the document has never given this schema a description.
#[derive(Debug, Serialize, ToSchema)]
pub struct SliceError {
    pub service: String,
    pub account_id: String,
    pub account_name: Option<String>,
    pub region: String,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub request_id: Option<String>,
}

impl From<domain::SliceError> for SliceError {
    fn from(error: domain::SliceError) -> Self {
        let domain::SliceError { service, account_id, account_name, region, error_code, error_message, request_id } =
            error;
        SliceError { service, account_id, account_name, region, error_code, error_message, request_id }
    }
}

// No doc comment: the document has never given this schema a description.
#[derive(Debug, Serialize, ToSchema)]
pub struct SyncStatus {
    pub sources: Vec<SourceStatus>,
    /// The most recent runs of every source, newest first.
    pub runs: Vec<RunLine>,
    pub now: Option<DateTime<Utc>>,
}

impl From<domain::SyncStatus> for SyncStatus {
    fn from(status: domain::SyncStatus) -> Self {
        let domain::SyncStatus { sources, runs, now } = status;
        SyncStatus { sources: each(sources), runs: each(runs), now }
    }
}

/// A sync that has started.
#[derive(Debug, Serialize, ToSchema)]
pub struct SyncStarted {
    pub source: Uuid,
    /// Where to follow it: the source's latest run in `/api/v1/sync-runs`.
    pub follow: String,
}

/// Whether a source still covers an account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Membership {
    /// Synced.
    Active,
    /// In the organisation but not ACTIVE (suspended, closing): not synced,
    /// its history kept.
    Suspended,
    /// No longer listed (it left the organisation or the list): not
    /// synced, its history kept.
    Gone,
}

same_variants!(from domain::Membership => Membership { Active, Suspended, Gone });

/// Which accounts the onboarding table shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OnboardingFilter {
    All,
    /// The last sync failed in at least one slice of the account.
    Failing,
    /// No sync has read the account whole yet.
    Never,
}

/// One account of a source as onboarding sees it: whether the last sync
/// could read it, the exact failure where it could not, and when a sync
/// last read it whole.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountOnboarding {
    pub source: String,
    pub account_id: String,
    /// Its name in the organisation, where Organizations could be read.
    pub name: Option<String>,
    pub ou_path: Option<String>,
    pub membership: Membership,
    pub first_seen: DateTime<Utc>,
    /// The last sync that tried the account.
    pub last_attempt: Option<DateTime<Utc>>,
    /// The last sync in which every slice of the account succeeded.
    pub last_synced: Option<DateTime<Utc>>,
    /// Slices of the last attempt that failed.
    pub slices_failed: u32,
    /// The first failure of the last attempt: where, and what AWS said.
    pub error_service: Option<String>,
    pub error_region: Option<String>,
    pub error_operation: Option<String>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
}

impl From<domain::AccountOnboarding> for AccountOnboarding {
    fn from(account: domain::AccountOnboarding) -> Self {
        let domain::AccountOnboarding {
            source,
            account_id,
            name,
            ou_path,
            membership,
            first_seen,
            last_attempt,
            last_synced,
            slices_failed,
            error_service,
            error_region,
            error_operation,
            error_code,
            error_message,
        } = account;
        AccountOnboarding {
            source,
            account_id,
            name,
            ou_path,
            membership: membership.into(),
            first_seen,
            last_attempt,
            last_synced,
            slices_failed,
            error_service,
            error_region,
            error_operation,
            error_code,
            error_message,
        }
    }
}

/// How many accounts a source has, by onboarding state.
#[derive(Debug, Serialize, ToSchema)]
pub struct OnboardingCounts {
    pub source: String,
    pub total: u32,
    /// Synced at every sync.
    pub active: u32,
    /// Active, and the last sync read it whole.
    pub synced: u32,
    /// Active, and the last sync failed in at least one of its slices.
    pub failing: u32,
    /// Active, and no sync has read it whole yet.
    pub never_synced: u32,
    pub suspended: u32,
    pub gone: u32,
}

impl From<domain::OnboardingCounts> for OnboardingCounts {
    fn from(counts: domain::OnboardingCounts) -> Self {
        let domain::OnboardingCounts { source, total, active, synced, failing, never_synced, suspended, gone } = counts;
        OnboardingCounts { source, total, active, synced, failing, never_synced, suspended, gone }
    }
}

/// One page of the onboarding table, with every source's counts.
#[derive(Debug, Serialize, ToSchema)]
pub struct OnboardingPage {
    pub counts: Vec<OnboardingCounts>,
    /// Failing accounts first, then by name.
    pub accounts: Vec<AccountOnboarding>,
    pub page: u32,
    pub pages: u32,
    /// Accounts the filter selects, over every page.
    pub matching: u32,
    /// When the page was read, for "3 hours ago".
    pub now: Option<DateTime<Utc>>,
}

impl From<domain::OnboardingPage> for OnboardingPage {
    fn from(page: domain::OnboardingPage) -> Self {
        // The query the page was read with is the page's own: never sent.
        let domain::OnboardingPage { counts, accounts, page, pages, matching, now, query: _ } = page;
        OnboardingPage { counts: each(counts), accounts: each(accounts), page, pages, matching, now }
    }
}
