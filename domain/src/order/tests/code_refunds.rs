//! Refunds and the promo code: a refund keeps the code's uses spent unless the organiser
//! gives them back, and then gives back the uses its tickets took (see `code_refunds`).

use std::collections::BTreeSet;

use super::fixtures::*;
use crate::ids::TicketId;
use crate::inventory::{CodeClaim, CodeReach, CodeUse, HoldLine, Quantity};
use crate::order::{OrderCommand, OrderEvent, RefundReason, RefundReturn};
use crate::voucher::{UseCounting, VoucherCode};

fn summer() -> VoucherCode {
    VoucherCode::parse("SUMMER").unwrap()
}

fn uses(count: u32) -> CodeUse {
    CodeUse {
        code: summer(),
        uses: count,
    }
}

/// The fixture's order (two General, one VIP) priced with SUMMER, which applied to the
/// General tickets only, counted as `counting` (`None`: a claim recorded before its reach
/// was kept), having taken `taken` uses.
fn placed_with_code(counting: Option<UseCounting>, taken: u32) -> OrderEvent {
    let mut order = placed_order();
    order.code = Some(CodeClaim {
        code_use: uses(taken),
        max_uses: 100,
        reach: counting.map(|counting| CodeReach {
            counting,
            ticket_types: BTreeSet::from([general()]),
        }),
    });
    OrderEvent::OrderPlaced(order)
}

fn per_ticket() -> OrderEvent {
    placed_with_code(Some(UseCounting::PerTicket), 2)
}

fn per_order() -> OrderEvent {
    placed_with_code(Some(UseCounting::PerOrder), 1)
}

fn refund(tickets: Vec<TicketId>, give_back_code: bool) -> OrderCommand {
    OrderCommand::RequestRefund {
        ticket_ids: Some(tickets),
        reason: RefundReason::RequestedByOrganiser,
        give_back_code,
        now: later(60),
    }
}

/// Refund `number` of `tickets` as requested, its code's uses `given_back`.
fn requested(
    number: u32,
    tickets: Vec<TicketId>,
    amount: i64,
    given_back: Option<CodeUse>,
) -> OrderEvent {
    let mut event = refund_requested(number, tickets, amount);
    if let OrderEvent::RefundRequested {
        code_given_back, ..
    } = &mut event
    {
        *code_given_back = given_back;
    }
    event
}

fn general_1() -> TicketId {
    ticket(1, general()).ticket_id
}

fn general_2() -> TicketId {
    ticket(2, general()).ticket_id
}

fn vip_ticket() -> TicketId {
    ticket(3, vip()).ticket_id
}

#[test]
fn a_refund_keeps_the_codes_uses_spent_unless_the_organiser_gives_them_back() {
    order_test()
        .given(vec![per_ticket(), paid("evt_1"), issued()])
        .when(refund(vec![general_1()], false))
        .then_expect_events(vec![requested(1, vec![general_1()], 2_500, None)]);
}

#[test]
fn a_per_ticket_code_gets_back_one_use_per_refunded_ticket_it_applied_to() {
    order_test()
        .given(vec![per_ticket(), paid("evt_1"), issued()])
        .when(refund(vec![general_1(), vip_ticket()], true))
        .then_expect_events(vec![requested(
            1,
            vec![general_1(), vip_ticket()],
            11_500,
            Some(uses(1)),
        )]);
}

#[test]
fn a_per_order_code_gets_back_its_use_only_with_the_last_ticket_it_applied_to() {
    // The other General ticket still takes the order's one use: nothing goes back yet,
    // and the organiser's choice is recorded all the same.
    order_test()
        .given(vec![per_order(), paid("evt_1"), issued()])
        .when(refund(vec![general_1()], true))
        .then_expect_events(vec![requested(1, vec![general_1()], 2_500, Some(uses(0)))]);
    // The VIP ticket left never took the code's use: refunding the last General frees it.
    order_test()
        .given(vec![
            per_order(),
            paid("evt_1"),
            issued(),
            requested(1, vec![general_1()], 2_500, Some(uses(0))),
        ])
        .when(refund(vec![general_2()], true))
        .then_expect_events(vec![requested(2, vec![general_2()], 2_500, Some(uses(1)))]);
}

#[test]
fn tickets_refunded_without_giving_back_keep_their_uses_spent() {
    order_test()
        .given(vec![
            per_ticket(),
            paid("evt_1"),
            issued(),
            requested(1, vec![general_1()], 2_500, None),
        ])
        .when(OrderCommand::RequestRefund {
            ticket_ids: None,
            reason: RefundReason::RequestedByOrganiser,
            give_back_code: true,
            now: later(60),
        })
        .then_expect_events(vec![requested(
            2,
            vec![general_2(), vip_ticket()],
            11_500,
            Some(uses(1)),
        )]);
}

#[test]
fn a_cancelled_events_refund_never_gives_the_code_back() {
    order_test()
        .given(vec![per_ticket(), paid("evt_1"), issued()])
        .when(OrderCommand::RequestRefund {
            ticket_ids: None,
            reason: RefundReason::EventCancelled,
            give_back_code: true,
            now: later(60),
        })
        .then_expect_events(vec![OrderEvent::RefundRequested {
            refund_number: 1,
            ticket_ids: tickets().iter().map(|t| t.ticket_id).collect(),
            amount: eur(14_000),
            reason: RefundReason::EventCancelled,
            requested_at: later(60),
            code_given_back: None,
        }]);
}

#[test]
fn an_order_without_a_code_has_nothing_to_give_back() {
    order_test()
        .given(vec![placed(), paid("evt_1"), issued()])
        .when(refund(vec![general_1()], true))
        .then_expect_events(vec![requested(1, vec![general_1()], 2_500, None)]);
}

#[test]
fn a_claim_recorded_before_its_reach_gives_everything_back_with_the_last_ticket() {
    order_test()
        .given(vec![placed_with_code(None, 2), paid("evt_1"), issued()])
        .when(refund(vec![general_1()], true))
        .then_expect_events(vec![requested(1, vec![general_1()], 2_500, Some(uses(0)))]);
    order_test()
        .given(vec![
            placed_with_code(None, 2),
            paid("evt_1"),
            issued(),
            requested(1, vec![general_1()], 2_500, Some(uses(0))),
        ])
        .when(refund(vec![general_2(), vip_ticket()], true))
        .then_expect_events(vec![requested(
            2,
            vec![general_2(), vip_ticket()],
            11_500,
            Some(uses(2)),
        )]);
}

#[test]
fn the_uses_given_back_go_to_the_inventory_with_the_tickets_once_refunded() {
    let order = order_after(vec![
        per_order(),
        paid("evt_1"),
        issued(),
        requested(1, vec![general_1()], 2_500, Some(uses(0))),
        refunded(1, vec![general_1()], 2_500),
        requested(2, vec![general_2()], 2_500, Some(uses(1))),
    ]);
    // Requested, not carried out: nothing goes back yet.
    let general_line = |count| HoldLine {
        ticket_type_id: general(),
        quantity: Quantity::parse(count).unwrap(),
    };
    assert_eq!(
        order.refunds_to_return(),
        vec![RefundReturn {
            refund_number: 1,
            lines: vec![general_line(1)],
            code_use: None,
        }],
        "no use to give back with the first refund"
    );
    let mut order = order;
    cqrs_es::Aggregate::apply(&mut order, refunded(2, vec![general_2()], 2_500));
    assert_eq!(
        order.refunds_to_return()[1],
        RefundReturn {
            refund_number: 2,
            lines: vec![general_line(1)],
            code_use: Some(uses(1)),
        }
    );
}
