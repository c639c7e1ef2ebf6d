//! Deleting the bytes no image names any more. The store is content-addressed: the same
//! file uploaded to two events is stored once, so bytes go only when no current image
//! of any event has their hash, as the log says (each image fact carries the event's
//! whole gallery, so the last one of each event is its current images).
//!
//! Bytes are stored before the fact naming them is appended, so fresh bytes may belong
//! to an upload whose fact is on its way: only renditions stored more than
//! [`UNNAMED_IMAGE_GRACE`] ago are deleted, and a store deletes a rendition only if it
//! was not stored again since (an upload of the same file refreshes it). What a removal
//! leaves (fresh bytes, a crash, a store outage) the sweep takes later; it can run any
//! number of times, in any number of processes.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use carneau_domain::event::{Event, EventCatalogueEvent, EventImage};
use chrono::{DateTime, Utc};
use cqrs_es::Aggregate;
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;
use tracing::instrument;

use super::store::{ImageStore, ImageStoreError};

/// How long bytes no image names are kept: far longer than an upload may take between
/// storing its bytes and appending its fact (a request lasts at most 10 seconds).
pub const UNNAMED_IMAGE_GRACE: Duration = Duration::from_secs(15 * 60);

/// How often each `carneau serve` sweeps: bytes of removed images are not urgent, and a
/// sweep reads every image fact of the log.
pub const IMAGE_SWEEP_INTERVAL: Duration = Duration::from_secs(60 * 60);

/// Why a sweep or a release stopped.
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    /// The log could not be read.
    #[error("reading the images in use from the event log: {0}")]
    Log(#[from] sqlx::Error),
    /// The image store failed.
    #[error(transparent)]
    Store(#[from] ImageStoreError),
}

/// What a sweep did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SweepOutcome {
    /// Content hashes stored before the cutoff.
    pub examined: usize,
    /// Of those, the ones no image names, whose renditions were deleted.
    pub released: usize,
    /// Renditions deleted.
    pub deleted: u64,
}

/// The cutoff of [`UNNAMED_IMAGE_GRACE`]: renditions stored before it may go.
pub fn grace_cutoff(now: DateTime<Utc>) -> DateTime<Utc> {
    let grace = chrono::Duration::from_std(UNNAMED_IMAGE_GRACE).unwrap_or(chrono::Duration::MAX);
    now.checked_sub_signed(grace)
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// The content hashes of every current image of every event, from the log: the gallery
/// of each event's last image fact.
pub async fn images_in_use(pool: &PgPool) -> Result<BTreeSet<String>, sqlx::Error> {
    // Table events: the primary key (aggregate_type, aggregate_id, sequence) serves the
    // DISTINCT ON.
    let last_image_facts: Vec<serde_json::Value> = sqlx::query_scalar(
        "SELECT DISTINCT ON (aggregate_id) payload \
         FROM events \
         WHERE aggregate_type = $1 \
           AND event_type IN ('EventImageAdded', 'EventImageAltTextChanged', \
                              'EventImagesReordered', 'EventImageRemoved') \
         ORDER BY aggregate_id, sequence DESC",
    )
    .bind(Event::TYPE)
    .fetch_all(pool)
    .await?;
    let mut in_use = BTreeSet::new();
    for payload in last_image_facts {
        let fact: EventCatalogueEvent =
            serde_json::from_value(payload).map_err(|error| sqlx::Error::Decode(error.into()))?;
        in_use.extend(gallery_of(fact).into_iter().map(|image| image.content_hash));
    }
    Ok(in_use)
}

fn gallery_of(fact: EventCatalogueEvent) -> Vec<EventImage> {
    match fact {
        EventCatalogueEvent::EventImageAdded { gallery, .. }
        | EventCatalogueEvent::EventImageAltTextChanged { gallery, .. }
        | EventCatalogueEvent::EventImagesReordered { gallery }
        | EventCatalogueEvent::EventImageRemoved { gallery, .. } => gallery,
        _ => Vec::new(),
    }
}

/// Deletes the renditions of `content_hash` stored before `cutoff`, unless an image of
/// any event still has it. Run after a removal's fact is committed.
#[instrument(skip_all, fields(content_hash = %content_hash))]
pub async fn release(
    pool: &PgPool,
    store: &dyn ImageStore,
    content_hash: &str,
    cutoff: DateTime<Utc>,
) -> Result<u64, SweepError> {
    if images_in_use(pool).await?.contains(content_hash) {
        tracing::info!("removed image's bytes kept: another image has the same file");
        return Ok(0);
    }
    let deleted = store.delete_stored_before(content_hash, cutoff).await?;
    tracing::info!(deleted, "removed image's bytes deleted");
    Ok(deleted)
}

/// Deletes every rendition stored before `cutoff` whose content hash no current image
/// has. The store is listed before the log is read: a fact appended in between names
/// bytes the listing saw, and the log read after it sees the fact.
#[instrument(skip_all)]
pub async fn sweep(
    pool: &PgPool,
    store: &dyn ImageStore,
    cutoff: DateTime<Utc>,
) -> Result<SweepOutcome, SweepError> {
    let stored = store.hashes_stored_before(cutoff).await?;
    let in_use = images_in_use(pool).await?;
    let mut outcome = SweepOutcome {
        examined: stored.len(),
        ..SweepOutcome::default()
    };
    for content_hash in stored.difference(&in_use) {
        outcome.deleted += store.delete_stored_before(content_hash, cutoff).await?;
        outcome.released += 1;
    }
    tracing::info!(
        examined = outcome.examined,
        released = outcome.released,
        deleted = outcome.deleted,
        "image sweep done"
    );
    Ok(outcome)
}

/// Sweeps every [`IMAGE_SWEEP_INTERVAL`] until `shutdown`: a failed sweep is logged and
/// tried again at the next turn (deleting is idempotent, so processes may overlap).
pub async fn run_image_sweeper(
    pool: PgPool,
    store: Arc<dyn ImageStore>,
    shutdown: CancellationToken,
) {
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(IMAGE_SWEEP_INTERVAL) => {}
        }
        if let Err(error) = sweep(&pool, store.as_ref(), grace_cutoff(Utc::now())).await {
            tracing::warn!(%error, "image sweep failed; trying again at the next turn");
        }
    }
}
