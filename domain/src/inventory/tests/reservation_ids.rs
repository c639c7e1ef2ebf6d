//! Reservation ids: a retry of a held reservation is recognised, and an id is never reused
//! for other tickets or after its hold ended.

use super::fixtures::*;
use crate::inventory::{HoldOutcome, HoldRefusal, HoldRequest, Inventory, InventoryEvent};

fn refusal(inventory: &Inventory, request: HoldRequest) -> HoldRefusal {
    match inventory
        .decide_holds(&concert(), &[request], now())
        .outcomes
        .as_slice()
    {
        [HoldOutcome::Refused(refusal)] => refusal.clone(),
        other => panic!("expected one refusal, got {other:?}"),
    }
}

#[test]
fn idempotent_same_reservation() {
    let first_placed = now() - minutes(5);
    let lines = vec![line(general(), 2), line(vip(), 1)];
    let inventory = inventory_after(vec![holds_placed(vec![placed_at(1, lines, first_placed)])]);
    let retry = request(1, vec![line(vip(), 1), line(general(), 2)]);
    let decision = inventory.decide_holds(&concert(), &[retry], now());
    assert_eq!(
        decision.outcomes,
        vec![HoldOutcome::AlreadyHeld {
            expires_at: lapse_of(first_placed),
            code_used_up: false,
        }]
    );
    assert_eq!(decision.events, vec![]);
}

#[test]
fn refuses_a_held_reservation_id_asked_with_other_tickets() {
    let inventory = inventory_after(vec![holds_placed(vec![placed_at(
        1,
        vec![line(general(), 2)],
        now() - minutes(5),
    )])]);
    for lines in [
        vec![line(general(), 3)],
        vec![line(general(), 2), line(vip(), 1)],
        vec![line(vip(), 2)],
    ] {
        assert_eq!(
            refusal(&inventory, request(1, lines)),
            HoldRefusal::ReservationIdReused
        );
    }
}

#[test]
fn refuses_the_id_of_a_hold_that_ended() {
    let lines = vec![line(general(), 2)];
    let released = inventory_after(vec![
        holds_placed(vec![placed_at(1, lines.clone(), now() - minutes(5))]),
        InventoryEvent::HoldReleased {
            reservation_id: rid(1),
            released_at: now() - minutes(4),
        },
    ]);
    let expired = inventory_after(vec![
        holds_placed(vec![placed_at(1, lines.clone(), now() - minutes(30))]),
        InventoryEvent::HoldsExpired {
            reservation_ids: vec![rid(1)],
            expired_at: now() - minutes(10),
        },
    ]);
    let lapsed = inventory_after(vec![holds_placed(vec![placed_at(
        1,
        lines.clone(),
        now() - minutes(HOLD_LIFETIME_MINUTES),
    )])]);
    for inventory in [released, expired, lapsed] {
        assert_eq!(
            refusal(&inventory, request(1, lines.clone())),
            HoldRefusal::ReservationIdReused
        );
    }
}
