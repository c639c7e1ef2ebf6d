//! What happened to an order, as recorded in the event store. The serde form is the stored
//! form: rename nothing; add variants or fields with defaults instead.

use chrono::{DateTime, Utc};
use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::attendees::Attendee;
use crate::account::EmailAddress;
use crate::ids::{EventId, OrderId, ReservationId, TicketId, TicketTypeId};
use crate::inventory::{CodeClaim, CodeUse, Quantity};
use crate::money::Money;

/// Which payment provider takes the order's payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentProvider {
    /// Stripe Checkout.
    Stripe,
    /// The built-in simulated checkout (no Stripe keys configured).
    Simulated,
    /// No provider: the order cost nothing, so no payment page was shown and the
    /// payments process recorded a zero payment at checkout.
    Free,
}

impl PaymentProvider {
    /// The provider's name in the API and read models: its serde form, spelled once here
    /// so nobody writes `"stripe"` by hand.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Stripe => "stripe",
            Self::Simulated => "simulated",
            Self::Free => "free",
        }
    }
}

/// Some tickets of one type in an order, at the price they were offered at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLine {
    /// Which kind of ticket.
    pub ticket_type_id: TicketTypeId,
    /// Its name when the order was placed (shown on the order and the receipt).
    pub name: String,
    /// How many.
    pub quantity: Quantity,
    /// The price of one ticket: what the buyer pays, after a promo code.
    pub unit_price: Money,
    /// The ticket type's price before the promo code, when the code lowered it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list_price: Option<Money>,
}

/// One ticket issued to a paid order: an id per seat. Its code is derived from the id by
/// the ticket code signer; nothing secret is recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedTicket {
    /// The ticket.
    pub ticket_id: TicketId,
    /// Its kind.
    pub ticket_type_id: TicketTypeId,
    /// Who it is for, as the order knows when the fact is recorded (the caller of
    /// `IssueTickets` leaves it out: the order fills it in from its seats). Absent when
    /// the event asks nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attendee: Option<Attendee>,
}

/// Why money goes back to the buyer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefundReason {
    /// An organiser or an admin refunded it.
    RequestedByOrganiser,
    /// The event was cancelled.
    EventCancelled,
    /// The payment landed after the hold lapsed and the tickets were gone.
    LatePayment,
    /// A second checkout session of an order already paid was paid too: that payment
    /// goes back, the order keeps its own.
    SurplusPayment,
}

/// What an order was placed with: recorded by `OrderPlaced`, asked for by
/// `OrderCommand::Place` and kept by the aggregate, so the twelve fields are written once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlacedOrder {
    /// The order.
    pub order_id: OrderId,
    /// The event the tickets are for.
    pub event_id: EventId,
    /// The hold being paid for.
    pub reservation_id: ReservationId,
    /// Where the tickets go, normalised (lower case) by whoever placed the order; stored
    /// as a bare string.
    pub buyer_email: EmailAddress,
    /// The buyer's account when signed in.
    pub account_id: Option<Uuid>,
    /// What is bought.
    pub lines: Vec<OrderLine>,
    /// The sum of the lines.
    pub total: Money,
    /// Who takes the payment.
    pub provider: PaymentProvider,
    /// The provider's checkout session.
    pub session_id: String,
    /// Where the buyer pays.
    pub checkout_url: String,
    /// When the hold lapses if unpaid: the session is expired then.
    pub payment_due_by: DateTime<Utc>,
    /// When it was placed.
    pub placed_at: DateTime<Utc>,
    /// Who each ticket is for, one per seat in line order; empty when the event asked
    /// nothing (and in orders placed before attendees were asked for).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attendees: Vec<Attendee>,
    /// The promo code the order was priced with: its uses, and its limit when checkout
    /// started, which a payment landing after the hold lapsed is sold against.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<CodeClaim>,
}

/// The facts recorded about an order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum OrderEvent {
    /// Checkout started from a live hold. A newtype variant: its stored form is the
    /// struct variant it replaced, `{"OrderPlaced": {"order_id": ..., ...}}`.
    OrderPlaced(PlacedOrder),
    /// The provider says the buyer paid.
    PaymentReceived {
        /// The provider's event that said so (deduplication).
        provider_event_id: String,
        /// The provider's payment reference (Stripe PaymentIntent), refunds go against it.
        payment_reference: Option<String>,
        /// When.
        received_at: DateTime<Utc>,
        /// The checkout session paid: the order's own, or another session for the same
        /// order (one created outside our checkout), whose payment is then handled like a
        /// late one. Absent on payments recorded before it was kept: the order's own.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        session_id: Option<String>,
    },
    /// Another checkout session of an order that already had its payment (paid, being
    /// fulfilled, refused or refunded) was paid too. That money is not the order's: it is
    /// refunded in full, against this payment's own reference, by the refund numbered
    /// `refund_number`, requested with it.
    SurplusPaymentReceived {
        /// The provider's event that said so (deduplication).
        provider_event_id: String,
        /// The session paid.
        session_id: String,
        /// The provider's reference of this payment (Stripe PaymentIntent): its refund
        /// goes against it, never against the order's own payment.
        payment_reference: Option<String>,
        /// How much the provider took.
        amount: Money,
        /// The refund that gives it back.
        refund_number: u32,
        /// When.
        received_at: DateTime<Utc>,
    },
    /// The buyer completed checkout with a payment that settles later (a bank debit): no
    /// money yet, and nothing to expire any more; the provider reports success or failure.
    PaymentPending {
        /// The provider's event that said so (deduplication).
        provider_event_id: String,
        /// When.
        pending_at: DateTime<Utc>,
    },
    /// The paid order got its tickets: one per seat.
    TicketsIssued {
        /// The order.
        order_id: OrderId,
        /// The event.
        event_id: EventId,
        /// Where the ticket email goes.
        buyer_email: EmailAddress,
        /// The buyer's account when signed in at checkout.
        account_id: Option<Uuid>,
        /// One per seat.
        tickets: Vec<IssuedTicket>,
        /// When.
        issued_at: DateTime<Utc>,
    },
    /// The payment landed after the hold lapsed and the tickets were gone: refunded.
    LatePaymentRefused {
        /// When.
        refused_at: DateTime<Utc>,
    },
    /// The checkout session expired unpaid; the hold is released.
    OrderExpired {
        /// The provider's event, if one said so.
        provider_event_id: Option<String>,
        /// When.
        expired_at: DateTime<Utc>,
    },
    /// The buyer cancelled, or an asynchronous payment failed; the hold is released.
    OrderCancelled {
        /// The provider's event, if one said so.
        provider_event_id: Option<String>,
        /// When.
        cancelled_at: DateTime<Utc>,
    },
    /// A refund was decided; the provider is asked for it under this refund's number.
    RefundRequested {
        /// 1, 2, ... per order: the provider's idempotency key is derived from it.
        refund_number: u32,
        /// The tickets refunded (empty for a refused late payment).
        ticket_ids: Vec<TicketId>,
        /// How much goes back.
        amount: Money,
        /// Why.
        reason: RefundReason,
        /// When.
        requested_at: DateTime<Utc>,
        /// The promo code's uses the organiser chose to give back with these tickets, as
        /// many as the rule gives (none while the order's other tickets still take a
        /// per-order code's use); absent when they kept them spent. The inventory frees
        /// them when it takes the tickets back.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        code_given_back: Option<CodeUse>,
    },
    /// The provider refunded: these tickets are no longer valid.
    TicketsRefunded {
        /// The order.
        order_id: OrderId,
        /// The event.
        event_id: EventId,
        /// Which refund.
        refund_number: u32,
        /// The tickets no longer valid (revoke their codes).
        ticket_ids: Vec<TicketId>,
        /// How much went back.
        amount: Money,
        /// When.
        refunded_at: DateTime<Utc>,
        /// The provider's refund (Stripe `re_...`); absent on refunds recorded before it
        /// was kept.
        #[serde(default)]
        provider_refund_id: Option<String>,
        /// Whether the money went back for a surplus payment (another session paid), not
        /// for the order's tickets: the order's own standing does not change.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        surplus_payment: bool,
    },
    /// The buyer, the event's organiser or an admin asked for the tickets email again:
    /// the tickets still valid at that moment are sent once more, once per such fact.
    TicketsResendRequested {
        /// The order.
        order_id: OrderId,
        /// The event.
        event_id: EventId,
        /// Where the email goes (the order's buyer, never an address from the request).
        buyer_email: EmailAddress,
        /// The tickets still valid (not refunded) when it was asked for.
        tickets: Vec<IssuedTicket>,
        /// The request, by the client's idempotency key (or a fresh id without one): a
        /// retried request finds it recorded and records nothing.
        request_id: Uuid,
        /// When.
        requested_at: DateTime<Utc>,
    },
    /// The details of one ticket's attendee were corrected (who did it is the fact's
    /// actor); the ticket, once issued, shows the new ones.
    AttendeeCorrected {
        /// The order.
        order_id: OrderId,
        /// The event.
        event_id: EventId,
        /// The seat, 0-based in line order.
        seat: usize,
        /// The seat's ticket, when issued already.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ticket_id: Option<TicketId>,
        /// What it was.
        previous: Attendee,
        /// What it is now.
        attendee: Attendee,
        /// When.
        corrected_at: DateTime<Utc>,
    },
}

impl DomainEvent for OrderEvent {
    fn event_type(&self) -> String {
        match self {
            Self::OrderPlaced(_) => "OrderPlaced",
            Self::PaymentReceived { .. } => "PaymentReceived",
            Self::SurplusPaymentReceived { .. } => "SurplusPaymentReceived",
            Self::PaymentPending { .. } => "PaymentPending",
            Self::TicketsIssued { .. } => "TicketsIssued",
            Self::LatePaymentRefused { .. } => "LatePaymentRefused",
            Self::OrderExpired { .. } => "OrderExpired",
            Self::OrderCancelled { .. } => "OrderCancelled",
            Self::RefundRequested { .. } => "RefundRequested",
            Self::TicketsRefunded { .. } => "TicketsRefunded",
            Self::TicketsResendRequested { .. } => "TicketsResendRequested",
            Self::AttendeeCorrected { .. } => "AttendeeCorrected",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}
