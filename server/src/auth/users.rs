//! Managing local users: each change is written with its audit record in
//! one transaction, so a change without a record cannot happen.

use app::domain::{Role, SignedIn};
use chrono::{DateTime, Utc};
use secrecy::SecretString;
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

use super::audit::record as audit;
use super::password::{self, PasswordError};
use super::sessions;

/// Characters of a generated password: no look-alikes (0/O, 1/l/I).
const PASSWORD_ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/// A random password of 20 such characters (about 116 bits), to show once.
pub fn random_password() -> secrecy::SecretString {
    use rand::Rng;
    let mut rng = rand::rng();
    let password: String =
        (0..20).map(|_| PASSWORD_ALPHABET[rng.random_range(0..PASSWORD_ALPHABET.len())] as char).collect();
    secrecy::SecretString::from(password)
}

#[derive(Debug, thiserror::Error)]
pub enum UserError {
    #[error("{0:?} is not an email address")]
    BadEmail(String),
    #[error("a user with the email {0} exists already")]
    Exists(String),
    #[error("there is no user with the email {0}")]
    NotFound(String),
    #[error(transparent)]
    Password(#[from] PasswordError),
    #[error("the database is unavailable: {0}")]
    Database(#[from] sqlx::Error),
}

/// A user as listed (never with the password hash).
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub has_password: bool,
    pub disabled_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// Emails compare lower-case and trimmed; anything else with one `@` and
/// no spaces is accepted here (delivery is not our business).
pub fn normalise_email(email: &str) -> Result<String, UserError> {
    let email = email.trim().to_lowercase();
    let valid = email.split('@').count() == 2
        && !email.starts_with('@')
        && !email.ends_with('@')
        && !email.chars().any(char::is_whitespace);
    if valid { Ok(email) } else { Err(UserError::BadEmail(email)) }
}

/// Adds a user; `actor` is who did it, for the audit log. A user added
/// without a password can sign in only through single sign-on.
pub async fn add(
    pool: &PgPool,
    actor: &str,
    email: &str,
    display_name: &str,
    role: Role,
    password: Option<&SecretString>,
) -> Result<Uuid, UserError> {
    let email = normalise_email(email)?;
    let hash = password.map(password::hash).transpose()?;
    let mut tx = pool.begin().await?;
    let id = sqlx::query_scalar!(
        "INSERT INTO users (email, display_name, role, password_hash) VALUES ($1, $2, $3, $4)
         ON CONFLICT (email) DO NOTHING RETURNING id",
        email,
        display_name.trim(),
        role.as_str(),
        hash
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| UserError::Exists(email.clone()))?;
    let after = json!({
        "email": email, "display_name": display_name.trim(), "role": role.as_str(), "password": hash.is_some()
    });
    audit(&mut tx, actor, "user.add", &email, None, Some(after)).await?;
    tx.commit().await?;
    Ok(id)
}

/// Replaces a user's password.
pub async fn set_password(pool: &PgPool, actor: &str, email: &str, password: &SecretString) -> Result<(), UserError> {
    let email = normalise_email(email)?;
    let hash = password::hash(password)?;
    let mut tx = pool.begin().await?;
    let changed = sqlx::query!("UPDATE users SET password_hash = $2, updated_at = now() WHERE email = $1", email, hash)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if changed == 0 {
        return Err(UserError::NotFound(email));
    }
    // A new password ends every session signed in with the old one.
    let id = sqlx::query_scalar!("SELECT id FROM users WHERE email = $1", email).fetch_one(&mut *tx).await?;
    sessions::end_all(&mut tx, id).await?;
    // A new password lifts a lock-out from failed sign-ins.
    sqlx::query!("DELETE FROM sign_in_failures WHERE email = $1", email).execute(&mut *tx).await?;
    // The audit log says that the password changed, never what to.
    audit(&mut tx, actor, "user.set_password", &email, None, None).await?;
    tx.commit().await?;
    Ok(())
}

/// Disables a user: they can no longer sign in; the row stays.
pub async fn disable(pool: &PgPool, actor: &str, email: &str) -> Result<(), UserError> {
    let email = normalise_email(email)?;
    let mut tx = pool.begin().await?;
    let before = sqlx::query_scalar!("SELECT disabled_at FROM users WHERE email = $1 FOR UPDATE", email)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| UserError::NotFound(email.clone()))?;
    if before.is_some() {
        return Ok(());
    }
    let id = sqlx::query_scalar!(
        "UPDATE users SET disabled_at = now(), updated_at = now() WHERE email = $1 RETURNING id",
        email
    )
    .fetch_one(&mut *tx)
    .await?;
    sessions::end_all(&mut tx, id).await?;
    audit(
        &mut tx,
        actor,
        "user.disable",
        &email,
        Some(json!({ "disabled": false })),
        Some(json!({ "disabled": true })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Lets a disabled user sign in again.
pub async fn enable(pool: &PgPool, actor: &str, email: &str) -> Result<(), UserError> {
    let email = normalise_email(email)?;
    let mut tx = pool.begin().await?;
    let before = sqlx::query_scalar!("SELECT disabled_at FROM users WHERE email = $1 FOR UPDATE", email)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| UserError::NotFound(email.clone()))?;
    if before.is_none() {
        return Ok(());
    }
    sqlx::query!("UPDATE users SET disabled_at = NULL, updated_at = now() WHERE email = $1", email)
        .execute(&mut *tx)
        .await?;
    audit(&mut tx, actor, "user.enable", &email, Some(json!({ "disabled": true })), Some(json!({ "disabled": false })))
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Changes a user's role; it applies to their next request.
pub async fn set_role(pool: &PgPool, actor: &str, email: &str, role: Role) -> Result<(), UserError> {
    let email = normalise_email(email)?;
    let mut tx = pool.begin().await?;
    let before = sqlx::query_scalar!("SELECT role FROM users WHERE email = $1 FOR UPDATE", email)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| UserError::NotFound(email.clone()))?;
    if before == role.as_str() {
        return Ok(());
    }
    sqlx::query!("UPDATE users SET role = $2, updated_at = now() WHERE email = $1", email, role.as_str())
        .execute(&mut *tx)
        .await?;
    audit(&mut tx, actor, "user.set_role", &email, Some(json!({ "role": before })), Some(json!({ "role": role })))
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Whether any user can sign in; without one, the server shows how to
/// create the first admin instead of the dashboard.
pub async fn any_active(pool: &PgPool) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(r#"SELECT EXISTS (SELECT 1 FROM users WHERE disabled_at IS NULL) AS "any!""#)
        .fetch_one(pool)
        .await
}

/// Someone the identity provider vouched for.
#[derive(Debug, Clone)]
pub struct SsoIdentity {
    /// `oidc:{issuer}` or `alb:{issuer}`.
    pub issuer: String,
    pub subject: String,
    pub email: Option<String>,
    /// Whether the identity provider says it verified the email; only a
    /// verified email links to an existing user.
    pub email_verified: bool,
    pub name: Option<String>,
    /// The role the claims decide, if the role mapping is configured.
    pub mapped_role: Option<Role>,
}

/// The outcome of a single sign-on.
#[derive(Debug, Clone, PartialEq)]
pub enum SsoOutcome {
    SignedIn(SignedIn),
    /// The user exists in Plinth and is disabled.
    Disabled,
    /// The identity provider gave no email for a user Plinth does not know.
    NoEmail,
    /// A user with this email exists, but the identity provider did not
    /// verify the email, or the user is linked to another identity.
    NotLinked,
}

/// Finds the user the identity provider vouched for: by issuer and
/// subject, else by email (linking them), else creates them with the
/// mapped role or `default_role`. A mapped role also updates a known
/// user's role (the identity provider is then the source of truth).
pub async fn sign_in_sso(pool: &PgPool, identity: &SsoIdentity, default_role: Role) -> Result<SsoOutcome, UserError> {
    match try_sign_in_sso(pool, identity, default_role).await {
        // Two first requests at once (behind a load balancer): one created
        // the user, the other finds them on a second look.
        Err(UserError::Database(sqlx::Error::Database(error))) if error.is_unique_violation() => {
            try_sign_in_sso(pool, identity, default_role).await
        }
        outcome => outcome,
    }
}

async fn try_sign_in_sso(pool: &PgPool, identity: &SsoIdentity, default_role: Role) -> Result<SsoOutcome, UserError> {
    let known = sqlx::query!(
        r#"SELECT id, email, display_name, role AS "role: Role", disabled_at FROM users WHERE sso_issuer = $1 AND sso_subject = $2"#,
        identity.issuer,
        identity.subject
    )
    .fetch_optional(pool)
    .await?;
    if let Some(user) = known {
        if user.disabled_at.is_some() {
            return Ok(SsoOutcome::Disabled);
        }
        let current = user.role;
        let role = match identity.mapped_role {
            Some(mapped) if mapped != current => {
                set_role(pool, "sso", &user.email, mapped).await?;
                mapped
            }
            _ => current,
        };
        return Ok(SsoOutcome::SignedIn(SignedIn {
            id: user.id,
            email: user.email,
            display_name: user.display_name,
            role,
        }));
    }
    let Some(email) = identity.email.as_deref().map(normalise_email).transpose()? else {
        return Ok(SsoOutcome::NoEmail);
    };
    let mut tx = pool.begin().await?;
    let by_email = sqlx::query!(
        r#"SELECT id, display_name, role AS "role: Role", disabled_at, sso_issuer FROM users WHERE email = $1 FOR UPDATE"#,
        email
    )
    .fetch_optional(&mut *tx)
    .await?;
    let user = match by_email {
        Some(user) if user.disabled_at.is_some() => return Ok(SsoOutcome::Disabled),
        // Linking by an unverified email would let anyone who can set an
        // email at the provider become that user, an admin included.
        Some(user) if !identity.email_verified || user.sso_issuer.is_some() => return Ok(SsoOutcome::NotLinked),
        Some(user) => {
            sqlx::query!(
                "UPDATE users SET sso_issuer = $2, sso_subject = $3, updated_at = now() WHERE id = $1",
                user.id,
                identity.issuer,
                identity.subject
            )
            .execute(&mut *tx)
            .await?;
            audit(
                &mut tx,
                "sso",
                "user.link_sso",
                &email,
                None,
                Some(json!({ "issuer": identity.issuer, "subject": identity.subject })),
            )
            .await?;
            SignedIn { id: user.id, email: email.clone(), display_name: user.display_name, role: user.role }
        }
        None => {
            let role = identity.mapped_role.unwrap_or(default_role);
            let name = identity.name.clone().unwrap_or_default();
            let id = sqlx::query_scalar!(
                "INSERT INTO users (email, display_name, role, sso_issuer, sso_subject) VALUES ($1, $2, $3, $4, $5)
                 RETURNING id",
                email,
                name.trim(),
                role.as_str(),
                identity.issuer,
                identity.subject
            )
            .fetch_one(&mut *tx)
            .await?;
            let after = json!({ "email": email, "display_name": name.trim(), "role": role, "sso": identity.issuer });
            audit(&mut tx, "sso", "user.add", &email, None, Some(after)).await?;
            SignedIn { id, email: email.clone(), display_name: name.trim().to_owned(), role }
        }
    };
    tx.commit().await?;
    match identity.mapped_role {
        Some(mapped) if mapped != user.role => {
            set_role(pool, "sso", &user.email, mapped).await?;
            Ok(SsoOutcome::SignedIn(SignedIn { role: mapped, ..user }))
        }
        _ => Ok(SsoOutcome::SignedIn(user)),
    }
}

/// Every user, by email.
pub async fn list(pool: &PgPool) -> Result<Vec<User>, UserError> {
    let rows = sqlx::query!(
        r#"SELECT id, email, display_name, role AS "role: Role", password_hash IS NOT NULL AS "has_password!", disabled_at,
                  created_at
           FROM users ORDER BY email"#
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| User {
            id: row.id,
            email: row.email,
            display_name: row.display_name,
            role: row.role,
            has_password: row.has_password,
            disabled_at: row.disabled_at,
            created_at: row.created_at,
        })
        .collect())
}

/// The user with this email and password, if both match and the user is
/// not disabled.
pub async fn authenticate(pool: &PgPool, email: &str, password: &SecretString) -> Result<Option<User>, UserError> {
    let Ok(email) = normalise_email(email) else { return Ok(None) };
    let row = sqlx::query!(
        r#"SELECT id, email, display_name, role AS "role: Role", password_hash, disabled_at, created_at
           FROM users WHERE email = $1"#,
        email
    )
    .fetch_optional(pool)
    .await?;
    // Hashing is slow on purpose: off the async threads, and as slow for
    // an unknown account as for a known one.
    let stored = row.as_ref().and_then(|row| row.password_hash.clone());
    let password = password.clone();
    let matches = tokio::task::spawn_blocking(move || match stored {
        Some(stored) => password::verify(&password, &stored),
        None => {
            password::verify_nothing(&password);
            false
        }
    })
    .await
    .unwrap_or(false);
    let Some(row) = row else { return Ok(None) };
    if !matches || row.disabled_at.is_some() {
        return Ok(None);
    }
    Ok(Some(User {
        id: row.id,
        email: row.email,
        display_name: row.display_name,
        role: row.role,
        has_password: true,
        disabled_at: None,
        created_at: row.created_at,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_compared_lower_case_and_trimmed() {
        assert_eq!(normalise_email("  Dana.Reyes@Example.COM ").expect("valid"), "dana.reyes@example.com");
    }

    #[test]
    fn an_address_without_one_at_sign_is_refused_and_named() {
        for bad in ["dana", "@example.com", "dana@", "a@b@c", "dana reyes@example.com"] {
            let error = normalise_email(bad).expect_err(bad);
            assert!(error.to_string().contains("is not an email address"), "{error}");
        }
    }
}
