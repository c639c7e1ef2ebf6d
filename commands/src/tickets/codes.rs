//! The server's side of ticket codes: issuing them and judging scanned ones with the
//! secret in hand.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use carneau_domain::ticket_code::{
    CodeError, EventSigningKey, EventVerifyingKey, ScannedCode, TicketCode, TicketSecret,
};
use carneau_domain::{EventId, TicketId};

/// How many events' signing keys a process keeps derived: a sale's events, several times
/// over; past it the keys are derived afresh.
const SIGNING_KEYS_KEPT: usize = 256;

/// Issues and checks ticket codes with the server secret (`CARNEAU_TICKET_SECRET`).
#[derive(Debug, Clone)]
pub struct TicketCodes {
    secret: TicketSecret,
    /// Each event's key, derived once: deriving one (an HMAC, then the Ed25519 public
    /// point) cost as much as the signature itself, for every ticket of a paying rush's
    /// emails and every scan at the door (docs/benchmarks.md, "The tickets email's QR
    /// codes"). The secret they come from is in this process anyway.
    keys: Arc<Mutex<HashMap<EventId, EventSigningKey>>>,
}

impl TicketCodes {
    /// Codes under `secret`.
    pub fn new(secret: TicketSecret) -> Self {
        Self {
            secret,
            keys: Arc::default(),
        }
    }

    /// The code of a ticket of `event_id`.
    pub fn code_for(&self, event_id: EventId, ticket_id: TicketId) -> TicketCode {
        self.signing_key(event_id).code_for(ticket_id)
    }

    /// The public key door staff of `event_id` verify codes with.
    pub fn verifying_key(&self, event_id: EventId) -> EventVerifyingKey {
        self.signing_key(event_id).verifying_key()
    }

    /// Judges a scanned text at `event_id`'s door: the ticket it admits, or why not.
    ///
    /// Unlike an offline scanner, the server can check a code of another event with that
    /// event's key, so [`CodeError::WrongEvent`] here means a genuine ticket of another
    /// event, and a forged code claiming another event is [`CodeError::Forged`].
    pub fn judge(&self, event_id: EventId, scanned: &str) -> Result<TicketId, CodeError> {
        let code = ScannedCode::parse(scanned)?;
        match self.verifying_key(event_id).verify(&code) {
            Err(CodeError::WrongEvent { event_id: other }) => {
                self.verifying_key(other).verify(&code)?;
                Err(CodeError::WrongEvent { event_id: other })
            }
            outcome => outcome,
        }
    }

    /// `event_id`'s signing key, derived on first use.
    fn signing_key(&self, event_id: EventId) -> EventSigningKey {
        let mut keys = self
            .keys
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(key) = keys.get(&event_id) {
            return key.clone();
        }
        let key = self.secret.signing_key(event_id);
        if keys.len() >= SIGNING_KEYS_KEPT {
            keys.clear();
        }
        keys.insert(event_id, key.clone());
        key
    }
}
