//! Why the door refuses a check-in.

use chrono::{DateTime, Utc};

use super::DeviceId;
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
        /// The device that scanned it, when it was admitted offline: the door agent
        /// finds the other entrance.
        checked_in_device: Option<DeviceId>,
    },
    /// An offline scan claims a time later than the server's clock allows, even with the
    /// skew a phone's clock may have: the device's clock is wrong, and the time cannot
    /// be trusted to decide which scan came first.
    #[error("The scan time {scanned_at} is in the future.")]
    ScannedInFuture {
        /// The time the device claimed.
        scanned_at: DateTime<Utc>,
    },
    /// An offline scan claims a time before the ticket existed.
    #[error("The scan time {scanned_at} is before the ticket was issued at {issued_at}.")]
    ScannedBeforeIssue {
        /// The time the device claimed.
        scanned_at: DateTime<Utc>,
        /// When the ticket was issued.
        issued_at: DateTime<Utc>,
    },
}
