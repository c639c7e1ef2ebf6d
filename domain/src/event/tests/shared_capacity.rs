//! Capacity pools: set up, changed and removed by the organiser, never below what buyers
//! already have, a ticket type in one pool at most.

use uuid::Uuid;

use super::fixtures::*;
use crate::event::{
    Capacity, CapacityPool, CapacityPoolChange, EventCatalogueEvent, EventCommand, EventError,
    PromisedPerType, PromisedTickets,
};
use crate::ids::{CapacityPoolId, TicketTypeId};
use crate::text::CapacityPoolName;

fn pool_id(n: u128) -> CapacityPoolId {
    CapacityPoolId::from_uuid(Uuid::from_u128(0x800 + n))
}

fn pool(n: u128, name: &str, capacity: u32, ticket_types: Vec<TicketTypeId>) -> CapacityPool {
    CapacityPool {
        id: pool_id(n),
        name: CapacityPoolName::parse(name).unwrap(),
        capacity: Capacity::parse(capacity).unwrap(),
        ticket_types,
    }
}

/// The venue: 150 places for General admission (100) and VIP (100).
fn venue() -> CapacityPool {
    pool(1, "Venue", 150, vec![ticket_type_id(1), ticket_type_id(2)])
}

fn nothing_promised() -> PromisedPerType {
    PromisedPerType::new()
}

fn promised(per_type: &[(u128, u32, u32)]) -> PromisedPerType {
    per_type
        .iter()
        .map(|&(n, sold, held)| (ticket_type_id(n), PromisedTickets { sold, held }))
        .collect()
}

/// A published event with General admission, VIP and Student.
fn three_types() -> Vec<EventCatalogueEvent> {
    let mut history = published_event();
    history.push(added(ticket_type(2, "VIP")));
    history.push(added(ticket_type(3, "Student")));
    history
}

fn with_venue() -> Vec<EventCatalogueEvent> {
    let mut history = three_types();
    history.push(EventCatalogueEvent::CapacityPoolAdded {
        pool_id: venue().id,
        pools: vec![venue()],
    });
    history
}

fn add(pool: CapacityPool, promised: PromisedPerType) -> EventCommand {
    EventCommand::AddCapacityPool { pool, promised }
}

fn change(change: CapacityPoolChange, promised: PromisedPerType) -> EventCommand {
    EventCommand::ChangeCapacityPool {
        pool_id: venue().id,
        change,
        promised,
    }
}

fn capacity(tickets: u32) -> CapacityPoolChange {
    CapacityPoolChange {
        capacity: Some(Capacity::parse(tickets).unwrap()),
        ..CapacityPoolChange::default()
    }
}

#[test]
fn shares_a_capacity_between_ticket_types() {
    event_test()
        .given(three_types())
        .when(add(venue(), nothing_promised()))
        .then_expect_events(vec![EventCatalogueEvent::CapacityPoolAdded {
            pool_id: venue().id,
            pools: vec![venue()],
        }]);
}

#[test]
fn lists_each_ticket_type_of_a_pool_once() {
    let twice = pool(
        1,
        "Venue",
        150,
        vec![ticket_type_id(1), ticket_type_id(2), ticket_type_id(1)],
    );
    event_test()
        .given(three_types())
        .when(add(twice, nothing_promised()))
        .then_expect_events(vec![EventCatalogueEvent::CapacityPoolAdded {
            pool_id: venue().id,
            pools: vec![venue()],
        }]);
}

#[test]
fn refuses_a_pool_covering_no_ticket_type() {
    event_test()
        .given(three_types())
        .when(add(pool(1, "Venue", 150, vec![]), nothing_promised()))
        .then_expect_error(EventError::CapacityPoolWithoutTicketTypes);
}

#[test]
fn refuses_a_pool_naming_a_ticket_type_the_event_lacks() {
    event_test()
        .given(three_types())
        .when(add(
            pool(1, "Venue", 150, vec![ticket_type_id(9)]),
            nothing_promised(),
        ))
        .then_expect_error(EventError::UnknownTicketType(ticket_type_id(9)));
}

#[test]
fn refuses_a_ticket_type_in_two_pools() {
    event_test()
        .given(with_venue())
        .when(add(
            pool(2, "Balcony", 40, vec![ticket_type_id(3), ticket_type_id(2)]),
            nothing_promised(),
        ))
        .then_expect_error(EventError::TicketTypeInAnotherPool {
            ticket_type_id: ticket_type_id(2),
            pool: "Venue".to_owned(),
        });
}

#[test]
fn refuses_a_second_pool_with_the_same_name_ignoring_case() {
    event_test()
        .given(with_venue())
        .when(add(
            pool(2, "VENUE", 40, vec![ticket_type_id(3)]),
            nothing_promised(),
        ))
        .then_expect_error(EventError::DuplicateCapacityPoolName("VENUE".to_owned()));
}

#[test]
fn refuses_a_new_pool_below_what_its_types_already_promised() {
    event_test()
        .given(three_types())
        .when(add(
            venue(),
            promised(&[(1, 100, 20), (2, 30, 10), (3, 50, 0)]),
        ))
        .then_expect_error(EventError::CapacityPoolBelowPromised {
            capacity: 150,
            sold: 130,
            held: 30,
        });
}

#[test]
fn refuses_to_lower_a_pool_below_what_its_types_promised() {
    event_test()
        .given(with_venue())
        .when(change(capacity(100), promised(&[(1, 80, 5), (2, 20, 0)])))
        .then_expect_error(EventError::CapacityPoolBelowPromised {
            capacity: 100,
            sold: 100,
            held: 5,
        });
}

#[test]
fn lowers_a_pool_to_exactly_what_its_types_promised() {
    let lowered = pool(1, "Venue", 105, vec![ticket_type_id(1), ticket_type_id(2)]);
    event_test()
        .given(with_venue())
        .when(change(capacity(105), promised(&[(1, 80, 5), (2, 20, 0)])))
        .then_expect_events(vec![EventCatalogueEvent::CapacityPoolChanged {
            pool_id: venue().id,
            pools: vec![lowered],
        }]);
}

#[test]
fn refuses_to_bring_into_a_full_pool_a_type_with_tickets() {
    let all_three = CapacityPoolChange {
        ticket_types: Some(vec![
            ticket_type_id(1),
            ticket_type_id(2),
            ticket_type_id(3),
        ]),
        ..CapacityPoolChange::default()
    };
    event_test()
        .given(with_venue())
        .when(change(all_three, promised(&[(1, 100, 0), (3, 60, 0)])))
        .then_expect_error(EventError::CapacityPoolBelowPromised {
            capacity: 150,
            sold: 160,
            held: 0,
        });
}

#[test]
fn an_unchanged_pool_records_nothing() {
    event_test()
        .given(with_venue())
        .when(change(capacity(150), nothing_promised()))
        .then_expect_events(vec![]);
}

#[test]
fn removes_a_pool_and_never_reuses_its_id() {
    let removed = EventCatalogueEvent::CapacityPoolRemoved {
        pool_id: venue().id,
        pools: vec![],
    };
    event_test()
        .given(with_venue())
        .when(EventCommand::RemoveCapacityPool {
            pool_id: venue().id,
        })
        .then_expect_events(vec![removed.clone()]);
    let mut history = with_venue();
    history.push(removed);
    event_test()
        .given(history)
        .when(add(venue(), nothing_promised()))
        .then_expect_error(EventError::DuplicateCapacityPool(venue().id));
}

#[test]
fn refuses_to_change_a_pool_the_event_lacks() {
    event_test()
        .given(three_types())
        .when(change(capacity(10), nothing_promised()))
        .then_expect_error(EventError::UnknownCapacityPool(venue().id));
}

#[test]
fn a_removed_ticket_type_leaves_its_pool() {
    event_test()
        .given(with_venue())
        .when(EventCommand::RemoveTicketType {
            ticket_type_id: ticket_type_id(2),
            promised: PromisedTickets::NONE,
        })
        .then_expect_events(vec![
            EventCatalogueEvent::TicketTypeRemoved {
                ticket_type_id: ticket_type_id(2),
            },
            EventCatalogueEvent::CapacityPoolChanged {
                pool_id: venue().id,
                pools: vec![pool(1, "Venue", 150, vec![ticket_type_id(1)])],
            },
        ]);
}

#[test]
fn a_pools_last_ticket_type_removed_takes_the_pool_with_it() {
    let mut history = three_types();
    let student_only = pool(1, "Venue", 150, vec![ticket_type_id(3)]);
    history.push(EventCatalogueEvent::CapacityPoolAdded {
        pool_id: student_only.id,
        pools: vec![student_only],
    });
    event_test()
        .given(history)
        .when(EventCommand::RemoveTicketType {
            ticket_type_id: ticket_type_id(3),
            promised: PromisedTickets::NONE,
        })
        .then_expect_events(vec![
            EventCatalogueEvent::TicketTypeRemoved {
                ticket_type_id: ticket_type_id(3),
            },
            EventCatalogueEvent::CapacityPoolRemoved {
                pool_id: venue().id,
                pools: vec![],
            },
        ]);
}
