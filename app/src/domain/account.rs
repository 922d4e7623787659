//! Who is signed in.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::Role;
use super::refusal::refusal;

refusal!(
    /// Why a sign-in was refused. A throttled one also says, apart, in how
    /// many minutes to try again.
    SignInRefusal {
        Invalid = "invalid" => "That email and password do not match an active account.",
        ThrottledAccount = "throttled-account" => "Too many failed sign-ins for this account.",
        ThrottledAddress = "throttled-address" => "Too many failed sign-ins from your network address.",
        Sso = "sso" => "Single sign-on did not complete. Try again; if it keeps failing, the server log says why.",
        SsoRefused = "sso-refused" => "Your single sign-on account is disabled in Plinth. Ask an admin.",
    }
);

/// The longest name a token has.
pub const MAX_TOKEN_NAME: usize = 100;
/// How long a token may live at most, in days, when it has an expiry.
pub const MAX_TOKEN_DAYS: u32 = 3650;

refusal!(
    /// Why a token was not created or revoked.
    TokenRefusal {
        Name = "name" => format!(
            "Give the token a name (at most {MAX_TOKEN_NAME} characters); nothing was created."
        ),
        Role = "role" => "A token's role can be at most your own; nothing was created.",
        Expires = "expires" => format!(
            "Choose when the token expires: after 1 to {MAX_TOKEN_DAYS} days, or never; nothing was created."
        ),
        Unknown = "unknown" => "There is no such token of yours.",
    }
);

/// The person behind a request, as the server resolved them from their
/// session (or a load balancer's verified token).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedIn {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    pub role: Role,
}

impl SignedIn {
    /// What the header calls them: their name, else their email.
    pub fn name(&self) -> &str {
        if self.display_name.trim().is_empty() { &self.email } else { &self.display_name }
    }

    /// Whether they may do what `needed` may.
    pub fn may(&self, needed: Role) -> bool {
        self.role.allows(needed)
    }
}

/// One of a user's API tokens as the tokens page lists it (never the secret).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TokenLine {
    pub id: Uuid,
    pub name: String,
    /// The token's first characters, to tell it apart.
    pub prefix: String,
    pub role: Role,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
    pub last_used_at: Option<chrono::DateTime<chrono::Utc>>,
    pub revoked_at: Option<chrono::DateTime<chrono::Utc>>,
}
