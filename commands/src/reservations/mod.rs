//! Reservations: holding tickets while a buyer pays, with a Redis admission guard in
//! front of the event log.
//!
//! The path of a hold: [`service::Reservations::reserve`] asks the [`guard`] (Redis, fast,
//! derived) and then the event's desk, which decides many requests against the
//! log-backed inventory and appends them at once. [`sweeper`] records lapsed holds.
//!
//! - `service`: the facade callers use;
//! - `desk`: one task per event batching decisions into few appends;
//! - `event_log`: every read of and append to the event store;
//! - `guard` and `guard_keeper`: the Redis guard, and keeping it in step with the log;
//! - `placer`: who placed a hold, read from its placing fact;
//! - `refusal_reasons`: the catalogue's reason for a refusal the guard calls sold out;
//! - `recent`: states of an event reused for a moment by the requests of a rush;
//! - `direct`: the unbatched baseline the benchmark compares against;
//! - `waiting_list` and `waiting_offers`: joining and leaving waiting lists, and the timer
//!   that offers the tickets that came back.

mod desk;
pub use desk::{FoundHold, DESK_POOL_SIZE};
mod direct;
mod event_log;
pub use event_log::turn_lock;
pub mod guard;
mod guard_keeper;
pub use guard_keeper::SOLD_OUT_REMEMBERED_FOR;
mod placer;
mod recent;
pub use placer::HoldPlacer;
mod refusal_reasons;
pub mod sale_openings;
pub mod service;
pub mod sweeper;
mod waiting_list;
pub mod waiting_offers;

pub use service::{ReservationMode, Reservations};

use std::sync::Arc;

use crate::event_store::{AppendError, StoreError};
use guard::GuardError;

/// Why a reservation command could not be carried out (as opposed to refused: a refusal
/// is a [`carneau_domain::inventory::HoldOutcome`]). Nothing was held when this is returned.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ReservationError {
    /// The event store failed. Shared because a desk answers a whole batch of requests
    /// with the one failure of its append.
    #[error("the event store failed")]
    Store(#[source] Arc<StoreError>),
    /// Redis failed while the guard was being (re)built from the log.
    #[error("the reservation guard could not be loaded")]
    Guard(#[source] Arc<GuardError>),
    /// Too many concurrent appends to this event; the client may retry.
    #[error("the event's inventory is too busy right now")]
    Busy,
    /// The reservation desk stopped (shutting down).
    #[error("reservations are unavailable right now")]
    Unavailable,
}

impl From<StoreError> for ReservationError {
    fn from(error: StoreError) -> Self {
        Self::Store(Arc::new(error))
    }
}

impl From<AppendError> for ReservationError {
    /// A conflict that outlasted the caller's retries is contention, not a failure.
    fn from(error: AppendError) -> Self {
        match error {
            AppendError::Conflict => Self::Busy,
            AppendError::Store(error) => error.into(),
        }
    }
}

impl From<GuardError> for ReservationError {
    fn from(error: GuardError) -> Self {
        Self::Guard(Arc::new(error))
    }
}
