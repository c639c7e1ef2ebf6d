//! What the door can ask of a ticket's admission.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

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
}
