//! The waiting lists of an event's sold-out ticket types: who waits, in which order, and
//! the offers made to them when tickets come back.
//!
//! The rule: while the event's waiting list is open, the tickets the people still waiting
//! ask for are claimed for them, and buyers can hold only what is free beyond that claim
//! ([`Inventory::available`]). Tickets that come back (a hold lapses or is released, a
//! refund, a capacity raise) are therefore never taken by someone who jumped the line.
//! [`Inventory::offer_to_waiting_list`] turns them into holds for the people at the front,
//! in the order they joined, each held until its offer lapses; a lapsed offer's tickets are
//! free again, and claimed by whoever is next.
//!
//! Within a ticket type the order is strict: when the first in line asks for more tickets
//! than have come back, nobody behind them is served first. Ticket types sharing a capacity
//! pool are blocked together, so a later place of one type cannot take the pool's tickets
//! from an earlier place of another.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{HoldLine, HoldRefusal, Inventory, InventoryError, InventoryEvent, PlacedHold};
use crate::account::EmailAddress;
use crate::event::{Event, EventStatus};
use crate::ids::{ReservationId, TicketTypeId, WaitingEntryId};
use crate::inventory::Quantity;

/// A buyer's request to wait for tickets of a sold-out type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaitingRequest {
    /// Chosen by the caller, so that a retried join is recognised.
    pub entry_id: WaitingEntryId,
    /// The ticket type waited for.
    pub ticket_type_id: TicketTypeId,
    /// How many tickets the buyer wants, all offered at once.
    pub quantity: Quantity,
    /// Where the offer goes.
    pub email: EmailAddress,
}

/// A place on a waiting list, as recorded when the buyer joined.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaitingEntry {
    /// The place's id.
    pub entry_id: WaitingEntryId,
    /// The ticket type waited for.
    pub ticket_type_id: TicketTypeId,
    /// How many tickets.
    pub quantity: Quantity,
    /// Where the offer goes.
    pub email: EmailAddress,
    /// When the buyer joined; places are served in the order they were recorded.
    pub joined_at: DateTime<Utc>,
}

/// Tickets offered to one place: a hold for it, paid for like any other.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaitingOffer {
    /// The place served.
    pub entry_id: WaitingEntryId,
    /// Where the offer goes: the address given when joining, so the fact alone says whom
    /// to tell.
    pub email: EmailAddress,
    /// The hold made for it (its reservation id is the entry id's UUID).
    pub hold: PlacedHold,
}

/// Where a place on a waiting list stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WaitingStand {
    /// Still in line, its tickets claimed while the list is open.
    Waiting,
    /// Tickets were held for it: the hold's own status tells the rest.
    Offered,
    /// The buyer left the line.
    Left,
}

/// One place recorded, as the aggregate keeps it to answer retries and to serve in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Place {
    ticket_type_id: TicketTypeId,
    quantity: Quantity,
    /// As given; compared in lower case, so one person cannot take two places by changing
    /// case.
    email: EmailAddress,
    /// The join's number: the order of service.
    number: u64,
    joined_at: DateTime<Utc>,
    stand: WaitingStand,
}

/// A place as the inventory knows it: what the buyer asked, and where it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitingPlace<'a> {
    /// The ticket type waited for.
    pub ticket_type_id: TicketTypeId,
    /// How many tickets.
    pub quantity: Quantity,
    /// Where the offer goes, as given.
    pub email: &'a EmailAddress,
    /// When the place was taken.
    pub joined_at: DateTime<Utc>,
    /// Where it stands.
    pub stand: WaitingStand,
    /// While waiting, its place in its ticket type's line (1 is next).
    pub position: Option<u32>,
}

/// The event's waiting lists, one per ticket type, kept in the inventory so that what they
/// claim is decided with the holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct WaitingLists {
    /// Joins recorded so far: the next join's number.
    joins: u64,
    /// Every place ever taken.
    places: BTreeMap<WaitingEntryId, Place>,
    /// The places still waiting, by join number.
    line: BTreeMap<u64, WaitingEntryId>,
    /// Tickets asked for by the places still waiting, per ticket type.
    claimed: BTreeMap<TicketTypeId, u32>,
}

impl WaitingLists {
    /// Tickets of a type claimed by the places still waiting (whether or not the list is
    /// open: the caller asks the event).
    pub(super) fn claimed(&self, ticket_type_id: TicketTypeId) -> u32 {
        self.claimed.get(&ticket_type_id).copied().unwrap_or(0)
    }

    pub(super) fn record_join(&mut self, entry: &WaitingEntry) {
        if self.places.contains_key(&entry.entry_id) {
            return;
        }
        self.joins += 1;
        self.line.insert(self.joins, entry.entry_id);
        *self.claimed.entry(entry.ticket_type_id).or_default() += entry.quantity.get();
        self.places.insert(
            entry.entry_id,
            Place {
                ticket_type_id: entry.ticket_type_id,
                quantity: entry.quantity,
                email: entry.email.clone(),
                number: self.joins,
                joined_at: entry.joined_at,
                stand: WaitingStand::Waiting,
            },
        );
    }

    /// Takes a waiting place out of the line, now `stand`.
    pub(super) fn record_leaving_line(&mut self, entry_id: WaitingEntryId, stand: WaitingStand) {
        let Some(place) = self.places.get_mut(&entry_id) else {
            return;
        };
        if place.stand == WaitingStand::Waiting {
            self.line.remove(&place.number);
            if let Some(claimed) = self.claimed.get_mut(&place.ticket_type_id) {
                *claimed = claimed.saturating_sub(place.quantity.get());
            }
        }
        place.stand = stand;
    }
}

impl Inventory {
    /// Tickets of a type claimed by the people waiting for it: none while the event's
    /// waiting list is closed.
    pub fn claimed_by_waiting_list(&self, event: &Event, ticket_type_id: TicketTypeId) -> u32 {
        if event.waiting_list_open() {
            self.waiting.claimed(ticket_type_id)
        } else {
            0
        }
    }

    /// A place and where it stands (for one still waiting, its place in its ticket type's
    /// line, 1 being next); `None` if this event has no such place. Once offered, the
    /// offer's hold tells the rest ([`Inventory::hold_status`] of the entry's UUID).
    pub fn waiting_place(&self, entry_id: WaitingEntryId) -> Option<WaitingPlace<'_>> {
        let place = self.waiting.places.get(&entry_id)?;
        let position = (place.stand == WaitingStand::Waiting).then(|| {
            let ahead = self
                .waiting
                .line
                .range(..place.number)
                .filter(|(_, id)| {
                    self.waiting
                        .places
                        .get(id)
                        .is_some_and(|other| other.ticket_type_id == place.ticket_type_id)
                })
                .count();
            u32::try_from(ahead).unwrap_or(u32::MAX).saturating_add(1)
        });
        Some(WaitingPlace {
            ticket_type_id: place.ticket_type_id,
            quantity: place.quantity,
            email: &place.email,
            joined_at: place.joined_at,
            stand: place.stand,
            position,
        })
    }

    /// The event that puts `request` on the waiting list, or why not: the list is closed,
    /// the tickets could be held now, the address already waits for this type, or the rules
    /// of a hold request refuse the type. A retry of the same join records nothing.
    pub fn join_waiting_list(
        &self,
        event: &Event,
        request: WaitingRequest,
        now: DateTime<Utc>,
    ) -> Result<Vec<InventoryEvent>, InventoryError> {
        if let Some(place) = self.waiting.places.get(&request.entry_id) {
            return if place.ticket_type_id == request.ticket_type_id
                && place.quantity == request.quantity
            {
                Ok(Vec::new())
            } else {
                Err(InventoryError::WaitingEntryReused)
            };
        }
        match event.status() {
            EventStatus::Published if event.id().is_some() => {}
            EventStatus::Cancelled => return Err(InventoryError::EventCancelled),
            EventStatus::Published | EventStatus::Draft => {
                return Err(InventoryError::Refused(HoldRefusal::EventNotOnSale))
            }
        }
        if !event.waiting_list_open() {
            return Err(InventoryError::WaitingListClosed);
        }
        let id = request.ticket_type_id;
        let ticket_type = event
            .ticket_type(id)
            .filter(|ticket_type| !ticket_type.hidden)
            .ok_or(InventoryError::Refused(HoldRefusal::UnknownTicketType(id)))?;
        if now < ticket_type.sale_window.opens_at() {
            return Err(InventoryError::Refused(HoldRefusal::SaleNotOpen(id)));
        }
        if now >= ticket_type.sale_window.closes_at() {
            return Err(InventoryError::Refused(HoldRefusal::SaleClosed(id)));
        }
        let max = ticket_type.max_per_order.get();
        if request.quantity.get() > u32::from(max) {
            return Err(InventoryError::Refused(HoldRefusal::TooManyPerOrder {
                ticket_type_id: id,
                max,
            }));
        }
        let available = self.available(event, id, now);
        if available >= request.quantity.get() {
            return Err(InventoryError::TicketsAvailable { available });
        }
        let already = self.waiting.line.values().any(|entry_id| {
            self.waiting
                .places
                .get(entry_id)
                .is_some_and(|place| place.ticket_type_id == id && place.email == request.email)
        });
        if already {
            return Err(InventoryError::AlreadyWaiting);
        }
        Ok(vec![InventoryEvent::WaitingListJoined {
            entry: WaitingEntry {
                entry_id: request.entry_id,
                ticket_type_id: id,
                quantity: request.quantity,
                email: request.email,
                joined_at: now,
            },
        }])
    }

    /// The event that takes a waiting place out of the line; nothing if it left before.
    pub fn leave_waiting_list(
        &self,
        entry_id: WaitingEntryId,
        now: DateTime<Utc>,
    ) -> Result<Vec<InventoryEvent>, InventoryError> {
        match self.waiting.places.get(&entry_id).map(|place| place.stand) {
            None => Err(InventoryError::UnknownWaitingEntry),
            Some(WaitingStand::Left) => Ok(Vec::new()),
            Some(WaitingStand::Offered) => Err(InventoryError::WaitingEntryOffered),
            Some(WaitingStand::Waiting) => Ok(vec![InventoryEvent::WaitingListLeft {
                entry_id,
                left_at: now,
            }]),
        }
    }

    /// The offers to make at `now`: for each place in join order, a hold of its tickets
    /// until `expires_at` if they are free (sold, held and earlier offers counted), else
    /// its ticket type (and its pool's) waits. Nothing while the list is closed, the event
    /// is not on sale, or the type's sales have closed.
    pub fn offer_to_waiting_list(
        &self,
        event: &Event,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Vec<InventoryEvent> {
        if !event.waiting_list_open()
            || event.status() != EventStatus::Published
            || expires_at <= now
        {
            return Vec::new();
        }
        let mut blocked: BTreeSet<TicketTypeId> = BTreeSet::new();
        let mut offered: BTreeMap<TicketTypeId, u32> = BTreeMap::new();
        let mut offers = Vec::new();
        for entry_id in self.waiting.line.values() {
            let Some(place) = self.waiting.places.get(entry_id) else {
                continue;
            };
            let id = place.ticket_type_id;
            if blocked.contains(&id) {
                continue;
            }
            let reservation_id = ReservationId::from_uuid(entry_id.as_uuid());
            let id_taken = self.active.contains_key(&reservation_id)
                || self.ended.contains_key(&reservation_id);
            let open = event
                .ticket_type(id)
                .is_some_and(|ticket_type| now < ticket_type.sale_window.closes_at());
            let fits = place.quantity.get() <= self.free_for_offers(event, id, &offered, now);
            if !open || !fits {
                blocked.insert(id);
                if let Some(pool) = event.pool_of(id) {
                    blocked.extend(pool.ticket_types.iter().copied());
                }
                continue;
            }
            // Ids are chosen apart (entries and holds derive from different keys); a clash
            // would reuse a hold's id, so that place is passed over rather than served.
            if id_taken {
                continue;
            }
            *offered.entry(id).or_default() += place.quantity.get();
            offers.push(WaitingOffer {
                entry_id: *entry_id,
                email: place.email.clone(),
                hold: PlacedHold {
                    reservation_id,
                    lines: vec![HoldLine {
                        ticket_type_id: id,
                        quantity: place.quantity,
                    }],
                    expires_at,
                    placed_at: now,
                    code_use: None,
                },
            });
        }
        if offers.is_empty() {
            return Vec::new();
        }
        vec![InventoryEvent::WaitingListOffered {
            offers,
            offered_at: now,
        }]
    }

    /// Tickets of a type free at `now` for the waiting list: not sold, not held, not yet
    /// offered in this decision, and within its pool likewise.
    fn free_for_offers(
        &self,
        event: &Event,
        ticket_type_id: TicketTypeId,
        offered: &BTreeMap<TicketTypeId, u32>,
        now: DateTime<Utc>,
    ) -> u32 {
        super::left_after(event, ticket_type_id, |id| {
            self.sold(id)
                .saturating_add(self.held(id, now))
                .saturating_add(offered.get(&id).copied().unwrap_or(0))
        })
    }
}
