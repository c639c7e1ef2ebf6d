//! What the command layer can ask of an order. Each carries the current time.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::attendees::Attendee;
use super::events::{IssuedTicket, PlacedOrder, RefundReason};
use crate::event::AttendeeQuestions;
use crate::ids::TicketId;
use crate::money::Money;
use uuid::Uuid;

/// A request to change an order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum OrderCommand {
    /// Record the order (checkout started). A retry with the same reservation finds the
    /// order placed and changes nothing. Boxed: it is by far the largest command.
    Place(Box<PlacedOrder>),
    /// The provider says the buyer paid on `session_id`. The order takes it as its payment
    /// while it has none (whichever of its sessions was paid); once it has one, a payment
    /// on another session is a surplus payment, recorded and refunded.
    RecordPayment {
        /// The provider's event (a duplicate is ignored).
        provider_event_id: String,
        /// The session paid (a session whose payment is recorded already is ignored).
        session_id: String,
        /// The provider's payment reference.
        payment_reference: Option<String>,
        /// What the provider took, when it says (else the order's total is assumed).
        amount: Option<Money>,
        /// The current time.
        now: DateTime<Utc>,
    },
    /// The buyer completed checkout; the payment settles later.
    MarkPaymentPending {
        /// The provider's event (a duplicate is ignored).
        provider_event_id: String,
        /// The current time.
        now: DateTime<Utc>,
    },
    /// The inventory sold the tickets: issue them (ids chosen by the caller, one per seat).
    IssueTickets {
        /// One per seat, in line order.
        tickets: Vec<IssuedTicket>,
        /// The current time.
        now: DateTime<Utc>,
    },
    /// The inventory refused a late payment: refund the whole amount.
    RefuseLatePayment {
        /// The current time.
        now: DateTime<Utc>,
    },
    /// The session expired unpaid.
    Expire {
        /// The provider's event, if one said so.
        provider_event_id: Option<String>,
        /// The current time.
        now: DateTime<Utc>,
    },
    /// The buyer cancelled, or an asynchronous payment failed.
    Cancel {
        /// The provider's event, if one said so.
        provider_event_id: Option<String>,
        /// The current time.
        now: DateTime<Utc>,
    },
    /// Refund some valid tickets (`None`: every valid ticket not yet being refunded).
    RequestRefund {
        /// The tickets to refund.
        ticket_ids: Option<Vec<TicketId>>,
        /// Why.
        reason: RefundReason,
        /// Whether the organiser gives back the promo code's uses these tickets took (see
        /// the rule in `code_refunds`); ignored for any other reason than theirs.
        give_back_code: bool,
        /// The current time.
        now: DateTime<Utc>,
    },
    /// The provider carried out a requested refund.
    CompleteRefund {
        /// Which refund.
        refund_number: u32,
        /// The provider's refund that carried it out.
        provider_refund_id: String,
        /// The current time.
        now: DateTime<Utc>,
    },
    /// Send the tickets email again, with the tickets still valid. Refused unless the
    /// order has tickets and not all are refunded.
    ResendTickets {
        /// The request (the same id again records nothing: a retry).
        request_id: Uuid,
        /// The current time.
        now: DateTime<Utc>,
    },
    /// Correct who one ticket is for. Refused once the event has started: the door
    /// has been reading the names since.
    CorrectAttendee {
        /// The seat, 0-based in line order (the ticket's position in the order).
        seat: usize,
        /// The details as they should be (unchecked against the event's questions yet).
        attendee: Attendee,
        /// What the event asks now, read by the command layer from the event.
        questions: AttendeeQuestions,
        /// When the event starts, read by the command layer from the event.
        event_starts_at: DateTime<Utc>,
        /// The current time.
        now: DateTime<Utc>,
    },
}
