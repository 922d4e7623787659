use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use uuid::Uuid;

use crate::components::{CreateRemediation, EvidenceBadge, PageTitle, PillarName, RiskBadge, ScoreBadge, TableFrame};
use crate::domain::findings::FindingQuery;
use crate::domain::rules::RuleQuery;
use crate::domain::{EvidenceLine, EvidenceRef, Pillar, PillarBreakdown, QuestionAnswer, QuestionLine, rounded};
use crate::error::AppError;
use crate::server_fns::get_pillar;

/// A workload's pillar score taken apart: the questions and the controls
/// and rules behind it, each with its points.
#[component]
pub fn PillarPage() -> impl IntoView {
    let params = use_params_map();
    let key = move || {
        let params = params.read();
        let workload = params.get("id").and_then(|id| Uuid::parse_str(&id).ok())?;
        let pillar = params.get("pillar").and_then(|pillar| Pillar::from_id(&pillar))?;
        Some((workload, pillar))
    };
    // Pages render on the server only (islands mode): an async derived
    // value computes once like a resource, but is not serialized into the
    // page for a browser that will never read it.
    let breakdown = AsyncDerived::new(move || {
        let key = key();
        async move {
            match key {
                Some((workload, pillar)) => get_pillar(workload, pillar).await,
                None => Err(AppError::NotFound("That pillar".into())),
            }
        }
    });
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading the pillar…"</p> }>
            {move || Suspend::new(async move {
                match breakdown.await {
                    Ok(breakdown) => view! { <Breakdown breakdown /> }.into_any(),
                    Err(error) => super::failure(error),
                }
            })}
        </Suspense>
    }
}

fn percent(coverage: f64) -> String {
    format!("{:.0} % assessed", coverage * 100.0)
}

fn points(value: f64) -> String {
    format!("{value:.1}")
}

#[component]
fn Breakdown(breakdown: PillarBreakdown) -> impl IntoView {
    let pillar = breakdown.pillar;
    let workload_href = format!("/workloads/{}", breakdown.workload_id);
    let score = rounded(breakdown.score.map(|s| s as f32));
    view! {
        <PageTitle text=format!("{} · {} · Plinth", pillar.name(), breakdown.workload_name) />
        <nav class="breadcrumbs" aria-label="Breadcrumbs">
            <a href="/">"Overview"</a>
            " / "
            <a href=workload_href>{breakdown.workload_name.clone()}</a>
            " / "
            <span aria-current="page">{pillar.name()}</span>
        </nav>
        <div class="page-head">
            <h1 class="page-title"><PillarName pillar /></h1>
            <ScoreBadge score label=pillar.name() />
        </div>
        <p class="lead">
            "Review "{rounded(breakdown.review.map(|v| v as f32)).map_or("–".into(), |v| v.to_string())}" ("
            {percent(breakdown.review_coverage)}"), evidence "
            {rounded(breakdown.evidence.map(|v| v as f32)).map_or("–".into(), |v| v.to_string())}" ("
            {percent(breakdown.evidence_coverage)}"). Each line gives the points it adds to the score and what it would "
            "add at its best; together they make the score. Evidence mapping "{breakdown.mapping_version.clone()}"."
        </p>
        <section aria-labelledby="practices-heading">
            <h2 id="practices-heading">"Best practices and their evidence"</h2>
            <p class="footnote">
                "Each best practice with the team's answer next to the Security Hub controls and Config rules "
                "that give evidence for it in this workload's accounts and regions."
            </p>
            <BestPractices workload=breakdown.workload_id answers=breakdown.answers.clone() evidence=breakdown.evidence_items.clone() />
        </section>
        <section aria-labelledby="questions-heading">
            <h2 id="questions-heading">"Questions"</h2>
            <QuestionTable questions=breakdown.questions />
        </section>
        <section aria-labelledby="evidence-heading">
            <h2 id="evidence-heading">"Controls and rules"</h2>
            <EvidenceTable items=breakdown.evidence_items workload=breakdown.workload_id />
        </section>
    }
}

#[component]
/// Erased to `AnyView`, like the evidence table, so the page's view type
/// stays shallow enough for release builds.
fn QuestionTable(questions: Vec<QuestionLine>) -> impl IntoView {
    view! {
        <TableFrame label="Questions with their risk and points">
            <table class="data-table">
                <caption class="visually-hidden">"Questions with their risk and points"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Question"</th>
                        <th scope="col">"Risk"</th>
                        <th scope="col" class="num">"Points"</th>
                        <th scope="col" class="num">"At best"</th>
                    </tr>
                </thead>
                <tbody>
                    {questions
                        .into_iter()
                        .map(|q| {
                            let risk = q.risk.map_or("–", |risk| risk.as_str());
                            view! {
                                <tr>
                                    <th scope="row">{q.title.unwrap_or(q.id)}</th>
                                    <td><span class=format!("risk risk-{}", risk.to_lowercase())>{risk}</span></td>
                                    <td class="num">{points(q.points)}</td>
                                    <td class="num">{points(q.at_best)}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </TableFrame>
    }
    .into_any()
}

#[component]
fn EvidenceTable(items: Vec<EvidenceLine>, workload: uuid::Uuid) -> impl IntoView {
    view! {
        <TableFrame>
            <table class="data-table">
                <caption class="visually-hidden">"Controls and rules with their result and points"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Control or rule"</th>
                        <th scope="col">"Result"</th>
                        <th scope="col" class="num">"Weight"</th>
                        <th scope="col" class="num">"Points"</th>
                        <th scope="col">"Failing resources"</th>
                    </tr>
                </thead>
                <tbody>
                    {items
                        .into_iter()
                        .map(|item| {
                            let result = if item.passed { "Passed" } else { "Failed" };
                            let more = (item.failing_count > item.failing_resources.len() as i64)
                                .then(|| format!("and {} more", item.failing_count - item.failing_resources.len() as i64));
                            view! {
                                <tr>
                                    <th scope="row">
                                        <code>{item.id.clone()}</code>
                                        {item.title.map(|title| view! { <span class="item-title">{title}</span> })}
                                    </th>
                                    <td><span class=format!("result result-{}", result.to_lowercase())>{result}</span></td>
                                    <td class="num">{item.weight}</td>
                                    <td class="num">{points(item.points)}" / "{points(item.at_best)}</td>
                                    <td class="resources">
                                        <ul>
                                            {item.failing_resources.into_iter().map(|r| view! { <li><code>{r}</code></li> }).collect_view()}
                                        </ul>
                                        {more}
                                        {(!item.passed && (item.kind == "control" || item.kind == "rule")).then(|| {
                                            let source = if item.kind == "control" { "control" } else { "rule" };
                                            view! { <CreateRemediation workload source key=item.id.clone() back=String::new() /> }
                                        })}
                                    </td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </TableFrame>
    }
    .into_any()
}

/// The joined view: per question, the team's answer and every best
/// practice with its evidence, pass or fail, and failing resources.
#[component]
fn BestPractices(workload: uuid::Uuid, answers: Vec<QuestionAnswer>, evidence: Vec<EvidenceLine>) -> impl IntoView {
    answers
        .into_iter()
        .map(|question| {
            let evidence = evidence.clone();
            view! {
                <article class="practice-question">
                    <div class="question-head">
                        <h3>{question.title.clone()}</h3>
                        <RiskBadge risk=question.risk />
                    </div>
                    {question.notes.clone().map(|notes| view! { <p class="notes">"Team notes: "{notes}</p> })}
                    <TableFrame>
                        <table class="data-table practices-table">
                            <caption class="visually-hidden">{format!("Best practices of {}", question.title)}</caption>
                            <thead>
                                <tr>
                                    <th scope="col">"Best practice"</th>
                                    <th scope="col">"Team's answer"</th>
                                    <th scope="col">"Evidence"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {question
                                    .choices
                                    .into_iter()
                                    .map(|choice| {
                                        let refs = choice
                                            .evidence
                                            .iter()
                                            .map(|r| view! { <EvidenceChip workload reference=r.clone() evidence=evidence.clone() /> })
                                            .collect_view();
                                        let none = choice.evidence.is_empty().then_some("No automated evidence: a person decides.");
                                        view! {
                                            <tr>
                                                <th scope="row">
                                                    {choice.title.clone()}
                                                    {choice.improvement_url.clone().map(|url| view! {
                                                        " "<a class="muted" href=url rel="noopener noreferrer" target="_blank">"How to improve"</a>
                                                    })}
                                                </th>
                                                <td>
                                                    {if choice.selected {
                                                        view! { <span class="answer answer-selected">"Selected"</span> }.into_any()
                                                    } else {
                                                        view! { <span class="answer answer-missing">"Not selected"</span> }.into_any()
                                                    }}
                                                </td>
                                                <td class="evidence-refs">{refs}<span class="muted">{none}</span></td>
                                            </tr>
                                        }
                                    })
                                    .collect_view()}
                            </tbody>
                        </table>
                    </TableFrame>
                </article>
            }
        })
        .collect_view()
        .into_any()
}

/// A control or rule with its result and, when it fails, how many
/// resources fail; links to the findings or the rule.
#[component]
fn EvidenceChip(workload: uuid::Uuid, reference: EvidenceRef, evidence: Vec<EvidenceLine>) -> impl IntoView {
    let line = evidence.iter().find(|line| line.kind == reference.kind && line.id == reference.id);
    let failing = line.filter(|line| !line.passed).map(|line| format!("{} failing", line.failing_count));
    let href = if reference.kind == "control" {
        FindingQuery { control: Some(reference.id.clone()), workload: Some(workload), ..FindingQuery::default() }.href()
    } else {
        RuleQuery { text: Some(reference.id.clone()), workload: Some(workload), ..RuleQuery::default() }.href()
    };
    view! {
        <span class="evidence-chip">
            <a href=href><code>{reference.id.clone()}</code></a>
            " "
            <EvidenceBadge passed=reference.passed />
            {failing.map(|text| view! { <span class="muted">" "{text}</span> })}
        </span>
    }
}
