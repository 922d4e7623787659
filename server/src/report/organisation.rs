//! The organisation's report: every workload side by side, the pillars over
//! all of them, what fails most and how remediation goes. Gathered from the
//! overview's read, so it agrees with the overview page.

use std::collections::HashMap;

use app::domain::remediation::RemediationProgress;
use app::domain::{Pillar, PillarTrend};
use app::error::AppError;
use app::ports::DashboardReads;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::review::SourceFreshness;
use crate::dashboard::{PgDashboard, database_error};

/// The JSON export's shape and version.
pub const ORGANISATION_SCHEMA: &str = "plinth.organisation/1";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OrganisationReport {
    pub schema: String,
    pub generated_at: DateTime<Utc>,
    pub reviewer: String,
    pub demo: bool,
    /// The mean of the organisation's pillar scores.
    pub overall: Option<u8>,
    pub pillars: Vec<OrganisationPillar>,
    /// Every workload, in name order.
    pub workloads: Vec<WorkloadLine>,
    pub failing_controls: Vec<ControlLine>,
    pub remediation: RemediationProgress,
    pub sources: Vec<SourceFreshness>,
    pub mapping_version: String,
    pub trends: Vec<PillarTrend>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OrganisationPillar {
    pub pillar: Pillar,
    pub name: String,
    /// The mean over the workloads that have a score.
    pub score: Option<u8>,
    /// Points since the previous sync.
    pub change: Option<i32>,
    pub coverage: f32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorkloadLine {
    pub id: Uuid,
    pub name: String,
    pub environment: Option<String>,
    pub owner: Option<String>,
    pub overall: Option<u8>,
    /// One per pillar, in the order of `Pillar::ALL`.
    pub scores: Vec<Option<u8>>,
    pub high_risks: u32,
    pub medium_risks: u32,
    /// Remediation items still to do, and those past their due date.
    pub active: i64,
    pub overdue: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ControlLine {
    pub control_id: String,
    pub title: Option<String>,
    pub severity: String,
    pub failing_findings: u64,
    pub accounts: u32,
}

/// Gathers the organisation's report.
#[tracing::instrument(skip(dashboard))]
pub async fn gather(dashboard: &PgDashboard, reviewer: &str) -> Result<OrganisationReport, AppError> {
    let overview = dashboard.overview().await?;
    let today = crate::dashboard::today();
    let counts = remediation_by_workload(dashboard, today).await?;
    let progress =
        crate::db::remediation_reads::progress(&dashboard.pool, None, today).await.map_err(database_error)?;
    let pillars: Vec<OrganisationPillar> = Pillar::ALL
        .into_iter()
        .map(|pillar| {
            let score = overview.organisation.iter().find(|s| s.pillar == pillar);
            let change = overview.trend(pillar).and_then(|trend| {
                let scores: Vec<f32> = trend.points.iter().filter_map(|p| p.score).collect();
                match scores.as_slice() {
                    [.., before, now] => Some(now.round() as i32 - before.round() as i32),
                    _ => None,
                }
            });
            OrganisationPillar {
                pillar,
                name: pillar.name().to_owned(),
                score: score.and_then(|s| s.score),
                change,
                coverage: score.map_or(0.0, |s| s.coverage),
            }
        })
        .collect();
    let overall = mean(pillars.iter().filter_map(|p| p.score));
    let mut workloads: Vec<WorkloadLine> = overview
        .workloads
        .iter()
        .map(|w| {
            let (active, overdue) = counts.get(&w.id).copied().unwrap_or_default();
            WorkloadLine {
                id: w.id,
                name: w.name.clone(),
                environment: w.environment.clone(),
                owner: w.review_owner.clone(),
                overall: w.overall_score(),
                scores: Pillar::ALL.into_iter().map(|pillar| w.score_for(pillar)).collect(),
                high_risks: w.high_risks,
                medium_risks: w.medium_risks,
                active,
                overdue,
            }
        })
        .collect();
    workloads.sort_by(|a, b| a.name.to_lowercase().cmp(&b.name.to_lowercase()).then(a.id.cmp(&b.id)));
    Ok(OrganisationReport {
        schema: ORGANISATION_SCHEMA.to_owned(),
        generated_at: Utc::now(),
        reviewer: reviewer.to_owned(),
        demo: overview.demo,
        overall,
        pillars,
        workloads,
        failing_controls: overview
            .failing_controls
            .into_iter()
            .map(|c| ControlLine {
                control_id: c.control_id,
                title: c.title,
                severity: c.severity.as_str().to_owned(),
                failing_findings: c.failing_findings,
                accounts: c.accounts,
            })
            .collect(),
        remediation: progress,
        sources: overview.sources.into_iter().map(SourceFreshness::from).collect(),
        mapping_version: overview.mapping_version,
        trends: overview.trends,
    })
}

/// The rounded mean, as the overall scores are computed elsewhere.
fn mean(scores: impl Iterator<Item = u8>) -> Option<u8> {
    let scores: Vec<u32> = scores.map(u32::from).collect();
    let count = u32::try_from(scores.len()).ok().filter(|n| *n > 0)?;
    u8::try_from((scores.iter().sum::<u32>() + count / 2) / count).ok()
}

/// Active and overdue items per workload.
async fn remediation_by_workload(
    dashboard: &PgDashboard,
    today: chrono::NaiveDate,
) -> Result<HashMap<Uuid, (i64, i64)>, AppError> {
    crate::db::remediation_reads::active_and_overdue_by_workload(&dashboard.pool, today).await.map_err(database_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_overall_score_is_the_rounded_mean_of_the_scores_there_are() {
        assert_eq!(mean([80, 65].into_iter()), Some(73));
        assert_eq!(mean(std::iter::empty()), None);
    }
}
