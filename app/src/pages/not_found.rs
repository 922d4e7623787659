use leptos::prelude::*;
use leptos_meta::Title;

/// Shown for a path no route matches. The server sets the 404 status.
#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <Title text="Not found · Plinth" />
        <section class="empty-state">
            <h1>"Page not found"</h1>
            <p>"Nothing lives at this address. "<a href="/">"Back to the overview"</a></p>
        </section>
    }
}
