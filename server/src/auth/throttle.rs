//! Login throttling: failed password sign-ins are counted per account and
//! per client address within a window; past the limit, sign-ins are refused
//! (even with the right password) until the oldest failure leaves the
//! window. A success clears the account's count.

use sqlx::PgPool;

use super::settings::ThrottleSettings;

/// Why a sign-in is refused before its password is checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Throttled {
    /// Too many failures for this email; try again in this many minutes.
    Account { minutes: u32 },
    /// Too many failures from this address.
    Address { minutes: u32 },
}

/// Whether a sign-in for `email` from `address` may be tried now.
pub async fn check(
    pool: &PgPool,
    settings: &ThrottleSettings,
    email: &str,
    address: &str,
) -> Result<Option<Throttled>, sqlx::Error> {
    let window = settings.window.as_secs_f64();
    let row = sqlx::query!(
        r#"SELECT count(*) FILTER (WHERE email = $1) AS "account!",
                  ceil(extract(epoch FROM min(at) FILTER (WHERE email = $1)
                       + make_interval(secs => $3) - now()) / 60)::int4 AS account_minutes,
                  count(*) FILTER (WHERE address = $2) AS "address!",
                  ceil(extract(epoch FROM min(at) FILTER (WHERE address = $2)
                       + make_interval(secs => $3) - now()) / 60)::int4 AS address_minutes
           FROM sign_in_failures
           WHERE at > now() - make_interval(secs => $3) AND (email = $1 OR address = $2)"#,
        email,
        address,
        window
    )
    .fetch_one(pool)
    .await?;
    let minutes = |value: Option<i32>| value.unwrap_or(1).max(1) as u32;
    if row.account >= i64::from(settings.per_account) {
        return Ok(Some(Throttled::Account { minutes: minutes(row.account_minutes) }));
    }
    if row.address >= i64::from(settings.per_address) {
        return Ok(Some(Throttled::Address { minutes: minutes(row.address_minutes) }));
    }
    Ok(None)
}

/// Counts a failed sign-in, and forgets failures long past any window.
pub async fn record_failure(
    pool: &PgPool,
    settings: &ThrottleSettings,
    email: &str,
    address: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query!("INSERT INTO sign_in_failures (email, address) VALUES ($1, $2)", email, address).execute(pool).await?;
    sqlx::query!(
        "DELETE FROM sign_in_failures WHERE at < now() - make_interval(secs => $1)",
        settings.window.as_secs_f64()
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// A successful sign-in clears the account's failures (not the address's:
/// one good password must not reopen an address that guesses at others).
pub async fn clear_account(pool: &PgPool, email: &str) -> Result<(), sqlx::Error> {
    sqlx::query!("DELETE FROM sign_in_failures WHERE email = $1", email).execute(pool).await?;
    Ok(())
}
