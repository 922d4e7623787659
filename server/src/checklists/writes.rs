//! Checklist changes as the pages make them: through a server function
//! (the one-click tick) or a plain form, both ending here, so the score
//! moves with every tick.

use app::domain::answers::{AnswersQuery, WorkloadAnswers};
use app::domain::checklists::TickState;
use app::error::AppError;
use app::ports::{AnswerReads, ChecklistWrites};
use sqlx::PgPool;
use uuid::Uuid;

use super::answers::{self, AnswerError};
use super::store::{self, Tick, TickError};
use crate::aws::clients::SourceClients;
use crate::dashboard::database_error;
use crate::scoring::{self, model::Weights};

/// Records a tick and recomputes the workload's score. A score that cannot
/// be recomputed now is logged: the tick stands and the next sync catches up.
pub async fn tick_and_rescore(pool: &PgPool, weights: &Weights, actor: &str, tick: &Tick) -> Result<(), TickError> {
    store::tick(pool, actor, tick).await?;
    if let Err(error) = scoring::recompute_workload(pool, weights, tick.workload, "checklist").await {
        tracing::warn!(%error, "could not recompute the score after a tick");
    }
    Ok(())
}

/// The checklist writes (and the answers page's reads) on PostgreSQL.
pub struct PgChecklists {
    pub pool: PgPool,
    pub weights: Weights,
    pub writers: SourceClients,
}

#[async_trait::async_trait]
impl AnswerReads for PgChecklists {
    async fn answers(&self, workload: Uuid, query: AnswersQuery) -> Result<WorkloadAnswers, AppError> {
        answers::read(&self.pool, &self.writers, workload, &query).await.map_err(|error| match error {
            AnswerError::UnknownWorkload => AppError::NotFound("That workload".into()),
            AnswerError::Database(error) => database_error(error),
            other => AppError::Invalid(other.to_string()),
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
        match tick_and_rescore(&self.pool, &self.weights, &actor, &tick).await {
            Ok(()) => Ok(()),
            Err(TickError::UnknownItem) => Err(AppError::NotFound("That checklist item".into())),
            Err(TickError::Database(error)) => Err(database_error(error)),
        }
    }
}
