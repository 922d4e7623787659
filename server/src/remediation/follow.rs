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

use super::store::history;
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

struct Item {
    id: Uuid,
    workload_id: Uuid,
    source_kind: String,
    source_key: Option<String>,
    status: Status,
    by_evidence: bool,
    flagged: bool,
}

/// Whether each item's source passes now: `None` when nothing says.
async fn passes(pool: &PgPool, items: &[Item]) -> Result<HashMap<Uuid, bool>, sqlx::Error> {
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
    let risks = sqlx::query!(
        r#"SELECT w.id AS workload_id, a.question_id, a.risk AS "risk: Risk" FROM workloads w
           JOIN wa_answers a ON a.wa_workload_id = w.wa_workload_id AND a.lens_alias = 'wellarchitected'"#
    )
    .fetch_all(pool)
    .await?;
    for row in risks {
        let passed = match row.risk {
            Some(Risk::High | Risk::Medium) => Some(false),
            Some(Risk::None | Risk::NotApplicable) => Some(true),
            Some(Risk::Unanswered) | None => None,
        };
        if let Some(passed) = passed {
            results.insert((row.workload_id, "question".into(), row.question_id), passed);
        }
    }
    let ticks =
        sqlx::query!(r#"SELECT workload_id, pack_id, item_id, state AS "state: TickState" FROM checklist_ticks"#)
            .fetch_all(pool)
            .await?;
    for row in ticks {
        results.insert(
            (row.workload_id, "checklist".into(), format!("{}/{}", row.pack_id, row.item_id)),
            row.state != TickState::Open,
        );
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
    let items = sqlx::query_as!(
        Item,
        r#"SELECT id, workload_id, source_kind, source_key, status AS "status: Status", by_evidence, flagged
           FROM remediation_items WHERE source_key IS NOT NULL AND status NOT IN ('risk_accepted', 'wont_fix')"#
    )
    .fetch_all(pool)
    .await?;
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
        let changed = sqlx::query!(
            "UPDATE remediation_items SET status = $2, by_evidence = $3, flagged = $4, updated_at = now()
             WHERE id = $1 AND status = $5 AND by_evidence = $6 AND flagged = $7",
            item.id,
            new_status.as_str(),
            by_evidence,
            flagged,
            item.status.as_str(),
            item.by_evidence,
            item.flagged
        )
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed == 0 {
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
