//! One remediation item in full: change it (status, owner, due date,
//! ticket and its system, risk acceptance), comment, read its history and
//! the Security Hub workflow it asked for. Every change is a plain form
//! (editors and admins); viewers read.

use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};
use uuid::Uuid;

use super::{error_text, owner_options, priority_class, status_class, status_options};
use crate::components::{PageTitle, TextArea};
use crate::domain::Role;
use crate::domain::remediation::{MAX_TEXT, RemediationDetail, RemediationRefusal, Status, TicketSystem};
use crate::error::AppError;
use crate::server_fns::get_remediation_item;

#[component]
pub fn RemediationItemPage() -> impl IntoView {
    let params = use_params_map();
    let query_map = use_query_map();
    let id = move || params.read().get("id").and_then(|id| Uuid::parse_str(&id).ok());
    let typed = query_map.with_untracked(|q| Typed {
        error: q.get("error"),
        created: q.get("created").is_some(),
        existing: q.get("existing").is_some(),
        status: q.get("status"),
        owner: q.get("owner"),
        due_on: q.get("due_on"),
        ticket_url: q.get("ticket_url"),
        ticket_system: q.get("ticket_system"),
        acceptance_reason: q.get("acceptance_reason"),
        accepted_until: q.get("accepted_until"),
        body: q.get("body"),
    });
    let item = AsyncDerived::new(move || {
        let id = id();
        async move {
            match id {
                Some(id) => get_remediation_item(id).await,
                None => Err(AppError::NotFound("That remediation item".into())),
            }
        }
    });
    let can_edit = crate::auth::may(Role::Editor);
    view! {
        <Transition fallback=|| view! { <p class="loading">"Loading the item…"</p> }>
            {move || {
                let typed = typed.clone();
                Suspend::new(async move {
                    match item.await {
                        Ok(item) => view! { <ItemView item typed can_edit /> }.into_any(),
                        Err(error) => super::super::failure(error),
                    }
                })
            }}
        </Transition>
    }
}

/// What a refused change brings back.
#[derive(Clone, Debug, Default)]
struct Typed {
    error: Option<String>,
    created: bool,
    existing: bool,
    status: Option<String>,
    owner: Option<String>,
    due_on: Option<String>,
    ticket_url: Option<String>,
    ticket_system: Option<String>,
    acceptance_reason: Option<String>,
    accepted_until: Option<String>,
    body: Option<String>,
}

#[component]
fn ItemView(item: RemediationDetail, typed: Typed, can_edit: bool) -> impl IntoView {
    let line = item.line.clone();
    let id = line.id;
    let overdue = line.is_overdue(item.today);
    let comment_error = typed.error.clone().filter(|code| {
        RemediationRefusal::parse(code) == Some(RemediationRefusal::EmptyComment) || typed.body.is_some()
    });
    let change_error = typed.error.clone().filter(|_| comment_error.is_none());
    let history = item
        .history
        .iter()
        .map(|h| {
            let reason = h.reason.clone().map(|r| format!(" ({r})"));
            view! { <li>{format!("{} · {} · {}", h.at.format("%Y-%m-%d %H:%M"), h.actor, h.change)}{reason}</li> }
        })
        .collect_view();
    let comments = item
        .comments
        .iter()
        .map(|c| {
            view! {
                <li class="comment">
                    <p class="muted">{format!("{} · {}", c.actor, c.at.format("%Y-%m-%d %H:%M"))}</p>
                    <p class="pre-wrap">{c.body.clone()}</p>
                </li>
            }
        })
        .collect_view();
    let edit = can_edit.then(|| {
        let status = typed.status.as_deref().and_then(Status::parse).unwrap_or(line.status);
        let owner = typed.owner.clone().or_else(|| item.owner_id.map(|o| o.to_string()));
        let due = typed.due_on.clone().unwrap_or_else(|| line.due_on.to_string());
        let ticket = typed.ticket_url.clone().or_else(|| item.ticket_url.clone()).unwrap_or_default();
        let system = typed.ticket_system.clone().or_else(|| item.ticket_system.map(|s| s.as_str().to_owned()));
        let reason = typed.acceptance_reason.clone().or_else(|| item.acceptance_reason.clone()).unwrap_or_default();
        let until = typed.accepted_until.clone().or_else(|| line.accepted_until.map(|d| d.to_string())).unwrap_or_default();
        view! {
            <section class="panel" aria-labelledby="change-heading">
                <h2 id="change-heading">"Change"</h2>
                {change_error.map(|code| view! { <div class="notice notice-error" role="alert">{error_text(&code)}</div> })}
                <form method="post" action=format!("/remediation/{id}") class="stacked-form">
                    <input type="hidden" name="full" value="1" />
                    <label>"Status"<select name="status">{status_options(Some(status))}</select></label>
                    <label>"Owner"<select name="owner">{owner_options(&item.assignees, owner.as_deref(), "Nobody")}</select></label>
                    <label>"Due"<input type="date" name="due_on" value=due required=true /></label>
                    <label>"Ticket link (Jira or any address)"<input type="url" name="ticket_url" value=ticket placeholder="https://" /></label>
                    <label>"Ticket system"<select name="ticket_system">{ticket_system_options(system.as_deref())}</select></label>
                    <fieldset>
                        <legend>"When accepting the risk"</legend>
                        <label>"Why"<input type="text" name="acceptance_reason" value=reason maxlength=MAX_TEXT.to_string() /></label>
                        <label>"Until"<input type="date" name="accepted_until" value=until /></label>
                    </fieldset>
                    <button type="submit" class="button button-primary">"Save"</button>
                </form>
            </section>
        }
    });
    let comment_form = can_edit.then(|| {
        view! {
            {comment_error.map(|code| view! { <div class="notice notice-error" role="alert">{error_text(&code)}</div> })}
            <form method="post" action=format!("/remediation/{id}/comments") class="stacked-form">
                <label>"Comment"<TextArea name="body" rows=3 maxlength={MAX_TEXT as u32} required=true value=typed.body.clone().unwrap_or_default() /></label>
                <button type="submit" class="button">"Add the comment"</button>
            </form>
        }
    });
    view! {
        <PageTitle text=format!("{} · Remediation · Plinth", line.title) />
        <nav class="breadcrumbs" aria-label="Breadcrumbs">
            <a href="/remediation">"Remediation"</a>
            " / "
            <span aria-current="page">{line.title.clone()}</span>
        </nav>
        {typed.created.then(|| view! { <div class="notice" role="status">"The item was created."</div> })}
        {typed.existing.then(|| view! { <div class="notice" role="status">"This source already has an item: here it is."</div> })}
        <h1 class="page-title">{line.title.clone()}</h1>
        {line.flagged.then(|| view! {
            <div class="notice notice-warning" role="alert">"Resolved by hand, but the evidence still fails at the last sync."</div>
        })}
        <dl class="facts">
            <dt>"Status"</dt>
            <dd>
                <span class=status_class(line.status)>{line.status.label()}</span>
                {line.by_evidence.then_some(" by evidence")}
            </dd>
            <dt>"Priority"</dt><dd><span class=priority_class(line.priority)>{line.priority.label()}</span></dd>
            <dt>"Owner"</dt><dd>{line.owner.clone().unwrap_or_else(|| "nobody yet".into())}</dd>
            <dt>"Due"</dt>
            <dd>{line.due_on.to_string()}{overdue.then(|| view! { " "<span class="badge overdue-badge">"Overdue"</span> })}</dd>
            <dt>"Workload"</dt><dd><a href=format!("/workloads/{}", line.workload_id)>{line.workload_name.clone()}</a></dd>
            <dt>"Pillar"</dt><dd>{line.pillar.name()}</dd>
            <dt>"Source"</dt>
            <dd>
                {line.source_kind.label()}
                {line.source_key.clone().map(|key| view! { " "<code>{key}</code> })}
                {item.source_url.clone().map(|url| view! { " · "<a href=url rel="noopener noreferrer">"Open the source"</a> })}
            </dd>
            {item.acceptance_reason.clone().map(|reason| view! {
                <dt>"Risk accepted"</dt>
                <dd>{format!("“{reason}” until {}", line.accepted_until.map(|d| d.to_string()).unwrap_or_default())}</dd>
            })}
            {item.ticket_url.clone().map(|url| view! { <dt>"Ticket"</dt><dd><a href=url.clone() rel="noopener noreferrer">{url.clone()}</a></dd> })}
            {item.ticket_system.map(|system| view! { <dt>"Ticket system"</dt><dd>{system.label()}</dd> })}
            <dt>"Created"</dt><dd>{format!("by {} on {}", item.created_by, item.created_at.format("%Y-%m-%d"))}</dd>
        </dl>
        {(!item.description.is_empty()).then(|| view! { <p class="pre-wrap description">{item.description.clone()}</p> })}
        {edit}
        <section aria-labelledby="comments-heading" id="comments">
            <h2 id="comments-heading">"Comments"</h2>
            <ol class="plain-list comments">{comments}</ol>
            {comment_form}
        </section>
        {(!item.finding_updates.is_empty()).then(|| {
            let lines = item
                .finding_updates
                .iter()
                .map(|u| {
                    view! { <li>{format!("{} · {} · {}", u.at.format("%Y-%m-%d %H:%M"), u.workflow, u.sentence())}</li> }
                })
                .collect_view();
            view! {
                <section aria-labelledby="securityhub-heading">
                    <h2 id="securityhub-heading">"Security Hub workflow"</h2>
                    <ul class="history-list">{lines}</ul>
                </section>
            }
        })}
        <section aria-labelledby="history-heading">
            <h2 id="history-heading">"History"</h2>
            <ul class="history-list">{history}</ul>
        </section>
    }
}

/// The ticket systems to choose from, with "None" first.
fn ticket_system_options(chosen: Option<&str>) -> impl IntoView {
    let none = view! { <option value="none" selected=chosen.is_none_or(|c| c == "none")>"None"</option> };
    let systems = TicketSystem::ALL
        .iter()
        .map(|system| {
            view! { <option value=system.as_str() selected=chosen == Some(system.as_str())>{system.label()}</option> }
        })
        .collect_view();
    view! { {none}{systems} }
}
