use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use uuid::Uuid;

use crate::charts;
use crate::components::{Chart, CreateRemediation, PageTitle, PillarName, RiskBadge, ScoreBadge, WorkloadPillars};
use crate::domain::findings::FindingQuery;
use crate::domain::{MAX_MILESTONE_NAME, MilestoneRefusal, Pillar, QuestionAnswer, WorkloadDetail};
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
    let accounts = workload
        .account_ids
        .iter()
        .map(|id| crate::domain::sync::account_label(id, workload.account_names.get(id).map(String::as_str)))
        .collect::<Vec<_>>()
        .join(", ");
    let regions = workload.regions.join(", ");
    let findings_href = FindingQuery { workload: Some(workload.id), ..FindingQuery::default() }.href();
    let trend = charts::pillar_trend(&workload.trends, &workload.milestones);
    let reviewed = workload.review_updated_at.map(|t| t.format("%Y-%m-%d").to_string());
    let questions = workload.questions.clone();
    let high_risks = questions.iter().filter(|q| q.risk == Some(crate::domain::Risk::High)).count();
    let id = workload.id;
    view! {
        <PageTitle text=format!("{} · Plinth", workload.name) />
        <nav class="breadcrumbs" aria-label="Breadcrumbs">
            <a href="/">"Overview"</a>
            " / "
            <span aria-current="page">{workload.name.clone()}</span>
        </nav>
        <div class="page-head">
            <h1 class="page-title">{workload.name.clone()}</h1>
            <ScoreBadge score=overall label="Overall" />
            <a class="button" href=format!("/workloads/{}/export?format=pdf", workload.id) download>"Export PDF"</a>
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
        <ExportPanel workload=workload.id review_in_aws=workload.review_source.as_deref() == Some("aws") />
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

/// Downloads for stakeholders (every role) and, for editors of a review in
/// AWS, recording a milestone in the Well-Architected Tool.
#[component]
fn ExportPanel(workload: uuid::Uuid, review_in_aws: bool) -> impl IntoView {
    let query = leptos_router::hooks::use_query_map();
    let (recorded, refusal, typed) = query.with_untracked(|q| {
        (q.get("milestone"), q.get("milestone_error").map(|code| milestone_refusal(&code)), q.get("milestone_name"))
    });
    let name = typed.unwrap_or_default();
    let href = move |format: &str| format!("/workloads/{workload}/export?format={format}");
    let can_edit = crate::auth::may(crate::domain::Role::Editor);
    view! {
        <section class="panel" id="export" aria-labelledby="export-heading">
            <h2 id="export-heading">"Export"</h2>
            <p>
                <a href=href("pdf") download>"PDF report"</a>
                " · "
                <a href=href("csv") download>"CSV tables (zip)"</a>
                " · "
                <a href=href("json") download>"JSON document"</a>
            </p>
            <p class="footnote">
                "The PDF is the review for stakeholders: cover, executive summary, every pillar, the appendix. "
                "The CSV tables hold the findings, remediation items and checklist state; the JSON holds everything."
            </p>
            {recorded.map(|number| view! {
                <div class="notice" role="status">{format!("Recorded milestone {number} in the Well-Architected Tool.")}</div>
            })}
            {refusal.map(|text| view! { <div class="notice notice-error" role="alert">{text}</div> })}
            {(can_edit && review_in_aws).then(|| view! {
                <form method="post" action=format!("/workloads/{workload}/milestones") class="inline-form">
                    <label>
                        "Milestone name "
                        <input type="text" name="name" value=name required maxlength=MAX_MILESTONE_NAME.to_string() placeholder="Quarterly review" />
                    </label>
                    <button type="submit" class="button button-quiet">"Record a milestone in the Well-Architected Tool"</button>
                </form>
            })}
        </section>
    }
}

/// Why the milestone was not recorded, from the code the server sent back.
/// The sentence for a refused milestone's code; a code no refusal has (an
/// address typed by hand) reads as a refusal from AWS.
fn milestone_refusal(code: &str) -> String {
    MilestoneRefusal::parse(code).unwrap_or(MilestoneRefusal::Aws).message()
}
