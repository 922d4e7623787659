use leptos::prelude::*;

use crate::components::{ErrorNotice, PageTitle};
use crate::error::AppError;

/// Shown for a path no route matches. The server sets the 404 status.
#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <PageTitle text="Not found · Plinth" />
        <section class="empty-state">
            <h1>"Page not found"</h1>
            <p>"Nothing lives at this address. "<a href="/">"Back to the overview"</a></p>
        </section>
    }
}

/// What a page shows when its data could not be read: the not-found page
/// (with a 404 status) for something that does not exist, else the error.
pub(super) fn failure(error: AppError) -> AnyView {
    match error {
        AppError::NotFound(_) => {
            not_found_status();
            view! { <NotFound /> }.into_any()
        }
        error => view! { <ErrorNotice error /> }.into_any(),
    }
}

/// Tells the browser (and crawlers) that the page does not exist.
fn not_found_status() {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
}
