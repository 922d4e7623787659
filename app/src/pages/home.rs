use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::{ErrorNotice, PillarCard, WorkloadTable, WorkloadsEmpty};
use crate::domain::Pillar;
use crate::server_fns::list_workloads;

/// The overview: the six pillars and the workloads under review.
#[component]
pub fn HomePage() -> impl IntoView {
    let workloads = Resource::new(|| (), |_| list_workloads());

    view! {
        <Title text="Overview · Plinth" />
        <h1 class="page-title">"Overview"</h1>
        <section aria-labelledby="pillars-heading">
            <h2 id="pillars-heading">"The six pillars"</h2>
            <ul class="pillar-grid" role="list">
                {Pillar::ALL
                    .into_iter()
                    .map(|pillar| view! { <li><PillarCard pillar /></li> })
                    .collect_view()}
            </ul>
        </section>
        <section aria-labelledby="workloads-heading">
            <h2 id="workloads-heading">"Workloads"</h2>
            <Suspense fallback=|| view! { <p class="loading">"Loading workloads…"</p> }>
                {move || Suspend::new(async move {
                    match workloads.await {
                        Ok(list) if list.is_empty() => view! { <WorkloadsEmpty /> }.into_any(),
                        Ok(list) => view! { <WorkloadTable workloads=list /> }.into_any(),
                        Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}
