//! The admin pages' reads: users, the audit log and the sources.

use app::domain::admin::{AuditPage, AuditQuery, SourceLine, SourcesPage, UserLine};
use app::error::AppError;
use app::ports::AdminReads;

use super::{PgDashboard, database_error};
use crate::db::admin_reads;

#[async_trait::async_trait]
impl AdminReads for PgDashboard {
    async fn tokens(&self, user: uuid::Uuid) -> Result<Vec<app::domain::account::TokenLine>, AppError> {
        crate::auth::tokens::list(&self.pool, user).await.map_err(database_error)
    }

    async fn users(&self) -> Result<Vec<UserLine>, AppError> {
        admin_reads::users(&self.pool).await.map_err(database_error)
    }

    async fn audit(&self, query: AuditQuery) -> Result<AuditPage, AppError> {
        admin_reads::audit(&self.pool, &query).await.map_err(database_error)
    }

    async fn packs(&self) -> Result<Vec<app::domain::checklists::PackSummary>, AppError> {
        self.pack_summaries().await
    }

    async fn sources(&self) -> Result<SourcesPage, AppError> {
        let statuses = self.sources_with_last_run().await?;
        let settings = admin_reads::source_settings(&self.pool).await.map_err(database_error)?;
        let sources = statuses
            .into_iter()
            .map(|status| {
                let shown =
                    settings.iter().find(|(id, _)| *id == status.id).map(|(_, settings)| setting_lines(settings));
                SourceLine { status, settings: shown.unwrap_or_default() }
            })
            .collect();
        Ok(SourcesPage { sources, now: chrono::Utc::now() })
    }
}

impl PgDashboard {
    pub(super) async fn pack_summaries(&self) -> Result<Vec<app::domain::checklists::PackSummary>, AppError> {
        admin_reads::pack_summaries(&self.pool).await.map_err(database_error)
    }
}

/// A source's stored settings as name and value, lists joined.
fn setting_lines(settings: &serde_json::Value) -> Vec<(String, String)> {
    let Some(object) = settings.as_object() else { return Vec::new() };
    object
        .iter()
        .map(|(name, value)| {
            let text = match value {
                serde_json::Value::String(text) => text.clone(),
                serde_json::Value::Array(items) => items
                    .iter()
                    .map(|item| item.as_str().map_or_else(|| item.to_string(), str::to_owned))
                    .collect::<Vec<_>>()
                    .join(", "),
                serde_json::Value::Null => "none".to_owned(),
                other => other.to_string(),
            };
            (name.replace('_', " "), text)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::setting_lines;

    #[test]
    fn settings_show_as_names_and_values_with_lists_joined() {
        let lines =
            setting_lines(&json!({ "regions": ["eu-west-1", "us-east-1"], "role_arn": null, "interval": 3600 }));
        assert!(lines.contains(&("regions".into(), "eu-west-1, us-east-1".into())));
        assert!(lines.contains(&("role arn".into(), "none".into())));
        assert!(lines.contains(&("interval".into(), "3600".into())));
    }
}
