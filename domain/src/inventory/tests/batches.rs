//! Many requests in one decision: in order, each against the state the earlier ones left.

use super::fixtures::*;
use crate::inventory::{HoldOutcome, HoldRefusal, Inventory, InventoryEvent};

fn held_now() -> HoldOutcome {
    HoldOutcome::Held {
        expires_at: lapse_of(now()),
        code_used_up: false,
    }
}

#[test]
fn a_batch_never_oversells() {
    let requests = [1, 2, 3].map(|n| request(n, vec![line(general(), 4)]));
    let decision = Inventory::default().decide_holds(&concert(), &requests, now());
    assert_eq!(
        decision.outcomes,
        vec![
            held_now(),
            held_now(),
            HoldOutcome::Refused(HoldRefusal::SoldOut {
                ticket_type_id: general(),
                available: 2
            }),
        ]
    );
    assert_eq!(
        decision.events,
        vec![holds_placed(vec![
            placed_at(1, vec![line(general(), 4)], now()),
            placed_at(2, vec![line(general(), 4)], now()),
        ])]
    );
    assert_eq!(inventory_after(decision.events).held(general(), now()), 8);
}

#[test]
fn a_refused_request_leaves_its_tickets_to_the_next() {
    let requests = [
        request(1, vec![line(general(), 4)]),
        request(2, vec![line(general(), 6), line(vip(), 5)]),
        request(3, vec![line(general(), 6)]),
    ];
    let decision = Inventory::default().decide_holds(&concert(), &requests, now());
    assert_eq!(
        decision.outcomes,
        vec![
            held_now(),
            HoldOutcome::Refused(HoldRefusal::TooManyPerOrder {
                ticket_type_id: vip(),
                max: 4
            }),
            held_now(),
        ]
    );
    let inventory = inventory_after(decision.events);
    assert_eq!(inventory.available(&concert(), general(), now()), 0);
    assert_eq!(inventory.available(&concert(), vip(), now()), 4);
}

#[test]
fn a_retry_within_the_batch_is_already_held() {
    let requests = [
        request(1, vec![line(vip(), 2)]),
        request(1, vec![line(vip(), 2)]),
        request(1, vec![line(vip(), 3)]),
    ];
    let decision = Inventory::default().decide_holds(&concert(), &requests, now());
    assert_eq!(
        decision.outcomes,
        vec![
            held_now(),
            HoldOutcome::AlreadyHeld {
                expires_at: lapse_of(now()),
                code_used_up: false,
            },
            HoldOutcome::Refused(HoldRefusal::ReservationIdReused),
        ]
    );
    assert_eq!(
        decision.events,
        vec![holds_placed(vec![placed_at(
            1,
            vec![line(vip(), 2)],
            now()
        )])]
    );
}

#[test]
fn lapsed_holds_are_expired_once_and_sorted_before_the_new_holds() {
    // Reservation 3 lapses before reservation 1, so only sorting puts 1 first.
    let inventory = inventory_after(vec![
        holds_placed(vec![placed_at(
            3,
            vec![line(vip(), 1)],
            now() - minutes(40),
        )]),
        holds_placed(vec![placed_at(
            1,
            vec![line(vip(), 1)],
            now() - minutes(20),
        )]),
        holds_placed(vec![placed_at(2, vec![line(vip(), 1)], now() - minutes(5))]),
    ]);
    let requests = [
        request(4, vec![line(vip(), 3)]),
        request(5, vec![line(vip(), 1)]),
    ];
    let decision = inventory.decide_holds(&concert(), &requests, now());
    assert_eq!(
        decision.outcomes,
        vec![
            held_now(),
            HoldOutcome::Refused(HoldRefusal::SoldOut {
                ticket_type_id: vip(),
                available: 0
            })
        ]
    );
    assert_eq!(
        decision.events,
        vec![
            InventoryEvent::HoldsExpired {
                reservation_ids: vec![rid(1), rid(3)],
                expired_at: now(),
            },
            holds_placed(vec![placed_at(4, vec![line(vip(), 3)], now())]),
        ]
    );
}

#[test]
fn a_batch_that_changes_nothing_records_nothing() {
    let inventory = inventory_after(vec![holds_placed(vec![placed_at(
        1,
        vec![line(vip(), 4)],
        now() - minutes(1),
    )])]);
    let requests = [
        request(1, vec![line(vip(), 4)]),
        request(2, vec![line(vip(), 1)]),
    ];
    let decision = inventory.decide_holds(&concert(), &requests, now());
    assert_eq!(decision.events, vec![]);
    assert_eq!(decision.outcomes.len(), 2);
    assert_eq!(
        inventory.decide_holds(&concert(), &[], now()),
        crate::inventory::HoldDecision {
            events: vec![],
            outcomes: vec![]
        }
    );
}

#[test]
fn released_tickets_can_be_held_again_in_a_later_batch() {
    let inventory = inventory_after(vec![
        holds_placed(vec![placed_at(1, vec![line(vip(), 4)], now() - minutes(3))]),
        InventoryEvent::HoldReleased {
            reservation_id: rid(1),
            released_at: now() - minutes(1),
        },
    ]);
    let decision = inventory.decide_holds(&concert(), &[request(2, vec![line(vip(), 4)])], now());
    assert_eq!(decision.outcomes, vec![held_now()]);
}
