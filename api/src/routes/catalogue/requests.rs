//! Request bodies of the organiser's catalogue routes, and their parsing into domain
//! values. Every field that breaks a shape rule is reported at once, by name.

use carneau_domain::event::{
    Capacity, CapacityPool, CapacityPoolChange, EventDetails, EventDetailsChange, MaxPerOrder,
    SaleWindow, TicketType, TicketTypeChange, TimeZone, Venue,
};
use carneau_domain::ids::{CapacityPoolId, TicketTypeId};
use carneau_domain::money::{Currency, Money};
use carneau_domain::text::{
    CapacityPoolName, Description, InvalidValue, TicketTypeName, Title, VenueAddress, VenueName,
};
use carneau_projections::catalogue::AttendeeQuestionsView;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::problem::{ApiError, FieldErrors};

/// Where an event takes place.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VenueRequest {
    /// Name of the venue, 1 to 200 characters.
    #[schema(example = "Le Sunset")]
    pub name: String,
    /// Postal address, up to 500 characters.
    #[schema(example = "60 rue des Lombards, 75001 Paris")]
    #[serde(default)]
    pub address: String,
}

fn parse_venue(errors: &mut FieldErrors, field: &str, venue: VenueRequest) -> Option<Venue> {
    let name = errors.check(&format!("{field}.name"), VenueName::parse(venue.name));
    let address = errors.check(
        &format!("{field}.address"),
        VenueAddress::parse(venue.address),
    );
    Some(Venue {
        name: name?,
        address: address?,
    })
}

/// A new event, created as a draft.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateEventRequest {
    /// Title shown to buyers, 1 to 200 characters.
    #[schema(example = "Jazz at Dusk")]
    pub title: String,
    /// Description shown to buyers, up to 10,000 characters.
    #[serde(default)]
    pub description: String,
    /// Where it takes place.
    pub venue: VenueRequest,
    /// When it starts (RFC 3339; stored in UTC).
    pub starts_at: DateTime<Utc>,
    /// When it ends; after `starts_at`.
    pub ends_at: DateTime<Utc>,
    /// IANA time zone in which buyers see its times.
    #[schema(example = "Europe/Paris")]
    pub time_zone: String,
    /// ISO 4217 currency of every price of the event; fixed once created.
    #[schema(example = "EUR")]
    pub currency: String,
}

impl CreateEventRequest {
    /// The event's details and currency, or a 422 naming every bad field.
    pub fn parse(self) -> Result<(EventDetails, Currency), ApiError> {
        let mut errors = FieldErrors::default();
        let title = errors.check("title", Title::parse(self.title));
        let description = errors.check("description", Description::parse(self.description));
        let venue = parse_venue(&mut errors, "venue", self.venue);
        let time_zone = errors.check("time_zone", TimeZone::parse(&self.time_zone));
        let currency = errors.check("currency", Currency::parse(&self.currency));
        let parsed = (|| {
            Some((
                EventDetails {
                    attendee_questions: Default::default(),
                    title: title?,
                    description: description?,
                    venue: venue?,
                    starts_at: self.starts_at,
                    ends_at: self.ends_at,
                    time_zone: time_zone?,
                },
                currency?,
            ))
        })();
        errors.finish(parsed)
    }
}

/// Changes to an event's details; fields left out keep their value.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EditEventRequest {
    /// A new title.
    pub title: Option<String>,
    /// A new description.
    pub description: Option<String>,
    /// A new venue (name and address together).
    pub venue: Option<VenueRequest>,
    /// A new start.
    pub starts_at: Option<DateTime<Utc>>,
    /// A new end.
    pub ends_at: Option<DateTime<Utc>>,
    /// A new time zone.
    pub time_zone: Option<String>,
    /// What buyers are asked about each ticket's attendee from now on (orders placed
    /// before keep what they were given).
    pub attendee_questions: Option<AttendeeQuestionsView>,
}

impl EditEventRequest {
    /// The change, or a 422 naming every bad field.
    pub fn parse(self) -> Result<EventDetailsChange, ApiError> {
        let mut errors = FieldErrors::default();
        let title = errors.check_optional("title", self.title, Title::parse);
        let description =
            errors.check_optional("description", self.description, Description::parse);
        let venue = match self.venue {
            None => Some(None),
            Some(venue) => parse_venue(&mut errors, "venue", venue).map(Some),
        };
        let time_zone =
            errors.check_optional("time_zone", self.time_zone, |raw| TimeZone::parse(&raw));
        let parsed = (|| {
            Some(EventDetailsChange {
                title: title?,
                description: description?,
                venue: venue?,
                starts_at: self.starts_at,
                ends_at: self.ends_at,
                time_zone: time_zone?,
                attendee_questions: self.attendee_questions.map(Into::into),
            })
        })();
        errors.finish(parsed)
    }
}

/// An amount in the currency's minor unit (cents for EUR).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoneyRequest {
    /// Amount in minor units: 2500 is EUR 25.00. Never a float.
    #[schema(example = 2500)]
    pub amount_minor: i64,
    /// ISO 4217 currency; must be the event's.
    #[schema(example = "EUR")]
    pub currency: String,
}

fn parse_money(errors: &mut FieldErrors, field: &str, money: MoneyRequest) -> Option<Money> {
    let currency = errors.check(
        &format!("{field}.currency"),
        Currency::parse(&money.currency),
    )?;
    Some(Money::new(money.amount_minor, currency))
}

/// A new kind of ticket for an event.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddTicketTypeRequest {
    /// Name shown to buyers, 1 to 100 characters, unique within the event.
    #[schema(example = "Standing")]
    pub name: String,
    /// Price of one ticket.
    pub price: MoneyRequest,
    /// How many exist, 1 to 1,000,000.
    #[schema(example = 500)]
    pub capacity: u32,
    /// When its sale opens.
    pub sale_opens_at: DateTime<Utc>,
    /// When its sale closes: after it opens, no later than the event's end.
    pub sale_closes_at: DateTime<Utc>,
    /// Most tickets of this type in one order, 1 to 100.
    #[schema(example = 10)]
    pub max_per_order: u16,
    /// A presale: shown and sold only to buyers whose code unlocks it (see the event's
    /// vouchers). Left out: `false`, shown to everyone.
    #[serde(default)]
    pub hidden: bool,
}

impl AddTicketTypeRequest {
    /// A builder of the ticket type once its id is known, or a 422 naming every bad field.
    pub fn parse(self) -> Result<impl FnOnce(TicketTypeId) -> TicketType, ApiError> {
        let mut errors = FieldErrors::default();
        let name = errors.check("name", TicketTypeName::parse(self.name));
        let price = parse_money(&mut errors, "price", self.price);
        let capacity = errors.check("capacity", Capacity::parse(self.capacity));
        let sale_window = errors.check(
            "sale_closes_at",
            SaleWindow::parse(self.sale_opens_at, self.sale_closes_at),
        );
        let max_per_order = errors.check("max_per_order", MaxPerOrder::parse(self.max_per_order));
        let parsed = (|| Some((name?, price?, capacity?, sale_window?, max_per_order?)))();
        let (name, price, capacity, sale_window, max_per_order) = errors.finish(parsed)?;
        let hidden = self.hidden;
        Ok(move |id| TicketType {
            id,
            name,
            price,
            capacity,
            sale_window,
            max_per_order,
            hidden,
        })
    }
}

/// Changes to a ticket type; fields left out keep their value. The sale window changes
/// as a whole: give both ends.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeTicketTypeRequest {
    /// A new name.
    pub name: Option<String>,
    /// A new price.
    pub price: Option<MoneyRequest>,
    /// A new capacity.
    pub capacity: Option<u32>,
    /// A new sale opening; requires `sale_closes_at`.
    pub sale_opens_at: Option<DateTime<Utc>>,
    /// A new sale closing; requires `sale_opens_at`.
    pub sale_closes_at: Option<DateTime<Utc>>,
    /// A new per-order maximum.
    pub max_per_order: Option<u16>,
    /// Hide the type (a presale, for buyers whose code unlocks it) or show it to everyone.
    pub hidden: Option<bool>,
}

impl ChangeTicketTypeRequest {
    /// The change, or a 422 naming every bad field.
    pub fn parse(self) -> Result<TicketTypeChange, ApiError> {
        let mut errors = FieldErrors::default();
        let name = errors.check_optional("name", self.name, TicketTypeName::parse);
        let price = match self.price {
            None => Some(None),
            Some(price) => parse_money(&mut errors, "price", price).map(Some),
        };
        let capacity = errors.check_optional("capacity", self.capacity, Capacity::parse);
        let sale_window = match (self.sale_opens_at, self.sale_closes_at) {
            (None, None) => Some(None),
            (Some(opens_at), Some(closes_at)) => errors
                .check("sale_closes_at", SaleWindow::parse(opens_at, closes_at))
                .map(Some),
            (None, Some(_)) => errors.check::<Option<SaleWindow>>(
                "sale_opens_at",
                Err(InvalidValue::new(
                    "must be given together with sale_closes_at",
                )),
            ),
            (Some(_), None) => errors.check::<Option<SaleWindow>>(
                "sale_closes_at",
                Err(InvalidValue::new(
                    "must be given together with sale_opens_at",
                )),
            ),
        };
        let max_per_order =
            errors.check_optional("max_per_order", self.max_per_order, MaxPerOrder::parse);
        let parsed = (|| {
            Some(TicketTypeChange {
                name: name?,
                price: price?,
                capacity: capacity?,
                sale_window: sale_window?,
                max_per_order: max_per_order?,
                hidden: self.hidden,
            })
        })();
        errors.finish(parsed)
    }
}

/// Why an event is called off.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelEventRequest {
    /// Shown to buyers; at most 500 characters.
    pub reason: Option<String>,
}

/// A capacity shared by some ticket types of the event.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddCapacityPoolRequest {
    /// Its name, 1 to 100 characters, unique within the event.
    #[schema(example = "Venue")]
    pub name: String,
    /// How many tickets its ticket types may sell and hold together, 1 to 1,000,000.
    #[schema(example = 1000)]
    pub capacity: u32,
    /// The ticket types drawing from it (at least one); a ticket type can be in one
    /// shared capacity only.
    pub ticket_type_ids: Vec<uuid::Uuid>,
}

impl AddCapacityPoolRequest {
    /// A builder of the pool once its id is known, or a 422 naming every bad field.
    pub fn parse(self) -> Result<impl FnOnce(CapacityPoolId) -> CapacityPool, ApiError> {
        let mut errors = FieldErrors::default();
        let name = errors.check("name", CapacityPoolName::parse(self.name));
        let capacity = errors.check("capacity", Capacity::parse(self.capacity));
        let ticket_types = errors.check("ticket_type_ids", ticket_types(self.ticket_type_ids));
        let parsed = (|| Some((name?, capacity?, ticket_types?)))();
        let (name, capacity, ticket_types) = errors.finish(parsed)?;
        Ok(move |id| CapacityPool {
            id,
            name,
            capacity,
            ticket_types,
        })
    }
}

/// Changes to a shared capacity; fields left out keep their value.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeCapacityPoolRequest {
    /// A new name.
    pub name: Option<String>,
    /// A new shared capacity; not below the tickets its types have sold and held.
    pub capacity: Option<u32>,
    /// The ticket types drawing from it from now on (the whole list, at least one).
    pub ticket_type_ids: Option<Vec<uuid::Uuid>>,
}

impl ChangeCapacityPoolRequest {
    /// The change, or a 422 naming every bad field.
    pub fn parse(self) -> Result<CapacityPoolChange, ApiError> {
        let mut errors = FieldErrors::default();
        let name = errors.check_optional("name", self.name, CapacityPoolName::parse);
        let capacity = errors.check_optional("capacity", self.capacity, Capacity::parse);
        let ticket_types =
            errors.check_optional("ticket_type_ids", self.ticket_type_ids, ticket_types);
        let parsed = (|| {
            Some(CapacityPoolChange {
                name: name?,
                capacity: capacity?,
                ticket_types: ticket_types?,
            })
        })();
        errors.finish(parsed)
    }
}

/// A pool's ticket types: at least one, and no more than an event may have.
fn ticket_types(ids: Vec<uuid::Uuid>) -> Result<Vec<TicketTypeId>, InvalidValue> {
    if ids.is_empty() {
        return Err(InvalidValue::new("must name at least one ticket type"));
    }
    if ids.len() > carneau_domain::event::MAX_TICKET_TYPES {
        return Err(InvalidValue::new(
            "names more ticket types than an event can have",
        ));
    }
    Ok(ids.into_iter().map(TicketTypeId::from_uuid).collect())
}
