//! Adding, changing and removing the ticket types of an event.

use cqrs_es::Aggregate;

use super::fixtures::*;
use crate::event::{
    Capacity, Event, EventCatalogueEvent, EventCommand, EventError, PromisedTickets, SaleWindow,
    TicketType, TicketTypeChange, MAX_TICKET_TYPES,
};
use crate::money::{Currency, Money};
use crate::text::TicketTypeName;

fn change_price(cents: i64) -> EventCommand {
    EventCommand::ChangeTicketType {
        ticket_type_id: ticket_type_id(1),
        change: TicketTypeChange {
            price: Some(euros(cents)),
            ..TicketTypeChange::default()
        },
        promised: PromisedTickets::NONE,
    }
}

#[test]
fn adds_a_ticket_type_to_a_draft() {
    event_test()
        .given(vec![drafted()])
        .when(EventCommand::AddTicketType(ticket_type(
            1,
            "General admission",
        )))
        .then_expect_events(vec![added(ticket_type(1, "General admission"))]);
}

#[test]
fn adds_a_ticket_type_to_a_published_event() {
    event_test()
        .given(published_event())
        .when(EventCommand::AddTicketType(ticket_type(2, "VIP")))
        .then_expect_events(vec![added(ticket_type(2, "VIP"))]);
}

#[test]
fn accepts_free_tickets() {
    let free = TicketType {
        price: euros(0),
        ..ticket_type(1, "Free entry")
    };
    event_test()
        .given(vec![drafted()])
        .when(EventCommand::AddTicketType(free.clone()))
        .then_expect_events(vec![added(free)]);
}

#[test]
fn refuses_a_negative_price() {
    let refund_like = TicketType {
        price: euros(-1),
        ..ticket_type(1, "General admission")
    };
    event_test()
        .given(vec![drafted()])
        .when(EventCommand::AddTicketType(refund_like))
        .then_expect_error(EventError::NegativePrice);
    event_test()
        .given(draft_with_a_ticket_type())
        .when(change_price(-500))
        .then_expect_error(EventError::NegativePrice);
}

#[test]
fn refuses_a_price_in_another_currency_than_the_event() {
    let usd = Currency::parse("USD").unwrap();
    let in_dollars = TicketType {
        price: Money::new(2_500, usd),
        ..ticket_type(1, "General admission")
    };
    let refused = EventError::CurrencyMismatch {
        expected: eur(),
        found: usd,
    };
    event_test()
        .given(vec![drafted()])
        .when(EventCommand::AddTicketType(in_dollars))
        .then_expect_error(refused.clone());
    event_test()
        .given(draft_with_a_ticket_type())
        .when(EventCommand::ChangeTicketType {
            ticket_type_id: ticket_type_id(1),
            change: TicketTypeChange {
                price: Some(Money::new(2_500, usd)),
                ..TicketTypeChange::default()
            },
            promised: PromisedTickets::NONE,
        })
        .then_expect_error(refused);
}

#[test]
fn refuses_a_sale_window_that_closes_after_the_event_ends() {
    let late = SaleWindow::parse(at(1, 1, 0), at(6, 2, 0)).unwrap();
    event_test()
        .given(vec![drafted()])
        .when(EventCommand::AddTicketType(TicketType {
            sale_window: late,
            ..ticket_type(1, "Late")
        }))
        .then_expect_error(EventError::SaleClosesAfterEventEnds);
    event_test()
        .given(draft_with_a_ticket_type())
        .when(EventCommand::ChangeTicketType {
            ticket_type_id: ticket_type_id(1),
            change: TicketTypeChange {
                sale_window: Some(late),
                ..TicketTypeChange::default()
            },
            promised: PromisedTickets::NONE,
        })
        .then_expect_error(EventError::SaleClosesAfterEventEnds);
}

#[test]
fn accepts_a_sale_window_that_closes_when_the_event_ends() {
    let until_the_end = TicketType {
        sale_window: SaleWindow::parse(at(1, 1, 0), ends_at()).unwrap(),
        ..ticket_type(1, "At the door")
    };
    event_test()
        .given(vec![drafted()])
        .when(EventCommand::AddTicketType(until_the_end.clone()))
        .then_expect_events(vec![added(until_the_end)]);
}

#[test]
fn refuses_to_add_a_ticket_type_with_an_id_already_in_use() {
    event_test()
        .given(draft_with_a_ticket_type())
        .when(EventCommand::AddTicketType(ticket_type(1, "VIP")))
        .then_expect_error(EventError::DuplicateTicketType(ticket_type_id(1)));
}

#[test]
fn refuses_to_bring_back_a_removed_ticket_type_under_its_old_id() {
    let mut history = draft_with_a_ticket_type();
    history.push(EventCatalogueEvent::TicketTypeRemoved {
        ticket_type_id: ticket_type_id(1),
    });
    event_test()
        .given(history)
        .when(EventCommand::AddTicketType(ticket_type(1, "VIP")))
        .then_expect_error(EventError::DuplicateTicketType(ticket_type_id(1)));
}

#[test]
fn refuses_two_ticket_types_with_the_same_name_ignoring_case() {
    event_test()
        .given(draft_with_a_ticket_type())
        .when(EventCommand::AddTicketType(ticket_type(
            2,
            "GENERAL Admission",
        )))
        .then_expect_error(EventError::DuplicateTicketTypeName(
            "GENERAL Admission".to_owned(),
        ));
    event_test()
        .given(draft_with_a_ticket_type())
        .and(vec![added(ticket_type(2, "VIP"))])
        .when(EventCommand::ChangeTicketType {
            ticket_type_id: ticket_type_id(2),
            change: TicketTypeChange {
                name: Some(TicketTypeName::parse("general admission").unwrap()),
                ..TicketTypeChange::default()
            },
            promised: PromisedTickets::NONE,
        })
        .then_expect_error(EventError::DuplicateTicketTypeName(
            "general admission".to_owned(),
        ));
}

#[test]
fn refuses_more_than_fifty_ticket_types() {
    let existing: Vec<_> = (0..MAX_TICKET_TYPES as u128)
        .map(|n| added(ticket_type(n, &format!("Type {n}"))))
        .collect();
    event_test()
        .given(vec![drafted()])
        .and(existing)
        .when(EventCommand::AddTicketType(ticket_type(99, "One too many")))
        .then_expect_error(EventError::TooManyTicketTypes);
}

#[test]
fn changes_only_the_given_fields_of_a_ticket_type() {
    let capacity = Capacity::parse(40).unwrap();
    let name = TicketTypeName::parse("General admission (standing)").unwrap();
    event_test()
        .given(draft_with_a_ticket_type())
        .when(EventCommand::ChangeTicketType {
            ticket_type_id: ticket_type_id(1),
            change: TicketTypeChange {
                name: Some(name.clone()),
                capacity: Some(capacity),
                ..TicketTypeChange::default()
            },
            promised: PromisedTickets::NONE,
        })
        .then_expect_events(vec![EventCatalogueEvent::TicketTypeChanged {
            ticket_type: TicketType {
                name,
                capacity,
                ..ticket_type(1, "General admission")
            },
        }]);
}

#[test]
fn changes_a_ticket_type_of_a_published_event() {
    event_test()
        .given(published_event())
        .when(change_price(3_000))
        .then_expect_events(vec![EventCatalogueEvent::TicketTypeChanged {
            ticket_type: TicketType {
                price: euros(3_000),
                ..ticket_type(1, "General admission")
            },
        }]);
}

#[test]
fn a_ticket_type_change_that_changes_nothing_records_nothing() {
    event_test()
        .given(draft_with_a_ticket_type())
        .when(change_price(2_500))
        .then_expect_events(vec![]);
}

#[test]
fn refuses_to_change_or_remove_an_unknown_ticket_type() {
    event_test()
        .given(draft_with_a_ticket_type())
        .when(EventCommand::ChangeTicketType {
            ticket_type_id: ticket_type_id(9),
            change: TicketTypeChange::default(),
            promised: PromisedTickets::NONE,
        })
        .then_expect_error(EventError::UnknownTicketType(ticket_type_id(9)));
    event_test()
        .given(draft_with_a_ticket_type())
        .when(EventCommand::RemoveTicketType {
            ticket_type_id: ticket_type_id(9),
            promised: PromisedTickets::NONE,
        })
        .then_expect_error(EventError::UnknownTicketType(ticket_type_id(9)));
}

#[test]
fn removes_the_only_ticket_type_of_a_draft() {
    event_test()
        .given(draft_with_a_ticket_type())
        .when(EventCommand::RemoveTicketType {
            ticket_type_id: ticket_type_id(1),
            promised: PromisedTickets::NONE,
        })
        .then_expect_events(vec![EventCatalogueEvent::TicketTypeRemoved {
            ticket_type_id: ticket_type_id(1),
        }]);
}

#[test]
fn removes_one_of_several_ticket_types_of_a_published_event() {
    event_test()
        .given(published_event())
        .and(vec![added(ticket_type(2, "VIP"))])
        .when(EventCommand::RemoveTicketType {
            ticket_type_id: ticket_type_id(1),
            promised: PromisedTickets::NONE,
        })
        .then_expect_events(vec![EventCatalogueEvent::TicketTypeRemoved {
            ticket_type_id: ticket_type_id(1),
        }]);
}

#[test]
fn refuses_to_remove_the_last_ticket_type_of_a_published_event() {
    event_test()
        .given(published_event())
        .when(EventCommand::RemoveTicketType {
            ticket_type_id: ticket_type_id(1),
            promised: PromisedTickets::NONE,
        })
        .then_expect_error(EventError::LastTicketTypeOfPublishedEvent);
}

#[test]
fn ticket_types_keep_their_insertion_order_through_changes_and_removals() {
    let mut event = Event::default();
    let events = vec![
        drafted(),
        added(ticket_type(3, "C")),
        added(ticket_type(1, "A")),
        added(ticket_type(2, "B")),
        EventCatalogueEvent::TicketTypeChanged {
            ticket_type: TicketType {
                price: euros(1),
                ..ticket_type(1, "A")
            },
        },
        EventCatalogueEvent::TicketTypeRemoved {
            ticket_type_id: ticket_type_id(3),
        },
    ];
    for recorded in events {
        event.apply(recorded);
    }
    let ids: Vec<_> = event.ticket_types().iter().map(|t| t.id).collect();
    assert_eq!(ids, [ticket_type_id(1), ticket_type_id(2)]);
    assert_eq!(
        event.ticket_type(ticket_type_id(1)).unwrap().price,
        euros(1)
    );
    assert!(event.ticket_type(ticket_type_id(3)).is_none());
}

fn presale(n: u128, name: &str) -> TicketType {
    TicketType {
        hidden: true,
        ..ticket_type(n, name)
    }
}

fn hide(hidden: bool) -> EventCommand {
    EventCommand::ChangeTicketType {
        ticket_type_id: ticket_type_id(1),
        change: TicketTypeChange {
            hidden: Some(hidden),
            ..TicketTypeChange::default()
        },
        promised: PromisedTickets::NONE,
    }
}

#[test]
fn adds_a_hidden_ticket_type_for_a_presale() {
    event_test()
        .given(published_event())
        .when(EventCommand::AddTicketType(presale(2, "Presale")))
        .then_expect_events(vec![added(presale(2, "Presale"))]);
}

#[test]
fn hides_a_ticket_type_on_sale() {
    event_test()
        .given(published_event())
        .when(hide(true))
        .then_expect_events(vec![EventCatalogueEvent::TicketTypeChanged {
            ticket_type: presale(1, "General admission"),
        }]);
}

#[test]
fn shows_a_hidden_ticket_type_to_everyone_again() {
    event_test()
        .given(vec![drafted(), added(presale(1, "General admission"))])
        .when(hide(false))
        .then_expect_events(vec![EventCatalogueEvent::TicketTypeChanged {
            ticket_type: ticket_type(1, "General admission"),
        }]);
}

#[test]
fn hiding_a_hidden_ticket_type_records_nothing() {
    event_test()
        .given(vec![drafted(), added(presale(1, "General admission"))])
        .when(hide(true))
        .then_expect_events(vec![]);
}

#[test]
fn a_change_that_leaves_hidden_out_keeps_the_type_hidden() {
    event_test()
        .given(vec![drafted(), added(presale(1, "General admission"))])
        .when(change_price(3_000))
        .then_expect_events(vec![EventCatalogueEvent::TicketTypeChanged {
            ticket_type: TicketType {
                price: euros(3_000),
                ..presale(1, "General admission")
            },
        }]);
}
