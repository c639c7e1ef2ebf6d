//! The inventory of one event: the tickets of each type that are sold or held, and the
//! holds buyers place while they pay.
//!
//! Its rule, at every instant and for every ticket type: `sold + held <= capacity`, where
//! `held` counts only holds whose `expires_at` is after that instant; and for every
//! capacity pool, the same sum over its ticket types is at most the pool's capacity. A
//! pool keeps no counts of its own: sales, returns, releases and expiries move its types'
//! counts, so they give back to both limits at once. A lapsed hold stops
//! counting at once, whether or not its expiry has been recorded yet; recording it
//! (`HoldsExpired`) only lets the aggregate forget the hold's lines.
//!
//! There is one inventory per event (its aggregate id is the event id), so a request for
//! several ticket types of one event is held all-or-nothing. Capacities, sale windows and
//! limits belong to the catalogue's [`crate::Event`], which commands pass in.

mod code_uses;
mod commands;
mod error;
mod events;
mod placing;
mod quantity;
mod releasing;
mod request;
mod selling;
mod waiting_list;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use code_uses::{uses_of, CodeClaim, CodeReach, CodeUse};
pub use commands::InventoryCommand;
pub use error::{HoldRefusal, InventoryError};
pub use events::{InventoryEvent, PlacedHold};
pub use placing::SaleTerms;
pub use quantity::Quantity;
pub use request::{HoldDecision, HoldLine, HoldOutcome, HoldRequest, IfCodeUsedUp};
pub use waiting_list::{WaitingEntry, WaitingOffer, WaitingPlace, WaitingRequest, WaitingStand};

use crate::aggregate::Decide;
use crate::event::{CapacityPool, Event};
use crate::ids::{OrderId, ReservationId, TicketTypeId};
use crate::voucher::VoucherCode;
use code_uses::CodeCount;
use waiting_list::WaitingLists;

/// Where a hold is in its life. Once it has ended its id can never be reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HoldStatus {
    /// Its tickets are held until it expires.
    Active,
    /// The buyer gave the tickets back.
    Released,
    /// It lapsed unpaid.
    Expired,
    /// It was paid for: its tickets are sold.
    Sold,
}

/// A hold recorded as active: its tickets count until `expires_at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HoldState {
    lines: Vec<HoldLine>,
    expires_at: DateTime<Utc>,
    placed_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    code_use: Option<CodeUse>,
}

impl HoldState {
    /// The promo code it was placed with, and the uses it holds.
    pub fn code_use(&self) -> Option<&CodeUse> {
        self.code_use.as_ref()
    }

    /// The tickets held, at most one line per ticket type.
    pub fn lines(&self) -> &[HoldLine] {
        &self.lines
    }

    /// When the hold lapses if not paid.
    pub fn expires_at(&self) -> DateTime<Utc> {
        self.expires_at
    }

    /// When it was placed.
    pub fn placed_at(&self) -> DateTime<Utc> {
        self.placed_at
    }

    /// Whether the hold has lapsed by `now`; a lapsed hold no longer counts.
    pub fn is_lapsed(&self, now: DateTime<Utc>) -> bool {
        self.expires_at <= now
    }

    /// How many tickets of `ticket_type_id` it holds.
    fn tickets_of(&self, ticket_type_id: TicketTypeId) -> u32 {
        self.lines
            .iter()
            .filter(|line| line.ticket_type_id == ticket_type_id)
            .map(|line| line.quantity.get())
            .sum()
    }
}

/// The running counts of one ticket type.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
struct TicketStock {
    /// Tickets paid for and not refunded.
    sold: u32,
    /// Tickets in every hold recorded as active, including holds that have lapsed but whose
    /// expiry is not recorded yet: [`Inventory::held`] leaves those out.
    held_in_active_holds: u32,
}

/// The inventory aggregate of one event. Its state is rebuilt from [`InventoryEvent`]s; it
/// decides on [`InventoryCommand`]s and refuses with an [`InventoryError`].
///
/// Memory stays proportional to the active holds: once a hold ends, only its id and how it
/// ended are kept, so that the id can never be reused.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Inventory {
    stock: BTreeMap<TicketTypeId, TicketStock>,
    active: BTreeMap<ReservationId, HoldState>,
    /// The active holds ordered by expiry, so lapsed ones are found without a full scan.
    expiries: BTreeSet<(DateTime<Utc>, ReservationId)>,
    ended: BTreeMap<ReservationId, HoldStatus>,
    /// Refunds whose tickets went back on sale, so a repeated return changes nothing.
    #[serde(default)]
    returned: BTreeSet<(OrderId, u32)>,
    /// The uses of every promo code some hold or sale has taken.
    #[serde(default)]
    code_uses: BTreeMap<VoucherCode, CodeCount>,
    /// The waiting lists of sold-out ticket types.
    #[serde(default)]
    waiting: WaitingLists,
}

impl Inventory {
    /// Tickets of this type sold and not refunded.
    pub fn sold(&self, ticket_type_id: TicketTypeId) -> u32 {
        self.stock
            .get(&ticket_type_id)
            .map_or(0, |stock| stock.sold)
    }

    /// Tickets of this type in holds that have not lapsed by `now`.
    pub fn held(&self, ticket_type_id: TicketTypeId, now: DateTime<Utc>) -> u32 {
        let recorded = self
            .stock
            .get(&ticket_type_id)
            .map_or(0, |stock| stock.held_in_active_holds);
        let lapsed: u32 = self
            .lapsed_holds(now)
            .map(|(_, hold)| hold.tickets_of(ticket_type_id))
            .sum();
        recorded.saturating_sub(lapsed)
    }

    /// Tickets of this type a buyer could still hold at `now`: capacity less sold, held and
    /// claimed by the people on its waiting list, and no more than its capacity pool has
    /// left; 0 when the event has no such ticket type or a capacity was lowered below what
    /// is promised.
    pub fn available(
        &self,
        event: &Event,
        ticket_type_id: TicketTypeId,
        now: DateTime<Utc>,
    ) -> u32 {
        left_after(event, ticket_type_id, |id| self.taken(event, id, now))
    }

    /// Tickets a capacity pool of `event` has left for buyers at `now`: its limit less the
    /// tickets of its types sold, held and claimed by their waiting lists.
    pub fn pool_available(&self, event: &Event, pool: &CapacityPool, now: DateTime<Utc>) -> u32 {
        pool_left_after(pool, &|id| self.taken(event, id, now))
    }

    /// Tickets of a type no buyer can hold at `now`: sold, held, or claimed by the
    /// people on its waiting list.
    fn taken(&self, event: &Event, ticket_type_id: TicketTypeId, now: DateTime<Utc>) -> u32 {
        self.sold(ticket_type_id)
            .saturating_add(self.held(ticket_type_id, now))
            .saturating_add(self.claimed_by_waiting_list(event, ticket_type_id))
    }

    /// Uses of `code` taken at `now`: spent by sales, and held by holds that have not
    /// lapsed. A code may be used while this is below its limit.
    pub fn code_uses(&self, code: &VoucherCode, now: DateTime<Utc>) -> u32 {
        let Some(count) = self.code_uses.get(code) else {
            return 0;
        };
        let lapsed: u32 = self
            .lapsed_holds(now)
            .filter_map(|(_, hold)| hold.code_use.as_ref())
            .filter(|code_use| &code_use.code == code)
            .map(|code_use| code_use.uses)
            .sum();
        count
            .spent
            .saturating_add(count.held_in_active_holds.saturating_sub(lapsed))
    }

    /// Every code some sale spent uses of, with how many are spent.
    pub fn codes_spent(&self) -> impl Iterator<Item = (&VoucherCode, u32)> {
        self.code_uses
            .iter()
            .filter(|(_, count)| count.spent > 0)
            .map(|(code, count)| (code, count.spent))
    }

    /// A hold recorded as active, lapsed or not (see [`HoldState::is_lapsed`]). Ended holds
    /// keep no lines: ask [`Self::hold_status`] about them.
    pub fn hold(&self, reservation_id: ReservationId) -> Option<&HoldState> {
        self.active.get(&reservation_id)
    }

    /// Where a reservation's hold is at `now`; a lapsed hold is `Expired` even before its
    /// expiry is recorded. `None` if this inventory never held it.
    pub fn hold_status(
        &self,
        reservation_id: ReservationId,
        now: DateTime<Utc>,
    ) -> Option<HoldStatus> {
        match self.active.get(&reservation_id) {
            Some(hold) if hold.is_lapsed(now) => Some(HoldStatus::Expired),
            Some(_) => Some(HoldStatus::Active),
            None => self.ended.get(&reservation_id).copied(),
        }
    }

    /// Every hold recorded as active, by reservation id; some may have lapsed.
    pub fn active_holds(&self) -> impl Iterator<Item = (ReservationId, &HoldState)> {
        self.active.iter().map(|(id, hold)| (*id, hold))
    }

    /// The earliest expiry among holds recorded as active: when the sweeper should next run
    /// `ExpireHolds` (already past if some lapsed holds are unrecorded).
    pub fn next_expiry(&self) -> Option<DateTime<Utc>> {
        self.expiries.first().map(|(expires_at, _)| *expires_at)
    }

    /// Whether some holds have lapsed by `now` without their expiry being recorded.
    pub fn has_lapsed_holds(&self, now: DateTime<Utc>) -> bool {
        self.next_expiry()
            .is_some_and(|expires_at| expires_at <= now)
    }

    /// The holds recorded as active that have lapsed by `now`, earliest expiry first.
    fn lapsed_holds(
        &self,
        now: DateTime<Utc>,
    ) -> impl Iterator<Item = (ReservationId, &HoldState)> + '_ {
        self.expiries
            .iter()
            .take_while(move |(expires_at, _)| *expires_at <= now)
            .filter_map(|(_, id)| self.active.get(id).map(|hold| (*id, hold)))
    }

    /// Starts counting a placed hold.
    fn record_hold(&mut self, hold: PlacedHold) {
        // A well-formed history never places an id twice; if one did, the later hold wins
        // and the earlier one's tickets must not stay counted.
        self.forget_hold(hold.reservation_id);
        self.ended.remove(&hold.reservation_id);
        for line in &hold.lines {
            let stock = self.stock.entry(line.ticket_type_id).or_default();
            stock.held_in_active_holds = stock
                .held_in_active_holds
                .saturating_add(line.quantity.get());
        }
        if let Some(code_use) = &hold.code_use {
            let count = self.code_uses.entry(code_use.code.clone()).or_default();
            count.held_in_active_holds = count.held_in_active_holds.saturating_add(code_use.uses);
        }
        self.expiries.insert((hold.expires_at, hold.reservation_id));
        self.active.insert(
            hold.reservation_id,
            HoldState {
                lines: hold.lines,
                expires_at: hold.expires_at,
                placed_at: hold.placed_at,
                code_use: hold.code_use,
            },
        );
    }

    /// Stops counting a hold and remembers only its id and how it ended.
    fn end_hold(&mut self, reservation_id: ReservationId, status: HoldStatus) {
        self.forget_hold(reservation_id);
        self.ended.insert(reservation_id, status);
    }

    /// Moves an active hold's expiry later (checkout started: the hold must outlive the
    /// payment session until that session is known to be over).
    fn record_extension(&mut self, reservation_id: ReservationId, expires_at: DateTime<Utc>) {
        if let Some(hold) = self.active.get_mut(&reservation_id) {
            self.expiries.remove(&(hold.expires_at, reservation_id));
            hold.expires_at = expires_at;
            self.expiries.insert((expires_at, reservation_id));
        }
    }

    fn forget_hold(&mut self, reservation_id: ReservationId) {
        let Some(hold) = self.active.remove(&reservation_id) else {
            return;
        };
        self.expiries.remove(&(hold.expires_at, reservation_id));
        for line in &hold.lines {
            if let Some(stock) = self.stock.get_mut(&line.ticket_type_id) {
                stock.held_in_active_holds = stock
                    .held_in_active_holds
                    .saturating_sub(line.quantity.get());
            }
        }
        if let Some(code_use) = &hold.code_use {
            if let Some(count) = self.code_uses.get_mut(&code_use.code) {
                count.held_in_active_holds =
                    count.held_in_active_holds.saturating_sub(code_use.uses);
            }
        }
    }

    /// Counts a code's uses as spent (`spent`) or gives them back (refund).
    fn move_code_uses(&mut self, code_use: &CodeUse, spent: bool) {
        let count = self.code_uses.entry(code_use.code.clone()).or_default();
        count.spent = if spent {
            count.spent.saturating_add(code_use.uses)
        } else {
            count.spent.saturating_sub(code_use.uses)
        };
    }
}

crate::aggregate::aggregate!(Inventory);

impl Decide for Inventory {
    const TYPE: &'static str = "Inventory";
    type Command = InventoryCommand;
    type Event = InventoryEvent;
    type Error = InventoryError;

    /// The one decision path of the inventory: the event store's `handle`, the reservation
    /// desk's batches and the tests all come through here. `PlaceHolds` answers only its
    /// events; a caller that needs each request's outcome calls [`Inventory::decide_holds`],
    /// which this runs.
    fn decide(&self, command: InventoryCommand) -> Result<Vec<InventoryEvent>, InventoryError> {
        Ok(match command {
            InventoryCommand::PlaceHolds {
                event,
                vouchers,
                requests,
                now,
            } => {
                self.decide_holds(SaleTerms::new(&event, &vouchers), &requests, now)
                    .events
            }
            InventoryCommand::ReleaseHold {
                reservation_id,
                now,
            } => self.release_hold(reservation_id, now)?,
            InventoryCommand::ExpireHolds { now } => self.expire_holds(now),
            InventoryCommand::ExtendHold {
                reservation_id,
                expires_at,
                now,
            } => self.extend_hold(reservation_id, expires_at, now)?,
            InventoryCommand::SellHold {
                event,
                reservation_id,
                order_id,
                lines,
                code,
                now,
            } => self.sell_hold(&event, reservation_id, order_id, &lines, code, now)?,
            InventoryCommand::ReturnTickets {
                order_id,
                refund_number,
                lines,
                code_use,
                now,
            } => self.return_tickets(order_id, refund_number, &lines, code_use, now),
            InventoryCommand::JoinWaitingList {
                event,
                request,
                now,
            } => self.join_waiting_list(&event, request, now)?,
            InventoryCommand::LeaveWaitingList { entry_id, now } => {
                self.leave_waiting_list(entry_id, now)?
            }
            InventoryCommand::OfferToWaitingList {
                event,
                expires_at,
                now,
            } => self.offer_to_waiting_list(&event, expires_at, now),
        })
    }

    fn evolve(&mut self, event: InventoryEvent) {
        match event {
            InventoryEvent::HoldsPlaced { holds } => {
                for hold in holds {
                    self.record_hold(hold);
                }
            }
            InventoryEvent::HoldReleased { reservation_id, .. } => {
                self.end_hold(reservation_id, HoldStatus::Released);
            }
            InventoryEvent::HoldsExpired {
                reservation_ids, ..
            } => {
                for reservation_id in reservation_ids {
                    self.end_hold(reservation_id, HoldStatus::Expired);
                }
            }
            InventoryEvent::HoldExtended {
                reservation_id,
                expires_at,
            } => self.record_extension(reservation_id, expires_at),
            InventoryEvent::HoldSold {
                reservation_id,
                lines,
                code_use,
                ..
            } => {
                self.end_hold(reservation_id, HoldStatus::Sold);
                if let Some(code_use) = &code_use {
                    self.move_code_uses(code_use, true);
                }
                for line in &lines {
                    let stock = self.stock.entry(line.ticket_type_id).or_default();
                    stock.sold = stock.sold.saturating_add(line.quantity.get());
                }
            }
            InventoryEvent::TicketsReturned {
                order_id,
                refund_number,
                lines,
                code_use,
                ..
            } => {
                self.returned.insert((order_id, refund_number));
                if let Some(code_use) = &code_use {
                    self.move_code_uses(code_use, false);
                }
                for line in &lines {
                    if let Some(stock) = self.stock.get_mut(&line.ticket_type_id) {
                        stock.sold = stock.sold.saturating_sub(line.quantity.get());
                    }
                }
            }
            InventoryEvent::WaitingListJoined { entry } => self.waiting.record_join(&entry),
            InventoryEvent::WaitingListLeft { entry_id, .. } => {
                self.waiting
                    .record_leaving_line(entry_id, WaitingStand::Left);
            }
            InventoryEvent::WaitingListOffered { offers, .. } => {
                for offer in offers {
                    self.waiting
                        .record_leaving_line(offer.entry_id, WaitingStand::Offered);
                    self.record_hold(offer.hold);
                }
            }
        }
    }
}

/// Tickets of a type of `event` left when `taken` of each type are gone: its capacity
/// less its own, and no more than its capacity pool's limit less those of every type in
/// the pool. What a buyer can hold and what the waiting list can be offered differ only
/// in what they count as taken.
fn left_after(
    event: &Event,
    ticket_type_id: TicketTypeId,
    taken: impl Fn(TicketTypeId) -> u32,
) -> u32 {
    let Some(ticket_type) = event.ticket_type(ticket_type_id) else {
        return 0;
    };
    let own = ticket_type
        .capacity
        .get()
        .saturating_sub(taken(ticket_type_id));
    event
        .pool_of(ticket_type_id)
        .map_or(own, |pool| own.min(pool_left_after(pool, &taken)))
}

/// A pool's limit less `taken` of each of its types.
fn pool_left_after(pool: &CapacityPool, taken: &impl Fn(TicketTypeId) -> u32) -> u32 {
    pool.ticket_types
        .iter()
        .fold(pool.capacity.get(), |left, &id| {
            left.saturating_sub(taken(id))
        })
}
