//! The commands through `handle`: placing, releasing and expiring holds, and what the
//! inventory reports about its holds afterwards.

use chrono::Duration;

use super::fixtures::*;
use crate::inventory::{HoldStatus, InventoryCommand, InventoryError, InventoryEvent};

fn place(requests: Vec<crate::inventory::HoldRequest>) -> InventoryCommand {
    InventoryCommand::PlaceHolds {
        event: Box::new(concert()),
        vouchers: Box::default(),
        requests,
        now: now(),
    }
}

fn release(n: u128) -> InventoryCommand {
    InventoryCommand::ReleaseHold {
        reservation_id: rid(n),
        now: now(),
    }
}

/// Reservation 1 holding 2 VIP tickets, placed 5 minutes before [`now`].
fn vip_hold() -> InventoryEvent {
    holds_placed(vec![placed_at(1, vec![line(vip(), 2)], now() - minutes(5))])
}

#[test]
fn places_holds_through_the_command() {
    inventory_test()
        .given_no_previous_events()
        .when(place(vec![
            request(1, vec![line(vip(), 3)]),
            request(2, vec![line(vip(), 3)]),
        ]))
        .then_expect_events(vec![holds_placed(vec![placed_at(
            1,
            vec![line(vip(), 3)],
            now(),
        )])]);
}

#[test]
fn placing_succeeds_without_events_when_every_request_is_refused() {
    inventory_test()
        .given(vec![vip_hold()])
        .when(place(vec![
            request(2, vec![line(vip(), 3)]),
            request(3, vec![]),
        ]))
        .then_expect_events(vec![]);
}

#[test]
fn releases_an_active_hold() {
    inventory_test()
        .given(vec![vip_hold()])
        .when(release(1))
        .then_expect_events(vec![InventoryEvent::HoldReleased {
            reservation_id: rid(1),
            released_at: now(),
        }]);
}

#[test]
fn released_tickets_can_be_held_again() {
    let released = InventoryEvent::HoldReleased {
        reservation_id: rid(1),
        released_at: now() - minutes(1),
    };
    let inventory = inventory_after(vec![vip_hold(), released.clone()]);
    assert_eq!(inventory.held(vip(), now()), 0);
    assert_eq!(inventory.available(&concert(), vip(), now()), 4);
    inventory_test()
        .given(vec![vip_hold(), released])
        .when(place(vec![request(2, vec![line(vip(), 4)])]))
        .then_expect_events(vec![holds_placed(vec![placed_at(
            2,
            vec![line(vip(), 4)],
            now(),
        )])]);
}

#[test]
fn refuses_to_release_a_hold_twice() {
    inventory_test()
        .given(vec![
            vip_hold(),
            InventoryEvent::HoldReleased {
                reservation_id: rid(1),
                released_at: now() - minutes(1),
            },
        ])
        .when(release(1))
        .then_expect_error(InventoryError::AlreadyReleased);
}

#[test]
fn refuses_to_release_a_lapsed_hold_even_before_its_expiry_is_recorded() {
    inventory_test()
        .given(vec![holds_placed(vec![placed_at(
            1,
            vec![line(vip(), 2)],
            now() - minutes(HOLD_LIFETIME_MINUTES),
        )])])
        .when(release(1))
        .then_expect_error(InventoryError::HoldExpired);
}

#[test]
fn refuses_to_release_an_expired_hold() {
    inventory_test()
        .given(vec![
            vip_hold(),
            InventoryEvent::HoldsExpired {
                reservation_ids: vec![rid(1)],
                expired_at: now() - minutes(1),
            },
        ])
        .when(release(1))
        .then_expect_error(InventoryError::HoldExpired);
}

#[test]
fn refuses_to_release_an_unknown_reservation() {
    inventory_test()
        .given(vec![vip_hold()])
        .when(release(2))
        .then_expect_error(InventoryError::UnknownReservation);
}

#[test]
fn hold_expires_after_its_lifetime() {
    let expires = lapse_of(now() - minutes(5));
    inventory_test()
        .given(vec![vip_hold()])
        .when(InventoryCommand::ExpireHolds {
            now: expires - Duration::seconds(1),
        })
        .then_expect_events(vec![]);
    inventory_test()
        .given(vec![vip_hold()])
        .when(InventoryCommand::ExpireHolds { now: expires })
        .then_expect_events(vec![InventoryEvent::HoldsExpired {
            reservation_ids: vec![rid(1)],
            expired_at: expires,
        }]);
}

#[test]
fn expiring_with_nothing_lapsed_records_nothing() {
    inventory_test()
        .given_no_previous_events()
        .when(InventoryCommand::ExpireHolds { now: now() })
        .then_expect_events(vec![]);
}

#[test]
fn reports_each_hold_through_its_life() {
    let placed = now() - minutes(5);
    let expires = lapse_of(placed);
    let mut history = vec![vip_hold()];
    let inventory = inventory_after(history.clone());
    assert_eq!(
        inventory.hold_status(rid(1), now()),
        Some(HoldStatus::Active)
    );
    assert_eq!(
        inventory.hold_status(rid(1), expires),
        Some(HoldStatus::Expired)
    );
    assert_eq!(inventory.hold_status(rid(2), now()), None);
    let hold = inventory.hold(rid(1)).unwrap();
    assert_eq!(hold.lines(), &[line(vip(), 2)]);
    assert_eq!((hold.placed_at(), hold.expires_at()), (placed, expires));
    assert!(!hold.is_lapsed(now()) && hold.is_lapsed(expires));
    assert_eq!(inventory.next_expiry(), Some(expires));
    assert!(!inventory.has_lapsed_holds(now()) && inventory.has_lapsed_holds(expires));
    assert_eq!(
        inventory
            .active_holds()
            .map(|(id, _)| id)
            .collect::<Vec<_>>(),
        vec![rid(1)]
    );
    assert_eq!(inventory.sold(vip()), 0);

    history.push(InventoryEvent::HoldsExpired {
        reservation_ids: vec![rid(1)],
        expired_at: expires,
    });
    let inventory = inventory_after(history);
    assert_eq!(inventory.hold(rid(1)), None);
    assert_eq!(
        inventory.hold_status(rid(1), now()),
        Some(HoldStatus::Expired)
    );
    assert_eq!(inventory.next_expiry(), None);
    assert_eq!(inventory.active_holds().count(), 0);
    assert_eq!(inventory.held(vip(), now()), 0);
}

#[test]
fn the_next_expiry_is_the_earliest_of_the_active_holds() {
    let inventory = inventory_after(vec![
        holds_placed(vec![placed_at(1, vec![line(vip(), 1)], now())]),
        holds_placed(vec![placed_at(2, vec![line(vip(), 1)], now() - minutes(3))]),
        InventoryEvent::HoldReleased {
            reservation_id: rid(2),
            released_at: now(),
        },
        holds_placed(vec![placed_at(3, vec![line(vip(), 1)], now() - minutes(1))]),
    ]);
    assert_eq!(inventory.next_expiry(), Some(lapse_of(now() - minutes(1))));
    assert_eq!(
        inventory.hold_status(rid(2), now()),
        Some(HoldStatus::Released)
    );
}
