//! What the pages need from the server, as traits. The `server` crate
//! implements them and provides them as Leptos context; server functions
//! take them from there and make one call.

use std::sync::Arc;

use crate::domain::{Overview, Pillar, PillarBreakdown, WorkloadDetail};
use crate::error::AppError;

/// Read access to what the dashboard shows.
#[async_trait::async_trait]
pub trait DashboardReads: Send + Sync {
    /// Every workload with its current pillar scores, by name, and where
    /// the data comes from.
    async fn overview(&self) -> Result<Overview, AppError>;

    /// One workload with its six pillar scores; `NotFound` if there is none.
    async fn workload(&self, id: uuid::Uuid) -> Result<WorkloadDetail, AppError>;

    /// One workload's pillar score with every item behind it.
    async fn pillar(&self, workload: uuid::Uuid, pillar: Pillar) -> Result<PillarBreakdown, AppError>;
}

/// The dashboard reads as they travel through Leptos context.
#[derive(Clone)]
pub struct Dashboard(pub Arc<dyn DashboardReads>);

impl Dashboard {
    /// The implementation the server provided for this request.
    pub fn from_context() -> Result<Self, AppError> {
        leptos::prelude::use_context::<Dashboard>().ok_or(AppError::Internal)
    }
}
