//! The oversell audit: replays an event's inventory history in commit order and watches
//! how many tickets are taken (held or sold) against each ticket type's capacity after
//! every entry.
//!
//! A sale moves a hold's tickets from held to sold; a late sale (its hold had lapsed)
//! takes them anew; returned tickets stop being sold. An extension (checkout started)
//! moves a hold's expiry.
//!
//! A hold counts from the entry that places it until one that releases or expires it,
//! or until its `expires_at` has passed when a later hold is placed: the server's rule
//! is `held <= capacity` over holds that have not lapsed, and it may resell lapsed
//! tickets before its sweeper records their expiry. (A benchmark that ends within the
//! hold lifetime never sees a lapse.) So a reported oversell is a moment when the log
//! itself shows more live tickets held than exist. A ticket type the audit was not told
//! about has a capacity of zero: a hold on it is oversold by definition.
//!
//! Ticket types sharing a capacity ([`SharedCapacity`], the server's capacity pools) are
//! also checked together, after every change of one of their counts.

mod shared;

pub use shared::SharedCapacity;

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap, HashSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One inventory change of the log that moves holds (the payload's only key names it).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub enum InventoryChange {
    /// Holds taken, possibly several reservations in one entry.
    HoldsPlaced {
        /// The holds taken.
        holds: Vec<PlacedHold>,
    },
    /// A hold given back before it lapsed.
    HoldReleased {
        /// The reservation whose hold ends.
        reservation_id: String,
        /// When it was given back.
        released_at: DateTime<Utc>,
    },
    /// Holds that reached their expiry.
    HoldsExpired {
        /// The reservations whose holds end.
        reservation_ids: Vec<String>,
        /// When they were expired.
        expired_at: DateTime<Utc>,
    },
    /// A buyer started paying: the hold now lasts until `expires_at`.
    HoldExtended {
        /// The reservation whose hold is extended.
        reservation_id: String,
        /// Its new expiry.
        expires_at: DateTime<Utc>,
    },
    /// A hold was paid for; `late` when it had stopped counting before the payment.
    HoldSold {
        /// The reservation paid for.
        reservation_id: String,
        /// The tickets sold.
        lines: Vec<HoldLine>,
        /// Whether the payment came after the hold had stopped counting.
        late: bool,
    },
    /// Refunded tickets went back on sale.
    TicketsReturned {
        /// The tickets returned.
        lines: Vec<HoldLine>,
    },
}

/// The names of the [`InventoryChange`] variants, as they appear as payload keys.
pub const HOLD_CHANGE_NAMES: [&str; 6] = [
    "HoldsPlaced",
    "HoldReleased",
    "HoldsExpired",
    "HoldExtended",
    "HoldSold",
    "TicketsReturned",
];

/// One reservation's hold.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PlacedHold {
    /// The reservation holding the tickets.
    pub reservation_id: String,
    /// Tickets held, per ticket type.
    pub lines: Vec<HoldLine>,
    /// When the hold lapses.
    pub expires_at: DateTime<Utc>,
    /// When it was taken.
    pub placed_at: DateTime<Utc>,
}

/// Tickets of one type within a hold.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct HoldLine {
    /// The ticket type.
    pub ticket_type_id: Uuid,
    /// How many tickets.
    pub quantity: u32,
}

/// What the replay found.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct OversellFinding {
    /// Hold-moving entries replayed.
    pub entries_replayed: u64,
    /// Entries of other kinds, by payload key: not hold changes, skipped.
    pub other_entries: BTreeMap<String, u64>,
    /// Holds placed (reservations, not tickets).
    pub holds_placed: u64,
    /// Tickets in those holds.
    pub tickets_placed: u64,
    /// Holds released.
    pub holds_released: u64,
    /// Holds expired.
    pub holds_expired: u64,
    /// Holds placed for a reservation that already held tickets (the older hold is
    /// replaced): a retry the server should have recognised.
    pub duplicate_holds: u64,
    /// Releases or expiries of a reservation holding nothing; harmless, counted to spot
    /// a log that disagrees with itself.
    pub ended_holds_not_found: u64,
    /// Holds whose expiry was moved when their buyer started paying.
    pub holds_extended: u64,
    /// Holds sold (paid for), late ones included.
    pub holds_sold: u64,
    /// Of those, sold after the hold had stopped counting.
    pub holds_sold_late: u64,
    /// Sales on time of a hold the replay did not find live: the log disagrees with
    /// itself (the tickets are counted as sold all the same).
    pub sales_without_live_hold: u64,
    /// Tickets sold.
    pub tickets_sold: u64,
    /// Tickets returned to sale by refunds.
    pub tickets_returned: u64,
    /// Tickets sold and not returned at the end of the log.
    pub final_sold_tickets: u64,
    /// The most tickets taken (held or sold) beyond capacity at any point, summed over
    /// ticket types: must be 0.
    pub max_oversell_tickets: u64,
    /// The most tickets taken (held or sold) beyond a shared capacity at any point,
    /// summed over the shared capacities: must be 0.
    pub max_pool_oversell_tickets: u64,
    /// The most tickets held at any point.
    pub peak_held_tickets: u64,
    /// Tickets held at the end of the log.
    pub final_held_tickets: u64,
    /// Tickets held at the end of the log, per ticket type.
    pub final_held_by_ticket_type: BTreeMap<Uuid, u64>,
    /// Holds that stopped counting because their `expires_at` passed before a later
    /// hold was placed, before any entry expired them: non-zero only when the run
    /// outlived its holds.
    pub holds_lapsed: u64,
}

/// The replay in progress: feed it entries in commit order, then read the finding.
#[derive(Debug)]
pub struct OversellAudit {
    capacities: HashMap<Uuid, u64>,
    pools: Vec<SharedCapacity>,
    active: HashMap<String, PlacedHold>,
    held: HashMap<Uuid, u64>,
    sold: HashMap<Uuid, u64>,
    oversold_now: u64,
    held_now: u64,
    sold_now: u64,
    /// Expiry times of the holds placed, soonest first; entries of holds that ended
    /// since are skipped when they come up.
    expiries: BinaryHeap<Reverse<(DateTime<Utc>, String)>>,
    /// Holds lapsed by the clock whose release or expiry entry has not come yet.
    lapsed: HashSet<String>,
    finding: OversellFinding,
}

impl OversellAudit {
    /// An audit of ticket types with these capacities and no holds yet.
    pub fn new(capacities: HashMap<Uuid, u64>) -> Self {
        Self {
            capacities,
            pools: Vec::new(),
            active: HashMap::new(),
            held: HashMap::new(),
            sold: HashMap::new(),
            oversold_now: 0,
            held_now: 0,
            sold_now: 0,
            expiries: BinaryHeap::new(),
            lapsed: HashSet::new(),
            finding: OversellFinding::default(),
        }
    }

    /// The same audit, also checking these capacities shared by several ticket types.
    #[must_use]
    pub fn with_pools(mut self, pools: Vec<SharedCapacity>) -> Self {
        self.pools = pools;
        self
    }

    /// Counts an entry that does not move holds.
    pub fn skip(&mut self, name: &str) {
        *self
            .finding
            .other_entries
            .entry(name.to_owned())
            .or_default() += 1;
    }

    /// Applies the next hold change of the log.
    pub fn apply(&mut self, change: InventoryChange) {
        self.finding.entries_replayed += 1;
        match change {
            InventoryChange::HoldsPlaced { holds } => {
                for hold in holds {
                    self.lapse_until(hold.placed_at);
                    self.place(hold);
                }
            }
            InventoryChange::HoldReleased {
                reservation_id,
                released_at: _,
            } => {
                if self.end(&reservation_id) {
                    self.finding.holds_released += 1;
                }
            }
            InventoryChange::HoldsExpired {
                reservation_ids,
                expired_at: _,
            } => {
                for reservation_id in reservation_ids {
                    if self.end(&reservation_id) {
                        self.finding.holds_expired += 1;
                    }
                }
            }
            InventoryChange::HoldExtended {
                reservation_id,
                expires_at,
            } => self.extend(&reservation_id, expires_at),
            InventoryChange::HoldSold {
                reservation_id,
                lines,
                late,
            } => self.sell(&reservation_id, &lines, late),
            InventoryChange::TicketsReturned { lines } => {
                for line in &lines {
                    let tickets = u64::from(line.quantity);
                    self.finding.tickets_returned += tickets;
                    self.adjust_sold(line.ticket_type_id, |sold| sold.saturating_sub(tickets));
                }
            }
        }
        // Checked after every entry, not only at the end of each commit: a commit that
        // passes through an oversold state is flagged too, which errs on the strict side.
        self.finding.max_oversell_tickets =
            self.finding.max_oversell_tickets.max(self.oversold_now);
        self.finding.peak_held_tickets = self.finding.peak_held_tickets.max(self.held_now);
    }

    /// The finding after the last entry.
    pub fn finish(mut self) -> OversellFinding {
        self.finding.final_held_tickets = self.held_now;
        self.finding.final_sold_tickets = self.sold_now;
        self.finding.final_held_by_ticket_type = self
            .held
            .iter()
            .filter(|(_, tickets)| **tickets > 0)
            .map(|(ticket_type, tickets)| (*ticket_type, *tickets))
            .collect();
        self.finding
    }

    /// Stops counting the holds whose expiry is at or before `now`.
    fn lapse_until(&mut self, now: DateTime<Utc>) {
        while let Some(Reverse((expires_at, _))) = self.expiries.peek() {
            if *expires_at > now {
                return;
            }
            let Some(Reverse((expires_at, reservation_id))) = self.expiries.pop() else {
                return;
            };
            // A hold replaced or ended since left this entry behind: only the live one
            // with this very expiry lapses.
            let live = self
                .active
                .get(&reservation_id)
                .is_some_and(|hold| hold.expires_at == expires_at);
            if live && self.end(&reservation_id) {
                self.finding.holds_lapsed += 1;
                self.lapsed.insert(reservation_id);
            }
        }
    }

    fn place(&mut self, hold: PlacedHold) {
        if self.active.contains_key(&hold.reservation_id) {
            self.finding.duplicate_holds += 1;
            self.end(&hold.reservation_id);
        }
        self.lapsed.remove(&hold.reservation_id);
        self.finding.holds_placed += 1;
        self.expiries
            .push(Reverse((hold.expires_at, hold.reservation_id.clone())));
        for line in &hold.lines {
            let tickets = u64::from(line.quantity);
            self.finding.tickets_placed += tickets;
            self.adjust(line.ticket_type_id, |held| held + tickets);
        }
        self.active.insert(hold.reservation_id.clone(), hold);
    }

    /// Moves a live hold's expiry; the heap entry of its old expiry no longer matches
    /// and is skipped when it comes up.
    fn extend(&mut self, reservation_id: &str, expires_at: DateTime<Utc>) {
        let Some(hold) = self.active.get_mut(reservation_id) else {
            self.finding.ended_holds_not_found += 1;
            return;
        };
        hold.expires_at = expires_at;
        self.finding.holds_extended += 1;
        self.expiries
            .push(Reverse((expires_at, reservation_id.to_owned())));
    }

    /// Sells a hold's tickets: an on-time sale ends the hold they were held under, a
    /// late one takes them anew.
    fn sell(&mut self, reservation_id: &str, lines: &[HoldLine], late: bool) {
        self.finding.holds_sold += 1;
        if late {
            self.finding.holds_sold_late += 1;
            // A late sale's hold may still look live to the replay if no later entry
            // lapsed it; it must not count twice.
            if let Some(hold) = self.active.remove(reservation_id) {
                self.release_lines(&hold);
            }
            self.lapsed.remove(reservation_id);
        } else if !self.end(reservation_id) {
            self.finding.sales_without_live_hold += 1;
        }
        for line in lines {
            let tickets = u64::from(line.quantity);
            self.finding.tickets_sold += tickets;
            self.adjust_sold(line.ticket_type_id, |sold| sold + tickets);
        }
    }

    /// Ends a reservation's hold; `false` when it held nothing. A hold that already
    /// lapsed is ended a second time by its release or expiry entry, which is normal.
    fn end(&mut self, reservation_id: &str) -> bool {
        let Some(hold) = self.active.remove(reservation_id) else {
            if !self.lapsed.remove(reservation_id) {
                self.finding.ended_holds_not_found += 1;
            }
            return false;
        };
        self.release_lines(&hold);
        true
    }

    /// Stops counting a hold's tickets as held.
    fn release_lines(&mut self, hold: &PlacedHold) {
        for line in &hold.lines {
            let tickets = u64::from(line.quantity);
            self.adjust(line.ticket_type_id, |held| held.saturating_sub(tickets));
        }
    }

    /// Changes the tickets held of one type and keeps the running totals in step.
    fn adjust(&mut self, ticket_type: Uuid, change: impl FnOnce(u64) -> u64) {
        let held = self.held.entry(ticket_type).or_default();
        let before = *held;
        let after = change(before);
        *held = after;
        self.held_now = self.held_now - before + after;
        self.recount_oversold(ticket_type, before, after);
    }

    /// Changes the tickets sold of one type and keeps the running totals in step.
    fn adjust_sold(&mut self, ticket_type: Uuid, change: impl FnOnce(u64) -> u64) {
        let sold = self.sold.entry(ticket_type).or_default();
        let before = *sold;
        let after = change(before);
        *sold = after;
        self.sold_now = self.sold_now - before + after;
        self.recount_oversold(ticket_type, before, after);
    }

    /// Keeps `oversold_now` in step after one of a ticket type's two counts went from
    /// `before` to `after`: what is taken is held + sold.
    fn recount_oversold(&mut self, ticket_type: Uuid, before: u64, after: u64) {
        let capacity = self.capacities.get(&ticket_type).copied().unwrap_or(0);
        let held = self.held.get(&ticket_type).copied().unwrap_or(0);
        let sold = self.sold.get(&ticket_type).copied().unwrap_or(0);
        let taken_after = held + sold;
        let taken_before = taken_after - after + before;
        self.oversold_now = self.oversold_now - taken_before.saturating_sub(capacity)
            + taken_after.saturating_sub(capacity);
        if self.pools.iter().any(|pool| pool.covers(ticket_type)) {
            let pools_oversold: u64 = self
                .pools
                .iter()
                .map(|pool| pool.oversold(&self.held, &self.sold))
                .sum();
            self.finding.max_pool_oversell_tickets =
                self.finding.max_pool_oversell_tickets.max(pools_oversold);
        }
    }
}

/// Replays `changes` (in commit order) against `capacities`.
pub fn audit(
    capacities: HashMap<Uuid, u64>,
    changes: impl IntoIterator<Item = InventoryChange>,
) -> OversellFinding {
    audit_shared(capacities, Vec::new(), changes)
}

/// Replays `changes` (in commit order) against `capacities` and the shared `pools`.
pub fn audit_shared(
    capacities: HashMap<Uuid, u64>,
    pools: Vec<SharedCapacity>,
    changes: impl IntoIterator<Item = InventoryChange>,
) -> OversellFinding {
    let mut audit = OversellAudit::new(capacities).with_pools(pools);
    for change in changes {
        audit.apply(change);
    }
    audit.finish()
}

#[cfg(test)]
mod tests;
