//! Order keys: the secret in a guest's order link (`/orders/{id}?key=...`), which lets
//! whoever holds it see the order and its tickets without an account.
//!
//! A key is an HMAC-SHA256, under the server's token secret, of the order id: nothing is
//! stored, and the same order always gets the same key (a retried checkout returns it).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use carneau_domain::ids::OrderId;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::config::TokenSecret;

type HmacSha256 = Hmac<Sha256>;

/// Separates these MACs from any other use of the same key (reservation tokens).
const ORDER_KEY_CONTEXT: &[u8] = b"carneau order key v1\0";

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

    fn mac(&self, order_id: OrderId) -> HmacSha256 {
        // HMAC takes keys of any length (longer ones are hashed), so this cannot fail.
        let mut mac = HmacSha256::new_from_slice(self.secret.expose())
            .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
        mac.update(ORDER_KEY_CONTEXT);
        mac.update(order_id.as_uuid().as_bytes());
        mac
    }

    /// The key of an order.
    pub fn issue(&self, order_id: OrderId) -> String {
        URL_SAFE_NO_PAD.encode(self.mac(order_id).finalize().into_bytes())
    }

    /// Whether `key` is the order's key, in constant time.
    pub fn verify(&self, order_id: OrderId, key: &str) -> bool {
        URL_SAFE_NO_PAD
            .decode(key.trim())
            .is_ok_and(|tag| self.mac(order_id).verify_slice(&tag).is_ok())
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
}
