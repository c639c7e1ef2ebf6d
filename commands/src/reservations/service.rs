//! `Reservations`: hold tickets, release them, expire lapsed holds.
//!
//! A request goes through the Redis guard first (fast, turns sold-out requests away
//! without touching PostgreSQL), then to the event's desk, which decides it against the
//! log and appends. Only the append makes a hold real; the guard is derived state and the
//! log wins whenever they disagree.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use carneau_domain::event::Event;
use carneau_domain::ids::{EventId, ReservationId};
use carneau_domain::inventory::{
    HoldLine, HoldOutcome, HoldRefusal, HoldRequest, Inventory, InventoryError, InventoryEvent,
};
use chrono::Utc;
use sqlx::PgPool;
use tokio::sync::oneshot;
use tracing::instrument;

use super::desk::{DeskHandle, DeskJob, FoundHold, Stores};
use super::direct;
use super::guard::{
    Admission, Followed, GuardError, GuardHold, GuardLine, GuardSnapshot, GuardStock, Replaced,
    ReservationGuard,
};
use super::ReservationError;
use crate::aggregate_store::AggregateStore;

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
    stores: Arc<Stores>,
    guard: Option<ReservationGuard>,
    desks: Mutex<HashMap<EventId, DeskHandle>>,
    /// Recently loaded catalogue states, to name the right reason when the guard says
    /// sold out (see `refusal_besides_stock`).
    catalogue: Mutex<HashMap<EventId, (Instant, Arc<Event>)>>,
    /// One catalogue load at a time: when a reused state ages out in the middle of a
    /// flash sale, hundreds of refusals would otherwise load it at once.
    catalogue_load: tokio::sync::Mutex<()>,
    /// Events whose guard may have missed a fact of the log and could not be dropped
    /// (Redis failed): not asked until dropped, which the next request or sweep retries.
    guards_to_drop: Mutex<HashSet<EventId>>,
}

/// How long a catalogue state read for refusal reasons is reused.
const CATALOGUE_REUSE: Duration = Duration::from_secs(1);

/// How many times a rebuild reads the log again when the guard turned out to count facts
/// the read missed (payments followed in place meanwhile), before dropping the guard.
const GUARD_REBUILD_READS: usize = 3;

impl Reservations {
    /// Reservations over the event store in `pool`, guarded by `guard` when given.
    pub fn new(pool: PgPool, guard: Option<ReservationGuard>, mode: ReservationMode) -> Self {
        Self {
            mode,
            stores: Arc::new(Stores {
                inventories: AggregateStore::new(pool.clone(), ()),
                events: AggregateStore::new(pool, ()),
            }),
            guard: if mode == ReservationMode::Batched {
                guard
            } else {
                None
            },
            desks: Mutex::default(),
            catalogue: Mutex::default(),
            catalogue_load: tokio::sync::Mutex::new(()),
            guards_to_drop: Mutex::default(),
        }
    }

    /// Holds `request` (all of its lines or none).
    #[instrument(skip_all, fields(event_id = %event_id, reservation_id = %request.reservation_id))]
    pub async fn reserve(
        &self,
        event_id: EventId,
        request: HoldRequest,
    ) -> Result<HoldOutcome, ReservationError> {
        if self.mode == ReservationMode::Direct {
            return direct::reserve(&self.stores, event_id, request).await;
        }
        let admitted = match self.admit(event_id, &request).await {
            GuardVerdict::Refused(refusal) => return Ok(HoldOutcome::Refused(refusal)),
            GuardVerdict::Admitted => true,
            GuardVerdict::AlreadyAdmitted | GuardVerdict::Bypassed => false,
        };
        let (reply, outcome) = oneshot::channel();
        let decided = match self
            .submit(event_id, |r| DeskJob::Hold(request.clone(), r), reply)
            .await
        {
            Ok(()) => outcome.await.unwrap_or(Err(ReservationError::Unavailable)),
            Err(error) => Err(error),
        };
        if admitted {
            self.reconcile_guard(event_id, request.reservation_id, &decided)
                .await;
        }
        decided
    }

    /// Releases a hold; `Ok(Err(_))` says why it could not be (unknown, lapsed, ...).
    #[instrument(skip_all, fields(event_id = %event_id, reservation_id = %reservation_id))]
    pub async fn release(
        &self,
        event_id: EventId,
        reservation_id: ReservationId,
    ) -> Result<Result<(), InventoryError>, ReservationError> {
        let (reply, outcome) = oneshot::channel();
        self.submit(event_id, |r| DeskJob::Release(reservation_id, r), reply)
            .await?;
        let released = outcome
            .await
            .unwrap_or(Err(ReservationError::Unavailable))?;
        if released.is_ok() {
            if let Some(guard) = &self.guard {
                if let Err(error) = guard.release(event_id, reservation_id).await {
                    // The guard's copy lapses with the hold; until then it only under-sells.
                    tracing::warn!(%error, "could not release a hold in the guard");
                }
            }
        }
        Ok(released)
    }

    /// Lets the inventory decide something beyond holding and releasing (extend a hold
    /// under payment, sell a paid hold, put refunded tickets back on sale): `decision`
    /// runs on the inventory as the log has it, its events are appended, and the guard
    /// follows them in place (see `follow_in_guard`). `Ok(Err(_))` is the inventory's
    /// refusal; `Ok(Ok(events))` what was appended (empty: nothing to do).
    #[instrument(skip_all, fields(event_id = %event_id))]
    pub async fn decide(
        &self,
        event_id: EventId,
        decision: super::desk::Decision,
    ) -> Result<Result<Vec<InventoryEvent>, InventoryError>, ReservationError> {
        let (reply, outcome) = oneshot::channel();
        self.submit(event_id, |r| DeskJob::Decide(decision, r), reply)
            .await?;
        let decided = outcome
            .await
            .unwrap_or(Err(ReservationError::Unavailable))?;
        Ok(match decided {
            Ok((events, version)) => {
                if !events.is_empty() {
                    self.follow_in_guard(event_id, &events, version).await;
                }
                Ok(events)
            }
            Err(refusal) => Err(refusal),
        })
    }

    /// Records the expiry of every lapsed hold of the event; returns how many.
    pub async fn expire_lapsed(&self, event_id: EventId) -> Result<usize, ReservationError> {
        let (reply, outcome) = oneshot::channel();
        self.submit(event_id, DeskJob::Expire, reply).await?;
        outcome.await.unwrap_or(Err(ReservationError::Unavailable))
    }

    /// One reservation's hold as the log has it now; `None` if the event never held it.
    pub async fn find(
        &self,
        event_id: EventId,
        reservation_id: ReservationId,
    ) -> Result<Option<FoundHold>, ReservationError> {
        let (reply, outcome) = oneshot::channel();
        self.submit(event_id, |r| DeskJob::Find(reservation_id, r), reply)
            .await?;
        outcome.await.unwrap_or(Err(ReservationError::Unavailable))
    }

    /// The event's inventory as the log has it now, with the catalogue's view of the event.
    pub async fn inventory(
        &self,
        event_id: EventId,
    ) -> Result<(Inventory, Event), ReservationError> {
        let (inventory, event, _) = self.inventory_at_version(event_id).await?;
        Ok((inventory, event))
    }

    async fn inventory_at_version(
        &self,
        event_id: EventId,
    ) -> Result<(Inventory, Event, u64), ReservationError> {
        let (reply, outcome) = oneshot::channel();
        self.submit(event_id, DeskJob::Read, reply).await?;
        outcome.await.unwrap_or(Err(ReservationError::Unavailable))
    }

    /// Drops the event's guard after an organiser changed the event (capacities, ticket
    /// types, status), so that the next request rebuilds it from the log. Without this, a
    /// raised capacity would stay invisible behind the guard's sold-out answers, which
    /// never reach the log. Guard holds of requests in flight are lost with it, which
    /// only lets the log refuse a few requests the guard would have.
    pub async fn catalogue_changed(&self, event_id: EventId) {
        self.catalogue
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .remove(&event_id);
        self.drop_guard(event_id).await;
    }

    /// Drops the event's guard, which may be behind the log, so that the next request
    /// rebuilds it. If Redis fails, the event is remembered: its guard is not asked until
    /// a later request or sweep ([`Self::drop_doubtful_guards`]) manages to drop it.
    async fn drop_guard(&self, event_id: EventId) {
        let Some(guard) = &self.guard else { return };
        let dropped = guard.forget(event_id).await;
        let mut to_drop = self
            .guards_to_drop
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        match dropped {
            Ok(()) => {
                to_drop.remove(&event_id);
            }
            Err(error) => {
                tracing::warn!(%error, "could not drop a reservation guard behind the log; bypassing it until dropped");
                to_drop.insert(event_id);
            }
        }
    }

    /// Whether the event's guard must not be asked: it may be behind the log and could
    /// not be dropped yet. Tries to drop it again first.
    async fn guard_in_doubt(&self, event_id: EventId) -> bool {
        let in_doubt = |this: &Self| {
            this.guards_to_drop
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .contains(&event_id)
        };
        if !in_doubt(self) {
            return false;
        }
        self.drop_guard(event_id).await;
        in_doubt(self)
    }

    /// Retries dropping the guards that may be behind the log and that Redis failed to
    /// drop (see [`Self::drop_guard`]); the sweeper calls it. Returns how many remain.
    pub async fn drop_doubtful_guards(&self) -> usize {
        let events: Vec<EventId> = self
            .guards_to_drop
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .iter()
            .copied()
            .collect();
        for event_id in events {
            self.drop_guard(event_id).await;
        }
        self.guards_to_drop
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .len()
    }

    /// Sends a job to the event's desk, starting one if none runs.
    async fn submit<T>(
        &self,
        event_id: EventId,
        job: impl FnOnce(oneshot::Sender<T>) -> DeskJob,
        reply: oneshot::Sender<T>,
    ) -> Result<(), ReservationError> {
        let mut job = job(reply);
        // A desk that stopped for idleness between lookup and send is replaced once.
        for _ in 0..2 {
            let desk = self.desk(event_id);
            match desk.send(job).await {
                Ok(()) => return Ok(()),
                Err(returned) => job = returned,
            }
        }
        Err(ReservationError::Unavailable)
    }

    fn desk(&self, event_id: EventId) -> DeskHandle {
        let mut desks = self
            .desks
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        desks.retain(|_, desk| !desk.is_closed());
        desks
            .entry(event_id)
            .or_insert_with(|| DeskHandle::start(event_id, self.stores.clone()))
            .clone()
    }

    /// Asks the guard; loads it from the log first if Redis lost it.
    async fn admit(&self, event_id: EventId, request: &HoldRequest) -> GuardVerdict {
        let Some(guard) = &self.guard else {
            return GuardVerdict::Bypassed;
        };
        if self.guard_in_doubt(event_id).await {
            return GuardVerdict::Bypassed;
        }
        let lines = guard_lines(&request.lines);
        let expires_at_ms = guard_expiry_ms(request.expires_at);
        for _ in 0..2 {
            let now_ms = Utc::now().timestamp_millis();
            let admission = guard
                .admit(
                    event_id,
                    request.reservation_id,
                    &lines,
                    expires_at_ms,
                    now_ms,
                )
                .await;
            match admission {
                Ok(Admission::Admitted) => return GuardVerdict::Admitted,
                Ok(Admission::AlreadyAdmitted) => return GuardVerdict::AlreadyAdmitted,
                Ok(Admission::SoldOut {
                    ticket_type_id,
                    available,
                }) => {
                    let refusal = self
                        .refusal_besides_stock(event_id, request)
                        .await
                        .unwrap_or(HoldRefusal::SoldOut {
                            ticket_type_id,
                            available,
                        });
                    return GuardVerdict::Refused(refusal);
                }
                Ok(Admission::UnknownTicketType { ticket_type_id }) => {
                    // Either no such ticket type (refused without touching the guard, so
                    // bad requests cannot make us rebuild it) or one added since the guard
                    // was loaded: reloading drops in-flight guard holds, which only lets the
                    // log turn away a few more requests itself.
                    let known = self
                        .stores
                        .events
                        .load(&event_id.to_aggregate_id())
                        .await
                        .map(|event| event.state.ticket_type(ticket_type_id).is_some());
                    match known {
                        Ok(false) => {
                            return GuardVerdict::Refused(HoldRefusal::UnknownTicketType(
                                ticket_type_id,
                            ))
                        }
                        Ok(true) => {}
                        Err(_) => return GuardVerdict::Bypassed,
                    }
                    if let Err(error) = self.load_guard(event_id, true).await {
                        tracing::warn!(%error, "could not reload the reservation guard");
                        return GuardVerdict::Bypassed;
                    }
                }
                Ok(Admission::NotLoaded) => {
                    if let Err(error) = self.load_guard(event_id, false).await {
                        tracing::warn!(%error, "could not rebuild the reservation guard");
                        return GuardVerdict::Bypassed;
                    }
                }
                Err(error) => {
                    tracing::warn!(%error, "reservation guard unavailable; deciding from the log alone");
                    return GuardVerdict::Bypassed;
                }
            }
        }
        GuardVerdict::Bypassed
    }

    /// The reason the catalogue alone gives to refuse `request` (event cancelled, sale
    /// closed, too many per order...), if any. The guard only knows stock, so when it says
    /// sold out the buyer should still hear the more fundamental reason. Decided by the
    /// domain against an empty inventory, from a catalogue state at most a second old;
    /// the desk always decides from fresh state, so this only picks the message.
    async fn refusal_besides_stock(
        &self,
        event_id: EventId,
        request: &HoldRequest,
    ) -> Option<HoldRefusal> {
        let event = self.recent_catalogue(event_id).await?;
        let decision =
            Inventory::default().decide_holds(&event, std::slice::from_ref(request), Utc::now());
        match decision.outcomes.into_iter().next()? {
            HoldOutcome::Refused(HoldRefusal::SoldOut { .. }) => None,
            HoldOutcome::Refused(refusal) => Some(refusal),
            HoldOutcome::Held { .. } | HoldOutcome::AlreadyHeld { .. } => None,
        }
    }

    async fn recent_catalogue(&self, event_id: EventId) -> Option<Arc<Event>> {
        let cached = || {
            self.catalogue
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .get(&event_id)
                .filter(|(loaded_at, _)| loaded_at.elapsed() < CATALOGUE_REUSE)
                .map(|(_, event)| event.clone())
        };
        if let Some(event) = cached() {
            return Some(event);
        }
        let _loading = self.catalogue_load.lock().await;
        if let Some(event) = cached() {
            return Some(event);
        }
        let event = Arc::new(
            self.stores
                .events
                .load(&event_id.to_aggregate_id())
                .await
                .ok()?
                .state,
        );
        let mut catalogue = self
            .catalogue
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        catalogue.retain(|_, (loaded_at, _)| loaded_at.elapsed() < CATALOGUE_REUSE);
        catalogue.insert(event_id, (Instant::now(), event.clone()));
        Some(event)
    }

    /// Rebuilds the guard of `event_id` from the log (only if missing unless `replace`).
    /// A replacement read before facts the guard followed in place meanwhile is not
    /// installed: the log is read again, and after [`GUARD_REBUILD_READS`] such reads the
    /// guard is dropped instead, for the next request to load.
    async fn load_guard(&self, event_id: EventId, replace: bool) -> Result<(), ReservationError> {
        let Some(guard) = &self.guard else {
            return Ok(());
        };
        for _ in 0..GUARD_REBUILD_READS {
            let (inventory, event, version) = self.inventory_at_version(event_id).await?;
            let snapshot = guard_snapshot(&inventory, &event, version);
            let installed = if replace {
                guard
                    .replace(event_id, &snapshot)
                    .await
                    .map_err(ReservationError::from)?
                    == Replaced::Installed
            } else {
                guard
                    .load_if_missing(event_id, &snapshot)
                    .await
                    .map_err(ReservationError::from)?;
                true
            };
            if installed {
                tracing::info!(replace, "reservation guard loaded from the log");
                return Ok(());
            }
        }
        tracing::info!("the guard kept following payments past every read of the log; dropping it");
        self.drop_guard(event_id).await;
        Ok(())
    }

    /// Makes the guard count payment facts the log just appended (`events`, the last of
    /// them at `version`), one small atomic script per fact: a sale moves the hold's
    /// tickets from held to sold, an extension moves the hold's expiry, a return takes
    /// tickets off sold. Payments come in at tens per second in a flash sale, when the
    /// guard holds thousands of holds: reinstalling it per payment would block Redis and
    /// drop the guard holds of requests in flight. When the guard cannot follow (not
    /// loaded, or it lacks the hold or the sold tickets the fact starts from), it is
    /// rebuilt from the log: the slow path, but the log stays the only source of truth.
    async fn follow_in_guard(&self, event_id: EventId, events: &[InventoryEvent], version: u64) {
        let Some(guard) = &self.guard else { return };
        let first = version.saturating_sub(events.len() as u64) + 1;
        for (log_version, event) in (first..).zip(events) {
            match follow_fact(guard, event_id, log_version, event).await {
                Ok(Some(Followed::Applied | Followed::AlreadyCounted)) => {}
                Ok(Some(Followed::NotLoaded | Followed::Disagrees) | None) => {
                    tracing::info!(
                        log_version,
                        "the guard cannot follow a payment; rebuilding it"
                    );
                    if let Err(error) = self.load_guard(event_id, true).await {
                        tracing::warn!(%error, "could not rebuild the reservation guard");
                        self.drop_guard(event_id).await;
                    }
                    return;
                }
                Err(error) => {
                    // The guard may have missed the fact: a missed return would keep its
                    // tickets looking sold until the next rebuild, so make that rebuild
                    // happen on the next request.
                    tracing::warn!(%error, "could not update the reservation guard after a payment; dropping it");
                    self.drop_guard(event_id).await;
                    return;
                }
            }
        }
    }

    /// After the log decided a request the guard admitted: undo the guard's hold unless
    /// the log holds it too, and resynchronise the guard when the log says sold out.
    async fn reconcile_guard(
        &self,
        event_id: EventId,
        reservation_id: ReservationId,
        decided: &Result<HoldOutcome, ReservationError>,
    ) {
        let Some(guard) = &self.guard else { return };
        let held = matches!(
            decided,
            Ok(HoldOutcome::Held { .. } | HoldOutcome::AlreadyHeld { .. })
        );
        if held {
            return;
        }
        if let Err(error) = guard.release(event_id, reservation_id).await {
            tracing::warn!(%error, "could not undo a guard hold the log refused");
        }
        if matches!(
            decided,
            Ok(HoldOutcome::Refused(HoldRefusal::SoldOut { .. }))
        ) {
            tracing::info!("guard admitted what the log refused; resynchronising it");
            if let Err(error) = self.load_guard(event_id, true).await {
                tracing::warn!(%error, "could not resynchronise the reservation guard");
            }
        }
    }
}

enum GuardVerdict {
    /// This request's hold is now counted by the guard: it must be undone if the log
    /// refuses the request.
    Admitted,
    /// The guard already counts a hold under this reservation id, placed by an earlier
    /// request (a retry, or the same id with other tickets). That hold is not this
    /// request's to undo: undoing it when the log refuses a reused id would drop the
    /// guard's copy of a hold the log still has.
    AlreadyAdmitted,
    Refused(HoldRefusal),
    Bypassed,
}

/// Asks the guard to follow one fact appended at `log_version`; `None` for a fact it has no
/// in-place update for (none of those comes out of `decide` today).
async fn follow_fact(
    guard: &ReservationGuard,
    event_id: EventId,
    log_version: u64,
    event: &InventoryEvent,
) -> Result<Option<Followed>, GuardError> {
    let followed = match event {
        InventoryEvent::HoldSold {
            reservation_id,
            lines,
            late,
            ..
        } => {
            guard
                .sell(
                    event_id,
                    log_version,
                    *reservation_id,
                    &guard_lines(lines),
                    *late,
                )
                .await?
        }
        InventoryEvent::HoldExtended {
            reservation_id,
            expires_at,
        } => {
            guard
                .extend(
                    event_id,
                    log_version,
                    *reservation_id,
                    guard_expiry_ms(*expires_at),
                )
                .await?
        }
        InventoryEvent::TicketsReturned { lines, .. } => {
            guard
                .return_tickets(event_id, log_version, &guard_lines(lines))
                .await?
        }
        InventoryEvent::HoldsPlaced { .. }
        | InventoryEvent::HoldReleased { .. }
        | InventoryEvent::HoldsExpired { .. } => return Ok(None),
    };
    Ok(Some(followed))
}

/// The guard's form of a hold's lines.
fn guard_lines(lines: &[HoldLine]) -> Vec<GuardLine> {
    lines
        .iter()
        .map(|line| GuardLine {
            ticket_type_id: line.ticket_type_id,
            quantity: line.quantity.get(),
        })
        .collect()
}

/// What the guard must know of an event: capacities, sales and the unexpired holds, as of
/// the inventory's `log_version`.
fn guard_snapshot(inventory: &Inventory, event: &Event, log_version: u64) -> GuardSnapshot {
    let now = Utc::now();
    GuardSnapshot {
        ticket_types: event
            .ticket_types()
            .iter()
            .map(|ticket_type| GuardStock {
                ticket_type_id: ticket_type.id,
                capacity: ticket_type.capacity.get(),
                sold: inventory.sold(ticket_type.id),
            })
            .collect(),
        holds: inventory
            .active_holds()
            .filter(|(_, hold)| hold.expires_at() > now)
            .map(|(reservation_id, hold)| GuardHold {
                reservation_id,
                lines: guard_lines(hold.lines()),
                expires_at_ms: guard_expiry_ms(hold.expires_at()),
            })
            .collect(),
        log_version,
    }
}

/// A hold's expiry as the guard stores it: whole milliseconds, rounded up. The guard
/// drops a hold once its expiry is at or before the current millisecond; rounding down
/// would let it forget a hold up to a millisecond before the log does, and admit tickets
/// the log still holds.
fn guard_expiry_ms(expires_at: chrono::DateTime<Utc>) -> i64 {
    let floor = expires_at.timestamp_millis();
    if expires_at
        .timestamp_subsec_nanos()
        .is_multiple_of(1_000_000)
    {
        floor
    } else {
        floor + 1
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::guard_expiry_ms;

    #[test]
    fn guard_expiry_rounds_up_to_the_next_millisecond() {
        let whole = Utc.timestamp_millis_opt(1_800_000_000_123).unwrap();
        assert_eq!(guard_expiry_ms(whole), 1_800_000_000_123);
        let inside = whole + chrono::TimeDelta::microseconds(1);
        assert_eq!(guard_expiry_ms(inside), 1_800_000_000_124);
        let last = whole + chrono::TimeDelta::microseconds(999);
        assert_eq!(guard_expiry_ms(last), 1_800_000_000_124);
    }
}
