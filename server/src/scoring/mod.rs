//! Scoring: a 0–100 score per workload and pillar that blends the review,
//! the evidence and the checklist; computed from SQL aggregates, stored
//! with its components and coverage, and kept as a snapshot every time.

pub mod model;
mod rescore;

pub use rescore::Rescorer;

use std::collections::HashMap;

use app::domain::{Pillar, Risk};
use sqlx::PgPool;
use uuid::Uuid;

use self::model::{
    ChecklistTally, EvidenceItem, EvidenceTally, Explanation, ReviewItem, ReviewTally, Score, Weights, explain,
};
use crate::db::scores::{self, ScoreRow};
use crate::mapping::{EvidenceKind, MAPPING};

/// What a recomputation did.
#[derive(Debug, PartialEq)]
pub struct Recomputed {
    pub workloads: usize,
    pub scores: usize,
}

/// Recomputes every workload's pillar scores, stores them and keeps a
/// snapshot labelled with `reason` (such as the sync run that moved them).
#[tracing::instrument(skip(pool, weights))]
pub async fn recompute(pool: &PgPool, weights: &Weights, reason: &str) -> Result<Recomputed, sqlx::Error> {
    recompute_scope(pool, weights, reason, None).await
}

/// Recomputes one workload's pillar scores (after a tick, say).
#[tracing::instrument(skip(pool, weights))]
pub async fn recompute_workload(
    pool: &PgPool,
    weights: &Weights,
    workload: Uuid,
    reason: &str,
) -> Result<Recomputed, sqlx::Error> {
    recompute_scope(pool, weights, reason, Some(workload)).await
}

async fn recompute_scope(
    pool: &PgPool,
    weights: &Weights,
    reason: &str,
    only: Option<Uuid>,
) -> Result<Recomputed, sqlx::Error> {
    // Only the workload asked for is read, when one is.
    let workloads = scores::workload_ids(pool, only).await?;
    let reviews = review_tallies(pool, only).await?;
    let evidence = evidence_by_workload(pool, only).await?;
    let checklists = crate::checklists::store::scored_items(pool, only).await?;
    let mut rows = Vec::new();
    for workload in &workloads {
        for pillar in Pillar::ALL {
            let review = reviews.get(&(*workload, pillar)).copied().unwrap_or_default();
            let items = evidence.get(workload).map(|items| pillar_items(items, pillar)).unwrap_or_default();
            let tally = EvidenceTally::of(&items, mapped_count(pillar));
            let checklist =
                ChecklistTally::of(checklists.get(&(*workload, pillar)).map(Vec::as_slice).unwrap_or_default());
            let score = Score::of(weights, &review, &tally, &checklist);
            rows.push(row(*workload, pillar, &score));
        }
    }
    let mut tx = pool.begin().await?;
    scores::store(&mut tx, &rows, &MAPPING.version, reason).await?;
    tx.commit().await?;
    Ok(Recomputed { workloads: workloads.len(), scores: rows.len() })
}

/// Recomputes one workload marked due (in `score_recompute_due`, by the
/// change that moved its scores, in that change's transaction), and clears
/// the mark unless a newer change marked it again meanwhile.
#[tracing::instrument(skip(pool, weights))]
pub async fn recompute_marked(
    pool: &PgPool,
    weights: &Weights,
    workload: Uuid,
    reason: &str,
) -> Result<Recomputed, sqlx::Error> {
    let started = scores::clock(pool).await?;
    let recomputed = recompute_workload(pool, weights, workload, reason).await?;
    scores::clear_due(pool, workload, started).await?;
    Ok(recomputed)
}

/// Recomputes every workload still marked due: a change whose own
/// recompute failed (the database went away just after it committed).
#[tracing::instrument(skip_all)]
pub async fn recompute_due(pool: &PgPool, weights: &Weights) -> Result<usize, sqlx::Error> {
    let due = scores::due(pool).await?;
    for workload in &due {
        recompute_marked(pool, weights, *workload, "checklist").await?;
    }
    Ok(due.len())
}

/// Every item behind one workload's pillar score, with its part in it.
#[tracing::instrument(skip(pool, weights))]
pub async fn explain_pillar(
    pool: &PgPool,
    weights: &Weights,
    workload: Uuid,
    pillar: Pillar,
) -> Result<Explanation, sqlx::Error> {
    // An unanswered question (no risk yet) has no part in the review.
    let review: Vec<ReviewItem> = scores::answers(pool, workload, pillar)
        .await?
        .into_iter()
        .filter_map(|(question_id, risk)| Some(ReviewItem { question_id, risk: risk? }))
        .collect();
    let evidence = evidence_by_workload(pool, Some(workload)).await?;
    let items = evidence.get(&workload).map(|items| pillar_items(items, pillar)).unwrap_or_default();
    let checklists = crate::checklists::store::scored_items(pool, Some(workload)).await?;
    let checklist = checklists.get(&(workload, pillar)).cloned().unwrap_or_default();
    Ok(explain(weights, &review, &items, mapped_count(pillar), &checklist))
}

/// How many failing resources an explanation names per control or rule.
pub const FAILING_RESOURCES_SHOWN: i64 = 20;

/// One item of an explained score, with what a person needs to act on it.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ExplainedItem {
    pub contribution: model::Contribution,
    /// The question's risk, for review items.
    pub risk: Option<Risk>,
    /// Pass or fail, weight, and failing resources, for evidence items.
    pub passed: Option<bool>,
    pub weight: Option<u32>,
    pub failing_resources: Vec<String>,
    pub failing_count: i64,
}

/// A score with every item behind it, failing resources included.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct PillarExplanation {
    pub score: model::Score,
    pub mapping_version: String,
    pub items: Vec<ExplainedItem>,
}

/// [`explain_pillar`], with each question's risk and each failing control's
/// or rule's resources (up to [`FAILING_RESOURCES_SHOWN`]).
#[tracing::instrument(skip(pool, weights))]
pub async fn explain_in_full(
    pool: &PgPool,
    weights: &Weights,
    workload: Uuid,
    pillar: Pillar,
) -> Result<PillarExplanation, sqlx::Error> {
    let answers = scores::answers(pool, workload, pillar).await?;
    let risks: HashMap<String, Risk> =
        answers.into_iter().filter_map(|(question, risk)| Some((question, risk?))).collect();
    let review: Vec<ReviewItem> =
        risks.iter().map(|(question_id, risk)| ReviewItem { question_id: question_id.clone(), risk: *risk }).collect();
    let evidence = evidence_by_workload(pool, Some(workload)).await?;
    let evidence = evidence.get(&workload).map(|items| pillar_items(items, pillar)).unwrap_or_default();
    let evidence_by_key: HashMap<&str, &EvidenceItem> = evidence.iter().map(|item| (item.key.as_str(), item)).collect();
    let checklists = crate::checklists::store::scored_items(pool, Some(workload)).await?;
    let checklist = checklists.get(&(workload, pillar)).cloned().unwrap_or_default();
    let explanation = explain(weights, &review, &evidence, mapped_count(pillar), &checklist);
    let mut items = Vec::new();
    for contribution in explanation.contributions {
        let mut item = ExplainedItem {
            risk: None,
            passed: None,
            weight: None,
            failing_resources: Vec::new(),
            failing_count: 0,
            contribution,
        };
        let key = item.contribution.key.clone();
        match item.contribution.component {
            model::Component::Review => item.risk = risks.get(&key).copied(),
            model::Component::Evidence => {
                let Some(evidence) = evidence_by_key.get(key.as_str()) else { continue };
                let (kind, id) = key.split_once(':').unwrap_or(("control", key.as_str()));
                item.passed = Some(evidence.passed);
                item.weight = Some(evidence.weight);
                if !evidence.passed {
                    let (resources, count) =
                        scores::failing_resources(pool, workload, kind, id, FAILING_RESOURCES_SHOWN).await?;
                    item.failing_resources = resources;
                    item.failing_count = count;
                }
            }
            model::Component::Checklist => {}
        }
        items.push(item);
    }
    Ok(PillarExplanation { score: explanation.score, mapping_version: MAPPING.version.clone(), items })
}

async fn review_tallies(
    pool: &PgPool,
    workload: Option<Uuid>,
) -> Result<HashMap<(Uuid, Pillar), ReviewTally>, sqlx::Error> {
    let count = |n: i64| u32::try_from(n).unwrap_or(u32::MAX);
    Ok(scores::review_tallies(pool, workload)
        .await?
        .into_iter()
        .map(|row| {
            let tally = ReviewTally {
                none: count(row.none),
                medium: count(row.medium),
                high: count(row.high),
                applicable: count(row.applicable),
            };
            ((row.workload_id, row.pillar), tally)
        })
        .collect())
}

/// Each workload's mapped controls and rules with a result: (kind, key,
/// passed).
async fn evidence_by_workload(
    pool: &PgPool,
    workload: Option<Uuid>,
) -> Result<HashMap<Uuid, Vec<(EvidenceKind, String, bool)>>, sqlx::Error> {
    let keys = |kind| MAPPING.entries.iter().filter(move |e| e.kind == kind).map(|e| e.key.clone()).collect::<Vec<_>>();
    let rows =
        scores::evidence_results(pool, workload, &keys(EvidenceKind::Control), &keys(EvidenceKind::Rule)).await?;
    let mut by_workload: HashMap<Uuid, Vec<(EvidenceKind, String, bool)>> = HashMap::new();
    for row in rows {
        let kind = if row.kind == "rule" { EvidenceKind::Rule } else { EvidenceKind::Control };
        by_workload.entry(row.workload_id).or_default().push((kind, row.key, !row.failed));
    }
    Ok(by_workload)
}

/// The evidence items of one pillar, weighted by severity; keys are
/// prefixed with their kind so a control and a rule never collide.
fn pillar_items(results: &[(EvidenceKind, String, bool)], pillar: Pillar) -> Vec<EvidenceItem> {
    results
        .iter()
        .filter_map(|(kind, key, passed)| {
            let mapped = MAPPING.get(*kind, key)?;
            mapped.pillars.contains(&pillar).then(|| EvidenceItem {
                key: format!("{}:{key}", kind.as_str()),
                weight: mapped.weight(),
                passed: *passed,
            })
        })
        .collect()
}

fn mapped_count(pillar: Pillar) -> u32 {
    MAPPING.for_pillar(pillar).count() as u32
}

fn row(workload_id: Uuid, pillar: Pillar, score: &Score) -> ScoreRow {
    let real = |value: Option<f64>| value.map(|v| v as f32);
    ScoreRow {
        workload_id,
        pillar: pillar.id().to_owned(),
        score: real(score.score),
        review: real(score.review),
        evidence: real(score.evidence),
        checklist: real(score.checklist),
        review_coverage: score.review_coverage as f32,
        evidence_coverage: score.evidence_coverage as f32,
        checklist_coverage: score.checklist_coverage as f32,
    }
}
