//! An event's images: the poster (the first) and a few more, each with the text that
//! says what it shows. The bytes live in an image store; the log records which images an
//! event has, in which order, with what alt text.

use serde::{Deserialize, Serialize};

use super::{Event, EventCatalogueEvent, EventError};
use crate::ids::EventImageId;
use crate::text::AltText;

/// Most images one event may have: a poster and a handful more keep the event page light
/// and the aggregate (replayed on every command) small.
pub const MAX_EVENT_IMAGES: usize = 8;

/// One stored image of an event, as re-encoded by the command layer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventImage {
    /// Its id (a new upload is a new id).
    pub id: EventImageId,
    /// SHA-256 of the uploaded bytes, lowercase hex: the image store's key, so the same
    /// file uploaded twice is stored once.
    pub content_hash: String,
    /// Width of the decoded original, in pixels.
    pub width: u32,
    /// Height of the decoded original, in pixels.
    pub height: u32,
    /// What the image shows, for screen readers and when it fails to load.
    pub alt: AltText,
    /// The widths, in pixels, it was re-encoded to (ascending; never wider than the
    /// original).
    pub widths: Vec<u32>,
}

impl Event {
    /// Its images in the organiser's order; the first is the poster.
    pub fn images(&self) -> &[EventImage] {
        &self.images
    }

    pub(super) fn add_image(
        &self,
        image: EventImage,
    ) -> Result<Vec<EventCatalogueEvent>, EventError> {
        if self.images.iter().any(|existing| existing.id == image.id) {
            return Err(EventError::DuplicateImage(image.id));
        }
        if self.images.len() >= MAX_EVENT_IMAGES {
            return Err(EventError::TooManyImages);
        }
        let image_id = image.id;
        let mut gallery = self.images.clone();
        gallery.push(image);
        Ok(vec![EventCatalogueEvent::EventImageAdded {
            image_id,
            gallery,
        }])
    }

    pub(super) fn change_image_alt_text(
        &self,
        image_id: EventImageId,
        alt: AltText,
    ) -> Result<Vec<EventCatalogueEvent>, EventError> {
        let mut gallery = self.images.clone();
        let image = gallery
            .iter_mut()
            .find(|image| image.id == image_id)
            .ok_or(EventError::UnknownImage(image_id))?;
        // A retried edit must not grow the history.
        if image.alt == alt {
            return Ok(vec![]);
        }
        image.alt = alt;
        Ok(vec![EventCatalogueEvent::EventImageAltTextChanged {
            image_id,
            gallery,
        }])
    }

    pub(super) fn reorder_images(
        &self,
        order: Vec<EventImageId>,
    ) -> Result<Vec<EventCatalogueEvent>, EventError> {
        let mut sorted = order.clone();
        sorted.sort_unstable();
        sorted.dedup();
        let mut current: Vec<EventImageId> = self.images.iter().map(|image| image.id).collect();
        current.sort_unstable();
        if sorted.len() != order.len() || sorted != current {
            return Err(EventError::ImageOrderMismatch);
        }
        let gallery: Vec<EventImage> = order
            .iter()
            .filter_map(|id| self.images.iter().find(|image| image.id == *id).cloned())
            .collect();
        if gallery == self.images {
            return Ok(vec![]);
        }
        Ok(vec![EventCatalogueEvent::EventImagesReordered { gallery }])
    }

    pub(super) fn remove_image(
        &self,
        image_id: EventImageId,
    ) -> Result<Vec<EventCatalogueEvent>, EventError> {
        if !self.images.iter().any(|image| image.id == image_id) {
            return Err(EventError::UnknownImage(image_id));
        }
        let gallery = self
            .images
            .iter()
            .filter(|image| image.id != image_id)
            .cloned()
            .collect();
        Ok(vec![EventCatalogueEvent::EventImageRemoved {
            image_id,
            gallery,
        }])
    }
}
