//! Who is signed in.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::Role;

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
