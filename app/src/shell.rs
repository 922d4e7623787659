//! The HTML document around the app, and the app's routes.

use leptos::prelude::*;
use leptos_meta::{MetaTags, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{SsrMode, path};

use crate::components::{SiteHeader, ThemeToggle};
use crate::pages::{
    AdminChecklistsPage, AdminSourcesPage, AdminUsersPage, AuditLogPage, FindingPage, FindingsPage, HomePage,
    LoginPage, NotFound, PillarPage, RemediationItemPage, RemediationListPage, RulePage, RulesPage, SyncPage,
    TokensPage, WorkloadAnswersPage, WorkloadChecklistPage, WorkloadPage, WorkloadsPage,
};
use crate::theme::Theme;

/// The whole document, rendered on the server only. The browser hydrates
/// [`App`] inside `<body>`.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let theme = requested_theme();
    provide_request_nonce();
    view! {
        <!DOCTYPE html>
        <html lang="en" data-theme=theme.as_str()>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <link rel="icon" type="image/svg+xml" href="/favicon.svg" />
                <link rel="stylesheet" href="/pkg/plinth.css" />
                <HydrationScripts options islands=true />
                <script type="module" src="/navigate.js"></script>
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// Hands the nonce of the response's Content-Security-Policy to Leptos,
/// which puts it on the inline scripts it writes.
fn provide_request_nonce() {
    #[cfg(feature = "ssr")]
    if let Some(nonce) = use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<crate::auth::RequestNonce>().cloned())
    {
        provide_context(leptos::nonce::Nonce::from_value(nonce.0));
    }
}

/// The theme the request's cookie asks for.
fn requested_theme() -> Theme {
    #[cfg(feature = "ssr")]
    {
        use_context::<http::request::Parts>()
            .and_then(|parts| {
                parts
                    .headers
                    .get(http::header::COOKIE)
                    .and_then(|value| value.to_str().ok())
                    .map(Theme::from_cookie_header)
            })
            .unwrap_or_default()
    }
    #[cfg(not(feature = "ssr"))]
    {
        Theme::default()
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();

    view! {
        <Title text="Plinth" />
        <Router>
            <SiteHeader>
                <ThemeToggle />
                <HydrationMark />
            </SiteHeader>
            <main id="main" class="page">
                <Routes fallback=NotFound>
                    <Route path=path!("") view=HomePage ssr=SsrMode::Async />
                    <Route path=path!("/workloads") view=WorkloadsPage ssr=SsrMode::Async />
                    <Route path=path!("/workloads/:id") view=WorkloadPage ssr=SsrMode::Async />
                    <Route path=path!("/workloads/:id/pillars/:pillar") view=PillarPage ssr=SsrMode::Async />
                    <Route path=path!("/workloads/:id/checklists") view=WorkloadChecklistPage ssr=SsrMode::Async />
                    <Route path=path!("/workloads/:id/answers") view=WorkloadAnswersPage ssr=SsrMode::Async />
                    <Route path=path!("/findings") view=FindingsPage ssr=SsrMode::Async />
                    <Route path=path!("/remediation") view=RemediationListPage ssr=SsrMode::Async />
                    <Route path=path!("/remediation/:id") view=RemediationItemPage ssr=SsrMode::Async />
                    <Route path=path!("/finding") view=FindingPage ssr=SsrMode::Async />
                    <Route path=path!("/rules") view=RulesPage ssr=SsrMode::Async />
                    <Route path=path!("/rules/:name") view=RulePage ssr=SsrMode::Async />
                    <Route path=path!("/sync") view=SyncPage ssr=SsrMode::Async />
                    <Route path=path!("/login") view=LoginPage />
                    <Route path=path!("/settings/tokens") view=TokensPage ssr=SsrMode::Async />
                    <Route path=path!("/admin") view=AdminUsersPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/audit") view=AuditLogPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/sources") view=AdminSourcesPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/checklists") view=AdminChecklistsPage ssr=SsrMode::Async />
                </Routes>
            </main>
        </Router>
    }
}

/// An island with nothing to show: once the WebAssembly runs, it marks the
/// page live, which browser tests (and curious people) can see.
#[island]
fn HydrationMark() -> impl IntoView {
    Effect::new(|_| mark_hydrated());
}

fn mark_hydrated() {
    #[cfg(feature = "hydrate")]
    if let Some(body) = document().body() {
        // Setting an attribute on our own body cannot fail in a browser.
        let _ = body.set_attribute("data-hydrated", "true");
    }
}
