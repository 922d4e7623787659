use leptos::prelude::*;

use super::{PillarName, ScoreBadge, TableFrame};
use crate::domain::{Pillar, WorkloadSummary};

/// The workloads with their overall and per-pillar scores.
#[component]
pub fn WorkloadTable(workloads: Vec<WorkloadSummary>, now: chrono::DateTime<chrono::Utc>) -> impl IntoView {
    view! {
        <TableFrame>
            <table class="data-table workloads">
                <caption class="visually-hidden">"Workloads and their pillar scores"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Workload"</th>
                        <th scope="col">"Review owner"</th>
                        <th scope="col" class="num">"Overall"</th>
                        <th scope="col" class="num"><abbr title="High-risk issues">"HRI"</abbr></th>
                        <th scope="col" class="num"><abbr title="Medium-risk issues">"MRI"</abbr></th>
                        <th scope="col">"Weakest pillar"</th>
                        <th scope="col">"Review updated"</th>
                        {Pillar::ALL
                            .into_iter()
                            .map(|pillar| view! { <th scope="col" class="num"><PillarName pillar short=true /></th> })
                            .collect_view()}
                    </tr>
                </thead>
                <tbody>
                    {workloads.into_iter().map(|workload| view! { <WorkloadRow workload now /> }).collect_view()}
                </tbody>
            </table>
        </TableFrame>
    }
}

#[component]
fn WorkloadRow(workload: WorkloadSummary, now: chrono::DateTime<chrono::Utc>) -> impl IntoView {
    let overall = workload.overall_score();
    let worst = workload.worst_pillar().map(|(pillar, score)| {
        let href = format!("/workloads/{}/pillars/{}", workload.id, pillar.id());
        view! { <a href=href><PillarName pillar short=true /></a> " " <span class="muted">{score}</span> }
    });
    let reviewed = workload.review_updated_at.map(|at| crate::domain::sync::ago_text(at, now));
    let pillar_cells = Pillar::ALL
        .into_iter()
        .map(|pillar| {
            let score = workload.score_for(pillar);
            view! { <td class="num"><ScoreBadge score label=pillar.name() /></td> }
        })
        .collect_view();
    view! {
        <tr>
            <th scope="row"><a href=format!("/workloads/{}", workload.id)>{workload.name}</a></th>
            <td>{workload.review_owner.unwrap_or_else(|| "–".into())}</td>
            <td class="num"><ScoreBadge score=overall label="Overall" /></td>
            <td class="num"><span class=risk_class(workload.high_risks, "risk-count risk-high")>{workload.high_risks}</span></td>
            <td class="num"><span class=risk_class(workload.medium_risks, "risk-count risk-medium")>{workload.medium_risks}</span></td>
            <td class="nowrap">{worst}</td>
            <td class="nowrap">{reviewed.unwrap_or_else(|| "–".into())}</td>
            {pillar_cells}
        </tr>
    }
}

/// Counts of risks are marked only when there are any.
fn risk_class(count: u32, marked: &'static str) -> &'static str {
    if count > 0 { marked } else { "risk-count" }
}
