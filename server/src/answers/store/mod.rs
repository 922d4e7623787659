//! Well-Architected answers in PostgreSQL: the review a workload has in AWS,
//! the answers as last synced, the changes kept in Plinth (with what AWS
//! had when each began), their history, and the question locks that put
//! changes to one question in order.

use std::collections::{BTreeMap, HashMap};

use app::domain::Risk;
use serde_json::json;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

mod history;

pub(super) use self::history::{history, record_changes, record_outcome};
use super::{Answer, AnswerError};
use crate::aws::answers::WriteTarget;
use crate::lens::WELL_ARCHITECTED;
use app::domain::answers::AnswerRefusal;

/// The workload's review in the Well-Architected Tool, and whether its
/// answers go back there.
pub(crate) struct Review {
    pub(crate) wa_workload_id: Option<String>,
    pub(crate) write_back: bool,
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

/// The answer AWS has (as last synced) and the one kept in Plinth, if any.
pub(super) struct Stored {
    pub(super) aws: HashMap<String, (Answer, Option<Risk>)>,
    pub(super) edits: HashMap<String, Edit>,
}

pub(super) struct Edit {
    pub(super) answer: Answer,
    pub(super) based_on: Basis,
    pub(super) status: String,
    /// On conflict: the answer in AWS now.
    pub(super) remote: Option<Remote>,
    pub(super) message: Option<String>,
}

/// What AWS had when a change began: its selected and not-applicable
/// choices.
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct Basis {
    pub(super) selected: Vec<String>,
    pub(super) not_applicable: Vec<String>,
}

/// The answer in AWS found by a write that was stopped.
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct Remote {
    pub(super) answer: Answer,
    pub(super) risk: Option<Risk>,
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

/// The question's (or every question's) answers, locking the kept changes.
pub(super) async fn stored(
    conn: &mut PgConnection,
    workload: Uuid,
    question: Option<&str>,
) -> Result<Stored, sqlx::Error> {
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
    pub(super) fn current(&self, question: &str) -> Answer {
        match (self.edits.get(question), self.aws.get(question)) {
            (Some(edit), _) => edit.answer.clone(),
            (None, Some((answer, _))) => answer.clone(),
            (None, None) => Answer::default(),
        }
    }

    /// What AWS had when the team's change began.
    pub(super) fn based_on(&self, question: &str) -> Basis {
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

/// Puts changes to one question in order: they wait for each other, from
/// reading the answer to storing what AWS said.
pub(super) async fn lock_question(
    conn: &mut PgConnection,
    workload: Uuid,
    question_id: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query!("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", format!("answer {workload} {question_id}"))
        .execute(conn)
        .await?;
    Ok(())
}

/// Keeps the team's answer to a question in Plinth, with what AWS had when
/// the change began.
pub(super) async fn keep_edit(
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
pub(super) async fn store_as_aws(
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

/// Drops the answer kept in Plinth: AWS's is the answer again.
pub(super) async fn forget_edit(conn: &mut PgConnection, workload: Uuid, question_id: &str) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "DELETE FROM wa_answer_edits WHERE workload_id = $1 AND lens_alias = $2 AND question_id = $3",
        workload,
        WELL_ARCHITECTED.lens_alias.as_str(),
        question_id
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// A write found AWS changed since the last sync: both answers are kept
/// until a person chooses.
pub(super) async fn mark_conflict(
    conn: &mut PgConnection,
    workload: Uuid,
    question_id: &str,
    remote: &Remote,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE wa_answer_edits SET status = 'conflict', remote = $4, remote_na = $5, remote_risk = $6, message = NULL
         WHERE workload_id = $1 AND lens_alias = $2 AND question_id = $3",
        workload,
        WELL_ARCHITECTED.lens_alias.as_str(),
        question_id,
        &remote.answer.selected.iter().cloned().collect::<Vec<_>>(),
        json!(remote.answer.not_applicable),
        remote.risk.map(|risk| risk.as_str())
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// A write AWS refused, with its message.
pub(super) async fn mark_failed(
    conn: &mut PgConnection,
    workload: Uuid,
    question_id: &str,
    message: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE wa_answer_edits SET status = 'failed', message = $4
         WHERE workload_id = $1 AND lens_alias = $2 AND question_id = $3",
        workload,
        WELL_ARCHITECTED.lens_alias.as_str(),
        question_id,
        message
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Plinth's answer is to overwrite AWS's knowingly: what AWS has now is
/// the basis, and the change is sent again.
pub(super) async fn rebase_edit(
    conn: &mut PgConnection,
    workload: Uuid,
    question_id: &str,
    basis: &Basis,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE wa_answer_edits SET based_on = $4, based_on_na = $5, status = 'local', remote = NULL,
                remote_na = NULL, remote_risk = NULL, message = NULL
         WHERE workload_id = $1 AND lens_alias = $2 AND question_id = $3",
        workload,
        WELL_ARCHITECTED.lens_alias.as_str(),
        question_id,
        &basis.selected,
        &basis.not_applicable
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub(super) async fn set_write_back(conn: &mut PgConnection, workload: Uuid, on: bool) -> Result<(), sqlx::Error> {
    sqlx::query!("UPDATE workloads SET wa_write_back = $2 WHERE id = $1", workload, on).execute(conn).await?;
    Ok(())
}

pub(super) async fn workload_name(conn: &mut PgConnection, workload: Uuid) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar!("SELECT name FROM workloads WHERE id = $1", workload).fetch_optional(conn).await
}

/// A checklist item that relates to best practices and has evidence.
pub(super) struct ProvingItem {
    pub(super) text: String,
    pub(super) choices: Vec<String>,
    pub(super) rules: Vec<String>,
    pub(super) controls: Vec<String>,
}

/// The checklist items whose evidence can prove a best practice.
pub(super) async fn proving_items(pool: &PgPool) -> Result<Vec<ProvingItem>, sqlx::Error> {
    sqlx::query_as!(
        ProvingItem,
        "SELECT text, choices, rules, controls FROM checklist_items
         WHERE NOT retired AND cardinality(choices) > 0 AND (cardinality(rules) > 0 OR cardinality(controls) > 0)
         ORDER BY pack_id, position"
    )
    .fetch_all(pool)
    .await
}
