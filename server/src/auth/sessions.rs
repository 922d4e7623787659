//! Sessions in PostgreSQL. The browser holds a random 256-bit id in an
//! HttpOnly cookie; the table holds its SHA-256. A sign-in always makes a
//! new id (a session id planted before sign-in is worth nothing), a
//! session ends after its idle timeout or absolute lifetime, and signing
//! out deletes it.

use std::time::Duration;

use app::domain::{Role, SignedIn};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use uuid::Uuid;

/// The session cookie's name over http.
pub const COOKIE: &str = "plinth_session";
/// Its name over https: the `__Host-` prefix makes browsers refuse one set
/// by another subdomain or for another path.
pub const SECURE_COOKIE: &str = "__Host-plinth_session";

/// Activity is written back at most this often, not on every request.
const TOUCH_EVERY_SECS: f64 = 60.0;

/// How long sessions live and how their cookie is set.
#[derive(Clone, Copy, Debug)]
pub struct SessionPolicy {
    pub idle: Duration,
    pub lifetime: Duration,
    /// Mark the cookie `Secure` (the public URL is https).
    pub secure: bool,
}

impl SessionPolicy {
    pub fn cookie_name(&self) -> &'static str {
        if self.secure { SECURE_COOKIE } else { COOKIE }
    }

    /// The `Set-Cookie` value that hands the browser its session id.
    pub fn cookie(&self, token: &str) -> String {
        format!(
            "{}={token}; Path=/; Max-Age={}; HttpOnly; SameSite=Lax{}",
            self.cookie_name(),
            self.lifetime.as_secs(),
            if self.secure { "; Secure" } else { "" }
        )
    }

    /// The `Set-Cookie` value that makes the browser forget its session.
    pub fn clear_cookie(&self) -> String {
        format!(
            "{}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax{}",
            self.cookie_name(),
            if self.secure { "; Secure" } else { "" }
        )
    }

    /// The session id among the request's `Cookie` headers, if any.
    pub fn token_in<'a>(&self, cookie_headers: impl IntoIterator<Item = &'a str>) -> Option<String> {
        cookie_headers.into_iter().find_map(|header| cookie_value(header, self.cookie_name())).map(str::to_owned)
    }
}

/// A random session id (43 URL-safe characters) and the hash stored for it.
fn new_token() -> (String, Vec<u8>) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let hash = hash(&token);
    (token, hash)
}

fn hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// The value of the cookie `name` in a `Cookie` header, if there is one.
pub fn cookie_value<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(cookie, _)| *cookie == name)
        .map(|(_, value)| value)
        .filter(|value| !value.is_empty())
}

/// Starts a session for a user who just proved who they are, and returns
/// the id for their cookie.
pub async fn start(
    pool: &PgPool,
    policy: &SessionPolicy,
    user: Uuid,
    address: &str,
    user_agent: &str,
) -> Result<String, sqlx::Error> {
    let (token, id_hash) = new_token();
    sqlx::query!(
        "INSERT INTO sessions (id_hash, user_id, expires_at, address, user_agent)
         VALUES ($1, $2, now() + make_interval(secs => $3), $4, $5)",
        id_hash,
        user,
        policy.lifetime.as_secs_f64(),
        address,
        user_agent.chars().take(300).collect::<String>()
    )
    .execute(pool)
    .await?;
    sqlx::query!("UPDATE users SET last_sign_in_at = now() WHERE id = $1", user).execute(pool).await?;
    Ok(token)
}

/// The user of a live session. An expired or idle session, or one whose
/// user was disabled, is deleted and gives `None`.
pub async fn resolve(pool: &PgPool, policy: &SessionPolicy, token: &str) -> Result<Option<SignedIn>, sqlx::Error> {
    let id_hash = hash(token);
    let row = sqlx::query!(
        r#"SELECT u.id, u.email, u.display_name, u.role AS "role: Role",
                  (u.disabled_at IS NULL AND s.expires_at > now()
                   AND s.last_seen_at > now() - make_interval(secs => $2)) AS "live!",
                  s.last_seen_at < now() - make_interval(secs => $3) AS "stale!"
           FROM sessions s JOIN users u ON u.id = s.user_id
           WHERE s.id_hash = $1"#,
        id_hash,
        policy.idle.as_secs_f64(),
        TOUCH_EVERY_SECS
    )
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    if !row.live {
        sqlx::query!("DELETE FROM sessions WHERE id_hash = $1", id_hash).execute(pool).await?;
        return Ok(None);
    }
    if row.stale {
        sqlx::query!("UPDATE sessions SET last_seen_at = now() WHERE id_hash = $1", id_hash).execute(pool).await?;
    }
    Ok(Some(SignedIn { id: row.id, email: row.email, display_name: row.display_name, role: row.role }))
}

/// Ends a session: its id no longer signs anyone in.
pub async fn end(pool: &PgPool, token: &str) -> Result<(), sqlx::Error> {
    sqlx::query!("DELETE FROM sessions WHERE id_hash = $1", hash(token)).execute(pool).await?;
    Ok(())
}

/// Ends every session of a user (disabled, or their password changed).
pub async fn end_all(conn: &mut sqlx::PgConnection, user: Uuid) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query!("DELETE FROM sessions WHERE user_id = $1", user).execute(conn).await?.rows_affected())
}

/// Deletes sessions past their absolute end or idle too long (a session
/// that is never presented again is otherwise only deleted here).
pub async fn purge_ended(pool: &PgPool, policy: &SessionPolicy) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query!(
        "DELETE FROM sessions WHERE expires_at <= now() OR last_seen_at <= now() - make_interval(secs => $1)",
        policy.idle.as_secs_f64()
    )
    .execute(pool)
    .await?
    .rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_cookie_is_http_only_and_same_site_lax_and_secure_only_on_https() {
        let mut policy =
            SessionPolicy { idle: Duration::from_secs(60), lifetime: Duration::from_secs(3600), secure: false };
        let cookie = policy.cookie("abc");
        assert!(cookie.starts_with("plinth_session=abc;"), "{cookie}");
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Max-Age=3600"));
        assert!(!cookie.contains("Secure"), "{cookie}");
        policy.secure = true;
        assert!(policy.cookie("abc").starts_with("__Host-plinth_session=abc; Path=/;"));
        assert!(policy.cookie("abc").ends_with("; Secure"));
        assert!(policy.clear_cookie().contains("Max-Age=0"));
    }

    #[test]
    fn the_session_id_is_read_from_among_other_cookies() {
        assert_eq!(cookie_value("theme=dark; plinth_session=xyz; other=1", COOKIE), Some("xyz"));
        assert_eq!(cookie_value("theme=dark", COOKIE), None);
        assert_eq!(cookie_value("plinth_session=", COOKIE), None);
    }

    #[test]
    fn every_session_id_is_new_and_only_its_hash_is_kept() {
        let (first, first_hash) = new_token();
        let (second, _) = new_token();
        assert_ne!(first, second);
        assert_eq!(first.len(), 43);
        assert_eq!(first_hash.len(), 32);
        assert_ne!(first_hash, first.as_bytes());
    }
}
