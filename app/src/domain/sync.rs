//! Sources and their sync runs, as the sync page and the overview's data
//! freshness show them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SourceStatus {
    pub id: Uuid,
    pub name: String,
    /// `aws` or `demo`.
    pub kind: String,
    pub sync_interval_secs: i32,
    /// The most recent run, if the source has run at all.
    pub last_run: Option<RunLine>,
    /// When the last run that succeeded (fully or partly) finished.
    pub last_success: Option<DateTime<Utc>>,
    /// When a server's scheduler plans to sync it next (none for sources
    /// that sync only on demand, or before a server has planned it).
    pub next_sync_at: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RunLine {
    pub id: Uuid,
    pub source_name: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    /// `running`, `succeeded`, `partial` or `failed`.
    pub status: String,
    pub full_sync: bool,
    pub slices: u32,
    pub slices_done: u32,
    pub slices_failed: u32,
    pub fetched: u64,
    pub stored: u64,
    /// The failed slices, with what AWS said.
    pub errors: Vec<SliceError>,
}

impl RunLine {
    pub fn is_running(&self) -> bool {
        self.status == "running"
    }

    /// How long the run took (or has taken so far, given `now`).
    pub fn duration_text(&self, now: DateTime<Utc>) -> String {
        let end = self.finished_at.unwrap_or(now);
        duration_text((end - self.started_at).num_milliseconds().max(0))
    }
}

/// 850 → "850 ms", 12_400 → "12.4 s", 185_000 → "3 min 5 s".
pub fn duration_text(millis: i64) -> String {
    match millis {
        0..=999 => format!("{millis} ms"),
        1_000..=59_999 => format!("{:.1} s", millis as f64 / 1000.0),
        _ => format!("{} min {} s", millis / 60_000, (millis % 60_000) / 1000),
    }
}

/// "5 minutes ago", "3 hours ago", "2 days ago".
pub fn ago_text(then: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let seconds = (now - then).num_seconds().max(0);
    let (count, unit) = match seconds {
        0..=59 => return "just now".to_owned(),
        60..=3_599 => (seconds / 60, "minute"),
        3_600..=86_399 => (seconds / 3_600, "hour"),
        _ => (seconds / 86_400, "day"),
    };
    format!("{count} {unit}{} ago", if count == 1 { "" } else { "s" })
}

/// "in 5 minutes", "in 2 hours"; "now" for a time already here.
pub fn in_text(then: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let seconds = (then - now).num_seconds();
    let (count, unit) = match seconds {
        ..=0 => return "now".to_owned(),
        1..=59 => (seconds, "second"),
        60..=3_599 => (seconds / 60, "minute"),
        3_600..=86_399 => (seconds / 3_600, "hour"),
        _ => (seconds / 86_400, "day"),
    };
    format!("in {count} {unit}{}", if count == 1 { "" } else { "s" })
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SliceError {
    pub service: String,
    pub account_id: String,
    pub region: String,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub request_id: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SyncStatus {
    pub sources: Vec<SourceStatus>,
    /// The most recent runs of every source, newest first.
    pub runs: Vec<RunLine>,
    pub now: Option<DateTime<Utc>>,
}

impl SyncStatus {
    pub fn any_running(&self) -> bool {
        self.runs.iter().any(RunLine::is_running)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_in_the_unit_that_fits() {
        assert_eq!(duration_text(850), "850 ms");
        assert_eq!(duration_text(12_400), "12.4 s");
        assert_eq!(duration_text(185_000), "3 min 5 s");
    }

    #[test]
    fn ages_read_as_people_say_them() {
        let now = DateTime::from_timestamp(1_000_000, 0).expect("a time");
        assert_eq!(ago_text(now, now), "just now");
        assert_eq!(ago_text(now - chrono::Duration::minutes(1), now), "1 minute ago");
        assert_eq!(ago_text(now - chrono::Duration::hours(5), now), "5 hours ago");
        assert_eq!(ago_text(now - chrono::Duration::days(2), now), "2 days ago");
    }
}
