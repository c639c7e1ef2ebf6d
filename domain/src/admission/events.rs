//! What happened at the door.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::DeviceId;
use crate::ids::{EventId, TicketId};
use crate::provenance::Actor;

/// How an admission from an offline scan reached the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfflineScan {
    /// The device that scanned the ticket.
    pub device_id: DeviceId,
    /// When the server received the scan (the admission's `checked_in_at` is when the
    /// device scanned it).
    pub synced_at: DateTime<Utc>,
}

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
        /// Set when a device scanned it offline and sent it later; absent (and so absent
        /// from every record made before offline scanning existed) for online check-ins.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        offline: Option<OfflineScan>,
    },
    /// A device let the holder of an already admitted ticket in while offline: two
    /// people entered on one ticket. Names both scans, so the organiser sees which
    /// devices and when.
    DuplicateEntryRecorded {
        /// The ticket.
        ticket_id: TicketId,
        /// The event.
        event_id: EventId,
        /// The device of the duplicate scan.
        device_id: DeviceId,
        /// When that device scanned it (its clock).
        scanned_at: DateTime<Utc>,
        /// Who sent that device's scans.
        scanned_by: Actor,
        /// When the server received it.
        synced_at: DateTime<Utc>,
        /// When the admission of record scanned it.
        admitted_at: DateTime<Utc>,
        /// Who scanned the admission of record.
        admitted_by: Actor,
        /// The device of the admission of record, if it was an offline scan.
        admitted_device_id: Option<DeviceId>,
    },
}

impl cqrs_es::DomainEvent for AdmissionEvent {
    fn event_type(&self) -> String {
        match self {
            Self::TicketCheckedIn { .. } => "TicketCheckedIn".to_owned(),
            Self::DuplicateEntryRecorded { .. } => "DuplicateEntryRecorded".to_owned(),
        }
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}
