//! Demo data for a fresh install (`carneau serve --seed`): demo accounts (an admin, an
//! organiser owning a few realistic published events, a buyer and a door-staff member,
//! all with the password of `CARNEAU_DEMO_PASSWORD`), so a newcomer can sign in and click
//! through at once. Seeding twice changes nothing.

use anyhow::Context;
use carneau_commands::CommandContext;
use carneau_commands::{CommandError, IdempotencyKey};
use carneau_domain::account::{AccountCommand, Password, Role};
use carneau_domain::event::{
    Capacity, EventCommand, EventDetails, EventError, MaxPerOrder, SaleWindow, TicketType,
    TimeZone, Venue,
};
use carneau_domain::ids::AccountId;
use carneau_domain::ids::EventId;
use carneau_domain::money::{Currency, Money};
use carneau_domain::text::{Description, TicketTypeName, Title, VenueAddress, VenueName};
use carneau_domain::{Cause, Process};
use chrono::{DateTime, Duration, DurationRound, Utc};

use crate::account_bootstrap::ensure_account;
use crate::state::AppState;

/// The demo accounts: email, name, roles. The door-staff account works every demo event.
pub const DEMO_ACCOUNTS: &[(&str, &str, &[Role])] = &[
    ("admin@carneau.test", "Demo Admin", &[Role::Admin]),
    (
        "organiser@carneau.test",
        "Demo Organiser",
        &[Role::Organiser],
    ),
    ("buyer@carneau.test", "Demo Buyer", &[]),
    ("door@carneau.test", "Demo Door Staff", &[]),
];
/// The demo organiser, owner of the demo events.
const DEMO_ORGANISER: &str = "organiser@carneau.test";
/// The demo door-staff member.
const DEMO_DOOR_STAFF: &str = "door@carneau.test";

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

/// Creates the demo accounts (with `password`) and publishes the demo events that do not
/// exist yet, owned by the demo organiser and worked by the demo door staff.
#[tracing::instrument(skip_all)]
pub async fn seed_demo(state: &AppState, password: &Password) -> anyhow::Result<()> {
    let context = CommandContext::process(Process::DemoSeed, Cause::Operator);
    let mut organiser = None;
    let mut door_staff = None;
    for (email, name, roles) in DEMO_ACCOUNTS {
        let account = ensure_account(state, email, name, password, roles, Process::DemoSeed)
            .await
            .with_context(|| format!("seeding the demo account {email}"))?
            .account_id();
        match *email {
            DEMO_ORGANISER => organiser = Some(account),
            DEMO_DOOR_STAFF => door_staff = Some(account),
            _ => {}
        }
    }
    let organiser = organiser.context("the demo organiser is missing")?;
    let door_staff = door_staff.context("the demo door staff is missing")?;
    // Whole hours from now, so the demo reads like a real programme.
    let now = Utc::now()
        .duration_trunc(Duration::hours(1))
        .context("rounding the time")?;
    let mut created = 0;
    for demo in DEMO_EVENTS {
        let event_id = seed_event(state, demo, organiser, now, &context).await?;
        if let Some(event_id) = event_id {
            created += 1;
            state
                .accounts
                .execute(
                    door_staff,
                    AccountCommand::GrantDoorStaff(event_id),
                    &context,
                )
                .await
                .context("granting demo door-staff access")?;
        }
    }
    tracing::info!(created, "demo catalogue seeded");
    Ok(())
}

/// Creates and publishes one demo event; `None` when it existed already.
async fn seed_event(
    state: &AppState,
    demo: &DemoEvent,
    organiser: AccountId,
    now: DateTime<Utc>,
    context: &CommandContext,
) -> anyhow::Result<Option<EventId>> {
    let key = IdempotencyKey::parse(demo.key).context("demo key")?;
    // The id `create_draft` derives from the key for this organiser.
    let event_id = EventId::from_uuid(key.derive_id(&format!("create-event:{organiser}")));
    if state
        .catalogue
        .load(event_id)
        .await
        .map_err(seed_error)?
        .is_some()
    {
        return Ok(None);
    }
    let starts_at = now + Duration::days(demo.days_ahead) + Duration::hours(1);
    let ends_at = starts_at + Duration::hours(demo.hours);
    let currency = Currency::parse(demo.currency)?;
    let details = EventDetails {
        attendee_questions: Default::default(),
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
        .create_draft(Some(&key), organiser, details, currency, context)
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
                    hidden: false,
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
        Ok(_) | Err(CommandError::Rejected(EventError::AlreadyPublished)) => Ok(Some(event_id)),
        Err(error) => Err(seed_error(error)),
    }
}

fn seed_error(error: CommandError<EventError>) -> anyhow::Error {
    anyhow::anyhow!("seeding the demo catalogue: {error}")
}
