//! The review as CSV tables for spreadsheets: the findings in the
//! workload's scope, its remediation items and its checklist state; for the
//! organisation, its workloads and every remediation item.

use app::domain::Pillar;
use serde::Serialize;
use sqlx::PgPool;

use super::ExportError;
use super::organisation::OrganisationReport;
use super::review::Review;

/// One CSV file from rows, with a header from the row's field names. The
/// rows are written once to learn their cells, then every cell is
/// neutralised on its way into the file: no field can hold a formula.
fn table<T: Serialize>(rows: impl IntoIterator<Item = T>) -> Result<Vec<u8>, ExportError> {
    let write_error = |error: csv::Error| ExportError::Write(error.to_string());
    let mut staged = csv::Writer::from_writer(Vec::new());
    for row in rows {
        staged.serialize(row).map_err(write_error)?;
    }
    let staged = staged.into_inner().map_err(|error| ExportError::Write(error.to_string()))?;
    let mut cells = csv::ReaderBuilder::new().has_headers(false).from_reader(staged.as_slice());
    let mut writer = csv::Writer::from_writer(Vec::new());
    for record in cells.records() {
        let record = record.map_err(write_error)?;
        writer.write_record(record.iter().map(|cell| neutralised(cell).into_owned())).map_err(write_error)?;
    }
    writer.into_inner().map_err(|error| ExportError::Write(error.to_string()))
}

/// A cell a spreadsheet would run as a formula (it starts with `=`, `+`,
/// `-`, `@`, a tab or a carriage return) gets a leading `'`, as OWASP
/// advises, so it is shown as text. Numbers such as `-3` stay numbers.
fn neutralised(cell: &str) -> std::borrow::Cow<'_, str> {
    let formula = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if formula && cell.parse::<f64>().is_err() { format!("'{cell}").into() } else { cell.into() }
}

/// A header-only file when there are no rows, so every table has its columns.
fn table_or_header<T: Serialize>(rows: Vec<T>, header: &[&str]) -> Result<Vec<u8>, ExportError> {
    if rows.is_empty() {
        let mut writer = csv::Writer::from_writer(Vec::new());
        writer.write_record(header).map_err(|error| ExportError::Write(error.to_string()))?;
        return writer.into_inner().map_err(|error| ExportError::Write(error.to_string()));
    }
    table(rows)
}

#[derive(Serialize)]
struct FindingRow {
    id: String,
    account_id: String,
    account_name: Option<String>,
    region: String,
    control_id: Option<String>,
    title: Option<String>,
    severity: String,
    compliance_status: Option<String>,
    workflow_status: String,
    resource_type: Option<String>,
    resource_id: Option<String>,
    first_observed_at: Option<String>,
    updated_at: Option<String>,
}

const FINDING_COLUMNS: [&str; 13] = [
    "id",
    "account_id",
    "account_name",
    "region",
    "control_id",
    "title",
    "severity",
    "compliance_status",
    "workflow_status",
    "resource_type",
    "resource_id",
    "first_observed_at",
    "updated_at",
];

#[derive(Serialize)]
struct ItemRow<'a> {
    id: String,
    title: &'a str,
    pillar: &'static str,
    source: &'a str,
    source_key: &'a str,
    priority: &'static str,
    owner: &'a str,
    due_on: String,
    overdue: bool,
    status: &'static str,
    acceptance_reason: &'a str,
    accepted_until: String,
    ticket_url: &'a str,
    ticket_system: &'static str,
    created_at: String,
    updated_at: String,
}

const ITEM_COLUMNS: [&str; 16] = [
    "id",
    "title",
    "pillar",
    "source",
    "source_key",
    "priority",
    "owner",
    "due_on",
    "overdue",
    "status",
    "acceptance_reason",
    "accepted_until",
    "ticket_url",
    "ticket_system",
    "created_at",
    "updated_at",
];

#[derive(Serialize)]
struct ChecklistRow<'a> {
    pack: &'a str,
    item: &'a str,
    pillar: &'static str,
    text: &'a str,
    state: &'static str,
    by_evidence: bool,
    evidence: &'static str,
    who: &'a str,
    at: String,
    note: &'a str,
}

const CHECKLIST_COLUMNS: [&str; 10] =
    ["pack", "item", "pillar", "text", "state", "by_evidence", "evidence", "who", "at", "note"];

/// The review's three tables: findings.csv, remediation.csv, checklist.csv.
pub async fn review_tables(pool: &PgPool, review: &Review) -> Result<Vec<(String, Vec<u8>)>, ExportError> {
    let findings = findings_in_scope(pool, &review.workload.accounts, &review.workload.regions).await?;
    let items: Vec<ItemRow> = review
        .remediation_items
        .iter()
        .map(|item| ItemRow {
            id: item.id.to_string(),
            title: &item.title,
            pillar: item.pillar.name(),
            source: &item.source_kind,
            source_key: item.source_key.as_deref().unwrap_or_default(),
            priority: item.priority.as_str(),
            owner: item.owner.as_deref().unwrap_or_default(),
            due_on: item.due_on.to_string(),
            overdue: item.overdue,
            status: item.status.as_str(),
            acceptance_reason: item.acceptance_reason.as_deref().unwrap_or_default(),
            accepted_until: item.accepted_until.map(|d| d.to_string()).unwrap_or_default(),
            ticket_url: item.ticket_url.as_deref().unwrap_or_default(),
            ticket_system: item.ticket_system.map(|system| system.as_str()).unwrap_or_default(),
            created_at: item.created_at.to_rfc3339(),
            updated_at: item.updated_at.to_rfc3339(),
        })
        .collect();
    let checklist: Vec<ChecklistRow> = review
        .checklist
        .iter()
        .map(|line| ChecklistRow {
            pack: &line.pack,
            item: &line.item,
            pillar: line.pillar.name(),
            text: &line.text,
            state: line.state.as_str(),
            by_evidence: line.by_evidence,
            evidence: line.evidence.as_str(),
            who: line.actor.as_deref().unwrap_or_default(),
            at: line.at.map(|at| at.to_rfc3339()).unwrap_or_default(),
            note: &line.note,
        })
        .collect();
    Ok(vec![
        ("findings.csv".to_owned(), table_or_header(findings, &FINDING_COLUMNS)?),
        ("remediation.csv".to_owned(), table_or_header(items, &ITEM_COLUMNS)?),
        ("checklist.csv".to_owned(), table_or_header(checklist, &CHECKLIST_COLUMNS)?),
    ])
}

/// Active findings in these accounts and regions, worst first.
async fn findings_in_scope(
    pool: &PgPool,
    accounts: &[String],
    regions: &[String],
) -> Result<Vec<FindingRow>, ExportError> {
    let rows = crate::db::finding_reads::active_for_export(pool, accounts, regions)
        .await
        .map_err(|error| ExportError::App(crate::dashboard::database_error(error)))?;
    Ok(rows
        .into_iter()
        .map(|row| FindingRow {
            id: row.id,
            account_id: row.account_id,
            account_name: row.account_name,
            region: row.region,
            control_id: row.control_id,
            title: row.title,
            severity: row.severity,
            compliance_status: row.compliance_status,
            workflow_status: row.workflow_status,
            resource_type: row.resource_type,
            resource_id: row.resource_id,
            first_observed_at: row.first_observed_at.map(|at| at.to_rfc3339()),
            updated_at: row.updated_at.map(|at| at.to_rfc3339()),
        })
        .collect())
}

#[derive(Serialize)]
struct WorkloadRow<'a> {
    id: String,
    name: &'a str,
    environment: &'a str,
    owner: &'a str,
    overall: Option<u8>,
    operational_excellence: Option<u8>,
    security: Option<u8>,
    reliability: Option<u8>,
    performance_efficiency: Option<u8>,
    cost_optimization: Option<u8>,
    sustainability: Option<u8>,
    high_risks: u32,
    medium_risks: u32,
    open_items: i64,
    overdue_items: i64,
}

const WORKLOAD_COLUMNS: [&str; 15] = [
    "id",
    "name",
    "environment",
    "owner",
    "overall",
    "operational_excellence",
    "security",
    "reliability",
    "performance_efficiency",
    "cost_optimization",
    "sustainability",
    "high_risks",
    "medium_risks",
    "open_items",
    "overdue_items",
];

/// The organisation's tables: workloads.csv (scores and counts per workload).
pub fn organisation_tables(report: &OrganisationReport) -> Result<Vec<(String, Vec<u8>)>, ExportError> {
    let score = |scores: &[Option<u8>], pillar: Pillar| {
        Pillar::ALL.iter().position(|p| *p == pillar).and_then(|i| scores.get(i).copied().flatten())
    };
    let rows: Vec<WorkloadRow> = report
        .workloads
        .iter()
        .map(|w| WorkloadRow {
            id: w.id.to_string(),
            name: &w.name,
            environment: w.environment.as_deref().unwrap_or_default(),
            owner: w.owner.as_deref().unwrap_or_default(),
            overall: w.overall,
            operational_excellence: score(&w.scores, Pillar::OperationalExcellence),
            security: score(&w.scores, Pillar::Security),
            reliability: score(&w.scores, Pillar::Reliability),
            performance_efficiency: score(&w.scores, Pillar::Performance),
            cost_optimization: score(&w.scores, Pillar::CostOptimization),
            sustainability: score(&w.scores, Pillar::Sustainability),
            high_risks: w.high_risks,
            medium_risks: w.medium_risks,
            open_items: w.active,
            overdue_items: w.overdue,
        })
        .collect();
    Ok(vec![("workloads.csv".to_owned(), table_or_header(rows, &WORKLOAD_COLUMNS)?)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Row {
        name: &'static str,
        note: &'static str,
    }

    #[test]
    fn a_table_has_a_header_and_quotes_what_needs_quoting() {
        let bytes =
            table(vec![Row { name: "a", note: "one, two" }, Row { name: "b", note: "say \"hi\"" }]).expect("a table");
        assert_eq!(String::from_utf8(bytes).expect("UTF-8"), "name,note\na,\"one, two\"\nb,\"say \"\"hi\"\"\"\n");
    }

    #[test]
    fn a_cell_that_a_spreadsheet_would_run_is_written_as_text() {
        let rows =
            ["=HYPERLINK(\"https://evil.example\")", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx", "-3", "+4.5", "a=b"]
                .map(|note| Row { name: "n", note });
        let bytes = table(rows).expect("a table");
        let text = String::from_utf8(bytes).expect("UTF-8");
        let cells: Vec<String> = csv::Reader::from_reader(text.as_bytes())
            .records()
            .map(|record| record.expect("a record")[1].to_owned())
            .collect();
        assert_eq!(
            cells,
            [
                "'=HYPERLINK(\"https://evil.example\")",
                "'+1+1",
                "'-2+3",
                "'@SUM(A1)",
                "'\tx",
                "'\rx",
                "-3",
                "+4.5",
                "a=b"
            ]
        );
    }

    #[test]
    fn an_empty_table_still_has_its_columns() {
        let bytes = table_or_header(Vec::<Row>::new(), &["name", "note"]).expect("a table");
        assert_eq!(bytes, b"name,note\n");
    }
}
