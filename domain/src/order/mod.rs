//! An order: one buyer's checkout of one hold, from the payment session to tickets and
//! refunds.
//!
//! Every transition goes forward only: awaiting payment [-> payment pending] -> paid
//! (tickets issued) ->
//! partially refunded -> refunded; awaiting payment -> expired | cancelled; and a payment
//! that lands on an expired or cancelled order is still recorded (the late payment), then
//! either sold or refused and refunded. A command that would move backwards, or that
//! repeats a provider event already recorded, records nothing: that is how a webhook
//! delivered twice or out of order takes effect at most once.

mod commands;
mod error;
mod events;
mod standing;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use commands::OrderCommand;
pub use error::OrderError;
pub use events::{IssuedTicket, OrderEvent, OrderLine, PaymentProvider, RefundReason};
pub use standing::TicketStanding;

use crate::ids::{EventId, OrderId, ReservationId, TicketId};
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
}

/// What an order was placed with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlacedOrder {
    /// The order.
    pub order_id: OrderId,
    /// The event.
    pub event_id: EventId,
    /// The hold paid for.
    pub reservation_id: ReservationId,
    /// The buyer's email.
    pub buyer_email: String,
    /// The buyer's account, if signed in.
    pub account_id: Option<Uuid>,
    /// What is bought.
    pub lines: Vec<OrderLine>,
    /// The sum of the lines.
    pub total: Money,
    /// Who takes the payment.
    pub provider: PaymentProvider,
    /// The provider's session.
    pub session_id: String,
    /// Where the buyer pays.
    pub checkout_url: String,
    /// When the session is expired if unpaid.
    pub payment_due_by: DateTime<Utc>,
    /// When it was placed.
    pub placed_at: DateTime<Utc>,
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

    /// When the payment was recorded.
    pub fn paid_at(&self) -> Option<DateTime<Utc>> {
        self.paid_at
    }

    /// The tickets issued (refunded ones included).
    pub fn tickets(&self) -> &[IssuedTicket] {
        &self.tickets
    }

    /// Whether a ticket was refunded.
    pub fn is_refunded(&self, ticket_id: TicketId) -> bool {
        self.refunded_tickets.contains(&ticket_id)
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

    /// The events a command records, or why it is refused.
    pub fn decide(&self, command: OrderCommand) -> Result<Vec<OrderEvent>, OrderError> {
        if let OrderCommand::Place(placed) = command {
            return match (&self.placed, *placed) {
                (Some(_), OrderEvent::OrderPlaced { .. }) => Ok(Vec::new()),
                (None, event @ OrderEvent::OrderPlaced { .. }) => Ok(vec![event]),
                _ => Err(OrderError::AlreadyPlaced),
            };
        }
        let (Some(placed), Some(status)) = (&self.placed, self.status) else {
            return Err(OrderError::UnknownOrder);
        };
        let seen = |id: &Option<String>| {
            id.as_ref()
                .is_some_and(|id| self.provider_events.contains(id))
        };
        use OrderStatus as S;
        Ok(match command {
            OrderCommand::Place(_) => Vec::new(),
            OrderCommand::RecordPayment {
                provider_event_id,
                payment_reference,
                now,
            } => {
                let payable = matches!(
                    status,
                    S::AwaitingPayment | S::PaymentPending | S::Expired | S::Cancelled
                );
                if !payable || self.provider_events.contains(&provider_event_id) {
                    Vec::new()
                } else {
                    vec![OrderEvent::PaymentReceived {
                        provider_event_id,
                        payment_reference,
                        received_at: now,
                    }]
                }
            }
            OrderCommand::MarkPaymentPending {
                provider_event_id,
                now,
            } => match status {
                S::AwaitingPayment if !self.provider_events.contains(&provider_event_id) => {
                    vec![OrderEvent::PaymentPending {
                        provider_event_id,
                        pending_at: now,
                    }]
                }
                _ => Vec::new(),
            },
            OrderCommand::IssueTickets { tickets, now } => match status {
                S::PaymentReceived => vec![OrderEvent::TicketsIssued {
                    order_id: placed.order_id,
                    event_id: placed.event_id,
                    buyer_email: placed.buyer_email.clone(),
                    account_id: placed.account_id,
                    tickets,
                    issued_at: now,
                }],
                _ => Vec::new(),
            },
            OrderCommand::RefuseLatePayment { now } => match status {
                S::PaymentReceived => vec![
                    OrderEvent::LatePaymentRefused { refused_at: now },
                    OrderEvent::RefundRequested {
                        refund_number: self.next_refund_number(),
                        ticket_ids: Vec::new(),
                        amount: placed.total,
                        reason: RefundReason::LatePayment,
                        requested_at: now,
                    },
                ],
                _ => Vec::new(),
            },
            OrderCommand::Expire {
                provider_event_id,
                now,
            } => match status {
                S::AwaitingPayment if !seen(&provider_event_id) => vec![OrderEvent::OrderExpired {
                    provider_event_id,
                    expired_at: now,
                }],
                _ => Vec::new(),
            },
            OrderCommand::Cancel {
                provider_event_id,
                now,
            } => match status {
                S::AwaitingPayment | S::PaymentPending if !seen(&provider_event_id) => {
                    vec![OrderEvent::OrderCancelled {
                        provider_event_id,
                        cancelled_at: now,
                    }]
                }
                _ => Vec::new(),
            },
            OrderCommand::RequestRefund {
                ticket_ids,
                reason,
                now,
            } => self.decide_refund(placed, status, ticket_ids, reason, now)?,
            OrderCommand::CompleteRefund {
                refund_number,
                provider_refund_id,
                now,
            } => {
                let refund = self
                    .refunds
                    .get(&refund_number)
                    .ok_or(OrderError::UnknownRefund)?;
                if refund.completed {
                    Vec::new()
                } else {
                    vec![OrderEvent::TicketsRefunded {
                        order_id: placed.order_id,
                        event_id: placed.event_id,
                        refund_number,
                        ticket_ids: refund.ticket_ids.clone(),
                        amount: refund.amount,
                        refunded_at: now,
                        provider_refund_id: Some(provider_refund_id),
                    }]
                }
            }
        })
    }

    fn decide_refund(
        &self,
        placed: &PlacedOrder,
        status: OrderStatus,
        ticket_ids: Option<Vec<TicketId>>,
        reason: RefundReason,
        now: DateTime<Utc>,
    ) -> Result<Vec<OrderEvent>, OrderError> {
        match status {
            OrderStatus::Paid | OrderStatus::PartiallyRefunded => {}
            OrderStatus::Refunded => return Err(OrderError::AlreadyRefunded),
            _ => return Err(OrderError::NotPaid),
        }
        let refunding: BTreeSet<TicketId> = self
            .refunds
            .values()
            .flat_map(|refund| refund.ticket_ids.iter().copied())
            .collect();
        let chosen: Vec<&IssuedTicket> = match ticket_ids {
            None => self
                .tickets
                .iter()
                .filter(|ticket| !refunding.contains(&ticket.ticket_id))
                .collect(),
            Some(ids) => {
                let ids: BTreeSet<TicketId> = ids.into_iter().collect();
                let mut chosen = Vec::with_capacity(ids.len());
                for id in ids {
                    let ticket = self
                        .tickets
                        .iter()
                        .find(|ticket| ticket.ticket_id == id)
                        .ok_or(OrderError::UnknownTicket)?;
                    if refunding.contains(&id) {
                        return Err(OrderError::AlreadyRefunded);
                    }
                    chosen.push(ticket);
                }
                chosen
            }
        };
        if chosen.is_empty() {
            return Err(OrderError::AlreadyRefunded);
        }
        let amount_minor = chosen
            .iter()
            .map(|ticket| {
                placed
                    .lines
                    .iter()
                    .find(|line| line.ticket_type_id == ticket.ticket_type_id)
                    .map_or(0, |line| line.unit_price.amount_minor)
            })
            .sum();
        Ok(vec![OrderEvent::RefundRequested {
            refund_number: self.next_refund_number(),
            ticket_ids: chosen.iter().map(|ticket| ticket.ticket_id).collect(),
            amount: Money::new(amount_minor, placed.total.currency),
            reason,
            requested_at: now,
        }])
    }

    fn next_refund_number(&self) -> u32 {
        self.refunds.keys().next_back().map_or(1, |last| last + 1)
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
            OrderEvent::OrderPlaced {
                order_id,
                event_id,
                reservation_id,
                buyer_email,
                account_id,
                lines,
                total,
                provider,
                session_id,
                checkout_url,
                payment_due_by,
                placed_at,
            } => {
                self.placed = Some(PlacedOrder {
                    order_id,
                    event_id,
                    reservation_id,
                    buyer_email,
                    account_id,
                    lines,
                    total,
                    provider,
                    session_id,
                    checkout_url,
                    payment_due_by,
                    placed_at,
                });
                self.status = Some(OrderStatus::AwaitingPayment);
            }
            OrderEvent::PaymentReceived {
                provider_event_id,
                payment_reference,
                received_at,
            } => {
                self.provider_events.insert(provider_event_id);
                self.payment_reference = payment_reference;
                self.paid_at = Some(received_at);
                self.status = Some(OrderStatus::PaymentReceived);
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
                    },
                );
            }
            OrderEvent::TicketsRefunded {
                refund_number,
                ticket_ids,
                provider_refund_id,
                ..
            } => {
                if let Some(refund) = self.refunds.get_mut(&refund_number) {
                    refund.completed = true;
                    refund.provider_refund_id = provider_refund_id;
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
