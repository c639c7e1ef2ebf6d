//! Selling paid holds, late payments and refunded tickets going back on sale.

use uuid::Uuid;

use super::fixtures::*;
use crate::ids::OrderId;
use crate::inventory::{HoldLine, HoldStatus, InventoryCommand, InventoryError, InventoryEvent};

fn order(n: u128) -> OrderId {
    OrderId::from_uuid(Uuid::from_u128(0x0D00 + n))
}

/// Reservation `n` holding `lines`, placed 5 minutes before [`now`].
fn hold(n: u128, lines: Vec<HoldLine>) -> InventoryEvent {
    holds_placed(vec![placed_at(n, lines, now() - minutes(5))])
}

fn sell(n: u128, lines: Vec<HoldLine>, at: chrono::DateTime<chrono::Utc>) -> InventoryCommand {
    InventoryCommand::SellHold {
        event: Box::new(concert()),
        reservation_id: rid(n),
        order_id: order(n),
        lines,
        code: None,
        now: at,
    }
}

fn sold(
    n: u128,
    lines: Vec<HoldLine>,
    late: bool,
    at: chrono::DateTime<chrono::Utc>,
) -> InventoryEvent {
    InventoryEvent::HoldSold {
        reservation_id: rid(n),
        order_id: order(n),
        lines,
        late,
        sold_at: at,
        code_use: None,
    }
}

#[test]
fn a_paid_hold_moves_its_tickets_from_held_to_sold() {
    inventory_test()
        .given(vec![hold(1, vec![line(vip(), 2)])])
        .when(sell(1, vec![line(vip(), 2)], now()))
        .then_expect_events(vec![sold(1, vec![line(vip(), 2)], false, now())]);
    let inventory = inventory_after(vec![
        hold(1, vec![line(vip(), 2)]),
        sold(1, vec![line(vip(), 2)], false, now()),
    ]);
    assert_eq!(inventory.sold(vip()), 2);
    assert_eq!(inventory.held(vip(), now()), 0);
    assert_eq!(inventory.available(&concert(), vip(), now()), 2);
    assert_eq!(inventory.hold_status(rid(1), now()), Some(HoldStatus::Sold));
}

#[test]
fn a_repeated_sale_records_nothing() {
    inventory_test()
        .given(vec![
            hold(1, vec![line(vip(), 2)]),
            sold(1, vec![line(vip(), 2)], false, now()),
        ])
        .when(sell(1, vec![line(vip(), 2)], now()))
        .then_expect_events(vec![]);
}

#[test]
fn a_late_payment_sells_when_the_tickets_are_still_available() {
    let late = now() + minutes(20);
    inventory_test()
        .given(vec![hold(1, vec![line(vip(), 2)])])
        .when(sell(1, vec![line(vip(), 2)], late))
        .then_expect_events(vec![sold(1, vec![line(vip(), 2)], true, late)]);
}

#[test]
fn a_late_payment_is_refused_when_the_tickets_went_to_someone_else() {
    let late = now() + minutes(20);
    // Hold 1 lapsed at now+10; hold 2 took all 4 VIP tickets at now+15.
    inventory_test()
        .given(vec![
            hold(1, vec![line(vip(), 2)]),
            holds_placed(vec![placed_at(
                2,
                vec![line(vip(), 4)],
                now() + minutes(15),
            )]),
        ])
        .when(sell(1, vec![line(vip(), 2)], late))
        .then_expect_error(InventoryError::TicketsNoLongerAvailable);
}

#[test]
fn nothing_is_sold_for_a_cancelled_event() {
    inventory_test()
        .given(vec![hold(1, vec![line(vip(), 2)])])
        .when(InventoryCommand::SellHold {
            event: Box::new(cancelled_concert()),
            reservation_id: rid(1),
            order_id: order(1),
            lines: vec![line(vip(), 2)],
            code: None,
            now: now(),
        })
        .then_expect_error(InventoryError::EventCancelled);
}

#[test]
fn an_extended_hold_keeps_counting_past_its_first_expiry() {
    let until = now() + minutes(31);
    inventory_test()
        .given(vec![hold(1, vec![line(vip(), 2)])])
        .when(InventoryCommand::ExtendHold {
            reservation_id: rid(1),
            expires_at: until,
            now: now(),
        })
        .then_expect_events(vec![InventoryEvent::HoldExtended {
            reservation_id: rid(1),
            expires_at: until,
        }]);
    let inventory = inventory_after(vec![
        hold(1, vec![line(vip(), 2)]),
        InventoryEvent::HoldExtended {
            reservation_id: rid(1),
            expires_at: until,
        },
    ]);
    assert_eq!(inventory.held(vip(), now() + minutes(20)), 2);
    assert_eq!(inventory.held(vip(), until), 0);
}

#[test]
fn a_lapsed_hold_cannot_be_extended() {
    inventory_test()
        .given(vec![hold(1, vec![line(vip(), 2)])])
        .when(InventoryCommand::ExtendHold {
            reservation_id: rid(1),
            expires_at: now() + minutes(40),
            now: now() + minutes(11),
        })
        .then_expect_error(InventoryError::HoldExpired);
}

#[test]
fn a_command_that_waited_is_decided_at_the_time_it_is_decided() {
    // Asked while the hold still counted, decided once it had lapsed: the later time wins.
    let asked = InventoryCommand::ExtendHold {
        reservation_id: rid(1),
        expires_at: now() + minutes(40),
        now: now() + minutes(9),
    };
    inventory_test()
        .given(vec![hold(1, vec![line(vip(), 2)])])
        .when(asked.at(now() + minutes(11)))
        .then_expect_error(InventoryError::HoldExpired);
}

#[test]
fn refunded_tickets_go_back_on_sale_once() {
    let returned = InventoryEvent::TicketsReturned {
        order_id: order(1),
        refund_number: 1,
        lines: vec![line(vip(), 1)],
        returned_at: now(),
        code_use: None,
    };
    let history = vec![
        hold(1, vec![line(vip(), 2)]),
        sold(1, vec![line(vip(), 2)], false, now()),
    ];
    inventory_test()
        .given(history.clone())
        .when(InventoryCommand::ReturnTickets {
            order_id: order(1),
            refund_number: 1,
            lines: vec![line(vip(), 1)],
            code_use: None,
            now: now(),
        })
        .then_expect_events(vec![returned.clone()]);
    let mut repeated = history.clone();
    repeated.push(returned.clone());
    inventory_test()
        .given(repeated.clone())
        .when(InventoryCommand::ReturnTickets {
            order_id: order(1),
            refund_number: 1,
            lines: vec![line(vip(), 1)],
            code_use: None,
            now: now(),
        })
        .then_expect_events(vec![]);
    let inventory = inventory_after(repeated);
    assert_eq!(inventory.sold(vip()), 1);
    assert_eq!(inventory.available(&concert(), vip(), now()), 3);
}
