//! Recomputing a workload's scores after a change, once for many changes.
//! A change that finds no recompute of its workload under way recomputes
//! at once and is answered after it, so a lone tick moves the score before
//! its answer. Changes that come while one is under way only say so: the
//! recompute under way then runs once more, in the background, for all of
//! them. Fifty editors ticking one workload thus cost a few recomputes, not
//! fifty, and the score follows the last of them within one recompute.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use sqlx::PgPool;
use uuid::Uuid;

use super::model::Weights;

/// Recomputes scores after changes, one recompute per workload at a time.
#[derive(Clone)]
pub struct Rescorer(Arc<Inner>);

struct Inner {
    pool: PgPool,
    weights: Weights,
    workloads: Mutex<HashMap<Uuid, Recomputing>>,
}

/// A recompute under way, and whether changes came while it ran.
#[derive(Default)]
struct Recomputing {
    again: bool,
}

impl Rescorer {
    pub fn new(pool: PgPool, weights: Weights) -> Rescorer {
        Rescorer(Arc::new(Inner { pool, weights, workloads: Mutex::new(HashMap::new()) }))
    }

    /// Recomputes the workload's scores after a change that has committed
    /// (and marked them due). If a recompute of the workload is under way,
    /// it only asks that one to run again, which covers this change.
    #[tracing::instrument(skip(self))]
    pub async fn after_change(&self, workload: Uuid, reason: &str) -> Result<(), sqlx::Error> {
        if !self.claim(workload) {
            return Ok(());
        }
        if let Err(error) = super::recompute_marked(&self.0.pool, &self.0.weights, workload, reason).await {
            // The mark stays in the database; the background job retries.
            self.release(workload);
            return Err(error);
        }
        if !self.release_unless_asked_again(workload) {
            let rescorer = self.clone();
            let reason = reason.to_owned();
            tokio::spawn(async move { rescorer.recompute_while_asked(workload, &reason).await });
        }
        Ok(())
    }

    /// Recomputes until no change came during the last recompute.
    async fn recompute_while_asked(&self, workload: Uuid, reason: &str) {
        loop {
            if let Err(error) = super::recompute_marked(&self.0.pool, &self.0.weights, workload, reason).await {
                tracing::warn!(%error, %workload, "scores are recomputed when the database allows");
                self.release(workload);
                return;
            }
            if self.release_unless_asked_again(workload) {
                return;
            }
        }
    }

    fn workloads(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, Recomputing>> {
        self.0.workloads.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Takes the workload's recompute, or asks the one under way to run
    /// again (false).
    fn claim(&self, workload: Uuid) -> bool {
        let mut workloads = self.workloads();
        match workloads.get_mut(&workload) {
            Some(recomputing) => {
                recomputing.again = true;
                false
            }
            None => {
                workloads.insert(workload, Recomputing::default());
                true
            }
        }
    }

    fn release(&self, workload: Uuid) {
        self.workloads().remove(&workload);
    }

    /// Lets the workload go if no change came meanwhile (true); otherwise
    /// keeps it, cleared, for one more recompute (false).
    fn release_unless_asked_again(&self, workload: Uuid) -> bool {
        let mut workloads = self.workloads();
        match workloads.get_mut(&workload) {
            Some(recomputing) if recomputing.again => {
                recomputing.again = false;
                false
            }
            _ => {
                workloads.remove(&workload);
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn workload(pool: &PgPool) -> Uuid {
        sqlx::query_scalar!(
            "INSERT INTO workloads (name, account_ids, regions) VALUES ('w', '{111122223333}', '{eu-west-1}') RETURNING id"
        )
        .fetch_one(pool)
        .await
        .expect("a workload")
    }

    async fn recomputes(pool: &PgPool, workload: Uuid) -> i64 {
        sqlx::query_scalar!(
            r#"SELECT count(DISTINCT taken_at) AS "n!" FROM score_snapshots WHERE workload_id = $1"#,
            workload
        )
        .fetch_one(pool)
        .await
        .expect("the snapshots")
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn a_lone_change_is_answered_after_its_recompute(pool: PgPool) {
        let workload = workload(&pool).await;
        let rescorer = Rescorer::new(pool.clone(), Weights::default());
        rescorer.after_change(workload, "test").await.expect("the recompute");
        assert_eq!(recomputes(&pool, workload).await, 1);
        assert!(rescorer.workloads().is_empty(), "nothing is left under way");
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn many_changes_at_once_share_recomputes_and_the_last_is_covered(pool: PgPool) {
        let workload = workload(&pool).await;
        let rescorer = Rescorer::new(pool.clone(), Weights::default());
        let changes = (0..20).map(|_| {
            let rescorer = rescorer.clone();
            tokio::spawn(async move { rescorer.after_change(workload, "test").await })
        });
        for change in changes.collect::<Vec<_>>() {
            change.await.expect("a change").expect("its recompute");
        }
        // The background round for the changes that came meanwhile ends.
        for _ in 0..100 {
            if rescorer.workloads().is_empty() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        assert!(rescorer.workloads().is_empty(), "the last round ended");
        let count = recomputes(&pool, workload).await;
        assert!((1..20).contains(&count), "20 changes at once took {count} recomputes");
    }
}
