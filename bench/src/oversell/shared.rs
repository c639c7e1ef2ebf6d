//! Capacities shared by several ticket types (the server's capacity pools), as the
//! oversell audit checks them: the tickets of all their types taken together.

use std::collections::HashMap;

use uuid::Uuid;

/// A capacity several ticket types draw from: their held and sold tickets together must
/// stay within `capacity`, whatever each type's own capacity allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedCapacity {
    /// The ticket types drawing from it.
    pub ticket_types: Vec<Uuid>,
    /// How many tickets they may take together.
    pub capacity: u64,
}

impl SharedCapacity {
    /// Whether `ticket_type` draws from it.
    pub fn covers(&self, ticket_type: Uuid) -> bool {
        self.ticket_types.contains(&ticket_type)
    }

    /// Tickets taken beyond its capacity, given each type's held and sold tickets.
    pub fn oversold(&self, held: &HashMap<Uuid, u64>, sold: &HashMap<Uuid, u64>) -> u64 {
        let taken: u64 = self
            .ticket_types
            .iter()
            .map(|id| held.get(id).copied().unwrap_or(0) + sold.get(id).copied().unwrap_or(0))
            .sum();
        taken.saturating_sub(self.capacity)
    }
}
