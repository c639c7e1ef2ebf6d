//! Tickets after the sale: their signed codes, QR images, admission at the door and
//! the emails that deliver them (to the buyer, and to each attendee with an address).

mod attendee_email;
mod codes;
mod door;
mod door_offline;
mod email;
mod issued;
mod qr;

pub use attendee_email::{AttendeeMailCause, AttendeeTicketEmail};
pub use codes::TicketCodes;
pub use door::Door;
pub use door_offline::{OfflineScanOfTicket, OfflineScanOutcome, OfflineScanResult};
pub use email::{EmailedTicket, TicketEmail, TicketEmailError};
pub use qr::{qr_png, qr_svg, QrError, QR_MIN_SIDE_PX, TICKET_QR_MASK};
