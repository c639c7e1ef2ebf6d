//! What the door can ask of a ticket's admission.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::DeviceId;
use crate::ids::{EventId, TicketId};
use crate::order::TicketStanding;
use crate::provenance::Actor;

/// A command on one ticket's admission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AdmissionCommand {
    /// Let the holder of a genuine code in, if its order still stands behind it.
    CheckIn {
        /// The ticket scanned (the aggregate's id).
        ticket_id: TicketId,
        /// The event whose door scanned it.
        event_id: EventId,
        /// When it was scanned.
        at: DateTime<Utc>,
        /// Who scans it.
        by: Actor,
        /// What the ticket's order, read from the event store for this scan, says about
        /// it ([`crate::order::Order::ticket_standing`]).
        standing: TicketStanding,
    },
    /// Record a scan a device made offline and sent later: the holder was already let in
    /// (or turned away) by the device, so this records what happened rather than asking.
    RecordOfflineScan {
        /// The ticket scanned (the aggregate's id).
        ticket_id: TicketId,
        /// The event whose door scanned it.
        event_id: EventId,
        /// The device that scanned it.
        device_id: DeviceId,
        /// When the device scanned it, by the device's clock.
        scanned_at: DateTime<Utc>,
        /// When the server received the scan (its clock): the upper bound of a plausible
        /// `scanned_at`.
        received_at: DateTime<Utc>,
        /// Who was signed in on the device when it sent the scan.
        by: Actor,
        /// What the ticket's order says about it, read from the event store now.
        standing: TicketStanding,
        /// When the ticket's order was paid (its tickets issued), if it was: no code of
        /// the ticket existed to scan before then.
        issued_at: Option<DateTime<Utc>>,
    },
}
