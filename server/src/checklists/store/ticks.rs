//! Each workload's ticks: a person's, with its history and audit record;
//! the evidence's after a sync; and the ticked items the score counts.

use std::collections::HashMap;

use app::domain::Pillar;
use app::domain::checklists::{MAX_DETAIL, TickRefusal, TickState};
use serde_json::json;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::auth::audit;
use crate::checklists::evidence::EVIDENCE_ACTOR;
use crate::scoring::model::ChecklistItem;

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
