//! The scanning device an offline scan was made on.

use serde::{Deserialize, Serialize};

/// The longest device id accepted: enough for a UUID or a readable name like
/// `north-gate-2`, short enough to print on a list of double entries.
pub const MAX_DEVICE_ID_CHARS: usize = 64;

/// A scanner's id, chosen by the scanner itself (the server never issues one): 1 to
/// [`MAX_DEVICE_ID_CHARS`] printable ASCII characters, no spaces, so it reads the same in
/// a log line, a CSV export and a URL.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DeviceId(String);

/// Why a text is not a device id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("A device id is 1 to {MAX_DEVICE_ID_CHARS} printable ASCII characters without spaces.")]
pub struct InvalidDeviceId;

impl DeviceId {
    /// Parses a device id as a scanner sent it.
    pub fn parse(raw: &str) -> Result<Self, InvalidDeviceId> {
        let valid = !raw.is_empty()
            && raw.len() <= MAX_DEVICE_ID_CHARS
            && raw.bytes().all(|b| b.is_ascii_graphic());
        if valid {
            Ok(Self(raw.to_owned()))
        } else {
            Err(InvalidDeviceId)
        }
    }

    /// The id as the scanner sent it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for DeviceId {
    type Error = InvalidDeviceId;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

impl From<DeviceId> for String {
    fn from(device: DeviceId) -> Self {
        device.0
    }
}

impl std::fmt::Display for DeviceId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
