use leptos::prelude::*;

/// What the workload list says before there is anything to list.
#[component]
pub fn WorkloadsEmpty() -> impl IntoView {
    view! {
        <div class="empty-state" data-test="workloads-empty">
            <h3>"No workloads yet"</h3>
            <p>
                "Plinth lists the workloads it finds in the AWS Well-Architected Tool "
                "once it has synced an AWS account, and scores each one against the six pillars."
            </p>
            <p>
                "To get data, configure an AWS source in "<code>"plinth.toml"</code>" and run "
                <code>"plinth sync"</code>", or load the demo organisation with "<code>"plinth demo"</code>
                " (see “Getting data” in docs/user-guide.md)."
            </p>
        </div>
    }
}
