//! When `plinth serve` syncs each configured source: once per interval,
//! measured from the end of the source's last run (so a long run never
//! makes the next one start at once), plus a jitter of the source's own so
//! that two hundred sources do not all start in the same second.
//!
//! Several servers may run the scheduler on one database. They agree on
//! when a source is due, because the plan depends only on the database and
//! the source's name; and a run starts only under the source's lock after
//! checking, under that lock, that the source is still due. So a source
//! never syncs twice in one interval, whichever server gets there first.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use tokio::sync::Semaphore;
use uuid::Uuid;

use super::configured::{register, source_for};
use super::progress::LogProgress;
use super::{SyncOptions, sync_source_if_due};
use crate::config::Settings;
use crate::db;
use crate::sources::settings::SourceSettings;

/// The longest jitter: a tenth of the interval, and never more than this.
const MAX_JITTER: Duration = Duration::from_secs(60);

/// How late after the interval the source starts: the same for every
/// server, different for each source name (FNV-1a of the name).
pub fn jitter(name: &str, interval: Duration) -> Duration {
    let hash = name
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3));
    let fraction = (hash % 10_000) as f64 / 10_000.0;
    (interval / 10).min(MAX_JITTER).mul_f64(fraction)
}

/// When the source is next due: its interval and jitter after its last run
/// ended, or its jitter after the scheduler started if it never ran.
pub fn next_run(
    name: &str,
    interval: Duration,
    last_finished: Option<DateTime<Utc>>,
    scheduler_started: DateTime<Utc>,
) -> DateTime<Utc> {
    let after = |from: DateTime<Utc>, wait: Duration| {
        from + chrono::Duration::from_std(wait).unwrap_or_else(|_| chrono::Duration::days(365))
    };
    match last_finished {
        Some(finished) => after(finished, interval + jitter(name, interval)),
        None => after(scheduler_started, jitter(name, interval)),
    }
}

/// How often the scheduler looks: often enough that a source starts within
/// a twentieth of its interval of being due.
fn wake_every(sources: &[SourceSettings]) -> Duration {
    let shortest = sources.iter().map(|source| source.sync_interval).min().unwrap_or(Duration::from_secs(3600));
    (shortest / 20).clamp(Duration::from_millis(100), Duration::from_secs(15))
}

/// Starts the scheduler for the configured sources, if there are any.
pub fn spawn(pool: PgPool, settings: Settings) -> Option<tokio::task::JoinHandle<()>> {
    if settings.sources.is_empty() {
        return None;
    }
    Some(tokio::spawn(run(pool, settings)))
}

/// What one server's scheduler knows between looks.
struct Scheduler {
    pool: PgPool,
    settings: Settings,
    options: SyncOptions,
    started: DateTime<Utc>,
    /// At most `sync.sources_at_once` sources sync at once from here.
    slots: Arc<Semaphore>,
    /// Sources this server is syncing now.
    running: Arc<Mutex<HashSet<String>>>,
    ids: HashMap<String, Uuid>,
    /// The plans last written, so a plan is written when it changes.
    planned: HashMap<Uuid, DateTime<Utc>>,
    /// Whether the last look failed, so a database away is logged once.
    failing: bool,
}

async fn run(pool: PgPool, settings: Settings) {
    let every = wake_every(&settings.sources);
    let mut scheduler = Scheduler {
        options: SyncOptions::from_settings(&settings, false),
        slots: Arc::new(Semaphore::new(settings.sync.sources_at_once.max(1))),
        started: Utc::now(),
        running: Arc::default(),
        ids: HashMap::new(),
        planned: HashMap::new(),
        failing: false,
        pool,
        settings,
    };
    tracing::info!(sources = scheduler.settings.sources.len(), every = ?every, "scheduled syncs are on");
    loop {
        match scheduler.look().await {
            Ok(()) if scheduler.failing => {
                scheduler.failing = false;
                tracing::info!("the scheduler reaches the database again");
            }
            Ok(()) => {}
            Err(error) if !scheduler.failing => {
                scheduler.failing = true;
                tracing::warn!(%error, "the scheduler cannot reach the database; no sync starts until it can");
            }
            Err(_) => {}
        }
        tokio::time::sleep(every).await;
    }
}

impl Scheduler {
    /// Plans every source and starts those that are due, while slots last.
    async fn look(&mut self) -> Result<(), sqlx::Error> {
        let finished = db::sync_runs::last_finished_by_source(&self.pool).await?;
        for source in self.settings.sources.clone() {
            let id = match self.ids.get(&source.name) {
                Some(id) => *id,
                None => {
                    let id = register(&self.pool, &source).await?;
                    self.ids.insert(source.name.clone(), id);
                    id
                }
            };
            let due = next_run(&source.name, source.sync_interval, finished.get(&id).copied(), self.started);
            if self.planned.get(&id) != Some(&due) {
                db::sources::plan_next_sync(&self.pool, id, due).await?;
                self.planned.insert(id, due);
            }
            if due > Utc::now() || self.is_running(&source.name) {
                continue;
            }
            // Every slot busy: the source waits for the next look.
            let Ok(slot) = self.slots.clone().try_acquire_owned() else { continue };
            let running = Running::mark(&self.running, &source.name);
            let (pool, settings, options) = (self.pool.clone(), self.settings.clone(), self.options.clone());
            let started = self.started;
            tokio::spawn(async move {
                sync_when_due(&pool, &settings, source, id, &options, started).await;
                drop((running, slot));
            });
        }
        Ok(())
    }

    fn is_running(&self, name: &str) -> bool {
        self.running.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).contains(name)
    }
}

/// A source this server is syncing, until dropped (also by a panic).
struct Running {
    names: Arc<Mutex<HashSet<String>>>,
    name: String,
}

impl Running {
    fn mark(names: &Arc<Mutex<HashSet<String>>>, name: &str) -> Running {
        names.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).insert(name.to_owned());
        Running { names: names.clone(), name: name.to_owned() }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.names.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).remove(&self.name);
    }
}

/// Syncs the source if, under its lock, it is still due: another server
/// may have synced it since this one looked.
#[tracing::instrument(skip_all, fields(source = %source.name))]
async fn sync_when_due(
    pool: &PgPool,
    settings: &Settings,
    source: SourceSettings,
    id: Uuid,
    options: &SyncOptions,
    started: DateTime<Utc>,
) {
    let (name, interval) = (source.name.clone(), source.sync_interval);
    let aws = source_for(settings, source).await;
    let due = |last_finished| next_run(&name, interval, last_finished, started) <= Utc::now();
    match sync_source_if_due(pool, &aws, id, options, &LogProgress, due).await {
        Some(summary) => {
            tracing::info!(status = summary.status.as_str(), "scheduled sync finished");
        }
        None => tracing::debug!("another server synced the source first"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + seconds, 0).expect("a time")
    }

    #[test]
    fn a_source_is_due_an_interval_and_its_jitter_after_its_last_run_ended() {
        let hour = Duration::from_secs(3600);
        let jitter = jitter("prod", hour);
        let next = next_run("prod", hour, Some(at(100)), at(0));
        assert_eq!(next, at(100) + chrono::Duration::from_std(hour + jitter).expect("a duration"));
    }

    #[test]
    fn a_source_that_never_ran_is_due_its_jitter_after_the_scheduler_started() {
        let hour = Duration::from_secs(3600);
        let next = next_run("prod", hour, None, at(0));
        assert_eq!(next, at(0) + chrono::Duration::from_std(jitter("prod", hour)).expect("a duration"));
    }

    #[test]
    fn the_jitter_is_at_most_a_tenth_of_the_interval_and_a_minute() {
        for name in ["a", "prod", "org-payments-eu", "b"] {
            assert!(jitter(name, Duration::from_secs(60)) < Duration::from_secs(6));
            assert!(jitter(name, Duration::from_secs(86_400)) < MAX_JITTER);
        }
    }

    #[test]
    fn two_hundred_sources_start_spread_over_the_jitter_window() {
        let hour = Duration::from_secs(3600);
        let seconds: HashSet<u64> = (0..200).map(|n| jitter(&format!("account-group-{n}"), hour).as_secs()).collect();
        assert!(seconds.len() > 40, "200 sources start in {} different seconds", seconds.len());
    }

    #[test]
    fn the_scheduler_looks_often_enough_for_its_shortest_interval() {
        let mut fast = SourceSettings::default_source();
        fast.sync_interval = Duration::from_secs(2);
        let slow = SourceSettings::default_source();
        assert_eq!(wake_every(&[slow.clone(), fast]), Duration::from_millis(100));
        assert_eq!(wake_every(&[slow]), Duration::from_secs(15));
    }
}
