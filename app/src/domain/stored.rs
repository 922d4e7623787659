//! The vocabulary as the database stores it. Each state is a TEXT column
//! whose values a CHECK constraint names; these impls make sqlx read and
//! write the typed value itself, so a value Plinth does not know fails
//! loudly where the row is read instead of becoming a default.

/// Stores `$name` as TEXT through `$to` (its spelling) and reads it back
/// through `$from` (`Option`), refusing any other text.
macro_rules! stored_as_text {
    ($name:ty, $kind:literal, $to:expr, $from:expr) => {
        impl sqlx::Type<sqlx::Postgres> for $name {
            fn type_info() -> sqlx::postgres::PgTypeInfo {
                <&str as sqlx::Type<sqlx::Postgres>>::type_info()
            }

            fn compatible(ty: &sqlx::postgres::PgTypeInfo) -> bool {
                <&str as sqlx::Type<sqlx::Postgres>>::compatible(ty)
            }
        }

        impl<'r> sqlx::Decode<'r, sqlx::Postgres> for $name {
            fn decode(value: sqlx::postgres::PgValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
                let text = <&str as sqlx::Decode<sqlx::Postgres>>::decode(value)?;
                let from: fn(&str) -> Option<$name> = $from;
                from(text).ok_or_else(|| format!("{text:?} is not a known {}", $kind).into())
            }
        }

        impl sqlx::Encode<'_, sqlx::Postgres> for $name {
            fn encode_by_ref(
                &self,
                buf: &mut sqlx::postgres::PgArgumentBuffer,
            ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
                let to: fn($name) -> &'static str = $to;
                <&str as sqlx::Encode<sqlx::Postgres>>::encode_by_ref(&to(*self), buf)
            }
        }

        impl sqlx::postgres::PgHasArrayType for $name {
            fn array_type_info() -> sqlx::postgres::PgTypeInfo {
                <&str as sqlx::postgres::PgHasArrayType>::array_type_info()
            }
        }
    };
}

use super::answers::ChoiceState;
use super::checklists::{EvidenceState, TickState};
use super::outbox::{WriteKind, WriteState};
use super::remediation::{Priority, SourceKind, Status, TicketSystem};
use super::sync::Membership;
use super::{ComplianceStatus, Pillar, RecordState, Risk, Role, RuleCompliance, Severity, WorkflowStatus};

stored_as_text!(Pillar, "pillar", Pillar::id, Pillar::from_id);
stored_as_text!(Role, "role", Role::as_str, |text| Role::ALL.into_iter().find(|role| role.as_str() == text));
stored_as_text!(Severity, "severity", Severity::as_str, |text| Severity::parse(text).ok());
stored_as_text!(WorkflowStatus, "workflow status", WorkflowStatus::as_str, |text| WorkflowStatus::parse(text).ok());
stored_as_text!(RecordState, "record state", RecordState::as_str, |text| RecordState::parse(text).ok());
stored_as_text!(ComplianceStatus, "compliance status", ComplianceStatus::as_str, |text| {
    ComplianceStatus::parse(text).ok()
});
stored_as_text!(RuleCompliance, "rule compliance", RuleCompliance::as_str, |text| RuleCompliance::parse(text).ok());
stored_as_text!(Risk, "risk", Risk::as_str, |text| Risk::parse(text).ok());
stored_as_text!(ChoiceState, "choice state", ChoiceState::as_str, ChoiceState::parse);
stored_as_text!(TickState, "tick state", TickState::as_str, TickState::parse);
stored_as_text!(EvidenceState, "evidence state", EvidenceState::as_str, EvidenceState::parse);
stored_as_text!(Priority, "priority", Priority::as_str, Priority::parse);
stored_as_text!(Status, "remediation status", Status::as_str, Status::parse);
stored_as_text!(TicketSystem, "ticket system", TicketSystem::as_str, TicketSystem::parse);
stored_as_text!(SourceKind, "remediation source", SourceKind::as_str, SourceKind::parse);
stored_as_text!(Membership, "account membership", Membership::as_str, Membership::parse);
stored_as_text!(WriteKind, "kind of write to AWS", WriteKind::as_str, WriteKind::parse);
stored_as_text!(WriteState, "state of a write to AWS", WriteState::as_str, WriteState::parse);
