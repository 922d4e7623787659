//! Checklist changes as the pages make them: through a server function
//! (the one-click tick) or a plain form, both ending here, so the score
//! moves with every tick.

use std::sync::Arc;

use app::domain::answers::{AnswerRefusal, AnswersQuery, WorkloadAnswers};
use app::domain::checklists::{TickRefusal, TickState};
use app::error::AppError;
use app::ports::{AnswerReads, ChecklistWrites};
use sqlx::PgPool;
use uuid::Uuid;

use super::store::{self, Tick, TickError};
use crate::answers::{self, AnswerError};
use crate::aws::clients::SourceClients;
use crate::dashboard::database_error;
use crate::scoring::Rescorer;
use crate::scoring::model::Weights;

/// Records a tick and recomputes the workload's score. Once the tick is
/// committed it is answered as stored, whatever happens next: a recompute
/// that fails stays marked due and the server's background job retries it.
pub async fn tick_and_rescore(
    pool: &PgPool,
    rescorer: &Rescorer,
    actor: &str,
    tick: &Tick,
) -> Result<store::Ticked, TickError> {
    let ticked = store::tick(pool, actor, tick).await?;
    if ticked.changed
        && let Err(error) = rescorer.after_change(tick.workload, "checklist").await
    {
        tracing::warn!(%error, workload = %tick.workload, "the tick is stored; its score is recomputed when the database allows");
    }
    Ok(ticked)
}

/// The checklist writes (and the answers page's reads) on PostgreSQL.
pub struct PgChecklists {
    pub pool: PgPool,
    pub weights: Weights,
    pub rescorer: Arc<Rescorer>,
    pub writers: SourceClients,
}

#[async_trait::async_trait]
impl AnswerReads for PgChecklists {
    async fn answers(&self, workload: Uuid, query: AnswersQuery) -> Result<WorkloadAnswers, AppError> {
        answers::read(&self.pool, &self.writers, workload, &query).await.map_err(|error| match error {
            AnswerError::Refused { refusal: AnswerRefusal::UnknownWorkload, .. } => {
                AppError::NotFound("That workload".into())
            }
            AnswerError::Database(error) => database_error(error),
            refused @ AnswerError::Refused { .. } => AppError::Invalid(refused.to_string()),
        })
    }
}

#[async_trait::async_trait]
impl ChecklistWrites for PgChecklists {
    async fn quick_tick(
        &self,
        actor: String,
        workload: Uuid,
        pack: String,
        item: String,
        state: TickState,
    ) -> Result<(), AppError> {
        let tick = Tick { workload, pack, item, state, note: None, link: None, keep_state: false };
        match tick_and_rescore(&self.pool, &self.rescorer, &actor, &tick).await {
            Ok(_) => Ok(()),
            Err(TickError::Refused(TickRefusal::UnknownItem)) => Err(AppError::NotFound("That checklist item".into())),
            Err(TickError::Refused(refusal)) => Err(AppError::Invalid(refusal.message())),
            Err(TickError::Database(error)) => Err(database_error(error)),
        }
    }
}
