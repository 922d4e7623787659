//! What the admin pages show: users, the audit log and the sources.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::Role;
use super::params::{ParamReader, query_string};
use super::refusal::refusal;
use super::sync::SourceStatus;

/// The shortest password Plinth keeps.
pub const MIN_PASSWORD: usize = 12;

/// A user as the admin's list shows them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UserLine {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub has_password: bool,
    /// Created or linked by single sign-on.
    pub sso: bool,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
    pub last_sign_in_at: Option<DateTime<Utc>>,
}

/// Entries on one page of the audit log.
pub const AUDIT_PAGE_SIZE: i64 = 50;

/// Which audit entries to show: filters and the keyset cursor (entries
/// older than `before`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AuditQuery {
    pub actor: Option<String>,
    pub action: Option<String>,
    /// Part of the target, any case.
    pub target: Option<String>,
    pub before: Option<i64>,
}

impl AuditQuery {
    pub fn from_params(get: impl Fn(&str) -> Option<String>) -> AuditQuery {
        let mut params = ParamReader::new(get);
        AuditQuery {
            actor: params.text("actor"),
            action: params.text("action"),
            target: params.text("target"),
            before: params.parsed("before", |v| v.parse::<i64>().ok().filter(|id| *id > 0)),
        }
    }

    /// The address of this view of the audit log.
    pub fn href(&self) -> String {
        let fields = [
            ("actor", self.actor.clone()),
            ("action", self.action.clone()),
            ("target", self.target.clone()),
            ("before", self.before.map(|id| id.to_string())),
        ];
        let params: Vec<(&str, String)> =
            fields.into_iter().filter_map(|(name, value)| value.map(|value| (name, value))).collect();
        if params.is_empty() { "/admin/audit".into() } else { format!("/admin/audit?{}", query_string(&params)) }
    }
}

/// One audit entry; `before` and `after` as indented JSON.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    /// The cursor of the next (older) page, if there is one.
    pub older: Option<i64>,
    /// Every action recorded, for the filter.
    pub actions: Vec<String>,
}

/// A source with the settings it syncs with.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SourceLine {
    pub status: SourceStatus,
    /// Setting name and value, as configured (never a secret).
    pub settings: Vec<(String, String)>,
}

/// The sources page: every source, and the server's clock for "how long
/// ago".
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SourcesPage {
    pub sources: Vec<SourceLine>,
    pub now: DateTime<Utc>,
}

refusal!(
    /// Why an admin's change to users was refused.
    AdminRefusal {
        BadEmail = "bad-email" => "That is not an email address.",
        Exists = "exists" => "A user with that email exists already.",
        ShortPassword = "short-password" => format!(
            "The password is too short: use at least {MIN_PASSWORD} characters, or leave it empty for single sign-on."
        ),
        NotFound = "not-found" => "There is no such user.",
        OwnAccount = "own-account" => {
            "You cannot disable yourself or lower your own role, so someone can always manage users; ask another admin."
        },
        BadRole = "bad-role" => "Choose viewer, editor or admin.",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_audit_view_reads_back_from_its_address() {
        let query = AuditQuery {
            actor: Some("dana@example.com".into()),
            action: Some("user.set_role".into()),
            target: None,
            before: Some(120),
        };
        let href = query.href();
        assert_eq!(href, "/admin/audit?actor=dana%40example.com&action=user.set_role&before=120");
        let params: Vec<(String, String)> = href
            .split_once('?')
            .map(|(_, q)| {
                q.split('&').filter_map(|p| p.split_once('=')).map(|(k, v)| (k.into(), v.replace("%40", "@"))).collect()
            })
            .unwrap_or_default();
        let read = AuditQuery::from_params(|name| params.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()));
        assert_eq!(read, query);
    }

    #[test]
    fn a_cursor_that_is_not_a_positive_number_is_no_cursor() {
        let read = AuditQuery::from_params(|name| (name == "before").then(|| "-4".to_owned()));
        assert_eq!(read.before, None);
    }

    #[test]
    fn every_refusal_reads_back_from_its_code() {
        for &refusal in AdminRefusal::ALL {
            assert_eq!(AdminRefusal::parse(refusal.code()), Some(refusal));
        }
        assert_eq!(AdminRefusal::parse("<script>"), None);
    }
}
