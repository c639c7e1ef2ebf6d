//! A capacity shared by several ticket types of one event: a venue of 1,000 that
//! Standard, VIP and Student tickets all draw from, each type keeping its own capacity too.
//!
//! A ticket type belongs to at most one pool. That keeps every hold's check one type
//! limit and at most one pool limit, and keeps the guard's Lua to one extra counter per
//! line; venues with nested areas (a balcony inside the venue) are not modelled.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::promised::PromisedTickets;
use super::ticket_type::Capacity;
use crate::ids::{CapacityPoolId, TicketTypeId};
use crate::text::CapacityPoolName;

/// Most capacity pools one event may have: as many as it may have ticket types.
pub const MAX_CAPACITY_POOLS: usize = super::MAX_TICKET_TYPES;

/// A limit on the tickets of several types together: at every instant, the tickets of its
/// types sold and held add up to at most `capacity`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapacityPool {
    /// Stable id, chosen by the caller so a retried add is recognisable.
    pub id: CapacityPoolId,
    /// The name the organiser knows it by ("Venue"); unique within the event, ignoring case.
    pub name: CapacityPoolName,
    /// How many tickets its types may sell and hold together.
    pub capacity: Capacity,
    /// The ticket types drawing from it, each once, none in another pool.
    pub ticket_types: Vec<TicketTypeId>,
}

impl CapacityPool {
    /// Whether `ticket_type_id` draws from this pool.
    pub fn covers(&self, ticket_type_id: TicketTypeId) -> bool {
        self.ticket_types.contains(&ticket_type_id)
    }

    /// The tickets of its types sold and held, from what the inventory promised per type.
    pub fn promised(&self, per_type: &PromisedPerType) -> PromisedTickets {
        self.ticket_types
            .iter()
            .filter_map(|id| per_type.get(id))
            .fold(PromisedTickets::NONE, |total, type_promised| {
                PromisedTickets {
                    sold: total.sold.saturating_add(type_promised.sold),
                    held: total.held.saturating_add(type_promised.held),
                }
            })
    }
}

/// The tickets sold and held of each ticket type of an event, read from its inventory by
/// the command layer; a type missing from it has none.
pub type PromisedPerType = BTreeMap<TicketTypeId, PromisedTickets>;

/// A partial edit of a [`CapacityPool`] (its id never changes): `None` keeps the value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapacityPoolChange {
    /// A new name.
    pub name: Option<CapacityPoolName>,
    /// A new shared capacity.
    pub capacity: Option<Capacity>,
    /// The ticket types drawing from it from now on (the whole list).
    pub ticket_types: Option<Vec<TicketTypeId>>,
}

impl CapacityPoolChange {
    /// The pool that results from applying this change to `current`.
    pub fn merged_into(self, current: &CapacityPool) -> CapacityPool {
        CapacityPool {
            id: current.id,
            name: self.name.unwrap_or_else(|| current.name.clone()),
            capacity: self.capacity.unwrap_or(current.capacity),
            ticket_types: self
                .ticket_types
                .unwrap_or_else(|| current.ticket_types.clone()),
        }
    }
}
