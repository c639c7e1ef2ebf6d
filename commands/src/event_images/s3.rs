//! Event images in an S3-compatible bucket (AWS, MinIO, Garage, R2, ...), through the
//! `object_store` crate with ring for signing and rustls for TLS: one crypto provider in
//! the tree, no OpenSSL.

use async_trait::async_trait;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path;
use object_store::{ObjectStoreExt, PutPayload};

use super::store::{checked_key, ImageStore, ImageStoreError};

/// Images as objects `images/{hash}-{width}.jpg` in one bucket.
pub struct S3ImageStore {
    bucket: AmazonS3,
}

impl S3ImageStore {
    /// A store over `bucket` in `region`; `endpoint` for a service other than AWS (path
    /// style, plain HTTP allowed for a local one). Without keys, the crate's usual
    /// environment and instance credentials apply.
    pub fn new(
        bucket: &str,
        region: &str,
        endpoint: Option<&str>,
        access_key_id: Option<&str>,
        secret_access_key: Option<&str>,
    ) -> Result<Self, ImageStoreError> {
        let mut builder = AmazonS3Builder::from_env()
            .with_bucket_name(bucket)
            .with_region(region);
        if let Some(endpoint) = endpoint {
            builder = builder
                .with_endpoint(endpoint)
                .with_allow_http(endpoint.starts_with("http://"))
                .with_virtual_hosted_style_request(false);
        }
        if let (Some(id), Some(secret)) = (access_key_id, secret_access_key) {
            builder = builder
                .with_access_key_id(id)
                .with_secret_access_key(secret);
        }
        let bucket = builder
            .build()
            .map_err(|error| ImageStoreError(error.into()))?;
        Ok(Self { bucket })
    }

    fn path(content_hash: &str, width: u32) -> Result<Path, ImageStoreError> {
        Ok(Path::from(format!(
            "images/{}-{width}.jpg",
            checked_key(content_hash)?
        )))
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
        self.bucket
            .put(&Self::path(content_hash, width)?, PutPayload::from(jpeg))
            .await
            .map_err(|error| ImageStoreError(error.into()))?;
        Ok(())
    }

    async fn get(
        &self,
        content_hash: &str,
        width: u32,
    ) -> Result<Option<Vec<u8>>, ImageStoreError> {
        match self.bucket.get(&Self::path(content_hash, width)?).await {
            Ok(found) => Ok(Some(
                found
                    .bytes()
                    .await
                    .map_err(|error| ImageStoreError(error.into()))?
                    .to_vec(),
            )),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(error) => Err(ImageStoreError(error.into())),
        }
    }
}
