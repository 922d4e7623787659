//! After each sync, items follow their source: an item whose source now
//! passes is resolved by "evidence" (the history names the sync), one the
//! evidence resolved that fails again reopens, and one a person resolved
//! while its source still fails is flagged. Accepted risks and "won't fix"
//! stand whatever the evidence says.

use std::collections::HashMap;

use app::domain::Risk;
use app::domain::checklists::TickState;
use app::domain::remediation::Status;
use sqlx::PgPool;
use uuid::Uuid;

use super::store::{FollowedItem, followed_items, history, set_by_evidence};
use crate::db::review_reads;
use crate::db::scores;

/// Who the history names for a change the evidence made.
pub const EVIDENCE_ACTOR: &str = "evidence";

/// What following the evidence changed.
#[derive(Debug, Default, PartialEq)]
pub struct Followed {
    pub resolved: u64,
    pub reopened: u64,
    pub flagged: u64,
}

/// Whether each item's source passes now: `None` when nothing says.
async fn passes(pool: &PgPool, items: &[FollowedItem]) -> Result<HashMap<Uuid, bool>, sqlx::Error> {
    let keys = |kind: &str| -> Vec<String> {
        let mut keys: Vec<String> =
            items.iter().filter(|i| i.source_kind == kind).filter_map(|i| i.source_key.clone()).collect();
        keys.sort();
        keys.dedup();
        keys
    };
    let mut results: HashMap<(Uuid, String, String), bool> = HashMap::new();
    for row in scores::evidence_results(pool, None, &keys("control"), &keys("rule")).await? {
        results.insert((row.workload_id, row.kind, row.key), !row.failed);
    }
    for (workload_id, question_id, risk) in review_reads::question_risks(pool).await? {
        let passed = match risk {
            Some(Risk::High | Risk::Medium) => Some(false),
            Some(Risk::None | Risk::NotApplicable) => Some(true),
            Some(Risk::Unanswered) | None => None,
        };
        if let Some(passed) = passed {
            results.insert((workload_id, "question".into(), question_id), passed);
        }
    }
    for (workload_id, pack_id, item_id, state) in crate::checklists::store::tick_states(pool).await? {
        results.insert((workload_id, "checklist".into(), format!("{pack_id}/{item_id}")), state != TickState::Open);
    }
    Ok(items
        .iter()
        .filter_map(|item| {
            let key = item.source_key.clone()?;
            results.get(&(item.workload_id, item.source_kind.clone(), key)).map(|passed| (item.id, *passed))
        })
        .collect())
}

/// Resolves, reopens and flags items from the evidence; `reason` (the
/// sync) goes into the history.
#[tracing::instrument(skip(pool))]
pub async fn follow(pool: &PgPool, reason: &str) -> Result<Followed, sqlx::Error> {
    let items = followed_items(pool).await?;
    let passes = passes(pool, &items).await?;
    let mut followed = Followed::default();
    let mut tx = pool.begin().await?;
    for item in &items {
        let Some(&passed) = passes.get(&item.id) else { continue };
        let status = item.status;
        // Each change applies only if nobody changed the item meanwhile.
        let (new_status, by_evidence, flagged, line) = match (passed, status.is_active(), item.by_evidence) {
            (true, true, _) => (Status::Resolved, true, false, "Resolved by evidence: the source passes"),
            (true, false, _) if item.flagged => (status, item.by_evidence, false, "Evidence passes now: flag cleared"),
            (false, false, true) => (Status::Open, true, false, "Reopened by evidence: the source fails again"),
            (false, false, false) if !item.flagged => {
                (status, false, true, "Flagged: resolved by hand, but the source still fails")
            }
            _ => continue,
        };
        if !set_by_evidence(&mut tx, item, (new_status, by_evidence, flagged)).await? {
            continue;
        }
        history(&mut tx, item.id, EVIDENCE_ACTOR, line, Some(reason)).await?;
        match (new_status, flagged) {
            (Status::Resolved, _) if status.is_active() => followed.resolved += 1,
            (Status::Open, _) => followed.reopened += 1,
            (_, true) => followed.flagged += 1,
            _ => {}
        }
    }
    tx.commit().await?;
    Ok(followed)
}
