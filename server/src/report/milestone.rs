//! Opt-in when exporting a review: record a milestone of the workload's
//! review in the Well-Architected Tool, and keep it in Plinth's history the
//! way a sync would, so the trend chart marks it at once.

use app::domain::{MAX_MILESTONE_NAME, MilestoneRefusal};
use uuid::Uuid;

use app::domain::outbox::WriteKind;

use crate::auth::audit;
use crate::aws::answers::WriteTarget;
use crate::aws::clients::SourceClients;
use crate::db::wellarchitected;
use crate::outbox::{self, Claimed, Delivery, Outbox, Write};

/// A milestone that was not recorded: refused (with what it was about,
/// where naming it helps, such as AWS's error), or not queued because the
/// database could not be reached.
#[derive(Debug, thiserror::Error)]
pub enum MilestoneError {
    #[error("{refusal}{}", about.as_deref().map(|about| format!(" ({about})")).unwrap_or_default())]
    Refused { refusal: MilestoneRefusal, about: Option<String> },
    #[error("the database is unavailable: {0}")]
    Database(#[from] sqlx::Error),
}

impl MilestoneError {
    fn about(refusal: MilestoneRefusal, about: impl Into<String>) -> MilestoneError {
        MilestoneError::Refused { refusal, about: Some(about.into()) }
    }

    /// What the page says about it.
    pub fn refusal(&self) -> MilestoneRefusal {
        match self {
            MilestoneError::Refused { refusal, .. } => *refusal,
            MilestoneError::Database(_) => MilestoneRefusal::NotStored,
        }
    }
}

impl From<MilestoneRefusal> for MilestoneError {
    fn from(refusal: MilestoneRefusal) -> Self {
        MilestoneError::Refused { refusal, about: None }
    }
}

/// A milestone as recorded: its number in the Well-Architected Tool.
#[derive(Clone, Debug, PartialEq)]
pub struct Recorded {
    pub number: i32,
    pub name: String,
}

/// A milestone's name as AWS takes it: trimmed, not empty, not too long.
pub fn check_name(name: &str) -> Result<&str, MilestoneError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(MilestoneRefusal::NoName.into());
    }
    let length = name.chars().count();
    if length > MAX_MILESTONE_NAME {
        return Err(MilestoneError::about(MilestoneRefusal::NameTooLong, format!("this one has {length}")));
    }
    Ok(name)
}

/// Records a milestone named `name` of the workload's review: queued for
/// the Well-Architected Tool with a request token (so a write sent twice
/// makes one milestone), then sent at once. AWS not taking it yet leaves it
/// queued, to be tried again ([`MilestoneRefusal::Queued`]).
pub async fn record(outbox: &Outbox, actor: &str, workload: Uuid, name: &str) -> Result<Recorded, MilestoneError> {
    let name = check_name(name)?;
    let pool = &outbox.pool;
    let review =
        crate::answers::store::review(&mut *pool.acquire().await?, workload).await.map_err(|error| match error {
            crate::answers::AnswerError::Database(error) => MilestoneError::Database(error),
            crate::answers::AnswerError::Refused { .. } => MilestoneRefusal::UnknownWorkload.into(),
        })?;
    writable(&review, &outbox.clients)?;
    let taken = || MilestoneError::about(MilestoneRefusal::Taken, format!("{name:?}"));
    let wa_workload_id = review.wa_workload_id.as_deref().unwrap_or_default();
    if wellarchitected::milestone_named(pool, wa_workload_id, name).await?
        || outbox::store::milestone_pending(pool, workload, name).await?
    {
        return Err(taken());
    }
    let token = Uuid::from_u128(rand::random()).to_string();
    let mut tx = pool.begin().await?;
    let write = Write {
        kind: WriteKind::Milestone,
        workload,
        item: None,
        subject: name,
        payload: serde_json::json!({ "request_token": token }),
        actor,
    };
    let id = outbox::enqueue(&mut tx, &write).await?;
    tx.commit().await?;
    let settled = outbox.deliver_now(id).await?;
    match settled.map(|settled| settled.delivery) {
        Some(Delivery::Done { learnt, .. }) => {
            let number = learnt["number"].as_i64().and_then(|n| i32::try_from(n).ok()).unwrap_or_default();
            Ok(Recorded { number, name: name.to_owned() })
        }
        Some(Delivery::GiveUp(error)) if error == TAKEN => Err(taken()),
        Some(Delivery::GiveUp(error)) => Err(MilestoneError::about(MilestoneRefusal::Aws, error)),
        Some(Delivery::Failed(error)) => Err(MilestoneError::about(MilestoneRefusal::Queued, error)),
        None => Err(MilestoneRefusal::Queued.into()),
    }
}

/// Where the review's milestones can be written, or why not.
fn writable(review: &crate::answers::store::Review, clients: &SourceClients) -> Result<WriteTarget, MilestoneError> {
    let (Some(_), Some((target, kind))) = (&review.wa_workload_id, &review.target) else {
        return Err(MilestoneRefusal::NoReview.into());
    };
    if kind == "demo" {
        return Err(MilestoneRefusal::Demo.into());
    }
    if !clients.can_write(&target.source) {
        return Err(MilestoneError::about(MilestoneRefusal::NotConfigured, format!("source {:?}", target.source)));
    }
    Ok(target.clone())
}

/// What a delivery says when AWS has a milestone of that name.
const TAKEN: &str = "the workload already has a milestone with that name";

/// Delivers a queued milestone: creates it in AWS with its request token,
/// then keeps it in Plinth's history the way a sync would.
pub(crate) async fn deliver(outbox: &Outbox, write: &Claimed) -> Result<Delivery, sqlx::Error> {
    let pool = &outbox.pool;
    let review = match crate::answers::store::review(&mut *pool.acquire().await?, write.workload_id).await {
        Ok(review) => review,
        Err(crate::answers::AnswerError::Database(error)) => return Err(error),
        Err(refused) => return Ok(Delivery::GiveUp(refused.to_string())),
    };
    let target = match writable(&review, &outbox.clients) {
        Ok(target) => target,
        Err(refused) => return Ok(Delivery::GiveUp(refused.to_string())),
    };
    let wa_workload_id = review.wa_workload_id.unwrap_or_default();
    let name = write.subject.as_str();
    let token = write.payload["request_token"].as_str().unwrap_or_default();
    let number = match outbox.clients.create_milestone(&target, &wa_workload_id, name, token).await {
        Ok(number) => number,
        Err(error) if error.code.as_deref() == Some(crate::aws::milestones::CONFLICT) => {
            return Ok(Delivery::GiveUp(TAKEN.to_owned()));
        }
        Err(error) => return Ok(Delivery::Failed(error.to_string())),
    };
    let mut tx = pool.begin().await?;
    wellarchitected::record_milestone(&mut tx, &wa_workload_id, number, name).await?;
    audit::record(
        &mut tx,
        &write.actor,
        "milestone.create",
        &format!("workload {}", write.workload_id),
        None,
        Some(serde_json::json!({ "wa_workload_id": wa_workload_id, "number": number, "name": name })),
    )
    .await?;
    tx.commit().await?;
    Ok(Delivery::Done { outcome: format!("milestone {number}"), learnt: serde_json::json!({ "number": number }) })
}
