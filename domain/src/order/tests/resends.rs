//! Sending the tickets email again: only the tickets still valid, only while there are
//! some, once per request.

use uuid::Uuid;

use super::fixtures::*;
use crate::ids::{EventId, TicketId};
use crate::order::{IssuedTicket, OrderCommand, OrderError, OrderEvent};

fn request() -> Uuid {
    Uuid::from_u128(0x5E7D)
}

fn resend() -> OrderCommand {
    OrderCommand::ResendTickets {
        request_id: request(),
        now: later(90),
    }
}

fn resent(tickets: Vec<IssuedTicket>) -> OrderEvent {
    OrderEvent::TicketsResendRequested {
        order_id: order_id(),
        event_id: EventId::from_uuid(Uuid::from_u128(0xE1)),
        buyer_email: buyer(),
        tickets,
        request_id: request(),
        requested_at: later(90),
    }
}

#[test]
fn a_paid_order_resends_every_ticket() {
    order_test()
        .given(vec![placed(), paid("evt_1"), issued()])
        .when(resend())
        .then_expect_events(vec![resent(tickets())]);
}

#[test]
fn a_refunded_ticket_is_not_resent() {
    let vip_ticket = ticket(3, vip()).ticket_id;
    order_test()
        .given(vec![
            placed(),
            paid("evt_1"),
            issued(),
            refund_requested(1, vec![vip_ticket], 9_000),
            refunded(1, vec![vip_ticket], 9_000),
        ])
        .when(resend())
        .then_expect_events(vec![resent(vec![
            ticket(1, general()),
            ticket(2, general()),
        ])]);
}

#[test]
fn a_retried_request_records_nothing_but_another_request_does() {
    order_test()
        .given(vec![placed(), paid("evt_1"), issued(), resent(tickets())])
        .when(resend())
        .then_expect_events(vec![]);
    let another = Uuid::from_u128(0x5E7E);
    order_test()
        .given(vec![placed(), paid("evt_1"), issued(), resent(tickets())])
        .when(OrderCommand::ResendTickets {
            request_id: another,
            now: later(90),
        })
        .then_expect_events(vec![OrderEvent::TicketsResendRequested {
            order_id: order_id(),
            event_id: EventId::from_uuid(Uuid::from_u128(0xE1)),
            buyer_email: buyer(),
            tickets: tickets(),
            request_id: another,
            requested_at: later(90),
        }]);
}

#[test]
fn refuses_an_order_without_valid_tickets() {
    order_test()
        .given(vec![placed()])
        .when(resend())
        .then_expect_error(OrderError::NoTicketsToResend);
    order_test()
        .given(vec![placed(), paid("evt_1")])
        .when(resend())
        .then_expect_error(OrderError::NoTicketsToResend);
    let all: Vec<TicketId> = tickets().iter().map(|t| t.ticket_id).collect();
    order_test()
        .given(vec![
            placed(),
            paid("evt_1"),
            issued(),
            refund_requested(1, all.clone(), 14_000),
            refunded(1, all, 14_000),
        ])
        .when(resend())
        .then_expect_error(OrderError::NoTicketsToResend);
}

#[test]
fn a_resend_does_not_change_the_order_standing() {
    let before = order_after(vec![placed(), paid("evt_1"), issued()]);
    let after = order_after(vec![placed(), paid("evt_1"), issued(), resent(tickets())]);
    assert_eq!(before.status(), after.status());
    assert_eq!(before.valid_tickets(), after.valid_tickets());
}
