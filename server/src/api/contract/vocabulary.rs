//! The words the API shares with the pages: the pillars, and the states
//! AWS reports, spelled as the AWS API spells them.

use app::domain;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Account names by account id, for the accounts that have one.
///
/// A named alias, not the map itself: the document names its schema
/// `BTreeMap` and refers to it, as it always has.
pub type AccountNames = std::collections::BTreeMap<String, String>;

/// One of the six Well-Architected pillars, named by the Well-Architected
/// API's pillar ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum Pillar {
    OperationalExcellence,
    Security,
    Reliability,
    Performance,
    CostOptimization,
    Sustainability,
}

same_variants!(both domain::Pillar <=> Pillar {
    OperationalExcellence,
    Security,
    Reliability,
    Performance,
    CostOptimization,
    Sustainability,
});

/// An AWS state as the API sends it. Its schema is written out: it names
/// the AWS spellings and, as the document always has, no description.
macro_rules! aws_state {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
        pub enum $name {
            $(#[serde(rename = $text)] $variant),+
        }

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some([$($text),+]))
                    .into()
            }
        }

        impl ToSchema for $name {}

        same_variants!(from domain::$name => $name { $($variant),+ });
    };
}

aws_state!(
    /// A Security Hub finding's severity label, lowest first.
    Severity {
        Informational => "INFORMATIONAL",
        Low => "LOW",
        Medium => "MEDIUM",
        High => "HIGH",
        Critical => "CRITICAL",
    }
);

aws_state!(
    /// Where a finding is in its investigation.
    WorkflowStatus {
        New => "NEW",
        Notified => "NOTIFIED",
        Resolved => "RESOLVED",
        Suppressed => "SUPPRESSED",
    }
);

aws_state!(
    /// Archived findings are kept but no longer count as current.
    RecordState {
        Active => "ACTIVE",
        Archived => "ARCHIVED",
    }
);

aws_state!(
    /// A Security Hub control check's result.
    ComplianceStatus {
        Passed => "PASSED",
        Warning => "WARNING",
        Failed => "FAILED",
        NotAvailable => "NOT_AVAILABLE",
    }
);

aws_state!(
    /// An AWS Config rule's compliance, for a rule or one resource.
    RuleCompliance {
        Compliant => "COMPLIANT",
        NonCompliant => "NON_COMPLIANT",
        NotApplicable => "NOT_APPLICABLE",
        InsufficientData => "INSUFFICIENT_DATA",
    }
);

aws_state!(
    /// A Well-Architected question's risk.
    Risk {
        High => "HIGH",
        Medium => "MEDIUM",
        None => "NONE",
        Unanswered => "UNANSWERED",
        NotApplicable => "NOT_APPLICABLE",
    }
);
