//! The server's implementation of the dashboard reads the pages declare in
//! `app::ports`.

use app::domain::{
    EvidenceLine, Overview, Pillar, PillarBreakdown, PillarDetail, PillarScore, QuestionLine, RiskCounts,
    WorkloadDetail, WorkloadSummary,
};
use app::error::AppError;
use app::ports::DashboardReads;
use sqlx::PgPool;

use crate::db::sources;
use crate::db::workloads::{self, WorkloadRow};
use crate::lens::WELL_ARCHITECTED;
use crate::mapping::MAPPING;
use crate::reference::CATALOGUE;
use crate::scoring;
use crate::scoring::model::mean_score;
use crate::scoring::model::{Component, Weights};

pub struct PgDashboard {
    pool: PgPool,
    weights: Weights,
}

impl PgDashboard {
    pub fn new(pool: PgPool, weights: Weights) -> Self {
        PgDashboard { pool, weights }
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

    async fn pillar(&self, workload: uuid::Uuid, pillar: Pillar) -> Result<PillarBreakdown, AppError> {
        let row = workloads::detail(&self.pool, workload)
            .await
            .map_err(database_error)?
            .ok_or_else(|| AppError::NotFound("That workload".into()))?;
        let explanation =
            scoring::explain_in_full(&self.pool, &self.weights, workload, pillar).await.map_err(database_error)?;
        let lens_questions: Vec<(&str, &str)> = WELL_ARCHITECTED
            .questions()
            .filter(|(p, _)| p.id == pillar.id())
            .map(|(_, q)| (q.id.as_str(), q.title.as_str()))
            .collect();
        let mut questions = Vec::new();
        let mut evidence_items = Vec::new();
        for item in explanation.items {
            let contribution = item.contribution;
            match contribution.component {
                Component::Review => questions.push(QuestionLine {
                    title: lens_questions.iter().find(|(id, _)| *id == contribution.key).map(|(_, t)| (*t).to_owned()),
                    id: contribution.key,
                    risk: item.risk,
                    points: contribution.points,
                    at_best: contribution.at_best,
                }),
                Component::Evidence => {
                    let (kind, id) = contribution.key.split_once(':').unwrap_or(("control", contribution.key.as_str()));
                    let title = match kind {
                        "control" => CATALOGUE.control(id).map(|c| c.title.clone()),
                        _ => CATALOGUE.managed_rules.iter().find(|r| r.identifier == id).map(|r| r.rule_name.clone()),
                    };
                    evidence_items.push(EvidenceLine {
                        kind: kind.to_owned(),
                        id: id.to_owned(),
                        title,
                        passed: item.passed.unwrap_or(true),
                        weight: item.weight.unwrap_or(0),
                        points: contribution.points,
                        at_best: contribution.at_best,
                        failing_resources: item.failing_resources,
                        failing_count: item.failing_count,
                    });
                }
                Component::Checklist => {}
            }
        }
        questions.sort_by_key(|q| lens_questions.iter().position(|(id, _)| *id == q.id));
        evidence_items.sort_by(|a, b| a.passed.cmp(&b.passed).then(b.weight.cmp(&a.weight)).then(a.id.cmp(&b.id)));
        Ok(PillarBreakdown {
            workload_id: workload,
            workload_name: row.name,
            pillar,
            score: explanation.score.score,
            review: explanation.score.review,
            evidence: explanation.score.evidence,
            review_coverage: explanation.score.review_coverage,
            evidence_coverage: explanation.score.evidence_coverage,
            questions,
            evidence_items,
            mapping_version: explanation.mapping_version,
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
