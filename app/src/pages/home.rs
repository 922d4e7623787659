use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::{DemoNotice, ErrorNotice, PillarCard, WorkloadTable, WorkloadsEmpty};
use crate::domain::Pillar;
use crate::server_fns::get_overview;

/// The overview: the six pillars and the workloads under review.
#[component]
pub fn HomePage() -> impl IntoView {
    let overview = Resource::new(|| (), |_| get_overview());

    view! {
        <Title text="Overview · Plinth" />
        <h1 class="page-title">"Overview"</h1>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                overview.await.ok().filter(|o| o.demo).map(|_| view! { <DemoNotice /> })
            })}
        </Suspense>
        <section aria-labelledby="pillars-heading">
            <h2 id="pillars-heading">"The six pillars"</h2>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let organisation = overview.await.map(|o| o.organisation).unwrap_or_default();
                    view! {
                        <ul class="pillar-grid" role="list">
                            {Pillar::ALL
                                .into_iter()
                                .map(|pillar| {
                                    let score = organisation.iter().find(|s| s.pillar == pillar).cloned();
                                    view! { <li><PillarCard pillar score /></li> }
                                })
                                .collect_view()}
                        </ul>
                    }
                })}
            </Suspense>
        </section>
        <section aria-labelledby="workloads-heading">
            <h2 id="workloads-heading">"Workloads"</h2>
            <Suspense fallback=|| view! { <p class="loading">"Loading workloads…"</p> }>
                {move || Suspend::new(async move {
                    match overview.await {
                        Ok(o) if o.workloads.is_empty() => view! { <WorkloadsEmpty /> }.into_any(),
                        Ok(o) => view! {
                            <WorkloadTable workloads=o.workloads />
                            <p class="footnote">
                                "Scores blend the review (50 %), AWS evidence (30 %) and checklists (20 %), "
                                "each counted only where it has data. Evidence mapping "{o.mapping_version}"."
                            </p>
                        }
                        .into_any(),
                        Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}
