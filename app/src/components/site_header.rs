use leptos::prelude::*;
use leptos_router::components::A;

use crate::auth::signed_in;
use crate::domain::Role;

/// The bar at the top of every page; `children` go to its right end. The
/// main navigation and the account menu show only to a signed-in user.
#[component]
pub fn SiteHeader(children: Children) -> impl IntoView {
    let user = signed_in();
    let nav = user.as_ref().map(|user| {
        let admin = user.may(Role::Admin);
        view! {
            <nav aria-label="Main" class="main-nav">
                <A href="/" exact=true>"Overview"</A>
                <A href="/workloads">"Workloads"</A>
                <A href="/findings">"Findings"</A>
                <A href="/remediation">"Remediation"</A>
                <A href="/rules">"Config rules"</A>
                <A href="/sync">"Sync"</A>
                {admin.then(|| view! { <A href="/admin">"Admin"</A> })}
            </nav>
        }
    });
    let account = user.map(|user| {
        view! {
            <div class="account">
                <span class="account-name" title=user.email.clone()>
                    {user.name().to_owned()}
                    <span class="account-role">{user.role.as_str()}</span>
                </span>
                <a href="/settings/tokens" class="account-link">"API tokens"</a>
                <form method="post" action="/logout" class="sign-out">
                    <button type="submit" class="button button-quiet">"Sign out"</button>
                </form>
            </div>
        }
    });
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <header class="site-header">
            <a class="brand" href="/">
                <img src="/favicon.svg" alt="" width="24" height="24" />
                <span>"Plinth"</span>
            </a>
            {nav}
            <div class="site-header-tools">{children()} {account}</div>
        </header>
    }
}
