use leptos::prelude::*;

use super::{PillarName, ScoreBadge, TableFrame};
use crate::domain::{PillarDetail, rounded};

/// A workload's six pillars: score, its three components with their
/// coverage, and the review's high and medium risks.
#[component]
pub fn WorkloadPillars(workload: uuid::Uuid, pillars: Vec<PillarDetail>) -> impl IntoView {
    view! {
        <TableFrame>
            <table class="data-table pillars">
                <caption class="visually-hidden">"Pillar scores with their components"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Pillar"</th>
                        <th scope="col" class="num">"Score"</th>
                        <th scope="col" class="num">"Review"</th>
                        <th scope="col" class="num">"Evidence"</th>
                        <th scope="col" class="num">"Checklist"</th>
                        <th scope="col" class="num">"High risks"</th>
                        <th scope="col" class="num">"Medium risks"</th>
                    </tr>
                </thead>
                <tbody>
                    {pillars.into_iter().map(|pillar| view! { <PillarRow workload pillar /> }).collect_view()}
                </tbody>
            </table>
        </TableFrame>
    }
}

#[component]
fn PillarRow(workload: uuid::Uuid, pillar: PillarDetail) -> impl IntoView {
    let name = pillar.pillar.name();
    let href = format!("/workloads/{workload}/pillars/{}", pillar.pillar.id());
    view! {
        <tr>
            <th scope="row"><a href=href><PillarName pillar=pillar.pillar /></a></th>
            <td class="num"><ScoreBadge score=rounded(pillar.score) label=name /></td>
            <ComponentCell label="Review" value=pillar.review coverage=pillar.review_coverage />
            <ComponentCell label="Evidence" value=pillar.evidence coverage=pillar.evidence_coverage />
            <ComponentCell label="Checklist" value=pillar.checklist coverage=pillar.checklist_coverage />
            <td class="num">{pillar.risks.high}</td>
            <td class="num">{pillar.risks.medium}</td>
        </tr>
    }
}

/// A component's value with how much of it was assessed.
#[component]
fn ComponentCell(label: &'static str, value: Option<f32>, coverage: f32) -> impl IntoView {
    let assessed = format!("{:.0} % assessed", coverage * 100.0);
    let text = rounded(value).map_or_else(|| "–".to_owned(), |v| v.to_string());
    let description = match rounded(value) {
        Some(v) => format!("{label}: {v} of 100, {assessed}"),
        None => format!("{label}: no data"),
    };
    view! {
        <td class="num component" aria-label=description>
            <span class="component-value">{text}</span>
            <span class="coverage">{assessed}</span>
        </td>
    }
}
