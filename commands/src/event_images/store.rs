//! Where the bytes of event images live: PostgreSQL by default, a local directory
//! (`directory.rs`), or an S3-compatible bucket (`s3.rs`).
//! Keyed by the upload's content hash and the width, so the
//! same file uploaded twice is stored once, and a key's bytes never change (which is what
//! lets the API serve them as immutable).
//!
//! Bytes are written before the fact that refers to them is appended: a blob no fact
//! names is harmless, a fact whose bytes are missing is not.

use std::collections::BTreeSet;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::PgPool;

/// A failure of the image store (unreachable, full, refused): the caller answers 503.
#[derive(Debug, thiserror::Error)]
#[error("the image store failed: {0}")]
pub struct ImageStoreError(#[source] pub anyhow::Error);

impl ImageStoreError {
    pub(super) fn from_any(error: impl Into<anyhow::Error>) -> Self {
        Self(error.into())
    }
}

/// The bytes of stored renditions, by content hash and width.
#[async_trait]
pub trait ImageStore: Send + Sync {
    /// Stores one rendition; storing the same key again is harmless.
    async fn put(
        &self,
        content_hash: &str,
        width: u32,
        jpeg: Vec<u8>,
    ) -> Result<(), ImageStoreError>;

    /// One rendition's bytes, or `None` if nothing is stored under that key.
    async fn get(&self, content_hash: &str, width: u32)
        -> Result<Option<Vec<u8>>, ImageStoreError>;

    /// The content hashes with a rendition last stored before `cutoff`: what the sweep
    /// may delete if no image names it.
    async fn hashes_stored_before(
        &self,
        cutoff: DateTime<Utc>,
    ) -> Result<BTreeSet<String>, ImageStoreError>;

    /// Deletes the renditions of `content_hash` last stored before `cutoff` (one stored
    /// again since, by an upload of the same file, stays); returns how many went.
    async fn delete_stored_before(
        &self,
        content_hash: &str,
        cutoff: DateTime<Utc>,
    ) -> Result<u64, ImageStoreError>;
}

/// Whether `content_hash` is what we produce (64 lowercase hex digits): the only shape a
/// key may take, so no file path or object key can be steered elsewhere.
pub fn is_content_hash(content_hash: &str) -> bool {
    content_hash.len() == 64
        && content_hash
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

pub(super) fn checked_key(content_hash: &str) -> Result<&str, ImageStoreError> {
    if is_content_hash(content_hash) {
        Ok(content_hash)
    } else {
        Err(ImageStoreError(anyhow::anyhow!(
            "malformed content hash {content_hash:?}"
        )))
    }
}

/// The content hash and width of a rendition's file or object name,
/// `{hash}-{width}.jpg`; `None` for anything else (a partial write, a stranger's file).
pub(super) fn rendition_of_name(name: &str) -> Option<(&str, u32)> {
    let (hash, width) = name.strip_suffix(".jpg")?.split_once('-')?;
    if !is_content_hash(hash) {
        return None;
    }
    Some((hash, width.parse().ok()?))
}

/// Images in the `event_image_blobs` table: nothing more to run, and backed up with the
/// log.
pub struct PostgresImageStore {
    pool: PgPool,
}

impl PostgresImageStore {
    /// The store over `pool`.
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

#[async_trait]
impl ImageStore for PostgresImageStore {
    async fn put(
        &self,
        content_hash: &str,
        width: u32,
        jpeg: Vec<u8>,
    ) -> Result<(), ImageStoreError> {
        let width = i32::try_from(width).map_err(ImageStoreError::from_any)?;
        sqlx::query(
            // Storing a key again keeps its bytes (they are the same) but refreshes
            // stored_at: the sweep must not take bytes an upload is about to name.
            "INSERT INTO event_image_blobs (content_hash, width, bytes) VALUES ($1, $2, $3) \
             ON CONFLICT (content_hash, width) DO UPDATE SET stored_at = now()",
        )
        .bind(checked_key(content_hash)?)
        .bind(width)
        .bind(jpeg)
        .execute(&self.pool)
        .await
        .map_err(ImageStoreError::from_any)?;
        Ok(())
    }

    async fn get(
        &self,
        content_hash: &str,
        width: u32,
    ) -> Result<Option<Vec<u8>>, ImageStoreError> {
        let width = i32::try_from(width).map_err(ImageStoreError::from_any)?;
        sqlx::query_scalar(
            "SELECT bytes FROM event_image_blobs WHERE content_hash = $1 AND width = $2",
        )
        .bind(checked_key(content_hash)?)
        .bind(width)
        .fetch_optional(&self.pool)
        .await
        .map_err(ImageStoreError::from_any)
    }

    async fn hashes_stored_before(
        &self,
        cutoff: DateTime<Utc>,
    ) -> Result<BTreeSet<String>, ImageStoreError> {
        let hashes: Vec<String> = sqlx::query_scalar(
            "SELECT DISTINCT content_hash FROM event_image_blobs WHERE stored_at < $1",
        )
        .bind(cutoff)
        .fetch_all(&self.pool)
        .await
        .map_err(ImageStoreError::from_any)?;
        Ok(hashes.into_iter().collect())
    }

    async fn delete_stored_before(
        &self,
        content_hash: &str,
        cutoff: DateTime<Utc>,
    ) -> Result<u64, ImageStoreError> {
        // One statement: a concurrent re-store either commits first (and the row, now
        // fresh, no longer matches) or inserts the row anew after.
        let deleted =
            sqlx::query("DELETE FROM event_image_blobs WHERE content_hash = $1 AND stored_at < $2")
                .bind(checked_key(content_hash)?)
                .bind(cutoff)
                .execute(&self.pool)
                .await
                .map_err(ImageStoreError::from_any)?;
        Ok(deleted.rows_affected())
    }
}
