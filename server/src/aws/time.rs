//! AWS timestamps: Security Hub sends ISO 8601 strings, the other services
//! smithy date-times.

use chrono::{DateTime, SecondsFormat, Utc};

/// An ISO 8601 timestamp; `None` when missing or unreadable.
pub fn parse_iso(value: Option<&str>) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(value?).ok().map(|time| time.with_timezone(&Utc))
}

pub fn to_iso(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Millis, true)
}

pub fn from_smithy(value: Option<&aws_smithy_types::DateTime>) -> Option<DateTime<Utc>> {
    let value = value?;
    DateTime::from_timestamp(value.secs(), value.subsec_nanos())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn security_hub_timestamps_read_with_and_without_fractions() {
        let time = parse_iso(Some("2026-11-30T08:15:00.123Z")).expect("a time");
        assert_eq!(to_iso(time), "2026-11-30T08:15:00.123Z");
        assert!(parse_iso(Some("2026-11-30T08:15:00+02:00")).is_some());
        assert_eq!(parse_iso(Some("yesterday")), None);
        assert_eq!(parse_iso(None), None);
    }
}
