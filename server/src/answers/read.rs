//! A workload's answers as the answers page shows them: every question of
//! the lens with its choices, where each answer stands against AWS, its
//! history, progress per pillar, and the practices evidence proves.

use std::collections::HashMap;

use app::domain::answers::{
    AnswerQuestion, AnswerRefusal, AnswerStatus, AnswersQuery, ChoiceLine, ChoiceState, Suggestion, WorkloadAnswers,
    WriteBackOption,
};
use app::domain::checklists::{EvidenceState, Progress};
use app::domain::outbox::write_sentence;
use app::domain::{Pillar, Risk};
use sqlx::PgPool;
use uuid::Uuid;

use super::store;
use super::write_back::write_back_possible;
use super::{Answer, AnswerError};
use crate::aws::clients::SourceClients;
use crate::checklists::evidence::{self, ItemKeys};
use crate::lens::{LensQuestion, WELL_ARCHITECTED};
use crate::outbox::store::WriteRow;

/// A workload's answers as the page shows them.
pub async fn read(
    pool: &PgPool,
    writers: &SourceClients,
    workload: Uuid,
    query: &AnswersQuery,
) -> Result<WorkloadAnswers, AnswerError> {
    let mut conn = pool.acquire().await?;
    let name = store::workload_name(&mut conn, workload).await?.ok_or(AnswerRefusal::UnknownWorkload)?;
    let review = store::review(&mut conn, workload).await?;
    let stored = store::stored(&mut conn, workload, None).await?;
    let write_back = match write_back_possible(&review, writers) {
        Err(reason) => WriteBackOption::Unavailable(reason),
        Ok(_) if review.write_back => WriteBackOption::On,
        Ok(_) => WriteBackOption::Off,
    };
    let proven = proven_choices(pool, workload).await?;
    let history = store::history(&mut conn, workload).await?;
    let writes: HashMap<String, WriteRow> = crate::outbox::store::answers_of(&mut conn, workload)
        .await?
        .into_iter()
        .filter(|write| write.state.pending())
        .map(|write| (write.subject.clone(), write))
        .collect();
    drop(conn);

    let mut questions = Vec::new();
    let mut suggestions = Vec::new();
    let mut progress: HashMap<Pillar, Progress> = HashMap::new();
    for (pillar, question) in WELL_ARCHITECTED.questions() {
        let pillar = pillar.pillar();
        let answer = stored.current(&question.id);
        let choices = choice_lines(question, &answer, &proven);
        let tally = progress.entry(pillar).or_insert(Progress { done: 0, applicable: 0 });
        for (line, choice) in choices.iter().zip(&question.choices) {
            if choice.is_none_of_these() || line.state == ChoiceState::NotApplicable {
                continue;
            }
            tally.applicable += 1;
            tally.done += u32::from(line.state == ChoiceState::Selected);
        }
        for line in choices.iter().filter(|line| !line.proven_by.is_empty()) {
            suggestions.push(Suggestion {
                question_id: question.id.clone(),
                number: question.number.clone(),
                choice_id: line.id.clone(),
                title: line.title.clone(),
                proven_by: line.proven_by.clone(),
            });
        }
        let status = answer_status(question, &stored, writes.get(&question.id));
        questions.push(AnswerQuestion {
            question_id: question.id.clone(),
            number: question.number.clone(),
            title: question.title.clone(),
            pillar,
            risk: stored.aws.get(&question.id).and_then(|(_, risk)| *risk),
            choices,
            status,
            history: history.get(&question.id).cloned().unwrap_or_default(),
        });
    }
    let total = questions.len();
    questions.retain(|question| {
        query.pillar.is_none_or(|pillar| pillar == question.pillar)
            && (!query.at_risk || matches!(question.risk, Some(Risk::High | Risk::Medium)))
    });
    let pillars = Pillar::ALL
        .into_iter()
        .map(|pillar| (pillar, progress.remove(&pillar).unwrap_or(Progress { done: 0, applicable: 0 })))
        .collect();
    Ok(WorkloadAnswers {
        workload_id: workload,
        workload_name: name,
        review: review.wa_workload_id,
        write_back,
        pillars,
        suggestions,
        questions,
        total,
    })
}

/// A question's choices as the page lists them; an open one names the
/// checklist items whose evidence proves it.
fn choice_lines(question: &LensQuestion, answer: &Answer, proven: &HashMap<String, Vec<String>>) -> Vec<ChoiceLine> {
    question
        .choices
        .iter()
        .map(|choice| {
            let state = answer.state(&choice.id);
            let proven_by = if state == ChoiceState::Open {
                proven.get(&choice.id).cloned().unwrap_or_default()
            } else {
                Vec::new()
            };
            ChoiceLine {
                id: choice.id.clone(),
                bp: choice.bp.clone(),
                title: choice.title.clone(),
                state,
                reason: answer.not_applicable.get(&choice.id).cloned().unwrap_or_default(),
                proven_by,
            }
        })
        .collect()
}

/// Where a question's answer stands against AWS: AWS's, in Plinth only,
/// queued for AWS (with how its write is going), in conflict, or failed.
fn answer_status(question: &LensQuestion, stored: &store::Stored, write: Option<&WriteRow>) -> AnswerStatus {
    let title = |ids: &[String]| -> Vec<String> {
        question.choices.iter().filter(|c| ids.contains(&c.id)).map(|c| c.title.clone()).collect()
    };
    let Some(edit) = stored.edits.get(&question.id) else { return AnswerStatus::InAws };
    match (edit.status.as_str(), write) {
        ("conflict", _) => AnswerStatus::Conflict {
            aws: title(
                &edit
                    .remote
                    .as_ref()
                    .map(|remote| remote.answer.selected.iter().cloned().collect::<Vec<_>>())
                    .unwrap_or_default(),
            ),
            plinth: title(&edit.answer.selected.iter().cloned().collect::<Vec<_>>()),
        },
        ("failed", _) => AnswerStatus::Failed(edit.message.clone().unwrap_or_default()),
        (_, Some(write)) => AnswerStatus::Queued(write_sentence(
            write.state,
            write.attempts,
            write.next_attempt_at,
            write.last_error.as_deref(),
            None,
        )),
        (_, None) => AnswerStatus::InPlinthOnly,
    }
}

/// Choice id → the checklist items that relate to it and whose evidence
/// passes in this workload.
async fn proven_choices(pool: &PgPool, workload: Uuid) -> Result<HashMap<String, Vec<String>>, sqlx::Error> {
    let items = store::proving_items(pool).await?;
    let results = evidence::results(pool, Some(workload)).await?;
    let mut proven: HashMap<String, Vec<String>> = HashMap::new();
    for item in items {
        let (state, _, _) =
            evidence::judge(&ItemKeys { rules: &item.rules, controls: &item.controls }, results.get(&workload));
        if state != EvidenceState::Passing {
            continue;
        }
        for choice in item.choices {
            proven.entry(choice).or_default().push(item.text.clone());
        }
    }
    Ok(proven)
}
