//! The server secret and the per-event key pairs derived from it.

use ed25519_dalek::{Signer, SigningKey, VerifyingKey, PUBLIC_KEY_LENGTH};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::code::{signed_message, CodeError, ScannedCode, TicketCode};
use crate::ids::{EventId, TicketId};

/// The shortest server secret accepted, in bytes: 256 bits of key material.
pub const MIN_TICKET_SECRET_BYTES: usize = 32;

/// Labels the derivation so the same server secret used elsewhere gives other keys.
const KEY_DERIVATION_LABEL: &[u8] = b"carneau/ticket-signing-key/v1/";

/// The server secret every event's signing key is derived from (`CARNEAU_TICKET_SECRET`).
///
/// Its `Debug` never shows the secret.
#[derive(Clone)]
pub struct TicketSecret(Vec<u8>);

/// Why a server secret was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the ticket secret must be at least {MIN_TICKET_SECRET_BYTES} bytes long")]
pub struct TicketSecretError;

impl TicketSecret {
    /// Accepts a secret of at least [`MIN_TICKET_SECRET_BYTES`] bytes.
    pub fn new(bytes: impl Into<Vec<u8>>) -> Result<Self, TicketSecretError> {
        let bytes = bytes.into();
        if bytes.len() < MIN_TICKET_SECRET_BYTES {
            return Err(TicketSecretError);
        }
        Ok(Self(bytes))
    }

    /// The signing key of `event_id`'s tickets: its seed is
    /// HMAC-SHA256(secret, label | event id), so every event has its own key pair and
    /// knowing one event's key says nothing about another's.
    pub fn signing_key(&self, event_id: EventId) -> EventSigningKey {
        // HMAC accepts keys of any length, so this cannot fail.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(KEY_DERIVATION_LABEL);
        mac.update(event_id.as_uuid().as_bytes());
        let seed: [u8; 32] = mac.finalize().into_bytes().into();
        EventSigningKey {
            event_id,
            key: SigningKey::from_bytes(&seed),
        }
    }
}

impl std::fmt::Debug for TicketSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TicketSecret(..)")
    }
}

/// The private key that signs one event's ticket codes. Never leaves the server.
#[derive(Clone)]
pub struct EventSigningKey {
    event_id: EventId,
    key: SigningKey,
}

impl EventSigningKey {
    /// The code of `ticket_id`: always the same for the same ticket (Ed25519 signatures
    /// are deterministic), so it can be recomputed instead of stored.
    pub fn code_for(&self, ticket_id: TicketId) -> TicketCode {
        let signature = self.key.sign(&signed_message(self.event_id, ticket_id));
        TicketCode::assemble(self.event_id, ticket_id, &signature.to_bytes())
    }

    /// The public half, for scanners.
    pub fn verifying_key(&self) -> EventVerifyingKey {
        EventVerifyingKey {
            event_id: self.event_id,
            key: self.key.verifying_key(),
        }
    }
}

impl std::fmt::Debug for EventSigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventSigningKey")
            .field("event_id", &self.event_id)
            .finish_non_exhaustive()
    }
}

/// The public key that verifies one event's ticket codes: what door staff get.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventVerifyingKey {
    event_id: EventId,
    key: VerifyingKey,
}

impl EventVerifyingKey {
    /// A key published for `event_id` (e.g. read back by a scanner); `None` if the bytes
    /// are not a valid Ed25519 public key.
    pub fn from_bytes(event_id: EventId, bytes: &[u8; PUBLIC_KEY_LENGTH]) -> Option<Self> {
        VerifyingKey::from_bytes(bytes)
            .ok()
            .map(|key| Self { event_id, key })
    }

    /// The event whose codes this key verifies.
    pub fn event_id(&self) -> EventId {
        self.event_id
    }

    /// The raw 32-byte public key.
    pub fn to_bytes(&self) -> [u8; PUBLIC_KEY_LENGTH] {
        self.key.to_bytes()
    }

    /// Checks a scanned code and returns the ticket it admits.
    ///
    /// A code naming another event is [`CodeError::WrongEvent`] without its signature
    /// being checked (this key cannot check it); a server that holds the secret can
    /// verify it with that event's key to tell a real ticket of another event from a
    /// forgery. Otherwise the signature (strict Ed25519) decides.
    pub fn verify(&self, code: &ScannedCode) -> Result<TicketId, CodeError> {
        if code.event_id() != self.event_id {
            return Err(CodeError::WrongEvent {
                event_id: code.event_id(),
            });
        }
        let signature = ed25519_dalek::Signature::from_bytes(code.signature());
        self.key
            .verify_strict(
                &signed_message(code.event_id(), code.ticket_id()),
                &signature,
            )
            .map_err(|_| CodeError::Forged)?;
        Ok(code.ticket_id())
    }
}
