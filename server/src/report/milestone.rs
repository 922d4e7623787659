//! Opt-in when exporting a review: record a milestone of the workload's
//! review in the Well-Architected Tool, and keep it in Plinth's history the
//! way a sync would, so the trend chart marks it at once.

use app::domain::{MAX_MILESTONE_NAME, MilestoneRefusal};
use sqlx::PgPool;
use uuid::Uuid;

use crate::auth::audit;
use crate::aws::clients::SourceClients;
use crate::db::wellarchitected;

/// A milestone that was not recorded: refused (with what it was about,
/// where naming it helps), refused by AWS, or recorded in AWS but not
/// stored here.
#[derive(Debug, thiserror::Error)]
pub enum MilestoneError {
    #[error("{refusal}{}", about.as_deref().map(|about| format!(" ({about})")).unwrap_or_default())]
    Refused { refusal: MilestoneRefusal, about: Option<String> },
    #[error("the Well-Architected Tool refused the milestone: {0}")]
    Aws(#[from] crate::sources::FetchError),
    #[error("the milestone was recorded in AWS but not in Plinth's database: {0}")]
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
            MilestoneError::Aws(_) => MilestoneRefusal::Aws,
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

/// Records a milestone named `name` of the workload's review.
pub async fn record(
    pool: &PgPool,
    writers: &SourceClients,
    actor: &str,
    workload: Uuid,
    name: &str,
) -> Result<Recorded, MilestoneError> {
    let name = check_name(name)?;
    let review =
        crate::answers::store::review(&mut *pool.acquire().await?, workload).await.map_err(|error| match error {
            crate::answers::AnswerError::Database(error) => MilestoneError::Database(error),
            crate::answers::AnswerError::Refused { .. } => MilestoneRefusal::UnknownWorkload.into(),
        })?;
    let (Some(wa_workload_id), Some((target, kind))) = (review.wa_workload_id, review.target) else {
        return Err(MilestoneRefusal::NoReview.into());
    };
    if kind == "demo" {
        return Err(MilestoneRefusal::Demo.into());
    }
    if !writers.can_write(&target.source) {
        return Err(MilestoneError::about(MilestoneRefusal::NotConfigured, format!("source {:?}", target.source)));
    }
    if wellarchitected::milestone_named(pool, &wa_workload_id, name).await? {
        return Err(MilestoneError::about(MilestoneRefusal::Taken, format!("{name:?}")));
    }
    let token = Uuid::from_u128(rand::random()).to_string();
    let number = writers.create_milestone(&target, &wa_workload_id, name, &token).await.map_err(|error| match error
        .code
        .as_deref()
    {
        Some(crate::aws::milestones::CONFLICT) => MilestoneError::about(MilestoneRefusal::Taken, format!("{name:?}")),
        _ => MilestoneError::Aws(error),
    })?;
    let mut tx = pool.begin().await?;
    wellarchitected::record_milestone(&mut tx, &wa_workload_id, number, name).await?;
    audit::record(
        &mut tx,
        actor,
        "milestone.create",
        &format!("workload {workload}"),
        None,
        Some(serde_json::json!({ "wa_workload_id": wa_workload_id, "number": number, "name": name })),
    )
    .await?;
    tx.commit().await?;
    Ok(Recorded { number, name: name.to_owned() })
}
