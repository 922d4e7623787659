//! Checklists in PostgreSQL: the packs and their items, each workload's
//! ticks, and every change in the history and the audit log.

use std::collections::HashMap;

use app::domain::Pillar;
use app::domain::checklists::{MAX_DETAIL, TickRefusal, TickState};
use serde_json::json;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::evidence::EVIDENCE_ACTOR;
use super::{BUILT_IN, Pack};
use crate::auth::audit;
use crate::scoring::model::ChecklistItem;

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

/// A person's change to one item of one workload.
#[derive(Clone, Debug)]
pub struct Tick {
    pub workload: Uuid,
    pub pack: String,
    pub item: String,
    pub state: TickState,
    /// The note; `None` keeps the one there is (a one-click tick).
    pub note: Option<String>,
    /// The link; `None` keeps the one there is, `Some(None)` removes it.
    pub link: Option<Option<String>>,
    /// The form's state was left as the page showed it: the state stays as
    /// it is now (a one-click tick may have changed it since).
    pub keep_state: bool,
}

/// Refuses a note or link a tick cannot keep.
pub fn check_details(note: &str, link: &str) -> Result<(), TickRefusal> {
    if note.chars().count() > MAX_DETAIL {
        return Err(TickRefusal::Note);
    }
    if !link.is_empty() && (!(link.starts_with("https://") || link.starts_with("http://")) || link.len() > MAX_DETAIL) {
        return Err(TickRefusal::Link);
    }
    Ok(())
}

/// A tick that was not stored: refused, or the database could not.
#[derive(Debug, thiserror::Error)]
pub enum TickError {
    #[error("{0}")]
    Refused(TickRefusal),
    #[error("the database is unavailable: {0}")]
    Database(#[from] sqlx::Error),
}

/// Records a tick: the current state, a history line and an audit record
/// in one transaction. Two people ticking the same item at once are put
/// in order by the row lock; both changes stay in the history and the
/// later one is current.
pub async fn tick(pool: &PgPool, actor: &str, tick: &Tick) -> Result<Ticked, TickError> {
    let mut tx = pool.begin().await?;
    let known = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM checklist_items i JOIN workloads w ON w.id = $1
                          WHERE i.pack_id = $2 AND i.item_id = $3 AND NOT i.retired) AS "known!""#,
        tick.workload,
        tick.pack,
        tick.item
    )
    .fetch_one(&mut *tx)
    .await?;
    if !known {
        return Err(TickError::Refused(TickRefusal::UnknownItem));
    }
    let before = sqlx::query!(
        r#"SELECT state AS "state: TickState", by_evidence, note, link, actor, at FROM checklist_ticks
           WHERE workload_id = $1 AND pack_id = $2 AND item_id = $3 FOR UPDATE"#,
        tick.workload,
        tick.pack,
        tick.item
    )
    .fetch_optional(&mut *tx)
    .await?;
    let state = match (&before, tick.keep_state) {
        (Some(before), true) => before.state,
        _ => tick.state,
    };
    // Details left out are read under the row lock, so a tick in between
    // cannot be overwritten with what was there before it.
    let note = tick.note.clone().unwrap_or_else(|| before.as_ref().map(|row| row.note.clone()).unwrap_or_default());
    let link = tick.link.clone().unwrap_or_else(|| before.as_ref().and_then(|row| row.link.clone()));
    // The same tick again (a retry whose answer was lost) changes nothing.
    if let Some(row) = &before
        && !row.by_evidence
        && row.state == state
        && row.note == note
        && row.link == link
    {
        tx.commit().await?;
        return Ok(Ticked { changed: false, state, actor: row.actor.clone(), at: row.at, note, link });
    }
    // The state, its history line and the score's mark in one statement:
    // a tick under load waits for each round trip.
    let at = sqlx::query_scalar!(
        r#"WITH stored AS (
               INSERT INTO checklist_ticks (workload_id, pack_id, item_id, state, by_evidence, actor, note, link)
               VALUES ($1, $2, $3, $4, false, $5, $6, $7)
               ON CONFLICT (workload_id, pack_id, item_id) DO UPDATE
                  SET state = $4, by_evidence = false, actor = $5, at = now(), note = $6, link = $7
               RETURNING at
           ), history AS (
               INSERT INTO checklist_history (workload_id, pack_id, item_id, state, by_evidence, actor, note, link)
               VALUES ($1, $2, $3, $4, false, $5, $6, $7)
           ), due AS (
               INSERT INTO score_recompute_due (workload_id) VALUES ($1)
               ON CONFLICT (workload_id) DO UPDATE SET since = now()
           )
           SELECT at AS "at!" FROM stored"#,
        tick.workload,
        tick.pack,
        tick.item,
        state.as_str(),
        actor,
        note,
        link
    )
    .fetch_one(&mut *tx)
    .await?;
    let target = format!("workload {} / {} / {}", tick.workload, tick.pack, tick.item);
    let before = before
        .map(|row| json!({ "state": row.state.as_str(), "by_evidence": row.by_evidence, "note": row.note, "link": row.link }));
    let after = json!({ "state": state.as_str(), "note": note, "link": link });
    audit::record(&mut tx, actor, "checklist.tick", &target, before, Some(after)).await?;
    tx.commit().await?;
    Ok(Ticked { changed: true, state, actor: actor.to_owned(), at, note, link })
}

/// A tick as it was stored.
#[derive(Clone, Debug, PartialEq)]
pub struct Ticked {
    /// False when the same tick was there already and nothing was written.
    pub changed: bool,
    pub state: TickState,
    /// Who set the state as it stands, and when.
    pub actor: String,
    pub at: chrono::DateTime<chrono::Utc>,
    pub note: String,
    pub link: Option<String>,
}

/// Per workload and pillar, the checklist items the score counts: the
/// applicable ones (not "not applicable"), each done or not, but only for
/// a pillar where at least one item was decided (ticked or marked not
/// applicable, by a person or by evidence): an untouched checklist is no
/// data, not a zero.
pub async fn scored_items(
    pool: &PgPool,
    workload: Option<Uuid>,
) -> Result<HashMap<(Uuid, Pillar), Vec<ChecklistItem>>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT w.id AS workload_id, i.pillar AS "pillar: Pillar", i.pack_id, i.item_id, t.state AS "state?: TickState"
           FROM workloads w
           CROSS JOIN checklist_items i
           LEFT JOIN checklist_ticks t ON t.workload_id = w.id AND t.pack_id = i.pack_id AND t.item_id = i.item_id
           WHERE NOT i.retired AND ($1::uuid IS NULL OR w.id = $1)"#,
        workload
    )
    .fetch_all(pool)
    .await?;
    let mut decided: HashMap<(Uuid, Pillar), bool> = HashMap::new();
    let mut items: HashMap<(Uuid, Pillar), Vec<ChecklistItem>> = HashMap::new();
    for row in rows {
        let key = (row.workload_id, row.pillar);
        let state = row.state.unwrap_or(TickState::Open);
        if row.state.is_some() {
            decided.insert(key, true);
        }
        if state != TickState::NotApplicable {
            items.entry(key).or_default().push(ChecklistItem {
                id: format!("{}/{}", row.pack_id, row.item_id),
                done: state == TickState::Done,
                decided: row.state.is_some(),
            });
        }
    }
    items.retain(|key, _| decided.get(key).copied().unwrap_or(false));
    Ok(items)
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

/// Turns auto-tick from evidence on or off for a workload.
pub async fn set_auto_tick(pool: &PgPool, actor: &str, workload: Uuid, on: bool) -> Result<bool, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let before = sqlx::query_scalar!("SELECT checklist_auto_tick FROM workloads WHERE id = $1 FOR UPDATE", workload)
        .fetch_optional(&mut *tx)
        .await?;
    let Some(before) = before else { return Ok(false) };
    sqlx::query!("UPDATE workloads SET checklist_auto_tick = $2 WHERE id = $1", workload, on).execute(&mut *tx).await?;
    audit::record(
        &mut tx,
        actor,
        "checklist.auto_tick",
        &format!("workload {workload}"),
        Some(json!({ "auto_tick": before })),
        Some(json!({ "auto_tick": on })),
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// Every tick: (workload, pack, item, state).
pub async fn tick_states(pool: &PgPool) -> Result<Vec<(Uuid, String, String, TickState)>, sqlx::Error> {
    let rows =
        sqlx::query!(r#"SELECT workload_id, pack_id, item_id, state AS "state: TickState" FROM checklist_ticks"#)
            .fetch_all(pool)
            .await?;
    Ok(rows.into_iter().map(|row| (row.workload_id, row.pack_id, row.item_id, row.state)).collect())
}

/// The rules and controls of every live item.
pub async fn evidence_keys(pool: &PgPool) -> Result<Vec<(Vec<String>, Vec<String>)>, sqlx::Error> {
    let rows = sqlx::query!("SELECT rules, controls FROM checklist_items WHERE NOT retired").fetch_all(pool).await?;
    Ok(rows.into_iter().map(|row| (row.rules, row.controls)).collect())
}

/// An item with evidence in a workload that evidence ticks, with its tick.
pub struct AutoTickCandidate {
    pub workload_id: Uuid,
    pub pack_id: String,
    pub item_id: String,
    pub rules: Vec<String>,
    pub controls: Vec<String>,
    pub state: Option<TickState>,
    pub by_evidence: Option<bool>,
}

/// Every item with evidence, in every workload with auto-tick on.
pub async fn auto_tick_candidates(pool: &PgPool) -> Result<Vec<AutoTickCandidate>, sqlx::Error> {
    sqlx::query_as!(
        AutoTickCandidate,
        r#"SELECT w.id AS workload_id, i.pack_id, i.item_id, i.rules, i.controls,
                  t.state AS "state?: TickState", t.by_evidence AS "by_evidence?"
           FROM workloads w
           CROSS JOIN checklist_items i
           LEFT JOIN checklist_ticks t ON t.workload_id = w.id AND t.pack_id = i.pack_id AND t.item_id = i.item_id
           WHERE w.checklist_auto_tick AND NOT i.retired
             AND (cardinality(i.rules) > 0 OR cardinality(i.controls) > 0)"#
    )
    .fetch_all(pool)
    .await
}

/// A tick the evidence makes, and the sync that made it.
pub struct EvidenceTick<'a> {
    pub workload: Uuid,
    pub pack: &'a str,
    pub item: &'a str,
    pub reason: &'a str,
}

/// Sets an item's state as the evidence asks, with its history line, if it
/// still stands as `was` (state, by evidence): nobody changed it meanwhile.
pub async fn tick_by_evidence(
    conn: &mut PgConnection,
    tick: &EvidenceTick<'_>,
    was: (TickState, bool),
    state: TickState,
) -> Result<bool, sqlx::Error> {
    let changed = sqlx::query!(
        "INSERT INTO checklist_ticks (workload_id, pack_id, item_id, state, by_evidence, actor)
         VALUES ($1, $2, $3, $4, true, $5)
         ON CONFLICT (workload_id, pack_id, item_id) DO UPDATE
            SET state = $4, by_evidence = true, actor = $5, at = now(), note = '', link = NULL
            WHERE checklist_ticks.state = $6 AND checklist_ticks.by_evidence = $7",
        tick.workload,
        tick.pack,
        tick.item,
        state.as_str(),
        EVIDENCE_ACTOR,
        was.0.as_str(),
        was.1
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if changed == 0 {
        return Ok(false);
    }
    sqlx::query!(
        "INSERT INTO checklist_history (workload_id, pack_id, item_id, state, by_evidence, actor, reason)
         VALUES ($1, $2, $3, $4, true, $5, $6)",
        tick.workload,
        tick.pack,
        tick.item,
        state.as_str(),
        EVIDENCE_ACTOR,
        tick.reason
    )
    .execute(conn)
    .await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_note_up_to_the_limit_and_a_web_link_are_kept() {
        assert_eq!(check_details(&"é".repeat(MAX_DETAIL), "https://wiki.example.com/runbook"), Ok(()));
        assert_eq!(check_details("", ""), Ok(()));
    }

    #[test]
    fn a_long_note_or_a_link_that_is_not_http_is_refused() {
        assert_eq!(check_details(&"x".repeat(MAX_DETAIL + 1), ""), Err(TickRefusal::Note));
        assert_eq!(check_details("", "javascript:alert(1)"), Err(TickRefusal::Link));
        assert_eq!(check_details("", &format!("https://{}", "a".repeat(MAX_DETAIL))), Err(TickRefusal::Link));
    }
}
