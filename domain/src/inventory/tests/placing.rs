//! One hold request at a time: each rule that refuses it, and what is recorded when held.

use chrono::{DateTime, Utc};

use super::fixtures::*;
use crate::event::Event;
use crate::inventory::{HoldOutcome, HoldRefusal, HoldRequest, Inventory, InventoryEvent};

/// Decides `requests` at `at` against `inventory` and returns the outcome of the only one.
fn outcome_of(
    inventory: &Inventory,
    event: &Event,
    request: HoldRequest,
    at: DateTime<Utc>,
) -> HoldOutcome {
    let decision = inventory.decide_holds(event, &[request], at);
    assert_eq!(decision.outcomes.len(), 1);
    decision.outcomes[0].clone()
}

fn refusal(inventory: &Inventory, event: &Event, request: HoldRequest) -> HoldRefusal {
    match outcome_of(inventory, event, request, now()) {
        HoldOutcome::Refused(refusal) => refusal,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn holds_what_is_available_until_it_expires() {
    let inventory = Inventory::default();
    let decision =
        inventory.decide_holds(&concert(), &[request(1, vec![line(general(), 3)])], now());
    assert_eq!(
        decision.outcomes,
        vec![HoldOutcome::Held {
            expires_at: lapse_of(now()),
            code_used_up: false,
        }]
    );
    assert_eq!(
        decision.events,
        vec![holds_placed(vec![placed_at(
            1,
            vec![line(general(), 3)],
            now()
        )])]
    );
    let inventory = inventory_after(decision.events);
    assert_eq!(inventory.held(general(), now()), 3);
    assert_eq!(inventory.available(&concert(), general(), now()), 7);
    assert_eq!(inventory.available(&concert(), vip(), now()), 4);
}

#[test]
fn refuses_more_than_available() {
    let inventory = inventory_after(vec![
        holds_placed(vec![placed_at(
            1,
            vec![line(general(), 6)],
            now() - minutes(5),
        )]),
        holds_placed(vec![placed_at(
            2,
            vec![line(general(), 2)],
            now() - minutes(1),
        )]),
    ]);
    assert_eq!(
        refusal(&inventory, &concert(), request(3, vec![line(general(), 3)])),
        HoldRefusal::SoldOut {
            ticket_type_id: general(),
            available: 2
        }
    );
    assert!(outcome_of(
        &inventory,
        &concert(),
        request(3, vec![line(general(), 2)]),
        now()
    )
    .is_held());
}

#[test]
fn refuses_an_event_that_is_not_published() {
    for event in [draft_concert(), Event::default()] {
        assert_eq!(
            refusal(
                &Inventory::default(),
                &event,
                request(1, vec![line(general(), 1)])
            ),
            HoldRefusal::EventNotOnSale
        );
    }
}

#[test]
fn refuses_a_cancelled_event() {
    assert_eq!(
        refusal(
            &Inventory::default(),
            &cancelled_concert(),
            request(1, vec![line(general(), 1)])
        ),
        HoldRefusal::EventCancelled
    );
}

#[test]
fn refuses_a_request_without_tickets() {
    assert_eq!(
        refusal(&Inventory::default(), &concert(), request(1, vec![])),
        HoldRefusal::EmptyRequest
    );
}

#[test]
fn refuses_the_same_ticket_type_twice_in_one_request() {
    assert_eq!(
        refusal(
            &Inventory::default(),
            &concert(),
            request(1, vec![line(vip(), 1), line(general(), 1), line(vip(), 2)])
        ),
        HoldRefusal::DuplicateLine(vip())
    );
}

#[test]
fn refuses_an_unknown_ticket_type() {
    let stranger = crate::ids::TicketTypeId::from_uuid(uuid::Uuid::from_u128(0x799));
    assert_eq!(
        refusal(
            &Inventory::default(),
            &concert(),
            request(1, vec![line(stranger, 1)])
        ),
        HoldRefusal::UnknownTicketType(stranger)
    );
}

#[test]
fn refuses_before_the_sale_opens_and_holds_from_its_first_instant() {
    let early = sale_opens() - chrono::Duration::seconds(1);
    assert_eq!(
        outcome_of(
            &Inventory::default(),
            &concert(),
            request_at(1, vec![line(general(), 1)], early),
            early
        ),
        HoldOutcome::Refused(HoldRefusal::SaleNotOpen(general()))
    );
    assert!(outcome_of(
        &Inventory::default(),
        &concert(),
        request_at(1, vec![line(general(), 1)], sale_opens()),
        sale_opens()
    )
    .is_held());
}

#[test]
fn refuses_from_the_instant_the_sale_closes() {
    for late in [sale_closes(), sale_closes() + minutes(1)] {
        assert_eq!(
            outcome_of(
                &Inventory::default(),
                &concert(),
                request_at(1, vec![line(vip(), 1)], late),
                late
            ),
            HoldOutcome::Refused(HoldRefusal::SaleClosed(vip()))
        );
    }
}

#[test]
fn refuses_more_than_the_per_order_limit() {
    assert_eq!(
        refusal(
            &Inventory::default(),
            &concert(),
            request(1, vec![line(general(), 7)])
        ),
        HoldRefusal::TooManyPerOrder {
            ticket_type_id: general(),
            max: 6
        }
    );
    assert!(outcome_of(
        &Inventory::default(),
        &concert(),
        request(1, vec![line(general(), 6)]),
        now()
    )
    .is_held());
}

#[test]
fn all_or_nothing_across_ticket_types() {
    let inventory = inventory_after(vec![holds_placed(vec![placed_at(
        1,
        vec![line(vip(), 3)],
        now() - minutes(2),
    )])]);
    let decision = inventory.decide_holds(
        &concert(),
        &[request(2, vec![line(general(), 2), line(vip(), 2)])],
        now(),
    );
    assert_eq!(
        decision.outcomes,
        vec![HoldOutcome::Refused(HoldRefusal::SoldOut {
            ticket_type_id: vip(),
            available: 1
        })]
    );
    assert_eq!(decision.events, vec![]);
    assert_eq!(inventory.held(general(), now()), 0);
}

#[test]
fn reports_the_first_failing_line() {
    let stranger = crate::ids::TicketTypeId::from_uuid(uuid::Uuid::from_u128(0x799));
    assert_eq!(
        refusal(
            &Inventory::default(),
            &concert(),
            request(
                1,
                vec![line(general(), 1), line(vip(), 5), line(stranger, 1)]
            )
        ),
        HoldRefusal::TooManyPerOrder {
            ticket_type_id: vip(),
            max: 4
        }
    );
}

#[test]
fn an_expired_hold_does_not_count_before_any_sweep() {
    let lapsed_at = now() - minutes(5);
    let inventory = inventory_after(vec![holds_placed(vec![placed_at(
        1,
        vec![line(general(), 6)],
        lapsed_at - minutes(HOLD_LIFETIME_MINUTES),
    )])]);
    assert_eq!(inventory.held(general(), now()), 0);
    assert_eq!(inventory.available(&concert(), general(), now()), 10);
    let decision =
        inventory.decide_holds(&concert(), &[request(2, vec![line(general(), 6)])], now());
    assert_eq!(
        decision.outcomes,
        vec![HoldOutcome::Held {
            expires_at: lapse_of(now()),
            code_used_up: false,
        }]
    );
    assert_eq!(
        decision.events,
        vec![
            InventoryEvent::HoldsExpired {
                reservation_ids: vec![rid(1)],
                expired_at: now()
            },
            holds_placed(vec![placed_at(2, vec![line(general(), 6)], now())]),
        ]
    );
}

#[test]
fn a_hold_counts_until_the_instant_it_expires() {
    let placed = now() - minutes(10);
    let expires = lapse_of(placed);
    let inventory = inventory_after(vec![holds_placed(vec![placed_at(
        1,
        vec![line(general(), 6)],
        placed,
    )])]);
    let just_before = expires - chrono::Duration::seconds(1);
    assert_eq!(inventory.available(&concert(), general(), just_before), 4);
    assert_eq!(
        outcome_of(
            &inventory,
            &concert(),
            request_at(2, vec![line(general(), 5)], just_before),
            just_before
        ),
        HoldOutcome::Refused(HoldRefusal::SoldOut {
            ticket_type_id: general(),
            available: 4
        })
    );
    assert_eq!(inventory.available(&concert(), general(), expires), 10);
    assert!(outcome_of(
        &inventory,
        &concert(),
        request_at(2, vec![line(general(), 5)], expires),
        expires
    )
    .is_held());
}
