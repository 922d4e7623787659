use leptos::prelude::*;

use crate::components::{DemoNotice, ErrorNotice, PageTitle, WorkloadTable, WorkloadsEmpty};
use crate::server_fns::get_overview;

/// Every workload under review with its scores and risks.
#[component]
pub fn WorkloadsPage() -> impl IntoView {
    let overview = AsyncDerived::new(get_overview);
    view! {
        <PageTitle text="Workloads · Plinth" />
        <h1 class="page-title">"Workloads"</h1>
        <Suspense fallback=|| view! { <p class="loading">"Loading workloads…"</p> }>
            {move || Suspend::new(async move {
                match overview.await {
                    Ok(overview) if overview.workloads.is_empty() => view! { <WorkloadsEmpty /> }.into_any(),
                    Ok(overview) => view! {
                        {overview.demo.then(|| view! { <DemoNotice /> })}
                        <p class="result-count">{format!("{} workloads, by name.", overview.workloads.len())}</p>
                        <WorkloadTable workloads=overview.workloads now=overview.now />
                    }
                    .into_any(),
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}
