//! The rules of capacity pools: which facts adding, changing or removing one records, or
//! why it is refused. Like ticket types, a pool never drops below what buyers already have.

use std::collections::BTreeSet;

use super::{
    CapacityPool, CapacityPoolChange, Event, EventCatalogueEvent, EventError, PromisedPerType,
    MAX_CAPACITY_POOLS,
};
use crate::ids::{CapacityPoolId, TicketTypeId};

impl Event {
    pub(super) fn add_capacity_pool(
        &self,
        pool: CapacityPool,
        promised: &PromisedPerType,
    ) -> Result<Vec<EventCatalogueEvent>, EventError> {
        if self.capacity_pool(pool.id).is_some() || self.removed_capacity_pools.contains(&pool.id) {
            return Err(EventError::DuplicateCapacityPool(pool.id));
        }
        if self.capacity_pools.len() >= MAX_CAPACITY_POOLS {
            return Err(EventError::TooManyCapacityPools);
        }
        let pool = self.check_capacity_pool(pool)?;
        check_room_for_promised(&pool, promised)?;
        let pool_id = pool.id;
        let mut pools = self.capacity_pools.clone();
        pools.push(pool);
        Ok(vec![EventCatalogueEvent::CapacityPoolAdded {
            pool_id,
            pools,
        }])
    }

    pub(super) fn change_capacity_pool(
        &self,
        pool_id: CapacityPoolId,
        change: CapacityPoolChange,
        promised: &PromisedPerType,
    ) -> Result<Vec<EventCatalogueEvent>, EventError> {
        let current = self
            .capacity_pool(pool_id)
            .ok_or(EventError::UnknownCapacityPool(pool_id))?;
        let pool = self.check_capacity_pool(change.merged_into(current))?;
        // As for a ticket type's capacity: refused only when the change itself would leave
        // fewer places than promised (a lower limit, or types with tickets brought in); a
        // pool already short after an older change may stay as it is.
        let lowered = pool.capacity < current.capacity;
        let brought_in = pool
            .ticket_types
            .iter()
            .any(|id| !current.covers(*id) && promised.get(id).is_some_and(|p| p.any()));
        if lowered || brought_in {
            check_room_for_promised(&pool, promised)?;
        }
        if &pool == current {
            return Ok(vec![]);
        }
        Ok(vec![EventCatalogueEvent::CapacityPoolChanged {
            pool_id,
            pools: self.pools_with(pool),
        }])
    }

    pub(super) fn remove_capacity_pool(
        &self,
        pool_id: CapacityPoolId,
    ) -> Result<Vec<EventCatalogueEvent>, EventError> {
        if self.capacity_pool(pool_id).is_none() {
            return Err(EventError::UnknownCapacityPool(pool_id));
        }
        // Removing a pool only lifts a limit: nothing promised can be broken.
        Ok(vec![EventCatalogueEvent::CapacityPoolRemoved {
            pool_id,
            pools: self.pools_without(pool_id),
        }])
    }

    /// The fact that takes a removed ticket type out of its pool, if it was in one: the
    /// pool's last type takes the pool with it, since a pool covers at least one type.
    pub(super) fn pool_without(&self, ticket_type_id: TicketTypeId) -> Option<EventCatalogueEvent> {
        let pool = self.pool_of(ticket_type_id)?;
        let mut left = pool.clone();
        left.ticket_types.retain(|id| *id != ticket_type_id);
        Some(if left.ticket_types.is_empty() {
            EventCatalogueEvent::CapacityPoolRemoved {
                pool_id: pool.id,
                pools: self.pools_without(pool.id),
            }
        } else {
            EventCatalogueEvent::CapacityPoolChanged {
                pool_id: pool.id,
                pools: self.pools_with(left),
            }
        })
    }

    /// The rules a pool must meet within this event, whether added or changed; answers it
    /// with its ticket types listed once each, in the order first given.
    fn check_capacity_pool(&self, mut pool: CapacityPool) -> Result<CapacityPool, EventError> {
        let name = pool.name.as_str().to_lowercase();
        let name_taken = self
            .capacity_pools
            .iter()
            .any(|other| other.id != pool.id && other.name.as_str().to_lowercase() == name);
        if name_taken {
            return Err(EventError::DuplicateCapacityPoolName(
                pool.name.as_str().to_owned(),
            ));
        }
        let mut seen = BTreeSet::new();
        pool.ticket_types.retain(|id| seen.insert(*id));
        if pool.ticket_types.is_empty() {
            return Err(EventError::CapacityPoolWithoutTicketTypes);
        }
        for &ticket_type_id in &pool.ticket_types {
            if self.ticket_type(ticket_type_id).is_none() {
                return Err(EventError::UnknownTicketType(ticket_type_id));
            }
            if let Some(other) = self.pool_of(ticket_type_id).filter(|o| o.id != pool.id) {
                return Err(EventError::TicketTypeInAnotherPool {
                    ticket_type_id,
                    pool: other.name.as_str().to_owned(),
                });
            }
        }
        Ok(pool)
    }

    /// The event's pools with `pool` in place of the one with its id.
    fn pools_with(&self, pool: CapacityPool) -> Vec<CapacityPool> {
        self.capacity_pools
            .iter()
            .map(|existing| {
                if existing.id == pool.id {
                    pool.clone()
                } else {
                    existing.clone()
                }
            })
            .collect()
    }

    fn pools_without(&self, pool_id: CapacityPoolId) -> Vec<CapacityPool> {
        self.capacity_pools
            .iter()
            .filter(|pool| pool.id != pool_id)
            .cloned()
            .collect()
    }
}

fn check_room_for_promised(
    pool: &CapacityPool,
    promised: &PromisedPerType,
) -> Result<(), EventError> {
    let total = pool.promised(promised);
    if pool.capacity.get() < total.total() {
        return Err(EventError::CapacityPoolBelowPromised {
            capacity: pool.capacity.get(),
            sold: total.sold,
            held: total.held,
        });
    }
    Ok(())
}
