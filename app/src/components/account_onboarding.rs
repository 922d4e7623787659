//! The onboarding table: every account of every source, whether the last
//! sync could read it and, where it could not, exactly what AWS said; shown
//! on the sync page and on the sources admin page.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::components::{ErrorNotice, TableFrame};
use crate::domain::sync::{AccountOnboarding, OnboardingFilter, OnboardingPage, OnboardingQuery, ago_text};
use crate::server_fns::get_onboarding;

/// The table for the page at `path`, following its `source`, `accounts`
/// and `page` parameters.
#[component]
pub fn AccountOnboardingSection(path: &'static str) -> impl IntoView {
    let params = use_query_map();
    let query = Memo::new(move |_| {
        let params = params.read();
        OnboardingQuery::from_params(|name| params.get(name))
    });
    let page = AsyncDerived::new(move || get_onboarding(query.get()));
    view! {
        <section id="accounts" aria-labelledby="accounts-heading">
            <h2 id="accounts-heading">"Accounts"</h2>
            <Suspense fallback=|| view! { <p class="loading">"Loading accounts…"</p> }>
                {move || Suspend::new(async move {
                    match page.await {
                        Ok(page) => view! { <Onboarding page path /> }.into_any(),
                        Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn Onboarding(page: OnboardingPage, path: &'static str) -> impl IntoView {
    if page.counts.is_empty() {
        return view! { <p class="empty-inline">"No account has been synced yet: the first sync lists them."</p> }
            .into_any();
    }
    let query = page.query.clone();
    let now = page.now.unwrap_or_default();
    let filter_link = |filter: OnboardingFilter, label: String| {
        let current = query.accounts == filter;
        view! {
            <a href=query.href(path, filter, 1) class="chip" aria-current=current.then_some("true")>{label}</a>
        }
    };
    let count = |accounts: OnboardingFilter| OnboardingQuery { accounts, ..query.clone() }.matching(&page.counts);
    let (total, failing, never) =
        (count(OnboardingFilter::All), count(OnboardingFilter::Failing), count(OnboardingFilter::Never));
    let summary = page
        .counts
        .iter()
        .map(|c| {
            view! {
                <li data-source=c.source.clone()>
                    <strong>{c.source.clone()}</strong>
                    {format!(
                        ": {} accounts, {} synced, {} failing, {} never synced, {} suspended, {} gone",
                        c.total, c.synced, c.failing, c.never_synced, c.suspended, c.gone
                    )}
                </li>
            }
        })
        .collect_view();
    let previous = (page.page > 1).then(|| query.href(path, query.accounts, page.page - 1));
    let next = (page.page < page.pages).then(|| query.href(path, query.accounts, page.page + 1));
    view! {
        <ul class="onboarding-counts" role="list">{summary}</ul>
        <nav class="filter-chips" aria-label="Show accounts">
            {filter_link(OnboardingFilter::All, format!("All ({total})"))}
            {filter_link(OnboardingFilter::Failing, format!("Failing ({failing})"))}
            {filter_link(OnboardingFilter::Never, format!("Never synced ({never})"))}
        </nav>
        {if page.accounts.is_empty() {
            view! { <p class="empty-inline" role="status">"No account matches."</p> }.into_any()
        } else {
            view! {
                <TableFrame label="Each source's accounts: failing first, then by name">
                    <table class="data-table onboarding">
                        <caption class="visually-hidden">"Each source's accounts: failing first, then by name"</caption>
                        <thead>
                            <tr>
                                <th scope="col">"Account"</th>
                                <th scope="col">"Organizational unit"</th>
                                <th scope="col">"Source"</th>
                                <th scope="col">"Status"</th>
                                <th scope="col">"Last synced"</th>
                                <th scope="col">"What AWS said"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {page.accounts.into_iter().map(|account| view! { <AccountRow account now /> }).collect_view()}
                        </tbody>
                    </table>
                </TableFrame>
            }
            .into_any()
        }}
        {(page.pages > 1).then(|| view! {
            <nav class="pager" aria-label="Pages of accounts">
                {previous.map(|href| view! { <a class="button" href=href rel="prev">"Previous page"</a> })}
                <span>{format!("Page {} of {} ({} accounts)", page.page, page.pages, page.matching)}</span>
                {next.map(|href| view! { <a class="button" href=href rel="next">"Next page"</a> })}
            </nav>
        })}
    }
    .into_any()
}

#[component]
fn AccountRow(account: AccountOnboarding, now: chrono::DateTime<chrono::Utc>) -> impl IntoView {
    let failing = account.is_failing();
    let status = account.status_text();
    let last_synced = match account.last_synced {
        Some(at) => view! { <time datetime=at.to_rfc3339()>{ago_text(at, now)}</time> }.into_any(),
        None => view! { "Never" }.into_any(),
    };
    let said = failing.then(|| {
        let place = [account.error_service.as_deref().map(|s| s.replace('_', " ")), account.error_region.clone()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        view! {
            <div class="run-error">
                <strong>{account.error_code.clone().unwrap_or_else(|| "Error".into())}</strong>
                {format!(
                    " on {}{}: ",
                    account.error_operation.clone().unwrap_or_default(),
                    if place.is_empty() { String::new() } else { format!(" in {place}") }
                )}
                {account.error_message.clone()}
                {(account.slices_failed > 1).then(|| format!(" ({} parts failed)", account.slices_failed))}
            </div>
        }
    });
    view! {
        <tr data-account=account.account_id.clone() data-status=status data-failing=failing.to_string()>
            <th scope="row">
                {account.name.clone().map(|name| format!("{name} "))}
                <code>{account.account_id.clone()}</code>
            </th>
            <td>{account.ou_path.clone().unwrap_or_default()}</td>
            <td>{account.source.clone()}</td>
            <td>{status}</td>
            <td>{last_synced}</td>
            <td class="errors">{said}</td>
        </tr>
    }
}
