use crate::components::PageTitle;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::auth::SignInOptions;
use crate::domain::account::SignInRefusal;
use crate::domain::params::{encode_component, local_path};

/// The sign-in page: a plain form that posts to the server (no JavaScript
/// needed), and single sign-on when it is configured. After a failed
/// attempt the server sends the browser back here with the email it typed
/// and why it failed.
#[component]
pub fn LoginPage() -> impl IntoView {
    let params = use_query_map();
    let (email, next, notice) = params.with_untracked(|params| {
        let next = params.get("next").filter(|next| local_path(next).is_some());
        (params.get("email").unwrap_or_default(), next.unwrap_or_else(|| "/".to_owned()), SignInNotice::read(params))
    });
    let sso = use_context::<SignInOptions>().and_then(|options| options.sso_label);
    let sso_href = format!("/auth/oidc/start?next={}", encode_component(&next));
    let autofocus_password = !email.is_empty();
    view! {
        <PageTitle text="Sign in · Plinth" />
        <section class="sign-in">
            <h1 class="page-title">"Sign in to Plinth"</h1>
            {notice.map(|notice| {
                let class = if notice.is_error() { "notice notice-error" } else { "notice" };
                let role = if notice.is_error() { "alert" } else { "status" };
                view! { <div class=class role=role>{notice.text()}</div> }
            })}
            <form method="post" action="/login" class="sign-in-form">
                <input type="hidden" name="next" value=next />
                <label>
                    "Email"
                    <input
                        type="email"
                        name="email"
                        value=email
                        autocomplete="username"
                        required=true
                        autofocus=!autofocus_password
                    />
                </label>
                <label>
                    "Password"
                    <input
                        type="password"
                        name="password"
                        autocomplete="current-password"
                        required=true
                        autofocus=autofocus_password
                    />
                </label>
                <button type="submit" class="button button-primary">"Sign in"</button>
            </form>
            {sso.map(|label| view! {
                <p class="sign-in-sso">
                    <a class="button" href=sso_href>{format!("Sign in with {label}")}</a>
                </p>
            })}
            <p class="hint">
                "No account yet? An admin adds you on the Users page, or on the server with "
                <code>"plinth user add"</code>"."
            </p>
        </section>
    }
}

/// Why the sign-in page is shown again. Only these fixed texts can appear:
/// a link cannot make the page say something else.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SignInNotice {
    Refused(SignInRefusal, u32),
    Expired,
    SignedOut,
}

impl SignInNotice {
    fn read(params: &leptos_router::params::ParamsMap) -> Option<SignInNotice> {
        let minutes = params.get("minutes").and_then(|m| m.parse::<u32>().ok()).unwrap_or(15).max(1);
        match params.get("error").and_then(|code| SignInRefusal::parse(&code)) {
            Some(refusal) => Some(SignInNotice::Refused(refusal, minutes)),
            None if params.get("expired").is_some() => Some(SignInNotice::Expired),
            None if params.get("signed-out").is_some() => Some(SignInNotice::SignedOut),
            None => None,
        }
    }

    fn is_error(self) -> bool {
        matches!(self, SignInNotice::Refused(..))
    }

    fn text(self) -> String {
        match self {
            SignInNotice::Refused(refusal @ SignInRefusal::ThrottledAccount, minutes) => format!(
                "{} Try again in {} (or ask an admin to set a new password).",
                refusal.message(),
                minutes_text(minutes)
            ),
            SignInNotice::Refused(refusal @ SignInRefusal::ThrottledAddress, minutes) => {
                format!("{} Try again in {}.", refusal.message(), minutes_text(minutes))
            }
            SignInNotice::Refused(refusal, _) => refusal.message(),
            SignInNotice::Expired => "Your session has ended. Sign in again to continue.".into(),
            SignInNotice::SignedOut => "You are signed out.".into(),
        }
    }
}

fn minutes_text(minutes: u32) -> String {
    if minutes == 1 { "1 minute".into() } else { format!("{minutes} minutes") }
}
