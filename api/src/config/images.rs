//! Settings of event images: where their bytes are stored and how large an upload may be.

use std::path::PathBuf;

use carneau_commands::event_images::DEFAULT_MAX_IMAGE_BYTES;

use super::ConfigError;

/// Where the renditions of event images are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageStoreSetting {
    /// In PostgreSQL (`event_image_blobs`): the default, nothing more to run or back up.
    Postgres,
    /// As files under a local directory (`dir:/var/lib/carneau/images`), which may be
    /// a mounted network volume shared by several API processes.
    Directory(PathBuf),
}

/// The image settings.
#[derive(Debug, Clone)]
pub struct ImagesConfig {
    /// `CARNEAU_IMAGE_STORE`: `postgres` (default) or `dir:PATH`.
    pub store: ImageStoreSetting,
    /// `CARNEAU_IMAGE_MAX_BYTES`: the largest upload (default 10 MiB, at most 50 MiB).
    pub max_bytes: u64,
}

/// The largest upload limit that may be configured: beyond it, decoding one upload
/// would hold too much memory.
const MAX_CONFIGURABLE_BYTES: u64 = 50 * 1024 * 1024;

impl ImagesConfig {
    /// Reads the settings through `read` (empty values already count as unset).
    pub(super) fn from_read(
        read: &impl Fn(&'static str) -> Result<Option<String>, ConfigError>,
    ) -> Result<Self, ConfigError> {
        let store = match read("CARNEAU_IMAGE_STORE")?.as_deref().map(str::trim) {
            None | Some("postgres") => ImageStoreSetting::Postgres,
            Some(other) => match other.strip_prefix("dir:") {
                Some(path) if !path.trim().is_empty() => {
                    ImageStoreSetting::Directory(PathBuf::from(path.trim()))
                }
                _ => {
                    return Err(ConfigError::new(
                        "CARNEAU_IMAGE_STORE",
                        "must be `postgres` or `dir:/a/directory`",
                    ))
                }
            },
        };
        let max_bytes = match read("CARNEAU_IMAGE_MAX_BYTES")? {
            None => DEFAULT_MAX_IMAGE_BYTES,
            Some(raw) => raw
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|bytes| (1024..=MAX_CONFIGURABLE_BYTES).contains(bytes))
                .ok_or_else(|| {
                    ConfigError::new(
                        "CARNEAU_IMAGE_MAX_BYTES",
                        "must be 1024 to 52428800 bytes (50 MiB)",
                    )
                })?,
        };
        Ok(Self { store, max_bytes })
    }
}
