//! The admin pages' reads: users, the audit log and the sources.

use app::domain::Role;
use app::domain::admin::{AUDIT_PAGE_SIZE, AuditEntry, AuditPage, AuditQuery, SourceLine, SourcesPage, UserLine};
use app::error::AppError;
use app::ports::AdminReads;

use super::{PgDashboard, database_error};

#[async_trait::async_trait]
impl AdminReads for PgDashboard {
    async fn tokens(&self, user: uuid::Uuid) -> Result<Vec<app::domain::account::TokenLine>, AppError> {
        crate::auth::tokens::list(&self.pool, user).await.map_err(database_error)
    }

    async fn users(&self) -> Result<Vec<UserLine>, AppError> {
        let rows = sqlx::query!(
            r#"SELECT id, email, display_name, role AS "role: Role", password_hash IS NOT NULL AS "has_password!",
                      sso_issuer IS NOT NULL AS "sso!", disabled_at IS NOT NULL AS "disabled!",
                      created_at, last_sign_in_at
               FROM users ORDER BY email"#
        )
        .fetch_all(&self.pool)
        .await
        .map_err(database_error)?;
        Ok(rows
            .into_iter()
            .map(|row| UserLine {
                id: row.id,
                email: row.email,
                display_name: row.display_name,
                role: row.role,
                has_password: row.has_password,
                sso: row.sso,
                disabled: row.disabled,
                created_at: row.created_at,
                last_sign_in_at: row.last_sign_in_at,
            })
            .collect())
    }

    async fn audit(&self, query: AuditQuery) -> Result<AuditPage, AppError> {
        let rows = sqlx::query!(
            r#"SELECT id, at, actor, action, target, before, after FROM audit_log
               WHERE ($1::text IS NULL OR actor = $1)
                 AND ($2::text IS NULL OR action = $2)
                 AND ($3::text IS NULL OR strpos(lower(target), lower($3)) > 0)
                 AND ($4::int8 IS NULL OR id < $4)
               ORDER BY id DESC LIMIT $5"#,
            query.actor,
            query.action,
            query.target,
            query.before,
            AUDIT_PAGE_SIZE + 1
        )
        .fetch_all(&self.pool)
        .await
        .map_err(database_error)?;
        let more = rows.len() as i64 > AUDIT_PAGE_SIZE;
        let pretty = |value: Option<serde_json::Value>| {
            value.map(|value| serde_json::to_string_pretty(&value).unwrap_or_else(|_| value.to_string()))
        };
        let entries: Vec<AuditEntry> = rows
            .into_iter()
            .take(AUDIT_PAGE_SIZE as usize)
            .map(|row| AuditEntry {
                id: row.id,
                at: row.at,
                actor: row.actor,
                action: row.action,
                target: row.target,
                before: pretty(row.before),
                after: pretty(row.after),
            })
            .collect();
        let older = if more { entries.last().map(|entry| entry.id) } else { None };
        let actions = sqlx::query_scalar!(r#"SELECT DISTINCT action AS "action!" FROM audit_log ORDER BY 1"#)
            .fetch_all(&self.pool)
            .await
            .map_err(database_error)?;
        Ok(AuditPage { entries, older, actions })
    }

    async fn packs(&self) -> Result<Vec<app::domain::checklists::PackSummary>, AppError> {
        self.pack_summaries().await
    }

    async fn sources(&self) -> Result<SourcesPage, AppError> {
        let statuses = self.sources_with_last_run().await?;
        let settings =
            sqlx::query!("SELECT id, settings FROM sources").fetch_all(&self.pool).await.map_err(database_error)?;
        let sources = statuses
            .into_iter()
            .map(|status| {
                let shown = settings.iter().find(|row| row.id == status.id).map(|row| setting_lines(&row.settings));
                SourceLine { status, settings: shown.unwrap_or_default() }
            })
            .collect();
        Ok(SourcesPage { sources, now: chrono::Utc::now() })
    }
}

impl PgDashboard {
    pub(super) async fn pack_summaries(&self) -> Result<Vec<app::domain::checklists::PackSummary>, AppError> {
        let rows = sqlx::query!(
            r#"SELECT p.id, p.name, p.description, p.version, p.built_in,
                      count(i.item_id) FILTER (WHERE NOT i.retired) AS "items!"
               FROM checklist_packs p LEFT JOIN checklist_items i ON i.pack_id = p.id
               GROUP BY p.id ORDER BY p.position, p.name"#
        )
        .fetch_all(&self.pool)
        .await
        .map_err(database_error)?;
        Ok(rows
            .into_iter()
            .map(|row| app::domain::checklists::PackSummary {
                id: row.id,
                name: row.name,
                description: row.description,
                version: row.version,
                built_in: row.built_in,
                items: row.items as u32,
            })
            .collect())
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
