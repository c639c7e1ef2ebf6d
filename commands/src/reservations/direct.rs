//! The baseline design, kept only to measure the batched one against: each request
//! replays the event's inventory from the log and appends its own hold, retrying when
//! another request appended first.

use carneau_domain::ids::EventId;
use carneau_domain::inventory::{HoldOutcome, HoldRequest, SaleTerms};
use carneau_domain::voucher::VoucherBook;
use carneau_domain::EventMetadata;
use chrono::Utc;

use super::event_log::{attribute_holds, lapse_metadata, Append, Stores};
use super::ReservationError;
use crate::metrics::{self, InventoryAppend};

/// How often a request retries after losing the race to the same inventory.
const MAX_DIRECT_ATTEMPTS: usize = 100;

/// Decides and appends `request` alone, recorded with `metadata`.
pub async fn reserve(
    stores: &Stores,
    event_id: EventId,
    request: HoldRequest,
    metadata: &EventMetadata,
) -> Result<HoldOutcome, ReservationError> {
    let requests = [request];
    let lapses = lapse_metadata();
    for _ in 0..MAX_DIRECT_ATTEMPTS {
        let event = stores.catalogue(event_id).await?;
        let mut book = None;
        if requests.iter().any(|request| request.code.is_some()) {
            stores.catch_up_book(event_id, &mut book).await?;
        }
        let vouchers = book
            .as_ref()
            .map_or(VoucherBook::none(), |book| &book.state);
        let mut loaded = stores.inventory(event_id).await?;
        let terms = SaleTerms::new(&event, vouchers);
        let mut decision = loaded.inventory.decide_holds(terms, &requests, Utc::now());
        let events = attribute_holds(decision.events, &requests, &[metadata], &lapses);
        match stores.append(event_id, &mut loaded, events).await? {
            Append::Appended => {
                return decision.outcomes.pop().ok_or(ReservationError::Unavailable)
            }
            Append::Conflict => continue,
        }
    }
    metrics::inventory_append(InventoryAppend::Abandoned);
    Err(ReservationError::Busy)
}
