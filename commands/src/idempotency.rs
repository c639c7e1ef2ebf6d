//! Client-supplied idempotency keys: a retried request names the same thing it created
//! the first time, so it can never create it twice.

use uuid::Uuid;

/// Namespace of the ids derived from idempotency keys (a random, fixed UUID).
const IDEMPOTENT_ID_NAMESPACE: Uuid = Uuid::from_u128(0x6b1f_2c1e_8f5a_4d0e_9a57_3c2b_1d4e_7f10);

/// The longest key accepted, as Stripe does.
pub const MAX_IDEMPOTENCY_KEY_LEN: usize = 255;

/// A client's `Idempotency-Key`: 1 to 255 visible ASCII characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// Parses a header value; `None` if it is empty, too long or not visible ASCII.
    pub fn parse(raw: &str) -> Option<Self> {
        let valid = !raw.is_empty()
            && raw.len() <= MAX_IDEMPOTENCY_KEY_LEN
            && raw.bytes().all(|b| b.is_ascii_graphic());
        valid.then(|| Self(raw.to_owned()))
    }

    /// The id of the thing this key creates within `scope` (e.g. an organiser, an event):
    /// the same key in the same scope always names the same thing.
    pub fn derive_id(&self, scope: &str) -> Uuid {
        Uuid::new_v5(
            &IDEMPOTENT_ID_NAMESPACE,
            format!("{scope}\u{0}{}", self.0).as_bytes(),
        )
    }

    /// The key as the client sent it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_key_in_the_same_scope_names_the_same_id() {
        let key = IdempotencyKey::parse("order-42").unwrap();
        assert_eq!(key.derive_id("create-event"), key.derive_id("create-event"));
        assert_ne!(key.derive_id("create-event"), key.derive_id("other"));
    }

    #[test]
    fn refuses_empty_long_and_invisible_keys() {
        assert!(IdempotencyKey::parse("").is_none());
        assert!(IdempotencyKey::parse(&"k".repeat(256)).is_none());
        assert!(IdempotencyKey::parse("has space").is_none());
        assert!(IdempotencyKey::parse(&"k".repeat(255)).is_some());
    }
}
