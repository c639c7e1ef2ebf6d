//! Where the bytes of event images live: PostgreSQL by default, a local directory, or an
//! S3-compatible bucket (`s3.rs`).
//! Keyed by the upload's content hash and the width, so the
//! same file uploaded twice is stored once, and a key's bytes never change (which is what
//! lets the API serve them as immutable).
//!
//! Bytes are written before the fact that refers to them is appended: a blob no fact
//! names is harmless, a fact whose bytes are missing is not.

use std::path::PathBuf;

use async_trait::async_trait;
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
            "INSERT INTO event_image_blobs (content_hash, width, bytes) VALUES ($1, $2, $3) \
             ON CONFLICT (content_hash, width) DO NOTHING",
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
}

/// Images as files under a directory: `{root}/{hash[..2]}/{hash}-{width}.jpg`.
pub struct DirectoryImageStore {
    root: PathBuf,
}

impl DirectoryImageStore {
    /// The store under `root` (created on first write).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    fn path(&self, content_hash: &str, width: u32) -> Result<PathBuf, ImageStoreError> {
        let hash = checked_key(content_hash)?;
        Ok(self
            .root
            .join(&hash[..2])
            .join(format!("{hash}-{width}.jpg")))
    }
}

#[async_trait]
impl ImageStore for DirectoryImageStore {
    async fn put(
        &self,
        content_hash: &str,
        width: u32,
        jpeg: Vec<u8>,
    ) -> Result<(), ImageStoreError> {
        let path = self.path(content_hash, width)?;
        if let Some(parent) = path.parent() {
            tokio::fs::create_dir_all(parent)
                .await
                .map_err(ImageStoreError::from_any)?;
        }
        // Written aside, then renamed: a reader never sees half a file.
        let partial = path.with_extension(format!("{}.partial", uuid::Uuid::new_v4()));
        tokio::fs::write(&partial, jpeg)
            .await
            .map_err(ImageStoreError::from_any)?;
        tokio::fs::rename(&partial, &path)
            .await
            .map_err(ImageStoreError::from_any)
    }

    async fn get(
        &self,
        content_hash: &str,
        width: u32,
    ) -> Result<Option<Vec<u8>>, ImageStoreError> {
        match tokio::fs::read(self.path(content_hash, width)?).await {
            Ok(bytes) => Ok(Some(bytes)),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(ImageStoreError::from_any(error)),
        }
    }
}
