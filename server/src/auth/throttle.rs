//! Login throttling: failed password sign-ins are counted per account and
//! per client address within a window; past the limit, sign-ins are refused
//! (even with the right password) until the oldest failure leaves the
//! window. A success clears the account's count. Addresses are counted by
//! what [`address_key`] makes of them.

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

/// Counts a sign-in attempt before its password is checked, so that
/// attempts made at the same moment count against each other. Returns why
/// it is refused if it is one too many (then it does not count); else the
/// attempt counts as a failure until [`clear_account`] says it succeeded.
pub async fn attempt(
    pool: &PgPool,
    settings: &ThrottleSettings,
    email: &str,
    address: &str,
) -> Result<Option<Throttled>, sqlx::Error> {
    let window = settings.window.as_secs_f64();
    let address = address_key(address);
    sqlx::query!("DELETE FROM sign_in_failures WHERE at < now() - make_interval(secs => $1)", window)
        .execute(pool)
        .await?;
    let id = sqlx::query_scalar!(
        "INSERT INTO sign_in_failures (email, address) VALUES ($1, $2) RETURNING id",
        email,
        address
    )
    .fetch_one(pool)
    .await?;
    let row = sqlx::query!(
        r#"SELECT count(*) FILTER (WHERE email = $1) AS "account!",
                  ceil(extract(epoch FROM min(at) FILTER (WHERE email = $1)
                       + make_interval(secs => $3) - now()) / 60)::int4 AS account_minutes,
                  count(*) FILTER (WHERE address = $2) AS "address!",
                  ceil(extract(epoch FROM min(at) FILTER (WHERE address = $2)
                       + make_interval(secs => $3) - now()) / 60)::int4 AS address_minutes
           FROM sign_in_failures
           WHERE at > now() - make_interval(secs => $3) AND (email = $1 OR address = $2) AND id <= $4"#,
        email,
        address,
        window,
        id
    )
    .fetch_one(pool)
    .await?;
    let minutes = |value: Option<i32>| value.unwrap_or(1).max(1) as u32;
    let throttled = if row.account > i64::from(settings.per_account) {
        Some(Throttled::Account { minutes: minutes(row.account_minutes) })
    } else if row.address > i64::from(settings.per_address) {
        Some(Throttled::Address { minutes: minutes(row.address_minutes) })
    } else {
        None
    };
    if throttled.is_some() {
        sqlx::query!("DELETE FROM sign_in_failures WHERE id = $1", id).execute(pool).await?;
    }
    Ok(throttled)
}

/// A successful sign-in clears the account's failures (not the address's:
/// one good password must not reopen an address that guesses at others).
pub async fn clear_account(pool: &PgPool, email: &str) -> Result<(), sqlx::Error> {
    sqlx::query!("DELETE FROM sign_in_failures WHERE email = $1", email).execute(pool).await?;
    Ok(())
}

/// The part of a client address that one party controls: the address for
/// IPv4, the /64 network for IPv6 (one host usually has a whole /64).
pub fn address_key(address: &str) -> String {
    match address.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
        _ => address.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::address_key;

    #[test]
    fn an_ipv6_client_is_counted_by_its_64_network() {
        assert_eq!(address_key("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
        assert_eq!(address_key("2001:db8:1:2:bbbb::9"), "2001:db8:1:2::/64");
        assert_eq!(address_key("203.0.113.9"), "203.0.113.9");
        assert_eq!(address_key("::ffff:203.0.113.9"), "203.0.113.9");
    }
}
