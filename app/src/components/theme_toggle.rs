use leptos::prelude::*;

use crate::theme::Theme;

/// Switches between light and dark. Without JavaScript it is a form that
/// the server answers by setting the theme cookie; hydrated, it switches in
/// place. Two buttons exist and CSS shows the one that makes sense for what
/// is on screen (including the system's preference), so the server never
/// needs to know the system theme. An island: the one part of the header
/// that runs in the browser.
#[island]
pub fn ThemeToggle() -> impl IntoView {
    view! {
        <form class="theme-toggle" method="post" action="/theme">
            <ThemeButton theme=Theme::Dark label="Dark theme" />
            <ThemeButton theme=Theme::Light label="Light theme" />
        </form>
    }
}

#[component]
fn ThemeButton(theme: Theme, label: &'static str) -> impl IntoView {
    let choose = move |event: leptos::ev::MouseEvent| {
        event.prevent_default();
        apply_in_browser(theme);
    };
    view! {
        <button
            type="submit"
            name="theme"
            value=theme.as_str()
            class=format!("theme-to-{}", theme.as_str())
            on:click=choose
        >
            {label}
        </button>
    }
}

/// Stores the choice in the cookie and shows it at once, without a reload.
fn apply_in_browser(theme: Theme) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let document = document();
        if let Some(root) = document.document_element() {
            // Setting an attribute on the root element cannot fail.
            let _ = root.set_attribute("data-theme", theme.as_str());
        }
        if let Ok(html) = document.dyn_into::<web_sys::HtmlDocument>() {
            // Cookies can be disabled; the theme then lasts until reload.
            let _ = html.set_cookie(&theme.set_cookie_value());
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = theme;
}
