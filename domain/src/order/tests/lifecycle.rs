//! Placing, paying, issuing, expiring and cancelling: every transition goes forward
//! only, and a repeated provider event records nothing.

use super::fixtures::*;
use crate::order::{OrderCommand, OrderError, OrderEvent, RefundReason};

#[test]
fn a_placed_order_awaits_payment_and_a_retried_place_records_nothing() {
    order_test()
        .given_no_previous_events()
        .when(place())
        .then_expect_events(vec![placed()]);
    order_test()
        .given(vec![placed()])
        .when(place())
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
                code_given_back: None,
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
