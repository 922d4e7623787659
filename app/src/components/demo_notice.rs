use leptos::prelude::*;

/// Says plainly that the data is made up, and how to see one's own.
#[component]
pub fn DemoNotice() -> impl IntoView {
    view! {
        <aside class="notice notice-demo" aria-label="Demo data">
            <span class="badge badge-demo">"Demo data"</span>
            <p>
                "You are looking at a made-up organisation, so you can try Plinth without an AWS "
                "account. Everything after the data, from storing to scoring, is what your own "
                "account would get."
            </p>
            <p>
                "To see your own: add a "<code>"[[sources]]"</code>" entry to "<code>"plinth.toml"</code>
                " (or give Plinth AWS credentials), run "<code>"plinth sync"</code>", and remove the demo with "
                <code>"plinth demo --remove"</code>"."
            </p>
        </aside>
    }
}
