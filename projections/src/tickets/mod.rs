//! The tickets read model: each ticket's order, event, type, buyer, whether its code
//! is revoked (refunded) and whether it was checked in. It serves the buyer's ticket
//! list, the QR routes' access check, the door's revocation list, its live counts and
//! the double entries offline scanners report.

mod door;
mod fold;
mod projector;
mod queries;

pub use door::{
    check_in_counts, door_attendees, door_tickets, double_entries, DoorAttendee, DoorTicket,
    DoubleEntryView, TicketTypeCount,
};

pub use projector::TicketsProjector;
pub use queries::{revoked_tickets, ticket, tickets_of_account, tickets_of_order, TicketView};
