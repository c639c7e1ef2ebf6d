//! How a hold ends unpaid: the buyer releases it, or it lapses and its expiry is recorded.
//! Pure, like placing: used by `handle` and by the command layer's in-memory inventory.

use chrono::{DateTime, Utc};

use super::{HoldStatus, Inventory, InventoryError, InventoryEvent};
use crate::ids::ReservationId;

impl Inventory {
    /// The events that give back the tickets of an unexpired hold, or why not.
    ///
    /// A hold that has lapsed is refused with [`InventoryError::HoldExpired`] even if its
    /// expiry is not recorded yet; the refusal records nothing (a refused command writes no
    /// events), and the next batch of holds or sweep records the expiry. Its tickets stopped
    /// counting when it lapsed, so nothing is lost by waiting.
    pub fn release_hold(
        &self,
        reservation_id: ReservationId,
        now: DateTime<Utc>,
    ) -> Result<Vec<InventoryEvent>, InventoryError> {
        match self.hold_status(reservation_id, now) {
            Some(HoldStatus::Active) => Ok(vec![InventoryEvent::HoldReleased {
                reservation_id,
                released_at: now,
            }]),
            Some(HoldStatus::Released) => Err(InventoryError::AlreadyReleased),
            Some(HoldStatus::Expired) => Err(InventoryError::HoldExpired),
            Some(HoldStatus::Sold) => Err(InventoryError::HoldSold),
            None => Err(InventoryError::UnknownReservation),
        }
    }

    /// The event that records the expiry of every hold lapsed by `now` but still recorded
    /// as active (ids sorted); no event when there is none.
    pub fn expire_holds(&self, now: DateTime<Utc>) -> Vec<InventoryEvent> {
        let mut reservation_ids: Vec<ReservationId> =
            self.lapsed_holds(now).map(|(id, _)| id).collect();
        if reservation_ids.is_empty() {
            return Vec::new();
        }
        reservation_ids.sort_unstable();
        vec![InventoryEvent::HoldsExpired {
            reservation_ids,
            expired_at: now,
        }]
    }
}
