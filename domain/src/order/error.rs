//! Why an order refuses a command, in words a buyer or an organiser can read.

use super::attendees::AttendeeError;

/// A business rule of the order that a command would break.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrderError {
    /// The order was never placed.
    #[error("There is no such order.")]
    UnknownOrder,
    /// Placing an order that exists already. No longer decided: `Place` now carries the
    /// order's terms by type, and placing a placed order records nothing (a retried
    /// checkout). Kept so the problem type stays known to clients.
    #[error("This reservation already has an order.")]
    AlreadyPlaced,
    /// Only a paid order can be refunded.
    #[error("Only a paid order can be refunded.")]
    NotPaid,
    /// A ticket named in a refund is not one of the order's valid tickets.
    #[error("This ticket is not a valid ticket of this order.")]
    UnknownTicket,
    /// Every ticket named (or every ticket of the order) is refunded or being refunded.
    #[error("These tickets have already been refunded.")]
    AlreadyRefunded,
    /// The tickets email cannot be sent again: no tickets were issued, or every one is
    /// refunded.
    #[error("This order has no valid tickets to email: it is not paid yet, or every ticket was refunded.")]
    NoTicketsToResend,
    /// A refund number that was never requested.
    #[error("There is no such refund.")]
    UnknownRefund,
    /// Attendees can no longer be corrected: the event has started.
    #[error("The event has started: the attendees of its tickets can no longer be changed.")]
    EventStarted,
    /// A seat beyond the order's tickets.
    #[error("This order has no such ticket.")]
    UnknownSeat,
    /// The details given do not answer what the event asks.
    #[error(transparent)]
    Attendee(#[from] AttendeeError),
}

impl OrderError {
    /// A stable kebab-case slug per reason, used by the API as its problem type.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::UnknownOrder => "order-not-found",
            Self::AlreadyPlaced => "order-already-placed",
            Self::NotPaid => "order-not-paid",
            Self::UnknownTicket => "unknown-ticket",
            Self::AlreadyRefunded => "already-refunded",
            Self::UnknownRefund => "unknown-refund",
            Self::NoTicketsToResend => "no-tickets-to-resend",
            Self::EventStarted => "attendees-locked",
            Self::UnknownSeat => "unknown-seat",
            Self::Attendee(error) => error.kind(),
        }
    }
}
