//! Writing a question's answer back to the Well-Architected Tool: where
//! it can be written, and the write itself, which never overwrites a change
//! made in AWS since the last sync.

use app::domain::answers::AnswerRefusal;
use sqlx::PgPool;
use uuid::Uuid;

use super::store::{self, Remote, Review};
use super::{Answer, AnswerError, Outcome};
use crate::aws::answers::{AnswerUpdate, WriteBack, WriteTarget};
use crate::aws::clients::SourceClients;
use crate::lens::WELL_ARCHITECTED;
use crate::scoring::{self, model::Weights};

/// Whether the workload's answers can be written to AWS, and why not.
pub(super) fn write_back_possible(review: &Review, writers: &SourceClients) -> Result<WriteTarget, String> {
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

/// Writes the question's answer kept in Plinth to AWS and records what
/// became of it. The answer is read under the question's lock, so the
/// latest change is the one sent, and a write never overtakes a newer one.
/// Written: AWS's answer (and risk) here become the new one and the score
/// moves.
pub(super) async fn send(
    pool: &PgPool,
    writers: &SourceClients,
    weights: &Weights,
    workload: Uuid,
    question_id: &str,
    target: &WriteTarget,
) -> Result<Outcome, AnswerError> {
    let lens = WELL_ARCHITECTED.lens_alias.as_str();
    let mut tx = pool.begin().await?;
    let wa_workload_id = store::review(&mut tx, workload).await?.wa_workload_id.ok_or(AnswerRefusal::NoReview)?;
    store::lock_question(&mut tx, workload, question_id).await?;
    let stored = store::stored(&mut tx, workload, Some(question_id)).await?;
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
            if store::store_as_aws(&mut tx, &wa_workload_id, question_id, &edit.answer, risk).await? > 0 {
                store::forget_edit(&mut tx, workload, question_id).await?;
            }
            Outcome::Written
        }
        Ok(WriteBack::Conflict { remote, .. }) => {
            let answer = Answer {
                selected: remote.selected.into_iter().collect(),
                not_applicable: remote.not_applicable.into_iter().collect(),
            };
            store::mark_conflict(&mut tx, workload, question_id, &Remote { answer, risk: remote.risk }).await?;
            Outcome::Conflict
        }
        Err(error) => {
            tracing::warn!(%error, "an answer could not be written to AWS");
            let message = error.to_string();
            store::mark_failed(&mut tx, workload, question_id, &message).await?;
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
