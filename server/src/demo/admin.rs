//! The demo's admin: so a newcomer who ran the demo can sign in at once.
//! Created only when no user exists, with a random password that is
//! printed once and stored only as its hash.

use app::domain::Role;
use secrecy::{ExposeSecret, SecretString};
use sqlx::PgPool;

use crate::auth::users::{self, UserError};

/// The demo admin's email: clearly not a real person's.
pub const DEMO_ADMIN_EMAIL: &str = "demo-admin@plinth.demo";

/// Adds the demo admin if no user exists yet, returning its password to
/// show once; `None` when users exist already.
pub async fn ensure(pool: &PgPool) -> Result<Option<SecretString>, UserError> {
    if !users::list(pool).await?.is_empty() {
        return Ok(None);
    }
    let password = users::random_password();
    users::add(pool, "demo", DEMO_ADMIN_EMAIL, "Demo admin", Role::Admin, Some(&password)).await?;
    Ok(Some(password))
}

/// The lines that tell the operator how to sign in to the demo.
pub fn sign_in_text(password: &SecretString) -> String {
    format!(
        "Sign in to the demo as {DEMO_ADMIN_EMAIL} with the password {} \
         (shown only now; this admin exists for the demo only. Add real users with \
         `plinth user add`, then disable it with `plinth user disable --email {DEMO_ADMIN_EMAIL}`).",
        password.expose_secret()
    )
}
