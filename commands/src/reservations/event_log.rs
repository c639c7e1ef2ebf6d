//! An event's two streams in the event store as reservations use them: its `Inventory`
//! (holds and sales) and its `Event` (the catalogue's rules). Every read of and append to
//! the store made for reservations goes through here, so that a change of the store's API
//! touches one file.

use carneau_domain::event::Event;
use carneau_domain::ids::EventId;
use carneau_domain::inventory::{HoldRequest, Inventory, InventoryEvent};
use carneau_domain::{Cause, Decide, EventMetadata, Process};
use sqlx::PgPool;

use super::ReservationError;
use crate::aggregate_store::AggregateStore;
use crate::event_store::{AppendError, NewEvent};
use crate::metrics::{self, InventoryAppend};

/// The stores reservations read and append to.
pub struct Stores {
    /// `Inventory` aggregates, one per event.
    inventories: AggregateStore<Inventory>,
    /// `Event` aggregates: the catalogue's rules (status, sale windows, capacities).
    events: AggregateStore<Event>,
}

/// An event's inventory as of a version of its stream.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The inventory with every event up to `version` applied.
    pub inventory: Inventory,
    /// How many events of the stream it has applied.
    pub version: u64,
}

/// An event's catalogue state as of a version of its stream.
#[derive(Debug, Clone)]
pub struct Catalogue {
    /// The event with every catalogue fact up to `version` applied.
    pub event: Event,
    /// How many facts of the event's stream it has applied.
    pub version: u64,
}

/// How an append that did not fail ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Append {
    /// The events are in the log, and in the loaded inventory.
    Appended,
    /// Another process appended first: nothing was written; catch up and decide again.
    Conflict,
}

impl Stores {
    /// The stores of the event store in `pool`.
    pub fn new(pool: PgPool) -> Self {
        Self {
            inventories: AggregateStore::new(pool.clone(), ()),
            events: AggregateStore::new(pool, ()),
        }
    }

    /// The catalogue's current state of the event.
    pub async fn catalogue(&self, event_id: EventId) -> Result<Event, ReservationError> {
        Ok(self.events.load(&event_id.to_aggregate_id()).await?.state)
    }

    /// The catalogue's state of the event moved forward by what was appended after
    /// `catalogue`'s version (loaded whole when `None`): a desk keeps the catalogue and
    /// pays one short read per batch for it instead of a replay.
    pub async fn catch_up_catalogue(
        &self,
        event_id: EventId,
        catalogue: &mut Option<Catalogue>,
    ) -> Result<(), ReservationError> {
        let aggregate_id = event_id.to_aggregate_id();
        match catalogue {
            None => {
                let loaded = self.events.load(&aggregate_id).await?;
                *catalogue = Some(Catalogue {
                    event: loaded.state,
                    version: loaded.version,
                });
            }
            Some(current) => {
                let newer = self
                    .events
                    .events_since(&aggregate_id, current.version)
                    .await?;
                current.version += newer.len() as u64;
                for event in newer {
                    current.event.evolve(event);
                }
            }
        }
        Ok(())
    }

    /// The event's inventory replayed from its whole stream.
    pub async fn inventory(&self, event_id: EventId) -> Result<Loaded, ReservationError> {
        let loaded = self.inventories.load(&event_id.to_aggregate_id()).await?;
        Ok(Loaded {
            inventory: loaded.state,
            version: loaded.version,
        })
    }

    /// Moves `loaded` forward by what others appended after its version.
    pub async fn catch_up(
        &self,
        event_id: EventId,
        loaded: &mut Loaded,
    ) -> Result<(), ReservationError> {
        let newer = self
            .inventories
            .events_since(&event_id.to_aggregate_id(), loaded.version)
            .await?;
        loaded.version += newer.len() as u64;
        for event in newer {
            loaded.inventory.evolve(event);
        }
        Ok(())
    }

    /// Appends `events`, each with the metadata of the caller whose decision it records,
    /// right after `loaded`'s version (in one statement) and, once they are in the log,
    /// applies them to `loaded`. On an error the outcome is unknown (the connection may
    /// have dropped at commit): the caller must load the inventory again.
    pub async fn append(
        &self,
        event_id: EventId,
        loaded: &mut Loaded,
        events: Vec<(InventoryEvent, &EventMetadata)>,
    ) -> Result<Append, ReservationError> {
        let new: Vec<_> = events
            .iter()
            .map(|(event, metadata)| NewEvent { event, metadata })
            .collect();
        let appended = self
            .inventories
            .append(&event_id.to_aggregate_id(), loaded.version, &new)
            .await;
        match appended {
            Ok(version) => {
                metrics::inventory_append(InventoryAppend::Appended);
                loaded.version = version;
                for (event, _) in events {
                    loaded.inventory.evolve(event);
                }
                Ok(Append::Appended)
            }
            Err(AppendError::Conflict) => {
                metrics::inventory_append(InventoryAppend::Conflict);
                Ok(Append::Conflict)
            }
            Err(error) => Err(error.into()),
        }
    }
}

/// What the desk records when it expires lapsed holds on its own while placing others
/// (`Inventory::decide_holds` does, to keep the active set small): no buyer asked for
/// that, time did.
pub fn lapse_metadata() -> EventMetadata {
    EventMetadata::process(Process::ReservationDesk, Cause::Schedule)
}

/// The events of a batch of holds, each with the metadata of who it is for: a
/// `HoldsPlaced` of many requests is recorded as one `HoldsPlaced` per hold, so that each
/// carries its own buyer and request (`metadata[i]` is `requests[i]`'s); lapsed holds the
/// batch expired carry `lapses`. The batch still appends once: the rows grow, not the
/// round trips.
pub fn attribute_holds<'m>(
    events: Vec<InventoryEvent>,
    requests: &[HoldRequest],
    metadata: &[&'m EventMetadata],
    lapses: &'m EventMetadata,
) -> Vec<(InventoryEvent, &'m EventMetadata)> {
    let mut attributed = Vec::with_capacity(events.len());
    for event in events {
        match event {
            InventoryEvent::HoldsPlaced { holds } => {
                for hold in holds {
                    // A reservation id appears once among the placed holds; a retry of it
                    // in the same batch is answered `AlreadyHeld` and places nothing.
                    let requester = requests
                        .iter()
                        .position(|request| request.reservation_id == hold.reservation_id)
                        .and_then(|index| metadata.get(index).copied())
                        .unwrap_or(lapses);
                    attributed.push((InventoryEvent::HoldsPlaced { holds: vec![hold] }, requester));
                }
            }
            other => attributed.push((other, lapses)),
        }
    }
    attributed
}
