//! The event catalogue's read models: the public listing and each event's detail,
//! built by the `catalogue` projector from `Event` aggregate events.

mod attendee_questions;
mod fold;
mod organiser;
mod projector;
mod queries;
mod store;
mod views;

pub use attendee_questions::{AttendeeAsk, AttendeeQuestionsView};
pub use organiser::{
    door_events, organiser_events, DoorEventsOf, OrganiserEventSummary, MAX_ORGANISER_EVENTS,
};
pub use projector::CatalogueProjector;
pub(crate) use queries::escape_like;
pub use queries::{
    event_detail, listing, public_image, ListingCursor, ListingFilter, MAX_PAGE_SIZE,
};
pub use views::{
    CapacityPoolView, EventDetail, EventImageView, EventListingPage, EventStatus, EventSummary,
    ImageSourceView, MoneyView, TicketAvailability, TicketTypeView, VenueView,
};
