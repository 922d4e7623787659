//! Remediation items as the pages show them, read by `db::remediation_reads`.

use chrono::NaiveDate;

/// Today, as due dates and overdue items count it.
pub(crate) fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}
