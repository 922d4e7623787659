//! Writes to AWS as the outbox keeps them: what each is and how far it got.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What a write to AWS does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WriteKind {
    /// A question's answer, with `UpdateAnswer`.
    Answer,
    /// A milestone of a workload's review, with `CreateMilestone`.
    Milestone,
    /// A remediation item's workflow on its Security Hub findings, with
    /// `BatchUpdateFindings`.
    FindingWorkflow,
}

impl WriteKind {
    pub const ALL: [WriteKind; 3] = [WriteKind::Answer, WriteKind::Milestone, WriteKind::FindingWorkflow];

    pub fn as_str(self) -> &'static str {
        match self {
            WriteKind::Answer => "answer",
            WriteKind::Milestone => "milestone",
            WriteKind::FindingWorkflow => "finding_workflow",
        }
    }

    pub fn parse(text: &str) -> Option<WriteKind> {
        WriteKind::ALL.into_iter().find(|kind| kind.as_str() == text)
    }

    /// As a page names it.
    pub fn label(self) -> &'static str {
        match self {
            WriteKind::Answer => "Answer",
            WriteKind::Milestone => "Milestone",
            WriteKind::FindingWorkflow => "Security Hub workflow",
        }
    }
}

/// How far a write to AWS got.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WriteState {
    /// Waiting for its first attempt.
    Queued,
    /// An attempt failed; it is tried again later.
    Retrying,
    /// AWS took it.
    Done,
    /// Every attempt failed, or AWS refused it for good.
    GivenUp,
    /// A later change of the same thing went out instead.
    Replaced,
}

impl WriteState {
    pub const ALL: [WriteState; 5] =
        [WriteState::Queued, WriteState::Retrying, WriteState::Done, WriteState::GivenUp, WriteState::Replaced];

    pub fn as_str(self) -> &'static str {
        match self {
            WriteState::Queued => "queued",
            WriteState::Retrying => "retrying",
            WriteState::Done => "done",
            WriteState::GivenUp => "given_up",
            WriteState::Replaced => "replaced",
        }
    }

    pub fn parse(text: &str) -> Option<WriteState> {
        WriteState::ALL.into_iter().find(|state| state.as_str() == text)
    }

    /// Still to be sent.
    pub fn pending(self) -> bool {
        matches!(self, WriteState::Queued | WriteState::Retrying)
    }
}

/// Where a write stands, in a sentence: "queued", "retrying (3 attempts so
/// far, next at 14:05 UTC): …", "given up after 10 attempts: …".
pub fn write_sentence(
    state: WriteState,
    attempts: i32,
    next_attempt_at: DateTime<Utc>,
    last_error: Option<&str>,
    outcome: Option<&str>,
) -> String {
    let error = last_error.map(|error| format!(": {error}")).unwrap_or_default();
    let plural = if attempts == 1 { "" } else { "s" };
    match state {
        WriteState::Queued => "queued".to_owned(),
        WriteState::Retrying => format!(
            "retrying ({attempts} attempt{plural} so far, next at {} UTC){error}",
            next_attempt_at.format("%Y-%m-%d %H:%M")
        ),
        WriteState::Done => outcome.map(|outcome| format!("done, {outcome}")).unwrap_or_else(|| "done".to_owned()),
        WriteState::GivenUp => format!("given up after {attempts} attempt{plural}{error}"),
        WriteState::Replaced => "replaced by a later change".to_owned(),
    }
}

/// A write to AWS as the sync page lists it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WriteLine {
    pub kind: WriteKind,
    pub workload_id: Uuid,
    pub workload: String,
    /// The question, the milestone's name, or the remediation item.
    pub subject: String,
    pub item_id: Option<Uuid>,
    pub state: WriteState,
    /// Where it stands, in a sentence ([`write_sentence`]).
    pub sentence: String,
    pub actor: String,
    pub at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_and_state_reads_back_from_its_stored_spelling() {
        for kind in WriteKind::ALL {
            assert_eq!(WriteKind::parse(kind.as_str()), Some(kind));
        }
        for state in WriteState::ALL {
            assert_eq!(WriteState::parse(state.as_str()), Some(state));
        }
        assert_eq!(WriteState::parse("sent"), None);
    }

    #[test]
    fn a_retrying_write_says_when_it_is_tried_again_and_why_it_failed() {
        let at = DateTime::parse_from_rfc3339("2026-12-07T14:05:00Z").expect("a time").with_timezone(&Utc);
        assert_eq!(
            write_sentence(WriteState::Retrying, 3, at, Some("ThrottlingException: Rate exceeded"), None),
            "retrying (3 attempts so far, next at 2026-12-07 14:05 UTC): ThrottlingException: Rate exceeded"
        );
        assert_eq!(
            write_sentence(WriteState::GivenUp, 1, at, Some("refused"), None),
            "given up after 1 attempt: refused"
        );
        assert_eq!(
            write_sentence(WriteState::Done, 1, at, None, Some("12 findings updated")),
            "done, 12 findings updated"
        );
    }
}
