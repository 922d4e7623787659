use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use uuid::Uuid;

use super::NotFound;
use crate::components::{ErrorNotice, ScoreBadge, WorkloadPillars};
use crate::domain::WorkloadDetail;
use crate::error::AppError;
use crate::server_fns::get_workload;

/// A workload: its scope, its overall score and its six pillars.
#[component]
pub fn WorkloadPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|id| Uuid::parse_str(&id).ok());
    let workload = Resource::new(id, |id| async move {
        match id {
            Some(id) => get_workload(id).await,
            None => Err(AppError::NotFound("That workload".into())),
        }
    });
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading the workload…"</p> }>
            {move || Suspend::new(async move {
                match workload.await {
                    Ok(workload) => view! { <WorkloadView workload /> }.into_any(),
                    Err(AppError::NotFound(_)) => {
                        not_found_status();
                        view! { <NotFound /> }.into_any()
                    }
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
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
    }
}

/// Tells the browser (and crawlers) that the page does not exist.
pub(super) fn not_found_status() {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
}
