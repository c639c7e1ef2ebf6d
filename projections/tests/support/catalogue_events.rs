//! Builds `Event` aggregate events and appends them to the log as postgres-es stores
//! them (the projections crate must not depend on the command layer, even in tests).

use carneau_domain::event::{
    Capacity, EventCatalogueEvent, EventDetails, MaxPerOrder, SaleWindow, TicketType, TimeZone,
    Venue,
};
use carneau_domain::ids::{EventId, TicketTypeId};
use carneau_domain::money::{Currency, Money};
use carneau_domain::text::{Description, TicketTypeName, Title, VenueAddress, VenueName};
use carneau_testkit::TestDatabase;
use chrono::{DateTime, Duration, TimeZone as _, Utc};
use cqrs_es::DomainEvent;
use sqlx::PgPool;
use uuid::Uuid;

pub async fn database() -> TestDatabase {
    // The projector's and the cache's decisions show up in a failing test's output.
    let _ = tracing_subscriber::fmt()
        .with_env_filter("carneau_projections=debug")
        .with_test_writer()
        .try_init();
    TestDatabase::create().await.unwrap()
}

/// An instant in 2030, comfortably upcoming.
pub fn at(month: u32, day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, month, day, hour, 0, 0).unwrap()
}

pub fn eur() -> Currency {
    Currency::parse("EUR").unwrap()
}

/// Details of a four-hour event.
pub fn details(title: &str, venue: &str, starts_at: DateTime<Utc>) -> EventDetails {
    EventDetails {
        attendee_questions: Default::default(),
        title: Title::parse(title).unwrap(),
        description: Description::parse("An evening of standards.").unwrap(),
        venue: Venue {
            name: VenueName::parse(venue).unwrap(),
            address: VenueAddress::parse("28 Boulevard des Capucines, 75009 Paris").unwrap(),
        },
        starts_at,
        ends_at: starts_at + Duration::hours(4),
        time_zone: TimeZone::parse("Europe/Paris").unwrap(),
    }
}

/// A ticket type on sale for the month before `starts_at`.
pub fn ticket_type(name: &str, price_minor: i64, starts_at: DateTime<Utc>) -> TicketType {
    TicketType {
        id: TicketTypeId::from_uuid(Uuid::new_v4()),
        name: TicketTypeName::parse(name).unwrap(),
        price: Money::new(price_minor, eur()),
        capacity: Capacity::parse(100).unwrap(),
        sale_window: SaleWindow::parse(starts_at - Duration::days(30), starts_at).unwrap(),
        max_per_order: MaxPerOrder::parse(10).unwrap(),
        hidden: false,
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

/// One `Event` aggregate's stream in table `events`.
pub struct EventStream {
    pub id: Uuid,
    next_sequence: i64,
}

impl EventStream {
    /// Appends `EventDrafted` for a new event.
    pub async fn draft(pool: &PgPool, details: EventDetails) -> Self {
        let id = Uuid::new_v4();
        let mut stream = Self {
            id,
            next_sequence: 1,
        };
        let drafted = EventCatalogueEvent::EventDrafted {
            event_id: EventId::from_uuid(id),
            details,
            currency: eur(),
            organiser: None,
        };
        stream.append(pool, [drafted]).await;
        stream
    }

    /// A published event selling one ticket type per price, in that order.
    pub async fn published(pool: &PgPool, details: EventDetails, prices: &[i64]) -> Self {
        let starts_at = details.starts_at;
        let mut stream = Self::draft(pool, details).await;
        let ticket_types = prices
            .iter()
            .enumerate()
            .map(|(n, price)| added(ticket_type(&format!("Tier {n}"), *price, starts_at)));
        stream.append(pool, ticket_types).await;
        stream.append(pool, [published()]).await;
        stream
    }

    /// Appends `events` in one transaction, as one command would.
    pub async fn append(
        &mut self,
        pool: &PgPool,
        events: impl IntoIterator<Item = EventCatalogueEvent>,
    ) {
        let mut tx = pool.begin().await.unwrap();
        for event in events {
            sqlx::query(
                "INSERT INTO events
                     (aggregate_type, aggregate_id, sequence, event_type, event_version,
                      payload, metadata)
                 VALUES ('Event', $1, $2, $3, $4, $5, '{}')",
            )
            .bind(self.id.to_string())
            .bind(self.next_sequence)
            .bind(event.event_type())
            .bind(event.event_version())
            .bind(serde_json::to_value(&event).unwrap())
            .execute(&mut *tx)
            .await
            .unwrap();
            self.next_sequence += 1;
        }
        tx.commit().await.unwrap();
    }
}
