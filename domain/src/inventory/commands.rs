//! What the command layer can ask of an event's inventory.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::code_uses::{CodeClaim, CodeUse};
use super::request::{HoldLine, HoldRequest};
use super::waiting_list::WaitingRequest;
use crate::event::Event;
use crate::ids::{OrderId, ReservationId, WaitingEntryId};
use crate::voucher::VoucherBook;

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
        /// The event's promo codes, for the requests that carry one.
        vouchers: Box<VoucherBook>,
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
    /// Keep an unexpired hold until `expires_at` (checkout started).
    ExtendHold {
        /// The hold.
        reservation_id: ReservationId,
        /// Its new expiry; an earlier one than the current changes nothing.
        expires_at: DateTime<Utc>,
        /// The current time.
        now: DateTime<Utc>,
    },
    /// Sell the tickets of a paid hold (see [`super::Inventory::sell_hold`]).
    SellHold {
        /// The catalogue's current state of the event (capacities, status).
        event: Box<Event>,
        /// The hold paid for.
        reservation_id: ReservationId,
        /// The order that paid.
        order_id: OrderId,
        /// The tickets paid for (the hold's lines when it was placed).
        lines: Vec<HoldLine>,
        /// The promo code the order was priced with, for a late payment (an unlapsed hold
        /// spends its own code's uses).
        code: Option<CodeClaim>,
        /// The current time.
        now: DateTime<Utc>,
    },
    /// Put refunded tickets back on sale.
    ReturnTickets {
        /// The order refunded.
        order_id: OrderId,
        /// Which of its refunds.
        refund_number: u32,
        /// The tickets refunded, per type.
        lines: Vec<HoldLine>,
        /// The promo code's uses to give back, when the organiser chose to.
        code_use: Option<CodeUse>,
        /// The current time.
        now: DateTime<Utc>,
    },
    /// Put a buyer on the waiting list of a sold-out ticket type
    /// (see [`super::Inventory::join_waiting_list`]).
    JoinWaitingList {
        /// The catalogue's current state of the event.
        event: Box<Event>,
        /// Who waits, for what.
        request: WaitingRequest,
        /// The current time.
        now: DateTime<Utc>,
    },
    /// Take a waiting buyer out of the line.
    LeaveWaitingList {
        /// The place to give up.
        entry_id: WaitingEntryId,
        /// The current time.
        now: DateTime<Utc>,
    },
    /// Offer the tickets that came back to the people waiting, in order
    /// (see [`super::Inventory::offer_to_waiting_list`]).
    OfferToWaitingList {
        /// The catalogue's current state of the event.
        event: Box<Event>,
        /// When the offers lapse if not paid: set by the command layer.
        expires_at: DateTime<Utc>,
        /// The current time.
        now: DateTime<Utc>,
    },
}

impl InventoryCommand {
    /// The same command decided at `now`. A command waits in the reservation desk's queue
    /// and is decided again after losing a race to another process: it must be judged at
    /// the time it is decided, or a hold that lapsed while it waited could be extended or
    /// sold as if it still counted.
    #[must_use]
    pub fn at(mut self, at: DateTime<Utc>) -> Self {
        match &mut self {
            Self::PlaceHolds { now, .. }
            | Self::ReleaseHold { now, .. }
            | Self::ExpireHolds { now }
            | Self::ExtendHold { now, .. }
            | Self::SellHold { now, .. }
            | Self::ReturnTickets { now, .. }
            | Self::JoinWaitingList { now, .. }
            | Self::LeaveWaitingList { now, .. }
            | Self::OfferToWaitingList { now, .. } => *now = at,
        }
        self
    }
}
