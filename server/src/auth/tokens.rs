//! Personal API tokens: a user creates one with a name, a role no higher
//! than theirs and an optional expiry; the secret is shown once and stored
//! as its SHA-256; scripts send it as `Authorization: Bearer`. Revoking is
//! for good. Every creation and revocation is in the audit log.

use app::domain::account::{MAX_TOKEN_DAYS, MAX_TOKEN_NAME, TokenLine, TokenRefusal};
use app::domain::{Role, SignedIn};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{Duration, Utc};
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use uuid::Uuid;

use super::audit;

/// What every token starts with, so a leaked one is recognisable (and
/// secret scanners can be taught it).
pub const PREFIX: &str = "plinth_";

/// Last use is written back at most this often.
const TOUCH_EVERY_SECS: f64 = 60.0;

/// A token that was not created: refused, or not stored.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("{0}")]
    Refused(TokenRefusal),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// A token just made: its secret, shown this once.
#[derive(Clone, Debug)]
pub struct NewToken {
    pub id: Uuid,
    pub secret: String,
}

fn hash(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

/// Creates a token for `user` with `role` (at most theirs), expiring after
/// `days` days, or never.
pub async fn create(
    pool: &PgPool,
    user: &SignedIn,
    name: &str,
    role: Role,
    days: Option<u32>,
) -> Result<NewToken, TokenError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(TokenError::Refused(TokenRefusal::Name));
    }
    if name.chars().count() > MAX_TOKEN_NAME {
        return Err(TokenError::Refused(TokenRefusal::Name));
    }
    if !user.role.allows(role) {
        return Err(TokenError::Refused(TokenRefusal::Role));
    }
    if days.is_some_and(|days| days == 0 || days > MAX_TOKEN_DAYS) {
        return Err(TokenError::Refused(TokenRefusal::Expires));
    }
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let secret = format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes));
    let prefix: String = secret.chars().take(PREFIX.len() + 6).collect();
    let expires_at = days.map(|days| Utc::now() + Duration::days(i64::from(days)));
    let mut tx = pool.begin().await?;
    let id = sqlx::query_scalar!(
        "INSERT INTO api_tokens (user_id, name, secret_hash, prefix, role, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        user.id,
        name,
        hash(&secret),
        prefix,
        role.as_str(),
        expires_at
    )
    .fetch_one(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        &user.email,
        "token.create",
        &format!("token {id}"),
        None,
        Some(serde_json::json!({ "name": name, "role": role.as_str(), "expires_at": expires_at })),
    )
    .await?;
    tx.commit().await?;
    Ok(NewToken { id, secret })
}

/// The user's tokens, newest first, revoked ones included.
pub async fn list(pool: &PgPool, user: Uuid) -> Result<Vec<TokenLine>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT id, name, prefix, role AS "role: Role", created_at, expires_at, last_used_at, revoked_at
         FROM api_tokens WHERE user_id = $1 ORDER BY created_at DESC, id"#,
        user
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| TokenLine {
            id: row.id,
            name: row.name,
            prefix: row.prefix,
            role: row.role,
            created_at: row.created_at,
            expires_at: row.expires_at,
            last_used_at: row.last_used_at,
            revoked_at: row.revoked_at,
        })
        .collect())
}

/// Revokes one of the user's tokens; false if they have no such live token.
pub async fn revoke(pool: &PgPool, user: &SignedIn, token: Uuid) -> Result<bool, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let revoked = sqlx::query_scalar!(
        "UPDATE api_tokens SET revoked_at = now()
         WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL RETURNING name",
        token,
        user.id
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(name) = revoked else { return Ok(false) };
    audit::record(
        &mut tx,
        &user.email,
        "token.revoke",
        &format!("token {token}"),
        None,
        Some(serde_json::json!({ "name": name })),
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// Who a bearer secret speaks for, with the lower of the token's and the
/// user's role, and the token's id; `None` for an unknown, revoked or
/// expired token, or a disabled user.
pub async fn user_for(pool: &PgPool, secret: &str) -> Result<Option<(SignedIn, Uuid)>, sqlx::Error> {
    if !secret.starts_with(PREFIX) {
        return Ok(None);
    }
    let secret_hash = hash(secret);
    let row = sqlx::query!(
        r#"SELECT t.id AS token_id, t.role AS "token_role: Role", u.id, u.email, u.display_name, u.role AS "role: Role",
                  (t.last_used_at IS NULL OR t.last_used_at < now() - make_interval(secs => $2)) AS "stale!"
           FROM api_tokens t JOIN users u ON u.id = t.user_id
           WHERE t.secret_hash = $1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now())
                 AND u.disabled_at IS NULL"#,
        secret_hash,
        TOUCH_EVERY_SECS
    )
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    if row.stale {
        sqlx::query!("UPDATE api_tokens SET last_used_at = now() WHERE id = $1", row.token_id).execute(pool).await?;
    }
    let user =
        SignedIn { id: row.id, email: row.email, display_name: row.display_name, role: row.token_role.min(row.role) };
    Ok(Some((user, row.token_id)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_is_stored_only_as_its_digest() {
        let digest = hash("plinth_abc");
        assert_eq!(digest.len(), 32);
        assert_ne!(digest, b"plinth_abc".to_vec());
        assert_eq!(digest, hash("plinth_abc"), "the same secret finds the same row");
    }
}
