//! Workloads and their current pillar scores.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use sqlx::PgPool;
use sqlx::types::Json;
use uuid::Uuid;

/// A workload as stored, with its current scores gathered in one row.
#[derive(Debug)]
pub struct WorkloadRow {
    pub id: Uuid,
    pub name: String,
    pub environment: Option<String>,
    pub review_owner: Option<String>,
    pub account_count: i32,
    pub region_count: i32,
    pub updated_at: DateTime<Utc>,
    pub scores: Json<Vec<PillarScoreRow>>,
}

#[derive(Debug, Deserialize)]
pub struct PillarScoreRow {
    pub pillar: String,
    pub score: Option<f32>,
    pub coverage: f32,
}

/// Every workload with its current scores, by name.
#[tracing::instrument(skip_all)]
pub async fn list_with_scores(pool: &PgPool) -> Result<Vec<WorkloadRow>, sqlx::Error> {
    sqlx::query_as!(
        WorkloadRow,
        r#"
        SELECT w.id, w.name, w.environment, w.review_owner,
               cardinality(w.account_ids) AS "account_count!",
               cardinality(w.regions) AS "region_count!",
               w.updated_at,
               COALESCE(
                   jsonb_agg(jsonb_build_object(
                       'pillar', s.pillar, 'score', s.score, 'coverage', s.coverage
                   ) ORDER BY s.pillar) FILTER (WHERE s.pillar IS NOT NULL),
                   '[]'::jsonb
               ) AS "scores!: Json<Vec<PillarScoreRow>>"
        FROM workloads w
        LEFT JOIN pillar_scores s ON s.workload_id = w.id
        GROUP BY w.id
        ORDER BY w.name, w.id
        "#
    )
    .fetch_all(pool)
    .await
}

/// How many workloads there are.
pub async fn count(pool: &PgPool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(r#"SELECT count(*) AS "count!" FROM workloads"#).fetch_one(pool).await
}
