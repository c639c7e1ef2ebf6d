//! The fold and the comparison on facts written by hand: one event's whole story.

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
use uuid::Uuid;

use super::*;
use crate::catalogue::MoneyView;
use crate::orders::{EventSales, TicketTypeSales};

const STANDING: i64 = 2500;
const BALCONY: i64 = 4000;

fn at(minute: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 6, 1, 18, 0, 0).unwrap() + Duration::minutes(minute)
}

fn eur() -> Currency {
    Currency::parse("EUR").unwrap()
}

/// An event in EUR with two ticket types, and a builder of its orders' facts.
struct Story {
    event_id: EventId,
    standing: TicketTypeId,
    balcony: TicketTypeId,
    ledger: EventLedger,
}

impl Story {
    fn new() -> Self {
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
    fn place(&mut self, lines: &[(TicketTypeId, u32)]) -> OrderId {
        let reservation_id = ReservationId::new();
        let order_id = OrderId::for_reservation(reservation_id);
        let lines: Vec<OrderLine> = lines
            .iter()
            .map(|(ticket_type_id, quantity)| OrderLine {
                ticket_type_id: *ticket_type_id,
                name: "a ticket".to_owned(),
                quantity: Quantity::parse(*quantity).unwrap(),
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
                placed_at: at(0),
            }),
        );
        order_id
    }

    fn order(&mut self, order_id: OrderId, event: OrderEvent) {
        self.ledger.apply(Fact::Order(order_id, event));
    }

    fn pay(&mut self, order_id: OrderId) {
        self.order(
            order_id,
            OrderEvent::PaymentReceived {
                provider_event_id: format!("evt_{order_id}"),
                payment_reference: Some(format!("pi_{order_id}")),
                received_at: at(5),
            },
        );
    }

    /// Sells the hold (late or not) and issues one ticket per seat; answers the tickets.
    fn sell_and_issue(
        &mut self,
        order_id: OrderId,
        lines: &[(TicketTypeId, u32)],
        late: bool,
    ) -> Vec<TicketId> {
        self.ledger.apply(Fact::Inventory(InventoryEvent::HoldSold {
            reservation_id: ReservationId::new(),
            order_id,
            lines: hold_lines(lines),
            late,
            sold_at: at(6),
        }));
        let tickets: Vec<IssuedTicket> = lines
            .iter()
            .flat_map(|(ticket_type_id, quantity)| {
                (0..*quantity).map(|_| IssuedTicket {
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
    fn refund(
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
            }));
    }

    /// The whole story: a partial refund, a full refund, a late payment refused for lack
    /// of tickets, a late payment sold, an order never paid, three check-ins.
    fn told() -> (Self, OrderId, OrderId) {
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
    fn sales_page(&self) -> EventSales {
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

#[test]
fn counts_tickets_per_type_from_sales_refunds_returns_and_check_ins() {
    let (story, _, _) = Story::told();
    let figures = story.ledger.figures();
    let rows: Vec<(Option<&str>, i64, i64, i64, i64, i64, i64)> = figures
        .ticket_types
        .iter()
        .map(|t| {
            let name = t.name.as_deref();
            (
                name,
                t.sold,
                t.refunded,
                t.returned,
                t.admitted,
                t.sold_net,
                t.revenue_minor,
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            // Balcony: one in the mixed order (admitted), one refunded whole.
            (Some("Balcony"), 2, 1, 1, 1, 1, BALCONY),
            // Standing: two in the mixed order (one refunded, one admitted), one sold late
            // (admitted); the refused late payment sold nothing.
            (Some("Standing"), 3, 1, 1, 2, 2, 2 * STANDING),
        ]
    );
    assert_eq!(figures.admitted_unknown_tickets, 0);
}

#[test]
fn money_counts_every_payment_taken_and_every_refund_carried_out() {
    let (story, _, _) = Story::told();
    let money = story.ledger.figures().money;
    // Paid: the mixed order, the whole refund, the refused late payment, the late sale.
    let gross = (2 * STANDING + BALCONY) + BALCONY + 2 * STANDING + STANDING;
    let refunded = STANDING + BALCONY + 2 * STANDING;
    assert_eq!(
        money,
        vec![CurrencyFigures {
            currency: eur(),
            gross_minor: gross,
            refunded_minor: refunded,
            net_minor: gross - refunded,
            refunds_pending_minor: 0,
        }]
    );
    assert_eq!(gross - refunded, BALCONY + 2 * STANDING);
}

#[test]
fn tells_late_payments_sold_from_late_payments_refunded_for_lack_of_tickets() {
    let (story, refused, late) = Story::told();
    let orders = story.ledger.figures().orders;
    assert_eq!(orders.placed, 5);
    assert_eq!(orders.paid, 4);
    // The refused late payment counts once its refund is done, as on the sales page.
    assert_eq!(orders.paid_as_sales_page, 4);
    assert_eq!(orders.paid_late_sold, vec![late]);
    assert_eq!(orders.refunded_for_lack_of_tickets, vec![refused]);
    assert!(orders.awaiting_tickets.is_empty());
}

#[test]
fn a_sales_page_with_the_same_figures_matches() {
    let (story, _, _) = Story::told();
    let comparison = compare(&story.ledger.figures(), &story.sales_page());
    assert_eq!(comparison.differences, Vec::<Difference>::new());
    // Three figures per ticket type, currency, total revenue, orders paid.
    assert_eq!(comparison.compared, 9);
}

#[test]
fn each_figure_the_sales_page_has_wrong_is_a_difference() {
    let (story, _, _) = Story::told();
    let mut page = story.sales_page();
    page.ticket_types[1].sold = 3;
    page.ticket_types[0].revenue.amount_minor = 0;
    page.orders_paid = 5;
    let differences = compare(&story.ledger.figures(), &page).differences;
    let found: Vec<(&str, Option<&str>, Option<&str>)> = differences
        .iter()
        .map(|d| (d.figure.as_str(), d.log.as_deref(), d.sales_page.as_deref()))
        .collect();
    assert_eq!(
        found,
        vec![
            ("revenue_minor", Some("4000"), Some("0")),
            ("sold", Some("2"), Some("3")),
            ("orders_paid", Some("4"), Some("5")),
        ]
    );
    assert!(differences[1].subject.starts_with("ticket type Standing ("));
}

#[test]
fn a_ticket_type_on_one_side_only_is_a_difference() {
    let (story, _, _) = Story::told();
    let mut page = story.sales_page();
    page.ticket_types[0].ticket_type_id = Uuid::new_v4();
    let differences = compare(&story.ledger.figures(), &page).differences;
    let listed: Vec<(Option<&str>, Option<&str>)> = differences
        .iter()
        .filter(|d| d.figure == "listed")
        .map(|d| (d.log.as_deref(), d.sales_page.as_deref()))
        .collect();
    assert_eq!(listed, vec![(Some("sold 1"), None), (None, Some("sold 1"))]);
}

#[test]
fn work_in_flight_is_noted_and_explains_the_gap_in_revenue() {
    let mut story = Story::new();
    let standing = story.standing;
    let paid = story.place(&[(standing, 2)]);
    story.pay(paid);
    let tickets = story.sell_and_issue(paid, &[(standing, 2)], false);
    story.refund(
        paid,
        1,
        &tickets[..1],
        STANDING,
        RefundReason::RequestedByOrganiser,
        true,
    );
    let waiting = story.place(&[(standing, 1)]);
    story.pay(waiting);
    let figures = story.ledger.figures();
    assert_eq!(figures.orders.awaiting_tickets, vec![waiting]);
    assert_eq!(figures.money[0].refunds_pending_minor, STANDING);
    // Not refunded until the provider says so: the ticket still counts, and is sold.
    assert_eq!(figures.ticket_types[1].refunded, 0);
    assert_eq!(figures.ticket_types[1].sold, 2);
    let notes = notes(&figures, &[]);
    assert_eq!(notes.len(), 2, "{notes:?}");
    assert!(
        notes[0].starts_with("25.00 EUR of refunds decided"),
        "{notes:?}"
    );
    assert!(notes[1].starts_with("1 paid order(s) waiting"), "{notes:?}");
}

#[test]
fn a_projector_behind_the_last_fact_read_is_noted_first() {
    let (story, _, _) = Story::told();
    let mut figures = story.ledger.figures();
    figures.read_up_to = Some(crate::log::LogPosition {
        transaction_id: 900,
        global_position: 42,
    });
    let behind = [ProjectorBehind {
        projector: "orders".to_owned(),
        at: Some(crate::log::LogPosition {
            transaction_id: 800,
            global_position: 40,
        }),
    }];
    let notes = notes(&figures, &behind);
    assert!(
        notes[0]
            .starts_with("the sales page had not applied the log up to 900/42 (orders at 800/40)"),
        "{notes:?}"
    );
}
