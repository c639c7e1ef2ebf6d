//! Payments and their checkout sessions: the order takes one payment, on whichever of its
//! sessions; a payment on another session once it has one is a surplus payment, recorded
//! and given back against its own reference, never merged into the order's.

use super::fixtures::*;
use crate::order::{OrderCommand, OrderEvent, OrderStatus, RefundReason};

/// The second payment, on session `cs_other`, of 140.00 EUR, recorded as surplus.
fn surplus() -> OrderEvent {
    OrderEvent::SurplusPaymentReceived {
        provider_event_id: "evt_9".to_owned(),
        session_id: "cs_other".to_owned(),
        payment_reference: Some("pi_other".to_owned()),
        amount: eur(14_000),
        refund_number: 1,
        received_at: later(5),
    }
}

fn surplus_refund_requested() -> OrderEvent {
    OrderEvent::RefundRequested {
        refund_number: 1,
        ticket_ids: Vec::new(),
        amount: eur(14_000),
        reason: RefundReason::SurplusPayment,
        requested_at: later(5),
        code_given_back: None,
    }
}

#[test]
fn a_payment_on_another_session_of_an_unpaid_order_is_taken_naming_its_session() {
    order_test()
        .given(vec![placed()])
        .when(pay_on("evt_9", "cs_other", "pi_other"))
        .then_expect_events(vec![paid_on("evt_9", "cs_other", "pi_other")]);
    // After the hold lapsed it is a late payment like any other: sold or refused later.
    order_test()
        .given(vec![
            placed(),
            OrderEvent::OrderExpired {
                provider_event_id: None,
                expired_at: later(16),
            },
        ])
        .when(pay_on("evt_9", "cs_other", "pi_other"))
        .then_expect_events(vec![paid_on("evt_9", "cs_other", "pi_other")]);
    let order = order_after(vec![placed(), paid_on("evt_9", "cs_other", "pi_other")]);
    assert_eq!(order.paid_session(), Some("cs_other"));
    assert_eq!(order.payment_reference(), Some("pi_other"));
}

#[test]
fn a_second_payment_on_a_paid_order_is_recorded_as_surplus_and_refunded_against_itself() {
    let paid_orders = [
        vec![placed(), paid("evt_1")],
        vec![placed(), paid("evt_1"), issued()],
        vec![
            placed(),
            paid("evt_1"),
            OrderEvent::LatePaymentRefused {
                refused_at: later(5),
            },
        ],
    ];
    for given in paid_orders {
        order_test()
            .given(given)
            .when(OrderCommand::RecordPayment {
                provider_event_id: "evt_9".to_owned(),
                session_id: "cs_other".to_owned(),
                payment_reference: Some("pi_other".to_owned()),
                amount: Some(eur(14_000)),
                now: later(5),
            })
            .then_expect_events(vec![surplus(), surplus_refund_requested()]);
    }
    let order = order_after(vec![
        placed(),
        paid("evt_1"),
        issued(),
        surplus(),
        surplus_refund_requested(),
    ]);
    let payment = order.surplus_payment(1).expect("the surplus payment");
    assert_eq!(payment.payment_reference.as_deref(), Some("pi_other"));
    assert_eq!(order.payment_reference(), Some("pi_1"));
}

#[test]
fn a_surplus_payment_whose_amount_is_unsaid_is_refunded_at_the_orders_total() {
    order_test()
        .given(vec![placed(), paid("evt_1"), issued()])
        .when(pay_on("evt_9", "cs_other", "pi_other"))
        .then_expect_events(vec![surplus(), surplus_refund_requested()]);
}

#[test]
fn a_payment_is_recorded_once_per_session_whatever_event_tells_it() {
    let given = vec![
        placed(),
        paid("evt_1"),
        issued(),
        surplus(),
        surplus_refund_requested(),
    ];
    for repeat in [
        pay_on("evt_9", "cs_other", "pi_other"),
        pay_on("evt_10", "cs_other", "pi_other"),
        pay_on("evt_11", "cs_test_1", "pi_1"),
    ] {
        order_test()
            .given(given.clone())
            .when(repeat)
            .then_expect_events(vec![]);
    }
}

#[test]
fn giving_a_surplus_payment_back_leaves_the_order_paid_and_its_refunds_alone() {
    let given = vec![
        placed(),
        paid("evt_1"),
        issued(),
        surplus(),
        surplus_refund_requested(),
    ];
    order_test()
        .given(given)
        .when(OrderCommand::CompleteRefund {
            refund_number: 1,
            provider_refund_id: "re_1".to_owned(),
            now: later(6),
        })
        .then_expect_events(vec![surplus_refunded()]);
    let order = order_after(order_history_with_surplus_refunded());
    assert_eq!(order.status(), Some(OrderStatus::Paid));
    assert_eq!(
        order.refunded_total().map(|total| total.amount_minor),
        Some(0)
    );
    assert!(order.refunds_to_return().is_empty());
    // The order's own tickets can still be refunded, under the next number.
    order_test()
        .given(order_history_with_surplus_refunded())
        .when(OrderCommand::RequestRefund {
            ticket_ids: None,
            reason: RefundReason::RequestedByOrganiser,
            give_back_code: false,
            now: later(60),
        })
        .then_expect_events(vec![OrderEvent::RefundRequested {
            refund_number: 2,
            ticket_ids: tickets().iter().map(|ticket| ticket.ticket_id).collect(),
            amount: eur(14_000),
            reason: RefundReason::RequestedByOrganiser,
            requested_at: later(60),
            code_given_back: None,
        }]);
}

fn order_history_with_surplus_refunded() -> Vec<OrderEvent> {
    vec![
        placed(),
        paid("evt_1"),
        issued(),
        surplus(),
        surplus_refund_requested(),
        surplus_refunded(),
    ]
}

/// The surplus payment given back (refund 1, marked as such).
fn surplus_refunded() -> OrderEvent {
    OrderEvent::TicketsRefunded {
        order_id: order_id(),
        event_id: placed_order().event_id,
        refund_number: 1,
        ticket_ids: Vec::new(),
        amount: eur(14_000),
        refunded_at: later(6),
        provider_refund_id: Some("re_1".to_owned()),
        surplus_payment: true,
    }
}
