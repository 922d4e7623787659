//! One outbox for every write Plinth makes to AWS: a question's answer, a
//! milestone, a remediation item's Security Hub workflow.
//!
//! A change queues its write in its own transaction ([`enqueue`]), so the
//! write is never lost and never made for a change that was not stored.
//! Delivery holds no transaction across the AWS call: a server claims a
//! write for a while (`[outbox] claim`), calls AWS through the feature that owns the
//! write (`answers::write_back`, `report::milestone`,
//! `remediation::write_back`), and settles it. A failed attempt is tried
//! again after [`backoff`], until [`MAX_ATTEMPTS`]; then it is given up and
//! the page says so. A server killed mid-delivery lets its claim lapse and
//! another delivers the write again, which each kind makes harmless: an
//! answer AWS already has is not written twice, a milestone carries its
//! request token, a workflow update sets a state.
//!
//! The change's own request delivers its write at once ([`Outbox::deliver_now`])
//! so people see what AWS said; the background job ([`spawn`]) delivers
//! what is due on every server, and two servers never send the same write
//! at the same time.

pub mod store;

use std::time::Duration;

use app::domain::outbox::{WriteKind, WriteState};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::aws::clients::SourceClients;
use crate::scoring::model::Weights;

/// Attempts before a write is given up: about three hours of trying.
pub const MAX_ATTEMPTS: i32 = 10;

/// How often each server looks for writes that are due, and how long a
/// server sending a write holds it before another may (`[outbox]`).
#[derive(Clone, Copy, Debug, PartialEq, serde::Deserialize)]
pub struct OutboxSettings {
    #[serde(with = "humantime_serde")]
    pub every: Duration,
    #[serde(with = "humantime_serde")]
    pub claim: Duration,
}

impl Default for OutboxSettings {
    fn default() -> Self {
        OutboxSettings { every: Duration::from_secs(10), claim: Duration::from_secs(120) }
    }
}

impl OutboxSettings {
    fn claim_secs(&self) -> i32 {
        i32::try_from(self.claim.as_secs().max(1)).unwrap_or(i32::MAX)
    }
}

/// How long a request waits for its write when another server sends it,
/// in tenths of a second.
const WAIT_TENTHS: u32 = 50;

/// Writes one round claims at most.
const ROUND: i64 = 25;

/// The wait after the `attempts`-th failed attempt: 30 s, doubling, at
/// most an hour.
pub fn backoff(attempts: i32) -> Duration {
    let doublings = u32::try_from(attempts.saturating_sub(1)).unwrap_or(0).min(7);
    Duration::from_secs((30u64 << doublings).min(3600))
}

/// A write to queue.
#[derive(Clone, Debug)]
pub struct Write<'a> {
    pub kind: WriteKind,
    pub workload: Uuid,
    /// The remediation item, for a workflow update.
    pub item: Option<Uuid>,
    /// What it is about within the workload: the question, the milestone's
    /// name, the item.
    pub subject: &'a str,
    pub payload: serde_json::Value,
    pub actor: &'a str,
}

/// Queues a write in the caller's transaction. An answer or a workflow
/// update replaces the earlier ones of its subject not yet under way: only
/// the latest change is sent.
pub async fn enqueue(conn: &mut PgConnection, write: &Write<'_>) -> Result<i64, sqlx::Error> {
    let replaces = matches!(write.kind, WriteKind::Answer | WriteKind::FindingWorkflow);
    store::enqueue(conn, write, replaces).await
}

/// A write a server has claimed and is sending.
#[derive(Clone, Debug)]
pub struct Claimed {
    pub id: i64,
    pub kind: WriteKind,
    pub workload_id: Uuid,
    pub item_id: Option<Uuid>,
    pub subject: String,
    pub payload: serde_json::Value,
    pub actor: String,
    /// This attempt's number, from 1.
    pub attempts: i32,
}

/// What an attempt made of a write.
#[derive(Clone, Debug, PartialEq)]
pub enum Delivery {
    /// Sent (or nothing left to send): what became of it, and anything
    /// learnt to keep with it (a milestone's number).
    Done { outcome: String, learnt: serde_json::Value },
    /// The attempt failed; worth trying again.
    Failed(String),
    /// AWS refused it for good, or it can no longer be sent.
    GiveUp(String),
}

impl Delivery {
    pub fn done(outcome: impl Into<String>) -> Delivery {
        Delivery::Done { outcome: outcome.into(), learnt: serde_json::json!({}) }
    }
}

/// Where a write stands after an attempt.
#[derive(Clone, Debug, PartialEq)]
pub struct Settled {
    pub state: WriteState,
    pub delivery: Delivery,
}

impl From<store::WriteRow> for Settled {
    fn from(write: store::WriteRow) -> Settled {
        let error = write.last_error.unwrap_or_default();
        let delivery = match write.state {
            WriteState::Done | WriteState::Replaced => Delivery::Done {
                outcome: write.outcome.unwrap_or_else(|| "replaced by a later change".to_owned()),
                learnt: write.payload,
            },
            WriteState::GivenUp => Delivery::GiveUp(error),
            WriteState::Queued | WriteState::Retrying => Delivery::Failed(error),
        };
        Settled { state: write.state, delivery }
    }
}

/// What one round delivered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Round {
    pub done: u64,
    pub retrying: u64,
    pub given_up: u64,
}

/// What delivery needs: the database, the clients that write to AWS, and
/// the score's weights (an answer AWS took moves the score).
#[derive(Clone)]
pub struct Outbox {
    pub pool: PgPool,
    pub clients: SourceClients,
    pub weights: Weights,
    pub settings: OutboxSettings,
}

impl Outbox {
    pub fn new(pool: PgPool, clients: SourceClients, weights: Weights) -> Outbox {
        Outbox { pool, clients, weights, settings: OutboxSettings::default() }
    }

    /// The same, with these settings.
    pub fn with_settings(self, settings: OutboxSettings) -> Outbox {
        Outbox { settings, ..self }
    }

    /// Delivers every write that is due now, a round at a time.
    #[tracing::instrument(skip_all)]
    pub async fn deliver_due(&self) -> Result<Round, sqlx::Error> {
        let mut round = Round::default();
        loop {
            let claimed = store::claim_due(&self.pool, self.settings.claim_secs(), ROUND).await?;
            if claimed.is_empty() {
                return Ok(round);
            }
            for write in claimed {
                match self.attempt(write).await?.state {
                    WriteState::Done => round.done += 1,
                    WriteState::Retrying => round.retrying += 1,
                    _ => round.given_up += 1,
                }
            }
        }
    }

    /// Delivers one write now, for the request that queued it. If another
    /// server's round took it first, waits a few seconds for that delivery;
    /// `None` when it is still under way (or not due).
    pub async fn deliver_now(&self, id: i64) -> Result<Option<Settled>, sqlx::Error> {
        if let Some(write) = store::claim(&self.pool, id, self.settings.claim_secs()).await? {
            return self.attempt(write).await.map(Some);
        }
        for _ in 0..WAIT_TENTHS {
            // Queued still: an older write of its subject is under way.
            if let Some(write) = store::settled(&self.pool, id).await?.filter(|w| w.state != WriteState::Queued) {
                return Ok(Some(Settled::from(write)));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Ok(None)
    }

    /// Delivers what is due in the background, after a change.
    pub fn deliver_soon(&self) {
        let outbox = self.clone();
        tokio::spawn(async move {
            if let Err(error) = outbox.deliver_due().await {
                tracing::warn!(%error, "could not deliver the writes to AWS; the next round tries again");
            }
        });
    }

    #[tracing::instrument(skip_all, fields(write = write.id, kind = write.kind.as_str(), attempt = write.attempts))]
    async fn attempt(&self, write: Claimed) -> Result<Settled, sqlx::Error> {
        let delivery = match write.kind {
            WriteKind::Answer => crate::answers::deliver(self, &write).await,
            WriteKind::Milestone => crate::report::milestone::deliver(self, &write).await,
            WriteKind::FindingWorkflow => crate::remediation::write_back::deliver(self, &write).await,
        }
        .unwrap_or_else(|error| Delivery::Failed(format!("the database is unavailable: {error}")));
        let state = match &delivery {
            Delivery::Done { outcome, learnt } => {
                store::done(&self.pool, write.id, outcome, learnt).await?;
                WriteState::Done
            }
            Delivery::Failed(error) if write.attempts < MAX_ATTEMPTS => {
                let wait = backoff(write.attempts);
                tracing::warn!(%error, wait_secs = wait.as_secs(), "a write to AWS failed; it is tried again");
                store::retry(&self.pool, write.id, error, wait.as_secs() as i64).await?;
                WriteState::Retrying
            }
            Delivery::Failed(error) | Delivery::GiveUp(error) => {
                tracing::warn!(%error, "a write to AWS is given up");
                store::give_up(&self.pool, write.id, error).await?;
                if write.kind == WriteKind::Answer {
                    crate::answers::given_up(&self.pool, &write, error).await?;
                }
                WriteState::GivenUp
            }
        };
        Ok(Settled { state, delivery })
    }
}

/// Delivers the writes that are due, every few seconds, on every server.
pub fn spawn(outbox: Outbox) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(outbox.settings.every);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            match outbox.deliver_due().await {
                Ok(round) if round == Round::default() => {}
                Ok(round) => tracing::info!(
                    done = round.done,
                    retrying = round.retrying,
                    given_up = round.given_up,
                    "writes to AWS delivered"
                ),
                Err(error) => tracing::debug!(%error, "the writes to AWS are delivered at the next look"),
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_write_waits_30_seconds_then_twice_as_long_each_time_up_to_an_hour() {
        let waits: Vec<u64> = (1..=MAX_ATTEMPTS).map(|attempt| backoff(attempt).as_secs()).collect();
        assert_eq!(waits, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]);
        let total: u64 = waits.iter().take(MAX_ATTEMPTS as usize - 1).sum();
        assert!((2 * 3600..4 * 3600).contains(&total), "about three hours of trying: {total} s");
    }
}
