//! The image store the configuration names (`CARNEAU_IMAGE_STORE`).

use std::sync::Arc;

use carneau_commands::event_images::{DirectoryImageStore, ImageStore, PostgresImageStore};
use sqlx::PgPool;

use crate::config::{ImageStoreSetting, ImagesConfig};

/// Builds the configured store.
pub fn image_store(config: &ImagesConfig, pool: &PgPool) -> Arc<dyn ImageStore> {
    match &config.store {
        ImageStoreSetting::Postgres => Arc::new(PostgresImageStore::new(pool.clone())),
        ImageStoreSetting::Directory(root) => Arc::new(DirectoryImageStore::new(root.clone())),
    }
}
