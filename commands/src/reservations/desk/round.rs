//! One round of a desk: the jobs that queued while its previous round was in flight, and
//! what deciding them comes to.
//!
//! A round's holds and commands are decided together and appended at once, and its
//! lookups answered after that append from the inventory it left, which is the log's once
//! the append went through: a round costs one read of the catalogue and one append,
//! where holds, commands and lookups each paid their own (docs/reservations.md, "One
//! round, one append").

use carneau_domain::event::Event;
use carneau_domain::ids::{ReservationId, WaitingEntryId};
use carneau_domain::inventory::{
    HoldOutcome, HoldRequest, HoldStatus, Inventory, InventoryCommand, InventoryEvent, SaleTerms,
};
use carneau_domain::{Decide, EventMetadata};
use chrono::{DateTime, Utc};
use tokio::sync::oneshot;

use super::{Decided, Decision, DecisionReply, DeskJob, FoundHold, MAX_BATCH_REQUESTS};
use crate::reservations::event_log::{attribute_holds, Loaded};
use crate::reservations::ReservationError;

/// A hold asked of the desk: the request, its requester's metadata, where to answer.
pub(super) type HoldJob = (
    HoldRequest,
    EventMetadata,
    oneshot::Sender<Result<HoldOutcome, ReservationError>>,
);

/// A decision asked of the desk, with its caller's metadata.
pub(super) type DecideJob = (Decision, EventMetadata, DecisionReply);

/// A lookup asked of the desk: answered from the log's current state.
pub(super) enum Lookup {
    Find(
        ReservationId,
        oneshot::Sender<Result<Option<FoundHold>, ReservationError>>,
    ),
    Catalogue(oneshot::Sender<Result<Event, ReservationError>>),
    Read(oneshot::Sender<Result<(Inventory, Event, u64), ReservationError>>),
}

impl Lookup {
    fn needs_catalogue(&self) -> bool {
        matches!(self, Self::Catalogue(_) | Self::Read(_))
    }

    /// Whether it reads the inventory.
    pub(super) fn needs_inventory(&self) -> bool {
        matches!(self, Self::Find(..) | Self::Read(_))
    }
}

/// The jobs of one round. Every job of it was asked before the round reads anything, so
/// whatever the round reads or appends is "the log now" for each of them.
#[derive(Default)]
pub(super) struct Round {
    pub(super) holds: Vec<HoldJob>,
    pub(super) decisions: Vec<DecideJob>,
    pub(super) lookups: Vec<Lookup>,
}

impl Round {
    /// Puts `job` in the round.
    pub(super) fn add(&mut self, job: DeskJob) {
        match job {
            DeskJob::Hold(request, metadata, reply) => self.holds.push((request, metadata, reply)),
            DeskJob::Decide(decision, metadata, reply) => {
                self.decisions.push((decision, metadata, reply));
            }
            DeskJob::Find(reservation_id, reply) => {
                self.lookups.push(Lookup::Find(reservation_id, reply));
            }
            DeskJob::Catalogue(reply) => self.lookups.push(Lookup::Catalogue(reply)),
            DeskJob::Read(reply) => self.lookups.push(Lookup::Read(reply)),
        }
    }

    /// Whether the round holds as many holds as one append takes.
    pub(super) fn is_full(&self) -> bool {
        self.holds.len() >= MAX_BATCH_REQUESTS
    }

    /// Whether deciding or answering it needs the catalogue's state of the event.
    pub(super) fn needs_catalogue(&self) -> bool {
        !self.holds.is_empty()
            || self
                .decisions
                .iter()
                .any(|(decision, ..)| decision.needs_catalogue())
            || self.lookups.iter().any(Lookup::needs_catalogue)
    }
}

/// The holds of a round to decide, on the terms of sale they are decided on.
pub(super) struct Placing<'a, 'm> {
    pub(super) terms: SaleTerms<'a>,
    pub(super) requests: &'a [HoldRequest],
    /// `callers[i]` asked for `requests[i]`.
    pub(super) callers: &'a [&'m EventMetadata],
    /// What holds the batch expires on its own record.
    pub(super) lapses: &'m EventMetadata,
}

/// What a round's holds and commands came to: each hold's and each command's outcome,
/// in the order they were asked.
pub(super) struct Outcomes {
    pub(super) holds: Vec<HoldOutcome>,
    pub(super) commands: Vec<Decided>,
}

/// Decides a round's holds, then its commands in order, each on the state what was decided
/// before it leaves; answers every event to append, with the metadata of whose decision
/// it records, and each outcome. A refused command appends nothing and does not stop the
/// others. Everything is decided now, whenever it was asked: a job that waited in the
/// queue or lost a race is judged on the state and the time it is decided on.
pub(super) fn decide<'m>(
    loaded: &Loaded,
    placing: Option<&Placing<'_, 'm>>,
    commands: &'m [(InventoryCommand, EventMetadata)],
) -> (Vec<(InventoryEvent, &'m EventMetadata)>, Outcomes) {
    let now = Utc::now();
    let mut appended = Vec::new();
    let mut holds = Vec::new();
    if let Some(placing) = placing {
        let decision = loaded
            .inventory
            .decide_holds(placing.terms, placing.requests, now);
        appended = attribute_holds(
            decision.events,
            placing.requests,
            placing.callers,
            placing.lapses,
        );
        holds = decision.outcomes;
    }
    // The loaded state moves only with what was appended, so a command decided after
    // others (or after holds) is decided on a copy their events move forward. A command
    // decided alone needs no copy.
    let mut ahead =
        (commands.len() > 1 || (!appended.is_empty() && !commands.is_empty())).then(|| {
            let mut copy = loaded.inventory.clone();
            for (event, _) in &appended {
                copy.evolve(event.clone());
            }
            copy
        });
    let mut decided = Vec::with_capacity(commands.len());
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
                decided.push(Ok((events, version)));
            }
            Err(refusal) => decided.push(Err(refusal)),
        }
    }
    let outcomes = Outcomes {
        holds,
        commands: decided,
    };
    (appended, outcomes)
}

/// One reservation's hold in `inventory` at `now`; `None` if it never held it.
pub(super) fn found(
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
