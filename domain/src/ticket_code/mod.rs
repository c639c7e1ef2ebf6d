//! Signed ticket codes: what a ticket's QR code carries and a door scanner verifies.
//!
//! A code is `version | event id | ticket id | Ed25519 signature` in base32, signed with a
//! key pair of the ticket's event. Each event's key pair is derived from one server
//! secret, so a code is recomputed from the ticket id whenever it is needed and nothing
//! secret is stored in the event log. Door staff get only the event's *public* key:
//! a scanner checks codes offline but cannot make new ones (an HMAC key handed to
//! scanners would let anyone holding it forge tickets).
//!
//! Forging a code means forging an Ed25519 signature under a key derived from a secret
//! of at least 256 bits; altering any byte of a code (the ticket id, the event id, the
//! signature) makes it fail verification.

mod code;
mod keys;

#[cfg(test)]
mod tests;

pub use code::{CodeError, ScannedCode, TicketCode, TICKET_CODE_CHARS};
pub use keys::{EventSigningKey, EventVerifyingKey, TicketSecret, TicketSecretError};

/// How a code is laid out, for people writing scanners.
pub const TICKET_CODE_FORMAT: &str = "base32 (RFC 4648 alphabet, upper case, no padding) of \
    version 0x01 (1 byte) | event id (16 bytes) | ticket id (16 bytes) | Ed25519 signature \
    (64 bytes); the signature covers the ASCII text `carneau-ticket-code/v1` followed by \
    the version, event id and ticket id bytes";

/// The code format this module writes (its first byte); scanners refuse other versions.
pub const TICKET_CODE_VERSION: u8 = 1;
