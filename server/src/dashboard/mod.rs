//! The server's implementation of the dashboard reads the pages declare in
//! `app::ports`.

mod admin;
mod checklists;
pub(crate) mod remediation;

pub(crate) use remediation::today;
mod findings;
mod review;
mod rules;
mod workload;

use self::workload::TREND_POINTS;

use std::collections::HashMap;

use app::domain::FailingControl;
use app::domain::findings::{FindingDetail, FindingQuery, FindingsPage};
use app::domain::rules::{RuleDetail, RuleQuery, RulesPage};
use app::domain::sync::SyncStatus;

use app::domain::{Overview, Pillar, PillarBreakdown, PillarScore, WorkloadDetail, WorkloadSummary};
use app::error::AppError;
use app::ports::DashboardReads;
use sqlx::PgPool;

use crate::db::workloads::{self, WorkloadRow};
use crate::db::{finding_reads, remediation_reads, review_reads, sources, sync_runs};
use crate::mapping::MAPPING;
use crate::reference::CATALOGUE;
use crate::scoring::model::Weights;
use crate::scoring::model::mean_score;

pub struct PgDashboard {
    pub(crate) pool: PgPool,
    weights: Weights,
}

impl PgDashboard {
    pub fn new(pool: PgPool, weights: Weights) -> Self {
        PgDashboard { pool, weights }
    }

    /// The weights the scores are computed with.
    pub fn weights(&self) -> Weights {
        self.weights
    }

    /// Each source with only its latest run: what the overview's data
    /// freshness needs, without the sync page's run history.
    pub(crate) async fn sources_with_last_run(&self) -> Result<Vec<app::domain::sync::SourceStatus>, AppError> {
        let sources = sync_runs::sources(&self.pool).await.map_err(database_error)?;
        let ids: Vec<uuid::Uuid> = sources.iter().filter_map(|s| s.last_run_id).collect();
        let latest = self.runs_by_id(&ids).await?;
        Ok(review::sync_status(sources, Vec::new(), latest).sources)
    }

    /// These runs, in one read.
    async fn runs_by_id(&self, ids: &[uuid::Uuid]) -> Result<Vec<app::domain::sync::RunLine>, AppError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let limit = i64::try_from(ids.len()).unwrap_or(i64::MAX);
        let rows = sync_runs::runs(&self.pool, Some(ids), limit).await.map_err(database_error)?;
        Ok(rows.into_iter().map(review::run_line).collect())
    }
}

#[async_trait::async_trait]
impl DashboardReads for PgDashboard {
    async fn overview(&self) -> Result<Overview, AppError> {
        let rows = workloads::list_with_scores(&self.pool).await.map_err(database_error)?;
        let demo = sources::has_kind(&self.pool, "demo").await.map_err(database_error)?;
        let organisation = organisation_scores(&rows);
        let risks: HashMap<uuid::Uuid, review_reads::WorkloadRiskRow> = review_reads::workload_risks(&self.pool)
            .await
            .map_err(database_error)?
            .into_iter()
            .map(|row| (row.id, row))
            .collect();
        let trends =
            review::trends(review_reads::organisation_trend(&self.pool, TREND_POINTS).await.map_err(database_error)?);
        let failing_controls = finding_reads::worst_controls(&self.pool, 8)
            .await
            .map_err(database_error)?
            .into_iter()
            .map(|row| FailingControl {
                title: CATALOGUE.control(&row.control_id).map(|c| c.title.clone()),
                severity: row.severity,
                control_id: row.control_id,
                failing_findings: u64::try_from(row.failing_findings).unwrap_or(0),
                accounts: u32::try_from(row.failing_accounts).unwrap_or(0),
            })
            .collect();
        let sources = self.sources_with_last_run().await?;
        Ok(Overview {
            workloads: rows
                .into_iter()
                .map(|row| {
                    let risk = risks.get(&row.id);
                    let mut summary = summary_from_row(row);
                    if let Some(risk) = risk {
                        summary.high_risks = u32::try_from(risk.high).unwrap_or(u32::MAX);
                        summary.medium_risks = u32::try_from(risk.medium).unwrap_or(u32::MAX);
                        summary.review_updated_at = risk.review_updated_at;
                    }
                    summary
                })
                .collect(),
            organisation,
            demo,
            mapping_version: MAPPING.version.clone(),
            trends,
            failing_controls,
            sources,
            now: chrono::Utc::now(),
            overdue_items: remediation_reads::overdue(&self.pool, None, remediation::today())
                .await
                .map_err(database_error)?,
        })
    }

    async fn findings(&self, query: FindingQuery) -> Result<FindingsPage, AppError> {
        findings::page(&self.pool, query).await
    }

    async fn finding(&self, id: String) -> Result<FindingDetail, AppError> {
        findings::detail(&self.pool, id).await
    }

    async fn rules(&self, query: RuleQuery) -> Result<RulesPage, AppError> {
        rules::page(&self.pool, query).await
    }

    async fn rule(&self, rule_name: String, query: RuleQuery) -> Result<RuleDetail, AppError> {
        rules::detail(&self.pool, rule_name, query).await
    }

    async fn remediation(
        &self,
        query: app::domain::remediation::RemediationQuery,
        me: Option<String>,
    ) -> Result<app::domain::remediation::RemediationPage, AppError> {
        remediation_reads::page(&self.pool, query, me, today()).await.map_err(database_error)
    }

    async fn remediation_item(&self, id: uuid::Uuid) -> Result<app::domain::remediation::RemediationDetail, AppError> {
        remediation_reads::item(&self.pool, id, today())
            .await
            .map_err(database_error)?
            .ok_or_else(|| AppError::NotFound("That remediation item".into()))
    }

    async fn checklist(
        &self,
        workload: uuid::Uuid,
        query: app::domain::checklists::ChecklistQuery,
    ) -> Result<app::domain::checklists::WorkloadChecklist, AppError> {
        self.read_checklist(workload, query).await
    }

    async fn sync_status(&self) -> Result<SyncStatus, AppError> {
        let sources = sync_runs::sources(&self.pool).await.map_err(database_error)?;
        let runs: Vec<_> = sync_runs::runs(&self.pool, None, 20)
            .await
            .map_err(database_error)?
            .into_iter()
            .map(review::run_line)
            .collect();
        // A source whose latest run is older than the twenty shown.
        let older: Vec<uuid::Uuid> =
            sources.iter().filter_map(|s| s.last_run_id).filter(|id| !runs.iter().any(|run| run.id == *id)).collect();
        let latest = self.runs_by_id(&older).await?;
        Ok(review::sync_status(sources, runs, latest))
    }

    async fn aws_writes(&self) -> Result<Vec<app::domain::outbox::WriteLine>, AppError> {
        crate::outbox::store::recent(&self.pool, 50).await.map_err(database_error)
    }

    async fn onboarding(
        &self,
        query: app::domain::sync::OnboardingQuery,
    ) -> Result<app::domain::sync::OnboardingPage, AppError> {
        let size = app::domain::sync::OnboardingQuery::PAGE_SIZE;
        let offset = i64::from(query.page.saturating_sub(1)) * i64::from(size);
        let accounts =
            crate::db::accounts::onboarding(&self.pool, query.source.as_deref(), query.accounts, size.into(), offset)
                .await
                .map_err(database_error)?;
        let counts = crate::db::accounts::counts(&self.pool).await.map_err(database_error)?;
        let matching = query.matching(&counts);
        Ok(app::domain::sync::OnboardingPage {
            counts,
            accounts,
            page: query.page,
            pages: matching.div_ceil(size).max(1),
            matching,
            now: Some(chrono::Utc::now()),
            query,
        })
    }

    async fn pillar(&self, workload: uuid::Uuid, pillar: Pillar) -> Result<PillarBreakdown, AppError> {
        self.read_pillar(workload, pillar).await
    }

    async fn workload(&self, id: uuid::Uuid) -> Result<WorkloadDetail, AppError> {
        self.read_workload(id).await
    }
}

/// Per pillar, the mean of the workloads' unrounded scores and coverage.
fn organisation_scores(rows: &[WorkloadRow]) -> Vec<PillarScore> {
    Pillar::ALL
        .into_iter()
        .map(|pillar| {
            let scores: Vec<_> =
                rows.iter().flat_map(|row| row.scores.0.iter()).filter(|s| s.pillar == pillar).collect();
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
            .map(|score| PillarScore {
                pillar: score.pillar,
                // The table's CHECK constraints keep it in range.
                score: score.score.map(|value| value.round().clamp(0.0, 100.0) as u8),
                coverage: score.coverage,
            })
            .collect(),
        updated_at: row.updated_at,
        high_risks: 0,
        medium_risks: 0,
        review_updated_at: None,
    }
}

/// Logs a database failure once, here at the boundary, and tells the
/// browser only what it can act on.
pub(crate) fn database_error(error: sqlx::Error) -> AppError {
    tracing::error!(error = %error, "dashboard read failed");
    if crate::db::is_transient(&error) { AppError::Unavailable } else { AppError::Internal }
}

/// Every named account, for labels: "Production (314159265358)".
pub(crate) async fn account_names(pool: &sqlx::PgPool) -> Result<app::domain::sync::AccountNames, AppError> {
    crate::db::accounts::names(pool).await.map_err(database_error)
}

/// The accounts an account filter stands for when it holds a name rather
/// than an id (every account of that name, in any case; none if no
/// account has it); `None` for an id or no filter.
pub(crate) async fn accounts_named(pool: &sqlx::PgPool, filter: Option<&str>) -> Result<Option<Vec<String>>, AppError> {
    match filter.map(str::trim) {
        Some(name) if !name.is_empty() && !crate::sources::settings::is_account_id(name) => {
            Ok(Some(crate::db::accounts::ids_named(pool, name).await.map_err(database_error)?))
        }
        _ => Ok(None),
    }
}
