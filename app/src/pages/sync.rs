use leptos::form::ActionForm;
use leptos::prelude::*;

use crate::components::{AccountOnboardingSection, ErrorNotice, PageTitle, RunStatusBadge, TableFrame};
use crate::domain::outbox::{WriteLine, WriteState};
use crate::domain::sync::{RunLine, SourceStatus, SyncStatus, ago_text, in_text};
use crate::domain::{Role, group_thousands};
use crate::server_fns::{SyncNow, get_aws_writes, get_sync_status};

/// How often a hydrated page asks for news while a sync runs.
const POLL_MILLIS: u64 = 1500;
/// Polls after "sync now" while the run is still starting (30 s).
const GRACE_POLLS: u32 = 20;
/// Polls in all before the page stops following (an hour).
const MAX_POLLS: u32 = 2400;

/// The sources, their recent runs with what failed and why, and "sync now".
#[component]
pub fn SyncPage() -> impl IntoView {
    // The page renders on the server only; the island gets the status as
    // its props.
    let status = AsyncDerived::new(get_sync_status);
    view! {
        <PageTitle text="Sync · Plinth" />
        <h1 class="page-title">"Sync"</h1>
        <p class="lead">
            "Where the data comes from and how fresh it is. Each sync reads Security Hub, AWS Config and the "
            "Well-Architected Tool; a failed part keeps the data it had."
        </p>
        <Suspense fallback=|| view! { <p class="loading">"Loading sources…"</p> }>
            {move || Suspend::new(async move {
                match status.await {
                    Ok(initial) => {
                        let can_sync = crate::auth::may(Role::Admin);
                        view! { <SyncLive initial can_sync /> }.into_any()
                    }
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                }
            })}
        </Suspense>
        <AccountOnboardingSection path="/sync" />
        <AwsWrites />
    }
}

/// The writes to AWS (answers, milestones, Security Hub workflow): what is
/// queued, retrying or given up, and what was sent this week.
#[component]
fn AwsWrites() -> impl IntoView {
    let writes = AsyncDerived::new(get_aws_writes);
    view! {
        <section aria-labelledby="writes-heading">
            <h2 id="writes-heading">"Writes to AWS"</h2>
            <Suspense fallback=|| view! { <p class="loading">"Loading writes…"</p> }>
                {move || Suspend::new(async move {
                    match writes.await {
                        Ok(writes) if writes.is_empty() => view! {
                            <p class="muted">"No writes to AWS this week: answers, milestones and Security Hub workflow updates appear here."</p>
                        }
                        .into_any(),
                        Ok(writes) => view! { <WriteTable writes /> }.into_any(),
                        Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn WriteTable(writes: Vec<WriteLine>) -> impl IntoView {
    let rows = writes
        .into_iter()
        .map(|write| {
            let about = match write.item_id {
                Some(item) => view! { <a href=format!("/remediation/{item}")>"Remediation item"</a> }.into_any(),
                None => view! { <span>{write.subject.clone()}</span> }.into_any(),
            };
            let needs_attention = write.state == WriteState::GivenUp;
            view! {
                <tr>
                    <td>{write.at.format("%Y-%m-%d %H:%M").to_string()}</td>
                    <td>{write.kind.label()}</td>
                    <td><a href=format!("/workloads/{}", write.workload_id)>{write.workload.clone()}</a></td>
                    <td>{about}</td>
                    <td>{write.actor.clone()}</td>
                    <td>
                        {needs_attention.then(|| view! { <strong>"Given up: "</strong> })}
                        {write.sentence.clone()}
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <TableFrame label="Writes to AWS">
            <table class="data-table">
                <thead>
                    <tr>
                        <th scope="col">"Queued"</th>
                        <th scope="col">"Write"</th>
                        <th scope="col">"Workload"</th>
                        <th scope="col">"About"</th>
                        <th scope="col">"By"</th>
                        <th scope="col">"Where it stands"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </TableFrame>
    }
}

/// The live part of the sync page, an island: the server renders it with
/// the status it read; hydrated, it starts syncs without a reload and
/// follows a running one until it ends. Only admins get the "Sync now"
/// buttons (the server refuses anyone else anyway).
#[island]
fn SyncLive(initial: SyncStatus, can_sync: bool) -> impl IntoView {
    let status = RwSignal::new(initial);
    let sync_now = ServerAction::<SyncNow>::new();
    let frame = NodeRef::<leptos::html::Div>::new();
    let tick = RwSignal::new(0u32);
    let seen_version = StoredValue::new(0usize);
    // One poll at a time, however often the effect runs.
    let scheduled = StoredValue::new(false);
    // Polls left after "sync now" before the new run must show as running
    // (loading AWS credentials can take a while), and in all.
    let grace = StoredValue::new(0u32);
    let budget = StoredValue::new(MAX_POLLS);
    Effect::new(move |_| {
        let version = sync_now.version().get();
        tick.track();
        if version != seen_version.get_value() {
            seen_version.set_value(version);
            grace.set_value(GRACE_POLLS);
            budget.set_value(MAX_POLLS);
        }
        let running = status.with_untracked(SyncStatus::any_running);
        if scheduled.get_value() || budget.get_value() == 0 || (!running && grace.get_value() == 0) {
            return;
        }
        grace.update_value(|left| *left = left.saturating_sub(1));
        budget.update_value(|left| *left -= 1);
        scheduled.set_value(true);
        set_timeout(
            move || {
                scheduled.set_value(false);
                // The page moved on (navigate.js swapped it out): stop.
                if !frame.get_untracked().is_some_and(|div| div.is_connected()) {
                    return;
                }
                leptos::task::spawn_local(async move {
                    if let Ok(fresh) = get_sync_status().await {
                        status.set(fresh);
                    }
                    tick.update(|t| *t = t.wrapping_add(1));
                });
            },
            std::time::Duration::from_millis(POLL_MILLIS),
        );
    });
    view! {
        <div node_ref=frame>
            {move || sync_now.value().get().and_then(Result::err).map(|error| view! {
                <div class="notice notice-error" role="alert">{error.to_string()}</div>
            })}
            {move || view! { <SyncView status=status.get() sync_now can_sync /> }}
        </div>
    }
}

#[component]
fn SyncView(status: SyncStatus, sync_now: ServerAction<SyncNow>, can_sync: bool) -> impl IntoView {
    let now = status.now.unwrap_or_default();
    if status.sources.is_empty() {
        return view! {
            <div class="empty-state" role="status">
                <h2>"No sources yet"</h2>
                <p>"Configure an AWS source in plinth.toml and run "<code>"plinth sync"</code>", or load the demo with "<code>"plinth demo"</code>"."</p>
            </div>
        }
        .into_any();
    }
    view! {
        <section aria-labelledby="sources-heading">
            <h2 id="sources-heading">"Sources"</h2>
            <ul class="source-list" role="list">
                {status
                    .sources
                    .into_iter()
                    .map(|source| view! { <li><SourceCard source now sync_now can_sync /></li> })
                    .collect_view()}
            </ul>
        </section>
        <section aria-labelledby="runs-heading">
            <h2 id="runs-heading">"Recent runs"</h2>
            <RunTable runs=status.runs now />
        </section>
    }
    .into_any()
}

#[component]
fn SourceCard(
    source: SourceStatus,
    now: chrono::DateTime<chrono::Utc>,
    sync_now: ServerAction<SyncNow>,
    can_sync: bool,
) -> impl IntoView {
    let running = source.last_run.as_ref().is_some_and(RunLine::is_running);
    let pending = sync_now.pending();
    let interval = if source.kind == "demo" {
        "on demand".to_owned()
    } else {
        format!("every {}", crate::domain::sync::duration_text(i64::from(source.sync_interval_secs) * 1000))
    };
    let last = source.last_run.clone();
    view! {
        <article class="source-card" data-source=source.name.clone()>
            <div class="source-head">
                <h3>{source.name.clone()}</h3>
                <span class="chip">{source.kind.clone()}</span>
                {last.as_ref().map(|run| view! { <RunStatusBadge status=run.status.clone() /> })}
            </div>
            <p class="source-meta">
                {match source.last_success {
                    Some(at) => format!("Last good sync {}. ", ago_text(at, now)),
                    None => "No sync has succeeded yet. ".to_owned(),
                }}
                "Syncs "{interval}"."
                {source.next_sync_at.filter(|_| !running).map(|at| view! {
                    " Next sync " <time datetime=at.to_rfc3339() data-next-sync>{format!("{} ({} UTC)", in_text(at, now), at.format("%H:%M"))}</time> "."
                })}
            </p>
            {last.filter(|run| run.is_running()).map(|run| view! {
                <p class="progress" role="status" aria-live="polite">
                    {format!("Running: {} of {} parts done, {} records stored.", run.slices_done, run.slices, group_thousands(run.stored))}
                </p>
            })}
            {can_sync.then(|| view! {
                <ActionForm action=sync_now>
                    <input type="hidden" name="source" value=source.id.to_string() />
                    <button type="submit" class="button" disabled=move || running || pending.get()>
                        {if running { "Syncing…" } else { "Sync now" }}
                    </button>
                </ActionForm>
            })}
        </article>
    }
    .into_any()
}

#[component]
fn RunTable(runs: Vec<RunLine>, now: chrono::DateTime<chrono::Utc>) -> impl IntoView {
    if runs.is_empty() {
        return view! { <p class="empty-inline">"No sync has run yet."</p> }.into_any();
    }
    view! {
        <TableFrame label="Recent sync runs, newest first">
            <table class="data-table runs">
                <caption class="visually-hidden">"Recent sync runs, newest first"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Started"</th>
                        <th scope="col">"Source"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col" class="num">"Duration"</th>
                        <th scope="col" class="num">"Parts"</th>
                        <th scope="col" class="num">"Fetched"</th>
                        <th scope="col" class="num">"Stored"</th>
                        <th scope="col">"Errors"</th>
                    </tr>
                </thead>
                <tbody>
                    {runs
                        .into_iter()
                        .map(|run| {
                            let duration = run.duration_text(now);
                            let parts = if run.slices_failed > 0 {
                                format!("{} ({} failed)", run.slices, run.slices_failed)
                            } else {
                                run.slices.to_string()
                            };
                            view! {
                                <tr data-status=run.status.clone()>
                                    <th scope="row" class="nowrap">
                                        {run.started_at.format("%Y-%m-%d %H:%M:%S").to_string()}
                                        {run.full_sync.then_some(" (full)")}
                                    </th>
                                    <td>{run.source_name.clone()}</td>
                                    <td><RunStatusBadge status=run.status.clone() /></td>
                                    <td class="num">{duration}</td>
                                    <td class="num">{parts}</td>
                                    <td class="num">{group_thousands(run.fetched)}</td>
                                    <td class="num">{group_thousands(run.stored)}</td>
                                    <td class="errors">
                                        {run
                                            .errors
                                            .into_iter()
                                            .map(|e| view! {
                                                <div class="run-error">
                                                    <strong>{e.error_code.clone().unwrap_or_else(|| "Error".into())}</strong>
                                                    {format!(
                                                        " in {} {} {}: ",
                                                        e.service.replace('_', " "),
                                                        crate::domain::sync::account_label(&e.account_id, e.account_name.as_deref()),
                                                        e.region
                                                    )}
                                                    {e.error_message.clone()}
                                                    {e.request_id.clone().map(|id| view! { <span class="request-id">" (request "{id}")"</span> })}
                                                </div>
                                            })
                                            .collect_view()}
                                    </td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </TableFrame>
    }
    .into_any()
}
