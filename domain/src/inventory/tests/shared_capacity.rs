//! Ticket types sharing a capacity pool: every hold, sale and return respects both the
//! type's capacity and the pool's, in a batch too.

use uuid::Uuid;

use super::fixtures::*;
use crate::ids::OrderId;
use crate::inventory::{
    HoldOutcome, HoldRefusal, Inventory, InventoryCommand, InventoryError, InventoryEvent,
};

fn held_now() -> HoldOutcome {
    HoldOutcome::Held {
        expires_at: lapse_of(now()),
        code_used_up: false,
    }
}

fn sold_out(ticket_type_id: crate::ids::TicketTypeId, available: u32) -> HoldOutcome {
    HoldOutcome::Refused(HoldRefusal::SoldOut {
        ticket_type_id,
        available,
    })
}

fn order(n: u128) -> OrderId {
    OrderId::from_uuid(Uuid::from_u128(0x0D00 + n))
}

#[test]
fn a_batch_where_the_pool_runs_out_before_the_type_does() {
    // Given the venue's 8 places shared by General (10) and VIP (4),
    // when a batch asks for 6 General, then 3 VIP, then 2 VIP,
    let requests = [
        request(1, vec![line(general(), 6)]),
        request(2, vec![line(vip(), 3)]),
        request(3, vec![line(vip(), 2)]),
    ];
    let decision = Inventory::default().decide_holds(&shared_concert(), &requests, now());

    // then the 3 VIP are refused with the pool's 2 left, though VIP has 4,
    // and the 2 VIP after them fill the pool.
    assert_eq!(
        decision.outcomes,
        vec![held_now(), sold_out(vip(), 2), held_now()]
    );
    let inventory = inventory_after(decision.events);
    assert_eq!(
        inventory.pool_available(&shared_concert(), &venue(), now()),
        0
    );
    assert_eq!(inventory.available(&shared_concert(), general(), now()), 0);
    assert_eq!(inventory.available(&shared_concert(), vip(), now()), 0);
    // Without the pool, both types would still have room.
    assert_eq!(inventory.available(&concert(), general(), now()), 4);
    assert_eq!(inventory.available(&concert(), vip(), now()), 2);
}

#[test]
fn lines_of_one_request_must_fit_in_the_pool_together() {
    let requests = [request(1, vec![line(general(), 5), line(vip(), 4)])];
    let decision = Inventory::default().decide_holds(&shared_concert(), &requests, now());
    assert_eq!(decision.outcomes, vec![sold_out(vip(), 3)]);
    assert!(decision.events.is_empty());
}

#[test]
fn availability_is_the_smaller_of_the_type_and_the_pool() {
    let inventory = inventory_after(vec![holds_placed(vec![placed_at(
        1,
        vec![line(vip(), 3)],
        now(),
    )])]);
    // General: 10 of its own, 5 left in the pool.
    assert_eq!(inventory.available(&shared_concert(), general(), now()), 5);
    // VIP: 1 of its own left, though the pool has 5.
    assert_eq!(inventory.available(&shared_concert(), vip(), now()), 1);
}

#[test]
fn a_lapsed_hold_gives_its_places_back_to_the_pool() {
    let inventory = inventory_after(vec![holds_placed(vec![placed_at(
        1,
        vec![line(general(), 6)],
        now() - minutes(20),
    )])]);
    let requests = [request(2, vec![line(general(), 6), line(vip(), 2)])];
    let decision = inventory.decide_holds(&shared_concert(), &requests, now());
    assert_eq!(decision.outcomes, vec![held_now()]);
}

#[test]
fn a_sale_keeps_its_places_and_a_return_gives_them_back_to_both() {
    let history = vec![
        holds_placed(vec![placed_at(1, vec![line(general(), 6)], now())]),
        InventoryEvent::HoldSold {
            reservation_id: rid(1),
            order_id: order(1),
            lines: vec![line(general(), 6)],
            late: false,
            sold_at: now(),
            code_use: None,
        },
    ];
    let sold = inventory_after(history.clone());
    assert_eq!(sold.available(&shared_concert(), vip(), now()), 2);

    let mut returned = history;
    returned.push(InventoryEvent::TicketsReturned {
        order_id: order(1),
        refund_number: 1,
        lines: vec![line(general(), 4)],
        returned_at: now(),
        code_use: None,
    });
    let inventory = inventory_after(returned);
    assert_eq!(
        inventory.pool_available(&shared_concert(), &venue(), now()),
        6
    );
    assert_eq!(inventory.available(&shared_concert(), vip(), now()), 4);
    assert_eq!(inventory.available(&shared_concert(), general(), now()), 6);
}

#[test]
fn a_late_payment_is_refused_when_the_pool_is_full() {
    // Given a hold of 2 VIP that lapsed, then 6 General and 2 VIP held since,
    inventory_test()
        .given(vec![
            holds_placed(vec![placed_at(
                1,
                vec![line(vip(), 2)],
                now() - minutes(20),
            )]),
            holds_placed(vec![
                placed_at(2, vec![line(general(), 6)], now()),
                placed_at(3, vec![line(vip(), 2)], now()),
            ]),
        ])
        // when the lapsed hold is paid for, VIP itself has 2 left but the pool none,
        .when(InventoryCommand::SellHold {
            event: Box::new(shared_concert()),
            reservation_id: rid(1),
            order_id: order(1),
            lines: vec![line(vip(), 2)],
            code: None,
            now: now(),
        })
        // then the payment is refused (and refunded).
        .then_expect_error(InventoryError::TicketsNoLongerAvailable);
}

#[test]
fn a_released_hold_gives_its_places_back_to_the_pool() {
    let inventory = inventory_after(vec![
        holds_placed(vec![placed_at(1, vec![line(general(), 8)], now())]),
        InventoryEvent::HoldReleased {
            reservation_id: rid(1),
            released_at: now(),
        },
    ]);
    assert_eq!(
        inventory.pool_available(&shared_concert(), &venue(), now()),
        8
    );
}
