//! Demo data for a fresh install (`carneau serve --seed`): a few realistic published
//! events, so a newcomer sees a catalogue at once. Seeding twice changes nothing.

use anyhow::Context;
use carneau_commands::catalogue::CommandContext;
use carneau_commands::{CommandError, IdempotencyKey};
use carneau_domain::event::{
    Capacity, EventCommand, EventDetails, EventError, MaxPerOrder, SaleWindow, TicketType,
    TimeZone, Venue,
};
use carneau_domain::ids::EventId;
use carneau_domain::money::{Currency, Money};
use carneau_domain::text::{Description, TicketTypeName, Title, VenueAddress, VenueName};
use chrono::{DateTime, Duration, DurationRound, Utc};

use crate::state::AppState;

struct DemoTicketType {
    name: &'static str,
    price_minor: i64,
    capacity: u32,
    max_per_order: u16,
}

struct DemoEvent {
    key: &'static str,
    title: &'static str,
    description: &'static str,
    venue: &'static str,
    address: &'static str,
    time_zone: &'static str,
    currency: &'static str,
    days_ahead: i64,
    hours: i64,
    ticket_types: &'static [DemoTicketType],
}

const DEMO_EVENTS: &[DemoEvent] = &[
    DemoEvent {
        key: "demo:jazz-at-dusk",
        title: "Jazz at Dusk: the Lina Moreau Quartet",
        description: "Standards and originals from the quartet's new album, in the intimate \
                      room of a legendary Paris jazz club. Doors open 30 minutes before.",
        venue: "Le Sunset-Sunside",
        address: "60 rue des Lombards, 75001 Paris, France",
        time_zone: "Europe/Paris",
        currency: "EUR",
        days_ahead: 12,
        hours: 3,
        ticket_types: &[
            DemoTicketType {
                name: "Standing",
                price_minor: 2_500,
                capacity: 120,
                max_per_order: 6,
            },
            DemoTicketType {
                name: "Seated",
                price_minor: 3_800,
                capacity: 60,
                max_per_order: 4,
            },
        ],
    },
    DemoEvent {
        key: "demo:rustconf-eu",
        title: "RustFest Europe 2027",
        description: "Two days of talks and workshops on systems programming in Rust: async, \
                      embedded, WebAssembly and the compiler. Lunch and coffee included.",
        venue: "Beurs van Berlage",
        address: "Damrak 243, 1012 ZJ Amsterdam, Netherlands",
        time_zone: "Europe/Amsterdam",
        currency: "EUR",
        days_ahead: 45,
        hours: 33,
        ticket_types: &[
            DemoTicketType {
                name: "Early bird",
                price_minor: 19_900,
                capacity: 200,
                max_per_order: 5,
            },
            DemoTicketType {
                name: "Regular",
                price_minor: 29_900,
                capacity: 600,
                max_per_order: 5,
            },
            DemoTicketType {
                name: "Student",
                price_minor: 4_900,
                capacity: 100,
                max_per_order: 1,
            },
        ],
    },
    DemoEvent {
        key: "demo:northern-lights",
        title: "Northern Lights Open Air",
        description: "An all-day festival of indie and electronic acts on three stages by the \
                      harbour. Food trucks, free water refills, step-free access.",
        venue: "Refshaleøen",
        address: "Refshalevej 163, 1432 Copenhagen, Denmark",
        time_zone: "Europe/Copenhagen",
        currency: "DKK",
        days_ahead: 90,
        hours: 12,
        ticket_types: &[
            DemoTicketType {
                name: "Day pass",
                price_minor: 89_500,
                capacity: 5_000,
                max_per_order: 8,
            },
            DemoTicketType {
                name: "VIP",
                price_minor: 199_500,
                capacity: 300,
                max_per_order: 4,
            },
        ],
    },
    DemoEvent {
        key: "demo:hamlet",
        title: "Hamlet, by the Riverside Players",
        description: "Shakespeare's tragedy in a new staging, performed in the round. Running \
                      time about three hours with one interval.",
        venue: "The Old Vic",
        address: "The Cut, London SE1 8NB, United Kingdom",
        time_zone: "Europe/London",
        currency: "GBP",
        days_ahead: 20,
        hours: 3,
        ticket_types: &[
            DemoTicketType {
                name: "Stalls",
                price_minor: 4_500,
                capacity: 400,
                max_per_order: 8,
            },
            DemoTicketType {
                name: "Circle",
                price_minor: 3_000,
                capacity: 250,
                max_per_order: 8,
            },
        ],
    },
];

/// Creates and publishes the demo events that do not exist yet.
#[tracing::instrument(skip_all)]
pub async fn seed_demo(state: &AppState) -> anyhow::Result<()> {
    let context = CommandContext {
        actor: "demo-seed".to_owned(),
        request_id: None,
    };
    // Whole hours from now, so the demo reads like a real programme.
    let now = Utc::now()
        .duration_trunc(Duration::hours(1))
        .context("rounding the time")?;
    let mut created = 0;
    for demo in DEMO_EVENTS {
        if seed_event(state, demo, now, &context).await? {
            created += 1;
        }
    }
    tracing::info!(created, "demo catalogue seeded");
    Ok(())
}

async fn seed_event(
    state: &AppState,
    demo: &DemoEvent,
    now: DateTime<Utc>,
    context: &CommandContext,
) -> anyhow::Result<bool> {
    let key = IdempotencyKey::parse(demo.key).context("demo key")?;
    let event_id = EventId::from_uuid(key.derive_id("create-event"));
    if state
        .catalogue
        .load(event_id)
        .await
        .map_err(seed_error)?
        .is_some()
    {
        return Ok(false);
    }
    let starts_at = now + Duration::days(demo.days_ahead) + Duration::hours(1);
    let ends_at = starts_at + Duration::hours(demo.hours);
    let currency = Currency::parse(demo.currency)?;
    let details = EventDetails {
        title: Title::parse(demo.title)?,
        description: Description::parse(demo.description)?,
        venue: Venue {
            name: VenueName::parse(demo.venue)?,
            address: VenueAddress::parse(demo.address)?,
        },
        starts_at,
        ends_at,
        time_zone: TimeZone::parse(demo.time_zone)?,
    };
    state
        .catalogue
        .create_draft(Some(&key), details, currency, context)
        .await
        .map_err(seed_error)?;
    for (position, ticket_type) in demo.ticket_types.iter().enumerate() {
        let ticket_key = IdempotencyKey::parse(&format!("{}:ticket-type-{position}", demo.key))
            .context("demo ticket type key")?;
        let name = TicketTypeName::parse(ticket_type.name)?;
        let price = Money::new(ticket_type.price_minor, currency);
        let capacity = Capacity::parse(ticket_type.capacity)?;
        let sale_window = SaleWindow::parse(now, starts_at)?;
        let max_per_order = MaxPerOrder::parse(ticket_type.max_per_order)?;
        state
            .catalogue
            .add_ticket_type(
                event_id,
                Some(&ticket_key),
                |id| TicketType {
                    id,
                    name,
                    price,
                    capacity,
                    sale_window,
                    max_per_order,
                },
                context,
            )
            .await
            .map_err(seed_error)?;
    }
    let published = state
        .catalogue
        .execute(
            event_id,
            EventCommand::Publish { published_at: now },
            None,
            context,
        )
        .await;
    match published {
        Ok(_) | Err(CommandError::Rejected(EventError::AlreadyPublished)) => Ok(true),
        Err(error) => Err(seed_error(error)),
    }
}

fn seed_error(error: CommandError<EventError>) -> anyhow::Error {
    anyhow::anyhow!("seeding the demo catalogue: {error}")
}
