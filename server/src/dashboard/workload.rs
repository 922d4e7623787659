//! One workload as its page and its pillar pages show it: scope, scores
//! with their components and coverage, trend, milestones, questions, and
//! each pillar's evidence explained.

use std::collections::HashMap;

use app::domain::{
    EvidenceLine, Milestone, Pillar, PillarBreakdown, PillarDetail, QuestionLine, Risk, RiskCounts, WorkloadDetail,
};
use app::error::AppError;

use super::{PgDashboard, account_names, database_error, remediation, review};
use crate::db::{remediation_reads, review_reads, workloads};
use crate::lens::WELL_ARCHITECTED;
use crate::reference::CATALOGUE;
use crate::scoring;
use crate::scoring::model::Component;

/// How many snapshots a trend line shows.
pub(super) const TREND_POINTS: i64 = 30;

impl PgDashboard {
    pub(super) async fn read_pillar(&self, workload: uuid::Uuid, pillar: Pillar) -> Result<PillarBreakdown, AppError> {
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
        let results: HashMap<(String, String), bool> =
            evidence_items.iter().map(|item| ((item.kind.clone(), item.id.clone()), item.passed)).collect();
        let answer_rows = review_reads::answers(&self.pool, workload).await.map_err(database_error)?;
        let answers = review::question_answers(&answer_rows, Some(pillar), &results);
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
            answers,
        })
    }

    pub(super) async fn read_workload(&self, id: uuid::Uuid) -> Result<WorkloadDetail, AppError> {
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
                let score = scores.iter().find(|s| s.pillar == pillar);
                let count = |risk: Risk| {
                    risks
                        .iter()
                        .filter(|(p, r, _)| p == pillar.id() && *r == risk)
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
                        high: count(Risk::High),
                        medium: count(Risk::Medium),
                        none: count(Risk::None),
                        unanswered: count(Risk::Unanswered),
                        not_applicable: count(Risk::NotApplicable),
                    },
                }
            })
            .collect();
        let trends =
            review::trends(review_reads::workload_trend(&self.pool, id, TREND_POINTS).await.map_err(database_error)?);
        let milestones = review_reads::milestones(&self.pool, id)
            .await
            .map_err(database_error)?
            .into_iter()
            .map(|m| Milestone { number: m.milestone_number, name: m.milestone_name, recorded_at: m.recorded_at })
            .collect();
        let answer_rows = review_reads::answers(&self.pool, id).await.map_err(database_error)?;
        let questions = review::question_answers(&answer_rows, None, &HashMap::new());
        let review_updated_at = review_reads::review_updated_at(&self.pool, id).await.map_err(database_error)?;
        let review_source = review_reads::review_source_kind(&self.pool, id).await.map_err(database_error)?;
        Ok(WorkloadDetail {
            id: row.id,
            name: row.name,
            description: row.description,
            environment: row.environment,
            review_owner: row.review_owner,
            account_names: account_names(&self.pool)
                .await?
                .into_iter()
                .filter(|(id, _)| row.account_ids.contains(id))
                .collect(),
            account_ids: row.account_ids,
            regions: row.regions,
            pillars,
            mapping_version,
            trends,
            milestones,
            questions,
            review_updated_at,
            remediation: remediation_reads::progress(&self.pool, Some(id), remediation::today())
                .await
                .map_err(database_error)?,
            review_source,
        })
    }
}
