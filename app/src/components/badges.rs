//! One component per state, so a severity, a risk or a compliance result
//! looks the same on every page.

use leptos::prelude::*;

use crate::domain::{ComplianceStatus, Risk, RuleCompliance, Severity};

/// A Security Hub severity.
#[component]
pub fn SeverityBadge(severity: Severity) -> impl IntoView {
    let text = match severity {
        Severity::Critical => "Critical",
        Severity::High => "High",
        Severity::Medium => "Medium",
        Severity::Low => "Low",
        Severity::Informational => "Info",
    };
    view! { <span class=format!("badge severity severity-{}", severity.as_str().to_lowercase())>{text}</span> }
}

/// A Well-Architected question's risk; a dash when it is unknown.
#[component]
pub fn RiskBadge(risk: Option<Risk>) -> impl IntoView {
    let (class, text) = match risk {
        Some(Risk::High) => ("high", "High risk"),
        Some(Risk::Medium) => ("medium", "Medium risk"),
        Some(Risk::None) => ("none", "No risk"),
        Some(Risk::Unanswered) => ("unanswered", "Unanswered"),
        Some(Risk::NotApplicable) => ("not_applicable", "Not applicable"),
        None => ("unknown", "Not reviewed"),
    };
    view! { <span class=format!("badge risk risk-{class}")>{text}</span> }
}

/// A Security Hub control check's result.
#[component]
pub fn ComplianceBadge(compliance: Option<ComplianceStatus>) -> impl IntoView {
    let (class, text) = match compliance {
        Some(ComplianceStatus::Passed) => ("passed", "Passed"),
        Some(ComplianceStatus::Failed) => ("failed", "Failed"),
        Some(ComplianceStatus::Warning) => ("warning", "Warning"),
        Some(ComplianceStatus::NotAvailable) | None => ("none", "Not available"),
    };
    view! { <span class=format!("badge result result-{class}")>{text}</span> }
}

/// An AWS Config compliance result.
#[component]
pub fn RuleComplianceBadge(compliance: Option<RuleCompliance>) -> impl IntoView {
    let (class, text) = match compliance {
        Some(RuleCompliance::Compliant) => ("passed", "Compliant"),
        Some(RuleCompliance::NonCompliant) => ("failed", "Non-compliant"),
        Some(RuleCompliance::NotApplicable) => ("none", "Not applicable"),
        Some(RuleCompliance::InsufficientData) | None => ("none", "Insufficient data"),
    };
    view! { <span class=format!("badge result result-{class}")>{text}</span> }
}

/// Pass or fail of a piece of evidence; "no data" when it has no result.
#[component]
pub fn EvidenceBadge(passed: Option<bool>) -> impl IntoView {
    let (class, text) = match passed {
        Some(true) => ("passed", "Passed"),
        Some(false) => ("failed", "Failed"),
        None => ("none", "No data"),
    };
    view! { <span class=format!("badge result result-{class}")>{text}</span> }
}

/// A sync run's status.
#[component]
pub fn RunStatusBadge(#[prop(into)] status: String) -> impl IntoView {
    let (class, text) = match status.as_str() {
        "succeeded" => ("passed", "Succeeded"),
        "partial" => ("warning", "Partly failed"),
        "failed" => ("failed", "Failed"),
        "running" => ("running", "Running"),
        _ => ("none", "Unknown"),
    };
    view! { <span class=format!("badge result result-{class}")>{text}</span> }
}
