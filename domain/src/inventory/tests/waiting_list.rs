//! The waiting list: buyers join a sold-out type, the tickets that come back are claimed
//! for them rather than sold to whoever asks next, and offers go to them in the order they
//! joined, each held until it lapses.

use uuid::Uuid;

use super::fixtures::*;
use crate::account::EmailAddress;
use crate::event::{Event, EventCatalogueEvent};
use crate::ids::{OrderId, ReservationId, WaitingEntryId};
use crate::inventory::{
    HoldOutcome, HoldRefusal, Inventory, InventoryCommand, InventoryError, InventoryEvent,
    PlacedHold, Quantity, WaitingEntry, WaitingOffer, WaitingRequest, WaitingStand,
};
use crate::Decide;
use cqrs_es::Aggregate;

const OFFER_HOURS: i64 = 24;

fn entry_id(n: u128) -> WaitingEntryId {
    WaitingEntryId::from_uuid(Uuid::from_u128(0x5000 + n))
}

fn email(who: &str) -> EmailAddress {
    EmailAddress::parse(format!("{who}@example.com")).unwrap()
}

fn wait_request(n: u128, who: &str, quantity: u32) -> WaitingRequest {
    WaitingRequest {
        entry_id: entry_id(n),
        ticket_type_id: vip(),
        quantity: Quantity::parse(quantity).unwrap(),
        email: email(who),
    }
}

fn join(n: u128, who: &str, quantity: u32) -> InventoryCommand {
    InventoryCommand::JoinWaitingList {
        event: Box::new(concert()),
        request: wait_request(n, who, quantity),
        now: now(),
    }
}

/// The fact of place `n` joining at `joined_at`.
fn joined_at(
    n: u128,
    who: &str,
    quantity: u32,
    joined_at: chrono::DateTime<chrono::Utc>,
) -> InventoryEvent {
    let request = wait_request(n, who, quantity);
    InventoryEvent::WaitingListJoined {
        entry: WaitingEntry {
            entry_id: request.entry_id,
            ticket_type_id: request.ticket_type_id,
            quantity: request.quantity,
            email: request.email,
            joined_at,
        },
    }
}

fn joined(n: u128, who: &str, quantity: u32) -> InventoryEvent {
    joined_at(n, who, quantity, now() - minutes(1))
}

/// All 4 VIP held by reservation 1 since 5 minutes before [`now`].
fn vip_sold_out() -> InventoryEvent {
    holds_placed(vec![placed_at(1, vec![line(vip(), 4)], now() - minutes(5))])
}

fn released(n: u128) -> InventoryEvent {
    InventoryEvent::HoldReleased {
        reservation_id: rid(n),
        released_at: now() - minutes(1),
    }
}

fn offer_expiry(at: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::Utc> {
    at + chrono::Duration::hours(OFFER_HOURS)
}

fn offer_at(event: Event, at: chrono::DateTime<chrono::Utc>) -> InventoryCommand {
    InventoryCommand::OfferToWaitingList {
        event: Box::new(event),
        expires_at: offer_expiry(at),
        now: at,
    }
}

/// The offer of `quantity` VIP to place `n`, made at `at`.
fn offer_to(n: u128, quantity: u32, at: chrono::DateTime<chrono::Utc>) -> WaitingOffer {
    let who = ["", "ada", "bob"][usize::try_from(n).unwrap()];
    WaitingOffer {
        entry_id: entry_id(n),
        email: email(who),
        hold: PlacedHold {
            reservation_id: ReservationId::from_uuid(entry_id(n).as_uuid()),
            lines: vec![line(vip(), quantity)],
            expires_at: offer_expiry(at),
            placed_at: at,
            code_use: None,
        },
    }
}

fn offered(offers: Vec<WaitingOffer>, at: chrono::DateTime<chrono::Utc>) -> InventoryEvent {
    InventoryEvent::WaitingListOffered {
        offers,
        offered_at: at,
    }
}

fn closed_concert() -> Event {
    let mut event = concert();
    event.apply(EventCatalogueEvent::WaitingListSwitched { open: false });
    event
}

#[test]
fn a_buyer_joins_the_waiting_list_of_a_sold_out_type() {
    inventory_test()
        .given(vec![vip_sold_out()])
        .when(join(1, "ada", 2))
        .then_expect_events(vec![joined_at(1, "ada", 2, now())]);
}

#[test]
fn nobody_waits_for_tickets_they_can_hold_now() {
    // Given 3 VIP held of 4, one is left: asking the list for 2 is fair, for 1 is not.
    let three_held = holds_placed(vec![placed_at(1, vec![line(vip(), 3)], now())]);
    inventory_test()
        .given(vec![three_held.clone()])
        .when(join(1, "ada", 1))
        .then_expect_error(InventoryError::TicketsAvailable { available: 1 });
    inventory_test()
        .given(vec![three_held])
        .when(join(1, "ada", 2))
        .then_expect_events(vec![joined_at(1, "ada", 2, now())]);
}

#[test]
fn a_retried_join_records_nothing_and_one_address_takes_one_place() {
    inventory_test()
        .given(vec![vip_sold_out(), joined(1, "ada", 2)])
        .when(join(1, "ada", 2))
        .then_expect_events(vec![]);
    inventory_test()
        .given(vec![vip_sold_out(), joined(1, "ada", 2)])
        .when(join(1, "ada", 3))
        .then_expect_error(InventoryError::WaitingEntryReused);
    // The same person in other letter case is the same person.
    inventory_test()
        .given(vec![vip_sold_out(), joined(1, "ada", 2)])
        .when(join(2, "ADA", 1))
        .then_expect_error(InventoryError::AlreadyWaiting);
}

#[test]
fn the_rules_of_a_hold_apply_to_joining_and_a_closed_list_takes_nobody() {
    inventory_test()
        .given(vec![vip_sold_out()])
        .when(join(1, "ada", 5))
        .then_expect_error(InventoryError::Refused(HoldRefusal::TooManyPerOrder {
            ticket_type_id: vip(),
            max: 4,
        }));
    inventory_test()
        .given(vec![vip_sold_out()])
        .when(InventoryCommand::JoinWaitingList {
            event: Box::new(closed_concert()),
            request: wait_request(1, "ada", 2),
            now: now(),
        })
        .then_expect_error(InventoryError::WaitingListClosed);
    inventory_test()
        .given(vec![vip_sold_out()])
        .when(InventoryCommand::JoinWaitingList {
            event: Box::new(cancelled_concert()),
            request: wait_request(1, "ada", 2),
            now: now(),
        })
        .then_expect_error(InventoryError::EventCancelled);
}

#[test]
fn tickets_that_come_back_are_claimed_for_the_line_not_for_the_next_buyer() {
    // Given all 4 VIP held, Ada waiting for 2 and Bob for 3, when the hold is released,
    let inventory = inventory_after(vec![
        vip_sold_out(),
        joined(1, "ada", 2),
        joined(2, "bob", 3),
        released(1),
    ]);
    // then a buyer who did not wait finds none, in a batch as in the availability shown,
    let decision = inventory.decide_holds(&concert(), &[request(9, vec![line(vip(), 1)])], now());
    assert_eq!(
        decision.outcomes,
        vec![HoldOutcome::Refused(HoldRefusal::SoldOut {
            ticket_type_id: vip(),
            available: 0,
        })]
    );
    assert_eq!(inventory.available(&concert(), vip(), now()), 0);
    // and a payment that lands after its hold lapsed cannot take them either.
    let late = inventory.sell_hold(
        &concert(),
        rid(7),
        OrderId::for_reservation(rid(7)),
        &[line(vip(), 1)],
        None,
        now(),
    );
    assert_eq!(late, Err(InventoryError::TicketsNoLongerAvailable));
    // Once the list is closed, nothing is claimed: the tickets are on sale again.
    assert_eq!(inventory.available(&closed_concert(), vip(), now()), 4);
}

#[test]
fn offers_follow_the_line_and_never_pass_over_the_first_in_it() {
    // Given Ada waiting for 3 and Bob behind her for 1, when 2 tickets come back,
    let two_back = vec![
        holds_placed(vec![
            placed_at(1, vec![line(vip(), 2)], now() - minutes(5)),
            placed_at(2, vec![line(vip(), 2)], now() - minutes(5)),
        ]),
        joined(1, "ada", 3),
        joined(2, "bob", 1),
        released(1),
    ];
    // then nobody is offered anything: Bob is not served before Ada,
    inventory_test()
        .given(two_back.clone())
        .when(offer_at(concert(), now()))
        .then_expect_events(vec![]);
    // and when the other 2 come back, Ada gets 3 and Bob the last one.
    let mut all_back = two_back;
    all_back.push(released(2));
    inventory_test()
        .given(all_back)
        .when(offer_at(concert(), now()))
        .then_expect_events(vec![offered(
            vec![offer_to(1, 3, now()), offer_to(2, 1, now())],
            now(),
        )]);
}

#[test]
fn an_offer_is_a_hold_and_when_it_lapses_the_next_in_line_is_offered() {
    let history = vec![
        vip_sold_out(),
        joined(1, "ada", 4),
        joined(2, "bob", 4),
        released(1),
        offered(vec![offer_to(1, 4, now())], now()),
    ];
    let inventory = inventory_after(history.clone());
    let ada = ReservationId::from_uuid(entry_id(1).as_uuid());
    assert_eq!(
        inventory.hold(ada).map(|hold| hold.expires_at()),
        Some(offer_expiry(now()))
    );
    assert_eq!(
        inventory
            .waiting_place(entry_id(1))
            .map(|p| (p.stand, p.position)),
        Some((WaitingStand::Offered, None))
    );
    assert_eq!(
        inventory
            .waiting_place(entry_id(2))
            .map(|p| (p.stand, p.position)),
        Some((WaitingStand::Waiting, Some(1)))
    );
    // While Ada's offer stands there is nothing for Bob; after it lapses, there is.
    inventory_test()
        .given(history.clone())
        .when(offer_at(concert(), now() + minutes(60)))
        .then_expect_events(vec![]);
    let later = offer_expiry(now()) + minutes(1);
    inventory_test()
        .given(history)
        .when(offer_at(concert(), later))
        .then_expect_events(vec![offered(vec![offer_to(2, 4, later)], later)]);
}

#[test]
fn a_closed_list_offers_nothing_and_a_cancelled_event_neither() {
    let history = vec![vip_sold_out(), joined(1, "ada", 2), released(1)];
    inventory_test()
        .given(history.clone())
        .when(offer_at(closed_concert(), now()))
        .then_expect_events(vec![]);
    inventory_test()
        .given(history)
        .when(offer_at(cancelled_concert(), now()))
        .then_expect_events(vec![]);
}

#[test]
fn a_buyer_leaves_the_line_and_the_people_behind_move_up() {
    let history = vec![vip_sold_out(), joined(1, "ada", 2), joined(2, "bob", 2)];
    let leave = |n| InventoryCommand::LeaveWaitingList {
        entry_id: entry_id(n),
        now: now(),
    };
    inventory_test()
        .given(history.clone())
        .when(leave(1))
        .then_expect_events(vec![InventoryEvent::WaitingListLeft {
            entry_id: entry_id(1),
            left_at: now(),
        }]);
    let mut after = history.clone();
    after.push(InventoryEvent::WaitingListLeft {
        entry_id: entry_id(1),
        left_at: now(),
    });
    let inventory = inventory_after(after.clone());
    assert_eq!(
        inventory
            .waiting_place(entry_id(2))
            .map(|p| (p.stand, p.position)),
        Some((WaitingStand::Waiting, Some(1)))
    );
    assert_eq!(
        inventory
            .waiting_place(entry_id(1))
            .map(|p| (p.stand, p.position)),
        Some((WaitingStand::Left, None))
    );
    // Leaving twice is done; an unknown place is not; an offered place is released instead.
    inventory_test()
        .given(after)
        .when(leave(1))
        .then_expect_events(vec![]);
    inventory_test()
        .given(history.clone())
        .when(leave(3))
        .then_expect_error(InventoryError::UnknownWaitingEntry);
    let mut offered_history = history;
    offered_history.push(released(1));
    offered_history.push(offered(vec![offer_to(1, 2, now())], now()));
    inventory_test()
        .given(offered_history)
        .when(leave(1))
        .then_expect_error(InventoryError::WaitingEntryOffered);
}

#[test]
fn types_sharing_a_pool_are_served_in_one_line() {
    // Given the venue's 8 places all held, Ada waiting for 4 VIP, then Bob for 1 General,
    let bob = WaitingRequest {
        entry_id: entry_id(2),
        ticket_type_id: general(),
        quantity: Quantity::parse(1).unwrap(),
        email: email("bob"),
    };
    let mut inventory = inventory_after(vec![
        holds_placed(vec![
            placed_at(1, vec![line(general(), 6)], now() - minutes(5)),
            placed_at(2, vec![line(vip(), 2)], now() - minutes(5)),
        ]),
        joined(1, "ada", 4),
    ]);
    for fact in inventory
        .decide(InventoryCommand::JoinWaitingList {
            event: Box::new(shared_concert()),
            request: bob,
            now: now(),
        })
        .unwrap()
    {
        inventory.apply(fact);
    }
    inventory.apply(released(2));
    // when 2 VIP places come back, Bob's General is not served from the pool before Ada.
    assert_eq!(
        inventory.offer_to_waiting_list(&shared_concert(), offer_expiry(now()), now()),
        vec![]
    );
    assert_eq!(inventory.available(&shared_concert(), general(), now()), 0);
}

#[test]
fn a_place_is_stored_as_recorded() {
    let fact = joined(1, "ada", 2);
    let json = serde_json::to_value(&fact).unwrap();
    assert_eq!(
        json["WaitingListJoined"]["entry"]["email"],
        "ada@example.com"
    );
    let back: InventoryEvent = serde_json::from_value(json).unwrap();
    assert_eq!(back, fact);
    assert_eq!(Inventory::default().waiting_place(entry_id(1)), None);
}

#[test]
fn refunded_tickets_are_offered_to_the_line() {
    // Given all 4 VIP sold and Ada waiting for 2, when 2 are refunded,
    let history = vec![
        vip_sold_out(),
        InventoryEvent::HoldSold {
            reservation_id: rid(1),
            order_id: OrderId::for_reservation(rid(1)),
            lines: vec![line(vip(), 4)],
            late: false,
            sold_at: now() - minutes(4),
            code_use: None,
        },
        joined(1, "ada", 2),
        InventoryEvent::TicketsReturned {
            order_id: OrderId::for_reservation(rid(1)),
            refund_number: 1,
            lines: vec![line(vip(), 2)],
            returned_at: now() - minutes(1),
            code_use: None,
        },
    ];
    // then they are not on sale, and Ada is offered them.
    assert_eq!(
        inventory_after(history.clone()).available(&concert(), vip(), now()),
        0
    );
    inventory_test()
        .given(history)
        .when(offer_at(concert(), now()))
        .then_expect_events(vec![offered(vec![offer_to(1, 2, now())], now())]);
}
