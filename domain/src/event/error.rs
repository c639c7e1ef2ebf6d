//! Why the event aggregate refuses a command, in words an organiser can read.

use crate::ids::{CapacityPoolId, EventImageId, TicketTypeId};
use crate::money::Currency;

use super::{MAX_CANCEL_REASON_CHARS, MAX_CAPACITY_POOLS, MAX_EVENT_IMAGES, MAX_TICKET_TYPES};

/// A business rule of events that a command would break.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    /// The command targets an event that was never created.
    #[error("This event does not exist.")]
    NotFound,
    /// A draft was created with an id already in use.
    #[error("An event with this id already exists.")]
    AlreadyExists,
    /// The event was cancelled; it is frozen.
    #[error("This event has been cancelled and can no longer be changed.")]
    Cancelled,
    /// `ends_at` is not after `starts_at`.
    #[error("The event must end after it starts.")]
    EndsBeforeStart,
    /// An event created, or moved, to a start that has already passed.
    #[error("The event must start in the future.")]
    StartsInPast,
    /// A ticket price below zero.
    #[error("A ticket price cannot be negative.")]
    NegativePrice,
    /// A ticket price above [`super::MAX_PRICE_MAJOR_UNITS`] of the currency.
    #[error("A ticket price can be at most {max}.")]
    PriceTooHigh {
        /// The highest price, written with the currency's decimals ("100000.00 EUR").
        max: String,
    },
    /// A price in a currency other than the event's.
    #[error("Prices of this event must be in {expected}, not {found}.")]
    CurrencyMismatch {
        /// The event's currency.
        expected: Currency,
        /// The currency of the refused price.
        found: Currency,
    },
    /// Publishing an event with nothing to sell.
    #[error("An event needs at least one ticket type before it can be published.")]
    NoTicketTypes,
    /// Publishing an event that is already on sale.
    #[error("This event is already published.")]
    AlreadyPublished,
    /// Cancelling an event a second time.
    #[error("This event is already cancelled.")]
    AlreadyCancelled,
    /// A ticket type id the event does not have.
    #[error("This event has no ticket type with id {0}.")]
    UnknownTicketType(TicketTypeId),
    /// Adding a ticket type with an id the event already has.
    #[error("This event already has a ticket type with id {0}.")]
    DuplicateTicketType(TicketTypeId),
    /// Two ticket types of one event with the same name (ignoring case) would confuse buyers.
    #[error("This event already has a ticket type named \"{0}\".")]
    DuplicateTicketTypeName(String),
    /// Tickets on sale after the event is over.
    #[error("Ticket sales must close no later than the end of the event.")]
    SaleClosesAfterEventEnds,
    /// Publishing an event whose end has passed.
    #[error("An event that has already ended cannot be published.")]
    AlreadyEnded,
    /// More ticket types than [`MAX_TICKET_TYPES`].
    #[error("An event can have at most {MAX_TICKET_TYPES} ticket types.")]
    TooManyTicketTypes,
    /// Removing the only ticket type of an event on sale.
    #[error("A published event must keep at least one ticket type.")]
    LastTicketTypeOfPublishedEvent,
    /// Removing a ticket type whose tickets are sold or held.
    #[error(
        "This ticket type cannot be removed: {sold} of its tickets are sold and {held} are \
         held. Close its sale instead."
    )]
    TicketTypeHasBuyers {
        /// Tickets sold and not refunded.
        sold: u32,
        /// Tickets in holds that have not lapsed.
        held: u32,
    },
    /// Lowering a capacity below the tickets already sold or held.
    #[error(
        "The capacity cannot be lowered to {capacity}: {sold} tickets are sold and {held} are \
         held. Set it to at least {} or close the sale instead.",
        sold.saturating_add(*held)
    )]
    CapacityBelowPromised {
        /// The capacity asked for.
        capacity: u32,
        /// Tickets sold and not refunded.
        sold: u32,
        /// Tickets in holds that have not lapsed.
        held: u32,
    },
    /// A capacity pool id the event does not have.
    #[error("This event has no shared capacity with id {0}.")]
    UnknownCapacityPool(CapacityPoolId),
    /// Adding a capacity pool with an id the event already has (or had).
    #[error("This event already has a shared capacity with id {0}.")]
    DuplicateCapacityPool(CapacityPoolId),
    /// Two pools of one event with the same name (ignoring case) would confuse organisers.
    #[error("This event already has a shared capacity named \"{0}\".")]
    DuplicateCapacityPoolName(String),
    /// More pools than [`MAX_CAPACITY_POOLS`].
    #[error("An event can have at most {MAX_CAPACITY_POOLS} shared capacities.")]
    TooManyCapacityPools,
    /// A pool that would cover no ticket type.
    #[error("A shared capacity must cover at least one ticket type.")]
    CapacityPoolWithoutTicketTypes,
    /// A ticket type already drawing from another pool: a type is in at most one.
    #[error(
        "Ticket type {ticket_type_id} already shares the capacity \"{pool}\"; a ticket type \
         can be in one shared capacity only."
    )]
    TicketTypeInAnotherPool {
        /// The ticket type asked for.
        ticket_type_id: TicketTypeId,
        /// The name of the pool it is in.
        pool: String,
    },
    /// A pool limit below the tickets its types have already sold or held.
    #[error(
        "The shared capacity cannot be {capacity}: its ticket types have {sold} tickets sold \
         and {held} held. Set it to at least {} or close the sales instead.",
        sold.saturating_add(*held)
    )]
    CapacityPoolBelowPromised {
        /// The shared capacity asked for.
        capacity: u32,
        /// Tickets of its types sold and not refunded.
        sold: u32,
        /// Tickets of its types in holds that have not lapsed.
        held: u32,
    },
    /// A cancellation reason longer than [`MAX_CANCEL_REASON_CHARS`].
    #[error("The cancellation reason must be at most {MAX_CANCEL_REASON_CHARS} characters.")]
    ReasonTooLong,
    /// An organiser acting on an event another organiser owns.
    #[error("Only this event's organiser or an admin may manage it.")]
    NotOrganiser,
    /// More images than [`MAX_EVENT_IMAGES`].
    #[error("An event can have at most {MAX_EVENT_IMAGES} images. Remove one first.")]
    TooManyImages,
    /// An image id the event does not have.
    #[error("This event has no image with id {0}.")]
    UnknownImage(EventImageId),
    /// Adding an image with an id the event already has.
    #[error("This event already has an image with id {0}.")]
    DuplicateImage(EventImageId),
    /// A new order that is not exactly the event's images, each once.
    #[error("The new order must list each of the event's images exactly once.")]
    ImageOrderMismatch,
}

impl EventError {
    /// A stable kebab-case slug per reason, used by the API as its problem type.
    /// Changing one breaks clients: add new slugs, never rename.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::NotFound => "event-not-found",
            Self::AlreadyExists => "event-already-exists",
            Self::Cancelled => "event-cancelled",
            Self::EndsBeforeStart => "ends-before-start",
            Self::StartsInPast => "starts-in-past",
            Self::NegativePrice => "negative-price",
            Self::PriceTooHigh { .. } => "price-too-high",
            Self::CurrencyMismatch { .. } => "currency-mismatch",
            Self::NoTicketTypes => "no-ticket-types",
            Self::AlreadyPublished => "event-already-published",
            Self::AlreadyCancelled => "event-already-cancelled",
            Self::UnknownTicketType(_) => "unknown-ticket-type",
            Self::DuplicateTicketType(_) => "duplicate-ticket-type",
            Self::DuplicateTicketTypeName(_) => "duplicate-ticket-type-name",
            Self::SaleClosesAfterEventEnds => "sale-closes-after-event-ends",
            Self::AlreadyEnded => "event-already-ended",
            Self::TooManyTicketTypes => "too-many-ticket-types",
            Self::LastTicketTypeOfPublishedEvent => "last-ticket-type-of-published-event",
            Self::ReasonTooLong => "reason-too-long",
            Self::TicketTypeHasBuyers { .. } => "ticket-type-has-buyers",
            Self::CapacityBelowPromised { .. } => "capacity-below-promised",
            Self::NotOrganiser => "not-event-organiser",
            Self::UnknownCapacityPool(_) => "unknown-capacity-pool",
            Self::DuplicateCapacityPool(_) => "duplicate-capacity-pool",
            Self::DuplicateCapacityPoolName(_) => "duplicate-capacity-pool-name",
            Self::TooManyCapacityPools => "too-many-capacity-pools",
            Self::CapacityPoolWithoutTicketTypes => "capacity-pool-without-ticket-types",
            Self::TicketTypeInAnotherPool { .. } => "ticket-type-in-another-pool",
            Self::CapacityPoolBelowPromised { .. } => "capacity-pool-below-promised",
            Self::TooManyImages => "too-many-images",
            Self::UnknownImage(_) => "unknown-image",
            Self::DuplicateImage(_) => "duplicate-image",
            Self::ImageOrderMismatch => "image-order-mismatch",
        }
    }
}
