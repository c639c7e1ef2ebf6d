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
    /// What to do when `code` has no use left (absent from requests recorded before a
    /// buyer could choose: they refused).
    #[serde(default, skip_serializing_if = "IfCodeUsedUp::is_refuse")]
    pub if_code_used_up: IfCodeUsedUp,
}

/// What a buyer wants when their promo code has no use left. Decided with the hold, in
/// the same decision: in a rush, asking again without the code would cost the buyer their
/// place in line. Only a code used up falls back; a code unknown, unusable or applying to
/// none of the tickets is a mistake the buyer should hear about, whatever they chose.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IfCodeUsedUp {
    /// Refuse the request ([`HoldRefusal::CodeUsedUp`]).
    #[default]
    Refuse,
    /// Hold the tickets as if no code had been entered: no use of it is held, the tickets
    /// are at their list price, and the hidden ticket types it unlocks are unknown.
    HoldWithoutCode,
}

impl IfCodeUsedUp {
    /// Whether a request with this choice is refused when its code is used up (the
    /// default, left out of the stored form).
    pub fn is_refuse(&self) -> bool {
        *self == Self::Refuse
    }
}

/// The answer to one [`HoldRequest`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HoldOutcome {
    /// The tickets are held until `expires_at`.
    Held {
        /// When the new hold lapses.
        expires_at: DateTime<Utc>,
        /// The request's code had no use left and the request asked to be held anyway
        /// ([`IfCodeUsedUp::HoldWithoutCode`]): the hold has no code.
        code_used_up: bool,
    },
    /// The same reservation was already held with the same lines (a retry): nothing new is
    /// recorded and the original expiry stands.
    AlreadyHeld {
        /// When the existing hold lapses.
        expires_at: DateTime<Utc>,
        /// The existing hold was placed without the request's code, which had no use left
        /// (see [`HoldOutcome::Held`]).
        code_used_up: bool,
    },
    /// Nothing is held, for this reason.
    Refused(HoldRefusal),
}

impl HoldOutcome {
    /// Whether the buyer has the tickets held (newly or from an earlier identical request).
    pub fn is_held(&self) -> bool {
        matches!(self, Self::Held { .. } | Self::AlreadyHeld { .. })
    }

    /// The same outcome, saying the hold was placed without the request's code because
    /// it had no use left: the command layer's guard may decide that before the log.
    #[must_use]
    pub fn without_code(self) -> Self {
        match self {
            Self::Held { expires_at, .. } => Self::Held {
                expires_at,
                code_used_up: true,
            },
            Self::AlreadyHeld { expires_at, .. } => Self::AlreadyHeld {
                expires_at,
                code_used_up: true,
            },
            refused @ Self::Refused(_) => refused,
        }
    }

    /// Whether the tickets are held without the request's code, which had no use left.
    pub fn code_used_up(&self) -> bool {
        matches!(
            self,
            Self::Held {
                code_used_up: true,
                ..
            } | Self::AlreadyHeld {
                code_used_up: true,
                ..
            }
        )
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
