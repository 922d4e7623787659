//! Behaviour shared by the filter forms.

use leptos::prelude::*;

/// Submits the filter form inside it as soon as one of its fields changes,
/// once the page is hydrated: filtering without pressing "Apply" (the islands
/// router then swaps in the new page without a reload). Without JavaScript
/// the form's button does the same.
#[island]
pub fn SubmitOnChange(children: Children) -> impl IntoView {
    view! { <div class="submit-on-change" on:change=submit_form>{children()}</div> }
}

fn submit_form(event: leptos::ev::Event) {
    #[cfg(feature = "hydrate")]
    {
        use leptos::wasm_bindgen::JsCast;
        let form = event
            .target()
            .and_then(|target| target.dyn_into::<web_sys::Element>().ok())
            .and_then(|field| field.closest("form").ok().flatten())
            .and_then(|form| form.dyn_into::<web_sys::HtmlFormElement>().ok());
        if let Some(form) = form {
            // A form that cannot be submitted stays as it is; the button still works.
            let _ = form.request_submit();
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = event;
}

/// One click to create a remediation item from a source (or open the one
/// it has): a plain form, shown to editors and admins.
#[component]
pub fn CreateRemediation(workload: uuid::Uuid, source: &'static str, key: String, back: String) -> impl IntoView {
    crate::auth::may(crate::domain::Role::Editor).then(|| {
        view! {
            <form method="post" action="/remediation" class="inline-form create-remediation">
                <input type="hidden" name="workload" value=workload.to_string() />
                <input type="hidden" name="source" value=source />
                <input type="hidden" name="key" value=key.clone() />
                <input type="hidden" name="back" value=back />
                <button type="submit" class="button button-quiet button-small" aria-label=format!("Create a remediation item: {key}")>
                    "Create a remediation item"
                </button>
            </form>
        }
    })
}
