//! Checklists as the pages show them: items with their state, who ticked
//! them and when, and the evidence that proves (or disproves) them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::params::{ParamReader, query_string};
use super::refusal::refusal;
use super::{Pillar, group_thousands};

/// The longest note or evidence link a tick keeps.
pub const MAX_DETAIL: usize = 2000;

refusal!(
    /// Why a tick was refused.
    TickRefusal {
        UnknownItem = "item" => "There is no such workload or checklist item.",
        State = "state" => "Choose open, done or not applicable.",
        Note = "note" => format!(
            "The note is too long: keep it under {} characters.",
            group_thousands(MAX_DETAIL as u64)
        ),
        Link = "link" => format!(
            "The evidence link must be an http:// or https:// address of at most {} characters.",
            group_thousands(MAX_DETAIL as u64)
        ),
    }
);

impl TickRefusal {
    /// The field it is about, as the form and the API name it.
    pub fn field(self) -> &'static str {
        match self {
            TickRefusal::UnknownItem => "item",
            TickRefusal::State => "state",
            TickRefusal::Note => "note",
            TickRefusal::Link => "link",
        }
    }
}

/// Where an item stands for a workload.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TickState {
    Open,
    Done,
    NotApplicable,
}

impl TickState {
    pub const ALL: [TickState; 3] = [TickState::Open, TickState::Done, TickState::NotApplicable];

    pub fn as_str(self) -> &'static str {
        match self {
            TickState::Open => "open",
            TickState::Done => "done",
            TickState::NotApplicable => "not_applicable",
        }
    }

    pub fn parse(value: &str) -> Option<TickState> {
        TickState::ALL.into_iter().find(|state| state.as_str() == value)
    }

    pub fn label(self) -> &'static str {
        match self {
            TickState::Open => "Open",
            TickState::Done => "Done",
            TickState::NotApplicable => "Not applicable",
        }
    }
}

/// What the AWS data says about an item in a workload's accounts and
/// regions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceState {
    /// Every rule and control with a result passes.
    Passing,
    /// At least one fails.
    Failing,
    /// The item has evidence, but none has a result here.
    NoData,
    /// Nothing in AWS can prove it: a person decides.
    Manual,
}

impl EvidenceState {
    pub const ALL: [EvidenceState; 4] =
        [EvidenceState::Passing, EvidenceState::Failing, EvidenceState::NoData, EvidenceState::Manual];

    pub fn as_str(self) -> &'static str {
        match self {
            EvidenceState::Passing => "passing",
            EvidenceState::Failing => "failing",
            EvidenceState::NoData => "no_data",
            EvidenceState::Manual => "manual",
        }
    }

    pub fn parse(value: &str) -> Option<EvidenceState> {
        EvidenceState::ALL.into_iter().find(|state| state.as_str() == value)
    }

    pub fn label(self) -> &'static str {
        match self {
            EvidenceState::Passing => "Evidence passes",
            EvidenceState::Failing => "Evidence fails",
            EvidenceState::NoData => "No evidence yet",
            EvidenceState::Manual => "Ticked by hand",
        }
    }
}

/// Which items to show: the filters live in the address.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ChecklistQuery {
    pub pack: Option<String>,
    pub pillar: Option<Pillar>,
    pub state: Option<TickState>,
    pub evidence: Option<EvidenceState>,
}

impl ChecklistQuery {
    pub fn from_params(get: impl Fn(&str) -> Option<String>) -> ChecklistQuery {
        Self::read_params(get).0
    }

    /// The query, and the parameters it could not read (the API refuses
    /// those; the page shows what it could).
    pub fn read_params(get: impl Fn(&str) -> Option<String>) -> (ChecklistQuery, Vec<super::params::IgnoredParam>) {
        let mut params = ParamReader::new(get);
        let query = ChecklistQuery {
            pack: params.text("pack"),
            pillar: params.parsed("pillar", Pillar::from_id),
            state: params.parsed("state", TickState::parse),
            evidence: params.parsed("evidence", EvidenceState::parse),
        };
        (query, params.ignored())
    }

    pub fn href(&self, workload: Uuid) -> String {
        let fields = [
            ("pack", self.pack.clone()),
            ("pillar", self.pillar.map(|p| p.id().to_owned())),
            ("state", self.state.map(|s| s.as_str().to_owned())),
            ("evidence", self.evidence.map(|e| e.as_str().to_owned())),
        ];
        let params: Vec<(&str, String)> = fields.into_iter().filter_map(|(n, v)| v.map(|v| (n, v))).collect();
        let base = format!("/workloads/{workload}/checklists");
        if params.is_empty() { base } else { format!("{base}?{}", query_string(&params)) }
    }

    pub fn is_filtered(&self) -> bool {
        self.pack.is_some() || self.pillar.is_some() || self.state.is_some() || self.evidence.is_some()
    }
}

/// One change of an item's state.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TickChange {
    pub state: TickState,
    pub by_evidence: bool,
    pub actor: String,
    pub at: DateTime<Utc>,
    pub note: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChecklistLine {
    pub pack_id: String,
    pub item_id: String,
    pub text: String,
    pub pillar: Pillar,
    pub choices: Vec<String>,
    pub state: TickState,
    pub by_evidence: bool,
    pub actor: Option<String>,
    pub at: Option<DateTime<Utc>>,
    pub note: String,
    pub link: Option<String>,
    pub evidence: EvidenceState,
    /// Rules and controls that fail here, and those that pass.
    pub failing: Vec<String>,
    pub passing: Vec<String>,
    /// The resources that fail, per failing rule or control: a few of
    /// them, and how many there are.
    pub failing_resources: Vec<FailingResources>,
    /// The latest changes, newest first (at most [`HISTORY_SHOWN`]).
    pub history: Vec<TickChange>,
}

/// History lines shown per item.
pub const HISTORY_SHOWN: usize = 5;

impl ChecklistLine {
    /// The anchor of the item on its page.
    pub fn anchor(&self) -> String {
        format!("item-{}-{}", self.pack_id, self.item_id)
    }
}

/// A failing rule or control of an item, with the resources that fail it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FailingResources {
    pub key: String,
    pub resources: Vec<String>,
    pub count: i64,
}

/// Done over applicable (not "not applicable") items.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    pub done: u32,
    pub applicable: u32,
}

impl Progress {
    pub fn percent(&self) -> Option<u32> {
        (self.applicable > 0).then(|| (100 * self.done + self.applicable / 2) / self.applicable)
    }

    pub fn text(&self) -> String {
        match self.percent() {
            Some(percent) => format!("{} of {} done ({percent} %)", self.done, self.applicable),
            None => "nothing applicable".to_owned(),
        }
    }
}

/// A pack with the workload's progress in it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PackLine {
    pub id: String,
    pub name: String,
    pub description: String,
    pub built_in: bool,
    pub progress: Progress,
}

/// A workload's checklists: progress per pack and per pillar, and the
/// items the query selects.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorkloadChecklist {
    pub workload_id: Uuid,
    pub workload_name: String,
    pub auto_tick: bool,
    pub packs: Vec<PackLine>,
    pub pillars: Vec<(Pillar, Progress)>,
    pub items: Vec<ChecklistLine>,
    /// Items before filtering.
    pub total: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_filters_read_back_from_their_address() {
        let workload = Uuid::nil();
        let query = ChecklistQuery {
            pack: Some("aws-cost".into()),
            pillar: Some(Pillar::CostOptimization),
            state: Some(TickState::NotApplicable),
            evidence: Some(EvidenceState::Failing),
        };
        let href = query.href(workload);
        assert!(href.ends_with("?pack=aws-cost&pillar=costOptimization&state=not_applicable&evidence=failing"));
        let params: Vec<(String, String)> = href
            .split_once('?')
            .map(|(_, q)| q.split('&').filter_map(|p| p.split_once('=')).map(|(k, v)| (k.into(), v.into())).collect())
            .unwrap_or_default();
        let read = ChecklistQuery::from_params(|name| params.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()));
        assert_eq!(read, query);
    }

    #[test]
    fn progress_rounds_to_whole_percent_and_says_when_nothing_applies() {
        assert_eq!(Progress { done: 2, applicable: 3 }.text(), "2 of 3 done (67 %)");
        assert_eq!(Progress { done: 0, applicable: 0 }.text(), "nothing applicable");
    }
}

/// A pack as the admin's list shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PackSummary {
    pub id: String,
    pub name: String,
    pub description: String,
    pub version: String,
    pub built_in: bool,
    pub items: u32,
}

/// A refused import: the text as pasted and every error, given to the
/// page as context when the server renders it again.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ImportAttempt {
    pub text: String,
    pub errors: Vec<String>,
}
