//! The inputs of scoring, aggregated in SQL, and the scores it stores.

use app::domain::{Pillar, Risk};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

/// Answers of the `wellarchitected` lens counted per workload and pillar.
pub struct ReviewRow {
    pub workload_id: Uuid,
    pub pillar: Pillar,
    pub none: i64,
    pub medium: i64,
    pub high: i64,
    pub applicable: i64,
}

pub async fn review_tallies(pool: &PgPool, workload: Option<Uuid>) -> Result<Vec<ReviewRow>, sqlx::Error> {
    sqlx::query_as!(
        ReviewRow,
        r#"
        SELECT w.id AS workload_id, a.pillar AS "pillar: Pillar",
               count(*) FILTER (WHERE a.risk = 'NONE') AS "none!",
               count(*) FILTER (WHERE a.risk = 'MEDIUM') AS "medium!",
               count(*) FILTER (WHERE a.risk = 'HIGH') AS "high!",
               count(*) FILTER (WHERE a.is_applicable AND a.risk IS DISTINCT FROM 'NOT_APPLICABLE') AS "applicable!"
        FROM workloads w
        JOIN wa_answers a ON a.wa_workload_id = w.wa_workload_id AND a.lens_alias = 'wellarchitected'
        WHERE $1::uuid IS NULL OR w.id = $1
        GROUP BY w.id, a.pillar
        "#,
        workload
    )
    .fetch_all(pool)
    .await
}

/// Whether a control or rule passes in a workload's accounts and regions.
pub struct EvidenceRow {
    pub workload_id: Uuid,
    /// `control` or `rule`.
    pub kind: String,
    pub key: String,
    pub failed: bool,
}

/// Every mapped control's and rule's result per workload: aggregated per
/// account, region and control first (an index-only scan; only the one
/// workload's accounts and regions when `workload` is given, as a page
/// asks), then over each workload's accounts and regions. A control fails if any resource fails.
/// Only current findings that PASSED or FAILED count.
pub async fn evidence_results(
    pool: &PgPool,
    workload: Option<Uuid>,
    controls: &[String],
    rules: &[String],
) -> Result<Vec<EvidenceRow>, sqlx::Error> {
    sqlx::query_as!(
        EvidenceRow,
        r#"
        WITH scope AS (
            SELECT w.id AS workload_id, a.account_id, r.region
            FROM workloads w
            CROSS JOIN LATERAL unnest(w.account_ids) AS a(account_id)
            CROSS JOIN LATERAL unnest(w.regions) AS r(region)
            WHERE $1::uuid IS NULL OR w.id = $1
        ),
        controls AS (
            SELECT account_id, region, control_id AS key, bool_or(compliance_status = 'FAILED') AS failed
            FROM findings
            WHERE record_state = 'ACTIVE' AND control_id IS NOT NULL
              AND compliance_status IN ('PASSED', 'FAILED') AND control_id = ANY($2)
              AND ($1::uuid IS NULL OR (account_id, region) IN (SELECT account_id, region FROM scope))
            GROUP BY account_id, region, control_id
        ),
        rules AS (
            SELECT account_id, region, source_identifier AS key, bool_or(compliance = 'NON_COMPLIANT') AS failed
            FROM config_rules
            WHERE source_identifier IS NOT NULL AND compliance IN ('COMPLIANT', 'NON_COMPLIANT')
              AND source_identifier = ANY($3)
              AND ($1::uuid IS NULL OR (account_id, region) IN (SELECT account_id, region FROM scope))
            GROUP BY account_id, region, source_identifier
        )
        SELECT s.workload_id AS "workload_id!", 'control' AS "kind!", c.key AS "key!", bool_or(c.failed) AS "failed!"
        FROM scope s JOIN controls c USING (account_id, region)
        GROUP BY s.workload_id, c.key
        UNION ALL
        SELECT s.workload_id, 'rule', r.key, bool_or(r.failed)
        FROM scope s JOIN rules r USING (account_id, region)
        GROUP BY s.workload_id, r.key
        "#,
        workload,
        controls,
        rules
    )
    .fetch_all(pool)
    .await
}

/// The failing resources of one control or rule in a workload's accounts
/// and regions, at most `limit` of them, and how many there are.
pub async fn failing_resources(
    pool: &PgPool,
    workload: Uuid,
    kind: &str,
    key: &str,
    limit: i64,
) -> Result<(Vec<String>, i64), sqlx::Error> {
    let row = sqlx::query!(
        r#"
        WITH scope AS (
            SELECT a.account_id, r.region FROM workloads w
            CROSS JOIN LATERAL unnest(w.account_ids) AS a(account_id)
            CROSS JOIN LATERAL unnest(w.regions) AS r(region)
            WHERE w.id = $1
        ),
        failing AS (
            SELECT f.resource_id AS resource FROM findings f JOIN scope USING (account_id, region)
            WHERE $2 = 'control' AND f.control_id = $3 AND f.record_state = 'ACTIVE'
              AND f.compliance_status = 'FAILED' AND f.resource_id IS NOT NULL
            UNION
            SELECT e.resource_type || ' ' || e.resource_id FROM config_evaluations e
            JOIN config_rules r USING (account_id, region, rule_name)
            JOIN scope ON scope.account_id = e.account_id AND scope.region = e.region
            WHERE $2 = 'rule' AND r.source_identifier = $3 AND e.compliance = 'NON_COMPLIANT'
        )
        SELECT (SELECT array_agg(resource ORDER BY resource) FROM (SELECT resource FROM failing ORDER BY resource LIMIT $4) l)
                   AS "resources",
               (SELECT count(*) FROM failing) AS "count!"
        "#,
        workload,
        kind,
        key,
        limit
    )
    .fetch_one(pool)
    .await?;
    Ok((row.resources.unwrap_or_default(), row.count))
}

/// A computed pillar score, as stored.
pub struct ScoreRow {
    pub workload_id: Uuid,
    pub pillar: String,
    pub score: Option<f32>,
    pub review: Option<f32>,
    pub evidence: Option<f32>,
    pub checklist: Option<f32>,
    pub review_coverage: f32,
    pub evidence_coverage: f32,
    pub checklist_coverage: f32,
}

/// Replaces the current scores and keeps them as a snapshot.
pub async fn store(
    conn: &mut PgConnection,
    rows: &[ScoreRow],
    mapping_version: &str,
    reason: &str,
) -> Result<(), sqlx::Error> {
    let workload: Vec<Uuid> = rows.iter().map(|r| r.workload_id).collect();
    let pillar: Vec<String> = rows.iter().map(|r| r.pillar.clone()).collect();
    let score: Vec<Option<f32>> = rows.iter().map(|r| r.score).collect();
    let review: Vec<Option<f32>> = rows.iter().map(|r| r.review).collect();
    let evidence: Vec<Option<f32>> = rows.iter().map(|r| r.evidence).collect();
    let checklist: Vec<Option<f32>> = rows.iter().map(|r| r.checklist).collect();
    let review_coverage: Vec<f32> = rows.iter().map(|r| r.review_coverage).collect();
    let evidence_coverage: Vec<f32> = rows.iter().map(|r| r.evidence_coverage).collect();
    let checklist_coverage: Vec<f32> = rows.iter().map(|r| r.checklist_coverage).collect();
    // The stored coverage is the share of the pillar assessed at all: the
    // best of the components' coverage.
    sqlx::query!(
        r#"
        INSERT INTO pillar_scores (workload_id, pillar, score, coverage, review, evidence, checklist,
                                   review_coverage, evidence_coverage, checklist_coverage, mapping_version, computed_at)
        SELECT u.workload_id, u.pillar, u.score, GREATEST(u.rc, u.ec, u.cc), u.review, u.evidence, u.checklist,
               u.rc, u.ec, u.cc, $10, now()
        FROM UNNEST($1::uuid[], $2::text[], $3::float4[], $4::float4[], $5::float4[], $6::float4[],
                    $7::float4[], $8::float4[], $9::float4[])
             AS u(workload_id, pillar, score, review, evidence, checklist, rc, ec, cc)
        ON CONFLICT (workload_id, pillar) DO UPDATE SET
            score = EXCLUDED.score, coverage = EXCLUDED.coverage, review = EXCLUDED.review,
            evidence = EXCLUDED.evidence, checklist = EXCLUDED.checklist,
            review_coverage = EXCLUDED.review_coverage, evidence_coverage = EXCLUDED.evidence_coverage,
            checklist_coverage = EXCLUDED.checklist_coverage, mapping_version = EXCLUDED.mapping_version,
            computed_at = EXCLUDED.computed_at
        "#,
        &workload,
        &pillar,
        &score as &[Option<f32>],
        &review as &[Option<f32>],
        &evidence as &[Option<f32>],
        &checklist as &[Option<f32>],
        &review_coverage,
        &evidence_coverage,
        &checklist_coverage,
        mapping_version
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        r#"
        INSERT INTO score_snapshots (workload_id, pillar, score, review, evidence, checklist,
                                     review_coverage, evidence_coverage, checklist_coverage, mapping_version, reason)
        SELECT u.workload_id, u.pillar, u.score, u.review, u.evidence, u.checklist, u.rc, u.ec, u.cc, $10, $11
        FROM UNNEST($1::uuid[], $2::text[], $3::float4[], $4::float4[], $5::float4[], $6::float4[],
                    $7::float4[], $8::float4[], $9::float4[])
             AS u(workload_id, pillar, score, review, evidence, checklist, rc, ec, cc)
        "#,
        &workload,
        &pillar,
        &score as &[Option<f32>],
        &review as &[Option<f32>],
        &evidence as &[Option<f32>],
        &checklist as &[Option<f32>],
        &review_coverage,
        &evidence_coverage,
        &checklist_coverage,
        mapping_version,
        reason
    )
    .execute(&mut *conn)
    .await?;
    gather_organisation(conn, None).await
}

/// Gathers the organisation's mean per pillar at the snapshot times just
/// stored: this transaction's (`reason` None), or those with a reason
/// (a demo's history).
pub async fn gather_organisation(conn: &mut PgConnection, reason: Option<&str>) -> Result<(), sqlx::Error> {
    match reason {
        None => {
            sqlx::query!(
                "INSERT INTO organisation_snapshots (taken_at, pillar, score, workloads)
             SELECT s.taken_at, s.pillar, avg(s.score)::real, count(*)
             FROM score_snapshots s WHERE s.taken_at = now()
             GROUP BY s.taken_at, s.pillar
             ON CONFLICT (taken_at, pillar) DO UPDATE SET score = EXCLUDED.score, workloads = EXCLUDED.workloads"
            )
            .execute(&mut *conn)
            .await?
        }
        Some(reason) => {
            sqlx::query!(
                "INSERT INTO organisation_snapshots (taken_at, pillar, score, workloads)
             SELECT s.taken_at, s.pillar, avg(s.score)::real, count(*)
             FROM score_snapshots s WHERE s.reason = $1
             GROUP BY s.taken_at, s.pillar
             ON CONFLICT (taken_at, pillar) DO UPDATE SET score = EXCLUDED.score, workloads = EXCLUDED.workloads",
                reason
            )
            .execute(&mut *conn)
            .await?
        }
    };
    Ok(())
}

/// Every workload's id.
pub async fn workload_ids(pool: &PgPool, only: Option<Uuid>) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar!("SELECT id FROM workloads WHERE $1::uuid IS NULL OR id = $1 ORDER BY id", only)
        .fetch_all(pool)
        .await
}

/// The questions of a workload's pillar with their risk.
pub async fn answers(
    pool: &PgPool,
    workload: Uuid,
    pillar: Pillar,
) -> Result<Vec<(String, Option<Risk>)>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT a.question_id, a.risk AS "risk: Risk" FROM wa_answers a JOIN workloads w ON w.wa_workload_id = a.wa_workload_id
           WHERE w.id = $1 AND a.pillar = $2 AND a.lens_alias = 'wellarchitected' ORDER BY a.question_id"#,
        workload,
        pillar.id()
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|r| (r.question_id, r.risk)).collect())
}

/// The database's clock now (not the transaction's start).
pub async fn clock(pool: &PgPool) -> Result<chrono::DateTime<chrono::Utc>, sqlx::Error> {
    sqlx::query_scalar!(r#"SELECT clock_timestamp() AS "now!""#).fetch_one(pool).await
}

/// The workloads whose scores a change marked due, oldest mark first.
pub async fn due(pool: &PgPool) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar!("SELECT workload_id FROM score_recompute_due ORDER BY since").fetch_all(pool).await
}

/// Clears a workload's mark, unless a change marked it again after `since`.
pub async fn clear_due(pool: &PgPool, workload: Uuid, since: chrono::DateTime<chrono::Utc>) -> Result<(), sqlx::Error> {
    sqlx::query!("DELETE FROM score_recompute_due WHERE workload_id = $1 AND since <= $2", workload, since)
        .execute(pool)
        .await?;
    Ok(())
}

/// Makes up twelve weekly snapshots before today's scores, drifting a
/// little per workload and pillar, under `reason` (replacing those made
/// before), and the organisation's snapshots to match: the demo's history.
pub async fn make_up_history(pool: &PgPool, reason: &str) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query!("DELETE FROM score_snapshots WHERE reason = $1", reason).execute(&mut *tx).await?;
    sqlx::query!(
        r#"
        INSERT INTO score_snapshots (taken_at, workload_id, pillar, score, review, evidence, checklist,
                                     review_coverage, evidence_coverage, checklist_coverage, mapping_version, reason)
        SELECT date_trunc('day', now()) - make_interval(days => 7 * weeks.k) + interval '6 hours',
               s.workload_id, s.pillar,
               CASE WHEN s.score IS NULL THEN NULL ELSE least(100, greatest(0,
                   s.score - weeks.k * (0.6 + (abs(hashtext(s.workload_id::text || s.pillar)) % 5) * 0.35)
                           + ((abs(hashtext(s.workload_id::text || s.pillar || weeks.k::text)) % 7) - 3) * 0.5))
               END,
               NULL, NULL, NULL, s.review_coverage, s.evidence_coverage, s.checklist_coverage,
               COALESCE(s.mapping_version, ''), $1
        FROM pillar_scores s CROSS JOIN generate_series(1, 12) AS weeks(k)
        "#,
        reason
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "DELETE FROM organisation_snapshots o
         WHERE NOT EXISTS (SELECT 1 FROM score_snapshots s WHERE s.taken_at = o.taken_at)"
    )
    .execute(&mut *tx)
    .await?;
    gather_organisation(&mut tx, Some(reason)).await?;
    tx.commit().await
}
