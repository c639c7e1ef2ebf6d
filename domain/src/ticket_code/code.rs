//! The text of a ticket code and how a scanned text is read back.

use data_encoding::BASE32_NOPAD;
use ed25519_dalek::SIGNATURE_LENGTH;
use uuid::Uuid;

use super::TICKET_CODE_VERSION;
use crate::ids::{EventId, TicketId};

/// Length of a code in bytes: version, event id, ticket id, signature.
const CODE_BYTES: usize = 1 + 16 + 16 + SIGNATURE_LENGTH;

/// Length of a code's text: base32 of [`CODE_BYTES`] bytes, no padding. Upper-case
/// base32 fits a QR code's alphanumeric mode (5.5 bits per character instead of 8).
pub const TICKET_CODE_CHARS: usize = (CODE_BYTES * 8).div_ceil(5);

/// Separates ticket codes from any other use of the same key.
const SIGNATURE_CONTEXT: &[u8] = b"carneau-ticket-code/v1";

/// What the signature covers: a context string, the event and the ticket.
pub(super) fn signed_message(event_id: EventId, ticket_id: TicketId) -> Vec<u8> {
    let mut message = Vec::with_capacity(SIGNATURE_CONTEXT.len() + 33);
    message.extend_from_slice(SIGNATURE_CONTEXT);
    message.push(TICKET_CODE_VERSION);
    message.extend_from_slice(event_id.as_uuid().as_bytes());
    message.extend_from_slice(ticket_id.as_uuid().as_bytes());
    message
}

/// A ticket's code as issued: the text a QR code carries. It is a bearer secret (whoever
/// shows it gets in once), so its `Debug` shows only the ticket.
#[derive(Clone, PartialEq, Eq)]
pub struct TicketCode {
    text: String,
    ticket_id: TicketId,
}

impl TicketCode {
    pub(super) fn assemble(
        event_id: EventId,
        ticket_id: TicketId,
        signature: &[u8; SIGNATURE_LENGTH],
    ) -> Self {
        let mut bytes = Vec::with_capacity(CODE_BYTES);
        bytes.push(TICKET_CODE_VERSION);
        bytes.extend_from_slice(event_id.as_uuid().as_bytes());
        bytes.extend_from_slice(ticket_id.as_uuid().as_bytes());
        bytes.extend_from_slice(signature);
        Self {
            text: BASE32_NOPAD.encode(&bytes),
            ticket_id,
        }
    }

    /// The code's text ([`TICKET_CODE_CHARS`] upper-case base32 characters).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The ticket it admits.
    pub fn ticket_id(&self) -> TicketId {
        self.ticket_id
    }
}

impl std::fmt::Debug for TicketCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TicketCode")
            .field("ticket_id", &self.ticket_id)
            .finish_non_exhaustive()
    }
}

/// Why a scanned code does not admit anyone.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    /// The text is not a ticket code of a known version (wrong length, alphabet, version).
    #[error("this is not a ticket code")]
    Unreadable,
    /// The code names another event.
    #[error("this ticket is for another event ({event_id})")]
    WrongEvent {
        /// The event the code names.
        event_id: EventId,
    },
    /// The signature does not match: forged, or altered after it was issued.
    #[error("this ticket code is forged or altered")]
    Forged,
}

/// A code as read by a scanner, split into its parts but not yet verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScannedCode {
    event_id: EventId,
    ticket_id: TicketId,
    signature: [u8; SIGNATURE_LENGTH],
}

impl ScannedCode {
    /// Reads a scanned text. Surrounding whitespace and lower case (some scanners
    /// change case) are accepted; nothing else is.
    pub fn parse(text: &str) -> Result<Self, CodeError> {
        let text = text.trim().to_ascii_uppercase();
        if text.len() != TICKET_CODE_CHARS {
            return Err(CodeError::Unreadable);
        }
        let bytes = BASE32_NOPAD
            .decode(text.as_bytes())
            .map_err(|_| CodeError::Unreadable)?;
        let (version, rest) = bytes.split_first().ok_or(CodeError::Unreadable)?;
        if *version != TICKET_CODE_VERSION || rest.len() != CODE_BYTES - 1 {
            return Err(CodeError::Unreadable);
        }
        let uuid_at =
            |at: usize| Uuid::from_slice(&rest[at..at + 16]).map_err(|_| CodeError::Unreadable);
        let signature = rest[32..].try_into().map_err(|_| CodeError::Unreadable)?;
        Ok(Self {
            event_id: EventId::from_uuid(uuid_at(0)?),
            ticket_id: TicketId::from_uuid(uuid_at(16)?),
            signature,
        })
    }

    /// The event the code claims to be for (not yet verified).
    pub fn event_id(&self) -> EventId {
        self.event_id
    }

    /// The ticket the code claims to admit (not yet verified).
    pub fn ticket_id(&self) -> TicketId {
        self.ticket_id
    }

    pub(super) fn signature(&self) -> &[u8; SIGNATURE_LENGTH] {
        &self.signature
    }
}
