//! Ticket types whose tickets are sold or held: they stay, and keep room for every ticket.

use super::fixtures::*;
use crate::event::{
    Capacity, EventCatalogueEvent, EventCommand, EventError, PromisedTickets, TicketType,
    TicketTypeChange,
};

fn promised(sold: u32, held: u32) -> PromisedTickets {
    PromisedTickets { sold, held }
}

fn remove(promised: PromisedTickets) -> EventCommand {
    EventCommand::RemoveTicketType {
        ticket_type_id: ticket_type_id(1),
        promised,
    }
}

fn change_capacity(tickets: u32, promised: PromisedTickets) -> EventCommand {
    EventCommand::ChangeTicketType {
        ticket_type_id: ticket_type_id(1),
        change: TicketTypeChange {
            capacity: Some(Capacity::parse(tickets).unwrap()),
            ..TicketTypeChange::default()
        },
        promised,
    }
}

fn with_capacity(tickets: u32) -> EventCatalogueEvent {
    EventCatalogueEvent::TicketTypeChanged {
        ticket_type: TicketType {
            capacity: Capacity::parse(tickets).unwrap(),
            ..ticket_type(1, "General admission")
        },
    }
}

/// Two ticket types, so removing one is not refused for being the last.
fn published_with_two_types() -> Vec<EventCatalogueEvent> {
    let mut history = published_event();
    history.push(added(ticket_type(2, "VIP")));
    history
}

#[test]
fn refuses_to_remove_a_ticket_type_with_sold_tickets() {
    event_test()
        .given(published_with_two_types())
        .when(remove(promised(3, 0)))
        .then_expect_error(EventError::TicketTypeHasBuyers { sold: 3, held: 0 });
}

#[test]
fn refuses_to_remove_a_ticket_type_with_held_tickets() {
    event_test()
        .given(published_with_two_types())
        .when(remove(promised(0, 2)))
        .then_expect_error(EventError::TicketTypeHasBuyers { sold: 0, held: 2 });
}

#[test]
fn removes_a_ticket_type_nobody_bought_or_holds() {
    event_test()
        .given(published_with_two_types())
        .when(remove(PromisedTickets::NONE))
        .then_expect_events(vec![EventCatalogueEvent::TicketTypeRemoved {
            ticket_type_id: ticket_type_id(1),
        }]);
}

#[test]
fn refuses_a_capacity_below_the_tickets_sold_and_held() {
    event_test()
        .given(published_event())
        .when(change_capacity(10, promised(8, 5)))
        .then_expect_error(EventError::CapacityBelowPromised {
            capacity: 10,
            sold: 8,
            held: 5,
        });
}

#[test]
fn lowers_a_capacity_to_exactly_the_tickets_sold_and_held() {
    event_test()
        .given(published_event())
        .when(change_capacity(13, promised(8, 5)))
        .then_expect_events(vec![with_capacity(13)]);
}

#[test]
fn raises_a_capacity_still_below_the_tickets_sold_and_held() {
    // A capacity lowered before this rule existed may be raised step by step.
    let mut history = published_event();
    history.push(with_capacity(5));
    event_test()
        .given(history)
        .when(change_capacity(8, promised(10, 0)))
        .then_expect_events(vec![with_capacity(8)]);
}

#[test]
fn other_changes_keep_a_capacity_already_below_the_tickets_sold() {
    let mut history = published_event();
    history.push(with_capacity(5));
    event_test()
        .given(history)
        .when(EventCommand::ChangeTicketType {
            ticket_type_id: ticket_type_id(1),
            change: TicketTypeChange {
                price: Some(euros(3_000)),
                ..TicketTypeChange::default()
            },
            promised: promised(10, 0),
        })
        .then_expect_events(vec![EventCatalogueEvent::TicketTypeChanged {
            ticket_type: TicketType {
                capacity: Capacity::parse(5).unwrap(),
                price: euros(3_000),
                ..ticket_type(1, "General admission")
            },
        }]);
}
