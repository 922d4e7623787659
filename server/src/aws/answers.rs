//! Writing a question's answer back to the Well-Architected Tool (opt-in
//! per workload). Nothing is overwritten blindly: the answer in AWS is read
//! first, and if its selected choices differ from what our last sync saw,
//! someone changed it in AWS since; the write stops and both versions are
//! returned for a person to decide.

use app::domain::Risk;
use aws_sdk_wellarchitected::Client;
use aws_sdk_wellarchitected::types::{ChoiceReason, ChoiceStatus, ChoiceUpdate};

use super::clients::SourceClients;
use super::error::fetch_error;
use super::rate::RateLimiter;
use crate::sources::FetchError;

/// The answer a person gave in Plinth, and what the last sync saw.
#[derive(Clone, Debug, PartialEq)]
pub struct AnswerUpdate {
    pub wa_workload_id: String,
    pub lens_alias: String,
    pub question_id: String,
    /// The best practices the team follows.
    pub selected: Vec<String>,
    /// Best practices marked not applicable, with the reason given.
    pub not_applicable: Vec<(String, String)>,
    /// The selected choices in AWS as of our last sync.
    pub synced: Vec<String>,
    /// The choices not applicable in AWS as of our last sync.
    pub synced_not_applicable: Vec<String>,
}

/// A question's answer as it is in AWS now.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RemoteAnswer {
    pub selected: Vec<String>,
    /// With AWS's notes, or its reason code when there are none.
    pub not_applicable: Vec<(String, String)>,
    pub risk: Option<Risk>,
}

/// What became of a write-back.
#[derive(Clone, Debug, PartialEq)]
pub enum WriteBack {
    /// AWS took the answer and says this is the question's risk now.
    Written { risk: Option<Risk> },
    /// The answer in AWS changed since our last sync: nothing was written.
    Conflict { remote: RemoteAnswer, ours: Vec<String> },
}

fn sorted(mut choices: Vec<String>) -> Vec<String> {
    choices.sort();
    choices.dedup();
    choices
}

fn remote_answer(answer: Option<&aws_sdk_wellarchitected::types::Answer>) -> RemoteAnswer {
    let Some(answer) = answer else { return RemoteAnswer::default() };
    let not_applicable = answer
        .choice_answers()
        .iter()
        .filter(|choice| choice.status() == Some(&ChoiceStatus::NotApplicable))
        .filter_map(|choice| {
            let id = choice.choice_id()?.to_owned();
            let text = match choice.notes().filter(|notes| !notes.is_empty()) {
                Some(notes) => notes.to_owned(),
                None => choice.reason().map(|reason| reason.as_str().to_owned()).unwrap_or_default(),
            };
            Some((id, text))
        })
        .collect();
    RemoteAnswer {
        selected: sorted(answer.selected_choices().to_vec()),
        not_applicable,
        risk: answer.risk().and_then(|risk| Risk::parse(risk.as_str()).ok()),
    }
}

/// Writes one answer with `UpdateAnswer`, unless AWS's answer (its
/// selected or not-applicable choices) changed since the last sync, or is
/// this answer already. Only
/// choices whose applicability changes are sent as choice updates, so the
/// reasons and notes AWS keeps for the others stay as they are.
pub async fn write_answer(
    client: &Client,
    limiter: &RateLimiter,
    update: &AnswerUpdate,
) -> Result<WriteBack, FetchError> {
    limiter.acquire().await;
    let current = client
        .get_answer()
        .workload_id(&update.wa_workload_id)
        .lens_alias(&update.lens_alias)
        .question_id(&update.question_id)
        .send()
        .await
        .map_err(|error| fetch_error("GetAnswer", error))?;
    let remote = remote_answer(current.answer());
    let ours = sorted(update.selected.clone());
    let remote_na = sorted(remote.not_applicable.iter().map(|(choice, _)| choice.clone()).collect());
    let ours_na = sorted(update.not_applicable.iter().map(|(choice, _)| choice.clone()).collect());
    if remote.selected == ours && remote_na == ours_na {
        // AWS has this answer already: a write sent again after a server
        // stopped mid-delivery, or the same change made in AWS.
        return Ok(WriteBack::Written { risk: remote.risk });
    }
    if remote.selected != sorted(update.synced.clone()) || remote_na != sorted(update.synced_not_applicable.clone()) {
        return Ok(WriteBack::Conflict { remote, ours });
    }
    let mut request = client
        .update_answer()
        .workload_id(&update.wa_workload_id)
        .lens_alias(&update.lens_alias)
        .question_id(&update.question_id)
        .set_selected_choices(Some(ours.clone()));
    for (choice, reason) in &update.not_applicable {
        let unchanged = remote.not_applicable.iter().any(|(id, text)| id == choice && text == reason);
        if unchanged {
            continue;
        }
        let change = ChoiceUpdate::builder()
            .status(ChoiceStatus::NotApplicable)
            .reason(ChoiceReason::Other)
            .notes(reason.chars().take(250).collect::<String>())
            .build();
        request = request.choice_updates(choice, change);
    }
    // Choices that applied again: selected now, or open.
    for choice in remote_na.iter().filter(|id| !update.not_applicable.iter().any(|(ours, _)| ours == *id)) {
        let status = if ours.contains(choice) { ChoiceStatus::Selected } else { ChoiceStatus::Unselected };
        request = request.choice_updates(choice, ChoiceUpdate::builder().status(status).build());
    }
    limiter.acquire().await;
    let written = request.send().await.map_err(|error| fetch_error("UpdateAnswer", error))?;
    let risk = written.answer().and_then(|answer| answer.risk()).and_then(|risk| Risk::parse(risk.as_str()).ok());
    Ok(WriteBack::Written { risk })
}

/// Where a workload's answers are written: its source, and the account and
/// region of the workload in the Well-Architected Tool.
#[derive(Clone, Debug, PartialEq)]
pub struct WriteTarget {
    pub source: String,
    pub account_id: String,
    pub region: String,
}

impl SourceClients {
    /// Writes one answer to the workload's Well-Architected Tool.
    pub async fn write(&self, target: &WriteTarget, update: &AnswerUpdate) -> Result<WriteBack, FetchError> {
        let clients = self.clients(&target.source, &target.account_id, &target.region).await?;
        write_answer(&clients.well_architected, self.limiter(), update).await
    }
}
