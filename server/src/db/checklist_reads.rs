//! Reading a workload's checklists for the page: the items with the
//! workload's ticks, their recent history, and the packs.

use app::domain::Pillar;
use app::domain::checklists::{TickChange, TickState};
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

/// An item with the workload's tick of it, as both reads select it.
pub struct ItemRow {
    pub pack_id: String,
    pub item_id: String,
    pub text: String,
    pub pillar: Pillar,
    pub choices: Vec<String>,
    pub rules: Vec<String>,
    pub controls: Vec<String>,
    pub state: Option<TickState>,
    pub by_evidence: Option<bool>,
    pub actor: Option<String>,
    pub at: Option<DateTime<Utc>>,
    pub note: Option<String>,
    pub link: Option<String>,
}

/// One live item of a workload; `None` if there is no such workload or item.
pub async fn item(pool: &PgPool, workload: Uuid, pack: &str, item: &str) -> Result<Option<ItemRow>, sqlx::Error> {
    sqlx::query_as!(
        ItemRow,
        r#"SELECT i.pack_id, i.item_id, i.text, i.pillar AS "pillar: Pillar", i.choices, i.rules, i.controls,
                  t.state AS "state?: TickState", t.by_evidence AS "by_evidence?", t.actor AS "actor?", t.at AS "at?",
                  t.note AS "note?", t.link
           FROM checklist_items i
           JOIN workloads w ON w.id = $1
           LEFT JOIN checklist_ticks t ON t.workload_id = w.id AND t.pack_id = i.pack_id AND t.item_id = i.item_id
           WHERE i.pack_id = $2 AND i.item_id = $3 AND NOT i.retired"#,
        workload,
        pack,
        item
    )
    .fetch_optional(pool)
    .await
}

/// An item's latest `limit` changes, newest first.
pub async fn item_history(
    pool: &PgPool,
    workload: Uuid,
    pack: &str,
    item: &str,
    limit: i64,
) -> Result<Vec<TickChange>, sqlx::Error> {
    sqlx::query_as!(
        TickChange,
        r#"SELECT state AS "state: TickState", by_evidence, actor, at, note FROM checklist_history
           WHERE workload_id = $1 AND pack_id = $2 AND item_id = $3 ORDER BY id DESC LIMIT $4"#,
        workload,
        pack,
        item,
        limit
    )
    .fetch_all(pool)
    .await
}

/// A workload's name and whether evidence ticks its items.
pub struct WorkloadHead {
    pub name: String,
    pub checklist_auto_tick: bool,
}

pub async fn workload_head(pool: &PgPool, workload: Uuid) -> Result<Option<WorkloadHead>, sqlx::Error> {
    sqlx::query_as!(WorkloadHead, "SELECT name, checklist_auto_tick FROM workloads WHERE id = $1", workload)
        .fetch_optional(pool)
        .await
}

pub struct PackRow {
    pub id: String,
    pub name: String,
    pub description: String,
    pub built_in: bool,
}

/// The packs in the order they are shown.
pub async fn packs(pool: &PgPool) -> Result<Vec<PackRow>, sqlx::Error> {
    sqlx::query_as!(PackRow, "SELECT id, name, description, built_in FROM checklist_packs ORDER BY position, name")
        .fetch_all(pool)
        .await
}

/// Every live item with the workload's tick of it, in the packs' order.
pub async fn items(pool: &PgPool, workload: Uuid) -> Result<Vec<ItemRow>, sqlx::Error> {
    sqlx::query_as!(
        ItemRow,
        r#"SELECT i.pack_id, i.item_id, i.text, i.pillar AS "pillar: Pillar", i.choices, i.rules, i.controls,
                  t.state AS "state?: TickState", t.by_evidence AS "by_evidence?", t.actor AS "actor?", t.at AS "at?",
                  t.note AS "note?", t.link
           FROM checklist_items i
           JOIN checklist_packs p ON p.id = i.pack_id
           LEFT JOIN checklist_ticks t ON t.workload_id = $1 AND t.pack_id = i.pack_id AND t.item_id = i.item_id
           WHERE NOT i.retired
           ORDER BY p.position, p.name, i.position"#,
        workload
    )
    .fetch_all(pool)
    .await
}

/// Each item's latest `limit` changes in a workload, newest first, by
/// (pack, item).
pub async fn histories(
    pool: &PgPool,
    workload: Uuid,
    limit: i64,
) -> Result<Vec<((String, String), TickChange)>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT pack_id AS "pack_id!", item_id AS "item_id!", state AS "state!: TickState",
                  by_evidence AS "by_evidence!", actor AS "actor!", at AS "at!", note AS "note!"
           FROM (SELECT *, row_number() OVER (PARTITION BY pack_id, item_id ORDER BY id DESC) AS n
                 FROM checklist_history WHERE workload_id = $1) latest
           WHERE n <= $2 ORDER BY id DESC"#,
        workload,
        limit
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let change = TickChange {
                state: row.state,
                by_evidence: row.by_evidence,
                actor: row.actor,
                at: row.at,
                note: row.note,
            };
            ((row.pack_id, row.item_id), change)
        })
        .collect())
}
