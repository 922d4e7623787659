use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::findings::IgnoredNotice;
use crate::components::{
    AccountName, ErrorNotice, PageTitle, PillarName, RuleComplianceBadge, SubmitOnChange, TableFrame,
};
use crate::domain::findings::FindingQuery;
use crate::domain::group_thousands;
use crate::domain::params::MAX_SEARCH_CHARS;
use crate::domain::rules::{RuleDetail, RuleQuery, RulesPage, rule_href};
use crate::domain::{Pillar, RuleCompliance};
use crate::error::AppError;
use crate::server_fns::{get_rule, get_rules};

/// AWS Config rules gathered over the organisation, and conformance packs.
#[component]
pub fn RulesPage() -> impl IntoView {
    let params = use_query_map();
    let parsed = Memo::new(move |_| {
        let params = params.read();
        RuleQuery::from_params(|name| params.get(name))
    });
    // Pages render on the server only (islands mode): an async derived
    // value computes once like a resource, but is not serialized into the
    // page for a browser that will never read it.
    let rules = AsyncDerived::new(move || get_rules(parsed.get().0));
    view! {
        <PageTitle text="Config rules · Plinth" />
        <h1 class="page-title">"Config rules"</h1>
        <p class="lead">
            "AWS Config rules over every synced account and region, the most non-compliant resources first, "
            "and the conformance packs with their scores."
        </p>
        <Transition fallback=|| view! { <p class="loading">"Loading rules…"</p> }>
            {move || Suspend::new(async move {
                let (query, ignored) = parsed.get();
                match rules.await {
                    Ok(page) => view! {
                        <IgnoredNotice ignored />
                        <RuleFilters query=query.clone() page=page.clone() />
                        <RuleTable page=page.clone() query />
                        <PackTable page />
                    }
                    .into_any(),
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn RuleFilters(query: RuleQuery, page: RulesPage) -> impl IntoView {
    view! {
        <SubmitOnChange>
        <form action="/rules" method="get" class="filters" aria-label="Filter rules">
            <div class="filter-grid">
                <label>
                    <span>"Search"</span>
                    <input type="search" name="q" value=query.text.clone() maxlength=MAX_SEARCH_CHARS placeholder="Rule name or identifier" />
                </label>
                <label>
                    <span>"Compliance"</span>
                    <select name="compliance">
                        <option value="">"Any"</option>
                        {RuleCompliance::ALL
                            .iter()
                            .map(|&c| view! { <option value=c.as_str() selected=query.compliance == Some(c)>{c.as_str()}</option> })
                            .collect_view()}
                    </select>
                </label>
                <label>
                    <span>"Pillar"</span>
                    <select name="pillar">
                        <option value="">"Any"</option>
                        {Pillar::ALL
                            .into_iter()
                            .map(|p| view! { <option value=p.id() selected=query.pillar == Some(p)>{p.name()}</option> })
                            .collect_view()}
                    </select>
                </label>
                <label>
                    <span>"Workload"</span>
                    <select name="workload">
                        <option value="">"Any"</option>
                        {page
                            .workloads
                            .iter()
                            .map(|(id, name)| view! { <option value=id.to_string() selected=query.workload == Some(*id)>{name.clone()}</option> })
                            .collect_view()}
                    </select>
                </label>
                <label>
                    <span>"Account"</span>
                    <input type="text" name="account" value=query.account.clone() list="rule-accounts" placeholder="Id or name" />
                    <datalist id="rule-accounts">
                        {page
                            .accounts
                            .iter()
                            .map(|a| view! { <option value=a.clone()>{page.account_names.get(a).cloned()}</option> })
                            .collect_view()}
                    </datalist>
                </label>
                <label>
                    <span>"Region"</span>
                    <select name="region">
                        <option value="">"Any"</option>
                        {page
                            .regions
                            .iter()
                            .map(|r| view! { <option value=r.clone() selected=query.region.as_deref() == Some(r.as_str())>{r.clone()}</option> })
                            .collect_view()}
                    </select>
                </label>
            </div>
            <div class="filter-actions">
                <button type="submit" class="button">"Apply filters"</button>
                <a class="button button-quiet" href="/rules">"Clear"</a>
            </div>
        </form>
        </SubmitOnChange>
    }
    .into_any()
}

/// A rule page's address keeps the list's account, region and workload.
fn rule_link(rule_name: &str, query: &RuleQuery) -> String {
    let scoped = RuleQuery { pillar: None, compliance: None, text: None, ..query.clone() };
    let list = scoped.href();
    match list.split_once('?') {
        Some((_, params)) => format!("{}?{params}", rule_href(rule_name)),
        None => rule_href(rule_name),
    }
}

#[component]
fn RuleTable(page: RulesPage, query: RuleQuery) -> impl IntoView {
    if page.rules.is_empty() {
        return view! {
            <div class="empty-state" role="status">
                <h2>"No rules match"</h2>
                {if query.is_filtered() {
                    view! { <p>"Nothing matches these filters. "<a href="/rules">"Clear them"</a>"."</p> }.into_any()
                } else {
                    view! { <p>"No Config rules are stored yet; they arrive with the next "<a href="/sync">"sync"</a>"."</p> }
                        .into_any()
                }}
            </div>
        }
        .into_any();
    }
    let count = page.rules.len();
    view! {
        <section aria-labelledby="rules-heading">
            <h2 id="rules-heading">"Rules "<span class="count">{count}</span></h2>
            <TableFrame>
                <table class="data-table rules">
                    <caption class="visually-hidden">"Config rules with their compliance"</caption>
                    <thead>
                        <tr>
                            <th scope="col">"Rule"</th>
                            <th scope="col">"Managed identifier"</th>
                            <th scope="col">"Pillars"</th>
                            <th scope="col">"Compliance"</th>
                            <th scope="col" class="num">"Non-compliant where deployed"</th>
                            <th scope="col" class="num">"Non-compliant resources"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {page
                            .rules
                            .into_iter()
                            .map(|rule| {
                                view! {
                                    <tr>
                                        <th scope="row"><a href=rule_link(&rule.rule_name, &query)>{rule.rule_name.clone()}</a></th>
                                        <td><code>{rule.identifier.clone().unwrap_or_else(|| "custom".into())}</code></td>
                                        <td>{rule.pillars.iter().map(|&pillar| view! { <PillarName pillar short=true /> " " }).collect_view()}</td>
                                        <td><RuleComplianceBadge compliance=rule.compliance /></td>
                                        <td class="num">{format!("{} of {}", rule.non_compliant_deployments, rule.deployments)}</td>
                                        <td class="num">{group_thousands(rule.non_compliant_resources)}</td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
            </TableFrame>
        </section>
    }
    .into_any()
}

#[component]
fn PackTable(page: RulesPage) -> impl IntoView {
    let score = |s: Option<f32>| s.map_or_else(|| "–".to_owned(), |s| format!("{s:.0}"));
    view! {
        <section aria-labelledby="packs-heading">
            <h2 id="packs-heading">"Conformance packs"</h2>
            {if page.packs.is_empty() {
                view! { <p class="empty-inline">"No conformance packs are deployed in the synced accounts."</p> }.into_any()
            } else {
                view! {
                    <TableFrame label="Conformance packs with their compliance scores">
                        <table class="data-table packs">
                            <caption class="visually-hidden">"Conformance packs with their compliance scores"</caption>
                            <thead>
                                <tr>
                                    <th scope="col">"Pack"</th>
                                    <th scope="col" class="num">"Deployed in"</th>
                                    <th scope="col" class="num">"Mean score"</th>
                                    <th scope="col" class="num">"Lowest score"</th>
                                    <th scope="col">"Scored"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {page
                                    .packs
                                    .into_iter()
                                    .map(|pack| view! {
                                        <tr>
                                            <th scope="row">{pack.pack_name}</th>
                                            <td class="num">{pack.deployments}</td>
                                            <td class="num">{score(pack.mean_score)}</td>
                                            <td class="num">{score(pack.lowest_score)}</td>
                                            <td>{pack.score_updated_at.map(|t| t.format("%Y-%m-%d").to_string())}</td>
                                        </tr>
                                    })
                                    .collect_view()}
                            </tbody>
                        </table>
                    </TableFrame>
                    <p class="footnote">"A pack's score is the share of its rule and resource pairs that comply, as AWS Config computes it."</p>
                }
                .into_any()
            }}
        </section>
    }
    .into_any()
}

/// One rule: where it is deployed and the resources it evaluated.
#[component]
pub fn RulePage() -> impl IntoView {
    let params = use_params_map();
    let query_params = use_query_map();
    let key = move || {
        let name = params.read().get("name");
        let query = {
            let q = query_params.read();
            RuleQuery::from_params(|n| q.get(n)).0
        };
        (name, query)
    };
    let rule = AsyncDerived::new(move || {
        let (name, query) = key();
        async move {
            match name {
                Some(name) => get_rule(name, query).await,
                None => Err(AppError::NotFound("That rule".into())),
            }
        }
    });
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading the rule…"</p> }>
            {move || Suspend::new(async move {
                match rule.await {
                    Ok(rule) => view! { <RuleView rule /> }.into_any(),
                    Err(error) => super::failure(error),
                }
            })}
        </Suspense>
    }
}

#[component]
fn RuleView(rule: RuleDetail) -> impl IntoView {
    let names = rule.account_names.clone();
    let deployment_names = names.clone();
    let shown = rule.resources.len() as u64;
    let more = (rule.resource_count > shown)
        .then(|| format!("Showing {shown} of {} resources.", group_thousands(rule.resource_count)));
    let control = rule.control_id.clone().map(|control| {
        let href = FindingQuery { control: Some(control.clone()), ..FindingQuery::default() }.href();
        view! { <a href=href><code>{control}</code></a> }
    });
    view! {
        <PageTitle text=format!("{} · Config rules · Plinth", rule.rule_name) />
        <nav class="breadcrumbs" aria-label="Breadcrumbs">
            <a href="/rules">"Config rules"</a>
            " / "
            <span aria-current="page">{rule.rule_name.clone()}</span>
        </nav>
        <h1 class="page-title">{rule.rule_name.clone()}</h1>
        {rule.description.clone().map(|d| view! { <p class="lead">{d}</p> })}
        <dl class="facts">
            <dt>"Managed identifier"</dt>
            <dd><code>{rule.identifier.clone().unwrap_or_else(|| "custom rule".into())}</code></dd>
            <dt>"Security Hub control"</dt>
            <dd>{control.map(IntoAny::into_any).unwrap_or_else(|| "–".into_any())}</dd>
            <dt>"Pillars"</dt>
            <dd>{rule.pillars.iter().map(|&pillar| view! { <PillarName pillar /> " " }).collect_view()}</dd>
        </dl>
        <section aria-labelledby="deployments-heading">
            <h2 id="deployments-heading">"Where it is deployed"</h2>
            <TableFrame label="The rule's compliance per account and region">
                <table class="data-table">
                    <caption class="visually-hidden">"The rule's compliance per account and region"</caption>
                    <thead>
                        <tr>
                            <th scope="col">"Account"</th>
                            <th scope="col">"Region"</th>
                            <th scope="col">"Compliance"</th>
                            <th scope="col" class="num">"Non-compliant resources"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {rule
                            .deployments
                            .into_iter()
                            .map(|d| view! {
                                <tr>
                                    <th scope="row"><AccountName name=deployment_names.get(&d.account_id).cloned() id=d.account_id /></th>
                                    <td>{d.region}</td>
                                    <td><RuleComplianceBadge compliance=d.compliance /></td>
                                    <td class="num">{d.non_compliant_count.map_or_else(|| "–".to_owned(), |n| n.to_string())}</td>
                                </tr>
                            })
                            .collect_view()}
                    </tbody>
                </table>
            </TableFrame>
        </section>
        <section aria-labelledby="resources-heading">
            <h2 id="resources-heading">"Resources evaluated"</h2>
            {more.map(|text| view! { <p class="footnote">{text}" Non-compliant resources come first."</p> })}
            {if rule.resources.is_empty() {
                view! { <p class="empty-inline">"No evaluated resources are stored for this rule in this scope."</p> }.into_any()
            } else {
                view! {
                    <TableFrame label="Resources the rule evaluated">
                        <table class="data-table">
                            <caption class="visually-hidden">"Resources the rule evaluated"</caption>
                            <thead>
                                <tr>
                                    <th scope="col">"Resource"</th>
                                    <th scope="col">"Type"</th>
                                    <th scope="col">"Account"</th>
                                    <th scope="col">"Region"</th>
                                    <th scope="col">"Compliance"</th>
                                    <th scope="col">"Note"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {rule
                                    .resources
                                    .into_iter()
                                    .map(|r| view! {
                                        <tr>
                                            <th scope="row" class="resource"><code>{r.resource_id}</code></th>
                                            <td>{r.resource_type}</td>
                                            <td><AccountName name=names.get(&r.account_id).cloned() id=r.account_id /></td>
                                            <td>{r.region}</td>
                                            <td><RuleComplianceBadge compliance=Some(r.compliance) /></td>
                                            <td>{r.annotation}</td>
                                        </tr>
                                    })
                                    .collect_view()}
                            </tbody>
                        </table>
                    </TableFrame>
                }
                .into_any()
            }}
        </section>
    }
    .into_any()
}
