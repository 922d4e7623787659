//! Security Hub findings, a page at a time.

use app::domain::findings as domain;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{AccountNames, ComplianceStatus, RecordState, Severity, WorkflowStatus, each};

/// One line of the findings list.
#[derive(Debug, Serialize, ToSchema)]
pub struct FindingLine {
    pub id: String,
    pub title: Option<String>,
    pub severity: Severity,
    pub control_id: Option<String>,
    pub compliance: Option<ComplianceStatus>,
    pub workflow: WorkflowStatus,
    pub record: RecordState,
    pub account_id: String,
    /// The account's name in the organisation, where Organizations was read.
    pub account_name: Option<String>,
    pub region: String,
    pub resource_type: Option<String>,
    pub resource_id: Option<String>,
    pub updated_at: Option<DateTime<Utc>>,
}

impl From<domain::FindingLine> for FindingLine {
    fn from(line: domain::FindingLine) -> Self {
        let domain::FindingLine {
            id,
            title,
            severity,
            control_id,
            compliance,
            workflow,
            record,
            account_id,
            account_name,
            region,
            resource_type,
            resource_id,
            updated_at,
        } = line;
        FindingLine {
            id,
            title,
            severity: severity.into(),
            control_id,
            compliance: compliance.map(ComplianceStatus::from),
            workflow: workflow.into(),
            record: record.into(),
            account_id,
            account_name,
            region,
            resource_type,
            resource_id,
            updated_at,
        }
    }
}

/// What to offer in the filter form.
#[derive(Debug, Serialize, ToSchema)]
pub struct FindingFilterOptions {
    pub accounts: Vec<String>,
    /// The names of those accounts that have one, by id.
    pub account_names: AccountNames,
    pub regions: Vec<String>,
    /// Each workload as `[id, name]`.
    #[schema(value_type = Vec<Vec<String>>)]
    pub workloads: Vec<(Uuid, String)>,
}

impl From<domain::FindingFilterOptions> for FindingFilterOptions {
    fn from(options: domain::FindingFilterOptions) -> Self {
        let domain::FindingFilterOptions { accounts, account_names, regions, workloads } = options;
        FindingFilterOptions { accounts, account_names, regions, workloads }
    }
}

/// One page of findings.
#[derive(Debug, Serialize, ToSchema)]
pub struct FindingsPage {
    pub findings: Vec<FindingLine>,
    /// The cursor of the next page, if there is one.
    pub next: Option<String>,
    /// How many findings match, counted up to one more than [`COUNT_CAP`].
    pub total: u64,
    pub options: FindingFilterOptions,
}

impl From<domain::FindingsPage> for FindingsPage {
    fn from(page: domain::FindingsPage) -> Self {
        let domain::FindingsPage { findings, next, total, options } = page;
        FindingsPage { findings: each(findings), next, total, options: options.into() }
    }
}
