//! The event aggregate: the thing tickets are sold for (a concert, a conference), from
//! draft to publication or cancellation, with its ticket types.

mod attendee_questions;
mod capacity_pool;
mod commands;
mod details;
mod error;
mod events;
mod images;
mod promised;
mod rules;
mod shared_capacity;
mod ticket_type;

#[cfg(test)]
mod tests;

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use attendee_questions::{Ask, AttendeeQuestions};
pub use capacity_pool::{CapacityPool, CapacityPoolChange, PromisedPerType, MAX_CAPACITY_POOLS};
pub use commands::{EventCommand, EventDetailsChange, TicketTypeChange};
pub use details::{EventDetails, TimeZone, Venue};
pub use error::EventError;
pub use events::EventCatalogueEvent;
pub use images::{EventImage, MAX_EVENT_IMAGES};
pub use promised::PromisedTickets;
pub use ticket_type::{Capacity, MaxPerOrder, SaleWindow, TicketType};

use crate::aggregate::Decide;
use crate::ids::{AccountId, CapacityPoolId, EventId, TicketTypeId};
use crate::money::Currency;

/// Most ticket types one event may have; keeps the aggregate (replayed on every command)
/// and the buyer's choice small.
pub const MAX_TICKET_TYPES: usize = 50;

/// Highest ticket price, in major units of the event's currency (100,000.00 EUR, 100,000
/// JPY): a sane ceiling that catches a price typed with extra zeros.
pub const MAX_PRICE_MAJOR_UNITS: i64 = 100_000;

/// Longest cancellation reason, in characters.
pub const MAX_CANCEL_REASON_CHARS: usize = 500;

/// Where an event is in its life. An event that does not exist yet has no id
/// ([`Event::id`] is `None`) and reports `Draft`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventStatus {
    /// Being prepared; not on sale.
    #[default]
    Draft,
    /// On sale (within each ticket type's sale window).
    Published,
    /// Called off; frozen.
    Cancelled,
}

/// The event aggregate. Its state is rebuilt from [`EventCatalogueEvent`]s; it decides on
/// [`EventCommand`]s and refuses with an [`EventError`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Event {
    id: Option<EventId>,
    /// The account that created the event; `None` for events from before accounts.
    #[serde(default)]
    organiser: Option<AccountId>,
    status: EventStatus,
    details: Option<EventDetails>,
    currency: Option<Currency>,
    ticket_types: Vec<TicketType>,
    /// Ids of removed ticket types: never reused, so a retried add cannot bring one back.
    #[serde(default)]
    removed_ticket_types: BTreeSet<TicketTypeId>,
    published_at: Option<DateTime<Utc>>,
    cancelled_at: Option<DateTime<Utc>>,
    cancellation_reason: Option<String>,
    /// Its images in order, the poster first.
    #[serde(default)]
    images: Vec<EventImage>,
    /// Capacities shared by several of its ticket types, in the order they were added.
    #[serde(default)]
    capacity_pools: Vec<CapacityPool>,
    /// Ids of removed pools: never reused, so a retried add cannot bring one back.
    #[serde(default)]
    removed_capacity_pools: BTreeSet<CapacityPoolId>,
    /// Whether the organiser closed the waiting lists (they are open unless closed).
    #[serde(default)]
    waiting_list_closed: bool,
}

impl Event {
    /// The event's id; `None` until it is created.
    pub fn id(&self) -> Option<EventId> {
        self.id
    }

    /// Whether buyers may join the waiting list of a sold-out ticket type, and the people
    /// waiting are offered the tickets that come back (open unless the organiser closed it).
    pub fn waiting_list_open(&self) -> bool {
        !self.waiting_list_closed
    }

    /// The organiser who owns the event; `None` for events created before accounts
    /// existed (only admins manage those).
    pub fn organiser(&self) -> Option<AccountId> {
        self.organiser
    }

    /// Whether `account` owns this event. Admins manage every event; that is the
    /// caller's rule, not the event's.
    pub fn is_organised_by(&self, account: AccountId) -> bool {
        self.organiser == Some(account)
    }

    /// Where the event is in its life.
    pub fn status(&self) -> EventStatus {
        self.status
    }

    /// Title, venue, times; `None` until it is created.
    pub fn details(&self) -> Option<&EventDetails> {
        self.details.as_ref()
    }

    /// The currency of all its prices; `None` until it is created.
    pub fn currency(&self) -> Option<Currency> {
        self.currency
    }

    /// Its ticket types, in the order they were added.
    pub fn ticket_types(&self) -> &[TicketType] {
        &self.ticket_types
    }

    /// One ticket type by id.
    pub fn ticket_type(&self, id: TicketTypeId) -> Option<&TicketType> {
        self.ticket_types
            .iter()
            .find(|ticket_type| ticket_type.id == id)
    }

    /// Its capacities shared by several ticket types, in the order they were added.
    pub fn capacity_pools(&self) -> &[CapacityPool] {
        &self.capacity_pools
    }

    /// One capacity pool by id.
    pub fn capacity_pool(&self, id: CapacityPoolId) -> Option<&CapacityPool> {
        self.capacity_pools.iter().find(|pool| pool.id == id)
    }

    /// The pool a ticket type draws from, if any (a type is in at most one).
    pub fn pool_of(&self, ticket_type_id: TicketTypeId) -> Option<&CapacityPool> {
        self.capacity_pools
            .iter()
            .find(|pool| pool.covers(ticket_type_id))
    }

    /// When it was published, if it was (kept after a cancellation).
    pub fn published_at(&self) -> Option<DateTime<Utc>> {
        self.published_at
    }

    /// When it was cancelled, if it was.
    pub fn cancelled_at(&self) -> Option<DateTime<Utc>> {
        self.cancelled_at
    }

    /// The reason given for the cancellation, if any.
    pub fn cancellation_reason(&self) -> Option<&str> {
        self.cancellation_reason.as_deref()
    }
}

crate::aggregate::aggregate!(Event);

impl Decide for Event {
    const TYPE: &'static str = "Event";
    type Command = EventCommand;
    type Event = EventCatalogueEvent;
    type Error = EventError;

    fn decide(&self, command: Self::Command) -> Result<Vec<Self::Event>, Self::Error> {
        // The inherent rules, kept where they are written.
        Event::decide(self, command)
    }

    fn evolve(&mut self, event: Self::Event) {
        match event {
            EventCatalogueEvent::EventDrafted {
                event_id,
                details,
                currency,
                organiser,
            } => {
                self.id = Some(event_id);
                self.organiser = organiser;
                self.status = EventStatus::Draft;
                self.details = Some(details);
                self.currency = Some(currency);
            }
            EventCatalogueEvent::EventDetailsEdited { details } => self.details = Some(details),
            EventCatalogueEvent::TicketTypeAdded { ticket_type } => {
                self.ticket_types.push(ticket_type);
            }
            EventCatalogueEvent::TicketTypeChanged { ticket_type } => {
                if let Some(slot) = self
                    .ticket_types
                    .iter_mut()
                    .find(|existing| existing.id == ticket_type.id)
                {
                    *slot = ticket_type;
                }
            }
            EventCatalogueEvent::TicketTypeRemoved { ticket_type_id } => {
                self.ticket_types
                    .retain(|existing| existing.id != ticket_type_id);
                self.removed_ticket_types.insert(ticket_type_id);
            }
            EventCatalogueEvent::EventPublished { published_at } => {
                self.status = EventStatus::Published;
                self.published_at = Some(published_at);
            }
            EventCatalogueEvent::EventCancelled {
                cancelled_at,
                reason,
            } => {
                self.status = EventStatus::Cancelled;
                self.cancelled_at = Some(cancelled_at);
                self.cancellation_reason = reason;
            }
            EventCatalogueEvent::CapacityPoolAdded { pools, .. }
            | EventCatalogueEvent::CapacityPoolChanged { pools, .. } => {
                self.capacity_pools = pools;
            }
            EventCatalogueEvent::WaitingListSwitched { open } => self.waiting_list_closed = !open,
            EventCatalogueEvent::CapacityPoolRemoved { pool_id, pools } => {
                self.capacity_pools = pools;
                self.removed_capacity_pools.insert(pool_id);
            }
            EventCatalogueEvent::EventImageAdded { gallery, .. }
            | EventCatalogueEvent::EventImageAltTextChanged { gallery, .. }
            | EventCatalogueEvent::EventImagesReordered { gallery }
            | EventCatalogueEvent::EventImageRemoved { gallery, .. } => self.images = gallery,
        }
    }
}
