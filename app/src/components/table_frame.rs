use leptos::prelude::*;

/// The frame a table scrolls in sideways when it is wider than the page.
/// A table whose cells hold nothing focusable gives its caption as `label`:
/// its frame then takes the keyboard focus itself, as a named group, so the
/// keyboard alone can scroll it (WCAG 2.1.1). A table with links or buttons
/// is reached through those.
#[component]
pub fn TableFrame(#[prop(optional, into)] label: Option<String>, children: Children) -> impl IntoView {
    let focusable = label.is_some();
    view! {
        <div
            class="table-scroll"
            role=focusable.then_some("group")
            aria-label=label
            tabindex=focusable.then_some("0")
        >
            {children()}
        </div>
    }
}
