use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use uuid::Uuid;

use crate::charts::{self, Marker, Series};
use crate::components::{Chart, CreateRemediation, PillarName, RiskBadge, ScoreBadge, WorkloadPillars};
use crate::domain::findings::FindingQuery;
use crate::domain::{Pillar, QuestionAnswer, WorkloadDetail};
use crate::error::AppError;
use crate::server_fns::get_workload;

/// A workload: its scope, its overall score and its six pillars.
#[component]
pub fn WorkloadPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|id| Uuid::parse_str(&id).ok());
    // Pages render on the server only (islands mode): an async derived
    // value computes once like a resource, but is not serialized into the
    // page for a browser that will never read it.
    let workload = AsyncDerived::new(move || {
        let id = id();
        async move {
            match id {
                Some(id) => get_workload(id).await,
                None => Err(AppError::NotFound("That workload".into())),
            }
        }
    });
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading the workload…"</p> }>
            {move || Suspend::new(async move {
                match workload.await {
                    Ok(workload) => view! { <WorkloadView workload /> }.into_any(),
                    Err(error) => super::failure(error),
                }
            })}
        </Suspense>
    }
}

#[component]
fn WorkloadView(workload: WorkloadDetail) -> impl IntoView {
    let overall = workload.overall();
    let accounts = workload.account_ids.join(", ");
    let regions = workload.regions.join(", ");
    let findings_href = FindingQuery { workload: Some(workload.id), ..FindingQuery::default() }.href();
    let trend = trend_svg(&workload);
    let reviewed = workload.review_updated_at.map(|t| t.format("%Y-%m-%d").to_string());
    let questions = workload.questions.clone();
    let high_risks = questions.iter().filter(|q| q.risk == Some(crate::domain::Risk::High)).count();
    let id = workload.id;
    view! {
        <Title text=format!("{} · Plinth", workload.name) />
        <nav class="breadcrumbs" aria-label="Breadcrumbs">
            <a href="/">"Overview"</a>
            " / "
            <span aria-current="page">{workload.name.clone()}</span>
        </nav>
        <div class="page-head">
            <h1 class="page-title">{workload.name.clone()}</h1>
            <ScoreBadge score=overall label="Overall" />
            <a class="button button-quiet" href=format!("/workloads/{}/checklists", workload.id)>"Checklists"</a>
            <a class="button button-quiet" href=format!("/workloads/{}/answers", workload.id)>"Well-Architected answers"</a>
        </div>
        {(!workload.description.is_empty()).then(|| view! { <p class="lead">{workload.description.clone()}</p> })}
        <dl class="facts">
            <dt>"Environment"</dt>
            <dd>{workload.environment.clone().unwrap_or_else(|| "–".into())}</dd>
            <dt>"Review owner"</dt>
            <dd>{workload.review_owner.clone().unwrap_or_else(|| "–".into())}</dd>
            <dt>"Accounts"</dt>
            <dd>{accounts}</dd>
            <dt>"Regions"</dt>
            <dd>{regions}</dd>
            <dt>"Review updated"</dt>
            <dd>{reviewed.unwrap_or_else(|| "–".into())}</dd>
            <dt>"Evidence"</dt>
            <dd><a href=findings_href>"Findings in this workload's accounts and regions"</a></dd>
        </dl>
        <section aria-labelledby="pillars-heading">
            <h2 id="pillars-heading">"Pillars"</h2>
            <WorkloadPillars workload=workload.id pillars=workload.pillars />
            <p class="footnote">
                "Coverage says how much of each component was assessed: questions answered, "
                "mapped controls and rules with a result, checklist items applicable."
                {workload.mapping_version.map(|version| format!(" Evidence mapping {version}."))}
            </p>
        </section>
        <RemediationPanel workload=workload.id progress=workload.remediation.clone() high_risks />
        <section aria-labelledby="trend-heading">
            <h2 id="trend-heading">"Trend"</h2>
            {match trend {
                Some(svg) => view! {
                    <Chart svg class="trend" />
                    <ul class="legend" role="list" aria-hidden="true">
                        {Pillar::ALL.into_iter().map(|pillar| view! { <li><PillarName pillar short=true /></li> }).collect_view()}
                    </ul>
                    <p class="footnote">"Scores after each sync; dashed lines mark the review's milestones."</p>
                }
                .into_any(),
                None => view! { <p class="empty-inline">"The trend appears after the second sync."</p> }.into_any(),
            }}
        </section>
        <section aria-labelledby="questions-heading">
            <h2 id="questions-heading">"Review by pillar"</h2>
            {Pillar::ALL
                .into_iter()
                .map(|pillar| {
                    let in_pillar: Vec<QuestionAnswer> = questions.iter().filter(|q| q.pillar == pillar).cloned().collect();
                    view! { <PillarQuestions workload=id pillar questions=in_pillar /> }
                })
                .collect_view()}
        </section>
    }
    .into_any()
}

/// The trend chart, if there are at least two snapshots to draw.
fn trend_svg(workload: &WorkloadDetail) -> Option<String> {
    let series: Vec<Series> = workload
        .trends
        .iter()
        .map(|trend| Series {
            pillar: trend.pillar,
            points: trend.points.iter().filter_map(|p| Some((p.taken_at.timestamp(), p.score?))).collect(),
        })
        .collect();
    if series.iter().all(|s| s.points.len() < 2) {
        return None;
    }
    let first = series.iter().filter_map(|s| s.points.first().map(|p| p.0)).min()?;
    let markers: Vec<Marker> = workload
        .milestones
        .iter()
        .filter_map(|m| {
            let at = m.recorded_at?.timestamp();
            (at >= first).then(|| Marker { at, label: format!("Milestone {}: {}", m.number, m.name) })
        })
        .collect();
    let summary: Vec<String> = series
        .iter()
        .filter_map(|s| {
            let (first, last) = (s.points.first()?, s.points.last()?);
            Some(format!("{} from {:.0} to {:.0}", s.pillar.name(), first.1, last.1))
        })
        .collect();
    let description = format!(
        "Pillar scores over the last {} snapshots: {}.",
        series.iter().map(|s| s.points.len()).max().unwrap_or(0),
        summary.join("; ")
    );
    Some(charts::trend_chart(&series, &markers, &description))
}

/// A pillar's questions: the team's answer and risk, the best practices
/// selected and missing, notes and the improvement plan.
#[component]
fn PillarQuestions(workload: uuid::Uuid, pillar: Pillar, questions: Vec<QuestionAnswer>) -> impl IntoView {
    let at_risk = questions.iter().filter(|q| q.is_at_risk()).count();
    let href = format!("/workloads/{workload}/pillars/{}", pillar.id());
    view! {
        <details class="pillar-questions" data-pillar=pillar.id() open=at_risk > 0>
            <summary>
                <PillarName pillar />
                <span class="muted">{format!(" {} questions, {at_risk} at risk", questions.len())}</span>
            </summary>
            <ol class="question-list">
                {questions
                    .into_iter()
                    .map(|q| {
                        let selected: Vec<String> = q.choices.iter().filter(|c| c.selected).map(|c| c.title.clone()).collect();
                        let missing: Vec<String> = q.missing().map(|c| c.title.clone()).collect();
                        view! {
                            <li class="question">
                                <div class="question-head">
                                    <span class="question-title">{q.title.clone()}</span>
                                    <RiskBadge risk=q.risk />
                                </div>
                                {(!selected.is_empty()).then(|| view! {
                                    <p class="practices"><span class="practices-label">"Selected: "</span>{selected.join("; ")}</p>
                                })}
                                {(q.is_at_risk() && !missing.is_empty()).then(|| view! {
                                    <p class="practices missing"><span class="practices-label">"Missing: "</span>{missing.join("; ")}</p>
                                })}
                                {q.notes.clone().map(|notes| view! { <p class="notes">"Notes: "{notes}</p> })}
                                {q.improvement_url.clone().map(|url| view! {
                                    <p><a href=url rel="noopener noreferrer" target="_blank">"Improvement plan"</a></p>
                                })}
                                {q.is_at_risk().then(|| view! {
                                    <CreateRemediation workload source="question" key=q.id.clone() back=format!("/workloads/{workload}") />
                                })}
                            </li>
                        }
                    })
                    .collect_view()}
            </ol>
            <p><a href=href>"Best practices with their evidence and the score taken apart"</a></p>
        </details>
    }
    .into_any()
}

/// The workload's remediation progress, and one click to create an item
/// for every high-risk question (editors).
#[component]
fn RemediationPanel(
    workload: uuid::Uuid,
    progress: crate::domain::remediation::RemediationProgress,
    high_risks: usize,
) -> impl IntoView {
    let list = format!("/remediation?workload={workload}");
    let overdue = format!("/remediation?workload={workload}&overdue=1");
    let can_edit = crate::auth::may(crate::domain::Role::Editor);
    let overdue_class = if progress.overdue > 0 { "overdue-text" } else { "" };
    view! {
        <section class="panel" aria-labelledby="remediation-heading">
            <h2 id="remediation-heading">"Remediation"</h2>
            <p>
                <a href=list>{format!("{} open", progress.active)}</a>
                " · "
                <a href=overdue class=overdue_class>{format!("{} overdue", progress.overdue)}</a>
                {format!(" · {} resolved · {} risks accepted · {} in all", progress.resolved, progress.accepted, progress.total)}
            </p>
            {(can_edit && high_risks > 0).then(|| view! {
                <form method="post" action=format!("/workloads/{workload}/remediation/high-risks") class="inline-form">
                    <button type="submit" class="button">
                        {format!("Create items for the {high_risks} high-risk questions")}
                    </button>
                </form>
            })}
        </section>
    }
}
