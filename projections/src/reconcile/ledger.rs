//! The fold: one event's facts, in log order, into [`LogFigures`]. No I/O, so it is
//! tested with facts written by hand (`tests.rs`).
//!
//! Orders are replayed with the domain's own `Order` aggregate (`Decide::evolve`), so
//! "paid", "refunded" and "which ticket is refunded" mean here exactly what they mean to
//! the rules that recorded them; the inventory's facts give what was sold and returned,
//! the admissions' what was let in.

use std::collections::{BTreeMap, BTreeSet};

use carneau_domain::admission::{Admission, AdmissionEvent};
use carneau_domain::aggregate::Decide;
use carneau_domain::event::Event;
use carneau_domain::ids::{OrderId, TicketId, TicketTypeId};
use carneau_domain::inventory::{Inventory, InventoryEvent};
use carneau_domain::money::Currency;
use carneau_domain::order::{Order, OrderEvent, OrderStatus, RefundReason};
use carneau_domain::EventCatalogueEvent;

use super::figures::{CurrencyFigures, LogFigures, OrderFigures, TicketTypeFigures};
use crate::log::{LogPosition, RecordedEvent};

/// One decoded fact of an event's streams.
#[derive(Debug, Clone, PartialEq)]
pub enum Fact {
    /// Of the event itself (its currency, its ticket types' names).
    Catalogue(EventCatalogueEvent),
    /// Of its inventory (what was sold, what went back on sale).
    Inventory(InventoryEvent),
    /// Of one of its orders.
    Order(OrderId, OrderEvent),
    /// Of one of its tickets at the door.
    Admission(AdmissionEvent),
}

impl Fact {
    /// Decodes a recorded event with the domain's types; `None` for an aggregate type
    /// the reconciliation does not read.
    pub fn decode(recorded: &RecordedEvent) -> anyhow::Result<Option<Fact>> {
        if let Some((_, event)) = recorded.decode_of::<Event>()? {
            return Ok(Some(Fact::Catalogue(event)));
        }
        if let Some((_, event)) = recorded.decode_of::<Inventory>()? {
            return Ok(Some(Fact::Inventory(event)));
        }
        if let Some((order_id, event)) = recorded.decode_of::<Order>()? {
            return Ok(Some(Fact::Order(OrderId::from_uuid(order_id), event)));
        }
        Ok(recorded
            .decode_of::<Admission>()?
            .map(|(_, event)| Fact::Admission(event)))
    }
}

/// The running fold of one event's facts.
#[derive(Debug, Default)]
pub struct EventLedger {
    currency: Option<Currency>,
    names: BTreeMap<TicketTypeId, String>,
    removed: BTreeSet<TicketTypeId>,
    orders: BTreeMap<OrderId, Order>,
    sold: BTreeMap<TicketTypeId, i64>,
    returned: BTreeMap<TicketTypeId, i64>,
    paid_late_sold: BTreeSet<OrderId>,
    sold_to: BTreeSet<OrderId>,
    refused_late: BTreeSet<OrderId>,
    admitted: BTreeSet<TicketId>,
    facts_read: u64,
    read_up_to: Option<LogPosition>,
}

impl EventLedger {
    /// Decodes and applies one recorded fact, remembering where in the log it was.
    pub fn record(&mut self, recorded: &RecordedEvent) -> anyhow::Result<()> {
        if let Some(fact) = Fact::decode(recorded)? {
            self.apply(fact);
        }
        self.facts_read += 1;
        self.read_up_to = Some(recorded.position);
        Ok(())
    }

    /// Applies one fact. Facts must come in log order (an order's `OrderPlaced` first).
    pub fn apply(&mut self, fact: Fact) {
        match fact {
            Fact::Catalogue(event) => self.apply_catalogue(event),
            Fact::Inventory(event) => self.apply_inventory(event),
            Fact::Order(order_id, event) => {
                if matches!(event, OrderEvent::LatePaymentRefused { .. }) {
                    self.refused_late.insert(order_id);
                }
                self.orders.entry(order_id).or_default().evolve(event);
            }
            Fact::Admission(AdmissionEvent::TicketCheckedIn { ticket_id, .. }) => {
                self.admitted.insert(ticket_id);
            }
            // A second entry on an admitted ticket admits no other ticket.
            Fact::Admission(AdmissionEvent::DuplicateEntryRecorded { .. }) => {}
        }
    }

    fn apply_catalogue(&mut self, event: EventCatalogueEvent) {
        match event {
            EventCatalogueEvent::EventDrafted { currency, .. } => self.currency = Some(currency),
            EventCatalogueEvent::TicketTypeAdded { ticket_type }
            | EventCatalogueEvent::TicketTypeChanged { ticket_type } => {
                self.removed.remove(&ticket_type.id);
                self.names
                    .insert(ticket_type.id, ticket_type.name.as_str().to_owned());
            }
            EventCatalogueEvent::TicketTypeRemoved { ticket_type_id } => {
                self.removed.insert(ticket_type_id);
            }
            EventCatalogueEvent::EventDetailsEdited { .. }
            | EventCatalogueEvent::EventPublished { .. }
            | EventCatalogueEvent::EventCancelled { .. }
            | EventCatalogueEvent::EventImageAdded { .. }
            | EventCatalogueEvent::EventImageAltTextChanged { .. }
            | EventCatalogueEvent::EventImagesReordered { .. }
            | EventCatalogueEvent::EventImageRemoved { .. }
            | EventCatalogueEvent::CapacityPoolAdded { .. }
            | EventCatalogueEvent::CapacityPoolChanged { .. }
            | EventCatalogueEvent::CapacityPoolRemoved { .. }
            | EventCatalogueEvent::WaitingListSwitched { .. } => {}
        }
    }

    fn apply_inventory(&mut self, event: InventoryEvent) {
        match event {
            InventoryEvent::HoldSold {
                order_id,
                lines,
                late,
                ..
            } => {
                if late {
                    self.paid_late_sold.insert(order_id);
                }
                self.sold_to.insert(order_id);
                for line in lines {
                    *self.sold.entry(line.ticket_type_id).or_default() +=
                        i64::from(line.quantity.get());
                }
            }
            InventoryEvent::TicketsReturned { lines, .. } => {
                for line in lines {
                    *self.returned.entry(line.ticket_type_id).or_default() +=
                        i64::from(line.quantity.get());
                }
            }
            InventoryEvent::HoldsPlaced { .. }
            | InventoryEvent::HoldReleased { .. }
            | InventoryEvent::HoldsExpired { .. }
            | InventoryEvent::HoldExtended { .. }
            | InventoryEvent::WaitingListJoined { .. }
            | InventoryEvent::WaitingListLeft { .. } => {}
            // An offer is a hold: like a hold, it sells nothing until paid.
            InventoryEvent::WaitingListOffered { .. } => {}
        }
    }

    /// The figures of everything applied so far.
    pub fn figures(&self) -> LogFigures {
        let (ticket_types, admitted_unknown_tickets) = self.ticket_type_figures();
        LogFigures {
            currency: self.currency,
            ticket_types,
            money: self.money_figures(),
            orders: self.order_figures(),
            facts_read: self.facts_read,
            read_up_to: self.read_up_to,
            admitted_unknown_tickets,
        }
    }

    /// Per ticket type, sorted by name (as the sales page lists them); check-ins of
    /// tickets no order of the event issued are counted apart.
    fn ticket_type_figures(&self) -> (Vec<TicketTypeFigures>, i64) {
        let mut figures: BTreeMap<TicketTypeId, TicketTypeFigures> = BTreeMap::new();
        let mut ids: BTreeSet<TicketTypeId> = self
            .names
            .keys()
            .filter(|id| !self.removed.contains(id))
            .copied()
            .collect();
        ids.extend(self.sold.keys().chain(self.returned.keys()).copied());
        let mut ticket_types: BTreeMap<TicketId, TicketTypeId> = BTreeMap::new();
        for order in self.orders.values() {
            for ticket in order.tickets() {
                ids.insert(ticket.ticket_type_id);
                ticket_types.insert(ticket.ticket_id, ticket.ticket_type_id);
            }
        }
        for id in ids {
            let sold = self.sold.get(&id).copied().unwrap_or_default();
            let returned = self.returned.get(&id).copied().unwrap_or_default();
            figures.insert(
                id,
                TicketTypeFigures {
                    ticket_type_id: id,
                    name: self.names.get(&id).cloned(),
                    sold,
                    refunded: 0,
                    returned,
                    admitted: 0,
                    sold_net: (sold - returned).max(0),
                    revenue_minor: 0,
                },
            );
        }
        for order in self.orders.values() {
            let Some(placed) = order.placed() else {
                continue;
            };
            for ticket in order.tickets() {
                let price = placed
                    .lines
                    .iter()
                    .find(|line| line.ticket_type_id == ticket.ticket_type_id)
                    .map_or(0, |line| line.unit_price.amount_minor);
                if let Some(type_figures) = figures.get_mut(&ticket.ticket_type_id) {
                    type_figures.revenue_minor += price;
                    if order.is_refunded(ticket.ticket_id) {
                        type_figures.refunded += 1;
                        type_figures.revenue_minor -= price;
                    }
                }
            }
        }
        let mut unknown = 0;
        for ticket_id in &self.admitted {
            match ticket_types
                .get(ticket_id)
                .and_then(|id| figures.get_mut(id))
            {
                Some(type_figures) => type_figures.admitted += 1,
                None => unknown += 1,
            }
        }
        let mut listed: Vec<TicketTypeFigures> = figures.into_values().collect();
        listed.sort_by(|a, b| {
            a.name
                .cmp(&b.name)
                .then(a.ticket_type_id.cmp(&b.ticket_type_id))
        });
        (listed, unknown)
    }

    fn money_figures(&self) -> Vec<CurrencyFigures> {
        let mut money: BTreeMap<Currency, CurrencyFigures> = BTreeMap::new();
        for order in self.orders.values() {
            let Some(placed) = order.placed() else {
                continue;
            };
            let currency = placed.total.currency;
            let figures = money.entry(currency).or_insert(CurrencyFigures {
                currency,
                gross_minor: 0,
                refunded_minor: 0,
                net_minor: 0,
                refunds_pending_minor: 0,
            });
            if order.paid_at().is_some() {
                figures.gross_minor += placed.total.amount_minor;
            }
            if let Some(refunded) = order.refunded_total() {
                figures.refunded_minor += refunded.amount_minor;
            }
            figures.refunds_pending_minor += order
                .pending_refunds()
                .map(|(_, refund)| refund.amount.amount_minor)
                .sum::<i64>();
        }
        money
            .into_values()
            .map(|mut figures| {
                figures.net_minor = figures.gross_minor - figures.refunded_minor;
                figures
            })
            .collect()
    }

    fn order_figures(&self) -> OrderFigures {
        let mut figures = OrderFigures::default();
        for (order_id, order) in &self.orders {
            if order.placed().is_none() {
                continue;
            }
            figures.placed += 1;
            if order.paid_at().is_none() {
                // A payment sells its hold before the order records it: sold and not
                // yet paid is that step in flight (or stopped there), not a free sale.
                if self.sold_to.contains(order_id) {
                    figures.sold_awaiting_payment.push(*order_id);
                }
                continue;
            }
            figures.paid += 1;
            match order.status() {
                Some(
                    OrderStatus::Paid | OrderStatus::PartiallyRefunded | OrderStatus::Refunded,
                ) => {
                    figures.paid_as_sales_page += 1;
                }
                Some(OrderStatus::PaymentReceived) => figures.awaiting_tickets.push(*order_id),
                _ => {}
            }
            let refused_late = self.refused_late.contains(order_id)
                || order
                    .refunds()
                    .values()
                    .any(|refund| refund.reason == RefundReason::LatePayment);
            if refused_late {
                figures.refunded_for_lack_of_tickets.push(*order_id);
            }
        }
        figures.paid_late_sold = self.paid_late_sold.iter().copied().collect();
        figures
    }
}
