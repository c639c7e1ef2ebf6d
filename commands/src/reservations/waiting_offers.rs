//! Offers the tickets that came back to the people on waiting lists, soon after they come
//! back. The inventory decides who gets what (`Inventory::offer_to_waiting_list`); this
//! only asks it, for every event with people waiting. Safe with many processes: appends
//! are versioned and an offer made is not made again.

use std::sync::Arc;
use std::time::Duration;

use carneau_domain::ids::EventId;
use carneau_domain::{Cause, EventMetadata, Process};
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::service::Reservations;

/// How often the waiting lists are looked at. Tickets come back by lapses that no request
/// announces, so they are looked for rather than waited for.
pub const OFFER_INTERVAL: Duration = Duration::from_secs(2);

/// Offers until `shutdown`; each offer is held for `offer_lifetime`. Events with people
/// waiting are found in the waiting lists' read model, which lags the log slightly; a place
/// it misses now is served on the next round.
pub async fn run_waiting_offers(
    pool: PgPool,
    reservations: Arc<Reservations>,
    offer_lifetime: Duration,
    shutdown: CancellationToken,
) {
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(OFFER_INTERVAL) => {}
        }
        if let Err(error) = offer_once(&pool, &reservations, offer_lifetime).await {
            tracing::warn!(error = %format!("{error:#}"), "waiting list offers failed; retrying later");
        }
    }
}

/// One round: offers what can be offered at every event with people waiting; returns how
/// many places were served.
pub async fn offer_once(
    pool: &PgPool,
    reservations: &Reservations,
    offer_lifetime: Duration,
) -> anyhow::Result<usize> {
    let events: Vec<Uuid> = sqlx::query_scalar(
        "SELECT DISTINCT w.event_id FROM waiting_list_entries w \
           JOIN catalogue_events c ON c.event_id = w.event_id \
          WHERE w.status = 'waiting' AND c.waiting_list_open AND c.status = 'published'",
    )
    .fetch_all(pool)
    .await?;
    let metadata = EventMetadata::process(Process::WaitingList, Cause::Schedule);
    let mut served = 0;
    for event_id in events {
        served += reservations
            .offer_to_waiting_list(EventId::from_uuid(event_id), offer_lifetime, &metadata)
            .await?;
    }
    if served > 0 {
        tracing::info!(served, "offered tickets to people on waiting lists");
    }
    Ok(served)
}
