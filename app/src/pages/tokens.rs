//! Personal API tokens: each user creates tokens for their scripts (a
//! name, a role no higher than theirs, an expiry) and revokes them. The
//! secret is shown once, on the page the creation form leads to; this page
//! lists only names, prefixes, roles and dates.

use crate::components::PageTitle;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::failure;
use crate::domain::Role;
use crate::domain::account::{MAX_TOKEN_NAME, TokenLine, TokenRefusal};
use crate::server_fns::get_my_tokens;

#[component]
pub fn TokensPage() -> impl IntoView {
    let params = use_query_map();
    let (refusal, typed, revoked) = params.with_untracked(|params| {
        (
            params.get("error").map(|code| refusal_text(&code)),
            params.get("name").unwrap_or_default(),
            params.get("revoked"),
        )
    });
    let tokens = AsyncDerived::new(get_my_tokens);
    let role = crate::auth::signed_in().map_or(Role::Viewer, |user| user.role);
    view! {
        <PageTitle text="API tokens · Plinth" />
        <h1 class="page-title">"API tokens"</h1>
        <p class="lead">
            "Scripts and other tools read Plinth's API with a token, sent as "
            <code>"Authorization: Bearer plinth_…"</code>
            ". A token acts as you, with the role you give it (at most yours), until it expires or you revoke it. "
            <a href="/api/v1/docs">"The API's description"</a>
        </p>
        {revoked.map(|_| view! { <div class="notice" role="status">"The token is revoked: it no longer works."</div> })}
        {refusal.map(|text| view! { <div class="notice notice-error" role="alert">{text}</div> })}
        <Suspense fallback=|| view! { <p class="loading">"Loading your tokens…"</p> }>
            {move || Suspend::new(async move {
                match tokens.await {
                    Ok(tokens) => view! { <TokenTable tokens /> }.into_any(),
                    Err(error) => failure(error),
                }
            })}
        </Suspense>
        <section class="panel" aria-labelledby="new-token-heading">
            <h2 id="new-token-heading">"New token"</h2>
            <form method="post" action="/settings/tokens" class="stacked-form">
                <label>"Name " <input type="text" name="name" value=typed required maxlength=MAX_TOKEN_NAME.to_string() placeholder="Nightly report script" /></label>
                <label>
                    "Role "
                    <select name="role">
                        {Role::ALL
                            .into_iter()
                            .filter(|r| role.allows(*r))
                            .map(|r| view! { <option value=r.as_str() selected=r == Role::Viewer>{r.as_str()}</option> })
                            .collect_view()}
                    </select>
                </label>
                <label>
                    "Expires "
                    <select name="expires">
                        <option value="30">"in 30 days"</option>
                        <option value="90" selected=true>"in 90 days"</option>
                        <option value="365">"in a year"</option>
                        <option value="never">"never"</option>
                    </select>
                </label>
                <button type="submit" class="button">"Create token"</button>
            </form>
        </section>
    }
}

/// The sentence for a refusal's code; any other code (an address typed by
/// hand) gets a plain one.
fn refusal_text(code: &str) -> String {
    TokenRefusal::parse(code)
        .map(TokenRefusal::message)
        .unwrap_or_else(|| "The token could not be created; try again.".to_owned())
}

fn day(at: Option<chrono::DateTime<chrono::Utc>>, none: &'static str) -> String {
    at.map_or_else(|| none.to_owned(), |at| at.format("%Y-%m-%d").to_string())
}

#[component]
fn TokenTable(tokens: Vec<TokenLine>) -> impl IntoView {
    if tokens.is_empty() {
        return view! { <p class="empty-inline">"You have no API tokens."</p> }.into_any();
    }
    view! {
        <table class="data-table" aria-label="Your API tokens">
            <thead>
                <tr>
                    <th scope="col">"Name"</th>
                    <th scope="col">"Token"</th>
                    <th scope="col">"Role"</th>
                    <th scope="col">"Created"</th>
                    <th scope="col">"Expires"</th>
                    <th scope="col">"Last used"</th>
                    <th scope="col"><span class="visually-hidden">"Revoke"</span></th>
                </tr>
            </thead>
            <tbody>
                {tokens
                    .into_iter()
                    .map(|token| {
                        let live = token.revoked_at.is_none();
                        view! {
                            <tr class:disabled=!live>
                                <th scope="row">{token.name.clone()}</th>
                                <td><code>{format!("{}…", token.prefix)}</code></td>
                                <td>{token.role.as_str()}</td>
                                <td class="nowrap">{day(Some(token.created_at), "")}</td>
                                <td class="nowrap">{day(token.expires_at, "never")}</td>
                                <td class="nowrap">{day(token.last_used_at, "never")}</td>
                                <td>
                                    {if live {
                                        view! {
                                            <form method="post" action=format!("/settings/tokens/{}/revoke", token.id) class="inline-form">
                                                <button type="submit" class="button button-quiet">{format!("Revoke {}", token.name)}</button>
                                            </form>
                                        }
                                        .into_any()
                                    } else {
                                        view! { <span class="muted">{format!("revoked {}", day(token.revoked_at, ""))}</span> }.into_any()
                                    }}
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}
