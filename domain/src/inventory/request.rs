//! What a buyer asks to hold, and what the inventory answers to each request of a batch.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::error::HoldRefusal;
use super::events::InventoryEvent;
use super::quantity::Quantity;
use crate::ids::{ReservationId, TicketTypeId};
use crate::voucher::VoucherCode;

/// Some tickets of one type within a reservation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HoldLine {
    /// Which kind of ticket.
    pub ticket_type_id: TicketTypeId,
    /// How many.
    pub quantity: Quantity,
}

/// One buyer's request to hold tickets of one event, held all-or-nothing across its lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HoldRequest {
    /// Chosen by the caller, so that a retried request is recognised rather than held twice.
    pub reservation_id: ReservationId,
    /// The tickets asked for; at most one line per ticket type.
    pub lines: Vec<HoldLine>,
    /// When the hold lapses if not paid: set by the command layer (now + hold lifetime).
    /// A hold whose `expires_at` is not after the decision's `now` is recorded but never
    /// counts against availability.
    pub expires_at: DateTime<Utc>,
    /// The promo code the buyer entered, if any: its uses are held with the tickets and
    /// it unlocks the hidden ticket types it names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<VoucherCode>,
}

/// The answer to one [`HoldRequest`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HoldOutcome {
    /// The tickets are held until `expires_at`.
    Held {
        /// When the new hold lapses.
        expires_at: DateTime<Utc>,
    },
    /// The same reservation was already held with the same lines (a retry): nothing new is
    /// recorded and the original expiry stands.
    AlreadyHeld {
        /// When the existing hold lapses.
        expires_at: DateTime<Utc>,
    },
    /// Nothing is held, for this reason.
    Refused(HoldRefusal),
}

impl HoldOutcome {
    /// Whether the buyer has the tickets held (newly or from an earlier identical request).
    pub fn is_held(&self) -> bool {
        matches!(self, Self::Held { .. } | Self::AlreadyHeld { .. })
    }
}

/// What [`super::Inventory::decide_holds`] decided for a batch of requests.
#[derive(Debug, Clone, PartialEq)]
pub struct HoldDecision {
    /// The events to record, in order: at most one `HoldsExpired`, then at most one
    /// `HoldsPlaced`. Empty when nothing changed.
    pub events: Vec<InventoryEvent>,
    /// One outcome per request, in the order of the requests.
    pub outcomes: Vec<HoldOutcome>,
}
