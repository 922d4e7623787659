//! Storing findings: the sync's path (one UNNEST upsert a page, in one
//! transaction) against PostgreSQL's COPY of the same rows into an
//! identical table. Run: `cargo bench -p server --bench store_findings`.

mod support;

use std::time::Instant;

use server::aws::securityhub::finding_from_asff;
use server::sources::records::Finding;
use sqlx::PgPool;
use uuid::Uuid;

const FINDINGS: usize = 100_000;
const PAGE: usize = 100;

#[tokio::main]
async fn main() {
    let pool = support::fresh_database("plinth_bench_store").await;
    let findings: Vec<Finding> = (0..FINDINGS)
        .map(|n| {
            finding_from_asff(&support::asff_finding(n, "111122223333", "eu-west-1"), "111122223333", "eu-west-1")
                .expect("a finding")
        })
        .collect();
    let source_id =
        server::db::sources::upsert(&pool, "bench", "aws", &serde_json::json!({}), 3600).await.expect("a source");

    let started = Instant::now();
    let mut tx = pool.begin().await.expect("a transaction");
    // As the sync writes them: Security Hub's pages gathered into statements.
    for rows in findings.chunks(server::db::findings::STATEMENT_ROWS) {
        server::db::findings::upsert_page(&mut tx, source_id, rows).await.expect("stored findings");
    }
    tx.commit().await.expect("commit");
    let upsert = started.elapsed();

    let copy = copy_into_identical_table(&pool, source_id, &findings).await;

    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM findings").fetch_one(&pool).await.expect("a count");
    let copied: i64 = sqlx::query_scalar("SELECT count(*) FROM findings_copy").fetch_one(&pool).await.expect("a count");
    assert_eq!((stored, copied), (FINDINGS as i64, FINDINGS as i64));
    let upsert_rate = FINDINGS as f64 / upsert.as_secs_f64();
    let copy_rate = FINDINGS as f64 / copy.as_secs_f64();
    println!("findings: {FINDINGS}, page size {PAGE}");
    println!(
        "sync store (UNNEST upsert, {} rows a statement): {:.2} s, {upsert_rate:.0} rows/s",
        server::db::findings::STATEMENT_ROWS,
        upsert.as_secs_f64()
    );
    println!("COPY into identical table:  {:.2} s, {copy_rate:.0} rows/s", copy.as_secs_f64());
    println!("ratio: {:.2} (target >= 0.9)", upsert_rate / copy_rate);
}

/// COPY (CSV) of the same rows into `findings_copy`, a table like
/// `findings` with the same indexes.
async fn copy_into_identical_table(pool: &PgPool, source_id: Uuid, findings: &[Finding]) -> std::time::Duration {
    sqlx::query("CREATE TABLE findings_copy (LIKE findings INCLUDING ALL)")
        .execute(pool)
        .await
        .expect("the copy table");
    let started = Instant::now();
    let mut conn = pool.acquire().await.expect("a connection");
    let mut copy = conn
        .copy_in_raw(
            "COPY findings_copy (id, source_id, product_arn, product_name, generator_id, account_id, region, title,
             description, control_id, associated_standards, compliance_status, severity, workflow_status,
             record_state, resource_type, resource_id, resource_region, resource_tags, first_observed_at,
             last_observed_at, created_at, updated_at, remediation_text, remediation_url, raw) FROM STDIN (FORMAT csv)",
        )
        .await
        .expect("COPY starts");
    for page in findings.chunks(PAGE) {
        let mut csv = String::new();
        for f in page {
            let time = |t: Option<chrono::DateTime<chrono::Utc>>| t.map(|t| t.to_rfc3339());
            let fields: [Option<String>; 26] = [
                Some(f.id.clone()),
                Some(source_id.to_string()),
                Some(f.product_arn.clone()),
                f.product_name.clone(),
                f.generator_id.clone(),
                Some(f.account_id.clone()),
                Some(f.region.clone()),
                f.title.clone(),
                f.description.clone(),
                f.control_id.clone(),
                Some(format!(
                    "{{{}}}",
                    f.associated_standards.iter().map(|s| format!("\"{s}\"")).collect::<Vec<_>>().join(",")
                )),
                f.compliance_status.map(|s| s.as_str().to_owned()),
                Some(f.severity.as_str().to_owned()),
                Some(f.workflow_status.as_str().to_owned()),
                Some(f.record_state.as_str().to_owned()),
                f.resource_type.clone(),
                f.resource_id.clone(),
                f.resource_region.clone(),
                Some(f.resource_tags.to_string()),
                time(f.first_observed_at),
                time(f.last_observed_at),
                time(f.created_at),
                time(f.updated_at),
                f.remediation_text.clone(),
                f.remediation_url.clone(),
                Some(f.raw.to_string()),
            ];
            let line: Vec<String> = fields
                .iter()
                .map(|field| match field {
                    None => String::new(),
                    Some(value) => format!("\"{}\"", value.replace('"', "\"\"")),
                })
                .collect();
            csv.push_str(&line.join(","));
            csv.push('\n');
        }
        copy.send(csv.as_bytes()).await.expect("a COPY chunk");
    }
    copy.finish().await.expect("COPY finishes");
    started.elapsed()
}
