//! One question on the answers page: its risk, where its answer stands
//! against AWS (in AWS, in Plinth only, queued, in conflict, failed), and
//! each best practice as a row to tick.

use leptos::prelude::*;
use uuid::Uuid;

use super::Typed;
use crate::domain::Risk;
use crate::domain::answers::{AnswerQuestion, AnswerStatus, ChoiceLine, ChoiceState, MAX_REASON};

fn risk_chip(risk: Option<Risk>) -> impl IntoView {
    let (class, text) = match risk {
        Some(Risk::High) => ("risk risk-high", "High risk"),
        Some(Risk::Medium) => ("risk risk-medium", "Medium risk"),
        Some(Risk::None) => ("risk risk-none", "No risk"),
        Some(Risk::NotApplicable) => ("risk risk-not_applicable", "Not applicable"),
        Some(Risk::Unanswered) | None => ("risk risk-not_applicable", "Unanswered"),
    };
    view! { <span class=class>{text}</span> }
}

#[component]
pub(super) fn QuestionCard(
    question: AnswerQuestion,
    workload: Uuid,
    back: String,
    opened: bool,
    typed: Option<Typed>,
    can_edit: bool,
) -> impl IntoView {
    let action = format!("/workloads/{workload}/answers");
    let status = match &question.status {
        AnswerStatus::InAws => None,
        AnswerStatus::InPlinthOnly => Some(
            view! { <p class="answer-status muted">"Changed in Plinth; not in the Well-Architected Tool."</p> }
                .into_any(),
        ),
        AnswerStatus::Conflict { aws, plinth } => {
            let list = |choices: &[String]| {
                if choices.is_empty() {
                    view! { <p class="muted">"No practice selected."</p> }.into_any()
                } else {
                    let items = choices.iter().map(|c| view! { <li>{c.clone()}</li> }).collect_view();
                    view! { <ul>{items}</ul> }.into_any()
                }
            };
            let resolve = can_edit.then(|| {
                let form = |keep: &'static str, label: &'static str| {
                    view! {
                        <form method="post" action=format!("/workloads/{workload}/answers/resolve") class="inline-form">
                            <input type="hidden" name="question" value=question.question_id.clone() />
                            <input type="hidden" name="keep" value=keep />
                            <input type="hidden" name="back" value=back.clone() />
                            <button type="submit" class="button">{label}</button>
                        </form>
                    }
                };
                view! {
                    <div class="conflict-actions">
                        {form("aws", "Keep the answer in AWS")}
                        {form("plinth", "Write Plinth's answer to AWS")}
                    </div>
                }
            });
            Some(
                view! {
                    <div class="notice notice-warning conflict" role="alert">
                        <p><strong>"Changed in AWS since the last sync: nothing was overwritten."</strong></p>
                        <div class="conflict-versions">
                            <div><h4>"In AWS now"</h4>{list(aws)}</div>
                            <div><h4>"In Plinth"</h4>{list(plinth)}</div>
                        </div>
                        {resolve}
                    </div>
                }
                .into_any(),
            )
        }
        AnswerStatus::Queued(state) => Some(
            view! {
                <p class="answer-status muted" role="status">
                    {format!("Changed in Plinth and queued for the Well-Architected Tool: {state}.")}
                </p>
            }
            .into_any(),
        ),
        AnswerStatus::Failed(message) => Some(
            view! {
                <div class="notice notice-error" role="alert">
                    <p>{format!("Not written to AWS: {message}. The answer is kept in Plinth.")}</p>
                    {can_edit.then(|| view! {
                        <form method="post" action=format!("/workloads/{workload}/answers/resolve") class="inline-form">
                            <input type="hidden" name="question" value=question.question_id.clone() />
                            <input type="hidden" name="keep" value="plinth" />
                            <input type="hidden" name="back" value=back.clone() />
                            <button type="submit" class="button">"Try again"</button>
                        </form>
                    })}
                </div>
            }
            .into_any(),
        ),
    };
    let choices = question
        .choices
        .iter()
        .map(|choice| {
            let key = format!("{}/{}", question.question_id, choice.id);
            let typed = typed.clone().filter(|typed| typed.choice == key);
            view! {
                <ChoiceRow
                    choice=choice.clone()
                    question_id=question.question_id.clone()
                    action=action.clone()
                    back=back.clone()
                    typed
                    can_edit
                />
            }
        })
        .collect_view();
    let history = (!question.history.is_empty()).then(|| {
        let lines = question
            .history
            .iter()
            .map(|change| {
                let title = question
                    .choices
                    .iter()
                    .find(|c| c.id == change.choice)
                    .map(|c| c.title.clone())
                    .unwrap_or_else(|| change.choice.clone());
                let reason = (!change.reason.is_empty()).then(|| format!(" (“{}”)", change.reason));
                let outcome = (!change.outcome.is_empty()).then(|| format!("; {}", change.outcome));
                view! {
                    <li>
                        {format!("{} · {}: {} by {}", change.at.format("%Y-%m-%d %H:%M"), title, change.state.label(), change.actor)}
                        {reason}
                        {outcome}
                    </li>
                }
            })
            .collect_view();
        view! { <details class="history"><summary>"History"</summary><ul>{lines}</ul></details> }
    });
    view! {
        <details class="question-card" id=question.anchor() open=opened>
            <summary>
                <span class="question-number">{question.number.clone()}</span>
                <strong>{question.title.clone()}</strong>
                {risk_chip(question.risk)}
                <span class="chip">{question.pillar.name()}</span>
                <span class="muted">{question.summary()}</span>
            </summary>
            {status}
            <ul class="choices" role="list">{choices}</ul>
            {history}
        </details>
    }
}

#[component]
fn ChoiceRow(
    choice: ChoiceLine,
    question_id: String,
    action: String,
    back: String,
    typed: Option<Typed>,
    can_edit: bool,
) -> impl IntoView {
    let quick = match choice.state {
        ChoiceState::Selected => (ChoiceState::Open, "Clear"),
        _ => (ChoiceState::Selected, "Followed"),
    };
    let hidden = {
        let question_id = question_id.clone();
        let choice_id = choice.id.clone();
        let back = back.clone();
        move || {
            view! {
                <input type="hidden" name="question" value=question_id.clone() />
                <input type="hidden" name="choice" value=choice_id.clone() />
                <input type="hidden" name="back" value=back.clone() />
            }
        }
    };
    let forms = can_edit.then(|| {
        let typed = typed.clone().unwrap_or_default();
        let reason = if typed.choice.is_empty() { choice.reason.clone() } else { typed.reason.clone() };
        // "None of these" is an answer, not a practice: it cannot be not applicable.
        let na = (choice.state != ChoiceState::NotApplicable && choice.bp.is_some()).then(|| {
            view! {
                <details class="tick-details" open=typed.error.is_some()>
                    <summary>"Not applicable…"</summary>
                    <form method="post" action=action.clone() class="stacked-form">
                        {hidden()}
                        <input type="hidden" name="state" value="not_applicable" />
                        <label>"Why it does not apply"<input type="text" name="reason" value=reason maxlength=MAX_REASON.to_string() required=true /></label>
                        <button type="submit" class="button">"Mark not applicable"</button>
                    </form>
                </details>
            }
        });
        let reopen = (choice.state == ChoiceState::NotApplicable).then(|| {
            view! {
                <form method="post" action=action.clone() class="inline-form">
                    {hidden()}
                    <input type="hidden" name="state" value="open" />
                    <button type="submit" class="button button-quiet" aria-label=format!("Reopen: {}", choice.title)>"Reopen"</button>
                </form>
            }
        });
        view! {
            {typed.error.map(|error| view! { <div class="notice notice-error" role="alert">{error.message()}</div> })}
            <div class="tick-forms">
                <form method="post" action=action.clone() class="inline-form">
                    {hidden()}
                    <input type="hidden" name="state" value=quick.0.as_str() />
                    <button type="submit" class="button" aria-label=format!("{}: {}", quick.1, choice.title)>{quick.1}</button>
                </form>
                {reopen}
                {na}
            </div>
        }
    });
    let proof = (!choice.proven_by.is_empty())
        .then(|| view! { <p class="muted evidence-hint">{format!("Evidence proves it: {}", choice.proven_by.join("; "))}</p> });
    view! {
        <li class="choice" data-state=choice.state.as_str()>
            <div class="checklist-head">
                <span class=format!("tick tick-{}", tick_class(choice.state)) aria-hidden="true"></span>
                {choice.bp.clone().map(|bp| view! { <span class="question-number">{bp}</span> })}
                <span>{choice.title.clone()}</span>
                <span class="chip">{choice.state.label()}</span>
            </div>
            {(choice.state == ChoiceState::NotApplicable && !choice.reason.is_empty())
                .then(|| view! { <p class="muted">{format!("“{}”", choice.reason)}</p> })}
            {proof}
            {forms}
        </li>
    }
}

fn tick_class(state: ChoiceState) -> &'static str {
    match state {
        ChoiceState::Selected => "done",
        ChoiceState::NotApplicable => "not_applicable",
        ChoiceState::Open => "open",
    }
}
