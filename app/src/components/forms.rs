//! Behaviour shared by the filter forms.

/// Submits a filter form as soon as one of its fields changes, once the
/// page is hydrated: filtering without pressing "Apply". Without
/// JavaScript the form's button does the same.
pub fn submit_on_change(event: leptos::ev::Event) {
    #[cfg(feature = "hydrate")]
    {
        use leptos::wasm_bindgen::JsCast;
        if let Some(form) = event.current_target().and_then(|t| t.dyn_into::<web_sys::HtmlFormElement>().ok()) {
            // A form that cannot be submitted stays as it is; the button still works.
            let _ = form.request_submit();
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = event;
}
