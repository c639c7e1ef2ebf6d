//! Deciding a batch of hold requests: which are held, which are refused and why, and the
//! events that record it. Pure: the command layer runs it on its in-memory inventory and
//! on the aggregate alike.

mod codes;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};

use super::{
    CodeUse, HoldDecision, HoldLine, HoldOutcome, HoldRefusal, HoldRequest, IfCodeUsedUp,
    Inventory, InventoryEvent, PlacedHold,
};
use crate::event::{CapacityPool, Event, EventStatus};
use crate::ids::{CapacityPoolId, ReservationId, TicketTypeId};
use crate::voucher::{VoucherBook, VoucherCode};
use codes::CodeTaken;

/// What hold requests are decided against: the catalogue's event (status, ticket types,
/// sale windows, capacities) and its promo codes.
#[derive(Debug, Clone, Copy)]
pub struct SaleTerms<'a> {
    /// The catalogue's current state of the event.
    pub event: &'a Event,
    /// The event's promo codes; an empty book when no request carries a code.
    pub vouchers: &'a VoucherBook,
}

impl<'a> SaleTerms<'a> {
    /// The terms of `event` with its `vouchers`.
    pub fn new(event: &'a Event, vouchers: &'a VoucherBook) -> Self {
        Self { event, vouchers }
    }
}

/// An event with no promo code: requests that carry one are refused as unknown.
impl<'a> From<&'a Event> for SaleTerms<'a> {
    fn from(event: &'a Event) -> Self {
        Self::new(event, VoucherBook::none())
    }
}

impl Inventory {
    /// Decides `requests` in order at `now`, each against the inventory as changed by the
    /// requests accepted before it in the batch, so a batch never oversells.
    ///
    /// The events are, in order: one `HoldsExpired` for every hold that has lapsed by `now`
    /// but is still recorded as active (keeping the hot aggregate's active set small), then
    /// one `HoldsPlaced` with every accepted request. Either is left out when empty.
    /// Never changes `self`.
    pub fn decide_holds<'a>(
        &self,
        terms: impl Into<SaleTerms<'a>>,
        requests: &[HoldRequest],
        now: DateTime<Utc>,
    ) -> HoldDecision {
        let terms = terms.into();
        let mut batch = HoldBatch::start(self, now);
        let outcomes = requests
            .iter()
            .map(|request| batch.decide(terms, request))
            .collect();
        let mut events = Vec::new();
        if !batch.lapsed.is_empty() {
            events.push(InventoryEvent::HoldsExpired {
                reservation_ids: batch.lapsed.into_iter().collect(),
                expired_at: now,
            });
        }
        if !batch.placed.is_empty() {
            events.push(InventoryEvent::HoldsPlaced {
                holds: batch.placed,
            });
        }
        HoldDecision { events, outcomes }
    }
}

/// The inventory as a batch sees it part way through: the recorded state, less the holds
/// lapsed by `now`, plus the holds accepted so far.
struct HoldBatch<'a> {
    inventory: &'a Inventory,
    now: DateTime<Utc>,
    /// Holds recorded as active that have lapsed by `now` (sorted, as the event wants them).
    lapsed: BTreeSet<ReservationId>,
    /// Tickets per type in those lapsed holds, computed once rather than per request.
    lapsed_tickets: BTreeMap<TicketTypeId, u32>,
    /// Code uses in those lapsed holds, likewise.
    lapsed_code_uses: BTreeMap<VoucherCode, u32>,
    /// Tickets per type in holds accepted by this batch that count at `now`.
    accepted_tickets: BTreeMap<TicketTypeId, u32>,
    /// Code uses in holds accepted by this batch that count at `now`.
    accepted_code_uses: BTreeMap<VoucherCode, u32>,
    placed: Vec<PlacedHold>,
    placed_index: BTreeMap<ReservationId, usize>,
}

impl<'a> HoldBatch<'a> {
    fn start(inventory: &'a Inventory, now: DateTime<Utc>) -> Self {
        let mut lapsed = BTreeSet::new();
        let mut lapsed_tickets = BTreeMap::new();
        let mut lapsed_code_uses = BTreeMap::new();
        for (reservation_id, hold) in inventory.lapsed_holds(now) {
            lapsed.insert(reservation_id);
            for line in hold.lines() {
                *lapsed_tickets.entry(line.ticket_type_id).or_insert(0) += line.quantity.get();
            }
            if let Some(code_use) = hold.code_use() {
                *lapsed_code_uses.entry(code_use.code.clone()).or_insert(0) += code_use.uses;
            }
        }
        Self {
            inventory,
            now,
            lapsed,
            lapsed_tickets,
            lapsed_code_uses,
            accepted_tickets: BTreeMap::new(),
            accepted_code_uses: BTreeMap::new(),
            placed: Vec::new(),
            placed_index: BTreeMap::new(),
        }
    }

    fn decide(&mut self, terms: SaleTerms<'_>, request: &HoldRequest) -> HoldOutcome {
        if let Some(outcome) = self.answer_known_reservation(request) {
            return outcome;
        }
        match self.check(terms, request) {
            Ok(code) => {
                let code_used_up = matches!(code, CodeTaken::UsedUp);
                self.accept(request, code.into_use());
                HoldOutcome::Held {
                    expires_at: request.expires_at,
                    code_used_up,
                }
            }
            Err(refusal) => HoldOutcome::Refused(refusal),
        }
    }

    /// The answer for a reservation id this inventory has seen, in this batch or before.
    fn answer_known_reservation(&self, request: &HoldRequest) -> Option<HoldOutcome> {
        let id = request.reservation_id;
        let existing = match self.placed_index.get(&id) {
            Some(&index) => {
                let placed = &self.placed[index];
                Some((&placed.lines, placed.expires_at, placed.code_use.as_ref()))
            }
            None => self
                .inventory
                .hold(id)
                .map(|hold| (&hold.lines, hold.expires_at, hold.code_use.as_ref())),
        };
        match existing {
            Some((lines, expires_at, code_use))
                if expires_at > self.now && same_lines(lines, &request.lines) =>
            {
                let held_code = code_use.map(|code_use| &code_use.code);
                // A retry of a request that fell back finds its hold without the code.
                let code_used_up = held_code.is_none()
                    && request.code.is_some()
                    && request.if_code_used_up == IfCodeUsedUp::HoldWithoutCode;
                if held_code != request.code.as_ref() && !code_used_up {
                    return Some(HoldOutcome::Refused(HoldRefusal::ReservationIdReused));
                }
                Some(HoldOutcome::AlreadyHeld {
                    expires_at,
                    code_used_up,
                })
            }
            Some(_) => Some(HoldOutcome::Refused(HoldRefusal::ReservationIdReused)),
            None if self.inventory.ended.contains_key(&id) => {
                Some(HoldOutcome::Refused(HoldRefusal::ReservationIdReused))
            }
            None => None,
        }
    }

    /// The first rule the request breaks, checking the event, then the request's shape,
    /// then its code, then each line in order; else what the hold takes of its code.
    fn check(&self, terms: SaleTerms<'_>, request: &HoldRequest) -> Result<CodeTaken, HoldRefusal> {
        let event = terms.event;
        match event.status() {
            EventStatus::Published if event.id().is_some() => {}
            EventStatus::Cancelled => return Err(HoldRefusal::EventCancelled),
            EventStatus::Published | EventStatus::Draft => return Err(HoldRefusal::EventNotOnSale),
        }
        if request.lines.is_empty() {
            return Err(HoldRefusal::EmptyRequest);
        }
        let mut seen = BTreeSet::new();
        for line in &request.lines {
            if !seen.insert(line.ticket_type_id) {
                return Err(HoldRefusal::DuplicateLine(line.ticket_type_id));
            }
        }
        let code = self.code_taken(terms.vouchers, request)?;
        // A hidden ticket type (a presale) is sold only with a code that unlocks it; to
        // anyone else it does not exist, nor to a buyer whose code fell back for lack of
        // uses: the request is then decided as if no code had been entered.
        let unlocked = match &code {
            CodeTaken::Uses(code_use) => terms
                .vouchers
                .voucher(&code_use.code)
                .map(|voucher| &voucher.terms.unlocks),
            CodeTaken::NoCode | CodeTaken::UsedUp => None,
        };
        for line in &request.lines {
            let id = line.ticket_type_id;
            let hidden = event
                .ticket_type(id)
                .is_some_and(|ticket_type| ticket_type.hidden);
            if hidden && !unlocked.is_some_and(|unlocked| unlocked.contains(&id)) {
                return Err(HoldRefusal::UnknownTicketType(id));
            }
        }
        // Lines of one request drawing from the same pool must fit in it together.
        let mut asked_of_pools = BTreeMap::new();
        request
            .lines
            .iter()
            .try_for_each(|line| self.check_line(event, line, &mut asked_of_pools))?;
        Ok(code)
    }

    fn check_line(
        &self,
        event: &Event,
        line: &HoldLine,
        asked_of_pools: &mut BTreeMap<CapacityPoolId, u32>,
    ) -> Result<(), HoldRefusal> {
        let id = line.ticket_type_id;
        let ticket_type = event
            .ticket_type(id)
            .ok_or(HoldRefusal::UnknownTicketType(id))?;
        if self.now < ticket_type.sale_window.opens_at() {
            return Err(HoldRefusal::SaleNotOpen(id));
        }
        if self.now >= ticket_type.sale_window.closes_at() {
            return Err(HoldRefusal::SaleClosed(id));
        }
        let max = ticket_type.max_per_order.get();
        if line.quantity.get() > u32::from(max) {
            return Err(HoldRefusal::TooManyPerOrder {
                ticket_type_id: id,
                max,
            });
        }
        let mut available = ticket_type
            .capacity
            .get()
            .saturating_sub(self.inventory.sold(id))
            .saturating_sub(self.held(id))
            .saturating_sub(self.inventory.claimed_by_waiting_list(event, id));
        if let Some(pool) = event.pool_of(id) {
            let asked = asked_of_pools.entry(pool.id).or_insert(0);
            let pool_left = self.pool_available(event, pool).saturating_sub(*asked);
            available = available.min(pool_left);
            *asked = asked.saturating_add(line.quantity.get());
        }
        if line.quantity.get() > available {
            return Err(HoldRefusal::SoldOut {
                ticket_type_id: id,
                available,
            });
        }
        Ok(())
    }

    /// Tickets a pool has left for buyers at `now`, counting this batch's accepted
    /// requests: the earlier holds of a batch take from the pool as they take from their
    /// types, and the waiting lists' claims are not for sale.
    fn pool_available(&self, event: &Event, pool: &CapacityPool) -> u32 {
        pool.ticket_types
            .iter()
            .fold(pool.capacity.get(), |left, &id| {
                left.saturating_sub(self.inventory.sold(id))
                    .saturating_sub(self.held(id))
                    .saturating_sub(self.inventory.claimed_by_waiting_list(event, id))
            })
    }

    /// Tickets of this type held at `now`, counting this batch's accepted requests.
    fn held(&self, ticket_type_id: TicketTypeId) -> u32 {
        let recorded = self
            .inventory
            .stock
            .get(&ticket_type_id)
            .map_or(0, |stock| stock.held_in_active_holds);
        let lapsed = self
            .lapsed_tickets
            .get(&ticket_type_id)
            .copied()
            .unwrap_or(0);
        let accepted = self
            .accepted_tickets
            .get(&ticket_type_id)
            .copied()
            .unwrap_or(0);
        recorded.saturating_sub(lapsed).saturating_add(accepted)
    }

    fn accept(&mut self, request: &HoldRequest, code_use: Option<CodeUse>) {
        // The command layer sets `expires_at` after `now`; were it not, the hold would be
        // recorded but, like any lapsed hold, never count.
        if request.expires_at > self.now {
            for line in &request.lines {
                *self
                    .accepted_tickets
                    .entry(line.ticket_type_id)
                    .or_insert(0) += line.quantity.get();
            }
            if let Some(code_use) = &code_use {
                *self
                    .accepted_code_uses
                    .entry(code_use.code.clone())
                    .or_insert(0) += code_use.uses;
            }
        }
        self.placed_index
            .insert(request.reservation_id, self.placed.len());
        self.placed.push(PlacedHold {
            reservation_id: request.reservation_id,
            lines: request.lines.clone(),
            expires_at: request.expires_at,
            placed_at: self.now,
            code_use,
        });
    }
}

/// Whether two requests ask for the same tickets, whatever the order of their lines.
/// `held` never has two lines of one ticket type, so equal lengths and inclusion suffice.
fn same_lines(held: &[HoldLine], asked: &[HoldLine]) -> bool {
    held.len() == asked.len() && held.iter().all(|line| asked.contains(line))
}
