//! Order keys: the secret in a guest's order link (`/orders/{id}?key=...`), which lets
//! whoever holds it see the order and its tickets without an account.
//!
//! A key is an HMAC-SHA256, under the server's token secret, of the order id: nothing is
//! stored, and the same order always gets the same key (a retried checkout returns it).
//!
//! A ticket key opens one ticket only (its QR code): it is what an attendee's own ticket
//! email links with, so the attendee never holds the order's key (the buyer's other
//! tickets, their details and corrections).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use carneau_domain::ids::{OrderId, TicketId};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::config::TokenSecret;

type HmacSha256 = Hmac<Sha256>;

/// Separates these MACs from any other use of the same key (reservation tokens).
const ORDER_KEY_CONTEXT: &[u8] = b"carneau order key v1\0";
/// Separates ticket keys from order keys (an order id and a ticket id never collide, but
/// a key must never open what it was not issued for, by construction).
const TICKET_KEY_CONTEXT: &[u8] = b"carneau ticket key v1\0";

/// Issues and checks order keys.
#[derive(Clone, Debug)]
pub struct OrderKeys {
    secret: TokenSecret,
}

impl OrderKeys {
    /// Keys signed with `secret`.
    pub fn new(secret: TokenSecret) -> Self {
        Self { secret }
    }

    fn mac(&self, context: &[u8], id: &uuid::Uuid) -> HmacSha256 {
        // HMAC takes keys of any length (longer ones are hashed), so this cannot fail.
        let mut mac = HmacSha256::new_from_slice(self.secret.expose())
            .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
        mac.update(context);
        mac.update(id.as_bytes());
        mac
    }

    fn matches(&self, context: &[u8], id: &uuid::Uuid, key: &str) -> bool {
        URL_SAFE_NO_PAD
            .decode(key.trim())
            .is_ok_and(|tag| self.mac(context, id).verify_slice(&tag).is_ok())
    }

    /// The key of an order.
    pub fn issue(&self, order_id: OrderId) -> String {
        let mac = self.mac(ORDER_KEY_CONTEXT, &order_id.as_uuid());
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    }

    /// Whether `key` is the order's key, in constant time.
    pub fn verify(&self, order_id: OrderId, key: &str) -> bool {
        self.matches(ORDER_KEY_CONTEXT, &order_id.as_uuid(), key)
    }

    /// The key of one ticket (its attendee's link).
    pub fn issue_for_ticket(&self, ticket_id: TicketId) -> String {
        let mac = self.mac(TICKET_KEY_CONTEXT, &ticket_id.as_uuid());
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    }

    /// Whether `key` is the ticket's own key, in constant time.
    pub fn verify_ticket(&self, ticket_id: TicketId, key: &str) -> bool {
        self.matches(TICKET_KEY_CONTEXT, &ticket_id.as_uuid(), key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_opens_its_order_only() {
        let keys = OrderKeys::new(
            TokenSecret::parse("a-secret-of-at-least-thirty-two-characters").unwrap(),
        );
        let (order, other) = (OrderId::new(), OrderId::new());
        let key = keys.issue(order);
        assert!(keys.verify(order, &key));
        assert!(!keys.verify(other, &key));
        assert!(!keys.verify(order, "not-a-key"));
        assert!(!keys.verify(order, ""));
    }

    #[test]
    fn a_ticket_key_opens_its_ticket_only_and_never_an_order() {
        let keys = OrderKeys::new(
            TokenSecret::parse("a-secret-of-at-least-thirty-two-characters").unwrap(),
        );
        let (ticket, other) = (TicketId::new(), TicketId::new());
        let key = keys.issue_for_ticket(ticket);
        assert!(keys.verify_ticket(ticket, &key));
        assert!(!keys.verify_ticket(other, &key));
        // The same id as an order: a ticket's key is no order's key, nor the reverse.
        let same = OrderId::from_uuid(ticket.as_uuid());
        assert!(!keys.verify(same, &key));
        assert!(!keys.verify_ticket(ticket, &keys.issue(same)));
    }
}
