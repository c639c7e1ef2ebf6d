//! The hash chain: what a seal is and the canonical bytes of an event it covers.
//!
//! `seal(n) = SHA-256(seal(n-1) || canonical(event n))`, with 32 zero bytes before the
//! first event. The canonical encoding is a fixed list of fields, each prefixed with its
//! length as a 4-byte big-endian integer:
//!
//! | # | field | bytes |
//! |---|-------|-------|
//! | 1 | transaction_id | 8, unsigned big-endian |
//! | 2 | global_position | 8, signed big-endian |
//! | 3 | event_id | 16, the UUID's bytes |
//! | 4 | aggregate_type | UTF-8 |
//! | 5 | aggregate_id | UTF-8 |
//! | 6 | sequence | 8, signed big-endian |
//! | 7 | event_type | UTF-8 |
//! | 8 | event_version | UTF-8 |
//! | 9 | payload | UTF-8 of PostgreSQL's `payload::jsonb::text` |
//! | 10 | metadata | UTF-8 of PostgreSQL's `metadata::jsonb::text` |
//! | 11 | recorded_at | 8, microseconds since the Unix epoch, signed big-endian |
//!
//! The JSON is taken as PostgreSQL prints it as `jsonb` (keys in a fixed order, fixed
//! spacing), never re-serialised by serde, whose output could change between versions.
//! The sealer's process prints that text from the stored JSON by PostgreSQL's rules
//! ([`super::jsonb_text`], held to PostgreSQL's own output by a test) and asks
//! PostgreSQL for what those rules here do not cover: the bytes are PostgreSQL's either
//! way, so an auditor recomputes them with `payload::jsonb::text`.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::log::LogPosition;

/// One link of the chain, or a digest of a part of an event: 32 bytes of SHA-256.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Seal(pub [u8; 32]);

impl Seal {
    /// What the first event's seal is chained to: 32 zero bytes.
    pub const GENESIS: Seal = Seal([0; 32]);

    /// The seal of `event` following `self`.
    pub fn next(&self, event: &CanonicalEvent) -> Seal {
        let mut hash = Sha256::new();
        hash.update(self.0);
        hash.update(event.encode());
        Seal(hash.finalize().into())
    }

    /// SHA-256 of `text`: the digests of a payload and a metadata.
    pub fn digest(text: &str) -> Seal {
        Seal(Sha256::digest(text.as_bytes()).into())
    }

    /// From stored bytes; `None` unless there are exactly 32.
    pub fn from_slice(bytes: &[u8]) -> Option<Seal> {
        bytes.try_into().ok().map(Seal)
    }
}

impl fmt::Display for Seal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for Seal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Seal({self})")
    }
}

impl Serialize for Seal {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Seal {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        let bytes = hex::decode(&text).map_err(serde::de::Error::custom)?;
        Seal::from_slice(&bytes)
            .ok_or_else(|| serde::de::Error::custom("a seal is 32 bytes (64 hex digits)"))
    }
}

/// An event's row as the chain covers it: every column, the JSON as `jsonb` text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CanonicalEvent {
    /// Where the event sits in the log.
    pub position: LogPosition,
    /// The event's id.
    pub event_id: Uuid,
    /// Its aggregate's type.
    pub aggregate_type: String,
    /// Its aggregate's id.
    pub aggregate_id: String,
    /// Its sequence number in the aggregate.
    pub sequence: i64,
    /// Its type name.
    pub event_type: String,
    /// Its payload schema's version.
    pub event_version: String,
    /// `payload::jsonb::text`.
    pub payload: String,
    /// `metadata::jsonb::text`.
    pub metadata: String,
    /// When it was recorded (PostgreSQL keeps microseconds).
    pub recorded_at: DateTime<Utc>,
}

impl CanonicalEvent {
    /// The canonical bytes of the row (see the module documentation).
    pub fn encode(&self) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(
            160 + self.payload.len() + self.metadata.len() + self.aggregate_id.len(),
        );
        let mut field = |value: &[u8]| {
            // A field longer than 4 GiB cannot be stored in PostgreSQL (1 GB limit).
            let length = u32::try_from(value.len()).unwrap_or(u32::MAX);
            bytes.extend_from_slice(&length.to_be_bytes());
            bytes.extend_from_slice(value);
        };
        field(&self.position.transaction_id.to_be_bytes());
        field(&self.position.global_position.to_be_bytes());
        field(self.event_id.as_bytes());
        field(self.aggregate_type.as_bytes());
        field(self.aggregate_id.as_bytes());
        field(&self.sequence.to_be_bytes());
        field(self.event_type.as_bytes());
        field(self.event_version.as_bytes());
        field(self.payload.as_bytes());
        field(self.metadata.as_bytes());
        field(&self.recorded_at.timestamp_micros().to_be_bytes());
        bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event() -> CanonicalEvent {
        CanonicalEvent {
            position: LogPosition {
                transaction_id: 7,
                global_position: 3,
            },
            event_id: Uuid::nil(),
            aggregate_type: "Order".into(),
            aggregate_id: "a".into(),
            sequence: 1,
            event_type: "OrderPlaced".into(),
            event_version: "1".into(),
            payload: r#"{"a": 1}"#.into(),
            metadata: "{}".into(),
            recorded_at: DateTime::from_timestamp_micros(1_700_000_000_123_456).unwrap(),
        }
    }

    #[test]
    fn every_field_is_length_prefixed_in_a_fixed_order() {
        let bytes = event().encode();
        assert_eq!(&bytes[..4], &8u32.to_be_bytes());
        assert_eq!(&bytes[4..12], &7u64.to_be_bytes());
        assert_eq!(
            &bytes[bytes.len() - 8..],
            &1_700_000_000_123_456i64.to_be_bytes()
        );
        // 11 prefixes, 8+8+16+5+1+8+11+1+8+2+8 bytes of fields.
        assert_eq!(bytes.len(), 11 * 4 + 76);
    }

    #[test]
    fn moving_a_byte_between_fields_changes_the_seal() {
        let original = event();
        let mut shifted = event();
        shifted.aggregate_type = "Orde".into();
        shifted.aggregate_id = "ra".into();
        assert_ne!(
            Seal::GENESIS.next(&original),
            Seal::GENESIS.next(&shifted),
            "length prefixes keep field boundaries"
        );
    }

    #[test]
    fn the_seal_depends_on_the_previous_one() {
        let first = Seal::GENESIS.next(&event());
        assert_ne!(first.next(&event()), Seal::GENESIS.next(&event()));
    }
}
