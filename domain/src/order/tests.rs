//! Given / when / then tests of the order, one per rule.

use chrono::{DateTime, Duration, TimeZone as _, Utc};
use cqrs_es::test::TestFramework;
use uuid::Uuid;

use super::*;
use crate::ids::{TicketId, TicketTypeId};
use crate::inventory::Quantity;
use crate::money::Currency;

type OrderTest = TestFramework<Order>;

fn order_test() -> OrderTest {
    TestFramework::<Order>::with(())
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 3, 1, 12, 0, 0).unwrap()
}

fn later(minutes: i64) -> DateTime<Utc> {
    now() + Duration::minutes(minutes)
}

fn eur(minor: i64) -> Money {
    Money::new(minor, Currency::parse("EUR").unwrap())
}

fn order_id() -> OrderId {
    OrderId::for_reservation(ReservationId::from_uuid(Uuid::from_u128(0x9001)))
}

fn general() -> TicketTypeId {
    TicketTypeId::from_uuid(Uuid::from_u128(0x701))
}

fn vip() -> TicketTypeId {
    TicketTypeId::from_uuid(Uuid::from_u128(0x702))
}

fn ticket(n: u128, ticket_type_id: TicketTypeId) -> IssuedTicket {
    IssuedTicket {
        ticket_id: TicketId::from_uuid(Uuid::from_u128(0x7100 + n)),
        ticket_type_id,
    }
}

fn placed() -> OrderEvent {
    OrderEvent::OrderPlaced {
        order_id: order_id(),
        event_id: EventId::from_uuid(Uuid::from_u128(0xE1)),
        reservation_id: ReservationId::from_uuid(Uuid::from_u128(0x9001)),
        buyer_email: "ada@example.com".to_owned(),
        account_id: None,
        lines: vec![
            OrderLine {
                ticket_type_id: general(),
                name: "General".to_owned(),
                quantity: Quantity::parse(2).unwrap(),
                unit_price: eur(2_500),
            },
            OrderLine {
                ticket_type_id: vip(),
                name: "VIP".to_owned(),
                quantity: Quantity::parse(1).unwrap(),
                unit_price: eur(9_000),
            },
        ],
        total: eur(14_000),
        provider: PaymentProvider::Stripe,
        session_id: "cs_test_1".to_owned(),
        checkout_url: "https://checkout.example/cs_test_1".to_owned(),
        payment_due_by: later(15),
        placed_at: now(),
    }
}

fn paid(event_id: &str) -> OrderEvent {
    OrderEvent::PaymentReceived {
        provider_event_id: event_id.to_owned(),
        payment_reference: Some("pi_1".to_owned()),
        received_at: later(5),
    }
}

fn tickets() -> Vec<IssuedTicket> {
    vec![ticket(1, general()), ticket(2, general()), ticket(3, vip())]
}

fn issued() -> OrderEvent {
    OrderEvent::TicketsIssued {
        order_id: order_id(),
        event_id: EventId::from_uuid(Uuid::from_u128(0xE1)),
        buyer_email: "ada@example.com".to_owned(),
        account_id: None,
        tickets: tickets(),
        issued_at: later(5),
    }
}

fn pay(event_id: &str) -> OrderCommand {
    OrderCommand::RecordPayment {
        provider_event_id: event_id.to_owned(),
        payment_reference: Some("pi_1".to_owned()),
        now: later(5),
    }
}

#[test]
fn a_placed_order_awaits_payment_and_a_retried_place_records_nothing() {
    order_test()
        .given_no_previous_events()
        .when(OrderCommand::Place(Box::new(placed())))
        .then_expect_events(vec![placed()]);
    order_test()
        .given(vec![placed()])
        .when(OrderCommand::Place(Box::new(placed())))
        .then_expect_events(vec![]);
}

#[test]
fn a_payment_is_recorded_once_however_often_it_is_delivered() {
    order_test()
        .given(vec![placed()])
        .when(pay("evt_1"))
        .then_expect_events(vec![paid("evt_1")]);
    order_test()
        .given(vec![placed(), paid("evt_1")])
        .when(pay("evt_1"))
        .then_expect_events(vec![]);
    // Another event saying the same (async_payment_succeeded after completed) is no news.
    order_test()
        .given(vec![placed(), paid("evt_1"), issued()])
        .when(pay("evt_2"))
        .then_expect_events(vec![]);
}

#[test]
fn tickets_are_issued_once_after_the_payment() {
    order_test()
        .given(vec![placed(), paid("evt_1")])
        .when(OrderCommand::IssueTickets {
            tickets: tickets(),
            now: later(5),
        })
        .then_expect_events(vec![issued()]);
    order_test()
        .given(vec![placed(), paid("evt_1"), issued()])
        .when(OrderCommand::IssueTickets {
            tickets: vec![ticket(9, general())],
            now: later(6),
        })
        .then_expect_events(vec![]);
    order_test()
        .given(vec![placed()])
        .when(OrderCommand::IssueTickets {
            tickets: tickets(),
            now: later(5),
        })
        .then_expect_events(vec![]);
}

#[test]
fn an_expiry_after_the_payment_changes_nothing() {
    order_test()
        .given(vec![placed(), paid("evt_1"), issued()])
        .when(OrderCommand::Expire {
            provider_event_id: Some("evt_0".to_owned()),
            now: later(31),
        })
        .then_expect_events(vec![]);
}

#[test]
fn a_payment_after_the_expiry_is_still_recorded() {
    let expired = OrderEvent::OrderExpired {
        provider_event_id: None,
        expired_at: later(15),
    };
    order_test()
        .given(vec![placed(), expired])
        .when(pay("evt_late"))
        .then_expect_events(vec![paid("evt_late")]);
}

#[test]
fn a_refused_late_payment_is_refunded_in_full() {
    order_test()
        .given(vec![placed(), paid("evt_1")])
        .when(OrderCommand::RefuseLatePayment { now: later(6) })
        .then_expect_events(vec![
            OrderEvent::LatePaymentRefused {
                refused_at: later(6),
            },
            OrderEvent::RefundRequested {
                refund_number: 1,
                ticket_ids: vec![],
                amount: eur(14_000),
                reason: RefundReason::LatePayment,
                requested_at: later(6),
            },
        ]);
}

#[test]
fn cancelling_is_only_possible_while_awaiting_payment() {
    let cancelled = OrderEvent::OrderCancelled {
        provider_event_id: Some("evt_f".to_owned()),
        cancelled_at: later(3),
    };
    order_test()
        .given(vec![placed()])
        .when(OrderCommand::Cancel {
            provider_event_id: Some("evt_f".to_owned()),
            now: later(3),
        })
        .then_expect_events(vec![cancelled]);
    order_test()
        .given(vec![placed(), paid("evt_1"), issued()])
        .when(OrderCommand::Cancel {
            provider_event_id: Some("evt_f".to_owned()),
            now: later(3),
        })
        .then_expect_events(vec![]);
}

#[test]
fn a_partial_refund_charges_back_the_price_of_the_tickets_named() {
    order_test()
        .given(vec![placed(), paid("evt_1"), issued()])
        .when(OrderCommand::RequestRefund {
            ticket_ids: Some(vec![ticket(3, vip()).ticket_id]),
            reason: RefundReason::RequestedByOrganiser,
            now: later(60),
        })
        .then_expect_events(vec![OrderEvent::RefundRequested {
            refund_number: 1,
            ticket_ids: vec![ticket(3, vip()).ticket_id],
            amount: eur(9_000),
            reason: RefundReason::RequestedByOrganiser,
            requested_at: later(60),
        }]);
}

fn refund_requested(number: u32, ticket_ids: Vec<TicketId>, amount: i64) -> OrderEvent {
    OrderEvent::RefundRequested {
        refund_number: number,
        ticket_ids,
        amount: eur(amount),
        reason: RefundReason::RequestedByOrganiser,
        requested_at: later(60),
    }
}

fn refunded(number: u32, ticket_ids: Vec<TicketId>, amount: i64) -> OrderEvent {
    OrderEvent::TicketsRefunded {
        order_id: order_id(),
        event_id: EventId::from_uuid(Uuid::from_u128(0xE1)),
        refund_number: number,
        ticket_ids,
        amount: eur(amount),
        refunded_at: later(61),
        provider_refund_id: Some(format!("re_{number}")),
    }
}

#[test]
fn a_whole_refund_takes_the_tickets_not_refunded_yet() {
    let vip_ticket = ticket(3, vip()).ticket_id;
    let generals = vec![
        ticket(1, general()).ticket_id,
        ticket(2, general()).ticket_id,
    ];
    order_test()
        .given(vec![
            placed(),
            paid("evt_1"),
            issued(),
            refund_requested(1, vec![vip_ticket], 9_000),
            refunded(1, vec![vip_ticket], 9_000),
        ])
        .when(OrderCommand::RequestRefund {
            ticket_ids: None,
            reason: RefundReason::EventCancelled,
            now: later(60),
        })
        .then_expect_events(vec![OrderEvent::RefundRequested {
            refund_number: 2,
            ticket_ids: generals,
            amount: eur(5_000),
            reason: RefundReason::EventCancelled,
            requested_at: later(60),
        }]);
}

#[test]
fn refuses_to_refund_a_ticket_twice_or_an_unpaid_order() {
    let vip_ticket = ticket(3, vip()).ticket_id;
    order_test()
        .given(vec![
            placed(),
            paid("evt_1"),
            issued(),
            refund_requested(1, vec![vip_ticket], 9_000),
        ])
        .when(OrderCommand::RequestRefund {
            ticket_ids: Some(vec![vip_ticket]),
            reason: RefundReason::RequestedByOrganiser,
            now: later(60),
        })
        .then_expect_error(OrderError::AlreadyRefunded);
    order_test()
        .given(vec![placed()])
        .when(OrderCommand::RequestRefund {
            ticket_ids: None,
            reason: RefundReason::RequestedByOrganiser,
            now: later(60),
        })
        .then_expect_error(OrderError::NotPaid);
    order_test()
        .given(vec![placed(), paid("evt_1"), issued()])
        .when(OrderCommand::RequestRefund {
            ticket_ids: Some(vec![TicketId::from_uuid(Uuid::from_u128(0xBAD))]),
            reason: RefundReason::RequestedByOrganiser,
            now: later(60),
        })
        .then_expect_error(OrderError::UnknownTicket);
}

#[test]
fn a_refund_completes_once_and_the_last_one_makes_the_order_refunded() {
    let all: Vec<TicketId> = tickets().iter().map(|t| t.ticket_id).collect();
    order_test()
        .given(vec![
            placed(),
            paid("evt_1"),
            issued(),
            refund_requested(1, all.clone(), 14_000),
        ])
        .when(OrderCommand::CompleteRefund {
            refund_number: 1,
            provider_refund_id: "re_1".to_owned(),
            now: later(61),
        })
        .then_expect_events(vec![refunded(1, all.clone(), 14_000)]);
    order_test()
        .given(vec![
            placed(),
            paid("evt_1"),
            issued(),
            refund_requested(1, all.clone(), 14_000),
            refunded(1, all.clone(), 14_000),
        ])
        .when(OrderCommand::CompleteRefund {
            refund_number: 1,
            provider_refund_id: "re_1".to_owned(),
            now: later(62),
        })
        .then_expect_events(vec![]);

    let mut order = Order::default();
    for event in [
        placed(),
        paid("evt_1"),
        issued(),
        refund_requested(1, all.clone(), 14_000),
        refunded(1, all, 14_000),
    ] {
        cqrs_es::Aggregate::apply(&mut order, event);
    }
    assert_eq!(order.status(), Some(OrderStatus::Refunded));
    assert_eq!(
        order.refunds()[&1].provider_refund_id.as_deref(),
        Some("re_1")
    );
}

#[test]
fn a_refund_recorded_before_provider_ids_were_kept_still_reads() {
    let mut stored = serde_json::to_value(refunded(1, Vec::new(), 14_000)).unwrap();
    stored["TicketsRefunded"]
        .as_object_mut()
        .unwrap()
        .remove("provider_refund_id");
    let event: OrderEvent = serde_json::from_value(stored).unwrap();
    let OrderEvent::TicketsRefunded {
        provider_refund_id, ..
    } = event
    else {
        panic!("not a refund: {event:?}");
    };
    assert_eq!(provider_refund_id, None);
}

#[test]
fn commands_on_an_order_never_placed_are_refused() {
    order_test()
        .given_no_previous_events()
        .when(pay("evt_1"))
        .then_expect_error(OrderError::UnknownOrder);
}

#[test]
fn a_pending_payment_can_still_succeed_or_fail_but_no_longer_expire() {
    let pending = OrderEvent::PaymentPending {
        provider_event_id: "evt_done".to_owned(),
        pending_at: later(4),
    };
    order_test()
        .given(vec![placed()])
        .when(OrderCommand::MarkPaymentPending {
            provider_event_id: "evt_done".to_owned(),
            now: later(4),
        })
        .then_expect_events(vec![pending.clone()]);
    order_test()
        .given(vec![placed(), pending.clone()])
        .when(pay("evt_1"))
        .then_expect_events(vec![paid("evt_1")]);
    order_test()
        .given(vec![placed(), pending.clone()])
        .when(OrderCommand::Cancel {
            provider_event_id: Some("evt_fail".to_owned()),
            now: later(6),
        })
        .then_expect_events(vec![OrderEvent::OrderCancelled {
            provider_event_id: Some("evt_fail".to_owned()),
            cancelled_at: later(6),
        }]);
    order_test()
        .given(vec![placed(), pending])
        .when(OrderCommand::Expire {
            provider_event_id: None,
            now: later(16),
        })
        .then_expect_events(vec![]);
}

fn order_after(events: Vec<OrderEvent>) -> Order {
    let mut order = Order::default();
    for event in events {
        cqrs_es::Aggregate::apply(&mut order, event);
    }
    order
}

#[test]
fn a_ticket_is_revoked_once_a_refund_naming_it_is_decided() {
    let [first, second] = [
        ticket(1, general()).ticket_id,
        ticket(2, general()).ticket_id,
    ];
    let requested = order_after(vec![
        placed(),
        paid("evt_1"),
        issued(),
        refund_requested(1, vec![first], 2_500),
    ]);
    assert_eq!(requested.ticket_standing(first), TicketStanding::Revoked);
    assert_eq!(requested.ticket_standing(second), TicketStanding::Valid);
    let carried_out = order_after(vec![
        placed(),
        paid("evt_1"),
        issued(),
        refund_requested(1, vec![first], 2_500),
        refunded(1, vec![first], 2_500),
    ]);
    assert_eq!(carried_out.ticket_standing(first), TicketStanding::Revoked);
    assert_eq!(carried_out.ticket_standing(second), TicketStanding::Valid);
}

#[test]
fn a_ticket_the_order_never_issued_does_not_stand() {
    let first = ticket(1, general()).ticket_id;
    let stranger = TicketId::from_uuid(Uuid::from_u128(0xbad));
    let paid_order = order_after(vec![placed(), paid("evt_1"), issued()]);
    assert_eq!(paid_order.ticket_standing(first), TicketStanding::Valid);
    assert_eq!(
        paid_order.ticket_standing(stranger),
        TicketStanding::NotIssued
    );
    let unpaid = order_after(vec![placed()]);
    assert_eq!(unpaid.ticket_standing(first), TicketStanding::NotIssued);
}
