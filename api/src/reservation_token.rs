//! Reservation tokens: what lets a guest (no account) see and release their hold.
//!
//! A token is the event's id plus an HMAC-SHA256, under the server's secret, of the event
//! and reservation ids. Nothing is stored: the same reservation always gets the same token
//! (so an idempotent retry returns it again), and a token names its event, so a hold can
//! be found from the log without any lookup table.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use carneau_domain::ids::{EventId, ReservationId};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use uuid::Uuid;

use crate::config::TokenSecret;

type HmacSha256 = Hmac<Sha256>;

/// Separates these MACs from any other use of the same key.
const TOKEN_CONTEXT: &[u8] = b"carneau reservation token v1\0";

/// Signs and checks reservation tokens.
#[derive(Clone, Debug)]
pub struct ReservationTokens {
    secret: TokenSecret,
}

impl ReservationTokens {
    /// Tokens signed with `secret`.
    pub fn new(secret: TokenSecret) -> Self {
        Self { secret }
    }

    fn mac(&self, event_id: EventId, reservation_id: ReservationId) -> HmacSha256 {
        // HMAC takes keys of any length, so this cannot fail.
        let mut mac = HmacSha256::new_from_slice(self.secret.expose())
            .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
        mac.update(TOKEN_CONTEXT);
        mac.update(event_id.as_uuid().as_bytes());
        mac.update(reservation_id.as_uuid().as_bytes());
        mac
    }

    /// The token of a reservation.
    pub fn issue(&self, event_id: EventId, reservation_id: ReservationId) -> String {
        let mut bytes = event_id.as_uuid().as_bytes().to_vec();
        bytes.extend_from_slice(&self.mac(event_id, reservation_id).finalize().into_bytes());
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// The event of `reservation_id` if `token` is its token, in constant time.
    pub fn verify(&self, token: &str, reservation_id: ReservationId) -> Option<EventId> {
        let bytes = URL_SAFE_NO_PAD.decode(token.trim()).ok()?;
        if bytes.len() != 16 + 32 {
            return None;
        }
        let (event, tag) = bytes.split_at(16);
        let event_id = EventId::from_uuid(Uuid::from_slice(event).ok()?);
        self.mac(event_id, reservation_id)
            .verify_slice(tag)
            .ok()
            .map(|()| event_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(secret: &str) -> ReservationTokens {
        ReservationTokens::new(TokenSecret::parse(secret).unwrap())
    }

    #[test]
    fn a_token_verifies_for_its_reservation_only() {
        let tokens = tokens("a-secret-of-at-least-thirty-two-characters");
        let (event, reservation) = (EventId::new_random(), ReservationId::new_random());
        let token = tokens.issue(event, reservation);

        assert_eq!(tokens.verify(&token, reservation), Some(event));
        assert_eq!(tokens.verify(&token, ReservationId::new_random()), None);
    }

    #[test]
    fn another_secret_or_an_altered_token_does_not_verify() {
        let (event, reservation) = (EventId::new_random(), ReservationId::new_random());
        let token = tokens("a-secret-of-at-least-thirty-two-characters").issue(event, reservation);
        let other = tokens("another-secret-of-at-least-thirty-two-chars");
        assert_eq!(other.verify(&token, reservation), None);

        let mut altered = token.into_bytes();
        altered[30] = if altered[30] == b'A' { b'B' } else { b'A' };
        let altered = String::from_utf8(altered).unwrap();
        let own = tokens("a-secret-of-at-least-thirty-two-characters");
        assert_eq!(own.verify(&altered, reservation), None);
        assert_eq!(own.verify("garbage", reservation), None);
    }
}
