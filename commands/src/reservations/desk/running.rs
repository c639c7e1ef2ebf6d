//! The desk's task: takes the jobs that queued while the previous round was in flight,
//! decides them on the in-memory inventory, appends their events at once and answers the
//! lookups among them (see `round`).

use std::sync::Arc;

use carneau_domain::event::Event;
use carneau_domain::ids::EventId;
use carneau_domain::inventory::{
    HoldOutcome, HoldRequest, InventoryCommand, InventoryEvent, SaleTerms,
};
use carneau_domain::voucher::VoucherBook;
use carneau_domain::EventMetadata;
use chrono::Utc;
use tokio::sync::{mpsc, oneshot};

use super::other_desks::OtherDesks;
use super::round::{self, DecideJob, HoldJob, Lookup, Outcomes, Placing, Round};
use super::{Decision, DecisionReply, DeskJob, DESK_IDLE_TIMEOUT};
use crate::metrics::{self, InventoryAppend};
use crate::reservations::event_log::{lapse_metadata, Append, Book, Catalogue, Loaded, Stores};
use crate::reservations::ReservationError;

/// How many times a batch is decided again after losing a race to another process.
const MAX_APPEND_ATTEMPTS: usize = 20;

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

/// A round's holds, split for deciding: the requests, who asked each, where to answer.
struct Holds {
    requests: Vec<HoldRequest>,
    callers: Vec<EventMetadata>,
    replies: Vec<oneshot::Sender<Result<HoldOutcome, ReservationError>>>,
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
            let mut round = Round::default();
            round.add(first);
            while !round.is_full() {
                match inbox.try_recv() {
                    Ok(job) => round.add(job),
                    Err(_) => break,
                }
            }
            self.serve(round).await;
        }
        // Close before dropping so no sender sees the desk as alive.
        inbox.close();
        while let Ok(job) = inbox.try_recv() {
            fail_job(job, ReservationError::Unavailable);
        }
    }

    /// Decides a round's holds and commands, appends them at once, then answers its
    /// lookups: from the inventory the append left when it went through (the log's, as
    /// of after every job of the round was asked), else after a catch-up with the log.
    async fn serve(&mut self, round: Round) {
        let catalogue = if round.needs_catalogue() {
            Some(self.current_catalogue().await)
        } else {
            None
        };
        let Round {
            holds,
            decisions,
            lookups,
        } = round;
        let (commands, command_replies) = built(decisions, catalogue.as_ref());
        let current = self
            .decide_round(split(holds), commands, command_replies, catalogue.as_ref())
            .await;
        self.look_up(lookups, catalogue, current).await;
    }

    /// Decides `holds` and `commands` together and appends their events once, each
    /// recorded with its own caller's metadata; answers each. Whether the desk's inventory
    /// is the log's afterwards (something was appended, or the stream's turn caught it up).
    async fn decide_round(
        &mut self,
        holds: Holds,
        commands: Vec<(InventoryCommand, EventMetadata)>,
        command_replies: Vec<DecisionReply>,
        catalogue: Option<&Result<Event, ReservationError>>,
    ) -> bool {
        let Holds {
            requests,
            callers,
            replies: hold_replies,
        } = holds;
        let with_codes = requests.iter().any(|request| request.code.is_some());
        // Taken out of the desk while deciding, rather than copied: a book may hold
        // thousands of codes.
        let book = if with_codes {
            Some(self.take_current_book().await)
        } else {
            None
        };
        // Holds are decided on the catalogue (and the promo codes, when one of them has a
        // code) as the log has them, or answered the failure to read them.
        let terms = match (requests.is_empty(), catalogue, &book) {
            (true, ..) => Ok(None),
            (false, Some(Ok(event)), None) => Ok(Some(SaleTerms::new(event, VoucherBook::none()))),
            (false, Some(Ok(event)), Some(Ok(book))) => {
                Ok(Some(SaleTerms::new(event, &book.state)))
            }
            (false, Some(Err(error)), _) | (false, _, Some(Err(error))) => Err(error.clone()),
            // Not reached: a round with holds reads the catalogue.
            (false, None, _) => Err(ReservationError::Unavailable),
        };
        let (terms, hold_replies) = match terms {
            Ok(terms) => (terms, hold_replies),
            Err(error) => {
                answer_all(hold_replies, Err(error));
                (None, Vec::new())
            }
        };
        let callers: Vec<&EventMetadata> = callers.iter().collect();
        let lapses = lapse_metadata();
        let placing = terms.map(|terms| Placing {
            terms,
            requests: &requests,
            callers: &callers,
            lapses: &lapses,
        });
        // Nothing left to decide (no job, or holds answered the failure to read their
        // terms): the inventory is not even loaded for it.
        let decided = if placing.is_none() && commands.is_empty() {
            None
        } else {
            Some(
                self.decide_and_append(|loaded| round::decide(loaded, placing.as_ref(), &commands))
                    .await,
            )
        };
        if let Some(Ok(book)) = book {
            self.book = Some(book);
        }
        match decided {
            None => false,
            Some(Ok((Outcomes { holds, commands }, current))) => {
                answer_all(hold_replies, Ok(holds));
                answer_all(command_replies, Ok(commands));
                current
            }
            Some(Err(error)) => {
                answer_all(hold_replies, Err(error.clone()));
                answer_all(command_replies, Err(error));
                false
            }
        }
    }

    /// Decides on the current inventory with `decide`, which answers the events to append
    /// and what to reply once they are appended, and appends them: at the version the
    /// desk holds while no other writer showed lately, else in the stream's turn (so on
    /// the inventory as the log has it). Decides again after losing a race, in turn, up
    /// to [`MAX_APPEND_ATTEMPTS`] times. Answers the reply, and whether the desk's
    /// inventory is the log's afterwards.
    async fn decide_and_append<'m, T>(
        &mut self,
        mut decide: impl FnMut(&Loaded) -> (Vec<(InventoryEvent, &'m EventMetadata)>, T),
    ) -> Result<(T, bool), ReservationError> {
        for _ in 0..MAX_APPEND_ATTEMPTS {
            // Out of the desk while the append is in flight: an append whose outcome is
            // unknown (the connection dropped at commit) leaves it out, to be reloaded.
            let mut loaded = match self.loaded.take() {
                Some(loaded) => loaded,
                None => self.stores.inventory(self.event_id).await?,
            };
            let (appended, answer, current) = if self.others.absent() {
                let (mut events, mut answer) = decide(&loaded);
                // Nothing to append proves nothing about what others appended: a refusal
                // on this desk's inventory alone may miss tickets another process gave
                // back since (a release there). The log is read before answering it.
                let caught_up = events.is_empty();
                if caught_up {
                    let known = loaded.version;
                    self.stores.catch_up(self.event_id, &mut loaded).await?;
                    if loaded.version != known {
                        self.others.seen();
                        (events, answer) = decide(&loaded);
                    }
                }
                let current = caught_up || !events.is_empty();
                let appended = self
                    .stores
                    .append(self.event_id, &mut loaded, events)
                    .await?;
                (appended, answer, current)
            } else {
                let known = loaded.version;
                let turn = self.stores.take_turn(self.event_id, &mut loaded).await?;
                if loaded.version != known {
                    self.others.seen();
                }
                let (events, answer) = decide(&loaded);
                (turn.append(&mut loaded, events).await?, answer, true)
            };
            self.loaded = Some(loaded);
            match appended {
                Append::Appended => return Ok((answer, current)),
                Append::Conflict => self.others.seen(),
            }
        }
        tracing::warn!("gave up a batch of inventory decisions after repeated version conflicts");
        metrics::inventory_append(InventoryAppend::Abandoned);
        Err(ReservationError::Busy)
    }

    /// Answers `lookups`: on the inventory the round left when it is `current`, else after
    /// one catch-up with the log; on the catalogue the round read.
    async fn look_up(
        &mut self,
        lookups: Vec<Lookup>,
        catalogue: Option<Result<Event, ReservationError>>,
        current: bool,
    ) {
        let inventory = if !current && lookups.iter().any(Lookup::needs_inventory) {
            self.refresh().await
        } else {
            Ok(())
        };
        let catalogue = catalogue.unwrap_or(Err(ReservationError::Unavailable));
        let now = Utc::now();
        for lookup in lookups {
            match lookup {
                Lookup::Catalogue(reply) => {
                    let _ = reply.send(catalogue.clone());
                }
                Lookup::Find(reservation_id, reply) => {
                    let answer = match (&inventory, &self.loaded) {
                        (Ok(()), Some(loaded)) => {
                            Ok(round::found(&loaded.inventory, reservation_id, now))
                        }
                        (Err(error), _) => Err(error.clone()),
                        (Ok(()), None) => Err(ReservationError::Unavailable),
                    };
                    let _ = reply.send(answer);
                }
                Lookup::Read(reply) => {
                    let answer = match (&inventory, &self.loaded, &catalogue) {
                        (Ok(()), Some(loaded), Ok(event)) => {
                            Ok((loaded.inventory.clone(), event.clone(), loaded.version))
                        }
                        (Err(error), ..) | (_, _, Err(error)) => Err(error.clone()),
                        (Ok(()), None, _) => Err(ReservationError::Unavailable),
                    };
                    let _ = reply.send(answer);
                }
            }
        }
    }

    /// Catches the desk's inventory up with the log (loading it if the desk has none),
    /// noting another writer if it finds facts the desk did not append. A failed read
    /// leaves none, to be loaded whole next time.
    async fn refresh(&mut self) -> Result<(), ReservationError> {
        let loaded = match self.loaded.take() {
            None => self.stores.inventory(self.event_id).await?,
            Some(mut loaded) => {
                let known = loaded.version;
                self.stores.catch_up(self.event_id, &mut loaded).await?;
                if loaded.version != known {
                    self.others.seen();
                }
                loaded
            }
        };
        self.loaded = Some(loaded);
        Ok(())
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

    /// The event's promo codes as the log has them now, taken out of the desk; a failed
    /// read leaves none, to be loaded whole next time.
    async fn take_current_book(&mut self) -> Result<Book, ReservationError> {
        let mut book = self.book.take();
        self.stores.catch_up_book(self.event_id, &mut book).await?;
        book.ok_or(ReservationError::Unavailable)
    }
}

/// The commands of a round's decisions, built on the catalogue the round read when they
/// need it; a decision that needs it when it could not be read is answered the failure.
fn built(
    decisions: Vec<DecideJob>,
    catalogue: Option<&Result<Event, ReservationError>>,
) -> (Vec<(InventoryCommand, EventMetadata)>, Vec<DecisionReply>) {
    let mut commands = Vec::with_capacity(decisions.len());
    let mut replies = Vec::with_capacity(decisions.len());
    for (decision, metadata, reply) in decisions {
        let command = match (decision, catalogue) {
            (Decision::Command(command), _) => command,
            (Decision::OnCatalogue(build), Some(Ok(event))) => build(event),
            (Decision::OnCatalogue(_), Some(Err(error))) => {
                let _ = reply.send(Err(error.clone()));
                continue;
            }
            // Not reached: a round with such a decision reads the catalogue.
            (Decision::OnCatalogue(_), None) => {
                let _ = reply.send(Err(ReservationError::Unavailable));
                continue;
            }
        };
        commands.push((command, metadata));
        replies.push(reply);
    }
    (commands, replies)
}

/// A round's holds, split into requests, callers and replies.
fn split(holds: Vec<HoldJob>) -> Holds {
    let mut split = Holds {
        requests: Vec::with_capacity(holds.len()),
        callers: Vec::with_capacity(holds.len()),
        replies: Vec::with_capacity(holds.len()),
    };
    for (request, caller, reply) in holds {
        split.requests.push(request);
        split.callers.push(caller);
        split.replies.push(reply);
    }
    split
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
