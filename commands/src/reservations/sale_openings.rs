//! Builds the guard of an event whose sale is about to open, before its first buyer asks.
//! An event's guard lapses after a day without requests (`GUARD_IDLE_LIFETIME_MS`), and a
//! sale often opens days after its organiser last changed the event: the rush's first
//! buyers then found no guard, one of them rebuilt it from the log and hundreds queued
//! behind that rebuild, the slowest holds of the sale (docs/benchmarks.md, session 21).

use std::time::Duration;

use carneau_domain::ids::EventId;
use chrono::Utc;
use sqlx::PgPool;
use uuid::Uuid;

use super::service::Reservations;

/// How long before a ticket type's sale opens its event's guard is made sure of. Far
/// within the guard's idle lifetime, and long enough for a sweep that fails (Redis or
/// PostgreSQL away for a while) to be retried many times before the opening.
pub const SALE_OPENING_LEAD: Duration = Duration::from_secs(10 * 60);

/// Builds the guard of every published event with a ticket type whose sale opens within
/// [`SALE_OPENING_LEAD`], when it is not loaded; returns how many it built. The sales are
/// found in the catalogue read model (`catalogue_ticket_types`), which lags the log
/// slightly; the change that sets a sale window builds the guard itself anyway.
pub async fn prepare_sale_openings(
    pool: &PgPool,
    reservations: &Reservations,
) -> anyhow::Result<usize> {
    let now = Utc::now();
    let lead = chrono::Duration::from_std(SALE_OPENING_LEAD)?;
    let events: Vec<Uuid> = sqlx::query_scalar(
        "SELECT DISTINCT types.event_id \
         FROM catalogue_ticket_types types \
         JOIN catalogue_events events USING (event_id) \
         WHERE types.sale_opens_at > $1 AND types.sale_opens_at <= $2 \
           AND events.status = 'published'",
    )
    .bind(now)
    .bind(now + lead)
    .fetch_all(pool)
    .await?;
    let mut built = 0;
    for event_id in events {
        // One event's failure does not keep the others' guards from being built; it is
        // tried again on the next sweep.
        match reservations
            .prepare_sale_opening(EventId::from_uuid(event_id))
            .await
        {
            Ok(true) => built += 1,
            Ok(false) => {}
            Err(error) => {
                tracing::warn!(%error, %event_id, "could not build the guard of a sale opening soon");
            }
        }
    }
    if built > 0 {
        tracing::info!(built, "built the reservation guards of sales opening soon");
    }
    Ok(built)
}
