//! What an organiser (through the command layer) can ask of an event.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::attendee_questions::AttendeeQuestions;
use super::capacity_pool::{CapacityPool, CapacityPoolChange, PromisedPerType};
use super::details::{EventDetails, TimeZone, Venue};
use super::images::EventImage;
use super::promised::PromisedTickets;
use super::ticket_type::{Capacity, MaxPerOrder, SaleWindow, TicketType};
use crate::ids::{AccountId, CapacityPoolId, EventId, EventImageId, TicketTypeId};
use crate::money::{Currency, Money};
use crate::text::{AltText, Description, TicketTypeName, Title};

/// A request to change an event. Values are already parsed; the aggregate checks the rules
/// that need the event's current state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum EventCommand {
    /// Start a new event as a draft; only possible once per id.
    CreateDraft {
        /// The id of the new event (the aggregate id).
        event_id: EventId,
        /// Its title, venue, times and zone.
        details: EventDetails,
        /// The currency every price of this event is in; fixed for its lifetime.
        currency: Currency,
        /// The organiser's account: the event's owner for its whole life.
        organiser: AccountId,
    },
    /// Change some details; fields left out keep their value.
    EditDetails(EventDetailsChange),
    /// Offer a new kind of ticket.
    AddTicketType(TicketType),
    /// Change some fields of a ticket type; fields left out keep their value.
    ChangeTicketType {
        /// The ticket type to change.
        ticket_type_id: TicketTypeId,
        /// The new values.
        change: TicketTypeChange,
        /// Its tickets sold or held now, read from the inventory by the command layer: a
        /// capacity below them is refused.
        promised: PromisedTickets,
    },
    /// Stop offering a kind of ticket; refused once any of its tickets is sold or held.
    RemoveTicketType {
        /// The ticket type to remove.
        ticket_type_id: TicketTypeId,
        /// Its tickets sold or held now, read from the inventory by the command layer.
        promised: PromisedTickets,
    },
    /// Share a capacity between some ticket types.
    AddCapacityPool {
        /// The new pool.
        pool: CapacityPool,
        /// Tickets sold and held per ticket type now, read from the inventory by the
        /// command layer: a pool already over its limit is refused.
        promised: PromisedPerType,
    },
    /// Change some fields of a capacity pool; fields left out keep their value.
    ChangeCapacityPool {
        /// The pool to change.
        pool_id: CapacityPoolId,
        /// The new values.
        change: CapacityPoolChange,
        /// Tickets sold and held per ticket type now, read from the inventory by the
        /// command layer: a limit below what the pool's types have promised is refused.
        promised: PromisedPerType,
    },
    /// Open or close the event's waiting lists: while closed, nobody joins, the people
    /// already waiting keep their place but claim no ticket, and no offer is made.
    SwitchWaitingList {
        /// Whether buyers may join and be offered tickets.
        open: bool,
    },
    /// Stop sharing a capacity; its ticket types keep their own capacities.
    RemoveCapacityPool {
        /// The pool to remove.
        pool_id: CapacityPoolId,
    },
    /// Put the event on sale.
    Publish {
        /// The current time, supplied by the command layer (the domain never reads a clock).
        published_at: DateTime<Utc>,
    },
    /// Call the event off; nothing can change afterwards.
    Cancel {
        /// The current time, supplied by the command layer.
        cancelled_at: DateTime<Utc>,
        /// Why, for buyers; at most [`super::MAX_CANCEL_REASON_CHARS`] characters.
        reason: Option<String>,
    },
    /// Add an image whose bytes the command layer has already stored; it goes last.
    AddImage(EventImage),
    /// Describe an image anew.
    ChangeImageAltText {
        /// The image.
        image_id: EventImageId,
        /// What it shows.
        alt: AltText,
    },
    /// Put the images in this order: exactly the event's image ids, each once.
    ReorderImages(Vec<EventImageId>),
    /// Take an image off the event.
    RemoveImage {
        /// The image.
        image_id: EventImageId,
    },
}

/// A partial edit of [`EventDetails`]: `None` keeps the current value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventDetailsChange {
    /// A new title.
    pub title: Option<Title>,
    /// A new description.
    pub description: Option<Description>,
    /// A new venue.
    pub venue: Option<Venue>,
    /// A new start.
    pub starts_at: Option<DateTime<Utc>>,
    /// A new end.
    pub ends_at: Option<DateTime<Utc>>,
    /// A new time zone.
    pub time_zone: Option<TimeZone>,
    /// What buyers are asked about each ticket's attendee from now on (orders placed
    /// before keep what they were given).
    #[serde(default)]
    pub attendee_questions: Option<AttendeeQuestions>,
}

impl EventDetailsChange {
    /// The details that result from applying this change to `current`; rules are checked
    /// on the result, since moving one end of the event can make the other invalid.
    pub fn merged_into(self, current: &EventDetails) -> EventDetails {
        EventDetails {
            title: self.title.unwrap_or_else(|| current.title.clone()),
            description: self
                .description
                .unwrap_or_else(|| current.description.clone()),
            venue: self.venue.unwrap_or_else(|| current.venue.clone()),
            starts_at: self.starts_at.unwrap_or(current.starts_at),
            ends_at: self.ends_at.unwrap_or(current.ends_at),
            time_zone: self.time_zone.unwrap_or(current.time_zone),
            attendee_questions: self
                .attendee_questions
                .unwrap_or(current.attendee_questions),
        }
    }
}

/// A partial edit of a [`TicketType`] (its id never changes): `None` keeps the current value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketTypeChange {
    /// A new name.
    pub name: Option<TicketTypeName>,
    /// A new price.
    pub price: Option<Money>,
    /// A new number of tickets.
    pub capacity: Option<Capacity>,
    /// A new sale window.
    pub sale_window: Option<SaleWindow>,
    /// A new per-order limit.
    pub max_per_order: Option<MaxPerOrder>,
    /// Hide the type (a presale, shown only to buyers whose code unlocks it) or show it.
    pub hidden: Option<bool>,
}

impl TicketTypeChange {
    /// The ticket type that results from applying this change to `current`.
    pub fn merged_into(self, current: &TicketType) -> TicketType {
        TicketType {
            id: current.id,
            name: self.name.unwrap_or_else(|| current.name.clone()),
            price: self.price.unwrap_or(current.price),
            capacity: self.capacity.unwrap_or(current.capacity),
            sale_window: self.sale_window.unwrap_or(current.sale_window),
            max_per_order: self.max_per_order.unwrap_or(current.max_per_order),
            hidden: self.hidden.unwrap_or(current.hidden),
        }
    }
}
