use leptos::prelude::*;

use crate::charts;
use crate::components::{
    Chart, DemoNotice, ErrorNotice, PageTitle, PillarCard, RunStatusBadge, SeverityBadge, WorkloadTable, WorkloadsEmpty,
};
use crate::domain::findings::FindingQuery;
use crate::domain::group_thousands;
use crate::domain::sync::{SourceStatus, ago_text};
use crate::domain::{ComplianceStatus, FailingControl, Overview, Pillar, WorkloadSummary};
use crate::server_fns::get_overview;

/// The overview: the six pillars, the workloads under review, what fails
/// most, and how fresh the data is.
#[component]
pub fn HomePage() -> impl IntoView {
    // Pages render on the server only (islands mode): an async derived
    // value computes once like a resource, but is not serialized into the
    // page for a browser that will never read it.
    let overview = AsyncDerived::new(get_overview);
    view! {
        <PageTitle text="Overview · Plinth" />
        <div class="page-head">
            <h1 class="page-title">"Overview"</h1>
            <a class="button button-quiet" href="/export?format=pdf" download>"Organisation report (PDF)"</a>
        </div>
        <Suspense fallback=|| view! { <p class="loading">"Loading the overview…"</p> }>
            {move || Suspend::new(async move {
                match overview.await {
                    Ok(overview) => view! { <OverviewView overview /> }.into_any(),
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn OverviewView(overview: Overview) -> impl IntoView {
    let bars: Vec<(Pillar, Option<f32>)> = Pillar::ALL
        .into_iter()
        .map(|pillar| {
            (pillar, overview.organisation.iter().find(|s| s.pillar == pillar).and_then(|s| s.score.map(f32::from)))
        })
        .collect();
    let cards = Pillar::ALL
        .into_iter()
        .map(|pillar| {
            let score = overview.organisation.iter().find(|s| s.pillar == pillar).cloned();
            let trend = overview.trend(pillar).cloned();
            view! { <li><PillarCard pillar score trend /></li> }
        })
        .collect_view();
    let empty = overview.workloads.is_empty();
    let total = overview.workloads.len();
    let shown = weakest(overview.workloads.clone(), OVERVIEW_WORKLOADS);
    view! {
        {overview.demo.then(|| view! { <DemoNotice /> })}
        <Freshness sources=overview.sources.clone() now=overview.now />
        {(overview.overdue_items > 0).then(|| view! {
            <p class="notice notice-warning" role="status">
                <a href="/remediation?overdue=1">
                    {format!(
                        "{} remediation item{} past {} due date",
                        overview.overdue_items,
                        if overview.overdue_items == 1 { " is" } else { "s are" },
                        if overview.overdue_items == 1 { "its" } else { "their" },
                    )}
                </a>
            </p>
        })}
        <section aria-labelledby="pillars-heading">
            <h2 id="pillars-heading">"The six pillars"</h2>
            <ul class="pillar-grid" role="list">{cards}</ul>
        </section>
        <div class="overview-columns">
            <section aria-labelledby="chart-heading" class="panel">
                <h2 id="chart-heading">"Organisation scores"</h2>
                <Chart svg=charts::pillar_bars(&bars) />
                <p class="footnote">"Each bar is the mean of the workloads' scores for the pillar, out of 100."</p>
            </section>
            <section aria-labelledby="failing-heading" class="panel">
                <h2 id="failing-heading">"Most severe failing controls"</h2>
                <FailingControls controls=overview.failing_controls.clone() />
            </section>
        </div>
        <section aria-labelledby="workloads-heading">
            <h2 id="workloads-heading">"Workloads"</h2>
            {if empty {
                view! { <WorkloadsEmpty /> }.into_any()
            } else {
                view! {
                    {(total > shown.len()).then(|| view! {
                        <p class="result-count">
                            {format!("The {} weakest of {total} workloads. ", shown.len())}
                            <a href="/workloads">"All workloads"</a>
                        </p>
                    })}
                    <WorkloadTable workloads=shown now=overview.now />
                    <p class="footnote">
                        "Scores blend the review (50 %), AWS evidence (30 %) and checklists (20 %), "
                        "each counted only where it has data. Evidence mapping "{overview.mapping_version.clone()}"."
                    </p>
                }
                .into_any()
            }}
        </section>
    }
    .into_any()
}

/// How many workloads the overview lists; the workloads page lists all.
const OVERVIEW_WORKLOADS: usize = 25;

/// The `limit` workloads with the lowest overall score (those without a
/// score last), in name order when all fit.
pub(super) fn weakest(mut workloads: Vec<WorkloadSummary>, limit: usize) -> Vec<WorkloadSummary> {
    if workloads.len() <= limit {
        return workloads;
    }
    workloads.sort_by_key(|w| (w.overall_score().is_none(), w.overall_score(), w.name.clone()));
    workloads.truncate(limit);
    workloads
}

#[component]
fn FailingControls(controls: Vec<FailingControl>) -> impl IntoView {
    if controls.is_empty() {
        return view! { <p class="empty-inline">"No control fails in the synced accounts."</p> }.into_any();
    }
    view! {
        <ol class="failing-controls">
            {controls
                .into_iter()
                .map(|control| {
                    let href = FindingQuery {
                        control: Some(control.control_id.clone()),
                        compliance: Some(ComplianceStatus::Failed),
                        ..FindingQuery::default()
                    }
                    .href();
                    let accounts = if control.accounts == 1 { "1 account".to_owned() } else { format!("{} accounts", control.accounts) };
                    view! {
                        <li>
                            <SeverityBadge severity=control.severity />
                            <a href=href>
                                <code>{control.control_id.clone()}</code>
                                " "
                                <span class="item-title">{control.title.clone()}</span>
                            </a>
                            <span class="failing-count">
                                {format!("{} failing in {accounts}", group_thousands(control.failing_findings))}
                            </span>
                        </li>
                    }
                })
                .collect_view()}
        </ol>
    }
    .into_any()
}

/// When each source last synced; failures said plainly.
#[component]
fn Freshness(sources: Vec<SourceStatus>, now: chrono::DateTime<chrono::Utc>) -> impl IntoView {
    if sources.is_empty() {
        return view! {
            <p class="freshness" role="status">"No source has synced yet. "<a href="/sync">"Set up a sync"</a>"."</p>
        }
        .into_any();
    }
    view! {
        <ul class="freshness" role="list" aria-label="Data freshness">
            {sources
                .into_iter()
                .map(|source| {
                    let failed = source.last_run.as_ref().filter(|run| run.status == "failed" || run.status == "partial");
                    let text = match source.last_success {
                        Some(at) => format!("synced {}", ago_text(at, now)),
                        None => "never synced successfully".to_owned(),
                    };
                    let problem = failed.map(|run| {
                        let first = run.errors.first().map(|e| {
                            format!(": {} ({} {})", e.error_code.clone().unwrap_or_else(|| "error".into()), e.service.replace('_', " "), crate::domain::sync::account_label(&e.account_id, e.account_name.as_deref()))
                        });
                        view! {
                            <span class="freshness-problem">
                                <RunStatusBadge status=run.status.clone() />
                                {format!(" last run {}{}", ago_text(run.started_at, now), first.unwrap_or_default())}
                            </span>
                        }
                    });
                    view! {
                        <li>
                            <a href="/sync"><strong>{source.name.clone()}</strong></a>
                            " "
                            {text}
                            {problem}
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
    .into_any()
}
