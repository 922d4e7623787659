//! Syncing the sources named in the configuration on demand (`plinth
//! sync`); `schedule` syncs them on their intervals (`plinth serve`).

use sqlx::PgPool;
use std::sync::Arc;

use super::progress::Progress;
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
    let aws = source_for(settings, source).await;
    Ok(sync_source(pool, &aws, source_id, options, progress).await)
}

/// The AWS source behind a configured source, with its SDK clients.
pub async fn source_for(settings: &Settings, source: SourceSettings) -> AwsSource {
    let clients = SdkClientFactory::load(source.clone(), &settings.aws).await;
    AwsSource::new(source, Arc::new(clients))
}

/// Creates or updates the source's row (without secrets) for the UI.
pub async fn register(pool: &PgPool, source: &SourceSettings) -> Result<uuid::Uuid, sqlx::Error> {
    let shown = serde_json::to_value(source).expect("BUG: source settings serialize to JSON");
    let interval = i32::try_from(source.sync_interval.as_secs()).unwrap_or(i32::MAX);
    db::sources::upsert(pool, &source.name, "aws", &shown, interval).await
}
