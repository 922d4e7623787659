//! Loading and removing the demo organisation, through the normal sync.

use std::time::Duration;

use serde_json::json;
use sqlx::PgPool;

use super::{DEMO_SOURCE, DemoSource, DemoSpec};
use crate::db;
use crate::sync::progress::Progress;
use crate::sync::summary::SourceSummary;
use crate::sync::{SyncOptions, sync_source};

/// Loads (or refreshes) the demo organisation: the demo source is synced
/// like any other, in full, so loading twice gives the same rows.
pub async fn load(
    pool: &PgPool,
    spec: DemoSpec,
    options: &SyncOptions,
    progress: &dyn Progress,
) -> Result<SourceSummary, sqlx::Error> {
    sync_demo(pool, spec, &SyncOptions { full: true, ..options.clone() }, progress).await
}

/// Syncs the demo organisation again reading only the findings updated
/// since its last sync, as an incremental sync of AWS does: what a resync
/// of an organisation where little changed costs.
pub async fn resync(
    pool: &PgPool,
    spec: DemoSpec,
    options: &SyncOptions,
    progress: &dyn Progress,
) -> Result<SourceSummary, sqlx::Error> {
    sync_demo(pool, spec, &SyncOptions { full: false, ..options.clone() }, progress).await
}

async fn sync_demo(
    pool: &PgPool,
    spec: DemoSpec,
    options: &SyncOptions,
    progress: &dyn Progress,
) -> Result<SourceSummary, sqlx::Error> {
    let shown =
        json!({ "findings": spec.findings, "accounts": spec.accounts, "workloads": spec.workloads, "seed": spec.seed });
    // The demo never syncs on its own; a year stands for "on demand".
    let source_id = db::sources::upsert(pool, DEMO_SOURCE, "demo", &shown, 365 * 24 * 3600).await?;
    let source = DemoSource::new(spec);
    let options = SyncOptions { incremental_margin: Duration::ZERO, ..options.clone() };
    let summary = sync_source(pool, &source, source_id, &options, progress).await;
    if summary.status != crate::sync::summary::RunStatus::Failed {
        history(pool).await?;
    }
    Ok(summary)
}

/// Weekly score snapshots for the last twelve weeks, so the demo's trend
/// lines have a history to draw: made up, like the rest of the demo, each
/// workload and pillar improving at its own pace towards today's score.
/// Real sources build their history one sync at a time.
async fn history(pool: &PgPool) -> Result<(), sqlx::Error> {
    db::scores::make_up_history(pool, "demo history").await
}

/// Removes everything the demo loaded; real sources' data stays.
pub async fn remove(pool: &PgPool) -> Result<u64, sqlx::Error> {
    db::sources::remove_kind(pool, "demo").await
}
