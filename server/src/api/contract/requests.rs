//! The bodies the API reads: a tick, a new remediation item, a change to
//! one, and a comment.

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{Pillar, Priority, SourceKind, Status, TickState, TicketSystem};

/// A person's tick. A note or link left out stays as it is.
#[derive(Deserialize, ToSchema)]
pub struct TickRequest {
    pub state: TickState,
    /// Why, or where the proof is (at most 2,000 characters).
    #[schema(max_length = 2000)]
    pub note: Option<String>,
    /// An http:// or https:// address of the proof; `""` removes it.
    pub link: Option<String>,
}

/// A new item: from a source (a failing control or rule, a question at
/// risk, an open checklist item) or written by hand (`manual`).
#[derive(Deserialize, ToSchema)]
pub struct NewItem {
    pub workload: Uuid,
    pub source: SourceKind,
    /// The source's id: a Security Hub control (`S3.1`), a Config managed
    /// rule identifier (`S3_BUCKET_VERSIONING_ENABLED`), a Well-Architected
    /// question id, or a checklist item as `pack/item`. Not for `manual`.
    pub key: Option<String>,
    /// For `manual`: at most 200 characters.
    #[schema(max_length = 200)]
    pub title: Option<String>,
    /// For `manual`: at most 5,000 characters.
    #[schema(max_length = 5000)]
    pub description: Option<String>,
    /// For `manual`.
    pub pillar: Option<Pillar>,
    /// For `manual`; an item from a source takes its source's severity.
    pub priority: Option<Priority>,
}

/// A change to an item; what is left out stays as it is.
#[derive(Deserialize, ToSchema)]
pub struct ItemChange {
    pub status: Option<Status>,
    /// The new owner's user id (see `assignees`); `null` leaves the item
    /// without an owner.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Uuid>)]
    pub owner_id: Option<Option<Uuid>>,
    pub due_on: Option<NaiveDate>,
    /// An http:// or https:// address; `null` removes it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub ticket_url: Option<Option<String>>,
    /// Where the ticket lives; `null` says no system.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<TicketSystem>)]
    pub ticket_system: Option<Option<TicketSystem>>,
    /// With `status: risk_accepted`: why the risk is accepted.
    pub acceptance_reason: Option<String>,
    /// With `status: risk_accepted`: until when, after today.
    pub accepted_until: Option<NaiveDate>,
}

/// A field that was sent, even as `null`: `Some(None)`.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(deserializer: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(deserializer).map(Some)
}

/// A comment on an item.
#[derive(Deserialize, ToSchema)]
pub struct NewComment {
    /// At most 5,000 characters, not blank.
    #[schema(max_length = 5000)]
    pub body: String,
}
