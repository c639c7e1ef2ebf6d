//! Refunds: what each one names and charges back, and when the order is refunded.

use uuid::Uuid;

use super::fixtures::*;
use crate::ids::TicketId;
use crate::order::{Order, OrderCommand, OrderError, OrderEvent, OrderStatus, RefundReason};

#[test]
fn a_partial_refund_charges_back_the_price_of_the_tickets_named() {
    order_test()
        .given(vec![placed(), paid("evt_1"), issued()])
        .when(OrderCommand::RequestRefund {
            ticket_ids: Some(vec![ticket(3, vip()).ticket_id]),
            reason: RefundReason::RequestedByOrganiser,
            give_back_code: false,
            now: later(60),
        })
        .then_expect_events(vec![OrderEvent::RefundRequested {
            refund_number: 1,
            ticket_ids: vec![ticket(3, vip()).ticket_id],
            amount: eur(9_000),
            reason: RefundReason::RequestedByOrganiser,
            requested_at: later(60),
            code_given_back: None,
        }]);
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
            give_back_code: false,
            now: later(60),
        })
        .then_expect_events(vec![OrderEvent::RefundRequested {
            refund_number: 2,
            ticket_ids: generals,
            amount: eur(5_000),
            reason: RefundReason::EventCancelled,
            requested_at: later(60),
            code_given_back: None,
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
            give_back_code: false,
            now: later(60),
        })
        .then_expect_error(OrderError::AlreadyRefunded);
    order_test()
        .given(vec![placed()])
        .when(OrderCommand::RequestRefund {
            ticket_ids: None,
            reason: RefundReason::RequestedByOrganiser,
            give_back_code: false,
            now: later(60),
        })
        .then_expect_error(OrderError::NotPaid);
    order_test()
        .given(vec![placed(), paid("evt_1"), issued()])
        .when(OrderCommand::RequestRefund {
            ticket_ids: Some(vec![TicketId::from_uuid(Uuid::from_u128(0xBAD))]),
            reason: RefundReason::RequestedByOrganiser,
            give_back_code: false,
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
