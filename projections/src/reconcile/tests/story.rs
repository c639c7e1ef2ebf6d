//! One event's story written as facts by hand: the ledger it folds into and the sales
//! page that should go with it.

use carneau_domain::account::EmailAddress;
use carneau_domain::admission::AdmissionEvent;
use carneau_domain::ids::{EventId, OrderId, ReservationId, TicketId, TicketTypeId};
use carneau_domain::inventory::{HoldLine, InventoryEvent, Quantity};
use carneau_domain::money::{Currency, Money};
use carneau_domain::order::{
    IssuedTicket, OrderEvent, OrderLine, PaymentProvider, PlacedOrder, RefundReason,
};
use carneau_domain::{
    Capacity, EventCatalogueEvent, MaxPerOrder, Process, SaleWindow, TicketType, TicketTypeName,
};
use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::json;

use crate::catalogue::MoneyView;
use crate::orders::{EventSales, TicketTypeSales};
use crate::reconcile::{EventLedger, Fact};

pub const STANDING: i64 = 2500;
pub const BALCONY: i64 = 4000;

fn at(minute: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 6, 1, 18, 0, 0).unwrap() + Duration::minutes(minute)
}

pub fn eur() -> Currency {
    Currency::parse("EUR").unwrap()
}

/// An event in EUR with two ticket types, and a builder of its orders' facts.
pub struct Story {
    pub event_id: EventId,
    pub standing: TicketTypeId,
    pub balcony: TicketTypeId,
    pub ledger: EventLedger,
}

impl Story {
    pub fn new() -> Self {
        let event_id = EventId::new();
        let mut ledger = EventLedger::default();
        let drafted: EventCatalogueEvent = serde_json::from_value(json!({"EventDrafted": {
            "event_id": event_id,
            "details": {
                "title": "Night market", "description": "Stalls and music",
                "venue": {"name": "The Yard", "address": "1 Quay Street"},
                "starts_at": at(600), "ends_at": at(900), "time_zone": "Europe/Paris",
            },
            "currency": "EUR",
        }}))
        .unwrap();
        ledger.apply(Fact::Catalogue(drafted));
        let mut story = Self {
            event_id,
            standing: TicketTypeId::new(),
            balcony: TicketTypeId::new(),
            ledger,
        };
        story.add_ticket_type(story.standing, "Standing", STANDING);
        story.add_ticket_type(story.balcony, "Balcony", BALCONY);
        story
    }

    fn add_ticket_type(&mut self, id: TicketTypeId, name: &str, price: i64) {
        self.ledger
            .apply(Fact::Catalogue(EventCatalogueEvent::TicketTypeAdded {
                ticket_type: TicketType {
                    id,
                    name: TicketTypeName::parse(name).unwrap(),
                    price: Money::new(price, eur()),
                    capacity: Capacity::parse(100).unwrap(),
                    sale_window: SaleWindow::parse(at(-600), at(600)).unwrap(),
                    max_per_order: MaxPerOrder::parse(10).unwrap(),
                    hidden: false,
                },
            }));
    }

    fn price(&self, ticket_type: TicketTypeId) -> i64 {
        if ticket_type == self.standing {
            STANDING
        } else {
            BALCONY
        }
    }

    /// Places an order for `lines`; answers its id.
    pub fn place(&mut self, lines: &[(TicketTypeId, u32)]) -> OrderId {
        let reservation_id = ReservationId::new();
        let order_id = OrderId::for_reservation(reservation_id);
        let lines: Vec<OrderLine> = lines
            .iter()
            .map(|(ticket_type_id, quantity)| OrderLine {
                ticket_type_id: *ticket_type_id,
                name: "a ticket".to_owned(),
                quantity: Quantity::parse(*quantity).unwrap(),
                list_price: None,
                unit_price: Money::new(self.price(*ticket_type_id), eur()),
            })
            .collect();
        let total = lines
            .iter()
            .map(|line| line.unit_price.amount_minor * i64::from(line.quantity.get()))
            .sum();
        self.order(
            order_id,
            OrderEvent::OrderPlaced(PlacedOrder {
                attendees: Vec::new(),
                order_id,
                event_id: self.event_id,
                reservation_id,
                buyer_email: EmailAddress::parse("buyer@example.com").unwrap(),
                account_id: None,
                lines,
                total: Money::new(total, eur()),
                provider: PaymentProvider::Stripe,
                session_id: format!("cs_{order_id}"),
                checkout_url: "https://pay.test".to_owned(),
                payment_due_by: at(30),
                code: None,
                placed_at: at(0),
            }),
        );
        order_id
    }

    fn order(&mut self, order_id: OrderId, event: OrderEvent) {
        self.ledger.apply(Fact::Order(order_id, event));
    }

    pub fn pay(&mut self, order_id: OrderId) {
        self.order(
            order_id,
            OrderEvent::PaymentReceived {
                provider_event_id: format!("evt_{order_id}"),
                payment_reference: Some(format!("pi_{order_id}")),
                received_at: at(5),
                session_id: None,
            },
        );
    }

    /// Sells the hold (late or not) and issues one ticket per seat; answers the tickets.
    pub fn sell_and_issue(
        &mut self,
        order_id: OrderId,
        lines: &[(TicketTypeId, u32)],
        late: bool,
    ) -> Vec<TicketId> {
        self.sell(order_id, lines, late);
        self.issue(order_id, lines)
    }

    /// Sells the order's hold (late or not).
    pub fn sell(&mut self, order_id: OrderId, lines: &[(TicketTypeId, u32)], late: bool) {
        self.ledger.apply(Fact::Inventory(InventoryEvent::HoldSold {
            reservation_id: ReservationId::new(),
            order_id,
            lines: hold_lines(lines),
            late,
            sold_at: at(6),
            code_use: None,
        }));
    }

    /// Issues one ticket per seat; answers the tickets.
    pub fn issue(&mut self, order_id: OrderId, lines: &[(TicketTypeId, u32)]) -> Vec<TicketId> {
        let tickets: Vec<IssuedTicket> = lines
            .iter()
            .flat_map(|(ticket_type_id, quantity)| {
                (0..*quantity).map(|_| IssuedTicket {
                    attendee: None,
                    ticket_id: TicketId::new(),
                    ticket_type_id: *ticket_type_id,
                })
            })
            .collect();
        let ids = tickets.iter().map(|ticket| ticket.ticket_id).collect();
        self.order(
            order_id,
            OrderEvent::TicketsIssued {
                order_id,
                event_id: self.event_id,
                buyer_email: EmailAddress::parse("buyer@example.com").unwrap(),
                account_id: None,
                tickets,
                issued_at: at(6),
            },
        );
        ids
    }

    /// Requests refund `number` of `tickets` for `amount`; completes it unless `pending`.
    pub fn refund(
        &mut self,
        order_id: OrderId,
        number: u32,
        tickets: &[TicketId],
        amount: i64,
        reason: RefundReason,
        pending: bool,
    ) {
        self.order(
            order_id,
            OrderEvent::RefundRequested {
                refund_number: number,
                ticket_ids: tickets.to_vec(),
                amount: Money::new(amount, eur()),
                reason,
                requested_at: at(10),
                code_given_back: None,
            },
        );
        if !pending {
            self.order(
                order_id,
                OrderEvent::TicketsRefunded {
                    order_id,
                    event_id: self.event_id,
                    refund_number: number,
                    ticket_ids: tickets.to_vec(),
                    amount: Money::new(amount, eur()),
                    refunded_at: at(11),
                    provider_refund_id: Some(format!("re_{order_id}_{number}")),
                    surplus_payment: false,
                },
            );
        }
    }

    fn returned(&mut self, order_id: OrderId, number: u32, lines: &[(TicketTypeId, u32)]) {
        self.ledger
            .apply(Fact::Inventory(InventoryEvent::TicketsReturned {
                order_id,
                refund_number: number,
                lines: hold_lines(lines),
                returned_at: at(12),
                code_use: None,
            }));
    }

    fn check_in(&mut self, ticket_id: TicketId) {
        self.ledger
            .apply(Fact::Admission(AdmissionEvent::TicketCheckedIn {
                ticket_id,
                event_id: self.event_id,
                checked_in_at: at(620),
                checked_in_by: carneau_domain::Actor::Process {
                    process: Process::Cli,
                },
                offline: None,
            }));
    }

    /// The whole story: a partial refund, a full refund, a late payment refused for lack
    /// of tickets, a late payment sold, an order never paid, three check-ins.
    pub fn told() -> (Self, OrderId, OrderId) {
        let mut story = Self::new();
        let (standing, balcony) = (story.standing, story.balcony);
        let mixed = story.place(&[(standing, 2), (balcony, 1)]);
        story.pay(mixed);
        let mixed_tickets = story.sell_and_issue(mixed, &[(standing, 2), (balcony, 1)], false);
        story.refund(
            mixed,
            1,
            &mixed_tickets[..1],
            STANDING,
            RefundReason::RequestedByOrganiser,
            false,
        );
        story.returned(mixed, 1, &[(standing, 1)]);

        let whole = story.place(&[(balcony, 1)]);
        story.pay(whole);
        let whole_tickets = story.sell_and_issue(whole, &[(balcony, 1)], false);
        story.refund(
            whole,
            1,
            &whole_tickets,
            BALCONY,
            RefundReason::RequestedByOrganiser,
            false,
        );
        story.returned(whole, 1, &[(balcony, 1)]);

        let refused = story.place(&[(standing, 2)]);
        story.order(
            refused,
            OrderEvent::OrderExpired {
                provider_event_id: None,
                expired_at: at(31),
            },
        );
        story.pay(refused);
        story.order(
            refused,
            OrderEvent::LatePaymentRefused { refused_at: at(32) },
        );
        story.refund(
            refused,
            1,
            &[],
            2 * STANDING,
            RefundReason::LatePayment,
            false,
        );

        let late = story.place(&[(standing, 1)]);
        story.pay(late);
        let late_tickets = story.sell_and_issue(late, &[(standing, 1)], true);

        let never_paid = story.place(&[(balcony, 3)]);
        story.order(
            never_paid,
            OrderEvent::OrderExpired {
                provider_event_id: None,
                expired_at: at(31),
            },
        );

        story.check_in(mixed_tickets[1]);
        story.check_in(mixed_tickets[2]);
        story.check_in(late_tickets[0]);
        (story, refused, late)
    }

    /// The sales page as it should read after [`Story::told`].
    pub fn sales_page(&self) -> EventSales {
        let money = |amount_minor| MoneyView {
            amount_minor,
            currency: "EUR".to_owned(),
        };
        let listed = |id: TicketTypeId, name: &str, sold, refunded, revenue| TicketTypeSales {
            ticket_type_id: id.as_uuid(),
            name: name.to_owned(),
            capacity: 100,
            held: 0,
            sold,
            available: 100 - sold,
            refunded,
            revenue: money(revenue),
        };
        EventSales {
            event_id: self.event_id.as_uuid(),
            ticket_types: vec![
                listed(self.balcony, "Balcony", 1, 1, BALCONY),
                listed(self.standing, "Standing", 2, 1, 2 * STANDING),
            ],
            total_revenue: money(BALCONY + 2 * STANDING),
            orders_paid: 4,
        }
    }
}

fn hold_lines(lines: &[(TicketTypeId, u32)]) -> Vec<HoldLine> {
    lines
        .iter()
        .map(|(ticket_type_id, quantity)| HoldLine {
            ticket_type_id: *ticket_type_id,
            quantity: Quantity::parse(*quantity).unwrap(),
        })
        .collect()
}
