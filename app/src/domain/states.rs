//! The states AWS reports, as enums. Each is spelled as the AWS API spells
//! it, which is also how the database stores it; this is the one place that
//! maps them to and from text.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A state text that is not one of the known values.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{value:?} is not a known {kind}")]
pub struct UnknownState {
    pub kind: &'static str,
    pub value: String,
}

macro_rules! aws_state {
    ($(#[$meta:meta])* $name:ident, $kind:literal { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name {
            $(#[serde(rename = $text)] $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The AWS API's spelling, as stored.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            pub fn parse(value: &str) -> Result<$name, UnknownState> {
                match value {
                    $($text => Ok($name::$variant),)+
                    _ => Err(UnknownState { kind: $kind, value: value.to_owned() }),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

aws_state!(
    /// A Security Hub finding's severity label, lowest first.
    Severity, "severity" {
        Informational => "INFORMATIONAL",
        Low => "LOW",
        Medium => "MEDIUM",
        High => "HIGH",
        Critical => "CRITICAL",
    }
);

aws_state!(
    /// Where a finding is in its investigation.
    WorkflowStatus, "workflow status" {
        New => "NEW",
        Notified => "NOTIFIED",
        Resolved => "RESOLVED",
        Suppressed => "SUPPRESSED",
    }
);

aws_state!(
    /// Archived findings are kept but no longer count as current.
    RecordState, "record state" {
        Active => "ACTIVE",
        Archived => "ARCHIVED",
    }
);

aws_state!(
    /// A Security Hub control check's result.
    ComplianceStatus, "compliance status" {
        Passed => "PASSED",
        Warning => "WARNING",
        Failed => "FAILED",
        NotAvailable => "NOT_AVAILABLE",
    }
);

aws_state!(
    /// An AWS Config rule's compliance, for a rule or one resource.
    RuleCompliance, "rule compliance" {
        Compliant => "COMPLIANT",
        NonCompliant => "NON_COMPLIANT",
        NotApplicable => "NOT_APPLICABLE",
        InsufficientData => "INSUFFICIENT_DATA",
    }
);

aws_state!(
    /// A Well-Architected question's risk.
    Risk, "risk" {
        High => "HIGH",
        Medium => "MEDIUM",
        None => "NONE",
        Unanswered => "UNANSWERED",
        NotApplicable => "NOT_APPLICABLE",
    }
);

impl Severity {
    /// The weight of a control of this severity in the evidence score.
    pub fn weight(self) -> u32 {
        match self {
            Severity::Critical => 4,
            Severity::High => 3,
            Severity::Medium => 2,
            Severity::Low => 1,
            Severity::Informational => 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_reads_back_from_its_own_spelling() {
        for severity in Severity::ALL {
            assert_eq!(Severity::parse(severity.as_str()), Ok(*severity));
        }
        for status in WorkflowStatus::ALL {
            assert_eq!(WorkflowStatus::parse(status.as_str()), Ok(*status));
        }
        for risk in Risk::ALL {
            assert_eq!(Risk::parse(risk.as_str()), Ok(*risk));
        }
    }

    #[test]
    fn an_unknown_state_is_an_error_that_names_it() {
        let error = RuleCompliance::parse("MOSTLY_FINE").expect_err("not a compliance");
        assert_eq!(error.to_string(), "\"MOSTLY_FINE\" is not a known rule compliance");
    }

    #[test]
    fn severities_order_from_informational_to_critical() {
        assert!(Severity::Informational < Severity::Low);
        assert!(Severity::High < Severity::Critical);
    }
}
