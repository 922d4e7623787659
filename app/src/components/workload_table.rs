use leptos::prelude::*;

use super::{PillarName, ScoreBadge};
use crate::domain::{Pillar, WorkloadSummary};

/// The workloads with their overall and per-pillar scores.
#[component]
pub fn WorkloadTable(workloads: Vec<WorkloadSummary>) -> impl IntoView {
    view! {
        <div class="table-scroll">
            <table class="data-table workloads">
                <caption class="visually-hidden">"Workloads and their pillar scores"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Workload"</th>
                        <th scope="col">"Environment"</th>
                        <th scope="col">"Review owner"</th>
                        <th scope="col" class="num">"Accounts"</th>
                        <th scope="col" class="num">"Overall"</th>
                        {Pillar::ALL
                            .into_iter()
                            .map(|pillar| view! { <th scope="col" class="num"><PillarName pillar short=true /></th> })
                            .collect_view()}
                    </tr>
                </thead>
                <tbody>
                    {workloads.into_iter().map(|workload| view! { <WorkloadRow workload /> }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn WorkloadRow(workload: WorkloadSummary) -> impl IntoView {
    let overall = workload.overall_score();
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
            <td>{workload.environment.unwrap_or_else(|| "–".into())}</td>
            <td>{workload.review_owner.unwrap_or_else(|| "–".into())}</td>
            <td class="num">{workload.account_count}</td>
            <td class="num"><ScoreBadge score=overall label="Overall" /></td>
            {pillar_cells}
        </tr>
    }
}
