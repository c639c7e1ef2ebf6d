//! A concert on 1 June 2030 whose tickets are on sale from 1 February until the doors open:
//! "General admission" (10 tickets, 6 per order) and "VIP" (4 tickets, 4 per order).
//! Requests are decided at [`now`], 1 March 2030 at noon, and held for 15 minutes.

use chrono::{DateTime, Duration, TimeZone as _, Utc};
use cqrs_es::test::TestFramework;
use cqrs_es::Aggregate;
use uuid::Uuid;

use crate::event::{
    Capacity, CapacityPool, Event, EventCatalogueEvent, EventDetails, MaxPerOrder, SaleWindow,
    TicketType, TimeZone, Venue,
};
use crate::ids::{CapacityPoolId, EventId, ReservationId, TicketTypeId};
use crate::inventory::{HoldLine, HoldRequest, Inventory, InventoryEvent, PlacedHold, Quantity};
use crate::money::{Currency, Money};
use crate::text::{CapacityPoolName, Description, TicketTypeName, Title, VenueAddress, VenueName};

pub type InventoryTest = TestFramework<Inventory>;

pub const HOLD_LIFETIME_MINUTES: i64 = 15;

pub fn inventory_test() -> InventoryTest {
    TestFramework::<Inventory>::with(())
}

pub fn at(month: u32, day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, month, day, hour, minute, 0)
        .unwrap()
}

pub fn now() -> DateTime<Utc> {
    at(3, 1, 12, 0)
}

pub fn minutes(n: i64) -> Duration {
    Duration::minutes(n)
}

/// When a hold placed at `placed_at` lapses.
pub fn lapse_of(placed_at: DateTime<Utc>) -> DateTime<Utc> {
    placed_at + minutes(HOLD_LIFETIME_MINUTES)
}

pub fn sale_opens() -> DateTime<Utc> {
    at(2, 1, 0, 0)
}

pub fn sale_closes() -> DateTime<Utc> {
    at(6, 1, 19, 0)
}

pub fn general() -> TicketTypeId {
    TicketTypeId::from_uuid(Uuid::from_u128(0x701))
}

pub fn vip() -> TicketTypeId {
    TicketTypeId::from_uuid(Uuid::from_u128(0x702))
}

pub fn rid(n: u128) -> ReservationId {
    ReservationId::from_uuid(Uuid::from_u128(0x9000 + n))
}

pub fn ticket_type(id: TicketTypeId, name: &str, capacity: u32, max: u16) -> TicketType {
    TicketType {
        id,
        name: TicketTypeName::parse(name).unwrap(),
        price: Money::new(2_500, Currency::parse("EUR").unwrap()),
        capacity: Capacity::parse(capacity).unwrap(),
        sale_window: SaleWindow::parse(sale_opens(), sale_closes()).unwrap(),
        max_per_order: MaxPerOrder::parse(max).unwrap(),
        hidden: false,
    }
}

fn drafted() -> EventCatalogueEvent {
    EventCatalogueEvent::EventDrafted {
        event_id: EventId::from_uuid(Uuid::from_u128(0xE1)),
        details: EventDetails {
            attendee_questions: Default::default(),
            title: Title::parse("Jazz at dusk").unwrap(),
            description: Description::parse("An evening of standards.").unwrap(),
            venue: Venue {
                name: VenueName::parse("Olympia").unwrap(),
                address: VenueAddress::parse("28 Boulevard des Capucines, Paris").unwrap(),
            },
            starts_at: sale_closes(),
            ends_at: at(6, 1, 23, 0),
            time_zone: TimeZone::parse("Europe/Paris").unwrap(),
        },
        currency: Currency::parse("EUR").unwrap(),
        organiser: None,
    }
}

fn event_from(history: Vec<EventCatalogueEvent>) -> Event {
    let mut event = Event::default();
    for fact in history {
        event.apply(fact);
    }
    event
}

/// An event with these ticket types, still a draft.
pub fn draft_event_with(ticket_types: Vec<TicketType>) -> Event {
    let mut history = vec![drafted()];
    history.extend(
        ticket_types
            .into_iter()
            .map(|ticket_type| EventCatalogueEvent::TicketTypeAdded { ticket_type }),
    );
    event_from(history)
}

/// A published event with these ticket types.
pub fn event_with(ticket_types: Vec<TicketType>) -> Event {
    let mut event = draft_event_with(ticket_types);
    event.apply(EventCatalogueEvent::EventPublished {
        published_at: at(1, 15, 12, 0),
    });
    event
}

/// The published concert with "General admission" (10, 6 per order) and "VIP" (4, 4 per order).
pub fn concert() -> Event {
    event_with(vec![
        ticket_type(general(), "General admission", 10, 6),
        ticket_type(vip(), "VIP", 4, 4),
    ])
}

/// The venue's pool: both ticket types of the [`concert`] draw from 8 places together.
pub fn venue() -> CapacityPool {
    CapacityPool {
        id: CapacityPoolId::from_uuid(Uuid::from_u128(0x801)),
        name: CapacityPoolName::parse("Venue").unwrap(),
        capacity: Capacity::parse(8).unwrap(),
        ticket_types: vec![general(), vip()],
    }
}

/// The [`concert`], its two ticket types (10 and 4) sharing the [`venue`]'s 8 places.
pub fn shared_concert() -> Event {
    let mut event = concert();
    event.apply(EventCatalogueEvent::CapacityPoolAdded {
        pool_id: venue().id,
        pools: vec![venue()],
    });
    event
}

pub fn draft_concert() -> Event {
    draft_event_with(vec![ticket_type(general(), "General admission", 10, 6)])
}

pub fn cancelled_concert() -> Event {
    let mut event = concert();
    event.apply(EventCatalogueEvent::EventCancelled {
        cancelled_at: at(2, 20, 12, 0),
        reason: None,
    });
    event
}

pub fn line(ticket_type_id: TicketTypeId, quantity: u32) -> HoldLine {
    HoldLine {
        ticket_type_id,
        quantity: Quantity::parse(quantity).unwrap(),
    }
}

/// Reservation `n` for these lines, held for the usual lifetime from [`now`].
pub fn request(n: u128, lines: Vec<HoldLine>) -> HoldRequest {
    request_at(n, lines, now())
}

/// Reservation `n` for these lines, held for the usual lifetime from `placed_at`.
pub fn request_at(n: u128, lines: Vec<HoldLine>, placed_at: DateTime<Utc>) -> HoldRequest {
    HoldRequest {
        reservation_id: rid(n),
        lines,
        expires_at: lapse_of(placed_at),
        code: None,
        if_code_used_up: Default::default(),
    }
}

/// The hold recorded for [`request_at`] with the same arguments.
pub fn placed_at(n: u128, lines: Vec<HoldLine>, placed_at: DateTime<Utc>) -> PlacedHold {
    PlacedHold {
        reservation_id: rid(n),
        lines,
        expires_at: lapse_of(placed_at),
        placed_at,
        code_use: None,
    }
}

/// The event recording these holds.
pub fn holds_placed(holds: Vec<PlacedHold>) -> InventoryEvent {
    InventoryEvent::HoldsPlaced { holds }
}

/// The inventory rebuilt from `history`.
pub fn inventory_after(history: Vec<InventoryEvent>) -> Inventory {
    let mut inventory = Inventory::default();
    for fact in history {
        inventory.apply(fact);
    }
    inventory
}
