//! Writing a question's answer back to the Well-Architected Tool, through
//! the outbox: where it can be written, the write queued with the change,
//! and its delivery, which never overwrites a change made in AWS since the
//! last sync.

use app::domain::outbox::WriteKind;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::store::{self, Basis, Remote, Review};
use super::{Answer, Outcome};
use crate::aws::answers::{AnswerUpdate, WriteBack, WriteTarget};
use crate::aws::clients::SourceClients;
use crate::lens::WELL_ARCHITECTED;
use crate::outbox::{self, Claimed, Delivery, Outbox, Write};
use crate::scoring;

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

/// Queues the question's answer kept in Plinth for AWS, in the change's
/// transaction. The write sends whatever the answer is when it goes out.
pub(super) async fn enqueue(
    conn: &mut PgConnection,
    actor: &str,
    workload: Uuid,
    question_id: &str,
) -> Result<i64, sqlx::Error> {
    let write = Write {
        kind: WriteKind::Answer,
        workload,
        item: None,
        subject: question_id,
        payload: serde_json::json!({}),
        actor,
    };
    outbox::enqueue(conn, &write).await
}

/// Sends the queued write now, and says what became of the change: written,
/// in conflict, or still queued because AWS did not take it yet.
pub(super) async fn send_now(outbox: &Outbox, write: i64) -> Result<Outcome, sqlx::Error> {
    let Some(settled) = outbox.deliver_now(write).await? else {
        return Ok(Outcome::Queued(None));
    };
    Ok(match settled.delivery {
        Delivery::Done { outcome, .. } if outcome == CONFLICT => Outcome::Conflict,
        Delivery::Done { .. } => Outcome::Written,
        Delivery::Failed(error) => Outcome::Queued(Some(error)),
        Delivery::GiveUp(error) => Outcome::Failed(error),
    })
}

/// What a delivery that AWS took says.
const WRITTEN: &str = "written to AWS";

/// What a delivery that found AWS changed says.
const CONFLICT: &str = "not written: changed in AWS since the last sync";

/// Delivers a queued answer: reads the answer kept in Plinth, asks AWS
/// (no transaction open meanwhile), and stores what AWS said. An answer
/// changed again while the write was out is kept, based on what AWS has
/// now, and its own write follows.
pub(crate) async fn deliver(outbox: &Outbox, write: &Claimed) -> Result<Delivery, sqlx::Error> {
    let (workload, question_id) = (write.workload_id, write.subject.as_str());
    let mut tx = outbox.pool.begin().await?;
    let review = match store::review(&mut tx, workload).await {
        Ok(review) => review,
        Err(super::AnswerError::Database(error)) => return Err(error),
        Err(refused) => return Ok(Delivery::GiveUp(refused.to_string())),
    };
    let target = match write_back_possible(&review, &outbox.clients) {
        Ok(target) => target,
        Err(why) => return Ok(Delivery::GiveUp(format!("cannot be written: {why}"))),
    };
    let Some(wa_workload_id) = review.wa_workload_id.clone() else {
        return Ok(Delivery::GiveUp("cannot be written: this workload has no review".into()));
    };
    if !review.write_back {
        return Ok(Delivery::done("kept in Plinth: write-back was turned off"));
    }
    store::lock_question(&mut tx, workload, question_id).await?;
    let stored = store::stored(&mut tx, workload, Some(question_id)).await?;
    let Some(edit) = stored.edits.get(question_id) else {
        return Ok(Delivery::done("nothing left to write: AWS has the answer"));
    };
    if edit.status == "conflict" {
        return Ok(Delivery::done(CONFLICT));
    }
    let sent = edit.answer.clone();
    let update = AnswerUpdate {
        wa_workload_id: wa_workload_id.clone(),
        lens_alias: WELL_ARCHITECTED.lens_alias.clone(),
        question_id: question_id.to_owned(),
        selected: sent.selected.iter().cloned().collect(),
        not_applicable: sent.not_applicable.iter().map(|(c, r)| (c.clone(), r.clone())).collect(),
        synced: edit.based_on.selected.clone(),
        synced_not_applicable: edit.based_on.not_applicable.clone(),
    };
    tx.commit().await?;

    let written = outbox.clients.write(&target, &update).await;

    let mut tx = outbox.pool.begin().await?;
    store::lock_question(&mut tx, workload, question_id).await?;
    let delivery = match written {
        Ok(WriteBack::Written { risk }) => {
            store::store_as_aws(&mut tx, &wa_workload_id, question_id, &sent, risk).await?;
            let now = store::stored(&mut tx, workload, Some(question_id)).await?;
            match now.edits.get(question_id) {
                Some(edit) if edit.answer == sent => store::forget_edit(&mut tx, workload, question_id).await?,
                // Changed again meanwhile: that change is based on what AWS has now.
                Some(_) => store::rebase_edit(&mut tx, workload, question_id, &basis_of(&sent)).await?,
                None => {}
            }
            Delivery::done(WRITTEN)
        }
        Ok(WriteBack::Conflict { remote, .. }) => {
            let answer = Answer {
                selected: remote.selected.into_iter().collect(),
                not_applicable: remote.not_applicable.into_iter().collect(),
            };
            store::mark_conflict(&mut tx, workload, question_id, &Remote { answer, risk: remote.risk }).await?;
            Delivery::done(CONFLICT)
        }
        Err(error) => Delivery::Failed(error.to_string()),
    };
    tx.commit().await?;
    if matches!(&delivery, Delivery::Done { outcome, .. } if outcome == WRITTEN)
        && let Err(error) = scoring::recompute_workload(&outbox.pool, &outbox.weights, workload, "answer").await
    {
        tracing::warn!(%error, "could not recompute the score after an answer was written");
    }
    Ok(delivery)
}

/// A write given up leaves the answer kept in Plinth, marked failed with
/// the last error, for a person to send again.
pub(crate) async fn given_up(pool: &PgPool, write: &Claimed, error: &str) -> Result<(), sqlx::Error> {
    let mut conn = pool.acquire().await?;
    store::mark_failed(&mut conn, write.workload_id, &write.subject, error).await
}

fn basis_of(answer: &Answer) -> Basis {
    Basis {
        selected: answer.selected.iter().cloned().collect(),
        not_applicable: answer.not_applicable.keys().cloned().collect(),
    }
}
