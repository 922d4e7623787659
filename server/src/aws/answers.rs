//! Writing a question's answer back to the Well-Architected Tool (opt-in
//! per workload). Nothing is overwritten blindly: the answer in AWS is read
//! first, and if its selected choices differ from what our last sync saw,
//! someone changed it in AWS since; the write stops and both versions are
//! returned for a person to decide.

use app::domain::Risk;
use aws_sdk_wellarchitected::Client;
use aws_sdk_wellarchitected::types::{ChoiceReason, ChoiceStatus, ChoiceUpdate};

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
}

/// What became of a write-back.
#[derive(Clone, Debug, PartialEq)]
pub enum WriteBack {
    /// AWS took the answer and says this is the question's risk now.
    Written { risk: Option<Risk> },
    /// The answer in AWS changed since our last sync: nothing was written.
    Conflict { remote: Vec<String>, ours: Vec<String> },
}

fn sorted(mut choices: Vec<String>) -> Vec<String> {
    choices.sort();
    choices.dedup();
    choices
}

/// Writes one answer with `UpdateAnswer`, unless AWS's answer changed
/// since the last sync.
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
    let remote = sorted(current.answer().map(|answer| answer.selected_choices().to_vec()).unwrap_or_default());
    let ours = sorted(update.selected.clone());
    if remote != sorted(update.synced.clone()) {
        return Ok(WriteBack::Conflict { remote, ours });
    }
    let mut request = client
        .update_answer()
        .workload_id(&update.wa_workload_id)
        .lens_alias(&update.lens_alias)
        .question_id(&update.question_id)
        .set_selected_choices(Some(ours));
    for (choice, reason) in &update.not_applicable {
        let change = ChoiceUpdate::builder()
            .status(ChoiceStatus::NotApplicable)
            .reason(ChoiceReason::Other)
            .notes(reason.chars().take(250).collect::<String>())
            .build();
        request = request.choice_updates(choice, change);
    }
    limiter.acquire().await;
    let written = request.send().await.map_err(|error| fetch_error("UpdateAnswer", error))?;
    let risk = written.answer().and_then(|answer| answer.risk()).and_then(|risk| Risk::parse(risk.as_str()).ok());
    Ok(WriteBack::Written { risk })
}
