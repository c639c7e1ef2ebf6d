//! The server's side of ticket codes: issuing them and judging scanned ones with the
//! secret in hand.

use carneau_domain::ticket_code::{
    CodeError, EventVerifyingKey, ScannedCode, TicketCode, TicketSecret,
};
use carneau_domain::{EventId, TicketId};

/// Issues and checks ticket codes with the server secret (`CARNEAU_TICKET_SECRET`).
#[derive(Debug, Clone)]
pub struct TicketCodes {
    secret: TicketSecret,
}

impl TicketCodes {
    /// Codes under `secret`.
    pub fn new(secret: TicketSecret) -> Self {
        Self { secret }
    }

    /// The code of a ticket of `event_id`.
    pub fn code_for(&self, event_id: EventId, ticket_id: TicketId) -> TicketCode {
        self.secret.signing_key(event_id).code_for(ticket_id)
    }

    /// The public key door staff of `event_id` verify codes with.
    pub fn verifying_key(&self, event_id: EventId) -> EventVerifyingKey {
        self.secret.signing_key(event_id).verifying_key()
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
}
