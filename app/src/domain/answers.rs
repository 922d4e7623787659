//! Well-Architected answers as a checklist: each question's best practices
//! selected, not applicable (with a reason), or open, per workload; where
//! the answer stands against AWS; and the practices evidence proves.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::params::{ParamReader, query_string};
use super::refusal::refusal;
use super::{Pillar, Risk};

/// The longest reason a practice does not apply.
pub const MAX_REASON: usize = 250;

refusal!(
    /// Why a change to a workload's answers was refused.
    AnswerRefusal {
        UnknownWorkload = "workload" => "There is no such workload.",
        NoReview = "no-review" => "This workload has no review in the Well-Architected Tool.",
        UnknownChoice = "choice" => "That is not a best practice of the question.",
        NoneOfTheseApplies = "none-of-these" => "“None of these” cannot be marked not applicable.",
        Reason = "reason" => format!("Say why the practice does not apply, in at most {MAX_REASON} characters."),
        State = "state" => "Choose followed, not applicable or open.",
        CannotWriteBack = "write-back" => "Write-back cannot be turned on for this workload (see why below).",
        NothingToResolve = "resolve" => "That question has nothing to resolve any more.",
        NoSuggestion = "suggestions" => "Choose at least one practice to select.",
        Keep = "keep" => "Choose which answer to keep: aws or plinth.",
    }
);

impl AnswerRefusal {
    /// Whether the refusal is about the one choice being changed (shown
    /// at it), not about the page.
    pub fn is_about_the_choice(self) -> bool {
        matches!(self, AnswerRefusal::Reason | AnswerRefusal::State)
    }
}

/// Where a best practice stands in a workload's answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ChoiceState {
    Selected,
    NotApplicable,
    Open,
}

impl ChoiceState {
    pub const ALL: [ChoiceState; 3] = [ChoiceState::Selected, ChoiceState::NotApplicable, ChoiceState::Open];

    pub fn as_str(self) -> &'static str {
        match self {
            ChoiceState::Selected => "selected",
            ChoiceState::NotApplicable => "not_applicable",
            ChoiceState::Open => "open",
        }
    }

    pub fn parse(value: &str) -> Option<ChoiceState> {
        ChoiceState::ALL.into_iter().find(|state| state.as_str() == value)
    }

    pub fn label(self) -> &'static str {
        match self {
            ChoiceState::Selected => "Followed",
            ChoiceState::NotApplicable => "Not applicable",
            ChoiceState::Open => "Open",
        }
    }
}

/// One best practice of a question.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChoiceLine {
    pub id: String,
    /// Such as `SEC01-BP01`.
    pub bp: Option<String>,
    pub title: String,
    pub state: ChoiceState,
    /// Why it does not apply (not applicable only).
    pub reason: String,
    /// Checklist items whose evidence passes and that relate to this
    /// practice: it is open, and evidence suggests selecting it.
    pub proven_by: Vec<String>,
}

/// Where Plinth's answer stands against the answer in AWS.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum AnswerStatus {
    /// The answer is AWS's, as last synced (or as written back).
    InAws,
    /// Changed in Plinth and not written to AWS: write-back is off.
    InPlinthOnly,
    /// Someone changed the answer in AWS since our last sync; nothing was
    /// overwritten. Both versions, as choice titles.
    Conflict { aws: Vec<String>, plinth: Vec<String> },
    /// Queued for AWS and not sent yet: where the write stands, such as
    /// "retrying (2 attempts so far, next at …): ThrottlingException …".
    Queued(String),
    /// AWS refused it for good, or every attempt failed; the answer is kept
    /// in Plinth.
    Failed(String),
}

/// One change of a choice.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChoiceChange {
    pub choice: String,
    pub state: ChoiceState,
    pub reason: String,
    pub actor: String,
    pub at: DateTime<Utc>,
    pub outcome: String,
}

/// A question with its practices and the team's answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AnswerQuestion {
    pub question_id: String,
    /// Such as `SEC 1`.
    pub number: String,
    pub title: String,
    pub pillar: Pillar,
    pub risk: Option<Risk>,
    pub choices: Vec<ChoiceLine>,
    pub status: AnswerStatus,
    /// The latest changes made in Plinth, newest first.
    pub history: Vec<ChoiceChange>,
}

impl AnswerQuestion {
    pub fn anchor(&self) -> String {
        format!("question-{}", self.question_id)
    }

    /// "3 of 7 followed", over the practices ("None of these" is none).
    pub fn summary(&self) -> String {
        let practices = || self.choices.iter().filter(|c| c.bp.is_some());
        let applicable = practices().filter(|c| c.state != ChoiceState::NotApplicable).count();
        let selected = practices().filter(|c| c.state == ChoiceState::Selected).count();
        format!("{selected} of {applicable} followed")
    }
}

/// A practice that evidence proves and nobody selected yet.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Suggestion {
    pub question_id: String,
    pub number: String,
    pub choice_id: String,
    pub title: String,
    pub proven_by: Vec<String>,
}

impl Suggestion {
    /// The value a confirmation form sends for it.
    pub fn key(&self) -> String {
        format!("{}/{}", self.question_id, self.choice_id)
    }
}

/// Which questions to show: the filters live in the address.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AnswersQuery {
    pub pillar: Option<Pillar>,
    /// Only questions at high or medium risk.
    pub at_risk: bool,
}

impl AnswersQuery {
    pub fn from_params(get: impl Fn(&str) -> Option<String>) -> AnswersQuery {
        let mut params = ParamReader::new(get);
        AnswersQuery { pillar: params.parsed("pillar", Pillar::from_id), at_risk: params.text("risk").is_some() }
    }

    pub fn href(&self, workload: Uuid) -> String {
        let mut params: Vec<(&str, String)> = Vec::new();
        if let Some(pillar) = self.pillar {
            params.push(("pillar", pillar.id().to_owned()));
        }
        if self.at_risk {
            params.push(("risk", "1".to_owned()));
        }
        let base = format!("/workloads/{workload}/answers");
        if params.is_empty() { base } else { format!("{base}?{}", query_string(&params)) }
    }
}

/// Whether write-back can be turned on, and if not, why.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum WriteBackOption {
    On,
    Off,
    /// The workload's source cannot be written to; the reason says why.
    Unavailable(String),
}

/// A workload's Well-Architected answers as a checklist.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorkloadAnswers {
    pub workload_id: Uuid,
    pub workload_name: String,
    /// The workload's review in the Well-Architected Tool, if it has one.
    pub review: Option<String>,
    pub write_back: WriteBackOption,
    /// Per pillar: practices followed over applicable ones.
    pub pillars: Vec<(Pillar, super::checklists::Progress)>,
    pub suggestions: Vec<Suggestion>,
    pub questions: Vec<AnswerQuestion>,
    /// Questions before filtering.
    pub total: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_answer_filters_read_back_from_their_address() {
        let query = AnswersQuery { pillar: Some(Pillar::Security), at_risk: true };
        let href = query.href(Uuid::nil());
        assert!(href.ends_with("/answers?pillar=security&risk=1"));
        let read = AnswersQuery::from_params(|name| match name {
            "pillar" => Some("security".into()),
            "risk" => Some("1".into()),
            _ => None,
        });
        assert_eq!(read, query);
    }
}
