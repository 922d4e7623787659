//! A workload's Well-Architected answers as a checklist: each question's
//! best practices followed, not applicable (with a reason) or open; where
//! each answer stands against AWS; conflicts with both versions; and the
//! practices evidence proves, for a person to confirm. Every change is a
//! plain form (editors and admins).

use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};
use uuid::Uuid;

use crate::components::{PageTitle, SubmitOnChange};
use crate::domain::answers::{AnswerRefusal, AnswerStatus, AnswersQuery, Suggestion, WorkloadAnswers, WriteBackOption};
use crate::domain::{Pillar, Role};
use crate::error::AppError;
use crate::server_fns::get_answers;

mod question;

use self::question::QuestionCard;

/// What a refused change brings back: the choice, the reason typed, why.
#[derive(Clone, Debug, Default)]
struct Typed {
    choice: String,
    reason: String,
    error: Option<AnswerRefusal>,
}

#[component]
pub fn WorkloadAnswersPage() -> impl IntoView {
    let params = use_params_map();
    let query_map = use_query_map();
    let workload = move || params.read().get("id").and_then(|id| Uuid::parse_str(&id).ok());
    let query = Memo::new(move |_| query_map.with(|q| AnswersQuery::from_params(|name| q.get(name))));
    let (typed, open, notice) = query_map.with_untracked(|q| {
        let refusal = q.get("error").and_then(|code| AnswerRefusal::parse(&code));
        let typed = Typed {
            choice: q.get("edit").unwrap_or_default(),
            reason: q.get("reason").unwrap_or_default(),
            error: refusal.filter(|refusal| refusal.is_about_the_choice()),
        };
        let notice = refusal.filter(|refusal| !refusal.is_about_the_choice()).map(AnswerRefusal::message);
        (typed, q.get("open").unwrap_or_default(), notice)
    });
    let answers = AsyncDerived::new(move || {
        let workload = workload();
        let query = query.get();
        async move {
            match workload {
                Some(workload) => get_answers(workload, query).await,
                None => Err(AppError::NotFound("That workload".into())),
            }
        }
    });
    let can_edit = crate::auth::may(Role::Editor);
    view! {
        <Transition fallback=|| view! { <p class="loading">"Loading the answers…"</p> }>
            {move || {
                let typed = typed.clone();
                let open = open.clone();
                let notice = notice.clone();
                Suspend::new(async move {
                    match answers.await {
                        Ok(answers) => {
                            view! { <AnswersView answers query=query.get() typed open notice can_edit /> }.into_any()
                        }
                        Err(error) => super::failure(error),
                    }
                })
            }}
        </Transition>
    }
}

#[component]
fn AnswersView(
    answers: WorkloadAnswers,
    query: AnswersQuery,
    typed: Typed,
    open: String,
    notice: Option<String>,
    can_edit: bool,
) -> impl IntoView {
    let workload = answers.workload_id;
    let back = query.href(workload);
    let pillars = answers
        .pillars
        .iter()
        .filter(|(_, progress)| progress.applicable > 0)
        .map(|(pillar, progress)| {
            let href = AnswersQuery { pillar: Some(*pillar), ..Default::default() }.href(workload);
            view! {
                <li class="pack-progress">
                    <a href=href>{pillar.name()}</a>
                    <span class="muted">{progress.text().replace("done", "followed")}</span>
                    <progress max=progress.applicable.max(1) value=progress.done>{progress.text()}</progress>
                </li>
            }
        })
        .collect_view();
    let shown = answers.questions.len();
    let total = answers.total;
    let filtered = query.pillar.is_some() || query.at_risk;
    let questions = answers
        .questions
        .into_iter()
        .map(|question| {
            let opened = filtered || open == question.question_id || !matches!(question.status, AnswerStatus::InAws);
            let typed = typed.choice.starts_with(&format!("{}/", question.question_id)).then(|| typed.clone());
            view! { <QuestionCard question workload back=back.clone() opened typed can_edit /> }
        })
        .collect_view();
    let no_review = answers.review.is_none();
    view! {
        <PageTitle text=format!("Well-Architected answers · {} · Plinth", answers.workload_name) />
        <nav class="breadcrumbs" aria-label="Breadcrumbs">
            <a href="/">"Overview"</a>
            " / "
            <a href=format!("/workloads/{workload}")>{answers.workload_name.clone()}</a>
            " / "
            <span aria-current="page">"Well-Architected answers"</span>
        </nav>
        <h1 class="page-title">"Well-Architected answers"</h1>
        <p class="lead">
            "Each question's best practices: followed, not applicable (with a reason) or open. "
            <a href=format!("/workloads/{workload}/checklists")>"Checklists"</a>
            " prove some of them from AWS evidence."
        </p>
        {notice.map(|notice| view! { <div class="notice notice-error" role="alert">{notice}</div> })}
        {no_review.then(|| view! {
            <div class="notice" role="status">
                "This workload has no review in the Well-Architected Tool yet, so there is nothing to answer here. "
                "Define it in the Well-Architected Tool and sync."
            </div>
        })}
        <WriteBackPanel option=answers.write_back.clone() workload can_edit />
        <SuggestionsPanel suggestions=answers.suggestions workload back=back.clone() can_edit />
        <section class="panel" aria-labelledby="answer-progress-heading">
            <h2 id="answer-progress-heading">"By pillar"</h2>
            <ul class="plain-list">{pillars}</ul>
        </section>
        <AnswerFilters query=query.clone() workload />
        <p class="result-count" role="status">{format!("{shown} of {total} questions")}</p>
        <div class="questions">{questions}</div>
    }
}

#[component]
fn WriteBackPanel(option: WriteBackOption, workload: Uuid, can_edit: bool) -> impl IntoView {
    let action = format!("/workloads/{workload}/answers/write-back");
    let (text, toggle) = match &option {
        WriteBackOption::On => (
            "Write-back is on: each change is sent to the Well-Architected Tool at once. A change made in AWS since \
             the last sync is never overwritten; you see both versions and choose."
                .to_owned(),
            Some(("false", "Turn write-back off")),
        ),
        WriteBackOption::Off => (
            "Write-back is off: changes are kept in Plinth and marked as not in AWS.".to_owned(),
            Some(("true", "Turn write-back on")),
        ),
        WriteBackOption::Unavailable(reason) => {
            (format!("Changes are kept in Plinth. Write-back to AWS is not possible: {reason}."), None)
        }
    };
    view! {
        <section class="panel write-back" aria-labelledby="write-back-heading">
            <h2 id="write-back-heading">"Write-back to the Well-Architected Tool"</h2>
            <p>{text}</p>
            {toggle.filter(|_| can_edit).map(|(on, label)| view! {
                <form method="post" action=action class="inline-form">
                    <input type="hidden" name="on" value=on />
                    <button type="submit" class="button button-quiet">{label}</button>
                </form>
            })}
        </section>
    }
}

#[component]
fn SuggestionsPanel(suggestions: Vec<Suggestion>, workload: Uuid, back: String, can_edit: bool) -> impl IntoView {
    if suggestions.is_empty() {
        return ().into_any();
    }
    let count = suggestions.len();
    let heading = if count == 1 {
        "Evidence proves 1 practice that is not selected".to_owned()
    } else {
        format!("Evidence proves {count} practices that are not selected")
    };
    let lines = suggestions
        .into_iter()
        .map(|suggestion| {
            let proof = format!("Proven by: {}", suggestion.proven_by.join("; "));
            let label = format!("{} · {}", suggestion.number, suggestion.title);
            if can_edit {
                view! {
                    <li>
                        <label class="check">
                            <input type="checkbox" name="choice" value=suggestion.key() checked=true />
                            <span>{label}<br /><span class="muted">{proof}</span></span>
                        </label>
                    </li>
                }
                .into_any()
            } else {
                view! { <li>{label}<br /><span class="muted">{proof}</span></li> }.into_any()
            }
        })
        .collect_view();
    let body = if can_edit {
        view! {
            <form method="post" action=format!("/workloads/{workload}/answers/suggestions") class="stacked-form">
                <input type="hidden" name="back" value=back />
                <ul class="plain-list suggestion-list">{lines}</ul>
                <button type="submit" class="button button-primary">"Select the checked practices"</button>
            </form>
        }
        .into_any()
    } else {
        view! { <ul class="plain-list suggestion-list">{lines}</ul> }.into_any()
    };
    view! {
        <section class="panel suggestions" aria-labelledby="suggestions-heading">
            <h2 id="suggestions-heading">{heading}</h2>
            <p class="muted">"Their checklist items' AWS evidence all passes. Select them?"</p>
            {body}
        </section>
    }
    .into_any()
}

#[component]
fn AnswerFilters(query: AnswersQuery, workload: Uuid) -> impl IntoView {
    let pillar_options = Pillar::ALL
        .into_iter()
        .map(
            |pillar| view! { <option value=pillar.id() selected=query.pillar == Some(pillar)>{pillar.name()}</option> },
        )
        .collect_view();
    let base = format!("/workloads/{workload}/answers");
    view! {
        <SubmitOnChange>
            <form method="get" action=base.clone() class="filters checklist-filters-gap">
                <div class="filter-grid">
                    <label>"Pillar"<select name="pillar"><option value="">"All pillars"</option>{pillar_options}</select></label>
                    <label class="check">
                        <input type="checkbox" name="risk" value="1" checked=query.at_risk />
                        "Only high and medium risk"
                    </label>
                </div>
                <div class="filter-actions">
                    <button type="submit" class="button">"Apply filters"</button>
                    {(query.pillar.is_some() || query.at_risk).then(|| view! {
                        <a class="button button-quiet" href=base.clone()>"Clear"</a>
                    })}
                </div>
            </form>
        </SubmitOnChange>
    }
}
