//! The fold's rules, without a database: what a batch writes given what the read model
//! knew before it.

use carneau_domain::account::EmailAddress;
use carneau_domain::ids::{EventId, OrderId, TicketId, TicketTypeId};
use carneau_domain::money::{Currency, Money};
use carneau_domain::order::IssuedTicket;
use chrono::Duration;

use super::*;

fn eur(amount_minor: i64) -> Money {
    Money {
        amount_minor,
        currency: Currency::parse("EUR").unwrap(),
    }
}

fn at(minutes: i64) -> DateTime<Utc> {
    DateTime::<Utc>::UNIX_EPOCH + Duration::minutes(minutes)
}

fn issued(order_id: OrderId, tickets: &[TicketId]) -> OrderEvent {
    let ticket_type_id = TicketTypeId::from_uuid(Uuid::nil());
    OrderEvent::TicketsIssued {
        order_id,
        event_id: EventId::from_uuid(Uuid::nil()),
        buyer_email: EmailAddress::parse("ada@example.com").unwrap(),
        account_id: None,
        tickets: tickets
            .iter()
            .map(|ticket_id| IssuedTicket {
                attendee: None,
                ticket_id: *ticket_id,
                ticket_type_id,
            })
            .collect(),
        issued_at: at(2),
    }
}

fn refunded(order_id: OrderId, number: u32, tickets: &[TicketId], amount: i64) -> OrderEvent {
    OrderEvent::TicketsRefunded {
        order_id,
        event_id: EventId::from_uuid(Uuid::nil()),
        refund_number: number,
        ticket_ids: tickets.to_vec(),
        amount: eur(amount),
        refunded_at: at(10 + i64::from(number)),
        provider_refund_id: None,
        surplus_payment: false,
    }
}

fn facts(order_id: OrderId, events: Vec<OrderEvent>) -> Vec<OrderFact> {
    events
        .into_iter()
        .map(|event| OrderFact::Order(order_id.as_uuid(), event))
        .collect()
}

#[test]
fn refunding_some_tickets_issued_in_the_same_batch_leaves_the_order_partially_refunded() {
    // Given an order paid and issued two tickets in the batch,
    let order = OrderId::new();
    let (first, second) = (TicketId::new(), TicketId::new());
    let batch = facts(
        order,
        vec![
            OrderEvent::PaymentReceived {
                provider_event_id: "evt".to_owned(),
                payment_reference: None,
                received_at: at(1),
                session_id: None,
            },
            issued(order, &[first, second]),
            refunded(order, 1, &[first], 2_500),
        ],
    );

    // when one of them is refunded further on in it,
    let fold = fold(batch, &HashMap::new()).unwrap();

    // then the order is partially refunded once, paid when the payment came, and the
    // sales count one issue and the one ticket refunded.
    assert_eq!(
        fold.changes,
        vec![OrderChange {
            order_id: order.as_uuid(),
            status: "partially_refunded",
            updated_at: at(11),
            paid_at: Some(at(1)),
            refunded_minor: 2_500,
        }]
    );
    assert_eq!(fold.issued, vec![(order.as_uuid(), 1)]);
    assert_eq!(fold.refunded_tickets, vec![first.as_uuid()]);
    assert_eq!(fold.completed, vec![(order.as_uuid(), 1, at(11))]);
}

#[test]
fn the_last_ticket_refunded_in_a_later_batch_makes_the_order_refunded() {
    // Given an order whose first ticket the read model already shows refunded,
    let order = OrderId::new();
    let (first, second) = (TicketId::new(), TicketId::new());
    let known = HashMap::from([(
        order.as_uuid(),
        KnownOrder {
            refused: false,
            tickets: HashMap::from([(first.as_uuid(), false), (second.as_uuid(), true)]),
        },
    )]);

    // when a batch refunds the second,
    let fold = fold(
        facts(order, vec![refunded(order, 2, &[second], 2_500)]),
        &known,
    )
    .unwrap();

    // then none is valid any more: the order is refunded.
    assert_eq!(fold.changes[0].status, "refunded");
    assert_eq!(fold.changes[0].refunded_minor, 2_500);
    assert_eq!(fold.changes[0].paid_at, None);
}

#[test]
fn a_refused_late_payment_refunded_is_refunded_whatever_its_tickets() {
    // Given an order the read model knows refused, with a ticket still valid (a refund
    // of a refused payment takes no tickets),
    let order = OrderId::new();
    let known = HashMap::from([(
        order.as_uuid(),
        KnownOrder {
            refused: true,
            tickets: HashMap::from([(Uuid::now_v7(), true)]),
        },
    )]);

    // when its refund completes,
    let fold = fold(facts(order, vec![refunded(order, 1, &[], 5_000)]), &known).unwrap();

    // then it is refunded.
    assert_eq!(fold.changes[0].status, "refunded");
}

#[test]
fn a_payment_refused_within_the_batch_counts_for_its_refund_and_a_later_one_does_not() {
    // Given a late payment refused and refunded in one batch, then the refund of an
    // order that was refused only after its refund (the last status wins),
    let (late, other) = (OrderId::new(), OrderId::new());
    let ticket = TicketId::new();
    let mut batch = facts(
        late,
        vec![
            OrderEvent::LatePaymentRefused { refused_at: at(1) },
            refunded(late, 1, &[], 5_000),
        ],
    );
    batch.extend(facts(
        other,
        vec![
            issued(other, &[ticket, TicketId::new()]),
            refunded(other, 1, &[ticket], 2_500),
            OrderEvent::OrderCancelled {
                provider_event_id: None,
                cancelled_at: at(20),
            },
        ],
    ));

    let fold = fold(batch, &HashMap::new()).unwrap();

    // then the first is refunded and the second ends at its last status.
    let status = |order: OrderId| {
        fold.changes
            .iter()
            .find(|change| change.order_id == order.as_uuid())
            .map(|change| (change.status, change.updated_at, change.refunded_minor))
    };
    assert_eq!(status(late), Some(("refunded", at(11), 5_000)));
    assert_eq!(status(other), Some(("cancelled", at(20), 2_500)));
}

#[test]
fn only_the_refunded_orders_are_loaded_and_a_placement_alone_changes_no_row() {
    let (placed_only, refunded_one) = (OrderId::new(), OrderId::new());
    let batch = vec![
        OrderFact::Returned {
            order_id: placed_only.as_uuid(),
            refund_number: 1,
        },
        OrderFact::Order(refunded_one.as_uuid(), refunded(refunded_one, 1, &[], 100)),
        OrderFact::Order(refunded_one.as_uuid(), refunded(refunded_one, 2, &[], 100)),
    ];
    assert_eq!(refunded_orders(&batch), vec![refunded_one.as_uuid()]);
    let fold = fold(batch, &HashMap::new()).unwrap();
    assert_eq!(fold.returned, vec![(placed_only.as_uuid(), 1)]);
    assert_eq!(fold.changes.len(), 1);
    assert_eq!(fold.changes[0].refunded_minor, 200);
}

fn attendee(name: Option<&str>) -> carneau_domain::order::Attendee {
    carneau_domain::order::Attendee {
        name: name.map(|name| carneau_domain::text::AttendeeName::parse(name).unwrap()),
        email: None,
    }
}

fn corrected(order_id: OrderId, seat: usize, name: Option<&str>) -> OrderEvent {
    OrderEvent::AttendeeCorrected {
        order_id,
        event_id: EventId::from_uuid(Uuid::nil()),
        seat,
        ticket_id: None,
        previous: attendee(None),
        attendee: attendee(name),
        corrected_at: at(3),
    }
}

#[test]
fn attendees_given_at_checkout_are_written_and_each_seat_keeps_its_last_correction() {
    use carneau_domain::ids::ReservationId;
    use carneau_domain::order::{OrderLine, PaymentProvider, PlacedOrder};
    use carneau_domain::Quantity;

    let order_id = OrderId::new();
    let event_id = EventId::from_uuid(Uuid::nil());
    let placed = OrderEvent::OrderPlaced(PlacedOrder {
        attendees: vec![
            attendee(Some("Ada")),
            attendee(None),
            attendee(Some("Linus")),
        ],
        order_id,
        event_id,
        reservation_id: ReservationId::new(),
        buyer_email: EmailAddress::parse("ada@example.com").unwrap(),
        account_id: None,
        lines: vec![OrderLine {
            ticket_type_id: TicketTypeId::from_uuid(Uuid::nil()),
            name: "Standing".to_owned(),
            quantity: Quantity::try_from(3).unwrap(),
            list_price: None,
            unit_price: eur(2_500),
        }],
        total: eur(7_500),
        provider: PaymentProvider::Simulated,
        session_id: "cs_names".to_owned(),
        checkout_url: "https://pay.example/cs".to_owned(),
        payment_due_by: at(15),
        code: None,
        placed_at: at(0),
    });
    let batch = facts(
        order_id,
        vec![
            placed,
            corrected(order_id, 1, Some("Grace")),
            corrected(order_id, 1, Some("Grace Hopper")),
            corrected(order_id, 2, None),
        ],
    );
    let fold = fold(batch, &HashMap::new()).unwrap();
    let row = |seat: i32, name: Option<&str>| AttendeeRow {
        order_id: order_id.as_uuid(),
        seat,
        event_id: event_id.as_uuid(),
        name: name.map(str::to_owned),
        email: None,
    };
    assert_eq!(fold.named, vec![row(0, Some("Ada")), row(2, Some("Linus"))]);
    assert_eq!(
        fold.renamed,
        vec![row(1, Some("Grace Hopper")), row(2, None)]
    );
    // A correction changes no order row: the status stays as placed.
    assert!(fold.changes.is_empty());
}
