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
/// like any other, so loading twice gives the same rows.
pub async fn load(
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
    let options = SyncOptions { full: true, incremental_margin: Duration::ZERO, ..options.clone() };
    Ok(sync_source(pool, &source, source_id, &options, progress).await)
}

/// Removes everything the demo loaded; real sources' data stays.
pub async fn remove(pool: &PgPool) -> Result<u64, sqlx::Error> {
    db::sources::remove_kind(pool, "demo").await
}
