//! The reservation desk of one event: a task that owns the event's inventory in memory
//! and turns every reservation request that arrived while the previous append was in
//! flight into ONE append. One optimistic append per reservation tops out near 700/s on a
//! hot event; batching is how a flash sale goes past that.
//!
//! The in-memory inventory is only a cache of the log: it is loaded from the log, moved
//! forward only by events that were appended, and caught up from the log whenever another
//! process appended first (a version conflict). This module is what callers see (the jobs
//! and the desks of every event); `running` is the desk's task, `round` what one turn of
//! it decides.

mod other_desks;
mod round;
mod running;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use carneau_domain::event::Event;
use carneau_domain::ids::{EventId, ReservationId};
use carneau_domain::inventory::{
    HoldOutcome, HoldRequest, HoldState, HoldStatus, Inventory, InventoryCommand, InventoryError,
    InventoryEvent,
};
use carneau_domain::EventMetadata;
use tokio::sync::{mpsc, oneshot};

use super::event_log::Stores;
use super::ReservationError;

/// Most requests decided in one append.
pub const MAX_BATCH_REQUESTS: usize = 512;
/// A desk with no work for this long stops; the next request starts a new one.
pub const DESK_IDLE_TIMEOUT: Duration = Duration::from_secs(120);
/// Requests waiting for a desk; more wait for room (back-pressure, not failure).
const DESK_QUEUE_CAPACITY: usize = 4_096;

/// What a desk can be asked to do.
pub enum DeskJob {
    /// Hold tickets, recording the requester's metadata on the hold. Holds are decided
    /// apart from other commands because each request of a batch gets its own outcome
    /// (see `Inventory::decide_holds`).
    Hold(
        HoldRequest,
        EventMetadata,
        oneshot::Sender<Result<HoldOutcome, ReservationError>>,
    ),
    /// Any other command of the inventory (release, expire, extend, sell, return): decided
    /// by the aggregate's own `decide` on the current state at the time it is decided,
    /// appended with the holds and commands queued beside it (its events carrying its own
    /// caller's metadata), and decided again after losing a race.
    Decide(Decision, EventMetadata, DecisionReply),
    /// The inventory as the log now has it, with the event's catalogue state and the
    /// inventory's version in the log.
    Read(oneshot::Sender<Result<(Inventory, Event, u64), ReservationError>>),
    /// One reservation as the log now has it (without copying the whole inventory).
    Find(
        ReservationId,
        oneshot::Sender<Result<Option<FoundHold>, ReservationError>>,
    ),
    /// The catalogue's current state of the event, as the desk keeps it for deciding:
    /// caught up with the log rather than replayed, once for every lookup queued with it.
    Catalogue(oneshot::Sender<Result<Event, ReservationError>>),
}

/// A command for a desk to decide.
pub enum Decision {
    /// Decided as given, at the desk's time.
    Command(InventoryCommand),
    /// Built on the catalogue's state of the event as the desk has it in the round that
    /// decides it (a sale, a waiting list's join or offers): judged on the catalogue of
    /// its moment, as a command is judged at its desk's time, and without a lookup of the
    /// caller's own queueing at the desk before it.
    OnCatalogue(Box<dyn FnOnce(&Event) -> InventoryCommand + Send>),
}

impl Decision {
    /// Whether the desk must read the catalogue to decide it.
    fn needs_catalogue(&self) -> bool {
        matches!(self, Self::OnCatalogue(_))
    }
}

/// What a decision came to: the events appended with the inventory's version in the log
/// after them, or the inventory's refusal.
pub type Decided = Result<(Vec<InventoryEvent>, u64), InventoryError>;

/// Where a [`DeskJob::Decide`] answers.
pub type DecisionReply = oneshot::Sender<Result<Decided, ReservationError>>;

/// One reservation's hold: its status now and, while it is active, what it holds.
#[derive(Debug, Clone)]
pub struct FoundHold {
    /// Where the hold stands (a lapsed hold is `Expired` before its expiry is recorded).
    pub status: HoldStatus,
    /// The hold while it is active; ended holds keep no lines.
    pub hold: Option<HoldState>,
    /// For an offer made to a waiting list's place, the address the place was taken
    /// with: if the offer lapses, its tickets go to the next in line.
    pub offered_to: Option<String>,
}

/// A handle on a running desk.
#[derive(Clone)]
struct DeskHandle {
    jobs: mpsc::Sender<DeskJob>,
}

impl DeskHandle {
    /// Starts the desk of `event_id`.
    fn start(event_id: EventId, stores: Arc<Stores>) -> Self {
        let (jobs, inbox) = mpsc::channel(DESK_QUEUE_CAPACITY);
        tokio::spawn(running::Desk::new(event_id, stores).run(inbox));
        Self { jobs }
    }
}

/// The desks of every event with recent work: one task per event, started on demand and
/// stopped when idle.
pub struct Desks {
    /// What callers read on their own (the promo codes, the catalogue behind a refusal).
    stores: Arc<Stores>,
    /// What the desks read and append through.
    desk_stores: Arc<Stores>,
    running: Mutex<HashMap<EventId, DeskHandle>>,
}

/// Connections the desks of a process should have to read and append through, apart
/// from the request pool. Every paid order waits for three rounds of its event's desk,
/// one after the other; on the request pool each of a round's statements first queued
/// for a connection behind the requests of the rush (500 buyers on 20 connections), and
/// a catch-up read that takes a fraction of a millisecond waited 10 to 130 ms for one
/// (docs/benchmarks.md, "One append per round, and pools of their own"). A desk runs one
/// statement or one turn at a time, so a few connections serve several hot events.
pub const DESK_POOL_SIZE: u32 = 4;

impl Desks {
    /// No desk running yet; callers read through `stores`, the desks through
    /// `desk_stores` (on a pool of their own, see [`DESK_POOL_SIZE`]).
    pub fn new(stores: Stores, desk_stores: Stores) -> Self {
        Self {
            stores: Arc::new(stores),
            desk_stores: Arc::new(desk_stores),
            running: Mutex::default(),
        }
    }

    /// The stores callers read on their own, on the request pool.
    pub fn stores(&self) -> &Stores {
        &self.stores
    }

    /// Sends the job `job(reply)` to the event's desk, starting one if none runs.
    pub async fn submit<T>(
        &self,
        event_id: EventId,
        job: impl FnOnce(oneshot::Sender<T>) -> DeskJob,
        reply: oneshot::Sender<T>,
    ) -> Result<(), ReservationError> {
        let mut job = job(reply);
        // A desk that stopped for idleness between lookup and send is replaced once.
        for _ in 0..2 {
            let desk = self.desk(event_id);
            match desk.jobs.send(job).await {
                Ok(()) => return Ok(()),
                Err(returned) => job = returned.0,
            }
        }
        Err(ReservationError::Unavailable)
    }

    /// Sends a job and waits for its answer; a desk that stopped before answering is
    /// [`ReservationError::Unavailable`].
    pub async fn ask<T>(
        &self,
        event_id: EventId,
        job: impl FnOnce(oneshot::Sender<Result<T, ReservationError>>) -> DeskJob,
    ) -> Result<T, ReservationError> {
        let (reply, answer) = oneshot::channel();
        self.submit(event_id, job, reply).await?;
        answer.await.unwrap_or(Err(ReservationError::Unavailable))
    }

    /// The inventory as the log now has it, with the catalogue's state of the event and
    /// the inventory's version in the log.
    pub async fn read(
        &self,
        event_id: EventId,
    ) -> Result<(Inventory, Event, u64), ReservationError> {
        self.ask(event_id, DeskJob::Read).await
    }

    /// The catalogue's current state of the event, from its desk (see
    /// [`DeskJob::Catalogue`]).
    pub async fn catalogue(&self, event_id: EventId) -> Result<Event, ReservationError> {
        self.ask(event_id, DeskJob::Catalogue).await
    }

    fn desk(&self, event_id: EventId) -> DeskHandle {
        let mut running = self
            .running
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        running.retain(|_, desk| !desk.jobs.is_closed());
        running
            .entry(event_id)
            .or_insert_with(|| DeskHandle::start(event_id, self.desk_stores.clone()))
            .clone()
    }
}
