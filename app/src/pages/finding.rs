use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::components::{AccountName, ComplianceBadge, PageTitle, PillarName, SeverityBadge};
use crate::domain::findings::{FindingDetail, FindingQuery};
use crate::error::AppError;
use crate::server_fns::get_finding;

/// One finding: what it is, where, how to fix it, and the finding as AWS
/// sent it.
#[component]
pub fn FindingPage() -> impl IntoView {
    let params = use_query_map();
    let id = move || params.read().get("id").filter(|id| !id.is_empty());
    // Pages render on the server only (islands mode): an async derived
    // value computes once like a resource, but is not serialized into the
    // page for a browser that will never read it.
    let finding = AsyncDerived::new(move || {
        let id = id();
        async move {
            match id {
                Some(id) => get_finding(id).await,
                None => Err(AppError::NotFound("That finding".into())),
            }
        }
    });
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading the finding…"</p> }>
            {move || Suspend::new(async move {
                match finding.await {
                    Ok(finding) => view! { <FindingView finding /> }.into_any(),
                    Err(error) => super::failure(error),
                }
            })}
        </Suspense>
    }
}

fn when(time: Option<chrono::DateTime<chrono::Utc>>) -> String {
    time.map_or_else(|| "–".to_owned(), |t| t.format("%Y-%m-%d %H:%M UTC").to_string())
}

#[component]
fn FindingView(finding: FindingDetail) -> impl IntoView {
    let line = finding.line;
    let title = line.title.clone().unwrap_or_else(|| line.id.clone());
    let by = |query: FindingQuery| query.href();
    let account_href = by(FindingQuery { account: Some(line.account_id.clone()), ..FindingQuery::default() });
    let control = line.control_id.clone().map(|control| {
        let href = by(FindingQuery { control: Some(control.clone()), ..FindingQuery::default() });
        view! {
            <a href=href><code>{control}</code></a>
            {finding.control_title.clone().map(|t| view! { " " <span class="item-title">{t}</span> })}
        }
    });
    let resource_type_href = line
        .resource_type
        .clone()
        .map(|rt| (by(FindingQuery { resource_type: Some(rt.clone()), ..FindingQuery::default() }), rt));
    view! {
        <PageTitle text=format!("{title} · Findings · Plinth") />
        <nav class="breadcrumbs" aria-label="Breadcrumbs">
            <a href="/findings">"Findings"</a>
            " / "
            <span aria-current="page">{line.control_id.clone().unwrap_or_else(|| "Finding".into())}</span>
        </nav>
        <div class="page-head">
            <h1 class="page-title">{title}</h1>
            <SeverityBadge severity=line.severity />
            <ComplianceBadge compliance=line.compliance />
        </div>
        {finding.description.clone().map(|d| view! { <p class="lead">{d}</p> })}
        <div class="detail-columns">
            <section aria-labelledby="where-heading">
                <h2 id="where-heading">"Where"</h2>
                <dl class="facts">
                    <dt>"Account"</dt>
                    <dd><a href=account_href><AccountName id=line.account_id.clone() name=line.account_name.clone() /></a></dd>
                    <dt>"Region"</dt>
                    <dd>{line.region.clone()}</dd>
                    <dt>"Resource"</dt>
                    <dd class="resource"><code>{line.resource_id.clone()}</code></dd>
                    <dt>"Resource type"</dt>
                    <dd>{resource_type_href.map(|(href, rt)| view! { <a href=href>{rt}</a> })}</dd>
                    <dt>"Workloads"</dt>
                    <dd>
                        {if finding.workloads.is_empty() {
                            view! { "None: no workload covers this account and region" }.into_any()
                        } else {
                            finding
                                .workloads
                                .iter()
                                .map(|(id, name)| view! { <a class="chip" href=format!("/workloads/{id}")>{name.clone()}</a> })
                                .collect_view()
                                .into_any()
                        }}
                    </dd>
                </dl>
            </section>
            <section aria-labelledby="what-heading">
                <h2 id="what-heading">"What"</h2>
                <dl class="facts">
                    <dt>"Control"</dt>
                    <dd>{control}</dd>
                    <dt>"Pillars"</dt>
                    <dd>
                        {if finding.pillars.is_empty() {
                            view! { "Not mapped" }.into_any()
                        } else {
                            finding.pillars.iter().map(|&pillar| view! { <PillarName pillar /> " " }).collect_view().into_any()
                        }}
                    </dd>
                    <dt>"Workflow"</dt>
                    <dd>{line.workflow.as_str()}</dd>
                    <dt>"Record state"</dt>
                    <dd>{line.record.as_str()}</dd>
                    <dt>"Product"</dt>
                    <dd>{finding.product_name.clone().unwrap_or_else(|| "–".into())}</dd>
                    <dt>"Standards"</dt>
                    <dd>{if finding.standards.is_empty() { "–".to_owned() } else { finding.standards.join(", ") }}</dd>
                </dl>
            </section>
            <section aria-labelledby="when-heading">
                <h2 id="when-heading">"When"</h2>
                <dl class="facts">
                    <dt>"First observed"</dt>
                    <dd>{when(finding.first_observed_at)}</dd>
                    <dt>"Last observed"</dt>
                    <dd>{when(finding.last_observed_at)}</dd>
                    <dt>"Created"</dt>
                    <dd>{when(finding.created_at)}</dd>
                    <dt>"Updated"</dt>
                    <dd>{when(line.updated_at)}</dd>
                </dl>
            </section>
        </div>
        <section aria-labelledby="fix-heading">
            <h2 id="fix-heading">"Remediation"</h2>
            <p>{finding.remediation_text.clone().unwrap_or_else(|| "Security Hub gives no remediation text for this finding.".into())}</p>
            {finding.remediation_url.clone().map(|url| view! {
                <p><a href=url rel="noopener noreferrer" target="_blank">"Remediation guide (AWS documentation)"</a></p>
            })}
        </section>
        <section aria-labelledby="raw-heading">
            <h2 id="raw-heading">"As AWS sent it"</h2>
            <details class="raw">
                <summary>"Raw finding (JSON)"</summary>
                <pre><code>{finding.raw.clone()}</code></pre>
            </details>
            <p class="footnote">"Id: "<code>{line.id.clone()}</code></p>
        </section>
    }
    .into_any()
}
