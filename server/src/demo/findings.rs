//! Demo Security Hub findings: one per check of an account and region,
//! made a page at a time.

use app::domain::{ComplianceStatus, RecordState, Severity, WorkflowStatus};
use chrono::{DateTime, Duration, Utc};
use serde_json::json;

use super::organisation::Organisation;
use super::resources::resource_id;
use super::roll;
use crate::reference::Control;
use crate::sources::records::Finding;

const PAGE: usize = 100;
const STANDARD: &str = "standards/aws-foundational-security-best-practices/v/1.0.0";
const NAMES: [&str; 10] =
    ["orders", "payments", "catalog", "search", "sessions", "audit-logs", "media", "reports", "inventory", "events"];

/// Whether a check fails: decided by the Config rule the control evaluates
/// (or the control, without one), so the finding, the rule's result and
/// every other control on the same rule agree about the resource. As in
/// real estates, most checks pass everywhere in an account; the rest fail
/// on many of their resources.
pub fn check_fails(org: &Organisation, account_id: &str, region: &str, control: &Control, resource: usize) -> bool {
    let hygiene = org.account(account_id).map_or(0.8, |account| account.hygiene);
    let check = control.config_rule.as_deref().unwrap_or(&control.id);
    let troubled = roll(org.spec.seed, &["troubled", account_id, check]) > hygiene;
    troubled && roll(org.spec.seed, &["fails", account_id, region, check, &resource.to_string()]) < 0.6
}

/// The name a check's resource carries.
pub fn resource_name(resource: usize) -> &'static str {
    NAMES[resource % NAMES.len()]
}

/// The findings of an account and region, a page at a time; only those
/// updated at or after `since` when it is given, as Security Hub's
/// `UpdatedAt` filter answers an incremental sync.
pub fn pages<'a>(
    org: &'a Organisation,
    account_id: &'a str,
    region: &'a str,
    since: Option<DateTime<Utc>>,
) -> impl Iterator<Item = Vec<Finding>> + 'a {
    let mut checks = org
        .checks(account_id, region)
        .filter(move |(control, resource)| {
            since.is_none_or(|since| updated_at(org, account_id, region, *control, *resource) >= since)
        })
        .peekable();
    std::iter::from_fn(move || {
        checks.peek()?;
        Some(
            checks
                .by_ref()
                .take(PAGE)
                .map(|(control, resource)| finding(org, account_id, region, control, resource))
                .collect(),
        )
    })
}

/// When a check's finding was last updated: within the twelve days before
/// the organisation's anchor.
fn updated_at(org: &Organisation, account: &str, region: &str, control_index: usize, resource: usize) -> DateTime<Utc> {
    let control = org.controls[control_index].0;
    let dice = roll(org.spec.seed, &["updated", account, region, &control.id, &resource.to_string()]);
    org.anchor - Duration::hours((dice * 24.0 * 12.0) as i64)
}

fn finding(org: &Organisation, account: &str, region: &str, control_index: usize, resource: usize) -> Finding {
    let (control, resource_type) = org.controls[control_index];
    let dice = |what: &str| roll(org.spec.seed, &[what, account, region, &control.id, &resource.to_string()]);
    let failed = check_fails(org, account, region, control, resource);
    let unavailable = dice("unavailable") < 0.02;
    let compliance = match (unavailable, failed) {
        (true, _) => ComplianceStatus::NotAvailable,
        (false, true) => ComplianceStatus::Failed,
        (false, false) => ComplianceStatus::Passed,
    };
    // Passed checks are informational; failed ones carry the control's severity.
    let severity = if compliance == ComplianceStatus::Failed { control.severity } else { Severity::Informational };
    let workflow = match (compliance, dice("workflow")) {
        (ComplianceStatus::Passed, _) => WorkflowStatus::Resolved,
        (_, w) if w < 0.6 => WorkflowStatus::New,
        (_, w) if w < 0.85 => WorkflowStatus::Notified,
        (_, w) if w < 0.95 => WorkflowStatus::Suppressed,
        _ => WorkflowStatus::Resolved,
    };
    let record_state = if dice("archived") < 0.04 { RecordState::Archived } else { RecordState::Active };
    let first_observed = org.anchor - Duration::hours((dice("first") * 24.0 * 170.0) as i64 + 24);
    let updated = updated_at(org, account, region, control_index, resource);
    let id = format!(
        "arn:aws:securityhub:{region}:{account}:security-control/{}/finding/{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        control.id,
        (dice("id-a") * f64::from(u32::MAX)) as u32,
        (dice("id-b") * 65535.0) as u16,
        (dice("id-c") * 4095.0) as u16,
        (dice("id-d") * 4095.0) as u16,
        (dice("id-e") * 2.8e14) as u64,
    );
    let resource_arn = resource_id(resource_type, account, region, resource, resource_name(resource));
    let remediation_url = format!("https://docs.aws.amazon.com/console/securityhub/{}/remediation", control.id);
    let team = ["payments", "platform", "data", "web"][resource % 4];
    let raw = json!({
        "SchemaVersion": "2018-10-08",
        "Id": id,
        "ProductArn": format!("arn:aws:securityhub:{region}::product/aws/securityhub"),
        "ProductName": "Security Hub",
        "CompanyName": "AWS",
        "Region": region,
        "GeneratorId": format!("security-control/{}", control.id),
        "AwsAccountId": account,
        "Types": ["Software and Configuration Checks/Industry and Regulatory Standards"],
        "Title": control.title,
        "Severity": { "Label": severity.as_str() },
        "Compliance": { "Status": compliance.as_str(), "SecurityControlId": control.id, "AssociatedStandards": [{ "StandardsId": STANDARD }] },
        "Workflow": { "Status": workflow.as_str() },
        "RecordState": record_state.as_str(),
        "Resources": [{ "Type": resource_type, "Id": resource_arn, "Partition": "aws", "Region": region, "Tags": { "team": team } }],
        "Remediation": { "Recommendation": { "Text": "Follow the control's remediation steps in the Security Hub documentation.", "Url": remediation_url } },
    });
    Finding {
        product_arn: format!("arn:aws:securityhub:{region}::product/aws/securityhub"),
        product_name: Some("Security Hub".into()),
        generator_id: Some(format!("security-control/{}", control.id)),
        account_id: account.to_owned(),
        region: region.to_owned(),
        title: Some(control.title.clone()),
        description: Some(format!("This check evaluates whether: {}.", control.title.to_lowercase())),
        control_id: Some(control.id.clone()),
        associated_standards: vec![STANDARD.to_owned()],
        compliance_status: Some(compliance),
        severity,
        workflow_status: workflow,
        record_state,
        resource_type: Some(resource_type.to_owned()),
        resource_id: Some(resource_arn),
        resource_region: Some(region.to_owned()),
        resource_tags: json!({ "team": team }),
        first_observed_at: Some(first_observed),
        last_observed_at: Some(updated),
        created_at: Some(first_observed),
        updated_at: Some(updated),
        remediation_text: Some("Follow the control's remediation steps in the Security Hub documentation.".into()),
        remediation_url: Some(remediation_url),
        raw,
        id,
    }
}
