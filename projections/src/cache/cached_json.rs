//! The body of a cached response, shared between the cache and the responses it answers.

use bytes::Bytes;

/// A cached response: JSON text, shared, so that handing it out copies no bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CachedJson(pub(super) Bytes);

impl CachedJson {
    /// The JSON as bytes, for a response body.
    pub fn into_bytes(self) -> Bytes {
        self.0
    }

    /// The JSON as text.
    pub fn as_str(&self) -> &str {
        // Only ever built from a `String`.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl From<String> for CachedJson {
    fn from(json: String) -> Self {
        Self(Bytes::from(json))
    }
}

impl std::ops::Deref for CachedJson {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}
