//! Remediation items: work to fix a risk. Created from a failing control or
//! rule, a question at high or medium risk, an open checklist item, or by
//! hand; one item per source per workload. Items have an owner, a due date
//! (by priority unless given), a status, comments and full history; a risk
//! accepted until a date reopens on that date; after each sync an item whose
//! source passes is resolved by the evidence, and reopened if it fails again.

pub mod follow;
pub mod store;
pub mod write_back;

use app::domain::remediation::Priority;
use app::domain::{Pillar, Risk, Severity};
use chrono::{Days, NaiveDate};
use serde::Deserialize;

/// `[remediation]` in the settings.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq)]
pub struct RemediationSettings {
    /// Days from creation to the default due date, by priority.
    pub due_days: DueDays,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DueDays {
    pub critical: u32,
    pub high: u32,
    pub medium: u32,
    pub low: u32,
}

impl Default for RemediationSettings {
    fn default() -> Self {
        RemediationSettings { due_days: DueDays { critical: 7, high: 30, medium: 90, low: 180 } }
    }
}

impl RemediationSettings {
    /// The due date of an item of this priority created on `today`.
    pub fn due_on(&self, priority: Priority, today: NaiveDate) -> NaiveDate {
        let days = match priority {
            Priority::Critical => self.due_days.critical,
            Priority::High => self.due_days.high,
            Priority::Medium => self.due_days.medium,
            Priority::Low => self.due_days.low,
        };
        today.checked_add_days(Days::new(u64::from(days))).unwrap_or(NaiveDate::MAX)
    }
}

/// A control's severity as an item's priority.
pub fn priority_of_severity(severity: Severity) -> Priority {
    match severity {
        Severity::Critical => Priority::Critical,
        Severity::High => Priority::High,
        Severity::Medium => Priority::Medium,
        Severity::Low | Severity::Informational => Priority::Low,
    }
}

/// A question's risk as an item's priority; none for a question not at risk.
pub fn priority_of_risk(risk: Risk) -> Option<Priority> {
    match risk {
        Risk::High => Some(Priority::High),
        Risk::Medium => Some(Priority::Medium),
        Risk::None | Risk::Unanswered | Risk::NotApplicable => None,
    }
}

/// The pillar an item of a control or rule belongs to: the first its
/// mapping names, else security.
pub fn pillar_of(pillars: &[Pillar]) -> Pillar {
    pillars.first().copied().unwrap_or(Pillar::Security)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("a date")
    }

    #[test]
    fn the_default_due_date_follows_the_priority() {
        let settings = RemediationSettings::default();
        let today = day(2026, 12, 1);
        assert_eq!(settings.due_on(Priority::Critical, today), day(2026, 12, 8));
        assert_eq!(settings.due_on(Priority::High, today), day(2026, 12, 31));
        assert_eq!(settings.due_on(Priority::Medium, today), day(2027, 3, 1));
        assert_eq!(settings.due_on(Priority::Low, today), day(2027, 5, 30));
    }

    #[test]
    fn severity_and_risk_become_priorities() {
        assert_eq!(priority_of_severity(Severity::Critical), Priority::Critical);
        assert_eq!(priority_of_severity(Severity::Informational), Priority::Low);
        assert_eq!(priority_of_risk(Risk::High), Some(Priority::High));
        assert_eq!(priority_of_risk(Risk::Medium), Some(Priority::Medium));
        assert_eq!(priority_of_risk(Risk::None), None);
    }
}
