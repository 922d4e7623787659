//! The admin pages: users, the audit log and the sources. Every change is
//! a plain form post to the server, which checks the role, records the
//! change in the audit log and comes back here saying what happened.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use super::failure;
use crate::components::{PageTitle, RunStatusBadge, SubmitOnChange, TableFrame, TextArea};
use crate::domain::Role;
use crate::domain::admin::{AdminRefusal, AuditPage, AuditQuery, MIN_PASSWORD, SourceLine, UserLine};
use crate::domain::sync::ago_text;
use crate::server_fns::{get_audit, get_sources, get_users};

/// The links between the admin pages.
#[component]
fn AdminNav() -> impl IntoView {
    view! {
        <nav aria-label="Admin" class="sub-nav">
            <A href="/admin" exact=true>"Users"</A>
            <A href="/admin/audit">"Audit log"</A>
            <A href="/admin/sources">"Sources"</A>
            <A href="/admin/checklists">"Checklist packs"</A>
        </nav>
    }
}

/// Users: add one, change a role, disable or enable.
#[component]
pub fn AdminUsersPage() -> impl IntoView {
    let params = use_query_map();
    let (typed, refusal, done) = params.with_untracked(|params| {
        let typed = (
            params.get("email").unwrap_or_default(),
            params.get("name").unwrap_or_default(),
            params.get("role").and_then(|role| Role::parse(&role)).unwrap_or(Role::Viewer),
        );
        let done = params.get("done").and_then(|done| done_text(&done, &typed.0));
        (typed, params.get("error").and_then(|code| AdminRefusal::parse(&code)), done)
    });
    let users = AsyncDerived::new(get_users);
    view! {
        <PageTitle text="Users · Admin · Plinth" />
        <h1 class="page-title">"Users"</h1>
        <AdminNav />
        {done.map(|text| view! { <div class="notice" role="status">{text}</div> })}
        {refusal.map(|refusal| view! { <div class="notice notice-error" role="alert">{refusal.message()}</div> })}
        <Suspense fallback=|| view! { <p class="loading">"Loading users…"</p> }>
            {move || {
                let typed = typed.clone();
                Suspend::new(async move {
                    match users.await {
                        Ok(users) => view! {
                            <UserTable users />
                            <AddUserForm email=typed.0 name=typed.1 role=typed.2 />
                        }
                        .into_any(),
                        Err(error) => failure(error),
                    }
                })
            }}
        </Suspense>
    }
}

fn done_text(done: &str, email: &str) -> Option<String> {
    let text = match done {
        "added" => format!("Added {email}."),
        "role" => format!("Changed the role of {email}; it applies to their next click."),
        "disabled" => format!("Disabled {email} and ended their sessions."),
        "enabled" => format!("{email} can sign in again."),
        _ => return None,
    };
    Some(text)
}

fn role_options(selected: Role) -> impl IntoView {
    Role::ALL
        .into_iter()
        .map(|role| view! { <option value=role.as_str() selected=role == selected>{role.as_str()}</option> })
        .collect_view()
}

#[component]
fn UserTable(users: Vec<UserLine>) -> impl IntoView {
    let me = crate::auth::signed_in().map(|user| user.id);
    let rows = users
        .into_iter()
        .map(|user| {
            let own = me == Some(user.id);
            let sign_in = match (user.has_password, user.sso) {
                (true, true) => "password, single sign-on",
                (true, false) => "password",
                (false, true) => "single sign-on",
                (false, false) => "single sign-on (not yet)",
            };
            let last = user.last_sign_in_at.map_or_else(|| "never".to_owned(), |at| at.format("%Y-%m-%d %H:%M").to_string());
            let (toggle_action, toggle_label) =
                if user.disabled { ("/admin/users/enable", "Enable") } else { ("/admin/users/disable", "Disable") };
            view! {
                <tr data-email=user.email.clone() class:disabled=user.disabled>
                    <th scope="row">
                        {user.email.clone()}
                        {(!user.display_name.is_empty()).then(|| view! { <div class="muted">{user.display_name.clone()}</div> })}
                    </th>
                    <td>
                        <form method="post" action="/admin/users/role" class="inline-form">
                            <input type="hidden" name="email" value=user.email.clone() />
                            <label class="visually-hidden" for=format!("role-{}", user.id)>{format!("Role of {}", user.email)}</label>
                            <select name="role" id=format!("role-{}", user.id) disabled=own>{role_options(user.role)}</select>
                            {(!own).then(|| view! { <button type="submit" class="button button-quiet">"Change"</button> })}
                        </form>
                    </td>
                    <td>{if user.disabled { "disabled" } else { "active" }}</td>
                    <td>{sign_in}</td>
                    <td class="nowrap">{last}</td>
                    <td>
                        {(!own).then(|| view! {
                            <form method="post" action=toggle_action class="inline-form">
                                <input type="hidden" name="email" value=user.email.clone() />
                                <button type="submit" class="button button-quiet">{toggle_label}</button>
                            </form>
                        })}
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <TableFrame>
            <table class="data-table users">
                <caption class="visually-hidden">"Users, by email"</caption>
                <thead>
                    <tr>
                        <th scope="col">"User"</th>
                        <th scope="col">"Role"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col">"Signs in with"</th>
                        <th scope="col">"Last sign-in"</th>
                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </TableFrame>
    }
}

#[component]
fn AddUserForm(email: String, name: String, role: Role) -> impl IntoView {
    view! {
        <section aria-labelledby="add-user-heading" class="panel">
            <h2 id="add-user-heading">"Add a user"</h2>
            <form method="post" action="/admin/users" class="stacked-form">
                <label>"Email"<input type="email" name="email" value=email required=true autocomplete="off" /></label>
                <label>"Name"<input type="text" name="name" value=name autocomplete="off" /></label>
                <label>"Role"<select name="role">{role_options(role)}</select></label>
                <label>
                    "Password"
                    <input type="password" name="password" autocomplete="new-password" minlength=MIN_PASSWORD.to_string() />
                    <span class="hint">{format!("At least {MIN_PASSWORD} characters. Leave empty for someone who signs in with single sign-on.")}</span>
                </label>
                <button type="submit" class="button button-primary">"Add user"</button>
            </form>
        </section>
    }
}

/// The audit log: every write, newest first, filtered by who, what and on
/// what.
#[component]
pub fn AuditLogPage() -> impl IntoView {
    let params = use_query_map();
    let query = Memo::new(move |_| params.with(|params| AuditQuery::from_params(|name| params.get(name))));
    let page = AsyncDerived::new(move || get_audit(query.get()));
    view! {
        <PageTitle text="Audit log · Admin · Plinth" />
        <h1 class="page-title">"Audit log"</h1>
        <AdminNav />
        <p class="lead">"Every change, with who made it, when, and the values before and after. Nothing here can be edited or deleted."</p>
        <Transition fallback=|| view! { <p class="loading">"Loading the audit log…"</p> }>
            {move || Suspend::new(async move {
                let query = query.get();
                match page.await {
                    Ok(page) => view! { <AuditView page query /> }.into_any(),
                    Err(error) => failure(error),
                }
            })}
        </Transition>
    }
}

#[component]
fn AuditView(page: AuditPage, query: AuditQuery) -> impl IntoView {
    let actions = page
        .actions
        .iter()
        .map(|action| {
            let selected = query.action.as_deref() == Some(action.as_str());
            view! { <option value=action.clone() selected=selected>{action.clone()}</option> }
        })
        .collect_view();
    let older = page.older.map(|before| AuditQuery { before: Some(before), ..query.clone() }.href());
    let filtered = query.actor.is_some() || query.action.is_some() || query.target.is_some();
    let rows = page
        .entries
        .into_iter()
        .map(|entry| {
            view! {
                <tr>
                    <td class="nowrap">{entry.at.format("%Y-%m-%d %H:%M:%S").to_string()}</td>
                    <td>{entry.actor}</td>
                    <td><code>{entry.action}</code></td>
                    <td>{entry.target}</td>
                    <td>{entry.before.map(|json| view! { <pre class="json">{json}</pre> })}</td>
                    <td>{entry.after.map(|json| view! { <pre class="json">{json}</pre> })}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <SubmitOnChange>
            <form method="get" action="/admin/audit" class="filters">
                <div class="filter-grid">
                <label>"Who"<input type="text" name="actor" value=query.actor.clone().unwrap_or_default() placeholder="email or cli" /></label>
                <label>
                    "Action"
                    <select name="action">
                        <option value="" selected=query.action.is_none()>"Any"</option>
                        {actions}
                    </select>
                </label>
                <label>"On"<input type="search" name="target" value=query.target.clone().unwrap_or_default() placeholder="part of the target" /></label>
                </div>
                <div class="filter-actions">
                    <button type="submit" class="button">"Filter"</button>
                    {filtered.then(|| view! { <a href="/admin/audit" class="button button-quiet">"Clear"</a> })}
                </div>
            </form>
        </SubmitOnChange>
        <TableFrame label="Audit log entries, newest first">
            <table class="data-table audit">
                <caption class="visually-hidden">"Audit log entries, newest first"</caption>
                <thead>
                    <tr>
                        <th scope="col">"When (UTC)"</th>
                        <th scope="col">"Who"</th>
                        <th scope="col">"Action"</th>
                        <th scope="col">"On"</th>
                        <th scope="col">"Before"</th>
                        <th scope="col">"After"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </TableFrame>
        {older.map(|href| view! { <p class="pager"><a href=href rel="next">"Older entries"</a></p> })}
    }
}

/// The sources: what each syncs, how fresh it is, and "sync now".
#[component]
pub fn AdminSourcesPage() -> impl IntoView {
    let sources = AsyncDerived::new(get_sources);
    view! {
        <PageTitle text="Sources · Admin · Plinth" />
        <h1 class="page-title">"Sources"</h1>
        <AdminNav />
        <p class="lead">
            "AWS sources are defined in "<code>"plinth.toml"</code>" ("<code>"[[sources]]"</code>
            "); change them there and restart Plinth. The demo is loaded with "<code>"plinth demo"</code>"."
        </p>
        <Suspense fallback=|| view! { <p class="loading">"Loading sources…"</p> }>
            {move || Suspend::new(async move {
                match sources.await {
                    Ok(page) if page.sources.is_empty() => view! {
                        <div class="empty-state" role="status"><h2>"No sources yet"</h2></div>
                    }
                    .into_any(),
                    Ok(page) => {
                        let now = page.now;
                        page.sources.into_iter().map(|source| view! { <SourceSettings source now /> }).collect_view().into_any()
                    }
                    Err(error) => failure(error),
                }
            })}
        </Suspense>
        <crate::components::AccountOnboardingSection path="/admin/sources" />
    }
}

#[component]
fn SourceSettings(source: SourceLine, now: chrono::DateTime<chrono::Utc>) -> impl IntoView {
    let status = source.status;
    let settings =
        source.settings.into_iter().map(|(name, value)| view! { <dt>{name}</dt><dd>{value}</dd> }).collect_view();
    view! {
        <article class="source-card panel" data-source=status.name.clone()>
            <div class="source-head">
                <h2>{status.name.clone()}</h2>
                <span class="chip">{status.kind.clone()}</span>
                {status.last_run.as_ref().map(|run| view! { <RunStatusBadge status=run.status.clone() /> })}
            </div>
            <p class="source-meta">
                {match status.last_success {
                    Some(at) => format!("Last good sync {}.", ago_text(at, now)),
                    None => "No sync has succeeded yet.".to_owned(),
                }}
            </p>
            <dl class="settings">{settings}</dl>
            <form method="post" action="/api/sync_now">
                <input type="hidden" name="source" value=status.id.to_string() />
                <button type="submit" class="button">"Sync now"</button>
            </form>
        </article>
    }
}

/// Checklist packs: the built-in ones and custom ones, exported and
/// imported as TOML files.
#[component]
pub fn AdminChecklistsPage() -> impl IntoView {
    let packs = AsyncDerived::new(crate::server_fns::get_packs);
    let attempt = use_context::<crate::domain::checklists::ImportAttempt>().unwrap_or_default();
    let imported = use_query_map().with_untracked(|q| q.get("imported"));
    view! {
        <PageTitle text="Checklist packs · Admin · Plinth" />
        <h1 class="page-title">"Checklist packs"</h1>
        <AdminNav />
        {imported.map(|id| view! { <div class="notice" role="status">{format!("Imported the pack {id}.")}</div> })}
        <Suspense fallback=|| view! { <p class="loading">"Loading packs…"</p> }>
            {move || Suspend::new(async move {
                match packs.await {
                    Ok(packs) => view! { <PackTable packs /> }.into_any(),
                    Err(error) => failure(error),
                }
            })}
        </Suspense>
        <section class="panel" aria-labelledby="import-heading">
            <h2 id="import-heading">"Import a pack"</h2>
            <p class="hint">
                "Paste a pack file (TOML, the format an export gives). It is checked whole first: an invalid file imports nothing. "
                "A custom pack with the same id is replaced; its items' history stays."
            </p>
            {(!attempt.errors.is_empty()).then(|| view! {
                <div class="notice notice-error" role="alert">
                    <strong>"Nothing was imported. "</strong>
                    <ul>{attempt.errors.iter().map(|error| view! { <li>{error.clone()}</li> }).collect_view()}</ul>
                </div>
            })}
            <form method="post" action="/admin/checklists" class="stacked-form wide-form">
                <label>"Pack file"<TextArea name="pack" rows=12 spellcheck="false" required=true value=attempt.text.clone() /></label>
                <button type="submit" class="button button-primary">"Import"</button>
            </form>
        </section>
    }
}

#[component]
fn PackTable(packs: Vec<crate::domain::checklists::PackSummary>) -> impl IntoView {
    let rows = packs
        .into_iter()
        .map(|pack| {
            let export = format!("/checklists/{}/export", pack.id);
            view! {
                <tr>
                    <th scope="row">{pack.name.clone()}<div class="muted">{pack.description.clone()}</div></th>
                    <td><code>{pack.id.clone()}</code></td>
                    <td>{if pack.built_in { "built-in" } else { "custom" }}</td>
                    <td>{pack.version.clone()}</td>
                    <td class="num">{pack.items}</td>
                    <td><a href=export download=format!("{}.toml", pack.id)>"Export"</a></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <TableFrame>
            <table class="data-table">
                <caption class="visually-hidden">"Checklist packs"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Pack"</th>
                        <th scope="col">"Id"</th>
                        <th scope="col">"Kind"</th>
                        <th scope="col">"Version"</th>
                        <th scope="col" class="num">"Items"</th>
                        <th scope="col"><span class="visually-hidden">"Export"</span></th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </TableFrame>
    }
}
