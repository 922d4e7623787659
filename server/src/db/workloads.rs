//! Workloads and their current pillar scores.

use app::domain::{Pillar, Risk};
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
    pub pillar: Pillar,
    pub score: Option<f32>,
    pub coverage: f32,
}

/// Every workload with its current scores, by name. Two plain reads
/// joined here: cheaper than gathering JSON per workload in SQL.
#[tracing::instrument(skip_all)]
pub async fn list_with_scores(pool: &PgPool) -> Result<Vec<WorkloadRow>, sqlx::Error> {
    let workloads = sqlx::query!(
        r#"SELECT id, name, environment, review_owner,
                  cardinality(account_ids) AS "account_count!", cardinality(regions) AS "region_count!", updated_at
           FROM workloads ORDER BY name, id"#
    )
    .fetch_all(pool)
    .await?;
    let scores = sqlx::query!(
        r#"SELECT workload_id, pillar AS "pillar: Pillar", score, coverage FROM pillar_scores ORDER BY pillar"#
    )
    .fetch_all(pool)
    .await?;
    let mut by_workload: std::collections::HashMap<Uuid, Vec<PillarScoreRow>> = std::collections::HashMap::new();
    for row in scores {
        by_workload.entry(row.workload_id).or_default().push(PillarScoreRow {
            pillar: row.pillar,
            score: row.score,
            coverage: row.coverage,
        });
    }
    Ok(workloads
        .into_iter()
        .map(|w| WorkloadRow {
            scores: Json(by_workload.remove(&w.id).unwrap_or_default()),
            id: w.id,
            name: w.name,
            environment: w.environment,
            review_owner: w.review_owner,
            account_count: w.account_count,
            region_count: w.region_count,
            updated_at: w.updated_at,
        })
        .collect())
}

/// Whether there is a workload with this id.
pub async fn exists(pool: &PgPool, id: Uuid) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(r#"SELECT EXISTS (SELECT 1 FROM workloads WHERE id = $1) AS "exists!""#, id)
        .fetch_one(pool)
        .await
}

/// The workloads named `name`, in any case.
pub async fn named(pool: &PgPool, name: &str) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar!("SELECT id FROM workloads WHERE lower(name) = lower($1) ORDER BY id", name)
        .fetch_all(pool)
        .await
}

/// How many workloads there are.
pub async fn count(pool: &PgPool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(r#"SELECT count(*) AS "count!" FROM workloads"#).fetch_one(pool).await
}

/// One workload as stored.
pub struct WorkloadDetailRow {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    pub environment: Option<String>,
    pub review_owner: Option<String>,
    pub account_ids: Vec<String>,
    pub regions: Vec<String>,
}

pub async fn detail(pool: &PgPool, id: Uuid) -> Result<Option<WorkloadDetailRow>, sqlx::Error> {
    sqlx::query_as!(
        WorkloadDetailRow,
        "SELECT id, name, description, environment, review_owner, account_ids, regions FROM workloads WHERE id = $1",
        id
    )
    .fetch_optional(pool)
    .await
}

/// A workload's stored pillar scores with their components.
pub struct PillarScoreDetailRow {
    pub pillar: Pillar,
    pub score: Option<f32>,
    pub review: Option<f32>,
    pub evidence: Option<f32>,
    pub checklist: Option<f32>,
    pub review_coverage: f32,
    pub evidence_coverage: f32,
    pub checklist_coverage: f32,
    pub mapping_version: Option<String>,
}

pub async fn pillar_scores(pool: &PgPool, id: Uuid) -> Result<Vec<PillarScoreDetailRow>, sqlx::Error> {
    sqlx::query_as!(
        PillarScoreDetailRow,
        r#"SELECT pillar AS "pillar: Pillar", score, review, evidence, checklist, review_coverage, evidence_coverage,
                  checklist_coverage, mapping_version
           FROM pillar_scores WHERE workload_id = $1"#,
        id
    )
    .fetch_all(pool)
    .await
}

/// How many of a workload's `wellarchitected` answers carry each risk, per
/// pillar: (pillar, risk, count).
pub async fn risk_counts(pool: &PgPool, id: Uuid) -> Result<Vec<(String, Risk, i64)>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT a.pillar, a.risk AS "risk!: Risk", count(*) AS "count!"
           FROM wa_answers a JOIN workloads w ON w.wa_workload_id = a.wa_workload_id
           WHERE w.id = $1 AND a.lens_alias = 'wellarchitected' AND a.risk IS NOT NULL
           GROUP BY a.pillar, a.risk"#,
        id
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|r| (r.pillar, r.risk, r.count)).collect())
}
