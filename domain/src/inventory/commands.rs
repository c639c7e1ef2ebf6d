//! What the command layer can ask of an event's inventory.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::request::HoldRequest;
use crate::event::Event;
use crate::ids::ReservationId;

/// A request to change an event's inventory. Every command carries the current time,
/// supplied by the command layer: the domain never reads a clock.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum InventoryCommand {
    /// Decide a batch of hold requests (see [`super::Inventory::decide_holds`]). Succeeds
    /// even when some or all requests are refused: the per-request outcomes are the
    /// caller's, who computes them with `decide_holds` on its own copy of the state.
    PlaceHolds {
        /// The catalogue's current state of the event: status, ticket types, sale windows.
        event: Box<Event>,
        /// The requests, decided in this order.
        requests: Vec<HoldRequest>,
        /// The current time.
        now: DateTime<Utc>,
    },
    /// Give back the tickets of an unexpired hold.
    ReleaseHold {
        /// The reservation to release.
        reservation_id: ReservationId,
        /// The current time.
        now: DateTime<Utc>,
    },
    /// Record the expiry of every hold that has lapsed by `now` (the sweeper's command).
    ExpireHolds {
        /// The current time.
        now: DateTime<Utc>,
    },
}
