//! Event images: an upload is checked, decoded and re-encoded off the async runtime, its
//! renditions stored, and only then the fact appended that the event has it. Alt text,
//! and order are plain catalogue commands ([`crate::Catalogue::execute`]); a removal
//! also deletes the image's bytes once no image names them (`garbage.rs`).

mod directory;
mod garbage;
mod processing;
mod s3;
mod s3_transport;
mod store;

#[cfg(test)]
mod tests;

use std::sync::Arc;

use carneau_domain::event::{
    Event, EventCatalogueEvent, EventCommand, EventError, EventImage, MAX_EVENT_IMAGES,
};
use carneau_domain::ids::{EventId, EventImageId};
use carneau_domain::text::AltText;
use sqlx::PgPool;
use tokio::sync::Semaphore;
use tracing::instrument;

pub use directory::DirectoryImageStore;
pub use garbage::{
    grace_cutoff, images_in_use, release, run_image_sweeper, sweep, SweepError, SweepOutcome,
    IMAGE_SWEEP_INTERVAL, UNNAMED_IMAGE_GRACE,
};
pub use processing::{
    prepare, readable_size, widths_for, ImageRejection, PreparedImage, IMAGE_WIDTHS,
    MAX_IMAGE_PIXELS, MAX_IMAGE_SIDE_PIXELS, STORED_CONTENT_TYPE,
};
pub use s3::{S3Credentials, S3ImageStore, S3Settings, DEFAULT_S3_REGION};
pub use store::{is_content_hash, ImageStore, ImageStoreError, PostgresImageStore};

use crate::aggregate_store::{CommandError, Executed};
use crate::catalogue::{Catalogue, CatalogueResult};
use crate::context::CommandContext;
use crate::idempotency::IdempotencyKey;

/// Largest upload accepted unless configured otherwise: 10 MiB.
pub const DEFAULT_MAX_IMAGE_BYTES: u64 = 10 * 1024 * 1024;

/// How many uploads are decoded at once per process: decoding takes a core for up to a
/// second, and the request handlers must keep theirs.
const CONCURRENT_DECODES: usize = 2;

/// Why an upload was not added.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    /// The file is not an image we take.
    #[error(transparent)]
    Rejected(#[from] ImageRejection),
    /// The event refused it (not found, not the caller's, too many images, cancelled).
    #[error(transparent)]
    Command(#[from] CommandError<EventError>),
    /// The image store failed; nothing was appended.
    #[error(transparent)]
    Store(#[from] ImageStoreError),
}

/// Uploads of event images.
pub struct EventImages {
    pool: PgPool,
    catalogue: Arc<Catalogue>,
    store: Arc<dyn ImageStore>,
    max_bytes: u64,
    decoding: Semaphore,
}

impl EventImages {
    /// Uploads through `catalogue` into `store`, refusing files over `max_bytes`; what
    /// images are in use is read from the log in `pool`.
    pub fn new(
        pool: PgPool,
        catalogue: Arc<Catalogue>,
        store: Arc<dyn ImageStore>,
        max_bytes: u64,
    ) -> Self {
        Self {
            pool,
            catalogue,
            store,
            max_bytes,
            decoding: Semaphore::new(CONCURRENT_DECODES),
        }
    }

    /// The largest upload accepted, in bytes.
    pub fn max_bytes(&self) -> u64 {
        self.max_bytes
    }

    /// The store the renditions are read from.
    pub fn store(&self) -> &Arc<dyn ImageStore> {
        &self.store
    }

    /// Adds `bytes` as the event's last image, described by `alt`. With an idempotency
    /// key the image's id derives from it, so a retry returns the image the first attempt
    /// added (`false`: not added now) instead of adding it twice.
    #[instrument(skip_all, fields(event_id = %event_id, size = bytes.len()))]
    pub async fn upload(
        &self,
        event_id: EventId,
        key: Option<&IdempotencyKey>,
        bytes: Vec<u8>,
        alt: AltText,
        context: &CommandContext,
    ) -> Result<(Executed<Event>, EventImageId, bool), UploadError> {
        let image_id = match key {
            Some(key) => EventImageId::from_uuid(key.derive_id(&format!("event-image:{event_id}"))),
            None => EventImageId::new_random(),
        };
        // Refused before the decode when the event alone says no: a stranger's or a full
        // event costs no CPU and leaves no blob.
        let current = self
            .catalogue
            .load(event_id)
            .await?
            .ok_or(CommandError::Rejected(EventError::NotFound))?;
        if !crate::policy::may_command_event(context, &current.state) {
            return Err(CommandError::Rejected(EventError::NotOrganiser).into());
        }
        if current
            .state
            .images()
            .iter()
            .any(|image| image.id == image_id)
        {
            return Ok((current, image_id, false));
        }
        if current.state.images().len() >= MAX_EVENT_IMAGES {
            return Err(CommandError::Rejected(EventError::TooManyImages).into());
        }
        let prepared = self.prepare(bytes).await?;
        for (width, jpeg) in &prepared.renditions {
            self.store
                .put(&prepared.content_hash, *width, jpeg.clone())
                .await?;
        }
        let image = EventImage {
            id: image_id,
            widths: prepared.widths(),
            content_hash: prepared.content_hash,
            width: prepared.width,
            height: prepared.height,
            alt,
        };
        let command = EventCommand::AddImage(image.clone());
        match self
            .catalogue
            .execute(event_id, command, None, context)
            .await
        {
            Ok(added) => {
                tracing::info!(image_id = %image_id, "event image added");
                Ok((added, image_id, true))
            }
            Err(CommandError::Rejected(EventError::DuplicateImage(_)) | CommandError::Conflict)
                if key.is_some() =>
            {
                self.retried(event_id, &image).await
            }
            Err(error) => Err(error.into()),
        }
    }

    /// Takes an image off the event (at `expected_version`, if given), then deletes its
    /// bytes unless an image of any event still has the same file. A failed deletion is
    /// logged, not returned: the removal stands, and the sweep deletes the bytes later.
    #[instrument(skip_all, fields(event_id = %event_id, image_id = %image_id))]
    pub async fn remove(
        &self,
        event_id: EventId,
        image_id: EventImageId,
        expected_version: Option<u64>,
        context: &CommandContext,
    ) -> CatalogueResult {
        // An image's file never changes, so its hash read before the removal is the one
        // removed.
        let content_hash = self.catalogue.load(event_id).await?.and_then(|event| {
            let image = event
                .state
                .images()
                .iter()
                .find(|image| image.id == image_id);
            image.map(|image| image.content_hash.clone())
        });
        let command = EventCommand::RemoveImage { image_id };
        let removed = self
            .catalogue
            .execute(event_id, command, expected_version, context)
            .await?;
        if let Some(content_hash) = content_hash.filter(|_| !removed.appended.is_empty()) {
            let cutoff = grace_cutoff(chrono::Utc::now());
            if let Err(error) =
                release(&self.pool, self.store.as_ref(), &content_hash, cutoff).await
            {
                tracing::warn!(%error, "the removed image's bytes stay until the next sweep");
            }
        }
        Ok(removed)
    }

    /// Decodes and re-encodes on a blocking thread, at most [`CONCURRENT_DECODES`] at once.
    async fn prepare(&self, bytes: Vec<u8>) -> Result<PreparedImage, UploadError> {
        let max_bytes = self.max_bytes;
        // The semaphore is never closed, so acquiring only waits.
        let _permit = self.decoding.acquire().await.ok();
        match tokio::task::spawn_blocking(move || prepare(&bytes, max_bytes)).await {
            Ok(prepared) => Ok(prepared?),
            // A panic inside the decoder on a hostile file: still the file's fault.
            Err(error) => {
                tracing::warn!(%error, "image decoding panicked");
                Err(ImageRejection::Undecodable.into())
            }
        }
    }

    /// After a conflict or a duplicate id: whether the history holds this very image
    /// (a retry) or the key was used for another file.
    async fn retried(
        &self,
        event_id: EventId,
        image: &EventImage,
    ) -> Result<(Executed<Event>, EventImageId, bool), UploadError> {
        let history = self.catalogue.history(event_id).await?;
        let same_request = history.iter().any(|fact| {
            matches!(fact, EventCatalogueEvent::EventImageAdded { image_id, gallery }
                if *image_id == image.id
                    && gallery.iter().any(|added| added.content_hash == image.content_hash))
        });
        if !same_request {
            return Err(CommandError::IdempotencyKeyReused.into());
        }
        let existing = self
            .catalogue
            .load(event_id)
            .await?
            .ok_or(CommandError::Rejected(EventError::NotFound))?;
        Ok((existing, image.id, false))
    }
}
