//! An event's two streams in the event store as reservations use them: its `Inventory`
//! (holds and sales) and its `Event` (the catalogue's rules). Every read of and append to
//! the store made for reservations goes through here, so that a change of the store's API
//! touches one file.

use carneau_domain::event::Event;
use carneau_domain::ids::EventId;
use carneau_domain::inventory::{Inventory, InventoryEvent};
use carneau_domain::{Cause, Decide, EventMetadata, Process};
use sqlx::PgPool;

use super::ReservationError;
use crate::aggregate_store::AggregateStore;
use crate::event_store::AppendError;

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

    /// Appends `events` right after `loaded`'s version and, once they are in the log,
    /// applies them to `loaded`. On an error the outcome is unknown (the connection may
    /// have dropped at commit): the caller must load the inventory again.
    pub async fn append(
        &self,
        event_id: EventId,
        loaded: &mut Loaded,
        events: Vec<InventoryEvent>,
    ) -> Result<Append, ReservationError> {
        let appended = self
            .inventories
            .append(
                &event_id.to_aggregate_id(),
                loaded.version,
                &events,
                &desk_metadata(),
            )
            .await;
        match appended {
            Ok(version) => {
                loaded.version = version;
                for event in events {
                    loaded.inventory.evolve(event);
                }
                Ok(Append::Appended)
            }
            Err(AppendError::Conflict) => Ok(Append::Conflict),
            Err(error) => Err(error.into()),
        }
    }
}

/// What reservations' appends record: the desk decides for many buyers' requests and for
/// the payments and sweeper processes in one append. (Recording each decision's own actor
/// and cause inside a batch is issue 11's.)
fn desk_metadata() -> EventMetadata {
    EventMetadata::process(
        Process::ReservationDesk,
        Cause::Request { request_id: None },
    )
}
