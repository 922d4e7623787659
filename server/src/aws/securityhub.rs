//! Security Hub: `GetFindings` a page at a time, each finding turned into a
//! [`Finding`] record with the whole ASFF finding kept as JSON.

use app::domain::{ComplianceStatus, RecordState, Severity, WorkflowStatus};
use aws_sdk_securityhub::Client;
use aws_sdk_securityhub::types::{AwsSecurityFinding, AwsSecurityFindingFilters, DateFilter};
use chrono::{DateTime, Utc};
use futures::Stream;
use serde_json::{Map, Value, json};

use super::error::fetch_error;
use super::rate::RateLimiter;
use super::time::{parse_iso, to_iso};
use crate::sources::FetchError;
use crate::sources::records::Finding;

/// `GetFindings` allows at most 100 findings a page.
pub const PAGE_SIZE: i32 = 100;

/// The findings of one account and region (or of an aggregation region),
/// updated at or after `since` when given, one page at a time. Each request
/// waits for the limiter first.
pub fn finding_pages<'a>(
    client: Client,
    limiter: &'a RateLimiter,
    account_id: &'a str,
    region: &'a str,
    since: Option<DateTime<Utc>>,
) -> impl Stream<Item = Result<Vec<Finding>, FetchError>> + Send + 'a {
    async_stream::try_stream! {
        let mut request = client.get_findings().max_results(PAGE_SIZE);
        if let Some(since) = since {
            request = request.filters(updated_since(since));
        }
        let mut pages = request.into_paginator().send();
        loop {
            limiter.acquire().await;
            let Some(page) = pages.next().await else { break };
            let page = page.map_err(|error| fetch_error("GetFindings", error))?;
            yield page
                .findings()
                .iter()
                .filter_map(|finding| finding_from_asff(finding, account_id, region))
                .collect::<Vec<_>>();
        }
    }
}

fn updated_since(since: DateTime<Utc>) -> AwsSecurityFindingFilters {
    // Security Hub wants both ends of a date filter; the far end is open.
    let until = since + chrono::Duration::days(365 * 100);
    AwsSecurityFindingFilters::builder()
        .updated_at(DateFilter::builder().start(to_iso(since)).end(to_iso(until)).build())
        .build()
}

/// The record for one ASFF finding. A finding without an id cannot be
/// stored and is skipped; an account or region AWS left out is the slice's.
pub fn finding_from_asff(finding: &AwsSecurityFinding, account_id: &str, region: &str) -> Option<Finding> {
    let Some(id) = finding.id() else {
        tracing::warn!(account_id, region, "skipped a finding without an id");
        return None;
    };
    let compliance = finding.compliance();
    let resource = finding.resources().first();
    let recommendation = finding.remediation().and_then(|remediation| remediation.recommendation());
    Some(Finding {
        id: id.to_owned(),
        product_arn: finding.product_arn().unwrap_or_default().to_owned(),
        product_name: finding.product_name().map(str::to_owned),
        generator_id: finding.generator_id().map(str::to_owned),
        account_id: finding.aws_account_id().unwrap_or(account_id).to_owned(),
        region: finding.region().unwrap_or(region).to_owned(),
        title: finding.title().map(str::to_owned),
        description: finding.description().map(str::to_owned),
        control_id: compliance.and_then(|c| c.security_control_id()).map(str::to_owned),
        associated_standards: compliance
            .map(|c| c.associated_standards().iter().filter_map(|s| s.standards_id()).map(str::to_owned).collect())
            .unwrap_or_default(),
        compliance_status: compliance
            .and_then(|c| c.status())
            .and_then(|status| ComplianceStatus::parse(status.as_str()).ok()),
        severity: severity(finding),
        workflow_status: finding
            .workflow()
            .and_then(|workflow| workflow.status())
            .and_then(|status| WorkflowStatus::parse(status.as_str()).ok())
            .unwrap_or(WorkflowStatus::New),
        record_state: finding
            .record_state()
            .and_then(|state| RecordState::parse(state.as_str()).ok())
            .unwrap_or(RecordState::Active),
        resource_type: resource.and_then(|r| r.r#type()).map(str::to_owned),
        resource_id: resource.and_then(|r| r.id()).map(str::to_owned),
        resource_region: resource.and_then(|r| r.region()).map(str::to_owned),
        resource_tags: resource.and_then(|r| r.tags()).map(string_map).unwrap_or_else(|| json!({})),
        first_observed_at: parse_iso(finding.first_observed_at()),
        last_observed_at: parse_iso(finding.last_observed_at()),
        created_at: parse_iso(finding.created_at()),
        updated_at: parse_iso(finding.updated_at()),
        remediation_text: recommendation.and_then(|r| r.text()).map(str::to_owned),
        remediation_url: recommendation.and_then(|r| r.url()).map(str::to_owned),
        raw: raw_asff(finding),
    })
}

/// The label, or the label the normalized score stands for when a product
/// sent only a number.
fn severity(finding: &AwsSecurityFinding) -> Severity {
    let Some(severity) = finding.severity() else {
        return Severity::Informational;
    };
    if let Some(label) = severity.label().and_then(|label| Severity::parse(label.as_str()).ok()) {
        return label;
    }
    match severity.normalized().unwrap_or(0) {
        90.. => Severity::Critical,
        70..=89 => Severity::High,
        40..=69 => Severity::Medium,
        1..=39 => Severity::Low,
        _ => Severity::Informational,
    }
}

fn string_map(map: &std::collections::HashMap<String, String>) -> Value {
    Value::Object(map.iter().map(|(key, value)| (key.clone(), Value::String(value.clone()))).collect())
}

/// The finding in ASFF's own shape, with the fields Plinth knows; resource
/// `Details` (hundreds of service-specific shapes) are left out.
fn raw_asff(finding: &AwsSecurityFinding) -> Value {
    let mut raw = Map::new();
    let mut put = |key: &str, value: Value| {
        if !value.is_null() {
            raw.insert(key.to_owned(), value);
        }
    };
    put("SchemaVersion", json!(finding.schema_version()));
    put("Id", json!(finding.id()));
    put("ProductArn", json!(finding.product_arn()));
    put("ProductName", json!(finding.product_name()));
    put("CompanyName", json!(finding.company_name()));
    put("Region", json!(finding.region()));
    put("GeneratorId", json!(finding.generator_id()));
    put("AwsAccountId", json!(finding.aws_account_id()));
    put("AwsAccountName", json!(finding.aws_account_name()));
    put("Types", json!(finding.types()));
    put("FirstObservedAt", json!(finding.first_observed_at()));
    put("LastObservedAt", json!(finding.last_observed_at()));
    put("CreatedAt", json!(finding.created_at()));
    put("UpdatedAt", json!(finding.updated_at()));
    put("Title", json!(finding.title()));
    put("Description", json!(finding.description()));
    put("SourceUrl", json!(finding.source_url()));
    put("ProductFields", json!(finding.product_fields()));
    put("UserDefinedFields", json!(finding.user_defined_fields()));
    if let Some(severity) = finding.severity() {
        put(
            "Severity",
            json!({
                "Label": severity.label().map(|label| label.as_str()),
                "Original": severity.original(),
            }),
        );
    }
    if let Some(recommendation) = finding.remediation().and_then(|r| r.recommendation()) {
        put(
            "Remediation",
            json!({
                "Recommendation": { "Text": recommendation.text(), "Url": recommendation.url() }
            }),
        );
    }
    put(
        "Resources",
        Value::Array(
            finding
                .resources()
                .iter()
                .map(|resource| {
                    json!({
                        "Type": resource.r#type(),
                        "Id": resource.id(),
                        "Partition": resource.partition().map(|p| p.as_str()),
                        "Region": resource.region(),
                        "Tags": resource.tags(),
                    })
                })
                .collect(),
        ),
    );
    if let Some(compliance) = finding.compliance() {
        put(
            "Compliance",
            json!({
                "Status": compliance.status().map(|status| status.as_str()),
                "SecurityControlId": compliance.security_control_id(),
                "RelatedRequirements": compliance.related_requirements(),
                "AssociatedStandards": compliance
                    .associated_standards()
                    .iter()
                    .map(|standard| json!({ "StandardsId": standard.standards_id() }))
                    .collect::<Vec<_>>(),
                "StatusReasons": compliance
                    .status_reasons()
                    .iter()
                    .map(|reason| json!({ "ReasonCode": reason.reason_code(), "Description": reason.description() }))
                    .collect::<Vec<_>>(),
            }),
        );
    }
    if let Some(workflow) = finding.workflow() {
        put("Workflow", json!({ "Status": workflow.status().map(|status| status.as_str()) }));
    }
    put("RecordState", json!(finding.record_state().map(|state| state.as_str())));
    if let Some(note) = finding.note() {
        put("Note", json!({ "Text": note.text(), "UpdatedBy": note.updated_by(), "UpdatedAt": note.updated_at() }));
    }
    Value::Object(raw)
}
