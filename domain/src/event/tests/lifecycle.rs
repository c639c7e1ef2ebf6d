//! Creating, editing, publishing and cancelling an event.

use cqrs_es::Aggregate;

use super::fixtures::*;
use crate::event::{
    Event, EventCatalogueEvent, EventCommand, EventDetailsChange, EventError, EventStatus,
    PromisedTickets, TicketTypeChange, MAX_CANCEL_REASON_CHARS,
};
use crate::text::{Title, VenueName};

/// One command of every kind but `CreateDraft`, valid against [`draft_with_a_ticket_type`].
fn every_command_but_create() -> Vec<EventCommand> {
    vec![
        EventCommand::EditDetails(EventDetailsChange {
            title: Some(Title::parse("Renamed").unwrap()),
            ..EventDetailsChange::default()
        }),
        EventCommand::AddTicketType(ticket_type(2, "VIP")),
        EventCommand::ChangeTicketType {
            ticket_type_id: ticket_type_id(1),
            change: TicketTypeChange {
                price: Some(euros(3_000)),
                ..TicketTypeChange::default()
            },
            promised: PromisedTickets::NONE,
        },
        EventCommand::RemoveTicketType {
            ticket_type_id: ticket_type_id(1),
            promised: PromisedTickets::NONE,
        },
        EventCommand::Publish {
            published_at: at(2, 1, 12),
        },
        EventCommand::Cancel {
            cancelled_at: at(3, 1, 12),
            reason: None,
        },
    ]
}

#[test]
fn creates_a_draft() {
    event_test()
        .given_no_previous_events()
        .when(EventCommand::CreateDraft {
            event_id: event_id(),
            details: details(),
            currency: eur(),
            organiser: organiser(),
        })
        .then_expect_events(vec![drafted()]);
}

#[test]
fn refuses_to_create_an_event_twice() {
    event_test()
        .given(vec![drafted()])
        .when(EventCommand::CreateDraft {
            event_id: event_id(),
            details: details(),
            currency: eur(),
            organiser: organiser(),
        })
        .then_expect_error(EventError::AlreadyExists);
}

#[test]
fn refuses_a_draft_that_does_not_end_after_it_starts() {
    for ends_at in [starts_at(), at(6, 1, 18)] {
        event_test()
            .given_no_previous_events()
            .when(EventCommand::CreateDraft {
                event_id: event_id(),
                details: crate::event::EventDetails {
                    ends_at,
                    ..details()
                },
                currency: eur(),
                organiser: organiser(),
            })
            .then_expect_error(EventError::EndsBeforeStart);
    }
}

#[test]
fn refuses_every_command_on_an_event_that_does_not_exist() {
    for command in every_command_but_create() {
        event_test()
            .given_no_previous_events()
            .when(command)
            .then_expect_error(EventError::NotFound);
    }
}

#[test]
fn refuses_edits_after_cancellation() {
    for command in every_command_but_create() {
        let expected = match command {
            EventCommand::Cancel { .. } => EventError::AlreadyCancelled,
            _ => EventError::Cancelled,
        };
        event_test()
            .given(draft_with_a_ticket_type())
            .and(vec![cancelled()])
            .when(command)
            .then_expect_error(expected);
    }
}

#[test]
fn merges_an_edit_into_the_current_details() {
    let change = EventDetailsChange {
        venue: Some(crate::event::Venue {
            name: VenueName::parse("Zénith").unwrap(),
            ..details().venue
        }),
        ends_at: Some(at(6, 2, 1)),
        ..EventDetailsChange::default()
    };
    let mut expected = details();
    expected.venue.name = VenueName::parse("Zénith").unwrap();
    expected.ends_at = at(6, 2, 1);
    event_test()
        .given(vec![drafted()])
        .when(EventCommand::EditDetails(change))
        .then_expect_events(vec![EventCatalogueEvent::EventDetailsEdited {
            details: expected,
        }]);
}

#[test]
fn an_edit_that_changes_nothing_records_nothing() {
    event_test()
        .given(vec![drafted()])
        .when(EventCommand::EditDetails(EventDetailsChange {
            title: Some(details().title),
            ..EventDetailsChange::default()
        }))
        .then_expect_events(vec![]);
}

#[test]
fn refuses_an_edit_that_ends_the_event_before_it_starts() {
    event_test()
        .given(vec![drafted()])
        .when(EventCommand::EditDetails(EventDetailsChange {
            starts_at: Some(ends_at()),
            ..EventDetailsChange::default()
        }))
        .then_expect_error(EventError::EndsBeforeStart);
}

#[test]
fn refuses_an_edit_that_ends_the_event_before_ticket_sales_close() {
    // Sales of "General admission" close at 19:00, when the doors open.
    event_test()
        .given(draft_with_a_ticket_type())
        .when(EventCommand::EditDetails(EventDetailsChange {
            starts_at: Some(at(6, 1, 16)),
            ends_at: Some(at(6, 1, 18)),
            ..EventDetailsChange::default()
        }))
        .then_expect_error(EventError::SaleClosesAfterEventEnds);
}

#[test]
fn edits_the_details_of_a_published_event() {
    let title = Title::parse("Jazz at dusk (second night)").unwrap();
    event_test()
        .given(published_event())
        .when(EventCommand::EditDetails(EventDetailsChange {
            title: Some(title.clone()),
            ..EventDetailsChange::default()
        }))
        .then_expect_events(vec![EventCatalogueEvent::EventDetailsEdited {
            details: crate::event::EventDetails { title, ..details() },
        }]);
}

#[test]
fn publishes_a_draft_with_a_ticket_type() {
    event_test()
        .given(draft_with_a_ticket_type())
        .when(EventCommand::Publish {
            published_at: at(2, 1, 12),
        })
        .then_expect_events(vec![published()]);
}

#[test]
fn refuses_to_publish_without_a_ticket_type() {
    event_test()
        .given(vec![drafted()])
        .when(EventCommand::Publish {
            published_at: at(2, 1, 12),
        })
        .then_expect_error(EventError::NoTicketTypes);
}

#[test]
fn refuses_to_publish_twice() {
    event_test()
        .given(published_event())
        .when(EventCommand::Publish {
            published_at: at(2, 2, 12),
        })
        .then_expect_error(EventError::AlreadyPublished);
}

#[test]
fn refuses_to_publish_an_event_that_has_ended() {
    for published_at in [ends_at(), at(7, 1, 0)] {
        event_test()
            .given(draft_with_a_ticket_type())
            .when(EventCommand::Publish { published_at })
            .then_expect_error(EventError::AlreadyEnded);
    }
}

#[test]
fn publishes_an_event_that_has_started_but_not_ended() {
    event_test()
        .given(draft_with_a_ticket_type())
        .when(EventCommand::Publish {
            published_at: at(6, 1, 20),
        })
        .then_expect_events(vec![EventCatalogueEvent::EventPublished {
            published_at: at(6, 1, 20),
        }]);
}

#[test]
fn cancels_a_draft_without_a_reason() {
    event_test()
        .given(vec![drafted()])
        .when(EventCommand::Cancel {
            cancelled_at: at(3, 1, 12),
            reason: None,
        })
        .then_expect_events(vec![cancelled()]);
}

#[test]
fn cancels_a_published_event_with_a_trimmed_reason() {
    event_test()
        .given(published_event())
        .when(EventCommand::Cancel {
            cancelled_at: at(3, 1, 12),
            reason: Some("  The band is ill. ".to_owned()),
        })
        .then_expect_events(vec![EventCatalogueEvent::EventCancelled {
            cancelled_at: at(3, 1, 12),
            reason: Some("The band is ill.".to_owned()),
        }]);
}

#[test]
fn records_a_blank_cancellation_reason_as_none() {
    event_test()
        .given(vec![drafted()])
        .when(EventCommand::Cancel {
            cancelled_at: at(3, 1, 12),
            reason: Some(" \n ".to_owned()),
        })
        .then_expect_events(vec![cancelled()]);
}

#[test]
fn refuses_a_cancellation_reason_over_five_hundred_characters() {
    let longest = "é".repeat(MAX_CANCEL_REASON_CHARS);
    event_test()
        .given(vec![drafted()])
        .when(EventCommand::Cancel {
            cancelled_at: at(3, 1, 12),
            reason: Some(longest.clone()),
        })
        .then_expect_events(vec![EventCatalogueEvent::EventCancelled {
            cancelled_at: at(3, 1, 12),
            reason: Some(longest),
        }]);
    event_test()
        .given(vec![drafted()])
        .when(EventCommand::Cancel {
            cancelled_at: at(3, 1, 12),
            reason: Some("é".repeat(MAX_CANCEL_REASON_CHARS + 1)),
        })
        .then_expect_error(EventError::ReasonTooLong);
}

#[test]
fn refuses_to_cancel_twice() {
    event_test()
        .given(vec![drafted(), cancelled()])
        .when(EventCommand::Cancel {
            cancelled_at: at(3, 2, 12),
            reason: None,
        })
        .then_expect_error(EventError::AlreadyCancelled);
}

#[test]
fn state_follows_the_recorded_events() {
    let mut event = Event::default();
    assert_eq!(event.id(), None);
    assert_eq!(event.details(), None);
    for recorded in published_event() {
        event.apply(recorded);
    }
    assert_eq!(event.id(), Some(event_id()));
    assert_eq!(event.status(), EventStatus::Published);
    assert_eq!(event.details(), Some(&details()));
    assert_eq!(event.currency(), Some(eur()));
    assert_eq!(event.ticket_types(), [ticket_type(1, "General admission")]);
    assert_eq!(event.published_at(), Some(at(2, 1, 12)));
    assert_eq!(event.cancelled_at(), None);

    event.apply(EventCatalogueEvent::EventCancelled {
        cancelled_at: at(3, 1, 12),
        reason: Some("The band is ill.".to_owned()),
    });
    assert_eq!(event.status(), EventStatus::Cancelled);
    assert_eq!(event.cancelled_at(), Some(at(3, 1, 12)));
    assert_eq!(event.cancellation_reason(), Some("The band is ill."));
    assert_eq!(event.published_at(), Some(at(2, 1, 12)));
}
