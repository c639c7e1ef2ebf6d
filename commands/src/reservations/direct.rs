//! The baseline design, kept only to measure the batched one against: each request
//! replays the event's inventory from the log and appends its own hold, retrying when
//! another request appended first.

use carneau_domain::ids::EventId;
use carneau_domain::inventory::{HoldOutcome, HoldRequest};
use chrono::Utc;

use super::event_log::{Append, Stores};
use super::ReservationError;

/// How often a request retries after losing the race to the same inventory.
const MAX_DIRECT_ATTEMPTS: usize = 100;

/// Decides and appends `request` alone.
pub async fn reserve(
    stores: &Stores,
    event_id: EventId,
    request: HoldRequest,
) -> Result<HoldOutcome, ReservationError> {
    let requests = [request];
    for _ in 0..MAX_DIRECT_ATTEMPTS {
        let event = stores.catalogue(event_id).await?;
        let mut loaded = stores.inventory(event_id).await?;
        let mut decision = loaded.inventory.decide_holds(&event, &requests, Utc::now());
        match stores
            .append(event_id, &mut loaded, decision.events)
            .await?
        {
            Append::Appended => {
                return decision.outcomes.pop().ok_or(ReservationError::Unavailable)
            }
            Append::Conflict => continue,
        }
    }
    Err(ReservationError::Busy)
}
