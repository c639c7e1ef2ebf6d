//! What happened to an event's inventory, as recorded in the event store.
//!
//! Placing and expiring are recorded in batches (one event for many holds) because the
//! inventory of a popular event is a hot aggregate: fewer appends per reservation is how it
//! keeps up (design notes, section 5). The serde form is the stored form: rename nothing,
//! and add a new variant or a new `event_version` rather than changing an old one.

use chrono::{DateTime, Utc};
use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};

use super::code_uses::CodeUse;
use super::request::HoldLine;
use super::waiting_list::{WaitingEntry, WaitingOffer};
use crate::ids::{OrderId, ReservationId, WaitingEntryId};

/// One hold, as recorded when it was placed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlacedHold {
    /// The reservation the tickets are held for.
    pub reservation_id: ReservationId,
    /// The tickets held, at most one line per ticket type.
    pub lines: Vec<HoldLine>,
    /// When the hold lapses if not paid.
    pub expires_at: DateTime<Utc>,
    /// When it was placed.
    pub placed_at: DateTime<Utc>,
    /// The promo code's uses held with the tickets (absent without a code, as in the
    /// facts recorded before codes existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_use: Option<CodeUse>,
}

/// The facts recorded about an event's inventory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum InventoryEvent {
    /// Tickets were held for one or more reservations, all decided at once.
    HoldsPlaced {
        /// The new holds, in the order their requests were decided.
        holds: Vec<PlacedHold>,
    },
    /// A buyer gave the tickets of a hold back before it lapsed.
    HoldReleased {
        /// The released reservation.
        reservation_id: ReservationId,
        /// When.
        released_at: DateTime<Utc>,
    },
    /// Holds lapsed unpaid. They stopped counting at their own `expires_at`; this records
    /// it so the aggregate can forget their lines.
    HoldsExpired {
        /// The lapsed reservations, sorted.
        reservation_ids: Vec<ReservationId>,
        /// When the expiry was recorded (not when each hold lapsed).
        expired_at: DateTime<Utc>,
    },
    /// A buyer started paying: the hold now lasts until the payment session is over, and
    /// the checkout's process manager ends it earlier once the session is known expired.
    HoldExtended {
        /// The hold being paid for.
        reservation_id: ReservationId,
        /// Its new expiry.
        expires_at: DateTime<Utc>,
    },
    /// A hold was paid for: its tickets move from held to sold. `late` when the hold had
    /// lapsed or ended before the payment landed and the tickets were still available.
    HoldSold {
        /// The reservation paid for.
        reservation_id: ReservationId,
        /// The order that paid.
        order_id: OrderId,
        /// The tickets sold.
        lines: Vec<HoldLine>,
        /// Whether the payment came after the hold had stopped counting.
        late: bool,
        /// When.
        sold_at: DateTime<Utc>,
        /// The promo code's uses spent by the sale.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        code_use: Option<CodeUse>,
    },
    /// Refunded tickets went back on sale.
    TicketsReturned {
        /// The order refunded.
        order_id: OrderId,
        /// Which of the order's refunds.
        refund_number: u32,
        /// The tickets returned.
        lines: Vec<HoldLine>,
        /// When.
        returned_at: DateTime<Utc>,
        /// The promo code's uses given back with the refund, when the organiser said so.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        code_use: Option<CodeUse>,
    },
    /// A buyer joined the waiting list of a sold-out ticket type.
    WaitingListJoined {
        /// Their place.
        entry: WaitingEntry,
    },
    /// A waiting buyer gave up their place.
    WaitingListLeft {
        /// The place given up.
        entry_id: WaitingEntryId,
        /// When.
        left_at: DateTime<Utc>,
    },
    /// Tickets that came back were held for the people at the front of the line.
    WaitingListOffered {
        /// One hold per place served, in the order they joined.
        offers: Vec<WaitingOffer>,
        /// When.
        offered_at: DateTime<Utc>,
    },
}

impl DomainEvent for InventoryEvent {
    fn event_type(&self) -> String {
        match self {
            Self::HoldsPlaced { .. } => "HoldsPlaced",
            Self::HoldReleased { .. } => "HoldReleased",
            Self::HoldsExpired { .. } => "HoldsExpired",
            Self::HoldExtended { .. } => "HoldExtended",
            Self::HoldSold { .. } => "HoldSold",
            Self::TicketsReturned { .. } => "TicketsReturned",
            Self::WaitingListJoined { .. } => "WaitingListJoined",
            Self::WaitingListLeft { .. } => "WaitingListLeft",
            Self::WaitingListOffered { .. } => "WaitingListOffered",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}
