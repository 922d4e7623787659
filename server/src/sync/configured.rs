//! Syncing the sources named in the configuration: on demand (`plinth
//! sync`) and on each source's interval (`plinth serve`).

use std::sync::Arc;
use std::time::Duration;

use sqlx::PgPool;

use super::progress::{LogProgress, Progress};
use super::summary::{SourceSummary, SyncSummary};
use super::{SyncOptions, sync_source};
use crate::aws::AwsSource;
use crate::aws::clients::SdkClientFactory;
use crate::config::Settings;
use crate::db;
use crate::sources::settings::SourceSettings;

#[derive(Debug, thiserror::Error)]
pub enum SyncSetupError {
    #[error("no source is named {wanted:?}; the configured sources are: {known}")]
    UnknownSource { wanted: String, known: String },
    #[error("the database is unavailable: {0}")]
    Database(#[from] sqlx::Error),
}

/// The configured sources, or the default one when none is configured.
pub fn sources_to_sync(settings: &Settings) -> Vec<SourceSettings> {
    if settings.sources.is_empty() { vec![SourceSettings::default_source()] } else { settings.sources.clone() }
}

impl SyncOptions {
    pub fn from_settings(settings: &Settings, full: bool) -> SyncOptions {
        SyncOptions {
            full,
            concurrency: settings.sync.concurrency,
            incremental_margin: settings.sync.incremental_margin,
            weights: settings.scoring,
        }
    }
}

/// Syncs every configured source, or only the one named.
pub async fn sync_configured(
    pool: &PgPool,
    settings: &Settings,
    only: Option<&str>,
    full: bool,
    progress: &dyn Progress,
) -> Result<SyncSummary, SyncSetupError> {
    let mut sources = sources_to_sync(settings);
    if let Some(wanted) = only {
        let known = sources.iter().map(|source| source.name.as_str()).collect::<Vec<_>>().join(", ");
        sources.retain(|source| source.name == wanted);
        if sources.is_empty() {
            return Err(SyncSetupError::UnknownSource { wanted: wanted.to_owned(), known });
        }
    }
    let options = SyncOptions::from_settings(settings, full);
    let mut summaries = Vec::new();
    for source in sources {
        summaries.push(sync_one(pool, settings, source, &options, progress).await?);
    }
    Ok(SyncSummary { sources: summaries })
}

async fn sync_one(
    pool: &PgPool,
    settings: &Settings,
    source: SourceSettings,
    options: &SyncOptions,
    progress: &dyn Progress,
) -> Result<SourceSummary, SyncSetupError> {
    let source_id = register(pool, &source).await?;
    let clients = SdkClientFactory::load(source.clone(), &settings.aws).await;
    let aws = AwsSource::new(source, Arc::new(clients));
    Ok(sync_source(pool, &aws, source_id, options, progress).await)
}

/// Creates or updates the source's row (without secrets) for the UI.
pub async fn register(pool: &PgPool, source: &SourceSettings) -> Result<uuid::Uuid, sqlx::Error> {
    let shown = serde_json::to_value(source).expect("BUG: source settings serialize to JSON");
    let interval = i32::try_from(source.sync_interval.as_secs()).unwrap_or(i32::MAX);
    db::sources::upsert(pool, &source.name, "aws", &shown, interval).await
}

/// How often the scheduler looks for a source that is due.
const SCHEDULER_TICK: Duration = Duration::from_secs(60);

/// Runs each configured source's sync on its interval, for as long as the
/// server runs. Several servers may share a database: the sync's lock makes
/// sure only one of them syncs a source at a time.
pub fn spawn_scheduler(pool: PgPool, settings: Settings) -> Option<tokio::task::JoinHandle<()>> {
    if settings.sources.is_empty() {
        return None;
    }
    Some(tokio::spawn(async move {
        let options = SyncOptions::from_settings(&settings, false);
        let mut tick = tokio::time::interval(SCHEDULER_TICK);
        loop {
            tick.tick().await;
            for source in &settings.sources {
                if let Err(error) = sync_if_due(&pool, &settings, source, &options).await {
                    tracing::warn!(source = %source.name, error = %error, "scheduled sync could not start");
                }
            }
        }
    }))
}

async fn sync_if_due(
    pool: &PgPool,
    settings: &Settings,
    source: &SourceSettings,
    options: &SyncOptions,
) -> Result<(), SyncSetupError> {
    let source_id = register(pool, source).await?;
    let interval = chrono::Duration::from_std(source.sync_interval).unwrap_or(chrono::Duration::hours(1));
    let last = db::sync_runs::last_started(pool, source_id).await?;
    if last.is_some_and(|last| chrono::Utc::now() - last < interval) {
        return Ok(());
    }
    let summary = sync_one(pool, settings, source.clone(), options, &LogProgress).await?;
    tracing::info!(source = %summary.name, status = summary.status.as_str(), "scheduled sync finished");
    Ok(())
}
