//! Images as files under a local directory (`CARNEAU_IMAGE_STORE=dir:/path`), which may
//! be a volume several API processes share.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::store::{checked_key, rendition_of_name, ImageStore, ImageStoreError};

/// Images as files under a directory: `{root}/{hash[..2]}/{hash}-{width}.jpg`.
pub struct DirectoryImageStore {
    root: PathBuf,
}

impl DirectoryImageStore {
    /// The store under `root` (created on first write).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The folder of the hashes starting like `content_hash`.
    fn shard(&self, content_hash: &str) -> Result<PathBuf, ImageStoreError> {
        Ok(self.root.join(&checked_key(content_hash)?[..2]))
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

    async fn hashes_stored_before(
        &self,
        cutoff: DateTime<Utc>,
    ) -> Result<BTreeSet<String>, ImageStoreError> {
        let mut hashes = BTreeSet::new();
        for shard in entries(&self.root).await? {
            if !shard.is_dir() {
                continue;
            }
            for file in entries(&shard).await? {
                if let Some((hash, _)) = stored_before(&file, cutoff).await? {
                    hashes.insert(hash);
                }
            }
        }
        Ok(hashes)
    }

    async fn delete_stored_before(
        &self,
        content_hash: &str,
        cutoff: DateTime<Utc>,
    ) -> Result<u64, ImageStoreError> {
        let mut deleted = 0;
        for file in entries(&self.shard(content_hash)?).await? {
            let stored = stored_before(&file, cutoff).await?;
            if stored.is_none_or(|(hash, _)| hash != content_hash) {
                continue;
            }
            // Between the look at its time and the removal lies a few microseconds in
            // which an upload of the same file could store it again.
            match tokio::fs::remove_file(&file).await {
                Ok(()) => deleted += 1,
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
                Err(error) => return Err(ImageStoreError::from_any(error)),
            }
        }
        Ok(deleted)
    }
}

/// The paths in `folder`; none if it does not exist.
async fn entries(folder: &Path) -> Result<Vec<PathBuf>, ImageStoreError> {
    let mut listing = match tokio::fs::read_dir(folder).await {
        Ok(listing) => listing,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => return Err(ImageStoreError::from_any(error)),
    };
    let mut paths = Vec::new();
    while let Some(entry) = listing
        .next_entry()
        .await
        .map_err(ImageStoreError::from_any)?
    {
        paths.push(entry.path());
    }
    Ok(paths)
}

/// The content hash and width of the rendition at `file` if it was last written before
/// `cutoff`; `None` for a newer one, a partial write or a stranger's file.
async fn stored_before(
    file: &Path,
    cutoff: DateTime<Utc>,
) -> Result<Option<(String, u32)>, ImageStoreError> {
    let Some((hash, width)) = file
        .file_name()
        .and_then(|name| name.to_str())
        .and_then(rendition_of_name)
    else {
        return Ok(None);
    };
    let written = match tokio::fs::metadata(file).await {
        Ok(metadata) => metadata.modified().map_err(ImageStoreError::from_any)?,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(ImageStoreError::from_any(error)),
    };
    Ok((DateTime::<Utc>::from(written) < cutoff).then(|| (hash.to_owned(), width)))
}
