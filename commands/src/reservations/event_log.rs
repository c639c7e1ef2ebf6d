//! An event's streams in the event store as reservations use them: its `Inventory`
//! (holds and sales), its `Event` (the catalogue's rules) and its `VoucherBook` (promo
//! codes). Every read of and append to
//! the store made for reservations goes through here, so that a change of the store's API
//! touches one file.

use carneau_domain::event::Event;
use carneau_domain::ids::EventId;
use carneau_domain::inventory::{HoldRequest, Inventory, InventoryEvent};
use carneau_domain::voucher::VoucherBook;
use carneau_domain::{Cause, Decide, EventMetadata, Process};
use cqrs_es::Aggregate;
use sqlx::{PgConnection, PgPool, Postgres, Transaction};

use super::ReservationError;
use crate::aggregate_store::AggregateStore;
use crate::event_store::{self, AppendError, NewEvent, StoreError};
use crate::metrics::{self, InventoryAppend};

/// Moves `followed` forward by the facts of the event's stream in `store` appended after
/// its version, loading it whole when `None`.
async fn follow<A: Aggregate + Clone>(
    store: &AggregateStore<A>,
    event_id: EventId,
    followed: &mut Option<Followed<A>>,
) -> Result<(), ReservationError> {
    let aggregate_id = event_id.to_aggregate_id();
    match followed {
        None => {
            let loaded = store.load(&aggregate_id).await?;
            *followed = Some(Followed {
                state: loaded.state,
                version: loaded.version,
            });
        }
        Some(current) => {
            let newer = store.events_since(&aggregate_id, current.version).await?;
            current.version += newer.len() as u64;
            for fact in newer {
                current.state.apply(fact);
            }
        }
    }
    Ok(())
}

/// The namespace of the advisory locks that give an event's inventory stream one writer
/// at a time ('DESK' as an integer): see [`Turn`].
const TURN_LOCK_NAMESPACE: i32 = 0x4445_534B;

/// How long a desk waits for its turn before answering "busy": far longer than any
/// writer keeps it (a read, a decision and an insert), so only a stuck writer reaches it.
const TURN_LOCK_TIMEOUT: &str = "5s";

/// SQLSTATE `lock_not_available`: the turn was not given within [`TURN_LOCK_TIMEOUT`].
const LOCK_NOT_AVAILABLE: &str = "55P03";

/// The stores reservations read and append to.
pub struct Stores {
    /// The event store's pool, for appends that take the stream's turn.
    pool: PgPool,
    /// `Inventory` aggregates, one per event.
    inventories: AggregateStore<Inventory>,
    /// `Event` aggregates: the catalogue's rules (status, sale windows, capacities).
    events: AggregateStore<Event>,
    /// `VoucherBook` aggregates: the promo codes of each event.
    vouchers: AggregateStore<VoucherBook>,
}

/// An event's inventory as of a version of its stream.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The inventory with every event up to `version` applied.
    pub inventory: Inventory,
    /// How many events of the stream it has applied.
    pub version: u64,
}

/// An aggregate's state as of a version of its stream, which a desk keeps and moves
/// forward by one short read per batch instead of a replay.
#[derive(Debug, Clone)]
pub struct Followed<A> {
    /// The aggregate with every fact up to `version` applied.
    pub state: A,
    /// How many facts of its stream it has applied.
    pub version: u64,
}

/// An event's catalogue state, as a desk follows it.
pub type Catalogue = Followed<Event>;

/// An event's promo codes, as a desk follows them.
pub type Book = Followed<VoucherBook>;

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
            events: AggregateStore::new(pool.clone(), ()),
            vouchers: AggregateStore::new(pool.clone(), ()),
            pool,
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
        follow(&self.events, event_id, catalogue).await
    }

    /// The event's promo codes moved forward as [`Self::catch_up_catalogue`] moves its
    /// catalogue: read only for batches with a code in them.
    pub async fn catch_up_book(
        &self,
        event_id: EventId,
        book: &mut Option<Book>,
    ) -> Result<(), ReservationError> {
        follow(&self.vouchers, event_id, book).await
    }

    /// The event's promo codes, replayed from their stream.
    pub async fn book(&self, event_id: EventId) -> Result<VoucherBook, ReservationError> {
        Ok(self.vouchers.load(&event_id.to_aggregate_id()).await?.state)
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
        let appended = self
            .inventories
            .append(
                &event_id.to_aggregate_id(),
                loaded.version,
                &new_events(&events),
            )
            .await;
        settle(appended, loaded, events)
    }
}

/// An event's turn to append to its inventory stream: an open transaction holding the
/// event's advisory lock, in which the inventory was caught up with the log.
///
/// Every desk of the event (one per process) appends in turn, waiting on the lock instead
/// of racing: a desk that raced and lost paid a rejected insert of its whole batch, a
/// catch-up and a second decision, and with four nodes half of all appends lost
/// (docs/reservations.md, "Many nodes on one event"). Waiting costs no CPU, and the
/// requests that arrive meanwhile join the next batch. The lock is only a courtesy between
/// desks: the stream's version still decides, so a writer that does not take the turn
/// conflicts as before. Dropped without [`append`](Self::append), it is rolled back.
pub struct Turn {
    event_id: EventId,
    transaction: Transaction<'static, Postgres>,
}

impl Stores {
    /// Waits for the event's turn, then moves `loaded` forward by what others appended
    /// before it: what is decided next is decided on the inventory as the log has it.
    /// A turn not given within [`TURN_LOCK_TIMEOUT`] is [`ReservationError::Busy`]; after
    /// any other error `loaded` is in doubt and must be loaded again.
    pub async fn take_turn(
        &self,
        event_id: EventId,
        loaded: &mut Loaded,
    ) -> Result<Turn, ReservationError> {
        let mut transaction = self.pool.begin().await.map_err(StoreError::from)?;
        lock_turn(&mut transaction, event_id).await?;
        let newer = event_store::read_stream::<Inventory>(
            &mut transaction,
            &event_id.to_aggregate_id(),
            loaded.version,
        )
        .await?;
        loaded.version += newer.len() as u64;
        for event in newer {
            loaded.inventory.evolve(event);
        }
        Ok(Turn {
            event_id,
            transaction,
        })
    }
}

impl Turn {
    /// Appends `events`, decided on `loaded` as the turn caught it up, each with the
    /// metadata of the caller whose decision it records, commits, and applies them to
    /// `loaded`. On an error the outcome is unknown (the connection may have dropped at
    /// commit): the caller must load the inventory again.
    pub async fn append(
        mut self,
        loaded: &mut Loaded,
        events: Vec<(InventoryEvent, &EventMetadata)>,
    ) -> Result<Append, ReservationError> {
        let appended = event_store::append::<Inventory>(
            &mut self.transaction,
            &self.event_id.to_aggregate_id(),
            loaded.version,
            &new_events(&events),
        )
        .await;
        if appended.is_ok() {
            self.transaction.commit().await.map_err(StoreError::from)?;
        }
        settle(appended, loaded, events)
    }
}

/// The rows of an append: each event with its own caller's metadata.
fn new_events<'a>(
    events: &'a [(InventoryEvent, &'a EventMetadata)],
) -> Vec<NewEvent<'a, InventoryEvent>> {
    events
        .iter()
        .map(|(event, metadata)| NewEvent { event, metadata })
        .collect()
}

/// What an append (committed, when it is `Ok`) came to: the events applied to `loaded`
/// once they are in the log, a lost race, or a failure; counted in the metrics.
fn settle(
    appended: Result<u64, AppendError>,
    loaded: &mut Loaded,
    events: Vec<(InventoryEvent, &EventMetadata)>,
) -> Result<Append, ReservationError> {
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

/// Waits for the event's turn lock, kept until the end of `transaction`;
/// [`ReservationError::Busy`] if it was not given within [`TURN_LOCK_TIMEOUT`].
async fn lock_turn(
    transaction: &mut PgConnection,
    event_id: EventId,
) -> Result<(), ReservationError> {
    // One round trip: the timeout is set (for this transaction only) in the FROM clause,
    // which is evaluated before the lock is asked for.
    let locked = sqlx::query(
        "SELECT pg_advisory_xact_lock($1, $2) \
           FROM (SELECT set_config('lock_timeout', $3, true)) AS timeout",
    )
    .bind(TURN_LOCK_NAMESPACE)
    .bind(turn_key(event_id))
    .bind(TURN_LOCK_TIMEOUT)
    .execute(transaction)
    .await;
    match locked {
        Ok(_) => Ok(()),
        Err(sqlx::Error::Database(error))
            if error.code().as_deref() == Some(LOCK_NOT_AVAILABLE) =>
        {
            metrics::inventory_append(InventoryAppend::TurnTimedOut);
            Err(ReservationError::Busy)
        }
        Err(error) => Err(StoreError::from(error).into()),
    }
}

/// The advisory lock (namespace, key) that is the event's turn to append to its inventory
/// stream: what an operator looks for in `pg_locks` when desks wait.
pub fn turn_lock(event_id: EventId) -> (i32, i32) {
    (TURN_LOCK_NAMESPACE, turn_key(event_id))
}

/// The second key of an event's turn lock: 32 bits of its id. Two events that share it
/// share a turn, which costs them some waiting and nothing else.
fn turn_key(event_id: EventId) -> i32 {
    let uuid = event_id.as_uuid();
    let bytes = uuid.as_bytes();
    i32::from_be_bytes([bytes[12], bytes[13], bytes[14], bytes[15]])
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
