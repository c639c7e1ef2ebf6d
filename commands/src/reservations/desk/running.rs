//! The desk's task: takes the jobs that queued while the previous append was in flight,
//! decides them on the in-memory inventory and appends their events at once.

use std::sync::Arc;

use carneau_domain::event::Event;
use carneau_domain::ids::{EventId, ReservationId, WaitingEntryId};
use carneau_domain::inventory::{
    HoldOutcome, HoldRequest, HoldStatus, Inventory, InventoryCommand, InventoryEvent, SaleTerms,
};
use carneau_domain::voucher::VoucherBook;
use carneau_domain::{Decide, EventMetadata};
use chrono::{DateTime, Utc};
use tokio::sync::{mpsc, oneshot};

use super::other_desks::OtherDesks;
use super::{Decided, DecisionReply, DeskJob, FoundHold, DESK_IDLE_TIMEOUT, MAX_BATCH_REQUESTS};
use crate::metrics::{self, InventoryAppend};
use crate::reservations::event_log::{
    attribute_holds, lapse_metadata, Append, Book, Catalogue, Loaded, Stores,
};
use crate::reservations::ReservationError;

/// A hold asked of the desk: the request, its requester's metadata, where to answer.
type HoldJob = (
    HoldRequest,
    EventMetadata,
    oneshot::Sender<Result<HoldOutcome, ReservationError>>,
);

/// A command asked of the desk, with its caller's metadata.
type DecideJob = (InventoryCommand, EventMetadata, DecisionReply);

/// How many times a batch is decided again after losing a race to another process.
const MAX_APPEND_ATTEMPTS: usize = 20;

/// A lookup asked of the desk: answered from the log's current state, and caught up once
/// for all the lookups that queued together.
enum Lookup {
    Find(
        ReservationId,
        oneshot::Sender<Result<Option<FoundHold>, ReservationError>>,
    ),
    Catalogue(oneshot::Sender<Result<Event, ReservationError>>),
}

/// One event's desk: its inventory in memory, as of the last append it saw, the
/// event's catalogue state and promo codes as of the last time it caught up with them,
/// and when it last saw another process append to the inventory.
pub(super) struct Desk {
    event_id: EventId,
    stores: Arc<Stores>,
    loaded: Option<Loaded>,
    catalogue: Option<Catalogue>,
    book: Option<Book>,
    others: OtherDesks,
}

impl Desk {
    pub(super) fn new(event_id: EventId, stores: Arc<Stores>) -> Self {
        Self {
            event_id,
            stores,
            loaded: None,
            catalogue: None,
            book: None,
            others: OtherDesks::default(),
        }
    }

    #[tracing::instrument(name = "reservation_desk", skip_all, fields(event_id = %self.event_id))]
    pub(super) async fn run(mut self, mut inbox: mpsc::Receiver<DeskJob>) {
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
                    DeskJob::Hold(request, metadata, reply) => {
                        holds.push((request, metadata, reply));
                    }
                    other => others.push(other),
                }
                if holds.len() < MAX_BATCH_REQUESTS {
                    next = inbox.try_recv().ok();
                }
            }
            if !holds.is_empty() {
                self.place_holds(holds).await;
            }
            // Consecutive commands (releases, checkouts, payments, refunds, expiries) share
            // one append, as holds do, and consecutive lookups one catch-up with the log;
            // reads keep their place in the order.
            let mut decisions = Vec::new();
            let mut lookups = Vec::new();
            for job in others {
                match job {
                    DeskJob::Decide(command, metadata, reply) => {
                        self.look_up(std::mem::take(&mut lookups)).await;
                        decisions.push((command, metadata, reply));
                    }
                    DeskJob::Find(reservation_id, reply) => {
                        self.decide_batch(std::mem::take(&mut decisions)).await;
                        lookups.push(Lookup::Find(reservation_id, reply));
                    }
                    DeskJob::Catalogue(reply) => {
                        self.decide_batch(std::mem::take(&mut decisions)).await;
                        lookups.push(Lookup::Catalogue(reply));
                    }
                    DeskJob::Read(reply) => {
                        self.decide_batch(std::mem::take(&mut decisions)).await;
                        self.look_up(std::mem::take(&mut lookups)).await;
                        let _ = reply.send(self.read().await);
                    }
                    // Taken out with the holds above.
                    DeskJob::Hold(..) => {}
                }
            }
            self.decide_batch(decisions).await;
            self.look_up(lookups).await;
        }
        // Close before dropping so no sender sees the desk as alive.
        inbox.close();
        while let Ok(job) = inbox.try_recv() {
            fail_job(job, ReservationError::Unavailable);
        }
    }

    /// The inventory as the log has it now, taken out of the desk: loaded if the desk has
    /// none, else caught up with what others appended. Whoever takes it puts it back
    /// unless something left it in doubt.
    async fn take_current(&mut self) -> Result<Loaded, ReservationError> {
        match self.loaded.take() {
            None => self.stores.inventory(self.event_id).await,
            Some(mut loaded) => {
                let known = loaded.version;
                self.stores.catch_up(self.event_id, &mut loaded).await?;
                if loaded.version != known {
                    self.others.seen();
                }
                Ok(loaded)
            }
        }
    }

    /// The inventory as the log has it now, kept in the desk.
    async fn refresh(&mut self) -> Result<&Loaded, ReservationError> {
        let loaded = self.take_current().await?;
        Ok(self.loaded.insert(loaded))
    }

    /// The catalogue's state of the event as the log has it now, kept in the desk. A
    /// failed read leaves none, to be loaded whole next time.
    async fn current_catalogue(&mut self) -> Result<Event, ReservationError> {
        let mut catalogue = self.catalogue.take();
        self.stores
            .catch_up_catalogue(self.event_id, &mut catalogue)
            .await?;
        let event = catalogue.as_ref().map(|current| current.state.clone());
        self.catalogue = catalogue;
        event.ok_or(ReservationError::Unavailable)
    }

    /// Answers `lookups` after one catch-up with the log (of the inventory, and of the
    /// catalogue if one asks for it).
    async fn look_up(&mut self, lookups: Vec<Lookup>) {
        if lookups.is_empty() {
            return;
        }
        let wants_catalogue = lookups
            .iter()
            .any(|lookup| matches!(lookup, Lookup::Catalogue(_)));
        let catalogue = if wants_catalogue {
            Some(self.current_catalogue().await)
        } else {
            None
        };
        let wants_holds = lookups
            .iter()
            .any(|lookup| matches!(lookup, Lookup::Find(..)));
        let finds_current = if wants_holds {
            self.refresh().await.map(|_| ())
        } else {
            Ok(())
        };
        let now = Utc::now();
        for lookup in lookups {
            match lookup {
                Lookup::Catalogue(reply) => {
                    let answer = catalogue
                        .clone()
                        .unwrap_or(Err(ReservationError::Unavailable));
                    let _ = reply.send(answer);
                }
                Lookup::Find(reservation_id, reply) => {
                    let answer = match (&finds_current, &self.loaded) {
                        (Ok(()), Some(loaded)) => Ok(found(&loaded.inventory, reservation_id, now)),
                        (Err(error), _) => Err(error.clone()),
                        (Ok(()), None) => Err(ReservationError::Unavailable),
                    };
                    let _ = reply.send(answer);
                }
            }
        }
    }

    /// Decides on the current inventory with `decide`, which answers the events to append
    /// and what to reply once they are appended, and appends them: at the version the
    /// desk holds while no other writer showed lately, else in the stream's turn (so on
    /// the inventory as the log has it). Decides again after losing a race, in turn, up
    /// to [`MAX_APPEND_ATTEMPTS`] times.
    async fn decide_and_append<'m, T>(
        &mut self,
        mut decide: impl FnMut(&Loaded) -> (Vec<(InventoryEvent, &'m EventMetadata)>, T),
    ) -> Result<T, ReservationError> {
        for _ in 0..MAX_APPEND_ATTEMPTS {
            // Out of the desk while the append is in flight: an append whose outcome is
            // unknown (the connection dropped at commit) leaves it out, to be reloaded.
            let mut loaded = match self.loaded.take() {
                Some(loaded) => loaded,
                None => self.stores.inventory(self.event_id).await?,
            };
            let (appended, answer) = if self.others.absent() {
                let (events, answer) = decide(&loaded);
                let appended = self
                    .stores
                    .append(self.event_id, &mut loaded, events)
                    .await?;
                (appended, answer)
            } else {
                let known = loaded.version;
                let turn = self.stores.take_turn(self.event_id, &mut loaded).await?;
                if loaded.version != known {
                    self.others.seen();
                }
                let (events, answer) = decide(&loaded);
                (turn.append(&mut loaded, events).await?, answer)
            };
            self.loaded = Some(loaded);
            match appended {
                Append::Appended => return Ok(answer),
                Append::Conflict => self.others.seen(),
            }
        }
        tracing::warn!("gave up a batch of inventory decisions after repeated version conflicts");
        metrics::inventory_append(InventoryAppend::Abandoned);
        Err(ReservationError::Busy)
    }

    /// Decides all `holds` against the current inventory and appends the outcome once,
    /// each hold recorded with its own requester's metadata.
    async fn place_holds(&mut self, holds: Vec<HoldJob>) {
        let mut requests = Vec::with_capacity(holds.len());
        let mut metadata = Vec::with_capacity(holds.len());
        let mut replies = Vec::with_capacity(holds.len());
        for (request, caller, reply) in holds {
            requests.push(request);
            metadata.push(caller);
            replies.push(reply);
        }
        let callers: Vec<&EventMetadata> = metadata.iter().collect();
        let lapses = lapse_metadata();
        let with_codes = requests.iter().any(|request| request.code.is_some());
        // Taken out of the desk while deciding, rather than copied: a book may hold
        // thousands of codes.
        let book = match with_codes {
            true => self.take_current_book().await.map(Some),
            false => Ok(None),
        };
        let outcomes = match (self.current_catalogue().await, &book) {
            (Ok(event), Ok(book)) => {
                let vouchers = book
                    .as_ref()
                    .map_or(VoucherBook::none(), |book| &book.state);
                self.decide_and_append(|loaded| {
                    let terms = SaleTerms::new(&event, vouchers);
                    let decision = loaded.inventory.decide_holds(terms, &requests, Utc::now());
                    let events = attribute_holds(decision.events, &requests, &callers, &lapses);
                    (events, decision.outcomes)
                })
                .await
            }
            (Err(error), _) => Err(error),
            (_, Err(error)) => Err(error.clone()),
        };
        if let Ok(Some(book)) = book {
            self.book = Some(book);
        }
        answer_all(replies, outcomes);
    }

    /// The event's promo codes as the log has them now, taken out of the desk; a failed
    /// read leaves none, to be loaded whole next time.
    async fn take_current_book(&mut self) -> Result<Book, ReservationError> {
        let mut book = self.book.take();
        self.stores.catch_up_book(self.event_id, &mut book).await?;
        book.ok_or(ReservationError::Unavailable)
    }

    async fn read(&mut self) -> Result<(Inventory, Event, u64), ReservationError> {
        let event = self.current_catalogue().await?;
        let loaded = self.refresh().await?;
        Ok((loaded.inventory.clone(), event, loaded.version))
    }

    /// Decides `jobs` in order, each on the state the ones before it leave, and appends
    /// all their events at once. During a sale, checkouts and payments queue up behind
    /// the holds; one append each would cap them at what one hot stream takes (about
    /// 700 appends/s, design notes section 5), whatever the batching of holds gains.
    async fn decide_batch(&mut self, jobs: Vec<DecideJob>) {
        if jobs.is_empty() {
            return;
        }
        let mut commands = Vec::with_capacity(jobs.len());
        let mut replies = Vec::with_capacity(jobs.len());
        for (command, metadata, reply) in jobs {
            commands.push((command, metadata));
            replies.push(reply);
        }
        let outcomes = self
            .decide_and_append(|loaded| decide_all(loaded, &commands))
            .await;
        answer_all(replies, outcomes);
    }
}

/// Each command's outcome: its events with the inventory's version in the log after
/// them, or its refusal; and all their events, to append at once. A refused command
/// appends nothing and does not stop the others. Every command is decided now, whenever
/// it was asked: one that waited in the queue or lost a race is judged on the state and
/// the time it is decided on.
fn decide_all<'m>(
    loaded: &Loaded,
    commands: &'m [(InventoryCommand, EventMetadata)],
) -> (Vec<(InventoryEvent, &'m EventMetadata)>, Vec<Decided>) {
    let now = Utc::now();
    // The loaded state moves only with what was appended, so later decisions of the batch
    // are decided on a copy that the earlier ones' events move forward. A batch of one
    // needs no copy.
    let mut ahead = (commands.len() > 1).then(|| loaded.inventory.clone());
    let mut appended = Vec::new();
    let mut outcomes = Vec::with_capacity(commands.len());
    for (command, metadata) in commands {
        let current = ahead.as_ref().unwrap_or(&loaded.inventory);
        // Cloned: the commands are decided again if the append loses a race.
        match current.decide(command.clone().at(now)) {
            Ok(events) => {
                if let Some(ahead) = ahead.as_mut() {
                    for event in &events {
                        ahead.evolve(event.clone());
                    }
                }
                appended.extend(events.iter().map(|event| (event.clone(), metadata)));
                let version = loaded.version + appended.len() as u64;
                outcomes.push(Ok((events, version)));
            }
            Err(refusal) => outcomes.push(Err(refusal)),
        }
    }
    (appended, outcomes)
}

/// One reservation's hold in `inventory` at `now`; `None` if it never held it.
fn found(
    inventory: &Inventory,
    reservation_id: ReservationId,
    now: DateTime<Utc>,
) -> Option<FoundHold> {
    inventory
        .hold_status(reservation_id, now)
        .map(|status| FoundHold {
            status,
            hold: inventory
                .hold(reservation_id)
                .filter(|_| status == HoldStatus::Active)
                .cloned(),
            offered_to: inventory
                .waiting_place(WaitingEntryId::from_uuid(reservation_id.as_uuid()))
                .map(|place| place.email.as_str().to_owned()),
        })
}

/// Sends each reply its outcome, or every reply the batch's error.
fn answer_all<T>(
    replies: Vec<oneshot::Sender<Result<T, ReservationError>>>,
    outcomes: Result<Vec<T>, ReservationError>,
) {
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

fn fail_job(job: DeskJob, error: ReservationError) {
    match job {
        DeskJob::Hold(_, _, reply) => {
            let _ = reply.send(Err(error));
        }
        DeskJob::Read(reply) => {
            let _ = reply.send(Err(error));
        }
        DeskJob::Find(_, reply) => {
            let _ = reply.send(Err(error));
        }
        DeskJob::Catalogue(reply) => {
            let _ = reply.send(Err(error));
        }
        DeskJob::Decide(_, _, reply) => {
            let _ = reply.send(Err(error));
        }
    }
}
