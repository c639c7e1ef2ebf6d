//! An order: one buyer's checkout of one hold, from the payment session to tickets and
//! refunds.
//!
//! Every transition goes forward only: awaiting payment [-> payment pending] -> paid
//! (tickets issued) ->
//! partially refunded -> refunded; awaiting payment -> expired | cancelled; and a payment
//! that lands on an expired or cancelled order is still recorded (the late payment), then
//! either sold or refused and refunded. Each payment names its checkout session: the
//! order takes one payment, on whichever of its sessions; a payment on another session
//! once it has one is a surplus payment, recorded and refunded against its own reference.
//! A command that would move backwards, or that
//! repeats a provider event already recorded, records nothing: that is how a webhook
//! delivered twice or out of order takes effect at most once.

mod attendees;
mod code_refunds;
mod commands;
mod decide;
mod error;
mod events;
mod pricing;
mod standing;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use attendees::{attendees_for, Attendee, AttendeeError};
pub use commands::OrderCommand;
pub use error::OrderError;
pub use events::{IssuedTicket, OrderEvent, OrderLine, PaymentProvider, PlacedOrder, RefundReason};
pub use pricing::{price_hold, PricedHold, PricingError, RefundReturn};
pub use standing::TicketStanding;

use crate::ids::TicketId;
use crate::inventory::CodeUse;
use crate::money::Money;

/// Where an order is in its life, as buyers and organisers see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Checkout started; the buyer has not paid yet.
    AwaitingPayment,
    /// The buyer completed checkout; the payment settles later (or fails).
    PaymentPending,
    /// The provider says paid; tickets are being issued (a moment, or until a retry).
    PaymentReceived,
    /// Paid, tickets issued.
    Paid,
    /// Some tickets were refunded.
    PartiallyRefunded,
    /// Every ticket (or the whole late payment) was refunded.
    Refunded,
    /// The payment landed after the hold lapsed with no tickets left: being refunded.
    PaymentRefused,
    /// The checkout session expired unpaid.
    Expired,
    /// The buyer cancelled, or the payment failed.
    Cancelled,
}

impl OrderStatus {
    /// The status's name in the API and read models.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::AwaitingPayment => "awaiting_payment",
            Self::PaymentPending => "payment_pending",
            Self::PaymentReceived => "payment_received",
            Self::Paid => "paid",
            Self::PartiallyRefunded => "partially_refunded",
            Self::Refunded => "refunded",
            Self::PaymentRefused => "payment_refused",
            Self::Expired => "expired",
            Self::Cancelled => "cancelled",
        }
    }
}

/// A refund as requested, and whether the provider has carried it out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundState {
    /// The tickets refunded (empty for a refused late payment).
    pub ticket_ids: Vec<TicketId>,
    /// How much goes back.
    pub amount: Money,
    /// Why.
    pub reason: RefundReason,
    /// Whether the provider has refunded it.
    pub completed: bool,
    /// The provider's refund that carried it out, once completed (if recorded).
    pub provider_refund_id: Option<String>,
    /// The promo code's uses given back with it, when the organiser chose to.
    #[serde(default)]
    pub code_given_back: Option<CodeUse>,
}

/// The order aggregate.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Order {
    placed: Option<PlacedOrder>,
    status: Option<OrderStatus>,
    payment_reference: Option<String>,
    paid_at: Option<DateTime<Utc>>,
    tickets: Vec<IssuedTicket>,
    refunds: BTreeMap<u32, RefundState>,
    refunded_tickets: BTreeSet<TicketId>,
    provider_events: BTreeSet<String>,
    /// Every session whose payment is recorded (the order's, and surplus ones).
    #[serde(default)]
    paid_sessions: BTreeSet<String>,
    /// The session whose payment is the order's.
    #[serde(default)]
    paid_session: Option<String>,
    /// Surplus payments, by the number of the refund that gives each back.
    #[serde(default)]
    surplus_payments: BTreeMap<u32, SurplusPayment>,
    /// The requests to send the tickets again already recorded (a retry records nothing).
    #[serde(default)]
    resend_requests: BTreeSet<uuid::Uuid>,
}

/// A payment on another session of an order already paid: recorded, then refunded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurplusPayment {
    /// The session paid.
    pub session_id: String,
    /// The provider's reference of this payment: its refund goes against it.
    pub payment_reference: Option<String>,
    /// How much the provider took.
    pub amount: Money,
}

impl Order {
    /// What the order was placed with; `None` if it never was.
    pub fn placed(&self) -> Option<&PlacedOrder> {
        self.placed.as_ref()
    }

    /// Its status; `None` if it was never placed.
    pub fn status(&self) -> Option<OrderStatus> {
        self.status
    }

    /// The provider's payment reference, once paid.
    pub fn payment_reference(&self) -> Option<&str> {
        self.payment_reference.as_deref()
    }

    /// The checkout session whose payment is the order's, once paid.
    pub fn paid_session(&self) -> Option<&str> {
        self.paid_session.as_deref()
    }

    /// The surplus payment refund `refund_number` gives back, if it is one.
    pub fn surplus_payment(&self, refund_number: u32) -> Option<&SurplusPayment> {
        self.surplus_payments.get(&refund_number)
    }

    /// When the payment was recorded.
    pub fn paid_at(&self) -> Option<DateTime<Utc>> {
        self.paid_at
    }

    /// Who each ticket is for, one per seat in line order (empty when nothing was
    /// asked).
    pub fn attendees(&self) -> &[Attendee] {
        self.placed
            .as_ref()
            .map_or(&[], |placed| placed.attendees.as_slice())
    }

    /// The tickets issued (refunded ones included).
    pub fn tickets(&self) -> &[IssuedTicket] {
        &self.tickets
    }

    /// Whether a ticket was refunded.
    pub fn is_refunded(&self, ticket_id: TicketId) -> bool {
        self.refunded_tickets.contains(&ticket_id)
    }

    /// The tickets still valid: issued and not refunded.
    pub fn valid_tickets(&self) -> Vec<IssuedTicket> {
        self.tickets
            .iter()
            .filter(|ticket| !self.is_refunded(ticket.ticket_id))
            .cloned()
            .collect()
    }

    /// Whether the request to send the tickets again `request_id` is already recorded:
    /// asking again with it is a retry, which records nothing.
    pub fn resend_recorded(&self, request_id: uuid::Uuid) -> bool {
        self.resend_requests.contains(&request_id)
    }

    /// Every refund requested, by number.
    pub fn refunds(&self) -> &BTreeMap<u32, RefundState> {
        &self.refunds
    }

    /// Refunds requested that the provider has not carried out yet.
    pub fn pending_refunds(&self) -> impl Iterator<Item = (u32, &RefundState)> {
        self.refunds
            .iter()
            .filter(|(_, refund)| !refund.completed)
            .map(|(number, refund)| (*number, refund))
    }
}

crate::aggregate::aggregate!(Order);

impl crate::aggregate::Decide for Order {
    const TYPE: &'static str = "Order";
    type Command = OrderCommand;
    type Event = OrderEvent;
    type Error = OrderError;

    fn decide(&self, command: Self::Command) -> Result<Vec<Self::Event>, Self::Error> {
        // The inherent rules, kept where they are written.
        Order::decide(self, command)
    }

    fn evolve(&mut self, event: Self::Event) {
        match event {
            OrderEvent::OrderPlaced(placed) => {
                self.placed = Some(placed);
                self.status = Some(OrderStatus::AwaitingPayment);
            }
            OrderEvent::PaymentReceived {
                provider_event_id,
                payment_reference,
                received_at,
                session_id,
            } => {
                // Recorded before sessions were: the order's own.
                let session = session_id
                    .or_else(|| self.placed.as_ref().map(|placed| placed.session_id.clone()));
                self.paid_sessions.extend(session.clone());
                self.paid_session = session;
                self.provider_events.insert(provider_event_id);
                self.payment_reference = payment_reference;
                self.paid_at = Some(received_at);
                self.status = Some(OrderStatus::PaymentReceived);
            }
            OrderEvent::SurplusPaymentReceived {
                provider_event_id,
                session_id,
                payment_reference,
                amount,
                refund_number,
                ..
            } => {
                self.provider_events.insert(provider_event_id);
                self.paid_sessions.insert(session_id.clone());
                self.surplus_payments.insert(
                    refund_number,
                    SurplusPayment {
                        session_id,
                        payment_reference,
                        amount,
                    },
                );
            }
            OrderEvent::PaymentPending {
                provider_event_id, ..
            } => {
                self.provider_events.insert(provider_event_id);
                self.status = Some(OrderStatus::PaymentPending);
            }
            OrderEvent::TicketsIssued { tickets, .. } => {
                self.tickets = tickets;
                self.status = Some(OrderStatus::Paid);
            }
            OrderEvent::LatePaymentRefused { .. } => {
                self.status = Some(OrderStatus::PaymentRefused);
            }
            OrderEvent::OrderExpired {
                provider_event_id, ..
            } => {
                self.provider_events.extend(provider_event_id);
                self.status = Some(OrderStatus::Expired);
            }
            OrderEvent::OrderCancelled {
                provider_event_id, ..
            } => {
                self.provider_events.extend(provider_event_id);
                self.status = Some(OrderStatus::Cancelled);
            }
            OrderEvent::RefundRequested {
                refund_number,
                ticket_ids,
                amount,
                reason,
                code_given_back,
                ..
            } => {
                self.refunds.insert(
                    refund_number,
                    RefundState {
                        ticket_ids,
                        amount,
                        reason,
                        completed: false,
                        provider_refund_id: None,
                        code_given_back,
                    },
                );
            }
            OrderEvent::TicketsResendRequested { request_id, .. } => {
                self.resend_requests.insert(request_id);
            }
            OrderEvent::AttendeeCorrected { seat, attendee, .. } => {
                if let Some(ticket) = self.tickets.get_mut(seat) {
                    ticket.attendee = Some(attendee.clone());
                }
                if let Some(placed) = self.placed.as_mut() {
                    let seats = placed.seats().max(seat + 1);
                    placed.attendees.resize_with(seats, Attendee::default);
                    placed.attendees[seat] = attendee;
                }
            }
            OrderEvent::TicketsRefunded {
                refund_number,
                ticket_ids,
                provider_refund_id,
                surplus_payment,
                ..
            } => {
                if let Some(refund) = self.refunds.get_mut(&refund_number) {
                    refund.completed = true;
                    refund.provider_refund_id = provider_refund_id;
                }
                if surplus_payment {
                    // Money that was never the order's went back: its standing stays.
                    return;
                }
                self.refunded_tickets.extend(ticket_ids);
                let all_refunded = self
                    .tickets
                    .iter()
                    .all(|ticket| self.refunded_tickets.contains(&ticket.ticket_id));
                self.status = Some(if all_refunded {
                    OrderStatus::Refunded
                } else {
                    OrderStatus::PartiallyRefunded
                });
            }
        }
    }
}
