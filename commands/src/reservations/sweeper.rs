//! Records the expiry of lapsed holds in the log soon after they lapse. Availability never
//! counts a lapsed hold anyway; the sweep makes the log (and the read models built from it)
//! say so. Safe with many processes: appends are versioned and expiring twice does nothing.
//! On the same timer, the guards of sales about to open are built (`sale_openings`).

use std::sync::Arc;
use std::time::Duration;

use carneau_domain::ids::EventId;
use carneau_domain::{Cause, EventMetadata, Process};
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::sale_openings::prepare_sale_openings;
use super::service::Reservations;

/// How often lapsed holds are looked for.
pub const SWEEP_INTERVAL: Duration = Duration::from_secs(5);

/// Sweeps until `shutdown`. Events with lapsed holds are found in the inventory read
/// model (table `inventory_holds`), which lags the log slightly; a hold it misses now is
/// found on the next sweep.
pub async fn run_sweeper(
    pool: PgPool,
    reservations: Arc<Reservations>,
    shutdown: CancellationToken,
) {
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(SWEEP_INTERVAL) => {}
        }
        if let Err(error) = sweep_once(&pool, &reservations).await {
            tracing::warn!(error = %format!("{error:#}"), "hold sweep failed; retrying later");
        }
        if let Err(error) = prepare_sale_openings(&pool, &reservations).await {
            tracing::warn!(error = %format!("{error:#}"), "could not look for sales opening soon; retrying later");
        }
    }
}

/// One sweep: expires the lapsed holds of every event that has some (returns how many),
/// after retrying to drop the guards that may be behind the log.
pub async fn sweep_once(pool: &PgPool, reservations: &Reservations) -> anyhow::Result<usize> {
    // A guard that missed a payment and could not be dropped then is dropped now, even
    // if no request for its event comes.
    let in_doubt = reservations.drop_doubtful_guards().await;
    if in_doubt > 0 {
        tracing::warn!(
            in_doubt,
            "reservation guards behind the log still not dropped"
        );
    }
    let events: Vec<Uuid> = sqlx::query_scalar(
        "SELECT DISTINCT event_id FROM inventory_holds \
         WHERE status = 'held' AND expires_at <= now()",
    )
    .fetch_all(pool)
    .await?;
    // A timer's work, for no buyer: no correlation id (one sweep may end many purchases).
    let metadata = EventMetadata::process(Process::HoldSweeper, Cause::Schedule);
    let mut expired = 0;
    for event_id in events {
        expired += reservations
            .expire_lapsed(EventId::from_uuid(event_id), &metadata)
            .await?;
    }
    if expired > 0 {
        tracing::info!(expired, "recorded lapsed holds as expired");
    }
    Ok(expired)
}
