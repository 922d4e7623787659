//! Well-Architected answers as a checklist. A person marks a question's
//! best practices followed, not applicable (with a reason) or open; the
//! answer is kept in Plinth and, with write-back on, queued for the
//! Well-Architected Tool in the same transaction and sent at once through
//! the outbox, which tries again later when AWS does not take it. A write never overwrites a change made in
//! AWS since our last sync: the question shows both versions until a person
//! chooses one.
//!
//! This module holds the rules of a change; `store` its SQL, `write_back`
//! the write to AWS, `read` what the answers page shows.

mod read;
pub(crate) mod store;
mod write_back;

use std::collections::{BTreeMap, BTreeSet};

// MAX_REASON is the longest reason AWS keeps for a choice that does not apply.
use app::domain::answers::{AnswerRefusal, ChoiceState, MAX_REASON};
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

pub use read::read;
pub(crate) use write_back::{deliver, given_up};

use self::store::Basis;
use crate::auth::audit;
use crate::aws::clients::SourceClients;
use crate::lens::{LensQuestion, WELL_ARCHITECTED};
use crate::outbox::Outbox;
use crate::scoring::{self, model::Weights};

/// A question's answer: the practices followed and those that do not apply.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Answer {
    pub selected: BTreeSet<String>,
    pub not_applicable: BTreeMap<String, String>,
}

impl Answer {
    pub(crate) fn state(&self, choice: &str) -> ChoiceState {
        if self.selected.contains(choice) {
            ChoiceState::Selected
        } else if self.not_applicable.contains_key(choice) {
            ChoiceState::NotApplicable
        } else {
            ChoiceState::Open
        }
    }

    /// Sets one choice. "None of these" and the practices exclude each
    /// other, as in the Well-Architected Tool.
    pub(crate) fn set(&mut self, question: &LensQuestion, choice: &str, state: ChoiceState, reason: &str) {
        self.selected.remove(choice);
        self.not_applicable.remove(choice);
        match state {
            ChoiceState::Selected => {
                let none = |id: &str| question.choices.iter().any(|c| c.id == id && c.is_none_of_these());
                if none(choice) {
                    self.selected.clear();
                } else {
                    self.selected.retain(|id| !none(id));
                }
                self.selected.insert(choice.to_owned());
            }
            ChoiceState::NotApplicable => {
                self.not_applicable.insert(choice.to_owned(), reason.to_owned());
            }
            ChoiceState::Open => {}
        }
    }
}

/// A person's change to one choice.
#[derive(Clone, Debug, PartialEq)]
pub struct ChoiceEdit {
    pub question_id: String,
    pub choice_id: String,
    pub state: ChoiceState,
    pub reason: String,
}

/// A change to answers that was not made: refused (with what it was
/// about, where naming it helps), or not stored.
#[derive(Debug, thiserror::Error)]
pub enum AnswerError {
    #[error("{refusal}{}", about.as_deref().map(|about| format!(" ({about})")).unwrap_or_default())]
    Refused { refusal: AnswerRefusal, about: Option<String> },
    #[error("the database is unavailable: {0}")]
    Database(#[from] sqlx::Error),
}

impl AnswerError {
    fn about(refusal: AnswerRefusal, about: impl Into<String>) -> AnswerError {
        AnswerError::Refused { refusal, about: Some(about.into()) }
    }

    /// The refusal, if it was one.
    pub fn refusal(&self) -> Option<AnswerRefusal> {
        match self {
            AnswerError::Refused { refusal, .. } => Some(*refusal),
            AnswerError::Database(_) => None,
        }
    }
}

impl From<AnswerRefusal> for AnswerError {
    fn from(refusal: AnswerRefusal) -> Self {
        AnswerError::Refused { refusal, about: None }
    }
}

/// What became of a change in AWS.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    Written,
    KeptInPlinth,
    Conflict,
    /// Queued for AWS: another server is sending it, or AWS did not take it
    /// yet (the error) and it is tried again.
    Queued(Option<String>),
    /// Given up: AWS refused it for good.
    Failed(String),
}

impl Outcome {
    fn text(&self) -> String {
        match self {
            Outcome::Written => "written to AWS".into(),
            Outcome::KeptInPlinth => "kept in Plinth".into(),
            Outcome::Conflict => "not written: changed in AWS since the last sync".into(),
            Outcome::Queued(None) => "queued for AWS".into(),
            Outcome::Queued(Some(error)) => format!("queued for AWS, which did not take it yet: {error}"),
            Outcome::Failed(message) => format!("not written: {message}"),
        }
    }
}

fn lens_question(question_id: &str) -> Option<&'static LensQuestion> {
    WELL_ARCHITECTED.questions().map(|(_, question)| question).find(|question| question.id == question_id)
}

/// Changes choices of one workload's answers as `actor`. Each question
/// changed is written back to AWS when write-back is on; the outcome per
/// question is returned.
pub async fn change(
    pool: &PgPool,
    writers: &SourceClients,
    weights: &Weights,
    actor: &str,
    workload: Uuid,
    edits: &[ChoiceEdit],
) -> Result<Vec<(String, Outcome)>, AnswerError> {
    let mut by_question: BTreeMap<&str, Vec<&ChoiceEdit>> = BTreeMap::new();
    for edit in edits {
        let question = lens_question(&edit.question_id)
            .ok_or_else(|| AnswerError::about(AnswerRefusal::UnknownChoice, &edit.choice_id))?;
        let Some(choice) = question.choices.iter().find(|choice| choice.id == edit.choice_id) else {
            return Err(AnswerError::about(AnswerRefusal::UnknownChoice, &edit.choice_id));
        };
        if choice.is_none_of_these() && edit.state == ChoiceState::NotApplicable {
            return Err(AnswerRefusal::NoneOfTheseApplies.into());
        }
        let reason = edit.reason.trim();
        if edit.state == ChoiceState::NotApplicable && (reason.is_empty() || reason.chars().count() > MAX_REASON) {
            return Err(AnswerRefusal::Reason.into());
        }
        by_question.entry(edit.question_id.as_str()).or_default().push(edit);
    }
    let mut outcomes = Vec::new();
    for (question_id, edits) in by_question {
        let outcome = change_question(pool, writers, weights, actor, workload, question_id, &edits).await?;
        outcomes.push((question_id.to_owned(), outcome));
    }
    Ok(outcomes)
}

async fn change_question(
    pool: &PgPool,
    writers: &SourceClients,
    weights: &Weights,
    actor: &str,
    workload: Uuid,
    question_id: &str,
    edits: &[&ChoiceEdit],
) -> Result<Outcome, AnswerError> {
    let question =
        lens_question(question_id).ok_or_else(|| AnswerError::about(AnswerRefusal::UnknownChoice, question_id))?;
    let lens = WELL_ARCHITECTED.lens_alias.as_str();
    let mut tx = pool.begin().await?;
    let review = store::review(&mut tx, workload).await?;
    if review.wa_workload_id.is_none() {
        return Err(AnswerRefusal::NoReview.into());
    }
    store::lock_question(&mut tx, workload, question_id).await?;
    let stored = store::stored(&mut tx, workload, Some(question_id)).await?;
    let before = stored.current(question_id);
    let mut answer = before.clone();
    for edit in edits {
        answer.set(question, &edit.choice_id, edit.state, edit.reason.trim());
    }
    let based_on = stored.based_on(question_id);
    let in_conflict = stored.edits.get(question_id).is_some_and(|edit| edit.status == "conflict");
    let status = if in_conflict { "conflict" } else { "local" };
    store::keep_edit(&mut tx, actor, workload, question_id, &answer, &based_on, status).await?;
    let changes = store::record_changes(&mut tx, actor, workload, question_id, edits).await?;
    audit::record(
        &mut tx,
        actor,
        "answer.change",
        &format!("workload {workload} / {lens} / {question_id}"),
        Some(answer_json(&before)),
        Some(answer_json(&answer)),
    )
    .await?;
    let writes = !in_conflict && review.write_back && write_back::write_back_possible(&review, writers).is_ok();
    let queued = if writes { Some(write_back::enqueue(&mut tx, actor, workload, question_id).await?) } else { None };
    tx.commit().await?;

    let outcome = match queued {
        _ if in_conflict => Outcome::Conflict,
        Some(write) => write_back::send_now(&Outbox::new(pool.clone(), writers.clone(), *weights), write).await?,
        None => Outcome::KeptInPlinth,
    };
    store::record_outcome(pool, &changes, &outcome.text()).await?;
    Ok(outcome)
}

fn answer_json(answer: &Answer) -> serde_json::Value {
    json!({ "selected": answer.selected, "not_applicable": answer.not_applicable })
}

/// Which answer a person keeps when AWS and Plinth disagree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keep {
    /// AWS's answer stands; Plinth's change is dropped (it stays in history).
    Aws,
    /// Plinth's answer overwrites AWS's, knowingly.
    Plinth,
}

/// Settles a conflict, or retries a failed write (`Keep::Plinth`).
pub async fn resolve(
    pool: &PgPool,
    writers: &SourceClients,
    weights: &Weights,
    actor: &str,
    workload: Uuid,
    question_id: &str,
    keep: Keep,
) -> Result<Outcome, AnswerError> {
    let lens = WELL_ARCHITECTED.lens_alias.as_str();
    let mut tx = pool.begin().await?;
    let review = store::review(&mut tx, workload).await?;
    store::lock_question(&mut tx, workload, question_id).await?;
    let stored = store::stored(&mut tx, workload, Some(question_id)).await?;
    let edit = stored
        .edits
        .get(question_id)
        .filter(|edit| {
            matches!((keep, edit.status.as_str()), (Keep::Aws, "conflict") | (Keep::Plinth, "conflict" | "failed"))
        })
        .ok_or(AnswerRefusal::NothingToResolve)?;
    let action = match keep {
        Keep::Aws => "answer.keep_aws",
        Keep::Plinth => "answer.keep_plinth",
    };
    audit::record(
        &mut tx,
        actor,
        action,
        &format!("workload {workload} / {lens} / {question_id}"),
        Some(json!({ "aws": edit.remote.as_ref().map(|remote| answer_json(&remote.answer)), "plinth": answer_json(&edit.answer) })),
        None,
    )
    .await?;
    match keep {
        Keep::Aws => {
            let remote = edit.remote.clone().ok_or(AnswerRefusal::NothingToResolve)?;
            // AWS's answer as it is now becomes ours until the next sync.
            if let Some(wa_workload_id) = &review.wa_workload_id {
                store::store_as_aws(&mut tx, wa_workload_id, question_id, &remote.answer, remote.risk).await?;
            }
            store::forget_edit(&mut tx, workload, question_id).await?;
            tx.commit().await?;
            if let Err(error) = scoring::recompute_workload(pool, weights, workload, "answer").await {
                tracing::warn!(%error, "could not recompute the score after a conflict was settled");
            }
            Ok(Outcome::Written)
        }
        Keep::Plinth => {
            if !review.write_back {
                return Err(AnswerError::about(AnswerRefusal::CannotWriteBack, "write-back is off for this workload"));
            }
            write_back::write_back_possible(&review, writers)
                .map_err(|why| AnswerError::about(AnswerRefusal::CannotWriteBack, why))?;
            // Overwriting knowingly: what AWS has now is the basis.
            let basis = match &edit.remote {
                Some(remote) => Basis {
                    selected: remote.answer.selected.iter().cloned().collect(),
                    not_applicable: remote.answer.not_applicable.keys().cloned().collect(),
                },
                None => edit.based_on.clone(),
            };
            store::rebase_edit(&mut tx, workload, question_id, &basis).await?;
            let write = write_back::enqueue(&mut tx, actor, workload, question_id).await?;
            tx.commit().await?;
            Ok(write_back::send_now(&Outbox::new(pool.clone(), writers.clone(), *weights), write).await?)
        }
    }
}

/// Turns write-back on or off for a workload (on only where AWS can be
/// written); returns false if there is no such workload.
pub async fn set_write_back(
    pool: &PgPool,
    writers: &SourceClients,
    actor: &str,
    workload: Uuid,
    on: bool,
) -> Result<(), AnswerError> {
    let mut tx = pool.begin().await?;
    let review = store::review(&mut tx, workload).await?;
    if on {
        write_back::write_back_possible(&review, writers)
            .map_err(|why| AnswerError::about(AnswerRefusal::CannotWriteBack, why))?;
    }
    store::set_write_back(&mut tx, workload, on).await?;
    audit::record(
        &mut tx,
        actor,
        "answer.write_back",
        &format!("workload {workload}"),
        Some(json!({ "on": review.write_back })),
        Some(json!({ "on": on })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn question() -> &'static LensQuestion {
        WELL_ARCHITECTED.questions().map(|(_, q)| q).next().expect("the lens has questions")
    }

    #[test]
    fn selecting_none_of_these_clears_the_practices_and_a_practice_clears_none_of_these() {
        let question = question();
        let practice = question.choices.iter().find(|c| !c.is_none_of_these()).expect("a practice");
        let none = question.choices.iter().find(|c| c.is_none_of_these()).expect("none of these");
        let mut answer = Answer::default();
        answer.set(question, &practice.id, ChoiceState::Selected, "");
        answer.set(question, &none.id, ChoiceState::Selected, "");
        assert_eq!(answer.selected, BTreeSet::from([none.id.clone()]));
        answer.set(question, &practice.id, ChoiceState::Selected, "");
        assert_eq!(answer.selected, BTreeSet::from([practice.id.clone()]));
    }

    #[test]
    fn a_choice_is_either_selected_or_not_applicable_never_both() {
        let question = question();
        let practice = &question.choices[0].id;
        let mut answer = Answer::default();
        answer.set(question, practice, ChoiceState::Selected, "");
        answer.set(question, practice, ChoiceState::NotApplicable, "No such workloads");
        assert_eq!(answer.state(practice), ChoiceState::NotApplicable);
        assert!(answer.selected.is_empty());
        answer.set(question, practice, ChoiceState::Open, "");
        assert_eq!(answer, Answer::default());
    }
}
