//! `Reservations`: hold tickets, release them, expire lapsed holds.
//!
//! A request goes through the Redis guard first (fast, turns sold-out requests away
//! without touching PostgreSQL), then to the event's desk, which decides it against the
//! log and appends. Only the append makes a hold real; the guard is derived state and the
//! log wins whenever they disagree. This file only routes: the desk is in `desk`, the
//! guard's upkeep in `guard_keeper`.

use carneau_domain::event::Event;
use carneau_domain::ids::{EventId, ReservationId};
use carneau_domain::inventory::{
    HoldOutcome, HoldRequest, Inventory, InventoryCommand, InventoryError, InventoryEvent,
};
use carneau_domain::voucher::VoucherBook;
use carneau_domain::EventMetadata;
use chrono::Utc;
use sqlx::PgPool;
use tracing::instrument;

use super::desk::{Decided, Decision, DeskJob, Desks, FoundHold};
use super::direct;
use super::event_log::Stores;
use super::guard::ReservationGuard;
use super::guard_keeper::{GuardKeeper, GuardVerdict, SOLD_OUT_REMEMBERED_FOR};
use super::placer::{find_placer, HoldPlacer};
use super::ReservationError;
use crate::metrics::{self, RefusedBy};

/// How reservations reach the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReservationMode {
    /// Redis guard in front, one desk per event batching requests into few appends.
    Batched,
    /// The simplest design, kept as the benchmark's baseline: every request replays the
    /// inventory from the log and appends alone, retrying on conflict; no guard.
    Direct,
}

/// Holds, releases and expires tickets.
pub struct Reservations {
    mode: ReservationMode,
    /// The event store, read directly only to find who placed a hold.
    pool: PgPool,
    desks: Desks,
    /// The Redis guard in front of the desks; `None` decides from the log alone.
    guard: Option<GuardKeeper>,
}

impl Reservations {
    /// Reservations over the event store in `pool`, guarded by `guard` when given; the
    /// desks read and append through `desk_pool`, a pool of their own (see
    /// [`DESK_POOL_SIZE`](super::desk::DESK_POOL_SIZE)).
    pub fn new(
        pool: PgPool,
        desk_pool: PgPool,
        guard: Option<ReservationGuard>,
        mode: ReservationMode,
    ) -> Self {
        Self::remembering_sold_out_for(pool, desk_pool, guard, mode, SOLD_OUT_REMEMBERED_FOR)
    }

    /// The same, answering the guard's "none left" for a ticket type from memory for
    /// `lasts` after it said so ([`Self::new`] keeps them [`SOLD_OUT_REMEMBERED_FOR`]; zero asks
    /// the guard every time).
    pub fn remembering_sold_out_for(
        pool: PgPool,
        desk_pool: PgPool,
        guard: Option<ReservationGuard>,
        mode: ReservationMode,
        lasts: std::time::Duration,
    ) -> Self {
        Self {
            mode,
            pool: pool.clone(),
            desks: Desks::new(Stores::new(pool), Stores::new(desk_pool)),
            guard: guard
                .filter(|_| mode == ReservationMode::Batched)
                .map(|guard| GuardKeeper::remembering_sold_out_for(guard, lasts)),
        }
    }

    /// Where `reservation_id`'s hold was placed and which account placed it, from the
    /// log; `None` if no such hold was ever placed. Lets its owner act on it with their
    /// session instead of the reservation's token.
    pub async fn placer(
        &self,
        reservation_id: ReservationId,
    ) -> Result<Option<HoldPlacer>, ReservationError> {
        find_placer(&self.pool, reservation_id).await
    }

    /// Holds `request` (all of its lines or none); the hold records `metadata` (the
    /// buyer and their request), whatever else its batch holds.
    #[instrument(skip_all, fields(event_id = %event_id, reservation_id = %request.reservation_id))]
    pub async fn reserve(
        &self,
        event_id: EventId,
        request: HoldRequest,
        metadata: &EventMetadata,
    ) -> Result<HoldOutcome, ReservationError> {
        if self.mode == ReservationMode::Direct {
            let decided = direct::reserve(self.desks.stores(), event_id, request, metadata).await;
            if let Ok(outcome) = &decided {
                metrics::hold_decided(outcome, RefusedBy::Log);
            }
            return decided;
        }
        // The guard's calls are boxed: their futures (the Redis client's inside) are most
        // of a hold's, which the request's task would otherwise carry and copy whole on
        // every move (docs/benchmarks.md, "Smaller moves per request").
        let verdict = match &self.guard {
            Some(guard) => Box::pin(guard.admit(&self.desks, event_id, &request)).await,
            None => GuardVerdict::Bypassed,
        };
        let verdict = match verdict {
            GuardVerdict::Refused(refusal) => {
                metrics::hold_refused(&refusal, RefusedBy::Guard);
                return Ok(HoldOutcome::Refused(refusal));
            }
            GuardVerdict::RefusedFromMemory(refusal) => {
                metrics::hold_refused(&refusal, RefusedBy::GuardMemory);
                return Ok(HoldOutcome::Refused(refusal));
            }
            decided_later => decided_later,
        };
        let reservation_id = request.reservation_id;
        // The guard found the code used up and held the tickets alone, as the buyer asked:
        // the log is asked for them alone too, so that both count the hold alike.
        let code_dropped = matches!(verdict, GuardVerdict::AdmittedWithoutCode);
        let request = if code_dropped {
            HoldRequest {
                code: None,
                ..request
            }
        } else {
            request
        };
        let asked_with_code = request.code.is_some();
        let mut decided = self
            .desks
            .ask(event_id, |reply| {
                DeskJob::Hold(request, metadata.clone(), reply)
            })
            .await;
        if code_dropped {
            decided = decided.map(HoldOutcome::without_code);
        }
        // What the guard may count of this request decides what is undone in it.
        if let Some(guard) = &self.guard {
            match verdict {
                GuardVerdict::Admitted | GuardVerdict::AdmittedWithoutCode => {
                    Box::pin(guard.reconcile(
                        &self.desks,
                        event_id,
                        reservation_id,
                        asked_with_code,
                        &decided,
                    ))
                    .await;
                }
                GuardVerdict::Unanswered => {
                    Box::pin(guard.unanswered_decided(event_id, reservation_id, &decided)).await;
                }
                GuardVerdict::AlreadyAdmitted
                | GuardVerdict::Bypassed
                | GuardVerdict::Refused(_)
                | GuardVerdict::RefusedFromMemory(_) => {}
            }
        }
        if let Ok(outcome) = &decided {
            metrics::hold_decided(outcome, RefusedBy::Log);
        }
        decided
    }

    /// Releases a hold, recording `metadata` (the buyer, or the payments process closing
    /// an unpaid order); `Ok(Err(_))` says why it could not be (unknown, lapsed, ...).
    #[instrument(skip_all, fields(event_id = %event_id, reservation_id = %reservation_id))]
    pub async fn release(
        &self,
        event_id: EventId,
        reservation_id: ReservationId,
        metadata: &EventMetadata,
    ) -> Result<Result<(), InventoryError>, ReservationError> {
        let command = InventoryCommand::ReleaseHold {
            reservation_id,
            now: Utc::now(),
        };
        let released = self
            .decide_in_log(event_id, Decision::Command(command), metadata)
            .await?
            .map(|_| ());
        if let (Ok(()), Some(guard)) = (&released, &self.guard) {
            guard.release(event_id, reservation_id).await;
        }
        Ok(released)
    }

    /// Lets the inventory decide something beyond holding and releasing (extend a hold
    /// under payment, sell a paid hold, put refunded tickets back on sale): `command` is
    /// decided by the inventory as the log has it when the desk gets to it (its `now` is
    /// the desk's), its events are appended, and the guard follows them in place (see
    /// `GuardKeeper::follow`). `Ok(Err(_))` is the inventory's refusal; `Ok(Ok(events))`
    /// what was appended (empty: nothing to do). The events record `metadata`, the
    /// caller's, even when the desk appends them with other callers' decisions.
    #[instrument(skip_all, fields(event_id = %event_id))]
    pub async fn decide(
        &self,
        event_id: EventId,
        command: InventoryCommand,
        metadata: &EventMetadata,
    ) -> Result<Result<Vec<InventoryEvent>, InventoryError>, ReservationError> {
        self.decide_and_follow(event_id, Decision::Command(command), metadata)
            .await
    }

    /// [`decide`](Self::decide) a command that `build` makes from the catalogue's state
    /// of the event as the desk has it when it decides (a sale, a waiting list's join or
    /// offers): judged on the catalogue of its moment, and without a lookup of the
    /// catalogue queued at the desk before it.
    #[instrument(skip_all, fields(event_id = %event_id))]
    pub async fn decide_on_catalogue(
        &self,
        event_id: EventId,
        build: impl FnOnce(&Event) -> InventoryCommand + Send + 'static,
        metadata: &EventMetadata,
    ) -> Result<Result<Vec<InventoryEvent>, InventoryError>, ReservationError> {
        self.decide_and_follow(event_id, Decision::OnCatalogue(Box::new(build)), metadata)
            .await
    }

    /// Has the desk decide `decision` and the guard follow what it appended.
    async fn decide_and_follow(
        &self,
        event_id: EventId,
        decision: Decision,
        metadata: &EventMetadata,
    ) -> Result<Result<Vec<InventoryEvent>, InventoryError>, ReservationError> {
        Ok(
            match self.decide_in_log(event_id, decision, metadata).await? {
                Ok((events, version)) => {
                    if let (false, Some(guard)) = (events.is_empty(), &self.guard) {
                        guard.follow(&self.desks, event_id, &events, version).await;
                    }
                    Ok(events)
                }
                Err(refusal) => Err(refusal),
            },
        )
    }

    /// Records the expiry of every lapsed hold of the event, with `metadata` (the
    /// sweeper's); returns how many.
    pub async fn expire_lapsed(
        &self,
        event_id: EventId,
        metadata: &EventMetadata,
    ) -> Result<usize, ReservationError> {
        let command = InventoryCommand::ExpireHolds { now: Utc::now() };
        let expired = match self
            .decide_in_log(event_id, Decision::Command(command), metadata)
            .await?
        {
            Ok((events, _)) => events
                .iter()
                .map(|event| match event {
                    InventoryEvent::HoldsExpired {
                        reservation_ids, ..
                    } => reservation_ids.len(),
                    _ => 0,
                })
                .sum(),
            // Expiring refuses nothing; were it to, nothing was recorded.
            Err(_) => 0,
        };
        Ok(expired)
    }

    /// One reservation's hold as the log has it now; `None` if the event never held it.
    pub async fn find(
        &self,
        event_id: EventId,
        reservation_id: ReservationId,
    ) -> Result<Option<FoundHold>, ReservationError> {
        self.desks
            .ask(event_id, |reply| DeskJob::Find(reservation_id, reply))
            .await
    }

    /// The catalogue's current state of the event, as its desk keeps it for deciding:
    /// caught up with the log rather than replayed, once for the lookups queued with it.
    pub async fn catalogue(&self, event_id: EventId) -> Result<Event, ReservationError> {
        self.desks.catalogue(event_id).await
    }

    /// The event's promo codes as the log has them now (read whole: asked once per
    /// checkout with a code, not per hold).
    pub async fn vouchers(&self, event_id: EventId) -> Result<VoucherBook, ReservationError> {
        self.desks.stores().book(event_id).await
    }

    /// The event's inventory as the log has it now, with the catalogue's view of the event.
    pub async fn inventory(
        &self,
        event_id: EventId,
    ) -> Result<(Inventory, Event), ReservationError> {
        let (inventory, event, _) = self.desks.read(event_id).await?;
        Ok((inventory, event))
    }

    /// Rebuilds the event's guard from the log after an organiser changed the event
    /// (capacities, ticket types, status). Without this, a raised capacity would stay
    /// invisible behind the guard's sold-out answers, which never reach the log. Guard
    /// holds of requests in flight are lost with it, which only lets the log refuse a few
    /// requests the guard would have.
    pub async fn catalogue_changed(&self, event_id: EventId) {
        if let Some(guard) = &self.guard {
            guard.catalogue_changed(&self.desks, event_id).await;
        }
    }

    /// Builds the event's guard from the log if it lapsed, ahead of a sale that opens soon
    /// (see [`sale_openings`](super::sale_openings)); returns whether it built one.
    pub async fn prepare_sale_opening(&self, event_id: EventId) -> Result<bool, ReservationError> {
        match &self.guard {
            Some(guard) => guard.sale_opening(&self.desks, event_id).await,
            None => Ok(false),
        }
    }

    /// Has the event's desk decide `decision` and append its events; the guard is left to
    /// the caller, which knows what the events mean for it.
    async fn decide_in_log(
        &self,
        event_id: EventId,
        decision: Decision,
        metadata: &EventMetadata,
    ) -> Result<Decided, ReservationError> {
        self.desks
            .ask(event_id, |reply| {
                DeskJob::Decide(decision, metadata.clone(), reply)
            })
            .await
    }

    /// Retries dropping the guards that may be behind the log and that Redis failed to
    /// drop; the sweeper calls it. Returns how many remain.
    pub async fn drop_doubtful_guards(&self) -> usize {
        match &self.guard {
            Some(guard) => guard.drop_doubtful().await,
            None => 0,
        }
    }
}
