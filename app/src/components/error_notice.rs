use leptos::prelude::*;

use crate::error::AppError;

/// A failure told plainly, where the content would have been.
#[component]
pub fn ErrorNotice(error: AppError) -> impl IntoView {
    view! {
        <div class="notice notice-error" role="alert">
            <strong>"This could not be loaded. "</strong>
            {error.to_string()}
        </div>
    }
}
