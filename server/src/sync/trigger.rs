//! "Sync now" from the sync page: starts a source's sync in the background
//! and returns at once; the page follows the run through `sync_runs`.

use app::error::AppError;
use app::ports::SyncControl;
use sqlx::PgPool;
use uuid::Uuid;

use super::SyncOptions;
use super::configured::sync_configured;
use super::progress::LogProgress;
use crate::config::Settings;
use crate::db;
use crate::demo::DemoSpec;

pub struct BackgroundSyncs {
    pool: PgPool,
    settings: Settings,
}

impl BackgroundSyncs {
    pub fn new(pool: PgPool, settings: Settings) -> Self {
        BackgroundSyncs { pool, settings }
    }
}

#[async_trait::async_trait]
impl SyncControl for BackgroundSyncs {
    async fn sync_now(&self, source: Uuid, actor: String) -> Result<(), AppError> {
        let found = crate::db::sources::by_id(&self.pool, source)
            .await
            .map_err(unavailable)?
            .ok_or_else(|| AppError::NotFound("That source".into()))?;
        if is_syncing(&self.pool, source).await.map_err(unavailable)? {
            return Err(AppError::Conflict(format!("A sync of {} is already running.", found.name)));
        }
        if found.kind != "demo"
            && !self.settings.sources.is_empty()
            && !self.settings.sources.iter().any(|configured| configured.name == found.name)
        {
            return Err(AppError::NotFound(format!("The configured source {}", found.name)));
        }
        // Only a sync that starts is in the audit log.
        let mut conn = self.pool.acquire().await.map_err(unavailable)?;
        let after = serde_json::json!({ "source": found.name, "kind": found.kind });
        crate::auth::audit::record(&mut conn, &actor, "sync.start", &found.name, None, Some(after))
            .await
            .map_err(unavailable)?;
        drop(conn);
        let pool = self.pool.clone();
        let settings = self.settings.clone();
        match found.kind.as_str() {
            "demo" => {
                let spec = demo_spec(&found.settings);
                let options = SyncOptions::from_settings(&settings, true);
                tokio::spawn(async move {
                    if let Err(error) = crate::demo::load::load(&pool, spec, &options, &LogProgress).await {
                        tracing::error!(error = %error, "the demo sync could not run");
                    }
                });
            }
            _ => {
                let name = found.name.clone();
                tokio::spawn(async move {
                    let only = (!settings.sources.is_empty()).then_some(name.as_str());
                    match sync_configured(&pool, &settings, only, false, &LogProgress).await {
                        Ok(summary) => tracing::info!(runs = summary.sources.len(), "sync now finished"),
                        Err(error) => tracing::error!(error = %error, "sync now could not start"),
                    }
                });
            }
        }
        tracing::info!(source = %found.name, "sync started");
        Ok(())
    }
}

/// Whether a sync holds the source's lock right now, looked up without
/// taking the lock (taking it, even briefly, could turn away a scheduled
/// sync). A run left `running` by a process that died does not count: its
/// lock died with it.
async fn is_syncing(pool: &PgPool, source: Uuid) -> Result<bool, sqlx::Error> {
    db::sync_runs::lock_is_held(pool, db::sources::lock_key(source)).await
}

/// The demo's size as it was loaded, from the settings it was stored with.
fn demo_spec(settings: &serde_json::Value) -> DemoSpec {
    let default = DemoSpec::default();
    let number = |key: &str, fallback: u64| settings.get(key).and_then(serde_json::Value::as_u64).unwrap_or(fallback);
    DemoSpec {
        findings: usize::try_from(number("findings", default.findings as u64)).unwrap_or(default.findings),
        accounts: usize::try_from(number("accounts", default.accounts as u64)).unwrap_or(default.accounts),
        workloads: usize::try_from(number("workloads", default.workloads as u64)).unwrap_or(default.workloads),
        seed: number("seed", default.seed),
    }
}

fn unavailable(error: sqlx::Error) -> AppError {
    tracing::error!(error = %error, "sync now failed");
    AppError::Unavailable
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_syncs_again_at_the_size_it_was_loaded_with() {
        let spec = demo_spec(&serde_json::json!({ "findings": 1000, "accounts": 7, "workloads": 2, "seed": 5 }));
        assert_eq!((spec.findings, spec.accounts, spec.workloads, spec.seed), (1000, 7, 2, 5));
        let spec = demo_spec(&serde_json::json!({}));
        assert_eq!(spec.findings, DemoSpec::default().findings);
    }
}
