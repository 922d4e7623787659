//! Reading a workload's review (answers, improvement plans, milestones) and
//! the score history for the pages.

use app::domain::{Pillar, Risk};
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use sqlx::types::Json;
use uuid::Uuid;

pub struct AnswerRow {
    pub question_id: String,
    pub pillar: String,
    pub risk: Option<Risk>,
    pub selected_choices: Vec<String>,
    pub notes: Option<String>,
    pub improvement_plan_url: Option<String>,
    pub plans: Option<Json<Vec<PlanRow>>>,
}

#[derive(Debug, serde::Deserialize)]
pub struct PlanRow {
    pub choice_id: String,
    pub url: Option<String>,
}

/// The workload's `wellarchitected` answers with their improvement plans.
pub async fn answers(pool: &PgPool, workload: Uuid) -> Result<Vec<AnswerRow>, sqlx::Error> {
    sqlx::query_as!(
        AnswerRow,
        r#"SELECT a.question_id, a.pillar, a.risk AS "risk: Risk", a.selected_choices, a.notes,
                  i.improvement_plan_url, i.plans AS "plans?: Json<Vec<PlanRow>>"
           FROM workloads w
           JOIN wa_answers a ON a.wa_workload_id = w.wa_workload_id AND a.lens_alias = 'wellarchitected'
           LEFT JOIN wa_improvements i ON i.wa_workload_id = a.wa_workload_id AND i.lens_alias = a.lens_alias
                                      AND i.question_id = a.question_id
           WHERE w.id = $1"#,
        workload
    )
    .fetch_all(pool)
    .await
}

pub struct MilestoneRow {
    pub milestone_number: i32,
    pub milestone_name: String,
    pub recorded_at: Option<DateTime<Utc>>,
}

pub async fn milestones(pool: &PgPool, workload: Uuid) -> Result<Vec<MilestoneRow>, sqlx::Error> {
    sqlx::query_as!(
        MilestoneRow,
        "SELECT m.milestone_number, m.milestone_name, m.recorded_at
         FROM workloads w JOIN wa_milestones m ON m.wa_workload_id = w.wa_workload_id
         WHERE w.id = $1 ORDER BY m.recorded_at NULLS FIRST, m.milestone_number",
        workload
    )
    .fetch_all(pool)
    .await
}

/// The kind (`aws` or `demo`) of the source the workload's review came from.
pub async fn review_source_kind(pool: &PgPool, workload: Uuid) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar!(
        "SELECT s.kind FROM workloads w
         JOIN wa_workloads ww ON ww.wa_workload_id = w.wa_workload_id
         JOIN sources s ON s.id = ww.source_id
         WHERE w.id = $1",
        workload
    )
    .fetch_optional(pool)
    .await
}

/// Every workload's `wellarchitected` questions with their risk:
/// (workload, question, risk).
pub async fn question_risks(pool: &PgPool) -> Result<Vec<(Uuid, String, Option<Risk>)>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT w.id AS workload_id, a.question_id, a.risk AS "risk: Risk" FROM workloads w
           JOIN wa_answers a ON a.wa_workload_id = w.wa_workload_id AND a.lens_alias = 'wellarchitected'"#
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|row| (row.workload_id, row.question_id, row.risk)).collect())
}

/// When the team last changed the workload's review.
pub async fn review_updated_at(pool: &PgPool, workload: Uuid) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
    sqlx::query_scalar!(
        "SELECT wa.updated_at FROM workloads w JOIN wa_workloads wa ON wa.wa_workload_id = w.wa_workload_id
         WHERE w.id = $1",
        workload
    )
    .fetch_optional(pool)
    .await
    .map(Option::flatten)
}

pub struct TrendRow {
    pub pillar: Pillar,
    pub taken_at: DateTime<Utc>,
    pub score: Option<f32>,
}

/// A workload's last `limit` snapshots per pillar, oldest first.
pub async fn workload_trend(pool: &PgPool, workload: Uuid, limit: i64) -> Result<Vec<TrendRow>, sqlx::Error> {
    sqlx::query_as!(
        TrendRow,
        r#"SELECT pillar AS "pillar!: Pillar", taken_at AS "taken_at!", score FROM (
               SELECT pillar, taken_at, score,
                      row_number() OVER (PARTITION BY pillar ORDER BY taken_at DESC) AS n
               FROM score_snapshots WHERE workload_id = $1
           ) recent
           WHERE n <= $2 ORDER BY pillar, taken_at"#,
        workload,
        limit
    )
    .fetch_all(pool)
    .await
}

/// The organisation's mean score per pillar at each of the last `limit`
/// snapshot times, oldest first, as gathered when they were stored.
pub async fn organisation_trend(pool: &PgPool, limit: i64) -> Result<Vec<TrendRow>, sqlx::Error> {
    sqlx::query_as!(
        TrendRow,
        r#"SELECT pillar AS "pillar: Pillar", taken_at, score FROM organisation_snapshots
           WHERE taken_at IN (SELECT DISTINCT taken_at FROM organisation_snapshots ORDER BY taken_at DESC LIMIT $1)
           ORDER BY pillar, taken_at"#,
        limit
    )
    .fetch_all(pool)
    .await
}

pub struct WorkloadRiskRow {
    pub id: Uuid,
    pub high: i64,
    pub medium: i64,
    pub review_updated_at: Option<DateTime<Utc>>,
}

/// Every workload's high and medium risks (the `wellarchitected` lens
/// review's counts, as the Well-Architected Tool gives them) and when its
/// review last changed.
pub async fn workload_risks(pool: &PgPool) -> Result<Vec<WorkloadRiskRow>, sqlx::Error> {
    sqlx::query_as!(
        WorkloadRiskRow,
        r#"SELECT w.id,
                  COALESCE((r.risk_counts ->> 'HIGH')::bigint, 0) AS "high!",
                  COALESCE((r.risk_counts ->> 'MEDIUM')::bigint, 0) AS "medium!",
                  wa.updated_at AS review_updated_at
           FROM workloads w
           LEFT JOIN wa_workloads wa ON wa.wa_workload_id = w.wa_workload_id
           LEFT JOIN wa_lens_reviews r ON r.wa_workload_id = w.wa_workload_id AND r.lens_alias = 'wellarchitected'"#
    )
    .fetch_all(pool)
    .await
}
