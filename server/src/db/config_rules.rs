//! Storing AWS Config: a slice's rules, per-resource results and
//! conformance packs replace what that slice stored before.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::sources::records::{ConfigRule, ConformancePack, RuleEvaluation};

/// Evaluations are written this many to a statement.
const EVALUATION_BATCH: usize = 5_000;

/// Removes what the source stored for an account and region (everything of
/// the source when `account_region` is `None`); results and packs go too.
pub async fn clear(
    conn: &mut PgConnection,
    source_id: Uuid,
    account_region: Option<(&str, &str)>,
) -> Result<(), sqlx::Error> {
    let (account_id, region) = account_region.unzip();
    sqlx::query!(
        "DELETE FROM config_rules WHERE source_id = $1
           AND ($2::text IS NULL OR account_id = $2) AND ($3::text IS NULL OR region = $3)",
        source_id,
        account_id,
        region
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        "DELETE FROM conformance_packs WHERE source_id = $1
           AND ($2::text IS NULL OR account_id = $2) AND ($3::text IS NULL OR region = $3)",
        source_id,
        account_id,
        region
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn insert_rules(conn: &mut PgConnection, source_id: Uuid, rules: &[ConfigRule]) -> Result<u64, sqlx::Error> {
    let result = sqlx::query!(
        r#"
        INSERT INTO config_rules (account_id, region, rule_name, source_id, rule_arn, rule_id,
                                  owner, source_identifier, description, compliance, non_compliant_count)
        SELECT DISTINCT ON (u.account_id, u.region, u.rule_name)
               u.account_id, u.region, u.rule_name, $1, u.rule_arn, u.rule_id,
               u.owner, u.source_identifier, u.description, u.compliance, u.non_compliant_count
        FROM UNNEST($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                    $8::text[], $9::text[], $10::text[], $11::int4[])
             AS u(account_id, region, rule_name, rule_arn, rule_id, owner,
                  source_identifier, description, compliance, non_compliant_count)
        ON CONFLICT (account_id, region, rule_name) DO UPDATE SET
            source_id = EXCLUDED.source_id, rule_arn = EXCLUDED.rule_arn, rule_id = EXCLUDED.rule_id,
            owner = EXCLUDED.owner, source_identifier = EXCLUDED.source_identifier,
            description = EXCLUDED.description, compliance = EXCLUDED.compliance,
            non_compliant_count = EXCLUDED.non_compliant_count, synced_at = now()
        "#,
        source_id,
        &rules.iter().map(|r| r.account_id.clone()).collect::<Vec<_>>(),
        &rules.iter().map(|r| r.region.clone()).collect::<Vec<_>>(),
        &rules.iter().map(|r| r.rule_name.clone()).collect::<Vec<_>>(),
        &rules.iter().map(|r| r.rule_arn.clone()).collect::<Vec<_>>() as &[Option<String>],
        &rules.iter().map(|r| r.rule_id.clone()).collect::<Vec<_>>() as &[Option<String>],
        &rules.iter().map(|r| r.owner.clone()).collect::<Vec<_>>() as &[Option<String>],
        &rules.iter().map(|r| r.source_identifier.clone()).collect::<Vec<_>>() as &[Option<String>],
        &rules.iter().map(|r| r.description.clone()).collect::<Vec<_>>() as &[Option<String>],
        &rules.iter().map(|r| r.compliance.map(|c| c.as_str().to_owned())).collect::<Vec<_>>() as &[Option<String>],
        &rules.iter().map(|r| r.non_compliant_count).collect::<Vec<_>>() as &[Option<i32>],
    )
    .execute(conn)
    .await?;
    Ok(result.rows_affected())
}

/// Writes per-resource results in batches; results of rules that were not
/// stored (AWS answered for a rule it did not describe) are left out.
pub async fn insert_evaluations(conn: &mut PgConnection, evaluations: &[RuleEvaluation]) -> Result<u64, sqlx::Error> {
    let mut stored = 0;
    for batch in evaluations.chunks(EVALUATION_BATCH) {
        let result = sqlx::query!(
            r#"
            INSERT INTO config_evaluations (account_id, region, rule_name, resource_type,
                                            resource_id, compliance, annotation, recorded_at)
            SELECT DISTINCT ON (u.account_id, u.region, u.rule_name, u.resource_type, u.resource_id)
                   u.account_id, u.region, u.rule_name, u.resource_type, u.resource_id,
                   u.compliance, u.annotation, u.recorded_at
            FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
                        $6::text[], $7::text[], $8::timestamptz[])
                 AS u(account_id, region, rule_name, resource_type, resource_id,
                      compliance, annotation, recorded_at)
            JOIN config_rules r USING (account_id, region, rule_name)
            ON CONFLICT (account_id, region, rule_name, resource_type, resource_id) DO UPDATE SET
                compliance = EXCLUDED.compliance, annotation = EXCLUDED.annotation,
                recorded_at = EXCLUDED.recorded_at
            "#,
            &batch.iter().map(|e| e.account_id.clone()).collect::<Vec<_>>(),
            &batch.iter().map(|e| e.region.clone()).collect::<Vec<_>>(),
            &batch.iter().map(|e| e.rule_name.clone()).collect::<Vec<_>>(),
            &batch.iter().map(|e| e.resource_type.clone()).collect::<Vec<_>>(),
            &batch.iter().map(|e| e.resource_id.clone()).collect::<Vec<_>>(),
            &batch.iter().map(|e| e.compliance.as_str().to_owned()).collect::<Vec<_>>(),
            &batch.iter().map(|e| e.annotation.clone()).collect::<Vec<_>>() as &[Option<String>],
            &batch.iter().map(|e| e.recorded_at).collect::<Vec<_>>() as &[Option<DateTime<Utc>>],
        )
        .execute(&mut *conn)
        .await?;
        stored += result.rows_affected();
    }
    Ok(stored)
}

pub async fn insert_packs(
    conn: &mut PgConnection,
    source_id: Uuid,
    packs: &[ConformancePack],
) -> Result<u64, sqlx::Error> {
    let result = sqlx::query!(
        r#"
        INSERT INTO conformance_packs (account_id, region, pack_name, source_id, pack_arn, pack_id,
                                       score, score_updated_at)
        SELECT DISTINCT ON (u.account_id, u.region, u.pack_name)
               u.account_id, u.region, u.pack_name, $1, u.pack_arn, u.pack_id, u.score, u.score_updated_at
        FROM UNNEST($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::float4[], $8::timestamptz[])
             AS u(account_id, region, pack_name, pack_arn, pack_id, score, score_updated_at)
        ON CONFLICT (account_id, region, pack_name) DO UPDATE SET
            source_id = EXCLUDED.source_id, pack_arn = EXCLUDED.pack_arn, pack_id = EXCLUDED.pack_id,
            score = EXCLUDED.score, score_updated_at = EXCLUDED.score_updated_at, synced_at = now()
        "#,
        source_id,
        &packs.iter().map(|p| p.account_id.clone()).collect::<Vec<_>>(),
        &packs.iter().map(|p| p.region.clone()).collect::<Vec<_>>(),
        &packs.iter().map(|p| p.name.clone()).collect::<Vec<_>>(),
        &packs.iter().map(|p| p.arn.clone()).collect::<Vec<_>>() as &[Option<String>],
        &packs.iter().map(|p| p.id.clone()).collect::<Vec<_>>() as &[Option<String>],
        &packs.iter().map(|p| p.score).collect::<Vec<_>>() as &[Option<f32>],
        &packs.iter().map(|p| p.score_updated_at).collect::<Vec<_>>() as &[Option<DateTime<Utc>>],
    )
    .execute(conn)
    .await?;
    Ok(result.rows_affected())
}
