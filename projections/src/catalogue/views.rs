//! The shapes the catalogue's queries answer with (and the API serves as JSON).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

// An enum rather than text so the OpenAPI document lists the values and clients can
// check their comparisons; read from the `catalogue_events.status` column, whose text
// matches the wire names.
/// Where an event stands: `draft` (seen only by its organiser), `published` (on sale
/// within each ticket type's sale window) or `cancelled`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum EventStatus {
    /// Being prepared; not on sale, seen only by its organiser.
    Draft,
    /// On sale (within each ticket type's sale window).
    Published,
    /// Called off.
    Cancelled,
}

impl EventStatus {
    /// The status's name on the wire and in the read model.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Published => "published",
            Self::Cancelled => "cancelled",
        }
    }
}

impl From<carneau_domain::event::EventStatus> for EventStatus {
    fn from(status: carneau_domain::event::EventStatus) -> Self {
        use carneau_domain::event::EventStatus as Domain;
        match status {
            Domain::Draft => Self::Draft,
            Domain::Published => Self::Published,
            Domain::Cancelled => Self::Cancelled,
        }
    }
}

/// Compares with the wire name, so callers holding JSON text (tests, mostly) can compare.
impl PartialEq<str> for EventStatus {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

/// Compares with the wire name, like `PartialEq<str>`.
impl PartialEq<&str> for EventStatus {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// An amount of money in the currency's minor unit (cents for EUR), never a float.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MoneyView {
    /// Amount in minor units, e.g. 2500 for EUR 25.00.
    #[schema(example = 2500)]
    pub amount_minor: i64,
    /// ISO 4217 currency code.
    #[schema(example = "EUR")]
    pub currency: String,
}

impl From<carneau_domain::money::Money> for MoneyView {
    fn from(money: carneau_domain::money::Money) -> Self {
        Self {
            amount_minor: money.amount_minor,
            currency: money.currency.as_str().to_owned(),
        }
    }
}

/// Where an event takes place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct VenueView {
    /// Name of the venue.
    pub name: String,
    /// Postal address, possibly empty.
    pub address: String,
}

/// One event in the public listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EventSummary {
    /// The event's id.
    pub id: Uuid,
    /// Title shown to buyers.
    pub title: String,
    /// Where it takes place.
    pub venue: VenueView,
    /// When it starts (UTC).
    pub starts_at: DateTime<Utc>,
    /// When it ends (UTC).
    pub ends_at: DateTime<Utc>,
    /// IANA time zone in which to show its times, e.g. `Europe/Paris`.
    pub time_zone: String,
    /// The cheapest ticket type's price, if it has any.
    pub price_from: Option<MoneyView>,
    /// The event's poster (its first image), if it has one.
    pub poster: Option<EventImageView>,
}

/// One stored width of an image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ImageSourceView {
    /// Its width in pixels.
    #[schema(example = 960)]
    pub width: u32,
    /// Where to fetch it: a path on this API, served as `image/jpeg` and cacheable for a
    /// year (a new upload gets a new id).
    #[schema(
        example = "/events/0190e0a4-0000-7000-8000-000000000001/images/0190e0a4-0000-7000-8000-000000000002/960"
    )]
    pub url: String,
}

/// An image of an event, for `<img srcset sizes alt>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EventImageView {
    /// The image's id.
    pub id: Uuid,
    /// What it shows, for people who cannot see it.
    pub alt: String,
    /// Width of the original, in pixels (with `height`, the aspect ratio).
    pub width: u32,
    /// Height of the original, in pixels.
    pub height: u32,
    /// Its stored widths, narrowest first.
    pub sources: Vec<ImageSourceView>,
}

impl EventImageView {
    /// The view of `image`, with URLs under `base` (`/events/{id}/images` publicly,
    /// `/organiser/events/{id}/images` for the organiser, whose drafts are not public).
    pub fn of(image: &carneau_domain::event::EventImage, base: &str) -> Self {
        Self {
            id: image.id.as_uuid(),
            alt: image.alt.as_str().to_owned(),
            width: image.width,
            height: image.height,
            sources: image
                .widths
                .iter()
                .map(|width| ImageSourceView {
                    width: *width,
                    url: format!("{base}/{}/{width}", image.id),
                })
                .collect(),
        }
    }

    /// The public base path of `event_id`'s images.
    pub fn public_base(event_id: Uuid) -> String {
        format!("/events/{event_id}/images")
    }

    /// The organiser's base path of `event_id`'s images.
    pub fn organiser_base(event_id: Uuid) -> String {
        format!("/organiser/events/{event_id}/images")
    }
}

/// A page of the public listing, upcoming events first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EventListingPage {
    /// The events of this page.
    pub items: Vec<EventSummary>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// A kind of ticket for an event, with its price and sale rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TicketTypeView {
    /// The ticket type's id.
    pub id: Uuid,
    /// Name shown to buyers, e.g. "Standing".
    pub name: String,
    /// Price of one ticket.
    pub price: MoneyView,
    /// How many tickets of this type exist.
    pub capacity: i32,
    /// When its sale opens (UTC).
    pub sale_opens_at: DateTime<Utc>,
    /// When its sale closes (UTC).
    pub sale_closes_at: DateTime<Utc>,
    /// Most tickets of this type in one order.
    pub max_per_order: i32,
    /// How many are held, sold and still available right now.
    pub availability: TicketAvailability,
    /// The capacity pool this type shares with others, if any (see `capacity_pools` of
    /// the event): its `availability.available` is then at most what the pool has left.
    #[serde(default)]
    pub capacity_pool_id: Option<Uuid>,
    /// A presale type, shown and sold only to buyers whose code unlocks it: only the
    /// organiser's views and a code's quote list it, so buyers' details never do. Absent
    /// from details cached before presales existed: shown.
    #[serde(default)]
    pub hidden: bool,
}

/// A capacity shared by several ticket types (a venue of 1,000 for Standard, VIP and
/// Student): their tickets sold and held together never exceed `capacity`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CapacityPoolView {
    /// The pool's id.
    pub id: Uuid,
    /// Its name, e.g. "Venue".
    #[schema(example = "Venue")]
    pub name: String,
    /// How many tickets its types may sell and hold together.
    pub capacity: i64,
    /// The ticket types drawing from it.
    pub ticket_type_ids: Vec<Uuid>,
    /// Tickets of its types held by buyers who have not paid yet.
    pub held: i64,
    /// Tickets of its types sold.
    pub sold: i64,
    /// Tickets of its types claimed by the people on their waiting lists.
    #[serde(default)]
    pub waiting: i64,
    /// Places left: `capacity - held - sold - waiting`, at least 0.
    pub available: i64,
}

/// The state of a ticket type's stock. `sold + held + available = capacity`, unless the
/// type shares a capacity pool that has fewer left: `available` is the smaller of the two.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TicketAvailability {
    /// How many tickets of this type exist.
    pub capacity: i64,
    /// Held by buyers who have not paid yet (holds that have not lapsed).
    pub held: i64,
    /// Sold.
    pub sold: i64,
    /// Claimed by the people on its waiting list (while the list is open): tickets that
    /// come back go to them, not back on sale.
    #[serde(default)]
    pub waiting: i64,
    /// Still for sale: `capacity - held - sold - waiting`, or what its capacity pool has
    /// left if that is less; 0 means sold out (for now).
    pub available: i64,
}

/// Everything about one event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EventDetail {
    /// The event's id.
    pub id: Uuid,
    /// Where the event stands.
    #[schema(example = "published")]
    pub status: EventStatus,
    /// Title shown to buyers.
    pub title: String,
    /// Description shown to buyers.
    pub description: String,
    /// Where it takes place.
    pub venue: VenueView,
    /// When it starts (UTC).
    pub starts_at: DateTime<Utc>,
    /// When it ends (UTC).
    pub ends_at: DateTime<Utc>,
    /// IANA time zone in which to show its times.
    pub time_zone: String,
    /// Currency of every price of this event.
    pub currency: String,
    /// When it was published, if it was.
    pub published_at: Option<DateTime<Utc>>,
    /// When it was cancelled, if it was.
    pub cancelled_at: Option<DateTime<Utc>>,
    /// Why it was cancelled, if a reason was given.
    pub cancellation_reason: Option<String>,
    /// Its ticket types, in the order the organiser added them.
    pub ticket_types: Vec<TicketTypeView>,
    /// Its images in the organiser's order; the first is the poster.
    pub images: Vec<EventImageView>,
    /// Capacities shared by several of its ticket types, in the order they were set up.
    /// Absent from details cached before they existed: none.
    #[serde(default)]
    pub capacity_pools: Vec<CapacityPoolView>,
    /// The aggregate version this view reflects.
    pub version: i64,
    /// What buyers are asked about each ticket's attendee at checkout. Absent from
    /// details cached before it existed: nothing asked.
    #[serde(default)]
    pub attendee_questions: super::AttendeeQuestionsView,
    /// Whether buyers may join the waiting list of a sold-out ticket type (`POST
    /// /events/{id}/waiting-list`). Absent from details cached before it existed: open.
    #[serde(default = "open")]
    pub waiting_list_open: bool,
    /// How long an offer from the waiting list holds its tickets, in hours (the server's
    /// setting, `CARNEAU_WAITING_OFFER_SECONDS`); absent where the server did not say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = 24)]
    pub waiting_list_offer_hours: Option<u64>,
}

fn open() -> bool {
    true
}
