//! An order for two "General" tickets at 25.00 EUR and one "VIP" at 90.00 EUR, placed at
//! [`now`], 1 March 2030 at noon, paid five minutes later.

use chrono::{DateTime, Duration, TimeZone as _, Utc};
use cqrs_es::test::TestFramework;
use uuid::Uuid;

use crate::account::EmailAddress;
use crate::ids::{EventId, OrderId, ReservationId, TicketId, TicketTypeId};
use crate::inventory::Quantity;
use crate::money::{Currency, Money};
use crate::order::{
    IssuedTicket, Order, OrderCommand, OrderEvent, OrderLine, PaymentProvider, PlacedOrder,
    RefundReason,
};

pub type OrderTest = TestFramework<Order>;

pub fn order_test() -> OrderTest {
    TestFramework::<Order>::with(())
}

pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 3, 1, 12, 0, 0).unwrap()
}

pub fn later(minutes: i64) -> DateTime<Utc> {
    now() + Duration::minutes(minutes)
}

pub fn eur(minor: i64) -> Money {
    Money::new(minor, Currency::parse("EUR").unwrap())
}

pub fn order_id() -> OrderId {
    OrderId::for_reservation(ReservationId::from_uuid(Uuid::from_u128(0x9001)))
}

pub fn general() -> TicketTypeId {
    TicketTypeId::from_uuid(Uuid::from_u128(0x701))
}

pub fn vip() -> TicketTypeId {
    TicketTypeId::from_uuid(Uuid::from_u128(0x702))
}

pub fn ticket(n: u128, ticket_type_id: TicketTypeId) -> IssuedTicket {
    IssuedTicket {
        attendee: None,
        ticket_id: TicketId::from_uuid(Uuid::from_u128(0x7100 + n)),
        ticket_type_id,
    }
}

pub fn buyer() -> EmailAddress {
    EmailAddress::parse("ada@example.com").unwrap()
}

pub fn placed_order() -> PlacedOrder {
    PlacedOrder {
        attendees: Vec::new(),
        order_id: order_id(),
        event_id: EventId::from_uuid(Uuid::from_u128(0xE1)),
        reservation_id: ReservationId::from_uuid(Uuid::from_u128(0x9001)),
        buyer_email: buyer(),
        account_id: None,
        lines: vec![
            OrderLine {
                ticket_type_id: general(),
                name: "General".to_owned(),
                quantity: Quantity::parse(2).unwrap(),
                unit_price: eur(2_500),
                list_price: None,
            },
            OrderLine {
                ticket_type_id: vip(),
                name: "VIP".to_owned(),
                quantity: Quantity::parse(1).unwrap(),
                unit_price: eur(9_000),
                list_price: None,
            },
        ],
        total: eur(14_000),
        provider: PaymentProvider::Stripe,
        session_id: "cs_test_1".to_owned(),
        checkout_url: "https://checkout.example/cs_test_1".to_owned(),
        payment_due_by: later(15),
        placed_at: now(),
        code: None,
    }
}

pub fn placed() -> OrderEvent {
    OrderEvent::OrderPlaced(placed_order())
}

pub fn place() -> OrderCommand {
    OrderCommand::Place(Box::new(placed_order()))
}

pub fn paid(event_id: &str) -> OrderEvent {
    paid_on(event_id, "cs_test_1", "pi_1")
}

/// The payment of `session` (`payment_reference` at the provider) recorded as the order's.
pub fn paid_on(event_id: &str, session: &str, payment_reference: &str) -> OrderEvent {
    OrderEvent::PaymentReceived {
        provider_event_id: event_id.to_owned(),
        payment_reference: Some(payment_reference.to_owned()),
        received_at: later(5),
        session_id: Some(session.to_owned()),
    }
}

pub fn tickets() -> Vec<IssuedTicket> {
    vec![ticket(1, general()), ticket(2, general()), ticket(3, vip())]
}

pub fn issued() -> OrderEvent {
    OrderEvent::TicketsIssued {
        order_id: order_id(),
        event_id: EventId::from_uuid(Uuid::from_u128(0xE1)),
        buyer_email: buyer(),
        account_id: None,
        tickets: tickets(),
        issued_at: later(5),
    }
}

pub fn pay(event_id: &str) -> OrderCommand {
    pay_on(event_id, "cs_test_1", "pi_1")
}

/// The provider says `session` was paid (`payment_reference`), amount unsaid.
pub fn pay_on(event_id: &str, session: &str, payment_reference: &str) -> OrderCommand {
    OrderCommand::RecordPayment {
        provider_event_id: event_id.to_owned(),
        session_id: session.to_owned(),
        payment_reference: Some(payment_reference.to_owned()),
        amount: None,
        now: later(5),
    }
}

pub fn refund_requested(number: u32, ticket_ids: Vec<TicketId>, amount: i64) -> OrderEvent {
    OrderEvent::RefundRequested {
        refund_number: number,
        ticket_ids,
        amount: eur(amount),
        reason: RefundReason::RequestedByOrganiser,
        requested_at: later(60),
        code_given_back: None,
    }
}

pub fn refunded(number: u32, ticket_ids: Vec<TicketId>, amount: i64) -> OrderEvent {
    OrderEvent::TicketsRefunded {
        order_id: order_id(),
        event_id: EventId::from_uuid(Uuid::from_u128(0xE1)),
        refund_number: number,
        ticket_ids,
        amount: eur(amount),
        refunded_at: later(61),
        provider_refund_id: Some(format!("re_{number}")),
        surplus_payment: false,
    }
}

/// The order as it stands after `events`, for rules read off the state.
pub fn order_after(events: Vec<OrderEvent>) -> Order {
    let mut order = Order::default();
    for event in events {
        cqrs_es::Aggregate::apply(&mut order, event);
    }
    order
}
