//! What happened to an event, as recorded in the event store.
//!
//! Each event carries the full new state of what it touches (whole details, whole ticket
//! type, the whole gallery of images, every capacity pool), so a projector can build its read model from one event without the history.
//! The serde form is the stored form: rename nothing, and add a new variant or a new
//! `event_version` rather than changing an old one.

use chrono::{DateTime, Utc};
use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};

use super::capacity_pool::CapacityPool;
use super::details::EventDetails;
use super::images::EventImage;
use super::ticket_type::TicketType;
use crate::ids::{AccountId, CapacityPoolId, EventId, EventImageId, TicketTypeId};
use crate::money::Currency;

/// The facts recorded about an event in the catalogue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum EventCatalogueEvent {
    /// A new event was created as a draft.
    EventDrafted {
        /// The new event.
        event_id: EventId,
        /// Its details.
        details: EventDetails,
        /// The currency of all its prices.
        currency: Currency,
        /// The organiser who created it and owns it. Absent in events recorded before
        /// accounts existed: such events are managed by admins only.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        organiser: Option<AccountId>,
    },
    /// The details were edited; this is the whole new set.
    EventDetailsEdited {
        /// The details after the edit.
        details: EventDetails,
    },
    /// A kind of ticket was added.
    TicketTypeAdded {
        /// The new ticket type.
        ticket_type: TicketType,
    },
    /// A kind of ticket was changed; this is the whole new ticket type.
    TicketTypeChanged {
        /// The ticket type after the change.
        ticket_type: TicketType,
    },
    /// A kind of ticket was withdrawn.
    TicketTypeRemoved {
        /// The removed ticket type.
        ticket_type_id: TicketTypeId,
    },
    /// The event went on sale.
    EventPublished {
        /// When.
        published_at: DateTime<Utc>,
    },
    /// The event was called off.
    EventCancelled {
        /// When.
        cancelled_at: DateTime<Utc>,
        /// Why, as told to buyers, if a reason was given.
        reason: Option<String>,
    },
    /// A capacity shared by several ticket types was set up.
    CapacityPoolAdded {
        /// The new pool.
        pool_id: CapacityPoolId,
        /// All the event's pools after the change, in order.
        pools: Vec<CapacityPool>,
    },
    /// A shared capacity's name, limit or ticket types changed (also when one of its
    /// ticket types was removed from the event).
    CapacityPoolChanged {
        /// The pool changed.
        pool_id: CapacityPoolId,
        /// All the event's pools after the change, in order.
        pools: Vec<CapacityPool>,
    },
    /// The organiser opened or closed the event's waiting lists.
    WaitingListSwitched {
        /// Whether they are open now.
        open: bool,
    },
    /// A shared capacity was taken off: its ticket types keep only their own capacities.
    CapacityPoolRemoved {
        /// The pool removed.
        pool_id: CapacityPoolId,
        /// The pools left, in order.
        pools: Vec<CapacityPool>,
    },
    /// An image was uploaded (its bytes are in the image store under its hash).
    EventImageAdded {
        /// The new image.
        image_id: EventImageId,
        /// All the event's images after the upload, in order.
        gallery: Vec<EventImage>,
    },
    /// The text describing an image was changed.
    EventImageAltTextChanged {
        /// The image described.
        image_id: EventImageId,
        /// All the event's images after the change, in order.
        gallery: Vec<EventImage>,
    },
    /// The organiser put the images in a new order (the first is the poster).
    EventImagesReordered {
        /// All the event's images in their new order.
        gallery: Vec<EventImage>,
    },
    /// An image was taken off the event.
    EventImageRemoved {
        /// The image removed.
        image_id: EventImageId,
        /// The images left, in order.
        gallery: Vec<EventImage>,
    },
}

impl DomainEvent for EventCatalogueEvent {
    fn event_type(&self) -> String {
        match self {
            Self::EventDrafted { .. } => "EventDrafted",
            Self::EventDetailsEdited { .. } => "EventDetailsEdited",
            Self::TicketTypeAdded { .. } => "TicketTypeAdded",
            Self::TicketTypeChanged { .. } => "TicketTypeChanged",
            Self::TicketTypeRemoved { .. } => "TicketTypeRemoved",
            Self::EventPublished { .. } => "EventPublished",
            Self::EventCancelled { .. } => "EventCancelled",
            Self::CapacityPoolAdded { .. } => "CapacityPoolAdded",
            Self::CapacityPoolChanged { .. } => "CapacityPoolChanged",
            Self::CapacityPoolRemoved { .. } => "CapacityPoolRemoved",
            Self::WaitingListSwitched { .. } => "WaitingListSwitched",
            Self::EventImageAdded { .. } => "EventImageAdded",
            Self::EventImageAltTextChanged { .. } => "EventImageAltTextChanged",
            Self::EventImagesReordered { .. } => "EventImagesReordered",
            Self::EventImageRemoved { .. } => "EventImageRemoved",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}
