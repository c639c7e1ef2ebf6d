//! The reservation desk of one event: a task that owns the event's inventory in memory
//! and turns every reservation request that arrived while the previous append was in
//! flight into ONE append. One optimistic append per reservation tops out near 700/s on a
//! hot event; batching is how a flash sale goes past that.
//!
//! The in-memory inventory is only a cache of the log: it is loaded from the log, moved
//! forward only by events that were appended, and caught up from the log whenever another
//! process appended first (a version conflict).

use std::sync::Arc;
use std::time::Duration;

use carneau_domain::event::Event;
use carneau_domain::ids::{EventId, ReservationId};
use carneau_domain::inventory::{
    HoldOutcome, HoldRequest, HoldState, HoldStatus, Inventory, InventoryError, InventoryEvent,
};
use chrono::Utc;
use cqrs_es::Aggregate;
use tokio::sync::{mpsc, oneshot};

use super::ReservationError;
use crate::aggregate_store::AggregateStore;
use crate::event_store::AppendError;
use carneau_domain::{Cause, EventMetadata, Process};

/// Most requests decided in one append.
pub const MAX_BATCH_REQUESTS: usize = 512;
/// How many times a batch is decided again after losing a race to another process.
const MAX_APPEND_ATTEMPTS: usize = 20;
/// A desk with no work for this long stops; the next request starts a new one.
pub const DESK_IDLE_TIMEOUT: Duration = Duration::from_secs(120);
/// Requests waiting for a desk; more wait for room (back-pressure, not failure).
const DESK_QUEUE_CAPACITY: usize = 4_096;

/// The stores a desk reads and appends to.
pub struct Stores {
    /// `Inventory` aggregates, one per event.
    pub inventories: AggregateStore<Inventory>,
    /// `Event` aggregates: the catalogue's rules (status, sale windows, capacities).
    pub events: AggregateStore<Event>,
}

/// What a desk can be asked to do.
pub enum DeskJob {
    /// Hold tickets.
    Hold(
        HoldRequest,
        oneshot::Sender<Result<HoldOutcome, ReservationError>>,
    ),
    /// Release a hold before it lapses.
    Release(
        ReservationId,
        oneshot::Sender<Result<Result<(), InventoryError>, ReservationError>>,
    ),
    /// Record the expiry of every lapsed hold.
    Expire(oneshot::Sender<Result<usize, ReservationError>>),
    /// The inventory as the log now has it, with the event's catalogue state and the
    /// inventory's version in the log.
    Read(oneshot::Sender<Result<(Inventory, Event, u64), ReservationError>>),
    /// One reservation as the log now has it (without copying the whole inventory).
    Find(
        ReservationId,
        oneshot::Sender<Result<Option<FoundHold>, ReservationError>>,
    ),
    /// Any other decision of the inventory (extend, sell, return): decided on the current
    /// state, appended, and decided again after losing a race.
    Decide(Decision, DecisionReply),
}

/// A decision of the inventory on its current state at a given time.
/// `Sync` because a batch of decisions is kept across the append's await.
pub type Decision = Box<
    dyn Fn(&Inventory, chrono::DateTime<Utc>) -> Result<Vec<InventoryEvent>, InventoryError>
        + Send
        + Sync,
>;

/// Where a [`DeskJob::Decide`] answers: the events appended with the inventory's version in
/// the log after them, or the inventory's refusal.
pub type DecisionReply =
    oneshot::Sender<Result<Result<(Vec<InventoryEvent>, u64), InventoryError>, ReservationError>>;

/// One reservation's hold: its status now and, while it is active, what it holds.
#[derive(Debug, Clone)]
pub struct FoundHold {
    /// Where the hold stands (a lapsed hold is `Expired` before its expiry is recorded).
    pub status: HoldStatus,
    /// The hold while it is active; ended holds keep no lines.
    pub hold: Option<HoldState>,
}

/// A handle on a running desk.
#[derive(Clone)]
pub struct DeskHandle {
    jobs: mpsc::Sender<DeskJob>,
}

impl DeskHandle {
    /// Starts the desk of `event_id`.
    pub fn start(event_id: EventId, stores: Arc<Stores>) -> Self {
        let (jobs, inbox) = mpsc::channel(DESK_QUEUE_CAPACITY);
        tokio::spawn(Desk::new(event_id, stores).run(inbox));
        Self { jobs }
    }

    /// Sends `job`; gives it back if the desk has stopped.
    pub async fn send(&self, job: DeskJob) -> Result<(), DeskJob> {
        self.jobs.send(job).await.map_err(|error| error.0)
    }

    /// Whether the desk has stopped (idle); a new one must be started.
    pub fn is_closed(&self) -> bool {
        self.jobs.is_closed()
    }
}

/// The inventory as of a version of the log.
struct Loaded {
    inventory: Inventory,
    version: u64,
}

struct Desk {
    event_id: EventId,
    aggregate_id: String,
    stores: Arc<Stores>,
    loaded: Option<Loaded>,
}

impl Desk {
    fn new(event_id: EventId, stores: Arc<Stores>) -> Self {
        Self {
            aggregate_id: event_id.to_aggregate_id(),
            event_id,
            stores,
            loaded: None,
        }
    }

    #[tracing::instrument(name = "reservation_desk", skip_all, fields(event_id = %self.event_id))]
    async fn run(mut self, mut inbox: mpsc::Receiver<DeskJob>) {
        loop {
            let first = match tokio::time::timeout(DESK_IDLE_TIMEOUT, inbox.recv()).await {
                Ok(Some(job)) => job,
                Ok(None) | Err(_) => break,
            };
            let mut holds = Vec::new();
            let mut others = Vec::new();
            let mut next = Some(first);
            while let Some(job) = next.take() {
                match job {
                    DeskJob::Hold(request, reply) => holds.push((request, reply)),
                    other => others.push(other),
                }
                if holds.len() < MAX_BATCH_REQUESTS {
                    next = inbox.try_recv().ok();
                }
            }
            if !holds.is_empty() {
                self.place_holds(holds).await;
            }
            // Consecutive decisions (checkouts, payments, refunds) share one append, as
            // holds do; every other job keeps its place in the order.
            let mut decisions = Vec::new();
            for job in others {
                match job {
                    DeskJob::Decide(decision, reply) => decisions.push((decision, reply)),
                    other => {
                        self.decide_batch(std::mem::take(&mut decisions)).await;
                        self.handle_other(other).await;
                    }
                }
            }
            self.decide_batch(decisions).await;
        }
        // Close before dropping so no sender sees the desk as alive.
        inbox.close();
        while let Ok(job) = inbox.try_recv() {
            fail_job(job, ReservationError::Unavailable);
        }
    }

    /// Loads the inventory if needed, else catches up with what others appended.
    async fn refresh(&mut self) -> Result<&mut Loaded, ReservationError> {
        match self.loaded.take() {
            None => {
                let loaded = self.stores.inventories.load(&self.aggregate_id).await?;
                self.loaded = Some(Loaded {
                    inventory: loaded.state,
                    version: loaded.version,
                });
            }
            Some(mut loaded) => {
                let newer = self
                    .stores
                    .inventories
                    .events_since(&self.aggregate_id, loaded.version)
                    .await?;
                loaded.version += newer.len() as u64;
                for event in newer {
                    loaded.inventory.apply(event);
                }
                self.loaded = Some(loaded);
            }
        }
        self.loaded.as_mut().ok_or(ReservationError::Unavailable)
    }

    async fn catalogue(&self) -> Result<Event, ReservationError> {
        Ok(self.stores.events.load(&self.aggregate_id).await?.state)
    }

    /// Decides all `holds` against the current inventory and appends the outcome once.
    async fn place_holds(
        &mut self,
        holds: Vec<(
            HoldRequest,
            oneshot::Sender<Result<HoldOutcome, ReservationError>>,
        )>,
    ) {
        let (requests, replies): (Vec<_>, Vec<_>) = holds.into_iter().unzip();
        let outcomes = self.decide_and_append(&requests).await;
        match outcomes {
            Ok(outcomes) => {
                for (reply, outcome) in replies.into_iter().zip(outcomes) {
                    let _ = reply.send(Ok(outcome));
                }
            }
            Err(error) => {
                for reply in replies {
                    let _ = reply.send(Err(error.clone()));
                }
            }
        }
    }

    async fn decide_and_append(
        &mut self,
        requests: &[HoldRequest],
    ) -> Result<Vec<HoldOutcome>, ReservationError> {
        let event = self.catalogue().await?;
        for _ in 0..MAX_APPEND_ATTEMPTS {
            let loaded = self.refresh().await?;
            let decision = loaded.inventory.decide_holds(&event, requests, Utc::now());
            match self.append(decision.events, &desk_metadata()).await {
                Ok(()) => return Ok(decision.outcomes),
                Err(AppendError::Conflict) => continue,
                Err(error) => return Err(error.into()),
            }
        }
        tracing::warn!("gave up a reservation batch after repeated version conflicts");
        Err(ReservationError::Busy)
    }

    /// Appends `events` at the loaded version and applies them in memory; on any failure
    /// the in-memory state is left as it was (and dropped on a store error). With no state
    /// loaded, answers `Conflict`: the caller reloads and decides again.
    async fn append(
        &mut self,
        events: Vec<InventoryEvent>,
        metadata: &EventMetadata,
    ) -> Result<(), AppendError> {
        let Some(loaded) = self.loaded.as_mut() else {
            return Err(AppendError::Conflict);
        };
        let appended = self
            .stores
            .inventories
            .append(&self.aggregate_id, loaded.version, &events, metadata)
            .await;
        match appended {
            Ok(version) => {
                loaded.version = version;
                for event in events {
                    loaded.inventory.apply(event);
                }
                Ok(())
            }
            Err(AppendError::Conflict) => Err(AppendError::Conflict),
            Err(error) => {
                // Unknown outcome (e.g. the connection dropped at commit): reload next time.
                self.loaded = None;
                Err(error)
            }
        }
    }

    async fn handle_other(&mut self, job: DeskJob) {
        match job {
            DeskJob::Hold(..) => {}
            DeskJob::Release(reservation_id, reply) => {
                let _ = reply.send(self.release(reservation_id).await);
            }
            DeskJob::Decide(decision, reply) => self.decide_batch(vec![(decision, reply)]).await,
            DeskJob::Expire(reply) => {
                let _ = reply.send(self.expire().await);
            }
            DeskJob::Find(reservation_id, reply) => {
                let found = self.refresh().await.map(|loaded| {
                    let inventory = &loaded.inventory;
                    inventory
                        .hold_status(reservation_id, Utc::now())
                        .map(|status| FoundHold {
                            status,
                            hold: inventory
                                .hold(reservation_id)
                                .filter(|_| status == HoldStatus::Active)
                                .cloned(),
                        })
                });
                let _ = reply.send(found);
            }
            DeskJob::Read(reply) => {
                let read = async {
                    let event = self.catalogue().await?;
                    let loaded = self.refresh().await?;
                    Ok((loaded.inventory.clone(), event, loaded.version))
                };
                let _ = reply.send(read.await);
            }
        }
    }

    async fn release(
        &mut self,
        reservation_id: ReservationId,
    ) -> Result<Result<(), InventoryError>, ReservationError> {
        for _ in 0..MAX_APPEND_ATTEMPTS {
            let loaded = self.refresh().await?;
            let events = match loaded.inventory.release_hold(reservation_id, Utc::now()) {
                Ok(events) => events,
                Err(refusal) => return Ok(Err(refusal)),
            };
            match self.append(events, &desk_metadata()).await {
                Ok(()) => return Ok(Ok(())),
                Err(AppendError::Conflict) => continue,
                Err(error) => return Err(error.into()),
            }
        }
        Err(ReservationError::Busy)
    }

    /// Decides `jobs` in order, each on the state the ones before it leave, and appends
    /// all their events at once. During a sale, checkouts and payments queue up behind
    /// the holds; one append each would cap them at what one hot stream takes (about
    /// 700 appends/s, design notes section 5), whatever the batching of holds gains.
    async fn decide_batch(&mut self, jobs: Vec<(Decision, DecisionReply)>) {
        if jobs.is_empty() {
            return;
        }
        let (decisions, replies): (Vec<_>, Vec<_>) = jobs.into_iter().unzip();
        match self.decide_all(&decisions).await {
            Ok(outcomes) => {
                for (reply, outcome) in replies.into_iter().zip(outcomes) {
                    let _ = reply.send(Ok(outcome));
                }
            }
            Err(error) => {
                for reply in replies {
                    let _ = reply.send(Err(error.clone()));
                }
            }
        }
    }

    /// Each decision's outcome: its events with the inventory's version in the log after
    /// them, or its refusal. A refused decision appends nothing and does not stop the
    /// others.
    async fn decide_all(
        &mut self,
        decisions: &[Decision],
    ) -> Result<Vec<Result<(Vec<InventoryEvent>, u64), InventoryError>>, ReservationError> {
        for _ in 0..MAX_APPEND_ATTEMPTS {
            let loaded = self.refresh().await?;
            let now = Utc::now();
            // The loaded state moves only with what was appended, so later decisions of
            // the batch are decided on a copy that the earlier ones' events move forward.
            // A batch of one needs no copy.
            let mut ahead = (decisions.len() > 1).then(|| loaded.inventory.clone());
            let mut appended = Vec::new();
            let mut outcomes = Vec::with_capacity(decisions.len());
            for decision in decisions {
                let current = ahead.as_ref().unwrap_or(&loaded.inventory);
                match decision(current, now) {
                    Ok(events) => {
                        if let Some(ahead) = ahead.as_mut() {
                            for event in &events {
                                ahead.apply(event.clone());
                            }
                        }
                        appended.extend(events.iter().cloned());
                        let version = loaded.version + appended.len() as u64;
                        outcomes.push(Ok((events, version)));
                    }
                    Err(refusal) => outcomes.push(Err(refusal)),
                }
            }
            match self.append(appended, &desk_metadata()).await {
                Ok(()) => return Ok(outcomes),
                Err(AppendError::Conflict) => continue,
                Err(error) => return Err(error.into()),
            }
        }
        tracing::warn!("gave up a batch of inventory decisions after repeated version conflicts");
        Err(ReservationError::Busy)
    }

    async fn expire(&mut self) -> Result<usize, ReservationError> {
        for _ in 0..MAX_APPEND_ATTEMPTS {
            let loaded = self.refresh().await?;
            let events = loaded.inventory.expire_holds(Utc::now());
            let expired = events
                .iter()
                .map(|event| match event {
                    InventoryEvent::HoldsExpired {
                        reservation_ids, ..
                    } => reservation_ids.len(),
                    _ => 0,
                })
                .sum();
            let sweeper = EventMetadata::process(Process::HoldSweeper, Cause::Schedule);
            match self.append(events, &sweeper).await {
                Ok(()) => return Ok(expired),
                Err(AppendError::Conflict) => continue,
                Err(error) => return Err(error.into()),
            }
        }
        Err(ReservationError::Busy)
    }
}

/// What the desk's appends record: the desk decides for many buyers' requests at once.
/// (Recording each request's own actor and cause inside the batch is issue 11's.)
pub(super) fn desk_metadata() -> EventMetadata {
    EventMetadata::process(
        Process::ReservationDesk,
        Cause::Request { request_id: None },
    )
}

fn fail_job(job: DeskJob, error: ReservationError) {
    match job {
        DeskJob::Hold(_, reply) => {
            let _ = reply.send(Err(error));
        }
        DeskJob::Release(_, reply) => {
            let _ = reply.send(Err(error));
        }
        DeskJob::Expire(reply) => {
            let _ = reply.send(Err(error));
        }
        DeskJob::Read(reply) => {
            let _ = reply.send(Err(error));
        }
        DeskJob::Find(_, reply) => {
            let _ = reply.send(Err(error));
        }
        DeskJob::Decide(_, reply) => {
            let _ = reply.send(Err(error));
        }
    }
}
