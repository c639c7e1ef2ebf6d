//! Tickets after the sale: their signed codes, QR images, admission at the door and
//! the email that delivers them.

mod codes;
mod door;
mod door_offline;
mod email;
mod issued;
mod qr;

pub use codes::TicketCodes;
pub use door::Door;
pub use door_offline::{OfflineScanOfTicket, OfflineScanOutcome, OfflineScanResult};
pub use email::{EmailedTicket, TicketEmail, TicketEmailError};
pub use qr::{qr_png, qr_svg, QrError, QR_MIN_SIDE_PX};
