//! Why the door refuses a check-in.

use chrono::{DateTime, Utc};

use crate::provenance::Actor;

/// A rule of admission that a command would break.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdmissionError {
    /// A refund of the ticket's order names it: its code no longer admits anyone.
    #[error("This ticket was refunded.")]
    Revoked,
    /// The code is genuine but no order issued the ticket.
    #[error("No order issued this ticket.")]
    NotIssued,
    /// The ticket was checked in before: a copy of the code is being used again.
    #[error("This ticket was already checked in at {checked_in_at} by {checked_in_by}.")]
    AlreadyCheckedIn {
        /// When the first scan admitted it.
        checked_in_at: DateTime<Utc>,
        /// Who scanned it then.
        checked_in_by: Actor,
    },
}
