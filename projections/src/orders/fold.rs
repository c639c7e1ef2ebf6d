//! A batch of order facts folded in memory into the rows it writes, so that the store
//! sends a bounded number of statements per batch instead of one or more per event.
//!
//! The fold keeps the per-event rules of the read model: an order's last status change
//! wins, a payment stamps `paid_at`, and a refund's status depends on the order's state
//! at that point of the log (`payment_refused` becomes `refunded`; otherwise the order is
//! `partially_refunded` while any of its tickets is still valid). That state is the
//! read model's before the batch ([`KnownOrder`], loaded by the store for the orders the
//! batch refunds) moved along by the batch's own earlier events.

use std::collections::{BTreeMap, HashMap};

use anyhow::Context;
use carneau_domain::order::{Attendee, OrderEvent, OrderStatus, PlacedOrder};
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// One fact of a batch the orders read model reads, in log order.
// Most facts are order events and they live for one batch: boxing them would cost an
// allocation per event to save a few bytes on the rare `Returned`.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub(super) enum OrderFact {
    /// An event of the order `0`.
    Order(Uuid, OrderEvent),
    /// The inventory put a refund's tickets back on sale.
    Returned {
        /// The refunded order.
        order_id: Uuid,
        /// Its refund.
        refund_number: i32,
    },
}

/// What the read model held before the batch for an order the batch refunds: all a
/// refund's status rule reads.
#[derive(Debug, Clone, Default)]
pub(super) struct KnownOrder {
    /// Whether the order stood at `payment_refused`.
    pub(super) refused: bool,
    /// Its tickets, each with whether it is still valid.
    pub(super) tickets: HashMap<Uuid, bool>,
}

/// A placed order's row and lines.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct PlacedRow {
    pub(super) order_id: Uuid,
    pub(super) order: PlacedOrder,
}

/// An issued ticket's row.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct TicketRow {
    pub(super) ticket_id: Uuid,
    pub(super) order_id: Uuid,
    pub(super) event_id: Uuid,
    pub(super) ticket_type_id: Uuid,
}

/// A requested refund's row.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct RefundRow {
    pub(super) order_id: Uuid,
    pub(super) refund_number: i32,
    pub(super) amount_minor: i64,
    pub(super) reason: String,
    pub(super) ticket_count: i32,
    pub(super) requested_at: DateTime<Utc>,
}

/// One seat's attendee as the orders search and the organiser's list read it
/// (`order_attendees`); a seat with neither detail has no row.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct AttendeeRow {
    pub(super) order_id: Uuid,
    pub(super) seat: i32,
    pub(super) event_id: Uuid,
    pub(super) name: Option<String>,
    pub(super) email: Option<String>,
}

impl AttendeeRow {
    fn of(
        order_id: Uuid,
        seat: usize,
        event_id: Uuid,
        attendee: &Attendee,
    ) -> anyhow::Result<Self> {
        Ok(Self {
            order_id,
            seat: i32::try_from(seat).context("seat")?,
            event_id,
            name: attendee.name.as_ref().map(|name| name.as_str().to_owned()),
            email: attendee
                .email
                .as_ref()
                .map(|email| email.as_str().to_owned()),
        })
    }

    /// Whether the seat has neither detail (its row goes).
    pub(super) fn is_blank(&self) -> bool {
        self.name.is_none() && self.email.is_none()
    }
}

/// How the batch changes an existing order row: its last status, when it last changed,
/// its last payment and what its refunds add up to.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct OrderChange {
    pub(super) order_id: Uuid,
    pub(super) status: &'static str,
    pub(super) updated_at: DateTime<Utc>,
    pub(super) paid_at: Option<DateTime<Utc>>,
    pub(super) refunded_minor: i64,
}

/// Everything a batch writes, grouped by statement.
#[derive(Debug, Default, PartialEq)]
pub(super) struct OrdersFold {
    /// Orders placed (inserted unless already there).
    pub(super) placed: Vec<PlacedRow>,
    /// Tickets issued (inserted unless already there).
    pub(super) tickets: Vec<TicketRow>,
    /// Refunds requested (inserted unless already there).
    pub(super) requested: Vec<RefundRow>,
    /// Orders whose tickets were issued, with how many times: each issue adds the
    /// order's lines to the sales per ticket type.
    pub(super) issued: Vec<(Uuid, i32)>,
    /// Tickets refunded: taken off the sales while still valid, then marked refunded.
    pub(super) refunded_tickets: Vec<Uuid>,
    /// Refunds carried out, with when (the last one of each refund).
    pub(super) completed: Vec<(Uuid, i32, DateTime<Utc>)>,
    /// Refunds whose tickets are back on sale.
    pub(super) returned: Vec<(Uuid, i32)>,
    /// Existing orders' changes, one per order.
    pub(super) changes: Vec<OrderChange>,
    /// The attendees given at checkout, seats with a detail only (inserted unless the
    /// seat has a row already: a correction made since wins).
    pub(super) named: Vec<AttendeeRow>,
    /// The attendees as last corrected in the batch, one per seat (written over the
    /// seat's row; a blank one removes it).
    pub(super) renamed: Vec<AttendeeRow>,
}

/// The orders the batch refunds: the ones whose [`KnownOrder`] the fold needs.
pub(super) fn refunded_orders(facts: &[OrderFact]) -> Vec<Uuid> {
    let mut ids: Vec<Uuid> = facts
        .iter()
        .filter_map(|fact| match fact {
            OrderFact::Order(order_id, OrderEvent::TicketsRefunded { .. }) => Some(*order_id),
            _ => None,
        })
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// An order as the fold walks it: the refund rule's state and the change so far.
#[derive(Debug, Default)]
struct Walked {
    refused: bool,
    tickets: HashMap<Uuid, bool>,
    change: Option<(&'static str, DateTime<Utc>)>,
    paid_at: Option<DateTime<Utc>>,
    refunded_minor: i64,
}

impl Walked {
    fn set(&mut self, status: OrderStatus, at: DateTime<Utc>) {
        self.refused = status == OrderStatus::PaymentRefused;
        self.change = Some((status.as_str(), at));
    }
}

/// The order's walk so far, started from what the read model knew of it.
fn walked<'a>(
    orders: &'a mut BTreeMap<Uuid, Walked>,
    known: &HashMap<Uuid, KnownOrder>,
    order_id: Uuid,
) -> &'a mut Walked {
    orders.entry(order_id).or_insert_with(|| {
        let known = known.get(&order_id).cloned().unwrap_or_default();
        Walked {
            refused: known.refused,
            tickets: known.tickets,
            ..Walked::default()
        }
    })
}

/// Folds `facts` (in log order) given what the read model knew of the refunded orders.
pub(super) fn fold(
    facts: Vec<OrderFact>,
    known: &HashMap<Uuid, KnownOrder>,
) -> anyhow::Result<OrdersFold> {
    let mut out = OrdersFold::default();
    let mut orders: BTreeMap<Uuid, Walked> = BTreeMap::new();
    let mut issued: BTreeMap<Uuid, i32> = BTreeMap::new();
    let mut completed: BTreeMap<(Uuid, i32), DateTime<Utc>> = BTreeMap::new();
    let mut renamed: BTreeMap<(Uuid, i32), AttendeeRow> = BTreeMap::new();
    for fact in facts {
        let (order_id, event) = match fact {
            OrderFact::Returned {
                order_id,
                refund_number,
            } => {
                out.returned.push((order_id, refund_number));
                continue;
            }
            OrderFact::Order(order_id, event) => (order_id, event),
        };
        let order = walked(&mut orders, known, order_id);
        match event {
            // A placed order's row says `awaiting_payment` unless it was there already,
            // which the refund rule's loaded state then reflects: no change to record.
            OrderEvent::OrderPlaced(placed) => {
                for (seat, attendee) in placed.attendees.iter().enumerate() {
                    if !attendee.is_blank() {
                        let event_id = placed.event_id.as_uuid();
                        out.named
                            .push(AttendeeRow::of(order_id, seat, event_id, attendee)?);
                    }
                }
                out.placed.push(PlacedRow {
                    order_id,
                    order: placed,
                });
            }
            OrderEvent::PaymentReceived { received_at, .. } => {
                order.set(OrderStatus::PaymentReceived, received_at);
                order.paid_at = Some(received_at);
            }
            // Money that is not the order's: its refund is the only trace in the model. A
            // resend of the tickets changes nothing either.
            OrderEvent::SurplusPaymentReceived { .. }
            | OrderEvent::TicketsResendRequested { .. } => {}
            // The order's status stays; the search and the list read the seat's new details.
            OrderEvent::AttendeeCorrected {
                event_id,
                seat,
                attendee,
                ..
            } => {
                let row = AttendeeRow::of(order_id, seat, event_id.as_uuid(), &attendee)?;
                renamed.insert((order_id, row.seat), row);
            }
            OrderEvent::PaymentPending { pending_at, .. } => {
                order.set(OrderStatus::PaymentPending, pending_at);
            }
            OrderEvent::TicketsIssued {
                event_id,
                tickets,
                issued_at,
                ..
            } => {
                for ticket in &tickets {
                    let ticket_id = ticket.ticket_id.as_uuid();
                    // An existing ticket keeps its status, as its row does.
                    order.tickets.entry(ticket_id).or_insert(true);
                    out.tickets.push(TicketRow {
                        ticket_id,
                        order_id,
                        event_id: event_id.as_uuid(),
                        ticket_type_id: ticket.ticket_type_id.as_uuid(),
                    });
                }
                *issued.entry(order_id).or_default() += 1;
                order.set(OrderStatus::Paid, issued_at);
            }
            OrderEvent::LatePaymentRefused { refused_at } => {
                order.set(OrderStatus::PaymentRefused, refused_at);
            }
            OrderEvent::OrderExpired { expired_at, .. } => {
                order.set(OrderStatus::Expired, expired_at);
            }
            OrderEvent::OrderCancelled { cancelled_at, .. } => {
                order.set(OrderStatus::Cancelled, cancelled_at);
            }
            OrderEvent::RefundRequested {
                refund_number,
                ticket_ids,
                amount,
                reason,
                requested_at,
                ..
            } => {
                let reason = serde_json::to_value(reason)?
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                out.requested.push(RefundRow {
                    order_id,
                    refund_number: i32::try_from(refund_number).context("refund number")?,
                    amount_minor: amount.amount_minor,
                    reason,
                    ticket_count: i32::try_from(ticket_ids.len()).context("ticket count")?,
                    requested_at,
                });
            }
            OrderEvent::TicketsRefunded {
                refund_number,
                ticket_ids,
                amount,
                refunded_at,
                surplus_payment,
                ..
            } => {
                let refund_number = i32::try_from(refund_number).context("refund number")?;
                completed.insert((order_id, refund_number), refunded_at);
                if surplus_payment {
                    // A second payment went back: the order's standing and figures stay.
                    continue;
                }
                for ticket_id in &ticket_ids {
                    let ticket_id = ticket_id.as_uuid();
                    if let Some(valid) = order.tickets.get_mut(&ticket_id) {
                        *valid = false;
                    }
                    out.refunded_tickets.push(ticket_id);
                }
                let status = if order.refused || order.tickets.values().all(|valid| !valid) {
                    OrderStatus::Refunded
                } else {
                    OrderStatus::PartiallyRefunded
                };
                order.refunded_minor += amount.amount_minor;
                order.set(status, refunded_at);
            }
        }
    }
    out.issued = issued.into_iter().collect();
    out.renamed = renamed.into_values().collect();
    out.completed = completed
        .into_iter()
        .map(|((order_id, number), at)| (order_id, number, at))
        .collect();
    out.changes = orders
        .into_iter()
        .filter_map(|(order_id, order)| {
            let (status, updated_at) = order.change?;
            Some(OrderChange {
                order_id,
                status,
                updated_at,
                paid_at: order.paid_at,
                refunded_minor: order.refunded_minor,
            })
        })
        .collect();
    Ok(out)
}

#[cfg(test)]
#[path = "fold_tests.rs"]
mod tests;
