//! Checklists in PostgreSQL: the packs and their items (here), each
//! workload's ticks (`ticks`), and every change in the history and the
//! audit log.

mod ticks;

use serde_json::json;
use sqlx::PgPool;

pub use self::ticks::*;
use super::{BUILT_IN, Pack};
use crate::auth::audit;

/// Writes a pack and its items; items no longer in the pack are retired
/// (their ticks and history stay).
pub async fn install(pool: &PgPool, pack: &Pack, built_in: bool, position: i32) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query!(
        "INSERT INTO checklist_packs (id, name, description, version, built_in, position) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (id) DO UPDATE SET name = $2, description = $3, version = $4, built_in = $5, position = $6,
                                        updated_at = now()",
        pack.id,
        pack.name,
        pack.description,
        pack.version,
        built_in,
        position
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!("UPDATE checklist_items SET retired = true WHERE pack_id = $1", pack.id).execute(&mut *tx).await?;
    for (position, item) in pack.items.iter().enumerate() {
        sqlx::query!(
            "INSERT INTO checklist_items (pack_id, item_id, position, text, pillar, choices, rules, controls)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (pack_id, item_id) DO UPDATE
                SET position = $3, text = $4, pillar = $5, choices = $6, rules = $7, controls = $8, retired = false",
            pack.id,
            item.id,
            position as i32,
            item.text,
            item.pillar.id(),
            &item.choices,
            &item.rules,
            &item.controls
        )
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}

/// Writes the built-in packs (at start: new versions replace old ones).
pub async fn install_built_in(pool: &PgPool) -> Result<(), sqlx::Error> {
    for (position, pack) in BUILT_IN.iter().enumerate() {
        install(pool, pack, true, position as i32).await?;
    }
    Ok(())
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("the pack file is not valid:\n{}", .0.iter().map(|e| format!("  {e}")).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<super::PackError>),
    #[error("{0:?} is a built-in pack's id; give the pack another id")]
    BuiltInId(String),
    #[error("the database is unavailable: {0}")]
    Database(#[from] sqlx::Error),
}

/// Imports a custom pack from its file's text: validated whole first, so
/// an invalid file imports nothing. A pack with the id of an earlier
/// custom pack replaces it (items it drops are retired, with their
/// history kept).
pub async fn import(pool: &PgPool, actor: &str, text: &str) -> Result<Pack, ImportError> {
    let pack = super::parse_pack(text).map_err(ImportError::Invalid)?;
    if BUILT_IN.iter().any(|built_in| built_in.id == pack.id) {
        return Err(ImportError::BuiltInId(pack.id));
    }
    let before =
        sqlx::query_scalar!("SELECT version FROM checklist_packs WHERE id = $1", pack.id).fetch_optional(pool).await?;
    install(pool, &pack, false, 100).await?;
    let mut conn = pool.acquire().await?;
    audit::record(
        &mut conn,
        actor,
        "checklist.import",
        &pack.id,
        before.map(|version| json!({ "version": version })),
        Some(json!({ "version": pack.version, "items": pack.items.len(), "name": pack.name })),
    )
    .await?;
    Ok(pack)
}

/// A pack (built-in or custom) as a pack file, in the format `import`
/// reads; `None` if there is no such pack.
pub async fn export(pool: &PgPool, pack_id: &str) -> Result<Option<String>, sqlx::Error> {
    let Some(head) = sqlx::query!("SELECT id, name, description, version FROM checklist_packs WHERE id = $1", pack_id)
        .fetch_optional(pool)
        .await?
    else {
        return Ok(None);
    };
    let items = sqlx::query!(
        "SELECT item_id, text, pillar, choices, rules, controls FROM checklist_items
         WHERE pack_id = $1 AND NOT retired ORDER BY position",
        pack_id
    )
    .fetch_all(pool)
    .await?;
    #[derive(serde::Serialize)]
    struct File {
        pack: Head,
        items: Vec<ItemOut>,
    }
    #[derive(serde::Serialize)]
    struct Head {
        id: String,
        name: String,
        description: String,
        version: String,
    }
    #[derive(serde::Serialize)]
    struct ItemOut {
        id: String,
        text: String,
        pillar: String,
        choices: Vec<String>,
        rules: Vec<String>,
        controls: Vec<String>,
    }
    let file = File {
        pack: Head { id: head.id, name: head.name, description: head.description, version: head.version },
        items: items
            .into_iter()
            .map(|row| ItemOut {
                id: row.item_id,
                text: row.text,
                pillar: row.pillar,
                choices: row.choices,
                rules: row.rules,
                controls: row.controls,
            })
            .collect(),
    };
    let body = toml::to_string(&file).map_err(|error| sqlx::Error::Protocol(error.to_string()))?;
    Ok(Some(format!("# A Plinth checklist pack; import it with `plinth checklist import FILE`.\n\n{body}")))
}

/// Every pack: id, name, built in, items.
pub async fn list(pool: &PgPool) -> Result<Vec<(String, String, bool, i64)>, sqlx::Error> {
    Ok(sqlx::query!(
        r#"SELECT p.id, p.name, p.built_in, count(i.item_id) FILTER (WHERE NOT i.retired) AS "items!"
           FROM checklist_packs p LEFT JOIN checklist_items i ON i.pack_id = p.id
           GROUP BY p.id ORDER BY p.position, p.name"#
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|row| (row.id, row.name, row.built_in, row.items))
    .collect())
}
