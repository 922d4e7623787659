use leptos::prelude::*;

/// A chart from [`crate::charts`], placed in the page as it is.
#[component]
pub fn Chart(svg: String, #[prop(optional, into)] class: String) -> impl IntoView {
    view! { <div class=format!("chart-frame {class}") inner_html=svg></div> }
}
