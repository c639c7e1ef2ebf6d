//! Keeping the Redis guard in step with the log over its life: built from the log when
//! missing, followed in place as payments land, resynchronised when the log refuses what
//! it admitted, and dropped (for the next request to rebuild) whenever it may be behind.
//! The guard is derived state: the log wins whenever they disagree.

mod admitting;
mod facts;
mod sold_out;

use std::collections::HashSet;
use std::sync::Mutex;

use carneau_domain::ids::{EventId, ReservationId};
use carneau_domain::inventory::{HoldOutcome, HoldRefusal, InventoryEvent};
use carneau_domain::voucher::VoucherBook;

pub use admitting::GuardVerdict;
use facts::{follow_fact, guard_snapshot};
use sold_out::SoldOutAnswers;
pub use sold_out::SOLD_OUT_REMEMBERED_FOR;

use super::desk::Desks;
use super::guard::{Followed, Replaced, ReservationGuard};
use super::recent::Recent;
use super::refusal_reasons::RefusalReasons;
use super::ReservationError;
use crate::metrics::{self, GuardRebuildTrigger};

/// How many times a rebuild reads the log again when the guard turned out to count facts
/// the read missed (payments followed in place meanwhile), before dropping the guard.
const GUARD_REBUILD_READS: usize = 3;

/// The guard with what it takes to keep it in step with the log.
pub struct GuardKeeper {
    guard: ReservationGuard,
    /// Events whose guard may have missed a fact of the log and could not be dropped
    /// (Redis failed): not asked until dropped, which the next request or sweep retries.
    to_drop: Mutex<HashSet<EventId>>,
    /// Why the catalogue refuses what the guard only calls sold out.
    reasons: RefusalReasons,
    /// The events' promo codes, for what a code's hold takes of it and its limit.
    books: Recent<VoucherBook>,
    /// One rebuild of an event's missing guard at a time (see `admit`).
    rebuilds: Rebuilds,
    /// The guard's "none left" answers of a moment ago.
    sold_out: SoldOutAnswers,
}

/// How many locks the rebuilds of every event share.
const REBUILD_STRIPES: usize = 64;

/// Locks for rebuilding the guard of an event, striped so that they take fixed memory
/// whatever the number of events: two events on one stripe only wait for each other's
/// rebuild, which is rare and short.
struct Rebuilds([tokio::sync::Mutex<()>; REBUILD_STRIPES]);

impl Default for Rebuilds {
    fn default() -> Self {
        Self(std::array::from_fn(|_| tokio::sync::Mutex::new(())))
    }
}

impl Rebuilds {
    /// Waits until no other request of this process rebuilds the event's guard.
    async fn lock(&self, event_id: EventId) -> tokio::sync::MutexGuard<'_, ()> {
        let stripe = (event_id.as_uuid().as_u128() % REBUILD_STRIPES as u128) as usize;
        self.0[stripe].lock().await
    }
}

impl GuardKeeper {
    /// Keeps `guard`, its "none left" answers kept for `lasts`.
    pub fn remembering_sold_out_for(guard: ReservationGuard, lasts: std::time::Duration) -> Self {
        Self {
            guard,
            to_drop: Mutex::default(),
            reasons: RefusalReasons::default(),
            books: Recent::default(),
            rebuilds: Rebuilds::default(),
            sold_out: SoldOutAnswers::new(lasts),
        }
    }

    /// After the log decided a request the guard admitted (with uses of its promo code
    /// when `guard_counts_code`): undo the guard's hold unless the log holds it too, and
    /// resynchronise the guard when the log says sold out or used up, or held the tickets
    /// without the code the guard counts for them.
    pub async fn reconcile(
        &self,
        desks: &Desks,
        event_id: EventId,
        reservation_id: ReservationId,
        guard_counts_code: bool,
        decided: &Result<HoldOutcome, ReservationError>,
    ) {
        if let Ok(outcome) = decided {
            if outcome.is_held() && guard_counts_code && outcome.code_used_up() {
                // The guard holds a use the log does not: harmless for the limit (it only
                // turns buyers to the list price sooner), but the two must agree again.
                tracing::info!("the log held without the code what the guard admitted with it; resynchronising it");
                if let Err(error) = self
                    .load(desks, event_id, GuardRebuildTrigger::Replaced)
                    .await
                {
                    tracing::warn!(%error, "could not resynchronise the reservation guard");
                }
                return;
            }
        }
        if decided.as_ref().is_ok_and(HoldOutcome::is_held) {
            return;
        }
        self.release(event_id, reservation_id).await;
        if matches!(
            decided,
            Ok(HoldOutcome::Refused(
                HoldRefusal::SoldOut { .. } | HoldRefusal::CodeUsedUp
            ))
        ) {
            tracing::info!("guard admitted what the log refused; resynchronising it");
            if let Err(error) = self
                .load(desks, event_id, GuardRebuildTrigger::Replaced)
                .await
            {
                tracing::warn!(%error, "could not resynchronise the reservation guard");
            }
        }
    }

    /// After the log decided a request whose admission went unanswered
    /// ([`GuardVerdict::Unanswered`]): Redis may have run it, so the guard's copy of the
    /// hold is given back unless the log holds the request. Releasing a hold the guard
    /// never counted does nothing.
    pub async fn unanswered_decided(
        &self,
        event_id: EventId,
        reservation_id: ReservationId,
        decided: &Result<HoldOutcome, ReservationError>,
    ) {
        if !decided.as_ref().is_ok_and(HoldOutcome::is_held) {
            self.release(event_id, reservation_id).await;
        }
    }

    /// Takes a hold the log does not have (released, or never held) out of the guard. If
    /// Redis fails (or answers too late to tell), the guard may still count it, and would
    /// turn buyers away from its tickets until the hold lapsed: it is dropped instead, for
    /// the next request to rebuild from the log.
    pub async fn release(&self, event_id: EventId, reservation_id: ReservationId) {
        self.sold_out.forget(event_id);
        if let Err(error) = self.guard.release(event_id, reservation_id).await {
            tracing::warn!(%error, "could not give back a hold in the guard; dropping it");
            self.drop_guard(event_id).await;
        }
    }

    /// Makes the guard count payment facts the log just appended (`events`, the last of
    /// them at `version`), one small atomic script per fact: a sale moves the hold's
    /// tickets from held to sold, an extension moves the hold's expiry, a return takes
    /// tickets off sold. Payments come in at tens per second in a flash sale, when the
    /// guard holds thousands of holds: reinstalling it per payment would block Redis and
    /// drop the guard holds of requests in flight. When the guard cannot follow (not
    /// loaded, or it lacks the hold or the sold tickets the fact starts from), it is
    /// rebuilt from the log: the slow path, but the log stays the only source of truth.
    pub async fn follow(
        &self,
        desks: &Desks,
        event_id: EventId,
        events: &[InventoryEvent],
        version: u64,
    ) {
        let first = version.saturating_sub(events.len() as u64) + 1;
        // A sale or an extension gives nothing back; a return does.
        if events
            .iter()
            .any(|event| matches!(event, InventoryEvent::TicketsReturned { .. }))
        {
            self.sold_out.forget(event_id);
        }
        for (log_version, event) in (first..).zip(events) {
            match follow_fact(&self.guard, event_id, log_version, event).await {
                Ok(Some(Followed::Applied | Followed::AlreadyCounted)) => {}
                Ok(Some(Followed::NotLoaded | Followed::Disagrees) | None) => {
                    tracing::info!(
                        log_version,
                        "the guard cannot follow a payment; rebuilding it"
                    );
                    if let Err(error) = self
                        .load(desks, event_id, GuardRebuildTrigger::Replaced)
                        .await
                    {
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

    /// Drops the event's guard and the catalogue state kept for refusal reasons after an
    /// organiser changed the event (see `Reservations::catalogue_changed`), then builds
    /// the guard again from the log at once. A sale opened by the change (published, a
    /// ticket type put on sale) would otherwise meet its first buyers with no guard: one
    /// of them rebuilds it while the others queue for the rebuild's lock, and those first
    /// holds were a rush's slowest (docs/benchmarks.md, session 21). If the build fails,
    /// the next request builds it, as before.
    pub async fn catalogue_changed(&self, desks: &Desks, event_id: EventId) {
        self.reasons.forget(event_id);
        self.books.forget(event_id);
        self.drop_guard(event_id).await;
        if let Err(error) = self
            .load(desks, event_id, GuardRebuildTrigger::Changed)
            .await
        {
            tracing::warn!(%error, "could not build the reservation guard after a change; the next request will");
        }
    }

    /// Builds the event's guard from the log if it is not loaded, ahead of a sale that
    /// opens soon: its keys lapse after a day without requests, and a rush that found none
    /// queued its first buyers behind one rebuild. Returns whether it built one. A guard in
    /// doubt is left for the next request, which drops and rebuilds it.
    pub async fn sale_opening(
        &self,
        desks: &Desks,
        event_id: EventId,
    ) -> Result<bool, ReservationError> {
        if self.in_doubt(event_id).await || self.guard.is_loaded(event_id).await? {
            return Ok(false);
        }
        self.load(desks, event_id, GuardRebuildTrigger::SaleOpening)
            .await
    }

    /// Retries dropping the guards that may be behind the log and that Redis failed to
    /// drop (see [`Self::drop_guard`]). Returns how many remain.
    pub async fn drop_doubtful(&self) -> usize {
        let events: Vec<EventId> = self.doubtful().iter().copied().collect();
        for event_id in events {
            self.drop_guard(event_id).await;
        }
        self.doubtful().len()
    }

    /// Rebuilds the guard of `event_id` from the log, for `trigger` (only if missing
    /// unless it is a replacement); returns whether it installed one. A replacement read
    /// before facts the guard followed in place meanwhile is not installed: the log is
    /// read again, and after [`GUARD_REBUILD_READS`] such reads the guard is dropped
    /// instead, for the next request to load.
    async fn load(
        &self,
        desks: &Desks,
        event_id: EventId,
        trigger: GuardRebuildTrigger,
    ) -> Result<bool, ReservationError> {
        let replace = matches!(trigger, GuardRebuildTrigger::Replaced);
        self.sold_out.forget(event_id);
        for _ in 0..GUARD_REBUILD_READS {
            let (inventory, event, version) = desks.read(event_id).await?;
            let snapshot = guard_snapshot(&inventory, &event, version);
            let installed = if replace {
                self.guard
                    .replace(event_id, &snapshot)
                    .await
                    .map_err(ReservationError::from)?
                    == Replaced::Installed
            } else {
                // A guard another process loaded meanwhile is kept, and not counted.
                self.guard
                    .load_if_missing(event_id, &snapshot)
                    .await
                    .map_err(ReservationError::from)?
            };
            if installed {
                tracing::info!(replace, "reservation guard loaded from the log");
                metrics::guard_rebuilt(trigger);
            }
            if installed || !replace {
                return Ok(installed);
            }
        }
        tracing::info!("the guard kept following payments past every read of the log; dropping it");
        self.drop_guard(event_id).await;
        Ok(false)
    }

    /// Drops the event's guard, which may be behind the log, so that the next request
    /// rebuilds it. If Redis fails, the event is remembered: its guard is not asked until
    /// a later request or sweep ([`Self::drop_doubtful`]) manages to drop it.
    async fn drop_guard(&self, event_id: EventId) {
        self.sold_out.forget(event_id);
        let dropped = self.guard.forget(event_id).await;
        let mut to_drop = self.doubtful();
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
    async fn in_doubt(&self, event_id: EventId) -> bool {
        if !self.doubtful().contains(&event_id) {
            return false;
        }
        self.drop_guard(event_id).await;
        self.doubtful().contains(&event_id)
    }

    fn doubtful(&self) -> std::sync::MutexGuard<'_, HashSet<EventId>> {
        self.to_drop
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
