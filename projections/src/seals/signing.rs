//! Signed checkpoints of the chain's head (Ed25519), the model being Certificate
//! Transparency's signed tree heads: whoever can rewrite `events` can recompute the chain,
//! but not a signature, so a head kept outside the system pins the log up to it.
//!
//! The signed message is `carneau/log-checkpoint/v1\n`, then the head's transaction id
//! (8 bytes, unsigned big-endian), global position (8, signed), event count (8,
//! unsigned), head seal (32) and `signed_at` in microseconds since the epoch (8, signed).

use std::fmt;

use chrono::{DateTime, Utc};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};

use super::chain::Seal;
use crate::log::LogPosition;

/// Labels the signed bytes, so a checkpoint signature means nothing elsewhere.
const CHECKPOINT_LABEL: &[u8] = b"carneau/log-checkpoint/v1\n";

/// The key that signs checkpoints. Its `Debug` never shows it.
#[derive(Clone)]
pub struct CheckpointSigner {
    key: SigningKey,
}

/// Why a signing key was refused (the message never repeats the key).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must be a 32-byte Ed25519 seed, as 64 hex digits or in base64")]
pub struct SigningKeyError;

impl CheckpointSigner {
    /// Reads a 32-byte seed written as 64 hex digits or in (padded or unpadded) base64.
    pub fn from_seed_text(text: &str) -> Result<Self, SigningKeyError> {
        use base64::Engine;
        let text = text.trim();
        let bytes = if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
            hex::decode(text).map_err(|_| SigningKeyError)?
        } else {
            base64::engine::general_purpose::STANDARD
                .decode(text)
                .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(text))
                .map_err(|_| SigningKeyError)?
        };
        let seed: [u8; 32] = bytes.try_into().map_err(|_| SigningKeyError)?;
        Ok(Self {
            key: SigningKey::from_bytes(&seed),
        })
    }

    /// The public half, which auditors verify checkpoints with.
    pub fn public_key(&self) -> AuditPublicKey {
        AuditPublicKey(self.key.verifying_key())
    }

    /// Signs the chain's head as it stands at `signed_at` (kept to microseconds, as
    /// PostgreSQL stores it).
    pub fn sign(
        &self,
        position: LogPosition,
        event_count: u64,
        head_seal: Seal,
        signed_at: DateTime<Utc>,
    ) -> SignedCheckpoint {
        let signed_at =
            DateTime::from_timestamp_micros(signed_at.timestamp_micros()).unwrap_or(signed_at);
        let public_key = self.public_key();
        let message = signed_message(position, event_count, head_seal, signed_at);
        SignedCheckpoint {
            position,
            event_count,
            head_seal,
            signed_at,
            key_id: public_key.key_id(),
            public_key,
            signature: CheckpointSignature(self.key.sign(&message)),
        }
    }
}

impl fmt::Debug for CheckpointSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CheckpointSigner(<redacted>)")
    }
}

/// An Ed25519 public key of checkpoints, written as 64 hex digits.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct AuditPublicKey(pub VerifyingKey);

impl AuditPublicKey {
    /// Reads 64 hex digits.
    pub fn parse(text: &str) -> Result<Self, PublicKeyError> {
        let bytes: [u8; 32] = hex::decode(text.trim())
            .ok()
            .and_then(|bytes| bytes.try_into().ok())
            .ok_or(PublicKeyError)?;
        VerifyingKey::from_bytes(&bytes)
            .map(Self)
            .map_err(|_| PublicKeyError)
    }

    /// A short name of the key: the first 8 bytes of SHA-256 of it, in hex.
    pub fn key_id(&self) -> String {
        hex::encode(&Sha256::digest(self.0.as_bytes())[..8])
    }
}

/// A public key that is not 64 hex digits of a valid Ed25519 point.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a checkpoint public key is 64 hex digits of an Ed25519 key")]
pub struct PublicKeyError;

impl fmt::Display for AuditPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0.as_bytes()))
    }
}

impl fmt::Debug for AuditPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AuditPublicKey({self})")
    }
}

impl Serialize for AuditPublicKey {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for AuditPublicKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Self::parse(&String::deserialize(deserializer)?).map_err(serde::de::Error::custom)
    }
}

/// An Ed25519 signature, written as 128 hex digits.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct CheckpointSignature(pub Signature);

impl fmt::Debug for CheckpointSignature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CheckpointSignature({})", hex::encode(self.0.to_bytes()))
    }
}

impl Serialize for CheckpointSignature {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&hex::encode(self.0.to_bytes()))
    }
}

impl<'de> Deserialize<'de> for CheckpointSignature {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        let bytes: [u8; 64] = hex::decode(&text)
            .ok()
            .and_then(|bytes| bytes.try_into().ok())
            .ok_or_else(|| serde::de::Error::custom("a signature is 128 hex digits"))?;
        Ok(Self(Signature::from_bytes(&bytes)))
    }
}

/// The chain's head at one moment, signed: what an auditor keeps outside the system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedCheckpoint {
    /// The last sealed event's place in the log.
    pub position: LogPosition,
    /// How many events the chain holds up to it, that one included.
    pub event_count: u64,
    /// The seal of that event.
    pub head_seal: Seal,
    /// When it was signed.
    pub signed_at: DateTime<Utc>,
    /// A short name of the key ([`AuditPublicKey::key_id`]), for people.
    pub key_id: String,
    /// The key that signed it.
    pub public_key: AuditPublicKey,
    /// The signature of the fields above (see the module documentation).
    pub signature: CheckpointSignature,
}

/// Why a checkpoint's signature is not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointSignatureError {
    /// It was signed by another key than the one trusted.
    #[error("the checkpoint was signed by key {found}, not by the trusted key {trusted}")]
    UntrustedKey {
        /// The trusted key's id.
        trusted: String,
        /// The signing key's id.
        found: String,
    },
    /// The signature does not match the fields: the checkpoint was altered.
    #[error("the checkpoint's signature does not match its contents")]
    Invalid,
}

impl SignedCheckpoint {
    /// Checks the signature, against `trusted` when given, otherwise against the key the
    /// checkpoint names (which only proves it was not altered since it was signed).
    pub fn verify_signature(
        &self,
        trusted: Option<&AuditPublicKey>,
    ) -> Result<(), CheckpointSignatureError> {
        if let Some(trusted) = trusted {
            if trusted != &self.public_key {
                return Err(CheckpointSignatureError::UntrustedKey {
                    trusted: trusted.key_id(),
                    found: self.public_key.key_id(),
                });
            }
        }
        let message = signed_message(
            self.position,
            self.event_count,
            self.head_seal,
            self.signed_at,
        );
        self.public_key
            .0
            .verify_strict(&message, &self.signature.0)
            .map_err(|_| CheckpointSignatureError::Invalid)
    }
}

fn signed_message(
    position: LogPosition,
    event_count: u64,
    head_seal: Seal,
    signed_at: DateTime<Utc>,
) -> Vec<u8> {
    let mut message = Vec::with_capacity(CHECKPOINT_LABEL.len() + 64);
    message.extend_from_slice(CHECKPOINT_LABEL);
    message.extend_from_slice(&position.transaction_id.to_be_bytes());
    message.extend_from_slice(&position.global_position.to_be_bytes());
    message.extend_from_slice(&event_count.to_be_bytes());
    message.extend_from_slice(&head_seal.0);
    message.extend_from_slice(&signed_at.timestamp_micros().to_be_bytes());
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED_HEX: &str = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";

    fn checkpoint() -> SignedCheckpoint {
        CheckpointSigner::from_seed_text(SEED_HEX).unwrap().sign(
            LogPosition {
                transaction_id: 900,
                global_position: 42,
            },
            42,
            Seal([7; 32]),
            Utc::now(),
        )
    }

    #[test]
    fn a_checkpoint_survives_its_json_form() {
        let signed = checkpoint();
        let json = serde_json::to_string(&signed).unwrap();
        let read: SignedCheckpoint = serde_json::from_str(&json).unwrap();
        assert_eq!(read, signed);
        read.verify_signature(Some(&signed.public_key)).unwrap();
    }

    #[test]
    fn an_altered_checkpoint_fails_its_signature() {
        let mut signed = checkpoint();
        signed.event_count += 1;
        assert_eq!(
            signed.verify_signature(None),
            Err(CheckpointSignatureError::Invalid)
        );
    }

    #[test]
    fn another_key_is_not_trusted() {
        let other = CheckpointSigner::from_seed_text(&"11".repeat(32))
            .unwrap()
            .public_key();
        assert!(matches!(
            checkpoint().verify_signature(Some(&other)),
            Err(CheckpointSignatureError::UntrustedKey { .. })
        ));
    }

    #[test]
    fn the_seed_reads_as_hex_or_base64_and_nothing_else() {
        use base64::Engine;
        let bytes = hex::decode(SEED_HEX).unwrap();
        let b64 = base64::engine::general_purpose::STANDARD.encode(&bytes);
        let from_hex = CheckpointSigner::from_seed_text(SEED_HEX).unwrap();
        let from_b64 = CheckpointSigner::from_seed_text(&b64).unwrap();
        assert_eq!(from_hex.public_key(), from_b64.public_key());
        assert!(CheckpointSigner::from_seed_text("short").is_err());
        assert!(CheckpointSigner::from_seed_text(&"ab".repeat(31)).is_err());
        assert!(!format!("{from_hex:?}").contains("9d61"));
    }
}
