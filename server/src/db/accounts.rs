//! AWS accounts: their names and organizational units, each source's
//! accounts as discovery last found them, and how the last sync of each
//! went (the onboarding table).

use std::collections::BTreeMap;

use app::domain::sync::{AccountOnboarding, Membership, OnboardingCounts, OnboardingFilter};
use sqlx::PgPool;
use uuid::Uuid;

use crate::sources::{AccountFailure, AccountSeen, FetchError, Slice};

/// Stores what a sync's discovery found: names and units (kept when this
/// discovery could not read them), each account active or suspended, and
/// every account the source had and no longer lists marked as gone.
pub async fn record_discovery(pool: &PgPool, source_id: Uuid, accounts: &[AccountSeen]) -> Result<(), sqlx::Error> {
    let ids: Vec<String> = accounts.iter().map(|account| account.id.clone()).collect();
    let names: Vec<Option<String>> = accounts.iter().map(|account| account.name.clone()).collect();
    let paths: Vec<Option<String>> = accounts.iter().map(|account| account.ou_path.clone()).collect();
    let memberships: Vec<String> = accounts
        .iter()
        .map(|account| if account.active { Membership::Active } else { Membership::Suspended }.as_str().to_owned())
        .collect();
    let mut tx = pool.begin().await?;
    sqlx::query!(
        "INSERT INTO aws_accounts (account_id, name, ou_path)
         SELECT id, left(nullif(trim(name), ''), 200), path
         FROM UNNEST($1::text[], $2::text[], $3::text[]) AS a(id, name, path)
         ON CONFLICT (account_id) DO UPDATE
            SET name = COALESCE(EXCLUDED.name, aws_accounts.name),
                ou_path = COALESCE(EXCLUDED.ou_path, aws_accounts.ou_path),
                updated_at = now()
            WHERE (EXCLUDED.name, EXCLUDED.ou_path) IS DISTINCT FROM (aws_accounts.name, aws_accounts.ou_path)
              AND (EXCLUDED.name IS NOT NULL OR EXCLUDED.ou_path IS NOT NULL)",
        &ids,
        &names as &[Option<String>],
        &paths as &[Option<String>],
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "INSERT INTO source_accounts (source_id, account_id, membership)
         SELECT $1, id, membership FROM UNNEST($2::text[], $3::text[]) AS a(id, membership)
         ON CONFLICT (source_id, account_id) DO UPDATE
            SET membership = EXCLUDED.membership, last_seen = now()",
        source_id,
        &ids,
        &memberships,
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "UPDATE source_accounts SET membership = 'gone'
         WHERE source_id = $1 AND membership <> 'gone' AND NOT (account_id = ANY($2))",
        source_id,
        &ids,
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// One account's part of a run: its slices, how many failed, and the
/// first failure (a role that could not be assumed before anything else).
#[derive(Default)]
struct Attempt<'a> {
    failed: i32,
    error: Option<(&'a str, &'a str, &'a FetchError)>,
}

/// Records how a run went in each account it covers: synced (every slice
/// that reads it succeeded), or failing with the first error AWS gave. An
/// aggregator's slice reads every account, so its failure is each one's.
pub async fn record_attempts(
    pool: &PgPool,
    source_id: Uuid,
    active: &[&str],
    slices: &[(&Slice, Option<&FetchError>)],
    failures: &[AccountFailure],
) -> Result<(), sqlx::Error> {
    let mut attempts: BTreeMap<&str, Attempt> = active.iter().map(|account| (*account, Attempt::default())).collect();
    for failure in failures {
        let attempt = attempts.entry(&failure.account_id).or_default();
        attempt.failed += 1;
        attempt.error.get_or_insert(("", "", &failure.error));
    }
    for (slice, error) in slices {
        let Some(error) = error else {
            attempts.entry(&slice.account_id).or_default();
            continue;
        };
        let whole = slice.coverage == crate::sources::Coverage::WholeSource;
        let failing: Vec<&str> = if whole { active.to_vec() } else { vec![slice.account_id.as_str()] };
        for account in failing {
            let attempt = attempts.entry(account).or_default();
            attempt.failed += 1;
            let first = attempt.error.get_or_insert((slice.service.as_str(), &slice.region, error));
            if error.operation == "AssumeRole" && first.2.operation != "AssumeRole" {
                *first = (slice.service.as_str(), &slice.region, error);
            }
        }
    }
    let ids: Vec<&str> = attempts.keys().copied().collect();
    let failed: Vec<i32> = attempts.values().map(|attempt| attempt.failed).collect();
    let field = |pick: fn(&(&str, &str, &FetchError)) -> Option<String>| -> Vec<Option<String>> {
        attempts.values().map(|attempt| attempt.error.as_ref().and_then(pick)).collect()
    };
    let services = field(|(service, _, _)| Some(service.to_string()).filter(|s| !s.is_empty()));
    let regions = field(|(_, region, _)| Some(region.to_string()).filter(|r| !r.is_empty()));
    let operations = field(|(_, _, error)| Some(error.operation.clone()));
    let codes = field(|(_, _, error)| error.code.clone());
    let messages = field(|(_, _, error)| Some(error.message.clone()));
    sqlx::query!(
        "UPDATE source_accounts s
         SET last_attempt = now(),
             last_synced = CASE WHEN a.failed = 0 THEN now() ELSE s.last_synced END,
             slices_failed = a.failed,
             error_service = a.service, error_region = a.region, error_operation = a.operation,
             error_code = a.code, error_message = a.message
         FROM UNNEST($2::text[], $3::int[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
              AS a(id, failed, service, region, operation, code, message)
         WHERE s.source_id = $1 AND s.account_id = a.id",
        source_id,
        &ids as &[&str],
        &failed,
        &services as &[Option<String>],
        &regions as &[Option<String>],
        &operations as &[Option<String>],
        &codes as &[Option<String>],
        &messages as &[Option<String>],
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Stores names and units found beside a sync, for accounts already known.
pub async fn record_names(pool: &PgPool, accounts: &[AccountSeen]) -> Result<(), sqlx::Error> {
    let ids: Vec<String> = accounts.iter().map(|account| account.id.clone()).collect();
    let names: Vec<Option<String>> = accounts.iter().map(|account| account.name.clone()).collect();
    let paths: Vec<Option<String>> = accounts.iter().map(|account| account.ou_path.clone()).collect();
    sqlx::query!(
        "UPDATE aws_accounts a
         SET name = COALESCE(left(nullif(trim(n.name), ''), 200), a.name), ou_path = COALESCE(n.path, a.ou_path),
             updated_at = now()
         FROM UNNEST($1::text[], $2::text[], $3::text[]) AS n(id, name, path)
         WHERE a.account_id = n.id
           AND (left(nullif(trim(n.name), ''), 200), n.path) IS DISTINCT FROM (a.name, a.ou_path)",
        &ids,
        &names as &[Option<String>],
        &paths as &[Option<String>],
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// One page of the onboarding table: failing accounts first, then by name.
pub async fn onboarding(
    pool: &PgPool,
    source: Option<&str>,
    filter: OnboardingFilter,
    limit: i64,
    offset: i64,
) -> Result<Vec<AccountOnboarding>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT s.name AS source, sa.account_id, a.name AS "name?", a.ou_path AS "ou_path?",
                  sa.membership AS "membership: Membership",
                  sa.first_seen, sa.last_attempt, sa.last_synced, sa.slices_failed, sa.error_service,
                  sa.error_region, sa.error_operation, sa.error_code, sa.error_message
           FROM source_accounts sa
           JOIN sources s ON s.id = sa.source_id
           JOIN aws_accounts a ON a.account_id = sa.account_id
           WHERE ($1::text IS NULL OR s.name = $1)
             AND ($2::text <> 'failing' OR (sa.slices_failed > 0 AND sa.membership = 'active'))
             AND ($2::text <> 'never' OR (sa.last_synced IS NULL AND sa.membership = 'active'))
           ORDER BY s.name, (sa.membership = 'active') DESC, sa.slices_failed > 0 DESC,
                    lower(coalesce(a.name, sa.account_id)), sa.account_id
           LIMIT $3 OFFSET $4"#,
        source,
        filter.as_str(),
        limit,
        offset,
    )
    .fetch_all(pool)
    .await?;
    let accounts = rows
        .into_iter()
        .map(|row| AccountOnboarding {
            source: row.source,
            account_id: row.account_id,
            name: row.name,
            ou_path: row.ou_path,
            membership: row.membership,
            first_seen: row.first_seen,
            last_attempt: row.last_attempt,
            last_synced: row.last_synced,
            slices_failed: u32::try_from(row.slices_failed).unwrap_or(0),
            error_service: row.error_service,
            error_region: row.error_region,
            error_operation: row.error_operation,
            error_code: row.error_code,
            error_message: row.error_message,
        })
        .collect();
    Ok(accounts)
}

/// Each source's accounts counted by onboarding state.
pub async fn counts(pool: &PgPool) -> Result<Vec<OnboardingCounts>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT s.name AS source,
                  count(*) AS "total!",
                  count(*) FILTER (WHERE sa.membership = 'active') AS "active!",
                  count(*) FILTER (WHERE sa.membership = 'active' AND sa.slices_failed = 0
                                     AND sa.last_synced IS NOT NULL) AS "synced!",
                  count(*) FILTER (WHERE sa.membership = 'active' AND sa.slices_failed > 0) AS "failing!",
                  count(*) FILTER (WHERE sa.membership = 'active' AND sa.last_synced IS NULL) AS "never!",
                  count(*) FILTER (WHERE sa.membership = 'suspended') AS "suspended!",
                  count(*) FILTER (WHERE sa.membership = 'gone') AS "gone!"
           FROM source_accounts sa JOIN sources s ON s.id = sa.source_id
           GROUP BY s.name ORDER BY s.name"#
    )
    .fetch_all(pool)
    .await?;
    let count = |n: i64| u32::try_from(n).unwrap_or(u32::MAX);
    Ok(rows
        .into_iter()
        .map(|row| OnboardingCounts {
            source: row.source,
            total: count(row.total),
            active: count(row.active),
            synced: count(row.synced),
            failing: count(row.failing),
            never_synced: count(row.never),
            suspended: count(row.suspended),
            gone: count(row.gone),
        })
        .collect())
}

/// Every named account, id to name, for labels.
pub async fn names(pool: &PgPool) -> Result<BTreeMap<String, String>, sqlx::Error> {
    let rows = sqlx::query!(r#"SELECT account_id, name AS "name!" FROM aws_accounts WHERE name IS NOT NULL"#)
        .fetch_all(pool)
        .await?;
    Ok(rows.into_iter().map(|row| (row.account_id, row.name)).collect())
}

/// The ids of the accounts with this name, in any case: the account
/// filters accept a name.
pub async fn ids_named(pool: &PgPool, name: &str) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar!(
        "SELECT account_id FROM aws_accounts WHERE lower(name) = lower($1) ORDER BY account_id",
        name.trim()
    )
    .fetch_all(pool)
    .await
}

/// One account's name, if it has one.
pub async fn name_of(pool: &PgPool, account_id: &str) -> Result<Option<String>, sqlx::Error> {
    let name = sqlx::query_scalar!("SELECT name FROM aws_accounts WHERE account_id = $1", account_id)
        .fetch_optional(pool)
        .await?;
    Ok(name.flatten())
}
