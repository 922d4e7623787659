//! A workload's review joined with the lens catalogue and the evidence
//! mapping; the score history; the sync status.

use std::collections::HashMap;

use app::domain::sync::{RunLine, SliceError, SourceStatus, SyncStatus};
use app::domain::{ChoiceLine, EvidenceRef, Pillar, PillarTrend, QuestionAnswer, TrendPoint};

use crate::db::review_reads::{AnswerRow, TrendRow};
use crate::db::sync_runs::{RunRow, SourceRow};
use crate::lens::WELL_ARCHITECTED;
use crate::mapping::MAPPING;

/// The lens's questions (of one pillar, or all) in the lens's order, each
/// with the team's answer, every best practice with the evidence the
/// mapping links to it, and the improvement plan. `results` gives the
/// evidence's pass or fail in the workload's scope, by (kind, id).
pub fn question_answers(
    answers: &[AnswerRow],
    only: Option<Pillar>,
    results: &HashMap<(String, String), bool>,
) -> Vec<QuestionAnswer> {
    let by_question: HashMap<&str, &AnswerRow> = answers.iter().map(|a| (a.question_id.as_str(), a)).collect();
    let mut evidence_by_choice: HashMap<&str, Vec<EvidenceRef>> = HashMap::new();
    for entry in &MAPPING.entries {
        for choice in &entry.choices {
            let kind = entry.kind.as_str().to_owned();
            let passed = results.get(&(kind.clone(), entry.key.clone())).copied();
            evidence_by_choice.entry(choice.as_str()).or_default().push(EvidenceRef {
                kind,
                id: entry.key.clone(),
                passed,
            });
        }
    }
    WELL_ARCHITECTED
        .questions()
        .filter_map(|(pillar, question)| {
            let pillar = pillar.pillar();
            if only.is_some_and(|only| only != pillar) {
                return None;
            }
            let answer = by_question.get(question.id.as_str());
            let plans: HashMap<&str, &str> = answer
                .and_then(|a| a.plans.as_ref())
                .map(|plans| plans.0.iter().filter_map(|p| Some((p.choice_id.as_str(), p.url.as_deref()?))).collect())
                .unwrap_or_default();
            let choices = question
                .choices
                .iter()
                .filter(|choice| !choice.is_none_of_these())
                .map(|choice| ChoiceLine {
                    id: choice.id.clone(),
                    title: choice.title.clone(),
                    selected: answer.is_some_and(|a| a.selected_choices.contains(&choice.id)),
                    improvement_url: plans.get(choice.id.as_str()).map(|url| (*url).to_owned()),
                    evidence: evidence_by_choice.get(choice.id.as_str()).cloned().unwrap_or_default(),
                })
                .collect();
            Some(QuestionAnswer {
                pillar,
                id: question.id.clone(),
                title: format!("{} {}", question.number, question.title),
                risk: answer.and_then(|a| a.risk),
                notes: answer.and_then(|a| a.notes.clone()).filter(|notes| !notes.trim().is_empty()),
                choices,
                improvement_url: answer.and_then(|a| a.improvement_plan_url.clone()),
            })
        })
        .collect()
}

/// Trend rows grouped per pillar, in the framework's order.
pub fn trends(rows: Vec<TrendRow>) -> Vec<PillarTrend> {
    Pillar::ALL
        .into_iter()
        .map(|pillar| PillarTrend {
            pillar,
            points: rows
                .iter()
                .filter(|row| row.pillar == pillar)
                .map(|row| TrendPoint { taken_at: row.taken_at, score: row.score })
                .collect(),
        })
        .collect()
}

pub fn run_line(row: RunRow) -> RunLine {
    let count = |n: i64| u32::try_from(n).unwrap_or(u32::MAX);
    RunLine {
        id: row.id,
        source_name: row.source_name,
        started_at: row.started_at,
        finished_at: row.finished_at,
        status: row.status,
        full_sync: row.full_sync,
        slices: count(row.slices),
        slices_done: count(row.slices_done),
        slices_failed: count(row.slices_failed),
        fetched: u64::try_from(row.fetched).unwrap_or(0),
        stored: u64::try_from(row.stored).unwrap_or(0),
        errors: row
            .errors
            .0
            .into_iter()
            .map(|e| SliceError {
                service: e.service,
                account_id: e.account_id,
                account_name: e.account_name,
                region: e.region,
                error_code: e.error_code,
                error_message: e.error_message,
                request_id: e.request_id,
            })
            .collect(),
    }
}

/// Sources with their latest run, from the rows read.
pub fn sync_status(sources: Vec<SourceRow>, runs: Vec<RunLine>, latest: Vec<RunLine>) -> SyncStatus {
    let sources = sources
        .into_iter()
        .map(|source| SourceStatus {
            last_run: source.last_run_id.and_then(|id| latest.iter().chain(&runs).find(|run| run.id == id).cloned()),
            id: source.id,
            name: source.name,
            next_sync_at: (source.kind != "demo").then_some(source.next_sync_at).flatten(),
            kind: source.kind,
            sync_interval_secs: source.sync_interval_secs,
            last_success: source.last_success,
        })
        .collect();
    SyncStatus { sources, runs, now: Some(chrono::Utc::now()) }
}
