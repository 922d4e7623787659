//! What the AWS data says about checklist items, and auto-ticking: after
//! each sync, an item whose evidence all passes is ticked by "evidence" in
//! every workload that has auto-tick on, and unticked again when the
//! evidence no longer passes. A person's tick or "not applicable" is never
//! overridden.

use std::collections::HashMap;

use app::domain::checklists::{EvidenceState, TickState};
use sqlx::PgPool;
use uuid::Uuid;

use super::store::{self, EvidenceTick};
use crate::db::scores;

/// Who the history names for a change the evidence made.
pub const EVIDENCE_ACTOR: &str = "evidence";

/// An item's rules and controls.
pub struct ItemKeys<'a> {
    pub rules: &'a [String],
    pub controls: &'a [String],
}

/// Each workload's results: (kind, key) → failed.
pub type Results = HashMap<Uuid, HashMap<(String, String), bool>>;

/// The results of every rule and control any item names, per workload.
pub async fn results(pool: &PgPool, workload: Option<Uuid>) -> Result<Results, sqlx::Error> {
    let keys = store::evidence_keys(pool).await?;
    let mut rules: Vec<String> = keys.iter().flat_map(|(rules, _)| rules.iter().cloned()).collect();
    let mut controls: Vec<String> = keys.iter().flat_map(|(_, controls)| controls.iter().cloned()).collect();
    rules.sort();
    rules.dedup();
    controls.sort();
    controls.dedup();
    let mut by_workload: Results = HashMap::new();
    for row in scores::evidence_results(pool, workload, &controls, &rules).await? {
        by_workload.entry(row.workload_id).or_default().insert((row.kind, row.key), row.failed);
    }
    Ok(by_workload)
}

/// The evidence state of one item, with the keys that fail and pass.
pub fn judge(
    item: &ItemKeys<'_>,
    results: Option<&HashMap<(String, String), bool>>,
) -> (EvidenceState, Vec<String>, Vec<String>) {
    if item.rules.is_empty() && item.controls.is_empty() {
        return (EvidenceState::Manual, Vec::new(), Vec::new());
    }
    let keys = item.rules.iter().map(|key| ("rule", key)).chain(item.controls.iter().map(|key| ("control", key)));
    let (mut failing, mut passing) = (Vec::new(), Vec::new());
    for (kind, key) in keys {
        match results.and_then(|results| results.get(&(kind.to_owned(), key.clone()))) {
            Some(true) => failing.push(key.clone()),
            Some(false) => passing.push(key.clone()),
            None => {}
        }
    }
    let state = if !failing.is_empty() {
        EvidenceState::Failing
    } else if !passing.is_empty() {
        EvidenceState::Passing
    } else {
        EvidenceState::NoData
    };
    (state, failing, passing)
}

/// What following the evidence changed.
#[derive(Debug, Default, PartialEq)]
pub struct Followed {
    pub ticked: u64,
    pub unticked: u64,
}

/// Ticks items whose evidence passes and unticks evidence ticks whose
/// evidence no longer passes, in workloads with auto-tick on; `reason`
/// (the sync) goes into the history.
#[tracing::instrument(skip(pool))]
pub async fn follow(pool: &PgPool, reason: &str) -> Result<Followed, sqlx::Error> {
    // A database that has only synced from the command line has not seen
    // the built-in packs yet.
    super::store::install_built_in(pool).await?;
    let results = results(pool, None).await?;
    let rows = store::auto_tick_candidates(pool).await?;
    let mut followed = Followed::default();
    let mut tx = pool.begin().await?;
    for row in rows {
        let keys = ItemKeys { rules: &row.rules, controls: &row.controls };
        let (evidence, _, _) = judge(&keys, results.get(&row.workload_id));
        let state = row.state.unwrap_or(TickState::Open);
        let by_evidence = row.by_evidence.unwrap_or(false);
        let change = match (state, by_evidence, evidence) {
            (TickState::Open, _, EvidenceState::Passing) => Some(TickState::Done),
            (TickState::Done, true, EvidenceState::Failing | EvidenceState::NoData) => Some(TickState::Open),
            _ => None,
        };
        let Some(new_state) = change else { continue };
        // Only if nobody changed the item meanwhile.
        let tick = EvidenceTick { workload: row.workload_id, pack: &row.pack_id, item: &row.item_id, reason };
        if !store::tick_by_evidence(&mut tx, &tick, (state, by_evidence), new_state).await? {
            continue;
        }
        if new_state == TickState::Done {
            followed.ticked += 1;
        } else {
            followed.unticked += 1;
        }
    }
    tx.commit().await?;
    Ok(followed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn results(entries: &[(&str, &str, bool)]) -> HashMap<(String, String), bool> {
        entries.iter().map(|(kind, key, failed)| (((*kind).to_owned(), (*key).to_owned()), *failed)).collect()
    }

    #[test]
    fn an_item_passes_only_when_every_result_passes() {
        let rules = vec!["MULTI_REGION_CLOUD_TRAIL_ENABLED".to_owned()];
        let controls = vec!["CloudTrail.1".to_owned()];
        let item = ItemKeys { rules: &rules, controls: &controls };
        let both = results(&[("rule", "MULTI_REGION_CLOUD_TRAIL_ENABLED", false), ("control", "CloudTrail.1", false)]);
        assert_eq!(judge(&item, Some(&both)).0, EvidenceState::Passing);
        let one_fails =
            results(&[("rule", "MULTI_REGION_CLOUD_TRAIL_ENABLED", false), ("control", "CloudTrail.1", true)]);
        let (state, failing, _) = judge(&item, Some(&one_fails));
        assert_eq!((state, failing), (EvidenceState::Failing, vec!["CloudTrail.1".to_owned()]));
        assert_eq!(judge(&item, None).0, EvidenceState::NoData);
        assert_eq!(judge(&ItemKeys { rules: &[], controls: &[] }, None).0, EvidenceState::Manual);
    }
}
