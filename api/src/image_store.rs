//! The image store the configuration names (`CARNEAU_IMAGE_STORE`).

use std::sync::Arc;

use anyhow::Context;
use carneau_commands::event_images::{
    DirectoryImageStore, ImageStore, PostgresImageStore, S3ImageStore,
};
use sqlx::PgPool;

use crate::config::{ImageStoreSetting, ImagesConfig};

/// Builds the configured store. Nothing is sent to a bucket yet: an unreachable one shows
/// on the first upload, as a 503.
pub fn image_store(config: &ImagesConfig, pool: &PgPool) -> anyhow::Result<Arc<dyn ImageStore>> {
    Ok(match &config.store {
        ImageStoreSetting::Postgres => Arc::new(PostgresImageStore::new(pool.clone())),
        ImageStoreSetting::Directory(root) => Arc::new(DirectoryImageStore::new(root.clone())),
        ImageStoreSetting::S3(settings) => Arc::new(
            S3ImageStore::new(settings)
                .context("setting up the S3 image store (CARNEAU_IMAGE_STORE)")?,
        ),
    })
}
