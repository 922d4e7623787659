//! One workload's review as a document: everything the PDF prints and the
//! JSON export carries, gathered through the same reads as the dashboard so
//! the numbers agree with the pages.

use app::domain::checklists::{ChecklistQuery, EvidenceState, TickState, WorkloadChecklist};
use app::domain::{Pillar, PillarBreakdown, PillarDetail, PillarTrend, WorkloadDetail, rounded};
use app::error::AppError;
use app::ports::DashboardReads;
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use crate::dashboard::{PgDashboard, database_error};
use crate::db::remediation_reads;

mod facts;

pub use facts::*;

/// The JSON export's shape and version; bumped when a field changes meaning.
pub const REVIEW_SCHEMA: &str = "plinth.review/1";

/// Failing resources named per control or rule; the rest are counted.
const TOP_RESOURCES: usize = 5;

/// Gathers one workload's review. `AppError::NotFound` for a workload that
/// does not exist.
#[tracing::instrument(skip(dashboard))]
pub async fn gather(dashboard: &PgDashboard, workload: Uuid, reviewer: &str) -> Result<Review, AppError> {
    let detail = dashboard.workload(workload).await?;
    let mut breakdowns = Vec::with_capacity(Pillar::ALL.len());
    for pillar in Pillar::ALL {
        breakdowns.push(dashboard.pillar(workload, pillar).await?);
    }
    let checklist = dashboard.checklist(workload, ChecklistQuery::default()).await?;
    let sources = dashboard.sources_with_last_run().await?;
    let today = crate::dashboard::remediation::today();
    let items = items(dashboard, workload, today).await?;
    let (baseline, since) = baseline(&detail);

    let pillars: Vec<PillarReview> = detail
        .pillars
        .iter()
        .zip(&breakdowns)
        .map(|(detail_pillar, breakdown)| pillar_review(detail_pillar, breakdown, &detail.trends, since, &checklist))
        .collect();
    let top_risks = super::risks::top_risks(&pillars);
    let checklist = checklist
        .items
        .into_iter()
        .map(|item| ChecklistFacts {
            pack: item.pack_id,
            item: item.item_id,
            text: item.text,
            pillar: item.pillar,
            state: item.state,
            by_evidence: item.by_evidence,
            actor: item.actor,
            at: item.at,
            note: item.note,
            evidence: item.evidence,
        })
        .collect();
    let demo = sources.iter().any(|s| s.kind == "demo");
    Ok(Review {
        schema: REVIEW_SCHEMA.to_owned(),
        generated_at: Utc::now(),
        reviewer: reviewer.to_owned(),
        overall: detail.overall(),
        workload: WorkloadFacts {
            id: detail.id,
            name: detail.name,
            description: detail.description,
            environment: detail.environment,
            owner: detail.review_owner,
            accounts: detail.account_ids,
            account_names: detail.account_names,
            regions: detail.regions,
            review_updated_at: detail.review_updated_at,
        },
        demo,
        mapping_version: detail.mapping_version,
        sources: sources.into_iter().map(SourceFreshness::from).collect(),
        baseline,
        pillars,
        top_risks,
        remediation: detail.remediation,
        trends: detail.trends,
        milestones: detail.milestones,
        remediation_items: items,
        checklist,
    })
}

/// One pillar of the review: its score and change, the questions at risk,
/// the failing evidence worst first, and where its checklist items stand.
fn pillar_review(
    detail_pillar: &PillarDetail,
    breakdown: &PillarBreakdown,
    trends: &[PillarTrend],
    since: Option<DateTime<Utc>>,
    checklist: &WorkloadChecklist,
) -> PillarReview {
    let pillar = detail_pillar.pillar;
    let score = rounded(detail_pillar.score);
    let change = trends.iter().find(|t| t.pillar == pillar).and_then(|trend| {
        let before = match since {
            Some(at) => trend.points.iter().rev().find(|p| p.taken_at <= at).and_then(|p| p.score),
            None => {
                let scores: Vec<f32> = trend.points.iter().filter_map(|p| p.score).collect();
                scores.len().checked_sub(2).map(|i| scores[i])
            }
        };
        Some(i32::from(score?) - i32::from(rounded(before)?))
    });
    let questions_at_risk = breakdown
        .answers
        .iter()
        .filter(|q| q.is_at_risk())
        .map(|q| RiskQuestion {
            id: q.id.clone(),
            title: q.title.clone(),
            risk: q.risk.map(|r| r.as_str().to_owned()).unwrap_or_default(),
            missing: q.missing().map(|c| c.title.clone()).collect(),
            improvement_url: q.improvement_url.clone(),
        })
        .collect();
    let failing = failing_evidence(breakdown);
    let status = checklist_status(checklist, pillar);
    PillarReview {
        pillar,
        name: pillar.name().to_owned(),
        score,
        review: rounded(detail_pillar.review),
        evidence: rounded(detail_pillar.evidence),
        checklist: rounded(detail_pillar.checklist),
        review_coverage: detail_pillar.review_coverage,
        evidence_coverage: detail_pillar.evidence_coverage,
        checklist_coverage: detail_pillar.checklist_coverage,
        change,
        risks: detail_pillar.risks,
        questions_at_risk,
        failing,
        passing: breakdown.evidence_items.iter().filter(|e| e.passed).count() as u32,
        checklist_status: status,
    }
}

/// The pillar's failing controls and rules, worst first: severity, then how
/// many resources fail.
fn failing_evidence(breakdown: &PillarBreakdown) -> Vec<FailingEvidence> {
    let mut failing_lines: Vec<_> = breakdown.evidence_items.iter().filter(|e| !e.passed).collect();
    failing_lines
        .sort_by(|a, b| b.weight.cmp(&a.weight).then(b.failing_count.cmp(&a.failing_count)).then(a.id.cmp(&b.id)));
    failing_lines
        .into_iter()
        .map(|e| FailingEvidence {
            kind: e.kind.clone(),
            id: e.id.clone(),
            title: e.title.clone(),
            severity: severity_name(e.weight).to_owned(),
            failing_count: e.failing_count,
            top_resources: e.failing_resources.iter().take(TOP_RESOURCES).cloned().collect(),
        })
        .collect()
}

/// How many of the pillar's checklist items are done, not applicable, open,
/// and open with failing evidence.
fn checklist_status(checklist: &WorkloadChecklist, pillar: Pillar) -> ChecklistStatus {
    let lines = checklist.items.iter().filter(|item| item.pillar == pillar);
    let mut status = ChecklistStatus::default();
    for line in lines {
        match line.state {
            TickState::Done => status.done += 1,
            TickState::NotApplicable => status.not_applicable += 1,
            TickState::Open => {
                status.open += 1;
                if line.evidence == EvidenceState::Failing {
                    status.failing += 1;
                }
            }
        }
    }
    status
}

/// What a pillar's change is measured against: the latest milestone inside
/// the trend's window, else the previous sync.
fn baseline(detail: &WorkloadDetail) -> (Option<String>, Option<DateTime<Utc>>) {
    let first = detail.trends.iter().flat_map(|t| t.points.first()).map(|p| p.taken_at).min();
    let milestone = detail
        .milestones
        .iter()
        .rev()
        .find(|m| matches!((m.recorded_at, first), (Some(at), Some(first)) if at >= first));
    match milestone {
        Some(m) => (Some(format!("milestone {} “{}”", m.number, m.name)), m.recorded_at),
        None if detail.trends.iter().any(|t| t.points.len() > 1) => (Some("the previous sync".to_owned()), None),
        None => (None, None),
    }
}

/// The severity a score weight stands for (CRITICAL 4 … LOW 1).
fn severity_name(weight: u32) -> &'static str {
    match weight {
        4.. => "CRITICAL",
        3 => "HIGH",
        2 => "MEDIUM",
        _ => "LOW",
    }
}

async fn items(dashboard: &PgDashboard, workload: Uuid, today: NaiveDate) -> Result<Vec<ItemFacts>, AppError> {
    let rows = remediation_reads::of_workload(&dashboard.pool, workload).await.map_err(database_error)?;
    Ok(rows
        .into_iter()
        .map(|row| ItemFacts {
            id: row.id,
            title: row.title,
            pillar: row.pillar,
            source_kind: row.source_kind,
            source_key: row.source_key,
            priority: row.priority,
            owner: row.owner,
            overdue: row.status.is_active() && row.due_on < today,
            due_on: row.due_on,
            status: row.status,
            acceptance_reason: row.acceptance_reason,
            accepted_until: row.accepted_until,
            ticket_url: row.ticket_url,
            ticket_system: row.ticket_system,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severities_read_back_from_their_score_weights() {
        assert_eq!(
            [4, 3, 2, 1].map(severity_name),
            ["CRITICAL", "HIGH", "MEDIUM", "LOW"],
            "the weights of the score's evidence component"
        );
    }
}
