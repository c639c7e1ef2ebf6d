//! What happened at the door.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{EventId, TicketId};
use crate::provenance::Actor;

/// A fact of a ticket's admission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AdmissionEvent {
    /// The ticket's holder was let in; every later scan is refused.
    TicketCheckedIn {
        /// The ticket.
        ticket_id: TicketId,
        /// The event it was admitted to.
        event_id: EventId,
        /// When it was scanned.
        checked_in_at: DateTime<Utc>,
        /// Who scanned it (the first records held `account:<id>`; they read as the account).
        #[serde(deserialize_with = "crate::provenance::actor_or_recorded_name")]
        checked_in_by: Actor,
    },
}

impl cqrs_es::DomainEvent for AdmissionEvent {
    fn event_type(&self) -> String {
        match self {
            Self::TicketCheckedIn { .. } => "TicketCheckedIn".to_owned(),
        }
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}
