//! How the order decides: each command becomes the events it records, or a refusal. Only
//! reads the state; `apply` (in the aggregate) changes it.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use super::{
    Attendee, IssuedTicket, Order, OrderCommand, OrderError, OrderEvent, OrderStatus, PlacedOrder,
    RefundReason,
};
use crate::event::AttendeeQuestions;
use crate::ids::TicketId;

impl Order {
    /// The events a command records, or why it is refused.
    pub fn decide(&self, command: OrderCommand) -> Result<Vec<OrderEvent>, OrderError> {
        if let OrderCommand::Place(placed) = command {
            // Placed already: a retried checkout, nothing new to record.
            return Ok(match self.placed {
                Some(_) => Vec::new(),
                None => vec![OrderEvent::OrderPlaced(*placed)],
            });
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
                session_id,
                payment_reference,
                amount,
                now,
            } => {
                // The same event, or another event about a payment already recorded (the
                // process manager found it before its webhook came): nothing new.
                if self.provider_events.contains(&provider_event_id)
                    || self.paid_sessions.contains(&session_id)
                {
                    return Ok(Vec::new());
                }
                let unpaid = matches!(
                    status,
                    S::AwaitingPayment | S::PaymentPending | S::Expired | S::Cancelled
                );
                if unpaid {
                    // Whichever of its sessions was paid, the order takes the payment and
                    // fulfilment sells the hold if its tickets are still free (else refuses
                    // and refunds it, as any late payment). The session is recorded, so a
                    // payment on another session is never mistaken for this one.
                    vec![OrderEvent::PaymentReceived {
                        provider_event_id,
                        payment_reference,
                        received_at: now,
                        session_id: Some(session_id),
                    }]
                } else {
                    // Already paid: a second payment buys nothing and is given back whole,
                    // against its own reference.
                    let refund_number = self.next_refund_number();
                    let amount = amount.unwrap_or(placed.total);
                    vec![
                        OrderEvent::SurplusPaymentReceived {
                            provider_event_id,
                            session_id,
                            payment_reference,
                            amount,
                            refund_number,
                            received_at: now,
                        },
                        OrderEvent::RefundRequested {
                            refund_number,
                            ticket_ids: Vec::new(),
                            amount,
                            reason: RefundReason::SurplusPayment,
                            requested_at: now,
                            code_given_back: None,
                        },
                    ]
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
                    tickets: tickets
                        .into_iter()
                        .enumerate()
                        .map(|(seat, ticket)| IssuedTicket {
                            attendee: placed.attendees.get(seat).cloned(),
                            ..ticket
                        })
                        .collect(),
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
                        code_given_back: None,
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
                give_back_code,
                now,
            } => self.decide_refund(placed, status, ticket_ids, (reason, give_back_code), now)?,
            OrderCommand::ResendTickets { request_id, now } => {
                if self.resend_recorded(request_id) {
                    return Ok(Vec::new());
                }
                let valid = self.valid_tickets();
                if !matches!(status, S::Paid | S::PartiallyRefunded) || valid.is_empty() {
                    return Err(OrderError::NoTicketsToResend);
                }
                vec![OrderEvent::TicketsResendRequested {
                    order_id: placed.order_id,
                    event_id: placed.event_id,
                    buyer_email: placed.buyer_email.clone(),
                    tickets: valid,
                    request_id,
                    requested_at: now,
                }]
            }
            OrderCommand::CorrectAttendee {
                seat,
                attendee,
                questions,
                event_starts_at,
                now,
            } => {
                self.decide_correction(placed, seat, attendee, &questions, event_starts_at, now)?
            }
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
                        surplus_payment: refund.reason == RefundReason::SurplusPayment,
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
        (reason, give_back_code): (RefundReason, bool),
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
        Ok(vec![OrderEvent::RefundRequested {
            refund_number: self.next_refund_number(),
            ticket_ids: chosen.iter().map(|ticket| ticket.ticket_id).collect(),
            amount: placed.price_of(chosen.iter().copied()),
            reason,
            requested_at: now,
            code_given_back: self.code_given_back(
                placed,
                &refunding,
                &chosen,
                reason,
                give_back_code,
            ),
        }])
    }

    fn decide_correction(
        &self,
        placed: &PlacedOrder,
        seat: usize,
        attendee: Attendee,
        questions: &AttendeeQuestions,
        event_starts_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Vec<OrderEvent>, OrderError> {
        if now >= event_starts_at {
            return Err(OrderError::EventStarted);
        }
        if seat >= placed.seats() {
            return Err(OrderError::UnknownSeat);
        }
        let attendee = attendee.answering(questions, seat)?;
        let previous = placed.attendees.get(seat).cloned().unwrap_or_default();
        if attendee == previous {
            // Nothing changes: a retried correction records nothing.
            return Ok(Vec::new());
        }
        Ok(vec![OrderEvent::AttendeeCorrected {
            order_id: placed.order_id,
            event_id: placed.event_id,
            seat,
            ticket_id: self.tickets.get(seat).map(|ticket| ticket.ticket_id),
            previous,
            attendee,
            corrected_at: now,
        }])
    }

    fn next_refund_number(&self) -> u32 {
        self.refunds.keys().next_back().map_or(1, |last| last + 1)
    }
}
