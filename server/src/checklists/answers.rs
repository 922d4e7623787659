//! Well-Architected answers as a checklist. A person marks a question's
//! best practices followed, not applicable (with a reason) or open; the
//! answer is kept in Plinth and, with write-back on, sent to the
//! Well-Architected Tool at once. A write never overwrites a change made in
//! AWS since our last sync: the question shows both versions until a person
//! chooses one.

use std::collections::{BTreeMap, BTreeSet, HashMap};

// MAX_REASON is the longest reason AWS keeps for a choice that does not apply.
use app::domain::answers::{
    AnswerQuestion, AnswerRefusal, AnswerStatus, AnswersQuery, ChoiceChange, ChoiceLine, ChoiceState, MAX_REASON,
    Suggestion, WorkloadAnswers, WriteBackOption,
};
use app::domain::checklists::{EvidenceState, Progress};
use app::domain::{Pillar, Risk};
use serde_json::json;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::evidence::{self, ItemKeys};
use crate::auth::audit;
use crate::aws::answers::{AnswerUpdate, WriteBack, WriteTarget};
use crate::aws::clients::SourceClients;
use crate::lens::{LensQuestion, WELL_ARCHITECTED};
use crate::scoring::{self, model::Weights};

/// History lines shown per question.
const HISTORY_SHOWN: i64 = 6;

/// A question's answer: the practices followed and those that do not apply.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Answer {
    pub selected: BTreeSet<String>,
    pub not_applicable: BTreeMap<String, String>,
}

impl Answer {
    fn state(&self, choice: &str) -> ChoiceState {
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
    fn set(&mut self, question: &LensQuestion, choice: &str, state: ChoiceState, reason: &str) {
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
    Failed(String),
}

impl Outcome {
    fn text(&self) -> String {
        match self {
            Outcome::Written => "written to AWS".into(),
            Outcome::KeptInPlinth => "kept in Plinth".into(),
            Outcome::Conflict => "not written: changed in AWS since the last sync".into(),
            Outcome::Failed(message) => format!("not written: {message}"),
        }
    }
}

/// The workload's review in the Well-Architected Tool, and whether its
/// answers go back there.
pub(crate) struct Review {
    pub(crate) wa_workload_id: Option<String>,
    write_back: bool,
    /// Where it lives in AWS, with its source's kind (`aws` or `demo`).
    pub(crate) target: Option<(WriteTarget, String)>,
}

pub(crate) async fn review(conn: &mut PgConnection, workload: Uuid) -> Result<Review, AnswerError> {
    let row = sqlx::query!(
        r#"SELECT w.wa_workload_id, w.wa_write_back, s.name AS "source?", s.kind AS "kind?",
                  ww.owner_account_id AS "account_id?", ww.home_region AS "region?"
           FROM workloads w
           LEFT JOIN wa_workloads ww ON ww.wa_workload_id = w.wa_workload_id
           LEFT JOIN sources s ON s.id = ww.source_id
           WHERE w.id = $1"#,
        workload
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(AnswerRefusal::UnknownWorkload)?;
    let target = match (row.source, row.kind, row.account_id, row.region) {
        (Some(source), Some(kind), Some(account_id), Some(region)) => {
            Some((WriteTarget { source, account_id, region }, kind))
        }
        _ => None,
    };
    Ok(Review { wa_workload_id: row.wa_workload_id, write_back: row.wa_write_back, target })
}

/// Whether the workload's answers can be written to AWS, and why not.
fn write_back_possible(review: &Review, writers: &SourceClients) -> Result<WriteTarget, String> {
    match &review.target {
        None => Err("this workload has no review in the Well-Architected Tool".into()),
        Some((_, kind)) if kind == "demo" => {
            Err("the demo data has no AWS account behind it; configure a source in plinth.toml".into())
        }
        Some((target, _)) if !writers.can_write(&target.source) => {
            Err(format!("its source {:?} is not configured in plinth.toml", target.source))
        }
        Some((target, _)) => Ok(target.clone()),
    }
}

/// The answer AWS has (as last synced) and the one kept in Plinth, if any.
struct Stored {
    aws: HashMap<String, (Answer, Option<Risk>)>,
    edits: HashMap<String, Edit>,
}

struct Edit {
    answer: Answer,
    based_on: Basis,
    status: String,
    /// On conflict: the answer in AWS now.
    remote: Option<Remote>,
    message: Option<String>,
}

/// What AWS had when a change began: its selected and not-applicable
/// choices.
#[derive(Clone, Debug, Default, PartialEq)]
struct Basis {
    selected: Vec<String>,
    not_applicable: Vec<String>,
}

/// The answer in AWS found by a write that was stopped.
#[derive(Clone, Debug, Default, PartialEq)]
struct Remote {
    answer: Answer,
    risk: Option<Risk>,
}

fn not_applicable_from_aws(choice_answers: &serde_json::Value) -> BTreeMap<String, String> {
    choice_answers
        .as_array()
        .into_iter()
        .flatten()
        .filter(|answer| answer["status"] == "NOT_APPLICABLE")
        .filter_map(|answer| {
            let choice = answer["choice_id"].as_str()?;
            let reason = answer["notes"].as_str().or(answer["reason"].as_str()).unwrap_or_default();
            Some((choice.to_owned(), reason.to_owned()))
        })
        .collect()
}

fn not_applicable_from_edit(value: &serde_json::Value) -> BTreeMap<String, String> {
    value
        .as_object()
        .into_iter()
        .flatten()
        .map(|(choice, reason)| (choice.clone(), reason.as_str().unwrap_or_default().to_owned()))
        .collect()
}

async fn stored(conn: &mut PgConnection, workload: Uuid, question: Option<&str>) -> Result<Stored, sqlx::Error> {
    let lens = WELL_ARCHITECTED.lens_alias.as_str();
    let aws = sqlx::query!(
        r#"SELECT a.question_id, a.risk AS "risk: Risk", a.selected_choices, a.choice_answers
           FROM wa_answers a JOIN workloads w ON w.wa_workload_id = a.wa_workload_id
           WHERE w.id = $1 AND a.lens_alias = $2 AND ($3::text IS NULL OR a.question_id = $3)"#,
        workload,
        lens,
        question
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|row| {
        let answer = Answer {
            selected: row.selected_choices.into_iter().collect(),
            not_applicable: not_applicable_from_aws(&row.choice_answers),
        };
        (row.question_id, (answer, row.risk))
    })
    .collect();
    let edits = sqlx::query!(
        r#"SELECT question_id, selected, not_applicable, based_on, based_on_na, status, remote, remote_na,
                  remote_risk AS "remote_risk: Risk", message
           FROM wa_answer_edits WHERE workload_id = $1 AND lens_alias = $2 AND ($3::text IS NULL OR question_id = $3)
           FOR UPDATE"#,
        workload,
        lens,
        question
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|row| {
        let answer = Answer {
            selected: row.selected.into_iter().collect(),
            not_applicable: not_applicable_from_edit(&row.not_applicable),
        };
        let remote = row.remote.map(|selected| Remote {
            answer: Answer {
                selected: selected.into_iter().collect(),
                not_applicable: row.remote_na.as_ref().map(not_applicable_from_edit).unwrap_or_default(),
            },
            risk: row.remote_risk,
        });
        let edit = Edit {
            answer,
            based_on: Basis { selected: row.based_on, not_applicable: row.based_on_na },
            status: row.status,
            remote,
            message: row.message,
        };
        (row.question_id, edit)
    })
    .collect();
    Ok(Stored { aws, edits })
}

impl Stored {
    /// The answer as the team gave it: Plinth's where there is one.
    fn current(&self, question: &str) -> Answer {
        match (self.edits.get(question), self.aws.get(question)) {
            (Some(edit), _) => edit.answer.clone(),
            (None, Some((answer, _))) => answer.clone(),
            (None, None) => Answer::default(),
        }
    }

    /// What AWS had when the team's change began.
    fn based_on(&self, question: &str) -> Basis {
        match (self.edits.get(question), self.aws.get(question)) {
            (Some(edit), _) => edit.based_on.clone(),
            (None, Some((answer, _))) => Basis {
                selected: answer.selected.iter().cloned().collect(),
                not_applicable: answer.not_applicable.keys().cloned().collect(),
            },
            (None, None) => Basis::default(),
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

/// Puts changes to one question in order: they wait for each other, from
/// reading the answer to storing what AWS said.
async fn lock_question(conn: &mut PgConnection, workload: Uuid, question_id: &str) -> Result<(), sqlx::Error> {
    sqlx::query!("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", format!("answer {workload} {question_id}"))
        .execute(conn)
        .await?;
    Ok(())
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
    let review = review(&mut tx, workload).await?;
    if review.wa_workload_id.is_none() {
        return Err(AnswerRefusal::NoReview.into());
    }
    lock_question(&mut tx, workload, question_id).await?;
    let stored = stored(&mut tx, workload, Some(question_id)).await?;
    let before = stored.current(question_id);
    let mut answer = before.clone();
    for edit in edits {
        answer.set(question, &edit.choice_id, edit.state, edit.reason.trim());
    }
    let based_on = stored.based_on(question_id);
    let in_conflict = stored.edits.get(question_id).is_some_and(|edit| edit.status == "conflict");
    let status = if in_conflict { "conflict" } else { "local" };
    keep_edit(&mut tx, actor, workload, question_id, &answer, &based_on, status).await?;
    let mut history_ids = Vec::new();
    for edit in edits {
        let id = sqlx::query_scalar!(
            "INSERT INTO wa_choice_history (workload_id, lens_alias, question_id, choice_id, state, reason, actor)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            workload,
            lens,
            question_id,
            edit.choice_id,
            edit.state.as_str(),
            edit.reason.trim(),
            actor
        )
        .fetch_one(&mut *tx)
        .await?;
        history_ids.push(id);
    }
    audit::record(
        &mut tx,
        actor,
        "answer.change",
        &format!("workload {workload} / {lens} / {question_id}"),
        Some(answer_json(&before)),
        Some(answer_json(&answer)),
    )
    .await?;
    tx.commit().await?;

    let outcome = match write_back_possible(&review, writers) {
        _ if in_conflict => Outcome::Conflict,
        Ok(target) if review.write_back => send(pool, writers, weights, workload, question_id, &target).await?,
        _ => Outcome::KeptInPlinth,
    };
    sqlx::query!("UPDATE wa_choice_history SET outcome = $2 WHERE id = ANY($1)", &history_ids, outcome.text())
        .execute(pool)
        .await?;
    Ok(outcome)
}

fn answer_json(answer: &Answer) -> serde_json::Value {
    json!({ "selected": answer.selected, "not_applicable": answer.not_applicable })
}

async fn keep_edit(
    conn: &mut PgConnection,
    actor: &str,
    workload: Uuid,
    question_id: &str,
    answer: &Answer,
    based_on: &Basis,
    status: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO wa_answer_edits (workload_id, lens_alias, question_id, selected, not_applicable, based_on,
                                      based_on_na, status, actor)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (workload_id, lens_alias, question_id) DO UPDATE
            SET selected = $4, not_applicable = $5, based_on = $6, based_on_na = $7, status = $8, actor = $9,
                at = now(), message = NULL",
        workload,
        WELL_ARCHITECTED.lens_alias.as_str(),
        question_id,
        &answer.selected.iter().cloned().collect::<Vec<_>>(),
        json!(answer.not_applicable),
        &based_on.selected,
        &based_on.not_applicable,
        status,
        actor
    )
    .execute(conn)
    .await?;
    Ok(())
}

fn choice_answers_json(not_applicable: &BTreeMap<String, String>) -> serde_json::Value {
    let answers: Vec<serde_json::Value> = not_applicable
        .iter()
        .map(|(choice, reason)| json!({ "choice_id": choice, "status": "NOT_APPLICABLE", "notes": reason }))
        .collect();
    json!(answers)
}

/// Makes `answer` (with its risk) the one AWS has, as far as Plinth
/// knows, until the next sync.
async fn store_as_aws(
    conn: &mut PgConnection,
    wa_workload_id: &str,
    question_id: &str,
    answer: &Answer,
    risk: Option<Risk>,
) -> Result<u64, sqlx::Error> {
    let pillar = WELL_ARCHITECTED
        .questions()
        .find(|(_, question)| question.id == question_id)
        .map(|(pillar, _)| pillar.id.clone())
        .unwrap_or_default();
    let stored = sqlx::query!(
        "INSERT INTO wa_answers (wa_workload_id, lens_alias, question_id, pillar, selected_choices, choice_answers, risk)
         SELECT $1, $2, $3, $4, $5, $6, $7
         WHERE EXISTS (SELECT 1 FROM wa_lens_reviews WHERE wa_workload_id = $1 AND lens_alias = $2)
         ON CONFLICT (wa_workload_id, lens_alias, question_id) DO UPDATE
            SET selected_choices = $5, choice_answers = $6, risk = COALESCE($7, wa_answers.risk)",
        wa_workload_id,
        WELL_ARCHITECTED.lens_alias.as_str(),
        question_id,
        pillar,
        &answer.selected.iter().cloned().collect::<Vec<_>>(),
        choice_answers_json(&answer.not_applicable),
        risk.map(|risk| risk.as_str())
    )
    .execute(conn)
    .await?
    .rows_affected();
    Ok(stored)
}

/// Writes the question's answer kept in Plinth to AWS and records what
/// became of it. The answer is read under the question's lock, so the
/// latest change is the one sent, and a write never overtakes a newer one.
/// Written: AWS's answer (and risk) here become the new one and the score
/// moves.
async fn send(
    pool: &PgPool,
    writers: &SourceClients,
    weights: &Weights,
    workload: Uuid,
    question_id: &str,
    target: &WriteTarget,
) -> Result<Outcome, AnswerError> {
    let lens = WELL_ARCHITECTED.lens_alias.as_str();
    let mut tx = pool.begin().await?;
    let wa_workload_id = review(&mut tx, workload).await?.wa_workload_id.ok_or(AnswerRefusal::NoReview)?;
    lock_question(&mut tx, workload, question_id).await?;
    let stored = stored(&mut tx, workload, Some(question_id)).await?;
    let Some(edit) = stored.edits.get(question_id) else {
        // A change made meanwhile was written already.
        return Ok(Outcome::Written);
    };
    if edit.status == "conflict" {
        return Ok(Outcome::Conflict);
    }
    let update = AnswerUpdate {
        wa_workload_id: wa_workload_id.clone(),
        lens_alias: lens.to_owned(),
        question_id: question_id.to_owned(),
        selected: edit.answer.selected.iter().cloned().collect(),
        not_applicable: edit.answer.not_applicable.iter().map(|(c, r)| (c.clone(), r.clone())).collect(),
        synced: edit.based_on.selected.clone(),
        synced_not_applicable: edit.based_on.not_applicable.clone(),
    };
    let outcome = match writers.write(target, &update).await {
        Ok(WriteBack::Written { risk }) => {
            if store_as_aws(&mut tx, &wa_workload_id, question_id, &edit.answer, risk).await? > 0 {
                sqlx::query!(
                    "DELETE FROM wa_answer_edits WHERE workload_id = $1 AND lens_alias = $2 AND question_id = $3",
                    workload,
                    lens,
                    question_id
                )
                .execute(&mut *tx)
                .await?;
            }
            Outcome::Written
        }
        Ok(WriteBack::Conflict { remote, .. }) => {
            let not_applicable: BTreeMap<String, String> = remote.not_applicable.into_iter().collect();
            sqlx::query!(
                "UPDATE wa_answer_edits SET status = 'conflict', remote = $4, remote_na = $5, remote_risk = $6,
                        message = NULL
                 WHERE workload_id = $1 AND lens_alias = $2 AND question_id = $3",
                workload,
                lens,
                question_id,
                &remote.selected,
                json!(not_applicable),
                remote.risk.map(|risk| risk.as_str())
            )
            .execute(&mut *tx)
            .await?;
            Outcome::Conflict
        }
        Err(error) => {
            tracing::warn!(%error, "an answer could not be written to AWS");
            let message = error.to_string();
            sqlx::query!(
                "UPDATE wa_answer_edits SET status = 'failed', message = $4
                 WHERE workload_id = $1 AND lens_alias = $2 AND question_id = $3",
                workload,
                lens,
                question_id,
                message
            )
            .execute(&mut *tx)
            .await?;
            Outcome::Failed(message)
        }
    };
    tx.commit().await?;
    if outcome == Outcome::Written
        && let Err(error) = scoring::recompute_workload(pool, weights, workload, "answer").await
    {
        tracing::warn!(%error, "could not recompute the score after an answer was written");
    }
    Ok(outcome)
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
    let review = review(&mut tx, workload).await?;
    lock_question(&mut tx, workload, question_id).await?;
    let stored = stored(&mut tx, workload, Some(question_id)).await?;
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
                store_as_aws(&mut tx, wa_workload_id, question_id, &remote.answer, remote.risk).await?;
            }
            sqlx::query!(
                "DELETE FROM wa_answer_edits WHERE workload_id = $1 AND lens_alias = $2 AND question_id = $3",
                workload,
                lens,
                question_id
            )
            .execute(&mut *tx)
            .await?;
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
            let target = write_back_possible(&review, writers)
                .map_err(|why| AnswerError::about(AnswerRefusal::CannotWriteBack, why))?;
            // Overwriting knowingly: what AWS has now is the basis.
            let basis = match &edit.remote {
                Some(remote) => Basis {
                    selected: remote.answer.selected.iter().cloned().collect(),
                    not_applicable: remote.answer.not_applicable.keys().cloned().collect(),
                },
                None => edit.based_on.clone(),
            };
            sqlx::query!(
                "UPDATE wa_answer_edits SET based_on = $4, based_on_na = $5, status = 'local', remote = NULL,
                        remote_na = NULL, remote_risk = NULL, message = NULL
                 WHERE workload_id = $1 AND lens_alias = $2 AND question_id = $3",
                workload,
                lens,
                question_id,
                &basis.selected,
                &basis.not_applicable
            )
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            send(pool, writers, weights, workload, question_id, &target).await
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
    let review = review(&mut tx, workload).await?;
    if on {
        write_back_possible(&review, writers).map_err(|why| AnswerError::about(AnswerRefusal::CannotWriteBack, why))?;
    }
    sqlx::query!("UPDATE workloads SET wa_write_back = $2 WHERE id = $1", workload, on).execute(&mut *tx).await?;
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

/// A workload's answers as the page shows them.
pub async fn read(
    pool: &PgPool,
    writers: &SourceClients,
    workload: Uuid,
    query: &AnswersQuery,
) -> Result<WorkloadAnswers, AnswerError> {
    let mut conn = pool.acquire().await?;
    let name = sqlx::query_scalar!("SELECT name FROM workloads WHERE id = $1", workload)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(AnswerRefusal::UnknownWorkload)?;
    let review = review(&mut conn, workload).await?;
    let stored = stored(&mut conn, workload, None).await?;
    let write_back = match write_back_possible(&review, writers) {
        Err(reason) => WriteBackOption::Unavailable(reason),
        Ok(_) if review.write_back => WriteBackOption::On,
        Ok(_) => WriteBackOption::Off,
    };
    let proven = proven_choices(pool, workload).await?;
    let history = history(&mut conn, workload).await?;
    drop(conn);

    let mut questions = Vec::new();
    let mut suggestions = Vec::new();
    let mut progress: HashMap<Pillar, Progress> = HashMap::new();
    for (pillar, question) in WELL_ARCHITECTED.questions() {
        let pillar = pillar.pillar();
        let answer = stored.current(&question.id);
        let choices: Vec<ChoiceLine> = question
            .choices
            .iter()
            .map(|choice| {
                let state = answer.state(&choice.id);
                let proven_by = if state == ChoiceState::Open {
                    proven.get(&choice.id).cloned().unwrap_or_default()
                } else {
                    Vec::new()
                };
                ChoiceLine {
                    id: choice.id.clone(),
                    bp: choice.bp.clone(),
                    title: choice.title.clone(),
                    state,
                    reason: answer.not_applicable.get(&choice.id).cloned().unwrap_or_default(),
                    proven_by,
                }
            })
            .collect();
        let tally = progress.entry(pillar).or_insert(Progress { done: 0, applicable: 0 });
        for (line, choice) in choices.iter().zip(&question.choices) {
            if choice.is_none_of_these() || line.state == ChoiceState::NotApplicable {
                continue;
            }
            tally.applicable += 1;
            tally.done += u32::from(line.state == ChoiceState::Selected);
        }
        for line in choices.iter().filter(|line| !line.proven_by.is_empty()) {
            suggestions.push(Suggestion {
                question_id: question.id.clone(),
                number: question.number.clone(),
                choice_id: line.id.clone(),
                title: line.title.clone(),
                proven_by: line.proven_by.clone(),
            });
        }
        let title = |ids: &[String]| -> Vec<String> {
            question.choices.iter().filter(|c| ids.contains(&c.id)).map(|c| c.title.clone()).collect()
        };
        let status = match stored.edits.get(&question.id) {
            None => AnswerStatus::InAws,
            Some(edit) => match edit.status.as_str() {
                "conflict" => AnswerStatus::Conflict {
                    aws: title(
                        &edit
                            .remote
                            .as_ref()
                            .map(|remote| remote.answer.selected.iter().cloned().collect::<Vec<_>>())
                            .unwrap_or_default(),
                    ),
                    plinth: title(&edit.answer.selected.iter().cloned().collect::<Vec<_>>()),
                },
                "failed" => AnswerStatus::Failed(edit.message.clone().unwrap_or_default()),
                _ => AnswerStatus::InPlinthOnly,
            },
        };
        questions.push(AnswerQuestion {
            question_id: question.id.clone(),
            number: question.number.clone(),
            title: question.title.clone(),
            pillar,
            risk: stored.aws.get(&question.id).and_then(|(_, risk)| *risk),
            choices,
            status,
            history: history.get(&question.id).cloned().unwrap_or_default(),
        });
    }
    let total = questions.len();
    questions.retain(|question| {
        query.pillar.is_none_or(|pillar| pillar == question.pillar)
            && (!query.at_risk || matches!(question.risk, Some(Risk::High | Risk::Medium)))
    });
    let pillars = Pillar::ALL
        .into_iter()
        .map(|pillar| (pillar, progress.remove(&pillar).unwrap_or(Progress { done: 0, applicable: 0 })))
        .collect();
    Ok(WorkloadAnswers {
        workload_id: workload,
        workload_name: name,
        review: review.wa_workload_id,
        write_back,
        pillars,
        suggestions,
        questions,
        total,
    })
}

/// Choice id → the checklist items that relate to it and whose evidence
/// passes in this workload.
async fn proven_choices(pool: &PgPool, workload: Uuid) -> Result<HashMap<String, Vec<String>>, sqlx::Error> {
    let items = sqlx::query!(
        "SELECT text, choices, rules, controls FROM checklist_items
         WHERE NOT retired AND cardinality(choices) > 0 AND (cardinality(rules) > 0 OR cardinality(controls) > 0)
         ORDER BY pack_id, position"
    )
    .fetch_all(pool)
    .await?;
    let results = evidence::results(pool, Some(workload)).await?;
    let mut proven: HashMap<String, Vec<String>> = HashMap::new();
    for item in items {
        let (state, _, _) =
            evidence::judge(&ItemKeys { rules: &item.rules, controls: &item.controls }, results.get(&workload));
        if state != EvidenceState::Passing {
            continue;
        }
        for choice in item.choices {
            proven.entry(choice).or_default().push(item.text.clone());
        }
    }
    Ok(proven)
}

async fn history(conn: &mut PgConnection, workload: Uuid) -> Result<HashMap<String, Vec<ChoiceChange>>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT question_id AS "question_id!", choice_id AS "choice_id!", state AS "state!: ChoiceState",
                  reason AS "reason!",
                  actor AS "actor!", at AS "at!", outcome AS "outcome!"
           FROM (SELECT *, row_number() OVER (PARTITION BY question_id ORDER BY id DESC) AS n
                 FROM wa_choice_history WHERE workload_id = $1 AND lens_alias = $2) latest
           WHERE n <= $3 ORDER BY id DESC"#,
        workload,
        WELL_ARCHITECTED.lens_alias.as_str(),
        HISTORY_SHOWN
    )
    .fetch_all(conn)
    .await?;
    let mut by_question: HashMap<String, Vec<ChoiceChange>> = HashMap::new();
    for row in rows {
        by_question.entry(row.question_id).or_default().push(ChoiceChange {
            choice: row.choice_id,
            state: row.state,
            reason: row.reason,
            actor: row.actor,
            at: row.at,
            outcome: row.outcome,
        });
    }
    Ok(by_question)
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
