//! The door's rule: where a ticket stands in its order.

use uuid::Uuid;

use super::fixtures::*;
use crate::ids::TicketId;
use crate::order::TicketStanding;

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
