//! One slice of a sync: fetched page by page and stored in one
//! transaction, so a slice that fails leaves its previous data exactly as it
//! was; a slice whose records have not changed since the last sync writes
//! nothing.

use futures::StreamExt;
use sqlx::PgPool;
use uuid::Uuid;

use super::progress::Progress;
use super::summary::SliceOutcome;
use super::{DATABASE_UNAVAILABLE, SyncOptions, database_gone, database_unavailable};
use crate::db::{config_rules, findings, locks, sync_runs, wellarchitected};
use crate::sources::{Coverage, FetchError, Service, Slice, Source};

/// What every slice of a run shares.
#[derive(Clone, Copy)]
pub(super) struct Run<'a> {
    pub(super) pool: &'a PgPool,
    pub(super) source: &'a dyn Source,
    pub(super) source_id: Uuid,
    pub(super) run_id: Uuid,
    pub(super) options: &'a SyncOptions,
    pub(super) progress: &'a dyn Progress,
    /// The accounts whose records an aggregator's slice keeps; `None`
    /// keeps every account it reports.
    pub(super) kept: Option<&'a std::collections::HashSet<String>>,
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
pub(super) async fn run_slice(run: &Run<'_>, slice: Slice) -> SliceOutcome {
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
pub(super) fn store_error(pool: &PgPool, error: sqlx::Error) -> FetchError {
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
