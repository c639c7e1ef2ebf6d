//! The stored and displayed forms: event names and versions, JSON round trips of events
//! and state, error slugs and the messages buyers read.

use cqrs_es::DomainEvent;

use super::fixtures::*;
use crate::inventory::{HoldRefusal, InventoryError, InventoryEvent};

fn every_event() -> Vec<InventoryEvent> {
    vec![
        holds_placed(vec![
            placed_at(1, vec![line(general(), 2), line(vip(), 1)], now()),
            placed_at(2, vec![line(vip(), 1)], now()),
        ]),
        InventoryEvent::HoldReleased {
            reservation_id: rid(1),
            released_at: now() + minutes(1),
        },
        InventoryEvent::HoldsExpired {
            reservation_ids: vec![rid(2)],
            expired_at: now() + minutes(20),
        },
    ]
}

#[test]
fn event_types_are_the_variant_names_at_version_1() {
    let types: Vec<String> = every_event().iter().map(DomainEvent::event_type).collect();
    assert_eq!(types, ["HoldsPlaced", "HoldReleased", "HoldsExpired"]);
    assert!(every_event()
        .iter()
        .all(|event| event.event_version() == "1"));
}

#[test]
fn events_round_trip_through_json() {
    for event in every_event() {
        let json = serde_json::to_string(&event).unwrap();
        assert_eq!(
            serde_json::from_str::<InventoryEvent>(&json).unwrap(),
            event
        );
    }
    let json = serde_json::to_value(&every_event()[0]).unwrap();
    assert_eq!(
        json["HoldsPlaced"]["holds"][0]["lines"][0]["quantity"],
        serde_json::json!(2)
    );
}

#[test]
fn state_round_trips_through_json() {
    let inventory = inventory_after(every_event()[..1].to_vec());
    let json = serde_json::to_string(&inventory).unwrap();
    assert_eq!(
        serde_json::from_str::<crate::inventory::Inventory>(&json).unwrap(),
        inventory
    );
    let inventory = inventory_after(every_event());
    let json = serde_json::to_string(&inventory).unwrap();
    assert_eq!(
        serde_json::from_str::<crate::inventory::Inventory>(&json).unwrap(),
        inventory
    );
}

#[test]
fn errors_have_stable_slugs() {
    let kinds: Vec<&str> = [
        InventoryError::UnknownReservation,
        InventoryError::AlreadyReleased,
        InventoryError::HoldExpired,
    ]
    .iter()
    .map(InventoryError::kind)
    .collect();
    assert_eq!(
        kinds,
        [
            "unknown-reservation",
            "reservation-already-released",
            "reservation-expired"
        ]
    );
}

#[test]
fn refusals_have_stable_slugs_and_messages_a_buyer_can_read() {
    let cases = [
        (
            HoldRefusal::SoldOut {
                ticket_type_id: vip(),
                available: 3,
            },
            "sold-out",
            "Only 3 tickets of this type are left.",
        ),
        (
            HoldRefusal::SoldOut {
                ticket_type_id: vip(),
                available: 1,
            },
            "sold-out",
            "Only 1 ticket of this type is left.",
        ),
        (
            HoldRefusal::SoldOut {
                ticket_type_id: vip(),
                available: 0,
            },
            "sold-out",
            "This ticket type is sold out.",
        ),
        (
            HoldRefusal::EventNotOnSale,
            "event-not-on-sale",
            "Tickets for this event are not on sale.",
        ),
        (
            HoldRefusal::EventCancelled,
            "event-cancelled",
            "This event has been cancelled.",
        ),
        (
            HoldRefusal::SaleNotOpen(vip()),
            "sale-not-open",
            "Sales for this ticket type have not opened yet.",
        ),
        (
            HoldRefusal::SaleClosed(vip()),
            "sale-closed",
            "Sales for this ticket type have closed.",
        ),
        (
            HoldRefusal::TooManyPerOrder {
                ticket_type_id: vip(),
                max: 4,
            },
            "too-many-per-order",
            "At most 4 tickets of this type can be bought in one order.",
        ),
        (
            HoldRefusal::UnknownTicketType(vip()),
            "unknown-ticket-type",
            "This event has no such ticket type.",
        ),
        (
            HoldRefusal::EmptyRequest,
            "empty-reservation",
            "Choose at least one ticket.",
        ),
        (
            HoldRefusal::DuplicateLine(vip()),
            "duplicate-line",
            "Each ticket type may appear only once in a reservation.",
        ),
        (
            HoldRefusal::ReservationIdReused,
            "reservation-id-reused",
            "This reservation id has already been used; start a new reservation.",
        ),
    ];
    for (refusal, kind, message) in cases {
        assert_eq!(refusal.kind(), kind);
        assert_eq!(refusal.to_string(), message);
        let about_a_ticket_type = !matches!(
            refusal,
            HoldRefusal::EventNotOnSale
                | HoldRefusal::EventCancelled
                | HoldRefusal::EmptyRequest
                | HoldRefusal::ReservationIdReused
        );
        assert_eq!(refusal.ticket_type_id(), about_a_ticket_type.then(vip));
    }
}
