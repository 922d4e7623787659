//! The admin pages' reads: users, the audit log, the sources' stored
//! settings and the checklist packs.

use app::domain::Role;
use app::domain::admin::{AUDIT_PAGE_SIZE, AuditEntry, AuditPage, AuditQuery, UserLine};
use app::domain::checklists::PackSummary;
use sqlx::PgPool;
use uuid::Uuid;

/// Every user, by email, as the users page lists them.
pub async fn users(pool: &PgPool) -> Result<Vec<UserLine>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT id, email, display_name, role AS "role: Role", password_hash IS NOT NULL AS "has_password!",
                  sso_issuer IS NOT NULL AS "sso!", disabled_at IS NOT NULL AS "disabled!",
                  created_at, last_sign_in_at
           FROM users ORDER BY email"#
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| UserLine {
            id: row.id,
            email: row.email,
            display_name: row.display_name,
            role: row.role,
            has_password: row.has_password,
            sso: row.sso,
            disabled: row.disabled,
            created_at: row.created_at,
            last_sign_in_at: row.last_sign_in_at,
        })
        .collect())
}

/// A page of the audit log, newest first, with every action it holds.
pub async fn audit(pool: &PgPool, query: &AuditQuery) -> Result<AuditPage, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT id, at, actor, action, target, before, after FROM audit_log
           WHERE ($1::text IS NULL OR actor = $1)
             AND ($2::text IS NULL OR action = $2)
             AND ($3::text IS NULL OR strpos(lower(target), lower($3)) > 0)
             AND ($4::int8 IS NULL OR id < $4)
           ORDER BY id DESC LIMIT $5"#,
        query.actor,
        query.action,
        query.target,
        query.before,
        AUDIT_PAGE_SIZE + 1
    )
    .fetch_all(pool)
    .await?;
    let more = rows.len() as i64 > AUDIT_PAGE_SIZE;
    let pretty = |value: Option<serde_json::Value>| {
        value.map(|value| serde_json::to_string_pretty(&value).unwrap_or_else(|_| value.to_string()))
    };
    let entries: Vec<AuditEntry> = rows
        .into_iter()
        .take(AUDIT_PAGE_SIZE as usize)
        .map(|row| AuditEntry {
            id: row.id,
            at: row.at,
            actor: row.actor,
            action: row.action,
            target: row.target,
            before: pretty(row.before),
            after: pretty(row.after),
        })
        .collect();
    let older = if more { entries.last().map(|entry| entry.id) } else { None };
    let actions =
        sqlx::query_scalar!(r#"SELECT DISTINCT action AS "action!" FROM audit_log ORDER BY 1"#).fetch_all(pool).await?;
    Ok(AuditPage { entries, older, actions })
}

/// Each source's stored settings, by id.
pub async fn source_settings(pool: &PgPool) -> Result<Vec<(Uuid, serde_json::Value)>, sqlx::Error> {
    let rows = sqlx::query!("SELECT id, settings FROM sources").fetch_all(pool).await?;
    Ok(rows.into_iter().map(|row| (row.id, row.settings)).collect())
}

/// The checklist packs in the order they are shown, with their live items.
pub async fn pack_summaries(pool: &PgPool) -> Result<Vec<PackSummary>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT p.id, p.name, p.description, p.version, p.built_in,
                  count(i.item_id) FILTER (WHERE NOT i.retired) AS "items!"
           FROM checklist_packs p LEFT JOIN checklist_items i ON i.pack_id = p.id
           GROUP BY p.id ORDER BY p.position, p.name"#
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| PackSummary {
            id: row.id,
            name: row.name,
            description: row.description,
            version: row.version,
            built_in: row.built_in,
            items: row.items as u32,
        })
        .collect())
}
