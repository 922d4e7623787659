//! A workload's checklists: progress per pack and pillar, and its items.

use app::domain::checklists as domain;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{Pillar, each};

/// Where an item stands for a workload.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TickState {
    Open,
    Done,
    NotApplicable,
}

same_variants!(both domain::TickState <=> TickState { Open, Done, NotApplicable });

/// What the AWS data says about an item in a workload's accounts and
/// regions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
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

same_variants!(from domain::EvidenceState => EvidenceState { Passing, Failing, NoData, Manual });

/// One change of an item's state.
#[derive(Debug, Serialize, ToSchema)]
pub struct TickChange {
    pub state: TickState,
    pub by_evidence: bool,
    pub actor: String,
    pub at: DateTime<Utc>,
    pub note: String,
}

impl From<domain::TickChange> for TickChange {
    fn from(change: domain::TickChange) -> Self {
        let domain::TickChange { state, by_evidence, actor, at, note } = change;
        TickChange { state: state.into(), by_evidence, actor, at, note }
    }
}

// No doc comment: the document has never given this schema a description.
#[derive(Debug, Serialize, ToSchema)]
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

impl From<domain::ChecklistLine> for ChecklistLine {
    fn from(line: domain::ChecklistLine) -> Self {
        let domain::ChecklistLine {
            pack_id,
            item_id,
            text,
            pillar,
            choices,
            state,
            by_evidence,
            actor,
            at,
            note,
            link,
            evidence,
            failing,
            passing,
            failing_resources,
            history,
        } = line;
        ChecklistLine {
            pack_id,
            item_id,
            text,
            pillar: pillar.into(),
            choices,
            state: state.into(),
            by_evidence,
            actor,
            at,
            note,
            link,
            evidence: evidence.into(),
            failing,
            passing,
            failing_resources: each(failing_resources),
            history: each(history),
        }
    }
}

/// A failing rule or control of an item, with the resources that fail it.
#[derive(Debug, Serialize, ToSchema)]
pub struct FailingResources {
    pub key: String,
    pub resources: Vec<String>,
    pub count: i64,
}

impl From<domain::FailingResources> for FailingResources {
    fn from(failing: domain::FailingResources) -> Self {
        let domain::FailingResources { key, resources, count } = failing;
        FailingResources { key, resources, count }
    }
}

/// Done over applicable (not "not applicable") items.
#[derive(Debug, Serialize, ToSchema)]
pub struct Progress {
    pub done: u32,
    pub applicable: u32,
}

impl From<domain::Progress> for Progress {
    fn from(progress: domain::Progress) -> Self {
        let domain::Progress { done, applicable } = progress;
        Progress { done, applicable }
    }
}

/// A pack with the workload's progress in it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChecklistPackLine {
    pub id: String,
    pub name: String,
    pub description: String,
    pub built_in: bool,
    pub progress: Progress,
}

impl From<domain::PackLine> for ChecklistPackLine {
    fn from(line: domain::PackLine) -> Self {
        let domain::PackLine { id, name, description, built_in, progress } = line;
        ChecklistPackLine { id, name, description, built_in, progress: progress.into() }
    }
}

/// A workload's checklists: progress per pack and per pillar, and the
/// items the query selects.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkloadChecklist {
    pub workload_id: Uuid,
    pub workload_name: String,
    pub auto_tick: bool,
    pub packs: Vec<ChecklistPackLine>,
    pub pillars: Vec<(Pillar, Progress)>,
    pub items: Vec<ChecklistLine>,
    /// Items before filtering.
    pub total: usize,
}

impl From<domain::WorkloadChecklist> for WorkloadChecklist {
    fn from(checklist: domain::WorkloadChecklist) -> Self {
        let domain::WorkloadChecklist { workload_id, workload_name, auto_tick, packs, pillars, items, total } =
            checklist;
        WorkloadChecklist {
            workload_id,
            workload_name,
            auto_tick,
            packs: each(packs),
            pillars: pillars.into_iter().map(|(pillar, progress)| (pillar.into(), progress.into())).collect(),
            items: each(items),
            total,
        }
    }
}
