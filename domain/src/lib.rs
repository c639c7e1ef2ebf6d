//! The business rules of Carneau Engine: aggregates, the commands they accept, the events
//! they record and the values they are built from.
//!
//! Pure by design: no I/O, no clock, no randomness in decisions. The command layer loads an
//! aggregate, hands it a command (with the current time where a rule needs one) and stores
//! the events it returns.

#![warn(missing_docs)]

pub mod account;
pub mod admission;
pub mod aggregate;
pub mod event;
pub mod ids;
pub mod inventory;
pub mod money;
pub mod order;
pub mod provenance;
pub mod text;
pub mod ticket_code;
pub mod voucher;

pub use admission::{Admission, AdmissionCommand, AdmissionError, AdmissionEvent};
pub use aggregate::Decide;
pub use event::{
    Capacity, CapacityPool, Event, EventCatalogueEvent, EventCommand, EventDetails,
    EventDetailsChange, EventError, EventStatus, MaxPerOrder, SaleWindow, TicketType,
    TicketTypeChange, TimeZone, Venue, MAX_CANCEL_REASON_CHARS, MAX_TICKET_TYPES,
};
pub use ids::{AccountId, CapacityPoolId, EventId, OrderId, ReservationId, TicketId, TicketTypeId};
pub use inventory::{
    HoldDecision, HoldLine, HoldOutcome, HoldRefusal, HoldRequest, HoldState, HoldStatus,
    Inventory, InventoryCommand, InventoryError, InventoryEvent, PlacedHold, Quantity,
};
pub use money::{Currency, Money};
pub use provenance::{Actor, Cause, EventMetadata, Process};
pub use text::{
    AttendeeName, Description, InvalidValue, PersonName, TicketTypeName, Title, VenueAddress,
    VenueName,
};
