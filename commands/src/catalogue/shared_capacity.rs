//! Organiser commands on capacity pools: capacities shared by several ticket types.
//!
//! Each reads the tickets sold and held per ticket type from the event's inventory, so the
//! event can refuse a pool below them. As for a ticket type's capacity, the inventory is
//! read before the event is written: a hold placed in between is not seen, and can leave
//! the new pool over its limit by that hold; the inventory then holds nothing more in the
//! pool until it is back under, so no further ticket is promised past it.

use carneau_domain::event::{
    CapacityPool, CapacityPoolChange, Event, EventCatalogueEvent, EventCommand, EventError,
    PromisedPerType, PromisedTickets,
};
use carneau_domain::ids::{CapacityPoolId, EventId};
use chrono::Utc;
use tracing::instrument;

use super::{Catalogue, CatalogueResult};
use crate::aggregate_store::{CommandError, Executed};
use crate::context::CommandContext;
use crate::idempotency::IdempotencyKey;

impl Catalogue {
    /// Shares a capacity between ticket types; `build` receives the id to give the pool.
    /// With an idempotency key the id derives from it (within this event), so a retry
    /// adds nothing twice (`false`: not added now).
    #[instrument(skip_all, fields(event_id = %event_id))]
    pub async fn add_capacity_pool(
        &self,
        event_id: EventId,
        key: Option<&IdempotencyKey>,
        build: impl FnOnce(CapacityPoolId) -> CapacityPool,
        context: &CommandContext,
    ) -> Result<(Executed<Event>, CapacityPoolId, bool), CommandError<EventError>> {
        let pool_id = match key {
            Some(key) => {
                CapacityPoolId::from_uuid(key.derive_id(&format!("capacity-pool:{event_id}")))
            }
            None => CapacityPoolId::new_random(),
        };
        let pool = build(pool_id);
        let promised = self.promised_per_type(event_id).await?;
        let command = EventCommand::AddCapacityPool {
            pool: pool.clone(),
            promised,
        };
        match self.execute(event_id, command, None, context).await {
            Ok(added) => Ok((added, pool_id, true)),
            // A retry (the id exists already) or a race with a concurrent command: the
            // history says whether this very pool was added.
            Err(
                error @ (CommandError::Rejected(EventError::DuplicateCapacityPool(_))
                | CommandError::Conflict),
            ) if key.is_some() => {
                let retried = self
                    .events
                    .recognise_retry(&event_id.to_aggregate_id(), |fact| {
                        matches!(fact, EventCatalogueEvent::CapacityPoolAdded { pool_id: added, pools }
                            if *added == pool_id && pools.iter().any(|p| p.id == pool_id
                                && p.name == pool.name && p.capacity == pool.capacity))
                    })
                    .await?;
                if let Some(existing) = retried {
                    return Ok((existing, pool_id, false));
                }
                match error {
                    CommandError::Conflict => Err(CommandError::Conflict),
                    _ => Err(CommandError::IdempotencyKeyReused),
                }
            }
            Err(error) => Err(error),
        }
    }

    /// Changes some fields of a capacity pool; a limit below what its ticket types have
    /// sold and held now is refused with their numbers.
    #[instrument(skip_all, fields(event_id = %event_id, pool_id = %pool_id))]
    pub async fn change_capacity_pool(
        &self,
        event_id: EventId,
        pool_id: CapacityPoolId,
        change: CapacityPoolChange,
        expected_version: Option<u64>,
        context: &CommandContext,
    ) -> CatalogueResult {
        let promised = self.promised_per_type(event_id).await?;
        let command = EventCommand::ChangeCapacityPool {
            pool_id,
            change,
            promised,
        };
        self.execute(event_id, command, expected_version, context)
            .await
    }

    /// Stops sharing a capacity: its ticket types keep their own capacities.
    #[instrument(skip_all, fields(event_id = %event_id, pool_id = %pool_id))]
    pub async fn remove_capacity_pool(
        &self,
        event_id: EventId,
        pool_id: CapacityPoolId,
        expected_version: Option<u64>,
        context: &CommandContext,
    ) -> CatalogueResult {
        let command = EventCommand::RemoveCapacityPool { pool_id };
        self.execute(event_id, command, expected_version, context)
            .await
    }

    /// The tickets sold and held now of each ticket type of the event, from its inventory.
    async fn promised_per_type(
        &self,
        event_id: EventId,
    ) -> Result<PromisedPerType, CommandError<EventError>> {
        let aggregate_id = event_id.to_aggregate_id();
        let event = self.events.load(&aggregate_id).await?.state;
        let inventory = self.inventories.load(&aggregate_id).await?.state;
        let now = Utc::now();
        Ok(event
            .ticket_types()
            .iter()
            .map(|ticket_type| {
                let promised = PromisedTickets {
                    sold: inventory.sold(ticket_type.id),
                    held: inventory.held(ticket_type.id, now),
                };
                (ticket_type.id, promised)
            })
            .collect())
    }
}
