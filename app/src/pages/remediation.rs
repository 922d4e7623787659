//! Remediation: the list of items (filters, sort, "my items", overdue,
//! bulk changes, a new item by hand) and one item in full (change it,
//! comment, read its history). Every change is a plain form (editors and
//! admins); viewers read.

use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};
use uuid::Uuid;

use crate::components::{PageTitle, SubmitOnChange, TableFrame, TextArea};
use crate::domain::remediation::{
    Assignee, MAX_TEXT, MAX_TITLE, Priority, RemediationDetail, RemediationLine, RemediationPage, RemediationQuery,
    RemediationRefusal, Sort, SourceKind, Status, TicketSystem,
};
use crate::domain::{Pillar, Role};
use crate::error::AppError;
use crate::server_fns::{get_remediation, get_remediation_item};

/// The sentence for the refusal a refused form comes back with; a code no
/// refusal has (an address typed by hand) gets a plain one.
fn error_text(code: &str) -> String {
    RemediationRefusal::parse(code)
        .map(RemediationRefusal::message)
        .unwrap_or_else(|| "That could not be done; nothing was changed.".to_owned())
}

fn status_class(status: Status) -> &'static str {
    match status {
        Status::Open => "status status-open",
        Status::InProgress => "status status-progress",
        Status::Blocked => "status status-blocked",
        Status::Resolved => "status status-resolved",
        Status::RiskAccepted => "status status-accepted",
        Status::WontFix => "status status-wontfix",
    }
}

fn priority_class(priority: Priority) -> &'static str {
    match priority {
        Priority::Critical => "badge severity severity-critical",
        Priority::High => "badge severity severity-high",
        Priority::Medium => "badge severity severity-medium",
        Priority::Low => "badge severity severity-low",
    }
}

#[component]
pub fn RemediationListPage() -> impl IntoView {
    let query_map = use_query_map();
    let query = Memo::new(move |_| query_map.with(|q| RemediationQuery::from_params(|name| q.get(name))));
    let notes = query_map.with_untracked(|q| Notes {
        error: q.get("error"),
        bulk_error: q.get("bulk_error"),
        changed: q.get("changed"),
        created: q.get("created"),
        title: q.get("title").unwrap_or_default(),
        description: q.get("description").unwrap_or_default(),
        pillar: q.get("pillar").unwrap_or_default(),
        priority: q.get("priority").unwrap_or_default(),
    });
    let page = AsyncDerived::new(move || {
        let query = query.get();
        async move { get_remediation(query).await }
    });
    let can_edit = crate::auth::may(Role::Editor);
    view! {
        <PageTitle text="Remediation · Plinth" />
        <h1 class="page-title">"Remediation"</h1>
        <p class="lead">
            "Work to fix the risks: each item has an owner, a due date and a status that follows the evidence "
            "after every sync."
        </p>
        <Transition fallback=|| view! { <p class="loading">"Loading the items…"</p> }>
            {move || {
                let notes = notes.clone();
                Suspend::new(async move {
                    match page.await {
                        Ok(page) => view! { <ListView page query=query.get() notes can_edit /> }.into_any(),
                        Err(error) => super::failure(error),
                    }
                })
            }}
        </Transition>
    }
}

/// What the list page's address says about the last form sent.
#[derive(Clone, Debug, Default)]
struct Notes {
    error: Option<String>,
    bulk_error: Option<String>,
    changed: Option<String>,
    created: Option<String>,
    title: String,
    description: String,
    pillar: String,
    priority: String,
}

#[component]
fn ListView(page: RemediationPage, query: RemediationQuery, notes: Notes, can_edit: bool) -> impl IntoView {
    let back = query.href();
    let mine = RemediationQuery { owner: Some("me".into()), ..Default::default() }.href();
    let overdue_href = RemediationQuery { overdue: true, ..Default::default() }.href();
    let count = page.items.len();
    let today = page.today;
    let notices = view! {
        {notes.changed.clone().map(|n| view! { <div class="notice" role="status">{format!("{n} items changed.")}</div> })}
        {notes.created.clone().map(|n| view! { <div class="notice" role="status">{format!("{n} new items for the high risks.")}</div> })}
        {notes.bulk_error.clone().map(|code| view! {
            <div class="notice notice-error" role="alert">{format!("No item was changed. {}", error_text(&code))}</div>
        })}
    };
    let rows = page.items.iter().map(|line| view! { <ItemRow line=line.clone() today can_edit /> }).collect_view();
    let table = view! {
        <TableFrame>
            <table class="data-table remediation-table">
                <caption class="visually-hidden">"Remediation items"</caption>
                <thead>
                    <tr>
                        {can_edit.then(|| view! { <th scope="col"><span class="visually-hidden">"Select"</span></th> })}
                        <th scope="col">"Item"</th>
                        <th scope="col">"Workload"</th>
                        <th scope="col">"Priority"</th>
                        <th scope="col">"Owner"</th>
                        <th scope="col">"Due"</th>
                        <th scope="col">"Status"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </TableFrame>
    };
    let body = if can_edit {
        view! {
            <form method="post" action="/remediation/bulk" class="bulk-form">
                <input type="hidden" name="back" value=back.clone() />
                {table}
                <BulkControls assignees=page.assignees.clone() />
            </form>
        }
        .into_any()
    } else {
        table.into_any()
    };
    view! {
        {notices}
        <nav class="tabs" aria-label="Quick views">
            <a href="/remediation">"Open items"</a>
            <a href=mine>"My items"</a>
            <a href=overdue_href>{format!("Overdue ({})", page.overdue)}</a>
            <a href=RemediationQuery { all: true, ..Default::default() }.href()>"All, with resolved"</a>
        </nav>
        <Filters query=query.clone() page=page.clone() />
        <p class="result-count" role="status">{format!("{count} items")}</p>
        {(count == 0).then(|| view! {
            <div class="empty-state">
                <p>"No item matches. Create items from a failing control, a high-risk question or an open checklist item, or by hand."</p>
            </div>
        })}
        {(count > 0).then_some(body)}
        {can_edit.then(|| view! { <NewItemForm workloads=page.workloads.clone() notes back=back.clone() /> })}
    }
}

#[component]
fn ItemRow(line: RemediationLine, today: chrono::NaiveDate, can_edit: bool) -> impl IntoView {
    let overdue = line.is_overdue(today);
    view! {
        <tr data-status=line.status.as_str() class:overdue=overdue>
            {can_edit.then(|| view! {
                <td><input type="checkbox" name="item" value=line.id.to_string() aria-label=format!("Select: {}", line.title) /></td>
            })}
            <th scope="row">
                <a href=format!("/remediation/{}", line.id)>{line.title.clone()}</a>
                <span class="item-title">{format!("{} · {}", line.pillar.name(), line.source_kind.label())}</span>
            </th>
            <td><a href=format!("/workloads/{}", line.workload_id)>{line.workload_name.clone()}</a></td>
            <td><span class=priority_class(line.priority)>{line.priority.label()}</span></td>
            <td>{line.owner.clone().unwrap_or_else(|| "–".into())}</td>
            <td>
                {line.due_on.to_string()}
                {overdue.then(|| view! { " "<span class="badge overdue-badge">"Overdue"</span> })}
            </td>
            <td>
                <span class=status_class(line.status)>{line.status.label()}</span>
                {line.by_evidence.then(|| view! { " "<span class="muted">"by evidence"</span> })}
                {line.flagged.then(|| view! { " "<span class="badge flag-badge" title="Resolved by hand, but the evidence still fails">"Still failing"</span> })}
                {line.accepted_until.map(|until| view! { " "<span class="muted">{format!("until {until}")}</span> })}
            </td>
        </tr>
    }
}

fn owner_options(assignees: &[Assignee], selected: Option<&str>, none_label: &'static str) -> impl IntoView {
    let options = assignees
        .iter()
        .map(|a| {
            let label = if a.name.is_empty() { a.email.clone() } else { format!("{} ({})", a.name, a.email) };
            let id = a.id.to_string();
            let chosen = selected == Some(id.as_str());
            view! { <option value=id selected=chosen>{label}</option> }
        })
        .collect_view();
    view! {
        <option value="">"Keep"</option>
        <option value="none" selected=selected == Some("none")>{none_label}</option>
        {options}
    }
}

fn status_options(selected: Option<Status>) -> impl IntoView {
    Status::ALL
        .iter()
        .map(|status| view! { <option value=status.as_str() selected=selected == Some(*status)>{status.label()}</option> })
        .collect_view()
}

#[component]
fn BulkControls(assignees: Vec<Assignee>) -> impl IntoView {
    view! {
        <fieldset class="bulk-controls">
            <legend>"Change the checked items (all of them, or none)"</legend>
            <div class="filter-grid">
                <label>"Owner"<select name="owner">{owner_options(&assignees, None, "Nobody")}</select></label>
                <label>"Due"<input type="date" name="due_on" /></label>
                <label>"Status"<select name="status"><option value="">"Keep"</option>{status_options(None)}</select></label>
                <label>"Accepted because"<input type="text" name="acceptance_reason" maxlength=MAX_TEXT.to_string() /></label>
                <label>"Accepted until"<input type="date" name="accepted_until" /></label>
            </div>
            <button type="submit" class="button button-primary">"Apply to the checked items"</button>
        </fieldset>
    }
}

#[component]
fn Filters(query: RemediationQuery, page: RemediationPage) -> impl IntoView {
    let workloads = page
        .workloads
        .iter()
        .map(|(id, name)| view! { <option value=id.to_string() selected=query.workload == Some(*id)>{name.clone()}</option> })
        .collect_view();
    let pillars = Pillar::ALL
        .into_iter()
        .map(|p| view! { <option value=p.id() selected=query.pillar == Some(p)>{p.name()}</option> })
        .collect_view();
    let owners = page
        .assignees
        .iter()
        .map(|a| {
            let selected = query.owner.as_deref() == Some(a.email.as_str());
            view! { <option value=a.email.clone() selected=selected>{a.email.clone()}</option> }
        })
        .collect_view();
    let sources = SourceKind::ALL
        .iter()
        .map(|s| view! { <option value=s.as_str() selected=query.source == Some(*s)>{s.label()}</option> })
        .collect_view();
    view! {
        <SubmitOnChange>
            <form method="get" action="/remediation" class="filters">
                <div class="filter-grid">
                    <label>"Workload"<select name="workload"><option value="">"All workloads"</option>{workloads}</select></label>
                    <label>"Pillar"<select name="pillar"><option value="">"All pillars"</option>{pillars}</select></label>
                    <label>"Owner"<select name="owner">
                        <option value="">"Anyone"</option>
                        <option value="me" selected=query.owner.as_deref() == Some("me")>"Me"</option>
                        {owners}
                    </select></label>
                    <label>"Status"<select name="status"><option value="">"Open, in progress, blocked"</option>{status_options(query.status)}</select></label>
                    <label>"Source"<select name="source"><option value="">"Any source"</option>{sources}</select></label>
                    <label>"Sort"<select name="sort">
                        <option value="due" selected=query.sort == Sort::Due>"Due date"</option>
                        <option value="priority" selected=query.sort == Sort::Priority>"Priority"</option>
                    </select></label>
                    <label class="check"><input type="checkbox" name="overdue" value="1" checked=query.overdue />"Overdue only"</label>
                    <label class="check"><input type="checkbox" name="all" value="1" checked=query.all />"Include resolved"</label>
                </div>
                <div class="filter-actions">
                    <button type="submit" class="button">"Apply filters"</button>
                    {query.is_filtered().then(|| view! { <a class="button button-quiet" href="/remediation">"Clear"</a> })}
                </div>
            </form>
        </SubmitOnChange>
    }
}

#[component]
fn NewItemForm(workloads: Vec<(Uuid, String)>, notes: Notes, back: String) -> impl IntoView {
    let typed_workload = use_query_map().with_untracked(|q| q.get("workload"));
    let workload_options = workloads
        .into_iter()
        .map(|(id, name)| {
            let selected = typed_workload.as_deref() == Some(id.to_string().as_str());
            view! { <option value=id.to_string() selected=selected>{name}</option> }
        })
        .collect_view();
    let pillars = Pillar::ALL
        .into_iter()
        .map(|p| view! { <option value=p.id() selected=notes.pillar == p.id()>{p.name()}</option> })
        .collect_view();
    let priorities = Priority::ALL
        .iter()
        .map(|p| {
            let selected = notes.priority == p.as_str() || (notes.priority.is_empty() && *p == Priority::Medium);
            view! { <option value=p.as_str() selected=selected>{p.label()}</option> }
        })
        .collect_view();
    let error = notes.error.clone();
    view! {
        <details class="panel new-item" open=notes.error.is_some()>
            <summary>"New item by hand"</summary>
            {error.map(|code| view! { <div class="notice notice-error" role="alert">{error_text(&code)}</div> })}
            <form method="post" action="/remediation" class="stacked-form">
                <input type="hidden" name="source" value="manual" />
                <input type="hidden" name="back" value=back />
                <label>"Workload"<select name="workload" required=true><option value="">"Choose…"</option>{workload_options}</select></label>
                <label>"Title"<input type="text" name="title" value=notes.title.clone() maxlength=MAX_TITLE.to_string() required=true /></label>
                <label>"Description"<TextArea name="description" rows=3 maxlength={MAX_TEXT as u32} value=notes.description.clone() /></label>
                <label>"Pillar"<select name="pillar">{pillars}</select></label>
                <label>"Priority"<select name="priority">{priorities}</select></label>
                <button type="submit" class="button button-primary">"Create the item"</button>
            </form>
        </details>
    }
}

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
                        Err(error) => super::failure(error),
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
