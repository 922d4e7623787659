//! The sync engine: runs a source's slices (a bounded number at once) and
//! stores what each returns in one transaction per slice, so a failure
//! leaves that slice's previous data exactly as it was.

pub mod configured;
pub mod progress;
pub mod schedule;
pub mod summary;
pub mod trigger;
mod under_way;

use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::{StreamExt, stream};
use sqlx::PgPool;
use uuid::Uuid;

use self::progress::Progress;
use self::summary::{SliceOutcome, SourceSummary};
pub use self::under_way::interrupt_under_way;
use self::under_way::{INTERRUPTED_BY_STOP, UnderWay};
use crate::db::{accounts, config_rules, findings, locks, sources, sync_runs, wellarchitected};
use crate::scoring;
use crate::scoring::model::Weights;
use crate::sources::{Coverage, FetchError, Service, Slice, Source};

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

/// What every slice of a run shares.
#[derive(Clone, Copy)]
struct Run<'a> {
    pool: &'a PgPool,
    source: &'a dyn Source,
    source_id: Uuid,
    run_id: Uuid,
    options: &'a SyncOptions,
    progress: &'a dyn Progress,
    /// The accounts whose records an aggregator's slice keeps; `None`
    /// keeps every account it reports.
    kept: Option<&'a std::collections::HashSet<String>>,
}

impl Run<'_> {
    /// Whether a record of this account, read by this slice, is kept.
    fn keeps(&self, slice: &Slice, account_id: &str) -> bool {
        slice.coverage == Coverage::AccountRegion || self.kept.is_none_or(|kept| kept.contains(account_id))
    }
}

/// Pages, records fetched and rows stored by a slice.
#[derive(Default)]
struct Tally {
    pages: u64,
    fetched: u64,
    stored: u64,
    /// Whether the slice changed what is stored: wrote, archived or
    /// replaced anything.
    changed: bool,
}

#[tracing::instrument(skip_all, fields(service = %slice.service, account = %slice.account_id, region = %slice.region))]
async fn run_slice(run: &Run<'_>, slice: Slice) -> SliceOutcome {
    let Run { pool, run_id, progress, .. } = *run;
    progress.slice_started(&slice);
    let key = sync_runs::SliceKey {
        run_id,
        service: slice.service.as_str(),
        account_id: &slice.account_id,
        region: &slice.region,
    };
    let mut tally = Tally::default();
    let result = match sync_runs::start_slice(pool, &key).await {
        Err(error) => Err(store_error(pool, error)),
        Ok(()) => match slice.service {
            Service::SecurityHub => store_findings(run, &slice, &mut tally).await,
            Service::Config => store_config(run, &slice, &mut tally).await,
            Service::WellArchitected => store_well_architected(run, &slice, &mut tally).await,
        },
    };
    let error = result.err();
    if error.is_some() {
        // The transaction rolled back: nothing of this slice was stored.
        tally.stored = 0;
        tally.changed = false;
    }
    let outcome = SliceOutcome {
        slice: slice.clone(),
        pages: tally.pages,
        fetched: tally.fetched,
        stored: tally.stored,
        changed: tally.changed || tally.stored > 0,
        error,
    };
    if outcome.error.as_ref().is_some_and(|error| error.code.as_deref() == Some(DATABASE_UNAVAILABLE)) {
        // Recording it would only wait out the pool's timeout again.
        progress.slice_finished(&outcome);
        return outcome;
    }
    let recorded = sync_runs::finish_slice(
        pool,
        &key,
        &sync_runs::SliceResult {
            succeeded: outcome.error.is_none(),
            pages: clamp(outcome.pages),
            fetched: clamp(outcome.fetched),
            stored: clamp(outcome.stored),
            error_code: outcome.error.as_ref().and_then(|e| e.code.as_deref()),
            error_message: outcome.error.as_ref().map(|e| e.message.as_str()),
            request_id: outcome.error.as_ref().and_then(|e| e.request_id.as_deref()),
        },
    )
    .await;
    if let Err(error) = recorded {
        tracing::error!(error = %error, slice = %outcome.slice, "could not record the end of a slice");
    }
    progress.slice_finished(&outcome);
    outcome
}

fn clamp(count: u64) -> i32 {
    i32::try_from(count).unwrap_or(i32::MAX)
}

/// A slice's database failure: the database gone (so the run stops), or
/// the database refusing what was sent.
fn store_error(pool: &PgPool, error: sqlx::Error) -> FetchError {
    if crate::db::is_transient(&error) {
        return database_unavailable(database_gone(pool, &error));
    }
    tracing::error!(error = %error, "storing a slice failed");
    FetchError::new("store", format!("the database refused the data: {error}"))
}

fn scope(slice: &Slice) -> Option<(&str, &str)> {
    match slice.coverage {
        Coverage::AccountRegion => Some((&slice.account_id, &slice.region)),
        Coverage::WholeSource => None,
    }
}

/// Findings stream page by page into one transaction; only changed ones
/// are asked for unless the sync is full or the slice never synced.
#[tracing::instrument(skip_all)]
async fn store_findings(run: &Run<'_>, slice: &Slice, tally: &mut Tally) -> Result<(), FetchError> {
    let Run { pool, source, source_id, options, progress, .. } = *run;
    let since = if options.full {
        None
    } else {
        sync_runs::last_success(pool, source_id, slice.service.as_str(), &slice.account_id, &slice.region)
            .await
            .map_err(|error| store_error(pool, error))?
            .map(|last| last - options.incremental_margin)
    };
    let mut tx = pool.begin().await.map_err(|error| store_error(pool, error))?;
    let mut pages = source.findings(slice, since);
    let mut gathered: Vec<crate::sources::records::Finding> = Vec::with_capacity(findings::STATEMENT_ROWS);
    while let Some(page) = pages.next().await {
        let page = page?;
        tally.pages += 1;
        tally.fetched += page.len() as u64;
        gathered.extend(page.into_iter().filter(|finding| run.keeps(slice, &finding.account_id)));
        if gathered.len() >= findings::STATEMENT_ROWS {
            tally.stored +=
                findings::upsert_page(&mut tx, source_id, &gathered).await.map_err(|error| store_error(pool, error))?;
            gathered.clear();
        }
        progress.records_fetched(slice, tally.fetched);
    }
    if !gathered.is_empty() {
        tally.stored +=
            findings::upsert_page(&mut tx, source_id, &gathered).await.map_err(|error| store_error(pool, error))?;
    }
    if since.is_none() {
        let started = locks::transaction_time(&mut tx).await.map_err(|error| store_error(pool, error))?;
        let archived = findings::archive_unseen(&mut tx, source_id, scope(slice), started)
            .await
            .map_err(|error| store_error(pool, error))?;
        tally.changed |= archived > 0;
    }
    tx.commit().await.map_err(|error| store_error(pool, error))
}

/// A hash of records as read, to tell whether a snapshot changed since the
/// slice last stored one.
fn fingerprint(records: &impl std::fmt::Debug) -> i64 {
    use std::hash::Hasher;
    struct Hashing<'a>(&'a mut std::collections::hash_map::DefaultHasher);
    impl std::fmt::Write for Hashing<'_> {
        fn write_str(&mut self, text: &str) -> std::fmt::Result {
            self.0.write(text.as_bytes());
            Ok(())
        }
    }
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    let _ = std::fmt::write(&mut Hashing(&mut hasher), format_args!("{records:?}"));
    i64::from_ne_bytes(hasher.finish().to_ne_bytes())
}

/// Opens the slice's transaction, unless an incremental sync read exactly
/// what the slice stored last time: then nothing needs writing.
async fn changed_since_stored(
    pool: &PgPool,
    source_id: Uuid,
    slice: &Slice,
    full: bool,
    fingerprint: i64,
) -> Result<Option<sqlx::Transaction<'static, sqlx::Postgres>>, FetchError> {
    let mut tx = pool.begin().await.map_err(|error| store_error(pool, error))?;
    let service = slice.service.as_str();
    let stored = sync_runs::fingerprint(&mut tx, source_id, service, &slice.account_id, &slice.region)
        .await
        .map_err(|error| store_error(pool, error))?;
    if !full && stored == Some(fingerprint) {
        return Ok(None);
    }
    sync_runs::set_fingerprint(&mut tx, source_id, service, &slice.account_id, &slice.region, fingerprint)
        .await
        .map_err(|error| store_error(pool, error))?;
    Ok(Some(tx))
}

#[tracing::instrument(skip_all)]
async fn store_config(run: &Run<'_>, slice: &Slice, tally: &mut Tally) -> Result<(), FetchError> {
    let Run { pool, source, source_id, options, .. } = *run;
    let full = options.full;
    let mut snapshot = source.config(slice).await?;
    tally.pages = u64::from(snapshot.pages);
    tally.fetched = snapshot.record_count() as u64;
    snapshot.rules.retain(|rule| run.keeps(slice, &rule.account_id));
    snapshot.evaluations.retain(|evaluation| run.keeps(slice, &evaluation.account_id));
    snapshot.conformance_packs.retain(|pack| run.keeps(slice, &pack.account_id));
    let records = fingerprint(&(&snapshot.rules, &snapshot.evaluations, &snapshot.conformance_packs));
    let Some(mut tx) = changed_since_stored(pool, source_id, slice, full, records).await? else { return Ok(()) };
    tally.changed = true;
    config_rules::clear(&mut tx, source_id, scope(slice)).await.map_err(|error| store_error(pool, error))?;
    tally.stored += config_rules::insert_rules(&mut tx, source_id, &snapshot.rules)
        .await
        .map_err(|error| store_error(pool, error))?;
    tally.stored += config_rules::insert_evaluations(&mut tx, &snapshot.evaluations)
        .await
        .map_err(|error| store_error(pool, error))?;
    tally.stored += config_rules::insert_packs(&mut tx, source_id, &snapshot.conformance_packs)
        .await
        .map_err(|error| store_error(pool, error))?;
    tx.commit().await.map_err(|error| store_error(pool, error))
}

#[tracing::instrument(skip_all)]
async fn store_well_architected(run: &Run<'_>, slice: &Slice, tally: &mut Tally) -> Result<(), FetchError> {
    let Run { pool, source, source_id, options, .. } = *run;
    let full = options.full;
    let snapshot = source.well_architected(slice).await?;
    tally.pages = u64::from(snapshot.pages);
    tally.fetched = snapshot.record_count() as u64;
    let records = fingerprint(&snapshot.workloads);
    let Some(mut tx) = changed_since_stored(pool, source_id, slice, full, records).await? else { return Ok(()) };
    tally.changed = true;
    for workload in &snapshot.workloads {
        tally.stored += wellarchitected::store_workload(&mut tx, source_id, workload)
            .await
            .map_err(|error| store_error(pool, error))?;
    }
    let kept: Vec<String> = snapshot.workloads.iter().map(|workload| workload.id.clone()).collect();
    wellarchitected::remove_missing(&mut tx, source_id, scope(slice), &kept)
        .await
        .map_err(|error| store_error(pool, error))?;
    tx.commit().await.map_err(|error| store_error(pool, error))
}
