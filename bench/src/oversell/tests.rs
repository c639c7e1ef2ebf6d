use chrono::{Duration, TimeZone};

use super::*;

fn at(minute: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 1, 1, 12, 0, 0).unwrap() + Duration::minutes(minute)
}

fn hold(reservation: &str, ticket_type: Uuid, quantity: u32, minute: i64) -> PlacedHold {
    PlacedHold {
        reservation_id: reservation.to_owned(),
        lines: vec![HoldLine {
            ticket_type_id: ticket_type,
            quantity,
        }],
        expires_at: at(minute + 15),
        placed_at: at(minute),
    }
}

fn placed(holds: Vec<PlacedHold>) -> InventoryChange {
    InventoryChange::HoldsPlaced { holds }
}

#[test]
fn holds_within_capacity_are_not_oversold() {
    let standing = Uuid::new_v4();
    let finding = audit(
        HashMap::from([(standing, 10)]),
        [
            placed(vec![hold("a", standing, 4, 0), hold("b", standing, 4, 0)]),
            placed(vec![hold("c", standing, 2, 1)]),
        ],
    );
    assert_eq!(finding.max_oversell_tickets, 0);
    assert_eq!(finding.final_held_tickets, 10);
    assert_eq!(finding.holds_placed, 3);
    assert_eq!(finding.final_held_by_ticket_type[&standing], 10);
}

#[test]
fn reports_the_worst_moment_even_if_it_was_repaired_later() {
    let standing = Uuid::new_v4();
    let finding = audit(
        HashMap::from([(standing, 5)]),
        [
            placed(vec![hold("a", standing, 4, 0)]),
            placed(vec![hold("b", standing, 3, 1)]),
            InventoryChange::HoldReleased {
                reservation_id: "a".to_owned(),
                released_at: at(2),
            },
        ],
    );
    assert_eq!(finding.max_oversell_tickets, 2);
    assert_eq!(finding.final_held_tickets, 3);
    assert_eq!(finding.holds_released, 1);
}

#[test]
fn released_and_expired_tickets_can_be_held_again() {
    let standing = Uuid::new_v4();
    let finding = audit(
        HashMap::from([(standing, 4)]),
        [
            placed(vec![hold("a", standing, 2, 0), hold("b", standing, 2, 0)]),
            InventoryChange::HoldReleased {
                reservation_id: "a".to_owned(),
                released_at: at(1),
            },
            InventoryChange::HoldsExpired {
                reservation_ids: vec!["b".to_owned(), "never-held".to_owned()],
                expired_at: at(15),
            },
            placed(vec![hold("c", standing, 4, 16)]),
        ],
    );
    assert_eq!(finding.max_oversell_tickets, 0);
    assert_eq!(finding.final_held_tickets, 4);
    assert_eq!(finding.holds_expired, 1);
    assert_eq!(finding.ended_holds_not_found, 1);
    assert_eq!(finding.peak_held_tickets, 4);
}

#[test]
fn a_hold_on_an_unknown_ticket_type_is_oversold() {
    let finding = audit(
        HashMap::new(),
        [placed(vec![hold("a", Uuid::new_v4(), 1, 0)])],
    );
    assert_eq!(finding.max_oversell_tickets, 1);
}

#[test]
fn a_second_hold_for_one_reservation_replaces_the_first() {
    let standing = Uuid::new_v4();
    let finding = audit(
        HashMap::from([(standing, 3)]),
        [
            placed(vec![hold("a", standing, 3, 0)]),
            placed(vec![hold("a", standing, 3, 1)]),
        ],
    );
    assert_eq!(finding.duplicate_holds, 1);
    assert_eq!(finding.final_held_tickets, 3);
    assert_eq!(finding.max_oversell_tickets, 0);
}

#[test]
fn lapsed_tickets_can_be_held_again_before_their_expiry_is_recorded() {
    let standing = Uuid::new_v4();
    let finding = audit(
        HashMap::from([(standing, 3)]),
        [
            placed(vec![hold("a", standing, 2, 0)]),
            // "a" expires at minute 15: at 14 its tickets are still taken...
            placed(vec![hold("b", standing, 1, 14)]),
            // ...at 16 they are free again, though no entry says so yet.
            placed(vec![hold("c", standing, 2, 16)]),
            InventoryChange::HoldsExpired {
                reservation_ids: vec!["a".to_owned()],
                expired_at: at(17),
            },
        ],
    );
    assert_eq!(finding.max_oversell_tickets, 0);
    assert_eq!(finding.peak_held_tickets, 3);
    assert_eq!(finding.holds_lapsed, 1);
    assert_eq!(finding.ended_holds_not_found, 0);
    assert_eq!(finding.final_held_tickets, 3);
}

#[test]
fn a_hold_that_has_not_lapsed_still_counts() {
    let standing = Uuid::new_v4();
    let finding = audit(
        HashMap::from([(standing, 3)]),
        [
            placed(vec![hold("a", standing, 2, 0)]),
            placed(vec![hold("b", standing, 2, 14)]),
        ],
    );
    assert_eq!(finding.max_oversell_tickets, 1);
    assert_eq!(finding.holds_lapsed, 0);
}

#[test]
fn a_lapsed_hold_stays_lapsed_when_its_reservation_was_replaced() {
    let standing = Uuid::new_v4();
    let finding = audit(
        HashMap::from([(standing, 2)]),
        [
            placed(vec![hold("a", standing, 2, 0)]),
            placed(vec![hold("a", standing, 2, 10)]),
            // The first hold's expiry (15) passes, the replacement's (25) has not.
            placed(vec![hold("b", standing, 1, 20)]),
        ],
    );
    assert_eq!(finding.holds_lapsed, 0);
    assert_eq!(finding.max_oversell_tickets, 1);
}

#[test]
fn reads_the_payload_shape_of_the_log() {
    let payload = serde_json::json!({"HoldsPlaced": {"holds": [{
        "reservation_id": "0190a1b2-0000-7000-8000-000000000001",
        "lines": [{"ticket_type_id": "0190a1b2-0000-7000-8000-000000000002", "quantity": 2}],
        "expires_at": "2030-01-01T12:15:00Z",
        "placed_at": "2030-01-01T12:00:00Z"
    }]}});
    let change: InventoryChange = serde_json::from_value(payload).unwrap();
    let InventoryChange::HoldsPlaced { holds } = change else {
        panic!("not a placement");
    };
    assert_eq!(holds[0].lines[0].quantity, 2);
    let released: InventoryChange = serde_json::from_value(serde_json::json!(
        {"HoldReleased": {"reservation_id": "r", "released_at": "2030-01-01T12:01:00Z"}}
    ))
    .unwrap();
    assert!(matches!(released, InventoryChange::HoldReleased { .. }));
    let expired: InventoryChange = serde_json::from_value(serde_json::json!(
        {"HoldsExpired": {"reservation_ids": ["r"], "expired_at": "2030-01-01T12:16:00Z"}}
    ))
    .unwrap();
    assert!(matches!(expired, InventoryChange::HoldsExpired { .. }));
}

fn sold(reservation: &str, ticket_type: Uuid, quantity: u32, late: bool) -> InventoryChange {
    InventoryChange::HoldSold {
        reservation_id: reservation.to_owned(),
        lines: vec![HoldLine {
            ticket_type_id: ticket_type,
            quantity,
        }],
        late,
    }
}

#[test]
fn a_sale_moves_tickets_from_held_to_sold_and_they_stay_taken() {
    let standing = Uuid::new_v4();
    let finding = audit(
        HashMap::from([(standing, 5)]),
        [
            placed(vec![hold("a", standing, 4, 0)]),
            sold("a", standing, 4, false),
            // Long after a's hold would have lapsed: sold tickets never lapse.
            placed(vec![hold("b", standing, 1, 60)]),
            placed(vec![hold("c", standing, 1, 61)]),
        ],
    );
    assert_eq!(finding.max_oversell_tickets, 1, "4 sold + 1 + 1 held of 5");
    assert_eq!(finding.holds_sold, 1);
    assert_eq!(finding.tickets_sold, 4);
    assert_eq!(finding.final_sold_tickets, 4);
    assert_eq!(finding.final_held_tickets, 2);
    assert_eq!(finding.sales_without_live_hold, 0);
}

#[test]
fn an_extended_hold_does_not_lapse_at_its_first_expiry() {
    let standing = Uuid::new_v4();
    let finding = audit(
        HashMap::from([(standing, 4)]),
        [
            placed(vec![hold("a", standing, 4, 0)]),
            InventoryChange::HoldExtended {
                reservation_id: "a".to_owned(),
                expires_at: at(45),
            },
            // Past a's first expiry (minute 15), before its extended one.
            placed(vec![hold("b", standing, 1, 20)]),
            sold("a", standing, 4, false),
        ],
    );
    assert_eq!(finding.holds_extended, 1);
    assert_eq!(finding.holds_lapsed, 0);
    assert_eq!(finding.max_oversell_tickets, 1);
    assert_eq!(finding.sales_without_live_hold, 0);
}

#[test]
fn a_late_sale_takes_the_tickets_anew_and_returns_free_them() {
    let standing = Uuid::new_v4();
    let finding = audit(
        HashMap::from([(standing, 4)]),
        [
            placed(vec![hold("a", standing, 3, 0)]),
            placed(vec![hold("b", standing, 1, 20)]),
            sold("a", standing, 3, true),
            InventoryChange::TicketsReturned {
                lines: vec![HoldLine {
                    ticket_type_id: standing,
                    quantity: 2,
                }],
            },
            placed(vec![hold("c", standing, 2, 21)]),
        ],
    );
    assert_eq!(finding.holds_lapsed, 1);
    assert_eq!(finding.holds_sold_late, 1);
    assert_eq!(finding.max_oversell_tickets, 0);
    assert_eq!(finding.tickets_returned, 2);
    assert_eq!(finding.final_sold_tickets, 1);
    assert_eq!(finding.final_held_tickets, 3);
}

#[test]
fn reads_the_payload_shape_of_sales() {
    let sale: InventoryChange = serde_json::from_value(serde_json::json!({"HoldSold": {
        "reservation_id": "r", "order_id": "o", "late": false, "sold_at": "2030-01-01T12:05:00Z",
        "lines": [{"ticket_type_id": "0190a1b2-0000-7000-8000-000000000002", "quantity": 2}]
    }}))
    .unwrap();
    assert!(matches!(
        sale,
        InventoryChange::HoldSold { late: false, .. }
    ));
    let returned: InventoryChange = serde_json::from_value(serde_json::json!({"TicketsReturned": {
        "order_id": "o", "refund_number": 1, "returned_at": "2030-01-01T12:06:00Z",
        "lines": [{"ticket_type_id": "0190a1b2-0000-7000-8000-000000000002", "quantity": 1}]
    }}))
    .unwrap();
    assert!(matches!(returned, InventoryChange::TicketsReturned { .. }));
}

#[test]
fn two_types_within_their_own_capacities_can_still_overfill_their_shared_one() {
    let standard = Uuid::new_v4();
    let vip = Uuid::new_v4();
    let venue = SharedCapacity {
        ticket_types: vec![standard, vip],
        capacity: 8,
    };
    let changes = [
        placed(vec![hold("a", standard, 6, 0)]),
        placed(vec![hold("b", vip, 3, 1)]),
        InventoryChange::HoldReleased {
            reservation_id: "b".to_owned(),
            released_at: at(2),
        },
    ];
    let finding = audit_shared(
        HashMap::from([(standard, 10), (vip, 4)]),
        vec![venue.clone()],
        changes.clone(),
    );
    assert_eq!(finding.max_oversell_tickets, 0);
    assert_eq!(finding.max_pool_oversell_tickets, 1);

    let within = audit_shared(
        HashMap::from([(standard, 10), (vip, 4)]),
        vec![venue],
        changes.into_iter().take(1),
    );
    assert_eq!(within.max_pool_oversell_tickets, 0);
}
