//! The emails that tell a buyer what happened to their money or their event, besides the
//! tickets themselves (`crate::tickets::email`): a refund carried out, an event called
//! off, an event moved to another date, time or place (or given another end), tickets
//! offered to a buyer on a waiting list. Each is
//! composed from facts of the log and queued once per fact (its dedupe key).

mod cancellation;
mod change;
mod event_summary;
mod refund;
mod waiting_offer;

pub use cancellation::CancellationEmail;
pub use change::EventChangeEmail;
pub use event_summary::{local_end, local_time, EventSummary};
pub use refund::RefundEmail;
pub use waiting_offer::WaitingOfferEmail;
