//! Sources and their sync runs, as the sync page and the overview's data
//! freshness show them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
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

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
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

impl RunLine {
    pub fn is_running(&self) -> bool {
        self.status == "running"
    }

    /// How long the run took (or has taken so far, given `now`).
    pub fn duration_text(&self, now: DateTime<Utc>) -> String {
        let end = self.finished_at.unwrap_or(now);
        duration_text((end - self.started_at).num_milliseconds().max(0))
    }
}

/// 850 → "850 ms", 12_400 → "12.4 s", 185_000 → "3 min 5 s".
pub fn duration_text(millis: i64) -> String {
    match millis {
        0..=999 => format!("{millis} ms"),
        1_000..=59_999 => format!("{:.1} s", millis as f64 / 1000.0),
        _ => format!("{} min {} s", millis / 60_000, (millis % 60_000) / 1000),
    }
}

/// "5 minutes ago", "3 hours ago", "2 days ago".
pub fn ago_text(then: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let seconds = (now - then).num_seconds().max(0);
    let (count, unit) = match seconds {
        0..=59 => return "just now".to_owned(),
        60..=3_599 => (seconds / 60, "minute"),
        3_600..=86_399 => (seconds / 3_600, "hour"),
        _ => (seconds / 86_400, "day"),
    };
    format!("{count} {unit}{} ago", if count == 1 { "" } else { "s" })
}

/// "in 5 minutes", "in 2 hours"; "now" for a time already here.
pub fn in_text(then: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let seconds = (then - now).num_seconds();
    let (count, unit) = match seconds {
        ..=0 => return "now".to_owned(),
        1..=59 => (seconds, "second"),
        60..=3_599 => (seconds / 60, "minute"),
        3_600..=86_399 => (seconds / 3_600, "hour"),
        _ => (seconds / 86_400, "day"),
    };
    format!("in {count} {unit}{}", if count == 1 { "" } else { "s" })
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SliceError {
    pub service: String,
    pub account_id: String,
    pub account_name: Option<String>,
    pub region: String,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub request_id: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SyncStatus {
    pub sources: Vec<SourceStatus>,
    /// The most recent runs of every source, newest first.
    pub runs: Vec<RunLine>,
    pub now: Option<DateTime<Utc>>,
}

impl SyncStatus {
    pub fn any_running(&self) -> bool {
        self.runs.iter().any(RunLine::is_running)
    }
}

/// Account names by account id, for the accounts that have one.
pub type AccountNames = std::collections::BTreeMap<String, String>;

/// "Production (314159265358)" where the account has a name, else its id.
pub fn account_label(id: &str, name: Option<&str>) -> String {
    match name {
        Some(name) => format!("{name} ({id})"),
        None => id.to_owned(),
    }
}

/// Whether a source still covers an account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
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

impl Membership {
    pub fn as_str(self) -> &'static str {
        match self {
            Membership::Active => "active",
            Membership::Suspended => "suspended",
            Membership::Gone => "gone",
        }
    }

    pub fn parse(value: &str) -> Option<Membership> {
        [Membership::Active, Membership::Suspended, Membership::Gone].into_iter().find(|m| m.as_str() == value)
    }
}

/// Which accounts the onboarding table shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnboardingFilter {
    #[default]
    All,
    /// The last sync failed in at least one slice of the account.
    Failing,
    /// No sync has read the account whole yet.
    Never,
}

impl OnboardingFilter {
    pub fn as_str(self) -> &'static str {
        match self {
            OnboardingFilter::All => "all",
            OnboardingFilter::Failing => "failing",
            OnboardingFilter::Never => "never",
        }
    }

    /// From the `accounts` query parameter; anything else shows all.
    pub fn parse(value: Option<&str>) -> OnboardingFilter {
        match value {
            Some("failing") => OnboardingFilter::Failing,
            Some("never") => OnboardingFilter::Never,
            _ => OnboardingFilter::All,
        }
    }
}

/// One account of a source as onboarding sees it: whether the last sync
/// could read it, the exact failure where it could not, and when a sync
/// last read it whole.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
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

impl AccountOnboarding {
    pub fn label(&self) -> String {
        account_label(&self.account_id, self.name.as_deref())
    }

    /// The account's state in a few words: what someone onboarding it
    /// must do next.
    pub fn status_text(&self) -> &'static str {
        match self.membership {
            Membership::Suspended => "Suspended: not synced",
            Membership::Gone => "Gone: no longer synced",
            Membership::Active if self.slices_failed > 0 => self.problem(),
            Membership::Active if self.last_attempt.is_none() => "Not synced yet",
            Membership::Active if self.last_synced.is_none() => "Never synced whole",
            Membership::Active => "Synced",
        }
    }

    /// What the failure means, from the operation and AWS's error code.
    fn problem(&self) -> &'static str {
        let code = self.error_code.as_deref().unwrap_or_default();
        match (self.error_operation.as_deref(), code) {
            (Some("AssumeRole"), _) => "Role not assumed",
            (_, "UnrecognizedClientException" | "InvalidClientTokenId" | "AuthFailure" | "OptInRequired") => {
                "Region not enabled"
            }
            (_, "InvalidAccessException") if self.error_service.as_deref() == Some("security_hub") => {
                "Security Hub not enabled"
            }
            (_, "ConfigNotRecording" | "NoSuchConfigurationRecorderException") => "Config not enabled",
            (Some("ListRegions"), _) => "Regions not listed",
            (_, "AccessDeniedException" | "AccessDenied") => "Access denied",
            _ => "Failing",
        }
    }

    pub fn is_failing(&self) -> bool {
        self.membership == Membership::Active && self.slices_failed > 0
    }
}

/// Which page of the onboarding table: a source (or all), a filter and a
/// page of [`OnboardingQuery::PAGE_SIZE`] accounts.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct OnboardingQuery {
    pub source: Option<String>,
    pub accounts: OnboardingFilter,
    /// From 1.
    pub page: u32,
}

impl OnboardingQuery {
    pub const PAGE_SIZE: u32 = 100;

    /// How many accounts of these counts the query's source and filter
    /// select.
    pub fn matching(&self, counts: &[OnboardingCounts]) -> u32 {
        counts
            .iter()
            .filter(|counts| self.source.as_ref().is_none_or(|source| *source == counts.source))
            .map(|counts| match self.accounts {
                OnboardingFilter::All => counts.total,
                OnboardingFilter::Failing => counts.failing,
                OnboardingFilter::Never => counts.never_synced,
            })
            .sum()
    }

    /// From the query string: `source`, `accounts` (`failing`, `never`)
    /// and `page`; anything unreadable falls back to the default.
    pub fn from_params(get: impl Fn(&str) -> Option<String>) -> OnboardingQuery {
        OnboardingQuery {
            source: get("source").map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()),
            accounts: OnboardingFilter::parse(get("accounts").as_deref()),
            page: get("page").and_then(|page| page.parse().ok()).filter(|page| *page >= 1).unwrap_or(1),
        }
    }

    /// The query string of this query with another filter and page.
    pub fn href(&self, path: &str, accounts: OnboardingFilter, page: u32) -> String {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        if let Some(source) = &self.source {
            pairs.push(("source", source.clone()));
        }
        if accounts != OnboardingFilter::All {
            pairs.push(("accounts", accounts.as_str().to_owned()));
        }
        if page > 1 {
            pairs.push(("page", page.to_string()));
        }
        let query = super::params::query_string(&pairs);
        if query.is_empty() { format!("{path}#accounts") } else { format!("{path}?{query}#accounts") }
    }
}

/// How many accounts a source has, by onboarding state.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
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

/// One page of the onboarding table, with every source's counts.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
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
    #[serde(skip)]
    pub query: OnboardingQuery,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_onboarding_query_reads_its_filter_and_page_and_links_to_others() {
        let params = [("source", "org"), ("accounts", "failing"), ("page", "3")];
        let get = |name: &str| params.iter().find(|(key, _)| *key == name).map(|(_, value)| (*value).to_owned());
        let query = OnboardingQuery::from_params(get);
        assert_eq!(query, OnboardingQuery { source: Some("org".into()), accounts: OnboardingFilter::Failing, page: 3 });
        assert_eq!(query.href("/sync", OnboardingFilter::Never, 1), "/sync?source=org&accounts=never#accounts");
        let nonsense = OnboardingQuery::from_params(|_| Some("x".into()));
        assert_eq!((nonsense.accounts, nonsense.page), (OnboardingFilter::All, 1));
    }

    fn onboarding() -> AccountOnboarding {
        AccountOnboarding {
            source: "organisation".into(),
            account_id: "444455556666".into(),
            name: Some("Payments prod".into()),
            ou_path: Some("Root / Workloads".into()),
            membership: Membership::Active,
            first_seen: DateTime::from_timestamp(1_000_000, 0).expect("a time"),
            last_attempt: DateTime::from_timestamp(1_000_100, 0),
            last_synced: None,
            slices_failed: 3,
            error_service: Some("security_hub".into()),
            error_region: Some("eu-west-1".into()),
            error_operation: Some("GetFindings".into()),
            error_code: Some("InvalidAccessException".into()),
            error_message: Some("Account is not subscribed to AWS Security Hub".into()),
        }
    }

    #[test]
    fn an_account_reads_as_its_name_with_its_id_beside_it() {
        assert_eq!(onboarding().label(), "Payments prod (444455556666)");
        assert_eq!(account_label("444455556666", None), "444455556666");
    }

    #[test]
    fn a_failure_says_what_to_do_next_from_the_aws_error_code() {
        assert_eq!(onboarding().status_text(), "Security Hub not enabled");
        let role = AccountOnboarding {
            error_operation: Some("AssumeRole".into()),
            error_code: Some("AccessDenied".into()),
            ..onboarding()
        };
        assert_eq!(role.status_text(), "Role not assumed");
        let region = AccountOnboarding { error_code: Some("UnrecognizedClientException".into()), ..onboarding() };
        assert_eq!(region.status_text(), "Region not enabled");
        let synced = AccountOnboarding { slices_failed: 0, last_synced: onboarding().last_attempt, ..onboarding() };
        assert_eq!(synced.status_text(), "Synced");
        let gone = AccountOnboarding { membership: Membership::Gone, ..onboarding() };
        assert_eq!(gone.status_text(), "Gone: no longer synced");
        assert!(!gone.is_failing(), "an account that left is not failing");
    }

    #[test]
    fn durations_read_in_the_unit_that_fits() {
        assert_eq!(duration_text(850), "850 ms");
        assert_eq!(duration_text(12_400), "12.4 s");
        assert_eq!(duration_text(185_000), "3 min 5 s");
    }

    #[test]
    fn ages_read_as_people_say_them() {
        let now = DateTime::from_timestamp(1_000_000, 0).expect("a time");
        assert_eq!(ago_text(now, now), "just now");
        assert_eq!(ago_text(now - chrono::Duration::minutes(1), now), "1 minute ago");
        assert_eq!(ago_text(now - chrono::Duration::hours(5), now), "5 hours ago");
        assert_eq!(ago_text(now - chrono::Duration::days(2), now), "2 days ago");
    }
}
