//! Images in an S3-compatible bucket (AWS S3, MinIO, Garage, R2…), through the
//! `object_store` crate: `{prefix}/{hash[..2]}/{hash}-{width}.jpg`, like the directory
//! store's files.

use std::collections::BTreeSet;
use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path;
use object_store::{
    BackoffConfig, ObjectMeta, ObjectStore, ObjectStoreExt, PutPayload, RetryConfig,
};

use super::s3_transport::RustlsConnector;
use super::store::{checked_key, rendition_of_name, ImageStore, ImageStoreError};

/// The region signed for when none is configured: what MinIO and most S3-compatible
/// servers expect.
pub const DEFAULT_S3_REGION: &str = "us-east-1";

/// How many times a failed request to the bucket is tried again: a blip is absorbed, an
/// outage becomes a 503 well within the request's deadline.
const S3_RETRIES: usize = 2;
/// The longest the retries of one request may go on.
const S3_RETRY_WINDOW: Duration = Duration::from_secs(3);

/// Where the bucket is and who we are to it.
#[derive(Clone, PartialEq, Eq)]
pub struct S3Settings {
    /// The bucket's name.
    pub bucket: String,
    /// A folder inside the bucket (no leading or trailing `/`), if the images share it.
    pub prefix: Option<String>,
    /// The server's URL (`https://minio.internal:9000`); none for AWS itself.
    pub endpoint: Option<String>,
    /// The region requests are signed for.
    pub region: String,
    /// Static credentials; none to use the instance's role (EC2, ECS).
    pub credentials: Option<S3Credentials>,
}

/// An access key pair.
#[derive(Clone, PartialEq, Eq)]
pub struct S3Credentials {
    /// The access key id (an identifier, shown in `Debug`).
    pub access_key_id: String,
    /// The secret access key (never shown).
    pub secret_access_key: String,
}

/// The secret stays out of logs and panics.
impl fmt::Debug for S3Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"***")
            .finish()
    }
}

impl fmt::Debug for S3Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Settings")
            .field("bucket", &self.bucket)
            .field("prefix", &self.prefix)
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("credentials", &self.credentials)
            .finish()
    }
}

/// Images as objects of an S3-compatible bucket.
pub struct S3ImageStore {
    bucket: AmazonS3,
    prefix: Option<String>,
}

impl S3ImageStore {
    /// A client of the bucket `settings` names. Nothing is sent yet: an unreachable
    /// bucket shows on the first upload, as a 503.
    pub fn new(settings: &S3Settings) -> Result<Self, ImageStoreError> {
        let retry = RetryConfig {
            backoff: BackoffConfig {
                max_backoff: Duration::from_secs(1),
                ..BackoffConfig::default()
            },
            max_retries: S3_RETRIES,
            retry_timeout: S3_RETRY_WINDOW,
        };
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(&settings.bucket)
            .with_region(&settings.region)
            .with_retry(retry)
            .with_http_connector(RustlsConnector);
        if let Some(endpoint) = &settings.endpoint {
            builder = builder
                .with_endpoint(endpoint)
                .with_allow_http(endpoint.starts_with("http://"));
        }
        if let Some(credentials) = &settings.credentials {
            builder = builder
                .with_access_key_id(&credentials.access_key_id)
                .with_secret_access_key(&credentials.secret_access_key);
        }
        Ok(Self {
            bucket: builder.build().map_err(ImageStoreError::from_any)?,
            prefix: settings.prefix.clone(),
        })
    }

    /// The object key of a rendition.
    fn key(&self, content_hash: &str, width: u32) -> Result<Path, ImageStoreError> {
        let hash = checked_key(content_hash)?;
        Ok(self.under_prefix(&format!("{}/{hash}-{width}.jpg", &hash[..2])))
    }

    fn under_prefix(&self, name: &str) -> Path {
        Path::from(match &self.prefix {
            Some(prefix) => format!("{prefix}/{name}"),
            None => name.to_owned(),
        })
    }

    /// The renditions under `folder` (the prefix when `None`) last written before
    /// `cutoff`, with their keys.
    async fn renditions_before(
        &self,
        folder: Option<&Path>,
        cutoff: DateTime<Utc>,
    ) -> Result<Vec<(String, Path)>, ImageStoreError> {
        let prefix = self.prefix.as_deref().map(Path::from);
        let objects: Vec<ObjectMeta> = self
            .bucket
            .list(folder.or(prefix.as_ref()))
            .try_collect()
            .await
            .map_err(ImageStoreError::from_any)?;
        Ok(objects
            .into_iter()
            .filter(|object| object.last_modified < cutoff)
            .filter_map(|object| {
                let (hash, _) = rendition_of_name(object.location.filename()?)?;
                Some((hash.to_owned(), object.location.clone()))
            })
            .collect())
    }
}

#[async_trait]
impl ImageStore for S3ImageStore {
    async fn put(
        &self,
        content_hash: &str,
        width: u32,
        jpeg: Vec<u8>,
    ) -> Result<(), ImageStoreError> {
        let key = self.key(content_hash, width)?;
        self.bucket
            .put(&key, PutPayload::from(jpeg))
            .await
            .map_err(ImageStoreError::from_any)?;
        Ok(())
    }

    async fn get(
        &self,
        content_hash: &str,
        width: u32,
    ) -> Result<Option<Vec<u8>>, ImageStoreError> {
        let key = self.key(content_hash, width)?;
        match self.bucket.get(&key).await {
            Ok(object) => {
                let bytes = object.bytes().await.map_err(ImageStoreError::from_any)?;
                Ok(Some(bytes.to_vec()))
            }
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(error) => Err(ImageStoreError::from_any(error)),
        }
    }

    async fn hashes_stored_before(
        &self,
        cutoff: DateTime<Utc>,
    ) -> Result<BTreeSet<String>, ImageStoreError> {
        Ok(self
            .renditions_before(None, cutoff)
            .await?
            .into_iter()
            .map(|(hash, _)| hash)
            .collect())
    }

    async fn delete_stored_before(
        &self,
        content_hash: &str,
        cutoff: DateTime<Utc>,
    ) -> Result<u64, ImageStoreError> {
        let shard = self.under_prefix(&checked_key(content_hash)?[..2]);
        let mut deleted = 0;
        for (hash, key) in self.renditions_before(Some(&shard), cutoff).await? {
            if hash != content_hash {
                continue;
            }
            // S3 has no delete-if-unchanged: an upload of the same file in the round trip
            // between the listing and the delete would lose its bytes.
            match self.bucket.delete(&key).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => deleted += 1,
                Err(error) => return Err(ImageStoreError::from_any(error)),
            }
        }
        Ok(deleted)
    }
}
