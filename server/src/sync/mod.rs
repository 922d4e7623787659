//! The sync engine: runs a source's slices (a bounded number at once) and
//! stores what each returns in one transaction per slice, so a failure
//! leaves that slice's previous data exactly as it was.

pub mod configured;
pub mod progress;
pub mod schedule;
mod slice;
pub mod summary;
pub mod trigger;
mod under_way;

use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::{StreamExt, stream};
use sqlx::PgPool;
use uuid::Uuid;

use self::progress::Progress;
use self::slice::{Run, run_slice, store_error};
use self::summary::{SliceOutcome, SourceSummary};
pub use self::under_way::interrupt_under_way;
use self::under_way::{INTERRUPTED_BY_STOP, UnderWay};
use crate::db::{accounts, locks, sources, sync_runs};
use crate::scoring;
use crate::scoring::model::Weights;
use crate::sources::{FetchError, Source};

#[derive(Clone, Debug)]
pub struct SyncOptions {
    /// Read every finding, not only those updated since the last sync.
    pub full: bool,
    /// How many slices run at once.
    pub concurrency: usize,
    pub incremental_margin: Duration,
    /// Scores are recomputed after every sync that stored anything.
    pub weights: Weights,
}

/// Marks runs left `running` by a process that stopped as failed, for every
/// source nobody is syncing now (run when the server starts).
pub async fn close_interrupted_runs(pool: &PgPool) -> Result<u64, sqlx::Error> {
    let mut connection = pool.acquire().await?;
    let stale = sync_runs::running_sources(&mut connection).await?;
    let mut closed = 0;
    for source_id in stale {
        let key = sources::lock_key(source_id);
        if locks::try_lock(&mut connection, key).await? {
            let result = sync_runs::close_interrupted(&mut connection, source_id).await;
            locks::unlock(&mut connection, key).await?;
            closed += result?;
        }
    }
    Ok(closed)
}

/// Syncs one source, unless another process is syncing it already: a
/// PostgreSQL advisory lock on the source is held for the whole run.
#[tracing::instrument(skip_all, fields(source = source.name()))]
pub async fn sync_source(
    pool: &PgPool,
    source: &dyn Source,
    source_id: Uuid,
    options: &SyncOptions,
    progress: &dyn Progress,
) -> SourceSummary {
    sync_source_if_due(pool, source, source_id, options, progress, |_| true)
        .await
        .expect("BUG: a source that is always due always syncs or fails")
}

/// Syncs one source if `due`, asked under the source's lock with when its
/// last run ended, says so; `None` (having done nothing) if it does not.
/// The scheduler asks under the lock so that two servers never both sync a
/// source in one interval.
pub async fn sync_source_if_due(
    pool: &PgPool,
    source: &dyn Source,
    source_id: Uuid,
    options: &SyncOptions,
    progress: &dyn Progress,
    due: impl Fn(Option<DateTime<Utc>>) -> bool,
) -> Option<SourceSummary> {
    let name = source.name();
    let unavailable = |error: sqlx::Error| SourceSummary::failed(name, None, database_gone(pool, &error));
    let mut lock = match pool.acquire().await {
        Ok(connection) => connection,
        Err(error) => return Some(unavailable(error)),
    };
    let key = sources::lock_key(source_id);
    match locks::try_lock(&mut lock, key).await {
        Ok(true) => {}
        Ok(false) => {
            return Some(SourceSummary::failed(name, None, "another Plinth process is syncing this source".into()));
        }
        Err(error) => return Some(unavailable(error)),
    }
    let summary = match sync_runs::last_finished(&mut lock, source_id).await {
        Ok(last_finished) if due(last_finished) => {
            Some(sync_holding_lock(pool, &mut lock, source, source_id, options, progress).await)
        }
        Ok(_) => None,
        Err(error) => Some(unavailable(error)),
    };
    if let Err(error) = locks::unlock(&mut lock, key).await {
        // The lock ends with the connection in any case.
        tracing::warn!(error = %error, "could not release the source's sync lock");
        drop(lock.detach());
    }
    summary
}

async fn sync_holding_lock(
    pool: &PgPool,
    lock: &mut sqlx::PgConnection,
    source: &dyn Source,
    source_id: Uuid,
    options: &SyncOptions,
    progress: &dyn Progress,
) -> SourceSummary {
    // Holding the lock, no other run of this source is under way: a run
    // still marked running was interrupted.
    if let Err(error) = sync_runs::close_interrupted(lock, source_id).await {
        tracing::warn!(error = %error, "could not close interrupted runs");
    }
    let summary = run(pool, source, source_id, options, progress).await;
    // A sync that wrote nothing changed no evidence: the checklists, items
    // and scores that follow it stand as they are, so a resync of an
    // organisation where nothing changed costs only its reading.
    if summary.status != summary::RunStatus::Failed && summary.changed {
        follow_the_evidence(pool, options, &summary).await;
    }
    summary
}

/// After a sync that stored something: the checklists, remediation items
/// and scores catch up with the new evidence.
#[tracing::instrument(skip_all, fields(run_id = ?summary.run_id))]
async fn follow_the_evidence(pool: &PgPool, options: &SyncOptions, summary: &SourceSummary) {
    if let Err(error) = crate::db::vacuum_evidence(pool).await {
        tracing::warn!(error = %error, "could not vacuum after a sync; scoring may be slower until autovacuum runs");
    }
    if let Err(error) = crate::db::finding_reads::refresh_control_failures(pool).await {
        tracing::error!(error = %error, "could not gather the failing controls after a sync");
    }
    let reason = format!("sync {}", summary.run_id.map(|id| id.to_string()).unwrap_or_default());
    match crate::checklists::evidence::follow(pool, &reason).await {
        Ok(followed) => {
            tracing::info!(ticked = followed.ticked, unticked = followed.unticked, "checklists follow the evidence")
        }
        Err(error) => tracing::error!(error = %error, "could not tick checklists from the evidence"),
    }
    match crate::remediation::follow::follow(pool, &reason).await {
        Ok(followed) => tracing::info!(
            resolved = followed.resolved,
            reopened = followed.reopened,
            flagged = followed.flagged,
            "remediation items follow the evidence"
        ),
        Err(error) => tracing::error!(error = %error, "could not follow the evidence for remediation items"),
    }
    if let Err(error) = scoring::recompute(pool, &options.weights, &reason).await {
        tracing::error!(error = %error, "could not recompute the scores after a sync");
    }
}

/// The one line said when the database goes away during a sync: which
/// database, what failed, and that nothing already stored was lost.
fn database_gone(pool: &PgPool, error: &sqlx::Error) -> String {
    format!(
        "the database {} cannot be reached ({error}), so the sync stopped; nothing stored before was lost, \
         and the run is closed as interrupted once the database is back",
        crate::db::location(pool)
    )
}

/// How long a sync waits for account names it reads beside its slices.
const NAMES_WAIT: Duration = Duration::from_secs(30);

/// The error code of a slice that failed because the database went away.
const DATABASE_UNAVAILABLE: &str = "DatabaseUnavailable";

/// A slice's failure because the database is out of reach.
fn database_unavailable(message: String) -> FetchError {
    FetchError { code: Some(DATABASE_UNAVAILABLE.to_owned()), ..FetchError::new("store", message) }
}

#[tracing::instrument(skip_all, fields(run_id = tracing::field::Empty, full = options.full))]
async fn run(
    pool: &PgPool,
    source: &dyn Source,
    source_id: Uuid,
    options: &SyncOptions,
    progress: &dyn Progress,
) -> SourceSummary {
    let name = source.name();
    let run_id = match sync_runs::start(pool, source_id, options.full).await {
        Ok(id) => id,
        Err(error) => return SourceSummary::failed(name, None, database_gone(pool, &error)),
    };
    tracing::Span::current().record("run_id", tracing::field::display(run_id));
    let Some(_under_way) = UnderWay::list(run_id) else {
        // The server began to stop between the run's row and this line.
        under_way::close_cut_short(pool, run_id).await;
        return SourceSummary::failed(name, Some(run_id), INTERRUPTED_BY_STOP.into());
    };
    let plan = match source.plan().await {
        Ok(plan) => plan,
        Err(error) => {
            record_finish(pool, run_id, "failed").await;
            return SourceSummary::failed(name, Some(run_id), error.to_string());
        }
    };
    if let Err(error) = accounts::record_discovery(pool, source_id, &plan.accounts).await {
        let message = store_error(pool, error).message;
        record_finish(pool, run_id, "failed").await;
        return SourceSummary::failed(name, Some(run_id), message);
    }
    let slices = plan.slices;
    let kept: Option<std::collections::HashSet<String>> =
        plan.aggregate_scope.map(|accounts| accounts.into_iter().collect());
    let run = Run { pool, source, source_id, run_id, options, progress, kept: kept.as_ref() };
    let run = &run;
    // Once a slice finds the database gone, the slices not yet started are
    // not started: each would only wait out the pool's timeout.
    let gone: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);
    let names = tokio::time::timeout(NAMES_WAIT, source.names());
    let slices = stream::iter(slices)
        .map(|slice| async {
            let already_gone = gone.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clone();
            if let Some(message) = already_gone {
                let error = database_unavailable(format!("not started: {message}"));
                return SliceOutcome { slice, pages: 0, fetched: 0, stored: 0, changed: false, error: Some(error) };
            }
            let outcome = run_slice(run, slice).await;
            if let Some(error) = outcome.error.as_ref().filter(|e| e.code.as_deref() == Some(DATABASE_UNAVAILABLE)) {
                gone.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).get_or_insert(error.message.clone());
            }
            outcome
        })
        .buffer_unordered(options.concurrency.max(1))
        .collect::<Vec<SliceOutcome>>();
    let (outcomes, names) = tokio::join!(slices, names);
    match names {
        Ok(names) if !names.is_empty() => {
            if let Err(error) = accounts::record_names(pool, &names).await {
                tracing::warn!(error = %error, "could not store the accounts' names");
            }
        }
        Ok(_) => {}
        Err(_) => tracing::info!(source = name, "no account names: Organizations did not answer in time"),
    }
    if let Some(message) = gone.into_inner().unwrap_or_else(|poisoned| poisoned.into_inner()) {
        // The run stays `running` until a process holding the source's
        // lock finds the database again and closes it as interrupted.
        tracing::error!(%run_id, "{message}");
        return SourceSummary::failed(name, Some(run_id), message);
    }
    let tried: Vec<_> = outcomes.iter().map(|outcome| (&outcome.slice, outcome.error.as_ref())).collect();
    let active: Vec<&str> =
        plan.accounts.iter().filter(|account| account.active).map(|account| account.id.as_str()).collect();
    if let Err(error) = accounts::record_attempts(pool, source_id, &active, &tried, &plan.failures).await {
        tracing::error!(error = %error, %run_id, "could not record how each account synced");
    }
    let summary = SourceSummary::from_outcomes(name, run_id, &outcomes, &plan.failures);
    record_finish(pool, run_id, summary.status.as_str()).await;
    summary
}

async fn record_finish(pool: &PgPool, run_id: Uuid, status: &str) {
    if let Err(error) = sync_runs::finish(pool, run_id, status).await {
        tracing::error!(error = %error, %run_id, "could not record the end of a sync run");
    }
}
