//! Reading findings for the findings pages: filtered, sorted and paged by
//! keyset, so page 1,000 costs what page 1 costs.

use app::domain::findings::{COUNT_CAP, FindingQuery, FindingSort, decode_cursor, encode_cursor};
use app::domain::{ComplianceStatus, RecordState, Severity, WorkflowStatus};
use chrono::{DateTime, Utc};
use sqlx::{PgPool, Postgres, QueryBuilder};
use uuid::Uuid;

/// A finding's row as the list reads it, with its sort keys.
#[derive(Debug, sqlx::FromRow)]
pub struct FindingListRow {
    pub id: String,
    pub title: Option<String>,
    pub severity: Severity,
    pub control_id: Option<String>,
    pub compliance_status: Option<ComplianceStatus>,
    pub workflow_status: WorkflowStatus,
    pub record_state: RecordState,
    pub account_id: String,
    pub region: String,
    pub resource_type: Option<String>,
    pub resource_id: Option<String>,
    pub updated_at: Option<DateTime<Utc>>,
    pub severity_rank: i16,
    pub sort_time: DateTime<Utc>,
}

impl FindingListRow {
    /// The cursor that starts the page after this row.
    pub fn cursor(&self, sort: FindingSort) -> String {
        let time = self.sort_time.timestamp_micros().to_string();
        match sort {
            FindingSort::Severity => encode_cursor(&[&self.severity_rank.to_string(), &time, &self.id]),
            FindingSort::Updated => encode_cursor(&[&time, &self.id]),
            FindingSort::Resource => encode_cursor(&[self.resource_id.as_deref().unwrap_or(""), &self.id]),
        }
    }
}

/// The scope a workload or pillar filter stands for, resolved by the
/// caller: accounts and regions of the workload, control ids of the pillar.
#[derive(Debug, Default)]
pub struct Scope {
    pub accounts: Option<Vec<String>>,
    pub regions: Option<Vec<String>>,
    pub controls: Option<Vec<String>>,
}

/// A cursor that does not fit the sort it came with.
#[derive(Debug, thiserror::Error)]
#[error("the page cursor does not belong to this sort order")]
pub struct BadCursor;

fn push_filters(builder: &mut QueryBuilder<'_, Postgres>, query: &FindingQuery, scope: &Scope) {
    builder.push(" WHERE true");
    push_equal(builder, "account_id", query.account.clone());
    push_equal(builder, "region", query.region.clone());
    if let Some(severity) = query.severity {
        // The stored rank, so the ordered indexes serve the filter too.
        builder.push(" AND severity_rank = ").push_bind(severity_rank(severity));
    }
    push_equal(builder, "control_id", query.control.clone());
    push_equal(builder, "compliance_status", query.compliance.map(|c| c.as_str().to_owned()));
    push_equal(builder, "workflow_status", query.workflow.map(|w| w.as_str().to_owned()));
    push_equal(builder, "record_state", query.record.map(|r| r.as_str().to_owned()));
    push_equal(builder, "resource_type", query.resource_type.clone());
    if let Some(accounts) = &scope.accounts {
        builder.push(" AND account_id = ANY(").push_bind(accounts.clone()).push(")");
    }
    if let Some(regions) = &scope.regions {
        builder.push(" AND region = ANY(").push_bind(regions.clone()).push(")");
    }
    if let Some(controls) = &scope.controls {
        builder.push(" AND control_id = ANY(").push_bind(controls.clone()).push(")");
    }
    if let Some(text) = &query.text {
        let pattern = format!("%{}%", like_escape(text));
        builder
            .push(" AND (title ILIKE ")
            .push_bind(pattern.clone())
            .push(" OR resource_id ILIKE ")
            .push_bind(pattern)
            .push(")");
    }
}

/// The rank the `severity_rank` column stores for a severity.
fn severity_rank(severity: app::domain::Severity) -> i16 {
    use app::domain::Severity;
    match severity {
        Severity::Critical => 4,
        Severity::High => 3,
        Severity::Medium => 2,
        Severity::Low => 1,
        Severity::Informational => 0,
    }
}

fn push_equal(builder: &mut QueryBuilder<'_, Postgres>, column: &str, value: Option<String>) {
    if let Some(value) = value {
        builder.push(format_args!(" AND {column} = ")).push_bind(value);
    }
}

/// Escapes LIKE's wildcards so the text is matched as written.
pub(crate) fn like_escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

/// One page of findings (`limit` rows, plus one to tell whether there is
/// a next page).
#[tracing::instrument(skip_all)]
pub async fn page(
    pool: &PgPool,
    query: &FindingQuery,
    scope: &Scope,
    limit: usize,
) -> Result<Result<Vec<FindingListRow>, BadCursor>, sqlx::Error> {
    let mut builder = QueryBuilder::new(
        "SELECT id, title, severity, control_id, compliance_status, workflow_status, record_state, account_id, \
         region, resource_type, resource_id, updated_at, severity_rank, sort_time FROM findings",
    );
    push_filters(&mut builder, query, scope);
    if let Some(cursor) = &query.after {
        let fields = decode_cursor(cursor).unwrap_or_default();
        match (query.sort, fields.as_slice()) {
            (FindingSort::Severity, [rank, time, id]) => {
                let (Ok(rank), Some(time)) = (rank.parse::<i16>(), micros(time)) else { return Ok(Err(BadCursor)) };
                builder
                    .push(" AND (severity_rank, sort_time, id) < (")
                    .push_bind(rank)
                    .push(", ")
                    .push_bind(time)
                    .push(", ")
                    .push_bind(id.clone())
                    .push(")");
            }
            (FindingSort::Updated, [time, id]) => {
                let Some(time) = micros(time) else { return Ok(Err(BadCursor)) };
                builder.push(" AND (sort_time, id) < (").push_bind(time).push(", ").push_bind(id.clone()).push(")");
            }
            (FindingSort::Resource, [resource, id]) => {
                builder
                    .push(" AND (COALESCE(resource_id, ''), id) > (")
                    .push_bind(resource.clone())
                    .push(", ")
                    .push_bind(id.clone())
                    .push(")");
            }
            _ => return Ok(Err(BadCursor)),
        }
    }
    builder.push(match query.sort {
        FindingSort::Severity => " ORDER BY severity_rank DESC, sort_time DESC, id DESC",
        FindingSort::Updated => " ORDER BY sort_time DESC, id DESC",
        FindingSort::Resource => " ORDER BY COALESCE(resource_id, '') ASC, id ASC",
    });
    builder.push(" LIMIT ").push_bind(i64::try_from(limit + 1).unwrap_or(i64::MAX));
    builder.build_query_as::<FindingListRow>().fetch_all(pool).await.map(Ok)
}

fn micros(text: &str) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp_micros(text.parse().ok()?)
}

/// How many findings match, counted up to one more than [`COUNT_CAP`] (so
/// "more than 10,000" is told from exactly 10,000) to keep a broad filter
/// over a million findings cheap.
#[tracing::instrument(skip_all)]
pub async fn count(pool: &PgPool, query: &FindingQuery, scope: &Scope) -> Result<u64, sqlx::Error> {
    let mut builder = QueryBuilder::new("SELECT count(*) FROM (SELECT 1 FROM findings");
    push_filters(&mut builder, query, scope);
    builder.push(" LIMIT ").push_bind(i64::try_from(COUNT_CAP + 1).unwrap_or(i64::MAX)).push(") AS capped");
    let count: i64 = builder.build_query_scalar().fetch_one(pool).await?;
    Ok(u64::try_from(count).unwrap_or(0))
}

/// One finding's full row.
pub struct FindingDetailRow {
    pub id: String,
    pub title: Option<String>,
    pub description: Option<String>,
    pub product_name: Option<String>,
    pub generator_id: Option<String>,
    pub severity: Severity,
    pub control_id: Option<String>,
    pub associated_standards: Vec<String>,
    pub compliance_status: Option<ComplianceStatus>,
    pub workflow_status: WorkflowStatus,
    pub record_state: RecordState,
    pub account_id: String,
    pub region: String,
    pub resource_type: Option<String>,
    pub resource_id: Option<String>,
    pub resource_region: Option<String>,
    pub first_observed_at: Option<DateTime<Utc>>,
    pub last_observed_at: Option<DateTime<Utc>>,
    pub created_at: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
    pub remediation_text: Option<String>,
    pub remediation_url: Option<String>,
    pub raw: serde_json::Value,
}

pub async fn detail(pool: &PgPool, id: &str) -> Result<Option<FindingDetailRow>, sqlx::Error> {
    sqlx::query_as!(
        FindingDetailRow,
        r#"SELECT id, title, description, product_name, generator_id, severity AS "severity: Severity", control_id,
                  associated_standards, compliance_status AS "compliance_status: ComplianceStatus",
                  workflow_status AS "workflow_status: WorkflowStatus", record_state AS "record_state: RecordState",
                  account_id, region, resource_type, resource_id, resource_region, first_observed_at,
                  last_observed_at, created_at, updated_at, remediation_text, remediation_url, raw
           FROM findings WHERE id = $1"#,
        id
    )
    .fetch_optional(pool)
    .await
}

/// The accounts and regions any sync has covered, for the filter forms:
/// read from the small slices table, not from the findings.
pub async fn known_scopes(pool: &PgPool) -> Result<(Vec<String>, Vec<String>), sqlx::Error> {
    // Every account a sync has listed (a few thousand rows at most), and the
    // regions of each source's latest run: not a scan of every slice the
    // kept runs hold, which for thousands of accounts is hundreds of
    // thousands of rows.
    let accounts =
        sqlx::query_scalar!("SELECT account_id FROM aws_accounts ORDER BY account_id").fetch_all(pool).await?;
    let regions = sqlx::query_scalar!(
        r#"SELECT DISTINCT s.region AS "region!" FROM sync_slices s
           WHERE s.run_id IN (SELECT DISTINCT ON (source_id) id FROM sync_runs ORDER BY source_id, started_at DESC)
             AND s.region <> ''
           ORDER BY 1"#
    )
    .fetch_all(pool)
    .await?;
    Ok((accounts, regions))
}

/// Every workload's id and name, by name.
pub async fn workload_names(pool: &PgPool) -> Result<Vec<(Uuid, String)>, sqlx::Error> {
    let rows = sqlx::query!("SELECT id, name FROM workloads ORDER BY name, id").fetch_all(pool).await?;
    Ok(rows.into_iter().map(|row| (row.id, row.name)).collect())
}

/// The workloads whose accounts and regions hold a finding.
pub async fn workloads_holding(pool: &PgPool, account: &str, region: &str) -> Result<Vec<(Uuid, String)>, sqlx::Error> {
    let rows = sqlx::query!(
        "SELECT id, name FROM workloads WHERE $1 = ANY(account_ids) AND $2 = ANY(regions) ORDER BY name",
        account,
        region
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|row| (row.id, row.name)).collect())
}

/// A workload's accounts and regions.
pub async fn workload_scope(pool: &PgPool, id: Uuid) -> Result<Option<(Vec<String>, Vec<String>)>, sqlx::Error> {
    let row = sqlx::query!("SELECT account_ids, regions FROM workloads WHERE id = $1", id).fetch_optional(pool).await?;
    Ok(row.map(|row| (row.account_ids, row.regions)))
}

/// Gathers the controls that fail anywhere, per control: run after each
/// sync so the overview reads a few hundred rows, not a million.
pub async fn refresh_control_failures(pool: &PgPool) -> Result<u64, sqlx::Error> {
    let mut tx = pool.begin().await?;
    // Two syncs may finish at once: one gathers at a time.
    sqlx::query!("LOCK TABLE control_failures IN EXCLUSIVE MODE").execute(&mut *tx).await?;
    sqlx::query!("DELETE FROM control_failures").execute(&mut *tx).await?;
    let inserted = sqlx::query!(
        "INSERT INTO control_failures (control_id, severity, failing_findings, failing_accounts)
         SELECT control_id,
                (ARRAY['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'])[max(severity_rank) + 1],
                count(*), count(DISTINCT account_id)
         FROM findings
         WHERE record_state = 'ACTIVE' AND control_id IS NOT NULL AND compliance_status = 'FAILED'
         GROUP BY control_id"
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    tx.commit().await?;
    Ok(inserted)
}

pub struct ControlFailureRow {
    pub control_id: String,
    pub severity: Severity,
    pub failing_findings: i32,
    pub failing_accounts: i32,
}

/// The most severe failing controls, then the most widespread.
pub async fn worst_controls(pool: &PgPool, limit: i64) -> Result<Vec<ControlFailureRow>, sqlx::Error> {
    sqlx::query_as!(
        ControlFailureRow,
        r#"SELECT control_id, severity AS "severity: Severity", failing_findings, failing_accounts
           FROM control_failures
           ORDER BY CASE severity WHEN 'CRITICAL' THEN 4 WHEN 'HIGH' THEN 3 WHEN 'MEDIUM' THEN 2
                                  WHEN 'LOW' THEN 1 ELSE 0 END DESC,
                    failing_findings DESC, control_id
           LIMIT $1"#,
        limit
    )
    .fetch_all(pool)
    .await
}

/// An active finding as the CSV export lists it.
pub struct ExportFindingRow {
    pub id: String,
    pub account_id: String,
    pub account_name: Option<String>,
    pub region: String,
    pub control_id: Option<String>,
    pub title: Option<String>,
    pub severity: String,
    pub compliance_status: Option<String>,
    pub workflow_status: String,
    pub resource_type: Option<String>,
    pub resource_id: Option<String>,
    pub first_observed_at: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
}

/// Active findings in these accounts and regions, worst first.
pub async fn active_for_export(
    pool: &PgPool,
    accounts: &[String],
    regions: &[String],
) -> Result<Vec<ExportFindingRow>, sqlx::Error> {
    sqlx::query_as!(
        ExportFindingRow,
        r#"SELECT id, account_id, (SELECT a.name FROM aws_accounts a WHERE a.account_id = f.account_id) AS account_name,
                  region, control_id, title, severity, compliance_status, workflow_status,
                  resource_type, resource_id, first_observed_at, updated_at
           FROM findings f
           WHERE record_state = 'ACTIVE' AND account_id = ANY($1) AND region = ANY($2)
           ORDER BY array_position(ARRAY['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL'], severity),
                    control_id, resource_id, id"#,
        accounts,
        regions
    )
    .fetch_all(pool)
    .await
}
