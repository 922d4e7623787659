//! Findings as the findings pages show them, and the query that selects
//! them. The query lives in the URL: it reads from and writes to query
//! parameters, so every view can be shared and bookmarked.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use super::params::IgnoredParam;
use super::params::{ParamReader, encode_component, query_string};
use super::{ComplianceStatus, Pillar, RecordState, Severity, WorkflowStatus, group_thousands};

/// How many findings one page shows.
pub const FINDINGS_PAGE_SIZE: usize = 50;

/// The most findings one page may hold when a caller asks (`limit`).
pub const MAX_FINDINGS_PAGE_SIZE: usize = 100;

/// Counting stops past here: "more than 10,000" is all a person needs to
/// know.
pub const COUNT_CAP: u64 = 10_000;

/// The order findings are listed in; each is a keyset the database can
/// page through without an offset.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum FindingSort {
    /// Most severe first, then most recently updated.
    #[default]
    Severity,
    /// Most recently updated first.
    Updated,
    /// By resource id, A to Z.
    Resource,
}

impl FindingSort {
    pub const ALL: [FindingSort; 3] = [FindingSort::Severity, FindingSort::Updated, FindingSort::Resource];

    pub fn as_str(self) -> &'static str {
        match self {
            FindingSort::Severity => "severity",
            FindingSort::Updated => "updated",
            FindingSort::Resource => "resource",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            FindingSort::Severity => "Most severe first",
            FindingSort::Updated => "Recently updated first",
            FindingSort::Resource => "Resource, A to Z",
        }
    }

    pub fn parse(value: &str) -> Option<FindingSort> {
        FindingSort::ALL.into_iter().find(|sort| sort.as_str() == value)
    }
}

/// Which findings to show. `record` is `ACTIVE` unless the URL asks for
/// `record=ARCHIVED` or `record=any` (then `None`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FindingQuery {
    pub account: Option<String>,
    pub region: Option<String>,
    pub workload: Option<Uuid>,
    pub pillar: Option<Pillar>,
    pub severity: Option<Severity>,
    pub control: Option<String>,
    pub compliance: Option<ComplianceStatus>,
    pub workflow: Option<WorkflowStatus>,
    pub record: Option<RecordState>,
    pub resource_type: Option<String>,
    /// Words to look for in the title and the resource id.
    pub text: Option<String>,
    pub sort: FindingSort,
    /// Where the page starts: the cursor of the previous page's last row.
    pub after: Option<String>,
    /// Findings a page holds, 1 to [`MAX_FINDINGS_PAGE_SIZE`];
    /// [`FINDINGS_PAGE_SIZE`] when not given.
    pub limit: Option<usize>,
}

impl Default for FindingQuery {
    fn default() -> Self {
        FindingQuery {
            account: None,
            region: None,
            workload: None,
            pillar: None,
            severity: None,
            control: None,
            compliance: None,
            workflow: None,
            record: Some(RecordState::Active),
            resource_type: None,
            text: None,
            sort: FindingSort::Severity,
            after: None,
            limit: None,
        }
    }
}

impl FindingQuery {
    /// Reads the query from URL parameters; unknown values are returned
    /// as ignored rather than silently dropped.
    pub fn from_params(get: impl Fn(&str) -> Option<String>) -> (FindingQuery, Vec<IgnoredParam>) {
        let mut params = ParamReader::new(get);
        let workload = params.parsed("workload", |v| Uuid::parse_str(v).ok());
        let pillar = params.parsed("pillar", Pillar::from_id);
        let severity = params.parsed("severity", |v| Severity::parse(v).ok());
        let compliance = params.parsed("compliance", |v| ComplianceStatus::parse(v).ok());
        let workflow = params.parsed("workflow", |v| WorkflowStatus::parse(v).ok());
        let record = params
            .parsed("record", |v| if v == "any" { Some(None) } else { RecordState::parse(v).ok().map(Some) })
            .unwrap_or(Some(RecordState::Active));
        let sort = params.parsed("sort", FindingSort::parse);
        let after = params.parsed("after", |v| decode_cursor(v).map(|_| v.to_owned()));
        let limit =
            params.parsed("limit", |v| v.parse::<usize>().ok().filter(|n| (1..=MAX_FINDINGS_PAGE_SIZE).contains(n)));
        let query = FindingQuery {
            account: params.text("account"),
            region: params.text("region"),
            workload,
            pillar,
            severity,
            control: params.text("control"),
            compliance,
            workflow,
            record,
            resource_type: params.text("resource_type"),
            text: params.search("q"),
            sort: sort.unwrap_or_default(),
            after,
            limit,
        };
        (query, params.ignored())
    }

    /// The URL parameters that give this query, defaults left out.
    pub fn to_params(&self) -> Vec<(&'static str, String)> {
        let mut params = Vec::new();
        let mut push = |name: &'static str, value: Option<String>| {
            if let Some(value) = value {
                params.push((name, value));
            }
        };
        push("account", self.account.clone());
        push("region", self.region.clone());
        push("workload", self.workload.map(|id| id.to_string()));
        push("pillar", self.pillar.map(|p| p.id().to_owned()));
        push("severity", self.severity.map(|s| s.as_str().to_owned()));
        push("control", self.control.clone());
        push("compliance", self.compliance.map(|c| c.as_str().to_owned()));
        push("workflow", self.workflow.map(|w| w.as_str().to_owned()));
        push(
            "record",
            match self.record {
                Some(RecordState::Active) => None,
                Some(state) => Some(state.as_str().to_owned()),
                None => Some("any".to_owned()),
            },
        );
        push("resource_type", self.resource_type.clone());
        push("q", self.text.clone());
        push("sort", (self.sort != FindingSort::Severity).then(|| self.sort.as_str().to_owned()));
        push("after", self.after.clone());
        push("limit", self.limit.map(|n| n.to_string()));
        params
    }

    /// A link to the findings page showing this query.
    pub fn href(&self) -> String {
        let params = self.to_params();
        if params.is_empty() { "/findings".to_owned() } else { format!("/findings?{}", query_string(&params)) }
    }

    /// The same query from its first page.
    pub fn first_page(&self) -> FindingQuery {
        FindingQuery { after: None, ..self.clone() }
    }

    /// Whether any filter narrows the findings beyond the default.
    pub fn is_filtered(&self) -> bool {
        let default = FindingQuery::default();
        FindingQuery { sort: default.sort, after: None, limit: None, ..self.clone() } != default
    }
}

/// A keyset cursor: each field written as its length, a colon and the
/// field, so fields may hold any character.
pub fn encode_cursor(fields: &[&str]) -> String {
    fields.iter().map(|field| format!("{}:{field}", field.len())).collect()
}

pub fn decode_cursor(cursor: &str) -> Option<Vec<String>> {
    let mut fields = Vec::new();
    let mut rest = cursor;
    while !rest.is_empty() {
        let (length, tail) = rest.split_once(':')?;
        let length: usize = length.parse().ok()?;
        let field = tail.get(..length)?;
        fields.push(field.to_owned());
        rest = &tail[length..];
    }
    (!fields.is_empty()).then_some(fields)
}

/// One line of the findings list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
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

/// What to offer in the filter form.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FindingFilterOptions {
    pub accounts: Vec<String>,
    /// The names of those accounts that have one, by id.
    pub account_names: super::sync::AccountNames,
    pub regions: Vec<String>,
    /// Each workload as `[id, name]`.
    pub workloads: Vec<(Uuid, String)>,
}

/// One page of findings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FindingsPage {
    pub findings: Vec<FindingLine>,
    /// The cursor of the next page, if there is one.
    pub next: Option<String>,
    /// How many findings match, counted up to one more than [`COUNT_CAP`].
    pub total: u64,
    pub options: FindingFilterOptions,
}

impl FindingsPage {
    /// "1,234 findings" or "More than 10,000 findings".
    pub fn total_text(&self) -> String {
        let count = group_thousands(self.total.min(COUNT_CAP));
        match self.total {
            1 => "1 finding".to_owned(),
            total if total > COUNT_CAP => format!("More than {count} findings"),
            _ => format!("{count} findings"),
        }
    }
}

/// One finding in full.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FindingDetail {
    pub line: FindingLine,
    pub description: Option<String>,
    pub product_name: Option<String>,
    pub generator_id: Option<String>,
    pub standards: Vec<String>,
    pub resource_region: Option<String>,
    pub first_observed_at: Option<DateTime<Utc>>,
    pub last_observed_at: Option<DateTime<Utc>>,
    pub created_at: Option<DateTime<Utc>>,
    pub remediation_text: Option<String>,
    pub remediation_url: Option<String>,
    /// The control's title from the Security Hub catalogue.
    pub control_title: Option<String>,
    /// The pillars the mapping links the control to.
    pub pillars: Vec<Pillar>,
    /// The workloads whose accounts and regions hold the finding.
    pub workloads: Vec<(Uuid, String)>,
    /// The finding as AWS sent it, pretty-printed.
    pub raw: String,
}

/// A finding's page link: ids are ARNs, so they travel as a parameter.
pub fn finding_href(id: &str) -> String {
    format!("/finding?id={}", encode_component(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |name| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    }

    #[test]
    fn a_query_survives_the_round_trip_through_its_url() {
        let query = FindingQuery {
            account: Some("111122223333".into()),
            pillar: Some(Pillar::Security),
            severity: Some(Severity::Critical),
            record: None,
            text: Some("bucket & key".into()),
            sort: FindingSort::Updated,
            after: Some(encode_cursor(&["4", "x:y"])),
            limit: Some(100),
            ..FindingQuery::default()
        };
        let params = query.to_params();
        let (read, ignored) =
            FindingQuery::from_params(|name| params.iter().find(|(n, _)| *n == name).map(|(_, value)| value.clone()));
        assert_eq!(read, query);
        assert!(ignored.is_empty());
    }

    #[test]
    fn a_page_holds_at_most_a_hundred_findings() {
        let (query, ignored) = FindingQuery::from_params(params(&[("limit", "101")]));
        assert_eq!(query.limit, None);
        assert_eq!(ignored.len(), 1, "an out-of-range limit is reported, not clamped silently");
        let (query, _) = FindingQuery::from_params(params(&[("limit", "100")]));
        assert_eq!(query.limit, Some(MAX_FINDINGS_PAGE_SIZE));
    }

    #[test]
    fn an_empty_url_asks_for_active_findings_most_severe_first() {
        let (query, ignored) = FindingQuery::from_params(params(&[]));
        assert_eq!(query, FindingQuery::default());
        assert_eq!(query.record, Some(RecordState::Active));
        assert!(!query.is_filtered());
        assert_eq!(query.href(), "/findings");
        assert!(ignored.is_empty());
    }

    #[test]
    fn unknown_values_are_ignored_and_named() {
        let (query, ignored) =
            FindingQuery::from_params(params(&[("severity", "SEVERE"), ("pillar", "frugality"), ("region", "")]));
        assert_eq!(query.severity, None);
        assert_eq!(query.pillar, None);
        assert_eq!(query.region, None, "an empty field is no filter");
        assert_eq!(
            ignored,
            vec![
                IgnoredParam { name: "pillar".into(), value: "frugality".into() },
                IgnoredParam { name: "severity".into(), value: "SEVERE".into() },
            ]
        );
    }

    #[test]
    fn cursor_fields_may_hold_any_character() {
        let fields = ["3", "2026-11-30T10:00:00Z", "arn:aws:securityhub:eu-west-1:1:x/1.0/S3.1:finding/a"];
        let cursor = encode_cursor(&fields);
        assert_eq!(decode_cursor(&cursor), Some(fields.iter().map(|f| f.to_string()).collect()));
        assert_eq!(decode_cursor("9:short"), None);
        assert_eq!(decode_cursor("nonsense"), None);
        assert_eq!(decode_cursor(""), None);
    }

    #[test]
    fn a_finding_link_carries_its_arn_encoded() {
        assert_eq!(finding_href("arn:aws:x/1"), "/finding?id=arn%3Aaws%3Ax%2F1");
    }

    #[test]
    fn totals_read_as_people_write_them() {
        let page = |total| FindingsPage { findings: vec![], next: None, total, options: Default::default() };
        assert_eq!(page(1).total_text(), "1 finding");
        assert_eq!(page(1234).total_text(), "1,234 findings");
        assert_eq!(page(COUNT_CAP).total_text(), "10,000 findings");
        assert_eq!(page(COUNT_CAP + 1).total_text(), "More than 10,000 findings");
    }
}
