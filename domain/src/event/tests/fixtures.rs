//! A concert in Paris on 1 June 2030, 19:00 to 23:00 UTC, priced in EUR, and its ticket types.

use chrono::{DateTime, TimeZone as _, Utc};
use cqrs_es::test::TestFramework;
use uuid::Uuid;

use crate::event::{
    Capacity, Event, EventCatalogueEvent, EventDetails, MaxPerOrder, SaleWindow, TicketType,
    TimeZone, Venue,
};
use crate::ids::{AccountId, EventId, TicketTypeId};
use crate::money::{Currency, Money};
use crate::text::{Description, TicketTypeName, Title, VenueAddress, VenueName};

pub type EventTest = TestFramework<Event>;

pub fn event_test() -> EventTest {
    TestFramework::<Event>::with(())
}

pub fn at(month: u32, day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, month, day, hour, 0, 0).unwrap()
}

pub fn starts_at() -> DateTime<Utc> {
    at(6, 1, 19)
}

pub fn ends_at() -> DateTime<Utc> {
    at(6, 1, 23)
}

pub fn event_id() -> EventId {
    EventId::from_uuid(Uuid::from_u128(0xE1))
}

pub fn organiser() -> AccountId {
    AccountId::from_uuid(Uuid::from_u128(0xA1))
}

pub fn ticket_type_id(n: u128) -> TicketTypeId {
    TicketTypeId::from_uuid(Uuid::from_u128(0x700 + n))
}

pub fn eur() -> Currency {
    Currency::parse("EUR").unwrap()
}

pub fn euros(cents: i64) -> Money {
    Money::new(cents, eur())
}

pub fn details() -> EventDetails {
    EventDetails {
        attendee_questions: Default::default(),
        title: Title::parse("Jazz at dusk").unwrap(),
        description: Description::parse("An evening of standards.").unwrap(),
        venue: Venue {
            name: VenueName::parse("Olympia").unwrap(),
            address: VenueAddress::parse("28 Boulevard des Capucines, 75009 Paris").unwrap(),
        },
        starts_at: starts_at(),
        ends_at: ends_at(),
        time_zone: TimeZone::parse("Europe/Paris").unwrap(),
    }
}

/// A ticket type on sale from 1 January until the doors open.
pub fn ticket_type(n: u128, name: &str) -> TicketType {
    TicketType {
        id: ticket_type_id(n),
        name: TicketTypeName::parse(name).unwrap(),
        price: euros(2_500),
        capacity: Capacity::parse(100).unwrap(),
        sale_window: SaleWindow::parse(at(1, 1, 0), starts_at()).unwrap(),
        max_per_order: MaxPerOrder::parse(10).unwrap(),
        hidden: false,
    }
}

pub fn drafted() -> EventCatalogueEvent {
    EventCatalogueEvent::EventDrafted {
        event_id: event_id(),
        details: details(),
        currency: eur(),
        organiser: Some(organiser()),
    }
}

pub fn added(ticket_type: TicketType) -> EventCatalogueEvent {
    EventCatalogueEvent::TicketTypeAdded { ticket_type }
}

pub fn published() -> EventCatalogueEvent {
    EventCatalogueEvent::EventPublished {
        published_at: at(2, 1, 12),
    }
}

pub fn cancelled() -> EventCatalogueEvent {
    EventCatalogueEvent::EventCancelled {
        cancelled_at: at(3, 1, 12),
        reason: None,
    }
}

/// A draft with one ticket type, "General admission".
pub fn draft_with_a_ticket_type() -> Vec<EventCatalogueEvent> {
    vec![drafted(), added(ticket_type(1, "General admission"))]
}

/// A published event with one ticket type, "General admission".
pub fn published_event() -> Vec<EventCatalogueEvent> {
    vec![
        drafted(),
        added(ticket_type(1, "General admission")),
        published(),
    ]
}
