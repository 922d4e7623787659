//! Storing Security Hub findings: a page at a time, one statement a page.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::sources::records::Finding;

/// How many findings the sync writes in one statement: Security Hub's pages
/// of 100 are gathered up to this, which halves the statements' share of
/// the time against pages written one by one.
pub const STATEMENT_ROWS: usize = 1000;

/// The separator standards travel with in one text value per finding (the
/// ASCII unit separator, which no standards ARN holds).
const STANDARDS_SEPARATOR: &str = "\u{1f}";

/// Inserts or updates findings (a page or more) with one `INSERT … SELECT
/// FROM UNNEST` statement; returns how many rows were written. A finding
/// that appears twice is written once, as its last copy.
#[tracing::instrument(skip_all, fields(findings = page.len()))]
pub async fn upsert_page(conn: &mut PgConnection, source_id: Uuid, page: &[Finding]) -> Result<u64, sqlx::Error> {
    let page = last_copy_of_each(page);
    let c = Columns::of(&page);
    let result = sqlx::query!(
        r#"
        INSERT INTO findings (
            id, source_id, product_arn, product_name, generator_id, account_id, region,
            title, description, control_id, associated_standards, compliance_status,
            severity, workflow_status, record_state, resource_type, resource_id,
            resource_region, resource_tags, first_observed_at, last_observed_at,
            created_at, updated_at, remediation_text, remediation_url, raw, synced_at)
        SELECT u.id, $1, u.product_arn, u.product_name, u.generator_id, u.account_id, u.region,
               u.title, u.description, u.control_id,
               string_to_array(u.standards, chr(31)), u.compliance_status,
               u.severity, u.workflow_status, u.record_state, u.resource_type, u.resource_id,
               u.resource_region, u.resource_tags, u.first_observed_at, u.last_observed_at,
               u.created_at, u.updated_at, u.remediation_text, u.remediation_url, u.raw, now()
        FROM UNNEST(
            $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
            $8::text[], $9::text[], $10::text[], $11::text[], $12::text[],
            $13::text[], $14::text[], $15::text[], $16::text[], $17::text[],
            $18::text[], $19::jsonb[], $20::timestamptz[], $21::timestamptz[],
            $22::timestamptz[], $23::timestamptz[], $24::text[], $25::text[], $26::jsonb[]
        ) AS u(id, product_arn, product_name, generator_id, account_id, region,
               title, description, control_id, standards, compliance_status,
               severity, workflow_status, record_state, resource_type, resource_id,
               resource_region, resource_tags, first_observed_at, last_observed_at,
               created_at, updated_at, remediation_text, remediation_url, raw)
        ON CONFLICT (id) DO UPDATE SET
            source_id = EXCLUDED.source_id,
            product_arn = EXCLUDED.product_arn,
            product_name = EXCLUDED.product_name,
            generator_id = EXCLUDED.generator_id,
            account_id = EXCLUDED.account_id,
            region = EXCLUDED.region,
            title = EXCLUDED.title,
            description = EXCLUDED.description,
            control_id = EXCLUDED.control_id,
            associated_standards = EXCLUDED.associated_standards,
            compliance_status = EXCLUDED.compliance_status,
            severity = EXCLUDED.severity,
            workflow_status = EXCLUDED.workflow_status,
            record_state = EXCLUDED.record_state,
            resource_type = EXCLUDED.resource_type,
            resource_id = EXCLUDED.resource_id,
            resource_region = EXCLUDED.resource_region,
            resource_tags = EXCLUDED.resource_tags,
            first_observed_at = EXCLUDED.first_observed_at,
            last_observed_at = EXCLUDED.last_observed_at,
            created_at = EXCLUDED.created_at,
            updated_at = EXCLUDED.updated_at,
            remediation_text = EXCLUDED.remediation_text,
            remediation_url = EXCLUDED.remediation_url,
            raw = EXCLUDED.raw,
            synced_at = EXCLUDED.synced_at
        "#,
        source_id,
        &c.id,
        &c.product_arn,
        &c.product_name as &[Option<String>],
        &c.generator_id as &[Option<String>],
        &c.account_id,
        &c.region,
        &c.title as &[Option<String>],
        &c.description as &[Option<String>],
        &c.control_id as &[Option<String>],
        &c.standards,
        &c.compliance_status as &[Option<String>],
        &c.severity,
        &c.workflow_status,
        &c.record_state,
        &c.resource_type as &[Option<String>],
        &c.resource_id as &[Option<String>],
        &c.resource_region as &[Option<String>],
        &c.resource_tags,
        &c.first_observed_at as &[Option<DateTime<Utc>>],
        &c.last_observed_at as &[Option<DateTime<Utc>>],
        &c.created_at as &[Option<DateTime<Utc>>],
        &c.updated_at as &[Option<DateTime<Utc>>],
        &c.remediation_text as &[Option<String>],
        &c.remediation_url as &[Option<String>],
        &c.raw,
    )
    .execute(conn)
    .await?;
    Ok(result.rows_affected())
}

/// After a full sync: findings of the source in the slice's account and
/// region (all of the source's when `account_region` is `None`) that the
/// sync did not see are gone from Security Hub, so they are archived: kept,
/// but no longer current.
pub async fn archive_unseen(
    conn: &mut PgConnection,
    source_id: Uuid,
    account_region: Option<(&str, &str)>,
    seen_since: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    let (account_id, region) = account_region.unzip();
    let result = sqlx::query!(
        r#"
        UPDATE findings SET record_state = 'ARCHIVED'
        WHERE source_id = $1 AND record_state = 'ACTIVE' AND synced_at < $2
          AND ($3::text IS NULL OR account_id = $3)
          AND ($4::text IS NULL OR region = $4)
        "#,
        source_id,
        seen_since,
        account_id,
        region
    )
    .execute(conn)
    .await?;
    Ok(result.rows_affected())
}

/// How many findings are current (not archived) in an account and region.
pub async fn count_current(pool: &PgPool, account_id: &str, region: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT count(*) AS "count!" FROM findings
           WHERE account_id = $1 AND region = $2 AND record_state = 'ACTIVE'"#,
        account_id,
        region
    )
    .fetch_one(pool)
    .await
}

fn last_copy_of_each(page: &[Finding]) -> Vec<&Finding> {
    let mut seen = std::collections::HashSet::new();
    let mut unique: Vec<&Finding> = page.iter().rev().filter(|finding| seen.insert(finding.id.as_str())).collect();
    unique.reverse();
    unique
}

/// A page of findings turned into one array per column.
#[derive(Default)]
struct Columns {
    id: Vec<String>,
    product_arn: Vec<String>,
    product_name: Vec<Option<String>>,
    generator_id: Vec<Option<String>>,
    account_id: Vec<String>,
    region: Vec<String>,
    title: Vec<Option<String>>,
    description: Vec<Option<String>>,
    control_id: Vec<Option<String>>,
    standards: Vec<String>,
    compliance_status: Vec<Option<String>>,
    severity: Vec<String>,
    workflow_status: Vec<String>,
    record_state: Vec<String>,
    resource_type: Vec<Option<String>>,
    resource_id: Vec<Option<String>>,
    resource_region: Vec<Option<String>>,
    resource_tags: Vec<Value>,
    first_observed_at: Vec<Option<DateTime<Utc>>>,
    last_observed_at: Vec<Option<DateTime<Utc>>>,
    created_at: Vec<Option<DateTime<Utc>>>,
    updated_at: Vec<Option<DateTime<Utc>>>,
    remediation_text: Vec<Option<String>>,
    remediation_url: Vec<Option<String>>,
    raw: Vec<Value>,
}

impl Columns {
    fn of(page: &[&Finding]) -> Columns {
        let mut c = Columns::default();
        for f in page {
            c.id.push(f.id.clone());
            c.product_arn.push(f.product_arn.clone());
            c.product_name.push(f.product_name.clone());
            c.generator_id.push(f.generator_id.clone());
            c.account_id.push(f.account_id.clone());
            c.region.push(f.region.clone());
            c.title.push(f.title.clone());
            c.description.push(f.description.clone());
            c.control_id.push(f.control_id.clone());
            c.standards.push(f.associated_standards.join(STANDARDS_SEPARATOR));
            c.compliance_status.push(f.compliance_status.map(|s| s.as_str().to_owned()));
            c.severity.push(f.severity.as_str().to_owned());
            c.workflow_status.push(f.workflow_status.as_str().to_owned());
            c.record_state.push(f.record_state.as_str().to_owned());
            c.resource_type.push(f.resource_type.clone());
            c.resource_id.push(f.resource_id.clone());
            c.resource_region.push(f.resource_region.clone());
            c.resource_tags.push(f.resource_tags.clone());
            c.first_observed_at.push(f.first_observed_at);
            c.last_observed_at.push(f.last_observed_at);
            c.created_at.push(f.created_at);
            c.updated_at.push(f.updated_at);
            c.remediation_text.push(f.remediation_text.clone());
            c.remediation_url.push(f.remediation_url.clone());
            c.raw.push(f.raw.clone());
        }
        c
    }
}

/// A failing finding a workflow update is sent for.
pub struct FailingFinding {
    pub id: String,
    pub product_arn: String,
    pub account_id: String,
    pub region: String,
    /// The source that read it.
    pub source: String,
}

/// The active, failing findings of a control in a workload's accounts and
/// regions.
pub async fn failing_of_control(
    pool: &PgPool,
    workload: Uuid,
    control: &str,
) -> Result<Vec<FailingFinding>, sqlx::Error> {
    sqlx::query_as!(
        FailingFinding,
        "SELECT f.id, f.product_arn, f.account_id, f.region, s.name AS source
         FROM findings f
         JOIN sources s ON s.id = f.source_id
         JOIN workloads w ON w.id = $1 AND f.account_id = ANY(w.account_ids) AND f.region = ANY(w.regions)
         WHERE f.control_id = $2 AND f.record_state = 'ACTIVE' AND f.compliance_status = 'FAILED'
         ORDER BY f.id",
        workload,
        control
    )
    .fetch_all(pool)
    .await
}

/// Findings Security Hub moved to a workflow, as it has them now.
pub async fn set_workflow(pool: &PgPool, ids: &[String], workflow: &str) -> Result<(), sqlx::Error> {
    sqlx::query!("UPDATE findings SET workflow_status = $2 WHERE id = ANY($1)", ids, workflow).execute(pool).await?;
    Ok(())
}
