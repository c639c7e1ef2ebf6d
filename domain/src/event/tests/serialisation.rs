//! The stored form of the events and the stable reasons of the errors.

use std::collections::HashSet;

use cqrs_es::{Aggregate, DomainEvent};
use serde_json::json;

use super::fixtures::*;
use crate::event::{Event, EventCatalogueEvent, EventError, TicketType};

fn one_of_each_event() -> Vec<EventCatalogueEvent> {
    vec![
        drafted(),
        EventCatalogueEvent::EventDetailsEdited { details: details() },
        added(ticket_type(1, "General admission")),
        EventCatalogueEvent::TicketTypeChanged {
            ticket_type: TicketType {
                price: euros(0),
                ..ticket_type(1, "General admission")
            },
        },
        EventCatalogueEvent::TicketTypeRemoved {
            ticket_type_id: ticket_type_id(1),
        },
        published(),
        EventCatalogueEvent::EventCancelled {
            cancelled_at: at(3, 1, 12),
            reason: Some("The band is ill.".to_owned()),
        },
        cancelled(),
    ]
}

#[test]
fn every_event_survives_a_serde_round_trip() {
    for event in one_of_each_event() {
        let json = serde_json::to_value(&event).unwrap();
        let back: EventCatalogueEvent = serde_json::from_value(json).unwrap();
        assert_eq!(back, event);
    }
}

#[test]
fn events_are_stored_externally_tagged_by_their_type_at_version_1() {
    for event in one_of_each_event() {
        let json = serde_json::to_value(&event).unwrap();
        let tags: Vec<_> = json.as_object().unwrap().keys().cloned().collect();
        assert_eq!(tags, [event.event_type()]);
        assert_eq!(event.event_version(), "1");
    }
}

#[test]
fn drafted_event_has_a_stable_stored_form() {
    let json = serde_json::to_value(drafted()).unwrap();
    assert_eq!(
        json,
        json!({"EventDrafted": {
            "event_id": "00000000-0000-0000-0000-0000000000e1",
            "details": {
                "title": "Jazz at dusk",
                "description": "An evening of standards.",
                "venue": {"name": "Olympia", "address": "28 Boulevard des Capucines, 75009 Paris"},
                "starts_at": "2030-06-01T19:00:00Z",
                "ends_at": "2030-06-01T23:00:00Z",
                "time_zone": "Europe/Paris"
            },
            "currency": "EUR",
            "organiser": "00000000-0000-0000-0000-0000000000a1"
        }})
    );
}

#[test]
fn a_drafted_event_from_before_accounts_has_no_organiser() {
    let mut json = serde_json::to_value(drafted()).unwrap();
    json["EventDrafted"]
        .as_object_mut()
        .unwrap()
        .remove("organiser");
    let old: EventCatalogueEvent = serde_json::from_value(json).unwrap();
    let mut event = Event::default();
    event.apply(old);
    assert_eq!(event.organiser(), None);
    assert!(!event.is_organised_by(organiser()));
}

#[test]
fn ticket_type_added_has_a_stable_stored_form() {
    let json = serde_json::to_value(added(ticket_type(1, "General admission"))).unwrap();
    assert_eq!(
        json,
        json!({"TicketTypeAdded": {"ticket_type": {
            "id": "00000000-0000-0000-0000-000000000701",
            "name": "General admission",
            "price": {"amount_minor": 2500, "currency": "EUR"},
            "capacity": 100,
            "sale_window": {"opens_at": "2030-01-01T00:00:00Z", "closes_at": "2030-06-01T19:00:00Z"},
            "max_per_order": 10
        }}})
    );
}

#[test]
fn a_hidden_ticket_type_is_stored_as_hidden_and_older_facts_read_as_shown() {
    let presale = TicketType {
        hidden: true,
        ..ticket_type(1, "Presale")
    };
    let json = serde_json::to_value(added(presale.clone())).unwrap();
    assert_eq!(
        json["TicketTypeAdded"]["ticket_type"]["hidden"],
        json!(true)
    );
    let back: EventCatalogueEvent = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(back, added(presale));

    let mut older = json;
    let fields = older["TicketTypeAdded"]["ticket_type"]
        .as_object_mut()
        .unwrap();
    fields.remove("hidden");
    let back: EventCatalogueEvent = serde_json::from_value(older).unwrap();
    assert_eq!(back, added(ticket_type(1, "Presale")));
}

#[test]
fn refuses_to_load_a_stored_event_holding_an_invalid_value() {
    let mut json = serde_json::to_value(drafted()).unwrap();
    json["EventDrafted"]["details"]["title"] = json!("   ");
    let error = serde_json::from_value::<EventCatalogueEvent>(json).unwrap_err();
    assert!(
        error.to_string().contains("must be 1 to 200 characters"),
        "{error}"
    );
}

#[test]
fn every_error_has_a_distinct_kebab_case_kind_and_a_sentence() {
    let errors = [
        EventError::NotFound,
        EventError::AlreadyExists,
        EventError::Cancelled,
        EventError::EndsBeforeStart,
        EventError::NegativePrice,
        EventError::CurrencyMismatch {
            expected: eur(),
            found: "USD".parse().unwrap(),
        },
        EventError::NoTicketTypes,
        EventError::AlreadyPublished,
        EventError::AlreadyCancelled,
        EventError::UnknownTicketType(ticket_type_id(1)),
        EventError::DuplicateTicketType(ticket_type_id(1)),
        EventError::DuplicateTicketTypeName("VIP".to_owned()),
        EventError::SaleClosesAfterEventEnds,
        EventError::AlreadyEnded,
        EventError::TooManyTicketTypes,
        EventError::LastTicketTypeOfPublishedEvent,
        EventError::ReasonTooLong,
        EventError::NotOrganiser,
    ];
    let kinds: HashSet<_> = errors.iter().map(EventError::kind).collect();
    assert_eq!(kinds.len(), errors.len());
    for error in &errors {
        let kind = error.kind();
        assert!(
            kind.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
            "{kind}"
        );
        let message = error.to_string();
        assert!(
            message.ends_with('.') && message.starts_with(char::is_uppercase),
            "{message}"
        );
    }
    assert_eq!(EventError::NotFound.kind(), "event-not-found");
    assert_eq!(EventError::NoTicketTypes.kind(), "no-ticket-types");
    assert_eq!(
        EventError::CurrencyMismatch {
            expected: eur(),
            found: "USD".parse().unwrap()
        }
        .to_string(),
        "Prices of this event must be in EUR, not USD."
    );
    assert_eq!(
        EventError::TooManyTicketTypes.to_string(),
        "An event can have at most 50 ticket types."
    );
}

#[test]
fn details_that_ask_nothing_of_attendees_keep_their_stored_form() {
    use crate::event::{Ask, AttendeeQuestions, EventDetails};
    let stored = serde_json::to_value(details()).unwrap();
    assert!(stored.get("attendee_questions").is_none());
    let asking = EventDetails {
        attendee_questions: AttendeeQuestions {
            name: Ask::Required,
            email: Ask::Optional,
        },
        ..details()
    };
    let stored = serde_json::to_value(&asking).unwrap();
    assert_eq!(
        stored["attendee_questions"],
        serde_json::json!({ "name": "required", "email": "optional" })
    );
    let back: EventDetails = serde_json::from_value(stored).unwrap();
    assert_eq!(back, asking);
}
