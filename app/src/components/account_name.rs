//! An account as people know it: its name, with its id beside it.

use leptos::prelude::*;

/// "Production `314159265358`"; the bare id where the account has no name.
#[component]
pub fn AccountName(id: String, name: Option<String>) -> impl IntoView {
    match name {
        Some(name) => view! { <span class="account-name">{format!("{name} ")}<code>{id}</code></span> }.into_any(),
        None => view! { <code>{id}</code> }.into_any(),
    }
}
