//! Managing local users: each change is written with its audit record in
//! one transaction, so a change without a record cannot happen.

use app::domain::Role;
use chrono::{DateTime, Utc};
use secrecy::SecretString;
use serde_json::json;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::password::{self, PasswordError};

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

async fn audit(
    conn: &mut PgConnection,
    actor: &str,
    action: &str,
    target: &str,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO audit_log (actor, action, target, before, after) VALUES ($1, $2, $3, $4, $5)",
        actor,
        action,
        target,
        before,
        after
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Adds a user with a password; `actor` is who did it, for the audit log.
pub async fn add(
    pool: &PgPool,
    actor: &str,
    email: &str,
    display_name: &str,
    role: Role,
    password: &SecretString,
) -> Result<Uuid, UserError> {
    let email = normalise_email(email)?;
    let hash = password::hash(password)?;
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
    let after = json!({ "email": email, "display_name": display_name.trim(), "role": role.as_str() });
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
    sqlx::query!("UPDATE users SET disabled_at = now(), updated_at = now() WHERE email = $1", email)
        .execute(&mut *tx)
        .await?;
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

/// Every user, by email.
pub async fn list(pool: &PgPool) -> Result<Vec<User>, UserError> {
    let rows = sqlx::query!(
        r#"SELECT id, email, display_name, role, password_hash IS NOT NULL AS "has_password!", disabled_at, created_at
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
            // The table's CHECK keeps the role one of the three.
            role: Role::parse(&row.role).unwrap_or(Role::Viewer),
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
        "SELECT id, email, display_name, role, password_hash, disabled_at, created_at FROM users WHERE email = $1",
        email
    )
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let matches = row.password_hash.as_deref().is_some_and(|stored| password::verify(password, stored));
    if !matches || row.disabled_at.is_some() {
        return Ok(None);
    }
    Ok(Some(User {
        id: row.id,
        email: row.email,
        display_name: row.display_name,
        role: Role::parse(&row.role).unwrap_or(Role::Viewer),
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
