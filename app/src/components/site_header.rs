use leptos::prelude::*;
use leptos_router::components::A;

/// The bar at the top of every page; `children` go to its right end.
#[component]
pub fn SiteHeader(children: Children) -> impl IntoView {
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <header class="site-header">
            <a class="brand" href="/">
                <img src="/favicon.svg" alt="" width="24" height="24" />
                <span>"Plinth"</span>
            </a>
            <nav aria-label="Main" class="main-nav">
                <A href="/" exact=true>"Overview"</A>
                <A href="/workloads">"Workloads"</A>
                <A href="/findings">"Findings"</A>
                <A href="/rules">"Config rules"</A>
                <A href="/sync">"Sync"</A>
            </nav>
            <div class="site-header-tools">{children()}</div>
        </header>
    }
}
