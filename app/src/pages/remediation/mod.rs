//! Remediation: the list of items (filters, sort, "my items", overdue,
//! bulk changes, a new item by hand); one item in full is `item`. Every
//! change is a plain form (editors and admins); viewers read.

mod item;

pub use item::RemediationItemPage;

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use uuid::Uuid;

use crate::components::{PageTitle, SubmitOnChange, TableFrame, TextArea};
use crate::domain::remediation::{
    Assignee, MAX_TEXT, MAX_TITLE, Priority, RemediationLine, RemediationPage, RemediationQuery, RemediationRefusal,
    Sort, SourceKind, Status,
};
use crate::domain::{Pillar, Role};
use crate::server_fns::get_remediation;

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
