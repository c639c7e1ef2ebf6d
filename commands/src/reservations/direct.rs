//! The baseline design, kept only to measure the batched one against: each request
//! replays the event's inventory from the log and appends its own hold, retrying when
//! another request appended first.

use carneau_domain::ids::EventId;
use carneau_domain::inventory::{HoldOutcome, HoldRequest};
use chrono::Utc;

use super::desk::{desk_metadata, Stores};
use super::ReservationError;
use crate::event_store::AppendError;

/// How often a request retries after losing the race to the same inventory.
const MAX_DIRECT_ATTEMPTS: usize = 100;

/// Decides and appends `request` alone.
pub async fn reserve(
    stores: &Stores,
    event_id: EventId,
    request: HoldRequest,
) -> Result<HoldOutcome, ReservationError> {
    let aggregate_id = event_id.to_aggregate_id();
    let requests = [request];
    for _ in 0..MAX_DIRECT_ATTEMPTS {
        let event = stores.events.load(&aggregate_id).await?.state;
        let inventory = stores.inventories.load(&aggregate_id).await?;
        let mut decision = inventory.state.decide_holds(&event, &requests, Utc::now());
        let appended = stores
            .inventories
            .append(
                &aggregate_id,
                inventory.version,
                &decision.events,
                &desk_metadata(),
            )
            .await;
        match appended {
            Ok(_) => return decision.outcomes.pop().ok_or(ReservationError::Unavailable),
            Err(AppendError::Conflict) => continue,
            Err(error) => return Err(error.into()),
        }
    }
    Err(ReservationError::Busy)
}
