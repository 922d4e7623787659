//! The server's implementation of the dashboard reads the pages declare in
//! `app::ports`.

use app::domain::{Overview, Pillar, PillarDetail, PillarScore, RiskCounts, WorkloadDetail, WorkloadSummary};
use app::error::AppError;
use app::ports::DashboardReads;
use sqlx::PgPool;

use crate::db::sources;
use crate::db::workloads::{self, WorkloadRow};
use crate::mapping::MAPPING;
use crate::scoring::model::mean_score;

pub struct PgDashboard {
    pool: PgPool,
}

impl PgDashboard {
    pub fn new(pool: PgPool) -> Self {
        PgDashboard { pool }
    }
}

#[async_trait::async_trait]
impl DashboardReads for PgDashboard {
    async fn overview(&self) -> Result<Overview, AppError> {
        let rows = workloads::list_with_scores(&self.pool).await.map_err(database_error)?;
        let demo = sources::has_kind(&self.pool, "demo").await.map_err(database_error)?;
        let organisation = organisation_scores(&rows);
        Ok(Overview {
            workloads: rows.into_iter().map(summary_from_row).collect(),
            organisation,
            demo,
            mapping_version: MAPPING.version.clone(),
        })
    }

    async fn workload(&self, id: uuid::Uuid) -> Result<WorkloadDetail, AppError> {
        let row = workloads::detail(&self.pool, id)
            .await
            .map_err(database_error)?
            .ok_or_else(|| AppError::NotFound("That workload".into()))?;
        let scores = workloads::pillar_scores(&self.pool, id).await.map_err(database_error)?;
        let risks = workloads::risk_counts(&self.pool, id).await.map_err(database_error)?;
        let mapping_version = scores.iter().find_map(|s| s.mapping_version.clone());
        let pillars = Pillar::ALL
            .into_iter()
            .map(|pillar| {
                let score = scores.iter().find(|s| s.pillar == pillar.id());
                let count = |risk: &str| {
                    risks
                        .iter()
                        .filter(|(p, r, _)| p == pillar.id() && r == risk)
                        .map(|(_, _, n)| u32::try_from(*n).unwrap_or(u32::MAX))
                        .sum()
                };
                PillarDetail {
                    pillar,
                    score: score.and_then(|s| s.score),
                    review: score.and_then(|s| s.review),
                    evidence: score.and_then(|s| s.evidence),
                    checklist: score.and_then(|s| s.checklist),
                    review_coverage: score.map_or(0.0, |s| s.review_coverage),
                    evidence_coverage: score.map_or(0.0, |s| s.evidence_coverage),
                    checklist_coverage: score.map_or(0.0, |s| s.checklist_coverage),
                    risks: RiskCounts {
                        high: count("HIGH"),
                        medium: count("MEDIUM"),
                        none: count("NONE"),
                        unanswered: count("UNANSWERED"),
                        not_applicable: count("NOT_APPLICABLE"),
                    },
                }
            })
            .collect();
        Ok(WorkloadDetail {
            id: row.id,
            name: row.name,
            description: row.description,
            environment: row.environment,
            review_owner: row.review_owner,
            account_ids: row.account_ids,
            regions: row.regions,
            pillars,
            mapping_version,
        })
    }
}

/// Per pillar, the mean of the workloads' unrounded scores and coverage.
fn organisation_scores(rows: &[WorkloadRow]) -> Vec<PillarScore> {
    Pillar::ALL
        .into_iter()
        .map(|pillar| {
            let scores: Vec<_> =
                rows.iter().flat_map(|row| row.scores.0.iter()).filter(|s| s.pillar == pillar.id()).collect();
            let score = mean_score(scores.iter().map(|s| s.score.map(f64::from)));
            let coverage = if scores.is_empty() {
                0.0
            } else {
                scores.iter().map(|s| s.coverage).sum::<f32>() / scores.len() as f32
            };
            PillarScore { pillar, score: score.map(|value| value.round().clamp(0.0, 100.0) as u8), coverage }
        })
        .collect()
}

fn summary_from_row(row: WorkloadRow) -> WorkloadSummary {
    WorkloadSummary {
        id: row.id,
        name: row.name,
        environment: row.environment,
        review_owner: row.review_owner,
        account_count: u32::try_from(row.account_count).unwrap_or(0),
        region_count: u32::try_from(row.region_count).unwrap_or(0),
        pillar_scores: row
            .scores
            .0
            .into_iter()
            .filter_map(|score| {
                // The table's CHECK constraints keep both in range.
                Some(PillarScore {
                    pillar: Pillar::from_id(&score.pillar)?,
                    score: score.score.map(|value| value.round().clamp(0.0, 100.0) as u8),
                    coverage: score.coverage,
                })
            })
            .collect(),
        updated_at: row.updated_at,
    }
}

/// Logs a database failure once, here at the boundary, and tells the
/// browser only what it can act on.
fn database_error(error: sqlx::Error) -> AppError {
    tracing::error!(error = %error, "dashboard read failed");
    match error {
        sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed => AppError::Unavailable,
        _ => AppError::Internal,
    }
}
