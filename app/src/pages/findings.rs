use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::components::{
    AccountName, ComplianceBadge, ErrorNotice, PageTitle, PillarName, SeverityBadge, SubmitOnChange, TableFrame,
};
use crate::domain::findings::{
    FindingFilterOptions, FindingQuery, FindingSort, FindingsPage, IgnoredParam, finding_href,
};
use crate::domain::params::MAX_SEARCH_CHARS;
use crate::domain::{ComplianceStatus, Pillar, RecordState, Severity, WorkflowStatus};
use crate::server_fns::get_findings;

/// Security Hub findings, filtered on the server; every filter lives in
/// the URL.
#[component]
pub fn FindingsPage() -> impl IntoView {
    let params = use_query_map();
    let parsed = Memo::new(move |_| {
        let params = params.read();
        FindingQuery::from_params(|name| params.get(name))
    });
    // Pages render on the server only (islands mode): an async derived
    // value computes once like a resource, but is not serialized into the
    // page for a browser that will never read it.
    let findings = AsyncDerived::new(move || get_findings(parsed.get().0));
    view! {
        <PageTitle text="Findings · Plinth" />
        <h1 class="page-title">"Findings"</h1>
        <p class="lead">
            "Security Hub findings from every synced account and region. Filter, sort and share the view: "
            "the address holds every filter."
        </p>
        <Transition fallback=|| view! { <p class="loading">"Loading findings…"</p> }>
            {move || Suspend::new(async move {
                let (query, ignored) = parsed.get();
                match findings.await {
                    Ok(page) => view! {
                        <IgnoredNotice ignored />
                        <FindingFilters query=query.clone() options=page.options.clone() />
                        <FindingResults page query />
                    }
                    .into_any(),
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// Parameters the page could not read, named rather than silently dropped.
#[component]
pub fn IgnoredNotice(ignored: Vec<IgnoredParam>) -> impl IntoView {
    (!ignored.is_empty()).then(|| {
        let list = ignored.iter().map(|p| format!("{} = \u{201c}{}\u{201d}", p.name, p.value)).collect::<Vec<_>>();
        view! {
            <div class="notice notice-warning" role="status">
                "Some filters in the address were not understood and are left out: " {list.join(", ")} "."
            </div>
        }
    })
}

fn option_list<T: Copy + PartialEq + 'static>(
    all: &[T],
    selected: Option<T>,
    value: fn(T) -> String,
    label: fn(T) -> String,
) -> impl IntoView {
    all.iter()
        .map(|&item| view! { <option value=value(item) selected=selected == Some(item)>{label(item)}</option> })
        .collect_view()
}

#[component]
fn FindingFilters(query: FindingQuery, options: FindingFilterOptions) -> impl IntoView {
    let severities: Vec<Severity> = Severity::ALL.iter().rev().copied().collect();
    view! {
        <SubmitOnChange>
        <form action="/findings" method="get" class="filters" aria-label="Filter findings">
            <div class="filter-grid">
                <label>
                    <span>"Search"</span>
                    <input type="search" name="q" value=query.text.clone() maxlength=MAX_SEARCH_CHARS placeholder="Title or resource" />
                </label>
                <label>
                    <span>"Severity"</span>
                    <select name="severity">
                        <option value="">"Any"</option>
                        {option_list(&severities, query.severity, |s| s.as_str().into(), |s| s.as_str().into())}
                    </select>
                </label>
                <label>
                    <span>"Pillar"</span>
                    <select name="pillar">
                        <option value="">"Any"</option>
                        {option_list(&Pillar::ALL, query.pillar, |p| p.id().into(), |p| p.name().into())}
                    </select>
                </label>
                <label>
                    <span>"Compliance"</span>
                    <select name="compliance">
                        <option value="">"Any"</option>
                        {option_list(ComplianceStatus::ALL, query.compliance, |c| c.as_str().into(), |c| c.as_str().into())}
                    </select>
                </label>
                <label>
                    <span>"Workflow"</span>
                    <select name="workflow">
                        <option value="">"Any"</option>
                        {option_list(WorkflowStatus::ALL, query.workflow, |w| w.as_str().into(), |w| w.as_str().into())}
                    </select>
                </label>
                <label>
                    <span>"Record state"</span>
                    <select name="record">
                        <option value="ACTIVE" selected=query.record == Some(RecordState::Active)>"ACTIVE"</option>
                        <option value="ARCHIVED" selected=query.record == Some(RecordState::Archived)>"ARCHIVED"</option>
                        <option value="any" selected=query.record.is_none()>"Any"</option>
                    </select>
                </label>
                <label>
                    <span>"Control"</span>
                    <input type="text" name="control" value=query.control.clone() placeholder="e.g. S3.1" />
                </label>
                <label>
                    <span>"Workload"</span>
                    <select name="workload">
                        <option value="">"Any"</option>
                        {options
                            .workloads
                            .iter()
                            .map(|(id, name)| {
                                view! { <option value=id.to_string() selected=query.workload == Some(*id)>{name.clone()}</option> }
                            })
                            .collect_view()}
                    </select>
                </label>
                <label>
                    <span>"Account"</span>
                    <input type="text" name="account" value=query.account.clone() list="known-accounts" placeholder="Id or name" />
                    <datalist id="known-accounts">
                        {options
                            .accounts
                            .iter()
                            .map(|a| view! { <option value=a.clone()>{options.account_names.get(a).cloned()}</option> })
                            .collect_view()}
                    </datalist>
                </label>
                <label>
                    <span>"Region"</span>
                    <select name="region">
                        <option value="">"Any"</option>
                        {options
                            .regions
                            .iter()
                            .map(|r| view! { <option value=r.clone() selected=query.region.as_deref() == Some(r.as_str())>{r.clone()}</option> })
                            .collect_view()}
                    </select>
                </label>
                <label>
                    <span>"Resource type"</span>
                    <input type="text" name="resource_type" value=query.resource_type.clone() placeholder="e.g. AwsS3Bucket" />
                </label>
                <label>
                    <span>"Sort"</span>
                    <select name="sort">
                        {FindingSort::ALL
                            .into_iter()
                            .map(|sort| view! { <option value=sort.as_str() selected=sort == query.sort>{sort.label()}</option> })
                            .collect_view()}
                    </select>
                </label>
            </div>
            <div class="filter-actions">
                <button type="submit" class="button">"Apply filters"</button>
                <a class="button button-quiet" href="/findings">"Clear"</a>
            </div>
        </form>
        </SubmitOnChange>
    }
    .into_any()
}

#[component]
fn FindingResults(page: FindingsPage, query: FindingQuery) -> impl IntoView {
    let workload_name = query
        .workload
        .and_then(|id| page.options.workloads.iter().find(|(w, _)| *w == id).map(|(_, name)| name.clone()));
    let next = page.next.clone().map(|cursor| FindingQuery { after: Some(cursor), ..query.clone() }.href());
    let first = query.after.is_some().then(|| query.first_page().href());
    let total = page.total_text();
    if page.findings.is_empty() {
        return view! {
            <div class="empty-state" role="status">
                <h2>"No findings match"</h2>
                {if query.is_filtered() {
                    view! {
                        <p>"Nothing matches these filters. Loosen one, or "<a href="/findings">"clear them all"</a>"."</p>
                    }
                    .into_any()
                } else {
                    view! { <p>"No findings are stored yet. Findings arrive with the next sync; see "<a href="/sync">"Sync"</a>"."</p> }
                        .into_any()
                }}
            </div>
        }
        .into_any();
    }
    view! {
        <p class="result-count" role="status">
            <strong>{total}</strong>
            {workload_name.map(|name| format!(" in the accounts and regions of {name}"))}
            {query.pillar.map(|pillar| view! { " mapped to " <PillarName pillar /> })}
        </p>
        <TableFrame>
            <table class="data-table findings">
                <caption class="visually-hidden">"Findings"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Severity"</th>
                        <th scope="col">"Finding"</th>
                        <th scope="col">"Control"</th>
                        <th scope="col">"Result"</th>
                        <th scope="col">"Workflow"</th>
                        <th scope="col">"Account and region"</th>
                        <th scope="col">"Resource"</th>
                        <th scope="col">"Updated"</th>
                    </tr>
                </thead>
                <tbody>
                    {page
                        .findings
                        .into_iter()
                        .map(|finding| {
                            let href = finding_href(&finding.id);
                            let control = finding.control_id.clone().map(|control| {
                                let href = FindingQuery { control: Some(control.clone()), after: None, ..query.clone() }.href();
                                view! { <a href=href><code>{control}</code></a> }
                            });
                            view! {
                                <tr>
                                    <td><SeverityBadge severity=finding.severity /></td>
                                    <th scope="row" class="finding-title">
                                        <a href=href>{finding.title.unwrap_or_else(|| finding.id.clone())}</a>
                                    </th>
                                    <td>{control}</td>
                                    <td><ComplianceBadge compliance=finding.compliance /></td>
                                    <td>{finding.workflow.as_str()}</td>
                                    <td class="nowrap">
                                        <AccountName id=finding.account_id name=finding.account_name />
                                        <span class="resource-type">{finding.region}</span>
                                    </td>
                                    <td class="resource">
                                        <span class="resource-type">{finding.resource_type}</span>
                                        <code title=finding.resource_id.clone()>{finding.resource_id.as_deref().map(short_resource)}</code>
                                    </td>
                                    <td class="nowrap">{finding.updated_at.map(|t| t.format("%Y-%m-%d").to_string())}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </TableFrame>
        <nav class="pager" aria-label="Pages of findings">
            {first.map(|href| view! { <a class="button button-quiet" href=href>"First page"</a> })}
            {next.map(|href| view! { <a class="button" href=href rel="next">"Next page"</a> })}
        </nav>
    }
    .into_any()
}

/// The end of a resource id, which tells resources apart: the full ARN is
/// the cell's title and on the finding's page.
fn short_resource(id: &str) -> String {
    let tail = id.rsplit(['/', ':']).find(|part| !part.is_empty()).unwrap_or(id);
    tail.to_owned()
}
